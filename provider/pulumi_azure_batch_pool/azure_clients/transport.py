"""HTTP for the provider: keep-alive connections on the standard library, with Azure's retry rules.

Retry decisions are azure-core's (``RetryPolicy.is_retry``): Retry-After, capped backoff with jitter, a
deadline. Sleeping and the clock are injectable so tests never really wait.

Why its own HTTP/1.1 (``pulumi_azure_batch_pool.azure_clients.http1``) and not ``requests``: the per-node
fan-out of a refresh sends
one request per node, so the client's CPU per request bounds the read. Measured on this project's 2-core
machine against the emulator (16 threads, loopback, a bare loop without retries or auth): ``requests``
1.4-1.5 ms of CPU per request, a ``urllib3`` connection pool 0.6 ms, ``http.client`` with a pool of idle
connections 0.3 ms. With the retries, auth and header handling below the transport costs 0.3-0.4 ms a
request (``requests`` 1.2-1.5 ms in the same run); ``http1`` does what the pool of ``http.client``
connections did, with public socket APIs only. Every connection goes the way ``Settings.network`` says:
directly, through an HTTP proxy (plain http in absolute form) or through its CONNECT tunnel (https).
Nothing here is imported until the first request, so ``import pulumi_azure_batch_pool`` stays cheap.
"""

from __future__ import annotations

import email.utils
import json as jsonlib
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from pulumi_azure_batch_pool.azure_clients.auth import BearerTokenAuth
from pulumi_azure_batch_pool.azure_clients.errors import (
    MalformedResponseError,
    OperationTimeoutError,
    RequestError,
    error_from_response,
    redact_url,
)
from pulumi_azure_batch_pool.azure_clients.failures import diagnose
from pulumi_azure_batch_pool.azure_clients.http1 import (
    Connection,
    Headers,
    IncompleteBody,
    ProxyFailure,
    WireError,
    authority,
    open_connection,
    request_head,
)
from pulumi_azure_batch_pool.azure_clients.network import Network
from pulumi_azure_batch_pool.azure_clients.proxies import Proxy
from pulumi_azure_batch_pool.azure_clients.settings import Settings

__all__ = ["Headers", "Response", "RetryEvent", "RetryPolicy", "Transport", "retry_after_seconds"]

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_RETRY_AFTER_MS_HEADERS = ("retry-after-ms", "x-ms-retry-after-ms")
_BASE_HEADERS = {
    "Accept": "application/json",
    "Accept-Encoding": "identity",
    "User-Agent": "pulumi-azure-batch-pool",
}
_BODY_METHODS = frozenset({"PUT", "POST", "PATCH"})

_log = logging.getLogger(__name__)


class Response:
    """One HTTP answer: ``status_code``, ``headers``, ``content``; ``json()`` parses the body once."""

    __slots__ = ("_json", "content", "headers", "method", "reason", "status_code", "url")

    def __init__(
        self, method: str, url: str, status_code: int, reason: str, headers: Headers, content: bytes
    ) -> None:
        self.method = method
        self.url = url
        self.status_code = status_code
        self.reason = reason
        self.headers = headers
        self.content = content
        self._json: Any = _UNPARSED

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (what Azure sends), undecodable bytes replaced."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON, cached. Raises MalformedResponseError for a non-JSON or cut body."""
        if self._json is _UNPARSED:
            try:
                self._json = jsonlib.loads(self.content)
            except ValueError:
                raise _not_json(self) from None
        return self._json

    def __repr__(self) -> str:
        return f"<Response {self.status_code} {self.method} {redact_url(self.url)}>"


_UNPARSED = object()


def _not_json(response: Response) -> MalformedResponseError:
    kind = response.headers.get("Content-Type") or "no Content-Type"
    shape = "an HTML page" if "html" in kind.lower() else f"a body that is not JSON ({kind})"
    return MalformedResponseError(
        f"{response.method} {redact_url(response.url)} answered HTTP {response.status_code} with {shape}"
        f"{' (cut short?)' if response.content[:1] in (b'{', b'[') else ''}. Something other than Azure "
        "answered or the answer was damaged: check batchpool:armEndpoint and any HTTP proxy in the way, "
        "then run again.",
        method=response.method,
        url=redact_url(response.url),
        status_code=response.status_code,
    )


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before retrying; ``total`` counts retries after the first attempt.

    A refused connection (nothing listens at the address) is retried at most ``refused_total`` times,
    at most ``refused_backoff_max`` seconds apart: it rarely heals within a minute, and a user who
    forgot to start the emulator should hear about it in seconds, not after the full backoff.
    """

    total: int = 6
    backoff_factor: float = 0.8
    backoff_max: float = 60.0
    refused_total: int = 2
    refused_backoff_max: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[float, float], float] = random.uniform

    def is_retryable(self, method: str, headers: Mapping[str, str], status_code: int | None) -> bool:
        """Decide whether a failed attempt may be repeated.

        - Only idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) retry; PATCH only with ``If-Match``,
          POST never (the first attempt may have taken effect).
        - ``status_code=None`` (connection or read failure) retries.
        - Statuses 408, 429, 500, 502, 503 and 504 retry; everything else (401, 403, 202, ...) does not.
        """
        method = method.upper()
        idempotent = method in IDEMPOTENT_METHODS or (
            method == "PATCH" and any(k.lower() == "if-match" for k in headers)
        )
        return idempotent and (status_code is None or status_code in RETRY_STATUSES)

    def delay(self, attempt: int, response: Response | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based).

        ``Retry-After`` wins (``retry-after-ms``/``x-ms-retry-after-ms``, then seconds or an HTTP-date,
        clamped at 0); otherwise ``min(backoff_max, backoff_factor * 2**(attempt-1))`` scaled by a jitter
        factor in [0.8, 1.2].
        """
        if response is not None:
            server_delay = retry_after_seconds(response.headers, now=time.time())
            if server_delay is not None:
                return server_delay
        return min(self.backoff_max, self.backoff_factor * 2 ** (attempt - 1) * self.jitter(0.8, 1.2))


def retry_after_seconds(headers: Mapping[str, str], *, now: float) -> float | None:
    """Parse Azure's retry hints: ``retry-after-ms``, ``x-ms-retry-after-ms``, then ``Retry-After``."""
    if not isinstance(headers, Headers):
        headers = Headers(headers)
    for name in _RETRY_AFTER_MS_HEADERS:
        value = headers.get(name)
        if value:
            try:
                return max(0.0, float(value) / 1000.0)
            except ValueError:
                continue
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


@dataclass(frozen=True)
class RetryEvent:
    """What ``on_retry`` receives: enough to say "throttled, retrying in 3 s" and nothing secret."""

    method: str
    url: str
    attempt: int
    total: int
    delay: float
    reason: str
    status: int | None = None
    """The HTTP status that caused the retry, None for a connection or read failure."""

    def __str__(self) -> str:
        return (
            f"{self.method} {self.url}: {self.reason}, retrying in {self.delay:.3g} s "
            f"(retry {self.attempt}/{self.total})"
        )


def log_retry(event: RetryEvent) -> None:
    """Default ``on_retry``: a warning on this module's logger (the caller may route it to pulumi.log)."""
    _log.warning("%s", event)


class _Origin:
    """Idle keep-alive connections to one scheme://host:port, reused last-in first-out, and the way there
    (``proxy``: None for a direct connection)."""

    def __init__(
        self,
        scheme: str,
        netloc: str,
        max_idle: int,
        tls: ssl.SSLContext | None,
        proxy: Proxy | None,
    ) -> None:
        parts = urlsplit(f"//{netloc}")
        self._scheme = scheme
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if scheme == "https" else 80)
        self.proxy = proxy
        self._max_idle = max_idle
        self._tls = tls
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        # Plain http through a proxy: the target in absolute form, the proxy's credentials on each request.
        self.absolute = proxy is not None and scheme == "http"
        credentials = proxy.authorization if self.absolute and proxy is not None else None
        self.proxy_headers = {"Proxy-Authorization": credentials} if credentials else {}

    def take(self, timeout: float) -> Connection | None:
        """An idle connection that is still open, with ``timeout`` set; None when there is none."""
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                return None
            if connection.is_idle_and_open():
                connection.set_timeout(timeout)
                return connection
            connection.close()

    def open(self, timeout: float) -> Connection:
        """A new connection (through the proxy's tunnel for https); raises OSError or ProxyFailure."""
        return open_connection(
            self._scheme, self._host, self._port, timeout=timeout, tls=self._tls, proxy=self.proxy
        )

    def where(self) -> str:
        """``host:port`` for messages."""
        return authority(self._host, self._port)

    def give_back(self, connection: Connection) -> None:
        with self._lock:
            if len(self._idle) < self._max_idle:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


class Transport:
    """Sends requests with retries, per-request timeouts and bearer auth; safe to share between threads.

    Connections are opened on first use and kept alive per origin; at most ``pool_size`` idle ones are
    kept per origin (more may be open while more threads send at once). ``network`` says how they leave
    the process (proxies, ``NO_PROXY``, the CA bundle); by default directly, trusting the system's CAs.
    """

    def __init__(
        self,
        *,
        auth: BearerTokenAuth | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = 30.0,
        pool_size: int = 8,
        on_retry: Callable[[RetryEvent], None] = log_retry,
        network: Network | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.network = network or Network()
        self._auth = auth
        self._timeout = timeout
        self._pool_size = pool_size
        self._on_retry = on_retry
        self._origins: dict[tuple[str, str], _Origin] = {}
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None

    @classmethod
    def from_settings(cls, settings: Settings, auth: BearerTokenAuth | None) -> Transport:
        """Size the pool, retries and timeout from ``settings``."""
        return cls(
            auth=auth,
            policy=RetryPolicy(total=settings.max_retries),
            timeout=settings.request_timeout_seconds,
            pool_size=settings.max_concurrency,
            network=settings.network,
        )

    def _origin(self, scheme: str, netloc: str) -> _Origin:
        key = (scheme, netloc)
        origin = self._origins.get(key)
        if origin is not None:
            return origin
        with self._lock:
            if key not in self._origins:
                if scheme not in ("http", "https"):
                    raise RequestError(
                        f"Cannot send to {scheme}://{netloc}: only http and https are supported."
                    )
                if scheme == "https" and self._tls is None:
                    self._tls = self.network.tls_context()
                parts = urlsplit(f"//{netloc}")
                proxy = self.network.proxy_for(scheme, parts.hostname or "", parts.port)
                self._origins[key] = _Origin(scheme, netloc, self._pool_size, self._tls, proxy)
            return self._origins[key]

    def close(self) -> None:
        """Close the idle connections; the next request opens new ones."""
        with self._lock:
            origins, self._origins = self._origins, {}
        for origin in origins.values():
            origin.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        deadline: float | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
    ) -> Response:
        """Send one logical request and return its 2xx/3xx response.

        Retries per ``RetryPolicy.is_retryable`` and ``RetryPolicy.delay`` at most ``policy.total`` times
        (a refused connection at most ``policy.refused_total`` times), and never past ``deadline`` (an
        absolute time on ``policy.clock``). A 401 is re-sent once after dropping the cached token. Raises
        the typed ``HttpResponseError`` for a final 4xx/5xx; when no usable answer arrived, the
        ``RequestError`` subclass naming what went wrong (``ConnectionFailedError``; ``ProxyError`` and
        its subclasses for a proxy that is unreachable, answers 407 or refuses the tunnel, the last two
        never retried; ``RequestTimeoutError``, ``TlsError``, ``MalformedResponseError``); and
        ``OperationTimeoutError`` when the deadline had already passed before the first attempt.
        ``on_retry``, when given, sees each retry too (after the transport's own ``on_retry``), e.g. to
        slow a fan-out down.
        """
        method = method.upper()
        headers = dict(headers or {})
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
        if deadline is not None and self.policy.clock() >= deadline:
            raise OperationTimeoutError(f"Deadline passed before {method} {redact_url(url)} could be sent.")
        body = None if json is None else jsonlib.dumps(json, separators=(",", ":")).encode()
        attempt = 0
        refused = 0
        refreshed_token = False
        while True:
            timeout = self._attempt_timeout(deadline)
            response, failure, cut_status = self._send(method, url, body, headers, timeout)
            status = response.status_code if response is not None else None
            if status == 401 and self._auth is not None and not refreshed_token:
                refreshed_token = True
                self._auth.invalidate()
                continue
            if response is not None and status is not None and status < 400:
                return response
            attempt += 1
            refused += _refused(failure)
            delay = self.policy.delay(attempt, response)
            if refused:
                delay = min(delay, self.policy.refused_backoff_max)
            retryable = (
                attempt <= self.policy.total
                and refused <= self.policy.refused_total
                and self.policy.is_retryable(method, headers, status)
                and not _permanent(failure)
            )
            reason = f"HTTP {status}" if status else self._explain(failure, url, timeout)[1]
            if status == 429:
                reason = "throttled (429)"
            if retryable and deadline is not None and self.policy.clock() + delay >= deadline:
                remaining = max(0.0, deadline - self.policy.clock())
                raise OperationTimeoutError(
                    f"{method} {urlsplit(url).path} got {reason}; the next retry would wait "
                    f"{delay:.3g} s but the operation's deadline is {remaining:.3g} s away, so it stops "
                    "here. "
                    "Retry later, or raise timeoutMinutes (batchpool:operationTimeoutMinutes for delete "
                    "and refresh) to wait longer."
                )
            if not retryable:
                if response is not None:
                    raise error_from_response(response)
                kind, what, advice = self._explain(failure, url, timeout)
                answered = f" (HTTP {cut_status})" if cut_status is not None else ""
                safe_url = redact_url(url)
                raise kind(
                    f"{method} {safe_url} failed{answered}: {what}. {advice}",
                    method=method,
                    url=safe_url,
                    status_code=cut_status,
                ) from failure
            event = RetryEvent(method, redact_url(url), attempt, self.policy.total, delay, reason, status)
            self._on_retry(event)
            if on_retry is not None:
                on_retry(event)
            self.policy.sleep(delay)

    def _attempt_timeout(self, deadline: float | None) -> float:
        """How long one attempt may wait: the request timeout, cut to what is left of the deadline."""
        if deadline is None:
            return self._timeout
        return max(0.001, min(self._timeout, deadline - self.policy.clock()))

    def _send(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str], timeout: float
    ) -> tuple[Response | None, Exception | None, int | None]:
        """One attempt, waiting at most ``timeout``: the response, or the connection, TLS or read failure
        (for the retry loop, not raised) with the status of an answer whose body was lost."""
        scheme, netloc, path, query, _ = urlsplit(url)
        target = f"{path or '/'}?{query}" if query else path or "/"
        sent = {**_BASE_HEADERS, **headers}
        if body is not None:
            sent["Content-Type"] = "application/json"
        if self._auth is not None:
            sent["Authorization"] = self._auth.authorization(url)
        origin = self._origin(scheme, netloc)
        if origin.absolute:
            target = f"{scheme}://{netloc}{target}"
            sent.update(origin.proxy_headers)
        if body is not None:
            sent["Content-Length"] = str(len(body))
        elif method in _BODY_METHODS:
            sent["Content-Length"] = "0"
        head = request_head(method, target, netloc, sent)
        connection = origin.take(timeout)
        try:
            if connection is None:
                connection = origin.open(timeout)
            answer = connection.exchange(method, head, body)
        except (OSError, WireError) as exc:
            if connection is not None:
                connection.close()
            return None, exc, exc.status if isinstance(exc, IncompleteBody) else None
        if answer.will_close:
            connection.close()
        else:
            origin.give_back(connection)
        if answer.status == 407 and origin.proxy is not None:
            return None, ProxyFailure(origin.proxy, status=407, reason=answer.reason), None
        return Response(method, url, answer.status, answer.reason, answer.headers, answer.content), None, None

    def _explain(
        self, failure: Exception | None, url: str, timeout: float
    ) -> tuple[type[RequestError], str, str]:
        """The error class, the short reason and the advice for a failed attempt at ``url`` that waited
        at most ``timeout`` (less than the request timeout when a deadline cut it short)."""
        scheme, netloc = urlsplit(url)[:2]
        origin = self._origin(scheme, netloc)
        return diagnose(failure, origin.where(), timeout, self.network, origin.proxy)


def _permanent(failure: Exception | None) -> bool:
    """Failures that the same request meets again: a proxy's 407 or refused tunnel, an untrusted
    certificate. Retrying them would only delay the message that says what to change."""
    if isinstance(failure, ProxyFailure):
        return failure.status is not None
    return isinstance(failure, ssl.SSLCertVerificationError)


def _refused(failure: Exception | None) -> bool:
    """A refused connection, to the destination or to the proxy: retried only briefly."""
    if isinstance(failure, ProxyFailure):
        failure = failure.cause
    return isinstance(failure, ConnectionRefusedError)
