"""Tests for pool-name validation and derived auto-naming."""

import re

import pytest
from pulumi.runtime.rpc import UNKNOWN

from pulumi_azure_batch_pool.model.naming import (
    creation_digest,
    derived_pool_name,
    resolve_pool_name,
    validate_pool_name,
)

GENERATED = re.compile(r"^(?P<prefix>[a-zA-Z0-9_-]+)-[a-z0-9]{7}$")


@pytest.mark.parametrize("name", ["a", "pool_1-A", "x" * 64])
def test_valid_names(name: str) -> None:
    assert validate_pool_name(name) is None


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("", "empty"), ("x" * 65, "65 characters"), ("my pool", "' '"), ("a.b/c", "'.'")],
)
def test_invalid_names_say_why(name: str, fragment: str) -> None:
    reason = validate_pool_name(name)
    assert reason is not None and fragment in reason


PROGRAM = {
    "pulumiStack": "render/dev",
    "poolNamePrefix": "render",
    "subscriptionId": "sub",
    "resourceGroupName": "rg",
    "accountName": "acct",
    "vmSize": "STANDARD_D2S_V3",
    "deploymentConfiguration": {
        "virtualMachineConfiguration": {
            "extensions": [{"name": "a", "type": "T"}, {"name": "b", "type": "U", "settings": {"x": 1}}]
        }
    },
    "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 2}},
    "protectedSettings": {"a": {"key": "k1"}},
}


def test_generated_names_are_sanitised_and_bounded() -> None:
    digest = creation_digest(PROGRAM)
    assert digest is not None
    match = GENERATED.match(derived_pool_name("my app/render", digest))
    assert match is not None and match["prefix"] == "my-app-render"
    long_name = derived_pool_name("r" * 200, digest)
    assert len(long_name) == 64 and validate_pool_name(long_name) is None
    assert GENERATED.match(derived_pool_name("...", digest)) is not None
    assert derived_pool_name(None, digest).startswith("pool-")


def test_a_retried_create_derives_the_same_name() -> None:
    """The engine re-runs Check with empty olds after a crash: the name must come out the same."""
    first, _ = resolve_pool_name({}, dict(PROGRAM), "render")
    again, generated = resolve_pool_name({}, dict(PROGRAM), "render")
    assert (again, generated) == (first, True)
    rewritten = {
        **PROGRAM,
        "vmSize": "standard_d2s_v3",
        "deploymentConfiguration": {
            "virtualMachineConfiguration": {
                "extensions": [
                    {"name": "b", "type": "U", "settings": '{"x": 1.0}'},
                    {"name": "a", "type": "T"},
                ]
            }
        },
        "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 5}},
    }
    assert resolve_pool_name({}, rewritten, "render")[0] == first, (
        "no-op rewrites and in-place changes keep it"
    )


@pytest.mark.parametrize(
    "change",
    [
        {"vmSize": "STANDARD_D4S_V3"},
        {"protectedSettings": {"a": {"key": "k2"}}},
        {"accountName": "other"},
        {"pulumiStack": "render/prod"},
        {"poolNamePrefix": "render2"},
    ],
)
def test_a_replacement_or_another_stack_derives_a_new_name(change: dict[str, object]) -> None:
    assert (
        resolve_pool_name({}, {**PROGRAM, **change}, "render")[0]
        != resolve_pool_name({}, PROGRAM, "render")[0]
    )


def test_secrets_do_not_appear_in_the_digest_input_and_unknowns_give_an_unknown_name() -> None:
    name, generated = resolve_pool_name({}, {**PROGRAM, "protectedSettings": UNKNOWN}, "render")
    assert (name, generated) == (UNKNOWN, True)
    assert "k1" not in (creation_digest(PROGRAM) or "")


def test_explicit_name_wins() -> None:
    assert resolve_pool_name({"poolName": "old", "poolNameGenerated": True}, {"poolName": "mine"}, "r") == (
        "mine",
        False,
    )


def test_already_checked_generated_name_keeps_its_flag() -> None:
    assert resolve_pool_name({}, {"poolName": "r-abc1234", "poolNameGenerated": True}, "r") == (
        "r-abc1234",
        True,
    )


def test_generated_name_is_reused_from_olds() -> None:
    olds = {"poolName": "render-abc1234", "poolNameGenerated": True}
    assert resolve_pool_name(olds, {}, "render") == ("render-abc1234", True)


def test_explicit_old_name_is_not_reused_once_removed() -> None:
    name, generated = resolve_pool_name({"poolName": "fixed", "poolNameGenerated": False}, {}, "render")
    assert generated is True and name.startswith("render-")


def test_prefix_falls_back_to_the_pool_name_prefix_input() -> None:
    name, generated = resolve_pool_name({}, {"poolNamePrefix": "batch"}, None)
    assert generated is True and name.startswith("batch-")
