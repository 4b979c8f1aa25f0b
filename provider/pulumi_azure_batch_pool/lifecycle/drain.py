"""Draining a pool before it is deleted, so that a replace or a destroy does not kill running work.

Azure deletes a pool together with its running tasks (they are requeued or lost). With
``drainBeforeDelete`` every delete of a pool in the stack (``pulumi destroy``, and the delete half of a
replacement in either order) first drains it, as three steps:

1. **stop new work**: an autoscale pool gets ``disableAutoScale`` (the formula would add nodes back), then
   the pool is resized to zero with ``nodeDeallocationOption: TaskCompletion``: a node without a running
   task leaves at once, a busy node takes no new task and leaves when its tasks end (queued tasks stay in
   their jobs, to run on whatever pool the job points to next);
2. **wait** until no task runs (the node list shows none, or the pool is ``Steady`` with no nodes), at most
   ``drainTimeoutMinutes``, with progress at most once per 30 s;
3. **on timeout**, ``drainTimeoutAction`` decides: ``delete`` (the default) deletes anyway and says which
   tasks were still running; ``fail`` keeps the pool (at target zero, still draining) and fails with its ARM
   id and the command that finishes the job.

There is nothing to compensate: a drain that fails leaves a pool that is still draining, which is what the
user asked for; the message says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_azure_batch_pool.azure_clients.arm import ArmClient, PoolRef
from pulumi_azure_batch_pool.azure_clients.dataplane import DataPlaneClient
from pulumi_azure_batch_pool.azure_clients.errors import BatchPoolError, NotFoundError
from pulumi_azure_batch_pool.lifecycle.deletion import delete_command, describe_error
from pulumi_azure_batch_pool.lifecycle.nodewatch import PollInterval
from pulumi_azure_batch_pool.lifecycle.progress import Progress

DEFAULT_DRAIN_TIMEOUT_MINUTES = 60.0
DRAIN_ACTIONS = ("delete", "fail")
NODE_FIELDS = "id,state,runningTasksCount"


@dataclass(frozen=True)
class DrainOptions:
    """The drain options as the resource echoes them into state (the delete reads them from there)."""

    enabled: bool
    timeout_seconds: float
    fail_on_timeout: bool

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> DrainOptions:
        minutes = state.get("drainTimeoutMinutes")
        return cls(
            enabled=bool(state.get("drainBeforeDelete", False)),
            timeout_seconds=float(DEFAULT_DRAIN_TIMEOUT_MINUTES if minutes is None else minutes) * 60.0,
            fail_on_timeout=str(state.get("drainTimeoutAction") or "delete").lower() == "fail",
        )


@dataclass(frozen=True)
class Work:
    """What runs on the pool at one poll: busy nodes and running tasks (None when the data plane could
    not be read, so only the pool's own node count is known)."""

    nodes: int
    busy_nodes: int | None
    running_tasks: int | None

    @property
    def done(self) -> bool:
        return self.running_tasks == 0 or self.nodes == 0

    def line(self) -> str:
        if self.running_tasks is None:
            return f"draining: {self.nodes} nodes left (tasks not readable)"
        return (
            f"draining: {self.running_tasks} tasks still running on {self.busy_nodes} of {self.nodes} nodes"
        )


class DrainTimeoutError(BatchPoolError):
    """Raised when a drain passed its timeout with ``drainTimeoutAction='fail'``: the pool is kept."""


class Drain:
    """One drain of one pool; clients, ``sleep`` and ``clock`` come from the lifecycle."""

    def __init__(
        self,
        arm: ArmClient,
        data_plane: DataPlaneClient | None,
        ref: PoolRef,
        *,
        log: Callable[[str], None],
        warn: Callable[[str], None],
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        poll_interval_seconds: float,
    ) -> None:
        self._arm, self._data_plane, self._ref = arm, data_plane, ref
        self._log, self._warn, self._sleep, self._clock = log, warn, sleep, clock
        self._poll = poll_interval_seconds

    def run(self, options: DrainOptions, deadline_for_calls: float) -> None:
        """Stop new work, wait for running tasks, then return so the caller deletes (or raise on a timeout
        with ``fail``). A pool that is already gone needs no drain."""
        pool = self._arm.get_pool(self._ref, deadline=deadline_for_calls)
        if pool is None:
            return
        self._stop_new_work(pool, deadline_for_calls)
        deadline = self._clock() + options.timeout_seconds
        progress = Progress(self._ref.pool_name, self._log, clock=self._clock)
        interval = PollInterval(self._poll)
        previous: Work | None = None
        while True:
            work = self._look(deadline_for_calls)
            if work.done:
                progress.report("drained", "drained: no task is running")
                return
            now = self._clock()
            if now >= deadline:
                self._timed_out(work, options)
                return
            progress.report("draining", work.line())
            self._sleep(min(interval.next(work != previous), deadline - now))
            previous = work

    def _stop_new_work(self, pool: Mapping[str, Any], deadline: float) -> None:
        """disableAutoScale where set, then a resize to zero that lets running tasks complete."""
        properties = pool.get("properties") or {}
        if "autoScale" in (properties.get("scaleSettings") or {}):
            self._log(f"{self._ref.pool_name}: draining: autoscale disabled so no node is added back")
            pool = self._arm.pool_action(self._ref, "disableAutoScale", deadline=deadline)
        if str(properties.get("allocationState", "")).lower() == "resizing":
            pool = self._arm.pool_action(self._ref, "stopResize", deadline=deadline)
        fixed: dict[str, Any] = {
            "targetDedicatedNodes": 0,
            "targetLowPriorityNodes": 0,
            "nodeDeallocationOption": "TaskCompletion",
        }
        body = {"properties": {"scaleSettings": {"fixedScale": fixed}}}
        self._arm.patch_pool(self._ref, body, str(pool.get("etag") or "*"), deadline=deadline)
        self._log(
            f"{self._ref.pool_name}: draining before delete: resized to 0 nodes with "
            "nodeDeallocationOption=TaskCompletion (running tasks finish, no new task starts)"
        )

    def _look(self, deadline: float) -> Work:
        """The pool's nodes and the tasks running on them; the node count alone without the data plane."""
        pool = self._arm.get_pool(self._ref, deadline=deadline)
        if pool is None:
            return Work(0, 0, 0)
        properties = pool.get("properties") or {}
        count = int(properties.get("currentDedicatedNodes") or 0) + int(
            properties.get("currentLowPriorityNodes") or 0
        )
        if self._data_plane is None:
            return Work(count, None, None)
        try:
            nodes = self._data_plane.list_nodes(self._ref.pool_name, select=NODE_FIELDS)
        except NotFoundError:
            return Work(0, 0, 0)
        except BatchPoolError as error:
            self._log(f"{self._ref.pool_name}: draining: tasks not readable ({describe_error(error)})")
            return Work(count, None, None)
        running = [int(node.get("runningTasksCount") or 0) for node in nodes]
        return Work(len(nodes), sum(1 for tasks in running if tasks), sum(running))

    def _timed_out(self, work: Work, options: DrainOptions) -> None:
        minutes = f"{options.timeout_seconds / 60:g} minutes (drainTimeoutMinutes)"
        still = work.line().removeprefix("draining: ")
        if not options.fail_on_timeout:
            self._warn(
                f"{self._ref.pool_name}: the drain did not finish within {minutes} ({still}); deleting the "
                "pool anyway (drainTimeoutAction='delete'): Azure requeues the tasks still running"
            )
            return
        raise DrainTimeoutError(
            f"The pool '{self._ref.pool_name}' did not drain within {minutes} ({still}) and was kept "
            f"(drainTimeoutAction='fail'): {self._ref.arm_id} is resized to 0 nodes with "
            "TaskCompletion, so it keeps draining. Pulumi keeps it in the stack's state and drains and "
            "deletes it again the next time `pulumi up` or `pulumi destroy` runs; raise drainTimeoutMinutes "
            f"to wait longer, or delete it now (its running tasks are requeued): {delete_command(self._ref)}"
        )


def replacement_warning(pool_name: str, running: str, deployed: DrainOptions, requested: DrainOptions) -> str:
    """What a replacement's preview says when the old pool runs tasks (``running``: a WorkReport line).

    The engine deletes the old pool with the options in its state, so a drain turned on in the same
    update does not apply to this delete: the warning says so rather than promise a drain.
    """
    head = f"{pool_name}: this replacement deletes the pool '{pool_name}', where {running}; "
    if deployed.enabled:
        after = "fails, keeping the pool" if deployed.fail_on_timeout else "deletes it anyway"
        return head + (
            f"drainBeforeDelete is on: the delete waits for them (at most {deployed.timeout_seconds / 60:g} "
            f"minutes, then {after})"
        )
    if requested.enabled:
        return head + (
            "drainBeforeDelete is turned on by this same update, but the old pool is deleted with the "
            "options it was deployed with (off): its running tasks are stopped and requeued. Run `pulumi up` "
            "with only the drain change first, then this change"
        )
    return head + (
        "drainBeforeDelete is off: the delete stops them (Azure requeues them). Set drain_before_delete=True "
        "in a `pulumi up` of its own before this change to let them finish"
    )
