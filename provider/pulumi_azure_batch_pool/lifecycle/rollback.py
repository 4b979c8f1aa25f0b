"""The compensation of a failed create: delete the pool it made, confirm it is gone, say what happened.

A Python dynamic provider cannot report a partially created resource to the engine, so a pool left behind by a
failed create is invisible to Pulumi and keeps costing money. The rollback therefore gets its own deadline
(``batchpool:operationTimeoutMinutes``, independent of the create's ``timeoutMinutes``, which has usually
run out by then) and ends in exactly one of the three outcomes of
``pulumi_azure_batch_pool.lifecycle.deletion`` (deleted, still
deleting, could not delete), each with its own message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pulumi_azure_batch_pool.azure_clients.arm import ArmClient, PoolRef
from pulumi_azure_batch_pool.lifecycle.deletion import Keeper, Left, delete_and_confirm, not_deleted_sentence


@dataclass(frozen=True)
class RollbackOutcome:
    """What the rollback achieved; ``sentence`` is what the user is told."""

    gone: bool
    sentence: str


def roll_back(
    arm: ArmClient, ref: PoolRef, *, timeout_seconds: float, clock: Callable[[], float]
) -> RollbackOutcome:
    """Delete ``ref`` within ``timeout_seconds`` of ``clock`` and report which outcome was reached."""
    outcome = delete_and_confirm(arm, ref, timeout_seconds=timeout_seconds, clock=clock)
    if outcome.left is Left.GONE:
        return RollbackOutcome(
            True,
            f"The pool '{ref.pool_name}' was deleted again and Azure confirms it is gone (404), so nothing "
            "is left behind.",
        )
    return RollbackOutcome(False, not_deleted_sentence(ref, outcome, Keeper.NOBODY))
