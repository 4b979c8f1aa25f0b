"""Pulumi dynamic provider for Azure Batch pools with VM extensions.

`BatchPool` is the resource to declare; `BatchPoolProvider` is what the Pulumi engine runs.
"""

from pulumi_azure_batch_pool.engine.provider import BatchPoolProvider
from pulumi_azure_batch_pool.engine.resource import BatchPool

__all__ = ["BatchPool", "BatchPoolProvider"]
