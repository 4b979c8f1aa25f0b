"""Azure's rules for a pool that a JSON Schema cannot express: ranges across the model, durations, extension
ordering, image and identity shapes, ARM's tag limits, request sizes.

Each rule yields ``(property path, reason)`` pairs whose reason says what Azure accepts and how to fix the
input; none quotes a secret. Limits come from the 2025-06-01 swagger and Azure's documentation; where the
service documents none and the provider picks one, the constant says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_azure_batch_pool.model import ownership, write_only
from pulumi_azure_batch_pool.model.normalize import contains_unknown, is_unknown, parse_json_text

Failure = tuple[str, str]

EXTENSIONS_PATH = "deploymentConfiguration.virtualMachineConfiguration.extensions"
IMAGE_PATH = "deploymentConfiguration.virtualMachineConfiguration.imageReference"

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
"""Every integer of the pool model is ``format: int32`` in the swagger."""

NUMERIC_FREE_KEYS = frozenset({"settings", "protectedSettings", "tags"})
"""Subtrees whose numbers are the user's own (extension settings), never bounded by the pool model."""

MIN_RESIZE_TIMEOUT_SECONDS = 5 * 60
"""Batch rejects a ``resizeTimeout`` under 5 minutes (Batch pool API reference)."""

EVALUATION_INTERVAL_SECONDS = (5 * 60, 168 * 3600)
"""Batch accepts an autoscale ``evaluationInterval`` of 5 minutes to 168 hours (Batch pool API reference)."""

MAX_TAGS = 50
"""ARM: at most 50 tag name/value pairs per resource."""

MAX_TAG_NAME, MAX_TAG_VALUE = 512, 256
"""ARM: tag names up to 512 characters, values up to 256."""

TAG_NAME_FORBIDDEN = "<>%&\\?/"
"""ARM refuses these characters in tag names."""

OWNERSHIP_TAG_COUNT = len(ownership.OWNERSHIP_TAGS)
"""Tags the provider adds to every pool it creates: they count towards ARM's 50."""

MAX_EXTENSION_SETTINGS_BYTES = 256 * 1024
"""Chosen by the provider: Azure documents no single limit for an extension's public plus protected
settings, but handlers reject large ones (the Custom Script documentation names 256 KB)."""

MAX_REQUEST_BYTES = 4 * 1024 * 1024
"""ARM refuses request bodies over 4 MB."""

_DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_DURATION_SECONDS = {
    "years": 365 * 86400,
    "months": 30 * 86400,
    "weeks": 7 * 86400,
    "days": 86400,
    "hours": 3600,
    "minutes": 60,
    "seconds": 1,
}


def duration_seconds(text: str) -> float | None:
    """Seconds in an ISO 8601 duration (``PT15M``), years as 365 days, months as 30; None if invalid."""
    match = _DURATION.match(text)
    if match is None:
        return None
    return sum(float(value) * _DURATION_SECONDS[unit] for unit, value in match.groupdict().items() if value)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def int32_failures(value: Any, path: str = "") -> Iterator[Failure]:
    """Numbers outside int32 anywhere in the pool model (extension settings excepted)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key not in NUMERIC_FREE_KEYS:
                yield from int32_failures(item, _join(path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from int32_failures(item, _join(path, index))
    elif _is_number(value) and not INT32_MIN <= value <= INT32_MAX:
        yield path, f"{value!r} does not fit Azure's 32-bit integers ({INT32_MIN} to {INT32_MAX}); use less"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def duration_failures(props: Mapping[str, Any]) -> Iterator[Failure]:
    """``resizeTimeout`` of at least 5 minutes; ``evaluationInterval`` from 5 minutes to 168 hours."""
    scale = props.get("scaleSettings")
    fixed = scale.get("fixedScale") if isinstance(scale, Mapping) else None
    auto = scale.get("autoScale") if isinstance(scale, Mapping) else None
    timeout = fixed.get("resizeTimeout") if isinstance(fixed, Mapping) else None
    seconds = duration_seconds(timeout) if isinstance(timeout, str) else None
    if seconds is not None and seconds < MIN_RESIZE_TIMEOUT_SECONDS:
        yield (
            "scaleSettings.fixedScale.resizeTimeout",
            f"{timeout!r} is shorter than Azure's minimum of 5 minutes; use PT5M or more (default PT15M)",
        )
    interval = auto.get("evaluationInterval") if isinstance(auto, Mapping) else None
    seconds = duration_seconds(interval) if isinstance(interval, str) else None
    low, high = EVALUATION_INTERVAL_SECONDS
    if seconds is not None and not low <= seconds <= high:
        yield (
            "scaleSettings.autoScale.evaluationInterval",
            f"{interval!r} is outside Azure's range of 5 minutes to 168 hours; use e.g. PT15M (the default)",
        )


def extension_order_failures(extensions: Sequence[Any]) -> Iterator[Failure]:
    """``provisionAfterExtensions`` must name other extensions of the pool, without a cycle."""
    names = [ext.get("name") if isinstance(ext, Mapping) else None for ext in extensions]
    if any(is_unknown(name) for name in names):
        return
    known = {name.lower(): name for name in names if isinstance(name, str)}
    if len(known) < sum(isinstance(name, str) for name in names):
        return  # duplicate names are reported on their own; the order among them is ambiguous
    after: dict[str, list[str]] = {}
    for index, extension in enumerate(extensions):
        prerequisites = extension.get("provisionAfterExtensions") if isinstance(extension, Mapping) else None
        name = names[index]
        if not isinstance(prerequisites, list) or not isinstance(name, str):
            continue
        for position, prerequisite in enumerate(prerequisites):
            path = f"{EXTENSIONS_PATH}[{index}].provisionAfterExtensions[{position}]"
            if not isinstance(prerequisite, str) or is_unknown(prerequisite):
                continue
            if prerequisite.lower() == name.lower():
                yield path, f"extension {name!r} cannot wait for itself; remove {prerequisite!r} here"
            elif prerequisite.lower() not in known:
                yield (
                    path,
                    f"names no extension of this pool ({prerequisite!r});"
                    f" use one of: {', '.join(n for n in known.values() if n.lower() != name.lower())}",
                )
            else:
                after.setdefault(name.lower(), []).append(prerequisite.lower())
    cycle = _find_cycle([name.lower() for name in names if isinstance(name, str)], after)
    if cycle:
        first = next(i for i, name in enumerate(names) if isinstance(name, str) and name.lower() == cycle[0])
        loop = " -> ".join(known[name] for name in [*cycle, cycle[0]])
        yield (
            f"{EXTENSIONS_PATH}[{first}].provisionAfterExtensions",
            f"the extensions wait for each other in a cycle ({loop}), so none could ever start;"
            " remove one of these provisionAfterExtensions entries",
        )


def _find_cycle(order: Sequence[str], edges: Mapping[str, list[str]]) -> list[str]:
    """One cycle in the ``name -> prerequisites`` graph, searched in ``order``, or ``[]``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for target in edges.get(node, []):
            if state.get(target) == 1:
                return path[path.index(target) :]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        state[node] = 2
        path.pop()
        return []

    for node in order:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def image_failures(props: Mapping[str, Any]) -> Iterator[Failure]:
    """An image is a Marketplace publisher/offer/sku, or exactly one gallery/managed image id."""
    deployment = props.get("deploymentConfiguration")
    vm = deployment.get("virtualMachineConfiguration") if isinstance(deployment, Mapping) else None
    image = vm.get("imageReference") if isinstance(vm, Mapping) else None
    if not isinstance(image, Mapping) or contains_unknown(image):
        return
    marketplace = [key for key in ("publisher", "offer", "sku") if image.get(key)]
    ids = [key for key in ("id", "sharedGalleryImageId", "communityGalleryImageId") if image.get(key)]
    if not marketplace and not ids:
        yield IMAGE_PATH, "is empty; set publisher, offer and sku (Marketplace image) or id (gallery image)"
    elif len(ids) > 1:
        yield IMAGE_PATH, f"sets {', '.join(ids)}; Azure takes exactly one image id, keep one of them"
    elif ids and (marketplace or image.get("version")):
        extra = ", ".join([*marketplace, *(["version"] if image.get("version") else [])])
        yield IMAGE_PATH, f"sets both {ids[0]} and {extra}; use an id or a Marketplace image, not both"
    elif marketplace and len(marketplace) < 3:
        first_missing = next(key for key in ("publisher", "offer", "sku") if key not in marketplace)
        yield f"{IMAGE_PATH}.{first_missing}", "a Marketplace image needs publisher, offer and sku; set it"


def identity_failures(props: Mapping[str, Any]) -> Iterator[Failure]:
    """``UserAssigned`` needs at least one identity; ``None`` takes none."""
    identity = props.get("identity")
    if not isinstance(identity, Mapping) or contains_unknown(identity.get("type")):
        return
    kind = str(identity.get("type") or "")
    identities = identity.get("userAssignedIdentities")
    if kind.lower() == "userassigned" and not identities and not is_unknown(identities):
        yield (
            "identity.userAssignedIdentities",
            "type 'UserAssigned' needs at least one identity; add the identity's ARM id"
            " (/subscriptions/.../providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)"
            " or use type 'None'",
        )
    elif kind.lower() == "none" and identities:
        yield (
            "identity.type",
            "'None' takes no userAssignedIdentities; set type 'UserAssigned' or remove the identities",
        )


def tag_failures(props: Mapping[str, Any]) -> Iterator[Failure]:
    """ARM's tag limits, counting the provider's own ownership tags."""
    tags = props.get("tags")
    if not isinstance(tags, Mapping) or is_unknown(tags):
        return
    allowed = MAX_TAGS - OWNERSHIP_TAG_COUNT
    if len(tags) > allowed:
        yield (
            "tags",
            f"has {len(tags)} tags; Azure allows {MAX_TAGS} per resource and the provider adds"
            f" {OWNERSHIP_TAG_COUNT} ownership tags, so keep at most {allowed}",
        )
    for name, value in tags.items():
        path = f"tags.{name}"
        if ownership.is_ownership_tag(name):
            yield path, f"tag names starting with {ownership.TAG_PREFIX!r} are the provider's; rename the tag"
        if len(str(name)) > MAX_TAG_NAME:
            yield path, f"the tag name is longer than {MAX_TAG_NAME} characters; shorten it"
        bad = sorted({char for char in str(name) if char in TAG_NAME_FORBIDDEN})
        if bad:
            yield path, f"tag names cannot contain {' '.join(bad)}; rename the tag"
        if isinstance(value, str) and len(value) > MAX_TAG_VALUE:
            yield path, f"the tag value is longer than {MAX_TAG_VALUE} characters; shorten it"


def size_failures(extensions: Sequence[Any], protected: Mapping[str, Any], body: Any) -> Iterator[Failure]:
    """Extension settings and the whole request within Azure's sizes (never quoting a value)."""
    for index, extension in enumerate(extensions):
        if not isinstance(extension, Mapping):
            continue
        payload = [parse_json_text(extension.get("settings")), protected.get(str(extension.get("name")))]
        size = _json_size(payload)
        if size is not None and size > MAX_EXTENSION_SETTINGS_BYTES:
            yield (
                f"{EXTENSIONS_PATH}[{index}].settings",
                f"settings and protectedSettings take {size} bytes together; keep them under"
                f" {MAX_EXTENSION_SETTINGS_BYTES // 1024} KiB (let the extension download big content)",
            )
    size = _json_size(body)
    if size is not None and size > MAX_REQUEST_BYTES:
        yield "", f"the pool's request body would take {size} bytes; Azure refuses over 4 MB, shrink settings"


def _json_size(value: Any) -> int | None:
    if contains_unknown(value):
        return None
    try:
        return len(json.dumps(value, separators=(",", ":")).encode())
    except (TypeError, ValueError):
        return None


def user_account_failures(props: Mapping[str, Any]) -> Iterator[Failure]:
    """User account names are unique (the spec keys them by name, and so do their passwords)."""
    accounts = props.get("userAccounts")
    if not isinstance(accounts, list):
        return
    seen: dict[str, int] = {}
    for index, account in enumerate(accounts):
        name = account.get("name") if isinstance(account, Mapping) else None
        if isinstance(name, str) and not is_unknown(name):
            earlier = seen.setdefault(name.lower(), index)
            if earlier != index:
                yield (
                    f"userAccounts[{index}].name",
                    f"duplicate user name {name!r} (userAccounts[{earlier}] has it); rename one",
                )


def mount_failures(props: Mapping[str, Any]) -> Iterator[Failure]:
    """A blob container mount authenticates with exactly one of accountKey, sasKey or identityReference."""
    mounts = props.get("mountConfiguration")
    for index, mount in enumerate(mounts if isinstance(mounts, list) else []):
        blob = mount.get("azureBlobFileSystemConfiguration") if isinstance(mount, Mapping) else None
        if not isinstance(blob, Mapping):
            continue
        given = [key for key in ("accountKey", "sasKey", "identityReference") if blob.get(key) is not None]
        if len(given) != 1 and not any(is_unknown(blob.get(key)) for key in given):
            yield (
                f"mountConfiguration[{index}].azureBlobFileSystemConfiguration",
                f"set exactly one of accountKey, sasKey or identityReference (found {len(given)})",
            )


def inline_secret_failures(props: Mapping[str, Any]) -> Iterator[Failure]:
    """Write-only secrets must not sit in the properties themselves: checked inputs are stored as they are."""
    for path in write_only.inline_secret_paths(props):
        yield (
            path,
            f"a write-only secret must travel in the secret input {write_only.WRITE_ONLY_KEY!r} (the"
            " BatchPool resource moves it there) so that it is never stored in plain text; use BatchPool",
        )


def write_only_failures(props: Mapping[str, Any], secrets: Any) -> Iterator[Failure]:
    """Every ``writeOnlySecrets`` key names a place in the pool that takes a secret."""
    if not isinstance(secrets, Mapping):
        if secrets is not None and not is_unknown(secrets):
            yield write_only.WRITE_ONLY_KEY, "must map locations to secrets; let BatchPool build it"
        return
    places = write_only.secret_locations(props)
    for location in secrets:
        if location not in places:
            yield (
                f"{write_only.WRITE_ONLY_KEY}.{location}",
                "names no property of this pool that takes a secret; declare the user account, mount or"
                " registry it belongs to, or remove it",
            )
