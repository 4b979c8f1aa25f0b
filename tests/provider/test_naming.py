"""Tests for pool-name validation and auto-naming."""

import re

import pytest

from provider.naming import generate_pool_name, resolve_pool_name, validate_pool_name

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


def test_generated_names_are_sanitised_bounded_and_random() -> None:
    first = generate_pool_name("my app/render")
    match = GENERATED.match(first)
    assert match is not None and match["prefix"] == "my-app-render"
    assert first != generate_pool_name("my app/render")
    long_name = generate_pool_name("r" * 200)
    assert len(long_name) == 64 and validate_pool_name(long_name) is None
    assert GENERATED.match(generate_pool_name("...")) is not None
    assert generate_pool_name(None).startswith("pool-")


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
