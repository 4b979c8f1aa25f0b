"""Failure reasons without a stack export, where that is safe.

A pool created (or updated) through the SDK's provider server carries an ownership tag saying whether it
was given any protected or write-only value, never the value. The status gate shows the node extension
messages of a pool tagged "no secret" by name alone; a pool that may hold one stays withheld unless the
user asks for Azure's messages as they are (``--unredacted-messages``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import requests

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer
from pulumi_azure_batch_pool import BatchPool
from pulumi_azure_batch_pool.gate.cli import main
from pulumi_azure_batch_pool.gate.status_secrets import WITHHELD
from pulumi_azure_batch_pool.model.ownership import SECRETS_TAG
from tests.pools import MONITOR_EXTENSION, ubuntu_deployment
from tests.provider.test_lifecycle import admin

from .engine import EngineClient, decode
from .program import registered_inputs, strip_secrets
from .test_secrets_never_leak import PROTECTED, SCRIPTED_MESSAGE, START_TASK_SECRET, leaky_pool

PLAIN_MESSAGE = "Enable failed: the monitoring endpoint answered 503 (retry later)"
REGISTRY_PASSWORD = "rp6Kd31RegistryPasswordValue"


def plain_pool() -> BatchPool:
    """A pool given no protected setting and no write-only secret; failures kept (policy keep)."""
    where = {"resource_group_name": DEMO_ACCOUNT.resource_group, "account_name": DEMO_ACCOUNT.account_name}
    scale = {"fixedScale": {"targetDedicatedNodes": 2}}
    deployment = ubuntu_deployment(MONITOR_EXTENSION)
    return BatchPool(
        "plain",
        **where,
        vm_size="STANDARD_D2S_V3",
        deployment_configuration=deployment,
        scale_settings=scale,
        extension_failure_policy="keep",
    )


def create(
    engine: EngineClient, declare: Callable[[], BatchPool], name: str
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Declare the pool under Pulumi's mocks (``declare`` runs there), then check and create it."""
    news = strip_secrets(registered_inputs(lambda: [declare()])[name])
    checked = engine.check({}, news)
    assert list(checked.failures) == []
    inputs = decode(checked.inputs)
    created = engine.create(inputs)
    return created.id, inputs, decode(created.properties)


def secrets_tag(http: requests.Session, emulator: EmulatorServer, pool_id: str) -> str | None:
    """The pool's secrets tag as Azure (the emulator) holds it."""
    response = http.get(f"{emulator.url}{pool_id}", params={"api-version": "2025-06-01"}, timeout=10)
    response.raise_for_status()
    tags: dict[str, str] = response.json().get("tags") or {}
    return tags.get(SECRETS_TAG)


def gate(emulator: EmulatorServer, pool_id: str, *extra: str) -> tuple[int, dict[str, Any], str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    environ = {"BATCHPOOL_ARM_ENDPOINT": emulator.url, "AZURE_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id}
    code = main(
        ["status", "--pool-id", pool_id, "--json", *extra], environ=environ, stdout=stdout, stderr=stderr
    )
    return code, json.loads(stdout.getvalue()), stderr.getvalue()


def failed_messages(report: dict[str, Any], extension: str) -> list[str]:
    (pool,) = report["pools"]
    return [node["message"] for node in pool["extensionStatus"][extension]["failedNodes"]]


def test_a_pool_given_no_secret_shows_its_messages_by_name(
    engine: EngineClient, emulator: EmulatorServer, http: requests.Session
) -> None:
    admin(emulator, "extension-failures", {"extension": "monitor", "nodes": "all", "message": PLAIN_MESSAGE})
    pool_id, _inputs, outputs = create(engine, plain_pool, "plain")
    assert secrets_tag(http, emulator, pool_id) == "false"
    assert "tags" not in outputs or SECRETS_TAG not in (outputs.get("tags") or {}), "never an output"

    code, report, err = gate(emulator, pool_id)
    assert code == report["exitCode"] == 1
    assert report["pools"][0]["messages"] == "no-secrets"
    assert failed_messages(report, "monitor") == [PLAIN_MESSAGE, PLAIN_MESSAGE]
    assert "messagesWithheld" not in report["pools"][0] and "withheld" not in err


def test_an_update_that_gives_the_pool_a_secret_withholds_its_messages_again(
    engine: EngineClient, emulator: EmulatorServer, http: requests.Session
) -> None:
    admin(emulator, "extension-failures", {"extension": "monitor", "nodes": "all", "message": PLAIN_MESSAGE})
    pool_id, inputs, outputs = create(engine, plain_pool, "plain")
    start_task = {
        "commandLine": "echo ready",
        "containerSettings": {
            "imageName": "busybox",
            "registry": {"registryServer": "contoso.azurecr.io", "username": "puller"},
        },
    }
    news = {**inputs, "startTask": start_task, "writeOnlySecrets": {START_TASK_SECRET: REGISTRY_PASSWORD}}
    checked = engine.check(inputs, news)
    assert list(checked.failures) == []
    engine.update(pool_id, strip_secrets(outputs), decode(checked.inputs))
    assert secrets_tag(http, emulator, pool_id) == "true"

    code, report, err = gate(emulator, pool_id)
    assert code == 1 and report["pools"][0]["messages"] == "withheld"
    assert set(failed_messages(report, "monitor")) == {WITHHELD}
    assert "--unredacted-messages" in err and REGISTRY_PASSWORD not in json.dumps(report) + err


def test_a_pool_with_secrets_is_withheld_unless_asked_for_azures_messages_as_they_are(
    engine: EngineClient, emulator: EmulatorServer, http: requests.Session
) -> None:
    admin(
        emulator, "extension-failures", {"extension": "monitor", "nodes": "all", "message": SCRIPTED_MESSAGE}
    )
    pool_id, _inputs, _outputs = create(engine, leaky_pool, "leaky")
    assert secrets_tag(http, emulator, pool_id) == "true"

    code, report, _err = gate(emulator, pool_id)
    assert code == 1 and set(failed_messages(report, "monitor")) == {WITHHELD}

    code, report, err = gate(emulator, pool_id, "--unredacted-messages")
    assert code == 1 and report["pools"][0]["messages"] == "unredacted"
    assert failed_messages(report, "monitor") == [SCRIPTED_MESSAGE, SCRIPTED_MESSAGE]
    assert PROTECTED in SCRIPTED_MESSAGE and "withheld" not in err
