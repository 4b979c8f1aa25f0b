"""Check's rules about which extensions a pool declares, from
``pulumi_azure_batch_pool.model.extension_catalog``.

* An extension built for the other operating system than the pool's node agent is refused: Azure would
  accept the pool and fail the extension on every node once allocated, after the nodes were paid for.
* A publisher/type pair outside Azure Batch's list is only warned about: a subscription can have support
  for more pairs, which the ``batchpool:allowedExtensions`` setting names to silence the warning.
* An extension that reads Azure resources as the pool's identity (Key Vault) on a pool without one is
  warned about: it cannot work, but the identity may be added by another stack first.

Unknown values (preview) are skipped; they are checked again once known.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_azure_batch_pool.model import extension_catalog as catalog
from pulumi_azure_batch_pool.model.normalize import is_unknown
from pulumi_azure_batch_pool.model.pool_model import EXTENSIONS, vm_extensions

Failure = tuple[str, str]

NODE_AGENT_PATH = "deploymentConfiguration.virtualMachineConfiguration.nodeAgentSkuId"
ALLOWED_SETTING = "batchpool:allowedExtensions"


def _pairs(props: Mapping[str, Any]) -> Iterator[tuple[int, str, str, str]]:
    """``(index, name, publisher, type)`` of every extension whose publisher and type are known strings."""
    for index, extension in enumerate(vm_extensions(props.get("deploymentConfiguration"))):
        if not isinstance(extension, Mapping):
            continue
        publisher, kind = extension.get("publisher"), extension.get("type")
        known = not (is_unknown(publisher) or is_unknown(kind))
        if isinstance(publisher, str) and isinstance(kind, str) and known:
            yield index, str(extension.get("name")), publisher, kind


def _pool_os(props: Mapping[str, Any]) -> tuple[str, catalog.OsFamily] | None:
    deployment = props.get("deploymentConfiguration")
    vm = deployment.get("virtualMachineConfiguration") if isinstance(deployment, Mapping) else None
    agent = vm.get("nodeAgentSkuId") if isinstance(vm, Mapping) else None
    if not isinstance(agent, str) or is_unknown(agent):
        return None
    os = catalog.node_agent_os(agent)
    return (agent, os) if os is not None else None


def os_mismatch_failures(props: Mapping[str, Any]) -> Iterator[Failure]:
    """A catalogued extension for the other operating system than the node agent's, with the fix."""
    pool_os = _pool_os(props)
    if pool_os is None:
        return
    agent, os = pool_os
    for index, name, publisher, kind in _pairs(props):
        entry = catalog.lookup(publisher, kind)
        if entry is None or entry.os is os:
            continue
        other = catalog.counterpart(entry, os)
        fix = (
            f"use type '{other.type}' (publisher '{other.publisher}'), the {os.value} {entry.family}"
            " extension"
            if other is not None
            else f"Azure Batch lists no {os.value} {entry.family} extension, so remove it"
        )
        yield (
            f"{EXTENSIONS}[{index}].type",
            f"extension {name!r} ({entry.pair}) runs on {entry.os.value} only, but nodeAgentSkuId {agent!r}"
            f" makes a {os.value} pool: Azure would accept the pool and fail the extension on every node"
            f" after allocation; {fix}, or use a {entry.os.value} image and node agent",
        )


def unlisted_warnings(props: Mapping[str, Any], allowed: frozenset[tuple[str, str]]) -> Iterator[str]:
    """A pair outside Azure Batch's list and outside ``allowed``: likely a typo, or needing support."""
    for index, name, publisher, kind in _pairs(props):
        if catalog.lookup(publisher, kind) is not None or (publisher.lower(), kind.lower()) in allowed:
            continue
        near = catalog.closest(publisher, kind)
        hint = f"did you mean {near.pair}?" if near else f"the list has: {catalog.listed_pairs()}."
        yield (
            f"{EXTENSIONS}[{index}]: extension {name!r} ({publisher}/{kind}) is not in Azure Batch's list of"
            f" supported extensions ({catalog.BATCH_EXTENSIONS_SOURCE}), so Azure refuses the pool unless"
            f" your subscription has support for it; {hint} If it has, list the pair in {ALLOWED_SETTING}"
            f" (comma-separated, e.g. `pulumi config set {ALLOWED_SETTING} '{publisher}/{kind}'`) to silence"
            " this warning"
        )


def identity_warnings(props: Mapping[str, Any]) -> Iterator[str]:
    """An extension that needs the pool's managed identity on a pool whose identity type is 'None'."""
    identity = props.get("identity")
    if is_unknown(identity):
        return
    identity_type = identity.get("type") if isinstance(identity, Mapping) else None
    if is_unknown(identity_type) or (isinstance(identity_type, str) and identity_type.lower() != "none"):
        return
    for _, name, publisher, kind in _pairs(props):
        entry = catalog.lookup(publisher, kind)
        if entry is not None and entry.needs_identity:
            yield (
                f"extension {name!r} ({entry.pair}) needs a managed identity on the pool: the {entry.family}"
                " extension reads Azure resources as that identity; set identity with type 'UserAssigned'"
                " and reference its clientId in the extension settings"
            )
