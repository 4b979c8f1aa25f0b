"""Request-body checks for pool PUT and PATCH, raising Azure's codes with the property path.

Messages name the property and what is expected but never echo the submitted value, so a secret put in the
wrong place cannot leak through an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from emulator.errors import (
    InvalidPropertyValue,
    InvalidRequestContent,
    InvalidResourceName,
    MissingRequiredProperty,
)

POOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
MAX_NODES = 10_000
RESERVED_EXTENSION_TYPES = frozenset({"customscript"})
OBJECT_PROPERTIES = frozenset({"startTask", "networkConfiguration", "upgradePolicy"})
LIST_PROPERTIES = frozenset({"mountConfiguration"})
UPDATABLE_PROPERTIES = frozenset({"scaleSettings", "metadata", "startTask", "applicationPackages"})
KNOWN_PROPERTIES = frozenset(
    {
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
    }
)


@dataclass(frozen=True)
class PoolBody:
    """The writable parts of a pool request: ``properties`` (known keys only), ``tags`` and ``identity``.

    ``tags``/``identity`` are None when the request did not send them (PATCH leaves them unchanged).
    """

    properties: dict[str, Any]
    tags: dict[str, str] | None
    identity: dict[str, Any] | None


def check_pool_name(name: str) -> None:
    """Raise InvalidResourceName unless ``name`` is 1-64 of letters, digits, '-' and '_'."""
    if not POOL_NAME.match(name):
        raise InvalidResourceName(
            "The pool name is invalid: use 1-64 characters from letters, digits, hyphens and underscores.",
            target="poolName",
        )


def parse_pool_body(body: Any, *, full: bool) -> PoolBody:
    """Validate a PUT (``full``: required fields enforced) or PATCH body into a PoolBody."""
    if not isinstance(body, dict):
        raise InvalidRequestContent("The request content was invalid: the body must be a JSON object.")
    raw = body.get("properties", {})
    _expect(raw, dict, "properties")
    properties = {key: value for key, value in raw.items() if key in KNOWN_PROPERTIES}
    if full:
        for required in ("vmSize", "deploymentConfiguration"):
            if required not in properties:
                raise MissingRequiredProperty(
                    f"The property '{required}' is required when creating or replacing a pool.",
                    path=f"properties.{required}",
                )
    for key, value in properties.items():
        _check_property(key, value)
    tags = body.get("tags")
    if tags is not None:
        _expect(tags, dict, "tags")
        for name, value in tags.items():
            _expect(value, str, f"tags.{name}")
    identity = body.get("identity")
    if identity is not None:
        _check_identity(identity)
    return PoolBody(properties, tags, identity)


def _check_property(key: str, value: Any) -> None:
    path = f"properties.{key}"
    if key in ("vmSize", "displayName"):
        _expect(value, str, path)
        if key == "vmSize" and not value.strip():
            raise InvalidPropertyValue("The property 'vmSize' must not be empty.", path=path)
    elif key == "deploymentConfiguration":
        _check_deployment(value, path)
    elif key == "scaleSettings":
        _check_scale(value, path)
    elif key == "interNodeCommunication":
        _expect_choice(value, ("Enabled", "Disabled"), path)
    elif key == "taskSlotsPerNode":
        _expect_int(value, path, 1, 256)
    elif key == "taskSchedulingPolicy":
        _expect(value, dict, path)
        _expect_choice(value.get("nodeFillType", "Spread"), ("Spread", "Pack"), f"{path}.nodeFillType")
    elif key == "metadata":
        for index, item in enumerate(_expect_list_of_objects(value, path)):
            for field in ("name", "value"):
                _require(item, field, str, f"{path}[{index}].{field}")
    elif key == "applicationPackages":
        for index, item in enumerate(_expect_list_of_objects(value, path)):
            _require(item, "id", str, f"{path}[{index}].id")
    elif key == "userAccounts":
        for index, item in enumerate(_expect_list_of_objects(value, path)):
            _require(item, "name", str, f"{path}[{index}].name")
            _require(item, "password", str, f"{path}[{index}].password")
    elif key in OBJECT_PROPERTIES:
        _expect(value, dict, path)
    elif key in LIST_PROPERTIES:
        _expect_list_of_objects(value, path)


def _check_deployment(value: Any, path: str) -> None:
    _expect(value, dict, path)
    vm_path = f"{path}.virtualMachineConfiguration"
    vm = _require(value, "virtualMachineConfiguration", dict, vm_path)
    _require(vm, "imageReference", dict, f"{vm_path}.imageReference")
    _require(vm, "nodeAgentSkuId", str, f"{vm_path}.nodeAgentSkuId")
    if "extensions" in vm:
        check_extensions(vm["extensions"], f"{vm_path}.extensions")


def check_extensions(value: Any, path: str) -> None:
    """Required fields, the reserved CustomScript type, unique names and a valid provisioning order."""
    extensions = _expect_list_of_objects(value, path)
    names: dict[str, str] = {}
    for index, ext in enumerate(extensions):
        here = f"{path}[{index}]"
        name = _require(ext, "name", str, f"{here}.name")
        _require(ext, "publisher", str, f"{here}.publisher")
        ext_type = _require(ext, "type", str, f"{here}.type")
        if ext_type.lower() in RESERVED_EXTENSION_TYPES:
            raise InvalidPropertyValue(
                f"Extension '{name}' uses type 'CustomScript', which is reserved for use by Azure Batch; "
                "run scripts through the pool's startTask instead.",
                path=f"{here}.type",
            )
        if name.lower() in names:
            raise InvalidPropertyValue(
                f"Extension name '{name}' appears more than once; extension names must be unique in a pool.",
                path=f"{here}.name",
            )
        names[name.lower()] = name
        for flag in ("autoUpgradeMinorVersion", "enableAutomaticUpgrade"):
            if flag in ext:
                _expect(ext[flag], bool, f"{here}.{flag}")
        if "typeHandlerVersion" in ext:
            _expect(ext["typeHandlerVersion"], str, f"{here}.typeHandlerVersion")
    for index, ext in enumerate(extensions):
        after_path = f"{path}[{index}].provisionAfterExtensions"
        for after in _expect(ext.get("provisionAfterExtensions", []), list, after_path):
            _expect(after, str, after_path)
            if after.lower() not in names or after.lower() == ext["name"].lower():
                raise InvalidPropertyValue(
                    f"Extension '{ext['name']}' lists '{after}' in provisionAfterExtensions, which is not "
                    "another extension of this pool; name one of the pool's other extensions.",
                    path=after_path,
                )
    provisioning_order(extensions)


def provisioning_order(extensions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Extensions in an order that respects provisionAfterExtensions (stable otherwise); cycles are errors."""
    pending = list(extensions)
    done: set[str] = set()
    ordered: list[dict[str, Any]] = []
    while pending:
        ready = [e for e in pending if all(a.lower() in done for a in e.get("provisionAfterExtensions", []))]
        if not ready:
            raise InvalidPropertyValue(
                "The extensions' provisionAfterExtensions form a cycle; remove one of the dependencies.",
                path="properties.deploymentConfiguration.virtualMachineConfiguration.extensions",
            )
        ordered.extend(ready)
        done.update(e["name"].lower() for e in ready)
        pending = [e for e in pending if e not in ready]
    return ordered


def _check_scale(value: Any, path: str) -> None:
    _expect(value, dict, path)
    modes = [mode for mode in ("fixedScale", "autoScale") if mode in value]
    if len(modes) != 1:
        raise InvalidPropertyValue(
            "Exactly one of 'fixedScale' and 'autoScale' must be given in scaleSettings.", path=path
        )
    settings = _expect(value[modes[0]], dict, f"{path}.{modes[0]}")
    if modes[0] == "fixedScale":
        for field in ("targetDedicatedNodes", "targetLowPriorityNodes"):
            if field in settings:
                _expect_int(settings[field], f"{path}.fixedScale.{field}", 0, MAX_NODES)
    else:
        _require(settings, "formula", str, f"{path}.autoScale.formula")


def _check_identity(identity: Any) -> None:
    _expect(identity, dict, "identity")
    _expect_choice(identity.get("type"), ("UserAssigned", "None"), "identity.type")
    if "userAssignedIdentities" in identity:
        _expect(identity["userAssignedIdentities"], dict, "identity.userAssignedIdentities")


TYPE_NAMES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "an integer"}


def _expect(value: Any, kind: type, path: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidPropertyValue(f"The property '{path}' must be {TYPE_NAMES[kind]}.", path=path)
    return value


def _require(parent: dict[str, Any], key: str, kind: type, path: str) -> Any:
    if key not in parent or parent[key] is None:
        raise MissingRequiredProperty(f"The property '{path}' is required.", path=path)
    return _expect(parent[key], kind, path)


def _expect_int(value: Any, path: str, low: int, high: int) -> None:
    _expect(value, int, path)
    if not low <= value <= high:
        raise InvalidPropertyValue(f"The property '{path}' must be between {low} and {high}.", path=path)


def _expect_choice(value: Any, choices: tuple[str, ...], path: str) -> None:
    if value not in choices:
        raise InvalidPropertyValue(f"The property '{path}' must be one of {', '.join(choices)}.", path=path)


def _expect_list_of_objects(value: Any, path: str) -> list[dict[str, Any]]:
    for index, item in enumerate(_expect(value, list, path)):
        _expect(item, dict, f"{path}[{index}]")
    return value
