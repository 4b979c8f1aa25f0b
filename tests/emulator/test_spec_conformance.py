"""The emulator takes every writable 2025-06-01 pool property, stores Azure's casing, merges identities."""

from __future__ import annotations

import copy
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from jsonschema import Draft202012Validator

from azure_batch_emulator import DEMO_ACCOUNT
from tests.emulator.conftest import API, MONITOR_AGENT, extension, identity_id, pool_body, with_identities
from tests.spec import DATAPLANE, MGMT, Spec, requires_shared

SECRET = "secret-never-echoed"
VM = ("properties", "deploymentConfiguration", "virtualMachineConfiguration")


def sample(spec: Spec, node: dict[str, Any], file: str, name: str) -> Any:
    """A valid value for a swagger schema node with every writable property filled (the last enum value,
    so a default is never what is echoed)."""
    node, file = spec.resolve(node, file)
    node = spec.flatten(node, file)
    if node.get("x-ms-secret"):
        return {"key": SECRET} if node.get("type") != "string" else SECRET
    if "enum" in node:
        return node["enum"][-1]
    kind = node.get("type")
    if kind == "array":
        return [sample(spec, node["items"], file, name)]
    if "properties" in node:
        return {
            key: sample(spec, child, file, key)
            for key, child in node["properties"].items()
            if not spec.resolve(child, file)[0].get("readOnly")
        }
    if kind == "object" or not kind:
        extra = node.get("additionalProperties")
        return {"key": sample(spec, extra, file, name) if isinstance(extra, dict) else "value"}
    if kind == "integer":
        return max(node.get("minimum", 1), min(node.get("maximum", 3), 3))
    if kind == "boolean":
        return True
    return {
        "duration": "PT7M",
        "arm-id": f"/subscriptions/x/{name}",
        "uri": f"https://example.test/{name}",
    }.get(node.get("format", ""), f"{name}-value")


def every_writable_property() -> dict[str, Any]:
    """A pool PUT body with every writable property of the swagger's Pool, adjusted only where the swagger
    cannot say a rule the service enforces (one scale mode, one identity type, a valid extension order, an
    extension Azure Batch lists)."""
    spec = Spec.load(MGMT)
    body: dict[str, Any] = sample(spec, {"$ref": "#/definitions/Pool"}, MGMT, "pool")
    properties = body["properties"]
    del properties["scaleSettings"]["autoScale"]
    properties["scaleSettings"]["fixedScale"]["targetDedicatedNodes"] = 1
    with_identities(body, "one")
    vm = properties["deploymentConfiguration"]["virtualMachineConfiguration"]
    vm["extensions"][0]["provisionAfterExtensions"] = []
    vm["extensions"][0].update(MONITOR_AGENT)
    return body


def leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """Every leaf of a JSON value with its path (empty objects and lists are leaves)."""
    if isinstance(value, dict) and value:
        return [leaf for key, item in value.items() for leaf in leaves(item, (*path, key))]
    if isinstance(value, list) and value:
        return [leaf for index, item in enumerate(value) for leaf in leaves(item, (*path, index))]
    return [(path, value)]


def at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@requires_shared
def test_a_put_with_every_writable_property_is_accepted_and_echoed(
    http: requests.Session, account_url: str
) -> None:
    body = every_writable_property()

    response = http.put(f"{account_url}/pools/everything", params=API, json=body)

    assert response.status_code == 200, response.text
    echoed = response.json()
    validator = Draft202012Validator(Spec.load(MGMT).json_schema("Pool"))
    assert [error.message for error in validator.iter_errors(echoed)] == []
    sent = [(path, value) for path, value in leaves(body) if value != SECRET and SECRET not in str(value)]
    assert [path for path, value in sent if not _echoes(echoed, path, value)] == []
    assert SECRET in str(body)
    assert SECRET not in response.text


@requires_shared
def test_nodes_and_extensions_of_that_pool_match_the_data_plane_schemas(
    http: requests.Session, account_url: str, batch_url: str
) -> None:
    body = every_writable_property()
    http.put(f"{account_url}/pools/everything", params=API, json=body).raise_for_status()
    dataplane = Spec.load(DATAPLANE)
    node_url = f"{batch_url}/pools/everything/nodes"

    node = http.get(node_url, params=API).json()["value"][0]
    extensions = http.get(f"{node_url}/{node['id']}/extensions", params=API).json()

    for name, answer in (("BatchNode", node), ("BatchNodeVMExtensionListResult", extensions)):
        validator = Draft202012Validator(dataplane.json_schema(name))
        assert [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(answer)] == []
    assert node["virtualMachineInfo"]["imageReference"]["virtualMachineImageId"] == "id-value"
    assert node["startTask"]["userIdentity"]["username"] == "userName-value"
    assert SECRET not in str(node) + str(extensions)


def _echoes(echoed: Any, path: tuple[Any, ...], value: Any) -> bool:
    try:
        found = at(echoed, path)
    except (KeyError, IndexError):
        return False
    return found == value or (isinstance(value, dict) and not value and isinstance(found, dict))


def test_enums_match_any_case_and_come_back_in_azures_casing_on_both_planes(
    http: requests.Session, account_url: str, batch_url: str
) -> None:
    body = pool_body(nodes=1, extensions=[extension("monitor")])
    properties = body["properties"]
    properties["interNodeCommunication"] = "enabled"
    properties["taskSchedulingPolicy"] = {"nodeFillType": "PACK", "jobDefaultOrder": "creationtime"}
    properties["startTask"] = {
        "commandLine": "/bin/true",
        "userIdentity": {"autoUser": {"scope": "POOL", "elevationLevel": "admin"}},
    }
    properties["deploymentConfiguration"]["virtualMachineConfiguration"]["osDisk"] = {"caching": "readwrite"}

    created = http.put(f"{account_url}/pools/cased", params=API, json=body).json()["properties"]
    node = http.get(f"{batch_url}/pools/cased/nodes", params=API).json()["value"][0]

    assert created["interNodeCommunication"] == "Enabled"
    assert created["taskSchedulingPolicy"] == {"nodeFillType": "Pack", "jobDefaultOrder": "CreationTime"}
    assert created["startTask"]["userIdentity"]["autoUser"] == {"scope": "Pool", "elevationLevel": "Admin"}
    assert created["deploymentConfiguration"]["virtualMachineConfiguration"]["osDisk"] == {
        "caching": "ReadWrite"
    }
    assert node["startTask"]["userIdentity"] == {"autoUser": {"scope": "pool", "elevationLevel": "admin"}}


def test_a_null_optional_property_is_dropped_never_echoed(http: requests.Session, account_url: str) -> None:
    body = pool_body(nodes=0)
    vm = body["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]
    vm["osDisk"] = {"writeAcceleratorEnabled": None, "diskSizeGB": 64}
    vm["securityProfile"] = {"encryptionAtHost": None, "securityType": "trustedLaunch"}

    response = http.put(f"{account_url}/pools/nulls", params=API, json=body)

    assert response.status_code == 200, response.text
    echoed = at(response.json(), VM)
    assert echoed["osDisk"] == {"diskSizeGB": 64, "caching": "None"}
    assert echoed["securityProfile"] == {"securityType": "trustedLaunch"}


def test_typed_sub_objects_refuse_wrong_types(http: requests.Session, account_url: str) -> None:
    body = pool_body(nodes=0)
    body["properties"]["networkConfiguration"] = {
        "endpointConfiguration": {"inboundNatPools": [{"name": "ssh", "protocol": "TCP"}]}
    }

    response = http.put(f"{account_url}/pools/typed", params=API, json=body)

    assert response.status_code == 400
    assert "inboundNatPools[0].backendPort" in response.json()["error"]["target"]


def test_patch_merges_user_assigned_identities_and_null_removes_one(
    http: requests.Session, account_url: str
) -> None:
    body = with_identities(pool_body(nodes=0), "one", "two")
    http.put(f"{account_url}/pools/ids", params=API, json=body).raise_for_status()

    added = http.patch(
        f"{account_url}/pools/ids",
        params=API,
        json={"identity": {"type": "UserAssigned", "userAssignedIdentities": {identity_id("three"): {}}}},
    )
    removed = http.patch(
        f"{account_url}/pools/ids",
        params=API,
        json={"identity": {"type": "UserAssigned", "userAssignedIdentities": {identity_id("ONE"): None}}},
    )
    read = http.get(f"{account_url}/pools/ids", params=API).json()

    assert set(added.json()["identity"]["userAssignedIdentities"]) == {
        identity_id(name) for name in ("one", "two", "three")
    }
    assert removed.status_code == 200, removed.text
    assert set(read["identity"]["userAssignedIdentities"]) == {
        identity_id("two"),
        identity_id("three"),
    }
    cleared = http.patch(f"{account_url}/pools/ids", params=API, json={"identity": {"type": "None"}})
    assert cleared.json()["identity"] == {"type": "None"}


def test_nodes_and_extensions_carry_etag_last_modified_and_batchs_own_extension(
    http: requests.Session, account_url: str, batch_url: str
) -> None:
    body = pool_body(nodes=2, extensions=[extension("monitor")])
    body["properties"]["networkConfiguration"] = {
        "endpointConfiguration": {
            "inboundNatPools": [
                {
                    "name": "ssh",
                    "protocol": "TCP",
                    "backendPort": 22,
                    "frontendPortRangeStart": 50000,
                    "frontendPortRangeEnd": 50099,
                }
            ]
        }
    }
    http.put(f"{account_url}/pools/nat", params=API, json=body).raise_for_status()
    nodes = http.get(f"{batch_url}/pools/nat/nodes", params=API).json()["value"]
    node_url = f"{batch_url}/pools/nat/nodes/{nodes[1]['id']}"

    reads = [
        http.get(url, params=API)
        for url in (node_url, f"{node_url}/extensions", f"{node_url}/extensions/batchNodeExtension")
    ]

    for read in reads:
        assert read.status_code == 200, read.text
        assert read.headers["ETag"].startswith("0x8D")
        assert parsedate_to_datetime(read.headers["Last-Modified"]).tzinfo is not None
    endpoints = reads[0].json()["endpointConfiguration"]["inboundEndpoints"]
    assert [(e["name"], e["protocol"], e["frontendPort"], e["backendPort"]) for e in endpoints] == [
        ("ssh.1", "tcp", 50001, 22)
    ]
    assert [item["vmExtension"]["name"] for item in reads[1].json()["value"]] == [
        "batchNodeExtension",
        "monitor",
    ]
    own = reads[2].json()
    assert own["vmExtension"]["type"] == "CustomScript"
    assert own["vmExtension"]["publisher"] == "Microsoft.Azure.Extensions"
    assert own["provisioningState"] == "Succeeded"


def test_select_works_on_the_management_pool_list(http: requests.Session, account_url: str) -> None:
    http.put(f"{account_url}/pools/chosen", params=API, json=pool_body(nodes=0)).raise_for_status()

    listed = http.get(
        f"{account_url}/pools",
        params={**API, "$select": "properties/allocationState,properties/vmSize,tags"},
    ).json()["value"]

    assert listed == [
        {
            "id": f"{DEMO_ACCOUNT.arm_id}/pools/chosen",
            "name": "chosen",
            "type": "Microsoft.Batch/batchAccounts/pools",
            "properties": {"allocationState": "Steady", "vmSize": "STANDARD_D2S_V3"},
        }
    ]


def test_a_user_extension_may_not_take_batchs_own_extension_name(
    http: requests.Session, account_url: str
) -> None:
    body = copy.deepcopy(pool_body(nodes=0, extensions=[extension("BatchNodeExtension")]))

    response = http.put(f"{account_url}/pools/reserved", params=API, json=body)

    assert response.status_code == 400
    assert "reserved" in response.json()["error"]["message"]
