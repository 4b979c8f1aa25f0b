"""`pulumi refresh` of 10 pools against 1 pool, through the real CLI (the engine reads in parallel).

    .venv/bin/python -m benchmarks.cli_refresh [--pools 10] [--runs 3]

Starts the emulator (instant speed), deploys tests/e2e/program with one pool and with N pools in two
stacks, then times `pulumi refresh --yes` of each, alternating, and prints the median wall times and
their ratio measured in this one run. The CLI comes from scripts/get-pulumi.sh.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from azure_batch_emulator import EmulatorServer
from tests.e2e.cli import MONITOR_KEY, MOUNT_PASSWORD, TEST_PROGRAM, Project, cli_folder, get_pulumi


def _stack(root: Path, url: str, pulumi_bin: str, pools: int) -> Project:
    project = Project(root, TEST_PROGRAM, url, pulumi_bin)
    project.config("monitorKey", MONITOR_KEY, secret=True)
    project.config("mountPassword", MOUNT_PASSWORD, secret=True)
    project.config("count", str(pools))
    project.run("up", "--yes")
    return project


def _refresh_seconds(project: Project) -> float:
    started = time.perf_counter()
    project.run("refresh", "--yes")
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pools", type=int, default=10, help="pools in the larger stack (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="refreshes of each stack (default 3)")
    options = parser.parse_args(argv)
    got = get_pulumi()
    if got.returncode != 0:
        raise SystemExit(f"no pulumi CLI (scripts/get-pulumi.sh exited {got.returncode}):\n{got.stderr}")
    pulumi_bin = cli_folder(got)
    with EmulatorServer(port=0, speed="instant") as emulator, tempfile.TemporaryDirectory() as tmp:
        one = _stack(Path(tmp) / "one", emulator.url, pulumi_bin, 1)
        many = _stack(Path(tmp) / "many", emulator.url, pulumi_bin, options.pools)
        times: dict[int, list[float]] = {1: [], options.pools: []}
        for _ in range(options.runs):
            times[1].append(_refresh_seconds(one))
            times[options.pools].append(_refresh_seconds(many))
        for project in (one, many):
            project.run("destroy", "--yes")
    single, multiple = statistics.median(times[1]), statistics.median(times[options.pools])
    print(f"pulumi refresh, median of {options.runs}: 1 pool {single:.2f} s,", end=" ")
    print(f"{options.pools} pools {multiple:.2f} s")
    print(f"{options.pools} pools take {multiple / single:.2f}x one pool's refresh")
    return {"one": single, "many": multiple, "ratio": multiple / single}


if __name__ == "__main__":
    main()
