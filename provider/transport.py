"""HTTP for the provider: keep-alive connections on the standard library, with Azure's retry rules.

Retry decisions are azure-core's (``RetryPolicy.is_retry``): Retry-After, capped backoff with jitter, a
deadline. Sleeping and the clock are injectable so tests never really wait.

Why ``http.client`` and not ``requests``: the per-node fan-out of a refresh sends one request per node,
so the client's CPU per request bounds the read. Measured on this project's 2-core machine against the
emulator (16 threads, loopback, a bare loop without retries or auth): ``requests`` 1.4-1.5 ms of CPU
per request, a ``urllib3`` connection pool 0.6 ms, ``http.client`` with a pool of idle connections
0.3 ms. With the retries, auth and header handling below the transport costs 0.3-0.4 ms a request
(``requests`` 1.2-1.5 ms in the same run). Nothing here is imported until the first request, so
``import provider`` stays cheap.
"""

from __future__ import annotations

import email.utils
import http.client
import json as jsonlib
import logging
import random
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from provider.auth import BearerTokenAuth
from provider.errors import (
    ConnectionFailedError,
    MalformedResponseError,
    OperationTimeoutError,
    RequestError,
    RequestTimeoutError,
    TlsError,
    error_from_response,
    redact_url,
)
from provider.settings import Settings

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_RETRY_AFTER_MS_HEADERS = ("retry-after-ms", "x-ms-retry-after-ms")
_BASE_HEADERS = {"Accept": "application/json", "User-Agent": "pulumi-azure-batch-pool"}

_log = logging.getLogger(__name__)


class Headers(Mapping[str, str]):
    """Response headers, looked up case-insensitively (``headers["etag"]`` finds ``ETag``)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | list[tuple[str, str]] | None = None) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items or []
        self._items = {name.lower(): (name, value) for name, value in pairs}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


_MAX_LINE = 65536
_MAX_HEADERS = 100


class _LeanAnswer(http.client.HTTPResponse):
    """``http.client``'s response with its own header parsing.

    The standard library runs every response's headers through the ``email`` package, about 40% of
    this client's CPU per request; the headers of an HTTP answer need only a split per line. Reading
    the body (Content-Length, chunked, close-delimited) stays the standard library's.
    """

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:
            version, status, reason = self._read_status()
            if status != http.client.CONTINUE:
                break
            _header_lines(self.fp)
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        headers = Headers(_header_lines(self.fp))
        self.headers = self.msg = headers
        self.chunked = (headers.get("transfer-encoding") or "").lower() == "chunked"
        self.chunk_left = None
        connection = (headers.get("connection") or "").lower()
        if self.version == 11:
            self.will_close = "close" in connection
        else:
            self.will_close = "keep-alive" not in connection and "keep-alive" not in headers
        self.length = None if self.chunked else _content_length(headers)
        if status in (204, 304) or 100 <= status < 200 or self._method == "HEAD":
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


def _header_lines(fp: Any) -> list[tuple[str, str]]:
    """Read header lines up to the blank line as ``(name, value)`` pairs, continuation lines folded."""
    pairs: list[tuple[str, str]] = []
    while True:
        line = fp.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("header line")
        if line in (b"\r\n", b"\n", b""):
            return pairs
        if len(pairs) >= _MAX_HEADERS:
            raise http.client.HTTPException(f"got more than {_MAX_HEADERS} headers")
        text = line.decode("iso-8859-1").rstrip("\r\n")
        if text[:1] in (" ", "\t") and pairs:
            pairs[-1] = (pairs[-1][0], f"{pairs[-1][1]} {text.strip()}")
            continue
        name, _, value = text.partition(":")
        pairs.append((name.strip(), value.strip()))


def _content_length(headers: Headers) -> int | None:
    try:
        length = int(headers.get("content-length") or "")
    except ValueError:
        return None
    return length if length >= 0 else None


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
    """Idle keep-alive connections to one scheme://host:port, reused last-in first-out."""

    def __init__(self, scheme: str, host: str, port: int | None, max_idle: int, tls: ssl.SSLContext | None):
        self._scheme = scheme
        self._host = host
        self._port = port
        self._max_idle = max_idle
        self._tls = tls
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def take(self, timeout: float) -> http.client.HTTPConnection:
        """An open idle connection, or a new unconnected one, with ``timeout`` set."""
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                break
            if _still_open(connection):
                connection.timeout = timeout
                if connection.sock is not None:
                    connection.sock.settimeout(timeout)
                return connection
            connection.close()
        if self._scheme == "https":
            fresh: http.client.HTTPConnection = http.client.HTTPSConnection(
                self._host, self._port, timeout=timeout, context=self._tls
            )
        else:
            fresh = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        fresh.response_class = _LeanAnswer
        return fresh

    def give_back(self, connection: http.client.HTTPConnection) -> None:
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


def _still_open(connection: http.client.HTTPConnection) -> bool:
    """False when the server closed an idle connection (its socket reads as ready: EOF or junk)."""
    sock = connection.sock
    if sock is None:
        return False
    if not hasattr(select, "poll"):  # Windows: select() has no descriptor limit there
        return not select.select([sock], [], [], 0)[0]
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return not poller.poll(0)


def _tls_context() -> ssl.SSLContext:
    """Verify against the system's CAs and, when installed, certifi's bundle (what ``requests`` used).

    The union keeps working wherever either did: a container without system CAs, or a corporate CA
    added to the system store.
    """
    context = ssl.create_default_context()
    try:
        import certifi
    except ImportError:
        return context
    context.load_verify_locations(certifi.where())
    return context


class Transport:
    """Sends requests with retries, per-request timeouts and bearer auth; safe to share between threads.

    Connections are opened on first use and kept alive per origin; at most ``pool_size`` idle ones are
    kept per origin (more may be open while more threads send at once).
    """

    def __init__(
        self,
        *,
        auth: BearerTokenAuth | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = 30.0,
        pool_size: int = 8,
        on_retry: Callable[[RetryEvent], None] = log_retry,
    ) -> None:
        self.policy = policy or RetryPolicy()
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
                    self._tls = _tls_context()
                parts = urlsplit(f"//{netloc}")
                self._origins[key] = _Origin(
                    scheme, parts.hostname or "", parts.port, self._pool_size, self._tls
                )
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
        ``RequestError`` subclass naming what went wrong (``ConnectionFailedError``,
        ``RequestTimeoutError``, ``TlsError``, ``MalformedResponseError``); and ``OperationTimeoutError``
        when the deadline had already passed before the first attempt. ``on_retry``, when given, sees
        each retry too (after the transport's own ``on_retry``), e.g. to slow a fan-out down.
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
            response, failure, cut_status = self._send(method, url, body, headers, deadline)
            status = response.status_code if response is not None else None
            if status == 401 and self._auth is not None and not refreshed_token:
                refreshed_token = True
                self._auth.invalidate()
                continue
            if response is not None and status is not None and status < 400:
                return response
            attempt += 1
            refused += isinstance(failure, ConnectionRefusedError)
            delay = self.policy.delay(attempt, response)
            if refused:
                delay = min(delay, self.policy.refused_backoff_max)
            retryable = (
                attempt <= self.policy.total
                and refused <= self.policy.refused_total
                and self.policy.is_retryable(method, headers, status)
            )
            reason = f"HTTP {status}" if status else _diagnose(failure, "", self._timeout)[1]
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
                raise _failure_error(failure, method, redact_url(url), self._timeout, cut_status) from failure
            event = RetryEvent(method, redact_url(url), attempt, self.policy.total, delay, reason, status)
            self._on_retry(event)
            if on_retry is not None:
                on_retry(event)
            self.policy.sleep(delay)

    def _send(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str], deadline: float | None
    ) -> tuple[Response | None, Exception | None, int | None]:
        """One attempt: the response, or the connection, TLS or read failure (for the retry loop, not
        raised) with the status of an answer whose body was lost."""
        timeout = self._timeout
        if deadline is not None:
            timeout = max(0.001, min(timeout, deadline - self.policy.clock()))
        scheme, netloc, path, query, _ = urlsplit(url)
        target = f"{path or '/'}?{query}" if query else path or "/"
        sent = {**_BASE_HEADERS, **headers}
        if body is not None:
            sent["Content-Type"] = "application/json"
        if self._auth is not None:
            sent["Authorization"] = self._auth.authorization(url)
        origin = self._origin(scheme, netloc)
        connection = origin.take(timeout)
        status = None
        try:
            connection.request(method, target, body=body, headers=sent)
            answer = connection.getresponse()
            status = answer.status
            content = answer.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            return None, exc, status
        received = answer.headers
        assert isinstance(received, Headers)
        response = Response(method, url, answer.status, answer.reason, received, content)
        if answer.will_close:
            connection.close()
        else:
            origin.give_back(connection)
        return response, None, None


def _diagnose(failure: Exception | None, host: str, timeout: float) -> tuple[type[RequestError], str, str]:
    """For an attempt without a usable answer: the error class, what happened (short, also the retry
    log's reason) and what to check next."""
    if isinstance(failure, ConnectionRefusedError):
        return (
            ConnectionFailedError,
            "connection refused",
            f"Nothing listens at {host}. Is the endpoint right (batchpool:armEndpoint), and is the service "
            "(or the local emulator) running?",
        )
    if isinstance(failure, ssl.SSLError):
        return (
            TlsError,
            f"TLS handshake failed ({failure.reason or 'SSLError'})",
            f"If {host} speaks plain http (the local emulator does), use an http:// endpoint; otherwise a "
            "proxy intercepting TLS or an untrusted certificate is in the way.",
        )
    if isinstance(failure, TimeoutError):
        return (
            RequestTimeoutError,
            f"no answer within {timeout:g} s",
            "The service or a proxy in the way is slow; raise batchpool:requestTimeoutSeconds or run again.",
        )
    if isinstance(failure, http.client.IncompleteRead):
        return (
            MalformedResponseError,
            f"answer cut short ({len(failure.partial)} bytes, {failure.expected} more expected)",
            "A proxy or a network fault in the way dropped the connection; run again.",
        )
    if isinstance(failure, socket.gaierror):
        return ConnectionFailedError, "host name does not resolve", f"Check the host in {host}."
    if isinstance(failure, http.client.HTTPException) and not isinstance(
        failure, http.client.RemoteDisconnected
    ):
        return (
            MalformedResponseError,
            f"answer is not HTTP ({type(failure).__name__})",
            "Something other than an HTTP service listens there (an https-only port reached with "
            "http://?); check the endpoint.",
        )
    return (
        ConnectionFailedError,
        "connection closed without an answer",
        "A proxy or firewall in the way, or the service restarted; run again.",
    )


def _failure_error(
    failure: Exception | None, method: str, url: str, timeout: float, status: int | None
) -> RequestError:
    """The typed error for an attempt that got no usable answer (``status``: of one whose body was
    lost), with what to check next."""
    kind, what, advice = _diagnose(failure, urlsplit(url).netloc, timeout)
    answered = f" (HTTP {status})" if status is not None else ""
    return kind(
        f"{method} {url} failed{answered}: {what}. {advice}", method=method, url=url, status_code=status
    )
