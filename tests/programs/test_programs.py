"""Every example program, run under Pulumi's mocks: it registers a pool the provider accepts."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest

from azure_batch_emulator import DEMO_ACCOUNT
from pulumi_azure_batch_pool import BatchPool, BatchPoolProvider
from tests.engine.program import contains_secret, is_secret, registered_inputs, strip_secrets

PROGRAMS = Path(__file__).resolve().parents[2] / "programs"
PROGRAM_DIRS = sorted(path for path in PROGRAMS.iterdir() if (path / "__main__.py").exists())


def _run(program: Path) -> list[BatchPool]:
    namespace = runpy.run_path(str(program / "__main__.py"), run_name="__main__")
    return [value for value in namespace.values() if isinstance(value, BatchPool)]


def test_every_program_has_a_project_file() -> None:
    assert len(PROGRAM_DIRS) == 3
    for program in PROGRAM_DIRS:
        assert "runtime:" in (program / "Pulumi.yaml").read_text()


@pytest.mark.parametrize("program", PROGRAM_DIRS, ids=[path.name for path in PROGRAM_DIRS])
def test_program_registers_a_valid_pool(program: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", DEMO_ACCOUNT.subscription_id)
    registered = registered_inputs(lambda: _run(program))
    assert len(registered) == 1
    (props,) = registered.values()
    assert props["accountName"] == DEMO_ACCOUNT.account_name
    assert is_secret(props["protectedSettings"])
    assert not contains_secret(props["deploymentConfiguration"])
    extensions = props["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"]
    assert extensions, "every example declares at least one extension"
    result = BatchPoolProvider().check({}, strip_secrets(props))
    assert [(failure.property, failure.reason) for failure in result.failures] == []
    assert result.inputs["poolName"].startswith(props["poolNamePrefix"])


def test_default_project_runs_the_linux_key_vault_program() -> None:
    root_project = (PROGRAMS.parent / "Pulumi.yaml").read_text()
    assert "main: programs/linux-keyvault-pool/" in root_project


def _key_vault_settings(props: dict[str, Any]) -> dict[str, Any]:
    extension = props["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"][0]
    return extension["settings"]["secretsManagementSettings"]


def test_key_vault_programs_observe_the_configured_certificate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG", '{"project:certificateUrl": "https://v.vault.azure.net/secrets/c"}')
    for name in ("linux-keyvault-pool", "windows-keyvault-pool"):
        registered = registered_inputs(lambda name=name: _run(PROGRAMS / name))
        (props,) = registered.values()
        observed = _key_vault_settings(props)["observedCertificates"]
        urls = [item if isinstance(item, str) else item["url"] for item in observed]
        assert urls == ["https://v.vault.azure.net/secrets/c"]
        assert props["identity"]["type"] == "UserAssigned"
