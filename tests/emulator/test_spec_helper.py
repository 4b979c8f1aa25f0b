"""The swagger-to-JSON-Schema helper (tests.spec) is as strict as the replay test claims it is."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.spec import DATAPLANE, EXAMPLES_DIR, MGMT, REQUEST, RESPONSE, Spec, requires_shared

pytestmark = requires_shared


def example_body(relative: str) -> Any:
    return json.loads((EXAMPLES_DIR / relative).read_text(encoding="utf-8"))["responses"]["200"]["body"]


def errors(spec: Spec, name: str, body: Any, direction: str = RESPONSE) -> list[str]:
    validator = Draft202012Validator(spec.json_schema(name, direction))
    return [error.message for error in validator.iter_errors(body)]


def test_official_pool_validates_and_every_kind_of_breach_is_caught() -> None:
    spec = Spec.load(MGMT)
    pool = example_body("management/PoolGet.json")
    assert errors(spec, "Pool", pool) == []

    def broken(change: Any) -> list[str]:
        body = copy.deepcopy(pool)
        change(body["properties"])
        return errors(spec, "Pool", body)

    assert broken(lambda p: p.update(undeclared=1)), "objects are closed to undeclared properties"
    assert broken(lambda p: p.update(interNodeCommunication="enabled")), "enums keep the spec's casing"
    assert broken(lambda p: p.update(taskSlotsPerNode=None)), "no null without x-nullable"
    assert broken(lambda p: p["userAccounts"][0].update(password="x")), "x-ms-secret never in a response"
    assert broken(lambda p: p["deploymentConfiguration"]["virtualMachineConfiguration"].pop("imageReference"))


def test_request_direction_refuses_read_only_properties() -> None:
    spec = Spec.load(MGMT)
    body = {"properties": {"vmSize": "STANDARD_D4", "allocationState": "Steady"}}

    assert errors(spec, "Pool", body, REQUEST)
    del body["properties"]["allocationState"]
    assert errors(spec, "Pool", body, REQUEST) == []


def test_refs_resolve_into_the_common_types_and_recursive_definitions() -> None:
    spec = Spec.load(MGMT)

    pool = spec.definition("Pool")
    paths = dict(spec.properties("Pool"))

    assert {"id", "name", "type", "systemData", "properties", "identity"} <= set(pool["properties"])
    assert paths["systemData.createdByType"]["enum"] == ["User", "Application", "ManagedIdentity", "Key"]
    assert "properties.autoScaleRun.error.code" in paths
    assert "properties.autoScaleRun.error.details[]" in paths
    assert "properties.autoScaleRun.error.details[].code" not in paths  # a recursive definition: entered once


def test_dataplane_enums_are_lower_case_where_the_spec_says_so() -> None:
    spec = Spec.load(DATAPLANE)
    node = example_body("data-plane/Nodes_GetNode.json")

    assert errors(spec, "BatchNode", node) == []
    node["startTask"]["userIdentity"]["autoUser"]["scope"] = "Task"
    assert errors(spec, "BatchNode", node)


@pytest.mark.parametrize("operation", ["Pool_Get", "Pool_DisableAutoScale", "Pool_StopResize"])
def test_pool_operations_document_an_etag(operation: str) -> None:
    assert Spec.load(MGMT).response_headers(operation, "200") == ["ETag"]
