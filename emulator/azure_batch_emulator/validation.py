"""Request-body checks for pool PUT and PATCH, raising Azure's codes with the property path.

Types come from the JSON Schema in ``azure_batch_emulator.schema``; the rules a schema cannot say (one scale
mode, the
reserved CustomScript type, unique extension names, a valid provisioning order) are checked here. Messages
name the property and what is expected but never echo the submitted value, so a misplaced secret cannot
leak through an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match

from azure_batch_emulator.canonical import canonical
from azure_batch_emulator.errors import (
    EmulatorError,
    InvalidPropertyValue,
    InvalidRequestContent,
    InvalidResourceName,
    MissingRequiredProperty,
)
from azure_batch_emulator.schema import POOL_BODY, WRITABLE_PROPERTIES

POOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
RESERVED_EXTENSION_TYPES = frozenset({"customscript"})
RESERVED_EXTENSION_NAMES = frozenset({"batchnodeextension"})  # Batch's own, listed on every node
UPDATABLE_PROPERTIES = frozenset({"scaleSettings", "metadata", "startTask", "applicationPackages"})
KNOWN_PROPERTIES = frozenset(WRITABLE_PROPERTIES)
EXTENSIONS_PATH = "properties.deploymentConfiguration.virtualMachineConfiguration.extensions"
TYPE_NAMES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "boolean": "a boolean",
    "integer": "an integer",
}
VALIDATOR = Draft202012Validator(POOL_BODY)


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
    """Validate a PUT (``full``: ``vmSize`` required) or PATCH body into a PoolBody, as Azure stores it:
    enumerations in canonical casing, null optional properties dropped
    (``azure_batch_emulator.canonical``)."""
    if not isinstance(body, dict):
        raise InvalidRequestContent("The request content was invalid: the body must be a JSON object.")
    body = canonical(body, POOL_BODY)
    error = best_match(VALIDATOR.iter_errors(body))
    if error is not None:
        raise schema_error(error)
    properties = {key: value for key, value in body.get("properties", {}).items() if key in KNOWN_PROPERTIES}
    if full and "vmSize" not in properties:
        raise MissingRequiredProperty(
            "The property 'properties.vmSize' is required when creating or replacing a pool.",
            path="properties.vmSize",
        )
    if "scaleSettings" in properties:
        _check_scale(properties["scaleSettings"])
    vm = properties.get("deploymentConfiguration", {}).get("virtualMachineConfiguration", {})
    if "extensions" in vm:
        check_extensions(vm["extensions"], EXTENSIONS_PATH)
    return PoolBody(properties, body.get("tags"), body.get("identity"))


def schema_error(error: ValidationError) -> EmulatorError:
    """The Azure error for a schema violation; the message names the property, never its value."""
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
    path = path.lstrip(".") or "body"
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance if isinstance(error.instance, dict) else {}
    prefix = "" if path == "body" else f"{path}."
    if error.validator == "required":
        missing = next(key for key in schema.get("required", []) if key not in instance)
        return MissingRequiredProperty(
            f"The property '{prefix}{missing}' is required.", path=prefix + missing
        )
    if error.validator == "additionalProperties":
        extra = next(key for key in instance if key not in schema.get("properties", {}))[:64]
        return InvalidPropertyValue(
            f"Could not find member '{extra}' on '{path}'; remove it or check its spelling.",
            path=prefix + extra,
        )
    if error.validator == "type":
        reason = f"must be {TYPE_NAMES.get(str(schema.get('type')), 'of another type')}"
    elif "x-choices" in schema:
        reason = f"must be one of {', '.join(schema['x-choices'])}"
    elif "x-format" in schema:
        reason = f"must be {schema['x-format']}"
    elif error.validator in ("minimum", "maximum"):
        reason = f"must be between {schema.get('minimum')} and {schema.get('maximum')}"
    elif error.validator in ("minLength", "maxLength", "maxItems"):
        reason = f"must respect {error.validator} {schema.get(str(error.validator))}"
    else:
        reason = "is invalid"
    return InvalidPropertyValue(f"The property '{path}' {reason}.", path=path)


def check_extensions(extensions: list[dict[str, Any]], path: str) -> None:
    """Rules beyond the schema: the reserved CustomScript type, unique names, a valid provisioning order."""
    names: dict[str, str] = {}
    for index, ext in enumerate(extensions):
        here = f"{path}[{index}]"
        name = ext["name"]
        if ext["type"].lower() in RESERVED_EXTENSION_TYPES:
            raise InvalidPropertyValue(
                f"Extension '{name}' uses type 'CustomScript', which is reserved for use by Azure Batch; "
                "run scripts through the pool's startTask instead.",
                path=f"{here}.type",
            )
        if name.lower() in RESERVED_EXTENSION_NAMES:
            raise InvalidPropertyValue(
                f"Extension name '{name}' is reserved for Batch's own node extension; choose another name.",
                path=f"{here}.name",
            )
        if name.lower() in names:
            raise InvalidPropertyValue(
                f"Extension name '{name}' appears more than once; extension names must be unique in a pool.",
                path=f"{here}.name",
            )
        names[name.lower()] = name
    for index, ext in enumerate(extensions):
        after_path = f"{path}[{index}].provisionAfterExtensions"
        for after in ext.get("provisionAfterExtensions", []):
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
                path=EXTENSIONS_PATH,
            )
        ordered.extend(ready)
        done.update(e["name"].lower() for e in ready)
        pending = [e for e in pending if e not in ready]
    return ordered


def _check_scale(value: dict[str, Any]) -> None:
    if len([mode for mode in ("fixedScale", "autoScale") if mode in value]) != 1:
        raise InvalidPropertyValue(
            "Exactly one of 'fixedScale' and 'autoScale' must be given in scaleSettings.",
            path="properties.scaleSettings",
        )
    fixed = value.get("fixedScale", {"targetDedicatedNodes": 0})
    if "targetDedicatedNodes" not in fixed and "targetLowPriorityNodes" not in fixed:
        raise MissingRequiredProperty(
            "scaleSettings.fixedScale needs targetDedicatedNodes or targetLowPriorityNodes (or both).",
            path="properties.scaleSettings.fixedScale.targetDedicatedNodes",
        )
