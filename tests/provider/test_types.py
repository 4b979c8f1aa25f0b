"""Tests for the typed args classes and their conversion to the camelCase wire shape."""

import pulumi
import pytest
from pulumi import _types

from provider import types
from provider.types import (
    AutoScaleSettingsArgs,
    AutoUserSpecificationArgs,
    BatchPoolIdentityArgs,
    DeploymentConfigurationArgs,
    ImageReferenceArgs,
    NetworkConfigurationArgs,
    ScaleSettingsArgs,
    StartTaskArgs,
    UpgradePolicyArgs,
    UserIdentityArgs,
    VirtualMachineConfigurationArgs,
    VMExtensionArgs,
    to_wire,
)
from provider.validation import validate_inputs
from tests.provider import sample_pool

AZURE_NATIVE_NAMES = {
    "ImageReferenceArgs",
    "VMExtensionArgs",
    "VirtualMachineConfigurationArgs",
    "DeploymentConfigurationArgs",
    "ScaleSettingsArgs",
    "FixedScaleSettingsArgs",
    "AutoScaleSettingsArgs",
    "BatchPoolIdentityArgs",
    "TaskSchedulingPolicyArgs",
    "StartTaskArgs",
    "ResourceFileArgs",
    "EnvironmentSettingArgs",
    "UserIdentityArgs",
    "AutoUserSpecificationArgs",
    "MetadataItemArgs",
    "ApplicationPackageReferenceArgs",
    "NetworkConfigurationArgs",
    "UserAccountArgs",
    "UpgradePolicyArgs",
    "MountConfigurationArgs",
}
"""The args classes of pulumi_azure_native.batch that BatchPool accepts."""

ARGS_CLASSES = [value for name, value in vars(types).items() if name.endswith("Args")]


def test_every_args_class_is_an_input_type_with_camel_case_wire_names() -> None:
    assert {cls.__name__ for cls in ARGS_CLASSES} == AZURE_NATIVE_NAMES
    for cls in ARGS_CLASSES:
        assert _types.is_input_type(cls), cls
        for python_name, wire_name in _types.input_type_py_to_pulumi_names(cls).items():
            assert "_" not in wire_name, (cls, python_name)
            assert wire_name.lower() == python_name.replace("_", "").lower(), (cls, python_name)


def test_extension_fields_match_azure_native() -> None:
    assert _types.input_type_py_to_pulumi_names(VMExtensionArgs) == {
        "name": "name",
        "publisher": "publisher",
        "type": "type",
        "type_handler_version": "typeHandlerVersion",
        "auto_upgrade_minor_version": "autoUpgradeMinorVersion",
        "enable_automatic_upgrade": "enableAutomaticUpgrade",
        "settings": "settings",
        "protected_settings": "protectedSettings",
        "provision_after_extensions": "provisionAfterExtensions",
    }


def test_required_fields_are_required() -> None:
    with pytest.raises(TypeError):
        VMExtensionArgs(name="a", publisher="p")  # type: ignore[call-arg]


def test_nested_args_and_dicts_convert_to_the_wire_shape() -> None:
    deployment = DeploymentConfigurationArgs(
        virtual_machine_configuration=VirtualMachineConfigurationArgs(
            image_reference=ImageReferenceArgs(publisher="Canonical", offer="ubuntu-24_04-lts", sku="server"),
            node_agent_sku_id="batch.node.ubuntu 24.04",
            extensions=[
                VMExtensionArgs(
                    name="secretext",
                    publisher="Microsoft.Azure.KeyVault",
                    type="KeyVaultForLinux",
                    type_handler_version="3.0",
                    auto_upgrade_minor_version=True,
                    settings={"secretsManagementSettings": {"pollingIntervalInS": 3600.0}},
                ),
                {
                    "name": "monitor",
                    "publisher": "Microsoft.Azure.Monitor",
                    "type": "AzureMonitorLinuxAgent",
                    "typeHandlerVersion": "2.0",
                    "provisionAfterExtensions": ["secretext"],
                    "settings": None,
                },
            ],
        )
    )
    assert to_wire(deployment) == sample_pool()["deploymentConfiguration"]


def test_scale_start_task_network_and_upgrade_wire_names() -> None:
    assert to_wire(
        ScaleSettingsArgs(auto_scale=AutoScaleSettingsArgs(formula="$x=1", evaluation_interval="PT5M"))
    ) == {"autoScale": {"formula": "$x=1", "evaluationInterval": "PT5M"}}
    start = StartTaskArgs(
        command_line="echo",
        user_identity=UserIdentityArgs(
            auto_user=AutoUserSpecificationArgs(scope="Pool", elevation_level="Admin")
        ),
        max_task_retry_count=2,
    )
    assert to_wire(start) == {
        "commandLine": "echo",
        "userIdentity": {"autoUser": {"scope": "Pool", "elevationLevel": "Admin"}},
        "maxTaskRetryCount": 2,
    }
    network = NetworkConfigurationArgs(public_ip_address_configuration={"provision": "NoPublicIPAddresses"})
    assert to_wire(network) == {"publicIPAddressConfiguration": {"provision": "NoPublicIPAddresses"}}
    upgrade = UpgradePolicyArgs(
        mode="automatic", automatic_os_upgrade_policy={"enableAutomaticOSUpgrade": True}
    )
    assert to_wire(upgrade) == {
        "mode": "automatic",
        "automaticOSUpgradePolicy": {"enableAutomaticOSUpgrade": True},
    }


def test_identity_ids_list_becomes_arm_mapping() -> None:
    identity = BatchPoolIdentityArgs(type="UserAssigned", user_assigned_identities=["/id/a", "/id/b"])
    assert to_wire(identity) == {"type": "UserAssigned", "userAssignedIdentities": {"/id/a": {}, "/id/b": {}}}
    mapping_form = BatchPoolIdentityArgs(type="UserAssigned", user_assigned_identities={"/id/a": {}})
    assert to_wire(mapping_form)["userAssignedIdentities"] == {"/id/a": {}}


def test_outputs_are_left_untouched() -> None:
    output = pulumi.Output.from_input("x")
    wire = to_wire(VMExtensionArgs(name=output, publisher="p", type="t"))
    assert wire["name"] is output
    assert to_wire([1, "a", None]) == [1, "a", None]


def test_wire_shape_of_args_passes_validation() -> None:
    pool = sample_pool()
    pool["scaleSettings"] = to_wire(ScaleSettingsArgs(auto_scale=AutoScaleSettingsArgs(formula="$x=1")))
    pool["identity"] = to_wire(BatchPoolIdentityArgs(type="UserAssigned", user_assigned_identities=["/id/a"]))
    assert validate_inputs(pool).failures == []
