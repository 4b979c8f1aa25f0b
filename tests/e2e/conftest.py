"""The real Pulumi CLI against the emulator: a CLI from scripts/get-pulumi.sh, a project per test.

Every test here is marked `e2e` (`./scripts/test.sh -m e2e` runs exactly them). They skip, with the
reason, only where get-pulumi.sh finds no CLI and no Go to build one; a failed build fails them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from azure_batch_emulator.proxy import FaultProxy
from tests.e2e.cli import MONITOR_KEY, MOUNT_PASSWORD, TEST_PROGRAM, Project, cli_folder, get_pulumi


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def pulumi_bin() -> str:
    """The folder holding the pinned CLI, from scripts/get-pulumi.sh (builds it once where Go exists)."""
    done = get_pulumi()
    if done.returncode == 3:
        pytest.skip(f"no pulumi CLI and no Go to build one: {done.stderr.strip()}")
    if done.returncode != 0:
        pytest.fail(f"scripts/get-pulumi.sh failed with exit {done.returncode}:\n{done.stderr}")
    return cli_folder(done)


@pytest.fixture
def test_project(tmp_path: Path, pulumi_bin: str, proxy: FaultProxy) -> Iterator[Project]:
    """The suite's program (tests/e2e/program) as a fresh stack, its provider talking through `proxy`."""
    project = Project(tmp_path, TEST_PROGRAM, proxy.url, pulumi_bin)
    project.config("monitorKey", MONITOR_KEY, secret=True)
    project.config("mountPassword", MOUNT_PASSWORD, secret=True)
    yield project
    project.run("destroy", "--yes", check=False)
