"""Output types of the pool's live state: ``pool.extension_status``, ``pool.nodes``, ``pool.resize_errors``.

The provider returns these as camelCase JSON (see docs/ARCHITECTURE.md); declared as ``@pulumi.output_type``
classes, the SDK builds them with snake_case attributes and integer counts as ``int`` (the engine's wire
carries every number as a float). A stack output keeps the camelCase JSON: exporting one of these objects
serialises it by its wire names.
"""

from collections.abc import Sequence

import pulumi

__all__ = [
    "ExtensionStatus",
    "FailedNode",
    "InstanceViewStatus",
    "NodeExtensionStatus",
    "NodeStatus",
    "ResizeError",
]


@pulumi.output_type
class FailedNode:
    """A node on which an extension failed: its id, its state (often ``unusable``) and why (redacted)."""

    node_id: str = pulumi.property("nodeId")
    state: str = pulumi.property("state")
    message: str | None = pulumi.property("message", default=None)


@pulumi.output_type
class ExtensionStatus:
    """One extension over every node of the pool: node counts by state, and the failing nodes (capped by
    ``max_nodes_in_outputs``). ``unknown`` counts nodes whose status could not be read, ``unknown_reason``
    says why."""

    succeeded: int = pulumi.property("succeeded")
    failed: int = pulumi.property("failed")
    transitioning: int = pulumi.property("transitioning")
    missing: int = pulumi.property("missing")
    unknown: int = pulumi.property("unknown")
    failed_nodes: Sequence[FailedNode] = pulumi.property("failedNodes", default=())
    unknown_reason: str | None = pulumi.property("unknownReason", default=None)


@pulumi.output_type
class InstanceViewStatus:
    """One instance-view status of an extension on a node, as the Batch data plane reports it."""

    code: str | None = pulumi.property("code", default=None)
    level: str | None = pulumi.property("level", default=None)
    display_status: str | None = pulumi.property("displayStatus", default=None)
    message: str | None = pulumi.property("message", default=None)
    time: str | None = pulumi.property("time", default=None)


@pulumi.output_type
class NodeExtensionStatus:
    """One extension on one node; a succeeded one carries only its name and state."""

    name: str = pulumi.property("name")
    state: str = pulumi.property("state")
    provisioning_state: str | None = pulumi.property("provisioningState", default=None)
    statuses: Sequence[InstanceViewStatus] | None = pulumi.property("statuses", default=None)


@pulumi.output_type
class NodeStatus:
    """One node: id, state and its extensions; ``error`` when its extensions could not be listed."""

    id: str = pulumi.property("id")
    state: str = pulumi.property("state")
    extensions: Sequence[NodeExtensionStatus] = pulumi.property("extensions", default=())
    error: str | None = pulumi.property("error", default=None)


@pulumi.output_type
class ResizeError:
    """Why the last resize did not reach its target (Azure's ``resizeOperationStatus.errors``)."""

    code: str | None = pulumi.property("code", default=None)
    message: str | None = pulumi.property("message", default=None)
