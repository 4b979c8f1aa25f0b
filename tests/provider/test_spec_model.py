"""The provider's spec facts (defaults, enums, list kinds) checked against Microsoft's 2025-06-01 material.

``provider/pulumi_azure_batch_pool/model/defaults.py`` and
``provider/pulumi_azure_batch_pool/model/pool_model.py`` hold what the swagger and the official examples
say; these tests derive the same facts from the originals, so the tables cannot drift from the spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from pulumi_azure_batch_pool.model import pool_model
from pulumi_azure_batch_pool.model.defaults import (
    DESCRIBED_DEFAULTS,
    EXAMPLE_DEFAULTS,
    SERVER_DEFAULTS,
    SPEC_DEFAULTS,
)
from tests.spec import MGMT, Spec, create_examples, pool_wire_properties, requires_shared

pytestmark = requires_shared


@pytest.fixture(scope="module")
def schema() -> dict[str, dict[str, Any]]:
    """Every writable pool property of the swagger by wire path."""
    return pool_wire_properties(Spec.load(MGMT))


def values_at(body: Any, path: list[str], prefix: str = "") -> dict[str, Any]:
    """Concrete path -> value for the steps ``path`` (``[]`` expands over list items) inside ``body``."""
    head, rest = path[0], path[1:]
    if head == pool_model.ITEM:
        items = body if isinstance(body, list) else []
        found: dict[str, Any] = {}
        for index, item in enumerate(items):
            found.update(
                values_at(item, rest, f"{prefix}[{index}]") if rest else {f"{prefix}[{index}]": item}
            )
        return found
    if not isinstance(body, Mapping) or head not in body:
        return {}
    where = f"{prefix}.{head}"
    return values_at(body[head], rest, where) if rest else {where: body[head]}


def wire_view(arm_body: Mapping[str, Any]) -> dict[str, Any]:
    """An ARM pool body in the flat wire shape the paths start from."""
    return {
        **arm_body.get("properties", {}),
        **{key: arm_body[key] for key in ("identity", "tags") if key in arm_body},
    }


def same(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    return bool(left == right) and type(left) is type(right)


def valid_for(value: Any, property_schema: Mapping[str, Any]) -> bool:
    if "enum" in property_schema:
        return isinstance(value, str) and value.lower() in {item.lower() for item in property_schema["enum"]}
    expected = {"boolean": bool, "integer": int, "string": str}[property_schema["type"]]
    return type(value) is expected


def test_every_swagger_default_is_in_the_table_with_its_value(schema: dict[str, dict[str, Any]]) -> None:
    swagger_defaults = {path: spec["default"] for path, spec in schema.items() if "default" in spec}
    assert swagger_defaults == dict(SPEC_DEFAULTS)


def test_each_example_default_is_shown_filled_in_by_an_official_create_response(
    schema: dict[str, dict[str, Any]],
) -> None:
    examples = create_examples()
    for path, value in EXAMPLE_DEFAULTS.items():
        assert valid_for(value, schema[path]), path
        witnesses = [
            name
            for name, request, response in examples
            for where, shown in values_at(wire_view(response), pool_model.segments(path)).items()
            if same(shown, value) and where not in values_at(wire_view(request), pool_model.segments(path))
        ]
        assert witnesses, f"no official create example shows Azure filling {path}={value!r}"


def test_described_defaults_name_real_properties_with_valid_values(schema: dict[str, dict[str, Any]]) -> None:
    for path, value in DESCRIBED_DEFAULTS.items():
        assert path in schema, path
        assert "default" not in schema[path], f"{path} has a swagger default: move it to SPEC_DEFAULTS"
        assert valid_for(value, schema[path]), path


def test_default_groups_do_not_overlap() -> None:
    groups = [set(SPEC_DEFAULTS), set(EXAMPLE_DEFAULTS), set(DESCRIBED_DEFAULTS)]
    assert sum(len(group) for group in groups) == len(SERVER_DEFAULTS)


def test_enum_paths_are_exactly_the_swagger_enums(schema: dict[str, dict[str, Any]]) -> None:
    assert {path for path, spec in schema.items() if "enum" in spec} == pool_model.ENUM_PATHS


def test_every_list_is_classified_as_the_swagger_says(schema: dict[str, dict[str, Any]]) -> None:
    lists = {path: spec for path, spec in schema.items() if spec.get("type") == "array"}
    keyed = {
        path: tuple(spec["x-ms-identifiers"]) for path, spec in lists.items() if spec.get("x-ms-identifiers")
    }
    of_enums = {path for path, spec in lists.items() if "enum" in schema[f"{path}[]"]}
    assert keyed == dict(pool_model.KEYED_LISTS)
    assert of_enums <= pool_model.VALUE_SET_LISTS
    assert pool_model.VALUE_SET_LISTS - of_enums == {f"{pool_model.EXTENSIONS}[].provisionAfterExtensions"}
    assert set(lists) - set(keyed) - pool_model.VALUE_SET_LISTS == pool_model.ORDERED_LISTS


def test_every_model_path_is_a_swagger_property(schema: dict[str, dict[str, Any]]) -> None:
    paths = (
        pool_model.CASE_INSENSITIVE_PATHS
        | pool_model.JSON_TEXT_PATHS
        | pool_model.NOT_COMPARED_PATHS
        | pool_model.IDENTITY_MAP_PATHS
        | set(SERVER_DEFAULTS)
    )
    assert paths - set(schema) == set()
