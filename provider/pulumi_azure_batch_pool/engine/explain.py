"""Why diff plans a replacement, in lines a reviewer of ``pulumi preview`` can read.

A dynamic provider's diff can only name top-level keys (``replaces=["deploymentConfiguration"]``), which
hides whether an extension's version, its settings or the image changed. These functions name each cause:
the extension (or property) and the field, old -> new, and the Azure rule that makes it a replacement.
Values come from the canonical forms diff compares (so enum values read lower-cased), secrets never appear:
``protectedSettings`` are compared by fingerprint and reported only as changed, and write-only secrets
(``password``, keys) are masked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from pulumi_azure_batch_pool.model import pool_model
from pulumi_azure_batch_pool.model.diffing import PROTECTED_SETTINGS_KEY
from pulumi_azure_batch_pool.model.mapping import WRITE_ONLY_KEYS
from pulumi_azure_batch_pool.model.normalize import (
    ABSENT,
    MODEL,
    Absent,
    ModelNode,
    canonical_at,
    canonical_value,
    contains_unknown,
    equivalent_at,
    is_unknown,
    item_key_values,
    model_at,
)
from pulumi_azure_batch_pool.model.secrets import fingerprint_protected_settings

LOCATION_KEYS = frozenset({"subscriptionId", "resourceGroupName", "accountName", "poolName"})
EXTENSIONS_RULE = "Azure cannot change the extensions of an existing pool"
LOCATION_RULE = "a pool cannot move to another subscription, resource group, account or name"
EXTENSION_MODEL = model_at(f"{pool_model.EXTENSIONS}{pool_model.ITEM}")
MASK = "***"
MAX_VALUE_CHARS = 80


def replacement_causes(
    olds: Mapping[str, Any], news: Mapping[str, Any], replaces: Sequence[str]
) -> list[str]:
    """One line per cause of the replacement ``replaces`` names (empty when nothing is replaced).

    ``olds`` are the previous outputs, ``news`` the new checked inputs, as ``diffing.diff_pool`` got them.
    """
    pool = next(
        (name for name in (news.get("poolName"), olds.get("poolName")) if isinstance(name, str)), "pool"
    )
    pool = "pool" if is_unknown(pool) else pool
    lines: list[str] = []
    for key in replaces:
        if key == PROTECTED_SETTINGS_KEY:
            causes = [(cause, EXTENSIONS_RULE) for cause in _protected_settings_causes(olds, news)]
        elif key == "deploymentConfiguration":
            causes = list(_deployment_causes(olds.get(key), news.get(key)))
        else:
            rule = LOCATION_RULE if key in LOCATION_KEYS else _property_rule(key)
            causes = [(cause, rule) for cause in _value_causes(key, olds.get(key), news.get(key))]
        lines.extend(f"{pool}: replace: {cause} ({rule})" for cause, rule in causes)
    return lines


def log_replacement_causes(
    log: Callable[[str], None], olds: Mapping[str, Any], news: Mapping[str, Any], replaces: Sequence[str]
) -> None:
    """Send each line of ``replacement_causes`` to ``log``."""
    for line in replacement_causes(olds, news, replaces):
        log(line)


def _property_rule(key: str) -> str:
    return f"Azure rejects a change of {key} while the pool has nodes"


def _value_causes(key: str, old: Any, new: Any) -> list[str]:
    if not isinstance(old, Mapping | list) and not isinstance(new, Mapping | list):
        # Top-level scalars read best as written (vmSize as given, not lower-cased); unset is the default.
        node = MODEL.child(key)
        default = None if node is None or node.default is ABSENT else node.default
        old, new = (default if value is None else value for value in (old, new))
        return [f"{key} {_shown(key, old)} -> {_shown(key, new)}"]
    before, after = _canonical(key, old), _canonical(key, new)
    return [_describe(*change) for change in _changes(key, before, after, MODEL.child(key))] or [
        f"{key} changed"
    ]


def _canonical(key: str, value: Any) -> Any:
    canonical = canonical_value(key, value)
    return ABSENT if canonical is None else canonical


def _deployment_causes(old: Any, new: Any) -> Iterator[tuple[str, str]]:
    """Extension changes (by extension name) and changes of the rest of the deployment configuration."""
    old_rest, old_extensions = _split_extensions(old)
    new_rest, new_extensions = _split_extensions(new)
    items = new_extensions if isinstance(new_extensions, list) else [new_extensions]
    if any(is_unknown(item) for item in items):
        yield "extensions (known after apply)", EXTENSIONS_RULE
    else:
        before, after = _by_name(old_extensions), _by_name(new_extensions)
        for key in sorted({*before, *after}):
            if key not in before:
                yield f"extension {after[key].get('name')} added", EXTENSIONS_RULE
            elif key not in after:
                yield f"extension {before[key].get('name')} removed", EXTENSIONS_RULE
            elif not equivalent_at(before[key], after[key], EXTENSION_MODEL):
                was, now = (canonical_at(item, EXTENSION_MODEL) for item in (before[key], after[key]))
                for change in _changes(str(after[key].get("name")), was, now, EXTENSION_MODEL):
                    yield _describe(*change), EXTENSIONS_RULE
    rule = _property_rule("deploymentConfiguration")
    was, now = (_canonical("deploymentConfiguration", rest) for rest in (old_rest, new_rest))
    for change in _changes("deploymentConfiguration", was, now, MODEL.child("deploymentConfiguration")):
        yield _describe(*change), rule


def _split_extensions(deployment: Any) -> tuple[Any, Any]:
    """(the deployment configuration without its extensions, the extensions as written)."""
    vm = deployment.get("virtualMachineConfiguration") if isinstance(deployment, Mapping) else None
    if not isinstance(vm, Mapping):
        return deployment, None
    rest = {key: value for key, value in vm.items() if key != "extensions"}
    return {**deployment, "virtualMachineConfiguration": rest}, vm.get("extensions")


def _by_name(extensions: Any) -> dict[str, Mapping[str, Any]]:
    """Extensions keyed by lower-cased name, Azure's identity for them within a pool."""
    if not isinstance(extensions, list):
        return {}
    return {
        str(extension.get("name")).lower(): extension
        for extension in extensions
        if isinstance(extension, Mapping)
    }


def _protected_settings_causes(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    new = news.get(PROTECTED_SETTINGS_KEY) or {}
    if is_unknown(new):
        return [f"{PROTECTED_SETTINGS_KEY} are not known until apply"]
    fingerprints = olds.get("protectedSettingsFingerprint") or {}
    old_prints = {str(name).lower(): value for name, value in fingerprints.items()}
    salt = olds.get("protectedSettingsSalt")
    new_prints = fingerprint_protected_settings(new, salt) if isinstance(salt, str) else {}
    causes = []
    for name in sorted({*old_prints, *(str(key).lower() for key in new)}):
        written = next((str(key) for key in new if str(key).lower() == name), name)
        if name not in old_prints:
            causes.append(f"{PROTECTED_SETTINGS_KEY} of {written} added")
        elif written not in new:
            causes.append(f"{PROTECTED_SETTINGS_KEY} of {written} removed")
        elif new_prints.get(written) != old_prints[name]:
            causes.append(f"{PROTECTED_SETTINGS_KEY} of {written} changed")
    return causes or [f"{PROTECTED_SETTINGS_KEY} changed"]


Change = tuple[str, Any, Any, ModelNode | None]
"""A differing leaf: its path for the message, old and new canonical values, and its place in the model."""


def _changes(path: str, old: Any, new: Any, node: ModelNode | None, item: bool = False) -> Iterator[Change]:
    """Every differing leaf of two canonical values found at ``node`` of the model.

    Objects are walked into (an absent one as empty), except a keyed-list ``item`` that was added or
    removed, which is one change; lists compare whole.
    """
    if old == new:
        return
    objects = isinstance(old, dict | Absent) and isinstance(new, dict | Absent)
    if objects and not (item and (old is ABSENT or new is ABSENT)):
        before = old if isinstance(old, dict) else {}
        after = new if isinstance(new, dict) else {}
        # A keyed list's canonical form maps item keys to items (see ``normalize.item_key_values``).
        keyed = node is not None and isinstance(node.keys, tuple)
        for key in sorted({*before, *after}):
            child = (node.item if keyed else node.child(key)) if node is not None else None
            where = _item_path(path, key) if keyed else f"{path}.{key}"
            yield from _changes(where, before.get(key, ABSENT), after.get(key, ABSENT), child, keyed)
    else:
        yield path, old, new, node


def _item_path(path: str, key: str) -> str:
    return f"{path}[{', '.join(str(value) for value in item_key_values(key) if value is not None)}]"


def _describe(path: str, old: Any, new: Any, node: ModelNode | None) -> str:
    default = node.default if node is not None else ABSENT
    if default is not ABSENT:
        # Canonical forms leave defaults out: name the value Azure will really use.
        old, new = (default if value is ABSENT else value for value in (old, new))
    if old is ABSENT:
        return f"{path} added" if isinstance(new, dict) else f"{path} set to {_shown(path, new)}"
    if new is ABSENT:
        return f"{path} removed"
    was, now = _shown(path, old), _shown(path, new)
    # Equal once shown: what changed is a masked secret (or beyond the cut).
    return f"{path} changed" if _is_secret(path) or was == now else f"{path} {was} -> {now}"


def _is_secret(path: str) -> bool:
    return path.rsplit(".", 1)[-1] in WRITE_ONLY_KEYS


def _shown(path: str, value: Any) -> str:
    """``value`` for a message: secrets masked, unknowns named, long values cut."""
    if value is ABSENT or value is None:
        return "(not set)"
    if contains_unknown(value):
        return "(known after apply)"
    if _is_secret(path):
        return MASK
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(_masked(value), sort_keys=True, separators=(",", ":"), default=str)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


def _masked(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            str(key): MASK if key in WRITE_ONLY_KEYS else _masked(item)
            for key, item in value.items()
            if item is not ABSENT
        }
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value
