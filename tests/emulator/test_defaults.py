"""Server defaults: the emulator fills what Azure fills, and its table agrees with the swagger."""

from __future__ import annotations

from typing import Any

import requests

from azure_batch_emulator.defaults import SERVER_DEFAULTS
from tests.emulator.conftest import API, identity_id, pool_body, with_identities
from tests.spec import MGMT, Spec, pool_property_keywords, requires_shared


@requires_shared
def test_every_swagger_default_is_in_the_table_with_the_same_value() -> None:
    documented = pool_property_keywords(Spec.load(MGMT), "default")

    assert documented, "the swagger documents defaults below PoolProperties"
    assert {path: SERVER_DEFAULTS.get(path) for path in documented} == documented


@requires_shared
def test_every_table_entry_is_a_writable_swagger_property_with_a_valid_value() -> None:
    properties = dict(Spec.load(MGMT).properties("PoolProperties", writable_only=True))

    for path, value in SERVER_DEFAULTS.items():
        assert path in properties, f"{path} is not a writable property of the 2025-06-01 pool"
        schema = properties[path]
        if "enum" in schema:
            assert value in schema["enum"], f"{path}: {value!r} is not in the spec's casing {schema['enum']}"
        elif schema.get("type") in ("string", "integer", "boolean"):
            expected = {"string": str, "integer": int, "boolean": bool}[schema["type"]]
            assert isinstance(value, expected), f"{path}: {value!r} is not a {schema['type']}"


def created(http: requests.Session, account_url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = http.put(f"{account_url}/pools/defaults", params=API, json=body)
    assert response.status_code == 200, response.text
    read = http.get(f"{account_url}/pools/defaults", params=API)
    assert read.json() == {**response.json(), **{k: read.json()[k] for k in ("properties", "etag")}}
    properties: dict[str, Any] = read.json()["properties"]
    assert response.json()["properties"]["taskSchedulingPolicy"] == properties["taskSchedulingPolicy"]
    return properties


def test_a_minimal_pool_reads_back_with_azures_defaults(http: requests.Session, account_url: str) -> None:
    body = pool_body(nodes=0)
    del body["properties"]["scaleSettings"]
    vm = body["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]
    vm["osDisk"] = {"diskSizeGB": 64}
    vm["dataDisks"] = [{"lun": 0, "diskSizeGB": 128}]
    body["properties"]["networkConfiguration"] = {"subnetId": "/subscriptions/x/subnets/s"}
    body["properties"]["startTask"] = {"commandLine": "/bin/true"}

    properties = created(http, account_url, body)
    vm = properties["deploymentConfiguration"]["virtualMachineConfiguration"]

    assert properties["scaleSettings"] == {
        "fixedScale": {"targetDedicatedNodes": 0, "targetLowPriorityNodes": 0, "resizeTimeout": "PT15M"}
    }
    assert properties["interNodeCommunication"] == "Disabled"
    assert properties["taskSlotsPerNode"] == 1
    assert properties["taskSchedulingPolicy"] == {"nodeFillType": "Spread", "jobDefaultOrder": "None"}
    assert vm["imageReference"]["version"] == "latest"
    assert vm["osDisk"] == {"diskSizeGB": 64, "caching": "None"}
    assert vm["dataDisks"] == [{"lun": 0, "diskSizeGB": 128, "caching": "None"}]
    assert properties["networkConfiguration"] == {
        "subnetId": "/subscriptions/x/subnets/s",
        "dynamicVnetAssignmentScope": "none",
        "enableAcceleratedNetworking": False,
    }
    assert properties["startTask"] == {"commandLine": "/bin/true", "maxTaskRetryCount": 0}


def test_sent_values_win_over_defaults_and_gallery_images_get_no_version(
    http: requests.Session, account_url: str
) -> None:
    body = pool_body(nodes=0)
    vm = body["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]
    vm["imageReference"] = {"id": "/subscriptions/x/galleries/g/images/i/versions/1.0.0"}
    body["properties"]["scaleSettings"] = {
        "fixedScale": {"targetLowPriorityNodes": 0, "resizeTimeout": "PT5M"}
    }
    body["properties"]["taskSchedulingPolicy"] = {"nodeFillType": "Pack", "jobDefaultOrder": "CreationTime"}

    properties = created(http, account_url, body)

    vm = properties["deploymentConfiguration"]["virtualMachineConfiguration"]
    assert "version" not in vm["imageReference"]
    assert properties["scaleSettings"]["fixedScale"] == {
        "targetLowPriorityNodes": 0,
        "resizeTimeout": "PT5M",
        "targetDedicatedNodes": 0,
    }
    assert properties["taskSchedulingPolicy"] == {"nodeFillType": "Pack", "jobDefaultOrder": "CreationTime"}


def test_each_user_assigned_identity_gets_its_own_stable_principal_and_client_ids(
    http: requests.Session, account_url: str
) -> None:
    body = with_identities(pool_body(nodes=0), "one", "two")

    first = http.put(f"{account_url}/pools/a", params=API, json=body).json()["identity"]
    second = http.put(f"{account_url}/pools/b", params=API, json=body).json()["identity"]

    assigned = first["userAssignedIdentities"]
    assert set(assigned) == {identity_id("one"), identity_id("two")}
    ids = [value[key] for value in assigned.values() for key in ("principalId", "clientId")]
    assert len(set(ids)) == 4 and all(len(value) == 36 for value in ids)
    assert second == first, "the ids belong to the identity, not to the pool"
