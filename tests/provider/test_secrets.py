"""Tests for splitting, merging, fingerprinting and redacting extension protectedSettings."""

import json

from pulumi_azure_batch_pool.model.secrets import (
    MIN_SECRET_LENGTH,
    REDACTED,
    fingerprint_protected_settings,
    hideable_failures,
    merge_protected_settings,
    new_salt,
    redact,
    redact_by_digests,
    secret_digests,
    split_protected_settings,
)
from tests.provider import sample_pool


def _deployment_with_secrets() -> dict:
    deployment = sample_pool()["deploymentConfiguration"]
    deployment["virtualMachineConfiguration"]["extensions"][0]["protectedSettings"] = {"token": "abc"}
    return deployment


def test_split_removes_protected_settings_and_keeps_input_intact() -> None:
    deployment = _deployment_with_secrets()
    stripped, protected = split_protected_settings(deployment)
    assert protected == {"secretext": {"token": "abc"}}
    assert all(
        "protectedSettings" not in ext for ext in stripped["virtualMachineConfiguration"]["extensions"]
    )
    assert deployment["virtualMachineConfiguration"]["extensions"][0]["protectedSettings"] == {"token": "abc"}


def test_split_without_virtual_machine_configuration_is_a_copy() -> None:
    stripped, protected = split_protected_settings({})
    assert (stripped, protected) == ({}, {})


def test_merge_is_the_inverse_of_split() -> None:
    deployment = _deployment_with_secrets()
    stripped, protected = split_protected_settings(deployment)
    assert merge_protected_settings(stripped, protected) == deployment
    assert "protectedSettings" not in stripped["virtualMachineConfiguration"]["extensions"][0]


def test_merge_leaves_extensions_without_secrets_alone() -> None:
    merged = merge_protected_settings(sample_pool()["deploymentConfiguration"], {"monitor": "x"})
    extensions = merged["virtualMachineConfiguration"]["extensions"]
    assert "protectedSettings" not in extensions[0]
    assert extensions[1]["protectedSettings"] == "x"


def test_new_salt_is_random_hex() -> None:
    first, second = new_salt(), new_salt()
    assert first != second
    assert len(first) == 32 and int(first, 16) >= 0


def test_fingerprint_is_canonical_but_sensitive_to_values_and_salt() -> None:
    salt = new_salt()
    base = fingerprint_protected_settings({"ext": {"a": 1, "b": [1, 2]}}, salt)
    assert base == fingerprint_protected_settings({"ext": {"b": [1.0, 2.0], "a": 1.0}}, salt)
    assert base == fingerprint_protected_settings({"ext": json.dumps({"a": 1, "b": [1, 2]})}, salt)
    assert base != fingerprint_protected_settings({"ext": {"a": 2, "b": [1, 2]}}, salt)
    assert base != fingerprint_protected_settings({"ext": {"a": 1, "b": [1, 2]}}, new_salt())
    assert len(base["ext"]) == 64


def test_fingerprint_never_contains_the_secret() -> None:
    fingerprint = fingerprint_protected_settings({"ext": "hunter2"}, "salt")
    assert "hunter2" not in json.dumps(fingerprint)


def test_redact_hides_string_leaves_and_json_forms() -> None:
    secret = {"token": 'pa"ssword', "nested": ["other-secret"]}
    escaped = json.dumps('pa"ssword')
    text = f'failed: {json.dumps(secret)} / token pa"ssword / escaped {escaped} / other-secret'
    redacted = redact(text, [secret])
    assert 'pa"ssword' not in redacted and 'pa\\"ssword' not in redacted and "other-secret" not in redacted
    assert redacted.count(REDACTED) == 4
    assert redacted.startswith("failed: [REDACTED]")


def test_redact_leaves_numbers_and_unrelated_text() -> None:
    assert redact("retry 1 of 3", [{"n": 1}, "zzz"]) == "retry 1 of 3"


def test_digests_reveal_nothing_and_redact_what_they_were_made_from() -> None:
    salt = new_salt()
    digests = secret_digests([{"token": "tok-12345"}, '{"inner": "json-leaf"}'], salt)
    assert "tok-12345" not in json.dumps(digests) and "json-leaf" not in json.dumps(digests)
    text = 'failed: tok-12345, then json-leaf, then {"token": "tok-12345"}; unrelated tok-1234'
    redacted = redact_by_digests(text, digests, salt)
    assert "tok-12345" not in redacted and "json-leaf" not in redacted
    assert redacted.endswith("unrelated tok-1234"), "only whole secrets are hidden"
    assert redact_by_digests(text, digests, new_salt()) == text, "digests are bound to their salt"


def test_a_protected_setting_given_as_json_text_hides_its_leaves() -> None:
    assert redact("leaf inner-value here", ['{"a": "inner-value"}']) == f"leaf {REDACTED} here"


def test_a_short_secret_never_garbles_a_message_by_value_or_by_digest() -> None:
    """A one-character secret is refused by Check; a stale one (legacy state) must not mangle words."""
    text = "Refusing to create the pool 'badin-pool': its inputs are invalid, so nothing was sent to Azure."
    salt = new_salt()
    assert redact(text, [{"password": "p"}, 1234]) == text
    assert redact_by_digests(text, [f"1:{'0' * 32}", *secret_digests(["p"], salt)], salt) == text


def test_short_numeric_and_boolean_secrets_are_refused_without_quoting_them() -> None:
    failures = dict(
        hideable_failures(
            "protectedSettings",
            {"ext": {"pin": 1234, "on": True, "name": "abc", "ok": "long-enough-secret", "empty": ""}},
        )
    )
    assert sorted(failures) == [
        "protectedSettings.ext.name",
        "protectedSettings.ext.on",
        "protectedSettings.ext.pin",
    ]
    assert "a number" in failures["protectedSettings.ext.pin"]
    assert "a boolean" in failures["protectedSettings.ext.on"]
    assert f"shorter than {MIN_SECRET_LENGTH} characters" in failures["protectedSettings.ext.name"]
    assert all("1234" not in reason and "abc" not in reason for reason in failures.values())
    assert "move it to the extension's settings" in failures["protectedSettings.ext.pin"]
    text_form = dict(hideable_failures("protectedSettings", {"ext": json.dumps({"pin": 42})}))
    assert list(text_form) == ["protectedSettings.ext.pin"], "a JSON-text value is checked leaf by leaf"
    [(path, reason)] = hideable_failures("writeOnlySecrets", {"userAccounts[name=a].password": "p"})
    assert path == "writeOnlySecrets.userAccounts[name=a].password" and "settings" not in reason
