"""Canonical forms of pool properties, so that equal pools compare equal.

Diff and refresh both compare through these functions: two values that Azure treats as the same pool
must canonicalise to the same Python value, or users see spurious replacements. The rules, driven by the
spec facts in ``pulumi_azure_batch_pool.model.pool_model`` and ``pulumi_azure_batch_pool.model.defaults``:

* Absent, ``None``, empty lists and empty objects are all "not set" (Azure returns ``[]`` for lists nobody
  set, and the engine drops ``None``-valued keys anyway).
* A property holding its server default is "not set" too: comparing with the defaults taken out on both
  sides is the same as comparing with them filled in on both sides, so writing a default explicitly or
  leaving it out is no change (``taskSlotsPerNode: 1``, ``imageReference.version: "latest"``...).
* Integral floats become ints: the engine sends every number as a protobuf double (``3`` arrives as ``3.0``).
* Enum values compare lower-cased (Azure matches them case-insensitively and returns its own casing), and
  so do ``vmSize`` and extension names.
* Lists the spec keys by identifiers (``x-ms-identifiers``; extensions by name and type) become mappings
  from identifier to item, and lists of flags become sorted: their order carries no meaning. Other lists
  keep their order.
* Extension ``settings`` compare as JSON whether given as an object or as a JSON string (the data plane
  returns a string); ``protectedSettings`` are never compared here (they have a fingerprint).
* ``identity.userAssignedIdentities`` is the set of its ARM ids (case-insensitive); the values are read-only
  (``principalId``/``clientId``). ``tags`` never include the provider's ownership tags.
"""

import json
from collections.abc import Mapping
from typing import Any

from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN as UNKNOWN_SENTINEL

from pulumi_azure_batch_pool.model import pool_model
from pulumi_azure_batch_pool.model.defaults import SERVER_DEFAULTS
from pulumi_azure_batch_pool.model.ownership import without_ownership_tags


def is_unknown(value: Any) -> bool:
    """True for a preview-time unknown, as the dynamic provider server deserialises it.

    ``rpc.deserialize_properties(..., keep_unknowns=True)`` turns the engine's unknown sentinel into a
    ``pulumi.output.Unknown`` instance; the raw sentinel string is accepted too, for callers that did not
    deserialise (the SDK's own ``__provider`` check compares against it).
    """
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN_SENTINEL)


SCALAR_TYPES = (bool, int, float, type(None))


def contains_unknown(value: Any) -> bool:
    """True when ``value`` is unknown or holds an unknown anywhere inside."""
    kind = type(value)
    if kind in SCALAR_TYPES:
        return False
    if kind is dict:
        return any(contains_unknown(item) for item in value.values())
    if kind is list:
        return any(contains_unknown(item) for item in value)
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknown(item) for item in value)
    return False


def json_numbers(value: Any) -> Any:
    """Return ``value`` with integral floats turned into ints and ``None`` mapping values dropped."""
    kind = type(value)  # exact types first: diff runs this over every extension's settings
    if kind is str or kind is int or kind is bool:
        return value
    if kind is dict:
        return {key: json_numbers(item) for key, item in value.items() if item is not None}
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {key: json_numbers(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [json_numbers(item) for item in value]
    return value


def parse_json_text(value: Any) -> Any:
    """Parse ``value`` when it is a JSON object or array given as a string; return anything else unchanged.

    Extension ``settings`` are "JSON formatted public settings": users may pass either form, and the data
    plane returns a string, so both must compare equal.
    """
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def canonical_json(value: Any) -> str:
    """Deterministic JSON of ``value``: sorted keys, compact, integral floats as ints, JSON strings parsed."""
    return json.dumps(json_numbers(parse_json_text(value)), sort_keys=True, separators=(",", ":"))


class Absent:
    """Marks "not set" while canonicalising (``None`` itself may not be used: it is a JSON value)."""


ABSENT = Absent()


class ModelNode:
    """What the pool model says about one wire path: how to canonicalise the value found there."""

    __slots__ = ("children", "default", "identity_map", "item", "json_text", "keys", "lower", "not_compared")

    def __init__(self) -> None:
        self.children: dict[str, ModelNode] = {}
        self.item: ModelNode | None = None
        self.lower = False
        self.json_text = False
        self.not_compared = False
        self.identity_map = False
        # A list's kind: its identifiers, "values" (a set of values) or "ordered"; None when not a list.
        self.keys: tuple[str, ...] | str | None = None
        self.default: Any = ABSENT

    def child(self, key: str) -> "ModelNode | None":
        """The node for the property ``key`` of an object here (``None``: outside the model)."""
        return self.children.get(key)


def _node_at(root: ModelNode, path: str) -> ModelNode:
    node = root
    for part in pool_model.segments(path):
        if part == pool_model.ITEM:
            node.item = node.item or ModelNode()
            node = node.item
        else:
            node = node.children.setdefault(part, ModelNode())
    return node


def _build_model() -> ModelNode:
    root = ModelNode()
    for path in pool_model.ENUM_PATHS | pool_model.CASE_INSENSITIVE_PATHS:
        _node_at(root, path).lower = True
    for path in pool_model.JSON_TEXT_PATHS:
        _node_at(root, path).json_text = True
    for path in pool_model.NOT_COMPARED_PATHS:
        _node_at(root, path).not_compared = True
    for path in pool_model.IDENTITY_MAP_PATHS:
        _node_at(root, path).identity_map = True
    for path, identifiers in pool_model.KEYED_LISTS.items():
        _node_at(root, path).keys = identifiers
    for path in pool_model.VALUE_SET_LISTS:
        _node_at(root, path).keys = "values"
    for path in pool_model.ORDERED_LISTS:
        _node_at(root, path).keys = "ordered"
    for path, value in SERVER_DEFAULTS.items():
        node = _node_at(root, path)
        node.default = _canonical(value, node)
    return root


def _keyed(items: list[Any], identifiers: tuple[str, ...]) -> Any:
    """Items keyed by their identifiers; a list without usable identifiers compares as a sorted multiset.

    The key is the JSON array of the identifier values, so canonical forms stay plain JSON (other modules
    hash them) and a key reads back with ``item_key_values``.
    """
    keyed: dict[str, Any] = {}
    for item in items:
        values = [item.get(name) for name in identifiers] if isinstance(item, dict) else [None]
        key = json.dumps(values, sort_keys=True, default=repr)
        if all(value is None for value in values) or key in keyed:
            return tuple(sorted(items, key=_sort_key))
        keyed[key] = item
    return keyed


def item_key_values(key: str) -> list[Any]:
    """The identifier values of a keyed-list item's key in a canonical form (see ``_keyed``)."""
    values: list[Any] = json.loads(key)
    return values


def _canonical(value: Any, node: ModelNode | None) -> Any:
    """Canonical form of ``value`` found where ``node`` sits in the model (``None``: outside the model)."""
    if value is None:
        return ABSENT
    kind = type(value)
    if kind is float and value.is_integer():
        return int(value)
    if kind in SCALAR_TYPES:
        return value
    if node is None:
        canonical = json_numbers(value)
    elif node.json_text:
        canonical = json_numbers(parse_json_text(value))
    elif kind is str:
        return value.lower() if node.lower else value
    elif kind is dict or isinstance(value, Mapping):
        canonical = _canonical_mapping(value, node)
    elif kind is list or kind is tuple:
        canonical = _canonical_list(value, node)
    else:
        return value
    return ABSENT if canonical in ({}, [], ()) else canonical


def _canonical_mapping(value: Mapping[str, Any], node: ModelNode) -> Any:
    if node.identity_map:
        return sorted(str(key).lower() for key in value)
    canonical = {}
    for key, item in value.items():
        child = node.children.get(key)
        if child is not None and child.not_compared:
            continue
        form = _canonical(item, child)
        if form is not ABSENT and (child is None or form != child.default):
            canonical[key] = form
    return canonical


def _canonical_list(value: list[Any] | tuple[Any, ...], node: ModelNode) -> Any:
    items = [form for form in (_canonical(item, node.item) for item in value) if form is not ABSENT]
    if isinstance(node.keys, tuple):
        return _keyed(items, node.keys)
    if node.keys == "values":
        return tuple(sorted(items, key=_sort_key))
    return items


def _sort_key(item: Any) -> str:
    """A total order for canonical items (``repr`` for what JSON cannot hold: an unknown in a preview)."""
    return json.dumps(item, sort_keys=True, default=repr)


MODEL = _build_model()
"""The pool model as a tree of ``ModelNode``s, built once from ``pool_model`` and ``defaults``."""


def model_at(path: str) -> ModelNode | None:
    """The model node at the dotted wire ``path`` (``[]`` for list items), ``None`` when outside the model."""
    node: ModelNode | None = MODEL
    for part in pool_model.segments(path):
        if node is None:
            return None
        node = node.item if part == pool_model.ITEM else node.child(part)
    return node


def canonical_value(key: str, value: Any) -> Any:
    """Canonical form of the top-level input ``key`` holding ``value``; ``None`` when it is not set.

    Not set covers absent, empty and holding its server default: all three describe the same pool.
    """
    if key == "tags" and isinstance(value, Mapping):
        value = without_ownership_tags(value)
    canonical = canonical_at(value, MODEL.child(key))
    return None if canonical is ABSENT else canonical


def canonical_at(value: Any, node: ModelNode | None) -> Any:
    """Canonical form of ``value`` found at ``node`` (``ABSENT`` when it is not set or holds its default)."""
    canonical = _canonical(value, node)
    return ABSENT if node is not None and canonical == node.default else canonical


def equivalent_values(key: str, old: Any, new: Any) -> bool:
    """``canonical_value(key, old) == canonical_value(key, new)``, computed faster.

    Diff must stay well under a millisecond for a pool with many extensions, and a new value mostly equals
    the old one piece by piece. So this walks both values side by side, pairs keyed-list items by their
    identifiers, and canonicalises only the pieces that differ as written.
    """
    if key == "tags":
        return canonical_value(key, old) == canonical_value(key, new)
    return equivalent_at(old, new, MODEL.child(key))


def equivalent_at(old: Any, new: Any, node: ModelNode | None) -> bool:
    """``canonical_at(old, node) == canonical_at(new, node)``, side by side (see ``equivalent_values``)."""
    if old == new and type(old) is type(new):
        return True
    if node is not None and not node.json_text and not node.identity_map:
        if type(old) is dict and type(new) is dict:
            return all(
                equivalent_at(old.get(key), new.get(key), child)
                for key in old.keys() | new.keys()
                if (child := node.children.get(key)) is None or not child.not_compared
            )
        if isinstance(node.keys, tuple) and type(old) is list and type(new) is list:
            pairs = _paired(old, new, node.keys, node.item)
            if pairs is not None:
                return all(equivalent_at(before, after, node.item) for before, after in pairs)
    return bool(canonical_at(old, node) == canonical_at(new, node))


def _paired(
    old: list[Any], new: list[Any], identifiers: tuple[str, ...], item: ModelNode | None
) -> list[tuple[Any, Any]] | None:
    """Old and new items of a keyed list paired by identifier, or ``None`` when they cannot be paired."""
    before, after = _by_identity(old, identifiers, item), _by_identity(new, identifiers, item)
    if before is None or after is None or before.keys() != after.keys():
        return None
    return [(value, after[key]) for key, value in before.items()]


def _identifier(value: Any, node: ModelNode | None) -> Any:
    if type(value) is str:
        return value.lower() if node is not None and node.lower else value
    return canonical_at(value, node)


def _by_identity(
    items: list[Any], identifiers: tuple[str, ...], item: ModelNode | None
) -> dict[Any, Any] | None:
    keyed: dict[Any, Any] = {}
    for value in items:
        if type(value) is not dict or item is None:
            return None
        key = tuple(_identifier(value.get(name), item.children.get(name)) for name in identifiers)
        if key in keyed or all(part is ABSENT for part in key):
            return None
        keyed[key] = value
    return keyed
