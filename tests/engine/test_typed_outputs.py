"""A program reads BatchPool's outputs typed as it declares them, under Pulumi's mocks.

The mocks answer with what the real provider returns: Check and Create run against the emulator, so the
outputs have the provider's real shape (camelCase, every number a float on the wire). What the program sees
must be what the class annotations say: integers as `int`, the status as output-type objects with
snake_case attributes, the echoed arguments as `*Response` objects, `name` and every provider option.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer
from pulumi_azure_batch_pool import BatchPool, BatchPoolProvider
from pulumi_azure_batch_pool.types import (
    ExtensionStatus,
    FixedScaleSettingsArgs,
    NodeStatus,
    ScaleSettingsArgs,
    ScaleSettingsResponse,
    TaskSchedulingPolicyArgs,
    VMExtensionArgs,
)
from tests.engine.program import strip_secrets
from tests.pools import MONITOR_EXTENSION, ubuntu_deployment


class ProviderMocks(pulumi.runtime.Mocks):
    """Pulumi's mocks answering each BatchPool with the provider's real Check + Create outputs."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        provider = BatchPoolProvider()
        checked = provider.check({}, strip_secrets(dict(args.inputs)))
        assert checked.failures == [], checked.failures
        created = provider.create(checked.inputs)
        return created.id, strip_secrets(created.outs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


def resolved(build: Callable[[], pulumi.Output[Any]]) -> Any:
    """The value of the Output `build` returns, with the program run under `ProviderMocks`."""
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi.runtime.set_mocks(ProviderMocks(), preview=False)
    seen: list[Any] = []

    @pulumi.runtime.test
    def run() -> pulumi.Output[Any]:
        return build().apply(seen.append)

    run()
    return seen[0]


@pytest.fixture
def on_emulator(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATCHPOOL_ARM_ENDPOINT", emulator.url)
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", DEMO_ACCOUNT.subscription_id)
    monkeypatch.setenv("BATCHPOOL_POLL_INTERVAL_SECONDS", "0.01")


def _pool(**options: Any) -> BatchPool:
    extension = {key: value for key, value in MONITOR_EXTENSION.items() if key != "typeHandlerVersion"}
    return BatchPool(
        "typed",
        resource_group_name=DEMO_ACCOUNT.resource_group,
        account_name=DEMO_ACCOUNT.account_name,
        vm_size="STANDARD_D2S_V3",
        deployment_configuration={
            **ubuntu_deployment(),
            "virtualMachineConfiguration": {
                **ubuntu_deployment()["virtualMachineConfiguration"],
                "extensions": [VMExtensionArgs(**extension, type_handler_version="1.0")],
            },
        },
        scale_settings=ScaleSettingsArgs(fixed_scale=FixedScaleSettingsArgs(target_dedicated_nodes=2)),
        task_scheduling_policy=TaskSchedulingPolicyArgs(node_fill_type="Pack"),
        **options,
    )


@pytest.mark.usefixtures("on_emulator")
def test_integers_are_int_and_structures_are_output_types() -> None:
    def build() -> pulumi.Output[Any]:
        pool = _pool()
        return pulumi.Output.all(
            nodes=pool.current_dedicated_nodes,
            low=pool.current_low_priority_nodes,
            count=pool.node_count,
            status=pool.extension_status,
            listed=pool.nodes,
            scale=pool.scale_settings,
            policy=pool.task_scheduling_policy,
            slots=pool.task_slots_per_node,
            resize_errors=pool.resize_errors,
        )

    values = resolved(build)
    assert type(values["nodes"]) is int and values["nodes"] == 2
    assert type(values["low"]) is int and type(values["count"]) is int
    status = values["status"]["monitor"]
    assert isinstance(status, ExtensionStatus)
    assert type(status.succeeded) is int and status.succeeded == 2
    assert status.failed + 1 == 1 and list(status.failed_nodes) == [] and status.unknown_reason is None
    assert all(isinstance(node, NodeStatus) for node in values["listed"]) and len(values["listed"]) == 2
    assert {extension.name for extension in values["listed"][0].extensions} == {"monitor"}
    assert isinstance(values["scale"], ScaleSettingsResponse)
    fixed = values["scale"].fixed_scale
    assert type(fixed.target_dedicated_nodes) is int and fixed.resize_timeout == "PT15M"
    assert values["policy"].node_fill_type == "Pack"
    assert values["resize_errors"] == []


@pytest.mark.usefixtures("on_emulator")
def test_name_and_every_provider_option_are_echoed() -> None:
    def build() -> pulumi.Output[Any]:
        pool = _pool(
            timeout_minutes=12,
            extension_failure_policy="keep",
            wait_for_nodes=True,
            max_nodes_in_outputs=1,
            adopt_existing=False,
        )
        return pulumi.Output.all(
            name=pool.name,
            pool_name=pool.pool_name,
            timeout=pool.timeout_minutes,
            policy=pool.extension_failure_policy,
            wait=pool.wait_for_nodes,
            cap=pool.max_nodes_in_outputs,
            adopt=pool.adopt_existing,
            listed=pool.nodes,
        )

    values = resolved(build)
    assert values["name"] == values["pool_name"] and values["name"].startswith("typed-")
    assert (values["timeout"], values["policy"], values["wait"], values["adopt"]) == (12, "keep", True, False)
    assert type(values["cap"]) is int and len(values["listed"]) == 1
