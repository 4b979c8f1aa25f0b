"""azure-native's stack config through the real CLI: `pulumi config set --secret azure-native:clientSecret`.

The engine hands a dynamic provider the stack config in its Configure call; this proves that a stack set
up for azure-native (its client id, tenant and secret in `azure-native:*` config, the secret encrypted)
deploys a pool with a token Entra ID (the fake authority on loopback) issued for exactly those, and that
the secret appears nowhere in the CLI's output or the state: the engine keeps the stack config as the
default provider's inputs, and the secret there as ciphertext.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from azure_batch_emulator import EmulatorServer
from tests.e2e.cli import TEST_PROGRAM, Project, pools_in
from tests.tls_ca import make_ca
from tests.token_authority import Entra, entra_on_loopback

ISSUED = "entra-issued-token-for-the-e2e-stack"
SECRET = "e2e-azure-native-client-secret-3c1b"
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"  # Pulumi's mark of a secret value in state


@pytest.fixture
def entra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Entra]:
    with entra_on_loopback(make_ca(tmp_path_factory.mktemp("entra-ca"))) as running:
        running.authority.client_secret = SECRET
        running.authority.tokens = {
            "https://management.azure.com/.default": ISSUED,
            "https://batch.core.windows.net//.default": ISSUED,
        }
        yield running


@pytest.fixture
def strict_emulator() -> Iterator[EmulatorServer]:
    """An emulator that accepts only the token the fake authority issues for the app registration."""
    with EmulatorServer(port=0, speed="instant", token=ISSUED, seed=11) as server:
        yield server


def test_azure_native_stack_config_deploys_with_the_token_entra_issued_for_it(
    tmp_path: Path, pulumi_bin: str, entra: Entra, strict_emulator: EmulatorServer
) -> None:
    project = Project(tmp_path, TEST_PROGRAM, strict_emulator.url, pulumi_bin)
    project.config("monitorKey", "e2e-monitor-key-for-auth", secret=True)
    project.config("mountPassword", "e2e-mount-password-for-auth", secret=True)
    for key, value in entra.network.items():
        project.config(key, value)
    project.config("batchpool:credential", "client-secret")  # a loopback endpoint means the dev token
    project.config("azure-native:clientId", entra.authority.client_id)
    project.config("azure-native:tenantId", entra.authority.tenant_id)
    project.config("azure-native:clientSecret", SECRET, secret=True)
    try:
        up = project.run("up", "--yes", "--skip-preview")
        (pool,) = pools_in(strict_emulator.url, token=ISSUED)
        assert pool["properties"]["provisioningState"] == "Succeeded"
        requests = entra.authority.token_requests()
        assert {seen.form["client_secret"] for seen in requests} == {SECRET}
        assert {seen.form["client_id"] for seen in requests} == {entra.authority.client_id}
        assert set(entra.scopes()) == set(entra.authority.tokens)
        assert SECRET not in up.stdout + up.stderr + json.dumps(project.outputs())
        export = project.export()
        assert SECRET not in export
        (provider,) = [
            resource
            for resource in json.loads(export)["deployment"]["resources"]
            if resource["type"] == "pulumi:providers:pulumi-python"
        ]
        assert set(provider["inputs"]["azure-native:clientSecret"]) == {SECRET_SIGNATURE, "ciphertext"}
        assert SECRET not in (project.dir / "Pulumi.e2e.yaml").read_text()  # stored encrypted
    finally:
        project.run("destroy", "--yes", check=False)
