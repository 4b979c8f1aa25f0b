"""The pool list's ``$filter``: the OData subset ARM documents, evaluated on the pool bodies."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from azure_batch_emulator.errors import InvalidQueryParameterValue
from azure_batch_emulator.odata import parse_filter
from tests.emulator.conftest import API, pool_body

POOLS: list[dict[str, Any]] = [
    {
        "name": "pooltest",
        "properties": {
            "allocationState": "Resizing",
            "currentDedicatedNodes": 4,
            "provisioningStateTransitionTime": "2017-08-26T10:22:55.9407275Z",
        },
    },
    {
        "name": "testpool",
        "properties": {
            "allocationState": "Steady",
            "currentDedicatedNodes": 0,
            "provisioningStateTransitionTime": "2017-01-28T10:22:55.9407275Z",
        },
    },
]


def matching(text: str) -> list[str]:
    predicate = parse_filter(text)
    return [pool["name"] for pool in POOLS if predicate(pool)]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "startswith(name, 'po') or (properties/allocationState eq 'Steady' and "
            "properties/provisioningStateTransitionTime lt datetime'2017-02-02')",
            ["pooltest", "testpool"],
        ),
        ("startswith(name, 'PO')", ["pooltest"]),
        ("properties/allocationState eq 'steady'", ["testpool"]),
        ("not (properties/allocationState eq 'Steady')", ["pooltest"]),
        ("properties/currentDedicatedNodes gt 1", ["pooltest"]),
        ("properties/currentDedicatedNodes ge 0 and endswith(name, 'test')", ["pooltest"]),
        ("contains(name, 'stpo') or properties/displayName ne null", ["testpool"]),
        ("properties/displayName lt 'x'", []),
        ("name eq 'it''s'", []),
    ],
)
def test_filters_select_the_pools_they_describe(text: str, names: list[str]) -> None:
    assert matching(text) == names


@pytest.mark.parametrize(
    "text",
    [
        "name eq",
        "name like 'x'",
        "(name eq 'a'",
        "name eq 'a' extra",
        "startswith(name)",
        "name eq datetime'x'",
    ],
)
def test_filters_outside_the_subset_are_refused(text: str) -> None:
    with pytest.raises(InvalidQueryParameterValue, match=r"\$filter"):
        parse_filter(text)


def test_the_pool_list_applies_filter_before_paging(http: requests.Session, account_url: str) -> None:
    for name in ("alpha", "beta", "alpine"):
        http.put(f"{account_url}/pools/{name}", params=API, json=pool_body(nodes=0)).raise_for_status()

    listed = http.get(f"{account_url}/pools", params={**API, "$filter": "startswith(name, 'al')"})
    refused = http.get(f"{account_url}/pools", params={**API, "$filter": "name like 'al%'"})

    assert [pool["name"] for pool in listed.json()["value"]] == ["alpha", "alpine"]
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "InvalidQueryParameterValue"


def test_the_node_list_applies_filter(http: requests.Session, account_url: str, batch_url: str) -> None:
    http.put(f"{account_url}/pools/nodes", params=API, json=pool_body(nodes=3)).raise_for_status()
    nodes = http.get(f"{batch_url}/pools/nodes/nodes", params=API).json()["value"]

    idle = http.get(f"{batch_url}/pools/nodes/nodes", params={**API, "$filter": "state eq 'idle'"})
    one = http.get(f"{batch_url}/pools/nodes/nodes", params={**API, "$filter": f"id eq '{nodes[1]['id']}'"})

    assert len(idle.json()["value"]) == 3
    assert [node["id"] for node in one.json()["value"]] == [nodes[1]["id"]]
