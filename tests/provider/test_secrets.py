"""Tests for splitting, merging, fingerprinting and redacting extension protectedSettings."""

import json

from provider.secrets import (
    REDACTED,
    fingerprint_protected_settings,
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
    secret = {"token": 'pa"ss', "nested": ["other-secret"]}
    escaped = json.dumps('pa"ss')
    text = f'failed: {json.dumps(secret)} / token pa"ss / escaped {escaped} / other-secret'
    redacted = redact(text, [secret])
    assert 'pa"ss' not in redacted and 'pa\\"ss' not in redacted and "other-secret" not in redacted
    assert redacted.count(REDACTED) == 4
    assert redacted.startswith("failed: [REDACTED]")


def test_redact_leaves_numbers_and_unrelated_text() -> None:
    assert redact("retry 1 of 3", [{"n": 1}, "zzz"]) == "retry 1 of 3"


def test_digests_reveal_nothing_and_redact_what_they_were_made_from() -> None:
    salt = new_salt()
    digests = secret_digests([{"token": "tok-123"}, '{"inner": "json-leaf"}'], salt)
    assert "tok-123" not in json.dumps(digests) and "json-leaf" not in json.dumps(digests)
    text = 'failed: tok-123, then json-leaf, then {"token": "tok-123"}; unrelated tok-12'
    redacted = redact_by_digests(text, digests, salt)
    assert "tok-123" not in redacted and "json-leaf" not in redacted
    assert redacted.endswith("unrelated tok-12"), "only whole secrets are hidden"
    assert redact_by_digests(text, digests, new_salt()) == text, "digests are bound to their salt"


def test_a_protected_setting_given_as_json_text_hides_its_leaves() -> None:
    assert redact("leaf inner-value here", ['{"a": "inner-value"}']) == f"leaf {REDACTED} here"
