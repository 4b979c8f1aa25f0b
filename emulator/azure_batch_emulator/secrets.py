"""Secret fields: sealed on the way in, never rendered on the way out.

The emulator keeps only a salted digest of each secret so that it can still tell whether a PUT changed one
(which matters for ``PropertyCannotBeUpdated``) without ever holding, logging or returning the value.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

SECRET_KEYS = frozenset({"protectedSettings", "password", "sshPrivateKey", "accountKey", "sasKey"})
PUBLIC_SUBTREES = frozenset({"settings"})
SEALED_PREFIX = "sealed:sha256:"


def seal(value: Any, salt: str) -> Any:
    """A deep copy of ``value`` with every secret field replaced by a salted digest."""
    if isinstance(value, dict):
        return {
            key: _digest(item, salt)
            if key in SECRET_KEYS
            else item
            if key in PUBLIC_SUBTREES
            else seal(item, salt)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [seal(item, salt) for item in value]
    return value


def strip(value: Any) -> Any:
    """A deep copy of ``value`` without any secret field, for responses and the state file's readers."""
    if isinstance(value, dict):
        return {
            key: item if key in PUBLIC_SUBTREES else strip(item)
            for key, item in value.items()
            if key not in SECRET_KEYS
        }
    if isinstance(value, list):
        return [strip(item) for item in value]
    return value


def _digest(secret: Any, salt: str) -> str:
    canonical = json.dumps(secret, sort_keys=True, separators=(",", ":"))
    return SEALED_PREFIX + hashlib.sha256((salt + canonical).encode()).hexdigest()
