"""Management-plane (ARM) handlers: parse the request, call the backend, shape the response."""

from __future__ import annotations

from azure_batch_emulator.accounts import AccountRef, account_body, account_endpoint
from azure_batch_emulator.extensions import check_supported
from azure_batch_emulator.odata import parse_filter
from azure_batch_emulator.validation import EXTENSIONS_PATH, check_pool_name, parse_pool_body
from azure_batch_emulator.wire import Context, Request, Response, page, select

API_VERSIONS = ("2024-07-01", "2025-06-01")
ENVELOPE = ("id", "name", "type")  # what a $select on the pool list always keeps


def _account(ctx: Context, params: dict[str, str]) -> AccountRef:
    account: AccountRef = ctx.state.account(params["subscription"], params["group"], params["account"])
    return account


def _pool_account(ctx: Context, params: dict[str, str]) -> AccountRef:
    account = _account(ctx, params)
    check_pool_name(params["pool"])
    return account


def _with_etag(body: dict[str, object]) -> Response:
    return Response(200, body, {"ETag": str(body["etag"])})


def get_account(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    account = _account(ctx, params)
    return Response(200, account_body(account, account_endpoint(ctx.base_url, account)))


def list_pools(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    """The account's pools, filtered by ``$filter`` and cut to ``$select`` (before paging, as ARM does)."""
    wanted = parse_filter(request.query["$filter"]) if "$filter" in request.query else None
    pools = [
        select(pool, request, keep=ENVELOPE)
        for pool in ctx.state.list_pools(_account(ctx, params))
        if wanted is None or wanted(pool)
    ]
    url = ctx.base_url + request.path
    return Response(200, page(pools, request, url, link_key="nextLink", default_size=1000, max_size=1000))


def get_pool(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    return _with_etag(ctx.state.get_pool(_pool_account(ctx, params), params["pool"]))


def put_pool(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    account = _pool_account(ctx, params)
    body = parse_pool_body(request.json(), full=True)
    check_supported(body.properties, EXTENSIONS_PATH, ctx.state.allowed_extensions)
    pool = ctx.state.put_pool(
        account,
        params["pool"],
        body,
        if_match=request.header("If-Match"),
        if_none_match=request.header("If-None-Match"),
    )
    return _with_etag(pool)


def patch_pool(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    account = _pool_account(ctx, params)
    body = parse_pool_body(request.json(), full=False)
    return _with_etag(
        ctx.state.patch_pool(account, params["pool"], body, if_match=request.header("If-Match"))
    )


def disable_autoscale(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    return _with_etag(ctx.state.disable_autoscale(_pool_account(ctx, params), params["pool"]))


def stop_resize(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    return _with_etag(ctx.state.stop_resize(_pool_account(ctx, params), params["pool"]))


def delete_pool(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    account = _pool_account(ctx, params)
    operation = ctx.state.delete_pool(account, params["pool"])
    if operation is None:
        return Response(204)
    return _in_progress(ctx, request, account, operation)


def poll_operation(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    account = _account(ctx, params)
    if ctx.state.operation_done(account, params["operation"]):
        return Response(200)
    return _in_progress(ctx, request, account, params["operation"])


def _in_progress(ctx: Context, request: Request, account: AccountRef, operation: str) -> Response:
    version = request.query.get("api-version", API_VERSIONS[-1])
    location = f"{ctx.base_url}{account.arm_id}/poolOperationResults/{operation}?api-version={version}"
    return Response(202, None, {"Location": location, "Retry-After": str(ctx.state.speed.retry_after)})
