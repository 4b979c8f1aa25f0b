"""Hostile input for the emulator: every bad request gets a 4xx in Azure's error shape, never a 5xx or a hang.

Cases come from a seeded generator, so a failure names a reproducible case. Each category collects all
of its bad answers before failing, so one run shows every gap at once.
"""

from __future__ import annotations

import copy
import json
import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import pytest
import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN

SEED = 20250601
TIMEOUT = 10.0
API = {"api-version": "2025-06-01"}
WRONG_TYPED_VALUES: list[Any] = [17, True, "text", [1], {"k": "v"}]
FREE_FORM_KEYS = frozenset({"settings", "protectedSettings"})

VALID_POOL: dict[str, Any] = {
    "properties": {
        "vmSize": "STANDARD_D2S_V3",
        "displayName": "robust",
        "deploymentConfiguration": {
            "virtualMachineConfiguration": {
                "imageReference": {
                    "publisher": "canonical",
                    "offer": "ubuntu",
                    "sku": "22_04-lts",
                    "version": "latest",
                },
                "nodeAgentSkuId": "batch.node.ubuntu 22.04",
                "extensions": [
                    {
                        "name": "secretext",
                        "type": "KeyVaultForLinux",
                        "publisher": "Microsoft.Azure.KeyVault",
                        "typeHandlerVersion": "3.0",
                        "autoUpgradeMinorVersion": True,
                        "enableAutomaticUpgrade": False,
                        "settings": {"a": "b"},
                    }
                ],
            }
        },
        "scaleSettings": {
            "fixedScale": {"targetDedicatedNodes": 1, "targetLowPriorityNodes": 0, "resizeTimeout": "PT15M"}
        },
        "taskSlotsPerNode": 2,
        "interNodeCommunication": "Disabled",
        "taskSchedulingPolicy": {"nodeFillType": "Pack"},
        "metadata": [{"name": "team", "value": "render"}],
        "startTask": {"commandLine": "/bin/true", "maxTaskRetryCount": 1, "waitForSuccess": True},
    }
}


@dataclass
class Case:
    """One request the emulator must refuse."""

    label: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=lambda: dict(API))


def arm_path(suffix: str = "") -> str:
    return f"{DEMO_ACCOUNT.arm_id}{suffix}"


def pool_path(name: str | None = None) -> str:
    return arm_path(f"/pools/{name or 'p-' + uuid4().hex[:10]}")


def data_path(suffix: str) -> str:
    return f"/batch/{DEMO_ACCOUNT.account_name}{suffix}"


def as_json(value: Any) -> bytes:
    return json.dumps(value).encode()


def leaf_paths(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every (path, value) inside a JSON document, containers included, skipping free-form settings."""
    if path:
        yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            if key not in FREE_FORM_KEYS:
                yield from leaf_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from leaf_paths(child, (*path, index))


def replaced(document: Any, path: tuple[str | int, ...], new: Any) -> Any:
    copied = copy.deepcopy(document)
    target = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copied


def same_json_type(a: Any, b: Any) -> bool:
    def kind(v: Any) -> str:
        return "bool" if isinstance(v, bool) else "number" if isinstance(v, int | float) else type(v).__name__

    return kind(a) == kind(b)


def wrong_type_cases() -> list[Case]:
    """Every field of a valid pool body, in turn, given a value of each other JSON type (PUT and PATCH)."""
    cases = []
    for path, original in leaf_paths(VALID_POOL):
        for wrong in WRONG_TYPED_VALUES:
            if same_json_type(original, wrong):
                continue
            body = as_json(replaced(VALID_POOL, path, wrong))
            label = "/".join(map(str, path)) + f"={json.dumps(wrong)}"
            cases.append(Case(f"PUT {label}", "PUT", pool_path(), body))
    return cases


def parses(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def malformed_json_cases(rng: random.Random) -> list[Case]:
    """Truncated, corrupted and non-JSON bodies, and JSON that is not an object."""
    valid = as_json(VALID_POOL)
    cases = [
        Case(f"truncated at {n}", "PUT", pool_path(), valid[:n]) for n in rng.sample(range(1, len(valid)), 60)
    ]
    while len(cases) < 120:
        corrupted = bytearray(valid)
        for position in rng.sample(range(len(corrupted)), 5):
            corrupted[position] = rng.choice(b'{}[]:,"\\\x00\xff')
        if not parses(bytes(corrupted)):
            cases.append(Case(f"corrupted #{len(cases)}", "PUT", pool_path(), bytes(corrupted)))
    cases += [
        Case(f"top-level {kind}", "PUT", pool_path(), as_json(value))
        for kind, value in [("array", [VALID_POOL]), ("string", "pool"), ("number", 3), ("null", None)]
    ]
    cases += [
        Case("random bytes", "PUT", pool_path(), rng.randbytes(512)),
        Case("invalid utf-8", "PUT", pool_path(), b'{"properties": {"vmSize": "\xc3\x28"}}'),
        Case("lone surrogate", "PUT", pool_path(), b'{"properties": {"vmSize": "\\ud800"}}'),
        Case("empty body", "PUT", pool_path(), b""),
        Case("NaN", "PUT", pool_path(), b'{"properties": {"vmSize": "S", "taskSlotsPerNode": NaN}}'),
        Case("patch not json", "PATCH", pool_path(), b"scaleSettings=1"),
    ]
    return cases


def oversized_cases() -> list[Case]:
    """Bodies far beyond ARM's 4 MB request limit, and nesting deeper than any parser should follow."""
    huge = replaced(VALID_POOL, ("properties", "displayName"), "x" * (8 * 1024 * 1024))
    deep = b'{"properties": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}"
    deep_list = b'{"properties": {"metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    many = {"properties": {**VALID_POOL["properties"], "metadata": [{"name": "k", "value": "v"}] * 200_000}}
    return [
        Case("8 MiB displayName", "PUT", pool_path(), as_json(huge)),
        Case("100k nested objects", "PUT", pool_path(), deep),
        Case("100k nested arrays", "PUT", pool_path(), deep_list),
        Case("200k metadata items", "PUT", pool_path(), as_json(many)),
    ]


def unicode_cases(rng: random.Random) -> list[Case]:
    """Junk pool names in the URL and junk strings where the API needs identifiers."""
    junk = ["ñame", "池", "a b", "emoji-🙂", "tab\tname", "x" * 65, "..", "a%2Fb", "%00", "‮rtl"]
    cases = [
        Case(f"pool name {name!r}", "PUT", pool_path(requests.utils.quote(name)), as_json(VALID_POOL))
        for name in junk
    ]
    for index in range(20):
        text = "".join(
            chr(rng.choice([rng.randint(0x80, 0x2FFF), rng.randint(0xE000, 0x10FFFF)])) for _ in range(12)
        )
        body = replaced(
            VALID_POOL,
            ("properties", "deploymentConfiguration", "virtualMachineConfiguration", "extensions", 0, "name"),
            text,
        )
        cases.append(Case(f"extension name junk #{index}", "PUT", pool_path(), as_json(body)))
    return cases


def content_type_cases() -> list[Case]:
    """Bodies that are not JSON, declared as what they are."""
    return [
        Case(
            "xml", "PUT", pool_path(), b"<pool><vmSize>S</vmSize></pool>", {"Content-Type": "application/xml"}
        ),
        Case(
            "form",
            "PUT",
            pool_path(),
            b"properties.vmSize=S",
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        Case("json as text/plain", "PUT", pool_path(), as_json(VALID_POOL), {"Content-Type": "text/plain"}),
        Case(
            "multipart",
            "PATCH",
            pool_path(),
            b"--b\r\n\r\nx\r\n--b--",
            {"Content-Type": "multipart/form-data; boundary=b"},
        ),
    ]


def route_cases() -> list[Case]:
    """Unknown paths, unsupported methods, bad query parameters and missing credentials."""
    pool = pool_path("robust")
    node = data_path("/pools/robust/nodes/tvm-1")
    return [
        Case("unknown root", "GET", "/nothing/here"),
        Case("unknown provider", "GET", arm_path("/widgets")),
        Case("unknown account", "GET", pool_path().replace(DEMO_ACCOUNT.account_name, "nosuchaccount")),
        Case("unknown data-plane collection", "GET", data_path("/jobschedules")),
        Case("unknown data-plane account", "GET", "/batch/nosuchaccount/pools/robust/nodes"),
        Case("POST pool", "POST", pool),
        Case("PUT pools collection", "PUT", arm_path("/pools"), as_json(VALID_POOL)),
        Case("DELETE pools collection", "DELETE", arm_path("/pools")),
        Case("PUT node", "PUT", node, b"{}"),
        Case("DELETE node extension", "DELETE", node + "/extensions/secretext"),
        Case("PATCH nodes", "PATCH", data_path("/pools/robust/nodes"), b"{}"),
        Case("missing api-version", "GET", pool, params={}),
        Case("unknown api-version", "GET", pool, params={"api-version": "1999-01-01"}),
        Case("bad maxresults", "GET", data_path("/pools/robust/nodes"), params={**API, "maxresults": "many"}),
        Case(
            "negative maxresults", "GET", data_path("/pools/robust/nodes"), params={**API, "maxresults": "-1"}
        ),
        Case("no token", "GET", pool, headers={"Authorization": ""}),
        Case("basic auth", "GET", pool, headers={"Authorization": "Basic dXNlcjpwYXNz"}),
        Case("no token data plane", "GET", data_path("/pools/robust/nodes"), headers={"Authorization": ""}),
        Case("PATCH missing pool", "PATCH", pool_path(), as_json({"properties": {"metadata": []}})),
        Case("GET missing pool", "GET", pool_path()),
        Case("nodes of missing pool", "GET", data_path("/pools/nosuchpool/nodes")),
    ]


def is_azure_error(path: str, body: Any) -> bool:
    """True for the management plane's ``{"error": {code, message}}`` or the data plane's BatchError."""
    if not isinstance(body, dict):
        return False
    cloud = body.get("error")
    if (
        isinstance(cloud, dict)
        and isinstance(cloud.get("code"), str)
        and isinstance(cloud.get("message"), str)
    ):
        return not path.startswith("/batch/")
    message = body.get("message")
    return (
        isinstance(body.get("code"), str)
        and isinstance(message, dict)
        and isinstance(message.get("value"), str)
        and not path.startswith("/subscriptions/")
    )


def failures(base_url: str, cases: list[Case]) -> list[str]:
    """Send every case; describe each answer that is not a 4xx in the right plane's error shape."""
    session = requests.Session()
    problems = []
    for case in cases:
        headers = {"Authorization": f"Bearer {DEV_TOKEN}", "Content-Type": "application/json", **case.headers}
        try:
            response = session.request(
                case.method,
                base_url + case.path,
                params=case.params,
                data=case.body,
                headers={k: v for k, v in headers.items() if v},
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            problems.append(f"{case.label}: no answer ({type(exc).__name__})")
            session = requests.Session()
            continue
        try:
            body = response.json()
        except ValueError:
            body = None
        if not 400 <= response.status_code < 500 or not is_azure_error(case.path, body):
            problems.append(f"{case.label}: {case.method} -> {response.status_code} {response.text[:200]!r}")
    return problems


def assert_still_serving(base_url: str) -> None:
    response = requests.get(
        base_url + arm_path(), params=API, headers={"Authorization": f"Bearer {DEV_TOKEN}"}, timeout=TIMEOUT
    )
    assert response.status_code == 200
    assert response.json()["name"] == DEMO_ACCOUNT.account_name


@pytest.mark.parametrize(
    "category",
    ["wrong types", "malformed json", "oversized", "unicode", "content types", "routes"],
)
def test_bad_requests_get_azure_shaped_4xx(emulator: Any, category: str) -> None:
    rng = random.Random(f"{SEED}-{category}")
    cases = {
        "wrong types": wrong_type_cases,
        "malformed json": lambda: malformed_json_cases(rng),
        "oversized": oversized_cases,
        "unicode": lambda: unicode_cases(rng),
        "content types": content_type_cases,
        "routes": route_cases,
    }[category]()

    assert failures(emulator.url, cases) == []
    assert_still_serving(emulator.url)


def test_generators_cover_a_few_hundred_cases() -> None:
    rng = random.Random(SEED)
    total = sum(
        len(cases)
        for cases in (
            wrong_type_cases(),
            malformed_json_cases(rng),
            oversized_cases(),
            unicode_cases(rng),
            content_type_cases(),
            route_cases(),
        )
    )
    assert total >= 300
    assert all(case.body != as_json(VALID_POOL) for case in wrong_type_cases())


def test_is_azure_error_accepts_both_planes_and_rejects_others() -> None:
    cloud = {"error": {"code": "InvalidUri", "message": "no such route"}}
    batch = {"code": "PoolNotFound", "message": {"lang": "en-US", "value": "no pool"}}
    assert is_azure_error(pool_path(), cloud)
    assert is_azure_error(data_path("/pools"), batch)
    assert not is_azure_error(pool_path(), batch)
    assert not is_azure_error(data_path("/pools"), cloud)
    assert not is_azure_error(pool_path(), {"error": "InvalidUri"})
    assert not is_azure_error(pool_path(), None)


def pool_lifecycle(base_url: str, index: int, keep: bool) -> str:
    """Create, read and list one pool; delete it (polling the operation) unless it is to be kept."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {DEV_TOKEN}"
    name = f"conc-{index:02d}"
    url = base_url + pool_path(name)
    body = replaced(VALID_POOL, ("properties", "displayName"), name)
    created = session.put(url, params=API, json=body, timeout=TIMEOUT)
    assert created.status_code == 200, created.text
    for _ in range(3):
        got = session.get(url, params=API, timeout=TIMEOUT)
        assert got.status_code == 200, got.text
        assert got.json()["properties"]["displayName"] == name
    nodes = session.get(f"{base_url}{data_path(f'/pools/{name}/nodes')}", params=API, timeout=TIMEOUT)
    assert nodes.status_code == 200, nodes.text
    if not keep:
        deleted = session.delete(url, params=API, timeout=TIMEOUT)
        assert deleted.status_code in (200, 202, 204), deleted.text
        if deleted.status_code == 202:
            for _ in range(5):
                if session.get(deleted.headers["Location"], timeout=TIMEOUT).status_code != 202:
                    break
    return name


def test_sixteen_concurrent_clients_leave_consistent_state(emulator: Any) -> None:
    start = threading.Barrier(16)

    def run(index: int) -> str:
        start.wait(timeout=TIMEOUT)
        return pool_lifecycle(emulator.url, index, keep=index % 2 == 0)

    with ThreadPoolExecutor(max_workers=16) as executor:
        names = list(executor.map(run, range(16)))

    kept = {name for i, name in enumerate(names) if i % 2 == 0}
    listing = requests.get(
        emulator.url + arm_path("/pools"),
        params=API,
        headers={"Authorization": f"Bearer {DEV_TOKEN}"},
        timeout=TIMEOUT,
    )
    assert listing.status_code == 200
    assert {p["name"] for p in listing.json()["value"]} == kept
    for i, name in enumerate(names):
        got = requests.get(
            emulator.url + pool_path(name),
            params=API,
            headers={"Authorization": f"Bearer {DEV_TOKEN}"},
            timeout=TIMEOUT,
        )
        assert got.status_code == (200 if i % 2 == 0 else 404), f"{name}: {got.status_code}"
    assert_still_serving(emulator.url)
