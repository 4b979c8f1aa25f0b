"""The provider's ownership tags: reading them back, telling this create from another, keeping them apart."""

from pulumi_azure_batch_pool.model.ownership import (
    CREATE_TOKEN_TAG,
    MANAGED_BY_TAG,
    Owner,
    owner_from_tags,
    ownership_tags_of,
    token_digest,
    without_ownership_tags,
)

OWNER = Owner(stack="render/dev", resource="pool", token="abc123.0001")


def test_tags_round_trip_whatever_the_casing_azure_returns() -> None:
    shouted = {key.upper(): value for key, value in OWNER.tags().items()}
    assert owner_from_tags(shouted) == OWNER
    assert owner_from_tags({"team": "render"}) is None
    assert owner_from_tags({**OWNER.tags(), MANAGED_BY_TAG: "someone-else"}) is None


def test_a_retry_is_the_same_create_another_digest_only_the_same_resource() -> None:
    retry = Owner("render/dev", "pool", "abc123.ffff")
    other_settings = Owner("render/dev", "pool", "def456.0001")
    other_stack = Owner("render/prod", "pool", "abc123.0001")
    assert OWNER.same_create(retry) and token_digest(retry.token) == "abc123"
    assert not OWNER.same_create(other_settings) and OWNER.same_resource(other_settings)
    assert not OWNER.same_create(other_stack) and not OWNER.same_resource(other_stack)
    assert not OWNER.same_create(None)


def test_user_tags_and_ownership_tags_split_cleanly() -> None:
    tags = {"team": "render", **OWNER.tags(), CREATE_TOKEN_TAG.upper(): "x"}
    assert without_ownership_tags(tags) == {"team": "render"}
    assert set(ownership_tags_of(tags)) == {*OWNER.tags(), CREATE_TOKEN_TAG.upper()}
    assert without_ownership_tags(None) == {} and ownership_tags_of(None) == {}
