"""Smoke test of the emulator's throughput benchmark: it runs end to end without errors (no timing)."""

from __future__ import annotations

import pytest

from benchmarks import emulator_throughput


def test_the_extension_read_mode_runs_without_errors(capsys: pytest.CaptureFixture[str]) -> None:
    emulator_throughput.main(["--duration", "0.3", "--clients", "2", "--nodes", "3", "--mode", "extension"])

    printed = capsys.readouterr().out
    assert "mode=extension nodes=3 " in printed
    assert "errors=0" in printed
    assert "throughput=" in printed
