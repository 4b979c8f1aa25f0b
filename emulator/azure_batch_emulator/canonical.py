"""A validated request body in the form Azure stores it: enum values in canonical casing, nulls dropped.

Azure matches enumerations case-insensitively but returns its own casing (``pack`` comes back ``Pack``), and
treats a ``null`` optional property as not sent (it is never echoed). Both follow from the request schema in
``azure_batch_emulator.schema``: ``x-choices`` gives the casing, ``properties`` tells which keys are typed
members (where
null means absent) and ``additionalProperties`` which are map entries (where a PATCH's null means "remove").
"""

from __future__ import annotations

from typing import Any


def canonical(value: Any, schema: dict[str, Any]) -> Any:
    """``value`` with every enumeration in its canonical casing and no null member of a typed object
    (map entries and opaque subtrees such as extension settings are kept as sent)."""
    if isinstance(value, str) and "x-choices" in schema:
        return next((choice for choice in schema["x-choices"] if choice.lower() == value.lower()), value)
    if isinstance(value, dict) and "properties" in schema:
        members: dict[str, Any] = schema["properties"]
        return {
            key: canonical(item, members.get(key, {}))
            for key, item in value.items()
            if not (item is None and key in members)
        }
    if isinstance(value, dict) and isinstance(schema.get("additionalProperties"), dict):
        entry = schema["additionalProperties"]
        return {key: canonical(item, entry) for key, item in value.items()}
    if isinstance(value, list) and "items" in schema:
        return [canonical(item, schema["items"]) for item in value]
    return value
