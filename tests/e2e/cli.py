"""Run the real Pulumi CLI on a project against the emulator: shared by the e2e tests and benchmarks."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN
from pulumi_azure_batch_pool.model.ownership import without_ownership_tags

REPO = Path(__file__).resolve().parents[2]
RUNNER = REPO / "scripts" / "pulumi_program.py"
TEST_PROGRAM = Path(__file__).resolve().parent / "program"
API = "api-version=2025-06-01"
#: Distinctive secret values: none may ever appear in plain text in state, outputs or CLI output.
MONITOR_KEY = "e2e-monitor-key-7f3a9c"
MOUNT_PASSWORD = "e2e-mount-password-51d2"
POOL_TYPE = "pulumi-python:dynamic/azurebatch:Pool"


def get_pulumi() -> subprocess.CompletedProcess[str]:
    """Run scripts/get-pulumi.sh: exit 0 with the CLI folder as its last stdout line, 3 without CLI or Go."""
    return subprocess.run(
        ["bash", str(REPO / "scripts" / "get-pulumi.sh")], capture_output=True, text=True, timeout=3600
    )


def cli_folder(done: subprocess.CompletedProcess[str]) -> str:
    """The folder holding the CLI, from a successful get-pulumi.sh run (its last stdout line)."""
    return done.stdout.strip().splitlines()[-1]


def cli_environment(pulumi_bin: str, backend: Path, arm_endpoint: str) -> dict[str, str]:
    """The environment of a CLI run against the emulator: this CLI first on PATH, offline, a file backend."""
    return {
        **os.environ,
        "PATH": f"{pulumi_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": "e2e-passphrase",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "BATCHPOOL_ARM_ENDPOINT": arm_endpoint,
        "BATCHPOOL_POLL_INTERVAL_SECONDS": "0.1",
        "AZURE_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id,
        "NO_COLOR": "1",
    }


def pool_steps(preview_json: str) -> list[str]:
    """The operations `pulumi preview --json` plans for BatchPool resources."""
    plan = json.loads(preview_json)
    return [step["op"] for step in plan.get("steps", []) if f"::{POOL_TYPE}::" in step["urn"]]


def disown(emulator_url: str, pool_name: str) -> dict[str, Any]:
    """Strip the provider's ownership tags from a pool, as if another tool made it; returns the pool."""
    url = f"{emulator_url}{DEMO_ACCOUNT.arm_id}/pools/{pool_name}?{API}"
    headers = {"Authorization": f"Bearer {DEV_TOKEN}"}
    tags = requests.get(url, headers=headers, timeout=30).json().get("tags")
    answer = requests.patch(url, json={"tags": without_ownership_tags(tags)}, headers=headers, timeout=30)
    answer.raise_for_status()
    pool: dict[str, Any] = answer.json()
    return pool


class Project:
    """One Pulumi project and stack in a temporary folder, run through the real CLI."""

    def __init__(
        self, root: Path, program: Path, arm_endpoint: str, pulumi_bin: str, stack: str = "e2e"
    ) -> None:
        self.dir = root / "project"
        self.name = program.name.replace("_", "-")
        shutil.copytree(program, self.dir)
        (self.dir / "Pulumi.yaml").write_text(
            f"name: {self.name}\nruntime:\n  name: python\n  options:\n"
            f"    virtualenv: {Path(sys.executable).parent.parent}\n"
        )
        (root / "state").mkdir()
        self.env = cli_environment(pulumi_bin, root / "state", arm_endpoint)
        self.run("stack", "init", stack)

    def command(self, *args: str) -> list[str]:
        """The command line that runs `pulumi ARGS` on this project (through the program runner)."""
        return [sys.executable, str(RUNNER), "--cwd", str(self.dir), "--", *args, "--non-interactive"]

    def run(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            self.command(*args), cwd=self.dir, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and done.returncode != 0:
            pytest.fail(f"pulumi {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start `pulumi ARGS` in its own process group (so that killing it kills what it started)."""
        return subprocess.Popen(
            self.command(*args),
            cwd=self.dir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def config(self, key: str, value: str, *, secret: bool = False) -> None:
        self.run("config", "set", key, value, *(["--secret"] if secret else []))

    def outputs(self) -> dict[str, Any]:
        return json.loads(self.run("stack", "output", "--json").stdout)

    def export(self, *, show_secrets: bool = False) -> str:
        return self.run("stack", "export", *(["--show-secrets"] if show_secrets else [])).stdout

    def pool_resources(self) -> list[dict[str, Any]]:
        """The BatchPool resources of `pulumi stack export` (secrets still encrypted)."""
        resources = json.loads(self.export())["deployment"]["resources"]
        return [resource for resource in resources if resource["type"] == POOL_TYPE]


def kill_group(process: subprocess.Popen[str]) -> None:
    """SIGKILL the process and everything in its process group, as killing a CLI with its children does."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def processes_in(folder: Path) -> list[int]:
    """Live processes whose working directory is `folder` (the engine starts plugins there)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if Path(os.readlink(entry / "cwd")) == folder:
                found.append(int(entry.name))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


def pools_in(emulator_url: str, token: str = DEV_TOKEN) -> list[dict[str, Any]]:
    """The pools the emulator holds in the demo account (``token``: the one it was started with)."""
    answer = requests.get(
        f"{emulator_url}{DEMO_ACCOUNT.arm_id}/pools?{API}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    answer.raise_for_status()
    pools: list[dict[str, Any]] = answer.json()["value"]
    return pools


def wait_until(predicate: Callable[[], bool], timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)
