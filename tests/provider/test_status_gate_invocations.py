"""The status gate's exit codes mean what the table says, however it is called.

A bad invocation is exit 2 with one line naming the flag and the fix (never 1, "an extension failed"; never
5, "not found"; never 7); an unexpected failure is exit 7 with one line; with --json every outcome is one
JSON document on stdout. Run through ``pulumi_azure_batch_pool.gate.cli.main`` and, for the entry points
themselves, as
``python -m pulumi_azure_batch_pool`` and the ``batchpool`` console script in a subprocess.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer
from pulumi_azure_batch_pool.gate.cli import main
from tests.provider.test_status_command import by_name, put_pool

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = ["--resource-group", DEMO_ACCOUNT.resource_group, "--account", DEMO_ACCOUNT.account_name]


def gate(emulator: EmulatorServer, *args: str, **environ: str) -> tuple[int, str, str]:
    """``main(["status", ...])`` against the emulator; returns (exit code, stdout, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    env = {
        "BATCHPOOL_ARM_ENDPOINT": emulator.url,
        "AZURE_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id,
        **environ,
    }
    code = main(["status", *args], environ=env, stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def entry_point(command: list[str], emulator: EmulatorServer, *args: str) -> subprocess.CompletedProcess[str]:
    """Run an installed entry point of the gate with the checkout first on the path."""
    environ = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "BATCHPOOL_ARM_ENDPOINT": emulator.url,
        "AZURE_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id,
    }
    return subprocess.run(
        [*command, "status", *args], cwd=REPO, env=environ, capture_output=True, text=True, timeout=120
    )


BAD_INVOCATIONS = [
    # (arguments, the flag the line must name, a phrase of the fix)
    ([*ACCOUNT, "--pool", ""], "--pool ''", "the pool name is empty"),
    ([*ACCOUNT, "--pool", "a/b"], "--pool 'a/b'", "use only letters, digits, '-' or '_'"),
    ([*ACCOUNT, "--pool", "p" * 65], "--pool 'ppp", "shorten it to at most 64"),
    (
        ["--resource-group", "a/b", "--account", DEMO_ACCOUNT.account_name, "--pool", "p"],
        "--resource-group 'a/b'",
        "'/' above all",
    ),
    (["--resource-group", "", "--account", "demoaccount", "--pool", "p"], "--resource-group", "needs"),
    (
        ["--resource-group", "r" * 91, "--account", "demoaccount", "--pool", "p"],
        "--resource-group 'rrr",
        "longer than 90",
    ),
    (["--resource-group", "rg", "--account", "a/b", "--pool", "p"], "--account 'a/b'", "3-24 letters"),
    ([*ACCOUNT, "--pool", "p", "--subscription", "not-a-guid"], "--subscription 'not-a-guid'", "GUID"),
    (["--pool-id", "/subscriptions/x/pools/y"], "--pool-id '/subscriptions/x/pools/y'", "expected"),
    (
        [
            "--pool-id",
            "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/acct/pools/p",
        ],
        "its subscriptionId",
        "GUID",
    ),
    (["--stack", "missing.json"], "--stack missing.json", "no such file"),
    (["--pool", "p"], "--pool needs --resource-group and --account", "pass the Batch account"),
    ([], "name at least one pool", "--pool-id or --stack"),
    ([*ACCOUNT, "--pool", "p", "--max-nodes", "-1"], "--max-nodes -1", "give 0 or more"),
    ([*ACCOUNT, "--pool", "p", "--timeout-minutes", "-1"], "--timeout-minutes -1", "above 0"),
    ([*ACCOUNT, "--pool", "p", "--timeout-minutes", "nan"], "--timeout-minutes nan", "above 0"),
    ([*ACCOUNT, "--pool", "p", "--max-nodes", "many"], "--max-nodes", "invalid int value"),
    ([*ACCOUNT, "--pool", "p", "--frobnicate"], "unrecognized arguments: --frobnicate", "--help"),
    (["--stack", "-", "--orphans", "-", *ACCOUNT], "--stack - and --orphans -", "give one of them a file"),
]


@pytest.mark.parametrize(
    ("args", "flag", "fix"), BAD_INVOCATIONS, ids=[" ".join(a[0]) for a in BAD_INVOCATIONS]
)
def test_a_bad_invocation_is_exit_2_with_one_line_naming_the_flag(
    emulator: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
    flag: str,
    fix: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # so that missing.json is missing
    code, out, err = gate(emulator, *args)
    assert code == 2, err
    (line,) = err.splitlines()
    assert line.startswith("error: ") and flag in line and fix in line
    assert out == ""

    code, out, err = gate(emulator, *args, "--json")
    document = json.loads(out)
    assert code == document["exitCode"] == 2
    assert document["verdict"] == "usage error" and flag in document["error"]


def test_no_subscription_anywhere_is_a_usage_error(emulator: EmulatorServer) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(
        ["status", *by_name("p")],
        environ={"BATCHPOOL_ARM_ENDPOINT": emulator.url},
        stdout=stdout,
        stderr=stderr,
    )
    assert code == 2
    assert stderr.getvalue().startswith("error: no subscription: pass --subscription, or set BATCHPOOL_")


def test_a_subscription_variable_that_is_no_guid_is_an_unusable_setting(emulator: EmulatorServer) -> None:
    code, out, err = gate(emulator, *by_name("p"), "--json", BATCHPOOL_SUBSCRIPTION_ID="not-a-guid")
    assert code == json.loads(out)["exitCode"] == 7
    assert err.startswith("error: BATCHPOOL_SUBSCRIPTION_ID 'not-a-guid': ") and "GUID" in err


def test_a_state_that_is_no_stack_export_is_refused(emulator: EmulatorServer, tmp_path: Path) -> None:
    cases = {
        "empty-object.json": {},
        "list.json": [],
        "outputs.json": {"arm_id": f"{DEMO_ACCOUNT.arm_id}/pools/p"},  # `pulumi stack output --json`
        "no-urn.json": {"version": 3, "deployment": {"manifest": {}, "resources": []}},
    }
    for name, document in cases.items():
        path = tmp_path / name
        path.write_text(json.dumps(document))
        code, _out, err = gate(emulator, *ACCOUNT, "--orphans", str(path))
        assert code == 2, (name, err)
        (line,) = err.splitlines()
        assert line.startswith(f"error: --orphans {path}: ") and "`pulumi stack export`" in line


def test_settings_errors_name_the_variables_the_gate_reads(emulator: EmulatorServer) -> None:
    code, out, err = gate(emulator, *by_name("p"), "--json", BATCHPOOL_ARM_ENDPOINT="http://example.com")
    assert code == 7 and json.loads(out)["exitCode"] == 7
    (line,) = err.splitlines()
    assert line.startswith("error: BATCHPOOL_ARM_ENDPOINT is 'http://example.com'")
    assert "batchpool:" not in line


def test_an_unexpected_failure_is_exit_7_in_one_line(emulator: EmulatorServer, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)  # the JSON decoder gives up with a RecursionError
    code, out, err = gate(emulator, "--stack", str(deep), "--json")
    assert code == 7
    (line,) = err.splitlines()
    assert line.startswith("error: unexpected RecursionError: ") and "please report this" in line
    document = json.loads(out)
    assert document["exitCode"] == 7 and document["verdict"] == "error" and document["pools"] == []


def test_a_missing_account_is_not_reported_as_a_missing_pool(emulator: EmulatorServer) -> None:
    code, out, _ = gate(emulator, "--resource-group", "demo-rg", "--account", "noaccount", "--pool", "p")
    assert code == 5
    assert "Batch account 'noaccount' does not exist in resource group 'demo-rg'" in out
    assert "pool 'p' does not exist" not in out


def test_max_nodes_zero_lists_no_node_and_the_counts_stay_complete(emulator: EmulatorServer) -> None:
    put_pool(emulator, "counted")
    code, out, _ = gate(emulator, *by_name("counted"), "--max-nodes", "0", "--json")
    (pool,) = json.loads(out)["pools"]
    assert code == 0
    assert pool["nodes"] == [] and pool["nodeCount"] == 2
    assert pool["extensionStatus"]["secretext"]["succeeded"] == 2
    code, out, _ = gate(emulator, *by_name("counted"), "--max-nodes", "0")
    assert "(0 of 2 nodes shown, failing first; see --max-nodes)" in out
    code, out, _ = gate(emulator, *by_name("counted"), "--max-nodes", "1", "--json")
    assert len(json.loads(out)["pools"][0]["nodes"]) == 1


@pytest.mark.parametrize(
    ("command", "prog"),
    [
        ([sys.executable, "-m", "pulumi_azure_batch_pool"], "python -m pulumi_azure_batch_pool"),
        ([str(Path(sys.executable).with_name("batchpool"))], "batchpool"),
    ],
    ids=["python -m pulumi_azure_batch_pool", "batchpool"],
)
def test_entry_points_answer_bad_invocations_in_their_own_name(
    emulator: EmulatorServer, command: list[str], prog: str
) -> None:
    done = entry_point(command, emulator, *ACCOUNT, "--pool", "a/b")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: --pool 'a/b': the pool name contains '/'; use only letters, digits, '-' or '_'"
    ]
    done = entry_point(command, emulator, "--nonsense", "--json")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"see `{prog} status --help`" in json.loads(done.stdout)["error"]
    done = entry_point(command, emulator, "--help")
    assert done.returncode == 0 and done.stdout.startswith(f"usage: {prog} status")
    assert "6 orphaned pools of this stack found" in done.stdout
