"""Data-plane client: a pool's compute nodes and their VM extensions, paged, with bounded concurrency."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote, urlsplit

from provider.auth import BearerTokenAuth, make_credential
from provider.errors import BatchPoolError, HttpResponseError, NotFoundError
from provider.settings import Settings
from provider.transport import Transport

MAX_PAGE_SIZE = 1000


class DataPlaneClient:
    """Reads nodes and node extensions from one Batch account endpoint; thread-safe (holds no state)."""

    def __init__(self, base_url: str, settings: Settings, transport: Transport) -> None:
        self.base_url = base_url.rstrip("/")
        self.settings = settings
        self.transport = transport

    @classmethod
    def from_settings(cls, settings: Settings, base_url: str) -> DataPlaneClient:
        """Build the client with its own credential, bearer auth for ``batch_scope`` and transport."""
        auth = BearerTokenAuth(make_credential(settings), settings.batch_scope)
        return cls(base_url, settings, Transport.from_settings(settings, auth))

    def _list(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """GET a pageable list and follow ``odata.nextLink`` until it is absent.

        A nextLink pointing to another host is refused: following it would send the bearer token there.
        """
        url = self.base_url + quote(path)
        query: dict[str, Any] | None = {"api-version": self.settings.data_api_version, **params}
        items: list[dict[str, Any]] = []
        while True:
            body = self.transport.request("GET", url, params=query).json()
            items.extend(body.get("value") or [])
            next_link = body.get("odata.nextLink")
            if not next_link:
                return items
            if urlsplit(next_link).netloc != urlsplit(self.base_url).netloc:
                raise BatchPoolError(
                    f"The Batch service returned a next page on another host ({urlsplit(next_link).netloc}); "
                    "refusing to follow it. Check the account endpoint."
                )
            url, query = next_link, None

    def list_nodes(
        self, pool_id: str, *, select: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> list[dict[str, Any]]:
        """Every compute node of the pool (all pages). Raises NotFoundError when the pool does not exist."""
        params: dict[str, Any] = {"maxresults": min(page_size, MAX_PAGE_SIZE)}
        if select:
            params["$select"] = select
        return self._list(f"/pools/{pool_id}/nodes", params)

    def list_node_extensions(self, pool_id: str, node_id: str) -> list[dict[str, Any]]:
        """Every extension on one node (all pages); ``[]`` when the node is gone (404)."""
        try:
            return self._list(f"/pools/{pool_id}/nodes/{node_id}/extensions", {"maxresults": MAX_PAGE_SIZE})
        except NotFoundError:
            return []

    def node_extensions(
        self, pool_id: str, node_ids: Iterable[str], *, max_workers: int
    ) -> dict[str, list[dict[str, Any]] | HttpResponseError]:
        """Extensions of many nodes, fetched by at most ``max_workers`` threads.

        A node whose request fails with an HTTP error maps to that error, so one bad node does not hide
        the others; a ``RequestError`` (no response at all) still propagates.
        """
        ids = list(dict.fromkeys(node_ids))
        if not ids:
            return {}

        def fetch(node_id: str) -> list[dict[str, Any]] | HttpResponseError:
            try:
                return self.list_node_extensions(pool_id, node_id)
            except HttpResponseError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(ids)))) as pool:
            return dict(zip(ids, pool.map(fetch, ids), strict=True))
