"""Ownership under faults: a create run again finds its own pool, and never touches anyone else's.

The engine runs Check again with empty olds when it retries a create that left nothing in state (process
killed, deployment interrupted, rollback that could not delete). These cases make the first attempt leave
its pool behind through the proxy, then run the same create again as the engine would.
"""

from __future__ import annotations

from typing import Any

import pytest

from azure_batch_emulator import EmulatorServer
from azure_batch_emulator.proxy import FaultProxy, Rule
from pulumi_azure_batch_pool.lifecycle.deletion import delete_command
from pulumi_azure_batch_pool.model.ownership import CREATE_TOKEN_TAG, MANAGED_BY_TAG, RESOURCE_TAG, STACK_TAG

from .harness import (
    POOL,
    POOL_PATH,
    STACK,
    TIGHT_MINUTES,
    assert_truthful,
    checked,
    configured,
    owned,
    plain,
    pools,
    program,
    put_foreign_pool,
    run,
    user_tags,
)


def _stderr(capsys: pytest.CaptureFixture[str]) -> Any:
    return lambda: capsys.readouterr().err


@pytest.mark.parametrize("name", [POOL, None], ids=["fixed name", "generated name"])
def test_a_create_that_left_its_pool_behind_is_continued_by_the_retry(
    name: str | None, proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = configured(proxy.url)
    first_inputs = checked(provider, program(poolName=name, timeoutMinutes=TIGHT_MINUTES))
    pool_path = rf"/pools/{first_inputs['poolName']}\?"
    proxy.add(Rule("reset", "GET", pool_path))  # the wait sees nothing ...
    proxy.add(Rule("reset", "DELETE", pool_path))  # ... and the rollback cannot delete
    first = run(lambda: provider.create(first_inputs), _stderr(capsys), timeout_minutes=TIGHT_MINUTES)
    assert "could NOT be deleted" in first.message
    assert_truthful(first, pools(emulator), first_inputs["poolName"])
    proxy.clear()

    # The engine's Check, with empty olds; in-place values changed meanwhile keep the name.
    changed = {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": 3}}, "tags": {"team": "physics"}}
    retry_inputs = checked(provider, program(poolName=name, **changed))
    assert retry_inputs["poolName"] == first_inputs["poolName"], "a derived name finds the first pool"
    retry = run(lambda: provider.create(retry_inputs), _stderr(capsys))
    left = pools(emulator)
    assert_truthful(retry, left, first_inputs["poolName"])
    assert retry.message == ""
    assert [pool["name"] for pool in left] == [first_inputs["poolName"]], "one pool, not two"
    assert left[0]["tags"][CREATE_TOKEN_TAG] == retry.result.outs["createToken"], "the retry claimed it"
    assert left[0]["tags"]["team"] == "physics", "Azure holds what the outputs say"
    assert left[0]["properties"]["scaleSettings"]["fixedScale"]["targetDedicatedNodes"] == 3
    assert retry.result.outs["currentDedicatedNodes"] == 3
    assert "continuing with it" in retry.log


def test_someone_elses_pool_is_refused_and_left_untouched(
    proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    put_foreign_pool(emulator)
    provider = configured(proxy.url)
    outcome = run(lambda: provider.create(checked(provider, program())), _stderr(capsys))
    left = pools(emulator)
    assert_truthful(outcome, left)
    assert "was not created by this resource" in outcome.message
    assert "carries no pulumi-batchpool ownership tags" in outcome.message
    assert "adopt_existing=True" in outcome.message
    assert [pool["tags"] for pool in left] == [{"owner": "someone-else"}], "never touched"
    assert not any(record.method in ("DELETE", "PATCH") for record in proxy.log)


def test_another_stacks_pool_is_refused_naming_its_owner(
    proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    tags = {MANAGED_BY_TAG: "pulumi-batchpool", STACK_TAG: "render/prod", RESOURCE_TAG: "render"}
    put_foreign_pool(emulator, {**tags, CREATE_TOKEN_TAG: "0" * 32 + ".00000000"})
    provider = configured(proxy.url)
    outcome = run(lambda: provider.create(checked(provider, program())), _stderr(capsys))
    left = pools(emulator)
    assert_truthful(outcome, left)
    assert "belongs to stack 'render/prod', resource 'render'" in outcome.message
    assert left[0]["tags"][STACK_TAG] == "render/prod"


def test_this_resources_pool_from_other_settings_is_refused_with_the_delete_command(
    proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    tags = {MANAGED_BY_TAG: "pulumi-batchpool", STACK_TAG: STACK, RESOURCE_TAG: "render"}
    put_foreign_pool(emulator, {**tags, CREATE_TOKEN_TAG: "0" * 32 + ".00000000"})
    provider = configured(proxy.url)
    inputs = checked(provider, program())
    outcome = run(lambda: provider.create(inputs), _stderr(capsys))
    assert_truthful(outcome, pools(emulator))
    assert "earlier deployment of this resource" in outcome.message
    assert "az resource delete --ids" in outcome.message and "adopt_existing=True" in outcome.message


def test_adopt_existing_takes_a_foreign_pool_over_and_marks_it(
    proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    put_foreign_pool(emulator)
    provider = configured(proxy.url)
    outcome = run(lambda: provider.create(checked(provider, program(adoptExisting=True))), _stderr(capsys))
    left = pools(emulator)
    assert_truthful(outcome, left)
    assert outcome.message == ""
    assert owned(left[0]) and left[0]["tags"]["team"] == "render"
    assert user_tags(outcome.result.outs) == {"team": "render"}


def test_adopted_pool_is_never_deleted_by_a_failed_create(
    proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    put_foreign_pool(emulator)
    provider = configured(proxy.url)
    inputs = checked(provider, program(adoptExisting=True))
    proxy.add(Rule("status", "GET", POOL_PATH, status=429, headers={"Retry-After": "30"}, skip=1))
    outcome = run(lambda: provider.create(inputs), _stderr(capsys))
    left = pools(emulator)
    assert_truthful(outcome, left)
    assert "existed before this create (adoptExisting) and was left in place" in outcome.message
    assert len(left) == 1


def test_a_forced_replacement_that_finds_the_same_pool_keeps_it(
    proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """`pulumi up --replace` with nothing changed: create-before-delete meets its own pool, then the old
    resource is deleted. The new create claims the pool, so the old resource's delete must leave it."""
    provider = configured(proxy.url)
    inputs = checked(provider, program(poolName=None))
    old = provider.create(inputs)
    new = provider.create(checked(provider, program(poolName=None)))
    assert new.id == old.id
    outcome = run(lambda: provider.delete(old.id, plain(old.outs)), _stderr(capsys))
    left = pools(emulator)
    assert_truthful(outcome, left)
    assert len(left) == 1 and left[0]["tags"][CREATE_TOKEN_TAG] == new.outs["createToken"]
    assert "not deleting" in outcome.log
    provider.delete(new.id, plain(new.outs))
    assert pools(emulator) == []


def test_update_of_the_users_tags_keeps_the_ownership_tags_and_refresh_hides_them(
    proxy: FaultProxy, emulator: EmulatorServer
) -> None:
    provider = configured(proxy.url)
    inputs = checked(provider, program())
    created = provider.create(inputs)
    olds = plain(created.outs)
    news = {**inputs, "tags": {"team": "physics"}}
    assert provider.diff(created.id, olds, news).replaces == []
    updated = provider.update(created.id, olds, news)
    [pool] = pools(emulator)
    assert pool["tags"]["team"] == "physics" and owned(pool), "a PATCH of tags keeps the ownership tags"
    read = provider.read(created.id, plain(updated.outs))
    assert user_tags(read.outs) == {"team": "physics"} and user_tags(read.inputs) == {"team": "physics"}
    assert provider.diff(created.id, plain(read.outs), news).changes is False, "ownership tags are no drift"
    removed = provider.update(created.id, plain(read.outs), {**news, "tags": None})
    [pool] = pools(emulator)
    assert owned(pool) and "team" not in pool["tags"], "removing every user tag keeps the provider's"
    assert user_tags(removed.outs) == {}


def test_the_delete_command_names_the_pool() -> None:
    from pulumi_azure_batch_pool.azure_clients.arm import PoolRef

    ref = PoolRef("sub", "rg", "acct", POOL)
    assert delete_command(ref) == (
        "az resource delete --ids '/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Batch"
        f"/batchAccounts/acct/pools/{POOL}'"
    )
