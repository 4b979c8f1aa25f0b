"""One verdict per pool from the outputs read returns, and the status command's exit code for it.

A pipeline gate needs a single answer with a distinct exit code: did every extension succeed on every
node, did one fail, is Azure still working, or could the status not be read? The verdict is computed
from the same outputs `pulumi refresh` records, so the gate and the stack never disagree.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_azure_batch_pool.lifecycle import status

_FAILED_NODE_STATES = frozenset({"unusable", "starttaskfailed"})


class Verdict(enum.Enum):
    """A pool's (or a set of pools') health; ``exit_code`` is what `python -m pulumi_azure_batch_pool status`
    returns."""

    SUCCEEDED = ("succeeded", 0)
    FAILED = ("failed", 1)
    TRANSITIONING = ("transitioning", 3)
    UNKNOWN = ("unknown", 4)
    NOT_FOUND = ("not found", 5)
    ORPHANS = ("orphans found", 6)
    ERROR = ("error", 7)

    def __init__(self, label: str, exit_code: int) -> None:
        self.label = label
        self.exit_code = exit_code

    @property
    def settled(self) -> bool:
        """False while waiting longer could change the answer (still transitioning, or not readable yet)."""
        return self not in (Verdict.TRANSITIONING, Verdict.UNKNOWN)


#: Most severe first: the verdict of several pools is the first of these that any pool has.
SEVERITY = (
    Verdict.FAILED,
    Verdict.ERROR,
    Verdict.NOT_FOUND,
    Verdict.ORPHANS,
    Verdict.UNKNOWN,
    Verdict.TRANSITIONING,
    Verdict.SUCCEEDED,
)


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    """The most severe verdict (SUCCEEDED for none)."""
    present = set(verdicts)
    return next((verdict for verdict in SEVERITY if verdict in present), Verdict.SUCCEEDED)


def pool_verdict(outputs: Mapping[str, Any]) -> Verdict:
    """The verdict for one pool's read outputs (``extensionStatus``, ``nodes``, allocation, resize errors).

    An extension missing from a node that Azure has finished with counts as failed, as in a deployment;
    missing from a node that is still starting, it is still transitioning.
    """
    if outputs.get("resizeErrors"):
        return Verdict.FAILED
    found = [_node_verdict(node) for node in outputs.get("nodes") or []]
    found += [_counts_verdict(counts) for counts in (outputs.get("extensionStatus") or {}).values()]
    if str(outputs.get("allocationState") or "").lower() != "steady":
        found.append(Verdict.TRANSITIONING)
    expected = int(outputs.get("currentDedicatedNodes") or 0) + int(
        outputs.get("currentLowPriorityNodes") or 0
    )
    if int(outputs.get("nodeCount") or 0) < expected:
        found.append(Verdict.TRANSITIONING)
    return worst(found)


def failed_extensions(outputs: Mapping[str, Any]) -> list[str]:
    """Names of the extensions that failed (or are missing) on at least one node."""
    return [
        name
        for name, counts in (outputs.get("extensionStatus") or {}).items()
        if counts.get(status.FAILED) or counts.get(status.MISSING)
    ]


def _node_verdict(node: Mapping[str, Any]) -> Verdict:
    state = str(node.get("state") or "").lower()
    busy = state in status.BUSY_NODE_STATES
    found = [Verdict.FAILED if state in _FAILED_NODE_STATES else Verdict.SUCCEEDED]
    if node.get("error"):
        found.append(Verdict.UNKNOWN)
    for extension in node.get("extensions") or []:
        found.append(_extension_verdict(str(extension.get("state") or ""), busy=busy))
    if busy:
        found.append(Verdict.TRANSITIONING)
    return worst(found)


def _extension_verdict(state: str, *, busy: bool) -> Verdict:
    if state == status.SUCCEEDED:
        return Verdict.SUCCEEDED
    if state == status.FAILED or (state == status.MISSING and not busy):
        return Verdict.FAILED
    if state in (status.TRANSITIONING, status.MISSING):
        return Verdict.TRANSITIONING
    return Verdict.UNKNOWN


def _counts_verdict(counts: Mapping[str, Any]) -> Verdict:
    if counts.get(status.FAILED):
        return Verdict.FAILED
    if counts.get(status.UNKNOWN):
        return Verdict.UNKNOWN
    if counts.get(status.TRANSITIONING):
        return Verdict.TRANSITIONING
    return Verdict.SUCCEEDED
