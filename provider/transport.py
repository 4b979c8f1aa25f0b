"""A ``requests`` session with Azure's retry rules: Retry-After, capped backoff with jitter, a deadline.

The decisions are azure-core's (``RetryPolicy.is_retry``), on a plain session instead of a pipeline.
Sleeping and the clock are injectable so tests never really wait.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.structures import CaseInsensitiveDict

from provider.auth import BearerTokenAuth
from provider.errors import OperationTimeoutError, RequestError, error_from_response, redact_url
from provider.settings import Settings

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_RETRY_AFTER_MS_HEADERS = ("retry-after-ms", "x-ms-retry-after-ms")

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before retrying; ``total`` counts retries after the first attempt."""

    total: int = 6
    backoff_factor: float = 0.8
    backoff_max: float = 60.0
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

    def delay(self, attempt: int, response: requests.Response | None) -> float:
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
    headers = CaseInsensitiveDict(headers)
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


def _describe(failure: requests.RequestException | None) -> str:
    """Name a connection failure by type only: its text repeats the full URL."""
    return type(failure).__name__ if failure is not None else "no response"


@dataclass(frozen=True)
class RetryEvent:
    """What ``on_retry`` receives: enough to say "throttled, retrying in 3 s" and nothing secret."""

    method: str
    url: str
    attempt: int
    total: int
    delay: float
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.method} {self.url}: {self.reason}, retrying in {self.delay:.3g} s "
            f"(retry {self.attempt}/{self.total})"
        )


def log_retry(event: RetryEvent) -> None:
    """Default ``on_retry``: a warning on this module's logger (the caller may route it to pulumi.log)."""
    _log.warning("%s", event)


class Transport:
    """Sends requests with retries, per-request timeouts and bearer auth; safe to share between threads.

    The session is created on first use so that building a Transport is free and pickling-adjacent
    code never touches sockets. Its connection pool holds ``pool_size`` connections per host.
    """

    def __init__(
        self,
        *,
        auth: BearerTokenAuth | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = 30.0,
        pool_size: int = 8,
        on_retry: Callable[[RetryEvent], None] = log_retry,
        adapter: BaseAdapter | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self._auth = auth
        self._timeout = timeout
        self._pool_size = pool_size
        self._on_retry = on_retry
        self._adapter = adapter
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, auth: BearerTokenAuth | None) -> Transport:
        """Size the pool, retries and timeout from ``settings``."""
        return cls(
            auth=auth,
            policy=RetryPolicy(total=settings.max_retries),
            timeout=settings.request_timeout_seconds,
            pool_size=settings.max_concurrency,
        )

    def _get_session(self) -> requests.Session:
        with self._lock:
            if self._session is None:
                session = requests.Session()
                session.trust_env = False
                adapter = self._adapter or HTTPAdapter(
                    pool_connections=self._pool_size, pool_maxsize=self._pool_size, max_retries=0
                )
                session.mount("https://", adapter)
                session.mount("http://", adapter)
                self._session = session
            return self._session

    def close(self) -> None:
        """Close pooled connections; the next request opens a new session."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        deadline: float | None = None,
    ) -> requests.Response:
        """Send one logical request and return its 2xx/3xx response.

        Retries per ``RetryPolicy.is_retryable`` and ``RetryPolicy.delay`` at most ``policy.total`` times,
        and never past ``deadline`` (an absolute time on ``policy.clock``). A 401 is re-sent once after
        dropping the cached token. Raises the typed ``HttpResponseError`` for a final 4xx/5xx,
        ``RequestError`` when no response arrived, and ``OperationTimeoutError`` when the deadline had
        already passed before the first attempt.
        """
        method = method.upper()
        headers = dict(headers or {})
        safe_url = redact_url(url)
        if deadline is not None and self.policy.clock() >= deadline:
            raise OperationTimeoutError(f"Deadline passed before {method} {safe_url} could be sent.")
        session = self._get_session()
        attempt = 0
        refreshed_token = False
        while True:
            response, failure = self._send(session, method, url, json, headers, params, deadline)
            status = response.status_code if response is not None else None
            if status == 401 and self._auth is not None and not refreshed_token:
                refreshed_token = True
                self._auth.invalidate()
                continue
            if response is not None and status is not None and status < 400:
                return response
            attempt += 1
            delay = self.policy.delay(attempt, response)
            retryable = attempt <= self.policy.total and self.policy.is_retryable(method, headers, status)
            reason = f"HTTP {status}" if status else _describe(failure)
            if status == 429:
                reason = "throttled (429)"
            if retryable and deadline is not None and self.policy.clock() + delay >= deadline:
                remaining = max(0.0, deadline - self.policy.clock())
                raise OperationTimeoutError(
                    f"{method} {urlsplit(safe_url).path} got {reason}; the next retry would wait "
                    f"{delay:.3g} s but the operation's deadline is {remaining:.3g} s away, so it stops "
                    "here. "
                    "Retry later, or raise timeoutMinutes (batchpool:operationTimeoutMinutes for delete "
                    "and refresh) to wait longer."
                )
            if not retryable:
                if response is not None:
                    raise error_from_response(response)
                raise RequestError(f"{method} {safe_url} failed: {_describe(failure)}") from failure
            self._on_retry(RetryEvent(method, safe_url, attempt, self.policy.total, delay, reason))
            self.policy.sleep(delay)

    def _send(
        self,
        session: requests.Session,
        method: str,
        url: str,
        json: Any,
        headers: dict[str, str],
        params: Mapping[str, Any] | None,
        deadline: float | None,
    ) -> tuple[requests.Response | None, requests.RequestException | None]:
        """One attempt; a connection/read failure is returned (type and host only), not raised."""
        timeout = self._timeout
        if deadline is not None:
            timeout = max(0.001, min(timeout, deadline - self.policy.clock()))
        try:
            response = session.request(
                method,
                url,
                json=json,
                headers=headers,
                params=params,
                auth=self._auth,
                timeout=timeout,
                allow_redirects=False,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            return None, exc
        return response, None
