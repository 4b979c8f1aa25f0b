"""The fault proxy in front of the emulator: forwarding, address rewriting, and each fault action."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from azure_batch_emulator.proxy import FaultProxy, Rule
from tests.pools import ubuntu_deployment

API = {"api-version": "2025-06-01"}
POOL_PATH = r"/pools/[^/?]+(\?|$)"


def account_url(base: str) -> str:
    return f"{base}{DEMO_ACCOUNT.arm_id}"


def pool_body() -> dict[str, object]:
    return {
        "properties": {
            "vmSize": "STANDARD_D2S_V3",
            "deploymentConfiguration": ubuntu_deployment(),
        }
    }


def pool_exists(emulator: EmulatorServer, http: requests.Session, name: str) -> bool:
    response = http.get(f"{account_url(emulator.url)}/pools/{name}", params=API, timeout=10)
    return response.status_code == 200


def test_forwards_and_rewrites_the_emulator_address_to_its_own(
    proxy: FaultProxy, emulator: EmulatorServer, http: requests.Session
) -> None:
    account = http.get(account_url(proxy.url), params=API, timeout=10)
    assert account.status_code == 200
    endpoint = account.json()["properties"]["accountEndpoint"]
    assert endpoint.startswith(proxy.url.split("://")[1])
    assert emulator.url.split("://")[1] not in account.text
    assert [(record.method, record.status) for record in proxy.log] == [("GET", 200)]


def test_keeps_connections_alive_across_requests(proxy: FaultProxy, http: requests.Session) -> None:
    for _ in range(5):
        assert http.get(account_url(proxy.url), params=API, timeout=10).status_code == 200
    assert len(proxy.log) == 5


def test_drop_response_lets_the_request_take_effect_but_loses_the_answer(
    proxy: FaultProxy, emulator: EmulatorServer, http: requests.Session
) -> None:
    proxy.add(Rule(action="drop-response", method="PUT", path=POOL_PATH, times=1))
    with pytest.raises(requests.ConnectionError):
        http.put(f"{account_url(proxy.url)}/pools/lost", params=API, json=pool_body(), timeout=10)
    assert pool_exists(emulator, http, "lost")
    assert proxy.log[0].status is None and proxy.log[0].action == "drop-response"


def test_reset_closes_without_forwarding(
    proxy: FaultProxy, emulator: EmulatorServer, http: requests.Session
) -> None:
    proxy.add(Rule(action="reset", method="PUT", times=1))
    with pytest.raises(requests.ConnectionError):
        http.put(f"{account_url(proxy.url)}/pools/never", params=API, json=pool_body(), timeout=10)
    assert not pool_exists(emulator, http, "never")


def test_truncate_sends_half_of_the_body(proxy: FaultProxy, http: requests.Session) -> None:
    proxy.add(Rule(action="truncate", method="GET", times=1))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        http.get(account_url(proxy.url), params=API, timeout=10)


def test_html_answers_with_a_proxy_error_page(proxy: FaultProxy, http: requests.Session) -> None:
    proxy.add(Rule(action="html", status=502, times=1))
    response = http.get(account_url(proxy.url), params=API, timeout=10)
    assert response.status_code == 502
    assert response.headers["Content-Type"] == "text/html"
    assert response.text.startswith("<html>")


def test_status_answers_with_azure_shaped_error_and_headers(
    proxy: FaultProxy, http: requests.Session
) -> None:
    proxy.add(Rule(action="status", status=429, headers={"Retry-After": "30"}, times=2))
    statuses = [http.get(account_url(proxy.url), params=API, timeout=10) for _ in range(3)]
    assert [response.status_code for response in statuses] == [429, 429, 200]
    assert statuses[0].headers["Retry-After"] == "30"
    assert statuses[0].json()["error"]["code"] == "Injected429"


def test_skip_lets_the_first_matches_through(proxy: FaultProxy, http: requests.Session) -> None:
    proxy.add(Rule(action="status", status=500, skip=1, times=1))
    codes = [http.get(account_url(proxy.url), params=API, timeout=10).status_code for _ in range(3)]
    assert codes == [200, 500, 200]


def test_delay_holds_the_answer_past_a_short_client_timeout(
    proxy: FaultProxy, http: requests.Session
) -> None:
    proxy.add(Rule(action="delay", delay_ms=3000, times=1))
    with pytest.raises(requests.Timeout):
        http.get(account_url(proxy.url), params=API, timeout=0.2)


def test_clear_removes_rules_and_log(proxy: FaultProxy, http: requests.Session) -> None:
    proxy.add(Rule(action="status", status=500))
    assert http.get(account_url(proxy.url), params=API, timeout=10).status_code == 500
    proxy.clear()
    assert proxy.log == []
    assert http.get(account_url(proxy.url), params=API, timeout=10).status_code == 200


def test_rejects_unknown_actions_and_non_http_upstreams() -> None:
    with pytest.raises(ValueError, match="unknown proxy action"):
        Rule(action="explode")
    with pytest.raises(ValueError, match="http://HOST:PORT"):
        FaultProxy("https://example.invalid")


def test_command_line_prints_its_url_first_and_stops_on_sigterm(emulator: EmulatorServer) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "azure_batch_emulator.proxy", "--upstream", emulator.url, "--latency-ms", "1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        response = requests.get(
            account_url(url), params=API, headers={"Authorization": f"Bearer {DEV_TOKEN}"}, timeout=10
        )
        assert response.status_code == 200
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
