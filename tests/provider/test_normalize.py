"""Tests for the canonical forms that keep diff and refresh free of spurious changes."""

import json
from typing import Any

from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from pulumi_azure_batch_pool.model.normalize import (
    canonical_json,
    canonical_value,
    contains_unknown,
    is_unknown,
    json_numbers,
    parse_json_text,
)


def test_unknowns_are_detected_in_both_forms_and_nested() -> None:
    assert is_unknown(Unknown()) and is_unknown(UNKNOWN)
    assert not is_unknown("04da6b54")
    assert contains_unknown({"a": [1, {"b": Unknown()}]})
    assert not contains_unknown({"a": [1, {"b": "x"}]})


def test_json_numbers_turns_integral_floats_into_ints_and_drops_none() -> None:
    assert json_numbers({"a": 3.0, "b": 2.5, "c": None, "d": [1.0, True]}) == {
        "a": 3,
        "b": 2.5,
        "d": [1, True],
    }
    assert type(json_numbers(3.0)) is int


def test_parse_json_text_only_parses_objects_and_arrays() -> None:
    assert parse_json_text('{"a": 1}') == {"a": 1}
    assert parse_json_text("[1]") == [1]
    assert parse_json_text("12") == "12"
    assert parse_json_text("{not json") == "{not json"


def test_canonical_json_is_order_and_form_independent() -> None:
    assert canonical_json({"b": 1.0, "a": "x"}) == canonical_json('{"a": "x", "b": 1}') == '{"a":"x","b":1}'


def extensions(*items: dict) -> dict:
    """A deployment configuration holding ``items`` as its extensions."""
    return {"virtualMachineConfiguration": {"nodeAgentSkuId": "n", "extensions": list(items)}}


def canonical_extensions(*items: dict) -> Any:
    return canonical_value("deploymentConfiguration", extensions(*items))["virtualMachineConfiguration"][
        "extensions"
    ]


def test_extension_boolean_defaults_and_protected_settings_are_not_compared() -> None:
    explicit = {
        "name": "e",
        "type": "T",
        "publisher": "P",
        "autoUpgradeMinorVersion": False,
        "enableAutomaticUpgrade": False,
        "provisionAfterExtensions": [],
    }
    implicit = {"name": "e", "type": "T", "publisher": "P", "protectedSettings": {"k": "v"}}
    assert canonical_extensions(explicit) == canonical_extensions(implicit)
    assert "protectedSettings" not in json.dumps(list(canonical_extensions(implicit).values()))
    upgraded = {**implicit, "enableAutomaticUpgrade": True}
    assert canonical_extensions(upgraded) != canonical_extensions(implicit)


def test_extension_settings_compare_as_json_and_prerequisites_as_a_set() -> None:
    as_object = {"name": "e", "settings": {"x": 1.0}, "provisionAfterExtensions": ["b", "a"]}
    as_string = {"name": "e", "settings": json.dumps({"x": 1}), "provisionAfterExtensions": ["a", "b"]}
    assert canonical_extensions(as_object) == canonical_extensions(as_string)


def test_extensions_are_keyed_by_case_free_name_and_type() -> None:
    keyed = canonical_extensions({"name": "SecretExt", "type": "T"}, {"name": "b", "type": "U"})
    assert list(keyed) == ['["secretext", "T"]', '["b", "U"]']
    assert canonical_value("deploymentConfiguration", extensions()) == {
        "virtualMachineConfiguration": {"nodeAgentSkuId": "n"}
    }


def test_extension_type_and_publisher_stay_case_sensitive() -> None:
    lower = canonical_extensions({"name": "a", "type": "keyvaultforlinux"})
    upper = canonical_extensions({"name": "a", "type": "KeyVaultForLinux"})
    assert lower != upper


def test_vm_size_and_enums_are_case_insensitive() -> None:
    assert canonical_value("vmSize", "STANDARD_D2S_V3") == canonical_value("vmSize", "standard_d2s_v3")
    assert canonical_value("interNodeCommunication", "Enabled") == "enabled"
    assert canonical_value("taskSchedulingPolicy", {"nodeFillType": "PACK"}) == {"nodeFillType": "pack"}
    container = {"virtualMachineConfiguration": {"containerConfiguration": {"type": "DockerCompatible"}}}
    vm = canonical_value("deploymentConfiguration", container)["virtualMachineConfiguration"]
    assert vm["containerConfiguration"]["type"] == "dockercompatible"


def test_free_form_values_keep_their_case() -> None:
    assert canonical_value("tags", {"mode": "Fast"}) == {"mode": "Fast"}
    assert canonical_value("metadata", [{"name": "policy", "value": "A"}]) == {
        '["policy"]': {"name": "policy", "value": "A"}
    }
    assert canonical_value("displayName", "Render Pool") == "Render Pool"


def test_identity_ignores_read_only_ids_and_id_case() -> None:
    given = {"type": "UserAssigned", "userAssignedIdentities": {"/Subs/X/Id1": {}}}
    returned = {
        "type": "userassigned",
        "userAssignedIdentities": {"/subs/x/id1": {"principalId": "p", "clientId": "c"}},
    }
    assert canonical_value("identity", given) == canonical_value("identity", returned)


def test_deployment_extensions_order_is_irrelevant() -> None:
    def deployment(extensions: list) -> dict:
        return {"virtualMachineConfiguration": {"nodeAgentSkuId": "n", "extensions": extensions}}

    a, b = {"name": "a", "type": "T"}, {"name": "b", "type": "U"}
    assert canonical_value("deploymentConfiguration", deployment([a, b])) == canonical_value(
        "deploymentConfiguration", deployment([b, a])
    )


def test_absent_is_none() -> None:
    assert canonical_value("scaleSettings", None) is None
