"""No secret in plain text anywhere a user could look, through a lifecycle driven as the engine drives it.

Distinctive values sit in every kind of secret (an extension's protected settings, a user's password and
SSH key, a blob mount's SAS key, a file share's account key, the start task's registry password; the
emulator does not take `containerConfiguration.containerRegistries` yet, so the unit tests of
`pulumi_azure_batch_pool.model.write_only` cover that one), and the emulator is
scripted so that the extension's failure message quotes the protected setting, as a real handler may.
Then create (policy keep), diff, refresh, update (rotating a registry password) and a failed create run
through the SDK's own provider server, and every byte a user could see is scanned: the provider's gRPC
answers (the serialised provider included), its errors, its log lines (stderr, as the engine shows them),
the emulator's answers and its state file.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import requests
from pulumi.runtime.proto import provider_pb2

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from pulumi_azure_batch_pool import BatchPool
from pulumi_azure_batch_pool.model.secrets import REDACTED
from tests.pools import MONITOR_EXTENSION, ubuntu_deployment
from tests.provider.test_lifecycle import admin

from .conftest import provider_server
from .engine import EngineClient, decode, encode
from .program import registered_inputs, strip_secrets

PROTECTED = "pk7Qz81ProtectedSettingValue"
PASSWORD = "pw3Xy72UserPasswordValue"
SSH_KEY = "ssh9Wv63PrivateKeyValue"
SAS_KEY = "sas4Sr45BlobSasTokenValue"
ACCOUNT_KEY = "ak5Ut54FileShareAccountKey"
START_TASK_PASSWORD = "st2Lm27StartTaskRegistryPw"
ROTATED_PASSWORD = "st8Nb18RotatedRegistryPw"
SECRETS = (
    PROTECTED,
    PASSWORD,
    SSH_KEY,
    SAS_KEY,
    ACCOUNT_KEY,
    START_TASK_PASSWORD,
    ROTATED_PASSWORD,
)
SCRIPTED_MESSAGE = f"Enable failed: clientSecret={PROTECTED} was rejected by the vault"
"""What the emulated extension handler says: the VM's own words, quoting the protected setting."""
START_TASK_SECRET = "startTask.containerSettings.registry.password"


def leaky_pool() -> BatchPool:
    """A pool with a distinctive value in every kind of secret, failures kept (policy keep)."""
    return BatchPool(
        "leaky",
        resource_group_name=DEMO_ACCOUNT.resource_group,
        account_name=DEMO_ACCOUNT.account_name,
        vm_size="STANDARD_D2S_V3",
        deployment_configuration=ubuntu_deployment(
            {**MONITOR_EXTENSION, "protectedSettings": {"clientSecret": PROTECTED}}
        ),
        scale_settings={"fixedScale": {"targetDedicatedNodes": 2}},
        user_accounts=[
            {"name": "batchadmin", "password": PASSWORD, "linuxUserConfiguration": {"sshPrivateKey": SSH_KEY}}
        ],
        mount_configuration=[
            {
                "azureBlobFileSystemConfiguration": {
                    "accountName": "store",
                    "containerName": "data",
                    "relativeMountPath": "data",
                    "sasKey": SAS_KEY,
                }
            },
            {
                "azureFileShareConfiguration": {
                    "accountName": "store",
                    "azureFileUrl": "https://store.file.core.windows.net/share",
                    "relativeMountPath": "share",
                    "accountKey": ACCOUNT_KEY,
                }
            },
        ],
        start_task={
            "commandLine": "echo ready",
            "containerSettings": {
                "imageName": "busybox",
                "registry": {
                    "registryServer": "contoso.azurecr.io",
                    "username": "puller",
                    "password": START_TASK_PASSWORD,
                },
            },
        },
        extension_failure_policy="keep",
    )


class Exposure:
    """Everything a user could see, collected as text, plus the places it came from."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def add(self, where: str, content: bytes | str) -> None:
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        self.seen.append((where, text))

    def leaks(self) -> list[tuple[str, str]]:
        return [(where, secret) for where, text in self.seen for secret in SECRETS if secret in text]


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[EmulatorServer, EngineClient, Path, Path]]:
    """An emulator keeping a state file, and the provider server with its stderr in a file."""
    folder = tmp_path_factory.mktemp("leak")
    state_file, log_file = folder / "emulator-state.json", folder / "provider-stderr.log"
    with (
        EmulatorServer(port=0, speed="instant", seed=11, state_file=state_file) as emulator,
        log_file.open("w", encoding="utf-8") as stderr,
        provider_server(emulator.url, stderr=stderr) as engine,
    ):
        yield emulator, engine, state_file, log_file


def _get(url: str) -> str:
    response = requests.get(url, headers={"Authorization": f"Bearer {DEV_TOKEN}"}, timeout=10)
    response.raise_for_status()
    return response.text


def _checked(engine: EngineClient, news: dict[str, Any], exposure: Exposure) -> dict[str, Any]:
    """Check, recording its answer. The secret inputs come back in plain text by design: the engine marks
    them secret again (`annotateSecrets`, because they were secret in the program), so they are set aside."""
    response = engine.check({}, news)
    assert list(response.failures) == []
    inputs = decode(response.inputs)
    assert inputs["protectedSettings"] == {"monitor": {"clientSecret": PROTECTED}}
    assert START_TASK_SECRET in inputs["writeOnlySecrets"]
    shown = {
        key: value for key, value in inputs.items() if key not in ("protectedSettings", "writeOnlySecrets")
    }
    exposure.add("check response", encode(shown).SerializeToString())
    return inputs


def test_no_secret_reaches_anything_a_user_can_see(
    world: tuple[EmulatorServer, EngineClient, Path, Path],
) -> None:
    emulator, engine, state_file, log_file = world
    exposure = Exposure()
    news = strip_secrets(registered_inputs(lambda: [leaky_pool()])["leaky"])
    admin(
        emulator, "extension-failures", {"extension": "monitor", "nodes": "all", "message": SCRIPTED_MESSAGE}
    )

    inputs = _checked(engine, news, exposure)
    created = engine.create(inputs)
    exposure.add("create response", created.SerializeToString())
    exposure.add("serialised provider", inputs["__provider"])
    outputs = decode(created.properties)
    failed_nodes = outputs["extensionStatus"]["monitor"]["failedNodes"]
    assert len(failed_nodes) == 2 and all(REDACTED in node["message"] for node in failed_nodes)

    plain_outputs = strip_secrets(outputs)
    exposure.add("diff response", engine.diff(created.id, plain_outputs, inputs).SerializeToString())
    assert engine.diff(created.id, plain_outputs, inputs).changes == provider_pb2.DiffResponse.DIFF_NONE

    read = engine.read(created.id, plain_outputs, inputs)
    exposure.add("read response", read.SerializeToString())
    refreshed = strip_secrets(decode(read.properties))
    assert all(REDACTED in node["message"] for node in refreshed["extensionStatus"]["monitor"]["failedNodes"])

    sealed_before = _stored_start_task_password(emulator)
    rotated = copy.deepcopy(inputs)
    rotated["writeOnlySecrets"][START_TASK_SECRET] = ROTATED_PASSWORD
    rotated["scaleSettings"] = {"fixedScale": {"targetDedicatedNodes": 3}}
    diff = engine.diff(created.id, refreshed, rotated)
    exposure.add("diff response (rotation)", diff.SerializeToString())
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.replaces) == []
    updated = engine.update(created.id, refreshed, rotated)
    exposure.add("update response", updated.SerializeToString())
    assert _stored_start_task_password(emulator) != sealed_before, "the rotated password reached Azure"
    assert strip_secrets(decode(updated.properties))["nodeCount"] == 3

    failing = _checked(engine, {**news, "poolName": "doomed", "extensionFailurePolicy": "rollback"}, exposure)
    with pytest.raises(grpc.RpcError) as raised:
        engine.create(failing)
    details = raised.value.details() or ""
    exposure.add("failed create error", details)
    assert "monitor" in details and REDACTED in details

    for where, url in _emulator_urls(emulator, DEMO_ACCOUNT.account_name, inputs["poolName"]):
        exposure.add(where, _get(url).replace(SCRIPTED_MESSAGE, "<scripted>"))
    state = state_file.read_text(encoding="utf-8")
    assert "sealed:sha256:" in state, "the emulator holds the pool's secrets as digests"
    # The only place the protected value may appear is the emulated VM's own message, which the test scripted.
    exposure.add("emulator state file", state.replace(SCRIPTED_MESSAGE, "<scripted>"))
    engine.delete(created.id, strip_secrets(decode(updated.properties)))
    exposure.add("emulator state file after delete", state_file.read_text(encoding="utf-8"))

    log = log_file.read_text(encoding="utf-8")
    assert REDACTED in log, "the keep-policy warning quoting the failure was logged, redacted"
    exposure.add("provider log (stderr)", log)

    assert exposure.leaks() == []
    assert len(exposure.seen) >= 12


def _stored_start_task_password(emulator: EmulatorServer) -> str:
    (pool,) = [pool for (_, name), pool in emulator.state.pools.items() if name != "doomed"]
    return str(pool.properties["startTask"]["containerSettings"]["registry"]["password"])


def _emulator_urls(emulator: EmulatorServer, account: str, pool: str) -> list[tuple[str, str]]:
    base = (
        f"{emulator.url}/subscriptions/{DEMO_ACCOUNT.subscription_id}/resourceGroups/{DEMO_ACCOUNT.resource_group}"
        f"/providers/Microsoft.Batch/batchAccounts/{account}"
    )
    version = "?api-version=2025-06-01"
    endpoint = json.loads(_get(base + version))["properties"]["accountEndpoint"]
    data_plane = f"http://{endpoint}/pools/{pool}/nodes"
    urls = [
        ("emulator: pool", f"{base}/pools/{pool}{version}"),
        ("emulator: pool list", f"{base}/pools{version}"),
        ("emulator: nodes", data_plane + version),
    ]
    for node in json.loads(_get(data_plane + version))["value"]:
        urls.append(
            (f"emulator: extensions of {node['id']}", f"{data_plane}/{node['id']}/extensions{version}")
        )
    return urls
