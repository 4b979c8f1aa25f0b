"""EmulatorServer: lifecycle, keep-alive, concurrency, body limits, reset and the state file."""

from __future__ import annotations

import http.client
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

import azure_batch_emulator as package
from azure_batch_emulator import DEV_TOKEN, EmulatorServer
from azure_batch_emulator.server import MAX_BODY_BYTES
from tests.emulator.conftest import API, SECRET, arm_account_url, pool_body

AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}


def test_the_public_contract_is_exported() -> None:
    assert set(package.__all__) == {
        "AccountRef",
        "DEMO_ACCOUNT",
        "DEV_TOKEN",
        "EmulatorServer",
        "FaultConfig",
    }
    assert all(hasattr(package, name) for name in package.__all__)
    assert package.DEV_TOKEN == "batch-emulator-dev-token"
    assert (
        package.AccountRef("00000000-0000-0000-0000-000000000000", "demo-rg", "demoaccount")
        == package.DEMO_ACCOUNT
    )


def test_url_has_no_trailing_slash_and_needs_a_running_server() -> None:
    server = EmulatorServer()
    with pytest.raises(RuntimeError, match="start"):
        _ = server.url

    with server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
        with pytest.raises(RuntimeError, match="already running"):
            server.start()
        url = server.url

    server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)


def test_reset_removes_pools(emulator: EmulatorServer, http: requests.Session, account_url: str) -> None:
    http.put(f"{account_url}/pools/pool1", params=API, json=pool_body())

    emulator.reset()

    assert http.get(f"{account_url}/pools", params=API).json()["value"] == []


def test_keep_alive_serves_several_requests_on_one_connection(emulator: EmulatorServer) -> None:
    host, port = emulator.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    path = arm_account_url(emulator).removeprefix(emulator.url) + "?api-version=2025-06-01"

    statuses = []
    for _ in range(3):
        connection.request("GET", path, headers=AUTH)
        response = connection.getresponse()
        response.read()
        statuses.append((response.status, response.getheader("Connection")))
    connection.close()

    assert statuses == [(200, None)] * 3


def test_concurrent_writers_and_readers_leave_consistent_state(
    emulator: EmulatorServer, account_url: str
) -> None:
    def work(index: int) -> tuple[int, int]:
        with requests.Session() as session:
            session.headers.update(AUTH)
            created = session.put(f"{account_url}/pools/pool{index}", params=API, json=pool_body(nodes=1))
            read = session.get(f"{emulator.url}/batch/demoaccount/pools/pool{index}/nodes", params=API)
            return created.status_code, read.status_code

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(work, range(32)))

    listed = requests.get(f"{account_url}/pools", params=API, headers=AUTH).json()["value"]
    assert results == [(200, 200)] * 32
    assert len(listed) == 32


def test_oversized_and_chunked_bodies_get_azure_errors(emulator: EmulatorServer, account_url: str) -> None:
    too_big = b"{" + b" " * MAX_BODY_BYTES + b"}"

    oversized = requests.put(f"{account_url}/pools/p", params=API, data=too_big, headers=AUTH)
    chunked = requests.put(f"{account_url}/pools/p", params=API, data=iter([b"{}"]), headers=AUTH)

    assert oversized.status_code == 413
    assert oversized.json()["error"]["code"] == "RequestBodyTooLarge"
    assert chunked.status_code == 400
    assert chunked.json()["error"]["code"] == "InvalidRequestContent"


def test_state_survives_a_restart_without_plaintext_secrets(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    with EmulatorServer(state_file=state_file) as first:
        created = requests.put(
            f"{arm_account_url(first)}/pools/kept", params=API, json=pool_body(nodes=2), headers=AUTH
        )
        nodes_before = requests.get(
            f"{first.url}/batch/demoaccount/pools/kept/nodes", params=API, headers=AUTH
        )

    with EmulatorServer(state_file=state_file) as second:
        fetched = requests.get(f"{arm_account_url(second)}/pools/kept", params=API, headers=AUTH)
        nodes_after = requests.get(
            f"{second.url}/batch/demoaccount/pools/kept/nodes", params=API, headers=AUTH
        )

    assert fetched.status_code == 200
    assert fetched.headers["ETag"] == created.headers["ETag"]
    assert [n["id"] for n in nodes_after.json()["value"]] == [n["id"] for n in nodes_before.json()["value"]]
    assert SECRET not in state_file.read_text()
    assert [path.name for path in tmp_path.iterdir()] == ["state.json"]


def test_a_corrupt_state_file_is_reported_by_name(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    state_file.write_text("{not json")

    with pytest.raises(ValueError, match=r"state\.json"):
        EmulatorServer(state_file=state_file).start()


def test_state_file_is_rewritten_on_reset(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    with EmulatorServer(state_file=state_file) as server:
        requests.put(f"{arm_account_url(server)}/pools/gone", params=API, json=pool_body(), headers=AUTH)
        server.reset()

    assert json.loads(state_file.read_text())["pools"] == []
