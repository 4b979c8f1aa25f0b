"""Tests for schema and semantic validation: exact property paths and actionable reasons."""

import json
from typing import Any

import pytest
from pulumi.output import Unknown

from pulumi_azure_batch_pool.model.validation import EXTENSIONS_PATH, format_path, validate_inputs
from tests.provider import sample_pool


def extensions_of(pool: dict[str, Any]) -> list[dict[str, Any]]:
    return pool["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"]


def failures_of(pool: dict[str, Any]) -> dict[str, str]:
    return dict(validate_inputs(pool).failures)


def test_sample_pool_is_valid() -> None:
    report = validate_inputs({**sample_pool(), "__provider": "blob"})
    assert report.failures == [] and report.ok
    assert report.warnings == []


def test_format_path() -> None:
    assert format_path(["a", "b", 1, "c"]) == "a.b[1].c"
    assert format_path([]) == ""


def test_typo_gets_a_suggestion() -> None:
    pool = sample_pool()
    extensions_of(pool)[1]["typeHandlerVerison"] = "2.0"
    assert failures_of(pool) == {
        f"{EXTENSIONS_PATH}[1].typeHandlerVerison": "unknown property 'typeHandlerVerison'; "
        "did you mean 'typeHandlerVersion'?"
    }


def test_unknown_property_without_close_match_lists_allowed_ones() -> None:
    pool = sample_pool()
    pool["zzz"] = 1
    reason = failures_of(pool)["zzz"]
    assert reason.startswith("unknown property 'zzz'; remove it") and "vmSize" in reason


def test_missing_required_properties_have_their_own_paths() -> None:
    pool = sample_pool()
    del extensions_of(pool)[1]["publisher"]
    del pool["deploymentConfiguration"]["virtualMachineConfiguration"]["nodeAgentSkuId"]
    del pool["vmSize"]
    assert set(failures_of(pool)) == {
        f"{EXTENSIONS_PATH}[1].publisher",
        "deploymentConfiguration.virtualMachineConfiguration.nodeAgentSkuId",
        "vmSize",
    }
    assert failures_of(pool)["vmSize"] == "missing required property 'vmSize'; set it"


def test_enums_are_case_insensitive_but_checked() -> None:
    pool = sample_pool()
    pool["taskSchedulingPolicy"] = {"nodeFillType": "SPREAD"}
    pool["interNodeCommunication"] = "enabled"
    assert failures_of(pool) == {}
    pool["taskSchedulingPolicy"] = {"nodeFillType": "random"}
    assert failures_of(pool) == {
        "taskSchedulingPolicy.nodeFillType": "'random' is not allowed; "
        "use one of: Spread, Pack (case-insensitive)"
    }


def test_integral_floats_are_integers_but_fractions_are_not() -> None:
    pool = sample_pool()
    pool["taskSlotsPerNode"] = 3.0
    assert failures_of(pool) == {}
    pool["taskSlotsPerNode"] = 2.5
    assert failures_of(pool)["taskSlotsPerNode"].startswith("expected a whole number, got float")
    pool["taskSlotsPerNode"] = 0
    assert failures_of(pool)["taskSlotsPerNode"] == "0 is out of range; it must be >= 1"


def test_scale_settings_need_exactly_one_mode() -> None:
    pool = sample_pool()
    pool["scaleSettings"] = {"fixedScale": {"targetDedicatedNodes": 1}, "autoScale": {"formula": "x"}}
    assert failures_of(pool) == {"scaleSettings": "set exactly one of fixedScale or autoScale"}
    pool["scaleSettings"] = {"fixedScale": {"resizeTimeout": "PT15M"}}
    assert failures_of(pool) == {
        "scaleSettings.fixedScale": "set at least one of targetDedicatedNodes or targetLowPriorityNodes"
    }


def test_pool_and_account_names() -> None:
    pool = sample_pool()
    pool["poolName"] = "my pool"
    pool["accountName"] = "ab"
    failures = failures_of(pool)
    assert failures["poolName"] == "the pool name contains ' '; use only letters, digits, '-' or '_'"
    assert failures["accountName"].startswith("a Batch account name is 3-24 letters or digits")


def test_provider_options() -> None:
    pool = sample_pool()
    pool.update({"extensionFailurePolicy": "ignore", "timeoutMinutes": 0, "maxNodesInOutputs": 5.0})
    failures = failures_of(pool)
    assert failures["extensionFailurePolicy"] == "'ignore' is not allowed; use one of: rollback, keep"
    assert failures["timeoutMinutes"] == "0 is out of range; it must be > 0"
    assert "maxNodesInOutputs" not in failures


def test_reserved_custom_script_type() -> None:
    pool = sample_pool()
    extensions_of(pool)[1]["type"] = "customScript"
    reason = failures_of(pool)[f"{EXTENSIONS_PATH}[1].type"]
    assert "reserved by Azure Batch" in reason and "startTask.commandLine" in reason


def test_duplicate_extension_names_are_case_insensitive() -> None:
    pool = sample_pool()
    extensions_of(pool)[1]["name"] = "SecretExt"
    assert failures_of(pool) == {
        f"{EXTENSIONS_PATH}[1].name": "duplicate extension name 'SecretExt' (names are case-insensitive; "
        "extensions[0] uses it); rename one of them"
    }


def test_provision_after_unknown_extension() -> None:
    pool = sample_pool()
    extensions_of(pool)[1]["provisionAfterExtensions"] = ["secretext", "missing"]
    assert failures_of(pool) == {
        f"{EXTENSIONS_PATH}[1].provisionAfterExtensions[1]": "names no extension of this pool ('missing'); "
        "use one of: secretext"
    }


def test_protected_settings_for_unknown_extension_never_leaks_the_value() -> None:
    pool = sample_pool()
    pool["protectedSettings"] = {"SecretExt": {"token": "hunter2"}, "nope": "hunter3-secret"}
    report = validate_inputs(pool)
    failures = dict(report.failures)
    assert failures["protectedSettings.SecretExt"].endswith("did you mean 'secretext'?")
    assert failures["protectedSettings.nope"].endswith("remove it or add an extension with that name")
    assert "hunter" not in json.dumps(report.failures)


def test_protected_settings_inside_an_extension_is_rejected() -> None:
    pool = sample_pool()
    extensions_of(pool)[0]["protectedSettings"] = {"token": "hunter2"}
    report = validate_inputs(pool)
    assert [path for path, _ in report.failures] == [f"{EXTENSIONS_PATH}[0].protectedSettings"]
    assert "hunter2" not in json.dumps(report.failures)


def test_secret_values_are_not_quoted_in_schema_failures() -> None:
    pool = sample_pool()
    pool["userAccounts"] = [{"name": "u"}]
    pool["writeOnlySecrets"] = {"userAccounts[name=u].password": 12345678}
    report = validate_inputs(pool)
    assert [path for path, _ in report.failures] == ["userAccounts[0].password"]
    assert "12345678" not in json.dumps(report.failures)


def test_inline_write_only_secret_is_refused_without_quoting_it() -> None:
    pool = sample_pool()
    pool["userAccounts"] = [{"name": "u", "password": "inline-pw-9"}]
    failures = failures_of(pool)
    assert list(failures) == ["userAccounts[0].password"]
    assert "writeOnlySecrets" in failures["userAccounts[0].password"]
    assert "inline-pw-9" not in json.dumps(failures)


def test_settings_must_be_json() -> None:
    pool = sample_pool()
    extensions_of(pool)[0]["settings"] = "not json"
    pool["protectedSettings"] = {"secretext": {"token": {1, 2}}}
    failures = failures_of(pool)
    assert failures[f"{EXTENSIONS_PATH}[0].settings"].startswith("is a string but not a JSON object")
    assert failures["protectedSettings.secretext"].startswith("is not JSON-serialisable (TypeError")
    extensions_of(pool)[0]["settings"] = '{"a": 1}'
    del pool["protectedSettings"]
    assert failures_of(pool) == {}


def test_key_vault_extension_without_identity_warns() -> None:
    pool = sample_pool()
    del pool["identity"]
    report = validate_inputs(pool)
    assert report.ok
    assert len(report.warnings) == 1 and "'secretext'" in report.warnings[0]
    pool["identity"] = {"type": "None"}
    assert len(validate_inputs(pool).warnings) == 1


@pytest.mark.parametrize(
    "mutate",
    [
        lambda pool: pool.update(vmSize=Unknown()),
        lambda pool: pool.update(taskSlotsPerNode=Unknown()),
        lambda pool: pool.update(identity=Unknown()),
        lambda pool: pool.update(scaleSettings={"fixedScale": {"targetDedicatedNodes": Unknown()}}),
        lambda pool: pool.update(protectedSettings=Unknown()),
        lambda pool: pool.update(protectedSettings={"secretext": Unknown()}),
        lambda pool: extensions_of(pool).append(Unknown()),
        lambda pool: extensions_of(pool)[0].update(name=Unknown(), settings=Unknown()),
        lambda pool: extensions_of(pool)[1].update(provisionAfterExtensions=Unknown()),
    ],
)
def test_unknown_values_are_skipped(mutate: Any) -> None:
    pool = sample_pool()
    mutate(pool)
    report = validate_inputs(pool)
    assert report.failures == []
    assert report.warnings == []


def test_unknown_values_do_not_hide_typos_next_to_them() -> None:
    pool = sample_pool()
    extensions_of(pool)[0].update(settings=Unknown(), publsher="x")
    assert list(failures_of(pool)) == [f"{EXTENSIONS_PATH}[0].publsher"]
