"""Plain request/response values passed between the HTTP server, the dispatcher and the handlers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from azure_batch_emulator.errors import InvalidQueryParameterValue, InvalidRequestContent


@dataclass(frozen=True)
class Request:
    """One HTTP request; ``headers`` keys are lower-cased."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body parsed as JSON; InvalidRequestContent when it is empty or not JSON."""
        if not self.body.strip():
            raise InvalidRequestContent("The request content was invalid: a JSON body is required.")
        try:
            value = json.loads(self.body, parse_constant=_reject_constant)
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except (ValueError, RecursionError):
            raise InvalidRequestContent(
                "The request content was invalid and could not be deserialized: the body is not valid JSON "
                "(UTF-8, no NaN/Infinity, no unpaired surrogates)."
            ) from None
        return value


@dataclass
class Response:
    """Status, extra headers and a JSON-ready body (None: no body)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What handlers need besides the request: the backend and the server's base URL."""

    state: Any
    base_url: str


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def page(
    items: list[dict[str, Any]],
    request: Request,
    url: str,
    *,
    link_key: str,
    default_size: int,
    max_size: int,
) -> dict[str, Any]:
    """One page of ``items`` (``maxresults``, ``$skiptoken``) with an absolute next link while more remain."""
    start, size = page_window(request, default_size=default_size, max_size=max_size, total=len(items))
    body: dict[str, Any] = {"value": items[start : start + size]}
    if start + size < len(items):
        body[link_key] = next_link(request, url, start + size)
    return body


def page_window(request: Request, *, default_size: int, max_size: int, total: int) -> tuple[int, int]:
    """The page's (start, size) from ``$skiptoken`` (a position among ``total`` items) and ``maxresults``,
    so a list can build only the page's items; InvalidQueryParameterValue when either is out of range."""
    size = _int_param(request, "maxresults", default_size, 1, max_size)
    return _int_param(request, "$skiptoken", 0, 0, total), size


def next_link(request: Request, url: str, start: int) -> str:
    """The absolute link to the page that starts at position ``start``, keeping the request's other query."""
    query = {key: value for key, value in request.query.items() if key != "$skiptoken"}
    query["$skiptoken"] = str(start)
    return f"{url}?{urlencode(query)}"


def select(item: dict[str, Any], request: Request, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """Keep only the properties ``$select`` names (all when absent), plus the top-level ``keep`` ones; a
    name may reach into an object with ``/`` (ARM's ``properties/provisioningState``)."""
    wanted = request.query.get("$select")
    if not wanted:
        return item
    return _selected(item, [name.strip().split("/") for name in wanted.split(",")] + [[k] for k in keep])


def _selected(item: dict[str, Any], paths: list[list[str]]) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    for key, value in item.items():
        below = [path[1:] for path in paths if path[0] == key]
        if not below:
            continue
        whole = any(not rest for rest in below) or not isinstance(value, dict)
        chosen[key] = value if whole else _selected(value, below)
    return chosen


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise InvalidQueryParameterValue(
            f"The value for the query parameter '{name}' is invalid: use an integer from {low} to {high}.",
            details=[
                {"code": "QueryParameterName", "message": name},
                {"code": "QueryParameterValue", "message": raw[:64]},
            ],
        )
    return value
