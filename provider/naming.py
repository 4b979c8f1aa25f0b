"""Pool-name rules and auto-naming.

A pool name is 1-64 characters of ``[a-zA-Z0-9_-]``, unique per account and case-insensitive. When the user
gives none, the pool is named after the Pulumi resource plus a random suffix, so a replacement can create the
new pool before deleting the old one; the generated name is reused on later checks so it stays stable.
"""

import re
import secrets
import string
from collections.abc import Mapping
from typing import Any

MAX_POOL_NAME_LENGTH = 64
SUFFIX_LENGTH = 7
SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
DEFAULT_PREFIX = "pool"

_VALID_NAME = re.compile(r"[a-zA-Z0-9_-]+")
_INVALID_CHARS = re.compile(r"[^a-zA-Z0-9_-]+")


def validate_pool_name(name: str) -> str | None:
    """The reason ``name`` is not a valid pool name, with the fix, or ``None`` when it is valid."""
    if not name:
        return "the pool name is empty; give 1-64 characters of letters, digits, '-' or '_'"
    if len(name) > MAX_POOL_NAME_LENGTH:
        return (
            f"the pool name is {len(name)} characters long; shorten it to at most {MAX_POOL_NAME_LENGTH}"
            " (or omit poolName to get a generated one)"
        )
    if not _VALID_NAME.fullmatch(name):
        bad = "".join(sorted(set(_INVALID_CHARS.findall(name)[0])))
        return f"the pool name contains {bad!r}; use only letters, digits, '-' or '_'"
    return None


def _sanitise_prefix(hint: str | None) -> str:
    """Turn a Pulumi resource name into a name prefix that leaves room for ``-`` and the suffix."""
    prefix = _INVALID_CHARS.sub("-", hint or "").strip("-")
    prefix = prefix[: MAX_POOL_NAME_LENGTH - SUFFIX_LENGTH - 1].rstrip("-")
    return prefix or DEFAULT_PREFIX


def generate_pool_name(hint: str | None) -> str:
    """``{sanitised hint}-{7 random lowercase letters/digits}``, at most 64 characters."""
    suffix = "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
    return f"{_sanitise_prefix(hint)}-{suffix}"


def resolve_pool_name(
    olds: Mapping[str, Any], news: Mapping[str, Any], resource_name_hint: str | None
) -> tuple[str, bool]:
    """Return ``(poolName, generated)`` for check.

    * An explicit ``poolName`` in ``news`` wins (``generated=False``), unless ``news`` itself says the name
      was generated (inputs that already went through check), which keeps that flag.
    * Otherwise the olds' generated name is reused, so a stable name survives every later check.
    * Otherwise a new name is generated from ``resource_name_hint``, falling back to
      ``news["poolNamePrefix"]``.
    """
    explicit = news.get("poolName")
    if explicit is not None:
        return explicit, bool(news.get("poolNameGenerated"))
    previous = olds.get("poolName")
    if olds.get("poolNameGenerated") and isinstance(previous, str) and previous:
        return previous, True
    hint = resource_name_hint if resource_name_hint is not None else news.get("poolNamePrefix")
    return generate_pool_name(hint if isinstance(hint, str) else None), True
