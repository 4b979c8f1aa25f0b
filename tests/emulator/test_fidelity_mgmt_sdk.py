"""Microsoft's management SDK (azure-mgmt-batch) as a test client: the emulator must satisfy it unmodified.

The SDK is pointed at the emulator with ``base_url``, a credential that hands out the development token,
and one per-call policy that lifts azure-core's https-only rule for bearer tokens (the same opt-out the
provider uses on loopback).
"""

from __future__ import annotations

import time
from typing import Any
from uuid import uuid4

import pytest
from azure.core import MatchConditions
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.batch import BatchManagementClient, models
from azure.mgmt.core.polling.arm_polling import ARMPolling

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN

SECRET = "never-echo-this-protected-value"

# The body of the official example PoolCreate_VirtualMachineConfiguration_Extensions.json, with
# protectedSettings added so the test can check it is never returned.
EXTENSIONS_POOL: dict[str, Any] = {
    "properties": {
        "deploymentConfiguration": {
            "virtualMachineConfiguration": {
                "imageReference": {
                    "offer": "0001-com-ubuntu-server-focal",
                    "publisher": "Canonical",
                    "sku": "20_04-lts",
                },
                "nodeAgentSkuId": "batch.node.ubuntu 20.04",
                "extensions": [
                    {
                        "name": "batchextension1",
                        "type": "KeyVaultForLinux",
                        "autoUpgradeMinorVersion": True,
                        "enableAutomaticUpgrade": True,
                        "publisher": "Microsoft.Azure.KeyVault",
                        "settings": {
                            "authenticationSettingsKey": "authenticationSettingsValue",
                            "secretsManagementSettingsKey": "secretsManagementSettingsValue",
                        },
                        "protectedSettings": {"token": SECRET},
                        "typeHandlerVersion": "2.0",
                    }
                ],
            }
        },
        "scaleSettings": {"autoScale": {"evaluationInterval": "PT5M", "formula": "$TargetDedicatedNodes=1"}},
        "vmSize": "STANDARD_D4",
    }
}


class DevTokenCredential:
    """A TokenCredential that returns the emulator's development token and records the scopes asked for."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(DEV_TOKEN, int(time.time()) + 3600)


class AllowHttpPolicy(SansIOHTTPPolicy[Any, Any]):
    """Lets BearerTokenCredentialPolicy send the token over http (azure-core's ``enforce_https`` opt-out)."""

    def on_request(self, request: PipelineRequest[Any]) -> None:
        request.context.options["enforce_https"] = False


class InstantARMPolling(ARMPolling):
    """ARM long-running-operation polling that records its polls and never sleeps for real."""

    def __init__(self) -> None:
        super().__init__(0)
        self.polled: list[str] = []
        self.delays: list[float] = []

    def request_status(self, status_link: str) -> Any:
        self.polled.append(status_link)
        return super().request_status(status_link)

    def _sleep(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def credential() -> DevTokenCredential:
    return DevTokenCredential()


@pytest.fixture
def client(emulator: Any, credential: DevTokenCredential) -> BatchManagementClient:
    return BatchManagementClient(
        credential,
        DEMO_ACCOUNT.subscription_id,
        base_url=emulator.url,
        per_call_policies=[AllowHttpPolicy()],
        retry_total=0,
    )


def pool_name() -> str:
    return f"pool-{uuid4().hex[:8]}"


def create(client: BatchManagementClient, name: str, body: dict[str, Any]) -> models.Pool:
    return client.pool.create(DEMO_ACCOUNT.resource_group, DEMO_ACCOUNT.account_name, name, body)


def get(client: BatchManagementClient, name: str) -> models.Pool:
    return client.pool.get(DEMO_ACCOUNT.resource_group, DEMO_ACCOUNT.account_name, name)


def fixed_scale(nodes: int) -> dict[str, Any]:
    return {"properties": {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": nodes}}}}


def test_sdk_targets_the_api_version_the_emulator_serves(client: BatchManagementClient) -> None:
    assert client._config.api_version in {"2025-06-01", "2024-07-01"}


def test_create_pool_with_extensions_returns_the_sdk_model(
    client: BatchManagementClient, credential: DevTokenCredential
) -> None:
    name = pool_name()

    pool = create(client, name, EXTENSIONS_POOL)

    assert isinstance(pool, models.Pool)
    assert pool.name == name
    assert pool.type == "Microsoft.Batch/batchAccounts/pools"
    assert pool.id.endswith(f"/batchAccounts/{DEMO_ACCOUNT.account_name}/pools/{name}")
    assert pool.properties.provisioning_state == models.PoolProvisioningState.SUCCEEDED
    assert pool.properties.allocation_state in (
        models.AllocationState.RESIZING,
        models.AllocationState.STEADY,
    )
    assert pool.properties.vm_size == "STANDARD_D4"
    assert pool.properties.scale_settings.auto_scale.formula == "$TargetDedicatedNodes=1"
    extensions = pool.properties.deployment_configuration.virtual_machine_configuration.extensions
    assert [e.name for e in extensions] == ["batchextension1"]
    assert (
        extensions[0].settings
        == EXTENSIONS_POOL["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"][
            "extensions"
        ][0]["settings"]
    )
    assert extensions[0].protected_settings is None
    assert credential.scopes and all(
        s == ("https://management.azure.com/.default",) for s in credential.scopes
    )


def test_get_returns_etag_in_body_and_header_and_never_protected_settings(
    client: BatchManagementClient,
) -> None:
    name = pool_name()
    created = create(client, name, EXTENSIONS_POOL)

    pool, headers, raw = client.pool.get(
        DEMO_ACCOUNT.resource_group,
        DEMO_ACCOUNT.account_name,
        name,
        cls=lambda response, model, headers: (model, headers, response.http_response.text()),
    )

    assert headers["ETag"]
    assert pool.etag == headers["ETag"] == created.etag
    assert pool.properties.allocation_state == models.AllocationState.STEADY
    assert pool.properties.creation_time is not None
    assert "protectedSettings" not in raw
    assert SECRET not in raw


def test_list_by_batch_account_yields_created_pools(client: BatchManagementClient) -> None:
    names = sorted(pool_name() for _ in range(3))
    for name in names:
        create(client, name, EXTENSIONS_POOL)

    listed = list(client.pool.list_by_batch_account(DEMO_ACCOUNT.resource_group, DEMO_ACCOUNT.account_name))

    assert sorted(p.name for p in listed) == names
    assert all(p.properties.vm_size == "STANDARD_D4" for p in listed)
    assert all(
        e.protected_settings is None
        for p in listed
        for e in p.properties.deployment_configuration.virtual_machine_configuration.extensions
    )


def test_update_scale_settings_changes_etag_and_targets(client: BatchManagementClient) -> None:
    name = pool_name()
    created = create(client, name, EXTENSIONS_POOL)

    updated = client.pool.update(
        DEMO_ACCOUNT.resource_group,
        DEMO_ACCOUNT.account_name,
        name,
        fixed_scale(2),
        etag=created.etag,
        match_condition=MatchConditions.IfNotModified,
    )

    assert updated.properties.scale_settings.fixed_scale.target_dedicated_nodes == 2
    assert updated.properties.scale_settings.auto_scale is None
    assert updated.etag and updated.etag != created.etag
    steady = get(client, name)
    assert steady.properties.allocation_state == models.AllocationState.STEADY
    assert steady.properties.current_dedicated_nodes == 2
    assert steady.properties.deployment_configuration.virtual_machine_configuration.extensions[0].name == (
        "batchextension1"
    )


def test_update_with_stale_etag_is_precondition_failed(client: BatchManagementClient) -> None:
    name = pool_name()
    created = create(client, name, EXTENSIONS_POOL)
    client.pool.update(DEMO_ACCOUNT.resource_group, DEMO_ACCOUNT.account_name, name, fixed_scale(1))

    with pytest.raises(HttpResponseError) as caught:
        client.pool.update(
            DEMO_ACCOUNT.resource_group,
            DEMO_ACCOUNT.account_name,
            name,
            fixed_scale(3),
            etag=created.etag,
            match_condition=MatchConditions.IfNotModified,
        )

    assert caught.value.status_code == 412


def test_patching_extensions_on_populated_pool_is_property_cannot_be_updated(
    client: BatchManagementClient,
) -> None:
    name = pool_name()
    create(client, name, EXTENSIONS_POOL)
    client.pool.update(DEMO_ACCOUNT.resource_group, DEMO_ACCOUNT.account_name, name, fixed_scale(1))
    assert get(client, name).properties.current_dedicated_nodes == 1
    vm_config = EXTENSIONS_POOL["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]
    changed = {**vm_config, "extensions": [{**vm_config["extensions"][0], "typeHandlerVersion": "3.0"}]}

    with pytest.raises(HttpResponseError) as caught:
        client.pool.update(
            DEMO_ACCOUNT.resource_group,
            DEMO_ACCOUNT.account_name,
            name,
            {"properties": {"deploymentConfiguration": {"virtualMachineConfiguration": changed}}},
        )

    assert caught.value.status_code == 400
    assert caught.value.error is not None
    assert caught.value.error.code == "PropertyCannotBeUpdated"
    assert "PropertyCannotBeUpdated" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_begin_delete_polls_to_completion_then_get_is_not_found(client: BatchManagementClient) -> None:
    name = pool_name()
    create(client, name, EXTENSIONS_POOL)
    polling = InstantARMPolling()

    poller = client.pool.begin_delete(
        DEMO_ACCOUNT.resource_group, DEMO_ACCOUNT.account_name, name, polling=polling
    )
    result = poller.result(timeout=30)

    assert result is None
    assert poller.status().lower() == "succeeded"
    assert polling.polled, "a 202 delete must be polled through its Location"
    assert "/poolOperationResults/" in polling.polled[0]
    with pytest.raises(ResourceNotFoundError) as caught:
        get(client, name)
    assert caught.value.status_code == 404
    assert caught.value.error is not None
    assert caught.value.error.code


def test_create_with_if_none_match_over_existing_pool_is_resource_exists(
    client: BatchManagementClient,
) -> None:
    name = pool_name()
    create(client, name, EXTENSIONS_POOL)

    with pytest.raises(ResourceExistsError) as caught:
        client.pool.create(
            DEMO_ACCOUNT.resource_group,
            DEMO_ACCOUNT.account_name,
            name,
            EXTENSIONS_POOL,
            match_condition=MatchConditions.IfMissing,
        )

    assert caught.value.status_code == 412


def test_reserved_custom_script_extension_is_rejected(client: BatchManagementClient) -> None:
    vm_config = EXTENSIONS_POOL["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]
    custom = {**vm_config, "extensions": [{**vm_config["extensions"][0], "type": "CustomScript"}]}
    body = {
        "properties": {
            **EXTENSIONS_POOL["properties"],
            "deploymentConfiguration": {"virtualMachineConfiguration": custom},
        }
    }

    with pytest.raises(HttpResponseError) as caught:
        create(client, pool_name(), body)

    assert caught.value.status_code == 400
    assert caught.value.error is not None
    assert "CustomScript" in caught.value.error.message
    assert SECRET not in str(caught.value)


def test_older_api_version_2024_07_01_is_served(emulator: Any, client: BatchManagementClient) -> None:
    name = pool_name()
    create(client, name, EXTENSIONS_POOL)
    older = BatchManagementClient(
        DevTokenCredential(),
        DEMO_ACCOUNT.subscription_id,
        base_url=emulator.url,
        per_call_policies=[AllowHttpPolicy()],
        retry_total=0,
        api_version="2024-07-01",
    )

    pool = older.pool.get(DEMO_ACCOUNT.resource_group, DEMO_ACCOUNT.account_name, name)

    assert pool.name == name
    assert pool.properties is not None
    assert pool.properties.vm_size == "STANDARD_D4"
