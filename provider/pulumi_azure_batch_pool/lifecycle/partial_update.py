"""What a failed update says when Azure had already accepted its PATCH.

An update is two steps: the PATCH (synchronous: Azure takes every property or none) and the wait for
the pool to settle (a resize, new nodes' extensions). When the second step fails, Azure holds the new
values, but a Python dynamic provider cannot hand the engine partial outputs: the failed update records
nothing, and Pulumi's state keeps the values from before. A bare "could not allocate its nodes" would
leave the user believing that nothing changed. So the error says which properties Azure accepted, what
it holds now (the target, the nodes it has, the resize error), what failed after, and the next step;
``pulumi refresh`` makes the state agree with Azure.

The update fails rather than succeeding with ``resizeErrors`` in its outputs: a deployment that asked for
capacity it did not get must not pass a pipeline, exactly as a create with a resize error does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pulumi_azure_batch_pool.azure_clients.arm import PoolRef
from pulumi_azure_batch_pool.azure_clients.errors import BatchPoolError
from pulumi_azure_batch_pool.lifecycle.deletion import describe_error


class UpdateIncompleteError(BatchPoolError):
    """Raised when Azure accepted an update's PATCH and the pool then failed to settle (resize, extensions,
    timeout); ``accepted`` names the properties Azure holds new values for."""

    def __init__(self, message: str, *, accepted: list[str], failures: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.accepted = accepted
        self.failures = failures


def incomplete_update(
    ref: PoolRef,
    accepted: Iterable[str],
    error: Exception,
    read_pool: Callable[[], Mapping[str, Any] | None],
) -> UpdateIncompleteError:
    """The error for ``error`` raised after Azure accepted the PATCH of ``accepted``, saying what Azure holds.

    ``read_pool`` GETs the pool as it is now (with a short deadline of its own: the update's may be spent).
    """
    names = sorted(accepted)
    try:
        holds = _holdings(read_pool())
    except Exception as unread:  # what Azure holds is unknown: say so rather than guess
        holds = f"What it holds now could not be read ({describe_error(unread)})."
    cause = describe_error(error).rstrip(".")
    message = (
        f"Azure accepted the update of {', '.join(names)} on pool '{ref.pool_name}' ({ref.arm_id}), then it "
        f"failed: {cause}. {holds} Pulumi's state still holds the values from before this update (a failed "
        "update records nothing), so the next `pulumi up` sends the same update again and retries: first fix "
        "the cause (for a resize error, more core quota for the Batch account or a lower target; for an "
        "extension, what its message says), or change the program. `pulumi refresh` records what Azure holds "
        "now."
    )
    return UpdateIncompleteError(message, accepted=names, failures=list(getattr(error, "failures", []) or []))


def _holdings(pool: Mapping[str, Any] | None) -> str:
    """One sentence on the pool's nodes as Azure holds them: targets and current counts (a resize error is
    the failure itself, already named)."""
    if pool is None:
        return "The pool no longer exists in Azure."
    properties = pool.get("properties") or {}
    resize = properties.get("resizeOperationStatus") or {}
    fixed = (properties.get("scaleSettings") or {}).get("fixedScale") or {}
    dedicated = resize.get("targetDedicatedNodes", fixed.get("targetDedicatedNodes"))
    low = resize.get("targetLowPriorityNodes", fixed.get("targetLowPriorityNodes"))
    return (
        f"Azure now holds: target {_count(dedicated)} dedicated and {_count(low)} low-priority nodes, "
        f"{_count(properties.get('currentDedicatedNodes'))} dedicated and "
        f"{_count(properties.get('currentLowPriorityNodes'))} low-priority allocated "
        f"(allocationState {properties.get('allocationState') or 'unknown'})."
    )


def _count(value: Any) -> str:
    return str(value) if isinstance(value, int) else "unknown"
