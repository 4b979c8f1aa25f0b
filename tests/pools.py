"""The pool image and extensions that tests across layers declare, written once.

Tests of the provider, the engine contract, the fault matrix, the status command and the README all need a
valid pool on the emulator; what they vary is the extensions and the options, not the image. Each call
returns fresh dicts, so a test may change what it gets without touching another test's pool.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

UBUNTU_IMAGE: Mapping[str, str] = {"publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server"}
"""An image the emulator (and Azure Batch) accepts with ``UBUNTU_NODE_AGENT``."""
UBUNTU_NODE_AGENT = "batch.node.ubuntu 24.04"

MONITOR_EXTENSION: Mapping[str, str] = {
    "name": "monitor",
    "publisher": "Microsoft.Azure.Monitor",
    "type": "AzureMonitorLinuxAgent",
    "typeHandlerVersion": "1.0",
}
KEY_VAULT_EXTENSION: Mapping[str, str] = {
    "name": "secretext",
    "publisher": "Microsoft.Azure.KeyVault",
    "type": "KeyVaultForLinux",
    "typeHandlerVersion": "3.0",
}


def ubuntu_deployment(*extensions: Mapping[str, Any]) -> dict[str, Any]:
    """A ``deploymentConfiguration`` on the Ubuntu 24.04 image with ``extensions`` (deep copies; no
    ``extensions`` key at all when there are none, as a pool without extensions is written)."""
    vm: dict[str, Any] = {"imageReference": dict(UBUNTU_IMAGE), "nodeAgentSkuId": UBUNTU_NODE_AGENT}
    if extensions:
        vm["extensions"] = [copy.deepcopy(dict(extension)) for extension in extensions]
    return {"virtualMachineConfiguration": vm}
