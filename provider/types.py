"""Typed input classes for ``BatchPool``, named and nested like ``pulumi_azure_native.batch.Pool``'s inputs.

Python names are snake_case; ``pulumi.property`` gives each its ARM camelCase wire name, so a pool definition
written for azure-native moves over by changing the class names' module. Every field that takes an args class
also takes a plain dict in ARM's camelCase shape. Leaf objects that need no Python-side help (disks, security
profile, container settings...) are plain mappings with ARM's keys.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi import _types

Json = Mapping[str, Any]
"""A plain dict in ARM's camelCase JSON shape."""


@pulumi.input_type
class ImageReferenceArgs:
    """A Marketplace image (publisher/offer/sku[/version]) or exactly one gallery image id."""

    publisher: pulumi.Input[str] | None = pulumi.property("publisher", default=None)
    offer: pulumi.Input[str] | None = pulumi.property("offer", default=None)
    sku: pulumi.Input[str] | None = pulumi.property("sku", default=None)
    version: pulumi.Input[str] | None = pulumi.property("version", default=None)
    id: pulumi.Input[str] | None = pulumi.property("id", default=None)
    shared_gallery_image_id: pulumi.Input[str] | None = pulumi.property("sharedGalleryImageId", default=None)
    community_gallery_image_id: pulumi.Input[str] | None = pulumi.property(
        "communityGalleryImageId", default=None
    )


@pulumi.input_type
class VMExtensionArgs:
    """A VM extension installed on every node; ``protected_settings`` is kept out of previews and state."""

    name: pulumi.Input[str] = pulumi.property("name")
    publisher: pulumi.Input[str] = pulumi.property("publisher")
    type: pulumi.Input[str] = pulumi.property("type")
    type_handler_version: pulumi.Input[str] | None = pulumi.property("typeHandlerVersion", default=None)
    auto_upgrade_minor_version: pulumi.Input[bool] | None = pulumi.property(
        "autoUpgradeMinorVersion", default=None
    )
    enable_automatic_upgrade: pulumi.Input[bool] | None = pulumi.property(
        "enableAutomaticUpgrade", default=None
    )
    settings: pulumi.Input[Any] | None = pulumi.property("settings", default=None)
    protected_settings: pulumi.Input[Any] | None = pulumi.property("protectedSettings", default=None)
    provision_after_extensions: pulumi.Input[Sequence[pulumi.Input[str]]] | None = pulumi.property(
        "provisionAfterExtensions", default=None
    )


@pulumi.input_type
class VirtualMachineConfigurationArgs:
    """The nodes' image, agent SKU, disks, security settings and extensions."""

    image_reference: pulumi.Input[ImageReferenceArgs | Json] = pulumi.property("imageReference")
    node_agent_sku_id: pulumi.Input[str] = pulumi.property("nodeAgentSkuId")
    extensions: pulumi.Input[Sequence[pulumi.Input[VMExtensionArgs | Json]]] | None = pulumi.property(
        "extensions", default=None
    )
    os_disk: pulumi.Input[Json] | None = pulumi.property("osDisk", default=None)
    security_profile: pulumi.Input[Json] | None = pulumi.property("securityProfile", default=None)
    data_disks: pulumi.Input[Sequence[pulumi.Input[Json]]] | None = pulumi.property("dataDisks", default=None)
    container_configuration: pulumi.Input[Json] | None = pulumi.property(
        "containerConfiguration", default=None
    )
    disk_encryption_configuration: pulumi.Input[Json] | None = pulumi.property(
        "diskEncryptionConfiguration", default=None
    )
    node_placement_configuration: pulumi.Input[Json] | None = pulumi.property(
        "nodePlacementConfiguration", default=None
    )
    windows_configuration: pulumi.Input[Json] | None = pulumi.property("windowsConfiguration", default=None)
    license_type: pulumi.Input[str] | None = pulumi.property("licenseType", default=None)
    service_artifact_reference: pulumi.Input[Json] | None = pulumi.property(
        "serviceArtifactReference", default=None
    )


@pulumi.input_type
class DeploymentConfigurationArgs:
    """How nodes are deployed; since api-version 2025-06-01 only ``virtual_machine_configuration`` exists."""

    virtual_machine_configuration: pulumi.Input[VirtualMachineConfigurationArgs | Json] | None = (
        pulumi.property("virtualMachineConfiguration", default=None)
    )


@pulumi.input_type
class FixedScaleSettingsArgs:
    """A fixed node count; at least one target must be set."""

    target_dedicated_nodes: pulumi.Input[int] | None = pulumi.property("targetDedicatedNodes", default=None)
    target_low_priority_nodes: pulumi.Input[int] | None = pulumi.property(
        "targetLowPriorityNodes", default=None
    )
    resize_timeout: pulumi.Input[str] | None = pulumi.property("resizeTimeout", default=None)
    node_deallocation_option: pulumi.Input[str] | None = pulumi.property(
        "nodeDeallocationOption", default=None
    )


@pulumi.input_type
class AutoScaleSettingsArgs:
    """An autoscale formula, evaluated every ``evaluation_interval`` (ISO-8601 duration)."""

    formula: pulumi.Input[str] = pulumi.property("formula")
    evaluation_interval: pulumi.Input[str] | None = pulumi.property("evaluationInterval", default=None)


@pulumi.input_type
class ScaleSettingsArgs:
    """Exactly one of ``fixed_scale`` or ``auto_scale``."""

    fixed_scale: pulumi.Input[FixedScaleSettingsArgs | Json] | None = pulumi.property(
        "fixedScale", default=None
    )
    auto_scale: pulumi.Input[AutoScaleSettingsArgs | Json] | None = pulumi.property("autoScale", default=None)


@pulumi.input_type
class BatchPoolIdentityArgs:
    """The pool's managed identity.

    ``user_assigned_identities`` takes a list of identity ARM ids, as in azure-native, or ARM's
    ``{armId: {}}`` mapping; ``to_wire`` sends the mapping.
    """

    type: pulumi.Input[str] = pulumi.property("type")
    user_assigned_identities: pulumi.Input[Sequence[pulumi.Input[str]] | Json] | None = pulumi.property(
        "userAssignedIdentities", default=None
    )


@pulumi.input_type
class TaskSchedulingPolicyArgs:
    """How tasks are spread over nodes (``Spread`` or ``Pack``)."""

    node_fill_type: pulumi.Input[str] = pulumi.property("nodeFillType")
    job_default_order: pulumi.Input[str] | None = pulumi.property("jobDefaultOrder", default=None)


@pulumi.input_type
class ResourceFileArgs:
    """A file downloaded to the node before the start task runs."""

    auto_storage_container_name: pulumi.Input[str] | None = pulumi.property(
        "autoStorageContainerName", default=None
    )
    storage_container_url: pulumi.Input[str] | None = pulumi.property("storageContainerUrl", default=None)
    http_url: pulumi.Input[str] | None = pulumi.property("httpUrl", default=None)
    blob_prefix: pulumi.Input[str] | None = pulumi.property("blobPrefix", default=None)
    file_path: pulumi.Input[str] | None = pulumi.property("filePath", default=None)
    file_mode: pulumi.Input[str] | None = pulumi.property("fileMode", default=None)
    identity_reference: pulumi.Input[Json] | None = pulumi.property("identityReference", default=None)


@pulumi.input_type
class EnvironmentSettingArgs:
    """An environment variable of the start task."""

    name: pulumi.Input[str] = pulumi.property("name")
    value: pulumi.Input[str] | None = pulumi.property("value", default=None)


@pulumi.input_type
class AutoUserSpecificationArgs:
    """The auto-user a task runs as."""

    scope: pulumi.Input[str] | None = pulumi.property("scope", default=None)
    elevation_level: pulumi.Input[str] | None = pulumi.property("elevationLevel", default=None)


@pulumi.input_type
class UserIdentityArgs:
    """Either a named user account or an auto-user."""

    user_name: pulumi.Input[str] | None = pulumi.property("userName", default=None)
    auto_user: pulumi.Input[AutoUserSpecificationArgs | Json] | None = pulumi.property(
        "autoUser", default=None
    )


@pulumi.input_type
class StartTaskArgs:
    """A task run on each node when it joins the pool (updatable in place)."""

    command_line: pulumi.Input[str] | None = pulumi.property("commandLine", default=None)
    resource_files: pulumi.Input[Sequence[pulumi.Input[ResourceFileArgs | Json]]] | None = pulumi.property(
        "resourceFiles", default=None
    )
    environment_settings: pulumi.Input[Sequence[pulumi.Input[EnvironmentSettingArgs | Json]]] | None = (
        pulumi.property("environmentSettings", default=None)
    )
    user_identity: pulumi.Input[UserIdentityArgs | Json] | None = pulumi.property(
        "userIdentity", default=None
    )
    max_task_retry_count: pulumi.Input[int] | None = pulumi.property("maxTaskRetryCount", default=None)
    wait_for_success: pulumi.Input[bool] | None = pulumi.property("waitForSuccess", default=None)
    container_settings: pulumi.Input[Json] | None = pulumi.property("containerSettings", default=None)


@pulumi.input_type
class MetadataItemArgs:
    """A name/value pair stored on the pool (updatable in place)."""

    name: pulumi.Input[str] = pulumi.property("name")
    value: pulumi.Input[str] = pulumi.property("value")


@pulumi.input_type
class ApplicationPackageReferenceArgs:
    """An application package installed on each node (updatable in place)."""

    id: pulumi.Input[str] = pulumi.property("id")
    version: pulumi.Input[str] | None = pulumi.property("version", default=None)


@pulumi.input_type
class NetworkConfigurationArgs:
    """The pool's virtual network, endpoints and public IPs."""

    subnet_id: pulumi.Input[str] | None = pulumi.property("subnetId", default=None)
    dynamic_vnet_assignment_scope: pulumi.Input[str] | None = pulumi.property(
        "dynamicVnetAssignmentScope", default=None
    )
    endpoint_configuration: pulumi.Input[Json] | None = pulumi.property("endpointConfiguration", default=None)
    public_ip_address_configuration: pulumi.Input[Json] | None = pulumi.property(
        "publicIPAddressConfiguration", default=None
    )
    enable_accelerated_networking: pulumi.Input[bool] | None = pulumi.property(
        "enableAcceleratedNetworking", default=None
    )


@pulumi.input_type
class UserAccountArgs:
    """A local account created on every node; ``password`` is a secret."""

    name: pulumi.Input[str] = pulumi.property("name")
    password: pulumi.Input[str] = pulumi.property("password")
    elevation_level: pulumi.Input[str] | None = pulumi.property("elevationLevel", default=None)
    linux_user_configuration: pulumi.Input[Json] | None = pulumi.property(
        "linuxUserConfiguration", default=None
    )
    windows_user_configuration: pulumi.Input[Json] | None = pulumi.property(
        "windowsUserConfiguration", default=None
    )


@pulumi.input_type
class UpgradePolicyArgs:
    """How node OS upgrades roll out (``automatic``, ``manual`` or ``rolling``)."""

    mode: pulumi.Input[str] = pulumi.property("mode")
    automatic_os_upgrade_policy: pulumi.Input[Json] | None = pulumi.property(
        "automaticOSUpgradePolicy", default=None
    )
    rolling_upgrade_policy: pulumi.Input[Json] | None = pulumi.property("rollingUpgradePolicy", default=None)


@pulumi.input_type
class MountConfigurationArgs:
    """One file system mounted on each node: set exactly one of the four (ARM-shaped mappings)."""

    azure_blob_file_system_configuration: pulumi.Input[Json] | None = pulumi.property(
        "azureBlobFileSystemConfiguration", default=None
    )
    nfs_mount_configuration: pulumi.Input[Json] | None = pulumi.property(
        "nfsMountConfiguration", default=None
    )
    cifs_mount_configuration: pulumi.Input[Json] | None = pulumi.property(
        "cifsMountConfiguration", default=None
    )
    azure_file_share_configuration: pulumi.Input[Json] | None = pulumi.property(
        "azureFileShareConfiguration", default=None
    )


def _identity_map(identities: Any) -> Any:
    """azure-native's list of identity ids -> ARM's ``{armId: {}}``; a mapping passes through."""
    if isinstance(identities, pulumi.Output):
        return identities.apply(_identity_map)
    if isinstance(identities, Mapping) or identities is None:
        return identities
    items = list(identities)
    if any(isinstance(item, pulumi.Output) for item in items):
        return pulumi.Output.all(*items).apply(_identity_map)
    return {str(item): {} for item in items}


def to_wire(value: Any) -> Any:
    """Convert args objects (recursively, inside lists and dicts) into dicts keyed by camelCase wire names.

    ``None`` fields are dropped; pulumi ``Output``s, plain values and plain dicts' keys are left as they are
    (plain dicts are already in wire shape), but args objects nested in them are converted.
    """
    if _types.is_input_type(type(value)):
        wire = {key: to_wire(item) for key, item in _types.input_type_to_dict(value).items()}
        if isinstance(value, BatchPoolIdentityArgs) and "userAssignedIdentities" in wire:
            wire["userAssignedIdentities"] = _identity_map(wire["userAssignedIdentities"])
        return wire
    if isinstance(value, Mapping):
        return {key: to_wire(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [to_wire(item) for item in value]
    return value
