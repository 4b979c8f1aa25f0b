"""DataPlaneClient: paging and node extensions against the emulator, and the bounded fan-out."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from pulumi_azure_batch_pool.azure_clients.arm import ArmClient, PoolRef
from pulumi_azure_batch_pool.azure_clients.auth import BearerTokenAuth, make_credential
from pulumi_azure_batch_pool.azure_clients.dataplane import DataPlaneClient
from pulumi_azure_batch_pool.azure_clients.errors import NotFoundError, ServiceError
from pulumi_azure_batch_pool.azure_clients.settings import Settings
from pulumi_azure_batch_pool.azure_clients.transport import RetryPolicy, Transport

NODES = 3


@pytest.fixture(scope="module")
def settings(emulator_session: EmulatorServer) -> Settings:
    return Settings.from_sources({"batchpool:armEndpoint": emulator_session.url}, {})


def transport_for(settings: Settings, scope: str) -> Transport:
    policy = RetryPolicy(sleep=lambda seconds: None)
    return Transport(auth=BearerTokenAuth(make_credential(settings), scope), policy=policy)


@pytest.fixture(scope="module")
def pool(emulator_session: EmulatorServer, settings: Settings) -> PoolRef:
    """One populated pool with an extension, shared by the read-only tests of this module."""
    emulator_session.reset()
    arm = ArmClient(settings, transport_for(settings, settings.mgmt_scope))
    ref = PoolRef(
        DEMO_ACCOUNT.subscription_id,
        DEMO_ACCOUNT.resource_group,
        DEMO_ACCOUNT.account_name,
        f"dp-{uuid.uuid4().hex[:8]}",
    )
    extension = {
        "name": "secretext",
        "type": "KeyVaultForLinux",
        "publisher": "Microsoft.Azure.KeyVault",
        "typeHandlerVersion": "2.0",
        "protectedSettings": {"clientSecret": "hunter2-protected"},
    }
    vm = {
        "imageReference": {
            "publisher": "Canonical",
            "offer": "0001-com-ubuntu-server-focal",
            "sku": "20_04-lts",
        },
        "nodeAgentSkuId": "batch.node.ubuntu 20.04",
        "extensions": [extension],
    }
    body = {
        "properties": {
            "vmSize": "STANDARD_D2S_V3",
            "deploymentConfiguration": {"virtualMachineConfiguration": vm},
            "scaleSettings": {"fixedScale": {"targetDedicatedNodes": NODES}},
        }
    }
    arm.create_pool(ref, body)
    arm.wait_for_pool(ref, lambda p: p["properties"]["allocationState"] == "Steady", deadline=float("inf"))
    return ref


@pytest.fixture(scope="module")
def client(emulator_session: EmulatorServer, settings: Settings, pool: PoolRef) -> DataPlaneClient:
    arm = ArmClient(settings, transport_for(settings, settings.mgmt_scope))
    base_url = arm.data_plane_url(pool.subscription_id, pool.resource_group, pool.account_name)
    return DataPlaneClient(base_url, settings, transport_for(settings, settings.batch_scope))


def test_list_nodes_returns_every_node(client: DataPlaneClient, pool: PoolRef) -> None:
    nodes = client.list_nodes(pool.pool_name)
    assert len(nodes) == NODES
    assert len({node["id"] for node in nodes}) == NODES


def test_from_settings_builds_a_working_client(
    client: DataPlaneClient, settings: Settings, pool: PoolRef
) -> None:
    built = DataPlaneClient.from_settings(settings, client.base_url + "/")
    assert built.base_url == client.base_url
    assert len(built.list_nodes(pool.pool_name)) == NODES


def test_list_nodes_follows_next_links(client: DataPlaneClient, pool: PoolRef) -> None:
    paged = client.list_nodes(pool.pool_name, page_size=1)
    assert sorted(n["id"] for n in paged) == sorted(n["id"] for n in client.list_nodes(pool.pool_name))


def test_list_nodes_select(client: DataPlaneClient, pool: PoolRef) -> None:
    nodes = client.list_nodes(pool.pool_name, select="id,state")
    assert all(set(node) <= {"id", "state"} and "id" in node for node in nodes)


def test_list_nodes_of_a_missing_pool_is_not_found(client: DataPlaneClient) -> None:
    with pytest.raises(NotFoundError):
        client.list_nodes("no-such-pool")


def test_node_extensions_report_state_without_protected_settings(
    client: DataPlaneClient, pool: PoolRef
) -> None:
    node_id = client.list_nodes(pool.pool_name)[0]["id"]
    extensions = client.list_node_extensions(pool.pool_name, node_id)
    assert [ext["vmExtension"]["name"] for ext in extensions] == ["batchNodeExtension", "secretext"]
    assert extensions[1]["provisioningState"]
    assert "hunter2-protected" not in str(extensions)


def test_extensions_of_a_missing_node_are_not_found(client: DataPlaneClient, pool: PoolRef) -> None:
    with pytest.raises(NotFoundError):
        client.list_node_extensions(pool.pool_name, "tvm-missing")


def test_node_extensions_fetches_all_nodes(client: DataPlaneClient, pool: PoolRef) -> None:
    ids = [node["id"] for node in client.list_nodes(pool.pool_name)]
    result = client.node_extensions(pool.pool_name, [*ids, "tvm-missing"])
    assert set(result) == {*ids, "tvm-missing"}
    assert isinstance(result["tvm-missing"], NotFoundError)
    for node_id in ids:
        extensions = result[node_id]
        assert isinstance(extensions, list)
        assert [ext["vmExtension"]["name"] for ext in extensions] == ["batchNodeExtension", "secretext"]


@pytest.fixture
def busy_server(emulator_session: EmulatorServer) -> Iterator[EmulatorServer]:
    """Every data-plane request answers 503 ServerBusy with Retry-After: 2 until the test ends."""
    post_faults(emulator_session, {"throttleRate": 1.0, "throttleStatus": 503, "retryAfter": 2})
    yield emulator_session
    post_faults(emulator_session, {})


def post_faults(emulator_session: EmulatorServer, body: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {DEV_TOKEN}"}
    requests.post(
        f"{emulator_session.url}/_emulator/faults", json=body, headers=headers, timeout=10
    ).raise_for_status()


def test_server_busy_is_retried_after_retry_after_then_raised(
    busy_server: EmulatorServer, client: DataPlaneClient, settings: Settings, pool: PoolRef
) -> None:
    sleeps: list[float] = []
    auth = BearerTokenAuth(make_credential(settings), settings.batch_scope)
    transport = Transport(
        auth=auth, policy=RetryPolicy(total=2, sleep=sleeps.append), on_retry=lambda e: None
    )
    busy = DataPlaneClient(client.base_url, settings, transport)

    with pytest.raises(ServiceError) as exc:
        busy.list_nodes(pool.pool_name)
    assert exc.value.code == "ServerBusy"
    assert sleeps == [2.0, 2.0]
    before = busy.limit.limit
    result = busy.node_extensions(pool.pool_name, ["n1", "n2"])
    assert all(isinstance(value, ServiceError) for value in result.values())
    assert busy.limit.limit == before // 2


class ScriptedExtensions(DataPlaneClient):
    """Overrides the per-node fetch to observe concurrency and inject one node's failure."""

    def __init__(self, failing: str) -> None:
        super().__init__("https://acct.region.batch.azure.com", Settings(max_concurrency=2), Transport())
        self.failing = failing
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()
        self._barrier = threading.Barrier(2, timeout=5)

    def list_node_extensions(self, pool_id: str, node_id: str, **request: Any) -> list[dict[str, Any]]:
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            self._barrier.wait()
            if node_id == self.failing:
                raise ServiceError("busy", status_code=503, code="ServerBusy")
            return [{"node": node_id}]
        finally:
            with self._lock:
                self.active -= 1


def test_one_failing_node_does_not_fail_the_rest_and_workers_are_bounded() -> None:
    client = ScriptedExtensions(failing="n3")
    result = client.node_extensions("p", [f"n{i}" for i in range(6)])

    assert isinstance(result["n3"], ServiceError)
    assert result["n0"] == [{"node": "n0"}]
    assert sum(isinstance(v, list) for v in result.values()) == 5
    assert client.peak == 2


def test_no_nodes_means_no_requests() -> None:
    assert ScriptedExtensions(failing="").node_extensions("p", []) == {}
