"""Microsoft's official Azure Batch material (``../shared/azure-batch-rest`` beside the checkout), for tests.

The material is not part of the project (it is Microsoft's, and CI has it beside its clone). Tests that
need it use ``requires_official`` and skip with the reason when it is absent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest

OFFICIAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "azure-batch-rest"
MANAGEMENT_SWAGGER = OFFICIAL / "spec" / "mgmt-2025-06-01.pool-subset.json"
MANAGEMENT_EXAMPLES = OFFICIAL / "examples" / "management"

requires_official = pytest.mark.skipif(
    not MANAGEMENT_SWAGGER.is_file(),
    reason=f"no ../shared beside the repo: Microsoft's Azure Batch spec is not at {OFFICIAL.resolve()}",
)


@cache
def _document(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _resolve(reference: str, base: Path) -> tuple[dict[str, Any], Path]:
    file_part, _, pointer = reference.partition("#")
    target = base if not file_part else OFFICIAL / "spec" / "common-types-v5.subset.json"
    node: Any = _document(target)
    for part in pointer.strip("/").split("/"):
        node = node[part]
    return dict(node), target


def _merged(schema: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """``schema`` with its ``$ref`` and ``allOf`` folded in (properties of every part together)."""
    merged = {key: value for key, value in schema.items() if key not in ("$ref", "allOf")}
    parts = []
    if "$ref" in schema:
        parts.append(_resolve(str(schema["$ref"]), base))
    parts.extend((dict(part), base) for part in schema.get("allOf", []))
    for part, part_base in parts:
        resolved = _merged(part, part_base)
        merged["properties"] = {**resolved.get("properties", {}), **merged.get("properties", {})}
        merged = {**resolved, **merged}
    return merged


def pool_schema_paths() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every writable property of the pool as (dotted wire path, merged schema).

    Wire paths start at the flat input keys (the ARM pool's ``properties``, ``identity`` and ``tags``), with
    ``[]`` after a list for its items, as ``provider.pool_model`` writes them.
    """
    swagger = _document(MANAGEMENT_SWAGGER)
    pool = swagger["definitions"]["Pool"]["properties"]
    roots = {
        **_merged(pool["properties"], MANAGEMENT_SWAGGER)["properties"],
        "identity": pool["identity"],
        "tags": pool["tags"],
    }
    for key, schema in roots.items():
        yield from _walk(key, schema, MANAGEMENT_SWAGGER)


def _walk(path: str, schema: Mapping[str, Any], base: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    merged = _merged(schema, base)
    if "$ref" in schema and not str(schema["$ref"]).startswith("#"):
        base = OFFICIAL / "spec" / "common-types-v5.subset.json"
    if merged.get("readOnly"):
        return
    yield path, merged
    if merged.get("type") == "array":
        yield from _walk(f"{path}[]", merged["items"], base)
    for key, child in merged.get("properties", {}).items():
        yield from _walk(f"{path}.{key}", child, base)


def create_examples() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Every official ``PoolCreate_*`` example as (file name, request body, response body)."""
    examples = []
    for path in sorted(MANAGEMENT_EXAMPLES.glob("PoolCreate_*.json")):
        example = _document(path)
        request = example["parameters"].get("parameters") or example["parameters"]["body"]
        examples.append((path.name, dict(request), dict(example["responses"]["200"]["body"])))
    return examples
