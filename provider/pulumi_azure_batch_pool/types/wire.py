"""Every argument form ``BatchPool`` accepts, turned into ARM's camelCase wire shape (what Check sees).

Programs written for ``pulumi_azure_native.batch.Pool`` pass its ``*Args`` objects, its snake_case dicts
(the ``*ArgsDict`` form: ``{"fixed_scale": {"target_dedicated_nodes": 2}}``) or, as Azure's docs do,
camelCase dicts; forms may be mixed at any depth. All of them must register the same body, so one walk,
guided by the args class expected at each position, converts them alike:

- keys: a field's wire name stays, its snake_case name becomes the wire name (read from the args class,
  so ``disk_size_gb`` becomes ``diskSizeGB``, which no case rule derives); a key the class does not know is
  kept as written, for Check to name with a "did you mean";
- azure-native's defaults (``resizeTimeout: PT15M`` ...) fill in where the field is left out, whatever the
  form, as its args classes do;
- azure-native's identity list (``user_assigned_identities=[id]``) becomes ARM's ``{id: {}}``;
- enums become their values, ``None`` fields are dropped, free-form values (an extension's ``settings``,
  ``tags``) are left exactly as written;
- a ``pulumi.Output`` that is a leaf stays as it is (its secrecy too); one standing for an object or a list
  is converted inside ``apply``, which keeps its secrecy and unknown-ness.
"""

import functools
import inspect
import typing
from collections.abc import Mapping
from enum import Enum
from typing import Any

import pulumi
from pulumi import _types

from pulumi_azure_batch_pool.types.inputs import BatchPoolIdentityArgs

IDENTITIES = "userAssignedIdentities"


def to_wire(value: Any, args_type: type | None = None) -> Any:
    """``value`` in the wire shape; ``args_type`` is the args class expected here (None: free-form)."""
    if isinstance(value, pulumi.Output):
        if args_type is None:
            return value
        return value.apply(functools.partial(to_wire, args_type=args_type))
    if isinstance(value, Enum):
        return value.value
    if _types.is_input_type(type(value)):
        return _object(_types.input_type_to_dict(value), type(value))
    if isinstance(value, Mapping):
        if args_type is None:
            return {key: to_wire(item) for key, item in value.items() if item is not None}
        return _object(value, args_type)
    if isinstance(value, list | tuple):
        return [to_wire(item, args_type) for item in value]
    return value


def _object(value: Mapping[str, Any], args_type: type) -> dict[str, Any]:
    fields = _fields(args_type)
    wire: dict[str, Any] = {}
    for key, item in value.items():
        if item is None:
            continue
        name = key if key in fields.nested else fields.wire_names.get(key, key)
        wire[name] = to_wire(item, fields.nested.get(name))
    for name, default in fields.defaults.items():
        wire.setdefault(name, default)
    if args_type is BatchPoolIdentityArgs and IDENTITIES in wire:
        wire[IDENTITIES] = _identity_map(wire[IDENTITIES])
    return wire


class _Fields(typing.NamedTuple):
    wire_names: Mapping[str, str]
    """snake_case name -> wire name."""
    nested: Mapping[str, type | None]
    """wire name -> the args class its value (or each item of it) takes; None for a plain value."""
    defaults: Mapping[str, Any]
    """wire name -> azure-native's default."""


@functools.cache
def _fields(args_type: type) -> _Fields:
    """What the walk needs of an args class, read from its ``pulumi.property`` metadata and annotations."""
    wire_names = _types.input_type_py_to_pulumi_names(args_type)
    annotations = inspect.get_annotations(args_type)
    nested = {wire: _args_class_in(annotations.get(python)) for python, wire in wire_names.items()}
    parameters = inspect.signature(args_type.__init__).parameters  # type: ignore[misc]
    defaults = {
        wire_names[name]: parameter.default
        for name, parameter in parameters.items()
        if name in wire_names and parameter.default not in (None, inspect.Parameter.empty)
    }
    return _Fields(wire_names, nested, defaults)


def _args_class_in(hint: Any) -> type | None:
    """The args class named anywhere in a field's annotation (``Input[Sequence[Input[XArgs | ...]]]``)."""
    if isinstance(hint, type) and _types.is_input_type(hint):
        return hint
    for argument in typing.get_args(hint):
        found = _args_class_in(argument)
        if found is not None:
            return found
    return None


def _identity_map(identities: Any) -> Any:
    """azure-native's list of identity ids -> ARM's ``{armId: {}}``; a mapping passes through."""
    if isinstance(identities, pulumi.Output):
        return identities.apply(_identity_map)
    if isinstance(identities, Mapping) or identities is None:
        return identities
    items = list(identities)
    if any(isinstance(item, pulumi.Output) for item in items):
        return pulumi.Output.all(*items).apply(_identity_map)
    return {str(item): {} for item in items}
