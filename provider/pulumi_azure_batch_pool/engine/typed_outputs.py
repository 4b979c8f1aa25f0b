"""Typed output attributes for a dynamic resource whose outputs arrive keyed by their camelCase wire names.

The SDK converts an output's value by the type it finds for the output's *wire* name: a class annotation
``current_dedicated_nodes: Output[int]`` is filed under ``current_dedicated_nodes`` and never matches
``currentDedicatedNodes``, so integers stay floats and nested objects stay dicts. A property whose getter
carries the wire name (``pulumi.getter(name="currentDedicatedNodes")``, as azure-native's classes do) is
filed under the right name. ``wire_output`` marks an annotated attribute and ``typed_outputs`` turns each
mark into such a property, returning the annotation's type: one line per output, typed for mypy too.
"""

import inspect
from typing import Any, TypeVar

import pulumi

ResourceT = TypeVar("ResourceT", bound=type)


class _WireName:
    """Marks a class attribute as the output delivered under ``name``."""

    def __init__(self, name: str) -> None:
        self.name = name


def wire_output(name: str) -> Any:
    """Declare ``attribute: pulumi.Output[T] = wire_output("wireName")`` in a ``@typed_outputs`` class."""
    return _WireName(name)


def typed_outputs(cls: ResourceT) -> ResourceT:
    """Replace every ``wire_output`` mark of ``cls`` with a property typed by the attribute's annotation."""
    annotations = inspect.get_annotations(cls, eval_str=True)
    for attribute, value in list(vars(cls).items()):
        if isinstance(value, _WireName):
            if attribute not in annotations:
                raise TypeError(f"{cls.__name__}.{attribute}: annotate it as pulumi.Output[...]")
            setattr(cls, attribute, _property(value.name, annotations[attribute], attribute))
    return cls


def _property(wire: str, annotation: Any, attribute: str) -> property:
    def fget(self: pulumi.Resource) -> Any:
        return self.__dict__.get(wire)

    fget.__name__ = attribute
    fget.__annotations__ = {"return": annotation}
    return property(pulumi.getter(name=wire)(fget))
