"""Work on pools: jobs, tasks that run on nodes for a while, node scheduling, and who stopped which task.

A task's duration is read from its command line: the first ``sleep N`` in it (``sleep 30``,
``/bin/bash -c 'sleep 2 && echo done'``) runs N seconds of the emulator's clock; any other command line
completes as soon as it starts. Durations are the same at every ``--speed`` (tests drive them with an
injected clock), so a drain can be watched: a task is ``active`` until a node with a free slot is ready,
``running`` on that node for its duration, then ``completed``.

Like every other transition this is computed lazily: ``Work.advance`` replays task starts and ends up to
``now`` in time order whenever the pool is read or written. What stops tasks early follows Batch's REST
documentation: ``requeue`` puts a running task back to ``active``, ``terminate`` completes it as failed,
``taskcompletion`` lets it finish and starts nothing new, ``retaineddata`` (resize only) also waits for each
task's data retention (``constraints.retentionTime``, 7 days by default). Deleting a pool requeues its
running tasks, as Azure does. Every task stopped before its end is recorded in ``stops``
(``GET /_emulator/work``), with each pool delete's time, so tests can prove what a delete interrupted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

SLEEP = re.compile(r"\bsleep\s+(\d+(?:\.\d+)?)")
DURATION = re.compile(r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")
DEFAULT_RETENTION_SECONDS = 7 * 24 * 3600.0
STOP_OPTIONS = ("requeue", "terminate", "taskcompletion", "retaineddata")


def duration_of(command_line: str) -> float:
    """Seconds a task with ``command_line`` runs: the first ``sleep N``, else 0."""
    found = SLEEP.search(command_line)
    return float(found.group(1)) if found else 0.0


def iso_duration_seconds(value: str) -> float | None:
    """An ISO-8601 duration (``PT30S``, ``P1DT2H``) in seconds; None when it is not one."""
    found = DURATION.match(value.strip())
    if found is None or not any(found.groupdict().values()):
        return None
    parts = {key: float(number) if number else 0.0 for key, number in found.groupdict().items()}
    return parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]


@dataclass
class Task:
    """One task; ``pool``/``node_id`` say where it runs or last ran (lower-case pool name)."""

    job_id: str
    id: str
    command_line: str
    duration: float
    retention: float
    created_at: float
    state: str = "active"
    state_changed_at: float = 0.0
    previous_state: str | None = None
    previous_changed_at: float | None = None
    pool: str | None = None
    node_id: str | None = None
    started_at: float | None = None
    ended_at: float | None = None
    exit_code: int | None = None
    stopped: str | None = None
    requeue_count: int = 0
    sequence: int = 0

    @property
    def ends_at(self) -> float:
        return (self.started_at or 0.0) + self.duration

    def move(self, state: str, at: float) -> None:
        self.previous_state, self.previous_changed_at = self.state, self.state_changed_at
        self.state, self.state_changed_at = state, at


@dataclass
class Job:
    """A job bound to one pool (``poolInfo.poolId``); its tasks in the order they were added."""

    id: str
    pool_id: str
    created_at: float
    priority: int = 0
    tasks: list[Task] = field(default_factory=list)


@dataclass(frozen=True)
class Slot:
    """A node as scheduling sees it: when it became ready (None: not usable yet), whether it takes new
    tasks (scheduling enabled and not leaving the pool), and its task slots."""

    node_id: str
    ready_at: float | None
    accepting: bool
    slots: int


class Work:
    """The jobs and tasks of one account, and the record of tasks stopped before their end."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.stops: list[dict[str, Any]] = []
        self.pool_deletes: list[dict[str, Any]] = []
        self._sequence = 0

    def add_job(self, job: Job) -> None:
        self.jobs[job.id.lower()] = job

    def add_task(self, job: Job, task: Task) -> None:
        self._sequence += 1
        task.sequence = self._sequence
        job.tasks.append(task)

    def targets(self, pool: str) -> bool:
        """Whether any job runs on ``pool`` (the only pools whose nodes scheduling needs to look at)."""
        return any(job.pool_id.lower() == pool.lower() for job in self.jobs.values())

    def tasks_of(self, pool: str) -> list[Task]:
        return [
            task for job in self.jobs.values() if job.pool_id.lower() == pool.lower() for task in job.tasks
        ]

    def running_on(self, pool: str) -> dict[str, list[Task]]:
        """Running tasks of ``pool`` by lower-case node id."""
        found: dict[str, list[Task]] = {}
        for task in self.tasks_of(pool):
            if task.state == "running" and task.node_id is not None:
                found.setdefault(task.node_id.lower(), []).append(task)
        return found

    def ran_on(self, pool: str) -> dict[str, list[Task]]:
        """Every task that started on a node of ``pool``, by lower-case node id."""
        found: dict[str, list[Task]] = {}
        for task in self.tasks_of(pool):
            if task.node_id is not None and (task.pool or "").lower() == pool.lower():
                found.setdefault(task.node_id.lower(), []).append(task)
        return found

    def advance(self, pool: str, slots: Sequence[Slot], now: float) -> bool:
        """Replay starts and ends on ``pool`` up to ``now`` in time order; True when anything changed."""
        tasks = self.tasks_of(pool)
        changed = False
        while True:
            done = min(
                (t for t in tasks if t.state == "running" and t.ends_at <= now),
                key=lambda t: t.ends_at,
                default=None,
            )
            start = self._next_start(pool, tasks, slots, now)
            if done is not None and (start is None or done.ends_at <= start[2]):
                done.ended_at, done.exit_code = done.ends_at, 0
                done.move("completed", done.ends_at)
            elif start is not None:
                task, node_id, at = start
                task.pool, task.node_id, task.started_at = pool, node_id, at
                task.move("running", at)
            else:
                return changed
            changed = True

    def _next_start(
        self, pool: str, tasks: list[Task], slots: Sequence[Slot], now: float
    ) -> tuple[Task, str, float] | None:
        """The first queued task and the node and time it can start first (no later than ``now``)."""
        queued = [task for task in tasks if task.state == "active"]
        if not queued:
            return None
        task = min(queued, key=lambda t: (t.created_at, t.sequence))
        running = self.running_on(pool)
        best: tuple[Task, str, float] | None = None
        for slot in slots:
            busy = running.get(slot.node_id.lower(), [])
            if not slot.accepting or slot.ready_at is None or len(busy) >= slot.slots:
                continue
            freed = [t.ended_at or 0.0 for t in tasks if t.node_id == slot.node_id and t.ended_at is not None]
            at = max([slot.ready_at, task.state_changed_at, *freed])
            if at <= now and (best is None or at < best[2]):
                best = (task, slot.node_id, at)
        return best

    def stop(self, pool: str, node_ids: Iterable[str], option: str, at: float, reason: str) -> None:
        """Stop the running tasks on ``node_ids`` of ``pool`` at ``at`` with ``requeue`` or ``terminate``."""
        wanted = {node_id.lower() for node_id in node_ids}
        for node_id, running in self.running_on(pool).items():
            if node_id not in wanted:
                continue
            for task in running:
                self.stops.append(
                    {
                        "jobId": task.job_id,
                        "taskId": task.id,
                        "poolId": pool,
                        "nodeId": task.node_id,
                        "startTime": task.started_at,
                        "stopTime": at,
                        "option": option,
                        "reason": reason,
                    }
                )
                if option == "terminate":
                    task.ended_at, task.exit_code, task.stopped = at, -1, reason
                    task.move("completed", at)
                else:
                    task.node_id, task.started_at, task.requeue_count = None, None, task.requeue_count + 1
                    task.pool = None
                    task.move("active", at)

    def free_at(self, pool: str, node_ids: Iterable[str], option: str, at: float) -> dict[str, float]:
        """When each node leaving with ``option`` (``taskcompletion``/``retaineddata``) may go, by
        lower-case id: its running tasks' ends, and with ``retaineddata`` every task's data retention too."""
        moments = {node_id.lower(): at for node_id in node_ids}
        for node_id, ran in self.ran_on(pool).items():
            if node_id not in moments:
                continue
            for task in ran:
                end = task.ends_at if task.state == "running" else (task.ended_at or at)
                if task.state == "running":
                    moments[node_id] = max(moments[node_id], end)
                if option == "retaineddata":
                    moments[node_id] = max(moments[node_id], end + task.retention)
        return moments

    def pool_deleted(self, pool: str, node_ids: Iterable[str], at: float) -> None:
        """A pool delete: its running tasks are requeued (as Azure does) and recorded as stopped."""
        self.pool_deletes.append({"poolId": pool, "time": at})
        self.stop(pool, node_ids, "requeue", at, "poolDeleted")
