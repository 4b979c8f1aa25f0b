"""Which pools a stack holds, and which pools the provider made that no stack state knows about.

`pulumi stack output --json` and `pulumi stack export` have different shapes, but both carry the
pools' ARM ids (the resource ids, and the `armId`/`arm_id` outputs), so one scan for strings that are
pool ids serves both. An interrupted `pulumi up` can leave a pool that carries the provider's ownership
tags but is in no state: comparing the account's pools with the state's ids finds it.

Only a pool whose stack tag names the state's own stack can be that state's orphan: an account shared by
several stacks holds their live pools too, and telling a user to delete those would be a disaster. So
the orphan finder takes only a `pulumi stack export` document (it names its stack and project in every
resource URN); the other stacks' pools are reported apart, never as orphans.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_azure_batch_pool.azure_clients.arm import PoolRef
from pulumi_azure_batch_pool.lifecycle.lifecycle import pool_ref_from_id
from pulumi_azure_batch_pool.model.ownership import owner_from_tags


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


class NotAStackExport(ValueError):
    """The document given as a stack state is not a `pulumi stack export` (or names no stack)."""


_EXPORT_HINT = "pass the output of `pulumi stack export` (not `pulumi stack output`)"


def exported_stack(document: Any) -> str:
    """``{project}/{stack}`` (as the ownership tag spells it) of a `pulumi stack export` document.

    Raises NotAStackExport for anything else: ``{}``, ``[]``, a `pulumi stack output --json` file, or an
    export whose resources disagree on their stack or name none.
    """
    deployment = document.get("deployment") if isinstance(document, Mapping) else None
    if not isinstance(deployment, Mapping) or "version" not in document:
        raise NotAStackExport(
            f"it is not a `pulumi stack export` document (no version and deployment); {_EXPORT_HINT}"
        )
    stacks = set()
    for resource in deployment.get("resources") or []:
        urn = resource.get("urn") if isinstance(resource, Mapping) else None
        if isinstance(urn, str) and urn.startswith("urn:pulumi:") and urn.count("::") >= 3:
            stack, project = urn[len("urn:pulumi:") :].split("::")[:2]
            stacks.add(f"{project}/{stack}")
    if len(stacks) != 1:
        found = (
            "no resource URN" if not stacks else f"resources of several stacks ({', '.join(sorted(stacks))})"
        )
        raise NotAStackExport(
            f"the export holds {found}, so its stack is unknown; {_EXPORT_HINT} of one stack"
        )
    return stacks.pop()


def find_orphans(
    account_pools: Iterable[Mapping[str, Any]], account: PoolRef, state_ids: Iterable[str], stack: str
) -> tuple[list[Orphan], list[Orphan]]:
    """Pools of ``account`` (a PoolRef whose pool name is ignored) owned by the provider and not in state:
    those whose stack tag is ``stack`` (orphans), and those of any other stack (never orphans of this one)."""
    known = {arm_id.lower() for arm_id in state_ids}
    orphans: list[Orphan] = []
    others: list[Orphan] = []
    for pool in account_pools:
        owner = owner_from_tags(pool.get("tags"))
        if owner is None:
            continue
        name = str(pool.get("name") or "")
        arm_id = str(pool.get("id") or f"{account.account_id}/pools/{name}")
        if arm_id.lower() not in known:
            found = Orphan(arm_id, name, owner.stack or None, owner.resource or None)
            (orphans if owner.stack == stack else others).append(found)
    return orphans, others


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
