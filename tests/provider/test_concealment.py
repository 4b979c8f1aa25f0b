"""The provider boundary against the emulator: refresh and delete redact by digest, and state written before
write-only secrets moved out is cleaned by the next refresh."""

from __future__ import annotations

import json
from typing import Any

import pytest

from azure_batch_emulator import EmulatorServer
from pulumi_azure_batch_pool import BatchPoolProvider
from pulumi_azure_batch_pool.azure_clients.errors import BatchPoolError
from pulumi_azure_batch_pool.model.concealment import DIGESTS_KEY
from pulumi_azure_batch_pool.model.secrets import REDACTED
from pulumi_azure_batch_pool.model.write_only import FINGERPRINT_KEY, WRITE_ONLY_KEY
from tests.provider.test_lifecycle import PROTECTED, admin, program, provider  # noqa: F401  (fixture)

PASSWORD = "concealment-user-password"


def _create(provider: BatchPoolProvider, emulator: EmulatorServer) -> tuple[str, dict[str, Any]]:  # noqa: F811
    """A pool whose Key Vault extension fails with a message quoting the protected setting; policy keep."""
    admin(emulator, "extension-failures", {"extension": "secretext", "message": f"bad secret {PROTECTED}"})
    news = program(
        poolName="concealed",
        extensionFailurePolicy="keep",
        userAccounts=[{"name": "alice"}],
        **{WRITE_ONLY_KEY: {"userAccounts[name=alice].password": PASSWORD}},
    )
    checked = provider.check({}, news)
    assert checked.failures == []
    created = provider.create(dict(checked.inputs))
    return str(created.id), dict(created.outs or {})


def _plain(outputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs as the engine hands them back (secret wrappers removed)."""
    return {
        key: value.get("value", value) if isinstance(value, dict) else value for key, value in outputs.items()
    }


def test_refresh_redacts_by_digest_what_only_create_knew(
    provider: BatchPoolProvider,  # noqa: F811
    emulator: EmulatorServer,
) -> None:
    pool_id, outputs = _create(provider, emulator)
    state = _plain(outputs)
    assert state[DIGESTS_KEY] and set(state[FINGERPRINT_KEY]) == {"userAccounts[name=alice].password"}
    read = provider.read(pool_id, state)
    text = json.dumps([read.outs, read.inputs], default=str)
    assert PROTECTED not in text and PASSWORD not in text
    messages = [node["message"] for node in read.outs["extensionStatus"]["secretext"]["failedNodes"]]
    assert messages and all(REDACTED in message for message in messages)


def test_refresh_cleans_a_password_that_older_state_held_in_plain_text(
    provider: BatchPoolProvider,  # noqa: F811
    emulator: EmulatorServer,
) -> None:
    pool_id, outputs = _create(provider, emulator)
    legacy = _plain(outputs)
    legacy["userAccounts"] = [{"name": "alice", "password": PASSWORD}]
    for key in (FINGERPRINT_KEY, DIGESTS_KEY):
        legacy.pop(key)
    read = provider.read(pool_id, legacy)
    assert PASSWORD not in json.dumps([read.outs, read.inputs], default=str)
    assert read.inputs["userAccounts"] == [{"name": "alice"}]


def test_an_unexpected_exception_becomes_a_redacted_provider_error(
    provider: BatchPoolProvider,  # noqa: F811
) -> None:
    with pytest.raises(BatchPoolError) as raised:
        provider.read("not-a-pool-id", {})
    message = str(raised.value)
    assert message.startswith("Unexpected ValueError in the BatchPool provider at lifecycle.py:")
    assert "'not-a-pool-id' is not an Azure Batch pool id" in message
