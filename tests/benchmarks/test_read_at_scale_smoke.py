"""A 10-node run of the read benchmark: it runs end to end and its request count is the minimum."""

from __future__ import annotations

import pytest

from benchmarks.read_at_scale import main


def test_the_read_benchmark_runs_at_10_nodes(capsys: pytest.CaptureFixture[str]) -> None:
    results = main(["--nodes", "10", "--output-sizes", "10", "--wait-nodes", "5", "--diff-runs", "5"])

    figures = results["sizes"][10]
    assert figures["requests"] <= figures["budget"] == 10 + 1 + 3
    assert figures["output_bytes_failing"] > figures["output_bytes_succeeded"] > 0
    assert figures["sequential_seconds"] > 0 and figures["peak_bytes"] > 0
    assert results["create_wait_requests_per_minute"] > 0
    printed = capsys.readouterr().out
    assert "10 nodes: read" in printed and "import pulumi_azure_batch_pool adds" in printed
