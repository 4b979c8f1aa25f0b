"""Translation between the flat wire shape of checked inputs and ARM's pool body.

Checked inputs are flat (``vmSize`` next to ``resourceGroupName`` and the provider's options); ARM wants
``{"identity", "tags", "properties": {...}}``. Going to ARM merges the ``protectedSettings`` secret back into
the extensions; coming back from ARM (refresh) drops read-only fields and the defaults Azure fills in that the
user never wrote, so a refresh right after ``up`` records no drift.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_azure_batch_pool.model.normalize import (
    ABSENT,
    MODEL,
    ModelNode,
    canonical_at,
    json_numbers,
    parse_json_text,
)
from pulumi_azure_batch_pool.model.ownership import without_ownership_tags
from pulumi_azure_batch_pool.model.secrets import merge_protected_settings, split_protected_settings

POOL_PROPERTY_KEYS = (
    "vmSize",
    "displayName",
    "deploymentConfiguration",
    "scaleSettings",
    "interNodeCommunication",
    "networkConfiguration",
    "taskSlotsPerNode",
    "taskSchedulingPolicy",
    "userAccounts",
    "metadata",
    "startTask",
    "applicationPackages",
    "mountConfiguration",
    "upgradePolicy",
)
"""Inputs that live under ARM's ``properties``; every other input is the envelope or provider-only."""

ENVELOPE_KEYS = ("identity", "tags")

MUTABLE_PROPERTY_KEYS = frozenset({"scaleSettings", "metadata", "startTask", "applicationPackages"})

REMOVED_VALUES: Mapping[str, Any] = {
    # ARM's PATCH is a top-level merge: an absent key means "unchanged", so removal needs an explicit value.
    "startTask": {},
    "metadata": [],
    "applicationPackages": [],
    "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 0, "targetLowPriorityNodes": 0}},
    "tags": {},
    "identity": {"type": "None"},
}
"""What a PATCH sends for a mutable property the user removed."""

WRITE_ONLY_KEYS = frozenset({"password", "sshPrivateKey", "accountKey", "sasKey"})
"""Secrets ARM accepts but never returns: refresh keeps the previous input rather than report them removed."""


def _arm_value(value: Any) -> Any:
    """JSON for ARM: integral floats as ints (the engine sends ``3`` as ``3.0``), ``None`` keys dropped."""
    return json_numbers(value)


def _with_parsed_settings(deployment: Mapping[str, Any]) -> dict[str, Any]:
    """Extension ``settings`` given as a JSON string are sent to ARM as the object they describe."""
    vm = deployment.get("virtualMachineConfiguration")
    if not isinstance(vm, Mapping) or not isinstance(vm.get("extensions"), list):
        return dict(deployment)
    extensions = [
        {**ext, "settings": parse_json_text(ext["settings"])}
        if isinstance(ext, Mapping) and "settings" in ext
        else ext
        for ext in vm["extensions"]
    ]
    return {**deployment, "virtualMachineConfiguration": {**vm, "extensions": extensions}}


def to_arm_pool(inputs: Mapping[str, Any], protected: Mapping[str, Any]) -> dict[str, Any]:
    """The ARM PUT body for checked ``inputs``, with ``protected`` merged back into the extensions.

    Provider-only keys (location, options, ``protectedSettings``, ``__provider``) are left out.
    """
    properties: dict[str, Any] = {}
    for key in POOL_PROPERTY_KEYS:
        value = inputs.get(key)
        if value is None:
            continue
        if key == "deploymentConfiguration":
            value = merge_protected_settings(_with_parsed_settings(value), protected)
        properties[key] = _arm_value(value)
    body: dict[str, Any] = {
        key: _arm_value(inputs[key]) for key in ENVELOPE_KEYS if inputs.get(key) is not None
    }
    body["properties"] = properties
    return body


def mutable_patch_body(
    changed_keys: Iterable[str], inputs: Mapping[str, Any], live_pool: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A PATCH body holding only the changed mutable properties (removed ones get ``REMOVED_VALUES``).

    ``live_pool`` is the pool's current ARM body: Azure merges ``identity.userAssignedIdentities`` into the
    existing map, so each identity the pool has and the inputs no longer name is sent as ``null``.
    Raises ``ValueError`` for a key that cannot change in place: such changes must replace the pool.
    """
    body: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    for key in changed_keys:
        if key not in REMOVED_VALUES:
            raise ValueError(
                f"'{key}' cannot be updated in place on an Azure Batch pool; the change needs a replacement"
                " (diffing.REPLACE_KEYS lists such properties)"
            )
        value = inputs.get(key)
        value = REMOVED_VALUES[key] if value is None else _arm_value(value)
        if key == "identity":
            value = _identity_patch(value, (live_pool or {}).get("identity"))
        if key in MUTABLE_PROPERTY_KEYS:
            properties[key] = value
        else:
            body[key] = value
    if properties:
        body["properties"] = properties
    return body


def _identity_patch(identity: Mapping[str, Any], live_identity: Any) -> dict[str, Any]:
    """``identity`` for a PATCH: identities the pool has but ``identity`` does not name become ``null``.

    With type ``None`` the map must be absent, and Azure drops every identity by itself.
    """
    wanted = identity.get("userAssignedIdentities")
    live = live_identity.get("userAssignedIdentities") if isinstance(live_identity, Mapping) else None
    if not isinstance(wanted, Mapping) or not isinstance(live, Mapping):
        return dict(identity)
    named = {str(arm_id).lower() for arm_id in wanted}
    removed = {arm_id: None for arm_id in live if str(arm_id).lower() not in named}
    return {**identity, "userAssignedIdentities": {**wanted, **removed}}


def _reconcile(live: Any, previous: Any, node: ModelNode | None) -> Any:
    """``live`` as ``previous`` wrote it: unset defaults dropped, equal values in ``previous``'s spelling.

    A live value that is canonically equal to the previous one is returned as ``previous`` had it (enum
    casing, settings as a JSON string, ``3.0``), so a refresh records no cosmetic drift; a default Azure
    filled in where ``previous`` had nothing is dropped; write-only secrets ARM never returns are kept.
    """
    if previous is not None and canonical_at(live, node) == canonical_at(previous, node):
        return previous
    if isinstance(live, Mapping):
        return _reconcile_mapping(live, previous if isinstance(previous, Mapping) else {}, node)
    if isinstance(live, list):
        item = node.item if node is not None else None
        prior_items = previous if isinstance(previous, list) else []
        identifiers = node.keys if node is not None and isinstance(node.keys, tuple) else None
        if identifiers is None:
            return [
                _reconcile(value, prior_items[index] if index < len(prior_items) else None, item)
                for index, value in enumerate(live)
            ]
        by_key = {_item_key(value, identifiers, item): value for value in prior_items}
        return [_reconcile(value, by_key.get(_item_key(value, identifiers, item)), item) for value in live]
    return live


def _reconcile_mapping(
    live: Mapping[str, Any], previous: Mapping[str, Any], node: ModelNode | None
) -> dict[str, Any]:
    reconciled = {}
    for key, value in live.items():
        child = node.child(key) if node is not None else None
        if key in previous:
            reconciled[key] = _reconcile(value, previous[key], child)
        elif canonical_at(value, child) is not ABSENT:
            reconciled[key] = _reconcile(value, None, child)
    for key in WRITE_ONLY_KEYS & previous.keys() - live.keys():
        reconciled[key] = previous[key]
    return reconciled


def _item_key(value: Any, identifiers: tuple[str, ...], node: ModelNode | None) -> Any:
    """The identifier tuple of a keyed-list item, in canonical form (extension names without case)."""
    if not isinstance(value, Mapping) or node is None:
        return None
    return tuple(canonical_at(value.get(name), node.child(name)) for name in identifiers)


def _live_extensions(deployment: Mapping[str, Any]) -> dict[str, Any]:
    """ARM's deployment configuration with settings as objects and any ``protectedSettings`` removed."""
    stripped, _ = split_protected_settings(deployment)
    return _with_parsed_settings(stripped)


def inputs_from_arm(pool: Mapping[str, Any], previous_inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The flat inputs an ARM GET body describes, for refresh and drift detection.

    Only ARM-derived keys are returned (``properties.*``, ``identity``, ``tags``); the caller adds location
    and provider options. Read-only fields are excluded, defaults Azure filled in that ``previous_inputs``
    did not set are dropped, write-only secrets ARM never returns are kept from ``previous_inputs``,
    extension ``settings`` returned as JSON strings are parsed, and ``protectedSettings`` never appears.
    """
    properties = pool.get("properties") or {}
    live: dict[str, Any] = {
        key: properties[key] for key in POOL_PROPERTY_KEYS if properties.get(key) is not None
    }
    if isinstance(live.get("deploymentConfiguration"), Mapping):
        live["deploymentConfiguration"] = _live_extensions(live["deploymentConfiguration"])
    for key in ENVELOPE_KEYS:
        if pool.get(key) is not None:
            live[key] = pool[key]
    identities = live.get("identity", {}).get("userAssignedIdentities")
    if isinstance(identities, Mapping):
        # principalId/clientId are read-only; inputs name the identities only.
        live["identity"] = {
            **live["identity"],
            "userAssignedIdentities": {arm_id: {} for arm_id in identities},
        }
    if "tags" in live:
        # The provider's ownership tags are its own business: never drift, never an output.
        live["tags"] = without_ownership_tags(live["tags"])
    # Key by key: previous_inputs are the old outputs, whose other keys are no inputs at all.
    return {
        key: value for key, value in _reconcile_mapping(live, previous_inputs, MODEL).items() if key in live
    }


def allocated_nodes(pool: Mapping[str, Any]) -> int:
    """How many nodes (dedicated plus low-priority) an ARM pool body says are allocated now."""
    properties = pool.get("properties") or {}
    return int(properties.get("currentDedicatedNodes") or 0) + int(
        properties.get("currentLowPriorityNodes") or 0
    )


def read_only_outputs(pool: Mapping[str, Any]) -> dict[str, Any]:
    """The pool's server-side state as outputs: ARM id, etag, states, node counts, resize errors, times."""
    properties = pool.get("properties") or {}
    resize = properties.get("resizeOperationStatus") or {}
    return {
        "armId": pool.get("id"),
        "etag": pool.get("etag"),
        "provisioningState": properties.get("provisioningState"),
        "allocationState": properties.get("allocationState"),
        "currentDedicatedNodes": properties.get("currentDedicatedNodes"),
        "currentLowPriorityNodes": properties.get("currentLowPriorityNodes"),
        "resizeErrors": [
            {"code": error.get("code"), "message": error.get("message")}
            for error in resize.get("errors") or []
        ],
        "creationTime": properties.get("creationTime"),
        "lastModified": properties.get("lastModified"),
    }
