"""Tests of the provider package, plus the sample pool they share."""

import copy
from typing import Any

from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from pulumi_azure_batch_pool import BatchPoolProvider

IDENTITY_ID = (
    "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"
)

SAMPLE_POOL: dict[str, Any] = {
    "subscriptionId": "00000000-0000-0000-0000-000000000000",
    "resourceGroupName": "demo-rg",
    "accountName": "demoaccount",
    "poolName": "render-1a2b3c4",
    "poolNameGenerated": True,
    "poolNamePrefix": "render",
    "vmSize": "STANDARD_D2S_V3",
    "deploymentConfiguration": {
        "virtualMachineConfiguration": {
            "imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server"},
            "nodeAgentSkuId": "batch.node.ubuntu 24.04",
            "extensions": [
                {
                    "name": "secretext",
                    "publisher": "Microsoft.Azure.KeyVault",
                    "type": "KeyVaultForLinux",
                    "typeHandlerVersion": "3.0",
                    "autoUpgradeMinorVersion": True,
                    "settings": {"secretsManagementSettings": {"pollingIntervalInS": 3600.0}},
                },
                {
                    "name": "monitor",
                    "publisher": "Microsoft.Azure.Monitor",
                    "type": "AzureMonitorLinuxAgent",
                    "typeHandlerVersion": "2.0",
                    "provisionAfterExtensions": ["secretext"],
                },
            ],
        }
    },
    "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 2.0, "resizeTimeout": "PT15M"}},
    "taskSchedulingPolicy": {"nodeFillType": "Pack"},
    "interNodeCommunication": "Disabled",
    "metadata": [{"name": "team", "value": "render"}],
    "identity": {
        "type": "UserAssigned",
        "userAssignedIdentities": {IDENTITY_ID: {}},
    },
    "tags": {"env": "dev"},
    "protectedSettings": {"secretext": {"token": "s3cr3t-value"}},
    "waitForNodes": True,
    "extensionFailurePolicy": "rollback",
}
"""Checked inputs of a realistic pool with two extensions, in the flat wire shape."""


def configured_provider(arm_endpoint: str) -> BatchPoolProvider:
    """A provider configured as the engine would, for the emulator (or a proxy) at ``arm_endpoint``."""
    provider = BatchPoolProvider()
    config = {
        "batchpool:armEndpoint": arm_endpoint,
        "batchpool:subscriptionId": SAMPLE_POOL["subscriptionId"],
        "batchpool:pollIntervalSeconds": "0.01",
    }
    provider.configure(ConfigureRequest(Config(config, "test")))
    return provider


def sample_pool() -> dict[str, Any]:
    """A fresh deep copy of ``SAMPLE_POOL``, safe to mutate."""
    return copy.deepcopy(SAMPLE_POOL)


def extensions_of(pool: dict[str, Any]) -> list[dict[str, Any]]:
    """The extension list of a pool in the flat wire shape (mutable, not a copy)."""
    return pool["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"]
