"""Deleting a pool and finding out what Azure holds afterwards, in one of three outcomes.

Two callers delete a pool: a failed create's compensation (``pulumi_azure_batch_pool.lifecycle.rollback``:
the pool is unknown to
Pulumi) and ``pulumi destroy`` or the delete half of a replacement (``PoolLifecycle.delete``: the pool is
in the stack's state). Both need the same truth, so it is found here once:

- **gone**: the pool's own GET answers 404 (an operation's "done" is no proof: ``ArmClient.wait_for_delete``);
- **deleting**: Azure accepted the delete, but the pool had not gone by the deadline (or its end could not
  be confirmed);
- **present**: Azure refused the delete, never received it, or claimed it done while the pool stayed.

The sentence for the user differs only in who still knows about the pool (``Keeper``), so a delete that
fails in any path says the same three things: the pool is still there (with its ARM id), what happens to it
next, and the one command that deletes it by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from pulumi_azure_batch_pool.azure_clients.arm import ArmClient, PoolRef
from pulumi_azure_batch_pool.azure_clients.errors import BatchPoolError

CONFIRM_GRACE_SECONDS = 10.0
"""At most this long (and never longer than the delete's own timeout) for the final GET that confirms."""


class Left(Enum):
    """What Azure holds once the delete has run its course."""

    GONE = "gone"
    DELETING = "deleting"
    PRESENT = "present"


@dataclass(frozen=True)
class DeleteOutcome:
    """The outcome and, unless gone, why (one line, for the user)."""

    left: Left
    why: str = ""


class Keeper(Enum):
    """Who knows about a pool that was not deleted, which decides what happens to it next."""

    NOBODY = "nobody"
    """A failed create's pool: not in Pulumi's state."""
    STACK = "stack"
    """A pool in the stack's state: Pulumi keeps it there and deletes it again on the next run."""


def delete_command(ref: PoolRef) -> str:
    """The one Azure CLI command that deletes the pool (ARM delete by id: no Batch account login needed)."""
    return f"az resource delete --ids '{ref.arm_id}'"


def delete_and_confirm(
    arm: ArmClient, ref: PoolRef, *, timeout_seconds: float, clock: Callable[[], float]
) -> DeleteOutcome:
    """Delete ``ref`` within ``timeout_seconds`` of ``clock``, then look: which outcome was reached."""
    deadline = clock() + timeout_seconds
    minutes = f"{timeout_seconds / 60:g} minutes (batchpool:operationTimeoutMinutes)"
    refused: Exception | None = None
    failure: Exception | None = None
    try:
        accepted = arm.begin_delete_pool(ref, deadline=deadline)
    except Exception as error:  # whatever stopped the delete, the pool may still be there
        refused = error
    if refused is None:
        try:
            arm.wait_for_delete(ref, accepted, deadline=deadline)
        except Exception as error:  # the delete was accepted; only its end is unconfirmed
            failure = error
        else:
            return DeleteOutcome(Left.GONE)
    # One last look, with a short grace of its own: only the pool's GET says what is left.
    try:
        still_there = arm.get_pool(ref, deadline=clock() + min(timeout_seconds, CONFIRM_GRACE_SECONDS))
    except Exception as probe:
        if refused is not None:
            return DeleteOutcome(Left.PRESENT, describe_error(refused))
        return DeleteOutcome(
            Left.DELETING, f"its end could not be confirmed within {minutes} ({describe_error(probe)})"
        )
    if still_there is None:
        return DeleteOutcome(Left.GONE)
    state = str((still_there.get("properties") or {}).get("provisioningState") or "unknown")
    cause = refused or failure
    if state.lower() != "deleting" and cause is not None:
        return DeleteOutcome(Left.PRESENT, describe_error(cause))
    return DeleteOutcome(
        Left.DELETING, f"it had not finished within {minutes}: the pool still exists ({state})"
    )


def not_deleted_sentence(ref: PoolRef, outcome: DeleteOutcome, keeper: Keeper) -> str:
    """What the user is told about a pool that is not gone: where it is, what happens next, the command."""
    if keeper is Keeper.STACK:
        later = (
            "Pulumi keeps it in the stack's state and tries the delete again the next time `pulumi up` or "
            "`pulumi destroy` runs"
        )
    else:
        later = "It is not in Pulumi's state"
    if outcome.left is Left.PRESENT:
        return (
            f"The pool '{ref.pool_name}' could NOT be deleted and is still in Azure ({outcome.why}). "
            f"{later}; to delete it by hand: {delete_command(ref)}"
        )
    return (
        f"The pool '{ref.pool_name}' is still being deleted: Azure accepted the delete of {ref.arm_id}, but "
        f"{outcome.why}. {later}. Check with `az resource show --ids '{ref.arm_id}'`; if it is still there "
        f"later, delete it by hand: {delete_command(ref)}"
    )


class PoolNotDeletedError(BatchPoolError):
    """Raised when a delete of a pool in the stack's state ends with the pool still in Azure."""

    def __init__(self, message: str, *, left: Left) -> None:
        super().__init__(message)
        self.left = left


def describe_error(error: BaseException) -> str:
    """An error in one line; one that is not the provider's own is prefixed with its type."""
    text = " ".join(str(error).split())
    if isinstance(error, BatchPoolError):
        return text or type(error).__name__
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
