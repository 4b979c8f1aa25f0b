"""Drain before delete, against the emulator over HTTP: what ran, what was stopped and when the DELETE came
are read from the emulator's work record (``GET /_emulator/work/{account}``), never from the provider."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import requests

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer
from pulumi_azure_batch_pool import BatchPoolProvider
from pulumi_azure_batch_pool.azure_clients.errors import BatchPoolError
from tests.provider import configured_provider
from tests.provider.test_lifecycle import VAULT_CERT, admin, checked, plain, program

API = {"api-version": "2025-06-01"}


@pytest.fixture
def provider(emulator: EmulatorServer) -> BatchPoolProvider:
    """The provider, with the sample program's certificate in the emulated vault so its nodes go idle."""
    admin(emulator, "vault-certificates", {"urls": [VAULT_CERT]})
    return configured_provider(emulator.url)


class Work:
    """Jobs and tasks on the emulator's data plane, and its record of them."""

    def __init__(self, http: requests.Session, emulator: EmulatorServer) -> None:
        self.http = http
        self.emulator = emulator
        self.url = f"{emulator.url}/batch/{DEMO_ACCOUNT.account_name}"

    def run(self, pool: str, *commands: str) -> None:
        """A job on ``pool`` with one task per command (t0, t1, ...), each running at once."""
        headers = {"Content-Type": "application/json; odata=minimalmetadata"}
        job = {"id": f"job-{pool}", "poolInfo": {"poolId": pool}}
        assert self.http.post(f"{self.url}/jobs", params=API, json=job, headers=headers).status_code == 201
        for index, command in enumerate(commands):
            task = {"id": f"t{index}", "commandLine": command}
            response = self.http.post(
                f"{self.url}/jobs/job-{pool}/tasks", params=API, json=task, headers=headers
            )
            assert response.status_code == 201
            state = self.http.get(f"{self.url}/jobs/job-{pool}/tasks/t{index}", params=API).json()["state"]
            assert state == "running"

    def record(self) -> dict[str, Any]:
        response = self.http.get(f"{self.emulator.url}/_emulator/work/{DEMO_ACCOUNT.account_name}")
        assert response.status_code == 200
        return dict(response.json())


@pytest.fixture
def work(http: requests.Session, emulator: EmulatorServer) -> Work:
    return Work(http, emulator)


def created(provider: BatchPoolProvider, nodes: int = 1, **options: Any) -> tuple[str, dict[str, Any]]:
    inputs = checked(
        provider,
        program(
            extensionFailurePolicy="keep",
            scaleSettings={"fixedScale": {"targetDedicatedNodes": nodes}},
            **options,
        ),
    )
    result = provider.create(inputs)
    return result.id, plain(result.outs)


def test_with_drain_a_running_task_completes_before_the_delete_is_sent(
    provider: BatchPoolProvider, work: Work, capsys: pytest.CaptureFixture[str]
) -> None:
    arm_id, outs = created(provider, drainBeforeDelete=True)
    assert (outs["drainBeforeDelete"], outs.get("drainTimeoutMinutes")) == (True, None)
    work.run(outs["poolName"], "sleep 2")

    provider.delete(arm_id, outs)

    record = work.record()
    (task,) = record["tasks"]
    (deleted,) = record["poolDeletes"]
    assert (task["state"], task["exitCode"]) == ("completed", 0)
    assert task["endTime"] <= deleted["time"]
    assert record["stopped"] == []
    log = capsys.readouterr().err
    assert "nodeDeallocationOption=TaskCompletion" in log
    assert log.count("1 tasks still running on 1 of 1 nodes") == 1  # one line per 30 s at most
    assert log.index("drained: no task is running") < log.index("deleting")


def test_without_drain_the_delete_is_sent_at_once_and_the_running_task_is_killed(
    provider: BatchPoolProvider, work: Work
) -> None:
    arm_id, outs = created(provider)
    work.run(outs["poolName"], "sleep 600")

    provider.delete(arm_id, outs)

    record = work.record()
    assert [(item["taskId"], item["reason"]) for item in record["stopped"]] == [("t0", "poolDeleted")]
    assert record["stopped"][0]["stopTime"] == record["poolDeletes"][0]["time"]


def test_a_drain_timeout_deletes_anyway_by_default_and_says_so(
    provider: BatchPoolProvider, work: Work, capsys: pytest.CaptureFixture[str]
) -> None:
    arm_id, outs = created(provider, drainBeforeDelete=True, drainTimeoutMinutes=0.002)
    work.run(outs["poolName"], "sleep 600")

    provider.delete(arm_id, outs)

    record = work.record()
    assert [item["taskId"] for item in record["stopped"]] == ["t0"]
    assert provider.read(arm_id, outs).id is None
    log = capsys.readouterr().err
    assert "did not finish within 0.002 minutes (drainTimeoutMinutes)" in log
    assert "drainTimeoutAction='delete'" in log


def test_a_drain_timeout_with_fail_keeps_the_pool_and_says_how_to_finish(
    provider: BatchPoolProvider, work: Work, http: requests.Session, emulator: EmulatorServer
) -> None:
    arm_id, outs = created(
        provider, drainBeforeDelete=True, drainTimeoutMinutes=0.002, drainTimeoutAction="fail"
    )
    work.run(outs["poolName"], "sleep 600")

    with pytest.raises(BatchPoolError) as raised:
        provider.delete(arm_id, outs)

    message = str(raised.value)
    assert "did not drain within 0.002 minutes" in message
    assert arm_id in message and f"az resource delete --ids '{arm_id}'" in message
    pool = http.get(f"{emulator.url}{arm_id}", params=API).json()["properties"]
    assert pool["provisioningState"] == "Succeeded"
    assert pool["scaleSettings"]["fixedScale"]["nodeDeallocationOption"] == "TaskCompletion"
    assert work.record()["stopped"] == [] and work.record()["poolDeletes"] == []


def test_an_autoscale_pool_stops_scaling_before_it_drains(
    provider: BatchPoolProvider, work: Work, http: requests.Session, emulator: EmulatorServer
) -> None:
    formula = "$TargetDedicatedNodes = 1;"
    arm_id, outs = created(
        provider, drainBeforeDelete=True, drainTimeoutMinutes=0.002, drainTimeoutAction="fail"
    )
    patch = {"properties": {"scaleSettings": {"autoScale": {"formula": formula}}}}
    assert http.patch(f"{emulator.url}{arm_id}", params=API, json=patch).status_code == 200
    work.run(outs["poolName"], "sleep 600")

    with pytest.raises(BatchPoolError):
        provider.delete(arm_id, outs)

    scale = http.get(f"{emulator.url}{arm_id}", params=API).json()["properties"]["scaleSettings"]
    assert "autoScale" not in scale
    assert scale["fixedScale"]["targetDedicatedNodes"] == 0


def test_check_refuses_a_drain_option_outside_its_choices(provider: BatchPoolProvider) -> None:
    result = provider.check({}, program(drainTimeoutAction="wait", drainTimeoutMinutes=0))
    failed = {failure.property for failure in result.failures}
    assert {"drainTimeoutAction", "drainTimeoutMinutes"} <= failed


def replacing(outs: dict[str, Any], **options: Any) -> dict[str, Any]:
    """New inputs that replace the pool (an extension field changed), with ``options`` set."""
    news = copy.deepcopy(outs)
    extension = news["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"][0]
    extension["typeHandlerVersion"] = "3.1"
    news.update(options)
    return news


def warnings_of(text: str) -> list[str]:
    return [
        line for line in text.splitlines() if line.startswith("warning:") and "replacement deletes" in line
    ]


def test_the_preview_of_a_replacement_warns_exactly_when_tasks_run(
    provider: BatchPoolProvider, work: Work, capsys: pytest.CaptureFixture[str]
) -> None:
    arm_id, outs = created(provider)
    capsys.readouterr()
    assert provider.diff(arm_id, outs, replacing(outs)).replaces
    assert warnings_of(capsys.readouterr().err) == []
    assert provider.diff(arm_id, outs, {**outs, "metadata": [{"name": "a", "value": "b"}]}).replaces == []

    work.run(outs["poolName"], "sleep 600")
    provider.diff(arm_id, outs, replacing(outs))
    (off,) = warnings_of(capsys.readouterr().err)
    assert "1 tasks running on 1 of 1 nodes, 0 queued" in off and "drainBeforeDelete is off" in off

    provider.diff(arm_id, outs, replacing(outs, drainBeforeDelete=True))
    (same_update,) = warnings_of(capsys.readouterr().err)
    assert "turned on by this same update" in same_update

    provider.diff(arm_id, {**outs, "drainBeforeDelete": True}, replacing(outs, drainBeforeDelete=True))
    (on,) = warnings_of(capsys.readouterr().err)
    assert (
        "drainBeforeDelete is on: the delete waits for them (at most 60 minutes, then deletes it anyway)"
        in on
    )

    provider.diff(arm_id, outs, {**outs, "metadata": [{"name": "a", "value": "b"}]})
    assert warnings_of(capsys.readouterr().err) == [], "an update deletes nothing: no warning"
