"""The URL table: every route the emulator serves, readable in one screen."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from azure_batch_emulator import admin, dataplane, management
from azure_batch_emulator.wire import Context, Request, Response

MANAGEMENT, DATAPLANE, ADMIN = "management", "dataplane", "admin"

Handler = Callable[[Context, Request, dict[str, str]], Response]

ACCOUNT = (
    r"/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<group>[^/]+)"
    r"/providers/Microsoft\.Batch/batchAccounts/(?P<account>[^/]+)"
)
POOL = ACCOUNT + r"/pools/(?P<pool>[^/]+)"
DP_POOL = r"/batch/(?P<account>[^/]+)/pools/(?P<pool>[^/]+)"
DP_NODE = DP_POOL + r"/nodes/(?P<node>[^/]+)"


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    plane: str
    handler: Handler


def _route(method: str, path: str, plane: str, handler: Handler) -> Route:
    return Route(method, re.compile(path + "/?", re.IGNORECASE), plane, handler)


ROUTES = [
    _route("GET", ACCOUNT, MANAGEMENT, management.get_account),
    _route("GET", ACCOUNT + "/pools", MANAGEMENT, management.list_pools),
    _route("GET", POOL, MANAGEMENT, management.get_pool),
    _route("PUT", POOL, MANAGEMENT, management.put_pool),
    _route("PATCH", POOL, MANAGEMENT, management.patch_pool),
    _route("DELETE", POOL, MANAGEMENT, management.delete_pool),
    _route("POST", POOL + "/disableAutoScale", MANAGEMENT, management.disable_autoscale),
    _route("POST", POOL + "/stopResize", MANAGEMENT, management.stop_resize),
    _route(
        "GET", ACCOUNT + r"/poolOperationResults/(?P<operation>[^/]+)", MANAGEMENT, management.poll_operation
    ),
    _route("GET", DP_POOL + "/nodes", DATAPLANE, dataplane.list_nodes),
    _route("GET", DP_NODE, DATAPLANE, dataplane.get_node),
    _route("GET", DP_NODE + "/extensions", DATAPLANE, dataplane.list_node_extensions),
    _route("GET", DP_NODE + r"/extensions/(?P<extension>[^/]+)", DATAPLANE, dataplane.get_node_extension),
    _route("POST", "/_emulator/reset", ADMIN, admin.reset),
    _route("POST", "/_emulator/faults", ADMIN, admin.faults),
    _route("POST", "/_emulator/extension-failures", ADMIN, admin.extension_failures),
    _route("POST", "/_emulator/resize-errors", ADMIN, admin.resize_errors),
    _route("POST", "/_emulator/vault-certificates", ADMIN, admin.vault_certificates),
]


def plane_of(path: str) -> str:
    """The plane whose error shape a path gets, even when no route matches it."""
    return DATAPLANE if path.lower().startswith("/batch/") else MANAGEMENT
