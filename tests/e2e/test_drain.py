"""Drain before delete through the real engine: a replacement in either order and a destroy let the old
pool's running task finish before its DELETE; the task's end and the DELETE's time come from the emulator's
work record, the order of Azure calls from the recording proxy."""

from __future__ import annotations

from typing import Any

import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from azure_batch_emulator.proxy import FaultProxy
from tests.e2e.cli import Project, pools_in

API = {"api-version": "2025-06-01"}
TASK_SECONDS = 15
"""Long enough to be still running when the drain starts (the new pool is created first), short enough for
a test: the drain waits for it."""


def start_task(emulator: EmulatorServer, pool: str) -> None:
    session = requests.Session()
    session.headers.update(
        {"Authorization": f"Bearer {DEV_TOKEN}", "Content-Type": "application/json; odata=minimalmetadata"}
    )
    url = f"{emulator.url}/batch/{DEMO_ACCOUNT.account_name}"
    job = {"id": "render", "poolInfo": {"poolId": pool}}
    assert session.post(f"{url}/jobs", params=API, json=job, timeout=30).status_code == 201
    task = {"id": "frame-1", "commandLine": f"/bin/sh -c 'sleep {TASK_SECONDS}'"}
    assert session.post(f"{url}/jobs/render/tasks", params=API, json=task, timeout=30).status_code == 201


def work_record(emulator: EmulatorServer) -> dict[str, Any]:
    answer = requests.get(
        f"{emulator.url}/_emulator/work/{DEMO_ACCOUNT.account_name}",
        headers={"Authorization": f"Bearer {DEV_TOKEN}"},
        timeout=30,
    )
    answer.raise_for_status()
    return dict(answer.json())


def assert_finished_before_the_delete(emulator: EmulatorServer, output: str) -> None:
    record = work_record(emulator)
    (task,) = record["tasks"]
    (deleted,) = record["poolDeletes"]
    assert (task["state"], task["exitCode"]) == ("completed", 0)
    assert task["endTime"] <= deleted["time"]
    assert record["stopped"] == []
    text = " ".join(output.split())
    assert "1 tasks still running on 1 of 1 nodes" in text, output
    assert "drained: no task is running" in text, output


def writes_on(proxy: FaultProxy, pool: str) -> list[int]:
    """Positions in the proxy's log of the writes (PATCH, POST, DELETE) on ``pool``."""
    return [
        index
        for index, record in enumerate(proxy.log)
        if record.method in ("PATCH", "POST", "DELETE") and f"/pools/{pool}" in record.path
    ]


def test_a_replacement_with_a_generated_name_drains_the_old_pool_once_the_new_one_is_ready(
    test_project: Project, proxy: FaultProxy, emulator: EmulatorServer
) -> None:
    test_project.config("drain", "true")
    test_project.run("up", "--yes")
    [old] = pools_in(proxy.url)
    start_task(emulator, old["name"])
    proxy.clear()

    test_project.config("handlerVersion", "1.1")
    up = test_project.run("up", "--yes")

    [new] = test_project.outputs()["pool_names"]
    new_node_reads = [i for i, record in enumerate(proxy.log) if f"/pools/{new}/nodes" in record.path]
    first_write_on_old = writes_on(proxy, old["name"])[0]
    assert new_node_reads and new_node_reads[-1] < first_write_on_old, (
        "the old pool keeps its nodes until the new pool's nodes have settled"
    )
    assert_finished_before_the_delete(emulator, up.stdout + up.stderr)
    assert [pool["name"] for pool in pools_in(proxy.url)] == [new]


def test_a_delete_first_replacement_and_a_destroy_drain_too(
    test_project: Project, proxy: FaultProxy, emulator: EmulatorServer
) -> None:
    test_project.config("drain", "true")
    test_project.config("poolName", "e2e-drained")
    test_project.run("up", "--yes")
    start_task(emulator, "e2e-drained")
    proxy.clear()

    test_project.config("handlerVersion", "1.1")
    up = test_project.run("up", "--yes")

    methods = [record.method for record in proxy.log if record.method in ("PUT", "PATCH", "DELETE")]
    assert methods == ["PATCH", "DELETE", "PUT"], "drain (PATCH to 0 nodes), delete, then the new pool"
    assert_finished_before_the_delete(emulator, up.stdout + up.stderr)

    emulator.reset()
    test_project.run("refresh", "--yes")  # the reset emptied the emulator: recreate the pool by `up`
    test_project.run("up", "--yes")
    start_task(emulator, "e2e-drained")
    destroy = test_project.run("destroy", "--yes")
    assert_finished_before_the_delete(emulator, destroy.stdout + destroy.stderr)
    assert pools_in(proxy.url) == []


def test_the_preview_of_a_replacement_warns_exactly_when_the_old_pool_runs_tasks(
    test_project: Project, proxy: FaultProxy, emulator: EmulatorServer
) -> None:
    test_project.run("up", "--yes")
    [old] = pools_in(proxy.url)
    test_project.config("handlerVersion", "1.1")
    proxy.clear()

    quiet = test_project.run("preview")
    start_task(emulator, old["name"])
    busy = test_project.run("preview")

    assert "replacement deletes the pool" not in " ".join((quiet.stdout + quiet.stderr).split())
    text = " ".join((busy.stdout + busy.stderr).split())
    assert f"this replacement deletes the pool '{old['name']}', where 1 tasks running on 1 of 1 nodes" in text
    assert "drainBeforeDelete is off" in text
    assert [record.method for record in proxy.log if record.method in ("PUT", "PATCH", "DELETE")] == [], (
        "the check is read-only"
    )
