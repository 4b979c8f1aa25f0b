"""The provider's ownership tags: how a pool says "Pulumi's BatchPool made me, for this stack and resource".

Every pool the provider creates carries these ARM tags next to the user's own. They let a create that meets
"already exists" recognise the pool its own earlier, interrupted attempt made, and they make pools that an
interrupted deployment left behind findable (`python -m provider status`). They belong to the provider,
not to the program: outputs, refreshed inputs and diffs never show them.
"""

from collections.abc import Mapping
from typing import Any

TAG_PREFIX = "pulumi-batchpool-"
"""Every ownership tag key starts with this (compared case-insensitively, as ARM compares tag names)."""

MANAGED_BY_TAG = TAG_PREFIX + "managed-by"
STACK_TAG = TAG_PREFIX + "stack"
RESOURCE_TAG = TAG_PREFIX + "resource"
CREATE_TOKEN_TAG = TAG_PREFIX + "create-token"

MANAGED_BY_VALUE = "pulumi-batchpool"


def is_ownership_tag(key: object) -> bool:
    """True for the provider's own tag keys, whatever their casing."""
    return isinstance(key, str) and key.lower().startswith(TAG_PREFIX)


def without_ownership_tags(tags: Mapping[str, Any] | None) -> dict[str, Any]:
    """The user's tags alone: what outputs, refreshed inputs and diffs see."""
    return {key: value for key, value in (tags or {}).items() if not is_ownership_tag(key)}
