"""Tests for the typed args classes and their conversion to the camelCase wire shape."""

import json
import subprocess
import sys
from pathlib import Path

import pulumi
import pytest
from pulumi import _types

from pulumi_azure_batch_pool import types
from pulumi_azure_batch_pool.model.validation import validate_inputs
from pulumi_azure_batch_pool.types import (
    AutoScaleSettingsArgs,
    AutoUserSpecificationArgs,
    BatchPoolIdentityArgs,
    ContainerRegistryArgs,
    DeploymentConfigurationArgs,
    FixedScaleSettingsArgs,
    ImageReferenceArgs,
    NetworkConfigurationArgs,
    ScaleSettingsArgs,
    StartTaskArgs,
    TaskSchedulingPolicyArgs,
    UpgradePolicyArgs,
    UserIdentityArgs,
    VirtualMachineConfigurationArgs,
    VMExtensionArgs,
    to_wire,
)
from tests.provider import sample_pool
from tests.spec import requires_shared

REPO = Path(__file__).resolve().parents[2]
AZURE_NATIVE = json.loads((Path(__file__).parent / "azure_native_batch.json").read_text())
"""azure-native 3.29's args classes reachable from ``PoolArgs`` (Python field names) and its enums."""

ARGS_CLASSES = [value for name, value in vars(types).items() if name.endswith("Args")]


def test_every_args_class_is_an_input_type_with_camel_case_wire_names() -> None:
    assert len(ARGS_CLASSES) == 53
    for cls in ARGS_CLASSES:
        assert _types.is_input_type(cls), cls
        for python_name, wire_name in _types.input_type_py_to_pulumi_names(cls).items():
            assert "_" not in wire_name, (cls, python_name)
            if (cls, python_name) != (ContainerRegistryArgs, "user_name"):  # x-ms-client-name "userName"
                assert wire_name.lower() == python_name.replace("_", "").lower(), (cls, python_name)


def test_every_azure_native_args_class_and_field_exists_with_its_python_name() -> None:
    assert len(AZURE_NATIVE["args"]) == 48
    for name, fields in AZURE_NATIVE["args"].items():
        cls = getattr(types, name, None)
        assert cls is not None, f"azure-native's {name} is missing"
        assert set(fields) <= set(_types.input_type_py_to_pulumi_names(cls)), name
        assert set(fields) <= set(getattr(types, f"{name}Dict").__annotations__), name


def test_enums_have_azure_native_members_and_are_accepted_as_values() -> None:
    for name, members in AZURE_NATIVE["enums"].items():
        enum = getattr(types, name)
        assert {member.name: member.value for member in enum if member.name in members} == members, name
    assert to_wire(
        FixedScaleSettingsArgs(node_deallocation_option=types.ComputeNodeDeallocationOption.TASK_COMPLETION)
    ) == {"resizeTimeout": "PT15M", "nodeDeallocationOption": "TaskCompletion"}


def test_azure_native_defaults_fill_in_whatever_the_form() -> None:
    assert FixedScaleSettingsArgs().resize_timeout == "PT15M"
    assert TaskSchedulingPolicyArgs().node_fill_type == "Spread"
    assert to_wire({"fixedScale": {"targetDedicatedNodes": 1}}, ScaleSettingsArgs) == {
        "fixedScale": {"targetDedicatedNodes": 1, "resizeTimeout": "PT15M"}
    }
    assert to_wire({"command_line": "x"}, StartTaskArgs) == {"commandLine": "x", "maxTaskRetryCount": 0}
    assert to_wire({}, NetworkConfigurationArgs) == {"dynamicVnetAssignmentScope": "none"}
    assert to_wire({"fixedScale": {"resizeTimeout": "PT30M"}}, ScaleSettingsArgs) == {
        "fixedScale": {"resizeTimeout": "PT30M"}
    }


def test_snake_case_dicts_and_mixed_forms_become_wire_names_the_case_rule_cannot_derive() -> None:
    machine = {
        "image_reference": ImageReferenceArgs(publisher="p", offer="o", sku="s"),
        "nodeAgentSkuId": "batch.node.ubuntu 24.04",
        "os_disk": {"disk_size_gb": 64, "ephemeral_os_disk_settings": {"placement": "CacheDisk"}},
        "security_profile": {"uefi_settings": {"v_tpm_enabled": True}},
        "extensions": [{"name": "e", "type_handler_version": "1.0", "settings": {"keep_me": {"as_is": 1}}}],
    }
    assert to_wire(machine, VirtualMachineConfigurationArgs) == {
        "imageReference": {"publisher": "p", "offer": "o", "sku": "s"},
        "nodeAgentSkuId": "batch.node.ubuntu 24.04",
        "osDisk": {"diskSizeGB": 64, "ephemeralOSDiskSettings": {"placement": "CacheDisk"}},
        "securityProfile": {"uefiSettings": {"vTpmEnabled": True}},
        "extensions": [{"name": "e", "typeHandlerVersion": "1.0", "settings": {"keep_me": {"as_is": 1}}}],
    }
    network = {
        "public_ip_address_configuration": {"ip_address_ids": ["/ip/1"], "ip_tags": [{"ip_tag_type": "t"}]}
    }
    assert to_wire(network, NetworkConfigurationArgs)["publicIPAddressConfiguration"] == {
        "ipAddressIds": ["/ip/1"],
        "ipTags": [{"ipTagType": "t"}],
    }


def test_an_unknown_key_is_kept_as_written_for_check_to_name() -> None:
    assert to_wire({"fixed_scael": {}}, ScaleSettingsArgs) == {"fixed_scael": {}}


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
    assert to_wire(network) == {
        "publicIPAddressConfiguration": {"provision": "NoPublicIPAddresses"},
        "dynamicVnetAssignmentScope": "none",
    }
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


@requires_shared
def test_generated_modules_are_up_to_date() -> None:
    checked = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "generate_types.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
