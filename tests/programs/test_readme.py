"""Every code block in README.md runs, so the docs cannot rot.

Python blocks that are programs run under Pulumi's mocks and must register a pool the provider's check
accepts; shell blocks run command by command against the emulator; JSON blocks must parse. A command
this test does not know how to run fails the test, so a new block cannot slip in untested. Commands
that need the Pulumi CLI or Azure skip with the reason.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from pulumi_azure_batch_pool import BatchPool, BatchPoolProvider
from tests.e2e.cli import cli_environment, cli_folder, get_pulumi
from tests.engine.program import registered_inputs, strip_secrets
from tests.pools import ubuntu_deployment

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<language>\w*)\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)


@dataclass(frozen=True)
class Block:
    """One fenced block of the README: its language, body and the line it starts on."""

    language: str
    body: str
    line: int

    def commands(self) -> list[str]:
        """Shell command lines without comments and blank lines."""
        lines = (re.sub(r"\s+#.*$", "", line).strip() for line in self.body.splitlines())
        return [line for line in lines if line and not line.startswith("#")]


def readme_blocks() -> list[Block]:
    text = README.read_text()
    return [
        Block(
            match["language"], _dedent(match["body"], match["indent"]), text[: match.start()].count("\n") + 1
        )
        for match in FENCE.finditer(text)
    ]


def _dedent(body: str, indent: str) -> str:
    return "\n".join(line.removeprefix(indent) for line in body.splitlines())


BLOCKS = readme_blocks()
PROGRAMS = [block for block in BLOCKS if block.language == "python"]
COMMANDS = [(block, command) for block in BLOCKS if block.language == "bash" for command in block.commands()]
DOCUMENTS = [block for block in BLOCKS if block.language == "json"]


def test_every_block_has_a_known_kind() -> None:
    """`text` blocks quote output (their own tests check it, e.g. test_explain's preview lines)."""
    assert {block.language for block in BLOCKS} <= {"python", "bash", "json", "text"}
    assert PROGRAMS and COMMANDS and DOCUMENTS


@pytest.mark.parametrize("block", PROGRAMS, ids=[f"line{block.line}" for block in PROGRAMS])
def test_program_block_registers_a_pool_the_provider_accepts(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_keys = set(re.findall(r"config\.(?:require_secret|require|get)\w*\(\"(\w+)\"\)", block.body))
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({f"project:{key}": "config-value" for key in config_keys}))
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", DEMO_ACCOUNT.subscription_id)
    source = tmp_path / "__main__.py"
    source.write_text(block.body)

    def run() -> list[BatchPool]:
        namespace: dict[str, Any] = {"__name__": "__main__"}
        exec(compile(block.body, str(source), "exec"), namespace)
        return [value for value in namespace.values() if isinstance(value, BatchPool)]

    registered = registered_inputs(run)
    assert registered, "the block declares no BatchPool"
    for props in registered.values():
        result = BatchPoolProvider().check({}, strip_secrets(props))
        assert [(failure.property, failure.reason) for failure in result.failures] == []


@pytest.mark.parametrize("block", DOCUMENTS, ids=[f"line{block.line}" for block in DOCUMENTS])
def test_json_block_parses(block: Block) -> None:
    assert isinstance(json.loads(block.body), dict)


@pytest.mark.parametrize(
    ("block", "command"),
    COMMANDS,
    ids=[f"line{block.line}-{command.split()[0]}" for block, command in COMMANDS],
)
def test_command_block_runs(block: Block, command: str, emulator: EmulatorServer, tmp_path: Path) -> None:
    argv = shlex.split(command)
    if argv[0] == "./scripts/test.sh":
        pytest.skip("this is the command that runs these tests")
    if argv[0] == "./scripts/demo.sh":
        _demo(argv, tmp_path)
    elif argv[1:2] == ["scripts/pulumi_program.py"]:
        _program_runner(argv, emulator, tmp_path)
    elif argv[:3] == ["python", "-m", "azure_batch_emulator"]:
        _emulator_starts_and_stops(argv, tmp_path)
    elif argv[:4] == ["python", "-m", "pulumi_azure_batch_pool", "status"]:
        _status_against_the_emulator(argv, emulator)
    else:
        pytest.fail(f"README.md line {block.line}: this test does not know how to run {command!r}; teach it")


def _demo(argv: list[str], tmp_path: Path) -> None:
    """The main job for real: `pulumi up` with the CLI that get-pulumi.sh provides, twice (then a no-op).

    Where get-pulumi.sh finds no CLI and no Go, the demo must stop at once and say why, downloading nothing.
    """
    never_opt_in = {key: value for key, value in os.environ.items() if key != "BATCHPOOL_INSTALL_PULUMI"}
    # A stack and state of its own, so that the developer's own demo stack in .pulumi-local stays untouched.
    stack = f"readme-test-{os.getpid()}"
    env = {
        **never_opt_in,
        "BATCHPOOL_DEMO_STATE_DIR": str(tmp_path / "demo-state"),
        "BATCHPOOL_DEMO_STACK": stack,
    }
    if get_pulumi().returncode == 3:
        done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 3
        assert "no pulumi CLI, and no Go to build the pinned one" in done.stderr
        assert "scripts/demo.sh --install-pulumi" in done.stderr
        assert "Nothing was downloaded" in done.stderr
        return
    try:
        for expected in ("+ 2 created", "2 unchanged"):
            done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
            assert done.returncode == 0, done.stdout + done.stderr
            assert expected in done.stdout
            assert "verdict: succeeded (exit code 0)" in done.stdout
    finally:
        (REPO / f"Pulumi.{stack}.yaml").unlink(missing_ok=True)
    assert (tmp_path / "demo-state" / "emulator-state.json").exists()


def _program_runner(argv: list[str], emulator: EmulatorServer, tmp_path: Path) -> None:
    """The documented runner command on the stack it names, in a state backend of the test's own."""
    got = get_pulumi()
    if got.returncode == 3:
        pytest.skip("no pulumi CLI and no Go to build one")
    project = REPO / argv[argv.index("--cwd") + 1]
    stack = argv[argv.index("--stack") + 1]
    env = cli_environment(cli_folder(got), tmp_path, emulator.url)
    argv[0] = sys.executable
    try:
        init = [*argv[: argv.index("--") + 1], "stack", "init", stack, "--non-interactive"]
        subprocess.run(init, cwd=REPO, env=env, check=True, capture_output=True, timeout=120)
        done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    finally:
        (project / f"Pulumi.{stack}.yaml").unlink(missing_ok=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "+ 2 to create" in done.stdout


def _emulator_starts_and_stops(argv: list[str], tmp_path: Path) -> None:
    """Run the documented start-up on a free port (cwd: a scratch folder for any state file)."""
    if "--port" in argv:
        argv[argv.index("--port") + 1] = "0"
    process = subprocess.Popen(
        [sys.executable, *argv[1:]],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), url
        account = requests.get(
            f"{url}{DEMO_ACCOUNT.arm_id}",
            params={"api-version": "2025-06-01"},
            headers={"Authorization": f"Bearer {DEV_TOKEN}"},
            timeout=10,
        )
        assert account.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def _status_against_the_emulator(argv: list[str], emulator: EmulatorServer) -> None:
    """The documented gate passes on a healthy pool of the name the README uses."""
    pool = argv[argv.index("--pool") + 1]
    body = {
        "properties": {
            "vmSize": "STANDARD_D2S_V3",
            "deploymentConfiguration": ubuntu_deployment(
                {"name": "monitor", "publisher": "Microsoft.Azure.Monitor", "type": "AzureMonitorLinuxAgent"}
            ),
            "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 1}},
        }
    }
    group, account = argv[argv.index("--resource-group") + 1], argv[argv.index("--account") + 1]
    requests.put(
        f"{emulator.url}/subscriptions/{DEMO_ACCOUNT.subscription_id}/resourceGroups/{group}"
        f"/providers/Microsoft.Batch/batchAccounts/{account}/pools/{pool}",
        params={"api-version": "2025-06-01"},
        json=body,
        headers={"Authorization": f"Bearer {DEV_TOKEN}"},
        timeout=10,
    ).raise_for_status()
    done = subprocess.run(
        [sys.executable, *argv[1:]],
        cwd=REPO,
        env={
            **os.environ,
            "BATCHPOOL_ARM_ENDPOINT": emulator.url,
            "AZURE_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    if "--json" in argv:
        assert json.loads(done.stdout)["verdict"] == "succeeded"
    else:
        assert "verdict: succeeded (exit code 0)" in done.stdout
