"""``input_type``: ``pulumi.input_type`` with the constructor a type checker can see.

``pulumi.input_type`` writes each class's keyword-only ``__init__`` at run time from its annotations, so
mypy sees no constructor and refuses ``ScaleSettingsArgs(fixed_scale=...)``; azure-native spells every
``__init__`` out instead. ``dataclass_transform`` (PEP 681) tells the checker what the decorator builds: a
keyword-only constructor with one parameter per annotated field, optional where ``pulumi.property`` has a
``default``. Nothing changes at run time.
"""

from typing import TypeVar

import pulumi
from typing_extensions import dataclass_transform  # pulumi depends on typing-extensions

T = TypeVar("T")


@dataclass_transform(kw_only_default=True, field_specifiers=(pulumi.property,))
def input_type(cls: type[T]) -> type[T]:
    """``pulumi.input_type(cls)``, declared to type checkers as building a dataclass-style constructor."""
    return pulumi.input_type(cls)
