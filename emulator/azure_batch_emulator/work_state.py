"""The backend's data-plane work operations: jobs, tasks, node scheduling and the data-plane resize.

A mixin of ``BatchState`` (it uses the state's lock, clock and pool lookups), kept apart so that the pool
backend and the work backend each stay readable. Every operation first advances the pool (allocation and
the tasks on it) to now, as every other read does.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from azure_batch_emulator.accounts import AccountRef
from azure_batch_emulator.errors import (
    InvalidPropertyValue,
    JobExists,
    JobNotFound,
    MissingRequiredProperty,
    NodeNotFound,
    TaskExists,
    TaskNotFound,
)
from azure_batch_emulator.pool_work import PoolWork, job_body, slots, task_body
from azure_batch_emulator.pools import Pool
from azure_batch_emulator.speeds import Speed
from azure_batch_emulator.work import (
    DEFAULT_RETENTION_SECONDS,
    STOP_OPTIONS,
    Job,
    Task,
    Work,
    duration_of,
    iso_duration_seconds,
)

ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DEALLOCATION = {"requeue": "Requeue", "terminate": "Terminate", "taskcompletion": "TaskCompletion"}
DEALLOCATION["retaineddata"] = "RetainedData"


def _id(body: dict[str, Any], what: str) -> str:
    value = body.get("id")
    if value is None:
        raise MissingRequiredProperty(f"The {what} id is required.", path="id")
    if not isinstance(value, str) or not ID.match(value):
        raise InvalidPropertyValue(
            f"The {what} id must be 1-64 letters, digits, hyphens or underscores.", path="id"
        )
    return value


class WorkState:
    """Jobs and tasks per account (``self.work``), run on the pools of ``BatchState``."""

    lock: threading.RLock
    clock: Callable[[], float]
    speed: Speed
    work: dict[tuple[str, str, str], Work]

    def _dataplane_pool(self, account: AccountRef, name: str) -> Pool:
        raise NotImplementedError

    def _changed(self) -> None:
        raise NotImplementedError

    def _work(self, account: AccountRef) -> Work:
        return self.work.setdefault(account.key, Work())

    def advance_work(self, account_key: tuple[str, str, str], pool: Pool, now: float) -> bool:
        """Run the tasks on ``pool`` up to ``now``; True when anything changed."""
        work = self.work.get(account_key)
        if work is None or not work.targets(pool.name):
            return False
        return work.advance(pool.name, slots(pool, self.speed, now), now)

    def pool_work(self, account_key: tuple[str, str, str], pool: Pool) -> PoolWork | None:
        work = self.work.get(account_key)
        return PoolWork(work, pool) if work is not None and work.targets(pool.name) else None

    def node_work(
        self, account_key: tuple[str, str, str], pool: Pool
    ) -> tuple[dict[str, list[Task]] | None, float]:
        """The tasks that ran on each node of ``pool`` (None: no job uses it) and when they last changed
        (part of a node read's ``Last-Modified``)."""
        work = self.work.get(account_key)
        if work is None or not work.targets(pool.name):
            return None, 0.0
        tasks = work.tasks_of(pool.name)
        return work.ran_on(pool.name), max((task.state_changed_at for task in tasks), default=0.0)

    def add_job(self, account: AccountRef, body: dict[str, Any]) -> None:
        with self.lock:
            job_id = _id(body, "job")
            pool_id = (body.get("poolInfo") or {}).get("poolId")
            if not isinstance(pool_id, str) or not pool_id:
                raise MissingRequiredProperty(
                    "The emulator runs jobs on an existing pool: poolInfo.poolId is required "
                    "(autoPoolSpecification is not emulated).",
                    path="poolInfo.poolId",
                )
            work = self._work(account)
            if job_id.lower() in work.jobs:
                raise JobExists(f"The specified job '{job_id}' already exists.")
            work.add_job(Job(job_id, pool_id, self.clock(), int(body.get("priority") or 0)))
            self._changed()

    def _job(self, account: AccountRef, job_id: str) -> Job:
        job = self._work(account).jobs.get(job_id.lower())
        if job is None:
            raise JobNotFound(f"The specified job '{job_id}' does not exist.")
        self._advance_pool_of(account, job)
        return job

    def _advance_pool_of(self, account: AccountRef, job: Job) -> None:
        try:
            self._dataplane_pool(account, job.pool_id)  # advances allocation and work
        except Exception:  # a job whose pool is gone keeps its tasks queued
            return

    def get_job(self, account: AccountRef, job_id: str, url: str) -> dict[str, Any]:
        with self.lock:
            return job_body(self._job(account, job_id), url)

    def list_jobs(self, account: AccountRef, url: Callable[[str], str]) -> list[dict[str, Any]]:
        with self.lock:
            jobs = list(self._work(account).jobs.values())
            return [job_body(self._job(account, job.id), url(job.id)) for job in jobs]

    def task_counts(self, account: AccountRef, job_id: str) -> dict[str, Any]:
        """Job_GetTaskCounts: tasks and slots by state (succeeded/failed split the completed ones)."""
        with self.lock:
            tasks = self._job(account, job_id).tasks
            counts = {
                state: sum(1 for t in tasks if t.state == state)
                for state in ("active", "running", "completed")
            }
            counts["succeeded"] = sum(1 for t in tasks if t.state == "completed" and t.exit_code == 0)
            counts["failed"] = counts["completed"] - counts["succeeded"]
            return {"taskCounts": counts, "taskSlotCounts": dict(counts)}

    def add_task(self, account: AccountRef, job_id: str, body: dict[str, Any]) -> None:
        with self.lock:
            job = self._job(account, job_id)
            task_id = _id(body, "task")
            command = body.get("commandLine")
            if not isinstance(command, str) or not command:
                raise MissingRequiredProperty("The task's commandLine is required.", path="commandLine")
            if any(task.id.lower() == task_id.lower() for task in job.tasks):
                raise TaskExists(f"The specified task '{task_id}' already exists in job '{job.id}'.")
            retention_text = (body.get("constraints") or {}).get("retentionTime")
            retention = DEFAULT_RETENTION_SECONDS
            if retention_text is not None:
                parsed = iso_duration_seconds(str(retention_text))
                if parsed is None:
                    raise InvalidPropertyValue(
                        "retentionTime must be an ISO-8601 duration such as PT1H.",
                        path="constraints.retentionTime",
                    )
                retention = parsed
            now = self.clock()
            task = Task(job.id, task_id, command, duration_of(command), retention, now, state_changed_at=now)
            self._work(account).add_task(job, task)
            self._advance_pool_of(account, job)
            self._changed()

    def get_task(
        self, account: AccountRef, job_id: str, task_id: str, url: str, node_url: Callable[[str, str], str]
    ) -> dict[str, Any]:
        with self.lock:
            job = self._job(account, job_id)
            for task in job.tasks:
                if task.id.lower() == task_id.lower():
                    return self._task_body(task, url, node_url)
            raise TaskNotFound(f"The specified task '{task_id}' does not exist in job '{job.id}'.")

    def list_tasks(
        self,
        account: AccountRef,
        job_id: str,
        url: Callable[[str], str],
        node_url: Callable[[str, str], str],
    ) -> list[dict[str, Any]]:
        with self.lock:
            job = self._job(account, job_id)
            return [self._task_body(task, url(task.id), node_url) for task in job.tasks]

    @staticmethod
    def _task_body(task: Task, url: str, node_url: Callable[[str, str], str]) -> dict[str, Any]:
        where = node_url(task.pool, task.node_id) if task.pool and task.node_id else None
        return task_body(task, url, where)

    def set_node_scheduling(
        self, account: AccountRef, pool_name: str, node_id: str, option: str | None
    ) -> None:
        """``disableScheduling`` with ``option`` (requeue by default), or ``enableScheduling`` (None)."""
        with self.lock:
            pool = self._dataplane_pool(account, pool_name)
            node = pool.node_timeline(self.speed, node_id)
            if node is None:
                raise NodeNotFound(f"The specified node '{node_id}' does not exist in pool '{pool.name}'.")
            target = node[0]
            target.scheduling_disabled = option is not None
            if option in ("requeue", "terminate"):
                reason = f"disableScheduling:{option}"
                self._work(account).stop(pool.name, [target.id], option, self.clock(), reason)
            self._changed()

    def resize_from_dataplane(self, account: AccountRef, pool_name: str, body: dict[str, Any]) -> None:
        """Pool_Resize on the data plane: new fixed targets with their ``nodeDeallocationOption``."""
        with self.lock:
            pool = self._dataplane_pool(account, pool_name)
            option = str(body.get("nodeDeallocationOption") or "requeue").lower()
            if option not in STOP_OPTIONS:
                raise InvalidPropertyValue(
                    f"nodeDeallocationOption must be one of {', '.join(STOP_OPTIONS)}.",
                    path="nodeDeallocationOption",
                )
            fixed: dict[str, Any] = {"nodeDeallocationOption": DEALLOCATION[option]}
            for key in ("targetDedicatedNodes", "targetLowPriorityNodes", "resizeTimeout"):
                if body.get(key) is not None:
                    fixed[key] = body[key]
            pool.properties = {**pool.properties, "scaleSettings": {"fixedScale": fixed}}
            pool.start_resize(self.clock(), self.speed)
            self._changed()

    def work_record(self, account: AccountRef) -> dict[str, Any]:
        """Every task with where and when it ran, the tasks stopped before their end, and pool deletes."""
        with self.lock:
            work = self._work(account)
            for job in work.jobs.values():
                self._advance_pool_of(account, job)
            return {
                "tasks": [
                    {
                        "jobId": task.job_id,
                        "taskId": task.id,
                        "state": task.state,
                        "poolId": task.pool,
                        "nodeId": task.node_id,
                        "startTime": task.started_at,
                        "endTime": task.ended_at,
                        "exitCode": task.exit_code,
                    }
                    for job in work.jobs.values()
                    for task in job.tasks
                ],
                "stopped": list(work.stops),
                "poolDeletes": list(work.pool_deletes),
            }
