"""Data-plane client: a pool's compute nodes and their VM extensions, paged, with an adaptive fan-out."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from pulumi_azure_batch_pool.azure_clients.auth import BearerTokenAuth, make_credential
from pulumi_azure_batch_pool.azure_clients.concurrency import AdaptiveLimit
from pulumi_azure_batch_pool.azure_clients.errors import AuthenticationError, BatchPoolError, RequestError
from pulumi_azure_batch_pool.azure_clients.settings import Settings
from pulumi_azure_batch_pool.azure_clients.transport import RetryEvent, Transport

MAX_PAGE_SIZE = 1000
THROTTLE_STATUSES = frozenset({429, 503})
_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9_.~-]+")


class DataPlaneAccessDenied(BatchPoolError):
    """Raised when the account endpoint answers 403: a private account, or no data-plane role."""


class DataPlaneClient:
    """Reads nodes and node extensions from one Batch account endpoint; thread-safe.

    The only state is the adaptive concurrency limit of the per-node fan-out, shared by every read
    through this client so that throttling learned by one read slows the next one too.
    """

    def __init__(self, base_url: str, settings: Settings, transport: Transport) -> None:
        self.base_url = base_url.rstrip("/")
        self.settings = settings
        self.transport = transport
        self.limit = AdaptiveLimit(
            settings.max_concurrency, clock=transport.policy.clock, sleep=transport.policy.sleep
        )
        self._list_query = urlencode({"api-version": settings.data_api_version, "maxresults": MAX_PAGE_SIZE})
        self._netloc = urlsplit(self.base_url).netloc

    @classmethod
    def from_settings(cls, settings: Settings, base_url: str) -> DataPlaneClient:
        """Build the client with its own credential, bearer auth for ``batch_scope`` and transport."""
        auth = BearerTokenAuth(make_credential(settings), settings.batch_scope)
        return cls(base_url, settings, Transport.from_settings(settings, auth))

    def _list(self, url: str, **request: Any) -> list[dict[str, Any]]:
        """GET a pageable list and follow ``odata.nextLink`` until it is absent.

        A nextLink pointing to another host is refused: following it would send the bearer token there.
        """
        items: list[dict[str, Any]] = []
        while True:
            try:
                body = self.transport.request("GET", url, **request).json()
            except AuthenticationError as error:
                raise self._access_denied(error) if error.status_code == 403 else error from None
            items.extend(body.get("value") or [])
            next_link = body.get("odata.nextLink")
            if not next_link:
                return items
            if urlsplit(next_link).netloc != self._netloc:
                raise BatchPoolError(
                    f"The Batch service returned a next page on another host ({urlsplit(next_link).netloc}); "
                    "refusing to follow it. Check the account endpoint."
                )
            url = next_link

    def _access_denied(self, error: AuthenticationError) -> DataPlaneAccessDenied:
        return DataPlaneAccessDenied(
            f"The Batch account endpoint {self.base_url} refused access (HTTP 403: {error.message}). The "
            "account may allow private endpoints only, or the identity lacks a data-plane role (Azure "
            "Batch Data Contributor, or Reader for status). Run the deployment from a network that can "
            "reach the endpoint, grant the role, or set waitForNodes=false (extension status then stays "
            "unknown)."
        )

    def _pool_url(self, pool_id: str) -> str:
        return f"{self.base_url}/pools/{_segment(pool_id)}"

    def list_nodes(
        self,
        pool_id: str,
        *,
        select: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        deadline: float | None = None,
    ) -> list[dict[str, Any]]:
        """Every compute node of the pool (all pages). Raises NotFoundError when the pool does not exist."""
        params: dict[str, Any] = {
            "api-version": self.settings.data_api_version,
            "maxresults": min(page_size, MAX_PAGE_SIZE),
        }
        if select:
            params["$select"] = select
        return self._list(f"{self._pool_url(pool_id)}/nodes?{urlencode(params)}", deadline=deadline)

    def list_jobs(self, *, deadline: float | None = None) -> list[dict[str, Any]]:
        """Every job of the account (all pages), with the fields that say where it runs."""
        query = urlencode(
            {
                "api-version": self.settings.data_api_version,
                "maxresults": MAX_PAGE_SIZE,
                "$select": "id,poolInfo,executionInfo",
            }
        )
        return self._list(f"{self.base_url}/jobs?{query}", deadline=deadline)

    def task_counts(self, job_id: str, *, deadline: float | None = None) -> dict[str, Any]:
        """The job's task counts by state (``taskCounts``: active, running, completed...)."""
        url = f"{self.base_url}/jobs/{_segment(job_id)}/taskcounts"
        body: dict[str, Any] = self.transport.request(
            "GET", url, params={"api-version": self.settings.data_api_version}, deadline=deadline
        ).json()
        return body

    def list_node_extensions(self, pool_id: str, node_id: str, **request: Any) -> list[dict[str, Any]]:
        """Every extension on one node (all pages). Raises NotFoundError when the node is gone."""
        url = f"{self._pool_url(pool_id)}/nodes/{_segment(node_id)}/extensions?{self._list_query}"
        return self._list(url, **request)

    def node_extensions(
        self, pool_id: str, node_ids: Iterable[str]
    ) -> dict[str, list[dict[str, Any]] | BatchPoolError]:
        """Extensions of many nodes, fetched concurrently under the adaptive limit.

        Each node maps to its extensions or to the error that kept them from being read (NotFoundError
        when the node vanished since it was listed), so one bad node does not hide the others. When the
        endpoint cannot be reached at all (no answer, or 403), the nodes not yet read get that same
        error without being tried: the read ends in seconds instead of retrying every node.
        """
        ids = list(dict.fromkeys(node_ids))
        if not ids:
            return {}
        limit = self.limit
        stop: list[BatchPoolError] = []
        stop_lock = threading.Lock()

        def on_retry(event: RetryEvent) -> None:
            if event.status in THROTTLE_STATUSES:
                limit.throttled(event.delay)

        def fetch(node_id: str) -> list[dict[str, Any]] | BatchPoolError:
            if stop:
                return stop[0]
            limit.acquire()
            started = time.perf_counter()
            latency = None
            try:
                extensions = self.list_node_extensions(pool_id, node_id, on_retry=on_retry)
                latency = time.perf_counter() - started
            except BatchPoolError as error:
                if isinstance(error, RequestError | DataPlaneAccessDenied):
                    with stop_lock:
                        stop.append(error)
                return error
            finally:
                limit.release(latency)
            return extensions

        with ThreadPoolExecutor(max_workers=min(limit.maximum, len(ids))) as pool:
            return dict(zip(ids, pool.map(fetch, ids), strict=True))


def _segment(value: str) -> str:
    """One URL path segment; node and pool ids are nearly always safe already, so skip ``quote`` then."""
    return value if _SAFE_SEGMENT.fullmatch(value) else quote(value, safe="")
