"""An update whose PATCH Azure accepted and whose resize then failed says what Azure holds; refresh agrees.

The update fails (capacity asked for and not delivered must not pass a pipeline, as for a create), and a
failed update records nothing in Pulumi's state. So the error must say what Azure accepted (the new target),
what it holds (the nodes it has) and what failed (the resize error), and the next step; ``pulumi refresh``
must then record what Azure holds, and the next ``pulumi up`` (state still old) must send the update again.
"""

from __future__ import annotations

import pytest

from azure_batch_emulator import EmulatorServer
from azure_batch_emulator.proxy import FaultProxy

from .harness import (
    ACCOUNT_PATH,
    POOL,
    admin,
    assert_truthful,
    checked,
    configured,
    plain,
    pools,
    program,
    run,
)

QUOTA = {"code": "AccountCoreQuotaReached", "message": "The specified account has reached VM core quota."}
ONE_NODE = {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": 1}}}
THREE_NODES = {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": 3}}}


def test_an_accepted_resize_that_fails_says_what_azure_holds_and_refresh_agrees(
    proxy: FaultProxy, emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = configured(proxy.url)
    inputs = checked(provider, program(**ONE_NODE))
    created = provider.create(inputs)
    admin(emulator, "resize-errors", QUOTA)
    news = {**inputs, **THREE_NODES}

    outcome = run(
        lambda: provider.update(created.id, plain(created.outs), news), lambda: capsys.readouterr().err
    )
    [pool] = pools(emulator)
    assert_truthful(outcome, [pool])
    held = pool["properties"]
    assert held["scaleSettings"]["fixedScale"]["targetDedicatedNodes"] == 3, "Azure accepted the PATCH"
    assert held["currentDedicatedNodes"] == 1
    assert held["resizeOperationStatus"]["errors"][0]["code"] == "AccountCoreQuotaReached"
    message = outcome.message
    assert message.startswith(
        f"Azure accepted the update of scaleSettings on pool '{POOL}' ({ACCOUNT_PATH}/pools/{POOL}), then it "
        f"failed: The pool '{POOL}' could not allocate its nodes: (AccountCoreQuotaReached) "
    ), message
    assert (
        "Azure now holds: target 3 dedicated and 0 low-priority nodes, 1 dedicated and 0 low-priority "
        in message
    )
    assert "Pulumi's state still holds the values from before this update" in message
    assert "the next `pulumi up` sends the same update again" in message
    assert "`pulumi refresh` records what Azure holds now" in message

    # Refresh: the state agrees with Azure (the new target, the one node, the resize error).
    refreshed = provider.read(created.id, plain(created.outs))
    assert refreshed.inputs["scaleSettings"]["fixedScale"]["targetDedicatedNodes"] == 3
    assert refreshed.outs["scaleSettings"]["fixedScale"]["targetDedicatedNodes"] == 3
    assert refreshed.outs["currentDedicatedNodes"] == 1
    assert [error["code"] for error in refreshed.outs["resizeErrors"]] == ["AccountCoreQuotaReached"]

    # Without a refresh, the next `up` diffs the old state against the program and sends the update again.
    proxy.log.clear()
    again = run(
        lambda: provider.update(created.id, plain(created.outs), news), lambda: capsys.readouterr().err
    )
    assert [record.method for record in proxy.log].count("PATCH") == 1, "the update was sent again"
    assert "Azure accepted the update of scaleSettings" in again.message, (
        "and fails again while the cause stays"
    )
