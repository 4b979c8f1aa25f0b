"""Extension ``protectedSettings``: split out of, and merged back into, the deployment configuration.

Each extension's ``protectedSettings`` travels as one top-level secret input (``protectedSettings:
{extensionName: value}``) so the rest of ``deploymentConfiguration`` stays reviewable in previews. Outputs
never hold the values: they hold a salted HMAC fingerprint per extension, which is enough for diff to see a
change without storing anything that could be brute-forced offline.
"""

import copy
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from secrets import token_hex
from typing import Any

from provider.normalize import canonical_json

REDACTED = "[REDACTED]"


def _extensions_of(deployment_configuration: Mapping[str, Any]) -> list[Any]:
    vm = deployment_configuration.get("virtualMachineConfiguration")
    if not isinstance(vm, Mapping):
        return []
    extensions = vm.get("extensions")
    return extensions if isinstance(extensions, list) else []


def split_protected_settings(
    deployment_configuration: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return a deep copy of ``deployment_configuration`` without any extension's ``protectedSettings``,
    and the removed values as ``{extensionName: protectedSettings}``.

    The input is left untouched so callers can keep using it.
    """
    stripped = copy.deepcopy(dict(deployment_configuration))
    protected: dict[str, Any] = {}
    for extension in _extensions_of(stripped):
        if isinstance(extension, dict) and "protectedSettings" in extension:
            value = extension.pop("protectedSettings")
            if value is not None:
                protected[str(extension.get("name"))] = value
    return stripped, protected


def merge_protected_settings(
    deployment_configuration: Mapping[str, Any], protected: Mapping[str, Any]
) -> dict[str, Any]:
    """Return a deep copy of ``deployment_configuration`` with each extension's ``protectedSettings`` back.

    Extensions are matched by exact name, as ``split_protected_settings`` keyed them; validation already
    rejects ``protected`` keys that name no extension.
    """
    merged = copy.deepcopy(dict(deployment_configuration))
    for extension in _extensions_of(merged):
        if isinstance(extension, dict) and extension.get("name") in protected:
            extension["protectedSettings"] = copy.deepcopy(protected[extension["name"]])
    return merged


def new_salt() -> str:
    """A fresh random salt for ``fingerprint_protected_settings`` (128 bits, hex)."""
    return token_hex(16)


def fingerprint_protected_settings(protected: Mapping[str, Any], salt: str) -> dict[str, str]:
    """HMAC-SHA256 (keyed by ``salt``) of each extension's canonical ``protectedSettings`` JSON, hex encoded.

    Canonical JSON makes the fingerprint independent of key order, of int-vs-float numbers and of whether
    the value was given as an object or a JSON string, so only a real change alters it.
    """
    key = salt.encode()
    return {
        name: hmac.new(key, canonical_json(value).encode(), hashlib.sha256).hexdigest()
        for name, value in protected.items()
        if value is not None
    }


def _secret_strings(value: Any) -> set[str]:
    """Every string that would reveal ``value``: its string leaves, their JSON-escaped forms, and its JSON."""
    found: set[str] = set()
    if isinstance(value, str):
        found.add(value)
        found.add(json.dumps(value)[1:-1])
    elif isinstance(value, Mapping):
        for item in value.values():
            found |= _secret_strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            found |= _secret_strings(item)
    if isinstance(value, Mapping | list | tuple):
        for separators in ((", ", ": "), (",", ":")):
            try:
                found.add(json.dumps(value, separators=separators))
                found.add(json.dumps(value, separators=separators, sort_keys=True))
            except (TypeError, ValueError):
                continue
    return {text for text in found if text}


def redact(text: str, secrets: Iterable[Any]) -> str:
    """Replace each occurrence of a secret's string values (and their JSON form) in ``text`` by REDACTED.

    Longer strings are replaced first, so a secret's JSON form is hidden whole rather than piecemeal.
    Numbers and booleans on their own are not redacted: hiding every "1" would make messages unreadable.
    """
    needles: set[str] = set()
    for secret in secrets:
        needles |= _secret_strings(secret)
    for needle in sorted(needles, key=len, reverse=True):
        text = text.replace(needle, REDACTED)
    return text
