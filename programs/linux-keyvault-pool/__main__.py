"""Linux Batch pool with the Key Vault extension and a user-assigned identity.

Follows the Linux example of Azure's "Use extensions with Batch pools" article. Against the local
emulator it needs no Azure at all; against Azure set the config keys below to real resources.
"""

import pulumi

from pulumi_azure_batch_pool import BatchPool
from pulumi_azure_batch_pool.types import (
    BatchPoolIdentityArgs,
    DeploymentConfigurationArgs,
    FixedScaleSettingsArgs,
    ImageReferenceArgs,
    ScaleSettingsArgs,
    TaskSchedulingPolicyArgs,
    VirtualMachineConfigurationArgs,
    VMExtensionArgs,
)

config = pulumi.Config()
identity_id = config.get("identityId") or (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/batch-pool-identity"
)
identity_client_id = config.get("identityClientId") or "11111111-2222-3333-4444-555555555555"
certificate_url = config.get("certificateUrl") or "https://demo-vault.vault.azure.net/secrets/demo-cert"

pool = BatchPool(
    "linux-keyvault",
    resource_group_name=config.get("resourceGroupName") or "demo-rg",
    account_name=config.get("accountName") or "demoaccount",
    vm_size="STANDARD_DS2_V2",
    identity=BatchPoolIdentityArgs(type="UserAssigned", user_assigned_identities={identity_id: {}}),
    task_scheduling_policy=TaskSchedulingPolicyArgs(node_fill_type="Pack"),
    deployment_configuration=DeploymentConfigurationArgs(
        virtual_machine_configuration=VirtualMachineConfigurationArgs(
            image_reference=ImageReferenceArgs(
                publisher="microsoftcblmariner", offer="cbl-mariner", sku="cbl-mariner-2", version="latest"
            ),
            node_agent_sku_id="batch.node.mariner 2.0",
            extensions=[
                VMExtensionArgs(
                    name="secretext",
                    type="KeyVaultForLinux",
                    publisher="Microsoft.Azure.KeyVault",
                    type_handler_version="3.0",
                    auto_upgrade_minor_version=True,
                    enable_automatic_upgrade=True,
                    settings={
                        "secretsManagementSettings": {
                            "pollingIntervalInS": "300",
                            "certificateStoreLocation": "/var/lib/waagent/Microsoft.Azure.KeyVault",
                            "requireInitialSync": True,
                            "observedCertificates": [certificate_url],
                        },
                        "authenticationSettings": {
                            "msiEndpoint": "http://169.254.169.254/metadata/identity",
                            "msiClientId": identity_client_id,
                        },
                    },
                )
            ],
        )
    ),
    scale_settings=ScaleSettingsArgs(
        fixed_scale=FixedScaleSettingsArgs(target_dedicated_nodes=config.get_int("nodes") or 2)
    ),
)

pulumi.export("pool_name", pool.pool_name)
pulumi.export("arm_id", pool.arm_id)
pulumi.export("allocation_state", pool.allocation_state)
pulumi.export("extension_status", pool.extension_status)
pulumi.export("nodes", pool.nodes)
