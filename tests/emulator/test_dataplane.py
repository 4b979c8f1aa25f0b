"""Data plane: nodes and node extensions in the official shapes, paging, $select and BatchError bodies."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from tests.emulator.conftest import API, SECRET, extension, pool_body

NODE_ID = re.compile(r"^tvm-\d{10}_\d+-\d{8}t\d{6}z$")


@pytest.fixture
def pool(http: requests.Session, account_url: str, batch_url: str) -> str:
    """A settled five-node pool with two extensions; returns its data-plane URL."""
    body = pool_body(nodes=5)
    body["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"].append(
        extension("monitor", after=["secretext"], settings={"level": 3, "name": "x"})
    )
    assert http.put(f"{account_url}/pools/pool1", params=API, json=body).status_code == 200
    return f"{batch_url}/pools/pool1"


def batch_error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["message"]["lang"] == "en-US"
    assert body["message"]["value"]
    return body


def test_nodes_list_in_the_official_shape(http: requests.Session, pool: str) -> None:
    response = http.get(f"{pool}/nodes", params=API)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["request-id"]
    nodes = response.json()["value"]
    assert len(nodes) == 5
    assert len({node["id"] for node in nodes}) == 5
    for node in nodes:
        assert NODE_ID.match(node["id"])
        assert node["url"] == f"{pool}/nodes/{node['id']}"
        assert node["state"] == "idle"
        assert node["schedulingState"] == "enabled"
        assert node["isDedicated"] is True
        assert node["virtualMachineInfo"]["imageReference"]["offer"] == "ubuntu-24_04-lts"
        assert node["affinityId"] == f"TVM:{node['id']}"


def test_nodes_page_through_odata_next_link(http: requests.Session, pool: str) -> None:
    pages = [http.get(f"{pool}/nodes", params={**API, "maxresults": "2"}).json()]
    while "odata.nextLink" in pages[-1]:
        pages.append(http.get(pages[-1]["odata.nextLink"]).json())

    assert [len(page["value"]) for page in pages] == [2, 2, 1]
    everything = http.get(f"{pool}/nodes", params=API).json()["value"]
    assert [n["id"] for page in pages for n in page["value"]] == [n["id"] for n in everything]


def test_select_keeps_only_the_named_properties(http: requests.Session, pool: str) -> None:
    nodes = http.get(f"{pool}/nodes", params={**API, "$select": "id,state"}).json()["value"]

    assert all(set(node) == {"id", "state"} for node in nodes)


@pytest.mark.parametrize("value", ["0", "1001", "many", "-1"])
def test_maxresults_out_of_range_is_a_batch_error(http: requests.Session, pool: str, value: str) -> None:
    body = batch_error(
        http.get(f"{pool}/nodes", params={**API, "maxresults": value}), 400, "InvalidQueryParameterValue"
    )

    assert {"key": "QueryParameterName", "value": "maxresults"} in body["values"]


def test_get_node_and_client_request_id_echo(http: requests.Session, pool: str) -> None:
    node_id = http.get(f"{pool}/nodes", params=API).json()["value"][0]["id"]

    response = http.get(f"{pool}/nodes/{node_id}", params=API, headers={"client-request-id": "abc-123"})

    assert response.json()["id"] == node_id
    assert response.headers["client-request-id"] == "abc-123"


def test_node_extensions_list_and_get(http: requests.Session, pool: str) -> None:
    node_id = http.get(f"{pool}/nodes", params=API).json()["value"][0]["id"]

    listed = http.get(f"{pool}/nodes/{node_id}/extensions", params=API)
    single = http.get(f"{pool}/nodes/{node_id}/extensions/MONITOR", params=API).json()

    assert SECRET not in listed.text
    assert "protectedSettings" not in listed.text
    names = [item["vmExtension"]["name"] for item in listed.json()["value"]]
    assert names == ["batchNodeExtension", "secretext", "monitor"]
    assert single["provisioningState"] == "Succeeded"
    assert single["vmExtension"]["provisionAfterExtensions"] == ["secretext"]
    assert single["vmExtension"]["settings"] == {"level": "3", "name": "x"}
    assert single["instanceView"]["name"] == "monitor"
    status = single["instanceView"]["statuses"][0]
    assert status["code"] == "ProvisioningState/succeeded"
    assert status["level"] == "Info"
    assert status["displayStatus"] == "Provisioning succeeded"
    assert status["time"].endswith("Z")


def test_missing_things_are_batch_errors(http: requests.Session, pool: str, batch_url: str) -> None:
    node_id = http.get(f"{pool}/nodes", params=API).json()["value"][0]["id"]

    batch_error(http.get(f"{batch_url}/pools/absent/nodes", params=API), 404, "PoolNotFound")
    batch_error(http.get(f"{pool}/nodes/tvm-0_1-20200101t000000z", params=API), 404, "NodeNotFound")
    batch_error(http.get(f"{pool}/nodes/{node_id}/extensions/absent", params=API), 404, "ResourceNotFound")


def test_data_plane_api_version_is_checked_in_its_own_shape(http: requests.Session, pool: str) -> None:
    body = batch_error(
        http.get(f"{pool}/nodes", params={"api-version": "2024-07-01.20.0"}),
        400,
        "InvalidQueryParameterValue",
    )

    assert {"key": "QueryParameterName", "value": "api-version"} in body["values"]


def test_unknown_data_plane_route_is_a_batch_error(http: requests.Session, batch_url: str) -> None:
    batch_error(http.get(f"{batch_url}/jobschedules", params=API), 404, "InvalidUri")
    batch_error(http.delete(f"{batch_url}/pools/p/nodes", params=API), 405, "UnsupportedHttpVerb")
