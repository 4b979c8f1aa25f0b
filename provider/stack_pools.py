"""Which pools a stack holds, and which pools the provider made that no stack state knows about.

`pulumi stack output --json` and `pulumi stack export` have different shapes, but both carry the
pools' ARM ids (the resource ids, and the `armId`/`arm_id` outputs), so one scan for strings that are
pool ids serves both. An interrupted `pulumi up` can leave a pool that carries the provider's ownership
tags but is in no state: comparing the account's pools with the state's ids finds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from provider.arm import PoolRef
from provider.lifecycle import pool_ref_from_id
from provider.ownership import owner_from_tags


def pool_ids_in(document: Any) -> list[str]:
    """Every distinct Azure Batch pool ARM id anywhere in a JSON document, in first-seen order."""
    found: dict[str, str] = {}
    for text in _strings(document):
        if "/pools/" in text.lower():
            try:
                ref = pool_ref_from_id(text)
            except ValueError:
                continue
            found.setdefault(ref.arm_id.lower(), ref.arm_id)
    return list(found.values())


@dataclass(frozen=True)
class Orphan:
    """A pool with the provider's ownership tags that the given stack state does not hold."""

    arm_id: str
    pool_name: str
    stack: str | None
    resource: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "armId": self.arm_id,
            "poolName": self.pool_name,
            "stack": self.stack,
            "resource": self.resource,
        }


def find_orphans(
    account_pools: Iterable[Mapping[str, Any]], account: PoolRef, state_ids: Iterable[str]
) -> list[Orphan]:
    """Pools of ``account`` (a PoolRef whose pool name is ignored) owned by the provider and not in state."""
    known = {arm_id.lower() for arm_id in state_ids}
    orphans = []
    for pool in account_pools:
        owner = owner_from_tags(pool.get("tags"))
        if owner is None:
            continue
        name = str(pool.get("name") or "")
        arm_id = str(pool.get("id") or f"{account.account_id}/pools/{name}")
        if arm_id.lower() not in known:
            orphans.append(Orphan(arm_id, name, owner.stack or None, owner.resource or None))
    return orphans


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
