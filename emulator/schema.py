"""JSON Schema of the writable pool body (management 2025-06-01), used to type-check PUT and PATCH requests.

Every known key is typed down to its leaves and unknown keys are rejected, as the Batch RP's deserializer
does ("Could not find member"); read-only properties and the 2024-07-01-only ones are accepted and ignored.
Enumerations match case-insensitively, as Azure's do; ``x-choices`` keeps their names for error messages.
"""

from __future__ import annotations

from typing import Any

EXTENSION_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
MAX_NODES = 10_000

STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
OBJECT: dict[str, Any] = {"type": "object"}
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
    return {"type": "string", "pattern": f"(?i)^(?:{'|'.join(values)})$", "x-choices": list(values)}


def bounded(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


NAME_VALUE = obj({"name": STRING, "value": STRING}, ("name", "value"))
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
VIRTUAL_MACHINE_CONFIGURATION = obj(
    {
        "imageReference": IMAGE_REFERENCE,
        "nodeAgentSkuId": STRING,
        "windowsConfiguration": obj({"enableAutomaticUpdates": BOOLEAN}),
        "dataDisks": array(
            obj({"lun": INTEGER, "diskSizeGB": INTEGER, "caching": STRING}, ("lun", "diskSizeGB"))
        ),
        "licenseType": STRING,
        "containerConfiguration": obj(
            {"type": choice("DockerCompatible", "CriCompatible"), "containerImageNames": array(STRING)},
            ("type",),
        ),
        "diskEncryptionConfiguration": obj({"targets": array(choice("OsDisk", "TemporaryDisk"))}),
        "nodePlacementConfiguration": obj({"policy": choice("Regional", "Zonal")}),
        "extensions": array(EXTENSION),
        "osDisk": OBJECT,
        "securityProfile": OBJECT,
        "serviceArtifactReference": obj({"id": STRING}, ("id",)),
    },
    ("imageReference", "nodeAgentSkuId"),
)
AUTO_USER = obj({"scope": choice("Task", "Pool"), "elevationLevel": choice("NonAdmin", "Admin")})
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
                    "identityReference": obj({"resourceId": STRING}),
                }
            )
        ),
        "environmentSettings": array(obj({"name": STRING, "value": STRING}, ("name",))),
        "userIdentity": obj({"userName": STRING, "autoUser": AUTO_USER}),
        "maxTaskRetryCount": bounded(-1, 100),
        "waitForSuccess": BOOLEAN,
        "containerSettings": OBJECT,
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
        "elevationLevel": choice("NonAdmin", "Admin"),
        "linuxUserConfiguration": obj({"uid": INTEGER, "gid": INTEGER, "sshPrivateKey": STRING}),
        "windowsUserConfiguration": obj({"loginMode": choice("Batch", "Interactive")}),
    },
    ("name", "password"),
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
    "networkConfiguration": obj(
        {
            "subnetId": STRING,
            "dynamicVnetAssignmentScope": choice("none", "job"),
            "endpointConfiguration": OBJECT,
            "publicIPAddressConfiguration": OBJECT,
            "enableAcceleratedNetworking": BOOLEAN,
        }
    ),
    "taskSlotsPerNode": bounded(1, 256),
    "taskSchedulingPolicy": obj(
        {"nodeFillType": choice("Spread", "Pack"), "jobDefaultOrder": choice("None", "CreationTime")},
        ("nodeFillType",),
    ),
    "userAccounts": array(USER_ACCOUNT),
    "metadata": array(NAME_VALUE),
    "startTask": START_TASK,
    "applicationPackages": array(obj({"id": STRING, "version": STRING}, ("id",)), max_items=10),
    "mountConfiguration": array(OBJECT),
    "upgradePolicy": obj({"mode": choice("automatic", "manual", "rolling")}, ("mode",)),
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
            {"type": choice("UserAssigned", "None"), "userAssignedIdentities": {"type": "object"}}, ("type",)
        ),
    }
)
