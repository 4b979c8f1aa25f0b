"""Write-only secrets (passwords, keys): moved out of the pool's properties into one top-level secret.

The 2025-06-01 swagger marks these properties ``x-ms-secret``: Azure accepts them and never returns them.
Left where they are, a password would sit in plain text in ``userAccounts`` in the stack's state and in
every preview. So, like extensions' ``protectedSettings``, they travel as one top-level secret input,
``writeOnlySecrets: {location: value}``, keyed by where they belong (``userAccounts[name=alice].password``,
``mountConfiguration[0].azureFileShareConfiguration.accountKey``). Lists the spec keys by an identifier
(``x-ms-identifiers``) are keyed by it, so reordering them moves no secret; other lists by position.

The provider merges them back only into what it sends to Azure; outputs carry a salted fingerprint per
location (``writeOnlySecretsFingerprint``), which lets diff see a change without storing the value.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_azure_batch_pool.model.normalize import contains_unknown, is_unknown
from pulumi_azure_batch_pool.model.secrets import fingerprint_protected_settings

WRITE_ONLY_KEY = "writeOnlySecrets"
"""The top-level input holding every write-only secret, ``{location: value}``."""

FINGERPRINT_KEY = "writeOnlySecretsFingerprint"
"""The output holding a salted HMAC per location (the salt is the outputs' ``protectedSettingsSalt``)."""

SALT_KEY = "protectedSettingsSalt"

LOCATIONS: tuple[tuple[str, ...], ...] = (
    ("userAccounts", "[]", "password"),
    ("userAccounts", "[]", "linuxUserConfiguration", "sshPrivateKey"),
    ("mountConfiguration", "[]", "azureBlobFileSystemConfiguration", "accountKey"),
    ("mountConfiguration", "[]", "azureBlobFileSystemConfiguration", "sasKey"),
    ("mountConfiguration", "[]", "azureFileShareConfiguration", "accountKey"),
    ("mountConfiguration", "[]", "cifsMountConfiguration", "password"),
    (
        "deploymentConfiguration",
        "virtualMachineConfiguration",
        "containerConfiguration",
        "containerRegistries",
        "[]",
        "password",
    ),
    ("startTask", "containerSettings", "registry", "password"),
)
"""Every ``x-ms-secret`` property of the pool except ``protectedSettings`` (handled by
``pulumi_azure_batch_pool.model.secrets``),
as a path from the flat wire shape; ``"[]"`` stands for every item of a list. A test derives this table
from the swagger so it cannot miss one."""

LIST_IDENTIFIERS: Mapping[str, str] = {"userAccounts": "name", "containerRegistries": "registryServer"}
"""Lists whose items the spec identifies by a field (``x-ms-identifiers``): their secrets are keyed by it."""

ROOT_KEYS = frozenset(location[0] for location in LOCATIONS)
"""The top-level inputs that can hold a write-only secret."""


@dataclass(frozen=True)
class Place:
    """Where one write-only secret sits (or would sit) in a pool's properties."""

    holder: dict[str, Any]
    """The object that holds (or would hold) the secret."""
    key: str
    """The secret's key in ``holder``."""
    location: str
    """Its key in ``writeOnlySecrets`` (a list keyed by identifier shows it: ``userAccounts[name=a]``)."""
    path: str
    """Its property path with list positions (``userAccounts[0].password``), for messages."""


Visit = Callable[[Place], None]


def _item_label(list_key: str, index: int, item: Mapping[str, Any]) -> str:
    identifier = LIST_IDENTIFIERS.get(list_key)
    value = item.get(identifier) if identifier else None
    return f"[{identifier}={value}]" if isinstance(value, str) and not is_unknown(value) else f"[{index}]"


def _holders(
    value: Any, steps: tuple[str, ...], label: str, path: str, parent_key: str
) -> Iterator[tuple[Any, str, str]]:
    """(object, location label, property path) for every object that would hold the secret after ``steps``."""
    if not steps:
        yield value, label, path
        return
    step, rest = steps[0], steps[1:]
    if step == "[]":
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    item_label = label + _item_label(parent_key, index, item)
                    yield from _holders(item, rest, item_label, f"{path}[{index}]", parent_key)
        return
    if isinstance(value, dict) and step in value:
        yield from _holders(
            value[step], rest, f"{label}.{step}" if label else step, f"{path}.{step}" if path else step, step
        )


def visit_locations(props: dict[str, Any], visit: Visit) -> None:
    """Call ``visit`` for every place in ``props`` where a write-only secret can sit (present or not)."""
    for location in LOCATIONS:
        *steps, secret_key = location
        for holder, label, path in _holders(props, tuple(steps), "", "", ""):
            if isinstance(holder, dict):
                visit(Place(holder, secret_key, f"{label}.{secret_key}", f"{path}.{secret_key}"))


def split_write_only(props: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A deep copy of ``props`` without its write-only secrets, and the secrets as ``{location: value}``.

    Values are moved as they are (a Pulumi ``Output`` stays an ``Output``); ``props`` is left untouched.
    """
    stripped: dict[str, Any] = _copy_containers(props)
    found: dict[str, Any] = {}

    def take(place: Place) -> None:
        value = place.holder.pop(place.key, None)
        if value is not None:
            found[place.location] = value

    visit_locations(stripped, take)
    return stripped, found


def merge_write_only(props: Mapping[str, Any], secrets: Mapping[str, Any] | None) -> dict[str, Any]:
    """A deep copy of ``props`` with each secret put back where its location says; ``WRITE_ONLY_KEY`` removed.

    Locations that no longer exist in ``props`` are skipped (validation reports them).
    """
    merged = copy.deepcopy({key: value for key, value in props.items() if key != WRITE_ONLY_KEY})
    if not isinstance(secrets, Mapping):
        return merged

    def put(place: Place) -> None:
        if place.location in secrets:
            place.holder[place.key] = copy.deepcopy(secrets[place.location])

    visit_locations(merged, put)
    return merged


def secret_locations(props: Mapping[str, Any]) -> set[str]:
    """Every location where ``props`` could hold a write-only secret (what ``writeOnlySecrets`` keys name)."""
    found: set[str] = set()
    visit_locations(dict(props), lambda place: found.add(place.location))
    return found


def inline_secret_paths(props: Mapping[str, Any]) -> list[str]:
    """Property paths of the write-only secrets that sit in ``props`` itself (not in ``writeOnlySecrets``)."""
    found: list[str] = []
    visit_locations(
        _copy_containers(props), lambda place: found.append(place.path) if place.key in place.holder else None
    )
    return found


def fingerprints(secrets: Mapping[str, Any], salt: str) -> dict[str, str]:
    """The salted HMAC of each write-only secret, keyed by location."""
    return fingerprint_protected_settings(secrets, salt)


def diff_views(olds: Mapping[str, Any], news: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Old outputs and new inputs with write-only secrets in place, so that a plain comparison sees exactly
    the secrets that changed.

    ``news`` gets its secrets merged back. ``olds`` (which never hold a secret) get, at each fingerprinted
    location, the new value when its fingerprint still matches and a marker that equals no value otherwise:
    an unchanged secret compares equal, a changed, added or removed one differs in its top-level property
    (``userAccounts`` replaces the pool, ``startTask`` updates it). Without ``writeOnlySecrets`` in ``news``
    (inputs a refresh recorded: Azure never returns secrets) nothing is compared, as for protectedSettings.
    """
    if WRITE_ONLY_KEY not in news:
        return dict(olds), dict(news)
    old_fingerprints = olds.get(FINGERPRINT_KEY)
    old_fingerprints = old_fingerprints if isinstance(old_fingerprints, Mapping) else {}
    salt = str(olds.get(SALT_KEY) or "")
    new_secrets = news.get(WRITE_ONLY_KEY)
    if not isinstance(new_secrets, Mapping):
        # The whole map is unknown (preview): every secret recorded before may have changed.
        new_secrets = {location: new_secrets for location in old_fingerprints} if new_secrets else {}
    carried: dict[str, Any] = {}
    for location, digest in old_fingerprints.items():
        value = new_secrets.get(location)
        unchanged = (
            value is not None
            and not contains_unknown(value)
            and fingerprints({location: value}, salt).get(location) == digest
        )
        carried[location] = value if unchanged else f"<write-only secret, fingerprint {str(digest)[:12]}>"
    return merge_write_only(olds, carried), merge_write_only(news, new_secrets)


def _copy_containers(value: Any) -> Any:
    """A copy of every dict and list in ``value``; leaves are shared (an ``Output`` cannot be deep-copied)."""
    if isinstance(value, Mapping):
        return {key: _copy_containers(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_copy_containers(item) for item in value]
    return value
