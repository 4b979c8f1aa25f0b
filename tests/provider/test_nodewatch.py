"""Reading and waiting on nodes, counted at the fault proxy in front of the emulator.

Each test runs its own emulator on a fake clock that only moves when the code under test sleeps, so a
"realistic" create (tens of seconds of simulated provisioning) runs in well under a second of real time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from azure_batch_emulator.proxy import FaultProxy, Rule
from pulumi_azure_batch_pool import BatchPoolProvider
from pulumi_azure_batch_pool.azure_clients.arm import ArmClient
from pulumi_azure_batch_pool.azure_clients.auth import BearerTokenAuth, StaticTokenCredential, make_credential
from pulumi_azure_batch_pool.azure_clients.dataplane import DataPlaneClient
from pulumi_azure_batch_pool.azure_clients.errors import ConnectionFailedError
from pulumi_azure_batch_pool.azure_clients.settings import Settings
from pulumi_azure_batch_pool.azure_clients.transport import RetryPolicy, Transport
from pulumi_azure_batch_pool.lifecycle.lifecycle import PoolLifecycle
from pulumi_azure_batch_pool.lifecycle.nodewatch import PollInterval
from tests.pools import MONITOR_EXTENSION, ubuntu_deployment
from tests.provider.fake_time import FakeTime

POLL_SECONDS = 5.0
EXTENSION_READ = re.compile(r"/nodes/[^/?]+/extensions")
NODE_LIST = re.compile(r"/pools/[^/?]+/nodes\?")


@dataclass
class Setup:
    emulator: EmulatorServer
    proxy: FaultProxy
    lifecycle: PoolLifecycle
    logs: list[str]
    provider: BatchPoolProvider

    def requests(self, pattern: re.Pattern[str]) -> list[str]:
        return [record.path for record in self.proxy.log if pattern.search(record.path)]

    def inputs(self, nodes: int, **options: Any) -> dict[str, Any]:
        props = {
            "resourceGroupName": DEMO_ACCOUNT.resource_group,
            "accountName": DEMO_ACCOUNT.account_name,
            "poolNamePrefix": "watch",
            "vmSize": "STANDARD_D2S_V3",
            "deploymentConfiguration": ubuntu_deployment(MONITOR_EXTENSION),
            "scaleSettings": {"fixedScale": {"targetDedicatedNodes": nodes}},
            **options,
        }
        result = self.provider.check({}, props)
        assert result.failures == []
        return result.inputs


@pytest.fixture(params=["instant"])
def setup(request: pytest.FixtureRequest) -> Iterator[Setup]:
    fake = FakeTime(1_800_000_000.0)
    with (
        EmulatorServer(port=0, speed=request.param, clock=fake.clock, seed=3) as emulator,
        FaultProxy(upstream=emulator.url) as proxy,
    ):
        settings = Settings.from_sources(
            {"batchpool:armEndpoint": proxy.url, "batchpool:pollIntervalSeconds": str(POLL_SECONDS)}, {}
        )
        policy = RetryPolicy(sleep=fake.sleep, clock=fake.clock)
        credential = make_credential(settings)

        def transport(scope: str) -> Transport:
            return Transport(auth=BearerTokenAuth(credential, scope), policy=policy, on_retry=lambda e: None)

        data_plane = transport(settings.batch_scope)
        logs: list[str] = []
        lifecycle = PoolLifecycle(
            ArmClient(settings, transport(settings.mgmt_scope)),
            lambda url: DataPlaneClient(url, settings, data_plane),
            log=logs.append,
            warn=lambda line: logs.append(f"warning: {line}"),
            poll_interval_seconds=POLL_SECONDS,
            sleep=fake.sleep,
            clock=fake.clock,
        )
        provider = BatchPoolProvider()
        provider.configure(
            ConfigureRequest(
                Config(
                    {
                        "batchpool:armEndpoint": proxy.url,
                        "batchpool:subscriptionId": DEMO_ACCOUNT.subscription_id,
                    },
                    "t",
                )
            )
        )
        yield Setup(emulator, proxy, lifecycle, logs, provider)


@pytest.mark.parametrize("setup", ["realistic"], indirect=True)
def test_a_200_node_create_reads_each_node_extensions_once(setup: Setup) -> None:
    _, outputs = setup.lifecycle.create(setup.inputs(200))

    assert outputs["extensionStatus"]["monitor"]["succeeded"] == 200
    extension_reads = setup.requests(EXTENSION_READ)
    assert len(extension_reads) == 200
    assert len(set(extension_reads)) == 200
    node_lists = setup.requests(NODE_LIST)
    assert node_lists and all("%24select=id%2Cstate" in path for path in node_lists)
    others = len(setup.proxy.log) - len(extension_reads)
    assert others <= 3 * len(node_lists) + 5, "a poll cycle is a pool GET and a node-list page, not N reads"


@pytest.mark.parametrize("setup", ["realistic"], indirect=True)
def test_wait_for_nodes_false_never_touches_the_data_plane(setup: Setup) -> None:
    _, outputs = setup.lifecycle.create(setup.inputs(3, waitForNodes=False))
    assert not [record for record in setup.proxy.log if "/batch/" in record.path]
    counts = outputs["extensionStatus"]["monitor"]
    assert counts["unknown"] == 3
    assert "waitForNodes=false" in counts["unknownReason"]


def test_a_refresh_during_a_data_plane_outage_keeps_the_pool_with_unknown_status(setup: Setup) -> None:
    arm_id, created = setup.lifecycle.create(setup.inputs(3))
    setup.proxy.add(Rule("status", path=r"^/batch/", status=503, headers={"Retry-After": "1"}))

    found = setup.lifecycle.read(arm_id, created)

    assert found is not None, "an outage of the data plane is not a deleted pool"
    outputs, _ = found
    counts = outputs["extensionStatus"]["monitor"]
    assert (counts["unknown"], counts["missing"], counts["failed"]) == (3, 0, 0)
    assert "503" in counts["unknownReason"]
    assert outputs["nodeCount"] == 3


def test_a_node_gone_between_the_list_and_its_read_is_left_out(setup: Setup) -> None:
    arm_id, created = setup.lifecycle.create(setup.inputs(3))
    setup.proxy.add(Rule("status", path=r"/nodes/[^/]+/extensions", status=404, times=1))

    found = setup.lifecycle.read(arm_id, created)

    assert found is not None
    outputs, _ = found
    assert outputs["nodeCount"] == 2
    counts = outputs["extensionStatus"]["monitor"]
    assert (counts["succeeded"], counts["missing"], counts["unknown"]) == (2, 0, 0)


@pytest.mark.parametrize("refused", [r"^/batch/", r"/extensions"])
def test_a_data_plane_refusing_access_is_a_warning_not_a_rollback(setup: Setup, refused: str) -> None:
    setup.proxy.add(Rule("status", path=refused, status=403))

    arm_id, outputs = setup.lifecycle.create(setup.inputs(2))

    assert setup.lifecycle.read(arm_id, outputs) is not None, "the pool must not be rolled back"
    reason = outputs["extensionStatus"]["monitor"]["unknownReason"]
    assert "refused access" in reason
    assert f"{setup.proxy.url}/batch/{DEMO_ACCOUNT.account_name}" in reason
    assert any("warning" in line and "refused access" in line for line in setup.logs)


@pytest.mark.parametrize("setup", ["realistic"], indirect=True)
def test_a_pool_without_extensions_waits_for_its_nodes_only(setup: Setup) -> None:
    inputs = setup.inputs(3)
    inputs["deploymentConfiguration"]["virtualMachineConfiguration"].pop("extensions")

    _, outputs = setup.lifecycle.create(inputs)

    assert outputs["nodeCount"] == 3
    assert {node["state"] for node in outputs["nodes"]} == {"idle"}
    assert not setup.requests(EXTENSION_READ)


def test_poll_interval_doubles_while_nothing_changes() -> None:
    interval = PollInterval(5.0, 30.0)
    assert [interval.next(False) for _ in range(4)] == [10.0, 20.0, 30.0, 30.0]
    assert interval.next(True) == 5.0


def test_an_unreachable_data_plane_ends_the_fan_out_after_the_first_node(setup: Setup) -> None:
    _, created = setup.lifecycle.create(setup.inputs(3))
    setup.proxy.clear()
    setup.proxy.add(Rule("reset", path=r"/extensions"))
    base = created["dataPlaneUrl"].rsplit("/pools/", 1)[0]
    policy = RetryPolicy(total=2, sleep=lambda seconds: None)
    auth = BearerTokenAuth(StaticTokenCredential(DEV_TOKEN), "scope")
    client = DataPlaneClient(
        base, Settings(max_concurrency=1), Transport(auth=auth, policy=policy, on_retry=lambda e: None)
    )
    ids = [node["id"] for node in created["nodes"]]

    result = client.node_extensions(created["poolName"], ids)

    assert all(isinstance(error, ConnectionFailedError) for error in result.values())
    assert len({record.path for record in setup.proxy.log}) == 1, "only the first node was tried"
    assert len(setup.proxy.log) == 3


def test_a_data_plane_outage_during_the_wait_is_waited_out(setup: Setup) -> None:
    retries = RetryPolicy().total
    setup.proxy.add(Rule("status", path=r"/nodes\?", status=503, times=retries + 1))

    _, outputs = setup.lifecycle.create(setup.inputs(2))

    assert outputs["extensionStatus"]["monitor"]["succeeded"] == 2
    assert any("did not answer, still waiting" in line for line in setup.logs)
