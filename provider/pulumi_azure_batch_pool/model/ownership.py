"""The provider's ownership tags: how a pool says "Pulumi's BatchPool made me, for this stack and resource".

Every pool the provider creates carries these ARM tags next to the user's own. They let a create that meets
"already exists" recognise the pool its own earlier, interrupted attempt made, and they make pools that an
interrupted deployment left behind findable (`python -m pulumi_azure_batch_pool status`). They belong to the
provider,
not to the program: outputs, refreshed inputs and diffs never show them.

The create token is ``{digest}.{nonce}``: the digest is derived from the stack, the resource name and every
value that forces a replacement (``pulumi_azure_batch_pool.model.naming.creation_digest``), so the engine's
retry of a create
after a crash computes the same digest and recognises the pool; the nonce is new for every create call, so
the pool remembers which create last claimed it (a forced replacement that finds the same pool re-claims it,
and the old resource's delete then leaves it alone).

A fifth tag, ``-secrets``, says whether the pool was given any protected setting or write-only secret
(``true``/``false``, never a value or a digest). A node extension's status message is the VM's own words and
may quote such a value; a pool tagged ``false`` has none to quote, so the status gate can show its messages
without the stack's secrets. Create writes it and every update that PATCHes the pool rewrites it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TAG_PREFIX = "pulumi-batchpool-"
"""Every ownership tag key starts with this (compared case-insensitively, as ARM compares tag names)."""

MANAGED_BY_TAG = TAG_PREFIX + "managed-by"
STACK_TAG = TAG_PREFIX + "stack"
RESOURCE_TAG = TAG_PREFIX + "resource"
CREATE_TOKEN_TAG = TAG_PREFIX + "create-token"
SECRETS_TAG = TAG_PREFIX + "secrets"

OWNERSHIP_TAGS = (MANAGED_BY_TAG, STACK_TAG, RESOURCE_TAG, CREATE_TOKEN_TAG, SECRETS_TAG)
"""Every tag the provider writes on a pool it creates (they count towards ARM's 50 per resource)."""

MANAGED_BY_VALUE = "pulumi-batchpool"
UNKNOWN_STACK = "(unknown stack)"
"""The stack tag's value when the caller did not say which stack it deploys (a direct provider call)."""


def is_ownership_tag(key: object) -> bool:
    """True for the provider's own tag keys, whatever their casing."""
    return isinstance(key, str) and key.lower().startswith(TAG_PREFIX)


def without_ownership_tags(tags: Mapping[str, Any] | None) -> dict[str, Any]:
    """The user's tags alone: what outputs, refreshed inputs and diffs see."""
    return {key: value for key, value in (tags or {}).items() if not is_ownership_tag(key)}


def ownership_tags_of(tags: Mapping[str, Any] | None) -> dict[str, Any]:
    """The provider's tags alone, as the pool carries them (kept through every PATCH of the user's tags)."""
    return {key: value for key, value in (tags or {}).items() if is_ownership_tag(key)}


def secrets_tag(carries_secrets: bool) -> dict[str, str]:
    """The tag recording whether the pool was given a protected or write-only value (never which)."""
    return {SECRETS_TAG: "true" if carries_secrets else "false"}


def carries_secrets(tags: Mapping[str, Any] | None) -> bool | None:
    """What the pool's secrets tag says; None when it has none (made by another tool or an older provider).

    Only an exact ``false`` means "no secret": anything else could be a pool with secrets.
    """
    lowered = {str(key).lower(): value for key, value in (tags or {}).items()}
    if SECRETS_TAG not in lowered:
        return None
    return str(lowered[SECRETS_TAG]).lower() != "false"


def token_digest(token: str) -> str:
    """The digest part of a create token ``{digest}.{nonce}``."""
    return token.split(".", 1)[0]


@dataclass(frozen=True)
class Owner:
    """Who created a pool, as its ownership tags say."""

    stack: str
    resource: str
    token: str

    @property
    def digest(self) -> str:
        """The derived part of the create token (the same for every retry of one logical create)."""
        return token_digest(self.token)

    def tags(self) -> dict[str, str]:
        """The ARM tags that mark a pool as created by this owner."""
        return {
            MANAGED_BY_TAG: MANAGED_BY_VALUE,
            STACK_TAG: self.stack,
            RESOURCE_TAG: self.resource,
            CREATE_TOKEN_TAG: self.token,
        }

    def same_create(self, other: "Owner | None") -> bool:
        """True when ``other`` is an earlier attempt of this very create (same stack, resource and digest)."""
        return (
            other is not None
            and other.stack == self.stack
            and other.resource == self.resource
            and other.digest == self.digest
        )

    def same_resource(self, other: "Owner | None") -> bool:
        """True when ``other`` was created for the same stack and resource (maybe with other settings)."""
        return other is not None and other.stack == self.stack and other.resource == self.resource


def owner_from_tags(tags: Mapping[str, Any] | None) -> Owner | None:
    """The owner a pool's tags name, or None when the provider did not create it."""
    lowered = {str(key).lower(): value for key, value in (tags or {}).items()}
    if lowered.get(MANAGED_BY_TAG) != MANAGED_BY_VALUE:
        return None
    return Owner(
        stack=str(lowered.get(STACK_TAG) or ""),
        resource=str(lowered.get(RESOURCE_TAG) or ""),
        token=str(lowered.get(CREATE_TOKEN_TAG) or ""),
    )
