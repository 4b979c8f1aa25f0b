"""Validation of checked pool inputs: JSON Schema plus the semantic rules a schema cannot express.

Every failure is a ``(property path, reason)`` pair, the shape of Pulumi's ``CheckFailure``, with paths
like ``deploymentConfiguration.virtualMachineConfiguration.extensions[1].publisher`` and reasons that say
how to fix the problem. Unknown values (preview) are skipped, never flagged. Secret values
(``protectedSettings``, passwords, keys) never appear in a reason.
"""

import difflib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from pulumi_azure_batch_pool.azure_clients.errors import BatchPoolError
from pulumi_azure_batch_pool.model import extension_rules, pool_rules, write_only
from pulumi_azure_batch_pool.model.mapping import POOL_PROPERTY_KEYS, to_arm_pool
from pulumi_azure_batch_pool.model.naming import validate_pool_name
from pulumi_azure_batch_pool.model.normalize import contains_unknown, is_unknown, parse_json_text
from pulumi_azure_batch_pool.model.pool_model import vm_extensions
from pulumi_azure_batch_pool.model.secrets import hideable_failures, protected_settings_key

EXTENSIONS_PATH = pool_rules.EXTENSIONS_PATH
RESERVED_EXTENSION_TYPE = "customscript"
SECRET_KEYS = frozenset({"protectedSettings", "password", "sshPrivateKey", "accountKey", "sasKey"})
"""Keys whose values are secrets: a reason about them (or anything below them) never quotes the value."""

REQUIRED_HINTS = {
    "subscriptionId": "pass subscription_id, run `pulumi config set batchpool:subscriptionId <id>`,"
    " or export AZURE_SUBSCRIPTION_ID",
    "poolName": "Check generates it; call check() first, or set pool_name",
}
"""How to fill a required property that the user does not normally write."""

_ENUM_PATTERN = re.compile(r"^\(\?i\)\^\((?P<values>[^()]*)\)\$$")
_TYPE_NAMES = {
    "integer": "a whole number",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "object": "an object (mapping)",
    "array": "a list",
}


@dataclass
class ValidationReport:
    """The outcome of ``validate_inputs``: failures block the deployment, warnings are only logged."""

    failures: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is no failure."""
        return not self.failures


@cache
def _validator() -> Draft202012Validator:
    """The schema validator, loaded from package data once per process."""
    text = (
        resources.files("pulumi_azure_batch_pool.model")
        .joinpath("schema/pool.schema.json")
        .read_text(encoding="utf-8")
    )
    return Draft202012Validator(json.loads(text))


def format_path(parts: Sequence[str | int]) -> str:
    """``["a", "b", 1, "c"]`` -> ``a.b[1].c``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _is_secret(parts: Sequence[str | int]) -> bool:
    return any(part in SECRET_KEYS for part in parts)


def _describe(value: Any, parts: Sequence[str | int]) -> str:
    """The value quoted for a message, or a neutral phrase when it sits under a secret key."""
    return "the value" if _is_secret(parts) else repr(value)


def _schema_failures(error: ValidationError) -> Iterator[tuple[str, str]]:
    """Turn one jsonschema error into readable failures (one per missing or unknown property)."""
    parts = list(error.absolute_path)
    path = format_path(parts)
    kind = str(error.validator)
    expected: Any = error.validator_value
    instance: Any = error.instance
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    if kind == "additionalProperties":
        known = sorted(schema.get("properties", {}))
        for extra in sorted(set(instance) - set(known)):
            close = difflib.get_close_matches(extra, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"remove it (allowed here: {', '.join(known)})"
            yield _join(path, extra), f"unknown property {extra!r}; {hint}"
    elif kind == "required":
        for name in expected:
            if name not in instance:
                hint = REQUIRED_HINTS.get(_join(path, name), "set it")
                yield _join(path, name), f"missing required property {name!r}; {hint}"
    elif kind == "type":
        wanted = expected if isinstance(expected, list) else [expected]
        names = " or ".join(_TYPE_NAMES.get(str(name), str(name)) for name in wanted)
        yield path, f"expected {names}, got {type(instance).__name__}; change the value's type"
    elif kind == "pattern":
        yield path, _pattern_reason(parts, instance, expected)
    elif kind == "enum":
        yield (
            path,
            f"{_describe(instance, parts)} is not allowed; use one of: {', '.join(map(str, expected))}",
        )
    elif kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        relation = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[kind]
        yield path, f"{_describe(instance, parts)} is out of range; it must be {relation} {expected}"
    elif kind == "minLength":
        yield path, "must not be empty; give a value or remove the property"
    elif kind == "maxLength":
        yield path, f"is longer than {expected} characters; shorten it"
    elif kind == "maxItems":
        yield path, f"has {len(instance)} items; Azure accepts at most {expected}"
    elif kind in ("oneOf", "anyOf"):
        choices = " or ".join(name for option in expected for name in option.get("required", []))
        count = "exactly one" if kind == "oneOf" else "at least one"
        yield path, f"set {count} of {choices}"
    elif kind in ("minProperties", "maxProperties"):
        yield path, f"set exactly one of: {', '.join(sorted(schema.get('properties', {})))}"
    else:
        yield path, f"invalid value (schema rule {kind}={expected!r}); see the Azure Batch pool API reference"


def _pattern_reason(parts: Sequence[str | int], value: Any, pattern: str) -> str:
    if parts == ["poolName"]:
        return validate_pool_name(value) or "invalid pool name"
    if parts == ["accountName"]:
        return "a Batch account name is 3-24 letters or digits; use the account's exact name"
    if parts == ["subscriptionId"]:
        return (
            f"{value!r} is not a subscription id; use the subscription's GUID"
            " (like 00000000-0000-0000-0000-000000000000, see `az account show --query id`)"
        )
    if parts == ["resourceGroupName"]:
        return (
            f"{value!r} is not a resource group name: Azure allows 1-90 letters, digits, '-', '_', '.', '('"
            " and ')', not ending in '.' (any other character, '/' above all, would change the URL called);"
            " use the group's exact name"
        )
    if len(parts) >= 2 and parts[-1] == "name" and parts[-3:-2] == ["extensions"]:
        return (
            f"{value!r} is not an extension name Azure accepts: up to 64 characters, none of"
            " \\ / \" ' [ ] : | < > + = ; , ? * @ & or spaces, not starting with '_',"
            " not ending in '.' or '-'; rename the extension"
        )
    enum_values = _ENUM_PATTERN.match(pattern)
    if enum_values:
        allowed = ", ".join(enum_values["values"].split("|"))
        return f"{_describe(value, parts)} is not allowed; use one of: {allowed} (case-insensitive)"
    return f"{_describe(value, parts)} has the wrong format; it must match {pattern}"


def _skippable(error: ValidationError) -> bool:
    """Errors caused by preview unknowns: the value will be checked again once it is known."""
    if error.validator in ("additionalProperties", "required"):
        return False
    return contains_unknown(error.instance)


def _extensions(props: Mapping[str, Any]) -> list[Any]:
    return vm_extensions(props.get("deploymentConfiguration"))


def _json_problem(value: Any) -> str | None:
    """Why ``value`` cannot be sent as JSON (type names only, never the value), or ``None``."""
    if contains_unknown(value):
        return None
    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        return (
            f"is not JSON-serialisable ({type(exc).__name__}: {exc});"
            " use only dicts, lists, strings, numbers and booleans"
        )
    return None


def _extension_failures(props: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    extensions = [ext if isinstance(ext, Mapping) else {} for ext in _extensions(props)]
    names = [ext.get("name") for ext in extensions]
    first_use: dict[str, int] = {}
    for index, (extension, name) in enumerate(zip(extensions, names, strict=True)):
        path = f"{EXTENSIONS_PATH}[{index}]"
        ext_type = extension.get("type")
        if isinstance(ext_type, str) and ext_type.lower() == RESERVED_EXTENSION_TYPE:
            yield (
                f"{path}.type",
                "the extension type 'CustomScript' is reserved by Azure Batch and rejected;"
                " run the script from startTask.commandLine instead, or use another extension type",
            )
        if isinstance(name, str) and not is_unknown(name):
            earlier = first_use.setdefault(name.lower(), index)
            if earlier != index:
                yield (
                    f"{path}.name",
                    f"duplicate extension name {name!r} (names are case-insensitive;"
                    f" extensions[{earlier}] uses it); rename one of them",
                )
        if "protectedSettings" in extension:
            yield (
                f"{path}.protectedSettings",
                "protectedSettings must not sit inside the extension here; pass it as VMExtensionArgs"
                ".protected_settings (the resource moves it to the top-level secret 'protectedSettings')",
            )
        settings = extension.get("settings")
        if (
            isinstance(settings, str)
            and not is_unknown(settings)
            and isinstance(parse_json_text(settings), str)
        ):
            yield f"{path}.settings", "is a string but not a JSON object; pass a dict or a JSON object string"
        problem = _json_problem(settings)
        if problem:
            yield f"{path}.settings", problem
    yield from pool_rules.extension_order_failures(extensions)


def _protected_settings_failures(props: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    protected = props.get("protectedSettings")
    if not isinstance(protected, Mapping):
        return
    extensions = _extensions(props)
    names = [ext.get("name") for ext in extensions if isinstance(ext, Mapping)]
    nameless = {
        protected_settings_key(ext, index)
        for index, ext in enumerate(extensions)
        if isinstance(ext, Mapping) and ext.get("name") is None
    }
    all_names_known = not any(is_unknown(name) for name in names)
    for key, value in protected.items():
        path = f"protectedSettings.{key}"
        if key in nameless:
            continue  # the extension's missing name is the failure, reported at its own path
        if all_names_known and key not in names:
            close = [name for name in names if isinstance(name, str) and name.lower() == str(key).lower()]
            close = close or difflib.get_close_matches(str(key), [str(name) for name in names], n=1)
            hint = f"did you mean {close[0]!r}?" if close else "remove it or add an extension with that name"
            yield path, f"no extension named {key!r} is declared on the pool; {hint}"
        problem = _json_problem(value)
        if problem:
            yield path, problem


def _without_nulls(value: Any) -> Any:
    """``value`` without ``None`` members: an absent property, as the provider sends it to Azure."""
    if isinstance(value, Mapping):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def validate_inputs(
    props: Mapping[str, Any], allowed_extensions: frozenset[tuple[str, str]] = frozenset()
) -> ValidationReport:
    """Validate checked inputs against the pool schema and Azure's rules; never raises.

    The write-only secrets are validated where they belong (``userAccounts[0].password``), as Azure sees them.
    ``allowed_extensions`` are lower-cased publisher/type pairs the subscription may install beyond Azure
    Batch's list (``extension_catalog.allowed``): no warning for them.
    """
    report = ValidationReport()
    report.failures.extend(pool_rules.inline_secret_failures(props))
    secrets = props.get(write_only.WRITE_ONLY_KEY)
    if is_unknown(secrets):
        # Preview with a secret not known yet: every place that takes one holds "unknown", checked later.
        secrets = {location: secrets for location in write_only.secret_locations(props)}
    view = _without_nulls(
        write_only.merge_write_only(props, secrets if isinstance(secrets, Mapping) else None)
    )
    errors = sorted(_validator().iter_errors(view), key=lambda error: list(map(str, error.absolute_path)))
    for error in errors:
        if not _skippable(error):
            report.failures.extend(_schema_failures(error))
    report.failures.extend(_extension_failures(view))
    report.failures.extend(_protected_settings_failures(view))
    report.failures.extend(pool_rules.write_only_failures(view, secrets))
    report.failures.extend(hideable_failures("protectedSettings", view.get("protectedSettings")))
    report.failures.extend(hideable_failures(write_only.WRITE_ONLY_KEY, secrets, texts_only=True))
    pool = {key: view[key] for key in POOL_PROPERTY_KEYS if key in view}
    report.failures.extend(pool_rules.int32_failures(pool))
    report.failures.extend(pool_rules.duration_failures(view))
    report.failures.extend(pool_rules.image_failures(view))
    report.failures.extend(pool_rules.identity_failures(view))
    report.failures.extend(pool_rules.tag_failures(view))
    report.failures.extend(pool_rules.user_account_failures(view))
    report.failures.extend(pool_rules.mount_failures(view))
    report.failures.extend(extension_rules.os_mismatch_failures(view))
    protected = view.get("protectedSettings")
    protected = protected if isinstance(protected, Mapping) else {}
    body = to_arm_pool(view, protected) if not report.failures else None
    report.failures.extend(pool_rules.size_failures(_extensions(view), protected, body))
    report.warnings.extend(extension_rules.identity_warnings(view))
    report.warnings.extend(extension_rules.unlisted_warnings(view, allowed_extensions))
    return report


class InvalidInputsError(BatchPoolError):
    """Raised when create or update is called with inputs Check would refuse (Check bypassed or skipped)."""


def require_valid(props: Mapping[str, Any], operation: str) -> None:
    """Refuse invalid inputs before any request is sent, whoever called: defence in depth behind Check."""
    report = validate_inputs(props)
    if report.failures:
        lines = "; ".join(f"{path or '(pool)'}: {reason}" for path, reason in report.failures)
        raise InvalidInputsError(
            f"Refusing to {operation} the pool '{props.get('poolName')}': its inputs are invalid, so nothing"
            f" was sent to Azure. {lines}"
        )
