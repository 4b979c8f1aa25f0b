"""The emulator as strict as Azure about extensions: a pair outside Azure Batch's list is refused unless
the emulator was started to allow it, and a listed extension for the other operating system is accepted
and then fails on every node."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import requests

from azure_batch_emulator import EmulatorServer
from azure_batch_emulator.extensions import SUPPORTED
from pulumi_azure_batch_pool.model.extension_catalog import CATALOG
from tests.emulator.conftest import API, arm_account_url, pool_body
from tests.emulator.test_cli import AUTH, DEMO, account_url, running
from tests.emulator.test_simulation import create, extensions, nodes

UNLISTED = {"name": "health", "publisher": "Contoso.Agents", "type": "HealthAgent"}
WINDOWS_VM = {
    "imageReference": {
        "publisher": "microsoftwindowsserver",
        "offer": "windowsserver",
        "sku": "2022-datacenter",
    },
    "nodeAgentSkuId": "batch.node.windows amd64",
}


def body_with(*extensions: dict[str, Any], nodes: int = 0, windows: bool = False) -> dict[str, Any]:
    body = copy.deepcopy(pool_body(nodes=nodes, extensions=list(extensions)))
    if windows:
        body["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"].update(WINDOWS_VM)
    return body


def put(http: requests.Session, server: EmulatorServer, body: dict[str, Any]) -> requests.Response:
    return http.put(f"{arm_account_url(server)}/pools/pool1", params=API, json=body)


def test_the_emulators_list_is_the_providers_catalog() -> None:
    assert {(e.publisher.lower(), e.type.lower()): e.os.value.lower() for e in CATALOG} == SUPPORTED


@pytest.mark.parametrize("entry", CATALOG, ids=lambda entry: entry.pair)
def test_every_listed_pair_is_accepted(emulator: EmulatorServer, http: requests.Session, entry: Any) -> None:
    ext = {"name": "ext", "publisher": entry.publisher.upper(), "type": entry.type}
    answer = put(http, emulator, body_with(ext, windows=entry.os.value == "Windows"))
    assert answer.status_code == 200, answer.text


def test_an_unlisted_pair_is_refused_in_azures_error_shape(
    emulator: EmulatorServer, http: requests.Session
) -> None:
    answer = put(http, emulator, body_with(UNLISTED))

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "InvalidPropertyValue"
    assert (
        error["target"] == "properties.deploymentConfiguration.virtualMachineConfiguration.extensions[0].type"
    )
    assert "'Contoso.Agents' and type 'HealthAgent'" in error["message"]
    assert "support request" in error["message"]
    assert http.get(f"{arm_account_url(emulator)}/pools/pool1", params=API).status_code == 404


def test_an_unlisted_pair_is_accepted_when_the_emulator_allows_it(http: requests.Session) -> None:
    with EmulatorServer(port=0, speed="instant", allowed_extensions=["contoso.agents/healthagent"]) as server:
        assert put(http, server, body_with(UNLISTED)).status_code == 200
        server.reset()
        assert put(http, server, body_with(UNLISTED)).status_code == 200, "reset keeps the allowed pairs"
        other = {**UNLISTED, "type": "OtherAgent"}
        assert put(http, server, body_with(other)).status_code == 400


def test_the_command_line_allows_pairs_with_allow_extension() -> None:
    with running("--allow-extension", "Contoso.Agents/HealthAgent") as url:
        pool = f"{account_url(url, *DEMO)}/pools/pool1"
        answer = requests.put(pool, params=API, headers=AUTH, json=body_with(UNLISTED), timeout=5)
        assert answer.status_code == 200, answer.text


def test_a_listed_extension_for_the_other_os_fails_on_every_node(
    emulator: EmulatorServer, http: requests.Session
) -> None:
    windows_only = {"name": "kv", "publisher": "Microsoft.Azure.KeyVault", "type": "KeyVaultForWindows"}
    linux = {"name": "monitor", "publisher": "Microsoft.Azure.Monitor", "type": "AzureMonitorLinuxAgent"}
    pool_url = create(http, emulator, body_with(windows_only, linux, nodes=2))

    listed = nodes(http, pool_url)

    assert [node["state"] for node in listed] == ["unusable", "unusable"]
    for node in listed:
        found = extensions(http, pool_url, node["id"])
        status = found["kv"]["instanceView"]["statuses"][0]
        assert found["kv"]["provisioningState"] == "Failed"
        assert status["level"] == "Error"
        assert "runs on Windows only and cannot be installed on this Linux node" in status["message"]
        assert found["monitor"]["provisioningState"] == "Succeeded"
