"""Every object type and enum of Microsoft's 2025-06-01 ``Pool`` model has its typed counterpart.

The walk reads the swagger itself (not the generator's reading of it): from the pool's properties and its
identity, through every writable property, to every object type and enum reachable. Each object type
needs an ``*Args`` class taking every writable field under its wire name, an ``*ArgsDict`` with the same
fields in snake_case, and a ``*Response`` output type; each enum a class with the spec's values; each
writable pool property a ``BatchPool`` argument.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from pulumi import _types

from pulumi_azure_batch_pool import types
from pulumi_azure_batch_pool.engine.resource import ARGUMENTS
from tests.spec import MGMT, Spec, requires_shared

pytestmark = requires_shared

ENVELOPE = ("identity", "tags")
"""Pool fields outside ``properties`` that a program writes."""


def _walk(spec: Spec) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    """(object type -> {writable wire name: schema}, enum name -> values) reachable from ``Pool``."""
    objects: dict[str, dict[str, Any]] = {}
    enums: dict[str, list[str]] = {}

    def visit_property(schema: dict[str, Any]) -> None:
        ref = schema.get("$ref")
        resolved, _ = spec.resolve(schema)
        if "enum" in resolved:
            name = resolved.get("x-ms-enum", {}).get("name") or (ref or "").rsplit("/", 1)[-1]
            enums[name] = list(resolved["enum"])
        elif resolved.get("type") == "array":
            visit_property(resolved["items"])
        elif ref is not None and "properties" in resolved:
            visit_object(ref.rsplit("/", 1)[-1])

    def visit_object(name: str) -> None:
        if name in objects:
            return
        definition = spec.definition(name)
        objects[name] = {}
        for wire, schema in definition.get("properties", {}).items():
            if spec.resolve(schema)[0].get("readOnly") or schema.get("readOnly"):
                continue
            objects[name][wire] = schema
            visit_property(schema)

    visit_object("Pool")
    return objects, enums


@pytest.fixture(scope="module")
def model() -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    return _walk(Spec.load(MGMT))


def test_the_walk_sees_the_whole_model(model: tuple[dict[str, dict[str, Any]], dict[str, list[str]]]) -> None:
    objects, enums = model
    assert len(objects) >= 55 and {"OSDisk", "ProxyAgentSettings", "IPTag", "DiskCustomerManagedKey"} <= set(
        objects
    )
    assert {"ContainerType", "ComputeNodeFillType", "DynamicVNetAssignmentScope"} <= set(enums)


def test_every_object_type_has_args_argsdict_and_response_classes(
    model: tuple[dict[str, dict[str, Any]], dict[str, list[str]]],
) -> None:
    objects, _ = model
    missing: list[str] = []
    for name, fields in objects.items():
        if name in ("Pool", "PoolProperties", "UserAssignedIdentities"):
            continue  # the resource's own arguments; a read-only map value
        args = getattr(types, f"{name}Args", None)
        args_dict = getattr(types, f"{name}ArgsDict", None)
        response = getattr(types, f"{name}Response", None)
        if args is None or args_dict is None or response is None:
            missing.append(name)
            continue
        wire_names = _types.input_type_py_to_pulumi_names(args)
        assert sorted(wire_names.values()) == sorted(fields), f"{name}Args fields differ from the spec"
        assert set(args_dict.__annotations__) == set(wire_names), f"{name}ArgsDict fields differ"
        assert _types.is_output_type(response)
        assert sorted(_types.output_type_types(response)) == sorted(fields), f"{name}Response differs"
    assert missing == [], f"object types of the 2025-06-01 Pool without typed classes: {missing}"


def test_a_field_is_required_exactly_when_the_spec_requires_it_and_azure_native_gives_no_default(
    model: tuple[dict[str, dict[str, Any]], dict[str, list[str]]],
) -> None:
    objects, _ = model
    spec = Spec.load(MGMT)
    for name, fields in objects.items():
        args = getattr(types, f"{name}Args", None)
        if args is None:
            continue
        python = {wire: py for py, wire in _types.input_type_py_to_pulumi_names(args).items()}
        parameters = inspect.signature(args.__init__).parameters
        required = set(spec.definition(name).get("required", []))
        for wire in fields:
            has_default = parameters[python[wire]].default is not inspect.Parameter.empty
            defaulted_by_azure_native = (name, wire) == ("TaskSchedulingPolicy", "nodeFillType")
            assert has_default == (wire not in required or defaulted_by_azure_native), (name, wire)


def test_every_enum_has_a_class_with_the_spec_values(
    model: tuple[dict[str, dict[str, Any]], dict[str, list[str]]],
) -> None:
    _, enums = model
    for name, values in enums.items():
        enum = getattr(types, name, None)
        assert enum is not None, f"enum {name} of the 2025-06-01 Pool has no class"
        assert [member.value for member in enum] == values, name


def test_every_writable_pool_property_is_a_batchpool_argument(
    model: tuple[dict[str, dict[str, Any]], dict[str, list[str]]],
) -> None:
    objects, _ = model
    arguments = {wire for wire, _ in ARGUMENTS.values()}
    for wire in [*objects["PoolProperties"], *ENVELOPE]:
        assert wire in arguments, f"pool property {wire} is no BatchPool argument"
