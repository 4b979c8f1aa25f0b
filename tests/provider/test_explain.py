"""Tests for the preview lines that say why a pool is replaced."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from pulumi.output import Unknown

from pulumi_azure_batch_pool.engine import engine_log
from pulumi_azure_batch_pool.engine.explain import EXTENSIONS_RULE, LOCATION_RULE, replacement_causes
from pulumi_azure_batch_pool.engine.provider import BatchPoolProvider
from pulumi_azure_batch_pool.model.diffing import diff_pool
from tests.provider import extensions_of, sample_pool
from tests.provider.test_diffing import outputs_of

SECRET = "s3cr3t-value"


def causes(change: Any, olds_change: Any = None) -> list[str]:
    """The lines for ``sample_pool`` changed by ``change`` (and its old outputs by ``olds_change``)."""
    old, new = sample_pool(), sample_pool()
    change(new)
    if olds_change:
        olds_change(old)
    olds = outputs_of(old)
    return replacement_causes(olds, new, diff_pool(olds, new).replaces or [])


def test_extension_field_names_extension_field_old_new_and_rule() -> None:
    lines = causes(lambda pool: extensions_of(pool)[0].update(typeHandlerVersion="3.1"))
    assert lines == [f"render-1a2b3c4: replace: secretext.typeHandlerVersion 3.0 -> 3.1 ({EXTENSIONS_RULE})"]


def test_protected_settings_change_is_named_without_values() -> None:
    lines = causes(lambda pool: pool["protectedSettings"]["secretext"].update(token="rotated-" + SECRET))
    assert lines == [f"render-1a2b3c4: replace: protectedSettings of secretext changed ({EXTENSIONS_RULE})"]
    assert SECRET not in "".join(lines)


def test_added_removed_and_nested_settings_changes() -> None:
    def change(pool: dict[str, Any]) -> None:
        extensions_of(pool).pop()  # monitor
        extensions_of(pool).append({"name": "Health", "publisher": "P", "type": "T"})
        extensions_of(pool)[0]["settings"]["secretsManagementSettings"]["pollingIntervalInS"] = 60

    lines = causes(change)
    assert [line.split(": replace: ")[1] for line in lines] == [
        f"extension Health added ({EXTENSIONS_RULE})",
        f"extension monitor removed ({EXTENSIONS_RULE})",
        f"secretext.settings.secretsManagementSettings.pollingIntervalInS 3600 -> 60 ({EXTENSIONS_RULE})",
    ]


def test_a_changed_extension_type_reads_as_a_field_change() -> None:
    lines = causes(lambda pool: extensions_of(pool)[1].update(type="AzureMonitorLinuxAgent2"))
    assert lines == [
        "render-1a2b3c4: replace: monitor.type AzureMonitorLinuxAgent -> AzureMonitorLinuxAgent2"
        f" ({EXTENSIONS_RULE})"
    ]


def test_properties_name_the_nodes_rule_and_defaults_read_as_values() -> None:
    def change(pool: dict[str, Any]) -> None:
        pool["vmSize"] = "STANDARD_D4S_V3"
        pool["taskSlotsPerNode"] = 2
        del pool["taskSchedulingPolicy"]  # Pack -> Azure's default, Spread
        pool["deploymentConfiguration"]["virtualMachineConfiguration"]["imageReference"]["sku"] = "minimal"

    lines = [line.split(": replace: ")[1] for line in causes(change)]
    assert lines == [
        "vmSize STANDARD_D2S_V3 -> STANDARD_D4S_V3 "
        "(Azure rejects a change of vmSize while the pool has nodes)",
        "deploymentConfiguration.virtualMachineConfiguration.imageReference.sku server -> minimal "
        "(Azure rejects a change of deploymentConfiguration while the pool has nodes)",
        "taskSlotsPerNode 1 -> 2 (Azure rejects a change of taskSlotsPerNode while the pool has nodes)",
        "taskSchedulingPolicy.nodeFillType pack -> spread "
        "(Azure rejects a change of taskSchedulingPolicy while the pool has nodes)",
    ]


def test_location_change_names_the_move_rule() -> None:
    lines = causes(lambda pool: pool.update(accountName="otheraccount"))
    assert lines == [f"render-1a2b3c4: replace: accountName demoaccount -> otheraccount ({LOCATION_RULE})"]


def test_write_only_secrets_are_masked() -> None:
    def old(pool: dict[str, Any]) -> None:
        pool["userAccounts"] = [{"name": "admin", "password": "old-" + SECRET}]

    def new(pool: dict[str, Any]) -> None:
        pool["userAccounts"] = [
            {"name": "admin", "password": "new-" + SECRET},
            {"name": "ops", "password": SECRET, "elevationLevel": "Admin"},
        ]

    lines = causes(new, old)
    assert [line.split(": replace: ")[1].rsplit(" (", 1)[0] for line in lines] == [
        "userAccounts[admin].password changed",
        "userAccounts[ops] added",
    ]
    assert SECRET not in "".join(lines)


def test_secrets_inside_ordered_lists_are_masked() -> None:
    def mount(key: str) -> list[dict[str, Any]]:
        blob = {"accountName": "a", "containerName": "c", "accountKey": key, "relativeMountPath": "m"}
        return [{"azureBlobFileSystemConfiguration": blob}]

    lines = causes(
        lambda pool: pool.update(mountConfiguration=mount("new-" + SECRET)),
        lambda pool: pool.update(mountConfiguration=mount("old-" + SECRET)),
    )
    assert [line.split(": replace: ")[1].rsplit(" (", 1)[0] for line in lines] == [
        "mountConfiguration changed"
    ]

    (added,) = causes(lambda pool: pool.update(mountConfiguration=mount(SECRET)))
    assert '[{"azureBlobFileSystemConfiguration":{"accountKey":"***"' in added and SECRET not in added


def test_unknowns_read_as_known_after_apply() -> None:
    def change(pool: dict[str, Any]) -> None:
        extensions_of(pool)[0]["typeHandlerVersion"] = Unknown()
        pool["protectedSettings"] = Unknown()

    assert [line.split(": replace: ")[1].rsplit(" (", 1)[0] for line in causes(change)] == [
        "secretext.typeHandlerVersion 3.0 -> (known after apply)",
        "protectedSettings are not known until apply",
    ]


def test_unknown_extensions_read_as_known_after_apply() -> None:
    whole = causes(
        lambda pool: pool["deploymentConfiguration"]["virtualMachineConfiguration"].update(
            extensions=Unknown()
        )
    )
    one = causes(lambda pool: extensions_of(pool).append(Unknown()))
    for lines in (whole, one):
        assert [line.split(": replace: ")[1] for line in lines] == [
            f"extensions (known after apply) ({EXTENSIONS_RULE})"
        ]


def test_no_replacement_no_lines() -> None:
    assert causes(lambda pool: pool["scaleSettings"]["fixedScale"].update(targetDedicatedNodes=5)) == []
    assert causes(lambda pool: None) == []


def test_provider_diff_logs_one_line_per_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    # The provider logs through pulumi_azure_batch_pool.engine.engine_log (to the engine's Log service, or
    # stderr): record the
    # calls instead.
    logged: list[str] = []
    monkeypatch.setattr(engine_log, "info", logged.append)
    news = sample_pool()
    extensions_of(news)[0]["typeHandlerVersion"] = "3.1"
    news["protectedSettings"] = {"secretext": {"token": "rotated"}}
    result = BatchPoolProvider().diff("id", outputs_of(sample_pool()), copy.deepcopy(news))
    assert result.replaces == ["deploymentConfiguration", "protectedSettings"]
    assert [line.split(" (")[0] for line in logged] == [
        "render-1a2b3c4: replace: secretext.typeHandlerVersion 3.0 -> 3.1",
        "render-1a2b3c4: replace: protectedSettings of secretext changed",
    ]


def test_the_readme_shows_real_lines() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### What replaces, what updates, and why")[1].split("\n### ")[0]
    shown = section.split("```text\n")[1].split("```")[0].splitlines()

    def change(pool: dict[str, Any]) -> None:
        extensions_of(pool)[0]["typeHandlerVersion"] = "3.1"
        pool["protectedSettings"]["secretext"]["token"] = "rotated"
        pool["taskSlotsPerNode"] = 2

    assert sorted(shown) == sorted(causes(change))
