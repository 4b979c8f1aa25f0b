"""What `pulumi preview/up/refresh/destroy` really do with BatchPool, through the real engine.

The provider talks to the emulator through a recording proxy, so the order of Azure calls (a replace's
create and delete, an update's single PATCH) is read from what actually went over the wire.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

from azure_batch_emulator.proxy import FaultProxy, ProxyRecord
from tests.e2e.cli import MONITOR_KEY, MOUNT_PASSWORD, POOL_TYPE, Project, pool_steps, pools_in


def writes(proxy: FaultProxy) -> list[ProxyRecord]:
    """The management-plane writes (PUT, PATCH, DELETE) on pools that the provider sent, in order."""
    return [
        record
        for record in proxy.log
        if record.method in ("PUT", "PATCH", "DELETE") and "/pools/" in record.path
    ]


def pool_of(record: ProxyRecord) -> str:
    match = re.search(r"/pools/([^/?]+)", record.path)
    assert match, record.path
    return match.group(1)


def assert_no_secret(text: str, where: str) -> None:
    for value in (MONITOR_KEY, MOUNT_PASSWORD):
        assert value not in text, f"a secret appears in plain text in {where}"


def test_preview_up_refresh_destroy(test_project: Project, proxy: FaultProxy) -> None:
    preview = test_project.run("preview", "--json")
    assert pool_steps(preview.stdout) == ["create"]
    assert writes(proxy) == [], "a preview must not write to Azure"

    up = test_project.run("up", "--yes")
    outputs = test_project.outputs()
    status = outputs["extension_status"]["monitor"]
    assert status["succeeded"] == 1 and status["failed"] == 0
    assert type(status["succeeded"]) is int and type(outputs["current_dedicated_nodes"]) is int
    # In the program itself (Python, not the stack's JSON): ints and output types, as the class declares.
    assert outputs["program_view"] == {
        "dedicated": "1",
        "monitor_failed_plus_one": 1,
        "count_types": ["int"],
        "target": "int",
    }
    assert [pool["name"] for pool in pools_in(proxy.url)] == outputs["pool_names"]

    assert test_project.run("preview", "--expect-no-changes").returncode == 0
    refresh = test_project.run("refresh", "--yes", "--expect-no-changes")
    assert test_project.run("preview", "--expect-no-changes").returncode == 0

    for step, done in (("up", up), ("preview", preview), ("refresh", refresh)):
        assert_no_secret(done.stdout + done.stderr, f"the output of pulumi {step}")
    test_project.run("destroy", "--yes")
    assert pools_in(proxy.url) == []


def test_progress_and_diff_explanations_are_diagnostics_of_the_resource(
    test_project: Project, proxy: FaultProxy
) -> None:
    up = test_project.run("up", "--yes")
    diagnostics = up.stdout.split("Diagnostics:", 1)[1]
    assert f"{POOL_TYPE} (e2e-0):" in diagnostics
    assert "waiting for allocation" in diagnostics and "settled" in diagnostics

    test_project.config("handlerVersion", "1.1")
    preview = test_project.run("preview", "--diff")
    assert "monitor" in preview.stdout and "typeHandlerVersion" in preview.stdout
    assert_no_secret(up.stdout + preview.stdout + preview.stderr, "the CLI's output")


def test_extension_change_with_a_generated_name_creates_before_deleting(
    test_project: Project, proxy: FaultProxy
) -> None:
    test_project.run("up", "--yes")
    [old] = test_project.outputs()["pool_names"]
    proxy.clear()

    test_project.config("handlerVersion", "1.1")
    preview = test_project.run("preview", "--diff")
    assert "replace" in preview.stdout and "typeHandlerVersion" in preview.stdout
    assert pool_steps(test_project.run("preview", "--json").stdout) == ["replace"]

    test_project.run("up", "--yes")
    [new] = test_project.outputs()["pool_names"]
    assert new != old
    order = [(record.method, pool_of(record)) for record in writes(proxy)]
    assert order.index(("PUT", new)) < order.index(("DELETE", old)), order
    assert [pool["name"] for pool in pools_in(proxy.url)] == [new]


def test_extension_change_with_an_explicit_name_deletes_first(
    test_project: Project, proxy: FaultProxy
) -> None:
    test_project.config("poolName", "e2e-explicit")
    test_project.run("up", "--yes")
    proxy.clear()

    test_project.config("handlerVersion", "1.1")
    assert pool_steps(test_project.run("preview", "--json").stdout) == ["replace"]
    test_project.run("up", "--yes")
    order = [(record.method, pool_of(record)) for record in writes(proxy)]
    assert order.index(("DELETE", "e2e-explicit")) < order.index(("PUT", "e2e-explicit")), order
    [pool] = pools_in(proxy.url)
    assert (
        pool["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"][0][
            "typeHandlerVersion"
        ]
        == "1.1"
    )


def test_mutable_changes_update_in_place_with_one_patch(test_project: Project, proxy: FaultProxy) -> None:
    test_project.run("up", "--yes")
    [name] = test_project.outputs()["pool_names"]
    proxy.clear()

    test_project.config("nodes", "2")
    test_project.config("team", "science")
    assert pool_steps(test_project.run("preview", "--json").stdout) == ["update"]
    test_project.run("up", "--yes")
    assert [(record.method, pool_of(record)) for record in writes(proxy)] == [("PATCH", name)]
    assert test_project.outputs()["current_dedicated_nodes"] == 2
    assert test_project.run("preview", "--expect-no-changes").returncode == 0


def test_stack_export_holds_no_secret_in_plain_text(test_project: Project, proxy: FaultProxy) -> None:
    test_project.run("up", "--yes")
    assert_no_secret(test_project.export(), "pulumi stack export after up")
    [pool] = test_project.pool_resources()
    assert "ciphertext" in json.dumps(pool["inputs"]["protectedSettings"]), "kept, encrypted, as an input"
    assert "protectedSettings" not in pool["outputs"] and "writeOnlySecrets" not in pool["outputs"]
    # With --show-secrets the values are there, decrypted: the state held them encrypted, not lost.
    assert MONITOR_KEY in test_project.export(show_secrets=True)

    # A refresh stores Read's inputs, which cannot hold what Azure never returns: the engine drops the
    # protected inputs from the state, and the next preview still plans nothing (diff reads outputs).
    test_project.run("refresh", "--yes")
    [pool] = test_project.pool_resources()
    assert "protectedSettings" not in pool["inputs"] and "writeOnlySecrets" not in pool["inputs"]
    assert test_project.run("preview", "--expect-no-changes").returncode == 0


def test_status_gate_on_the_real_export(test_project: Project, proxy: FaultProxy) -> None:
    test_project.run("up", "--yes")
    exported = test_project.export(show_secrets=True)

    def gate(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pulumi_azure_batch_pool", "status", *args],
            input=stdin,
            env=test_project.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    healthy = gate("--stack", "-", stdin=exported)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "succeeded" in healthy.stdout
    assert_no_secret(healthy.stdout + healthy.stderr, "the status gate's output")

    as_json = gate("--stack", "-", "--json", stdin=exported)
    assert as_json.returncode == 0
    report: Any = json.loads(as_json.stdout)
    assert report

    test_project.run("destroy", "--yes")
    gone = gate("--stack", "-", stdin=exported)
    assert gone.returncode == 5, gone.stdout + gone.stderr
