"""The provider's lifecycle against the emulator over real HTTP: create, wait, fail, update, read, delete."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from pulumi_azure_batch_pool import BatchPoolProvider
from pulumi_azure_batch_pool.azure_clients.errors import BatchPoolError
from tests.pools import KEY_VAULT_EXTENSION, ubuntu_deployment
from tests.provider import configured_provider

PROTECTED = "vault-client-secret-value"
VAULT_CERT = "https://vault.example/secrets/cert"


@pytest.fixture
def provider(emulator: EmulatorServer) -> BatchPoolProvider:
    return configured_provider(emulator.url)


def admin(emulator: EmulatorServer, path: str, body: dict[str, Any]) -> None:
    response = requests.post(
        f"{emulator.url}/_emulator/{path}",
        json=body,
        headers={"Authorization": f"Bearer {DEV_TOKEN}"},
        timeout=10,
    )
    response.raise_for_status()


def program(**overrides: Any) -> dict[str, Any]:
    """Inputs shaped as the BatchPool resource sends them (protectedSettings already split out)."""
    props: dict[str, Any] = {
        "resourceGroupName": DEMO_ACCOUNT.resource_group,
        "accountName": DEMO_ACCOUNT.account_name,
        "poolNamePrefix": "render",
        "vmSize": "STANDARD_D2S_V3",
        "identity": {
            "type": "UserAssigned",
            "userAssignedIdentities": {"/subscriptions/s/resourceGroups/r/providers/x/id": {}},
        },
        "deploymentConfiguration": ubuntu_deployment(
            {
                **KEY_VAULT_EXTENSION,
                "settings": {
                    "secretsManagementSettings": {
                        "requireInitialSync": True,
                        "observedCertificates": [VAULT_CERT],
                    }
                },
            }
        ),
        "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 2}},
        "protectedSettings": {"secretext": {"clientSecret": PROTECTED}},
    }
    props.update(overrides)
    return props


def checked(provider: BatchPoolProvider, props: dict[str, Any]) -> dict[str, Any]:
    result = provider.check({}, props)
    assert result.failures == []
    return result.inputs


def plain(outputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs as the engine hands them back to the provider: secrets unwrapped."""
    from pulumi.runtime.rpc import unwrap_rpc_secret

    return {key: unwrap_rpc_secret(value) for key, value in outputs.items()}


def test_create_waits_until_every_extension_settled(
    provider: BatchPoolProvider, emulator: EmulatorServer
) -> None:
    admin(emulator, "vault-certificates", {"urls": [VAULT_CERT]})
    inputs = checked(provider, program())
    result = provider.create(inputs)
    outs = plain(result.outs)
    assert result.id == (
        f"/subscriptions/{DEMO_ACCOUNT.subscription_id}/resourceGroups/{DEMO_ACCOUNT.resource_group}"
        f"/providers/Microsoft.Batch/batchAccounts/{DEMO_ACCOUNT.account_name}/pools/{inputs['poolName']}"
    )
    assert outs["allocationState"] == "Steady"
    assert outs["currentDedicatedNodes"] == 2
    assert outs["extensionStatus"]["secretext"]["succeeded"] == 2
    assert {node["state"] for node in outs["nodes"]} == {"idle"}
    assert outs["dataPlaneUrl"].endswith(f"/pools/{inputs['poolName']}")
    assert PROTECTED not in repr(result.outs)


def test_failed_key_vault_sync_rolls_back_and_names_nodes(
    provider: BatchPoolProvider, emulator: EmulatorServer
) -> None:
    inputs = checked(provider, program(poolName="kv-fails"))
    with pytest.raises(BatchPoolError) as raised:
        provider.create(inputs)
    message = str(raised.value)
    assert "secretext" in message
    assert "unusable" in message
    assert "was deleted again" in message
    assert PROTECTED not in message
    pool_url = f"{emulator.url}{DEMO_ACCOUNT.arm_id}/pools/kv-fails"
    gone = requests.get(
        pool_url,
        params={"api-version": "2025-06-01"},
        headers={"Authorization": f"Bearer {DEV_TOKEN}"},
        timeout=10,
    )
    assert gone.status_code == 404, "a failed create must not leave an orphaned pool"


def test_keep_policy_keeps_the_failed_pool_and_reports_it(provider: BatchPoolProvider) -> None:
    inputs = checked(provider, program(poolName="kv-kept", extensionFailurePolicy="keep"))
    outs = plain(provider.create(inputs).outs)
    status = outs["extensionStatus"]["secretext"]
    assert status["failed"] == 2
    assert {node["state"] for node in status["failedNodes"]} == {"unusable"}
    assert all(node["message"] for node in status["failedNodes"])


def test_scripted_failure_on_some_nodes(provider: BatchPoolProvider, emulator: EmulatorServer) -> None:
    admin(emulator, "vault-certificates", {"urls": [VAULT_CERT]})
    admin(emulator, "extension-failures", {"extension": "secretext", "nodes": 1, "message": "disk full"})
    inputs = checked(provider, program(poolName="one-bad", extensionFailurePolicy="keep"))
    outs = plain(provider.create(inputs).outs)
    status = outs["extensionStatus"]["secretext"]
    assert (status["succeeded"], status["failed"]) == (1, 1)
    assert "disk full" in status["failedNodes"][0]["message"]
    assert outs["nodes"][0]["id"] == status["failedNodes"][0]["nodeId"], "failing nodes come first"


def test_resize_error_fails_the_create(provider: BatchPoolProvider, emulator: EmulatorServer) -> None:
    admin(emulator, "resize-errors", {"code": "AccountCoreQuotaReached", "message": "core quota reached"})
    inputs = checked(provider, program(poolName="no-quota", extensionFailurePolicy="rollback"))
    with pytest.raises(BatchPoolError, match="AccountCoreQuotaReached"):
        provider.create(inputs)


def test_update_resizes_in_place_and_keeps_the_fingerprint(
    provider: BatchPoolProvider, emulator: EmulatorServer
) -> None:
    admin(emulator, "vault-certificates", {"urls": [VAULT_CERT]})
    inputs = checked(provider, program())
    created = provider.create(inputs)
    olds = plain(created.outs)
    news = copy.deepcopy(inputs)
    news["scaleSettings"] = {"fixedScale": {"targetDedicatedNodes": 3}}
    news["metadata"] = [{"name": "team", "value": "render"}]
    diff = provider.diff(created.id, olds, news)
    assert diff.changes and not diff.replaces
    updated = plain(provider.update(created.id, olds, news).outs)
    assert updated["currentDedicatedNodes"] == 3
    assert updated["metadata"] == [{"name": "team", "value": "render"}]
    assert updated["protectedSettingsFingerprint"] == olds["protectedSettingsFingerprint"]
    assert provider.diff(created.id, updated, news).changes is False


def test_read_reports_live_state_and_no_drift(provider: BatchPoolProvider, emulator: EmulatorServer) -> None:
    admin(emulator, "vault-certificates", {"urls": [VAULT_CERT]})
    inputs = checked(provider, program())
    created = provider.create(inputs)
    read = provider.read(created.id, plain(created.outs))
    assert read.id == created.id
    assert read.inputs is not None
    assert read.inputs["poolName"] == inputs["poolName"]
    assert "protectedSettings" not in read.outs
    assert provider.diff(created.id, plain(read.outs), inputs).changes is False


def test_delete_follows_the_operation_and_read_then_drops_the_pool(provider: BatchPoolProvider) -> None:
    inputs = checked(provider, program(extensionFailurePolicy="keep"))
    created = provider.create(inputs)
    provider.delete(created.id, plain(created.outs))
    assert provider.read(created.id, plain(created.outs)).id is None
    provider.delete(created.id, plain(created.outs))


def test_get_by_id_reads_a_pool_it_did_not_create(provider: BatchPoolProvider) -> None:
    inputs = checked(provider, program(extensionFailurePolicy="keep"))
    created = provider.create(inputs)
    read = provider.read(created.id, {})
    assert read.id == created.id
    assert read.outs["poolName"] == inputs["poolName"]
    assert read.outs["vmSize"].lower() == "standard_d2s_v3"


def test_existing_pool_is_never_overwritten_unless_adopted(provider: BatchPoolProvider) -> None:
    inputs = checked(provider, program(poolName="shared", extensionFailurePolicy="keep"))
    first = provider.create(inputs)
    assert provider.create(inputs).id == first.id, "the same create, run again, continues with its own pool"
    someone_else = checked(
        provider, program(poolName="shared", poolNamePrefix="other", extensionFailurePolicy="keep")
    )
    with pytest.raises(BatchPoolError, match="adopt_existing"):
        provider.create(someone_else)
    adopted = provider.create({**someone_else, "adoptExisting": True})
    assert adopted.id.endswith("/pools/shared")


def test_throttling_is_retried(
    provider: BatchPoolProvider, emulator: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    admin(emulator, "vault-certificates", {"urls": [VAULT_CERT]})
    admin(emulator, "faults", {"throttleRate": 0.3, "throttleStatus": 429, "retryAfter": 0, "seed": 7})
    inputs = checked(provider, program())
    with caplog.at_level(logging.WARNING, logger="pulumi_azure_batch_pool.azure_clients.transport"):
        outs = plain(provider.create(inputs).outs)
    assert outs["extensionStatus"]["secretext"]["succeeded"] == 2
    retries = [record.getMessage() for record in caplog.records if "retrying" in record.getMessage()]
    assert retries, "the emulator's 429s must have been retried, not avoided"
    assert all(DEV_TOKEN not in message for message in retries)
