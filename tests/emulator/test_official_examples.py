"""Replays Microsoft's official REST examples against the emulator and checks each answer as Azure's.

The examples (verbatim copies from Azure/azure-rest-api-specs) live in ``../shared/azure-batch-rest/examples``
beside this checkout, with the 2025-06-01 swagger. They are illustrative rather than self-consistent, so the
comparison with the example is structural (same status code, every key of the official body present with the
same JSON type, the headers the example and the swagger document), and the body is validated against the
swagger's response schema (``tests.spec``: objects closed to undeclared properties, enums in the spec's exact
casing, no secret and no null where the spec allows none).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from tests.spec import DATAPLANE, EXAMPLES_DIR, MGMT, Spec, requires_shared

EXAMPLE_FILES = sorted(EXAMPLES_DIR.glob("*/*.json")) if EXAMPLES_DIR.is_dir() else []

API_VERSION = "2025-06-01"
TIMEOUT = 10.0

# Keys Azure computes: dropped when an example's response body is turned into a create request.
READ_ONLY_POOL_PROPERTIES = frozenset(
    {
        "allocationState",
        "allocationStateTransitionTime",
        "autoScaleRun",
        "creationTime",
        "currentDedicatedNodes",
        "currentLowPriorityNodes",
        "lastModified",
        "provisioningState",
        "provisioningStateTransitionTime",
        "resizeOperationStatus",
    }
)
# The data plane reserves this extension type for Batch itself; the management plane rejects it on create.
RESERVED_EXTENSION_TYPE = "CustomScript"
BATCH_EXTENSION_NAME = "batchNodeExtension"  # Batch's own, on every node without being declared
EXAMPLE_PASSWORD = "Example-Passw0rd"
# The node-extension examples show an extension outside Azure Batch's public list (Microsoft's own Geneva
# agent): Azure accepts it only for subscriptions with support for it, so the replays run on an emulator
# started to allow it, as such a subscription's would be.
EXAMPLE_ONLY_EXTENSIONS = ("Microsoft.Azure.Geneva/GenevaMonitoring",)

Json = Any


def json_type(value: Json) -> str:
    """Name the JSON type of a decoded value (booleans are not numbers in JSON)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def shape_mismatches(expected: Json, actual: Json, path: str = "$") -> list[str]:
    """List where ``actual`` lacks a key of ``expected`` or holds a value of another JSON type.

    Extra keys in ``actual`` are fine. Arrays are compared through their first elements, because the
    official examples show one representative item per list.
    """
    if json_type(expected) != json_type(actual):
        return [f"{path}: expected {json_type(expected)}, got {json_type(actual)}"]
    if isinstance(expected, dict):
        problems: list[str] = []
        for key, value in expected.items():
            if key in actual:
                problems += shape_mismatches(value, actual[key], f"{path}.{key}")
            else:
                problems.append(f"{path}.{key}: missing")
        return problems
    if isinstance(expected, list) and expected:
        if not actual:
            return [f"{path}: expected a non-empty array, got []"]
        return shape_mismatches(expected[0], actual[0], f"{path}[0]")
    return []


@pytest.mark.parametrize(
    ("expected", "actual", "problems"),
    [
        ({"a": 1, "b": {"c": "x"}}, {"a": 2, "b": {"c": "y", "d": 0}, "e": None}, []),
        ({"a": 1}, {}, ["$.a: missing"]),
        ({"a": 1}, {"a": "1"}, ["$.a: expected number, got string"]),
        ({"a": True}, {"a": 1}, ["$.a: expected boolean, got number"]),
        ({"a": 1.5}, {"a": 2}, []),
        ({"v": [{"id": "x", "n": 1}]}, {"v": [{"id": "y"}, {"n": 2}]}, ["$.v[0].n: missing"]),
        ({"v": [1]}, {"v": []}, ["$.v: expected a non-empty array, got []"]),
        ({"v": []}, {"v": ["anything"]}, []),
        ({"o": [{"k": {}}]}, {"o": [{"k": []}]}, ["$.o[0].k: expected object, got array"]),
        ([{"a": 1}], {"a": 1}, ["$: expected array, got object"]),
    ],
)
def test_shape_mismatches(expected: Json, actual: Json, problems: list[str]) -> None:
    assert shape_mismatches(expected, actual) == problems


@pytest.fixture(scope="module")
def examples_emulator() -> Iterator[EmulatorServer]:
    """An emulator that allows the examples' own extension, as a subscription with support for it."""
    with EmulatorServer(
        port=0, speed="instant", seed=7, allowed_extensions=EXAMPLE_ONLY_EXTENSIONS
    ) as server:
        yield server


@pytest.fixture
def emulator(examples_emulator: EmulatorServer) -> EmulatorServer:
    """This module's emulator, reset to no pools (overrides the shared fixture for every test here)."""
    examples_emulator.reset()
    return examples_emulator


def load_example(path: Path) -> dict[str, Any]:
    """Read an example, rewritten to address the emulator's demo account instead of the sample one."""
    text = path.read_text(encoding="utf-8")
    params = json.loads(text)["parameters"]
    for key, demo in (
        ("subscriptionId", DEMO_ACCOUNT.subscription_id),
        ("resourceGroupName", DEMO_ACCOUNT.resource_group),
        ("accountName", DEMO_ACCOUNT.account_name),
    ):
        if key in params:
            text = text.replace(params[key], demo)
    rewritten: dict[str, Any] = json.loads(text)
    return rewritten


class Replayer:
    """Sends an example's request to the emulator, setting up the pool it presupposes first."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {DEV_TOKEN}"

    def arm(self, suffix: str = "") -> str:
        return f"{self.base_url}{DEMO_ACCOUNT.arm_id}{suffix}"

    def send(
        self,
        method: str,
        url: str,
        body: Json = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> requests.Response:
        """Send at the emulator's api-version (the ListNodeExtensions example is a 2026-08-01 copy whose
        response schema is unchanged from 2025-06-01)."""
        query = {"api-version": API_VERSION, **(params or {})}
        return self.session.request(method, url, params=query, json=body, headers=headers, timeout=TIMEOUT)

    def put_pool(self, name: str, properties: dict[str, Any]) -> None:
        response = self.send("PUT", self.arm(f"/pools/{name}"), {"properties": properties})
        assert response.status_code == 200, f"setup PUT of pool {name} failed: {response.text}"

    def admin(self, endpoint: str, body: dict[str, Any]) -> None:
        """Script the emulator (e.g. resize errors) so a replay can show what its example shows."""
        response = self.session.post(f"{self.base_url}/_emulator/{endpoint}", json=body, timeout=TIMEOUT)
        assert response.status_code in (200, 201, 204), f"setup POST /_emulator/{endpoint}: {response.text}"

    def data_plane(self) -> str:
        account = self.send("GET", self.arm())
        assert account.status_code == 200, f"GET account failed: {account.text}"
        return f"http://{account.json()['properties']['accountEndpoint']}"


def writable(pool_body: dict[str, Any]) -> dict[str, Any]:
    """The create request that yields a pool like ``pool_body``: read-only properties removed, and the
    write-only user-account passwords (required, never returned) put back."""
    properties = {k: v for k, v in pool_body["properties"].items() if k not in READ_ONLY_POOL_PROPERTIES}
    if "userAccounts" in properties:
        properties["userAccounts"] = [{"password": EXAMPLE_PASSWORD, **u} for u in properties["userAccounts"]]
    return properties


def pool_for_nodes(node: dict[str, Any], extensions: list[dict[str, Any]]) -> dict[str, Any]:
    """A management-plane pool whose nodes can carry every key the data-plane example shows: its image, its
    start task, and an inbound NAT pool per inbound endpoint."""
    image = {k: v for k, v in node["virtualMachineInfo"]["imageReference"].items() if k != "exactVersion"}
    pool: dict[str, Any] = {
        "vmSize": node["vmSize"],
        "deploymentConfiguration": {
            "virtualMachineConfiguration": {
                "imageReference": image,
                "nodeAgentSkuId": "batch.node.ubuntu 24.04",
                "extensions": [
                    {**ext, "type": "GenevaMonitoring"} if ext["type"] == RESERVED_EXTENSION_TYPE else ext
                    for ext in extensions
                    if ext["name"] != BATCH_EXTENSION_NAME
                ],
            }
        },
        "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 3, "targetLowPriorityNodes": 0}},
    }
    if "startTask" in node:
        pool["startTask"] = {
            "commandLine": node["startTask"]["commandLine"],
            "userIdentity": {"autoUser": {"scope": "Task", "elevationLevel": "NonAdmin"}},
            "maxTaskRetryCount": node["startTask"]["maxTaskRetryCount"],
            "waitForSuccess": node["startTask"]["waitForSuccess"],
        }
    endpoints = node.get("endpointConfiguration", {}).get("inboundEndpoints", [])
    if endpoints:
        nat_pools = [
            {
                "name": endpoint["name"].split(".")[0],
                "protocol": endpoint["protocol"],
                "backendPort": endpoint["backendPort"],
                "frontendPortRangeStart": endpoint["frontendPort"],
                "frontendPortRangeEnd": endpoint["frontendPort"] + 99,
            }
            for endpoint in endpoints
        ]
        pool["networkConfiguration"] = {"endpointConfiguration": {"inboundNatPools": nat_pools}}
    return pool


NODE_TEMPLATE: dict[str, Any] = {
    "vmSize": "Standard_D2_v5",
    "virtualMachineInfo": {
        "imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server"}
    },
    "startTask": {"commandLine": "/bin/true", "maxTaskRetryCount": 0, "waitForSuccess": False},
}


def replay_pool_create(r: Replayer, ex: dict[str, Any]) -> requests.Response:
    p = ex["parameters"]
    return r.send("PUT", r.arm(f"/pools/{p['poolName']}"), p["parameters"])


def replay_pool_get(r: Replayer, ex: dict[str, Any]) -> requests.Response:
    p = ex["parameters"]
    r.put_pool(p["poolName"], writable(ex["responses"]["200"]["body"]))
    return r.send("GET", r.arm(f"/pools/{p['poolName']}"))


def replay_pool_list(r: Replayer, ex: dict[str, Any]) -> requests.Response:
    """Create each listed pool, then list with the example's query ($filter, $select, maxResults)."""
    p = ex["parameters"]
    for listed in ex["responses"]["200"]["body"]["value"]:
        properties = listed["properties"]
        for error in properties.get("resizeOperationStatus", {}).get("errors", []):
            r.admin("resize-errors", {**error, "pool": listed["name"]})
        r.put_pool(listed["name"], writable(listed) if "vmSize" in properties else {"vmSize": "STANDARD_D4"})
    query = {key: p[key] for key in ("$filter", "$select") if key in p}
    if "maxResults" in p:
        query["maxresults"] = p["maxResults"]
    return r.send("GET", r.arm("/pools"), params=query)


def replay_pool_update(r: Replayer, ex: dict[str, Any]) -> requests.Response:
    p = ex["parameters"]
    patch = p["parameters"]
    before = writable(ex["responses"]["200"]["body"])
    if patch["properties"].get("startTask") == {}:
        before["startTask"] = {"commandLine": "/bin/true"}
    r.put_pool(p["poolName"], before)
    return r.send("PATCH", r.arm(f"/pools/{p['poolName']}"), patch)


def replay_disable_autoscale(r: Replayer, ex: dict[str, Any]) -> requests.Response:
    p = ex["parameters"]
    before = writable(ex["responses"]["200"]["body"])
    before["scaleSettings"] = {
        "autoScale": {"formula": "$TargetDedicatedNodes=3", "evaluationInterval": "PT5M"}
    }
    r.put_pool(p["poolName"], before)
    return r.send("POST", r.arm(f"/pools/{p['poolName']}/disableAutoScale"))


def replay_stop_resize(r: Replayer, ex: dict[str, Any]) -> requests.Response:
    p = ex["parameters"]
    r.put_pool(p["poolName"], writable(ex["responses"]["200"]["body"]))
    return r.send("POST", r.arm(f"/pools/{p['poolName']}/stopResize"))


def replay_pool_delete(r: Replayer, ex: dict[str, Any]) -> requests.Response:
    p = ex["parameters"]
    r.put_pool(p["poolName"], {"vmSize": "STANDARD_D4"})
    return r.send("DELETE", r.arm(f"/pools/{p['poolName']}"))


def replay_list_nodes(r: Replayer, ex: dict[str, Any]) -> requests.Response:
    p = ex["parameters"]
    node = ex["responses"]["200"]["body"]["value"][0]
    r.put_pool(p["poolId"], pool_for_nodes(node, []))
    return r.send("GET", f"{r.data_plane()}/pools/{p['poolId']}/nodes", headers=data_plane_headers(p))


def replay_get_node(r: Replayer, ex: dict[str, Any]) -> requests.Response:
    p = ex["parameters"]
    r.put_pool(p["poolId"], pool_for_nodes(ex["responses"]["200"]["body"], []))
    nodes = r.send("GET", f"{r.data_plane()}/pools/{p['poolId']}/nodes")
    assert nodes.status_code == 200, f"setup: listing nodes failed: {nodes.text}"
    node_url = f"{r.data_plane()}/pools/{p['poolId']}/nodes/{nodes.json()['value'][0]['id']}"
    return r.send("GET", node_url, headers=data_plane_headers(p))


def replay_node_extension(r: Replayer, ex: dict[str, Any]) -> requests.Response:
    p = ex["parameters"]
    body = ex["responses"]["200"]["body"]
    extensions = [item["vmExtension"] for item in body.get("value", [body])]
    r.put_pool(p["poolId"], pool_for_nodes(NODE_TEMPLATE, extensions))
    nodes = r.send("GET", f"{r.data_plane()}/pools/{p['poolId']}/nodes")
    assert nodes.status_code == 200, f"setup: listing nodes failed: {nodes.text}"
    node_url = f"{r.data_plane()}/pools/{p['poolId']}/nodes/{nodes.json()['value'][0]['id']}"
    suffix = f"/extensions/{p['extensionName']}" if "extensionName" in p else "/extensions"
    return r.send("GET", node_url + suffix, headers=data_plane_headers(p))


def data_plane_headers(params: dict[str, str]) -> dict[str, str]:
    """The request headers a data-plane example documents (its ``client-request-id`` and ``ocp-date``)."""
    return {name: params[name] for name in ("client-request-id", "ocp-date") if name in params}


REPLAYS: dict[str, Callable[[Replayer, dict[str, Any]], requests.Response]] = {
    "Pool_Create": replay_pool_create,
    "Pool_Get": replay_pool_get,
    "Pool_ListByBatchAccount": replay_pool_list,
    "Pool_Update": replay_pool_update,
    "Pool_Delete": replay_pool_delete,
    "Pool_DisableAutoScale": replay_disable_autoscale,
    "Pool_StopResize": replay_stop_resize,
    "Nodes_ListNodes": replay_list_nodes,
    "Nodes_GetNode": replay_get_node,
    "Nodes_GetNodeExtension": replay_node_extension,
    "Nodes_ListNodeExtensions": replay_node_extension,
}


def expected_body(official: Json, actual: Json) -> Json:
    """The official body minus what the example shows inconsistently with its own request.

    The update examples show ``autoScaleRun`` even where the pool ends up with fixed scale (the examples
    README warns they are illustrative); an autoscale run exists only for an autoscale pool.
    """
    properties = official.get("properties") if isinstance(official, dict) else None
    scale = actual.get("properties", {}).get("scaleSettings", {}) if isinstance(actual, dict) else {}
    if properties and "autoScaleRun" in properties and "autoScale" not in scale:
        return {**official, "properties": {k: v for k, v in properties.items() if k != "autoScaleRun"}}
    return official


@requires_shared
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_example_replays_with_official_shape(emulator: Any, path: Path) -> None:
    example = load_example(path)
    operation = operation_id(path, example)
    replay = REPLAYS.get(operation)
    assert replay, f"{path.name}: no replay for operationId {operation}; add one to REPLAYS"
    spec = Spec.load(DATAPLANE if path.parent.name == "data-plane" else MGMT)

    response = replay(Replayer(emulator.url), example)

    official = example["responses"]
    status = str(response.status_code)
    assert status in official, (
        f"{path.name}: status {status}, official ones are {sorted(official)}: {response.text}"
    )
    documented = official[status]
    for header in {*documented.get("headers", {}), *spec.response_headers(operation, status)}:
        assert response.headers.get(header), f"{path.name}: no {header} header in {dict(response.headers)}"
    assert EXAMPLE_PASSWORD not in response.text
    schema = spec.response_schema(operation, status)
    if "body" in documented or schema is not None:
        actual = response.json()
        assert schema_violations(spec, schema, actual) == []
        assert shape_mismatches(expected_body(documented.get("body", {}), actual), actual) == []


def operation_id(path: Path, example: dict[str, Any]) -> str:
    """The example's operationId; the one old-layout example without it is a Pool_Create (its file name)."""
    if "operationId" in example:
        return str(example["operationId"])
    assert path.name.startswith("PoolCreate_"), f"{path.name} has no operationId"
    return "Pool_Create"


def schema_violations(spec: Spec, schema: dict[str, Any] | None, body: Json) -> list[str]:
    """Where ``body`` breaks the swagger's response schema (no schema: the response must have no body)."""
    if schema is None:
        return [] if body is None else ["a body where the swagger documents none"]
    validator = Draft202012Validator(spec.json_schema(schema))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(body)]


@requires_shared
def test_delete_example_location_polls_to_completion_then_204(emulator: Any) -> None:
    example = load_example(EXAMPLES_DIR / "management" / "PoolDelete.json")
    replayer = Replayer(emulator.url)

    accepted = replay_pool_delete(replayer, example)

    assert accepted.status_code == 202, accepted.text
    assert int(accepted.headers["Retry-After"]) >= 0
    location = accepted.headers["Location"]
    assert "/poolOperationResults/" in location
    statuses = [replayer.session.get(location, timeout=TIMEOUT).status_code for _ in range(3)]
    assert statuses[-1] in (200, 204), f"operation never completed: {statuses}"
    pool_url = replayer.arm(f"/pools/{example['parameters']['poolName']}")
    assert replayer.send("GET", pool_url).status_code == 404
    assert replayer.send("DELETE", pool_url).status_code == 204
