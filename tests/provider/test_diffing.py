"""Tests for the pure diff rules (the property-based invariants are in test_diff_properties.py)."""

import copy
import json
from typing import Any

from pulumi.output import Unknown

from pulumi_azure_batch_pool.model.diffing import MUTABLE_KEYS, REPLACE_KEYS, changed_mutable_keys, diff_pool
from pulumi_azure_batch_pool.model.secrets import fingerprint_protected_settings
from tests.provider import extensions_of, sample_pool


def outputs_of(inputs: dict[str, Any], salt: str = "fixed-salt") -> dict[str, Any]:
    """What create returns: every input but protectedSettings, plus the fingerprint and read-only state."""
    outputs = {key: value for key, value in copy.deepcopy(inputs).items() if key != "protectedSettings"}
    outputs["protectedSettingsSalt"] = salt
    outputs["protectedSettingsFingerprint"] = fingerprint_protected_settings(
        inputs.get("protectedSettings") or {}, salt
    )
    outputs.update({"__provider": "blob", "etag": 'W/"0x1"', "allocationState": "Steady", "nodeCount": 2.0})
    return outputs


def test_same_pool_is_no_change() -> None:
    pool = sample_pool()
    result = diff_pool(outputs_of(pool), pool)
    assert (result.changes, result.replaces, result.delete_before_replace) == (False, [], False)


def test_each_create_only_key_replaces() -> None:
    for key in REPLACE_KEYS:
        news = sample_pool()
        news[key] = "changed-" + key
        result = diff_pool(outputs_of(sample_pool()), news)
        assert result.changes is True, key
        assert result.replaces == [key]


def test_each_mutable_key_updates_in_place() -> None:
    for key in MUTABLE_KEYS:
        news = sample_pool()
        news[key] = {"changed": key}
        result = diff_pool(outputs_of(sample_pool()), news)
        assert (result.changes, result.replaces) == (True, []), key
        assert changed_mutable_keys(outputs_of(sample_pool()), news) == [key]


def test_removing_a_mutable_key_updates() -> None:
    news = sample_pool()
    del news["metadata"]
    assert changed_mutable_keys(outputs_of(sample_pool()), news) == ["metadata"]


def test_provider_options_update_without_azure_changes() -> None:
    news = sample_pool()
    news["timeoutMinutes"] = 30.0
    news["poolNamePrefix"] = "other"
    result = diff_pool(outputs_of(sample_pool()), news)
    assert (result.changes, result.replaces) == (True, [])
    assert changed_mutable_keys(outputs_of(sample_pool()), news) == []


def test_provider_blob_and_read_only_outputs_are_ignored() -> None:
    olds = outputs_of(sample_pool())
    olds.update({"__provider": "other-blob", "etag": 'W/"0x2"', "provisioningState": "Deleting"})
    assert diff_pool(olds, sample_pool()).changes is False


def test_protected_settings_change_replaces() -> None:
    news = sample_pool()
    news["protectedSettings"] = {"secretext": {"token": "rotated"}}
    result = diff_pool(outputs_of(sample_pool()), news)
    assert result.replaces == ["protectedSettings"]


def test_protected_settings_added_without_old_salt_replaces() -> None:
    olds = outputs_of(sample_pool())
    del olds["protectedSettingsSalt"], olds["protectedSettingsFingerprint"]
    assert diff_pool(olds, sample_pool()).replaces == ["protectedSettings"]
    news = sample_pool()
    del news["protectedSettings"]
    assert diff_pool(olds, news).changes is False


def test_protected_settings_fingerprint_key_case_is_ignored() -> None:
    olds = outputs_of(sample_pool())
    olds["protectedSettingsFingerprint"] = {
        k.upper(): v for k, v in olds["protectedSettingsFingerprint"].items()
    }
    assert diff_pool(olds, sample_pool()).changes is False


def test_delete_before_replace_only_for_explicit_names() -> None:
    news = sample_pool()
    news["vmSize"] = "STANDARD_D4"
    assert diff_pool(outputs_of(sample_pool()), news).delete_before_replace is False
    explicit = sample_pool()
    explicit["poolNameGenerated"] = False
    news["poolNameGenerated"] = False
    assert diff_pool(outputs_of(explicit), news).delete_before_replace is True


def test_unknown_in_replace_capable_property_replaces() -> None:
    news = sample_pool()
    extensions_of(news)[0]["typeHandlerVersion"] = Unknown()
    news["protectedSettings"] = Unknown()
    result = diff_pool(outputs_of(sample_pool()), news)
    assert result.replaces == ["deploymentConfiguration", "protectedSettings"]


def test_unknown_in_mutable_property_is_an_update() -> None:
    news = sample_pool()
    news["scaleSettings"] = {"fixedScale": {"targetDedicatedNodes": Unknown()}}
    result = diff_pool(outputs_of(sample_pool()), news)
    assert (result.changes, result.replaces) == (True, [])


def test_absent_protected_settings_is_not_a_removal() -> None:
    # Inputs recorded by a refresh carry no protectedSettings (Azure never returns them); only the
    # resource class sends the key, always, so its absence means "not known here", not "removed".
    pool = sample_pool()
    olds = outputs_of(pool)
    del pool["protectedSettings"]
    assert diff_pool(olds, pool).changes is False
    assert diff_pool(olds, {**pool, "protectedSettings": {}}).replaces == ["protectedSettings"]


def test_refresh_direction_reports_no_change() -> None:
    # Refresh calls diff with olds = refreshed outputs and news = old inputs.
    pool = sample_pool()
    refreshed = outputs_of(pool)
    refreshed["vmSize"] = pool["vmSize"].lower()
    extensions_of(refreshed)[0]["settings"] = json.dumps(extensions_of(pool)[0]["settings"])
    assert diff_pool(refreshed, pool).changes is False


def as_floats(value: Any) -> Any:
    """The engine's view of a value: every int becomes a float."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {key: as_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_floats(item) for item in value]
    return value
