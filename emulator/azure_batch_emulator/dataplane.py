"""Data-plane (Batch service) handlers for nodes and node extensions."""

from __future__ import annotations

from email.utils import formatdate
from typing import Any

from azure_batch_emulator.accounts import AccountRef
from azure_batch_emulator.odata import parse_filter
from azure_batch_emulator.wire import Context, Request, Response, next_link, page, page_window, select

API_VERSIONS = ("2025-06-01",)
PAGE_SIZE = 1000  # the data plane's default and largest maxresults


def _account(ctx: Context, params: dict[str, str]) -> AccountRef:
    account: AccountRef = ctx.state.account_by_name(params["account"])
    return account


def _pool_url(ctx: Context, params: dict[str, str]) -> str:
    return f"{ctx.base_url}/batch/{params['account']}/pools/{params['pool']}"


def _versioned(body: Any, changed: float) -> Response:
    """A 200 with the ``ETag`` and ``Last-Modified`` the data plane sends on every read."""
    etag = f"0x8D{int(changed * 10_000_000) & 0xFFFFFFFFFFFFF:013X}"
    return Response(200, body, {"ETag": etag, "Last-Modified": formatdate(changed, usegmt=True)})


def _paged(ctx: Context, request: Request, listed: tuple[list[dict[str, Any]], float]) -> Response:
    items, changed = listed
    chosen = [select(item, request) for item in items]
    url = ctx.base_url + request.path
    body = page(chosen, request, url, link_key="odata.nextLink", default_size=PAGE_SIZE, max_size=PAGE_SIZE)
    return _versioned(body, changed)


def list_nodes(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    """The pool's nodes, filtered by ``$filter`` (e.g. ``state eq 'idle'``) before paging; a page's
    ``$skiptoken`` is a position in the pool, so serving it builds only that page's nodes."""
    base = _pool_url(ctx, params)
    wanted = parse_filter(request.query["$filter"]) if "$filter" in request.query else None
    listed = ctx.state.list_nodes(
        _account(ctx, params),
        params["pool"],
        lambda node: f"{base}/nodes/{node}",
        lambda total: page_window(request, default_size=PAGE_SIZE, max_size=PAGE_SIZE, total=total),
        wanted,
    )
    body: dict[str, Any] = {"value": [select(node, request) for node in listed.bodies]}
    if listed.next_start is not None:
        body["odata.nextLink"] = next_link(request, ctx.base_url + request.path, listed.next_start)
    return _versioned(body, listed.changed)


def get_node(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    url = f"{_pool_url(ctx, params)}/nodes/{params['node']}"
    node, changed = ctx.state.get_node(_account(ctx, params), params["pool"], params["node"], url)
    return _versioned(select(node, request), changed)


def list_node_extensions(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    extensions = ctx.state.list_node_extensions(_account(ctx, params), params["pool"], params["node"])
    return _paged(ctx, request, extensions)


def get_node_extension(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    account = _account(ctx, params)
    extension, changed = ctx.state.get_node_extension(
        account, params["pool"], params["node"], params["extension"]
    )
    return _versioned(select(extension, request), changed)
