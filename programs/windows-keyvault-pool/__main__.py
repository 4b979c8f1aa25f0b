"""Windows Batch pool with the Key Vault extension and a user-assigned identity.

Follows the Windows example of Azure's "Use extensions with Batch pools" article, with plain dicts in
ARM's camelCase shape (copied from Azure's docs) instead of typed args: both forms are accepted.
"""

import pulumi

from pulumi_azure_batch_pool import BatchPool

config = pulumi.Config()
identity_id = config.get("identityId") or (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/batch-pool-identity"
)
certificate_url = config.get("certificateUrl") or "https://demo-vault.vault.azure.net/secrets/demo-cert"

pool = BatchPool(
    "windows-keyvault",
    resource_group_name=config.get("resourceGroupName") or "demo-rg",
    account_name=config.get("accountName") or "demoaccount",
    vm_size="STANDARD_D2S_V3",
    identity={"type": "UserAssigned", "userAssignedIdentities": {identity_id: {}}},
    task_scheduling_policy={"nodeFillType": "Pack"},
    deployment_configuration={
        "virtualMachineConfiguration": {
            "imageReference": {
                "publisher": "microsoftwindowsserver",
                "offer": "windowsserver",
                "sku": "2022-datacenter",
                "version": "latest",
            },
            "nodeAgentSkuId": "batch.node.windows amd64",
            "extensions": [
                {
                    "name": "secretext",
                    "type": "KeyVaultForWindows",
                    "publisher": "Microsoft.Azure.KeyVault",
                    "typeHandlerVersion": "3.0",
                    "autoUpgradeMinorVersion": True,
                    "enableAutomaticUpgrade": True,
                    "settings": {
                        "secretsManagementSettings": {
                            "pollingIntervalInS": "300",
                            "linkOnRenewal": False,
                            "observedCertificates": [
                                {
                                    "url": certificate_url,
                                    "certificateStoreName": "MY",
                                    "certificateStoreLocation": "LocalMachine",
                                    "keyExportable": True,
                                }
                            ],
                        },
                        "authenticationSettings": {
                            "msiEndpoint": "http://169.254.169.254/metadata/identity",
                            "msiClientId": config.get("identityClientId")
                            or "11111111-2222-3333-4444-555555555555",
                        },
                    },
                }
            ],
        }
    },
    scale_settings={"fixedScale": {"targetDedicatedNodes": config.get_int("nodes") or 1}},
)

pulumi.export("pool_name", pool.pool_name)
pulumi.export("arm_id", pool.arm_id)
pulumi.export("extension_status", pool.extension_status)
pulumi.export("nodes", pool.nodes)
