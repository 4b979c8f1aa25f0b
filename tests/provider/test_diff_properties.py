"""Property-based tests of diff over random valid pools: rewrites that change nothing plan nothing, and
real changes are always planned (an extension change always replaces).

The rewrites are the ones Azure and the engine really make or allow: sets reordered, server defaults
written out or left out, enum values in another casing, extension settings as a JSON string, ints as
floats, the provider's ownership tags present on one side.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pulumi_azure_batch_pool.model import pool_model
from pulumi_azure_batch_pool.model.defaults import SERVER_DEFAULTS
from pulumi_azure_batch_pool.model.diffing import REPLACE_KEYS, diff_pool
from pulumi_azure_batch_pool.model.normalize import canonical_value, equivalent_values
from pulumi_azure_batch_pool.model.ownership import CREATE_TOKEN_TAG, STACK_TAG
from tests.provider import extensions_of, sample_pool
from tests.provider.test_diffing import as_floats, outputs_of

REMOVE = object()
"""Returned by a rewrite to delete the value it was given."""

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
leaf = st.one_of(st.integers(-1000, 1000), st.booleans(), st.text(alphabet="aZ09 é", max_size=6))
settings_values = st.dictionaries(names, st.one_of(leaf, st.lists(leaf, max_size=3)), min_size=1, max_size=3)


def maybe(draw: st.DrawFn, target: dict[str, Any], key: str, strategy: st.SearchStrategy[Any]) -> None:
    if draw(st.booleans()):
        target[key] = draw(strategy)


@st.composite
def extensions(draw: st.DrawFn) -> list[dict[str, Any]]:
    result = []
    for name in draw(st.lists(names, min_size=1, max_size=5, unique_by=str.lower)):
        extension: dict[str, Any] = {
            "name": name,
            "publisher": draw(st.sampled_from(["Microsoft.Azure.KeyVault", "Microsoft.Azure.Monitor"])),
            "type": draw(st.sampled_from(["KeyVaultForLinux", "AzureMonitorLinuxAgent"])),
            "typeHandlerVersion": draw(st.sampled_from(["1.0", "2.0", "3.0"])),
        }
        maybe(draw, extension, "autoUpgradeMinorVersion", st.booleans())
        maybe(draw, extension, "enableAutomaticUpgrade", st.booleans())
        maybe(draw, extension, "settings", settings_values)
        result.append(extension)
    for extension in result[1:]:
        if draw(st.booleans()):
            extension["provisionAfterExtensions"] = [ext["name"] for ext in result if ext is not extension][
                :2
            ]
    return result


@st.composite
def pools(draw: st.DrawFn) -> dict[str, Any]:
    """Checked inputs of a random valid pool, in the flat wire shape."""
    pool = sample_pool()
    for key in ("taskSchedulingPolicy", "interNodeCommunication", "metadata", "identity", "tags"):
        del pool[key]
    vm = pool["deploymentConfiguration"]["virtualMachineConfiguration"]
    vm["extensions"] = draw(extensions())
    maybe(draw, vm["imageReference"], "version", st.sampled_from(["latest", "1.2.3"]))
    maybe(draw, vm, "osDisk", st.fixed_dictionaries({"caching": st.sampled_from(["None", "ReadOnly"])}))
    lun = st.integers(0, 63)
    disk = st.fixed_dictionaries(
        {"lun": lun, "diskSizeGB": st.integers(1, 100)}, optional={"caching": st.just("None")}
    )
    maybe(draw, vm, "dataDisks", st.lists(disk, max_size=3, unique_by=lambda item: item["lun"]))
    targets = st.lists(st.sampled_from(["OsDisk", "TemporaryDisk"]), min_size=1, unique=True)
    maybe(draw, vm, "diskEncryptionConfiguration", st.fixed_dictionaries({"targets": targets}))
    maybe(
        draw,
        vm,
        "containerConfiguration",
        st.fixed_dictionaries(
            {
                "type": st.just("DockerCompatible"),
                "containerImageNames": st.lists(names, min_size=2, max_size=3, unique=True),
            }
        ),
    )
    maybe(draw, pool, "taskSlotsPerNode", st.integers(1, 4))
    maybe(draw, pool, "interNodeCommunication", st.sampled_from(["Enabled", "Disabled"]))
    policy = {
        "nodeFillType": st.sampled_from(["Spread", "Pack"]),
        "jobDefaultOrder": st.sampled_from(["None", "CreationTime"]),
    }
    maybe(draw, pool, "taskSchedulingPolicy", st.fixed_dictionaries({}, optional=policy))
    network = {
        "dynamicVnetAssignmentScope": st.sampled_from(["none", "job"]),
        "enableAcceleratedNetworking": st.booleans(),
        "publicIPAddressConfiguration": st.fixed_dictionaries(
            {"provision": st.sampled_from(["BatchManaged", "NoPublicIPAddresses"])},
            optional={"ipFamilies": st.lists(st.sampled_from(["IPv4", "IPv6"]), min_size=1, unique=True)},
        ),
    }
    maybe(
        draw,
        pool,
        "networkConfiguration",
        st.fixed_dictionaries({"subnetId": st.just("/subnets/a")}, optional=network),
    )
    account = st.fixed_dictionaries(
        {"name": names}, optional={"elevationLevel": st.sampled_from(["NonAdmin", "Admin"])}
    )
    maybe(draw, pool, "userAccounts", st.lists(account, max_size=3, unique_by=lambda item: item["name"]))
    metadata = st.lists(
        st.fixed_dictionaries({"name": names, "value": names}),
        max_size=3,
        unique_by=lambda item: item["name"],
    )
    maybe(draw, pool, "metadata", metadata)
    environment = st.lists(
        st.fixed_dictionaries({"name": names, "value": names}),
        max_size=3,
        unique_by=lambda item: item["name"],
    )
    start = {
        "maxTaskRetryCount": st.integers(0, 3),
        "waitForSuccess": st.booleans(),
        "environmentSettings": environment,
    }
    maybe(draw, pool, "startTask", st.fixed_dictionaries({"commandLine": st.just("echo hi")}, optional=start))
    scale = {
        "targetLowPriorityNodes": st.integers(0, 3),
        "resizeTimeout": st.sampled_from(["PT15M", "PT20M"]),
    }
    pool["scaleSettings"] = {
        "fixedScale": draw(st.fixed_dictionaries({"targetDedicatedNodes": st.integers(0, 9)}, optional=scale))
    }
    pool["protectedSettings"] = {ext["name"]: {"key": "v"} for ext in vm["extensions"] if draw(st.booleans())}
    return pool


CREATABLE_PARENTS = frozenset({"taskSchedulingPolicy", "upgradePolicy", "identity", "osDisk"})
"""Objects a rewrite may add to hold a default: valid on any pool of ``pools()`` (unlike a start task)."""


def rewrite_at(value: Any, path: list[str], rewrite: Callable[[Any], Any]) -> None:
    """Apply ``rewrite`` to every value at the steps ``path`` (``[]``: every list item) inside ``value``.

    A missing object on the way is added when it is one of ``CREATABLE_PARENTS``.
    """
    head, rest = path[0], path[1:]
    if head == pool_model.ITEM:
        if isinstance(value, list):
            for index, item in enumerate(value):
                if rest:
                    rewrite_at(item, rest, rewrite)
                else:
                    value[index] = rewrite(item)
        return
    if not isinstance(value, dict):
        return
    if rest:
        if head not in value and head in CREATABLE_PARENTS:
            value[head] = {}
        if head in value:
            rewrite_at(value[head], rest, rewrite)
        return
    result = rewrite(value.get(head, REMOVE))
    if result is REMOVE:
        value.pop(head, None)
    else:
        value[head] = result


def shuffle_sets(pool: dict[str, Any], rnd: random.Random) -> None:
    def shuffled(items: Any) -> Any:
        if isinstance(items, list):
            items = list(items)
            rnd.shuffle(items)
        return items

    for path in [*pool_model.KEYED_LISTS, *pool_model.VALUE_SET_LISTS]:
        rewrite_at(pool, pool_model.segments(path), shuffled)


def toggle_defaults(pool: dict[str, Any], rnd: random.Random) -> None:
    """Write out some defaults that were left out, and leave out some that were written."""

    def toggled(value: Any, default: Any) -> Any:
        if value is REMOVE:
            return default if rnd.random() < 0.5 else REMOVE
        same = (
            value.lower() == default.lower()
            if isinstance(value, str) and isinstance(default, str)
            else value == default
        )
        return REMOVE if same and type(value) is type(default) and rnd.random() < 0.5 else value

    for path, default in SERVER_DEFAULTS.items():
        rewrite_at(pool, pool_model.segments(path), lambda value, default=default: toggled(value, default))


def recase_enums(pool: dict[str, Any], rnd: random.Random) -> None:
    """Enum values, ``vmSize`` and extension names in another casing."""

    def recased(value: Any) -> Any:
        return rnd.choice([str.upper, str.lower, str.swapcase])(value) if isinstance(value, str) else value

    for path in pool_model.ENUM_PATHS | pool_model.CASE_INSENSITIVE_PATHS:
        rewrite_at(pool, pool_model.segments(path), recased)


def settings_as_text(pool: dict[str, Any], rnd: random.Random) -> None:
    for extension in extensions_of(pool):
        if "settings" in extension and rnd.random() < 0.5:
            extension["settings"] = json.dumps(extension["settings"], indent=rnd.choice([None, 2]))


NO_OP_REWRITES = [shuffle_sets, toggle_defaults, recase_enums, settings_as_text]


def no_op_rewrite(pool: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
    """``pool`` rewritten in ways that describe the same pool to Azure."""
    rewritten = copy.deepcopy(pool)
    for rewrite in NO_OP_REWRITES:
        if rnd.random() < 0.7:
            rewrite(rewritten, rnd)
    return as_floats(rewritten) if rnd.random() < 0.5 else rewritten


def plan(olds_inputs: dict[str, Any], news: dict[str, Any]) -> tuple[bool, list[str]]:
    result = diff_pool(outputs_of(olds_inputs), news)
    return bool(result.changes), list(result.replaces)


@given(pools(), st.randoms(use_true_random=False))
@settings(max_examples=200)
def test_no_op_rewrites_plan_no_change(pool: dict[str, Any], rnd: random.Random) -> None:
    news = no_op_rewrite(pool, rnd)
    assert plan(pool, news) == (False, [])
    assert plan(news, pool) == (False, [])


@given(pools(), st.randoms(use_true_random=False))
def test_rewrites_on_both_sides_plan_no_change(pool: dict[str, Any], rnd: random.Random) -> None:
    olds = no_op_rewrite(pool, rnd)
    outputs = outputs_of(olds)
    outputs["tags"] = {STACK_TAG: "dev", CREATE_TOKEN_TAG: "token"}
    assert diff_pool(outputs, no_op_rewrite(pool, rnd)).changes is False


EXTENSION_FIELDS = {
    "name": lambda value: value + "x",
    "publisher": lambda value: value + ".Other",
    "type": lambda value: value + "2",
    "typeHandlerVersion": lambda value: value + ".1",
    "autoUpgradeMinorVersion": lambda value: not (value or False),
    "enableAutomaticUpgrade": lambda value: not (value or False),
    "settings": lambda value: {
        **(json.loads(value) if isinstance(value, str) else value or {}),
        "changed": 1,
    },
    "provisionAfterExtensions": lambda value: [*(value or []), "zz-new"],
}


@given(pools(), st.randoms(use_true_random=False), st.data())
def test_a_changed_extension_field_always_replaces(
    pool: dict[str, Any], rnd: random.Random, data: st.DataObject
) -> None:
    news = no_op_rewrite(pool, rnd)
    extension = data.draw(st.sampled_from(extensions_of(news)))
    field = data.draw(st.sampled_from(sorted(EXTENSION_FIELDS)))
    extension[field] = EXTENSION_FIELDS[field](extension.get(field))
    news["protectedSettings"] = pool["protectedSettings"]
    assert plan(pool, news) == (True, ["deploymentConfiguration"])


@given(pools(), st.randoms(use_true_random=False), st.booleans())
def test_scale_and_metadata_changes_update_in_place(
    pool: dict[str, Any], rnd: random.Random, more: bool
) -> None:
    news = no_op_rewrite(pool, rnd)
    news["scaleSettings"] = {"autoScale": {"formula": "$TargetDedicatedNodes=1"}}
    if more:
        news["metadata"] = [*news.get("metadata", []), {"name": "added-key", "value": "1"}]
    assert plan(pool, news) == (True, [])


CHANGES_FROM_DEFAULT = {
    "taskSlotsPerNode": 8,
    "interNodeCommunication": "Enabled",
    "taskSchedulingPolicy": {"nodeFillType": "Pack"},
    "networkConfiguration": {"subnetId": "/subnets/a", "dynamicVnetAssignmentScope": "job"},
}


@given(pools(), st.randoms(use_true_random=False), st.sampled_from(sorted(CHANGES_FROM_DEFAULT)))
def test_leaving_a_default_for_another_value_replaces(
    pool: dict[str, Any], rnd: random.Random, key: str
) -> None:
    pool.pop(key, None)
    news = no_op_rewrite(pool, rnd)
    news[key] = CHANGES_FROM_DEFAULT[key]
    assert plan(pool, news) == (True, [key])


@given(pools(), st.randoms(use_true_random=False))
def test_reordering_an_ordered_list_is_a_change(pool: dict[str, Any], rnd: random.Random) -> None:
    vm = pool["deploymentConfiguration"]["virtualMachineConfiguration"]
    vm["containerConfiguration"] = {"type": "DockerCompatible", "containerImageNames": ["a", "b", "c"]}
    news = no_op_rewrite(pool, rnd)
    news["deploymentConfiguration"]["virtualMachineConfiguration"]["containerConfiguration"][
        "containerImageNames"
    ].reverse()
    assert plan(pool, news) == (True, ["deploymentConfiguration"])


@given(pools(), st.randoms(use_true_random=False), st.data())
def test_fast_comparison_agrees_with_canonical_forms(
    pool: dict[str, Any], rnd: random.Random, data: st.DataObject
) -> None:
    # Diff uses equivalent_values for speed; refresh and the preview explanation use canonical_value.
    news = no_op_rewrite(pool, rnd)
    if data.draw(st.booleans()):
        extension = data.draw(st.sampled_from(extensions_of(news)))
        field = data.draw(st.sampled_from(sorted(EXTENSION_FIELDS)))
        extension[field] = EXTENSION_FIELDS[field](extension.get(field))
    if data.draw(st.booleans()):
        news[data.draw(st.sampled_from(sorted(CHANGES_FROM_DEFAULT)))] = data.draw(
            st.sampled_from(list(CHANGES_FROM_DEFAULT.values()))
        )
    for key in pool.keys() | news.keys():
        agree = canonical_value(key, pool.get(key)) == canonical_value(key, news.get(key))
        assert equivalent_values(key, pool.get(key), news.get(key)) is agree, key


@given(pools(), st.randoms(use_true_random=False))
def test_canonical_forms_are_plain_json_and_stable_under_no_op_rewrites(
    pool: dict[str, Any], rnd: random.Random
) -> None:
    # Derived pool names hash these forms: a no-op rewrite must not rename the pool.
    def digest(props: dict[str, Any]) -> str:
        return json.dumps({key: canonical_value(key, props.get(key)) for key in REPLACE_KEYS}, sort_keys=True)

    assert digest(pool) == digest(no_op_rewrite(pool, rnd))
