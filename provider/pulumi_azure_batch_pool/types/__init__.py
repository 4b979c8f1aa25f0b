"""Typed arguments and outputs of ``BatchPool``, named as in ``pulumi_azure_native.batch``.

- ``inputs``: an ``*Args`` class and an ``*ArgsDict`` TypedDict for every object type of the 2025-06-01
  ``Pool`` model (generated from the swagger by ``scripts/generate_types.py``);
- ``enums``: the model's enums (``CachingType.READ_ONLY`` ...), accepted wherever a string is;
- ``outputs``: ``*Response`` output types of the echoed arguments (``pool.scale_settings``);
- ``status``: output types of the live state (``pool.extension_status``, ``pool.nodes``);
- ``wire.to_wire``: every accepted form to ARM's camelCase wire shape.
"""

from pulumi_azure_batch_pool.types import enums, inputs, outputs, status
from pulumi_azure_batch_pool.types.enums import *  # noqa: F403
from pulumi_azure_batch_pool.types.inputs import *  # noqa: F403
from pulumi_azure_batch_pool.types.outputs import *  # noqa: F403
from pulumi_azure_batch_pool.types.status import *  # noqa: F403
from pulumi_azure_batch_pool.types.wire import to_wire

__all__ = [*enums.__all__, *inputs.__all__, *outputs.__all__, *status.__all__, "to_wire"]
