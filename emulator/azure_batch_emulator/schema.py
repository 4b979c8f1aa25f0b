"""JSON Schema of the writable pool body (management 2025-06-01), used to type-check PUT and PATCH requests.

Every known key is typed down to its leaves and unknown keys are rejected, as the Batch RP's deserializer
does ("Could not find member"); read-only properties and the 2024-07-01-only ones are accepted and ignored.
Enumerations match case-insensitively, as Azure's do; ``x-choices`` holds their canonical casing (the spec's),
which ``azure_batch_emulator.canonical`` writes back into the stored pool, and names them in error messages.
"""

from __future__ import annotations

from typing import Any

EXTENSION_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
MAX_NODES = 10_000

STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
ANY: dict[str, Any] = {}


def obj(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def array(items: dict[str, Any], max_items: int | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": items}
    if max_items is not None:
        schema["maxItems"] = max_items
    return schema


def choice(*values: str) -> dict[str, Any]:
    """An enumeration matched case-insensitively; ``x-choices`` holds the canonical casing Azure returns."""
    return {"type": "string", "pattern": f"(?i)^(?:{'|'.join(values)})$", "x-choices": list(values)}


def bounded(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


NAME_VALUE = obj({"name": STRING, "value": STRING}, ("name", "value"))
IDENTITY_REFERENCE = obj({"resourceId": STRING})
IMAGE_REFERENCE = obj(
    {
        "publisher": STRING,
        "offer": STRING,
        "sku": STRING,
        "version": STRING,
        "id": STRING,
        "sharedGalleryImageId": STRING,
        "communityGalleryImageId": STRING,
    }
)
EXTENSION = obj(
    {
        "name": {
            "type": "string",
            "pattern": EXTENSION_NAME,
            "x-format": "1-64 letters, digits, '.', '-', '_'",
        },
        "publisher": STRING,
        "type": STRING,
        "typeHandlerVersion": STRING,
        "autoUpgradeMinorVersion": BOOLEAN,
        "enableAutomaticUpgrade": BOOLEAN,
        "settings": ANY,
        "protectedSettings": ANY,
        "provisionAfterExtensions": array(STRING),
    },
    ("name", "publisher", "type"),
)
CACHING = choice("None", "ReadOnly", "ReadWrite")
STORAGE_ACCOUNT_TYPE = choice("Standard_LRS", "Premium_LRS", "StandardSSD_LRS")
DISK_ENCRYPTION_SET = obj({"id": STRING}, ("id",))
SECURITY_ENCRYPTION_TYPE = choice("NonPersistedTPM", "VMGuestStateOnly", "DiskWithVMGuestState")
MANAGED_DISK = obj(
    {
        "storageAccountType": STORAGE_ACCOUNT_TYPE,
        "securityProfile": obj(
            {
                "securityEncryptionType": SECURITY_ENCRYPTION_TYPE,
                "diskEncryptionSet": DISK_ENCRYPTION_SET,
            }
        ),
        "diskEncryptionSet": DISK_ENCRYPTION_SET,
    }
)
OS_DISK = obj(
    {
        "ephemeralOSDiskSettings": obj({"placement": choice("CacheDisk")}),
        "caching": CACHING,
        "managedDisk": MANAGED_DISK,
        "diskSizeGB": INTEGER,
        "writeAcceleratorEnabled": BOOLEAN,
    }
)
DATA_DISK = obj(
    {
        "lun": INTEGER,
        "caching": CACHING,
        "diskSizeGB": INTEGER,
        "storageAccountType": STORAGE_ACCOUNT_TYPE,
        "managedDisk": MANAGED_DISK,
    },
    ("lun", "diskSizeGB"),
)
HOST_ENDPOINT = obj({"mode": choice("Audit", "Enforce"), "inVMAccessControlProfileReferenceId": STRING})
SECURITY_PROFILE = obj(
    {
        "securityType": choice("trustedLaunch", "confidentialVM"),
        "encryptionAtHost": BOOLEAN,
        "uefiSettings": obj({"secureBootEnabled": BOOLEAN, "vTpmEnabled": BOOLEAN}),
        "proxyAgentSettings": obj({"enabled": BOOLEAN, "imds": HOST_ENDPOINT, "wireServer": HOST_ENDPOINT}),
    }
)
CONTAINER_REGISTRY = obj(
    {
        "username": STRING,
        "password": STRING,
        "registryServer": STRING,
        "identityReference": IDENTITY_REFERENCE,
    }
)
VIRTUAL_MACHINE_CONFIGURATION = obj(
    {
        "imageReference": IMAGE_REFERENCE,
        "nodeAgentSkuId": STRING,
        "windowsConfiguration": obj({"enableAutomaticUpdates": BOOLEAN}),
        "dataDisks": array(DATA_DISK),
        "licenseType": STRING,
        "containerConfiguration": obj(
            {
                "type": choice("DockerCompatible", "CriCompatible"),
                "containerImageNames": array(STRING),
                "containerRegistries": array(CONTAINER_REGISTRY),
            },
            ("type",),
        ),
        "diskEncryptionConfiguration": obj(
            {
                "targets": array(choice("OsDisk", "TemporaryDisk")),
                "customerManagedKey": obj(
                    {
                        "keyUrl": STRING,
                        "rotationToLatestKeyVersionEnabled": BOOLEAN,
                        "identityReference": IDENTITY_REFERENCE,
                    }
                ),
            }
        ),
        "nodePlacementConfiguration": obj({"policy": choice("Regional", "Zonal")}),
        "extensions": array(EXTENSION),
        "osDisk": OS_DISK,
        "securityProfile": SECURITY_PROFILE,
        "serviceArtifactReference": obj({"id": STRING}, ("id",)),
    },
    ("imageReference", "nodeAgentSkuId"),
)
ELEVATION_LEVEL = choice("NonAdmin", "Admin")
AUTO_USER = obj({"scope": choice("Task", "Pool"), "elevationLevel": ELEVATION_LEVEL})
CONTAINER_SETTINGS = obj(
    {
        "containerRunOptions": STRING,
        "imageName": STRING,
        "registry": CONTAINER_REGISTRY,
        "workingDirectory": choice("TaskWorkingDirectory", "ContainerImageDefault"),
        "containerHostBatchBindMounts": array(
            obj(
                {
                    "source": choice("Shared", "Startup", "VfsMounts", "Task", "JobPrep", "Applications"),
                    "isReadOnly": BOOLEAN,
                }
            )
        ),
    },
    ("imageName",),
)
START_TASK = obj(
    {
        "commandLine": STRING,
        "resourceFiles": array(
            obj(
                {
                    "autoStorageContainerName": STRING,
                    "storageContainerUrl": STRING,
                    "httpUrl": STRING,
                    "blobPrefix": STRING,
                    "filePath": STRING,
                    "fileMode": STRING,
                    "identityReference": IDENTITY_REFERENCE,
                }
            )
        ),
        "environmentSettings": array(obj({"name": STRING, "value": STRING}, ("name",))),
        "userIdentity": obj({"userName": STRING, "autoUser": AUTO_USER}),
        "maxTaskRetryCount": bounded(-1, 100),
        "waitForSuccess": BOOLEAN,
        "containerSettings": CONTAINER_SETTINGS,
    }
)
SCALE_SETTINGS = obj(
    {
        "fixedScale": obj(
            {
                "resizeTimeout": STRING,
                "targetDedicatedNodes": bounded(0, MAX_NODES),
                "targetLowPriorityNodes": bounded(0, MAX_NODES),
                "nodeDeallocationOption": choice("Requeue", "Terminate", "TaskCompletion", "RetainedData"),
            }
        ),
        "autoScale": obj({"formula": STRING, "evaluationInterval": STRING}, ("formula",)),
    }
)
USER_ACCOUNT = obj(
    {
        "name": STRING,
        "password": STRING,
        "elevationLevel": ELEVATION_LEVEL,
        "linuxUserConfiguration": obj({"uid": INTEGER, "gid": INTEGER, "sshPrivateKey": STRING}),
        "windowsUserConfiguration": obj({"loginMode": choice("Batch", "Interactive")}),
    },
    ("name", "password"),
)
INBOUND_NAT_POOL = obj(
    {
        "name": STRING,
        "protocol": choice("TCP", "UDP"),
        "backendPort": bounded(1, 65535),
        "frontendPortRangeStart": bounded(1, 65535),
        "frontendPortRangeEnd": bounded(1, 65535),
        "networkSecurityGroupRules": array(
            obj(
                {
                    "priority": INTEGER,
                    "access": choice("Allow", "Deny"),
                    "sourceAddressPrefix": STRING,
                    "sourcePortRanges": array(STRING),
                },
                ("priority", "access", "sourceAddressPrefix"),
            )
        ),
    },
    ("name", "protocol", "backendPort", "frontendPortRangeStart", "frontendPortRangeEnd"),
)
NETWORK_CONFIGURATION = obj(
    {
        "subnetId": STRING,
        "dynamicVnetAssignmentScope": choice("none", "job"),
        "endpointConfiguration": obj({"inboundNatPools": array(INBOUND_NAT_POOL)}, ("inboundNatPools",)),
        "publicIPAddressConfiguration": obj(
            {
                "provision": choice("BatchManaged", "UserManaged", "NoPublicIPAddresses"),
                "ipAddressIds": array(STRING),
                "ipFamilies": array(choice("IPv4", "IPv6")),
                "ipTags": array(obj({"ipTagType": STRING, "tag": STRING})),
            }
        ),
        "enableAcceleratedNetworking": BOOLEAN,
    }
)
MOUNT_CONFIGURATION = obj(
    {
        "azureBlobFileSystemConfiguration": obj(
            {
                "accountName": STRING,
                "containerName": STRING,
                "accountKey": STRING,
                "sasKey": STRING,
                "blobfuseOptions": STRING,
                "relativeMountPath": STRING,
                "identityReference": IDENTITY_REFERENCE,
            },
            ("accountName", "containerName", "relativeMountPath"),
        ),
        "nfsMountConfiguration": obj(
            {"source": STRING, "relativeMountPath": STRING, "mountOptions": STRING},
            ("source", "relativeMountPath"),
        ),
        "cifsMountConfiguration": obj(
            {
                "userName": STRING,
                "source": STRING,
                "relativeMountPath": STRING,
                "mountOptions": STRING,
                "password": STRING,
            },
            ("userName", "source", "relativeMountPath", "password"),
        ),
        "azureFileShareConfiguration": obj(
            {
                "accountName": STRING,
                "azureFileUrl": STRING,
                "accountKey": STRING,
                "relativeMountPath": STRING,
                "mountOptions": STRING,
            },
            ("accountName", "azureFileUrl", "accountKey", "relativeMountPath"),
        ),
    }
)
PERCENT = bounded(5, 100)
UPGRADE_POLICY = obj(
    {
        "mode": choice("automatic", "manual", "rolling"),
        "automaticOSUpgradePolicy": obj(
            {
                "disableAutomaticRollback": BOOLEAN,
                "enableAutomaticOSUpgrade": BOOLEAN,
                "useRollingUpgradePolicy": BOOLEAN,
                "osRollingUpgradeDeferral": BOOLEAN,
            }
        ),
        "rollingUpgradePolicy": obj(
            {
                "enableCrossZoneUpgrade": BOOLEAN,
                "maxBatchInstancePercent": PERCENT,
                "maxUnhealthyInstancePercent": PERCENT,
                "maxUnhealthyUpgradedInstancePercent": bounded(0, 100),
                "pauseTimeBetweenBatches": STRING,
                "prioritizeUnhealthyInstances": BOOLEAN,
                "rollbackFailedInstancesOnPolicyBreach": BOOLEAN,
            }
        ),
    },
    ("mode",),
)
READ_ONLY_PROPERTIES = (
    "provisioningState",
    "provisioningStateTransitionTime",
    "allocationState",
    "allocationStateTransitionTime",
    "creationTime",
    "lastModified",
    "currentDedicatedNodes",
    "currentLowPriorityNodes",
    "autoScaleRun",
    "resizeOperationStatus",
)
LEGACY_PROPERTIES = (
    "certificates",
    "applicationLicenses",
    "targetNodeCommunicationMode",
    "currentNodeCommunicationMode",
    "resourceTags",
)
WRITABLE_PROPERTIES: dict[str, Any] = {
    "displayName": {"type": "string", "maxLength": 1024},
    "vmSize": {"type": "string", "minLength": 1},
    "deploymentConfiguration": obj(
        {"virtualMachineConfiguration": VIRTUAL_MACHINE_CONFIGURATION}, ("virtualMachineConfiguration",)
    ),
    "scaleSettings": SCALE_SETTINGS,
    "interNodeCommunication": choice("Enabled", "Disabled"),
    "networkConfiguration": NETWORK_CONFIGURATION,
    "taskSlotsPerNode": bounded(1, 256),
    "taskSchedulingPolicy": obj(
        {"nodeFillType": choice("Spread", "Pack"), "jobDefaultOrder": choice("None", "CreationTime")},
        ("nodeFillType",),
    ),
    "userAccounts": array(USER_ACCOUNT),
    "metadata": array(NAME_VALUE),
    "startTask": START_TASK,
    "applicationPackages": array(obj({"id": STRING, "version": STRING}, ("id",)), max_items=10),
    "mountConfiguration": array(MOUNT_CONFIGURATION),
    "upgradePolicy": UPGRADE_POLICY,
}
# A PATCH removes an identity by mapping its id to null; principalId/clientId are Azure's (ignored on input).
USER_ASSIGNED_IDENTITY = {
    "type": ["object", "null"],
    "properties": {"principalId": STRING, "clientId": STRING},
    "additionalProperties": False,
}
POOL_PROPERTIES = obj(
    {**WRITABLE_PROPERTIES, **{name: ANY for name in READ_ONLY_PROPERTIES + LEGACY_PROPERTIES}},
)
POOL_BODY = obj(
    {
        **{name: ANY for name in ("id", "name", "type", "etag", "location", "systemData")},
        "properties": POOL_PROPERTIES,
        "tags": {"type": "object", "additionalProperties": STRING},
        "identity": obj(
            {
                "type": choice("UserAssigned", "None"),
                "userAssignedIdentities": {"type": "object", "additionalProperties": USER_ASSIGNED_IDENTITY},
            },
            ("type",),
        ),
    }
)

# The data plane's casing of the enumerations it shows on a node (lower-case or camelCase where the management
# plane's are PascalCase); ``azure_batch_emulator.canonical`` maps the stored pool's values onto them.
DATAPLANE_INBOUND_PROTOCOL = choice("tcp", "udp")
DATAPLANE_START_TASK = obj(
    {
        "userIdentity": obj(
            {
                "autoUser": obj(
                    {"scope": choice("task", "pool"), "elevationLevel": choice("nonadmin", "admin")}
                )
            },
        ),
        "containerSettings": obj(
            {"workingDirectory": choice("taskWorkingDirectory", "containerImageDefault")},
        ),
    }
)
