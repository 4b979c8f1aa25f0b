"""Pulumi dynamic provider for Azure Batch pools with VM extensions.

`BatchPool` is the resource to declare; `BatchPoolProvider` is what the Pulumi engine runs.
"""

from provider.provider import BatchPoolProvider
from provider.resource import BatchPool

__all__ = ["BatchPool", "BatchPoolProvider"]
