"""Minimal Linux Batch pool with the Azure Monitor agent extension."""

import pulumi

from pulumi_azure_batch_pool import BatchPool
from pulumi_azure_batch_pool.types import (
    DeploymentConfigurationArgs,
    FixedScaleSettingsArgs,
    ImageReferenceArgs,
    ScaleSettingsArgs,
    VirtualMachineConfigurationArgs,
    VMExtensionArgs,
)

config = pulumi.Config()

pool = BatchPool(
    "monitored",
    resource_group_name=config.get("resourceGroupName") or "demo-rg",
    account_name=config.get("accountName") or "demoaccount",
    vm_size="STANDARD_D2S_V3",
    deployment_configuration=DeploymentConfigurationArgs(
        virtual_machine_configuration=VirtualMachineConfigurationArgs(
            image_reference=ImageReferenceArgs(
                publisher="canonical", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts", version="latest"
            ),
            node_agent_sku_id="batch.node.ubuntu 22.04",
            extensions=[
                VMExtensionArgs(
                    name="azuremonitor",
                    publisher="Microsoft.Azure.Monitor",
                    type="AzureMonitorLinuxAgent",
                    type_handler_version="1.0",
                    auto_upgrade_minor_version=True,
                    enable_automatic_upgrade=True,
                )
            ],
        )
    ),
    scale_settings=ScaleSettingsArgs(
        fixed_scale=FixedScaleSettingsArgs(target_dedicated_nodes=config.get_int("nodes") or 1)
    ),
)

pulumi.export("pool_name", pool.pool_name)
pulumi.export("arm_id", pool.arm_id)
pulumi.export("extension_status", pool.extension_status)
