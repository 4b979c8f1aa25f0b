"""A delete that Azure refuses, through the real engine: the message, and the promise it makes.

The provider's message for a failed delete says the pool is still in Azure, that Pulumi keeps it in the
stack's state and tries the delete again on the next `pulumi up` or `pulumi destroy`, and the command that
deletes it by hand. Whether Pulumi really keeps it and tries again is the engine's doing, so it is checked
here with the real CLI, for `pulumi destroy` and for both orders of a replacement, with 500s injected on the
old pool's DELETE by the proxy between the provider and the emulator.
"""

from __future__ import annotations

from azure_batch_emulator.proxy import FaultProxy, Rule
from tests.e2e.cli import Project, pools_in

KEEPS_IT = "Pulumi keeps it in the stack's state and tries the delete again"


def _refuse_deletes_of(pool: str, proxy: FaultProxy) -> None:
    proxy.add(Rule("status", "DELETE", rf"/pools/{pool}\?", status=500, headers={"Retry-After": "0"}))


def _says_what_is_left(output: str, pool_id: str) -> None:
    text = " ".join(output.split())  # the CLI wraps long diagnostics
    assert "could NOT be deleted and is still in Azure" in text, output
    assert KEEPS_IT in text and f"az resource delete --ids '{pool_id}'" in text, output


def test_a_replacement_whose_old_pool_cannot_be_deleted_keeps_it_and_deletes_it_on_the_next_up(
    test_project: Project, proxy: FaultProxy
) -> None:
    test_project.run("up", "--yes")
    [old] = pools_in(proxy.url)
    _refuse_deletes_of(old["name"], proxy)

    test_project.config("handlerVersion", "1.1")  # a generated name: the new pool first, then the delete
    failed = test_project.run("up", "--yes", check=False)
    assert failed.returncode != 0
    _says_what_is_left(failed.stdout + failed.stderr, old["id"])
    assert sorted(pool["name"] for pool in pools_in(proxy.url)) == sorted(
        [old["name"], *test_project.outputs()["pool_names"]]
    ), "the old pool is still there, next to its replacement"
    assert any(resource.get("delete") for resource in test_project.pool_resources()), "kept, to delete"

    proxy.clear()
    test_project.run("up", "--yes")
    assert [pool["name"] for pool in pools_in(proxy.url)] == test_project.outputs()["pool_names"]
    assert old["name"] not in test_project.outputs()["pool_names"]


def test_a_delete_first_replacement_that_cannot_delete_keeps_the_old_pool_and_replaces_it_next_time(
    test_project: Project, proxy: FaultProxy
) -> None:
    test_project.config("poolName", "e2e-explicit")
    test_project.run("up", "--yes")
    [old] = pools_in(proxy.url)
    _refuse_deletes_of("e2e-explicit", proxy)

    test_project.config("handlerVersion", "1.1")  # an explicit name: the delete comes first
    failed = test_project.run("up", "--yes", check=False)
    assert failed.returncode != 0
    _says_what_is_left(failed.stdout + failed.stderr, old["id"])
    [still] = pools_in(proxy.url)
    assert still["properties"]["provisioningState"] == "Succeeded"
    assert [resource["id"] for resource in test_project.pool_resources()] == [old["id"]]

    proxy.clear()
    test_project.run("up", "--yes")
    [pool] = pools_in(proxy.url)
    extension = pool["properties"]["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"][0]
    assert extension["typeHandlerVersion"] == "1.1"


def test_a_destroy_that_cannot_delete_keeps_the_pool_and_the_next_destroy_deletes_it(
    test_project: Project, proxy: FaultProxy
) -> None:
    test_project.run("up", "--yes")
    [pool] = pools_in(proxy.url)
    _refuse_deletes_of(pool["name"], proxy)

    failed = test_project.run("destroy", "--yes", check=False)
    assert failed.returncode != 0
    _says_what_is_left(failed.stdout + failed.stderr, pool["id"])
    assert [left["name"] for left in pools_in(proxy.url)] == [pool["name"]]
    assert [resource["id"] for resource in test_project.pool_resources()] == [pool["id"]]

    proxy.clear()
    test_project.run("destroy", "--yes")
    assert pools_in(proxy.url) == []
