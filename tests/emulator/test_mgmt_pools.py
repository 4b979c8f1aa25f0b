"""Management plane: account GET, pool PUT/GET/list/PATCH/DELETE, preconditions and Azure's pool rules."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import requests

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer
from tests.emulator.conftest import API, SECRET, FakeClock, arm_account_url, extension, pool_body

ETAG = re.compile(r'^W/"0x8D[0-9A-F]{13}"$')


def put(http: requests.Session, account_url: str, name: str, body: dict[str, Any], **headers: str) -> Any:
    return http.put(f"{account_url}/pools/{name}", params=API, json=body, headers=headers)


def arm_error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def test_account_get_points_its_endpoint_at_this_emulator(
    emulator: EmulatorServer, http: requests.Session, account_url: str
) -> None:
    response = http.get(account_url, params=API)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == DEMO_ACCOUNT.arm_id
    assert body["location"] == "westeurope"
    assert body["properties"]["accountEndpoint"] == f"{emulator.url.split('://')[1]}/batch/demoaccount"


@pytest.mark.parametrize("version", ["2024-07-01", "2025-06-01"])
def test_both_supported_api_versions_are_accepted(
    http: requests.Session, account_url: str, version: str
) -> None:
    assert http.get(account_url, params={"api-version": version}).status_code == 200


def test_other_or_missing_api_versions_are_rejected(http: requests.Session, account_url: str) -> None:
    arm_error(http.get(account_url, params={"api-version": "2023-05-01"}), 400, "InvalidApiVersionParameter")
    arm_error(http.get(account_url), 400, "MissingApiVersionParameter")


def test_put_returns_the_pool_resizing_with_a_weak_etag_and_no_secrets(
    http: requests.Session, account_url: str
) -> None:
    response = put(http, account_url, "pool1", pool_body(nodes=2))

    assert response.status_code == 200
    body = response.json()
    assert ETAG.match(response.headers["ETag"])
    assert body["etag"] == response.headers["ETag"]
    assert body["type"] == "Microsoft.Batch/batchAccounts/pools"
    assert body["id"] == f"{DEMO_ACCOUNT.arm_id}/pools/pool1"
    assert body["properties"]["allocationState"] == "Resizing"
    assert body["properties"]["provisioningState"] == "Succeeded"
    assert body["properties"]["interNodeCommunication"] == "Disabled"
    assert SECRET not in response.text
    assert "protectedSettings" not in response.text


def test_get_after_put_is_steady_with_nodes_and_never_returns_secrets(
    http: requests.Session, account_url: str
) -> None:
    body = pool_body(nodes=3)
    body["properties"]["userAccounts"] = [{"name": "admin", "password": SECRET}]
    put(http, account_url, "pool1", body)

    response = http.get(f"{account_url}/pools/pool1", params=API)
    listed = http.get(f"{account_url}/pools", params=API)

    props = response.json()["properties"]
    assert props["allocationState"] == "Steady"
    assert props["currentDedicatedNodes"] == 3
    assert props["userAccounts"] == [{"name": "admin"}]
    assert SECRET not in response.text + listed.text
    assert [pool["name"] for pool in listed.json()["value"]] == ["pool1"]


def test_pool_names_are_case_insensitive_and_case_preserving(
    http: requests.Session, account_url: str
) -> None:
    put(http, account_url, "Render-Pool", pool_body(nodes=0))

    fetched = http.get(f"{account_url}/pools/render-pool", params=API)
    clash = put(http, account_url, "RENDER-POOL", pool_body(nodes=0), **{"If-None-Match": "*"})

    assert fetched.json()["name"] == "Render-Pool"
    arm_error(clash, 412, "PreconditionFailed")


@pytest.mark.parametrize("name", ["bad.name", "a" * 65, "sp ace"])
def test_invalid_pool_names_are_rejected(http: requests.Session, account_url: str, name: str) -> None:
    arm_error(put(http, account_url, name, pool_body()), 400, "InvalidResourceName")


def test_a_pool_under_an_unknown_account_is_not_found(
    emulator: EmulatorServer, http: requests.Session
) -> None:
    url = arm_account_url(emulator).replace("demoaccount", "otheraccount")

    error = arm_error(http.get(f"{url}/pools/p", params=API), 404, "ResourceNotFound")

    assert "otheraccount" in error["message"]


def test_missing_pool_is_arm_resource_not_found(http: requests.Session, account_url: str) -> None:
    arm_error(http.get(f"{account_url}/pools/absent", params=API), 404, "ResourceNotFound")


def test_if_match_must_equal_the_current_etag(http: requests.Session, account_url: str) -> None:
    first = put(http, account_url, "pool1", pool_body(nodes=0))
    etag = first.headers["ETag"]

    replaced = put(http, account_url, "pool1", pool_body(nodes=1), **{"If-Match": etag})
    stale = put(http, account_url, "pool1", pool_body(nodes=2), **{"If-Match": etag})
    stale_patch = http.patch(
        f"{account_url}/pools/pool1",
        params=API,
        json={"properties": {"metadata": []}},
        headers={"If-Match": etag},
    )

    assert replaced.status_code == 200
    assert replaced.headers["ETag"] != etag
    arm_error(stale, 412, "PreconditionFailed")
    arm_error(stale_patch, 412, "PreconditionFailed")


def test_if_match_star_needs_an_existing_pool(http: requests.Session, account_url: str) -> None:
    arm_error(put(http, account_url, "pool1", pool_body(), **{"If-Match": "*"}), 412, "PreconditionFailed")


def test_patch_merges_top_level_properties_and_empty_start_task_removes_it(
    http: requests.Session, account_url: str
) -> None:
    body = pool_body(nodes=1)
    body["properties"]["startTask"] = {"commandLine": "/bin/true"}
    body["properties"]["metadata"] = [{"name": "team", "value": "a"}]
    put(http, account_url, "pool1", body)

    patched = http.patch(
        f"{account_url}/pools/pool1",
        params=API,
        json={
            "properties": {"metadata": [{"name": "team", "value": "b"}], "startTask": {}},
            "tags": {"k": "v"},
        },
    )

    assert patched.status_code == 200
    result = patched.json()
    assert result["properties"]["metadata"] == [{"name": "team", "value": "b"}]
    assert "startTask" not in result["properties"]
    assert result["properties"]["vmSize"] == "STANDARD_D2S_V3"
    assert result["tags"] == {"k": "v"}
    assert patched.headers["ETag"] == result["etag"]


def test_patching_scale_settings_resizes_the_pool(http: requests.Session, account_url: str) -> None:
    put(http, account_url, "pool1", pool_body(nodes=1))
    http.get(f"{account_url}/pools/pool1", params=API)

    patched = http.patch(
        f"{account_url}/pools/pool1",
        params=API,
        json={"properties": {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": 4}}}},
    )
    settled = http.get(f"{account_url}/pools/pool1", params=API).json()["properties"]

    assert patched.json()["properties"]["allocationState"] == "Resizing"
    assert settled["currentDedicatedNodes"] == 4
    assert settled["resizeOperationStatus"]["targetDedicatedNodes"] == 4


def test_patching_extensions_on_a_populated_pool_is_property_cannot_be_updated(
    http: requests.Session, account_url: str
) -> None:
    body = pool_body(nodes=2)
    put(http, account_url, "pool1", body)
    http.get(f"{account_url}/pools/pool1", params=API)
    changed = copy.deepcopy(body["properties"]["deploymentConfiguration"])
    changed["virtualMachineConfiguration"]["extensions"][0]["typeHandlerVersion"] = "3.1"

    response = http.patch(
        f"{account_url}/pools/pool1", params=API, json={"properties": {"deploymentConfiguration": changed}}
    )

    error = arm_error(response, 400, "PropertyCannotBeUpdated")
    assert {"code": "PropertyName", "message": "deploymentConfiguration"} in error["details"]
    assert SECRET not in response.text


def test_a_put_that_only_repeats_the_pool_is_allowed_while_populated(
    http: requests.Session, account_url: str
) -> None:
    put(http, account_url, "pool1", pool_body(nodes=2))
    http.get(f"{account_url}/pools/pool1", params=API)

    same = put(http, account_url, "pool1", pool_body(nodes=3))
    changed = pool_body(nodes=3)
    changed["properties"]["vmSize"] = "STANDARD_D4S_V3"
    resized_vm = put(http, account_url, "pool1", changed)
    new_secret = pool_body(nodes=3)
    new_secret["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"][0][
        "protectedSettings"
    ] = {"token": "rotated"}
    rotated = put(http, account_url, "pool1", new_secret)

    assert same.status_code == 200
    assert arm_error(resized_vm, 400, "PropertyCannotBeUpdated")["details"][1]["message"] == "vmSize"
    arm_error(rotated, 400, "PropertyCannotBeUpdated")


def test_hard_properties_can_change_on_an_empty_steady_pool(http: requests.Session, account_url: str) -> None:
    put(http, account_url, "pool1", pool_body(nodes=0))
    http.get(f"{account_url}/pools/pool1", params=API)

    response = http.patch(
        f"{account_url}/pools/pool1", params=API, json={"properties": {"vmSize": "STANDARD_D8"}}
    )

    assert response.status_code == 200
    assert response.json()["properties"]["vmSize"] == "STANDARD_D8"


VM_PATH = "properties.deploymentConfiguration.virtualMachineConfiguration"


@pytest.mark.parametrize(
    "target",
    [
        "properties.vmSize",
        f"{VM_PATH}.imageReference",
        f"{VM_PATH}.nodeAgentSkuId",
        f"{VM_PATH}.extensions[0].name",
        f"{VM_PATH}.extensions[0].type",
        f"{VM_PATH}.extensions[0].publisher",
    ],
)
def test_required_fields_are_enforced(http: requests.Session, account_url: str, target: str) -> None:
    body = pool_body()
    *parents, leaf = re.split(r"\.|\[(\d+)\]\.?", target)
    holder: Any = body
    for part in filter(None, parents):
        holder = holder[int(part)] if part.isdigit() else holder[part]
    del holder[leaf]

    error = arm_error(put(http, account_url, "pool1", body), 400, "MissingRequiredProperty")

    assert error["target"] == target
    assert {"code": "PropertyPath", "message": target} in error["details"]


@pytest.mark.parametrize(
    ("extensions", "fragment"),
    [
        ([extension("script", type="CustomScript")], "reserved"),
        ([extension("mon"), extension("MON")], "more than once"),
        ([extension("mon", after=["absent"])], "absent"),
        ([extension("a", after=["b"]), extension("b", after=["a"])], "cycle"),
    ],
)
def test_extension_rules_are_invalid_property_values(
    http: requests.Session, account_url: str, extensions: list[dict[str, Any]], fragment: str
) -> None:
    response = put(http, account_url, "pool1", pool_body(extensions=extensions))

    error = arm_error(response, 400, "InvalidPropertyValue")
    assert fragment in error["message"]
    assert error["target"].startswith(f"{VM_PATH}.extensions")


def test_wrong_types_name_the_property_without_echoing_the_value(
    http: requests.Session, account_url: str
) -> None:
    body = pool_body()
    body["properties"]["userAccounts"] = [{"name": "admin", "password": ["not", SECRET]}]

    error = arm_error(put(http, account_url, "pool1", body), 400, "InvalidPropertyValue")

    assert error["target"] == "properties.userAccounts[0].password"
    assert "string" in error["message"]
    assert SECRET not in str(error)


def test_pool_list_pages_with_next_link(http: requests.Session, account_url: str) -> None:
    for index in range(3):
        put(http, account_url, f"pool{index}", pool_body(nodes=0))

    first = http.get(f"{account_url}/pools", params={**API, "maxresults": "2"}).json()
    second = http.get(first["nextLink"]).json()

    assert [p["name"] for p in first["value"] + second["value"]] == ["pool0", "pool1", "pool2"]
    assert "nextLink" not in second


def test_delete_is_a_long_running_operation(
    fast_emulator: EmulatorServer, clock: FakeClock, http: requests.Session
) -> None:
    url = arm_account_url(fast_emulator)
    put(http, url, "pool1", pool_body(nodes=1))

    accepted = http.delete(f"{url}/pools/pool1", params=API)
    during = http.get(f"{url}/pools/pool1", params=API)
    write = put(http, url, "pool1", pool_body())
    patch = http.patch(f"{url}/pools/pool1", params=API, json={"properties": {"metadata": []}})
    again = http.delete(f"{url}/pools/pool1", params=API)
    polled = http.get(accepted.headers["Location"])

    assert accepted.status_code == 202
    assert accepted.headers["Retry-After"] == "1"
    assert "/poolOperationResults/delete-pool1-" in accepted.headers["Location"]
    assert during.json()["properties"]["provisioningState"] == "Deleting"
    for response in (write, patch, again):
        arm_error(response, 409, "PoolBeingDeleted")
    assert polled.status_code == 202
    assert polled.headers["Location"] == accepted.headers["Location"]

    clock.advance(1)

    assert http.get(accepted.headers["Location"]).status_code == 200
    arm_error(http.get(f"{url}/pools/pool1", params=API), 404, "ResourceNotFound")
    assert http.delete(f"{url}/pools/pool1", params=API).status_code == 204


def test_unknown_delete_operation_is_not_found(http: requests.Session, account_url: str) -> None:
    response = http.get(f"{account_url}/poolOperationResults/delete-x-0", params=API)

    arm_error(response, 404, "ResourceNotFound")
