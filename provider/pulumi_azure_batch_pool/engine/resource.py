"""`BatchPool`: the Pulumi resource users declare, with azure-native's argument names.

Three jobs happen here, in the program process, before anything reaches the engine:
- arguments, in any form azure-native users write them (its `*Args` objects, its snake_case dicts, its
  identity list) or as Azure's docs do (camelCase dicts), become ARM's camelCase wire shape
  (`pulumi_azure_batch_pool.types.wire`);
- every extension's `protectedSettings` moves into one top-level secret input. Left nested, a single
  secret would make the whole `deploymentConfiguration` opaque in `pulumi preview --diff`;
- outputs are declared under their wire names with their types
(`pulumi_azure_batch_pool.engine.typed_outputs`), so a program
  reads `pool.current_dedicated_nodes` as an `int` and `pool.extension_status["x"].failed` as an attribute.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from pulumi_azure_batch_pool.engine.provider import BatchPoolProvider
from pulumi_azure_batch_pool.engine.typed_outputs import typed_outputs, wire_output
from pulumi_azure_batch_pool.model.removed_arguments import REMOVED_ARGUMENTS
from pulumi_azure_batch_pool.model.secrets import protected_settings_key, split_protected_settings
from pulumi_azure_batch_pool.model.write_only import (
    LIST_IDENTIFIERS,
    LOCATIONS,
    ROOT_KEYS,
    WRITE_ONLY_KEY,
    split_write_only,
)
from pulumi_azure_batch_pool.types import inputs
from pulumi_azure_batch_pool.types.outputs import (
    ApplicationPackageReferenceResponse,
    BatchPoolIdentityResponse,
    DeploymentConfigurationResponse,
    MetadataItemResponse,
    MountConfigurationResponse,
    NetworkConfigurationResponse,
    ScaleSettingsResponse,
    StartTaskResponse,
    TaskSchedulingPolicyResponse,
    UpgradePolicyResponse,
    UserAccountResponse,
)
from pulumi_azure_batch_pool.types.status import ExtensionStatus, NodeStatus, ResizeError
from pulumi_azure_batch_pool.types.wire import to_wire

ARGUMENTS: Mapping[str, tuple[str, type | None]] = {
    "subscription_id": ("subscriptionId", None),
    "resource_group_name": ("resourceGroupName", None),
    "account_name": ("accountName", None),
    "pool_name": ("poolName", None),
    "vm_size": ("vmSize", None),
    "display_name": ("displayName", None),
    "deployment_configuration": ("deploymentConfiguration", inputs.DeploymentConfigurationArgs),
    "scale_settings": ("scaleSettings", inputs.ScaleSettingsArgs),
    "inter_node_communication": ("interNodeCommunication", None),
    "network_configuration": ("networkConfiguration", inputs.NetworkConfigurationArgs),
    "task_slots_per_node": ("taskSlotsPerNode", None),
    "task_scheduling_policy": ("taskSchedulingPolicy", inputs.TaskSchedulingPolicyArgs),
    "user_accounts": ("userAccounts", inputs.UserAccountArgs),
    "metadata": ("metadata", inputs.MetadataItemArgs),
    "start_task": ("startTask", inputs.StartTaskArgs),
    "application_packages": ("applicationPackages", inputs.ApplicationPackageReferenceArgs),
    "mount_configuration": ("mountConfiguration", inputs.MountConfigurationArgs),
    "upgrade_policy": ("upgradePolicy", inputs.UpgradePolicyArgs),
    "identity": ("identity", inputs.BatchPoolIdentityArgs),
    "tags": ("tags", None),
    "wait_for_nodes": ("waitForNodes", None),
    "extension_failure_policy": ("extensionFailurePolicy", None),
    "timeout_minutes": ("timeoutMinutes", None),
    "max_nodes_in_outputs": ("maxNodesInOutputs", None),
    "adopt_existing": ("adoptExisting", None),
    "drain_before_delete": ("drainBeforeDelete", None),
    "drain_timeout_minutes": ("drainTimeoutMinutes", None),
    "drain_timeout_action": ("drainTimeoutAction", None),
    **{python: (wire, None) for python, wire in REMOVED_ARGUMENTS.items()},
}
"""Python argument -> (wire name, the args class its value takes). Every one but the removed arguments is
echoed back as an output of the same name."""

LIVE_OUTPUTS = (
    "armId",
    "etag",
    "provisioningState",
    "allocationState",
    "currentDedicatedNodes",
    "currentLowPriorityNodes",
    "resizeErrors",
    "creationTime",
    "lastModified",
    "dataPlaneUrl",
    "extensionStatus",
    "nodes",
    "nodeCount",
    "secretDigests",
    "protectedSettingsSalt",
)
"""Outputs only: the pool's live state as the provider reads it."""


@typed_outputs
class BatchPool(Resource, module="azurebatch", name="Pool"):
    """An Azure Batch pool whose VM extensions are managed safely: any extension change replaces the pool.

    Arguments mirror `azure_native.batch.Pool`; outputs echo them (typed, snake_case:
    `pulumi_azure_batch_pool.types`'
    `*Response` classes) and add the pool's live state and the per-node extension status
    (`extension_status`, `nodes`).
    """

    name: pulumi.Output[str] = wire_output("poolName")
    """The pool's name, as azure-native's `name` output (the same value as `pool_name`)."""
    subscription_id: pulumi.Output[str] = wire_output("subscriptionId")
    resource_group_name: pulumi.Output[str] = wire_output("resourceGroupName")
    account_name: pulumi.Output[str] = wire_output("accountName")
    pool_name: pulumi.Output[str] = wire_output("poolName")
    vm_size: pulumi.Output[str] = wire_output("vmSize")
    display_name: pulumi.Output[str | None] = wire_output("displayName")
    deployment_configuration: pulumi.Output[DeploymentConfigurationResponse] = wire_output(
        "deploymentConfiguration"
    )
    scale_settings: pulumi.Output[ScaleSettingsResponse | None] = wire_output("scaleSettings")
    inter_node_communication: pulumi.Output[str | None] = wire_output("interNodeCommunication")
    network_configuration: pulumi.Output[NetworkConfigurationResponse | None] = wire_output(
        "networkConfiguration"
    )
    task_slots_per_node: pulumi.Output[int | None] = wire_output("taskSlotsPerNode")
    task_scheduling_policy: pulumi.Output[TaskSchedulingPolicyResponse | None] = wire_output(
        "taskSchedulingPolicy"
    )
    user_accounts: pulumi.Output[Sequence[UserAccountResponse] | None] = wire_output("userAccounts")
    metadata: pulumi.Output[Sequence[MetadataItemResponse] | None] = wire_output("metadata")
    start_task: pulumi.Output[StartTaskResponse | None] = wire_output("startTask")
    application_packages: pulumi.Output[Sequence[ApplicationPackageReferenceResponse] | None] = wire_output(
        "applicationPackages"
    )
    mount_configuration: pulumi.Output[Sequence[MountConfigurationResponse] | None] = wire_output(
        "mountConfiguration"
    )
    upgrade_policy: pulumi.Output[UpgradePolicyResponse | None] = wire_output("upgradePolicy")
    identity: pulumi.Output[BatchPoolIdentityResponse | None] = wire_output("identity")
    tags: pulumi.Output[Mapping[str, str] | None] = wire_output("tags")
    wait_for_nodes: pulumi.Output[bool | None] = wire_output("waitForNodes")
    extension_failure_policy: pulumi.Output[str | None] = wire_output("extensionFailurePolicy")
    timeout_minutes: pulumi.Output[float | None] = wire_output("timeoutMinutes")
    max_nodes_in_outputs: pulumi.Output[int | None] = wire_output("maxNodesInOutputs")
    adopt_existing: pulumi.Output[bool | None] = wire_output("adoptExisting")
    drain_before_delete: pulumi.Output[bool | None] = wire_output("drainBeforeDelete")
    drain_timeout_minutes: pulumi.Output[float | None] = wire_output("drainTimeoutMinutes")
    drain_timeout_action: pulumi.Output[str | None] = wire_output("drainTimeoutAction")
    arm_id: pulumi.Output[str] = wire_output("armId")
    etag: pulumi.Output[str] = wire_output("etag")
    provisioning_state: pulumi.Output[str] = wire_output("provisioningState")
    allocation_state: pulumi.Output[str] = wire_output("allocationState")
    current_dedicated_nodes: pulumi.Output[int] = wire_output("currentDedicatedNodes")
    current_low_priority_nodes: pulumi.Output[int] = wire_output("currentLowPriorityNodes")
    resize_errors: pulumi.Output[Sequence[ResizeError]] = wire_output("resizeErrors")
    creation_time: pulumi.Output[str | None] = wire_output("creationTime")
    last_modified: pulumi.Output[str | None] = wire_output("lastModified")
    data_plane_url: pulumi.Output[str] = wire_output("dataPlaneUrl")
    extension_status: pulumi.Output[Mapping[str, ExtensionStatus]] = wire_output("extensionStatus")
    nodes: pulumi.Output[Sequence[NodeStatus]] = wire_output("nodes")
    node_count: pulumi.Output[int] = wire_output("nodeCount")
    secret_digests: pulumi.Output[Sequence[str]] = wire_output("secretDigests")
    protected_settings_salt: pulumi.Output[str] = wire_output("protectedSettingsSalt")

    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        resource_group_name: pulumi.Input[str] | None = None,
        account_name: pulumi.Input[str] | None = None,
        pool_name: pulumi.Input[str] | None = None,
        subscription_id: pulumi.Input[str] | None = None,
        vm_size: pulumi.Input[str] | None = None,
        deployment_configuration: pulumi.Input[
            inputs.DeploymentConfigurationArgs | inputs.DeploymentConfigurationArgsDict | inputs.Json
        ]
        | None = None,
        display_name: pulumi.Input[str] | None = None,
        scale_settings: pulumi.Input[inputs.ScaleSettingsArgs | inputs.ScaleSettingsArgsDict | inputs.Json]
        | None = None,
        inter_node_communication: pulumi.Input[str] | None = None,
        network_configuration: pulumi.Input[
            inputs.NetworkConfigurationArgs | inputs.NetworkConfigurationArgsDict | inputs.Json
        ]
        | None = None,
        task_slots_per_node: pulumi.Input[int] | None = None,
        task_scheduling_policy: pulumi.Input[
            inputs.TaskSchedulingPolicyArgs | inputs.TaskSchedulingPolicyArgsDict | inputs.Json
        ]
        | None = None,
        user_accounts: pulumi.Input[
            Sequence[pulumi.Input[inputs.UserAccountArgs | inputs.UserAccountArgsDict | inputs.Json]]
        ]
        | None = None,
        metadata: pulumi.Input[
            Sequence[pulumi.Input[inputs.MetadataItemArgs | inputs.MetadataItemArgsDict | inputs.Json]]
        ]
        | None = None,
        start_task: pulumi.Input[inputs.StartTaskArgs | inputs.StartTaskArgsDict | inputs.Json] | None = None,
        application_packages: pulumi.Input[
            Sequence[
                pulumi.Input[
                    inputs.ApplicationPackageReferenceArgs
                    | inputs.ApplicationPackageReferenceArgsDict
                    | inputs.Json
                ]
            ]
        ]
        | None = None,
        mount_configuration: pulumi.Input[
            Sequence[
                pulumi.Input[inputs.MountConfigurationArgs | inputs.MountConfigurationArgsDict | inputs.Json]
            ]
        ]
        | None = None,
        upgrade_policy: pulumi.Input[inputs.UpgradePolicyArgs | inputs.UpgradePolicyArgsDict | inputs.Json]
        | None = None,
        identity: pulumi.Input[inputs.BatchPoolIdentityArgs | inputs.BatchPoolIdentityArgsDict | inputs.Json]
        | None = None,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        wait_for_nodes: pulumi.Input[bool] | None = None,
        extension_failure_policy: pulumi.Input[str] | None = None,
        timeout_minutes: pulumi.Input[float] | None = None,
        max_nodes_in_outputs: pulumi.Input[int] | None = None,
        adopt_existing: pulumi.Input[bool] | None = None,
        drain_before_delete: pulumi.Input[bool] | None = None,
        drain_timeout_minutes: pulumi.Input[float] | None = None,
        drain_timeout_action: pulumi.Input[str] | None = None,
        application_licenses: Any = None,
        certificates: Any = None,
        resource_tags: Any = None,
        target_node_communication_mode: Any = None,
    ) -> None:
        """Declare a pool. `resource_group_name`, `account_name`, `vm_size` and `deployment_configuration`
        are required unless `opts.id` looks up an existing pool (see `BatchPool.get`).

        Leave `pool_name` unset to get a generated name: a replacement then creates the new pool
        before deleting the old one. With an explicit name the old pool is deleted first.

        `drain_before_delete=True` makes every delete of the pool (destroy, either half of a replace)
        first stop new work and wait for running tasks, at most `drain_timeout_minutes` (60); then
        `drain_timeout_action` decides: `"delete"` anyway (default) or `"fail"` keeping the pool.

        `application_licenses`, `certificates`, `resource_tags` and `target_node_communication_mode` are
        azure-native arguments the 2025-06-01 API no longer has: accepted here so a moved program gets
        Check's explanation of what replaces each, rather than a `TypeError`.
        """
        arguments = {name: value for name, value in locals().items() if name in ARGUMENTS}
        looking_up = opts is not None and opts.id is not None
        if not looking_up:
            for required in ("resource_group_name", "account_name", "vm_size", "deployment_configuration"):
                if arguments.get(required) is None:
                    raise TypeError(f"Missing required property '{required}' of BatchPool '{resource_name}'")
        props: dict[str, Any] = dict.fromkeys(
            [wire for python, (wire, _) in ARGUMENTS.items() if python not in REMOVED_ARGUMENTS], None
        )
        props.update(dict.fromkeys(LIVE_OUTPUTS, None))
        for python_name, value in arguments.items():
            if value is not None:
                wire, args_type = ARGUMENTS[python_name]
                props[wire] = to_wire(value, args_type)
        if not looking_up:
            props["poolNamePrefix"] = resource_name
            props["pulumiStack"] = f"{pulumi.get_project()}/{pulumi.get_stack()}"  # ownership tags, naming
            props["deploymentConfiguration"], props["protectedSettings"] = _split_secrets(
                props["deploymentConfiguration"]
            )
            props[WRITE_ONLY_KEY] = _split_write_only(props)
        super().__init__(BatchPoolProvider(), resource_name, props, opts)

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> BatchPool:
        """Look up an existing pool by its ARM id, read-only: Pulumi will not change or delete it."""
        return BatchPool(resource_name, pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)))


def _split_secrets(deployment_configuration: Any) -> tuple[Any, pulumi.Output[dict[str, Any]]]:
    """Move extensions' `protectedSettings` out of the deployment configuration into one secret map.

    Plain structures are split without waiting on anything, so the rest of the configuration keeps its
    own secrecy (none) and stays readable in previews. Where the extension list is itself an Output the
    split has to happen inside `apply`, and that Output keeps whatever secrecy it had.
    """
    extensions = _plain_extensions(deployment_configuration)
    if extensions == []:
        return deployment_configuration, pulumi.Output.secret({})
    if extensions is None:
        whole = pulumi.Output.from_input(deployment_configuration)
        stripped = whole.apply(lambda value: split_protected_settings(value or {})[0])
        return stripped, pulumi.Output.secret(
            whole.apply(lambda value: split_protected_settings(value or {})[1])
        )
    pairs = []
    kept = []
    for index, extension in enumerate(extensions):
        extension = dict(extension)
        if "protectedSettings" in extension:
            pairs.append([protected_settings_key(extension, index), extension.pop("protectedSettings")])
        kept.append(extension)
    configuration = dict(deployment_configuration)
    configuration["virtualMachineConfiguration"] = {
        **configuration["virtualMachineConfiguration"],
        "extensions": kept,
    }
    protected = pulumi.Output.from_input(pairs).apply(
        lambda resolved: {name: value for name, value in resolved}
    )
    return configuration, pulumi.Output.secret(protected)


def _split_write_only(props: dict[str, Any]) -> pulumi.Output[dict[str, Any]]:
    """Move passwords and keys out of `props` (in place) into one secret map (see
    `pulumi_azure_batch_pool.model.write_only`).

    A property whose structure is plain down to each secret is split without waiting, so it stays readable
    in previews; one that holds an Output where a secret's location is decided (a container on the way, a
    user name) is split inside `apply`, and that property keeps whatever secrecy it had.
    """
    parts: list[Any] = []
    for key in sorted(ROOT_KEYS):
        value = props.get(key)
        if value is None:
            continue
        if _decided(value, key):
            stripped, found = split_write_only({key: value})
            props[key] = stripped[key]
            parts.append(found)
        else:
            split = pulumi.Output.from_input(value).apply(_splitter(key))
            props[key] = split.apply(lambda pair: pair[0])
            parts.append(split.apply(lambda pair: pair[1]))
    merged = pulumi.Output.all(*parts).apply(
        lambda found: {location: secret for group in found for location, secret in group.items()}
    )
    return pulumi.Output.secret(merged)


def _splitter(key: str) -> Callable[[Any], tuple[Any, dict[str, Any]]]:
    """Split the resolved value of the top-level property `key` into (stripped value, secrets)."""

    def split(resolved: Any) -> tuple[Any, dict[str, Any]]:
        stripped, found = split_write_only({key: resolved})
        return stripped[key], found

    return split


def _decided(value: Any, key: str = "", item_of: str = "") -> bool:
    """True when no Output hides where a write-only secret sits: a container on the way to one, or the
    identifier (`userAccounts[].name`) that keys it. Leaves may be Outputs: they move as they are."""
    if isinstance(value, pulumi.Output):
        return key not in _CONTAINER_KEYS
    if isinstance(value, list):
        return all(_decided(item, key, item_of=key) for item in value)
    if isinstance(value, Mapping):
        identifier = LIST_IDENTIFIERS.get(item_of)
        if identifier and isinstance(value.get(identifier), pulumi.Output):
            return False
        return all(_decided(item, str(child)) for child, item in value.items())
    return True


_CONTAINER_KEYS = frozenset(step for location in LOCATIONS for step in location[:-1] if step != "[]")
"""Keys whose values hold a write-only secret further down."""


def _plain_extensions(deployment_configuration: Any) -> Sequence[Mapping[str, Any]] | None:
    """The extension list when every level down to each extension is a plain value, else None."""
    if not isinstance(deployment_configuration, Mapping):
        return None
    machine = deployment_configuration.get("virtualMachineConfiguration")
    if not isinstance(machine, Mapping):
        return None
    extensions = machine.get("extensions")
    if extensions is None:
        return []
    if not isinstance(extensions, list) or not all(isinstance(item, Mapping) for item in extensions):
        return None
    return extensions
