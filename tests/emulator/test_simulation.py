"""Simulation: allocation, node and extension state machines, and scripted failures."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from azure_batch_emulator import EmulatorServer
from azure_batch_emulator.scenario import ExtensionFailureRule
from azure_batch_emulator.schema import MAX_NODES
from tests.emulator.conftest import API, FakeClock, arm_account_url, extension, pool_body

CERT = "https://vault.vault.azure.net/secrets/web-cert"


def key_vault_extension(certificate: str) -> dict[str, Any]:
    settings = {
        "secretsManagementSettings": {"requireInitialSync": True, "observedCertificates": [certificate]}
    }
    return {
        "name": "kv",
        "type": "KeyVaultForLinux",
        "publisher": "Microsoft.Azure.KeyVault",
        "typeHandlerVersion": "3.0",
        "settings": settings,
    }


def create(http: requests.Session, server: EmulatorServer, body: dict[str, Any], name: str = "pool1") -> str:
    """PUT the pool; returns its data-plane URL."""
    response = http.put(f"{arm_account_url(server)}/pools/{name}", params=API, json=body)
    assert response.status_code == 200, response.text
    return f"{server.url}/batch/demoaccount/pools/{name}"


def nodes(http: requests.Session, pool_url: str) -> list[dict[str, Any]]:
    response = http.get(f"{pool_url}/nodes", params=API)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["value"]
    return found


def extensions(http: requests.Session, pool_url: str, node_id: str) -> dict[str, dict[str, Any]]:
    listed = http.get(f"{pool_url}/nodes/{node_id}/extensions", params=API).json()["value"]
    return {item["vmExtension"]["name"]: item for item in listed}


def admin(http: requests.Session, server: EmulatorServer, endpoint: str, body: dict[str, Any]) -> None:
    response = http.post(f"{server.url}/_emulator/{endpoint}", json=body)
    assert response.status_code == 204, response.text


def test_pool_and_nodes_move_through_their_states_in_provisioning_order(
    fast_emulator: EmulatorServer, clock: FakeClock, http: requests.Session
) -> None:
    body = pool_body(nodes=2, extensions=[extension("second", after=["first"]), extension("first")])
    pool_url = create(http, fast_emulator, body)
    pool_arm = f"{arm_account_url(fast_emulator)}/pools/pool1"

    assert http.get(pool_arm, params=API).json()["properties"]["allocationState"] == "Resizing"
    assert nodes(http, pool_url) == []

    clock.advance(0.25)
    props = http.get(pool_arm, params=API).json()["properties"]
    created = nodes(http, pool_url)
    assert (props["allocationState"], props["currentDedicatedNodes"]) == ("Steady", 2)
    assert {node["state"] for node in created} == {"creating"}
    early = extensions(http, pool_url, created[0]["id"])
    assert early["first"]["provisioningState"] == "Creating"
    assert early["first"]["instanceView"]["statuses"][0]["code"] == "ProvisioningState/transitioning"

    clock.advance(0.3)
    node = nodes(http, pool_url)[0]
    midway = extensions(http, pool_url, node["id"])
    assert node["state"] == "starting"
    assert midway["first"]["provisioningState"] == "Succeeded"
    assert midway["second"]["provisioningState"] == "Creating"

    clock.advance(0.15)
    assert {node["state"] for node in nodes(http, pool_url)} == {"idle"}
    assert {e["provisioningState"] for e in extensions(http, pool_url, node["id"]).values()} == {"Succeeded"}


def test_scripted_failure_on_the_first_node_makes_it_unusable_and_fails_dependents(
    emulator: EmulatorServer, http: requests.Session
) -> None:
    admin(
        http,
        emulator,
        "extension-failures",
        {"extension": "secretext", "nodes": 1, "message": "Key Vault access denied", "code": "Forbidden"},
    )
    body = pool_body(nodes=3)
    vm = body["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]
    vm["extensions"] += [extension("after", after=["secretext"]), extension("independent")]
    pool_url = create(http, emulator, body)

    listed = nodes(http, pool_url)

    assert [node["state"] for node in listed] == ["unusable", "idle", "idle"]
    assert listed[0]["errors"][0]["code"] == "Forbidden"
    failed = extensions(http, pool_url, listed[0]["id"])
    status = failed["secretext"]["instanceView"]["statuses"][0]
    assert failed["secretext"]["provisioningState"] == "Failed"
    assert (status["code"], status["level"], status["message"]) == (
        "ProvisioningState/failed",
        "Error",
        "Key Vault access denied",
    )
    assert failed["after"]["provisioningState"] == "Failed"
    assert "secretext" in failed["after"]["instanceView"]["statuses"][0]["message"]
    assert failed["independent"]["provisioningState"] == "Succeeded"


def test_failures_target_node_indices_and_only_the_named_pool(
    emulator: EmulatorServer, http: requests.Session
) -> None:
    admin(http, emulator, "extension-failures", {"extension": "secretext", "nodes": [1, 2], "pool": "pool1"})
    targeted = create(http, emulator, pool_body(nodes=3), "pool1")
    other = create(http, emulator, pool_body(nodes=3), "pool2")

    assert [node["state"] for node in nodes(http, targeted)] == ["idle", "unusable", "unusable"]
    assert {node["state"] for node in nodes(http, other)} == {"idle"}


def test_key_vault_initial_sync_fails_for_a_certificate_the_vault_lacks(
    emulator: EmulatorServer, http: requests.Session
) -> None:
    missing = create(http, emulator, pool_body(nodes=2, extensions=[key_vault_extension(CERT)]), "missing")
    failing = nodes(http, missing)
    admin(http, emulator, "vault-certificates", {"urls": [CERT]})
    present = create(http, emulator, pool_body(nodes=2, extensions=[key_vault_extension(CERT)]), "present")

    assert {node["state"] for node in failing} == {"unusable"}
    status = extensions(http, missing, failing[0]["id"])["kv"]["instanceView"]["statuses"][0]
    assert status["level"] == "Error"
    assert CERT in status["message"]
    assert {node["state"] for node in nodes(http, present)} == {"idle"}


def test_scripted_resize_error_leaves_the_pool_steady_without_nodes(
    emulator: EmulatorServer, http: requests.Session
) -> None:
    admin(
        http, emulator, "resize-errors", {"code": "AccountCoreQuotaReached", "message": "Core quota reached"}
    )
    create(http, emulator, pool_body(nodes=4))

    props = http.get(f"{arm_account_url(emulator)}/pools/pool1", params=API).json()["properties"]

    assert props["allocationState"] == "Steady"
    assert props["currentDedicatedNodes"] == 0
    assert props["resizeOperationStatus"]["errors"] == [
        {"code": "AccountCoreQuotaReached", "message": "Core quota reached"}
    ]


def test_scaling_down_removes_the_newest_nodes(emulator: EmulatorServer, http: requests.Session) -> None:
    pool_url = create(http, emulator, pool_body(nodes=3))
    before = [node["id"] for node in nodes(http, pool_url)]

    http.patch(
        f"{arm_account_url(emulator)}/pools/pool1",
        params=API,
        json={"properties": {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": 1}}}},
    )

    assert [node["id"] for node in nodes(http, pool_url)] == before[:1]


def test_autoscale_formula_sets_the_target(emulator: EmulatorServer, http: requests.Session) -> None:
    body = pool_body()
    body["properties"]["scaleSettings"] = {"autoScale": {"formula": "$TargetDedicatedNodes=2"}}
    pool_url = create(http, emulator, body)

    props = http.get(f"{arm_account_url(emulator)}/pools/pool1", params=API).json()["properties"]

    assert len(nodes(http, pool_url)) == 2
    assert props["scaleSettings"]["autoScale"]["evaluationInterval"] == "PT15M"
    assert props["autoScaleRun"]["results"].startswith("$TargetDedicatedNodes=2")


def test_python_methods_on_state_script_failures_and_reset_clears_them(
    emulator: EmulatorServer, http: requests.Session
) -> None:
    emulator.state.add_extension_failure(ExtensionFailureRule("secretext"))
    failing = create(http, emulator, pool_body(nodes=2))
    assert {node["state"] for node in nodes(http, failing)} == {"unusable"}

    emulator.reset()
    healthy = create(http, emulator, pool_body(nodes=2))

    assert {node["state"] for node in nodes(http, healthy)} == {"idle"}


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("extension-failures", {"nodes": "all"}),
        ("extension-failures", {"extension": "x", "nodes": "some"}),
        ("resize-errors", {"code": 5}),
        ("vault-certificates", {"urls": "not-a-list"}),
    ],
)
def test_admin_bodies_are_validated(
    emulator: EmulatorServer, http: requests.Session, endpoint: str, body: dict[str, Any]
) -> None:
    response = http.post(f"{emulator.url}/_emulator/{endpoint}", json=body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("MissingRequiredProperty", "InvalidPropertyValue")


def test_autoscale_targets_are_capped_at_the_emulator_limit(
    emulator: EmulatorServer, http: requests.Session
) -> None:
    body = pool_body(extensions=[])
    body["properties"]["scaleSettings"] = {"autoScale": {"formula": "$TargetDedicatedNodes=999999999999"}}
    create(http, emulator, body)

    props = http.get(f"{arm_account_url(emulator)}/pools/pool1", params=API).json()["properties"]

    assert props["currentDedicatedNodes"] == MAX_NODES
