"""Shared emulator fixtures: one in-process server per session, reset before every test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer

API = {"api-version": "2025-06-01"}
MONITOR_AGENT = {"type": "AzureMonitorLinuxAgent", "publisher": "Microsoft.Azure.Monitor"}
SECRET = "s3cr3t-value-never-returned"


@pytest.fixture(autouse=True)
def _fresh_emulator(emulator: EmulatorServer) -> EmulatorServer:
    """Every emulator test starts from a reset emulator (the shared fixture resets on use)."""
    return emulator


@pytest.fixture
def account_url(emulator: EmulatorServer) -> str:
    """ARM URL of the demo account."""
    return f"{emulator.url}{DEMO_ACCOUNT.arm_id}"


@pytest.fixture
def batch_url(emulator: EmulatorServer) -> str:
    """Data-plane base URL of the demo account."""
    return f"{emulator.url}/batch/{DEMO_ACCOUNT.account_name}"


class FakeClock:
    """A clock tests move by hand, so timed transitions run without sleeping."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fast_emulator(clock: FakeClock) -> Iterator[EmulatorServer]:
    """A separate emulator at "fast" speed driven by the ``clock`` fixture."""
    with EmulatorServer(port=0, speed="fast", seed=11, clock=clock) as server:
        yield server


def arm_account_url(server: EmulatorServer, subscription: str = DEMO_ACCOUNT.subscription_id) -> str:
    """ARM URL of the demo account (or of the same names under another subscription) on ``server``."""
    return (
        f"{server.url}/subscriptions/{subscription}/resourceGroups/"
        f"{DEMO_ACCOUNT.resource_group}/providers/Microsoft.Batch/batchAccounts/{DEMO_ACCOUNT.account_name}"
    )


def pool_body(nodes: int = 2, extensions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A valid pool with ``nodes`` dedicated nodes; by default one Key Vault extension carrying a secret."""
    if extensions is None:
        extensions = [
            {
                "name": "secretext",
                "type": "KeyVaultForLinux",
                "publisher": "Microsoft.Azure.KeyVault",
                "typeHandlerVersion": "3.0",
                "autoUpgradeMinorVersion": True,
                "settings": {"secretsManagementSettings": {"pollingIntervalInS": "3600"}},
                "protectedSettings": {"token": SECRET},
            }
        ]
    return {
        "properties": {
            "vmSize": "STANDARD_D2S_V3",
            "deploymentConfiguration": {
                "virtualMachineConfiguration": {
                    "imageReference": {
                        "publisher": "Canonical",
                        "offer": "ubuntu-24_04-lts",
                        "sku": "server",
                    },
                    "nodeAgentSkuId": "batch.node.ubuntu 24.04",
                    "extensions": extensions,
                }
            },
            "scaleSettings": {"fixedScale": {"targetDedicatedNodes": nodes}},
        }
    }


def extension(name: str, after: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """A minimal monitoring extension (one Azure Batch lists), optionally provisioned after others."""
    body: dict[str, Any] = {"name": name, **MONITOR_AGENT}
    if after:
        body["provisionAfterExtensions"] = after
    return {**body, **extra}


def identity_id(name: str) -> str:
    """The ARM id of a user-assigned identity called ``name`` in the demo subscription."""
    return (
        f"/subscriptions/{DEMO_ACCOUNT.subscription_id}/resourceGroups/demo-rg/providers/"
        f"Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    )


def with_identities(body: dict[str, Any], *names: str) -> dict[str, Any]:
    """``body`` with a UserAssigned identity holding the identities ``names``."""
    body["identity"] = {"type": "UserAssigned", "userAssignedIdentities": {identity_id(n): {} for n in names}}
    return body
