"""Check against Azure Batch's list of extensions: the wrong operating system is refused with the fix, a pair
outside the list is a warning (with the likely intended pair), and ``batchpool:allowedExtensions`` silences
it. Every test goes through ``BatchPoolProvider.check``, as the engine calls it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.output import Unknown

from pulumi_azure_batch_pool import BatchPoolProvider
from pulumi_azure_batch_pool.model.extension_catalog import CATALOG, Extension, OsFamily
from tests.provider import extensions_of, sample_pool

TYPE_PATH = "deploymentConfiguration.virtualMachineConfiguration.extensions[0].type"
NODE_AGENTS = {OsFamily.LINUX: "batch.node.ubuntu 24.04", OsFamily.WINDOWS: "batch.node.windows amd64"}
IMAGES = {
    OsFamily.LINUX: {"publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server"},
    OsFamily.WINDOWS: {
        "publisher": "microsoftwindowsserver",
        "offer": "windowsserver",
        "sku": "2022-datacenter",
    },
}


def pool_with(os: OsFamily, *extensions: dict[str, Any]) -> dict[str, Any]:
    """The sample pool (which has an identity) on ``os`` with only ``extensions``."""
    pool = sample_pool()
    vm = pool["deploymentConfiguration"]["virtualMachineConfiguration"]
    vm["imageReference"], vm["nodeAgentSkuId"] = dict(IMAGES[os]), NODE_AGENTS[os]
    vm["extensions"] = [
        {"name": f"ext{i}", "typeHandlerVersion": "1.0", **e} for i, e in enumerate(extensions)
    ]
    pool["protectedSettings"] = {}
    return pool


def pair(entry: Extension) -> dict[str, str]:
    return {"publisher": entry.publisher, "type": entry.type}


def check(
    pool: dict[str, Any], capsys: pytest.CaptureFixture[str], config: dict[str, str] | None = None
) -> tuple[dict[str, str], str]:
    """Check's failures by path, and the warnings it logged (stderr: no engine in these tests)."""
    provider = BatchPoolProvider()
    if config is not None:
        provider.configure(ConfigureRequest(Config(config, "test")))
    capsys.readouterr()
    result = provider.check({}, pool)
    return {failure.property: failure.reason for failure in result.failures or []}, capsys.readouterr().err


@pytest.mark.parametrize("entry", CATALOG, ids=lambda entry: entry.pair)
def test_every_listed_pair_passes_on_its_own_os(entry: Extension, capsys: pytest.CaptureFixture[str]) -> None:
    failures, warnings = check(pool_with(entry.os, pair(entry)), capsys)
    assert failures == {}
    assert "not in Azure Batch's list" not in warnings and "needs a managed identity" not in warnings


@pytest.mark.parametrize("entry", CATALOG, ids=lambda entry: entry.pair)
def test_every_listed_pair_is_refused_on_the_other_os_with_the_fix(
    entry: Extension, capsys: pytest.CaptureFixture[str]
) -> None:
    other_os = OsFamily.WINDOWS if entry.os is OsFamily.LINUX else OsFamily.LINUX
    failures, _ = check(pool_with(other_os, pair(entry)), capsys)
    reason = failures[TYPE_PATH]
    assert f"runs on {entry.os.value} only" in reason and NODE_AGENTS[other_os] in reason
    twin = [e for e in CATALOG if e.family == entry.family and e.os is other_os]
    if twin:
        assert f"use type '{twin[0].type}'" in reason
    else:
        assert f"Azure Batch lists no {other_os.value} {entry.family} extension, so remove it" in reason


def test_the_key_vault_example_of_the_issue(capsys: pytest.CaptureFixture[str]) -> None:
    pool = pool_with(OsFamily.LINUX, {"publisher": "Microsoft.Azure.KeyVault", "type": "KeyVaultForWindows"})
    failures, _ = check(pool, capsys)
    assert list(failures) == [TYPE_PATH]
    assert "use type 'KeyVaultForLinux' (publisher 'Microsoft.Azure.KeyVault')" in failures[TYPE_PATH]


def test_names_compare_without_case_as_azures_do(capsys: pytest.CaptureFixture[str]) -> None:
    pool = pool_with(OsFamily.WINDOWS, {"publisher": "microsoft.hpccompute", "type": "NVIDIAGPUDRIVERLINUX"})
    failures, _ = check(pool, capsys)
    assert "use type 'NvidiaGpuDriverWindows'" in failures[TYPE_PATH]


@pytest.mark.parametrize(
    ("publisher", "kind", "hint"),
    [
        # the issue's typo: publisher case and a word too many
        (
            "Microsoft.Azure.Keyvault.Linux",
            "KeyVaultForLinux",
            "did you mean Microsoft.Azure.KeyVault/KeyVaultForLinux?",
        ),
        # a word missing from the type
        (
            "Microsoft.Azure.Monitor",
            "AzureMonitorLinux",
            "did you mean Microsoft.Azure.Monitor/AzureMonitorLinuxAgent?",
        ),
        # nothing close: the whole list
        ("Contoso.Agents", "HealthAgent", "the list has: Microsoft.Azure.KeyVault/KeyVaultForLinux, "),
        ("Contoso.Agents", "HealthAgent", "/AzureMonitorWindowsAgent. If it has, list the pair"),
    ],
)
def test_a_pair_outside_the_list_is_a_warning_with_a_hint(
    publisher: str, kind: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    failures, warnings = check(pool_with(OsFamily.LINUX, {"publisher": publisher, "type": kind}), capsys)
    assert failures == {}
    assert f"extensions[0]: extension 'ext0' ({publisher}/{kind}) is not in Azure Batch's list" in warnings
    assert hint in warnings and warnings.count("did you mean") == hint.count("did you mean")
    assert "batchpool:allowedExtensions" in warnings


def test_the_allowed_extensions_setting_silences_the_warning_for_its_pairs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pool = pool_with(
        OsFamily.LINUX,
        {"publisher": "Contoso.Agents", "type": "HealthAgent"},
        {"publisher": "Microsoft.ManagedServices", "type": "ApplicationHealthLinux"},
    )
    setting = {"batchpool:allowedExtensions": "contoso.agents/healthagent"}
    failures, warnings = check(pool, capsys, setting)
    assert failures == {}
    assert "Contoso.Agents/HealthAgent" not in warnings
    assert "(Microsoft.ManagedServices/ApplicationHealthLinux) is not in Azure Batch's list" in warnings


def test_a_malformed_allowed_extensions_setting_fails_check_with_the_form(
    capsys: pytest.CaptureFixture[str],
) -> None:
    failures, _ = check(pool_with(OsFamily.LINUX), capsys, {"batchpool:allowedExtensions": "Contoso.Agents"})
    assert (
        "batchpool:allowedExtensions has 'Contoso.Agents'; write each extension as Publisher/Type"
        in failures[""]
    )


def test_key_vault_on_a_pool_without_identity_warns(capsys: pytest.CaptureFixture[str]) -> None:
    pool = pool_with(
        OsFamily.WINDOWS, {"publisher": "Microsoft.Azure.KeyVault", "type": "KeyVaultForWindows"}
    )
    pool["identity"] = {"type": "None"}
    failures, warnings = check(pool, capsys)
    assert failures == {}
    assert (
        "extension 'ext0' (Microsoft.Azure.KeyVault/KeyVaultForWindows) needs a managed identity" in warnings
    )


def test_unknown_values_in_preview_are_checked_later(capsys: pytest.CaptureFixture[str]) -> None:
    pool = pool_with(OsFamily.LINUX, {"publisher": "Microsoft.Azure.KeyVault", "type": "KeyVaultForWindows"})
    pool["deploymentConfiguration"]["virtualMachineConfiguration"]["nodeAgentSkuId"] = Unknown()
    extensions_of(pool).append({"name": "later", "publisher": Unknown(), "type": "Anything"})
    failures, warnings = check(pool, capsys)
    assert TYPE_PATH not in failures
    assert "Anything" not in warnings


def test_the_readme_table_lists_the_catalog() -> None:
    """The README's "Supported extensions" table names every catalogued pair, each under its system."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Supported extensions", 1)[1].split("\n### ", 1)[0]
    listed = set()
    for row in re.findall(r"^\| (.+) \|$", section, re.M)[1:]:
        _, publisher, linux, windows = (cell.strip(" `") for cell in row.split("|"))
        listed |= {(publisher, kind, os) for kind, os in ((linux, "Linux"), (windows, "Windows")) if kind}
    assert listed == {(entry.publisher, entry.type, entry.os.value) for entry in CATALOG}
