"""The status gate shows work: running tasks per node and the tasks queued for the pool, in its table and
its JSON, so a pipeline can see what a replace would interrupt."""

from __future__ import annotations

import json

import requests

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer
from tests.provider.test_drain import Work
from tests.provider.test_status_command import by_name, put_pool, run


def test_the_gate_lists_running_and_queued_tasks(emulator: EmulatorServer, http: requests.Session) -> None:
    put_pool(emulator, "busy")
    put_pool(emulator, "quiet")
    Work(http, emulator).run("busy", "sleep 600", "sleep 600")
    queued = {"id": "t9", "commandLine": "sleep 5"}
    url = f"{emulator.url}/batch/{DEMO_ACCOUNT.account_name}/jobs/job-busy/tasks"
    assert http.post(url, params={"api-version": "2025-06-01"}, json=queued).status_code == 201

    code, out, _ = run(emulator, *by_name("busy", "quiet"), "--json")

    assert code == 0
    busy, quiet = json.loads(out)["pools"]
    assert (busy["work"]["runningTasks"], busy["work"]["queuedTasks"]) == (2, 1)
    assert busy["work"]["jobs"] == ["job-busy"]
    assert sorted(task for node in busy["work"]["nodes"] for task in node["tasks"]) == [
        "job-busy/t0",
        "job-busy/t1",
    ]
    assert {node["state"] for node in busy["work"]["nodes"]} == {"running"}
    assert (quiet["work"]["runningTasks"], quiet["work"]["queuedTasks"]) == (0, 0)

    code, text, _ = run(emulator, *by_name("busy"))
    assert "work: 2 tasks running on 2 of 2 nodes, 1 queued" in text
    rows = [line.split() for line in text.splitlines() if "job-busy/" in line]
    assert len(rows) == 2 and all(row[1] == "1" for row in rows)
