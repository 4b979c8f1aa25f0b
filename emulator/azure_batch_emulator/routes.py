"""The URL table: every route the emulator serves, readable in one screen."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from azure_batch_emulator import admin, dataplane, management, work_handlers
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
DP_JOBS = r"/batch/(?P<account>[^/]+)/jobs"
DP_JOB = DP_JOBS + r"/(?P<job>[^/]+)"


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
    _route("POST", DP_NODE + "/disablescheduling", DATAPLANE, work_handlers.disable_scheduling),
    _route("POST", DP_NODE + "/enablescheduling", DATAPLANE, work_handlers.enable_scheduling),
    _route("POST", DP_POOL + "/resize", DATAPLANE, work_handlers.resize_pool),
    _route("POST", DP_JOBS, DATAPLANE, work_handlers.add_job),
    _route("GET", DP_JOBS, DATAPLANE, work_handlers.list_jobs),
    _route("GET", DP_JOB, DATAPLANE, work_handlers.get_job),
    _route("GET", DP_JOB + "/taskcounts", DATAPLANE, work_handlers.task_counts),
    _route("POST", DP_JOB + "/tasks", DATAPLANE, work_handlers.add_task),
    _route("GET", DP_JOB + "/tasks", DATAPLANE, work_handlers.list_tasks),
    _route("GET", DP_JOB + r"/tasks/(?P<task>[^/]+)", DATAPLANE, work_handlers.get_task),
    _route("POST", "/_emulator/reset", ADMIN, admin.reset),
    _route("POST", "/_emulator/faults", ADMIN, admin.faults),
    _route("POST", "/_emulator/extension-failures", ADMIN, admin.extension_failures),
    _route("POST", "/_emulator/resize-errors", ADMIN, admin.resize_errors),
    _route("POST", "/_emulator/vault-certificates", ADMIN, admin.vault_certificates),
    _route("GET", r"/_emulator/work/(?P<account>[^/]+)", ADMIN, admin.work),
]


def plane_of(path: str) -> str:
    """The plane whose error shape a path gets, even when no route matches it."""
    return DATAPLANE if path.lower().startswith("/batch/") else MANAGEMENT
