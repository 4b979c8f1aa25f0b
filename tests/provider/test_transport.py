"""Transport retries through a scripted ``requests`` adapter: no network, no real sleeping."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter

from provider.auth import BearerTokenAuth, StaticTokenCredential
from provider.errors import (
    AuthenticationError,
    HttpResponseError,
    OperationTimeoutError,
    RequestError,
    ServiceError,
    ThrottledError,
)
from provider.transport import RetryEvent, RetryPolicy, Transport, retry_after_seconds

URL = "https://management.azure.com/subscriptions/s/pools/p?api-version=2025-06-01"
Script = tuple[int, Mapping[str, str]] | Exception


class ScriptedAdapter(BaseAdapter):
    """Answers each send with the next scripted (status, headers) or raises the scripted exception."""

    def __init__(self, script: list[Script]) -> None:
        super().__init__()
        self.script = list(script)
        self.sent: list[requests.PreparedRequest] = []
        self.timeouts: list[Any] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append(request)
        self.timeouts.append(kwargs.get("timeout"))
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        status, headers = step
        response = requests.Response()
        response.status_code = status
        response.headers.update(headers)
        response._content = json.dumps({"error": {"code": f"Code{status}", "message": "m"}}).encode()
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def make_transport(
    script: list[Script], *, total: int = 6, auth: BearerTokenAuth | None = None
) -> tuple[Transport, ScriptedAdapter, FakeTime, list[RetryEvent]]:
    adapter = ScriptedAdapter(script)
    fake = FakeTime()
    events: list[RetryEvent] = []
    policy = RetryPolicy(total=total, sleep=fake.sleep, clock=fake.clock, jitter=lambda low, high: high)
    transport = Transport(auth=auth, policy=policy, timeout=30.0, on_retry=events.append, adapter=adapter)
    return transport, adapter, fake, events


def test_success_is_returned_without_retrying() -> None:
    transport, adapter, fake, _ = make_transport([(200, {})])
    assert transport.request("GET", URL).status_code == 200
    assert len(adapter.sent) == 1
    assert fake.sleeps == []
    assert adapter.timeouts == [30.0]


def test_retry_after_values_are_the_sleeps() -> None:
    script: list[Script] = [
        (429, {"Retry-After": "3"}),
        (503, {"retry-after-ms": "1500"}),
        (503, {"x-ms-retry-after-ms": "250"}),
        (200, {}),
    ]
    transport, adapter, fake, events = make_transport(script)
    assert transport.request("GET", URL).status_code == 200
    assert fake.sleeps == [3.0, 1.5, 0.25]
    assert [e.delay for e in events] == [3.0, 1.5, 0.25]
    assert events[0].reason == "throttled (429)"
    assert "retrying in 3 s" in str(events[0])
    assert len(adapter.sent) == 4


def test_without_retry_after_backoff_is_exponential_and_capped() -> None:
    transport, _, fake, _ = make_transport([(500, {})] * 4 + [(200, {})])
    transport.policy = RetryPolicy(
        total=6,
        backoff_factor=1.0,
        backoff_max=5.0,
        sleep=fake.sleep,
        clock=fake.clock,
        jitter=lambda a, b: 1.0,
    )
    transport.request("PUT", URL, json={"a": 1})
    assert fake.sleeps == [1.0, 2.0, 4.0, 5.0]


def test_jitter_scales_the_backoff() -> None:
    transport, _, fake, _ = make_transport([(502, {}), (200, {})])
    transport.request("GET", URL)
    assert fake.sleeps == [pytest.approx(0.8 * 1.2)]


def test_retries_exhausted_raise_the_typed_error() -> None:
    transport, adapter, _, _ = make_transport([(429, {"Retry-After": "1"})] * 3, total=2)
    with pytest.raises(ThrottledError) as exc:
        transport.request("GET", URL)
    assert exc.value.status_code == 429
    assert len(adapter.sent) == 3


@pytest.mark.parametrize("status", [400, 403, 404, 409, 412])
def test_non_retryable_statuses_fail_at_once(status: int) -> None:
    transport, adapter, fake, _ = make_transport([(status, {"Retry-After": "1"})])
    with pytest.raises(HttpResponseError) as exc:
        transport.request("GET", URL)
    assert exc.value.status_code == status
    assert len(adapter.sent) == 1
    assert fake.sleeps == []


def test_202_and_3xx_are_returned_not_retried() -> None:
    transport, adapter, _, _ = make_transport([(202, {"Retry-After": "5"}), (302, {})])
    assert transport.request("DELETE", URL).status_code == 202
    assert transport.request("GET", URL).status_code == 302
    assert len(adapter.sent) == 2


def test_patch_without_if_match_is_not_retried() -> None:
    transport, adapter, _, _ = make_transport([(503, {"Retry-After": "1"})])
    with pytest.raises(ServiceError):
        transport.request("PATCH", URL, json={})
    assert len(adapter.sent) == 1


def test_patch_with_if_match_is_retried() -> None:
    transport, adapter, fake, _ = make_transport([(503, {"Retry-After": "1"}), (200, {})])
    transport.request("PATCH", URL, json={}, headers={"If-Match": 'W/"1"'})
    assert len(adapter.sent) == 2
    assert adapter.sent[1].headers["If-Match"] == 'W/"1"'
    assert fake.sleeps == [1.0]


def test_post_is_never_retried() -> None:
    transport, adapter, _, _ = make_transport([(500, {})])
    with pytest.raises(ServiceError):
        transport.request("POST", URL)
    assert len(adapter.sent) == 1


def test_connection_errors_are_retried_then_raise_request_error() -> None:
    script: list[Script] = [requests.ConnectionError("refused"), requests.ReadTimeout("slow"), (200, {})]
    transport, adapter, _, events = make_transport(script)
    assert transport.request("GET", URL).status_code == 200
    assert [e.reason for e in events] == ["ConnectionError", "ReadTimeout"]

    transport, adapter, _, _ = make_transport([requests.ConnectionError("refused")] * 2, total=1)
    with pytest.raises(RequestError, match=r"GET .*ConnectionError"):
        transport.request("GET", URL)
    assert len(adapter.sent) == 2


def test_deadline_stops_retrying_before_sleeping_past_it() -> None:
    transport, adapter, fake, _ = make_transport([(503, {"Retry-After": "4"})] * 5)
    with pytest.raises(OperationTimeoutError, match=r"got HTTP 503; the next retry would wait 4 s"):
        transport.request("GET", URL, deadline=10.0)
    assert fake.sleeps == [4.0, 4.0]
    assert len(adapter.sent) == 3
    assert adapter.timeouts == [10.0, 6.0, 2.0]


def test_deadline_already_passed_sends_nothing() -> None:
    transport, adapter, fake, _ = make_transport([(200, {})])
    fake.now = 50.0
    with pytest.raises(OperationTimeoutError):
        transport.request("GET", URL, deadline=49.0)
    assert adapter.sent == []


class RotatingCredential:
    def __init__(self) -> None:
        self.issued = 0

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        self.issued += 1
        return StaticTokenCredential(f"token-{self.issued}").get_token(*scopes)


def test_401_drops_the_token_and_resends_once() -> None:
    auth = BearerTokenAuth(RotatingCredential(), "scope")
    transport, adapter, fake, _ = make_transport([(401, {}), (200, {})], auth=auth)
    assert transport.request("GET", URL).status_code == 200
    assert [r.headers["Authorization"] for r in adapter.sent] == ["Bearer token-1", "Bearer token-2"]
    assert fake.sleeps == []


def test_a_second_401_is_an_authentication_error() -> None:
    auth = BearerTokenAuth(RotatingCredential(), "scope")
    transport, adapter, _, _ = make_transport([(401, {}), (401, {})], auth=auth)
    with pytest.raises(AuthenticationError):
        transport.request("GET", URL)
    assert len(adapter.sent) == 2


def test_retry_events_carry_no_secrets() -> None:
    auth = BearerTokenAuth(StaticTokenCredential("s3cret-token"), "scope")
    transport, _, _, events = make_transport([(429, {"Retry-After": "1"}), (200, {})], auth=auth)
    transport.request("PUT", URL + "&sig=SAS", json={"protectedSettings": {"k": "hunter2"}})
    text = str(events[0]) + repr(events[0])
    for secret in ("s3cret-token", "hunter2", "SAS"):
        assert secret not in text


def test_retry_after_parsing() -> None:
    now = time.time()
    http_date = email.utils.formatdate(now + 7, usegmt=True)
    assert retry_after_seconds({"Retry-After": http_date}, now=now) == pytest.approx(7, abs=1)
    assert retry_after_seconds({"Retry-After": "-3"}, now=now) == 0.0
    assert retry_after_seconds({"Retry-After": "soon"}, now=now) is None
    assert retry_after_seconds({}, now=now) is None
    assert retry_after_seconds({"retry-after-ms": "x", "Retry-After": "2"}, now=now) == 2.0


def test_session_is_created_lazily_and_recreated_after_close() -> None:
    transport, adapter, _, _ = make_transport([(200, {}), (200, {})])
    assert transport._session is None
    transport.request("GET", URL)
    transport.close()
    assert transport._session is None
    transport.request("GET", URL)
    assert len(adapter.sent) == 2
