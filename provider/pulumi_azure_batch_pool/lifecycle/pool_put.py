"""Step 1 of create: make the pool exist with this create's ownership tags, idempotently.

A PUT with ``If-None-Match: *`` never overwrites a pool. What it cannot do alone is survive a lost answer:
the PUT may have committed while the answer was dropped, reset, timed out, garbled or replaced by a 5xx, and
an engine that retries a create after a crash sends the same PUT again. So:

- "already exists" is answered by the pool's ownership tags: this create's own pool (same stack, resource
  and digest, ``pulumi_azure_batch_pool.model.ownership``) is continued with; anyone else's is refused,
  untouched;
- no usable answer is answered by a GET (with the rollback's own deadline, the create's may be spent):
  404 means nothing was created, a pool of this create's means the PUT committed;
- a 4xx refusal means Azure answered and created nothing, and so does a 429: ARM throttles before it
  processes a request. A PUT whose every attempt was refused ends the create at once (within its own
  deadline, naming the throttling); the probe is only for a PUT of which some attempt really lost its answer.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from pulumi_azure_batch_pool.azure_clients.arm import ArmClient, PoolRef
from pulumi_azure_batch_pool.azure_clients.errors import (
    BatchPoolError,
    HttpResponseError,
    OperationTimeoutError,
    PoolAlreadyExistsError,
    ThrottledError,
)
from pulumi_azure_batch_pool.azure_clients.transport import RetryEvent
from pulumi_azure_batch_pool.lifecycle.deletion import delete_command, describe_error
from pulumi_azure_batch_pool.model.naming import creation_digest, resource_of, stack_of
from pulumi_azure_batch_pool.model.ownership import UNKNOWN_STACK, Owner, owner_from_tags


class CreateThrottledError(BatchPoolError):
    """Raised when every attempt of the create's PUT was throttled (429) until its deadline: none was made."""


THROTTLED_STATUS = 429


def is_throttling(error: BaseException) -> bool:
    """True for a 429 that ended a request: retries exhausted, or a Retry-After past the deadline.

    The transport stops a throttled retry at the deadline with an ``OperationTimeoutError`` that names the
    429 ("got throttled (429)") but carries no status, so that one is recognised by its words.
    """
    if isinstance(error, ThrottledError):
        return True
    return isinstance(error, OperationTimeoutError) and f"throttled ({THROTTLED_STATUS})" in str(error)


class Attempts:
    """The statuses of a request's retried attempts, as the transport reports them (``on_retry``)."""

    def __init__(self) -> None:
        self.statuses: list[int | None] = []

    def record(self, event: RetryEvent) -> None:
        self.statuses.append(event.status)

    def all_refused(self, final: BaseException) -> bool:
        """True when Azure answered every attempt, the last one ending in ``final``, and processed none.

        A refusal is a 4xx other than 408 (a 429 included). No answer, a 408 or a 5xx is a lost answer: the
        request may have taken effect.
        """
        if isinstance(final, HttpResponseError):
            last: int | None = final.status_code
        elif is_throttling(final):
            last = THROTTLED_STATUS
        else:
            return False
        return all(
            status is not None and 400 <= status < 500 and status != 408 for status in [*self.statuses, last]
        )


class PutOutcome(Enum):
    """How the pool came to exist, which decides what a later failure may do with it."""

    CREATED = "created"
    """This call's PUT made it: a failure rolls it back."""
    CONTINUED = "continued"
    """An earlier attempt of this create made it (lost answer, crash): it is this create's to roll back."""
    ADOPTED = "adopted"
    """It existed before (``adoptExisting``): a failure never deletes it."""


def owner_of(inputs: Mapping[str, Any]) -> Owner:
    """This create's owner: stack, resource, and a token whose digest a retry of this create derives again."""
    digest = creation_digest(inputs) or secrets.token_hex(16)
    return Owner(
        stack=stack_of(inputs) or UNKNOWN_STACK,
        resource=resource_of(inputs),
        token=f"{digest}.{secrets.token_hex(4)}",
    )


class PoolPut:
    """Makes one pool exist for one create call; the pool found when continuing is kept in ``found``."""

    def __init__(
        self,
        arm: ArmClient,
        *,
        log: Callable[[str], None],
        clock: Callable[[], float],
        probe_timeout_seconds: float,
    ) -> None:
        self._arm = arm
        self._log = log
        self._clock = clock
        self._probe_timeout = probe_timeout_seconds

    def put(
        self, ref: PoolRef, body: dict[str, Any], owner: Owner, *, adopt: bool, deadline: float
    ) -> tuple[PutOutcome, dict[str, Any] | None]:
        """Make the pool exist; return how, and (when continuing) the pool as Azure holds it."""
        if adopt:
            existing = self._arm.get_pool(ref, deadline=deadline)
            if existing is not None:
                self._log(f"{ref.pool_name}: adopting the existing pool (adoptExisting=true)")
                self._arm.replace_pool(ref, body, str(existing.get("etag")), deadline=deadline)
                return PutOutcome.ADOPTED, None
        attempts = Attempts()
        try:
            self._arm.create_pool(ref, body, deadline=deadline, on_retry=attempts.record)
        except PoolAlreadyExistsError:
            pool = self._arm.get_pool(ref, deadline=deadline)
            if pool is None:
                raise  # deleted meanwhile by someone else: nothing of ours exists
            return PutOutcome.CONTINUED, self._own_pool(ref, owner, pool, "it already exists")
        except Exception as error:
            if not attempts.all_refused(
                error
            ):  # an answer was lost (no answer, 408, 5xx): it may have committed
                return PutOutcome.CONTINUED, self._after_lost_answer(ref, owner, error)
            if is_throttling(error):
                raise CreateThrottledError(
                    f"Azure throttled the create of pool '{ref.pool_name}' until the create's deadline "
                    f"(timeoutMinutes): {describe_error(error)} ARM refuses a throttled request before "
                    "processing it and every attempt of this PUT was throttled, so no pool was created and "
                    "nothing is left behind. Run `pulumi up` again later, or raise timeoutMinutes to keep "
                    "retrying longer."
                ) from None
            raise  # Azure answered and refused (4xx): no pool was created.
        self._log(f"{ref.pool_name}: pool created, waiting for allocation")
        return PutOutcome.CREATED, None

    def claim(
        self, ref: PoolRef, owner: Owner, pool: Mapping[str, Any], patch: dict[str, Any], deadline: float
    ) -> None:
        """Bring a continued pool to this call's mutable properties and tags (its token included).

        The earlier attempt may have run with other in-place values (scale, tags, ...): the outputs will
        say what this call asked for, so Azure must hold it too. The new token makes a resource that held
        the pool before let go of it (see ``PoolLifecycle.delete``).
        """
        found = owner_from_tags(pool.get("tags"))
        if found is not None and found.token == owner.token:
            return  # this very call's PUT made it: it holds this call's body already
        self._arm.patch_pool(ref, patch, str(pool.get("etag")), deadline=deadline)

    def _after_lost_answer(self, ref: PoolRef, owner: Owner, lost: Exception) -> dict[str, Any]:
        """The PUT got no usable answer: find out, within the rollback's deadline, whether it committed."""
        deadline = self._clock() + self._probe_timeout
        try:
            pool = self._arm.get_pool(ref, deadline=deadline)
        except Exception as probe:
            raise BatchPoolError(
                f"Creating pool '{ref.pool_name}' got no usable answer ({describe_error(lost)}), and "
                f"checking whether Azure created it failed too ({describe_error(probe)}). If "
                f"`az resource show --ids '{ref.arm_id}'` finds it with tag create-token={owner.token}, it "
                f"is this deployment's: run `pulumi up` again to continue with it, or delete it with: "
                f"{delete_command(ref)}"
            ) from None
        if pool is None:
            raise BatchPoolError(
                f"Creating pool '{ref.pool_name}' failed: {describe_error(lost)}. Azure has no pool of that "
                "name (GET answers 404), so nothing is left behind; run `pulumi up` again."
            ) from None
        return self._own_pool(ref, owner, pool, f"the answer to its PUT was lost ({describe_error(lost)})")

    def _own_pool(self, ref: PoolRef, owner: Owner, pool: dict[str, Any], why: str) -> dict[str, Any]:
        """Return ``pool`` when this create made it (same stack, resource, digest); refuse anyone else's."""
        found = owner_from_tags(pool.get("tags"))
        if not owner.same_create(found):
            raise BatchPoolError(_not_ours_message(ref, owner, found)) from None
        if str((pool.get("properties") or {}).get("provisioningState", "")).lower() == "deleting":
            raise BatchPoolError(
                f"Pool '{ref.pool_name}' ({ref.arm_id}) was made by an earlier attempt of this create and is "
                "being deleted; run `pulumi up` again once it is gone."
            ) from None
        self._log(
            f"{ref.pool_name}: {why}, and Azure holds it with this create's token (an earlier attempt, or a "
            "deployment that was interrupted); continuing with it"
        )
        return pool


def _not_ours_message(ref: PoolRef, owner: Owner, found: Owner | None) -> str:
    """Why an existing pool is refused, and the way forward."""
    where = f"Pool '{ref.pool_name}' already exists in Batch account '{ref.account_name}' ({ref.arm_id})"
    if owner.same_resource(found):
        return (
            f"{where} and was created by an earlier deployment of this resource (stack '{owner.stack}', "
            f"resource '{owner.resource}') with other settings: an interrupted `pulumi up` left it behind. "
            f"Delete it with: {delete_command(ref)} -- or set adopt_existing=True (adoptExisting) to take it "
            "over."
        )
    who = (
        "carries no pulumi-batchpool ownership tags"
        if found is None
        else f"belongs to stack '{found.stack}', resource '{found.resource}'"
    )
    return (
        f"{where} and was not created by this resource (it {who}). Pulumi never overwrites a pool it did "
        "not create: set adopt_existing=True (adoptExisting) to take it over, or choose another pool_name."
    )
