"""Pure diff rules for a pool: which changes replace it, which update it in place, which touch only state.

``olds`` are the previous *outputs* (the engine never passes old inputs to a dynamic provider's diff); they
echo every input except ``protectedSettings``, which they carry as ``protectedSettingsSalt`` plus
``protectedSettingsFingerprint``. Values are compared in the canonical forms of
``pulumi_azure_batch_pool.model.normalize`` so that
reordering extensions, ``3`` vs ``3.0``, ``STANDARD_D4`` vs ``standard_d4`` or a server default written out
never plan a replacement. ``pulumi_azure_batch_pool.engine.explain`` turns a planned replacement into lines a
reviewer can read.
"""

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import DiffResult

from pulumi_azure_batch_pool.model.normalize import contains_unknown, equivalent_values
from pulumi_azure_batch_pool.model.secrets import fingerprint_protected_settings

REPLACE_KEYS = (
    "subscriptionId",
    "resourceGroupName",
    "accountName",
    "poolName",
    "vmSize",
    "deploymentConfiguration",
    "networkConfiguration",
    "taskSlotsPerNode",
    "taskSchedulingPolicy",
    "userAccounts",
    "mountConfiguration",
    "interNodeCommunication",
    "upgradePolicy",
    "displayName",
)
"""Where the pool lives, plus every property Azure only accepts on an empty pool (extensions included)."""

MUTABLE_KEYS = ("scaleSettings", "metadata", "startTask", "applicationPackages", "tags", "identity")
"""Properties a PATCH can change while the pool has nodes."""

PROVIDER_OPTION_KEYS = (
    "waitForNodes",
    "timeoutMinutes",
    "maxNodesInOutputs",
    "extensionFailurePolicy",
    "adoptExisting",
    "poolNamePrefix",
    "drainBeforeDelete",
    "drainTimeoutMinutes",
    "drainTimeoutAction",
)
"""Provider behaviour only: a change is recorded in state by an update that sends nothing to Azure."""

PROTECTED_SETTINGS_KEY = "protectedSettings"


def _differs(key: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    old, new = olds.get(key), news.get(key)
    # ``old == new`` is the fast path (``3 == 3.0`` too). Old outputs never hold unknowns, and an unknown
    # equals only itself, so a new value holding one is never equivalent: it counts as a change.
    return old != new and not equivalent_values(key, old, new)


def _lower_keys(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key).lower(): value for key, value in mapping.items()}


def protected_settings_changed(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """True when the new ``protectedSettings`` differ from the ones fingerprinted into the old outputs.

    An unknown value (preview) counts as a change. Without a salt in the olds, nothing was fingerprinted,
    so any non-empty new value is a change. An absent key is no change: the resource class always sends
    it, so only inputs recorded by a refresh (Azure never returns protected settings) lack it.
    """
    if PROTECTED_SETTINGS_KEY not in news:
        return False
    new = news.get(PROTECTED_SETTINGS_KEY) or {}
    if contains_unknown(new):
        return True
    old_fingerprint = _lower_keys(olds.get("protectedSettingsFingerprint") or {})
    salt = olds.get("protectedSettingsSalt")
    if not isinstance(salt, str):
        return bool(new) or bool(old_fingerprint)
    return _lower_keys(fingerprint_protected_settings(new, salt)) != old_fingerprint


def replace_keys(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """Top-level keys whose change forces a new pool, ``protectedSettings`` included."""
    replaces = [key for key in REPLACE_KEYS if _differs(key, olds, news)]
    if protected_settings_changed(olds, news):
        replaces.append(PROTECTED_SETTINGS_KEY)
    return replaces


def changed_mutable_keys(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """Mutable pool properties that changed (unknowns count as changed): what the update path PATCHes."""
    return [key for key in MUTABLE_KEYS if _differs(key, olds, news)]


def diff_pool(olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffResult:
    """Diff old outputs against new checked inputs (DESIGN section 2).

    ``delete_before_replace`` is true only when the pool name was given explicitly: a pool name exists once
    per account, while an auto-generated name gets a fresh suffix on replacement and can be created first.
    ``__provider`` and read-only outputs are never compared.
    """
    replaces = replace_keys(olds, news)
    changed = bool(replaces) or bool(changed_mutable_keys(olds, news))
    changed = changed or any(_differs(key, olds, news) for key in PROVIDER_OPTION_KEYS)
    return DiffResult(
        changes=changed,
        replaces=replaces,
        delete_before_replace=bool(replaces) and not news.get("poolNameGenerated"),
    )
