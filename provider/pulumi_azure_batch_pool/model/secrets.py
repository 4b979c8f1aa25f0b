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
from collections.abc import Iterable, Iterator, Mapping
from secrets import token_hex
from typing import Any

from pulumi_azure_batch_pool.model.normalize import canonical_json, contains_unknown, parse_json_text
from pulumi_azure_batch_pool.model.pool_model import vm_extensions

REDACTED = "[REDACTED]"

MIN_SECRET_LENGTH = 8
"""The shortest secret text that can be hidden in messages by finding it.

Redaction replaces a secret's text wherever it occurs. A one-character password would also match the "p" of
"pool" and a numeric setting every digit like it, garbling every message and, by where the redactions fall,
pointing at the value. So Check refuses protected values and write-only secrets that are shorter, numbers
and booleans (``hideable_failures``), and redaction never looks for shorter text (``secret_strings``).
"""


def split_protected_settings(
    deployment_configuration: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return a deep copy of ``deployment_configuration`` without any extension's ``protectedSettings``,
    and the removed values as ``{extensionName: protectedSettings}``.

    The input is left untouched so callers can keep using it.
    """
    stripped = copy.deepcopy(dict(deployment_configuration))
    protected: dict[str, Any] = {}
    for index, extension in enumerate(vm_extensions(stripped)):
        if isinstance(extension, dict) and "protectedSettings" in extension:
            value = extension.pop("protectedSettings")
            if value is not None:
                protected[protected_settings_key(extension, index)] = value
    return stripped, protected


def protected_settings_key(extension: Mapping[str, Any], index: int) -> Any:
    """The key an extension's ``protectedSettings`` travel under: its name, or ``extensions[i]`` without one.

    A nameless extension is invalid (validation says so and names the property), but splitting it must not
    fail before validation gets the chance, nor put its secret anywhere but the secret map.
    """
    name = extension.get("name")
    return name if name is not None else f"extensions[{index}]"


def merge_protected_settings(
    deployment_configuration: Mapping[str, Any], protected: Mapping[str, Any]
) -> dict[str, Any]:
    """Return a deep copy of ``deployment_configuration`` with each extension's ``protectedSettings`` back.

    Extensions are matched by exact name, as ``split_protected_settings`` keyed them; validation already
    rejects ``protected`` keys that name no extension.
    """
    merged = copy.deepcopy(dict(deployment_configuration))
    for extension in vm_extensions(merged):
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
    return {
        name: _hmac(salt, canonical_json(value)) for name, value in protected.items() if value is not None
    }


def _secret_strings(value: Any) -> set[str]:
    """Every string that would reveal ``value``: its string leaves, their JSON-escaped forms, and its JSON.

    A string holding a JSON object or list (protectedSettings may be given that way) reveals its leaves too.
    """
    found: set[str] = set()
    if isinstance(value, str):
        found.add(value)
        found.add(json.dumps(value)[1:-1])
        parsed = parse_json_text(value)
        if isinstance(parsed, Mapping | list):
            found |= _secret_strings(parsed)
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
    return {text for text in found if len(text) >= MIN_SECRET_LENGTH}


def hideable_failures(group: str, secrets: Any, *, texts_only: bool = False) -> Iterator[tuple[str, str]]:
    """``(path, reason)`` for every leaf of ``secrets`` (``{key: value}`` under the input ``group``) that
    redaction could not hide without garbling messages: non-empty text shorter than ``MIN_SECRET_LENGTH``,
    a number or a boolean. The reason never quotes the value, nor its length. ``texts_only`` skips values
    that are not text (write-only secrets: the schema refuses those already, at their own path)."""
    if not isinstance(secrets, Mapping):
        return
    if texts_only:
        secrets = {key: value for key, value in secrets.items() if isinstance(value, str)}
    fix = f"Use text of at least {MIN_SECRET_LENGTH} characters"
    if group == "protectedSettings":
        fix += ", or, if it is not a secret, move it to the extension's settings"
    for key, value in secrets.items():
        for path, kind in _unhideable_leaves(f"{group}.{key}", value):
            yield (
                path,
                f"this secret is {kind}, which cannot be hidden in messages: every message is cleaned of "
                "secrets by finding their text, and such a value also matches ordinary words and numbers "
                "(the 'p' of 'pool', every digit like it), so hiding it would garble messages and point at "
                f"it. {fix}",
            )


def _unhideable_leaves(path: str, value: Any) -> Iterator[tuple[str, str]]:
    """``(path, what it is)`` for each leaf of ``value`` too short to hide, or not text at all."""
    if value is None or contains_unknown(value):
        return
    parsed = parse_json_text(value)
    if isinstance(parsed, Mapping):
        for key, item in parsed.items():
            yield from _unhideable_leaves(f"{path}.{key}", item)
    elif isinstance(parsed, list | tuple):
        for index, item in enumerate(parsed):
            yield from _unhideable_leaves(f"{path}[{index}]", item)
    elif isinstance(parsed, str):
        if 0 < len(parsed) < MIN_SECRET_LENGTH:
            yield path, f"text shorter than {MIN_SECRET_LENGTH} characters"
    else:
        yield path, "a boolean" if isinstance(parsed, bool) else "a number"


def secret_strings(secrets: Iterable[Any]) -> set[str]:
    """Every string that would reveal one of ``secrets`` (see ``redact``)."""
    needles: set[str] = set()
    for secret in secrets:
        needles |= _secret_strings(secret)
    return needles


def redact(text: str, secrets: Iterable[Any]) -> str:
    """Replace each occurrence of a secret's string values (and their JSON form) in ``text`` by REDACTED.

    Longer strings are replaced first, so a secret's JSON form is hidden whole rather than piecemeal.
    Numbers, booleans and text shorter than ``MIN_SECRET_LENGTH`` on their own are not redacted: hiding every
    "1" or "p" would make messages unreadable (Check refuses such secrets, ``hideable_failures``).
    """
    for needle in sorted(secret_strings(secrets), key=len, reverse=True):
        text = text.replace(needle, REDACTED)
    return text


def secret_digests(secrets: Iterable[Any], salt: str) -> list[str]:
    """``"<length>:<salted HMAC>"`` of every string that would reveal one of ``secrets``, sorted.

    Stored (as a secret) in the outputs, they let a refresh or a delete, which never see the secret values,
    still find and hide them in Azure's messages (``redact_by_digests``).
    """
    return sorted({f"{len(needle)}:{_digest(salt, needle)}" for needle in secret_strings(secrets)})


def redact_by_digests(text: str, digests: Iterable[str], salt: str) -> str:
    """Replace every substring of ``text`` whose salted HMAC is one of ``digests`` by REDACTED.

    Each window of each recorded length is hashed (longest first), so the cost is the text's length times
    the number of distinct lengths: small for status and error messages.
    """
    wanted: dict[int, set[str]] = {}
    for digest in digests:
        size, _, mac = str(digest).partition(":")
        if size.isdigit() and mac:
            wanted.setdefault(int(size), set()).add(mac)
    for length in sorted((size for size in wanted if size >= MIN_SECRET_LENGTH), reverse=True):
        start = 0
        while start + length <= len(text):
            if _digest(salt, text[start : start + length]) in wanted[length]:
                text = text[:start] + REDACTED + text[start + length :]
                start += len(REDACTED)
            else:
                start += 1
    return text


def _hmac(salt: str, text: str) -> str:
    return hmac.new(salt.encode(), text.encode(), hashlib.sha256).hexdigest()


def _digest(salt: str, text: str) -> str:
    """Keyed BLAKE2b (a MAC like HMAC, several times faster): redaction hashes every window of a message."""
    return hashlib.blake2b(text.encode(), key=salt.encode()[:64], digest_size=16).hexdigest()
