"""Microsoft's 2025-06-01 swagger extracts (in ``../shared``), read for tests: refs, definitions, JSON Schema.

The swagger is the reference the emulator and the provider must agree with, so tests read it instead of
restating its facts. Three uses:

* ``Spec.load(MGMT)`` then ``spec.definition("Pool")``: one definition with its ``$ref`` resolved (also into
  the common-types file) and its ``allOf`` flattened, for walking.
* ``spec.properties("PoolProperties")``: every property below a definition as ``(path, schema)`` pairs, the
  path dotted with ``[]`` for list items (``deploymentConfiguration.virtualMachineConfiguration.dataDisks[].
  caching``), for tables that must not drift from the spec (defaults, ``x-ms-identifiers``, enums).
* ``spec.json_schema("Pool", RESPONSE)``: a Draft 2020-12 JSON Schema that validates a body as Azure would
  send it: objects closed to undeclared properties, enum values in the spec's exact casing, ``null`` only
  where ``x-nullable`` allows it, ``x-ms-secret`` properties never present in a response and ``readOnly``
  ones never present in a request.

The spec files are Microsoft's and stay in ``../shared``; tests that need them use ``requires_shared``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "azure-batch-rest"
SPEC_DIR = SHARED / "spec"
EXAMPLES_DIR = SHARED / "examples"
MGMT = "mgmt-2025-06-01.pool-subset.json"
DATAPLANE = "dataplane-2025-06-01.node-subset.json"
COMMON_TYPES = "common-types-v5.subset.json"

requires_shared = pytest.mark.skipif(
    not SPEC_DIR.is_dir() or not EXAMPLES_DIR.is_dir(),
    reason=f"Azure's swagger and examples not found at {SHARED.resolve()} (no shared/ beside the repo)",
)

REQUEST, RESPONSE = "request", "response"
Schema = dict[str, Any]


@cache
def _document(file: str) -> Schema:
    loaded: Schema = json.loads((SPEC_DIR / file).read_text(encoding="utf-8"))
    return loaded


def split_ref(ref: str, current_file: str) -> tuple[str, str]:
    """``(file, definition name)`` of a ``$ref``; refs into another file name it by its path's last part,
    which this extract maps to the ``.subset.json`` beside it (``.../v5/types.json`` is the common types)."""
    target, _, pointer = ref.partition("#")
    file = current_file if not target else COMMON_TYPES if target.endswith("types.json") else target
    prefix = "/definitions/"
    if not pointer.startswith(prefix):
        raise ValueError(f"unsupported $ref {ref!r} in {current_file}: only definitions are resolved")
    return file, pointer[len(prefix) :]


@dataclass(frozen=True)
class Spec:
    """One swagger file; ``definition``/``properties``/``json_schema`` follow refs into other files."""

    file: str
    document: Schema = field(repr=False)

    @classmethod
    def load(cls, file: str) -> Spec:
        return cls(file, _document(file))

    def raw(self, name: str, file: str | None = None) -> Schema:
        """The definition as written (refs unresolved)."""
        definitions: Schema = _document(file or self.file)["definitions"]
        return dict(definitions[name])

    def resolve(self, node: Schema, file: str | None = None) -> tuple[Schema, str]:
        """Follow ``$ref``s (keeping the referring node's own keys, e.g. ``readOnly``): ``(schema, file)``."""
        file = file or self.file
        while "$ref" in node:
            ref_file, name = split_ref(node["$ref"], file)
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            node, file = {**self.raw(name, ref_file), **siblings}, ref_file
        return node, file

    def definition(self, name: str, file: str | None = None) -> Schema:
        """The definition with ``allOf`` flattened into its properties and required list (one level of refs
        resolved: nested property schemas keep their ``$ref``)."""
        node, file = self.resolve({"$ref": f"#/definitions/{name}"}, file)
        return self.flatten(node, file)

    def flatten(self, node: Schema, file: str) -> Schema:
        """``node`` with its ``allOf`` parents' properties and required lists merged into its own."""
        parents = node.get("allOf", [])
        if not parents:
            return node
        properties: Schema = {}
        required: list[str] = []
        for parent in parents:
            resolved, parent_file = self.resolve(parent, file)
            flat = self.flatten(resolved, parent_file)
            properties.update(self._rebase(flat.get("properties", {}), parent_file))
            required += flat.get("required", [])
        properties.update(node.get("properties", {}))
        rest = {key: value for key, value in node.items() if key not in ("allOf", "properties", "required")}
        return {**rest, "properties": properties, "required": required + node.get("required", [])}

    @staticmethod
    def _rebase(properties: Schema, file: str) -> Schema:
        """Properties inherited from another file, their local refs made to name that file."""
        text = json.dumps(properties).replace('"#/definitions/', f'"{file}#/definitions/')
        rebased: Schema = json.loads(text)
        return rebased

    def properties(self, name: str, *, writable_only: bool = False) -> Iterator[tuple[str, Schema]]:
        """Every property below definition ``name`` as ``(path, resolved schema)``, depth first; a definition
        already on the path (recursive errors) is not entered again; ``writable_only`` skips readOnly ones."""
        yield from self._walk(self.definition(name), self.file, "", (name,), writable_only)

    def _walk(
        self, node: Schema, file: str, path: str, seen: tuple[str, ...], writable_only: bool
    ) -> Iterator[tuple[str, Schema]]:
        node = self.flatten(node, file)
        for key, child in node.get("properties", {}).items():
            yield from self._walk_property(child, file, f"{path}.{key}".lstrip("."), seen, writable_only)

    def _walk_property(
        self, child: Schema, file: str, path: str, seen: tuple[str, ...], writable_only: bool
    ) -> Iterator[tuple[str, Schema]]:
        ref = child.get("$ref")
        resolved, child_file = self.resolve(child, file)
        if writable_only and resolved.get("readOnly"):
            return
        yield path, resolved
        if ref is not None:
            name = split_ref(ref, file)[1]
            if name in seen:
                return
            seen = (*seen, name)
        if resolved.get("type") == "array" and "items" in resolved:
            yield from self._walk_property(resolved["items"], child_file, f"{path}[]", seen, writable_only)
        elif "properties" in resolved or "allOf" in resolved:
            yield from self._walk(resolved, child_file, path, seen, writable_only)

    def response_schema(self, operation_id: str, status: str) -> Schema | None:
        """The swagger schema node of an operation's response (None when that response has no body)."""
        for item in self.document["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                    schema: Schema | None = operation["responses"][status].get("schema")
                    return schema
        raise KeyError(f"operation {operation_id} not in {self.file}")

    def response_headers(self, operation_id: str, status: str) -> list[str]:
        """The header names the swagger documents for that response."""
        for item in self.document["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                    return list(operation["responses"][status].get("headers", {}))
        raise KeyError(f"operation {operation_id} not in {self.file}")

    def json_schema(self, node_or_name: Schema | str, direction: str = RESPONSE) -> Schema:
        """A Draft 2020-12 JSON Schema for a definition name or a swagger schema node of this file."""
        node = {"$ref": f"#/definitions/{node_or_name}"} if isinstance(node_or_name, str) else node_or_name
        converter = _Converter(self, direction)
        root = converter.convert(node, self.file)
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", **root, "$defs": converter.defs}


class _Converter:
    """Swagger 2.0 schema nodes to JSON Schema, every definition once in ``$defs`` (recursion allowed)."""

    def __init__(self, spec: Spec, direction: str) -> None:
        self.spec = spec
        self.direction = direction
        self.defs: Schema = {}

    def convert(self, node: Schema, file: str) -> Schema:
        if "$ref" in node:
            ref_file, name = split_ref(node["$ref"], file)
            key = f"{ref_file.split('-')[0]}.{name}"
            if key not in self.defs:
                self.defs[key] = {}
                self.defs[key] = self.convert(self.spec.definition(name, ref_file), ref_file)
            return {"$ref": f"#/$defs/{key}"}
        schema: Schema = {}
        kind = node.get("type")
        if "enum" in node:
            schema["enum"] = list(node["enum"])
        if kind == "object" or "properties" in node or "allOf" in node:
            schema.update(self._object(self.spec.flatten(node, file), file))
        elif kind == "array":
            schema["type"] = "array"
            schema["items"] = self.convert(node.get("items", {}), file)
        elif kind is not None:
            schema["type"] = kind
        for bound in ("minimum", "maximum", "minLength", "maxLength"):
            if bound in node:
                schema[bound] = node[bound]
        if node.get("x-nullable") and "type" in schema:
            schema["type"] = [schema["type"], "null"]
        return schema

    def _object(self, node: Schema, file: str) -> Schema:
        schema: Schema = {"type": "object"}
        declared = node.get("properties")
        extra = node.get("additionalProperties")
        if declared is None and extra is None:
            return schema
        properties: Schema = {}
        for key, child in (declared or {}).items():
            resolved, _ = self.spec.resolve(child, file)
            if self.direction == RESPONSE and resolved.get("x-ms-secret"):
                continue
            if self.direction == REQUEST and resolved.get("readOnly"):
                continue
            properties[key] = self.convert(child, file)
        schema["properties"] = properties
        required = [key for key in node.get("required", []) if key in properties]
        if required:
            schema["required"] = required
        schema["additionalProperties"] = self.convert(extra, file) if isinstance(extra, dict) else False
        return schema


def pool_property_keywords(spec: Spec, key: str) -> dict[str, Any]:
    """``{path: value}`` of a swagger keyword (e.g. ``default``) on every property below ``Pool``'s
    ``properties``, read from the spec so a table that restates them cannot drift."""
    return {path: schema[key] for path, schema in spec.properties("PoolProperties") if key in schema}


def pool_wire_properties(spec: Spec) -> dict[str, Schema]:
    """Every writable pool property by the provider's wire path: ``Pool``'s ``properties`` flattened to the
    top level next to ``identity`` and ``tags`` (the paths ``pulumi_azure_batch_pool.model.pool_model`` and
    the defaults use)."""
    paths = {
        path.removeprefix("properties."): schema
        for path, schema in spec.properties("Pool", writable_only=True)
    }
    paths.pop("properties", None)
    return paths


def create_examples() -> list[tuple[str, Schema, Schema]]:
    """Every official ``PoolCreate_*`` example as (file name, request body, response body)."""
    examples = []
    for path in sorted((EXAMPLES_DIR / "management").glob("PoolCreate_*.json")):
        example = json.loads(path.read_text(encoding="utf-8"))
        request = example["parameters"].get("parameters") or example["parameters"]["body"]
        examples.append((path.name, request, example["responses"]["200"]["body"]))
    return examples
