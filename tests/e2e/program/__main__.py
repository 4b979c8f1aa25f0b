"""The end-to-end suite's own program: one knob per scenario, all from stack config.

`count` pools (default 1) of an Ubuntu image with the Azure Monitor agent, whose protected settings come
from the secret config `monitorKey`; a mount carries the write-only password `mountPassword`. Config
`poolName` gives the first pool an explicit name, `handlerVersion` changes an extension field (a
replacement), `nodes`, `team` change what updates in place, `adopt` adopts an existing pool, `drain`,
`drainTimeoutMinutes` and `drainTimeoutAction` set the drain before delete.
"""

import pulumi

from pulumi_azure_batch_pool import BatchPool
from pulumi_azure_batch_pool.types import (
    DeploymentConfigurationArgs,
    FixedScaleSettingsArgs,
    ImageReferenceArgs,
    MetadataItemArgs,
    MountConfigurationArgs,
    ScaleSettingsArgs,
    VirtualMachineConfigurationArgs,
    VMExtensionArgs,
)

config = pulumi.Config()
pools = []
for index in range(config.get_int("count") or 1):
    pools.append(
        BatchPool(
            f"e2e-{index}",
            resource_group_name="demo-rg",
            account_name="demoaccount",
            pool_name=config.get("poolName") if index == 0 else None,
            adopt_existing=config.get_bool("adopt") or False,
            drain_before_delete=config.get_bool("drain"),
            drain_timeout_minutes=config.get_float("drainTimeoutMinutes"),
            drain_timeout_action=config.get("drainTimeoutAction"),
            vm_size="STANDARD_D2S_V3",
            deployment_configuration=DeploymentConfigurationArgs(
                virtual_machine_configuration=VirtualMachineConfigurationArgs(
                    image_reference=ImageReferenceArgs(
                        publisher="canonical", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts"
                    ),
                    node_agent_sku_id="batch.node.ubuntu 22.04",
                    extensions=[
                        VMExtensionArgs(
                            name="monitor",
                            publisher="Microsoft.Azure.Monitor",
                            type="AzureMonitorLinuxAgent",
                            type_handler_version=config.get("handlerVersion") or "1.0",
                            auto_upgrade_minor_version=True,
                            settings={"workspaceId": "e2e-workspace"},
                            protected_settings={"workspaceKey": config.require_secret("monitorKey")},
                        )
                    ],
                )
            ),
            mount_configuration=[
                MountConfigurationArgs(
                    azure_file_share_configuration={
                        "accountName": "e2efiles",
                        "azureFileUrl": "https://e2efiles.file.core.windows.net/share",
                        "accountKey": config.require_secret("mountPassword"),
                        "relativeMountPath": "share",
                    }
                )
            ],
            metadata=[MetadataItemArgs(name="team", value=config.get("team") or "render")],
            scale_settings=ScaleSettingsArgs(
                fixed_scale=FixedScaleSettingsArgs(target_dedicated_nodes=config.get_int("nodes") or 1)
            ),
        )
    )

pulumi.export("pool_names", [pool.pool_name for pool in pools])
pulumi.export("arm_ids", [pool.arm_id for pool in pools])
pulumi.export("extension_status", pools[0].extension_status)
pulumi.export("current_dedicated_nodes", pools[0].current_dedicated_nodes)
# What the program itself sees (not the JSON of the stack output): ints and output-type objects.
pulumi.export(
    "program_view",
    pulumi.Output.all(
        pools[0].current_dedicated_nodes, pools[0].extension_status, pools[0].scale_settings
    ).apply(
        lambda values: {
            "dedicated": f"{values[0]:d}",
            "monitor_failed_plus_one": values[1]["monitor"].failed + 1,
            "count_types": sorted({type(values[1]["monitor"].succeeded).__name__, type(values[0]).__name__}),
            "target": type(values[2].fixed_scale.target_dedicated_nodes).__name__,
        }
    ),
)
