"""Opt-in tests against real Azure: a pool with one extension, created, read and deleted.

They run only with BATCHPOOL_LIVE_TESTS=1 plus AZURE_SUBSCRIPTION_ID, BATCHPOOL_LIVE_RESOURCE_GROUP and
BATCHPOOL_LIVE_ACCOUNT naming an existing Batch account, and credentials DefaultAzureCredential finds.
They cost money (one small node for a few minutes).
"""

from __future__ import annotations

import os
import uuid

import pytest

from pulumi_azure_batch_pool import BatchPoolProvider

REQUIRED = ("AZURE_SUBSCRIPTION_ID", "BATCHPOOL_LIVE_RESOURCE_GROUP", "BATCHPOOL_LIVE_ACCOUNT")
MISSING = [name for name in REQUIRED if not os.environ.get(name)]

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        os.environ.get("BATCHPOOL_LIVE_TESTS") != "1" or bool(MISSING),
        reason="live Azure tests are opt-in: set BATCHPOOL_LIVE_TESTS=1 and " + ", ".join(REQUIRED),
    ),
]


def test_pool_with_an_extension_round_trip() -> None:
    provider = BatchPoolProvider()
    props = {
        "resourceGroupName": os.environ["BATCHPOOL_LIVE_RESOURCE_GROUP"],
        "accountName": os.environ["BATCHPOOL_LIVE_ACCOUNT"],
        "poolName": f"live-{uuid.uuid4().hex[:8]}",
        "vmSize": "STANDARD_D2S_V3",
        "deploymentConfiguration": {
            "virtualMachineConfiguration": {
                "imageReference": {"publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server"},
                "nodeAgentSkuId": "batch.node.ubuntu 24.04",
                "extensions": [
                    {
                        "name": "health",
                        "publisher": "Microsoft.ManagedServices",
                        "type": "ApplicationHealthLinux",
                        "typeHandlerVersion": "2.0",
                        "settings": {"protocol": "tcp", "port": 22},
                    }
                ],
            }
        },
        "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 1}},
        "protectedSettings": {},
    }
    checked = provider.check({}, props)
    assert checked.failures == []
    created = provider.create(checked.inputs)
    try:
        assert created.outs["extensionStatus"]["health"]["succeeded"] == 1
        read = provider.read(created.id, created.outs)
        assert read.id == created.id
    finally:
        provider.delete(created.id, created.outs)
    assert provider.read(created.id, created.outs).id is None
