"""Transport against the emulator behind the fault proxy: retries, deadlines and typed errors over real HTTP.

Every fault comes from outside the transport (a proxy rule, a closed port, https to a plain-http
server); sleeping and the clock are a fake that only moves when the transport sleeps.
"""

from __future__ import annotations

import email.utils
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from azure_batch_emulator.proxy import FaultProxy, Rule
from pulumi_azure_batch_pool.azure_clients.auth import BearerTokenAuth, StaticTokenCredential
from pulumi_azure_batch_pool.azure_clients.errors import (
    AuthenticationError,
    ConnectionFailedError,
    HttpResponseError,
    MalformedResponseError,
    OperationTimeoutError,
    RequestTimeoutError,
    ServiceError,
    ThrottledError,
    TlsError,
)
from pulumi_azure_batch_pool.azure_clients.transport import (
    Headers,
    RetryEvent,
    RetryPolicy,
    Transport,
    retry_after_seconds,
)
from tests.provider.fake_time import FakeTime

ACCOUNT_PATH = DEMO_ACCOUNT.arm_id
QUERY = "?api-version=2025-06-01"


class CountingCredential:
    """Hands out the emulator's dev token and counts how often it was asked."""

    def __init__(self) -> None:
        self.issued = 0

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        self.issued += 1
        return StaticTokenCredential(DEV_TOKEN).get_token(*scopes)


@pytest.fixture
def url(proxy: FaultProxy) -> str:
    return proxy.url + ACCOUNT_PATH + QUERY


def make_transport(
    *, total: int = 6, credential: Any = None, timeout: float = 30.0
) -> tuple[Transport, FakeTime, list[RetryEvent]]:
    fake = FakeTime()
    events: list[RetryEvent] = []
    policy = RetryPolicy(total=total, sleep=fake.sleep, clock=fake.clock, jitter=lambda low, high: high)
    auth = BearerTokenAuth(credential or StaticTokenCredential(DEV_TOKEN), "scope")
    transport = Transport(auth=auth, policy=policy, timeout=timeout, on_retry=events.append)
    return transport, fake, events


def sent(proxy: FaultProxy) -> int:
    return len(proxy.log)


def test_success_is_returned_without_retrying(proxy: FaultProxy, url: str) -> None:
    transport, fake, _ = make_transport()
    response = transport.request("GET", url)
    assert response.status_code == 200
    assert response.json()["name"] == DEMO_ACCOUNT.account_name
    assert response.json() is response.json()
    assert response.headers["content-type"] == response.headers["Content-Type"]
    assert sent(proxy) == 1
    assert fake.sleeps == []


def test_connections_are_kept_alive_and_reopened_after_close(url: str, proxy: FaultProxy) -> None:
    transport, _, _ = make_transport()
    for _ in range(3):
        transport.request("GET", url)
    assert len(transport._origins) == 1
    (origin,) = transport._origins.values()
    assert len(origin._idle) == 1
    transport.close()
    assert transport._origins == {}
    assert transport.request("GET", url).status_code == 200
    assert sent(proxy) == 4, proxy.log


def test_retry_after_values_are_the_sleeps(proxy: FaultProxy, url: str) -> None:
    proxy.add(Rule("status", status=429, headers={"Retry-After": "3"}, times=1))
    proxy.add(Rule("status", status=503, headers={"retry-after-ms": "1500"}, times=1))
    proxy.add(Rule("status", status=503, headers={"x-ms-retry-after-ms": "250"}, times=1))
    transport, fake, events = make_transport()
    assert transport.request("GET", url).status_code == 200
    assert fake.sleeps == [3.0, 1.5, 0.25]
    assert [e.delay for e in events] == [3.0, 1.5, 0.25]
    assert events[0].reason == "throttled (429)"
    assert events[0].status == 429
    assert "retrying in 3 s" in str(events[0])
    assert sent(proxy) == 4


def test_without_retry_after_backoff_is_exponential_and_capped(proxy: FaultProxy, url: str) -> None:
    proxy.add(Rule("status", status=500, times=4))
    fake = FakeTime()
    policy = RetryPolicy(
        total=6,
        backoff_factor=1.0,
        backoff_max=5.0,
        sleep=fake.sleep,
        clock=fake.clock,
        jitter=lambda a, b: 1.0,
    )
    Transport(auth=BearerTokenAuth(StaticTokenCredential(DEV_TOKEN), "s"), policy=policy).request("GET", url)
    assert fake.sleeps == [1.0, 2.0, 4.0, 5.0]


def test_jitter_scales_the_backoff(proxy: FaultProxy, url: str) -> None:
    proxy.add(Rule("status", status=502, times=1))
    transport, fake, _ = make_transport()
    transport.request("GET", url)
    assert fake.sleeps == [pytest.approx(0.8 * 1.2)]


def test_retries_exhausted_raise_the_typed_error(proxy: FaultProxy, url: str) -> None:
    proxy.add(Rule("status", status=429, headers={"Retry-After": "1"}))
    transport, _, _ = make_transport(total=2)
    with pytest.raises(ThrottledError) as exc:
        transport.request("GET", url)
    assert exc.value.status_code == 429
    assert exc.value.code == "Injected429"
    assert sent(proxy) == 3


@pytest.mark.parametrize("status", [400, 403, 404, 409, 412])
def test_non_retryable_statuses_fail_at_once(proxy: FaultProxy, url: str, status: int) -> None:
    proxy.add(Rule("status", status=status, headers={"Retry-After": "1"}))
    transport, fake, _ = make_transport()
    with pytest.raises(HttpResponseError) as exc:
        transport.request("GET", url)
    assert exc.value.status_code == status
    assert exc.value.method == "GET"
    assert sent(proxy) == 1
    assert fake.sleeps == []


def test_202_and_3xx_are_returned_not_retried(proxy: FaultProxy, url: str) -> None:
    proxy.add(Rule("status", method="DELETE", status=202, headers={"Retry-After": "5"}))
    proxy.add(Rule("status", method="GET", status=302))
    transport, _, _ = make_transport()
    assert transport.request("DELETE", url).status_code == 202
    assert transport.request("GET", url).status_code == 302
    assert sent(proxy) == 2


def test_patch_is_retried_only_with_if_match(proxy: FaultProxy, url: str) -> None:
    proxy.add(Rule("status", status=503, headers={"Retry-After": "1"}, times=2))
    proxy.add(Rule("status", status=200))
    transport, fake, _ = make_transport()
    with pytest.raises(ServiceError):
        transport.request("PATCH", url, json={})
    assert sent(proxy) == 1
    transport.request("PATCH", url, json={"a": 1}, headers={"If-Match": 'W/"1"'})
    assert sent(proxy) == 3
    assert fake.sleeps == [1.0]


def test_post_is_never_retried(proxy: FaultProxy, url: str) -> None:
    proxy.add(Rule("status", status=500))
    transport, _, _ = make_transport()
    with pytest.raises(ServiceError):
        transport.request("POST", url)
    assert sent(proxy) == 1


def test_a_reset_connection_is_retried_then_named(proxy: FaultProxy, url: str) -> None:
    proxy.add(Rule("reset", times=1))
    transport, _, events = make_transport()
    assert transport.request("GET", url).status_code == 200
    assert [e.status for e in events] == [None]

    proxy.add(Rule("reset"))
    transport, _, _ = make_transport(total=1)
    with pytest.raises(ConnectionFailedError, match=r"closed without an answer.*proxy") as exc:
        transport.request("GET", url)
    assert exc.value.method == "GET"
    assert exc.value.url is not None and exc.value.url.endswith(ACCOUNT_PATH + QUERY)


def test_a_refused_connection_gets_a_short_bounded_retry() -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    transport, fake, _ = make_transport(total=6)
    with pytest.raises(ConnectionFailedError, match=r"connection refused.*emulator\) running") as exc:
        transport.request("GET", f"http://127.0.0.1:{port}{ACCOUNT_PATH}{QUERY}")
    assert len(fake.sleeps) == transport.policy.refused_total
    assert all(delay <= transport.policy.refused_backoff_max for delay in fake.sleeps)
    assert exc.value.status_code is None


def test_https_to_the_plain_http_emulator_is_a_tls_error(emulator_session: EmulatorServer) -> None:
    transport, _, _ = make_transport(total=0)
    https_url = emulator_session.url.replace("http://", "https://") + ACCOUNT_PATH + QUERY
    with pytest.raises(TlsError, match=r"TLS handshake.*use an http:// endpoint"):
        transport.request("GET", https_url)


def test_a_truncated_body_is_retried_then_a_malformed_response(proxy: FaultProxy, url: str) -> None:
    proxy.add(Rule("truncate", times=1))
    transport, _, _ = make_transport()
    assert transport.request("GET", url).json()["name"] == DEMO_ACCOUNT.account_name

    proxy.add(Rule("truncate"))
    transport, _, _ = make_transport(total=1)
    with pytest.raises(MalformedResponseError, match=r"\(HTTP 200\): answer cut short.*proxy") as exc:
        transport.request("GET", url)
    assert ACCOUNT_PATH in str(exc.value)
    assert exc.value.status_code == 200
    assert sent(proxy) == 4


def test_an_html_page_with_200_is_a_malformed_response_on_parse(proxy: FaultProxy, url: str) -> None:
    proxy.add(Rule("html", status=200))
    transport, _, _ = make_transport()
    response = transport.request("GET", url)
    with pytest.raises(MalformedResponseError, match=r"GET .*HTTP 200 with an HTML page.*proxy") as exc:
        response.json()
    assert exc.value.status_code == 200
    assert isinstance(exc.value, ValueError)


def test_an_html_error_page_names_the_proxy(proxy: FaultProxy, url: str) -> None:
    proxy.add(Rule("html", status=502))
    transport, _, _ = make_transport(total=0)
    with pytest.raises(ServiceError, match=r"not an Azure error \(text/html\)") as exc:
        transport.request("GET", url)
    assert exc.value.status_code == 502
    assert f"GET {ACCOUNT_PATH}" in str(exc.value)


def test_no_answer_within_the_timeout_is_a_request_timeout(proxy: FaultProxy, url: str) -> None:
    proxy.add(Rule("delay", delay_ms=400))
    transport, _, _ = make_transport(total=0, timeout=0.1)
    with pytest.raises(RequestTimeoutError, match=r"no answer within 0.1 s.*requestTimeoutSeconds"):
        transport.request("GET", url)


def test_deadline_stops_retrying_before_sleeping_past_it(proxy: FaultProxy, url: str) -> None:
    proxy.add(Rule("status", status=503, headers={"Retry-After": "4"}))
    transport, fake, _ = make_transport()
    with pytest.raises(OperationTimeoutError, match=r"got HTTP 503; the next retry would wait 4 s"):
        transport.request("GET", url, deadline=10.0)
    assert fake.sleeps == [4.0, 4.0]
    assert sent(proxy) == 3


def test_deadline_already_passed_sends_nothing(proxy: FaultProxy, url: str) -> None:
    transport, fake, _ = make_transport()
    fake.now = 50.0
    with pytest.raises(OperationTimeoutError):
        transport.request("GET", url, deadline=49.0)
    assert sent(proxy) == 0


def test_401_drops_the_token_and_resends_once(proxy: FaultProxy, url: str) -> None:
    proxy.add(Rule("status", status=401, times=1))
    credential = CountingCredential()
    transport, fake, _ = make_transport(credential=credential)
    assert transport.request("GET", url).status_code == 200
    assert credential.issued == 2
    assert fake.sleeps == []


def test_a_second_401_is_an_authentication_error(proxy: FaultProxy, url: str) -> None:
    transport, _, _ = make_transport(credential=StaticTokenCredential("not-the-dev-token"))
    with pytest.raises(AuthenticationError):
        transport.request("GET", url)
    assert sent(proxy) == 2


def test_errors_and_retry_events_carry_no_secrets(proxy: FaultProxy, url: str) -> None:
    proxy.add(Rule("status", status=429, headers={"Retry-After": "1"}, times=1))
    proxy.add(Rule("reset"))
    transport, _, events = make_transport(total=1, credential=StaticTokenCredential(DEV_TOKEN))
    with pytest.raises(ConnectionFailedError) as exc:
        transport.request("PUT", url + "&sig=SAS", json={"protectedSettings": {"k": "hunter2"}})
    text = str(events[0]) + repr(events[0]) + str(exc.value) + repr(exc.value.__dict__)
    for secret in (DEV_TOKEN, "hunter2", "SAS"):
        assert secret not in text


def test_retry_after_parsing() -> None:
    now = time.time()
    http_date = email.utils.formatdate(now + 7, usegmt=True)
    assert retry_after_seconds({"Retry-After": http_date}, now=now) == pytest.approx(7, abs=1)
    assert retry_after_seconds({"Retry-After": "-3"}, now=now) == 0.0
    assert retry_after_seconds({"Retry-After": "soon"}, now=now) is None
    assert retry_after_seconds({}, now=now) is None
    assert retry_after_seconds({"retry-after-ms": "x", "Retry-After": "2"}, now=now) == 2.0
    assert retry_after_seconds(Headers([("RETRY-AFTER", "5")]), now=now) == 5.0


def test_an_idle_connection_the_server_closed_is_not_reused(proxy: FaultProxy, url: str) -> None:
    transport, _, _ = make_transport()
    transport.request("GET", url)
    (origin,) = transport._origins.values()
    (idle,) = origin._idle
    assert idle.sock is not None
    server_side = socket.fromfd(idle.sock.fileno(), socket.AF_INET, socket.SOCK_STREAM)
    server_side.shutdown(socket.SHUT_RD)  # the socket now reads as EOF, as after the server's FIN
    server_side.close()

    assert transport.request("GET", url).status_code == 200
    assert idle.sock is None, "the dead connection was closed, not sent on"
    assert sent(proxy) == 2


class WireShapes(BaseHTTPRequestHandler):
    """Answers in the shapes Azure's front ends use besides Content-Length: chunked, 204, close-delimited."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("X-Shape", "chunked")
            self.end_headers()
            for part in (b'{"value": ', b"[1, 2]}"):
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif self.path.startswith("/empty"):
            self.send_response(204)
            self.end_headers()
        else:
            self.protocol_version = "HTTP/1.0"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"closed": true}')
            self.close_connection = True

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def wire_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), WireShapes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_chunked_empty_and_close_delimited_answers_are_read_whole(wire_url: str) -> None:
    transport, _, _ = make_transport(total=0)
    for _ in range(2):  # the second round reuses the kept-alive connection
        chunked = transport.request("GET", f"{wire_url}/chunked")
        assert chunked.json() == {"value": [1, 2]}
        assert chunked.headers["x-shape"] == "chunked"
        assert transport.request("GET", f"{wire_url}/empty").content == b""
    assert transport.request("GET", f"{wire_url}/closed").json() == {"closed": True}
    assert transport.request("GET", f"{wire_url}/chunked").status_code == 200


def test_tls_trusts_the_system_store_and_certifi() -> None:
    import certifi

    from pulumi_azure_batch_pool.azure_clients.trust import tls_context

    bundled = ssl.create_default_context(cafile=certifi.where()).cert_store_stats()["x509_ca"]
    context = tls_context(None)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] >= bundled
