"""Deadlines hold for delete, refresh and update, and a delete that outlives its deadline says so.

Delete and refresh run on ``batchpool:operationTimeoutMinutes``; update on the pool's ``timeoutMinutes``. A
``Retry-After`` longer than the time left ends the wait at once with an error naming the throttling. A
realistic-speed emulator (deletes take 15 s, announced by ``Retry-After: 15``) shows a delete, and a
rollback, that are still running when their deadline comes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from azure_batch_emulator import EmulatorServer
from azure_batch_emulator.proxy import FaultProxy, Rule
from pulumi_azure_batch_pool.lifecycle.pool_put import owner_of

from .harness import (
    ACCOUNT_PATH,
    OPERATION_TIMEOUT_MINUTES,
    POOL,
    POOL_PATH,
    TIGHT_MINUTES,
    Outcome,
    admin,
    assert_truthful,
    begin_delete_directly,
    checked,
    configured,
    plain,
    pools,
    program,
    put_foreign_pool,
    run,
)

THROTTLED = {"Retry-After": "30"}


@pytest.fixture(scope="module")
def slow_emulator() -> Iterator[EmulatorServer]:
    """An emulator at realistic speed: allocations and deletes take 15 s."""
    with EmulatorServer(port=0, speed="realistic", seed=3) as server:
        yield server


@pytest.fixture
def slow(slow_emulator: EmulatorServer) -> EmulatorServer:
    slow_emulator.reset()
    return slow_emulator


def _state() -> dict[str, str]:
    """What a stack holds for the pool (enough for delete and refresh)."""
    inputs = program()
    return {
        key: inputs[key]
        for key in ("resourceGroupName", "accountName", "poolName", "pulumiStack", "poolNamePrefix")
    } | {"subscriptionId": "00000000-0000-0000-0000-000000000000"}


def test_a_delete_still_running_at_its_deadline_says_still_deleting(
    slow: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    put_foreign_pool(slow)
    provider = configured(slow.url)
    outcome = run(
        lambda: provider.delete(f"{ACCOUNT_PATH}/pools/{POOL}", _state()), lambda: capsys.readouterr().err
    )
    left = pools(slow)
    assert_truthful(outcome, left)
    assert "is still being deleted" in outcome.message and "operationTimeoutMinutes" in outcome.message
    assert [pool["properties"]["provisioningState"] for pool in left] == ["Deleting"]
    assert outcome.seconds < OPERATION_TIMEOUT_MINUTES * 60, "Retry-After: 15 is past the deadline: no sleep"


def test_a_rollback_still_running_at_its_deadline_says_still_deleting(
    slow: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = configured(slow.url)
    inputs = checked(provider, program(timeoutMinutes=TIGHT_MINUTES))
    outcome = run(
        lambda: provider.create(inputs), lambda: capsys.readouterr().err, timeout_minutes=TIGHT_MINUTES
    )
    left = pools(slow)
    assert_truthful(outcome, left)
    assert f"was not ready within {TIGHT_MINUTES:g} minutes (timeoutMinutes)" in outcome.message
    assert "is still being deleted" in outcome.message
    assert [pool["properties"]["provisioningState"] for pool in left] == ["Deleting"]


@pytest.mark.parametrize("method", ["DELETE", "GET"], ids=["delete", "refresh"])
def test_a_throttled_delete_or_refresh_stops_at_its_deadline_and_claims_nothing(
    method: str, proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = configured(proxy.url)
    created = provider.create(checked(provider, program()))
    proxy.add(Rule("status", method, POOL_PATH, status=429, headers=THROTTLED))
    call = provider.delete if method == "DELETE" else provider.read
    outcome = run(lambda: call(created.id, plain(created.outs)), lambda: capsys.readouterr().err)
    left = pools(emulator)
    assert_truthful(outcome, left)
    assert f"{method} /subscriptions/" in outcome.message
    assert "got throttled (429); the next retry would wait 30 s" in outcome.message
    assert [pool["properties"]["provisioningState"] for pool in left] == ["Succeeded"]
    assert outcome.seconds < OPERATION_TIMEOUT_MINUTES * 60, "Retry-After: 30 is past the deadline: no sleep"


def test_a_create_throttled_by_arm_is_refused_within_its_own_deadline_without_a_probe(
    proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """ARM throttles before it processes a request: a 429 on the PUT created nothing, so there is no lost
    answer to look for, and the create ends within its own deadline (6 s), not after a Retry-After of 30 s."""
    provider = configured(proxy.url)
    inputs = checked(provider, program(timeoutMinutes=0.1))
    admin(emulator, "faults", {"throttleRate": 1.0, "retryAfter": 30})
    outcome = run(lambda: provider.create(inputs), lambda: capsys.readouterr().err, timeout_minutes=0.1)
    assert_truthful(outcome, pools(emulator))
    assert outcome.seconds < 0.1 * 60, f"took {outcome.seconds:.1f}s past the create's 6 s deadline"
    assert "Azure throttled the create of pool 'fault-pool'" in outcome.message
    assert "got throttled (429); the next retry would wait 30 s" in outcome.message
    assert "no pool was created and nothing is left behind" in outcome.message
    assert pools(emulator) == []
    assert [(record.method, record.status) for record in proxy.log] == [("PUT", 429)], "no probe, no retry"


def test_a_delete_whose_answer_was_lost_still_deletes(
    proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = configured(proxy.url)
    created = provider.create(checked(provider, program()))
    proxy.add(Rule("drop-response", "DELETE", POOL_PATH, times=1))
    outcome = run(lambda: provider.delete(created.id, plain(created.outs)), lambda: capsys.readouterr().err)
    assert_truthful(outcome, pools(emulator))
    assert outcome.message == "" and pools(emulator) == []


def test_a_create_meeting_its_own_pool_while_it_is_deleted_says_so_and_makes_none(
    slow: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """An earlier attempt's rollback started deleting the pool, then the process died; the retry comes."""
    provider = configured(slow.url)
    inputs = checked(provider, program())
    put_foreign_pool(slow, owner_of(inputs).tags())
    begin_delete_directly(slow)
    outcome = run(lambda: provider.create(inputs), lambda: capsys.readouterr().err)
    left = pools(slow)
    assert_truthful(outcome, left)
    assert "being deleted" in outcome.message
    assert [pool["properties"]["provisioningState"] for pool in left] == ["Deleting"], "no second pool"


SCALE_TO_3 = {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": 3}}, "tags": {"team": "physics"}}


def _update_under(
    rule: Rule, proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> tuple[Outcome, dict[str, Any]]:
    """Create the pool (2 nodes), then update it to 3 nodes and other tags with ``rule`` in force."""
    provider = configured(proxy.url)
    inputs = checked(provider, program())
    created = provider.create(inputs)
    proxy.add(rule)
    news = {**inputs, **SCALE_TO_3}
    outcome = run(
        lambda: provider.update(created.id, plain(created.outs), news), lambda: capsys.readouterr().err
    )
    [pool] = pools(emulator)
    assert_truthful(outcome, [pool])
    return outcome, pool


def _nodes(pool: dict[str, Any]) -> int:
    return int(pool["properties"]["scaleSettings"]["fixedScale"]["targetDedicatedNodes"])


def test_a_throttled_update_stops_at_its_deadline(
    proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = Rule("status", "PATCH", POOL_PATH, status=429, headers=THROTTLED)
    outcome, pool = _update_under(rule, proxy, emulator, capsys)
    assert "PATCH" in outcome.message and "throttled (429)" in outcome.message
    assert _nodes(pool) == 2


def test_an_update_whose_answer_was_lost_finds_it_committed(
    proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome, pool = _update_under(Rule("drop-response", "PATCH", POOL_PATH, times=1), proxy, emulator, capsys)
    assert outcome.message == "", outcome.message
    assert outcome.result.outs["currentDedicatedNodes"] == 3 and pool["tags"]["team"] == "physics"


def test_an_update_refused_for_a_stale_etag_says_the_pool_changed(
    proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome, pool = _update_under(
        Rule("status", "PATCH", POOL_PATH, status=412, times=1), proxy, emulator, capsys
    )
    assert "changed in Azure while Pulumi updated it" in outcome.message
    assert "scaleSettings" in outcome.message and _nodes(pool) == 2
