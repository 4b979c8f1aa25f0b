"""Batch accounts the emulator serves: their identity, name rules and ARM body."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

REGION = "westeurope"
ACCOUNT_NAME = re.compile(r"^[a-z0-9]{3,24}$")


@dataclass(frozen=True)
class AccountRef:
    """Where a Batch account lives: subscription, resource group and account name."""

    subscription_id: str
    resource_group: str
    account_name: str

    @property
    def key(self) -> tuple[str, str, str]:
        """Lookup key: ARM treats all three segments case-insensitively."""
        return (self.subscription_id.lower(), self.resource_group.lower(), self.account_name.lower())

    @property
    def arm_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.Batch/batchAccounts/{self.account_name}"
        )


DEMO_ACCOUNT = AccountRef("00000000-0000-0000-0000-000000000000", "demo-rg", "demoaccount")


def check_account_name(name: str) -> None:
    """Raise ValueError unless ``name`` follows Azure's rule (3-24 lowercase letters and digits)."""
    if not ACCOUNT_NAME.match(name):
        raise ValueError(
            f"account name '{name}' is invalid: use 3-24 lowercase letters and digits (e.g. 'demoaccount')"
        )


def parse_account(spec: str) -> AccountRef:
    """Parse ``SUBSCRIPTION/RESOURCE_GROUP/NAME`` (the ``--account`` option) into an AccountRef."""
    parts = spec.split("/")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"--account '{spec}' must look like SUBSCRIPTION/RESOURCE_GROUP/NAME")
    check_account_name(parts[2])
    return AccountRef(*parts)


def account_endpoint(base_url: str, account: AccountRef) -> str:
    """The account's data-plane endpoint as ARM reports it: host:port/path, no scheme."""
    return f"{base_url.split('://', 1)[-1]}/batch/{account.account_name}"


def account_body(account: AccountRef, endpoint: str) -> dict[str, Any]:
    """The ARM ``BatchAccount`` body; ``endpoint`` is host:port/path without a scheme, as Azure returns it."""
    return {
        "id": account.arm_id,
        "name": account.account_name,
        "type": "Microsoft.Batch/batchAccounts",
        "location": REGION,
        "identity": {"type": "None"},
        "tags": {},
        "properties": {
            "accountEndpoint": endpoint,
            "nodeManagementEndpoint": endpoint,
            "provisioningState": "Succeeded",
            "poolAllocationMode": "BatchService",
            "publicNetworkAccess": "Enabled",
            "dedicatedCoreQuota": 500,
            "lowPriorityCoreQuota": 500,
            "dedicatedCoreQuotaPerVMFamilyEnforced": False,
            "poolQuota": 100,
            "activeJobAndJobScheduleQuota": 300,
            "allowedAuthenticationModes": ["AAD"],
        },
    }
