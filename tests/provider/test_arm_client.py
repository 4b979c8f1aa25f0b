"""ArmClient against the local emulator over real HTTP (sleeps and the clock are recorded, never real)."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest
import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from pulumi_azure_batch_pool.azure_clients.arm import ArmClient, PoolRef
from pulumi_azure_batch_pool.azure_clients.auth import BearerTokenAuth, make_credential
from pulumi_azure_batch_pool.azure_clients.dataplane import DataPlaneClient
from pulumi_azure_batch_pool.azure_clients.errors import (
    AuthenticationError,
    BatchPoolError,
    HttpResponseError,
    NotFoundError,
    OperationTimeoutError,
    PoolAlreadyExistsError,
    PreconditionFailedError,
    ThrottledError,
)
from pulumi_azure_batch_pool.azure_clients.settings import Settings
from pulumi_azure_batch_pool.azure_clients.transport import RetryPolicy, Transport
from pulumi_azure_batch_pool.lifecycle.clients import clients_for

POLL_SECONDS = 2.0


def pool_body(*, nodes: int = 0, extensions: bool = True) -> dict[str, Any]:
    vm: dict[str, Any] = {
        "imageReference": {
            "publisher": "Canonical",
            "offer": "0001-com-ubuntu-server-focal",
            "sku": "20_04-lts",
        },
        "nodeAgentSkuId": "batch.node.ubuntu 20.04",
    }
    if extensions:
        vm["extensions"] = [
            {
                "name": "secretext",
                "type": "KeyVaultForLinux",
                "publisher": "Microsoft.Azure.KeyVault",
                "typeHandlerVersion": "2.0",
                "settings": {"secretsManagementSettings": {"pollingIntervalInS": "3600"}},
                "protectedSettings": {"clientSecret": "hunter2-protected"},
            }
        ]
    return {
        "properties": {
            "vmSize": "STANDARD_D2S_V3",
            "deploymentConfiguration": {"virtualMachineConfiguration": vm},
            "scaleSettings": {"fixedScale": {"targetDedicatedNodes": nodes}},
        }
    }


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def settings(emulator: EmulatorServer) -> Settings:
    config = {"batchpool:armEndpoint": emulator.url, "batchpool:pollIntervalSeconds": str(POLL_SECONDS)}
    return Settings.from_sources(config, {})


def make_client(settings: Settings, sleeps: list[float], *, total: int = 6, auth: bool = True) -> ArmClient:
    """An ArmClient whose clock is the sum of the recorded sleeps."""
    policy = RetryPolicy(total=total, sleep=sleeps.append, clock=lambda: sum(sleeps))
    bearer = BearerTokenAuth(make_credential(settings), settings.mgmt_scope) if auth else None
    return ArmClient(settings, Transport(auth=bearer, policy=policy, on_retry=lambda event: None))


@pytest.fixture
def client(settings: Settings, sleeps: list[float]) -> ArmClient:
    return make_client(settings, sleeps)


@pytest.fixture
def ref() -> PoolRef:
    return PoolRef(
        DEMO_ACCOUNT.subscription_id,
        DEMO_ACCOUNT.resource_group,
        DEMO_ACCOUNT.account_name,
        f"pool-{uuid.uuid4().hex[:8]}",
    )


def set_faults(emulator: EmulatorServer, **faults: Any) -> None:
    response = requests.post(
        f"{emulator.url}/_emulator/faults",
        json=faults,
        headers={"Authorization": f"Bearer {DEV_TOKEN}"},
        timeout=10,
    )
    response.raise_for_status()


def test_pool_ref_arm_id() -> None:
    ref = PoolRef("s", "rg", "acct", "p1")
    assert (
        ref.arm_id
        == "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/acct/pools/p1"
    )


class FixedAccount(ArmClient):
    """An ArmClient whose account lookup is canned, to test endpoint handling without a server."""

    def __init__(self, endpoint: str | None) -> None:
        super().__init__(Settings(), Transport())
        self.endpoint = endpoint
        self.lookups = 0

    def get_account(
        self, subscription_id: str, resource_group: str, account_name: str, *, deadline: float | None = None
    ) -> dict[str, Any]:
        self.lookups += 1
        return {"properties": {"accountEndpoint": self.endpoint}}


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("acct.westeurope.batch.azure.com", "https://acct.westeurope.batch.azure.com"),
        ("127.0.0.1:8123/batch/acct", "http://127.0.0.1:8123/batch/acct"),
        ("localhost:8123/batch/acct/", "http://localhost:8123/batch/acct"),
        ("https://acct.example/", "https://acct.example"),
    ],
)
def test_data_plane_url_scheme(endpoint: str, expected: str) -> None:
    client = FixedAccount(endpoint)
    assert client.data_plane_url("s", "rg", "acct") == expected
    assert client.data_plane_url("S", "RG", "ACCT") == expected
    assert client.lookups == 1


def test_account_without_endpoint_is_reported() -> None:
    with pytest.raises(BatchPoolError, match="accountEndpoint"):
        FixedAccount(None).data_plane_url("s", "rg", "acct")


def test_account_and_its_data_plane_url(client: ArmClient, emulator: EmulatorServer) -> None:
    account = client.get_account(
        DEMO_ACCOUNT.subscription_id, DEMO_ACCOUNT.resource_group, DEMO_ACCOUNT.account_name
    )
    endpoint = account["properties"]["accountEndpoint"]
    url = client.data_plane_url(
        DEMO_ACCOUNT.subscription_id, DEMO_ACCOUNT.resource_group, DEMO_ACCOUNT.account_name
    )
    assert url == "http://" + endpoint
    assert url.startswith(emulator.url)


def test_data_plane_url_is_cached_per_account(client: ArmClient, emulator: EmulatorServer) -> None:
    args = (DEMO_ACCOUNT.subscription_id, DEMO_ACCOUNT.resource_group, DEMO_ACCOUNT.account_name)
    first = client.data_plane_url(*args)
    set_faults(emulator, throttleRate=1.0)
    assert client.data_plane_url(*(a.upper() for a in args)) == first


def test_missing_account_is_not_found(client: ArmClient) -> None:
    with pytest.raises(NotFoundError):
        client.get_account(DEMO_ACCOUNT.subscription_id, DEMO_ACCOUNT.resource_group, "nosuchaccount")


def test_create_then_get_returns_the_pool_with_its_etag(client: ArmClient, ref: PoolRef) -> None:
    created = client.create_pool(ref, pool_body())
    fetched = client.get_pool(ref)

    assert fetched is not None
    assert created["etag"]
    assert fetched["etag"] == created["etag"]
    assert fetched["id"].lower() == ref.arm_id.lower()
    assert "hunter2-protected" not in str(fetched)


def test_get_missing_pool_is_none(client: ArmClient, ref: PoolRef) -> None:
    assert client.get_pool(ref) is None


def test_create_never_overwrites_an_existing_pool(client: ArmClient, ref: PoolRef) -> None:
    client.create_pool(ref, pool_body())
    with pytest.raises(PoolAlreadyExistsError) as exc:
        client.create_pool(ref, pool_body())
    assert exc.value.status_code == 412
    assert "adoptExisting=True" in str(exc.value)
    assert ref.pool_name in str(exc.value)


def test_patch_with_the_current_etag_updates(client: ArmClient, ref: PoolRef) -> None:
    created = client.create_pool(ref, pool_body())
    patched = client.patch_pool(
        ref, {"properties": {"metadata": [{"name": "k", "value": "v"}]}}, created["etag"]
    )
    assert patched["properties"]["metadata"] == [{"name": "k", "value": "v"}]
    assert patched["etag"] != created["etag"]


def test_patch_with_a_stale_etag_is_precondition_failed(client: ArmClient, ref: PoolRef) -> None:
    created = client.create_pool(ref, pool_body())
    client.patch_pool(ref, {"properties": {"metadata": []}}, created["etag"])
    with pytest.raises(PreconditionFailedError):
        client.patch_pool(ref, {"properties": {"metadata": []}}, created["etag"])


def test_replace_pool_with_etag(client: ArmClient, ref: PoolRef) -> None:
    created = client.create_pool(ref, pool_body())
    body = pool_body()
    body["properties"]["metadata"] = [{"name": "adopted", "value": "yes"}]
    replaced = client.replace_pool(ref, body, created["etag"])
    assert replaced["properties"]["metadata"] == [{"name": "adopted", "value": "yes"}]


def test_extension_change_on_a_populated_pool_is_refused(client: ArmClient, ref: PoolRef) -> None:
    created = client.create_pool(ref, pool_body(nodes=1))
    steady = client.wait_for_pool(ref, lambda p: p["properties"]["allocationState"] == "Steady", deadline=600)
    change = {
        "properties": {
            "deploymentConfiguration": pool_body(extensions=False)["properties"]["deploymentConfiguration"]
        }
    }
    with pytest.raises(HttpResponseError) as exc:
        client.patch_pool(ref, change, steady["etag"] or created["etag"])
    assert exc.value.status_code == 400
    assert exc.value.code == "PropertyCannotBeUpdated"
    assert "deploymentConfiguration" in str(exc.value)


def test_wait_for_pool_polls_at_the_configured_interval(
    client: ArmClient, ref: PoolRef, sleeps: list[float]
) -> None:
    client.create_pool(ref, pool_body(nodes=2))
    seen: list[dict[str, Any]] = []
    pool = client.wait_for_pool(
        ref, lambda p: p["properties"]["allocationState"] == "Steady", deadline=600, on_poll=seen.append
    )
    assert pool["properties"]["allocationState"] == "Steady"
    assert pool["properties"]["currentDedicatedNodes"] == 2
    assert sleeps == [POLL_SECONDS] * len(seen)


def test_wait_for_pool_times_out_at_the_deadline(
    client: ArmClient, ref: PoolRef, sleeps: list[float]
) -> None:
    client.create_pool(ref, pool_body())
    with pytest.raises(OperationTimeoutError, match="timeoutMinutes"):
        client.wait_for_pool(ref, lambda p: False, deadline=5.0)
    assert sleeps == [POLL_SECONDS, POLL_SECONDS]


def test_delete_waits_until_the_pool_is_gone(client: ArmClient, ref: PoolRef) -> None:
    client.create_pool(ref, pool_body(nodes=1))
    client.delete_pool(ref, deadline=600)
    assert client.get_pool(ref) is None


def test_delete_follows_the_location_honouring_retry_after(
    client: ArmClient, ref: PoolRef, sleeps: list[float]
) -> None:
    client.create_pool(ref, pool_body())
    client.delete_pool(ref, deadline=600)
    assert sleeps
    assert POLL_SECONDS not in sleeps, "the instant emulator advertises Retry-After: 0, not the poll interval"


def test_delete_times_out_and_a_second_delete_waits_for_the_first(sleeps: list[float], ref: PoolRef) -> None:
    with EmulatorServer(port=0, speed="realistic") as slow:
        config = {"batchpool:armEndpoint": slow.url, "batchpool:pollIntervalSeconds": str(POLL_SECONDS)}
        client = make_client(Settings.from_sources(config, {}), sleeps)
        client.create_pool(ref, pool_body())
        with pytest.raises(OperationTimeoutError, match="deleting pool"):
            client.delete_pool(ref, deadline=10.0)
        assert sleeps == [], "Retry-After: 15 would pass the deadline, so the client must not sleep"
        pool = client.get_pool(ref)
        assert pool is not None
        assert pool["properties"]["provisioningState"] == "Deleting"

        with pytest.raises(OperationTimeoutError, match="to be deleted"):
            client.delete_pool(ref, deadline=5.0)
    assert sleeps == [POLL_SECONDS, POLL_SECONDS], "PoolBeingDeleted means polling the pool, not failing"


def test_delete_of_a_missing_pool_succeeds(client: ArmClient, ref: PoolRef, sleeps: list[float]) -> None:
    client.delete_pool(ref, deadline=600)
    assert sleeps == []


def test_throttling_sleeps_for_retry_after_then_raises(
    settings: Settings, sleeps: list[float], emulator: EmulatorServer, ref: PoolRef
) -> None:
    client = make_client(settings, sleeps, total=2)
    set_faults(emulator, throttleRate=1.0, retryAfter=3)
    with pytest.raises(ThrottledError) as exc:
        client.get_pool(ref)
    assert exc.value.status_code == 429
    assert sleeps == [3.0, 3.0]


def test_requests_without_a_token_are_rejected(settings: Settings, sleeps: list[float], ref: PoolRef) -> None:
    with pytest.raises(AuthenticationError) as exc:
        make_client(settings, sleeps, auth=False).get_pool(ref)
    assert exc.value.status_code == 401


def test_clients_for_caches_per_settings(settings: Settings) -> None:
    arm, data_plane = clients_for(settings)
    again, same_factory = clients_for(settings)
    assert again is arm
    assert same_factory is data_plane
    assert clients_for(dataclasses.replace(settings, max_concurrency=2))[0] is not arm
    client = data_plane("http://127.0.0.1:1/batch/x")
    assert isinstance(client, DataPlaneClient)
    assert data_plane("http://127.0.0.1:1/batch/x") is client


def test_from_settings_builds_a_working_client(settings: Settings) -> None:
    client = ArmClient.from_settings(settings)
    account = client.get_account(
        DEMO_ACCOUNT.subscription_id, DEMO_ACCOUNT.resource_group, DEMO_ACCOUNT.account_name
    )
    assert account["name"] == DEMO_ACCOUNT.account_name
