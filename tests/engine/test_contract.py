"""The provider driven over gRPC exactly as the Pulumi engine drives it, against the emulator."""

from __future__ import annotations

import copy
from typing import Any

import grpc
import pytest
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer
from pulumi_azure_batch_pool import BatchPool
from pulumi_azure_batch_pool.types import VMExtensionArgs

from .engine import EngineClient, decode
from .program import contains_secret, is_secret, registered_inputs, strip_secrets

SECRET = "s3cr3t-client-key-do-not-leak"


def _pool(**overrides: Any) -> BatchPool:
    arguments: dict[str, Any] = {
        "resource_group_name": DEMO_ACCOUNT.resource_group,
        "account_name": DEMO_ACCOUNT.account_name,
        "vm_size": "STANDARD_D2S_V3",
        "deployment_configuration": {
            "virtualMachineConfiguration": {
                "imageReference": {"publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server"},
                "nodeAgentSkuId": "batch.node.ubuntu 24.04",
                "extensions": [
                    VMExtensionArgs(
                        name="monitor",
                        publisher="Microsoft.Azure.Monitor",
                        type="AzureMonitorLinuxAgent",
                        type_handler_version="1.0",
                        auto_upgrade_minor_version=True,
                        settings={"workspace": "w1"},
                        protected_settings={"key": SECRET},
                    ),
                    {
                        "name": "logs",
                        "publisher": "Microsoft.EnterpriseCloud.Monitoring",
                        "type": "OmsAgentForLinux",
                        "typeHandlerVersion": "2.0",
                        "provisionAfterExtensions": ["monitor"],
                    },
                ],
            }
        },
        "scale_settings": {"fixedScale": {"targetDedicatedNodes": 2}},
        "metadata": [{"name": "team", "value": "render"}],
    }
    arguments.update(overrides)
    return BatchPool("pool", **arguments)


@pytest.fixture(scope="module")
def program_props() -> dict[str, Any]:
    """What the resource class registers with the engine (secrets still wrapped)."""
    return registered_inputs(lambda: [_pool()])["pool"]


@pytest.fixture(scope="module")
def engine_news(program_props: dict[str, Any]) -> dict[str, Any]:
    """The same properties as the engine forwards them to a provider that does not accept secrets."""
    return strip_secrets(program_props)


def test_resource_moves_protected_settings_into_one_top_level_secret(program_props: dict[str, Any]) -> None:
    assert is_secret(program_props["protectedSettings"])
    assert strip_secrets(program_props["protectedSettings"]) == {"monitor": {"key": SECRET}}
    configuration = program_props["deploymentConfiguration"]
    assert not contains_secret(configuration), "deploymentConfiguration must stay reviewable in previews"
    extensions = configuration["virtualMachineConfiguration"]["extensions"]
    assert [extension["name"] for extension in extensions] == ["monitor", "logs"]
    assert all("protectedSettings" not in extension for extension in extensions)
    assert extensions[0]["typeHandlerVersion"] == "1.0"


def test_check_fills_subscription_and_a_stable_generated_name(
    engine: EngineClient, engine_news: dict
) -> None:
    first = engine.check({}, engine_news)
    assert list(first.failures) == []
    inputs = decode(first.inputs)
    assert inputs["subscriptionId"] == DEMO_ACCOUNT.subscription_id
    assert inputs["poolName"].startswith("pool-")
    assert inputs["poolNameGenerated"] is True
    again = decode(engine.check(inputs, engine_news).inputs)
    assert again["poolName"] == inputs["poolName"], "a preview must not rename the pool"


def test_check_failure_names_the_property_and_the_fix(engine: EngineClient, engine_news: dict) -> None:
    news = copy.deepcopy(engine_news)
    news["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"][1]["type"] = "CustomScript"
    failures = list(engine.check({}, news).failures)
    paths = [failure.property for failure in failures]
    assert "deploymentConfiguration.virtualMachineConfiguration.extensions[1].type" in paths
    assert any("CustomScript" in failure.reason for failure in failures)


def _create(engine: EngineClient, news: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Check then create; outputs come back as the engine will send them later (secrets stripped)."""
    inputs = decode(engine.check({}, news).inputs)
    created = engine.create(inputs)
    return created.id, inputs, strip_secrets(decode(created.properties))


def test_create_waits_for_nodes_and_reports_extension_status(
    engine: EngineClient, engine_news: dict, emulator: EmulatorServer
) -> None:
    inputs = decode(engine.check({}, engine_news).inputs)
    created = engine.create(inputs)
    pool_id, outputs = created.id, decode(created.properties)
    assert pool_id.endswith(f"/pools/{inputs['poolName']}")
    assert outputs["allocationState"] == "Steady"
    assert outputs["nodeCount"] == 2
    assert outputs["extensionStatus"]["monitor"]["succeeded"] == 2
    assert outputs["extensionStatus"]["logs"]["succeeded"] == 2
    assert len(outputs["nodes"]) == 2
    assert is_secret(outputs["protectedSettingsFingerprint"])
    assert "protectedSettings" not in outputs


def test_secret_never_reaches_outputs_or_read(engine: EngineClient, engine_news: dict) -> None:
    inputs = decode(engine.check({}, engine_news).inputs)
    created = engine.create(inputs)
    read = engine.read(created.id, strip_secrets(decode(created.properties)), inputs)
    for message in (created.properties, read.properties, read.inputs):
        assert SECRET.encode() not in message.SerializeToString()


def test_diff_rules_seen_by_the_engine(engine: EngineClient, engine_news: dict) -> None:
    pool_id, inputs, outputs = _create(engine, engine_news)
    same = engine.diff(pool_id, outputs, inputs)
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE

    reordered = copy.deepcopy(inputs)
    reordered["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"].reverse()
    assert engine.diff(pool_id, outputs, reordered).changes == provider_pb2.DiffResponse.DIFF_NONE

    bumped = copy.deepcopy(inputs)
    bumped["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"][0][
        "typeHandlerVersion"
    ] = "1.1"
    replace = engine.diff(pool_id, outputs, bumped)
    assert replace.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(replace.replaces) == ["deploymentConfiguration"]
    assert replace.deleteBeforeReplace is False, "a generated name allows create-before-delete"

    resized = copy.deepcopy(inputs)
    resized["scaleSettings"] = {"fixedScale": {"targetDedicatedNodes": 3}}
    update = engine.diff(pool_id, outputs, resized)
    assert update.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(update.replaces) == []

    rotated = {**inputs, "protectedSettings": {"monitor": {"key": "another"}}}
    assert list(engine.diff(pool_id, outputs, rotated).replaces) == ["protectedSettings"]


def test_explicit_name_replaces_delete_first(engine: EngineClient, engine_news: dict) -> None:
    pool_id, inputs, outputs = _create(engine, {**engine_news, "poolName": "fixed-name"})
    assert inputs["poolNameGenerated"] is False
    bumped = copy.deepcopy(inputs)
    bumped["vmSize"] = "STANDARD_D4S_V3"
    replace = engine.diff(pool_id, outputs, bumped)
    assert list(replace.replaces) == ["vmSize"]
    assert replace.deleteBeforeReplace is True


def test_preview_with_unknowns(engine: EngineClient, engine_news: dict) -> None:
    pool_id, inputs, outputs = _create(engine, engine_news)
    unknown_size = {**inputs, "vmSize": rpc.UNKNOWN}
    checked = engine.check(inputs, unknown_size)
    assert list(checked.failures) == []
    diff = engine.diff(pool_id, outputs, decode(checked.inputs, keep_unknowns=True) | {"vmSize": rpc.UNKNOWN})
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert "vmSize" in list(diff.replaces), "an unknown create-only value may force a replace"


def test_update_patches_scale_in_place(
    engine: EngineClient, engine_news: dict, emulator: EmulatorServer
) -> None:
    pool_id, inputs, outputs = _create(engine, engine_news)
    resized = {**inputs, "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 3}}}
    updated = decode(engine.update(pool_id, outputs, resized).properties)
    assert updated["nodeCount"] == 3
    assert updated["extensionStatus"]["monitor"]["succeeded"] == 3
    assert updated["armId"] == pool_id


def test_refresh_returns_live_inputs_without_drift(engine: EngineClient, engine_news: dict) -> None:
    pool_id, inputs, outputs = _create(engine, engine_news)
    read = engine.read(pool_id, outputs, inputs)
    assert read.id == pool_id
    live_inputs = decode(read.inputs)
    live_outputs = strip_secrets(decode(read.properties))
    assert live_inputs["poolName"] == inputs["poolName"]
    assert engine.diff(pool_id, live_outputs, inputs).changes == provider_pb2.DiffResponse.DIFF_NONE


def test_delete_then_refresh_drops_the_pool(engine: EngineClient, engine_news: dict) -> None:
    pool_id, inputs, outputs = _create(engine, engine_news)
    engine.delete(pool_id, outputs)
    gone = engine.read(pool_id, outputs, inputs)
    assert gone.id == ""
    engine.delete(pool_id, outputs)  # deleting what is already gone succeeds


def test_create_over_an_existing_pool_fails_clearly(engine: EngineClient, engine_news: dict) -> None:
    first_id, _, _ = _create(engine, {**engine_news, "poolName": "taken"})
    again_id, _, _ = _create(engine, {**engine_news, "poolName": "taken"})
    assert again_id == first_id, "the engine's retry of the same create continues with its own pool"
    with pytest.raises(grpc.RpcError) as raised:
        _create(engine, {**engine_news, "poolName": "taken", "poolNamePrefix": "another-resource"})
    assert "adopt_existing" in raised.value.details()
