"""The compensation of a failed create: delete the pool it made, confirm it is gone, say what happened.

A Python dynamic provider cannot report a partially created resource to the engine, so a pool left behind by a
failed create is invisible to Pulumi and keeps costing money. The rollback therefore gets its own deadline
(``batchpool:operationTimeoutMinutes``, independent of the create's ``timeoutMinutes``, which has usually
run out by then) and ends in exactly one of three outcomes, each with its own message:

- **deleted**: Azure accepted the delete, the operation finished and a GET confirms the pool is gone (404);
- **still deleting**: Azure accepted the delete but did not confirm its end before the deadline;
- **could not delete**: Azure refused the delete or never answered; the pool is still there, and the
  message gives the one command that deletes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from provider.arm import ArmClient, PoolRef
from provider.errors import BatchPoolError

CONFIRM_GRACE_SECONDS = 10.0
"""At most this long (and never longer than the rollback's own timeout) for the final GET that confirms."""


def delete_command(ref: PoolRef) -> str:
    """The one Azure CLI command that deletes the pool (ARM delete by id: no Batch account login needed)."""
    return f"az resource delete --ids '{ref.arm_id}'"


@dataclass(frozen=True)
class RollbackOutcome:
    """What the rollback achieved; ``sentence`` is what the user is told."""

    gone: bool
    sentence: str


def roll_back(
    arm: ArmClient, ref: PoolRef, *, timeout_seconds: float, clock: Callable[[], float]
) -> RollbackOutcome:
    """Delete ``ref`` within ``timeout_seconds`` of ``clock`` and report which outcome was reached."""
    deadline = clock() + timeout_seconds
    minutes = f"{timeout_seconds / 60:g} minutes (batchpool:operationTimeoutMinutes)"
    try:
        accepted = arm.begin_delete_pool(ref, deadline=deadline)
    except Exception as refused:  # whatever stopped the delete, the pool is still there
        return _could_not_delete(ref, refused)
    failure: Exception | None = None
    try:
        arm.wait_for_delete(ref, accepted, deadline=deadline)
    except Exception as waiting:  # the delete was accepted; only its end is unconfirmed
        failure = waiting
    # One last look, with a short grace of its own: the operation's status is not the pool's.
    try:
        still_there = arm.get_pool(ref, deadline=clock() + min(timeout_seconds, CONFIRM_GRACE_SECONDS))
    except Exception as probe:
        return _still_deleting(
            ref, f"its end could not be confirmed within {minutes} ({describe_error(probe)})"
        )
    if still_there is None:
        return RollbackOutcome(
            True,
            f"The pool '{ref.pool_name}' was deleted again and Azure confirms it is gone (404), so nothing "
            "is left behind.",
        )
    state = str((still_there.get("properties") or {}).get("provisioningState") or "unknown")
    if state.lower() != "deleting" and failure is not None:
        return _could_not_delete(ref, failure)
    return _still_deleting(ref, f"it had not finished within {minutes}: the pool still exists ({state})")


def _could_not_delete(ref: PoolRef, error: Exception) -> RollbackOutcome:
    return RollbackOutcome(
        False,
        f"The pool '{ref.pool_name}' could NOT be deleted and is still in Azure, unknown to Pulumi "
        f"({describe_error(error)}). Delete it with: {delete_command(ref)}",
    )


def _still_deleting(ref: PoolRef, why: str) -> RollbackOutcome:
    return RollbackOutcome(
        False,
        f"The pool '{ref.pool_name}' is still being deleted: Azure accepted the delete of {ref.arm_id}, "
        f"but {why}. Check with `az resource show --ids '{ref.arm_id}'`; if it is still there later, "
        f"delete it with: {delete_command(ref)}",
    )


def describe_error(error: BaseException) -> str:
    """An error in one line; one that is not the provider's own is prefixed with its type."""
    text = " ".join(str(error).split())
    if isinstance(error, BatchPoolError):
        return text or type(error).__name__
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
