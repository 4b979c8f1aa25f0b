"""Per-node extension status: turns data-plane node and extension listings into the resource outputs.

Azure reports extension health per node, in two places that do not always agree: the free-form
`provisioningState` of the node extension and the `level`/`code` of its instance-view statuses. A
status at level `Error` always wins, because that is what leaves a node `unusable`.

What could not be read is `unknown` with the reason, never `missing` or `failed`: a data-plane outage
must not look like a broken pool. Outputs stay small at any pool size: counts cover every node, while
`nodes` lists at most `limit` nodes (failing, then unsettled, first) and omits the status text of
succeeded extensions, which is the same on every node.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_azure_batch_pool.azure_clients.errors import NotFoundError

SUCCEEDED = "succeeded"
FAILED = "failed"
TRANSITIONING = "transitioning"
MISSING = "missing"
UNKNOWN = "unknown"

#: Node states in which Azure is still working on the node; anything else is settled.
BUSY_NODE_STATES = frozenset(
    {
        "creating",
        "starting",
        "waitingforstarttask",
        "rebooting",
        "reimaging",
        "leavingpool",
        "upgradingos",
        "deallocating",
        "unknown",
    }
)

_STATUS_FIELDS = ("code", "level", "displayStatus", "message", "time")


def extension_state(node_extension: Mapping[str, Any]) -> str:
    """Classify one node extension as succeeded, failed or transitioning.

    An Error-level status or a failed provisioning state means failed; a succeeded provisioning state
    or a `ProvisioningState/succeeded` status (the official examples omit `provisioningState`) means
    succeeded; anything else is still transitioning.
    """
    statuses = _statuses(node_extension)
    provisioning = str(node_extension.get("provisioningState") or "").lower()
    codes = [str(status.get("code") or "").lower() for status in statuses]
    if provisioning == FAILED or any(str(s.get("level") or "").lower() == "error" for s in statuses):
        return FAILED
    if any(code.startswith("provisioningstate/failed") for code in codes):
        return FAILED
    if provisioning == SUCCEEDED or (codes and all(code.endswith("/succeeded") for code in codes)):
        return SUCCEEDED
    return TRANSITIONING


def extension_name(node_extension: Mapping[str, Any]) -> str:
    """The extension's name as the node lists it (``vmExtension.name``, else the instance view's)."""
    return str(
        (node_extension.get("vmExtension") or {}).get("name")
        or (node_extension.get("instanceView") or {}).get("name")
    )


def failure_message(node_extension: Mapping[str, Any]) -> str:
    """The most useful human message of a failed extension: its Error-level statuses, joined."""
    statuses = _statuses(node_extension)
    errors = [s for s in statuses if str(s.get("level") or "").lower() == "error"] or statuses
    parts = [str(s.get("message") or s.get("displayStatus") or s.get("code") or "") for s in errors]
    return "; ".join(part for part in parts if part) or "the extension reported no message"


@dataclass
class NodeReport:
    """One node with the state of each extension the pool declares.

    ``extensions`` is None while the node's extensions have not been read (the node is still being
    created or started); ``listing_error`` says why they could not be read.
    """

    node_id: str
    node_state: str
    extensions: dict[str, Mapping[str, Any] | None] | None
    listing_error: str | None = None
    _states: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def state_of(self, extension_name: str) -> str:
        """The state of one declared extension on this node (missing when the node does not list it)."""
        key = extension_name.lower()
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = self._classify(key)
        return state

    def _classify(self, key: str) -> str:
        if self.listing_error is not None:
            return UNKNOWN
        if self.extensions is None:
            return TRANSITIONING
        found = self.extensions.get(key)
        return MISSING if found is None else extension_state(found)

    @property
    def settled(self) -> bool:
        """True when Azure has finished with the node and every extension on it is known to be final."""
        if self.node_state.lower() in BUSY_NODE_STATES or self.extensions is None or self.listing_error:
            return False
        return all(self.state_of(name) != TRANSITIONING for name in self.extensions)

    @property
    def failing(self) -> bool:
        """True when the node is unusable or any declared extension failed or is missing once settled."""
        if self.node_state.lower() in {"unusable", "starttaskfailed"}:
            return True
        names = self.extensions or {}
        return self.settled and any(self.state_of(name) in {FAILED, MISSING} for name in names)


@dataclass(frozen=True)
class Unread:
    """No node could be read (data plane unreachable, access denied, or not asked): why, and how many."""

    reason: str
    node_count: int


def build_node_reports(
    extension_names: Sequence[str],
    nodes: Iterable[Mapping[str, Any]],
    node_extensions: Mapping[str, Sequence[Mapping[str, Any]] | Exception],
) -> list[NodeReport]:
    """Match each node's listed extensions to the pool's declared extension names (case-insensitive).

    A node absent from ``node_extensions`` has not been read yet (unless the pool declares no extension:
    then there is nothing to read); a node whose read found it gone
    (``NotFoundError``: removed by autoscale or preemption since it was listed) is left out; any other
    exception makes the node's extensions unknown, with the exception's text as the reason.
    """
    reports = []
    for node in nodes:
        node_id = str(node.get("id"))
        listed = node_extensions.get(node_id)
        if isinstance(listed, NotFoundError):
            continue
        state = str(node.get("state") or "unknown")
        if listed is None and extension_names:
            reports.append(NodeReport(node_id, state, None))
            continue
        by_name: dict[str, Mapping[str, Any] | None] = {name.lower(): None for name in extension_names}
        if isinstance(listed, Exception):
            reports.append(NodeReport(node_id, state, by_name, str(listed)))
            continue
        for item in listed or ():
            name = extension_name(item).lower()
            if name in by_name:
                by_name[name] = item
        reports.append(NodeReport(node_id, state, by_name))
    return reports


@dataclass
class _Counts:
    succeeded: int = 0
    failed: int = 0
    transitioning: int = 0
    missing: int = 0
    unknown: int = 0
    unknown_reason: str | None = None
    failed_nodes: list[dict[str, str]] = field(default_factory=list)

    def as_output(self) -> dict[str, Any]:
        output: dict[str, Any] = {
            "succeeded": self.succeeded,
            "failed": self.failed,
            "transitioning": self.transitioning,
            "missing": self.missing,
            "unknown": self.unknown,
            "failedNodes": self.failed_nodes,
        }
        if self.unknown_reason is not None:
            output["unknownReason"] = self.unknown_reason
        return output


def summary(
    extension_names: Sequence[str], observed: Sequence[NodeReport] | Unread, *, limit: int
) -> dict[str, Any]:
    """The `extensionStatus`, `nodes` and `nodeCount` outputs of what was observed."""
    if isinstance(observed, Unread):
        unknown = _Counts(unknown=observed.node_count, unknown_reason=observed.reason)
        return {
            "extensionStatus": {name: unknown.as_output() for name in extension_names},
            "nodes": [],
            "nodeCount": observed.node_count,
        }
    return {
        "extensionStatus": extension_status(extension_names, observed, max_failed_nodes=limit),
        "nodes": node_outputs(observed, limit=limit),
        "nodeCount": len(observed),
    }


def extension_status(
    extension_names: Sequence[str], reports: Sequence[NodeReport], *, max_failed_nodes: int
) -> dict[str, dict[str, Any]]:
    """Per extension name: node counts by state (every node counted), failing nodes with messages."""
    counts = {name: _Counts() for name in extension_names}
    for report in reports:
        for name, tally in counts.items():
            state = report.state_of(name)
            setattr(tally, state, getattr(tally, state) + 1)
            if state == UNKNOWN and tally.unknown_reason is None:
                tally.unknown_reason = report.listing_error
            if state == FAILED and len(tally.failed_nodes) < max_failed_nodes:
                found = (report.extensions or {})[name.lower()]
                assert found is not None
                tally.failed_nodes.append(
                    {"nodeId": report.node_id, "state": report.node_state, "message": failure_message(found)}
                )
    return {name: tally.as_output() for name, tally in counts.items()}


def node_outputs(reports: Sequence[NodeReport], *, limit: int) -> list[dict[str, Any]]:
    """The `nodes` output: failing nodes, then unsettled ones, then the rest; at most `limit` entries."""
    ordered = sorted(reports, key=lambda report: (not report.failing, report.settled, report.node_id))
    return [_node_output(report) for report in ordered[: max(limit, 0)]]


def _node_output(report: NodeReport) -> dict[str, Any]:
    """One node; a succeeded extension is only its name and state (its status text is the same everywhere)."""
    extensions = []
    for name, found in (report.extensions or {}).items():
        state = report.state_of(name)
        entry: dict[str, Any] = {"name": name, "state": state}
        if found is not None:
            entry["name"] = str((found.get("vmExtension") or {}).get("name") or name)
        if found is not None and state != SUCCEEDED:
            if found.get("provisioningState") is not None:
                entry["provisioningState"] = found["provisioningState"]
            entry["statuses"] = [
                {key: status[key] for key in _STATUS_FIELDS if status.get(key) is not None}
                for status in _statuses(found)
            ]
        extensions.append(entry)
    output: dict[str, Any] = {"id": report.node_id, "state": report.node_state, "extensions": extensions}
    if report.listing_error:
        output["error"] = report.listing_error
    return output


def progress_line(reports: Sequence[NodeReport], extension_names: Sequence[str], target_nodes: int) -> str:
    """A one-line progress summary for long waits, e.g. '3/10 nodes ready; secretext transitioning on 2'."""
    ready = sum(1 for report in reports if report.settled and not report.failing)
    parts = [f"{ready}/{target_nodes} nodes ready"]
    for name in extension_names:
        for state in (TRANSITIONING, FAILED, UNKNOWN):
            count = sum(1 for report in reports if report.state_of(name) == state)
            if count:
                parts.append(f"{name} {state} on {count}")
    return "; ".join(parts)


def _statuses(node_extension: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    view = node_extension.get("instanceView") or {}
    return [status for status in (view.get("statuses") or []) if isinstance(status, Mapping)]
