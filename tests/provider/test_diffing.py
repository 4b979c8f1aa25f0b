"""Tests for the pure diff rules, including property-based invariants."""

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.output import Unknown

from provider.diffing import MUTABLE_KEYS, REPLACE_KEYS, changed_mutable_keys, diff_pool
from provider.secrets import fingerprint_protected_settings, new_salt
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


# --- property-based invariants -------------------------------------------------------------------------

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
json_leaf = st.one_of(
    st.integers(-1000, 1000), st.booleans(), st.text(alphabet='aZ09 é"\\{}[]:,', max_size=8)
)
settings_values = st.dictionaries(names, st.one_of(json_leaf, st.lists(json_leaf, max_size=3)), max_size=4)


@st.composite
def extension_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    ext_names = draw(st.lists(names, min_size=1, max_size=5, unique_by=str.lower))
    extensions = []
    for name in ext_names:
        extension: dict[str, Any] = {
            "name": name,
            "publisher": draw(st.sampled_from(["Microsoft.Azure.KeyVault", "Microsoft.Azure.Geneva"])),
            "type": draw(st.sampled_from(["KeyVaultForLinux", "GenevaMonitoring"])),
            "typeHandlerVersion": draw(st.sampled_from(["1.0", "2.0", "3.0"])),
        }
        if draw(st.booleans()):
            extension["autoUpgradeMinorVersion"] = draw(st.booleans())
        if draw(st.booleans()):
            extension["settings"] = draw(settings_values)
        extensions.append(extension)
    return extensions


@st.composite
def pools(draw: st.DrawFn) -> dict[str, Any]:
    pool = sample_pool()
    extensions = draw(extension_lists())
    extensions_of(pool)[:] = extensions
    pool["vmSize"] = draw(st.sampled_from(["STANDARD_D2S_V3", "Standard_D4d_v5", "standard_a1"]))
    pool["protectedSettings"] = {
        ext["name"]: draw(settings_values) for ext in extensions if draw(st.booleans())
    }
    pool["scaleSettings"] = {"fixedScale": {"targetDedicatedNodes": draw(st.integers(0, 100))}}
    pool["metadata"] = [
        {"name": n, "value": v} for n, v in draw(st.dictionaries(names, names, max_size=3)).items()
    ]
    return pool


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


@given(pools())
def test_property_diff_of_itself_is_no_change(pool: dict[str, Any]) -> None:
    result = diff_pool(outputs_of(pool, new_salt()), pool)
    assert (result.changes, result.replaces) == (False, [])


@given(pools(), st.randoms(use_true_random=False))
def test_property_reordering_extensions_is_no_change(pool: dict[str, Any], rnd: Any) -> None:
    news = copy.deepcopy(pool)
    rnd.shuffle(extensions_of(news))
    assert diff_pool(outputs_of(pool), news).changes is False


@given(pools(), st.data())
def test_property_changing_any_extension_field_replaces(pool: dict[str, Any], data: st.DataObject) -> None:
    news = copy.deepcopy(pool)
    extension = data.draw(st.sampled_from(extensions_of(news)))
    field = data.draw(
        st.sampled_from(
            [
                "name",
                "publisher",
                "type",
                "typeHandlerVersion",
                "autoUpgradeMinorVersion",
                "enableAutomaticUpgrade",
                "settings",
                "provisionAfterExtensions",
            ]
        )
    )
    if field in ("autoUpgradeMinorVersion", "enableAutomaticUpgrade"):
        extension[field] = not extension.get(field, False)
    elif field == "settings":
        extension[field] = {**extension.get("settings", {}), "changed-key": 1}
    elif field == "provisionAfterExtensions":
        extension[field] = [*extension.get(field, []), "zz-new-prerequisite"]
    else:
        extension[field] = extension[field] + "-changed"
    news["protectedSettings"] = {}
    olds_pool = copy.deepcopy(pool)
    olds_pool["protectedSettings"] = {}
    result = diff_pool(outputs_of(olds_pool), news)
    assert result.changes is True
    assert result.replaces == ["deploymentConfiguration"]


@given(pools(), st.data())
def test_property_scale_and_metadata_changes_update_in_place(
    pool: dict[str, Any], data: st.DataObject
) -> None:
    news = copy.deepcopy(pool)
    news["scaleSettings"] = {"autoScale": {"formula": "$TargetDedicatedNodes=1"}}
    if data.draw(st.booleans()):
        news["metadata"] = [*news["metadata"], {"name": "added", "value": "1"}]
    result = diff_pool(outputs_of(pool), news)
    assert (result.changes, result.replaces) == (True, [])


@given(pools())
def test_property_settings_as_json_string_is_no_change(pool: dict[str, Any]) -> None:
    news = copy.deepcopy(pool)
    for extension in extensions_of(news):
        if "settings" in extension:
            extension["settings"] = json.dumps(extension["settings"])
    assert diff_pool(outputs_of(pool), news).changes is False


@given(pools())
@settings(max_examples=50)
def test_property_ints_as_floats_is_no_change(pool: dict[str, Any]) -> None:
    assert diff_pool(outputs_of(pool), as_floats(pool)).changes is False
    assert diff_pool(outputs_of(as_floats(pool)), pool).changes is False


@given(pools(), st.sampled_from([str.upper, str.lower, str.swapcase]))
def test_property_vm_size_case_is_no_change(pool: dict[str, Any], recase: Any) -> None:
    news = copy.deepcopy(pool)
    news["vmSize"] = recase(news["vmSize"])
    assert diff_pool(outputs_of(pool), news).changes is False
