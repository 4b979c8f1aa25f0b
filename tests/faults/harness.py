"""What every fault case needs: a provider behind the fault proxy, the program, and the truth in the emulator.

Faults come from outside the code under test only: the `azure_batch_emulator.proxy.FaultProxy` between the
provider and
the emulator, and the emulator's own fault flags and admin endpoints. The emulator is asked directly (not
through the proxy) what is really left, and every message is held against that.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.runtime.rpc import unwrap_rpc_secret

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from pulumi_azure_batch_pool import BatchPoolProvider
from pulumi_azure_batch_pool.azure_clients.errors import BatchPoolError
from pulumi_azure_batch_pool.model.ownership import CREATE_TOKEN_TAG, MANAGED_BY_TAG, is_ownership_tag
from tests.pools import MONITOR_EXTENSION, ubuntu_deployment

SECRET = "fault-matrix-s3cr3t-7f41c0"
"""A protected setting value that must never appear in a message or a log line."""
POOL = "fault-pool"
STACK = "faults/dev"
TIMEOUT_MINUTES = 0.5
"""The create's own deadline in cases that are not about it: room enough on a busy machine."""
TIGHT_MINUTES = 0.05
"""The create's deadline (3 s) in cases about deadlines: tiny, so that they finish at once."""
OPERATION_TIMEOUT_MINUTES = 0.05
"""The rollback's, delete's and refresh's deadline (batchpool:operationTimeoutMinutes)."""
API = {"api-version": "2025-06-01"}
ACCOUNT_PATH = DEMO_ACCOUNT.arm_id
POOL_PATH = rf"/pools/{POOL}\?"
"""Proxy rule path for the pool's own ARM URL (and not its nodes, nor its delete operation)."""


def configured(url: str, **config: str) -> BatchPoolProvider:
    """A provider that talks to ``url`` (the proxy), with tiny deadlines and a fast poll."""
    provider = BatchPoolProvider()
    settings = {
        "batchpool:armEndpoint": url,
        "batchpool:subscriptionId": DEMO_ACCOUNT.subscription_id,
        "batchpool:pollIntervalSeconds": "0.01",
        "batchpool:operationTimeoutMinutes": str(OPERATION_TIMEOUT_MINUTES),
        "batchpool:requestTimeoutSeconds": "2",
        **{f"batchpool:{key}": value for key, value in config.items()},
    }
    provider.configure(ConfigureRequest(Config(settings, "faults")))
    return provider


def program(**overrides: Any) -> dict[str, Any]:
    """Inputs as the BatchPool resource sends them: one extension with a protected setting."""
    props: dict[str, Any] = {
        "pulumiStack": STACK,
        "poolNamePrefix": "render",
        "poolName": POOL,
        "resourceGroupName": DEMO_ACCOUNT.resource_group,
        "accountName": DEMO_ACCOUNT.account_name,
        "vmSize": "STANDARD_D2S_V3",
        "deploymentConfiguration": ubuntu_deployment({**MONITOR_EXTENSION, "settings": {"workspace": "w1"}}),
        "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 2}},
        "tags": {"team": "render"},
        "timeoutMinutes": TIMEOUT_MINUTES,
        "protectedSettings": {"monitor": {"key": SECRET}},
    }
    props.update(overrides)
    return {key: value for key, value in props.items() if value is not None}


def checked(provider: BatchPoolProvider, props: dict[str, Any]) -> dict[str, Any]:
    """Check with empty olds, as the engine does for every create (a retry after a crash included)."""
    result = provider.check({}, props)
    assert result.failures == [], result.failures
    return result.inputs


def admin(emulator: EmulatorServer, path: str, body: dict[str, Any]) -> None:
    """Call one of the emulator's admin endpoints (scripted failures, fault flags)."""
    response = requests.post(f"{emulator.url}/_emulator/{path}", json=body, headers=_auth(), timeout=10)
    response.raise_for_status()


def pools(emulator: EmulatorServer) -> list[dict[str, Any]]:
    """The pools the emulator really holds (asked directly, with any fault flags switched off first)."""
    admin(emulator, "faults", {})
    response = requests.get(f"{emulator.url}{ACCOUNT_PATH}/pools", params=API, headers=_auth(), timeout=10)
    response.raise_for_status()
    return list(response.json()["value"])


def put_foreign_pool(emulator: EmulatorServer, tags: dict[str, str] | None = None) -> None:
    """Someone else's pool named POOL, made directly in the emulator (no ownership tags unless given)."""
    body = {
        "tags": tags or {"owner": "someone-else"},
        "properties": {
            "vmSize": "STANDARD_D2S_V3",
            "deploymentConfiguration": program()["deploymentConfiguration"],
            "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 0}},
        },
    }
    response = requests.put(
        f"{emulator.url}{ACCOUNT_PATH}/pools/{POOL}", params=API, json=body, headers=_auth(), timeout=10
    )
    response.raise_for_status()


def begin_delete_directly(emulator: EmulatorServer) -> None:
    """Start deleting POOL in the emulator, as an earlier attempt's rollback would have."""
    response = requests.delete(
        f"{emulator.url}{ACCOUNT_PATH}/pools/{POOL}", params=API, headers=_auth(), timeout=10
    )
    assert response.status_code == 202, response.status_code


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {DEV_TOKEN}"}


@dataclass
class Outcome:
    """What a user saw: the result or the error message, the log, and how long it took."""

    result: Any
    message: str
    log: str
    seconds: float
    budget: float
    """A create may use its own deadline and then the rollback's: twice this is the most it may take."""


def run(
    call: Callable[[], Any], read_log: Callable[[], str], *, timeout_minutes: float = TIMEOUT_MINUTES
) -> Outcome:
    """Run one provider call, catching the provider error a user would see; time it on the clock."""
    started = time.monotonic()
    result: Any = None
    message = ""
    try:
        result = call()
    except BatchPoolError as error:
        message = str(error)
    budget = (timeout_minutes + OPERATION_TIMEOUT_MINUTES) * 60
    return Outcome(result, message, read_log(), time.monotonic() - started, budget)


def assert_truthful(outcome: Outcome, left: list[dict[str, Any]], name: str = POOL) -> None:
    """The message never contradicts the emulator, no secret leaks, and the deadline held within 2x."""
    names = {pool["name"] for pool in left}
    states = {pool["name"]: pool["properties"].get("provisioningState") for pool in left}
    message = outcome.message
    assert SECRET not in message and SECRET not in outcome.log, "a protected setting leaked"
    assert outcome.seconds <= 2 * outcome.budget, f"took {outcome.seconds:.1f}s, budget {outcome.budget}s"
    if "was deleted again" in message or "nothing is left behind" in message:
        assert name not in names, f"the message says the pool is gone but the emulator holds it: {message}"
    if "could NOT be deleted" in message:
        assert name in names and states[name] != "Deleting", message
        assert f"az resource delete --ids '{ACCOUNT_PATH}/pools/{name}'" in message
    if "is still being deleted" in message:
        assert name not in names or states[name] == "Deleting", message
        assert f"{ACCOUNT_PATH}/pools/{name}" in message
    for pool in left:
        assert pool["tags"].get(MANAGED_BY_TAG) or pool["tags"].get("owner"), "a pool nobody can find"


def owned(pool: dict[str, Any]) -> bool:
    """True when the pool carries the provider's ownership tags with a create token."""
    tags = pool.get("tags") or {}
    return tags.get(MANAGED_BY_TAG) == "pulumi-batchpool" and bool(tags.get(CREATE_TOKEN_TAG))


def user_tags(outputs: dict[str, Any]) -> dict[str, Any]:
    """The tags an output map shows (never an ownership tag)."""
    tags = dict(outputs.get("tags") or {})
    assert not any(is_ownership_tag(key) for key in tags), tags
    return tags


def plain(outputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs as the engine hands them back to the provider: secrets unwrapped."""
    return {key: unwrap_rpc_secret(value) for key, value in outputs.items()}
