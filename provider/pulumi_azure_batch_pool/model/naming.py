"""Pool-name rules, auto-naming, and the creation digest behind both generated names and create tokens.

A pool name is 1-64 characters of ``[a-zA-Z0-9_-]``, unique per account and case-insensitive. When the user
gives none, the pool is named after the Pulumi resource plus a suffix *derived* (not random) from the stack,
the resource name and every value that forces a replacement:

- the engine's retry of a create after a crash (it runs Check again with empty olds: the interrupted create
  left nothing in state) derives the same name, so it finds the pool the first attempt made instead of
  making a second one;
- a replacement changes a value that forces it, so it derives a new name and can create the new pool
  before deleting the old one;
- a preview derives the name the up will use.

Protected settings force a replacement too, so they enter the digest, but only through a slow salted key
derivation: the suffix and the create token are visible to anyone who can read the pool.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from pulumi.runtime.rpc import UNKNOWN

from pulumi_azure_batch_pool.model.diffing import REPLACE_KEYS
from pulumi_azure_batch_pool.model.normalize import canonical_value, contains_unknown

MAX_POOL_NAME_LENGTH = 64
SUFFIX_LENGTH = 7
SUFFIX_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
DEFAULT_PREFIX = "pool"

STACK_KEY = "pulumiStack"
"""Input the resource class fills with ``{project}/{stack}``: the provider process is never told the stack."""
RESOURCE_KEY = "poolNamePrefix"
"""Input the resource class fills with the Pulumi resource name."""

_PROTECTED_KEY = "protectedSettings"
_PROTECTED_ITERATIONS = 50_000
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


def _stable_json(value: Any) -> str:
    """JSON with sorted keys; sets (order-free canonical forms) as sorted lists."""

    def as_list(item: Any) -> Any:
        if isinstance(item, set | frozenset):
            return sorted(item, key=repr)
        raise TypeError(f"cannot encode {type(item).__name__} in a creation digest")

    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=as_list)


def stack_of(inputs: Mapping[str, Any]) -> str:
    """The ``{project}/{stack}`` the inputs were declared in, or "" when the caller did not say."""
    stack = inputs.get(STACK_KEY)
    return stack if isinstance(stack, str) else ""


def resource_of(inputs: Mapping[str, Any]) -> str:
    """The Pulumi resource name the inputs were declared under, or "" when the caller did not say."""
    resource = inputs.get(RESOURCE_KEY)
    return resource if isinstance(resource, str) else ""


def creation_digest(inputs: Mapping[str, Any]) -> str | None:
    """A digest of stack, resource name and every value that forces a replacement; None while unknown.

    Values are compared in ``pulumi_azure_batch_pool.model.normalize``'s canonical forms, so a no-op rewrite
    (reordered
    extensions, ``3`` vs ``3.0``, enum casing) keeps the digest. ``poolName`` is left out: the digest
    names the pool.
    """
    forcing = {key: inputs.get(key) for key in REPLACE_KEYS if key != "poolName"}
    protected = inputs.get(_PROTECTED_KEY) or {}
    if contains_unknown(forcing) or contains_unknown(protected):
        return None
    stack, resource = stack_of(inputs), resource_of(inputs)
    canonical = {key: canonical_value(key, value) for key, value in forcing.items()}
    digest = hashlib.sha256()
    for part in (stack, resource, _stable_json(canonical)):
        digest.update(part.encode() + b"\0")
    if protected:
        by_name = {str(name).lower(): value for name, value in dict(protected).items()}
        digest.update(
            hashlib.pbkdf2_hmac(
                "sha256",
                _stable_json(by_name).encode(),
                f"{stack}\0{resource}".encode(),
                _PROTECTED_ITERATIONS,
            )
        )
    return digest.hexdigest()[:32]


def derived_pool_name(hint: str | None, digest: str) -> str:
    """``{sanitised hint}-{7 base-36 characters of digest}``, at most 64 characters."""
    number = int(digest, 16)
    suffix = ""
    for _ in range(SUFFIX_LENGTH):
        number, digit = divmod(number, len(SUFFIX_ALPHABET))
        suffix += SUFFIX_ALPHABET[digit]
    return f"{_sanitise_prefix(hint)}-{suffix}"


def resolve_pool_name(
    olds: Mapping[str, Any], news: Mapping[str, Any], resource_name_hint: str | None
) -> tuple[str, bool]:
    """Return ``(poolName, generated)`` for check.

    * An explicit ``poolName`` in ``news`` wins (``generated=False``), unless ``news`` itself says the name
      was generated (inputs that already went through check), which keeps that flag.
    * Otherwise the olds' generated name is reused, so a stable name survives every later check.
    * Otherwise a name is derived from ``resource_name_hint`` (falling back to ``news["poolNamePrefix"]``)
      and ``creation_digest(news)``; while that digest is unknown (preview) the name is unknown too.
    """
    explicit = news.get("poolName")
    if explicit is not None:
        return explicit, bool(news.get("poolNameGenerated"))
    previous = olds.get("poolName")
    if olds.get("poolNameGenerated") and isinstance(previous, str) and previous:
        return previous, True
    hint = resource_name_hint if resource_name_hint is not None else news.get(RESOURCE_KEY)
    digest = creation_digest(news)
    if digest is None:
        return UNKNOWN, True
    return derived_pool_name(hint if isinstance(hint, str) else None, digest), True
