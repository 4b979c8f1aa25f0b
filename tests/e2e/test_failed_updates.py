"""An update whose PATCH Azure accepted and whose resize then failed, through the real engine.

The update fails and says what Azure holds; the failed update records nothing, so the state keeps the old
target and the next `pulumi up` would send the update again; `pulumi refresh` records what Azure holds (the
new target, the nodes it has, the resize error), after which state, Azure and program agree.
"""

from __future__ import annotations

from typing import Any

import requests

from azure_batch_emulator import DEV_TOKEN, EmulatorServer
from azure_batch_emulator.proxy import FaultProxy
from tests.e2e.cli import Project


def _target(outputs: dict[str, Any]) -> int:
    return int(outputs["scaleSettings"]["fixedScale"]["targetDedicatedNodes"])


def test_an_accepted_resize_that_fails_fails_the_up_and_refresh_records_what_azure_holds(
    test_project: Project, proxy: FaultProxy, emulator: EmulatorServer
) -> None:
    test_project.run("up", "--yes")
    requests.post(
        f"{emulator.url}/_emulator/resize-errors",
        json={
            "code": "AccountCoreQuotaReached",
            "message": "The specified account has reached VM core quota.",
        },
        headers={"Authorization": f"Bearer {DEV_TOKEN}"},
        timeout=10,
    ).raise_for_status()

    test_project.config("nodes", "3")
    failed = test_project.run("up", "--yes", check=False)
    assert failed.returncode != 0
    text = " ".join((failed.stdout + failed.stderr).split())
    assert "Azure accepted the update of scaleSettings" in text, text
    assert "(AccountCoreQuotaReached)" in text
    assert "target 3 dedicated and 0 low-priority nodes, 1 dedicated and 0 low-priority allocated" in text
    [kept] = test_project.pool_resources()
    assert _target(kept["outputs"]) == 1, "a failed update records nothing"
    preview = test_project.run("preview", "--expect-no-changes", check=False)
    assert preview.returncode != 0, "the next up sends the update again"

    test_project.run("refresh", "--yes")
    [refreshed] = test_project.pool_resources()
    assert _target(refreshed["outputs"]) == 3 and refreshed["outputs"]["currentDedicatedNodes"] == 1
    assert [error["code"] for error in refreshed["outputs"]["resizeErrors"]] == ["AccountCoreQuotaReached"]
    assert test_project.run("preview", "--expect-no-changes", check=False).returncode == 0, "all agree"
