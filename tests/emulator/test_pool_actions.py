"""Pool_DisableAutoScale and Pool_StopResize, the management plane's two POST actions."""

from __future__ import annotations

import requests

from azure_batch_emulator import EmulatorServer
from tests.emulator.conftest import API, FakeClock, arm_account_url, pool_body


def test_disable_autoscale_fixes_the_pool_at_its_evaluated_targets(
    http: requests.Session, account_url: str
) -> None:
    body = pool_body(nodes=0)
    body["properties"]["scaleSettings"] = {"autoScale": {"formula": "$TargetDedicatedNodes=2"}}
    http.put(f"{account_url}/pools/auto", params=API, json=body).raise_for_status()
    before = http.get(f"{account_url}/pools/auto", params=API).json()

    disabled = http.post(f"{account_url}/pools/auto/disableAutoScale", params=API)
    again = http.post(f"{account_url}/pools/auto/disableAutoScale", params=API)

    assert disabled.status_code == 200, disabled.text
    properties = disabled.json()["properties"]
    assert properties["scaleSettings"] == {
        "fixedScale": {"targetDedicatedNodes": 2, "targetLowPriorityNodes": 0, "resizeTimeout": "PT15M"}
    }
    assert "autoScaleRun" not in properties
    assert properties["currentDedicatedNodes"] == before["properties"]["currentDedicatedNodes"] == 2
    assert disabled.headers["ETag"] == disabled.json()["etag"] != before["etag"]
    assert again.json()["properties"]["scaleSettings"] == properties["scaleSettings"]


def test_stop_resize_is_stopping_then_steady_with_the_nodes_the_pool_had(
    fast_emulator: EmulatorServer, clock: FakeClock, http: requests.Session
) -> None:
    pool_url = f"{arm_account_url(fast_emulator)}/pools/stop"
    http.put(pool_url, params=API, json=pool_body(nodes=3)).raise_for_status()

    stopped = http.post(f"{pool_url}/stopResize", params=API)
    clock.advance(5)
    after = http.get(pool_url, params=API).json()["properties"]

    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["properties"]["allocationState"] == "Stopping"
    assert after["allocationState"] == "Steady"
    assert after["currentDedicatedNodes"] == 0
    steady = http.post(f"{pool_url}/stopResize", params=API).json()["properties"]
    assert steady["allocationState"] == "Steady"


def test_actions_on_a_missing_pool_are_not_found(http: requests.Session, account_url: str) -> None:
    for action in ("disableAutoScale", "stopResize"):
        response = http.post(f"{account_url}/pools/absent/{action}", params=API)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "ResourceNotFound"
