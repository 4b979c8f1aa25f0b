"""Data-plane handlers for work: jobs, tasks, node scheduling and the data-plane pool resize.

Status codes and headers as Batch's 2025-06-01 REST API sends them: an add answers ``201 Created`` with
``DataServiceId`` (the new resource's URL), ``ETag`` and ``Last-Modified``; ``disablescheduling`` and
``enablescheduling`` answer ``200``; a resize is accepted with ``202``.
"""

from __future__ import annotations

from email.utils import formatdate
from typing import Any

from azure_batch_emulator.dataplane import PAGE_SIZE
from azure_batch_emulator.errors import InvalidPropertyValue
from azure_batch_emulator.wire import Context, Request, Response, page, select

DISABLE_OPTIONS = ("requeue", "terminate", "taskcompletion")


def _account_url(ctx: Context, params: dict[str, str]) -> str:
    return f"{ctx.base_url}/batch/{params['account']}"


def _object(request: Request) -> dict[str, Any]:
    body = request.json()
    if not isinstance(body, dict):
        raise InvalidPropertyValue("The request body must be a JSON object.", path="body")
    return body


def _written(ctx: Context, status: int, url: str) -> Response:
    now = ctx.state.clock()
    etag = f"0x8D{int(now * 10_000_000) & 0xFFFFFFFFFFFFF:013X}"
    headers = {"DataServiceId": url, "ETag": etag, "Last-Modified": formatdate(now, usegmt=True)}
    return Response(status, None, headers)


def _node_url(ctx: Context, params: dict[str, str]) -> Any:
    return lambda pool, node: f"{_account_url(ctx, params)}/pools/{pool}/nodes/{node}"


def add_job(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    body = _object(request)
    account = ctx.state.account_by_name(params["account"])
    ctx.state.add_job(account, body)
    return _written(ctx, 201, f"{_account_url(ctx, params)}/jobs/{body['id']}")


def list_jobs(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    account = ctx.state.account_by_name(params["account"])
    jobs = ctx.state.list_jobs(account, lambda job: f"{_account_url(ctx, params)}/jobs/{job}")
    return _page(ctx, request, jobs)


def _page(ctx: Context, request: Request, items: list[dict[str, Any]]) -> Response:
    """One page of a list with ``$select`` applied, as every data-plane list answers."""
    chosen = [select(item, request) for item in items]
    url = ctx.base_url + request.path
    body = page(chosen, request, url, link_key="odata.nextLink", default_size=PAGE_SIZE, max_size=PAGE_SIZE)
    return Response(200, body)


def get_job(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    account = ctx.state.account_by_name(params["account"])
    job = ctx.state.get_job(account, params["job"], f"{_account_url(ctx, params)}/jobs/{params['job']}")
    return Response(200, select(job, request), {"ETag": job["eTag"]})


def add_task(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    body = _object(request)
    account = ctx.state.account_by_name(params["account"])
    ctx.state.add_task(account, params["job"], body)
    return _written(ctx, 201, f"{_account_url(ctx, params)}/jobs/{params['job']}/tasks/{body['id']}")


def list_tasks(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    account = ctx.state.account_by_name(params["account"])
    base = f"{_account_url(ctx, params)}/jobs/{params['job']}/tasks"
    tasks = ctx.state.list_tasks(
        account, params["job"], lambda task: f"{base}/{task}", _node_url(ctx, params)
    )
    return _page(ctx, request, tasks)


def get_task(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    account = ctx.state.account_by_name(params["account"])
    url = f"{_account_url(ctx, params)}/jobs/{params['job']}/tasks/{params['task']}"
    task = ctx.state.get_task(account, params["job"], params["task"], url, _node_url(ctx, params))
    return Response(200, select(task, request), {"ETag": task["eTag"]})


def disable_scheduling(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    """``nodeDisableSchedulingOption`` is optional (requeue); Batch matches enum values case-insensitively."""
    body = _object(request) if request.body.strip() else {}
    option = str(body.get("nodeDisableSchedulingOption") or "requeue").lower()
    if option not in DISABLE_OPTIONS:
        raise InvalidPropertyValue(
            f"nodeDisableSchedulingOption must be one of {', '.join(DISABLE_OPTIONS)}.",
            path="nodeDisableSchedulingOption",
        )
    return _scheduling(ctx, params, option)


def enable_scheduling(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    return _scheduling(ctx, params, None)


def _scheduling(ctx: Context, params: dict[str, str], option: str | None) -> Response:
    account = ctx.state.account_by_name(params["account"])
    ctx.state.set_node_scheduling(account, params["pool"], params["node"], option)
    return _written(ctx, 200, f"{_account_url(ctx, params)}/pools/{params['pool']}/nodes/{params['node']}")


def resize_pool(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    account = ctx.state.account_by_name(params["account"])
    ctx.state.resize_from_dataplane(account, params["pool"], _object(request))
    return _written(ctx, 202, f"{_account_url(ctx, params)}/pools/{params['pool']}")


def task_counts(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    account = ctx.state.account_by_name(params["account"])
    return Response(200, ctx.state.task_counts(account, params["job"]))
