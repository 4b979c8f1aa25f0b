"""What runs on a pool right now: running tasks per node and the tasks queued for it, read-only.

It answers one question before a pool goes away: what would a delete interrupt? The status gate shows it
per pool (so a pipeline can see what a replace would cost) and a replacement's preview warns with it. Queued
tasks belong to jobs, not to nodes (Batch places them when a slot frees up), so they are counted per pool:
the ``active`` tasks of every job whose ``poolInfo.poolId`` is this pool.

Cost: one node list (paged, only the fields needed), one job list and one task-count read per job on the
pool.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_azure_batch_pool.azure_clients.dataplane import DataPlaneClient

NODE_FIELDS = "id,state,runningTasksCount,recentTasks"


@dataclass(frozen=True)
class NodeWork:
    """One node: its state, how many tasks run on it and which (``job/task``, as far as Batch lists them)."""

    node_id: str
    state: str
    running_tasks: int
    tasks: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.node_id,
            "state": self.state,
            "runningTasks": self.running_tasks,
            "tasks": list(self.tasks),
        }


@dataclass(frozen=True)
class WorkReport:
    """The pool's nodes with their running tasks, and the tasks its jobs still have queued."""

    nodes: tuple[NodeWork, ...]
    queued_tasks: int
    jobs: tuple[str, ...]

    @property
    def running_tasks(self) -> int:
        return sum(node.running_tasks for node in self.nodes)

    @property
    def busy_nodes(self) -> int:
        return sum(1 for node in self.nodes if node.running_tasks)

    def line(self) -> str:
        """One sentence: ``2 tasks running on 1 of 3 nodes, 4 queued``."""
        return (
            f"{self.running_tasks} tasks running on {self.busy_nodes} of {len(self.nodes)} nodes, "
            f"{self.queued_tasks} queued"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "runningTasks": self.running_tasks,
            "queuedTasks": self.queued_tasks,
            "jobs": list(self.jobs),
            "nodes": [node.as_json() for node in self.nodes],
        }


def read_work(client: DataPlaneClient, pool_name: str, deadline: float | None = None) -> WorkReport:
    """Read the pool's running and queued work (data-plane errors propagate: the caller decides)."""
    listed = client.list_nodes(pool_name, select=NODE_FIELDS, deadline=deadline)
    nodes = tuple(_node_work(node) for node in listed)
    jobs = tuple(str(job["id"]) for job in client.list_jobs(deadline=deadline) if _runs_on(job, pool_name))
    queued = sum(
        int((client.task_counts(job, deadline=deadline).get("taskCounts") or {}).get("active") or 0)
        for job in jobs
    )
    return WorkReport(nodes, queued, jobs)


def _node_work(node: Mapping[str, Any]) -> NodeWork:
    running = [
        f"{task.get('jobId')}/{task.get('taskId')}"
        for task in node.get("recentTasks") or []
        if str(task.get("taskState", "")).lower() == "running"
    ]
    return NodeWork(
        str(node.get("id")), str(node.get("state")), int(node.get("runningTasksCount") or 0), tuple(running)
    )


def _runs_on(job: Mapping[str, Any], pool_name: str) -> bool:
    pool = (job.get("poolInfo") or {}).get("poolId") or (job.get("executionInfo") or {}).get("poolId")
    return str(pool or "").lower() == pool_name.lower()
