"""Canonical forms of pool properties, so that equal pools compare equal.

Diff and refresh both compare through these functions: two values that Azure treats as the same pool
must canonicalise to the same Python value, or users see spurious replacements. The rules:

* ``None`` values are dropped (the engine drops ``None``-valued keys anyway, so absent == ``None``).
* Integral floats become ints: the engine sends every number as a protobuf double (``3`` arrives as ``3.0``).
* Enum values are compared lower-cased where Azure treats them case-insensitively (``nodeFillType``,
  ``interNodeCommunication``, identity ``type``...), and so is ``vmSize``.
* Extensions are a mapping keyed by lower-cased name (Azure identifies them by name; order is irrelevant).
  Their ``settings`` compare as JSON whether given as an object or as a JSON string (the data plane returns a
  string), and absent booleans equal their documented default.
* ``identity.userAssignedIdentities`` keys are ARM ids (case-insensitive); their values are read-only
  (``principalId``/``clientId``) and ignored.
"""

import json
from collections.abc import Mapping
from typing import Any

from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN as UNKNOWN_SENTINEL

ENUM_KEYS = frozenset(
    {
        "interNodeCommunication",
        "nodeFillType",
        "jobDefaultOrder",
        "nodeDeallocationOption",
        "dynamicVnetAssignmentScope",
        "elevationLevel",
        "loginMode",
        "caching",
        "storageAccountType",
        "securityType",
        "placement",
        "policy",
        "mode",
        "provision",
        "ipFamilies",
        "targets",
        "protocol",
        "access",
        "licenseType",
    }
)
"""Keys whose string values (or lists of strings) are Azure enums, matched case-insensitively."""

ENUM_TYPE_PARENTS = frozenset({"identity", "containerConfiguration"})
"""Objects whose ``type`` key is an enum; an extension's ``type`` is free text and stays case-sensitive."""

CASE_INSENSITIVE_TOP_LEVEL = frozenset({"vmSize"})

FREE_FORM_KEYS = frozenset({"tags", "metadata", "settings", "environmentSettings"})
"""User-defined maps and name/value lists: keys may look like enum keys, but the values are free text."""

EXTENSION_BOOLEAN_DEFAULTS: Mapping[str, bool] = {
    # Compute's VM extension model documents both as false when omitted, and Batch forwards the extension
    # to Compute unchanged, so writing `False` explicitly must not replace a pool.
    "autoUpgradeMinorVersion": False,
    "enableAutomaticUpgrade": False,
}


def is_unknown(value: Any) -> bool:
    """True for a preview-time unknown, as the dynamic provider server deserialises it.

    ``rpc.deserialize_properties(..., keep_unknowns=True)`` turns the engine's unknown sentinel into a
    ``pulumi.output.Unknown`` instance; the raw sentinel string is accepted too, for callers that did not
    deserialise (the SDK's own ``__provider`` check compares against it).
    """
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN_SENTINEL)


def contains_unknown(value: Any) -> bool:
    """True when ``value`` is unknown or holds an unknown anywhere inside."""
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknown(item) for item in value)
    return False


def json_numbers(value: Any) -> Any:
    """Return ``value`` with integral floats turned into ints and ``None`` mapping values dropped."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {key: json_numbers(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [json_numbers(item) for item in value]
    return value


def parse_json_text(value: Any) -> Any:
    """Parse ``value`` when it is a JSON object or array given as a string; return anything else unchanged.

    Extension ``settings`` are "JSON formatted public settings": users may pass either form, and the data
    plane returns a string, so both must compare equal.
    """
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def canonical_json(value: Any) -> str:
    """Deterministic JSON of ``value``: sorted keys, compact, integral floats as ints, JSON strings parsed."""
    return json.dumps(json_numbers(parse_json_text(value)), sort_keys=True, separators=(",", ":"))


def canonical_extension(extension: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical form of one extension; ``protectedSettings`` is dropped (compared by fingerprint instead)."""
    canonical: dict[str, Any] = {
        key: json_numbers(value)
        for key, value in extension.items()
        if value is not None and key not in ("protectedSettings", "settings", "provisionAfterExtensions")
    }
    for key, default in EXTENSION_BOOLEAN_DEFAULTS.items():
        canonical.setdefault(key, default)
    settings = extension.get("settings")
    if settings is not None:
        canonical["settings"] = json_numbers(parse_json_text(settings))
    # provisionAfterExtensions is a set of prerequisites: order and an empty list carry no meaning.
    after = extension.get("provisionAfterExtensions") or []
    if after:
        canonical["provisionAfterExtensions"] = sorted(after)
    return canonical


def canonical_extensions(extensions: list[Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Extensions keyed by lower-cased name (Azure's identity for them), each in canonical form."""
    return {str(ext.get("name", "")).lower(): canonical_extension(ext) for ext in extensions or []}


def canonical_value(key: str, value: Any) -> Any:
    """Canonical form of the top-level input ``key`` holding ``value`` (``None`` when absent)."""
    if value is None:
        return None
    if key in CASE_INSENSITIVE_TOP_LEVEL and isinstance(value, str):
        return value.lower()
    if key == "deploymentConfiguration" and isinstance(value, Mapping):
        return _canonical_deployment(value)
    if key == "identity" and isinstance(value, Mapping):
        return _canonical_identity(value)
    return _canonical(value, key, "")


def _canonical_deployment(deployment: Mapping[str, Any]) -> Any:
    vm = deployment.get("virtualMachineConfiguration")
    if not isinstance(vm, Mapping) or vm.get("extensions") is None:
        return _canonical(deployment, "deploymentConfiguration", "")
    without_extensions = {key: value for key, value in vm.items() if key != "extensions"}
    canonical = _canonical(
        {**deployment, "virtualMachineConfiguration": without_extensions}, "deploymentConfiguration", ""
    )
    canonical["virtualMachineConfiguration"]["extensions"] = canonical_extensions(vm["extensions"])
    return canonical


def _canonical_identity(identity: Mapping[str, Any]) -> Any:
    canonical = _canonical(identity, "identity", "")
    assigned = identity.get("userAssignedIdentities")
    if isinstance(assigned, Mapping):
        canonical["userAssignedIdentities"] = sorted(str(arm_id).lower() for arm_id in assigned)
    return canonical


def _canonical(value: Any, key: str, parent: str) -> Any:
    if key in FREE_FORM_KEYS:
        return json_numbers(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        is_enum = key in ENUM_KEYS or (key == "type" and parent in ENUM_TYPE_PARENTS)
        return value.lower() if is_enum else value
    if isinstance(value, Mapping):
        return {
            child_key: _canonical(child, child_key, key)
            for child_key, child in value.items()
            if child is not None
        }
    if isinstance(value, list | tuple):
        return [_canonical(item, key, parent) for item in value]
    return value
