"""Work as the data plane shows it: task and job bodies, a node's state with its tasks, and the bridge that
lets a pool's resize down (``Pool.advance``) ask which nodes are busy and release them."""

from __future__ import annotations

from typing import Any

from azure_batch_emulator.nodes import Node, iso, node_state
from azure_batch_emulator.pools import Pool
from azure_batch_emulator.speeds import Speed
from azure_batch_emulator.work import Job, Slot, Task, Work

MAX_WALL_CLOCK = "P10675199DT2H48M5.4775807S"
"""What Batch shows for "no limit" in a job's or task's constraints."""


class PoolWork:
    """One pool's view of the account's work: the ``NodeRelease`` its resize down uses."""

    def __init__(self, work: Work, pool: Pool) -> None:
        self._work = work
        self._pool = pool
        self._running = work.running_on(pool.name)

    def busy(self, node_id: str) -> bool:
        return bool(self._running.get(node_id.lower()))

    def release(self, nodes: list[Node], option: str, at: float) -> dict[str, float]:
        ids = [node.id for node in nodes]
        if option in ("requeue", "terminate"):
            self._work.stop(self._pool.name, ids, option, at, f"resize:{option}")
            return {node_id.lower(): at for node_id in ids}
        return self._work.free_at(self._pool.name, ids, option, at)


def slots(pool: Pool, speed: Speed, now: float) -> list[Slot]:
    """Each node as scheduling sees it at ``now``: ready once ``idle`` (never when ``unusable``)."""
    per_node = int(pool.shown_properties().get("taskSlotsPerNode", 1))
    found = []
    for node, steps in pool.node_timelines(speed, 0):
        state, since = node_state(node, steps, speed, now)
        ready = since if state == "idle" else None
        found.append(Slot(node.id, ready, not (node.scheduling_disabled or node.leaving), per_node))
    return found


def with_work(body: dict[str, Any], node: Node, ran: list[Task]) -> dict[str, Any]:
    """A node body with its tasks: ``running`` while a task runs, ``leavingpool`` while a resize waits
    for it, ``offline`` when scheduling is disabled and nothing runs; task counts and recent tasks."""
    running = [task for task in ran if task.state == "running"]
    if body["state"] == "idle":
        if running:
            body["state"] = "running"
        elif node.leaving:
            body["state"] = "leavingpool"
        elif node.scheduling_disabled:
            body["state"] = "offline"
    if node.leaving and body["state"] == "running":
        body["state"] = "leavingpool"
    body["schedulingState"] = "disabled" if node.scheduling_disabled else "enabled"
    body["totalTasksRun"] = len(ran)
    body["totalTasksSucceeded"] = sum(1 for task in ran if task.state == "completed" and task.exit_code == 0)
    body["runningTasksCount"] = len(running)
    body["runningTaskSlotsCount"] = len(running)
    if running:
        body["recentTasks"] = [
            {
                "taskUrl": "",
                "jobId": task.job_id,
                "taskId": task.id,
                "taskState": task.state,
                "executionInfo": {
                    "startTime": iso(task.started_at or 0.0),
                    "retryCount": 0,
                    "requeueCount": 0,
                },
            }
            for task in running
        ]
    return body


def job_body(job: Job, url: str) -> dict[str, Any]:
    """The data-plane ``BatchJob`` body with Batch's defaults."""
    created = iso(job.created_at)
    return {
        "id": job.id,
        "url": url,
        "eTag": f"0x8D{int(job.created_at * 10_000_000) & 0xFFFFFFFFFFFFF:013X}",
        "lastModified": created,
        "creationTime": created,
        "state": "active",
        "stateTransitionTime": created,
        "priority": job.priority,
        "maxParallelTasks": -1,
        "allowTaskPreemption": False,
        "usesTaskDependencies": False,
        "constraints": {"maxWallClockTime": MAX_WALL_CLOCK, "maxTaskRetryCount": 0},
        "poolInfo": {"poolId": job.pool_id},
        "onAllTasksComplete": "noaction",
        "onTaskFailure": "noaction",
        "executionInfo": {"startTime": created, "poolId": job.pool_id},
    }


def task_body(task: Task, url: str, node_url: str | None) -> dict[str, Any]:
    """The data-plane ``BatchTask`` body at its current state."""
    body: dict[str, Any] = {
        "id": task.id,
        "url": url,
        "eTag": f"0x8D{int(task.state_changed_at * 10_000_000) & 0xFFFFFFFFFFFFF:013X}",
        "creationTime": iso(task.created_at),
        "lastModified": iso(task.state_changed_at),
        "state": task.state,
        "stateTransitionTime": iso(task.state_changed_at),
        "commandLine": task.command_line,
        "userIdentity": {"autoUser": {"scope": "pool", "elevationLevel": "nonadmin"}},
        "constraints": {
            "maxWallClockTime": MAX_WALL_CLOCK,
            "retentionTime": "P7D" if task.retention == 7 * 86400 else f"PT{task.retention:g}S",
            "maxTaskRetryCount": 0,
        },
        "requiredSlots": 1,
        "executionInfo": {"retryCount": 0, "requeueCount": task.requeue_count},
    }
    if task.previous_state is not None and task.previous_changed_at is not None:
        body["previousState"] = task.previous_state
        body["previousStateTransitionTime"] = iso(task.previous_changed_at)
    info = body["executionInfo"]
    if task.started_at is not None:
        info["startTime"] = iso(task.started_at)
    if task.state == "completed":
        info["endTime"] = iso(task.ended_at or 0.0)
        info["exitCode"] = task.exit_code
        info["result"] = "success" if task.exit_code == 0 else "failure"
        if task.stopped is not None:
            info["failureInfo"] = {
                "category": "servererror",
                "code": "TaskEnded",
                "message": f"The task was terminated before it finished ({task.stopped}).",
            }
    if task.node_id is not None and task.pool is not None and node_url is not None:
        body["nodeInfo"] = {
            "affinityId": f"TVM:{task.node_id}",
            "nodeUrl": node_url,
            "poolId": task.pool,
            "nodeId": task.node_id,
            "taskRootDirectory": f"workitems/{task.job_id}/job-1/{task.id}",
            "taskRootDirectoryUrl": f"{node_url}/files/workitems/{task.job_id}/job-1/{task.id}",
        }
    return body
