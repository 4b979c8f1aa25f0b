"""Every program in programs/ through the real CLI: preview, up, no drift, destroy."""

from __future__ import annotations

from pathlib import Path

import pytest

from azure_batch_emulator.proxy import FaultProxy
from tests.e2e.cli import REPO, Project, pool_steps, pools_in

PROGRAMS = sorted(path for path in (REPO / "programs").iterdir() if (path / "__main__.py").exists())


@pytest.mark.parametrize("program", PROGRAMS, ids=[path.name for path in PROGRAMS])
def test_program_deploys_without_drift_and_destroys(
    program: Path, tmp_path: Path, pulumi_bin: str, proxy: FaultProxy
) -> None:
    project = Project(tmp_path, program, proxy.url, pulumi_bin)
    try:
        assert pool_steps(project.run("preview", "--json").stdout) == ["create"]

        project.run("up", "--yes")
        statuses = project.outputs()["extension_status"]
        assert statuses, "the program exports its pool's extension status"
        for name, status in statuses.items():
            assert status["succeeded"] >= 1 and status["failed"] == 0, (name, status)
        [pool] = pools_in(proxy.url)
        assert project.pool_resources()[0]["id"] == pool["id"]

        assert project.run("preview", "--expect-no-changes").returncode == 0
        project.run("refresh", "--yes", "--expect-no-changes")
    finally:
        project.run("destroy", "--yes")
    assert pools_in(proxy.url) == []
