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

from azure_batch_emulator import secrets
from azure_batch_emulator.canonical import canonical
from azure_batch_emulator.schema import DATAPLANE_INBOUND_PROTOCOL, DATAPLANE_START_TASK
from azure_batch_emulator.speeds import Speed

# Batch's own extension, listed on every node beside the pool's (as the official examples show); the
# management plane reserves its type for Batch. It finishes provisioning when the node has booted.
BATCH_EXTENSION: dict[str, Any] = {
    "name": "batchNodeExtension",
    "publisher": "Microsoft.Azure.Extensions",
    "type": "CustomScript",
    "typeHandlerVersion": "2.0",
    "autoUpgradeMinorVersion": True,
}
BATCH_EXTENSION_MESSAGE = "Enable succeeded: Enabling and starting agent and controller"

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
    scheduling_disabled: bool = False
    """``disableScheduling`` was called (until ``enableScheduling``)."""
    leaving: bool = False
    """Chosen to leave the pool by a resize that waits for its tasks (``taskcompletion``/``retaineddata``)."""


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
        result.append(ExtensionTimeline(ext, extension_done_at(node.allocated_at, position, speed), failure))
    return result


def extension_done_at(allocated_at: float, position: int, speed: Speed) -> float:
    """When the extension at ``position`` in provisioning order finishes on a node allocated at
    ``allocated_at``: after the node boots, one extension after another (a failure takes as long)."""
    return allocated_at + speed.node_create + speed.node_start + (position + 1) * speed.extension


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
    node: Node,
    pool_props: dict[str, Any],
    steps: list[ExtensionTimeline],
    speed: Speed,
    now: float,
    url: str,
    pool_host: str,
) -> dict[str, Any]:
    """The data-plane ``BatchNode`` body from the pool's properties with server defaults filled in; ``url`` is
    the node's own URL, ``pool_host`` the public host name of the pool's load balancer (for NAT endpoints)."""
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
        body["virtualMachineInfo"] = {"imageReference": dataplane_image(vm["imageReference"])}
    nat_pools = pool_props.get("networkConfiguration", {}).get("endpointConfiguration", {})
    if nat_pools.get("inboundNatPools"):
        body["endpointConfiguration"] = endpoint_configuration(node, nat_pools["inboundNatPools"], pool_host)
    if state != "creating":
        body["lastBootTime"] = iso(node.allocated_at + speed.node_create)
        body["nodeAgentInfo"] = {"version": "1.2.0.0", "lastUpdateTime": body["lastBootTime"]}
    if pool_props.get("startTask"):
        body["startTask"] = dataplane_start_task(secrets.strip(pool_props["startTask"]))
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


def dataplane_image(image: dict[str, Any]) -> dict[str, Any]:
    """The pool's image as the data plane names it: a gallery image's ``id`` is ``virtualMachineImageId``,
    and a marketplace image shows the ``exactVersion`` it resolved to."""
    shown = {("virtualMachineImageId" if key == "id" else key): value for key, value in image.items()}
    if "version" in image:
        shown["exactVersion"] = image["version"]
    return shown


def endpoint_configuration(node: Node, nat_pools: list[dict[str, Any]], host: str) -> dict[str, Any]:
    """The node's inbound endpoints: one per inbound NAT pool, each node on its own frontend port."""
    return {
        "inboundEndpoints": [
            {
                "name": f"{nat['name']}.{node.index}",
                "protocol": canonical(nat["protocol"], DATAPLANE_INBOUND_PROTOCOL),
                "publicIPAddress": f"20.0.{node.index // 250}.{node.index % 250 + 4}",
                "publicFQDN": host,
                "frontendPort": nat["frontendPortRangeStart"] + node.index,
                "backendPort": nat["backendPort"],
            }
            for nat in nat_pools
        ]
    }


def dataplane_start_task(start_task: dict[str, Any]) -> dict[str, Any]:
    """The pool's start task as the data plane shows it: ``username`` for ``userName`` and the data plane's
    own enum casing (``task``/``nonadmin``), from its schema."""
    identity = start_task.get("userIdentity")
    if identity is not None and "userName" in identity:
        identity = {("username" if key == "userName" else key): value for key, value in identity.items()}
        start_task = {**start_task, "userIdentity": identity}
    shaped: dict[str, Any] = canonical(start_task, DATAPLANE_START_TASK)
    return shaped


def last_change(allocated_at: float, extension_count: int, speed: Speed, now: float) -> float:
    """When the data-plane view of a node allocated at ``allocated_at`` with ``extension_count`` extensions
    last changed (its ``Last-Modified``): its latest state or extension transition at or before ``now``. It
    depends on the allocation time alone, so a node list needs one per resize, not one per node."""
    events = [allocated_at, allocated_at + speed.node_create]
    events += [extension_done_at(allocated_at, position, speed) for position in range(extension_count)]
    return max(moment for moment in events if moment <= now)


def batch_extension_body(node: Node, speed: Speed, now: float) -> dict[str, Any]:
    """Batch's own ``batchNodeExtension`` on a node: transitioning until the node has booted."""
    booted = node.allocated_at + speed.node_create
    step = ExtensionTimeline(BATCH_EXTENSION, booted, None)
    body = extension_body(step, now)
    if now >= booted:
        body["instanceView"]["statuses"][0]["message"] = BATCH_EXTENSION_MESSAGE
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
