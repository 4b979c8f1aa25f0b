"""Removing one of several user-assigned identities really removes it (Azure merges them on PATCH).

Azure's pool PATCH merges ``identity.userAssignedIdentities`` into the existing map: an identity left out
of the PATCH stays. The provider must send ``null`` for each identity it removes; a GET after the update
shows what really happened.
"""

from __future__ import annotations

import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from pulumi_azure_batch_pool import BatchPoolProvider
from pulumi_azure_batch_pool.model.diffing import diff_pool
from tests.provider.test_lifecycle import VAULT_CERT, admin, checked, plain, program, provider

__all__ = ["provider"]  # the fixture, shared with the lifecycle tests

FIRST = (
    f"/subscriptions/{DEMO_ACCOUNT.subscription_id}/resourceGroups/rg/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/first"
)
SECOND = FIRST.replace("/first", "/second")


def live_identities(emulator: EmulatorServer, arm_id: str) -> set[str]:
    response = requests.get(
        f"{emulator.url}{arm_id}",
        params={"api-version": "2025-06-01"},
        headers={"Authorization": f"Bearer {DEV_TOKEN}"},
        timeout=10,
    )
    response.raise_for_status()
    identity = response.json().get("identity") or {}
    return {arm_id.lower() for arm_id in identity.get("userAssignedIdentities") or {}}


def test_removing_one_of_two_identities_removes_it(
    provider: BatchPoolProvider, emulator: EmulatorServer
) -> None:
    admin(emulator, "vault-certificates", {"urls": [VAULT_CERT]})
    both = {"type": "UserAssigned", "userAssignedIdentities": {FIRST: {}, SECOND: {}}}
    inputs = checked(provider, program(identity=both))
    created = provider.create(inputs)
    assert live_identities(emulator, created.id) == {FIRST.lower(), SECOND.lower()}

    olds = plain(created.outs)
    news = checked(
        provider, program(identity={"type": "UserAssigned", "userAssignedIdentities": {FIRST: {}}})
    )
    news["poolName"] = inputs["poolName"]
    plan = diff_pool(olds, news)
    assert (plan.changes, plan.replaces) == (True, [])
    provider.update(created.id, olds, news)
    assert live_identities(emulator, created.id) == {FIRST.lower()}
