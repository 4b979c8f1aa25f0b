"""The emulator runs work: jobs and tasks on a pool's nodes, node scheduling, resize down with each
``nodeDeallocationOption`` and a pool delete, over HTTP with a clock the tests move by hand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer
from tests.emulator.conftest import API, FakeClock, arm_account_url, pool_body


@pytest.fixture
def server(clock: FakeClock) -> Iterator[EmulatorServer]:
    """An emulator at "instant" speed whose clock only moves when a test says so."""
    with EmulatorServer(port=0, speed="instant", seed=5, clock=clock) as emulator:
        yield emulator


class Batch:
    """A small data-plane client for the tests (the SDK test is in test_fidelity_dataplane_sdk)."""

    def __init__(self, http: requests.Session, server: EmulatorServer) -> None:
        self.http = http
        self.server = server
        self.url = f"{server.url}/batch/{DEMO_ACCOUNT.account_name}"
        self.arm = arm_account_url(server)

    def pool(self, name: str, nodes: int, **scale: Any) -> list[str]:
        body = pool_body(nodes=nodes, extensions=[])
        body["properties"]["scaleSettings"]["fixedScale"].update(scale)
        assert self.http.put(f"{self.arm}/pools/{name}", params=API, json=body).status_code == 200
        return [node["id"] for node in self.nodes(name)]

    def nodes(self, pool: str) -> list[dict[str, Any]]:
        response = self.http.get(f"{self.url}/pools/{pool}/nodes", params=API)
        assert response.status_code == 200, response.text
        return list(response.json()["value"])

    def post(self, path: str, body: dict[str, Any] | None, status: int) -> requests.Response:
        headers = {"Content-Type": "application/json; odata=minimalmetadata"}
        response = self.http.post(f"{self.url}{path}", params=API, json=body, headers=headers)
        assert response.status_code == status, response.text
        return response

    def job(self, job: str, pool: str) -> None:
        self.post("/jobs", {"id": job, "poolInfo": {"poolId": pool}}, 201)

    def task(self, job: str, task: str, command: str) -> None:
        self.post(f"/jobs/{job}/tasks", {"id": task, "commandLine": command}, 201)

    def get_task(self, job: str, task: str) -> dict[str, Any]:
        response = self.http.get(f"{self.url}/jobs/{job}/tasks/{task}", params=API)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def record(self) -> dict[str, Any]:
        response = self.http.get(f"{self.server.url}/_emulator/work/{DEMO_ACCOUNT.account_name}")
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def batch(http: requests.Session, server: EmulatorServer) -> Batch:
    return Batch(http, server)


def states(batch: Batch, pool: str) -> list[str]:
    return [node["state"] for node in batch.nodes(pool)]


def test_a_task_runs_on_a_node_for_its_sleep_then_completes(batch: Batch, clock: FakeClock) -> None:
    nodes = batch.pool("p", 1)
    batch.job("j", "p")
    response = batch.post("/jobs/j/tasks", {"id": "t1", "commandLine": "/bin/bash -c 'sleep 30'"}, 201)
    assert response.headers["DataServiceId"].endswith("/jobs/j/tasks/t1")
    task = batch.get_task("j", "t1")
    assert task["state"] == "running"
    assert task["nodeInfo"]["nodeId"] == nodes[0]
    assert task["nodeInfo"]["poolId"] == "p"
    node = batch.nodes("p")[0]
    assert (node["state"], node["runningTasksCount"]) == ("running", 1)
    clock.advance(29)
    assert batch.get_task("j", "t1")["state"] == "running"
    clock.advance(1)
    done = batch.get_task("j", "t1")
    assert (done["state"], done["previousState"]) == ("completed", "running")
    assert done["executionInfo"]["exitCode"] == 0
    assert done["executionInfo"]["result"] == "success"
    node = batch.nodes("p")[0]
    assert (node["state"], node["totalTasksRun"], node["totalTasksSucceeded"]) == ("idle", 1, 1)


def test_tasks_queue_while_every_slot_is_busy(batch: Batch, clock: FakeClock) -> None:
    batch.pool("p", 1)
    batch.job("j", "p")
    batch.task("j", "a", "sleep 10")
    batch.task("j", "b", "sleep 10")
    assert [batch.get_task("j", t)["state"] for t in "ab"] == ["running", "active"]
    clock.advance(15)
    second = batch.get_task("j", "b")
    assert second["state"] == "running"
    assert second["executionInfo"]["startTime"].startswith(
        batch.get_task("j", "a")["executionInfo"]["endTime"][:19]
    )


def test_disable_scheduling_requeue_and_terminate_stop_running_tasks(batch: Batch) -> None:
    first, second = batch.pool("p", 2)
    batch.job("j", "p")
    batch.task("j", "a", "sleep 100")
    batch.task("j", "b", "sleep 100")
    on = {batch.get_task("j", t)["nodeInfo"]["nodeId"]: t for t in "ab"}
    batch.post(f"/pools/p/nodes/{first}/disablescheduling", {"nodeDisableSchedulingOption": "terminate"}, 200)
    killed = batch.get_task("j", on[first])
    assert killed["state"] == "completed"
    assert killed["executionInfo"]["result"] == "failure"
    batch.post(f"/pools/p/nodes/{second}/disablescheduling", {"nodeDisableSchedulingOption": "requeue"}, 200)
    requeued = batch.get_task("j", on[second])
    assert (requeued["state"], requeued["executionInfo"]["requeueCount"]) == ("active", 1)
    assert sorted(states(batch, "p")) == ["offline", "offline"]
    assert {node["schedulingState"] for node in batch.nodes("p")} == {"disabled"}
    stopped = batch.record()["stopped"]
    assert sorted((item["taskId"], item["option"]) for item in stopped) == sorted(
        [(on[first], "terminate"), (on[second], "requeue")]
    )
    batch.post(f"/pools/p/nodes/{second}/enablescheduling", None, 200)
    assert batch.get_task("j", on[second])["state"] == "running"


def test_disable_scheduling_taskcompletion_lets_the_task_finish_and_starts_nothing_new(
    batch: Batch, clock: FakeClock
) -> None:
    (node,) = batch.pool("p", 1)
    batch.job("j", "p")
    batch.task("j", "a", "sleep 20")
    batch.post(
        f"/pools/p/nodes/{node}/disablescheduling", {"nodeDisableSchedulingOption": "taskcompletion"}, 200
    )
    batch.task("j", "b", "sleep 1")
    assert states(batch, "p") == ["running"]
    clock.advance(20)
    assert batch.get_task("j", "a")["state"] == "completed"
    assert batch.get_task("j", "b")["state"] == "active"
    assert states(batch, "p") == ["offline"]
    assert batch.record()["stopped"] == []


def test_an_unknown_disable_option_is_refused(batch: Batch) -> None:
    (node,) = batch.pool("p", 1)
    response = batch.post(
        f"/pools/p/nodes/{node}/disablescheduling", {"nodeDisableSchedulingOption": "x"}, 400
    )
    assert response.json()["code"] == "InvalidPropertyValue"


def test_jobs_and_tasks_refuse_duplicates_and_unknown_ids(batch: Batch) -> None:
    batch.pool("p", 1)
    batch.job("j", "p")
    assert batch.post("/jobs", {"id": "J", "poolInfo": {"poolId": "p"}}, 409).json()["code"] == "JobExists"
    batch.task("j", "t", "echo hi")
    assert batch.post("/jobs/j/tasks", {"id": "t", "commandLine": "x"}, 409).json()["code"] == "TaskExists"
    assert (
        batch.post("/jobs/nope/tasks", {"id": "t", "commandLine": "x"}, 404).json()["code"] == "JobNotFound"
    )
    response = batch.http.get(f"{batch.url}/jobs/j/tasks/nope", params=API)
    assert (response.status_code, response.json()["code"]) == (404, "TaskNotFound")
    assert batch.get_task("j", "t")["state"] == "completed"  # no sleep: done as soon as it starts


@pytest.mark.parametrize("option", ["Requeue", "Terminate"])
def test_resize_down_requeue_and_terminate_stop_tasks_at_once(batch: Batch, option: str) -> None:
    batch.pool("p", 1)
    batch.job("j", "p")
    batch.task("j", "a", "sleep 100")
    scale = {"fixedScale": {"targetDedicatedNodes": 0, "nodeDeallocationOption": option}}
    patch = batch.http.patch(
        f"{batch.arm}/pools/p", params=API, json={"properties": {"scaleSettings": scale}}
    )
    assert patch.status_code == 200
    assert batch.nodes("p") == []
    task = batch.get_task("j", "a")
    assert task["state"] == ("active" if option == "Requeue" else "completed")
    assert [item["option"] for item in batch.record()["stopped"]] == [option.lower()]


def test_resize_down_taskcompletion_waits_for_running_tasks(batch: Batch, clock: FakeClock) -> None:
    batch.pool("p", 2)
    batch.job("j", "p")
    batch.task("j", "a", "sleep 60")
    batch.post(
        "/pools/p/resize", {"targetDedicatedNodes": 0, "nodeDeallocationOption": "taskcompletion"}, 202
    )
    assert sorted(states(batch, "p")) == ["leavingpool"]  # the idle node left at once
    pool = batch.http.get(f"{batch.arm}/pools/p", params=API).json()["properties"]
    assert pool["allocationState"] == "Resizing"
    assert pool["resizeOperationStatus"]["nodeDeallocationOption"] == "TaskCompletion"
    clock.advance(59)
    assert states(batch, "p") == ["leavingpool"]
    clock.advance(1)
    assert batch.nodes("p") == []
    assert batch.get_task("j", "a")["state"] == "completed"
    assert (
        batch.http.get(f"{batch.arm}/pools/p", params=API).json()["properties"]["allocationState"] == "Steady"
    )
    assert batch.record()["stopped"] == []


def test_resize_down_retaineddata_also_waits_for_task_retention(batch: Batch, clock: FakeClock) -> None:
    batch.pool("p", 1)
    batch.job("j", "p")
    batch.post(
        "/jobs/j/tasks", {"id": "a", "commandLine": "sleep 10", "constraints": {"retentionTime": "PT1H"}}, 201
    )
    batch.post("/pools/p/resize", {"targetDedicatedNodes": 0, "nodeDeallocationOption": "retaineddata"}, 202)
    clock.advance(10 + 3599)
    assert len(batch.nodes("p")) == 1
    clock.advance(1)
    assert batch.nodes("p") == []


def test_deleting_a_pool_requeues_its_running_tasks_and_records_them(batch: Batch, clock: FakeClock) -> None:
    batch.pool("p", 1)
    batch.job("j", "p")
    batch.task("j", "b", "echo quick")
    batch.task("j", "a", "sleep 100")
    clock.advance(5)
    assert batch.http.delete(f"{batch.arm}/pools/p", params=API).status_code == 202
    record = batch.record()
    assert [(item["taskId"], item["reason"]) for item in record["stopped"]] == [("a", "poolDeleted")]
    assert record["poolDeletes"][0]["poolId"] == "p"
    assert record["stopped"][0]["stopTime"] == record["poolDeletes"][0]["time"]
    assert batch.get_task("j", "a")["state"] == "active"
    assert batch.get_task("j", "b")["state"] == "completed"


def test_work_survives_a_restart_through_the_state_file(tmp_path: Any, http: requests.Session) -> None:
    state_file = tmp_path / "state.json"
    with EmulatorServer(port=0, state_file=str(state_file)) as first:
        batch = Batch(http, first)
        batch.pool("p", 1)
        batch.job("j", "p")
        batch.task("j", "a", "sleep 3600")
    with EmulatorServer(port=0, state_file=str(state_file)) as second:
        assert Batch(http, second).get_task("j", "a")["state"] == "running"


def test_task_counts_of_a_job(batch: Batch, clock: FakeClock) -> None:
    batch.pool("p", 1)
    batch.job("j", "p")
    for name, command in (("a", "sleep 10"), ("b", "sleep 10"), ("c", "sleep 10")):
        batch.task("j", name, command)
    clock.advance(10)
    response = batch.http.get(f"{batch.url}/jobs/j/taskcounts", params=API)
    assert response.status_code == 200
    counts = response.json()["taskCounts"]
    assert (counts["active"], counts["running"], counts["completed"], counts["succeeded"]) == (1, 1, 1, 1)
