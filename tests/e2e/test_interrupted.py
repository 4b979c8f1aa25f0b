"""A `pulumi up` killed while its create waits, and adoption of a pool Pulumi does not know yet."""

from __future__ import annotations

import json
import os
import signal
import time

from azure_batch_emulator.proxy import FaultProxy, Rule
from tests.e2e.cli import Project, disown, kill_group, pools_in, processes_in, wait_until


def stack_pool_ids(project: Project) -> list[str]:
    return [resource["id"] for resource in project.pool_resources()]


def pending_operations(project: Project) -> list[dict[str, object]]:
    return list(json.loads(project.export())["deployment"].get("pending_operations") or [])


def test_cli_killed_while_a_create_waits(test_project: Project, proxy: FaultProxy) -> None:
    # Hold the create in its wait: the first read of the pool after the PUT is answered 30 s late.
    proxy.add(Rule("delay", method="GET", path=r"/pools/[^/?]+\?", delay_ms=30_000, times=1))
    up = test_project.start("up", "--yes")
    wait_until(lambda: any(record.method == "PUT" for record in proxy.log), what="the create PUT")
    time.sleep(1)
    kill_group(up)
    # The engine starts the provider in a process group of its own: it outlives the killed CLI, still
    # waiting on its create. The README's steps end it before the next run; so does this test.
    survivors = processes_in(test_project.dir)
    assert survivors, "the provider process did not outlive the CLI"
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    [pool] = pools_in(proxy.url)  # the PUT committed: the pool exists in Azure, unknown to the stack

    pending = pending_operations(test_project)
    assert [operation["type"] for operation in pending] == ["creating"], pending

    # The next up: the engine reports the interrupted create and runs it again; the provider recognises
    # the pool its earlier PUT made (ownership tags) instead of making a second one.
    proxy.clear()
    locked = test_project.run("up", "--yes", check=False)
    assert locked.returncode != 0 and "pulumi cancel" in locked.stdout + locked.stderr
    test_project.run("cancel", "--yes")  # a DIY backend's cancel removes the dead run's lock
    again = test_project.run("up", "--yes")
    assert "1 pending operations" in again.stdout
    assert "already exists, and Azure holds it with this create's token" in again.stdout
    assert [p["name"] for p in pools_in(proxy.url)] == [pool["name"]]
    assert stack_pool_ids(test_project) == [pool["id"]]

    # The engine keeps the dead run's pending create in the state until it is cleared: a plain refresh
    # leaves it, --clear-pending-creates removes it (the pool is already in the stack, so nothing is lost).
    test_project.run("refresh", "--yes")
    assert len(pending_operations(test_project)) == 1
    test_project.run("refresh", "--yes", "--clear-pending-creates")
    assert pending_operations(test_project) == []
    assert stack_pool_ids(test_project) == [pool["id"]]
    assert test_project.run("preview", "--expect-no-changes").returncode == 0
    assert test_project.run("refresh", "--yes", "--expect-no-changes").returncode == 0


def test_adopting_an_existing_pool_then_no_diff(test_project: Project, proxy: FaultProxy) -> None:
    # A pool made outside Pulumi (by the portal, a script, another tool) with the program's settings.
    test_project.config("poolName", "e2e-adopted")
    test_project.run("up", "--yes")
    [made] = pools_in(proxy.url)
    [urn] = [resource["urn"] for resource in test_project.pool_resources()]
    test_project.run("state", "delete", urn, "--yes")
    disown(proxy.url, "e2e-adopted")

    refused = test_project.run("up", "--yes", check=False)
    assert refused.returncode != 0 and "adopt" in refused.stdout.lower()

    test_project.config("adopt", "true")
    test_project.run("up", "--yes")
    assert [p["name"] for p in pools_in(proxy.url)] == ["e2e-adopted"]
    assert stack_pool_ids(test_project) == [made["id"]]
    assert test_project.run("preview", "--expect-no-changes").returncode == 0
