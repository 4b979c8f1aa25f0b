"""Tests for the wire-shape <-> ARM pool body translation."""

import copy
import json
from typing import Any

import pytest

from pulumi_azure_batch_pool.model.diffing import diff_pool
from pulumi_azure_batch_pool.model.mapping import (
    inputs_from_arm,
    mutable_patch_body,
    read_only_outputs,
    to_arm_pool,
)
from tests.provider import IDENTITY_ID, extensions_of, sample_pool


def arm_pool_for(inputs: dict[str, Any]) -> dict[str, Any]:
    """What Azure's GET returns for a pool created from ``inputs``: defaults filled in, secrets withheld."""
    body = to_arm_pool(inputs, {})
    properties = body["properties"]
    vm = properties["deploymentConfiguration"]["virtualMachineConfiguration"]
    vm["imageReference"]["version"] = "latest"
    for extension in vm["extensions"]:
        extension["enableAutomaticUpgrade"] = False
        if "settings" in extension:
            extension["settings"] = json.dumps(extension["settings"])
    properties["scaleSettings"]["fixedScale"]["targetLowPriorityNodes"] = 0
    properties["scaleSettings"]["fixedScale"]["nodeDeallocationOption"] = "Requeue"
    properties["taskSlotsPerNode"] = 1
    properties["vmSize"] = properties["vmSize"].lower()
    properties.update(
        {
            "provisioningState": "Succeeded",
            "allocationState": "Steady",
            "currentDedicatedNodes": 2,
            "currentLowPriorityNodes": 0,
            "creationTime": "2026-11-27T10:00:00Z",
            "lastModified": "2026-11-27T10:05:00Z",
            "resizeOperationStatus": {
                "targetDedicatedNodes": 2,
                "errors": [{"code": "AccountCoreQuotaReached", "message": "quota", "details": []}],
            },
            "applicationPackages": [],
        }
    )
    body["identity"]["userAssignedIdentities"][IDENTITY_ID] = {"principalId": "p", "clientId": "c"}
    return {"id": "/subscriptions/x/pools/p", "name": "p", "etag": 'W/"0x8D4"', **body}


def test_put_body_has_envelope_properties_and_merged_secrets() -> None:
    inputs = sample_pool()
    body = to_arm_pool(inputs, inputs["protectedSettings"])
    assert set(body) == {"identity", "tags", "properties"}
    assert set(body["properties"]) == {
        "vmSize",
        "deploymentConfiguration",
        "scaleSettings",
        "taskSchedulingPolicy",
        "interNodeCommunication",
        "metadata",
    }
    extensions = body["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"]
    assert extensions[0]["protectedSettings"] == {"token": "s3cr3t-value"}
    assert "protectedSettings" not in extensions[1]
    assert extensions[0]["settings"] == {"secretsManagementSettings": {"pollingIntervalInS": 3600}}
    assert type(body["properties"]["scaleSettings"]["fixedScale"]["targetDedicatedNodes"]) is int
    assert inputs == sample_pool()


def test_put_body_parses_settings_given_as_json_text() -> None:
    inputs = sample_pool()
    extension = inputs["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"][1]
    extension["settings"] = '{"a": 1}'
    body = to_arm_pool(inputs, {})
    sent = body["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"][1]
    assert sent["settings"] == {"a": 1}


def test_patch_body_holds_only_changed_mutable_properties() -> None:
    inputs = sample_pool()
    assert mutable_patch_body(["scaleSettings", "tags"], inputs) == {
        "tags": {"env": "dev"},
        "properties": {
            "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 2, "resizeTimeout": "PT15M"}}
        },
    }


def test_patch_body_clears_removed_properties() -> None:
    inputs = sample_pool()
    for key in ("metadata", "identity", "tags"):
        del inputs[key]
    body = mutable_patch_body(["startTask", "metadata", "applicationPackages", "identity", "tags"], inputs)
    assert body == {
        "identity": {"type": "None"},
        "tags": {},
        "properties": {"startTask": {}, "metadata": [], "applicationPackages": []},
    }


def test_patch_body_rejects_create_only_properties() -> None:
    with pytest.raises(ValueError, match="'vmSize' cannot be updated in place"):
        mutable_patch_body(["vmSize"], sample_pool())


def test_read_only_outputs() -> None:
    outputs = read_only_outputs(arm_pool_for(sample_pool()))
    assert outputs == {
        "armId": "/subscriptions/x/pools/p",
        "etag": 'W/"0x8D4"',
        "provisioningState": "Succeeded",
        "allocationState": "Steady",
        "currentDedicatedNodes": 2,
        "currentLowPriorityNodes": 0,
        "resizeErrors": [{"code": "AccountCoreQuotaReached", "message": "quota"}],
        "creationTime": "2026-11-27T10:00:00Z",
        "lastModified": "2026-11-27T10:05:00Z",
    }
    assert read_only_outputs({})["resizeErrors"] == []


def test_inputs_from_arm_drops_read_only_fields_and_unrequested_defaults() -> None:
    previous = sample_pool()
    live = inputs_from_arm(arm_pool_for(previous), previous)
    assert "provisioningState" not in live and "resizeOperationStatus" not in live
    assert "taskSlotsPerNode" not in live and "applicationPackages" not in live
    vm = live["deploymentConfiguration"]["virtualMachineConfiguration"]
    assert "version" not in vm["imageReference"]
    assert vm["extensions"][0]["settings"] == {"secretsManagementSettings": {"pollingIntervalInS": 3600}}
    assert all("enableAutomaticUpgrade" not in extension for extension in vm["extensions"])
    assert live["identity"]["userAssignedIdentities"] == {IDENTITY_ID: {}}
    assert live["scaleSettings"] == {"fixedScale": {"targetDedicatedNodes": 2, "resizeTimeout": "PT15M"}}


def test_refresh_right_after_up_shows_no_drift() -> None:
    previous = sample_pool()
    live = {**previous, **inputs_from_arm(arm_pool_for(previous), previous)}
    outputs = {key: value for key, value in live.items() if key != "protectedSettings"}
    assert (
        diff_pool(
            outputs, {key: value for key, value in previous.items() if key != "protectedSettings"}
        ).changes
        is False
    )


def test_inputs_from_arm_keeps_real_drift() -> None:
    previous = sample_pool()
    pool = arm_pool_for(previous)
    pool["properties"]["taskSlotsPerNode"] = 4
    pool["properties"]["metadata"] = [{"name": "team", "value": "changed"}]
    pool["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"].pop()
    live = inputs_from_arm(pool, previous)
    assert live["taskSlotsPerNode"] == 4
    assert live["metadata"] == [{"name": "team", "value": "changed"}]
    assert [
        ext["name"] for ext in live["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"]
    ] == ["secretext"]


def test_inputs_from_arm_never_returns_protected_settings_and_keeps_write_only_secrets() -> None:
    previous = sample_pool()
    previous["userAccounts"] = [{"name": "admin", "password": "pw-1", "elevationLevel": "Admin"}]
    pool = arm_pool_for(previous)
    pool["properties"]["userAccounts"] = [{"name": "admin", "elevationLevel": "Admin"}]
    vm = pool["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]
    vm["extensions"][0]["protectedSettings"] = {"leaked": "by a buggy server"}
    live = inputs_from_arm(pool, previous)
    assert "protectedSettings" not in live
    assert "leaked" not in json.dumps(live)
    assert live["userAccounts"] == [{"name": "admin", "elevationLevel": "Admin", "password": "pw-1"}]


def test_inputs_from_arm_keeps_the_previous_spelling_of_an_equal_pool() -> None:
    previous = sample_pool()
    previous["taskSchedulingPolicy"] = {"nodeFillType": "pack"}
    pool = arm_pool_for(previous)
    pool["properties"]["taskSchedulingPolicy"] = {"nodeFillType": "Pack", "jobDefaultOrder": "None"}
    pool["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"].reverse()
    live = inputs_from_arm(pool, copy.deepcopy(previous))
    assert live["taskSchedulingPolicy"] == {"nodeFillType": "pack"}
    assert live["deploymentConfiguration"] == previous["deploymentConfiguration"]
    assert live["vmSize"] == previous["vmSize"]


def test_inputs_from_arm_matches_extensions_by_name_not_position() -> None:
    previous = sample_pool()
    pool = arm_pool_for(previous)
    extensions = pool["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"]
    extensions.reverse()
    extensions[0]["typeHandlerVersion"] = "2.1"
    live = inputs_from_arm(pool, copy.deepcopy(previous))
    live_extensions = live["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"]
    assert [ext["name"] for ext in live_extensions] == ["monitor", "secretext"]
    assert live_extensions[0]["typeHandlerVersion"] == "2.1"
    assert live_extensions[1] == extensions_of(previous)[0]
    assert all("enableAutomaticUpgrade" not in ext for ext in live_extensions)


def test_inputs_from_arm_leaves_out_the_ownership_tags() -> None:
    previous = sample_pool()
    pool = arm_pool_for(previous)
    pool["tags"] = {**pool["tags"], "pulumi-batchpool-stack": "dev", "Pulumi-BatchPool-Create-Token": "t"}
    assert inputs_from_arm(pool, previous)["tags"] == {"env": "dev"}
    del previous["tags"]
    pool["tags"] = {"pulumi-batchpool-stack": "dev"}
    assert "tags" not in inputs_from_arm(pool, previous)


def test_patch_sends_null_for_each_identity_the_pool_no_longer_names() -> None:
    second = IDENTITY_ID.replace("id1", "id2")
    live = {"identity": {"type": "UserAssigned", "userAssignedIdentities": {IDENTITY_ID: {}, second: {}}}}
    inputs = sample_pool()
    inputs["identity"]["userAssignedIdentities"] = {IDENTITY_ID.upper(): {}}
    body = mutable_patch_body(["identity"], inputs, live)
    assert body["identity"]["userAssignedIdentities"] == {IDENTITY_ID.upper(): {}, second: None}
    assert json.loads(json.dumps(body))["identity"]["userAssignedIdentities"][second] is None
    del inputs["identity"]
    assert mutable_patch_body(["identity"], inputs, live) == {"identity": {"type": "None"}}
