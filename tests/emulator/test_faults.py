"""Fault injection: throttling with Retry-After, server errors, dropped connections, latency, seeds."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from azure_batch_emulator import EmulatorServer, FaultConfig
from azure_batch_emulator.errors import ServerBusy, TooManyRequests
from azure_batch_emulator.faults import DROP, Faults
from tests.emulator.conftest import API


def set_faults(http: requests.Session, server: EmulatorServer, **body: Any) -> requests.Response:
    response = http.post(f"{server.url}/_emulator/faults", json=body)
    assert response.status_code == 200, response.text
    return response


def test_throttling_answers_429_with_retry_after_in_the_arm_shape(
    emulator: EmulatorServer, http: requests.Session, account_url: str
) -> None:
    set_faults(http, emulator, throttleRate=1.0, retryAfter=7)

    response = http.get(account_url, params=API)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()["error"]["code"] == "TooManyRequests"


def test_throttling_as_503_server_busy_in_the_data_plane_shape(
    emulator: EmulatorServer, http: requests.Session, batch_url: str
) -> None:
    set_faults(http, emulator, throttleRate=1.0, throttleStatus=503)

    response = http.get(f"{batch_url}/pools/p/nodes", params=API)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json()["code"] == "ServerBusy"


def test_error_rate_answers_500(emulator: EmulatorServer, http: requests.Session, account_url: str) -> None:
    set_faults(http, emulator, errorRate=1.0)

    response = http.get(account_url, params=API)

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "InternalServerError"


def test_drop_rate_closes_the_connection_without_an_answer(
    emulator: EmulatorServer, http: requests.Session, account_url: str
) -> None:
    set_faults(http, emulator, dropRate=1.0)

    with pytest.raises(requests.ConnectionError):
        requests.get(account_url, params=API, headers=dict(http.headers), timeout=5)


def test_admin_endpoints_are_exempt_and_reset_clears_faults(
    emulator: EmulatorServer, http: requests.Session, account_url: str
) -> None:
    set_faults(http, emulator, errorRate=1.0)

    reset = http.post(f"{emulator.url}/_emulator/reset")

    assert reset.status_code == 204
    assert http.get(account_url, params=API).status_code == 200


def test_the_same_seed_reproduces_the_same_faults(
    emulator: EmulatorServer, http: requests.Session, account_url: str
) -> None:
    def run() -> list[int]:
        set_faults(http, emulator, throttleRate=0.3, errorRate=0.3, seed=42)
        return [http.get(account_url, params=API).status_code for _ in range(30)]

    first, second = run(), run()

    assert first == second
    assert {200, 429, 500} <= set(first)


def test_faults_body_is_validated(emulator: EmulatorServer, http: requests.Session) -> None:
    for body in ({"throttleRate": 2}, {"throttleStatus": 418}, {"latencyMs": "slow"}, {"bogus": 1}, [1]):
        response = http.post(f"{emulator.url}/_emulator/faults", json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "InvalidPropertyValue"


def test_latency_goes_through_the_injected_sleep() -> None:
    slept: list[float] = []
    faults = Faults(FaultConfig(latency_ms=250), sleep=slept.append)

    assert faults.apply() is None
    assert slept == [0.25]


def test_fault_kinds_follow_the_configuration() -> None:
    assert Faults(FaultConfig(drop_rate=1.0)).apply() == DROP
    assert isinstance(Faults(FaultConfig(throttle_rate=1.0)).apply(), TooManyRequests)
    assert isinstance(Faults(FaultConfig(throttle_rate=1.0, throttle_status=503)).apply(), ServerBusy)


def test_server_takes_faults_at_construction() -> None:
    with EmulatorServer(faults=FaultConfig(error_rate=1.0)) as server:
        response = requests.get(
            f"{server.url}/subscriptions/x/resourceGroups/y/providers/Microsoft.Batch/batchAccounts/z",
            params=API,
            headers={"Authorization": "Bearer batch-emulator-dev-token"},
        )

    assert response.status_code == 500
