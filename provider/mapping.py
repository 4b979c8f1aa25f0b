"""Translation between the flat wire shape of checked inputs and ARM's pool body.

Checked inputs are flat (``vmSize`` next to ``resourceGroupName`` and the provider's options); ARM wants
``{"identity", "tags", "properties": {...}}``. Going to ARM merges the ``protectedSettings`` secret back into
the extensions; coming back from ARM (refresh) drops read-only fields and the defaults Azure fills in that the
user never wrote, so a refresh right after ``up`` records no drift.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from provider.normalize import canonical_value, json_numbers, parse_json_text
from provider.secrets import merge_protected_settings, split_protected_settings

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

SERVER_DEFAULTS: Mapping[tuple[str, str], Any] = {
    ("", "interNodeCommunication"): "Disabled",
    ("", "taskSlotsPerNode"): 1,
    ("", "taskSchedulingPolicy"): {"nodeFillType": "Spread"},
    ("", "identity"): {"type": "None"},
    ("", "upgradePolicy"): {"mode": "manual"},
    ("taskSchedulingPolicy", "jobDefaultOrder"): "None",
    ("imageReference", "version"): "latest",
    ("fixedScale", "resizeTimeout"): "PT15M",
    ("fixedScale", "nodeDeallocationOption"): "Requeue",
    ("fixedScale", "targetDedicatedNodes"): 0,
    ("fixedScale", "targetLowPriorityNodes"): 0,
    ("autoScale", "evaluationInterval"): "PT15M",
    ("startTask", "maxTaskRetryCount"): 0,
    ("startTask", "waitForSuccess"): True,
    ("windowsConfiguration", "enableAutomaticUpdates"): True,
    ("extensions", "autoUpgradeMinorVersion"): False,
    ("extensions", "enableAutomaticUpgrade"): False,
    ("userAccounts", "elevationLevel"): "NonAdmin",
}
"""``(parent key, key) -> value`` Azure fills in when the user leaves the key out (documented defaults)."""

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


def mutable_patch_body(changed_keys: Iterable[str], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A PATCH body holding only the changed mutable properties (removed ones get ``REMOVED_VALUES``).

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
        if key in MUTABLE_PROPERTY_KEYS:
            properties[key] = value
        else:
            body[key] = value
    if properties:
        body["properties"] = properties
    return body


def _is_server_default(parent: str, key: str, value: Any) -> bool:
    if value in ([], {}):
        return True
    if (parent, key) not in SERVER_DEFAULTS:
        return False
    return bool(canonical_value(key, value) == canonical_value(key, SERVER_DEFAULTS[parent, key]))


def _reconcile(live: Any, previous: Any, parent: str) -> Any:
    """``live`` minus server defaults ``previous`` did not set, plus ``previous``'s write-only secrets."""
    if isinstance(live, Mapping) and isinstance(previous, Mapping):
        reconciled = {
            key: _reconcile(value, previous[key], key) if key in previous else value
            for key, value in live.items()
            if value is not None and (key in previous or not _is_server_default(parent, key, value))
        }
        for key in WRITE_ONLY_KEYS & previous.keys() - live.keys():
            reconciled[key] = previous[key]
        return reconciled
    if isinstance(live, list) and isinstance(previous, list):
        if parent == "extensions":
            by_name = {str(ext.get("name")).lower(): ext for ext in previous if isinstance(ext, Mapping)}
            return [
                _reconcile(ext, by_name.get(str(ext.get("name")).lower(), {}), parent)
                if isinstance(ext, Mapping)
                else ext
                for ext in live
            ]
        return [
            _reconcile(item, previous[index] if index < len(previous) else {}, parent)
            for index, item in enumerate(live)
        ]
    if isinstance(live, list):
        return [_reconcile(item, {}, parent) for item in live]
    if isinstance(live, Mapping):
        return _reconcile(live, {}, parent)
    return live


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
    return dict(_reconcile(live, previous_inputs, ""))


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
