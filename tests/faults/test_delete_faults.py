"""A delete that fails says what Azure holds, and a delete succeeds only once the pool's own GET answers 404.

The engine calls the same ``delete`` for ``pulumi destroy`` and for the old pool of a replacement, whether the
replacement is created first (a generated name) or after the delete (an explicit name); only what happened
around it differs. Each case is played in all three orders. A failed delete must say that the pool is still
there (with its ARM id), that Pulumi keeps it and tries again on the next run, and the command that deletes
it; and that next run must really delete it.

An operation URL is not the pool: when it answers 404 or "done" while the pool still exists (faked here by
the proxy answering the DELETE itself, so Azure never receives it), the delete must not report success.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from azure_batch_emulator import EmulatorServer
from azure_batch_emulator.proxy import FaultProxy, Rule
from pulumi_azure_batch_pool import BatchPoolProvider

from .harness import (
    ACCOUNT_PATH,
    POOL,
    POOL_PATH,
    Outcome,
    assert_truthful,
    checked,
    configured,
    plain,
    pools,
    program,
    run,
)

NEW_POOL = "fault-pool-new"
"""The replacement's pool (a replacement with a generated name creates a pool of another name first)."""
FAKE_OPERATION = f"{ACCOUNT_PATH}/poolOperationResults/never-started?api-version=2025-06-01"
"""A delete operation Azure never started: its URL answers 404."""
ACCEPTED_BUT_NOT_SENT = Rule(
    "status", "DELETE", POOL_PATH, status=202, headers={"Location": FAKE_OPERATION, "Retry-After": "0"}
)
"""The DELETE "accepted" by the proxy itself: Azure never receives it, the pool stays."""
KEEPS_IT = "Pulumi keeps it in the stack's state and tries the delete again the next time `pulumi up`"
COMMAND = f"az resource delete --ids '{ACCOUNT_PATH}/pools/{POOL}'"


def _destroy(provider: BatchPoolProvider, old: Any) -> None:
    provider.delete(old.id, plain(old.outs))


def _replace_create_first(provider: BatchPoolProvider, old: Any) -> None:
    provider.create(checked(provider, program(poolName=NEW_POOL)))
    provider.delete(old.id, plain(old.outs))


ORDERS: dict[str, Callable[[BatchPoolProvider, Any], None]] = {
    "destroy": _destroy,
    "replace, new pool created first": _replace_create_first,
    "replace, old pool deleted first": _destroy,  # the engine stops before creating: nothing else runs
}


def _fail_delete(
    order: str, rules: list[Rule], proxy: FaultProxy, capsys: pytest.CaptureFixture[str]
) -> tuple[Outcome, Any, BatchPoolProvider]:
    """Create the old pool, then run ``order`` with ``rules`` in force; return what the user saw."""
    provider = configured(proxy.url)
    old = provider.create(checked(provider, program()))
    for rule in rules:
        proxy.add(rule)
    outcome = run(lambda: ORDERS[order](provider, old), lambda: capsys.readouterr().err)
    return outcome, old, provider


def _states(emulator: EmulatorServer) -> dict[str, str]:
    return {pool["name"]: pool["properties"]["provisioningState"] for pool in pools(emulator)}


@pytest.mark.parametrize("order", ORDERS)
def test_a_delete_refused_with_500s_says_the_pool_is_kept_and_how_to_delete_it(
    order: str, proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = [Rule("status", "DELETE", POOL_PATH, status=500, headers={"Retry-After": "0"})]
    outcome, old, provider = _fail_delete(order, rules, proxy, capsys)
    assert_truthful(outcome, pools(emulator))
    message = outcome.message
    assert f"The pool '{POOL}' could NOT be deleted and is still in Azure" in message
    assert "Injected500" in message, "Azure's error is named"
    assert KEEPS_IT in message and COMMAND in message
    expected = {POOL: "Succeeded", **({NEW_POOL: "Succeeded"} if "created first" in order else {})}
    assert _states(emulator) == expected, "the old pool is still there, as said; nothing else was touched"

    # The next run tries the delete again, as the message promised, and now it goes through.
    proxy.clear()
    again = run(lambda: provider.delete(old.id, plain(old.outs)), lambda: capsys.readouterr().err)
    assert again.message == ""
    assert POOL not in _states(emulator)


@pytest.mark.parametrize(
    "operation",
    [
        [],  # the emulator answers 404 for an operation it never started
        [Rule("status", "GET", r"/poolOperationResults/", status=200)],  # the operation says "done"
    ],
    ids=["operation URL answers 404", "operation URL answers 200"],
)
@pytest.mark.parametrize("order", ORDERS)
def test_a_delete_whose_operation_claims_done_while_the_pool_stays_is_not_a_success(
    order: str,
    operation: list[Rule],
    proxy: FaultProxy,
    emulator: EmulatorServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    outcome, _, _ = _fail_delete(order, [ACCEPTED_BUT_NOT_SENT, *operation], proxy, capsys)
    assert_truthful(outcome, pools(emulator))
    assert outcome.message, "the delete must not report success: the pool is still there"
    assert (
        f"could NOT be deleted and is still in Azure (Azure reported pool '{POOL}' deleted" in outcome.message
    )
    assert "but the pool's own GET still finds it (provisioningState Succeeded)" in outcome.message
    assert KEEPS_IT in outcome.message and COMMAND in outcome.message
    assert _states(emulator)[POOL] == "Succeeded"
    pool_gets = [
        record for record in proxy.log if record.method == "GET" and f"/pools/{POOL}?" in record.path
    ]
    assert pool_gets, "the pool's own GET was asked"


def test_a_delete_whose_operation_url_answers_404_early_waits_for_the_pools_own_404(
    proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The operation URL lies the other way: 404 while the real delete is still running. Success comes
    only with the pool's own 404."""
    provider = configured(proxy.url)
    old = provider.create(checked(provider, program()))
    proxy.add(Rule("status", "GET", r"/poolOperationResults/", status=404))
    outcome = run(lambda: provider.delete(old.id, plain(old.outs)), lambda: capsys.readouterr().err)
    assert outcome.message == ""
    assert pools(emulator) == []
    last_pool_answer = [
        record.status for record in proxy.log if record.method == "GET" and f"/pools/{POOL}?" in record.path
    ][-1]
    assert last_pool_answer == 404, "the delete ended on the pool's own 404"
