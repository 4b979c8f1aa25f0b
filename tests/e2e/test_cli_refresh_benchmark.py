"""The CLI refresh benchmark runs end to end (at 3 pools, one run) and prints its figures."""

from __future__ import annotations

import pytest

from benchmarks.cli_refresh import main


def test_the_cli_refresh_benchmark_runs(pulumi_bin: str, capsys: pytest.CaptureFixture[str]) -> None:
    figures = main(["--pools", "3", "--runs", "1"])
    assert figures["one"] > 0 and figures["many"] > 0
    assert figures["ratio"] == figures["many"] / figures["one"]
    printed = capsys.readouterr().out
    assert "1 pool" in printed and "3 pools take" in printed
