"""azure-native's argument forms register the same pool as Azure's camelCase form, for every official example.

Each official ``PoolCreate_*`` request is declared four ways, as programs do: camelCase dicts (Azure's docs),
azure-native's ``*Args`` objects, its snake_case dicts (the ``*ArgsDict`` form), and the Args objects with
its identity list (``user_assigned_identities=[id]``). Run under Pulumi's mocks, every form must register
the same inputs, and the ARM body the provider builds from them after Check must hold the example's
request as written (plus azure-native's defaults and the provider's ownership tags).

The forms are built from the example with the spec, not with the code under test: a field's nested type is
the swagger's ``$ref``, its Python name the args class's own ``pulumi.property`` metadata.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pytest
from pulumi import _types

from azure_batch_emulator import DEMO_ACCOUNT
from pulumi_azure_batch_pool import BatchPool, BatchPoolProvider, types
from pulumi_azure_batch_pool.engine.resource import ARGUMENTS
from pulumi_azure_batch_pool.model.concealment import for_azure
from pulumi_azure_batch_pool.model.mapping import to_arm_pool
from tests.engine.program import is_secret, registered_inputs, strip_secrets
from tests.spec import EXAMPLES_DIR, MGMT, Spec, create_examples, requires_shared

pytestmark = requires_shared

EXAMPLES = create_examples() if EXAMPLES_DIR.is_dir() else []
Form = Callable[[Any, type], Any]


def _nested(args_type: type, wire: str) -> type | None:
    """The args class of field ``wire`` of ``args_type``, from the swagger's ``$ref`` (items' for lists)."""
    schema = Spec.load(MGMT).definition(args_type.__name__.removesuffix("Args"))["properties"][wire]
    ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
    found = getattr(types, f"{ref.rsplit('/', 1)[-1]}Args", None) if ref else None
    return found if found is not None and _types.is_input_type(found) else None


def _python_names(args_type: type) -> dict[str, str]:
    return {wire: python for python, wire in _types.input_type_py_to_pulumi_names(args_type).items()}


def as_args(value: Any, args_type: type) -> Any:
    """azure-native's typed form: ``*Args`` objects all the way down."""
    if isinstance(value, list):
        return [as_args(item, args_type) for item in value]
    names = _python_names(args_type)
    return args_type(
        **{names[wire]: _convert(item, _nested(args_type, wire), as_args) for wire, item in value.items()}
    )


def as_snake_dict(value: Any, args_type: type) -> Any:
    """azure-native's ``*ArgsDict`` form: plain dicts with snake_case keys."""
    if isinstance(value, list):
        return [as_snake_dict(item, args_type) for item in value]
    names = _python_names(args_type)
    return {
        names[wire]: _convert(item, _nested(args_type, wire), as_snake_dict) for wire, item in value.items()
    }


def _convert(value: Any, args_type: type | None, form: Form) -> Any:
    return copy.deepcopy(value) if args_type is None else form(value, args_type)


def as_camel_dict(value: Any, args_type: type) -> Any:
    """Azure's own shape, as the example writes it."""
    return copy.deepcopy(value)


def identity_list(form: Form) -> Form:
    """``form`` with azure-native's list of identity ids instead of ARM's ``{id: {}}``."""

    def convert(value: Any, args_type: type) -> Any:
        if args_type is types.BatchPoolIdentityArgs and isinstance(
            value.get("userAssignedIdentities"), Mapping
        ):
            value = {**value, "userAssignedIdentities": list(value["userAssignedIdentities"])}
        return form(value, args_type)

    return convert


FORMS: dict[str, Form] = {
    "args": as_args,
    "snake_dict": as_snake_dict,
    "args_identity_list": identity_list(as_args),
    "snake_dict_identity_list": identity_list(as_snake_dict),
}


def _declare(request: Mapping[str, Any], form: Form) -> Callable[[], list[BatchPool]]:
    values = {
        **request.get("properties", {}),
        **{key: request[key] for key in ("identity", "tags") if key in request},
    }
    kwargs = {
        python: _convert(values[wire], args_type, form)
        for python, (wire, args_type) in ARGUMENTS.items()
        if wire in values
    }
    return lambda: [
        BatchPool(
            "example",
            resource_group_name=DEMO_ACCOUNT.resource_group,
            account_name=DEMO_ACCOUNT.account_name,
            subscription_id=DEMO_ACCOUNT.subscription_id,
            **kwargs,
        )
    ]


def _arm_body(registered: Mapping[str, Any]) -> dict[str, Any]:
    checked = BatchPoolProvider().check({}, strip_secrets(dict(registered)))
    assert [(failure.property, failure.reason) for failure in checked.failures] == []
    return to_arm_pool(for_azure(checked.inputs), checked.inputs.get("protectedSettings") or {})


def _contains(whole: Any, part: Any, where: str = "") -> None:
    """Every value of ``part`` is in ``whole`` as written (dicts may hold more keys; ``null`` counts as not
    sent, as the README says)."""
    if isinstance(part, Mapping):
        assert isinstance(whole, Mapping), where
        for key, value in part.items():
            if value is None:
                continue
            assert key in whole, f"{where}.{key} is missing"
            _contains(whole[key], value, f"{where}.{key}")
    elif isinstance(part, list):
        assert isinstance(whole, list) and len(whole) == len(part), where
        for index, (left, right) in enumerate(zip(whole, part, strict=True)):
            _contains(left, right, f"{where}[{index}]")
    else:
        assert whole == part, f"{where}: {whole!r} != {part!r}"


def test_every_official_create_example_is_covered() -> None:
    assert len(EXAMPLES) == 17


@pytest.mark.parametrize(("name", "request_body"), [(name, request) for name, request, _ in EXAMPLES])
def test_every_form_registers_the_same_pool_and_body(name: str, request_body: dict[str, Any]) -> None:
    camel = registered_inputs(_declare(request_body, as_camel_dict))["example"]
    body = _arm_body(camel)
    _contains(body, {key: value for key, value in request_body.items() if key != "location"}, name)
    for form_name, form in FORMS.items():
        registered = registered_inputs(_declare(request_body, form))["example"]
        assert registered == camel, f"{name}: the {form_name} form registers other inputs"
        assert _arm_body(registered) == body, f"{name}: the {form_name} form builds another ARM body"


def test_outputs_standing_for_whole_structures_are_converted_too() -> None:
    """A snake_case structure that arrives as an Output (from another resource, or a secret) registers the
    same inputs as the plain camelCase one; a secret stays a secret."""
    name, request, _ = next(example for example in EXAMPLES if "upgradePolicy" in example[1]["properties"])
    plain = registered_inputs(_declare(request, as_camel_dict))["example"]
    properties = request["properties"]

    def declare() -> list[BatchPool]:
        return [
            BatchPool(
                "example",
                resource_group_name=DEMO_ACCOUNT.resource_group,
                account_name=DEMO_ACCOUNT.account_name,
                subscription_id=DEMO_ACCOUNT.subscription_id,
                vm_size=properties["vmSize"],
                deployment_configuration=pulumi.Output.from_input(
                    as_snake_dict(properties["deploymentConfiguration"], types.DeploymentConfigurationArgs)
                ),
                upgrade_policy=pulumi.Output.secret(
                    as_snake_dict(properties["upgradePolicy"], types.UpgradePolicyArgs)
                ),
                **{
                    python: _convert(properties[wire], args_type, as_args)
                    for python, (wire, args_type) in ARGUMENTS.items()
                    if wire in properties
                    and python not in ("vm_size", "deployment_configuration", "upgrade_policy")
                },
            )
        ]

    registered = registered_inputs(declare)["example"]
    assert is_secret(registered["upgradePolicy"]), name
    assert strip_secrets(registered) == strip_secrets(plain), name
