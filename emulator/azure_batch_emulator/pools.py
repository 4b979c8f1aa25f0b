"""Pools: the stored resource, its allocation and deletion state machine, update rules and ARM body."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from azure_batch_emulator import secrets
from azure_batch_emulator.defaults import identity_with_ids, with_defaults
from azure_batch_emulator.errors import PropertyCannotBeUpdated
from azure_batch_emulator.extensions import node_os, wrong_os_failure
from azure_batch_emulator.nodes import ExtensionTimeline, Node, iso, node_id, timeline
from azure_batch_emulator.scenario import Scenario
from azure_batch_emulator.schema import MAX_NODES
from azure_batch_emulator.speeds import Speed
from azure_batch_emulator.validation import UPDATABLE_PROPERTIES, provisioning_order

AUTOSCALE_TARGET = re.compile(r"\$(TargetDedicatedNodes|TargetDedicated|TargetLowPriorityNodes)\s*=\s*(\d+)")


class NodeRelease(Protocol):
    """What a resize down needs from the pool's work (``azure_batch_emulator.work``)."""

    def busy(self, node_id: str) -> bool:
        """Whether a task runs on the node."""

    def release(self, nodes: list[Node], option: str, at: float) -> dict[str, float]:
        """Let ``nodes`` leave with the ``nodeDeallocationOption`` (lower case) at ``at``; returns when each
        may go, by lower-case id (``at`` unless the option waits for its tasks)."""


@dataclass
class Pool:
    """One pool as the emulator stores it; ``properties`` holds what the client set, secrets sealed."""

    uid: str
    arm_id: str
    name: str
    properties: dict[str, Any]
    tags: dict[str, str] | None
    identity: dict[str, Any] | None
    etag: str
    created_at: float
    modified_at: float
    node_prefix: str
    provisioning_state: str = "Succeeded"
    provisioning_changed_at: float = 0.0
    allocation_state: str = "Steady"
    allocation_changed_at: float = 0.0
    resize_due: float = 0.0
    resize_status: dict[str, Any] | None = None
    delete_due: float | None = None
    delete_polled: bool = False
    nodes: list[Node] = field(default_factory=list)
    next_index: int = 0

    def __post_init__(self) -> None:
        # Node GETs look nodes up by id (case-insensitively) in O(1), whatever the pool's size.
        self._by_id: dict[str, Node] = {node.id.lower(): node for node in self.nodes}
        # A node list's Last-Modified depends on when its nodes were allocated, not on each node: one time
        # per resize, counted so that a time is forgotten only when none of its nodes remain.
        self._allocations: Counter[float] = Counter(node.allocated_at for node in self.nodes)
        self._derived: tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]] | None = None

    @property
    def extensions(self) -> list[dict[str, Any]]:
        deployment = self.properties.get("deploymentConfiguration", {})
        return list(deployment.get("virtualMachineConfiguration", {}).get("extensions", []))

    @property
    def populated(self) -> bool:
        """Azure's test for "hard" updates: the pool must be Steady with no nodes."""
        return self.allocation_state != "Steady" or bool(self.nodes)

    def targets(self) -> tuple[int, int]:
        """Target (dedicated, low-priority) node counts from the scale settings."""
        scale = self.properties.get("scaleSettings") or {}
        if "fixedScale" in scale:
            fixed = scale["fixedScale"]
            return fixed.get("targetDedicatedNodes", 0), fixed.get("targetLowPriorityNodes", 0)
        if "autoScale" in scale:
            found: dict[str, str] = dict(AUTOSCALE_TARGET.findall(scale["autoScale"]["formula"]))
            dedicated = found.get("TargetDedicatedNodes") or found.get("TargetDedicated") or "0"
            low = found.get("TargetLowPriorityNodes", "0")
            return min(int(dedicated), MAX_NODES), min(int(low), MAX_NODES)
        return 0, 0

    def start_resize(self, now: float, speed: Speed) -> None:
        """Begin moving to the target size (Resizing), unless the pool is already at it."""
        dedicated, low = self.targets()
        for node in self.nodes:
            node.leaving = False  # a new target replaces the resize that chose them
        if self.allocation_state == "Steady" and self._counts() == (dedicated, low):
            return
        self.allocation_state, self.allocation_changed_at = "Resizing", now
        self.resize_due = now + speed.resize
        fixed = (self.properties.get("scaleSettings") or {}).get("fixedScale", {})
        self.resize_status = {
            "targetDedicatedNodes": dedicated,
            "targetLowPriorityNodes": low,
            "resizeTimeout": fixed.get("resizeTimeout", "PT15M"),
            "nodeDeallocationOption": fixed.get("nodeDeallocationOption", "Requeue"),
            "startTime": iso(now),
        }

    def advance(self, now: float, scenario: Scenario, work: NodeRelease | None = None) -> bool:
        """Complete a due resize or stop; returns True when something changed. A resize down lets its
        surplus nodes go as its ``nodeDeallocationOption`` says, through ``work``: while they finish their
        tasks the pool stays ``Resizing`` and they are ``leavingpool``."""
        if self.allocation_state == "Steady" or now < self.resize_due:
            return False
        if self.allocation_state == "Stopping":
            self.allocation_state, self.allocation_changed_at = "Steady", self.resize_due
            return True
        error = scenario.resize_error(self.name)
        if error is not None:
            self.allocation_state, self.allocation_changed_at = "Steady", self.resize_due
            if self.resize_status is not None:
                self.resize_status["errors"] = [error]
            return True
        dedicated, low = self.targets()
        surplus = self._surplus(True, dedicated, work) + self._surplus(False, low, work)
        if surplus and work is not None:
            option = str((self.resize_status or {}).get("nodeDeallocationOption", "Requeue")).lower()
            for node in surplus:
                node.leaving = True
            free = work.release(surplus, option, self.resize_due)
            if max(free.values()) > now:  # nodes without work go now; the others when they are free
                self._remove({node_id for node_id, at in free.items() if at <= now})
                self.resize_due = max(free.values())
                return True
            self.resize_due = max(self.resize_due, *free.values())
        self.allocation_state, self.allocation_changed_at = "Steady", self.resize_due
        self._fit(True, dedicated, scenario)
        self._fit(False, low, scenario)
        return True

    def _surplus(self, dedicated: bool, target: int, work: NodeRelease | None) -> list[Node]:
        """The nodes of one kind a resize to ``target`` removes: those already leaving first, then idle
        nodes from the newest, then busy ones (Azure prefers to remove nodes without work)."""
        mine = [node for node in self.nodes if node.dedicated == dedicated]
        excess = len(mine) - target
        if excess <= 0:
            return []
        ranked = sorted(
            reversed(mine),
            key=lambda node: (not node.leaving, work is not None and work.busy(node.id)),
        )
        return ranked[:excess]

    def _fit(self, dedicated: bool, target: int, scenario: Scenario) -> None:
        mine = [node for node in self.nodes if node.dedicated == dedicated]
        if len(mine) > target:
            ranked = sorted(reversed(mine), key=lambda node: not node.leaving)
            self._remove({node.id.lower() for node in ranked[: len(mine) - target]})
        for _ in range(target - len(mine)):
            index, self.next_index = self.next_index, self.next_index + 1
            failures = {}
            os = node_os(self.properties)
            for ext in self.extensions:
                failure = scenario.extension_failure(self.name, ext, index)
                wrong_os = wrong_os_failure(ext, os)
                if wrong_os is not None:
                    failures[ext["name"].lower()] = wrong_os
                elif failure is not None:
                    failures[ext["name"].lower()] = {"code": failure.code, "message": failure.message}
            new_id = node_id(self.node_prefix, index, self.resize_due)
            node = Node(new_id, index, dedicated, self.resize_due, failures)
            self.nodes.append(node)
            self._by_id[new_id.lower()] = node
            self._allocations[node.allocated_at] += 1

    def _remove(self, removed: set[str]) -> None:
        """Take the nodes with these lower-case ids out of the pool."""
        self.nodes = [node for node in self.nodes if node.id.lower() not in removed]
        for key in removed:
            allocated_at = self._by_id.pop(key).allocated_at
            self._allocations[allocated_at] -= 1
            if not self._allocations[allocated_at]:
                del self._allocations[allocated_at]

    def _counts(self) -> tuple[int, int]:
        dedicated = sum(1 for node in self.nodes if node.dedicated)
        return dedicated, len(self.nodes) - dedicated

    def begin_delete(self, now: float, speed: Speed) -> None:
        self.provisioning_state, self.provisioning_changed_at = "Deleting", now
        self.delete_due = now + speed.delete

    def deleted_by(self, now: float) -> bool:
        return self.delete_due is not None and now >= self.delete_due

    def _derive(self) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
        """What node reads derive from the properties, computed once per version of them (every write
        replaces ``properties`` with a new dict, so identity tells a new version)."""
        if self._derived is None or self._derived[0] is not self.properties:
            self._derived = (
                self.properties,
                provisioning_order(self.extensions),
                with_defaults(self.properties),
            )
        return self._derived

    def provisioning_order(self) -> list[dict[str, Any]]:
        """The extensions in provisioning order."""
        return self._derive()[1]

    def shown_properties(self) -> dict[str, Any]:
        """The properties with Azure's server defaults filled in (secrets still sealed; do not modify)."""
        return self._derive()[2]

    def node_timelines(self, speed: Speed, start: int) -> Iterator[tuple[Node, list[ExtensionTimeline]]]:
        """Each node from position ``start`` on with its extension timeline, computed only as the caller
        asks for the next one (a page of a node list never pays for the nodes after it)."""
        ordered = self.provisioning_order()
        for position in range(start, len(self.nodes)):
            node = self.nodes[position]
            yield node, timeline(node, ordered, speed)

    def allocation_times(self) -> list[float]:
        """The distinct times the pool's current nodes were allocated at (one per resize that added some)."""
        return list(self._allocations)

    def node_timeline(self, speed: Speed, node_id: str) -> tuple[Node, list[ExtensionTimeline]] | None:
        """The node with ``node_id`` (case-insensitively) and its extension timeline; None when absent."""
        node = self._by_id.get(node_id.lower())
        if node is None:
            return None
        return node, timeline(node, self.provisioning_order(), speed)

    def disable_autoscale(self) -> None:
        """Azure's disableAutoScale: the pool keeps the targets of the last evaluation, now as fixed scale."""
        if "autoScale" not in (self.properties.get("scaleSettings") or {}):
            return
        dedicated, low = self.targets()
        self.properties = {
            **self.properties,
            "scaleSettings": {
                "fixedScale": {"targetDedicatedNodes": dedicated, "targetLowPriorityNodes": low}
            },
        }

    def stop_resize(self, now: float, speed: Speed) -> None:
        """Azure's stopResize: a resize in progress is ``Stopping`` for a moment, then ``Steady`` where it
        stopped (the emulator allocates nodes at the end of a resize, so the pool keeps the nodes it had)."""
        if self.allocation_state == "Resizing":
            self.allocation_state, self.allocation_changed_at = "Stopping", now
            self.resize_due = now + speed.node_create


def check_update(pool: Pool, new_properties: dict[str, Any], keys: set[str]) -> None:
    """Raise PropertyCannotBeUpdated when a populated pool would change a property that is not updatable."""
    if not pool.populated:
        return
    old = with_defaults(pool.properties)
    new = with_defaults(new_properties)
    for key in sorted(keys - UPDATABLE_PROPERTIES):
        if old.get(key) != new.get(key):
            raise PropertyCannotBeUpdated(key)


def merge_patch(properties: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Top-level merge of a PATCH's properties; ``startTask: {}`` removes the start task."""
    merged = {**properties, **patch}
    if merged.get("startTask") == {}:
        del merged["startTask"]
    return merged


def merged_identity(current: dict[str, Any] | None, request: dict[str, Any] | None) -> dict[str, Any] | None:
    """The pool identity after a request: a PUT (``current`` None) sets it; a PATCH merges its
    ``userAssignedIdentities`` into the current map as Azure does (an identity the PATCH does not name stays,
    ``{"<id>": null}`` removes one; ids compare case-insensitively); type ``None`` removes them all."""
    if request is None:
        return current
    if request["type"] == "None":
        return {"type": "None"}
    assigned: dict[str, Any] = {}
    if current is not None and current.get("type") == "UserAssigned":
        assigned = dict(current.get("userAssignedIdentities", {}))
    for arm_id, value in request.get("userAssignedIdentities", {}).items():
        assigned = {key: item for key, item in assigned.items() if key.lower() != arm_id.lower()}
        if value is not None:
            assigned[arm_id] = {}
    return {"type": "UserAssigned", "userAssignedIdentities": assigned}


def arm_body(pool: Pool) -> dict[str, Any]:
    """The ARM ``Pool`` body (secrets removed, server defaults and read-only state filled in)."""
    dedicated = sum(1 for node in pool.nodes if node.dedicated)
    props: dict[str, Any] = with_defaults(secrets.strip(pool.properties))
    props.update(
        {
            "provisioningState": pool.provisioning_state,
            "provisioningStateTransitionTime": iso(pool.provisioning_changed_at),
            "allocationState": pool.allocation_state,
            "allocationStateTransitionTime": iso(pool.allocation_changed_at),
            "creationTime": iso(pool.created_at),
            "lastModified": iso(pool.modified_at),
            "currentDedicatedNodes": dedicated,
            "currentLowPriorityNodes": len(pool.nodes) - dedicated,
        }
    )
    if pool.resize_status is not None:
        props["resizeOperationStatus"] = dict(pool.resize_status)
    if "autoScale" in props["scaleSettings"]:
        dedicated_target, low_target = pool.targets()
        props["autoScaleRun"] = {
            "evaluationTime": iso(pool.modified_at),
            "results": f"$TargetDedicatedNodes={dedicated_target};$TargetLowPriorityNodes={low_target}",
        }
    body: dict[str, Any] = {
        "id": pool.arm_id,
        "name": pool.name,
        "type": "Microsoft.Batch/batchAccounts/pools",
        "etag": pool.etag,
    }
    if pool.identity is not None:
        body["identity"] = identity_with_ids(pool.identity)
    if pool.tags is not None:
        body["tags"] = pool.tags
    body["properties"] = props
    return body
