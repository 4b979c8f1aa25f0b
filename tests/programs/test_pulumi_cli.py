"""End to end with the real `pulumi` CLI against the emulator: up, refresh, preview, destroy.

Skipped (with the reason) where the CLI is not installed; CI machines without it still run everything
else, including the engine-contract tests that drive the same provider server the CLI would start.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import DEMO_ACCOUNT, EmulatorServer

PULUMI = shutil.which("pulumi")
REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        PULUMI is None, reason="the pulumi CLI is not on PATH (install it to run end-to-end tests)"
    ),
]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    with EmulatorServer(port=0, speed="fast") as emulator:
        project = tmp_path / "project"
        shutil.copytree(REPO / "programs" / "linux-keyvault-pool", project)
        (project / "Pulumi.yaml").write_text(
            "name: e2e\nruntime:\n  name: python\n  options:\n"
            f"    virtualenv: {Path(sys.executable).parent.parent}\n"
        )
        env = {
            **os.environ,
            "PULUMI_BACKEND_URL": f"file://{tmp_path}/state",
            "PULUMI_CONFIG_PASSPHRASE": "e2e",
            "PULUMI_SKIP_UPDATE_CHECK": "1",
            "BATCHPOOL_ARM_ENDPOINT": emulator.url,
            "BATCHPOOL_POLL_INTERVAL_SECONDS": "0.2",
            "AZURE_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id,
        }
        (tmp_path / "state").mkdir()
        _pulumi(project, env, "stack", "init", "e2e")
        yield project, env
        _pulumi(project, env, "destroy", "--yes", check=False)


def _pulumi(project: Path, env: dict[str, str], *args: str, check: bool = True) -> str:
    assert PULUMI is not None
    done = subprocess.run(
        [PULUMI, *args, "--non-interactive"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and done.returncode != 0:
        pytest.fail(f"pulumi {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def test_up_refresh_preview_destroy(stack: tuple[Path, dict[str, str]]) -> None:
    project, env = stack
    _pulumi(project, env, "up", "--yes")
    status = json.loads(_pulumi(project, env, "stack", "output", "extension_status", "--json"))
    assert status["secretext"]["succeeded"] == 2
    assert "changes" not in _pulumi(project, env, "refresh", "--yes", "--expect-no-changes")
    preview = _pulumi(project, env, "preview", "--expect-no-changes")
    assert "replace" not in preview
    _pulumi(project, env, "config", "set", "nodes", "3")
    assert "update" in _pulumi(project, env, "preview", "--diff")
    _pulumi(project, env, "destroy", "--yes")
