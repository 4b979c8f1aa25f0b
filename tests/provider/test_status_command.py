"""`python -m pulumi_azure_batch_pool status` against the emulator: verdicts, exit codes, tables, JSON,
orphans."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from pulumi_azure_batch_pool.gate.cli import main
from pulumi_azure_batch_pool.lifecycle.health import Verdict, pool_verdict
from pulumi_azure_batch_pool.model.ownership import MANAGED_BY_TAG, MANAGED_BY_VALUE, STACK_TAG
from tests.pools import KEY_VAULT_EXTENSION, ubuntu_deployment
from tests.provider.fake_time import FakeTime

REPO = Path(__file__).resolve().parents[2]
ACCOUNT_ID = DEMO_ACCOUNT.arm_id
MISSING_CERT = "https://other-vault.vault.azure.net/secrets/absent"
HEADERS = {"Authorization": f"Bearer {DEV_TOKEN}"}


def put_pool(emulator: EmulatorServer, name: str, *, certificate: str | None = None, tags: Any = None) -> str:
    """Create a pool from outside the provider (as another tool or an interrupted run would)."""
    extension: dict[str, Any] = dict(KEY_VAULT_EXTENSION)
    if certificate:
        extension["settings"] = {
            "secretsManagementSettings": {"requireInitialSync": True, "observedCertificates": [certificate]}
        }
    body = {
        "properties": {
            "vmSize": "STANDARD_D2S_V3",
            "deploymentConfiguration": ubuntu_deployment(extension),
            "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 2}},
        },
        "tags": tags or {},
    }
    response = requests.put(
        f"{emulator.url}{ACCOUNT_ID}/pools/{name}",
        params={"api-version": "2025-06-01"},
        json=body,
        headers=HEADERS,
        timeout=10,
    )
    response.raise_for_status()
    return f"{ACCOUNT_ID}/pools/{name}"


def run(emulator: EmulatorServer, *args: str, **kwargs: Any) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    environ = {
        "BATCHPOOL_ARM_ENDPOINT": emulator.url,
        "AZURE_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id,
        "BATCHPOOL_POLL_INTERVAL_SECONDS": "2",
    }
    code = main(["status", *args], environ=environ, stdout=stdout, stderr=stderr, **kwargs)
    return code, stdout.getvalue(), stderr.getvalue()


def by_name(*pools: str) -> list[str]:
    names = [argument for pool in pools for argument in ("--pool", pool)]
    return ["--resource-group", DEMO_ACCOUNT.resource_group, "--account", DEMO_ACCOUNT.account_name, *names]


def test_healthy_pool_passes_the_gate_with_a_table(emulator: EmulatorServer) -> None:
    put_pool(emulator, "healthy")
    code, out, _ = run(emulator, *by_name("healthy"))
    assert code == 0
    assert "verdict: succeeded (exit code 0)" in out
    header, row = (
        line.split() for line in out.splitlines() if line.strip().startswith(("extension", "secretext"))
    )
    assert header == ["extension", "succeeded", "failed", "transitioning", "missing", "unknown"]
    assert row[:3] == ["secretext", "2", "0"]
    assert sum(1 for line in out.splitlines() if line.strip().startswith("tvm-")) == 2


def test_failed_key_vault_extension_fails_the_gate_with_the_remedy(emulator: EmulatorServer) -> None:
    put_pool(emulator, "kv-fails", certificate=MISSING_CERT)
    code, out, _ = run(emulator, *by_name("kv-fails"), "--json")
    report = json.loads(out)
    assert code == Verdict.FAILED.exit_code == report["exitCode"] == 1
    (pool,) = report["pools"]
    assert pool["verdict"] == "failed"
    assert pool["extensionStatus"]["secretext"]["failed"] == 2
    assert {node["state"] for node in pool["nodes"]} == {"unusable"}
    (remedy,) = pool["remedies"]
    assert MISSING_CERT in remedy
    assert "requireInitialSync to false" in remedy
    assert "/var/log/azure/Microsoft.Azure.KeyVault.KeyVaultForLinux/" in remedy


def test_missing_pool_has_its_own_exit_code_and_a_clear_message(emulator: EmulatorServer) -> None:
    code, out, _ = run(emulator, *by_name("nowhere"))
    assert code == Verdict.NOT_FOUND.exit_code == 5
    assert "pool 'nowhere' does not exist in Batch account 'demoaccount'" in out


def test_the_worst_pool_decides_and_stack_files_name_pools(emulator: EmulatorServer, tmp_path: Path) -> None:
    healthy = put_pool(emulator, "good")
    failing = put_pool(emulator, "bad", certificate=MISSING_CERT)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"pools": {"good": healthy, "bad": failing}, "note": "not an id"}))
    code, out, _ = run(emulator, "--stack", str(outputs), "--json")
    report = json.loads(out)
    assert code == 1
    assert [(pool["armId"], pool["verdict"]) for pool in report["pools"]] == [
        (healthy, "succeeded"),
        (failing, "failed"),
    ]


def test_wait_polls_until_the_pool_settles(tmp_path: Path) -> None:
    fake = FakeTime(1_000_000.0)
    with EmulatorServer(port=0, speed="fast", clock=fake.clock) as slow:
        put_pool(slow, "slow")
        code, out, _ = run(slow, *by_name("slow"))
        assert (code, "verdict: transitioning (exit code 3)" in out) == (3, True)
        code, out, err = run(slow, *by_name("slow"), "--wait", sleep=fake.sleep, clock=fake.clock)
    assert code == 0
    assert "checking again in 2 s" in err
    assert "verdict: succeeded" in out


def test_wait_gives_up_at_the_timeout(tmp_path: Path) -> None:
    fake = FakeTime(1_000_000.0)
    with EmulatorServer(port=0, speed="realistic", clock=lambda: 1_000_000.0) as stuck:
        put_pool(stuck, "stuck")
        code, _, err = run(
            stuck, *by_name("stuck"), "--wait", "--timeout-minutes", "0.1", sleep=fake.sleep, clock=fake.clock
        )
    assert code == Verdict.TRANSITIONING.exit_code
    assert "still transitioning after 0.1 minutes; giving up" in err


def stack_export(stack: str, project: str, *pool_ids: str) -> dict[str, Any]:
    """A `pulumi stack export` document of ``project``/``stack`` holding these pools (and its Stack)."""
    resources = [{"urn": f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"}]
    resources += [
        {"urn": f"urn:pulumi:{stack}::{project}::pulumi-python:dynamic:Resource::p{index}", "id": pool_id}
        for index, pool_id in enumerate(pool_ids)
    ]
    return {"version": 3, "deployment": {"manifest": {}, "resources": resources}}


def owned_by(stack: str) -> dict[str, str]:
    return {MANAGED_BY_TAG: MANAGED_BY_VALUE, STACK_TAG: stack}


def find_orphans_of(emulator: EmulatorServer, state: Path, *extra: str) -> tuple[int, str, str]:
    return run(
        emulator,
        "--resource-group",
        DEMO_ACCOUNT.resource_group,
        "--account",
        DEMO_ACCOUNT.account_name,
        "--orphans",
        str(state),
        *extra,
    )


def test_orphans_are_this_stacks_owned_pools_missing_from_its_state(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    kept = put_pool(emulator, "kept", tags=owned_by("proj/dev"))
    put_pool(emulator, "leftover", tags=owned_by("proj/dev"))
    put_pool(emulator, "someone-elses", tags={"team": "x"})
    state = tmp_path / "state.json"
    state.write_text(json.dumps(stack_export("dev", "proj", kept)))
    code, out, _ = find_orphans_of(emulator, state, "--json")
    report = json.loads(out)
    assert code == Verdict.ORPHANS.exit_code == 6
    assert report["stack"] == "proj/dev"
    assert [(orphan["poolName"], orphan["stack"]) for orphan in report["orphans"]] == [
        ("leftover", "proj/dev")
    ]
    assert report["otherStacks"] == []


def test_a_shared_account_never_names_another_stacks_pools_as_orphans(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    dev = put_pool(emulator, "dev-pool", tags=owned_by("proj/dev"))
    put_pool(emulator, "prod-pool", tags=owned_by("proj/prod"))
    put_pool(emulator, "other-project", tags=owned_by("web/dev"))
    state = tmp_path / "state.json"
    state.write_text(json.dumps(stack_export("dev", "proj", dev)))
    code, out, _ = find_orphans_of(emulator, state, "--json")
    report = json.loads(out)
    assert code == 0 and report["verdict"] == "succeeded"
    assert report["orphans"] == []
    assert sorted((pool["poolName"], pool["stack"]) for pool in report["otherStacks"]) == [
        ("other-project", "web/dev"),
        ("prod-pool", "proj/prod"),
    ]
    code, out, _ = find_orphans_of(emulator, state)
    assert code == 0
    assert "orphaned pools of stack proj/dev: none" in out
    other_section = out[out.index("other stacks' pools") :]
    assert "prod-pool" in other_section and "proj/prod" in other_section
    assert "az resource delete" not in out


def test_orphans_of_a_missing_account_are_not_found(emulator: EmulatorServer, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps(stack_export("dev", "proj")))
    code, out, _ = run(
        emulator, "--resource-group", "demo-rg", "--account", "noaccount", "--orphans", str(state), "--json"
    )
    report = json.loads(out)
    assert code == report["exitCode"] == Verdict.NOT_FOUND.exit_code
    assert "Batch account 'noaccount' does not exist" in report["orphansError"]


def test_unusable_settings_are_an_error_not_a_traceback(emulator: EmulatorServer) -> None:
    stderr = io.StringIO()
    code = main(
        ["status", *by_name("x")],
        environ={"BATCHPOOL_ARM_ENDPOINT": "http://example.com", "AZURE_SUBSCRIPTION_ID": "s"},
        stdout=io.StringIO(),
        stderr=stderr,
    )
    assert code == Verdict.ERROR.exit_code
    assert stderr.getvalue().startswith("error: BATCHPOOL_ARM_ENDPOINT")
    assert "Traceback" not in stderr.getvalue()


def test_module_entry_point_exits_with_the_verdict(emulator: EmulatorServer) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pulumi_azure_batch_pool", "status", *by_name("absent")],
        cwd=REPO,
        env={"BATCHPOOL_ARM_ENDPOINT": emulator.url, "AZURE_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 5
    assert "does not exist" in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("outputs", "verdict"),
    [
        ({"allocationState": "Steady", "extensionStatus": {"e": {"unknown": 1}}}, Verdict.UNKNOWN),
        (
            {"allocationState": "Steady", "nodes": [{"id": "n", "state": "idle", "error": "HTTP 500"}]},
            Verdict.UNKNOWN,
        ),
        ({"allocationState": "Resizing"}, Verdict.TRANSITIONING),
        (
            {
                "allocationState": "Steady",
                "nodes": [
                    {"id": "n", "state": "starting", "extensions": [{"name": "e", "state": "missing"}]}
                ],
            },
            Verdict.TRANSITIONING,
        ),
        (
            {
                "allocationState": "Steady",
                "nodes": [{"id": "n", "state": "idle", "extensions": [{"name": "e", "state": "missing"}]}],
            },
            Verdict.FAILED,
        ),
        (
            {"allocationState": "Steady", "resizeErrors": [{"code": "AccountCoreQuotaReached"}]},
            Verdict.FAILED,
        ),
    ],
)
def test_verdicts_the_emulator_cannot_stage(outputs: dict[str, Any], verdict: Verdict) -> None:
    assert pool_verdict(outputs) is verdict


def test_throttling_is_summarised_not_logged_per_request(emulator: EmulatorServer) -> None:
    put_pool(emulator, "busy")
    requests.post(
        f"{emulator.url}/_emulator/faults",
        json={"throttleRate": 0.5, "throttleStatus": 429, "retryAfter": 0, "seed": 5},
        headers=HEADERS,
        timeout=10,
    ).raise_for_status()
    code, _, err = run(emulator, *by_name("busy"))
    assert code == 0
    (summary,) = err.splitlines()
    assert summary.startswith("status: ") and "requests retried: throttled (429) x" in summary


def test_a_credential_that_cannot_be_built_is_an_error_not_a_traceback(
    emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    stderr = io.StringIO()
    environ = {
        "BATCHPOOL_ARM_ENDPOINT": emulator.url,
        "BATCHPOOL_CREDENTIAL": "workload-identity",
        "AZURE_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id,
    }
    code = main(["status", *by_name("x")], environ=environ, stdout=io.StringIO(), stderr=stderr)
    assert code == Verdict.ERROR.exit_code
    assert stderr.getvalue().startswith(
        "error: BATCHPOOL_CREDENTIAL='workload-identity' could not be created"
    )
