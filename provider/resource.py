"""`BatchPool`: the Pulumi resource users declare, with azure-native's argument names.

Two jobs happen here, in the program process, before anything reaches the engine:
- arguments become ARM's camelCase wire shape (typed args classes or plain dicts alike);
- every extension's `protectedSettings` moves into one top-level secret input. Left nested, a single
  secret would make the whole `deploymentConfiguration` opaque in `pulumi preview --diff`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from provider.provider import BatchPoolProvider
from provider.secrets import protected_settings_key, split_protected_settings
from provider.types import to_wire
from provider.write_only import LIST_IDENTIFIERS, LOCATIONS, ROOT_KEYS, WRITE_ONLY_KEY, split_write_only

#: Python attribute name -> wire name, for every output the provider returns.
OUTPUT_NAMES: Mapping[str, str] = {
    "subscription_id": "subscriptionId",
    "resource_group_name": "resourceGroupName",
    "account_name": "accountName",
    "pool_name": "poolName",
    "vm_size": "vmSize",
    "display_name": "displayName",
    "deployment_configuration": "deploymentConfiguration",
    "scale_settings": "scaleSettings",
    "inter_node_communication": "interNodeCommunication",
    "network_configuration": "networkConfiguration",
    "task_slots_per_node": "taskSlotsPerNode",
    "task_scheduling_policy": "taskSchedulingPolicy",
    "user_accounts": "userAccounts",
    "metadata": "metadata",
    "start_task": "startTask",
    "application_packages": "applicationPackages",
    "mount_configuration": "mountConfiguration",
    "upgrade_policy": "upgradePolicy",
    "identity": "identity",
    "tags": "tags",
    "arm_id": "armId",
    "etag": "etag",
    "provisioning_state": "provisioningState",
    "allocation_state": "allocationState",
    "current_dedicated_nodes": "currentDedicatedNodes",
    "current_low_priority_nodes": "currentLowPriorityNodes",
    "resize_errors": "resizeErrors",
    "creation_time": "creationTime",
    "last_modified": "lastModified",
    "data_plane_url": "dataPlaneUrl",
    "extension_status": "extensionStatus",
    "nodes": "nodes",
    "node_count": "nodeCount",
    "secret_digests": "secretDigests",
    "protected_settings_salt": "protectedSettingsSalt",
}

#: Python argument name -> wire name for the provider's own options (never sent to Azure).
OPTION_NAMES: Mapping[str, str] = {
    "wait_for_nodes": "waitForNodes",
    "extension_failure_policy": "extensionFailurePolicy",
    "timeout_minutes": "timeoutMinutes",
    "max_nodes_in_outputs": "maxNodesInOutputs",
    "adopt_existing": "adoptExisting",
}

_WIRE_NAMES: Mapping[str, str] = {**OUTPUT_NAMES, **OPTION_NAMES}

_OUTPUT_ONLY = {
    "arm_id",
    "etag",
    "provisioning_state",
    "allocation_state",
    "current_dedicated_nodes",
    "current_low_priority_nodes",
    "resize_errors",
    "creation_time",
    "last_modified",
    "data_plane_url",
    "extension_status",
    "nodes",
    "node_count",
    "secret_digests",
    "protected_settings_salt",
}


class BatchPool(Resource, module="azurebatch", name="Pool"):
    """An Azure Batch pool whose VM extensions are managed safely: any extension change replaces the pool.

    Arguments mirror `azure_native.batch.Pool`; outputs add the pool's live state and the per-node
    extension status (`extension_status`, `nodes`).
    """

    subscription_id: pulumi.Output[str]
    resource_group_name: pulumi.Output[str]
    account_name: pulumi.Output[str]
    pool_name: pulumi.Output[str]
    vm_size: pulumi.Output[str]
    deployment_configuration: pulumi.Output[dict[str, Any]]
    scale_settings: pulumi.Output[dict[str, Any] | None]
    arm_id: pulumi.Output[str]
    etag: pulumi.Output[str]
    provisioning_state: pulumi.Output[str]
    allocation_state: pulumi.Output[str]
    current_dedicated_nodes: pulumi.Output[int]
    current_low_priority_nodes: pulumi.Output[int]
    resize_errors: pulumi.Output[list[dict[str, Any]]]
    data_plane_url: pulumi.Output[str]
    extension_status: pulumi.Output[dict[str, dict[str, Any]]]
    nodes: pulumi.Output[list[dict[str, Any]]]
    node_count: pulumi.Output[int]
    secret_digests: pulumi.Output[list[str]]
    protected_settings_salt: pulumi.Output[str]

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
        deployment_configuration: Any = None,
        display_name: pulumi.Input[str] | None = None,
        scale_settings: Any = None,
        inter_node_communication: pulumi.Input[str] | None = None,
        network_configuration: Any = None,
        task_slots_per_node: pulumi.Input[int] | None = None,
        task_scheduling_policy: Any = None,
        user_accounts: Any = None,
        metadata: Any = None,
        start_task: Any = None,
        application_packages: Any = None,
        mount_configuration: Any = None,
        upgrade_policy: Any = None,
        identity: Any = None,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        wait_for_nodes: pulumi.Input[bool] | None = None,
        extension_failure_policy: pulumi.Input[str] | None = None,
        timeout_minutes: pulumi.Input[float] | None = None,
        max_nodes_in_outputs: pulumi.Input[int] | None = None,
        adopt_existing: pulumi.Input[bool] | None = None,
    ) -> None:
        """Declare a pool. `resource_group_name`, `account_name`, `vm_size` and `deployment_configuration`
        are required unless `opts.id` looks up an existing pool (see `BatchPool.get`).

        Leave `pool_name` unset to get a generated name: a replacement then creates the new pool
        before deleting the old one. With an explicit name the old pool is deleted first.
        """
        arguments = {name: value for name, value in locals().items() if name in _WIRE_NAMES}
        looking_up = opts is not None and opts.id is not None
        if not looking_up:
            for required in ("resource_group_name", "account_name", "vm_size", "deployment_configuration"):
                if arguments.get(required) is None:
                    raise TypeError(f"Missing required property '{required}' of BatchPool '{resource_name}'")
        props: dict[str, Any] = {wire: None for wire in OUTPUT_NAMES.values()}
        for python_name, value in arguments.items():
            if value is not None and python_name not in _OUTPUT_ONLY:
                props[_WIRE_NAMES[python_name]] = to_wire(value)
        if not looking_up:
            props["poolNamePrefix"] = resource_name
            props["pulumiStack"] = f"{pulumi.get_project()}/{pulumi.get_stack()}"  # ownership tags, naming
            props["deploymentConfiguration"], props["protectedSettings"] = _split_secrets(
                props["deploymentConfiguration"]
            )
            props[WRITE_ONLY_KEY] = _split_write_only(props)
        super().__init__(BatchPoolProvider(), resource_name, props, opts)

    def __getattr__(self, name: str) -> Any:
        """Snake-case attributes for the camelCase outputs the engine resolves (`extension_status`...)."""
        wire = OUTPUT_NAMES.get(name)
        if wire is not None and wire in self.__dict__:
            return self.__dict__[wire]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

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
    """Move passwords and keys out of `props` (in place) into one secret map (see `provider.write_only`).

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
