"""Admin handlers under ``/_emulator/``: reset, fault injection and scripted failures."""

from __future__ import annotations

from dataclasses import asdict

from azure_batch_emulator.errors import InvalidPropertyValue
from azure_batch_emulator.faults import BODY_KEYS, FaultConfig
from azure_batch_emulator.scenario import ExtensionFailureRule, ResizeErrorRule
from azure_batch_emulator.wire import Context, Request, Response


def _object(request: Request) -> dict[str, object]:
    body = request.json()
    if not isinstance(body, dict):
        raise InvalidPropertyValue("The admin request body must be a JSON object.", path="body")
    return body


def reset(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    ctx.state.reset()
    return Response(204)


def faults(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    config = FaultConfig.from_body(_object(request))
    ctx.state.set_faults(config)
    settings = asdict(config)
    return Response(200, {key: settings[name] for key, name in BODY_KEYS.items()})


def extension_failures(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    ctx.state.add_extension_failure(ExtensionFailureRule.from_body(_object(request)))
    return Response(204)


def resize_errors(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    ctx.state.add_resize_error(ResizeErrorRule.from_body(_object(request)))
    return Response(204)


def vault_certificates(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    urls = _object(request).get("urls")
    if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
        raise InvalidPropertyValue("'urls' must be a list of certificate URL strings.", path="urls")
    ctx.state.set_vault_certificates(urls)
    return Response(204)


def work(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    """The account's tasks (where and when each ran), the tasks stopped before their end and why, and
    every pool delete's time: what tests read to prove what a delete interrupted."""
    return Response(200, ctx.state.work_record(ctx.state.account_by_name(params["account"])))
