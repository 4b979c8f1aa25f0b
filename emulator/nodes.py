"""Compute nodes: their timeline and the data-plane bodies derived from it.

A node's state is a pure function of the time since it was allocated: ``creating``, then ``starting`` while
its extensions provision one after another in provisionAfterExtensions order, then ``idle``, or ``unusable``
when an extension failed with an Error-level status. Extensions that wait on a failed one fail with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from emulator import secrets
from emulator.speeds import Speed

EXTENSION_FIELDS = (
    "name",
    "publisher",
    "type",
    "typeHandlerVersion",
    "autoUpgradeMinorVersion",
    "enableAutomaticUpgrade",
    "settings",
    "provisionAfterExtensions",
)


@dataclass
class Node:
    """One allocated node; ``failures`` maps a lower-cased extension name to its ``{code, message}``."""

    id: str
    index: int
    dedicated: bool
    allocated_at: float
    failures: dict[str, dict[str, str]] = field(default_factory=dict)


def node_id(prefix: str, index: int, allocated_at: float) -> str:
    """A real-looking node id, e.g. ``tvm-1695681911_1-20161122t193202z``."""
    stamp = datetime.fromtimestamp(allocated_at, timezone.utc).strftime("%Y%m%dt%H%M%Sz")
    return f"tvm-{prefix}_{index + 1}-{stamp}"


def iso(moment: float) -> str:
    """ISO-8601 UTC with a ``Z`` suffix, as Azure writes timestamps."""
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class ExtensionTimeline:
    """When each extension on a node finishes and whether it fails (with the failure's code and message)."""

    extension: dict[str, Any]
    done_at: float
    failure: dict[str, str] | None


def timeline(node: Node, ordered: list[dict[str, Any]], speed: Speed) -> list[ExtensionTimeline]:
    """The node's extensions in provisioning order with their finish times and outcomes."""
    start = node.allocated_at + speed.node_create + speed.node_start
    failed: dict[str, str] = {}
    result = []
    for position, ext in enumerate(ordered):
        name = ext["name"].lower()
        failure = node.failures.get(name)
        blocker = next((a for a in ext.get("provisionAfterExtensions", []) if a.lower() in failed), None)
        if failure is None and blocker is not None:
            failure = {
                "code": "DependencyFailed",
                "message": f"Not provisioned: extension '{failed[blocker.lower()]}' it must follow failed.",
            }
        if failure is not None:
            failed[name] = ext["name"]
        result.append(ExtensionTimeline(ext, start + (position + 1) * speed.extension, failure))
    return result


def node_state(node: Node, steps: list[ExtensionTimeline], speed: Speed, now: float) -> tuple[str, float]:
    """The node's state at ``now`` and when it entered that state."""
    created = node.allocated_at + speed.node_create
    ready = steps[-1].done_at if steps else created + speed.node_start
    if now < created:
        return "creating", node.allocated_at
    if now < ready:
        return "starting", created
    return ("unusable" if any(step.failure for step in steps) else "idle"), ready


def node_body(
    node: Node, pool_props: dict[str, Any], steps: list[ExtensionTimeline], speed: Speed, now: float, url: str
) -> dict[str, Any]:
    """The data-plane ``BatchNode`` body; ``url`` is the node's own URL."""
    state, since = node_state(node, steps, speed, now)
    body: dict[str, Any] = {
        "id": node.id,
        "url": url,
        "state": state,
        "schedulingState": "enabled",
        "stateTransitionTime": iso(since),
        "allocationTime": iso(node.allocated_at),
        "ipAddress": f"10.0.{node.index // 250}.{node.index % 250 + 4}",
        "ipv6Address": f"fd00::{node.index + 4:x}",
        "affinityId": f"TVM:{node.id}",
        "vmSize": pool_props["vmSize"].lower(),
        "totalTasksRun": 0,
        "totalTasksSucceeded": 0,
        "runningTasksCount": 0,
        "runningTaskSlotsCount": 0,
        "isDedicated": node.dedicated,
    }
    vm = pool_props.get("deploymentConfiguration", {}).get("virtualMachineConfiguration")
    if vm is not None:
        image = dict(vm["imageReference"])
        image.setdefault("version", "latest")
        body["virtualMachineInfo"] = {"imageReference": {**image, "exactVersion": image["version"]}}
    if state != "creating":
        body["lastBootTime"] = iso(node.allocated_at + speed.node_create)
        body["nodeAgentInfo"] = {"version": "1.2.0.0", "lastUpdateTime": body["lastBootTime"]}
    if pool_props.get("startTask"):
        body["startTask"] = secrets.strip(pool_props["startTask"])
        if state != "creating":
            body["startTaskInfo"] = {
                "state": "completed",
                "startTime": body["lastBootTime"],
                "endTime": body["lastBootTime"],
                "exitCode": 0,
                "retryCount": 0,
            }
    failed = [step for step in steps if step.failure and now >= step.done_at]
    if state == "unusable":
        body["errors"] = [
            {
                "code": step.failure["code"],
                "message": f"VM extension '{step.extension['name']}' failed to provision.",
                "errorDetails": [{"name": "Message", "value": step.failure["message"]}],
            }
            for step in failed
            if step.failure
        ]
    return body


def extension_body(step: ExtensionTimeline, now: float) -> dict[str, Any]:
    """The data-plane ``BatchNodeVMExtension`` body for one extension at ``now``."""
    ext = step.extension
    vm_extension = {key: ext[key] for key in EXTENSION_FIELDS if key in ext}
    if "settings" in vm_extension:
        vm_extension["settings"] = dataplane_settings(vm_extension["settings"])
    if now < step.done_at:
        state = "Creating"
        status = {
            "code": "ProvisioningState/transitioning",
            "level": "Info",
            "displayStatus": "Transitioning",
            "message": "Enable in progress",
        }
    elif step.failure is None:
        state = "Succeeded"
        status = {
            "code": "ProvisioningState/succeeded",
            "level": "Info",
            "displayStatus": "Provisioning succeeded",
            "message": "Enable succeeded",
            "time": iso(step.done_at),
        }
    else:
        state = "Failed"
        status = {
            "code": "ProvisioningState/failed",
            "level": "Error",
            "displayStatus": "Provisioning failed",
            "message": step.failure["message"],
            "time": iso(step.done_at),
        }
    return {
        "provisioningState": state,
        "vmExtension": vm_extension,
        "instanceView": {"name": ext["name"], "statuses": [status]},
    }


def dataplane_settings(settings: Any) -> Any:
    """Settings as the data plane types them: an object of strings (nested values as compact JSON)."""
    if not isinstance(settings, dict):
        return settings
    return {
        key: value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        for key, value in settings.items()
    }
