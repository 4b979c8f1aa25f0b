"""azure-native's credentials against a fake Entra ID and a fake GitHub OIDC issuer, over loopback.

The authority (``tests.token_authority``) stands behind a TLS-inspecting forward proxy under Entra ID's
real host names (``login.microsoftonline.com``, ``.us``, ``login.chinacloudapi.cn``), so azure-identity
and MSAL run unchanged and https-only; the proxy and the provider's CA bundle setting route them there.
Each test ends in what the authority recorded (host, tenant, scope, secret or assertion) or in a token
the emulator accepts: a pool created and read with it, on ARM and on the data plane.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer
from pulumi_azure_batch_pool import BatchPoolProvider
from pulumi_azure_batch_pool.azure_clients.auth import BearerTokenAuth, make_credential
from pulumi_azure_batch_pool.azure_clients.clouds import CLOUDS
from pulumi_azure_batch_pool.azure_clients.errors import ConfigurationError
from pulumi_azure_batch_pool.azure_clients.settings import Settings
from pulumi_azure_batch_pool.gate.cli import main as status_command
from tests.provider.test_behind_a_proxy import NETWORK_VARIABLES, create_and_refresh
from tests.tls_ca import ThrowawayCa, make_ca
from tests.token_authority import JWT_BEARER, Entra, GitHubOidcIssuer, TokenAuthority, entra_on_loopback

AMBIENT = (
    "ARM_CLIENT_ID",
    "ARM_TENANT_ID",
    "ARM_CLIENT_SECRET",
    "ARM_SUBSCRIPTION_ID",
    "ARM_ENVIRONMENT",
    "ARM_USE_OIDC",
    "ARM_OIDC_TOKEN",
    "ARM_OIDC_AUDIENCE",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "AZURE_ENVIRONMENT",
    "AZURE_AUTHORITY_HOST",
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_SECRET",
    *NETWORK_VARIABLES,
)
EMULATOR_TOKEN = "entra-issued-access-token-for-the-emulator"


@pytest.fixture(autouse=True)
def no_ambient_azure_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test from no azure-native, azure-identity or network variables."""
    for name in AMBIENT:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name in ("BATCHPOOL_CREDENTIAL", "BATCHPOOL_ARM_ENDPOINT", "BATCHPOOL_SUBSCRIPTION_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> ThrowawayCa:
    return make_ca(tmp_path_factory.mktemp("entra-ca"))


@pytest.fixture
def entra(ca: ThrowawayCa) -> Iterator[Entra]:
    with entra_on_loopback(ca) as running:
        yield running


def principal(authority: TokenAuthority, **extra: str) -> dict[str, str]:
    """The ``ARM_*`` variables of the authority's app registration."""
    return {"ARM_CLIENT_ID": authority.client_id, "ARM_TENANT_ID": authority.tenant_id, **extra}


def github_actions(issuer: GitHubOidcIssuer) -> dict[str, str]:
    """What a GitHub Actions job with ``id-token: write`` has in its environment, plus ``ARM_USE_OIDC``."""
    return {
        "ARM_USE_OIDC": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": issuer.request_url,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": issuer.request_token,
    }


def tokens_for_both_scopes(settings: Settings) -> tuple[str, str]:
    """An ARM and a data-plane token as the provider gets them (the bearer header's token)."""
    credential = make_credential(settings)
    headers = [
        BearerTokenAuth(credential, scope).authorization("https://x.example/")
        for scope in (settings.mgmt_scope, settings.batch_scope)
    ]
    arm, batch = (header.removeprefix("Bearer ") for header in headers)
    return arm, batch


def test_arm_client_secret_variables_get_tokens_for_both_scopes_from_public_entra(entra: Entra) -> None:
    environ = principal(entra.authority, ARM_CLIENT_SECRET=entra.authority.client_secret)
    settings = Settings.from_sources(entra.network, environ)
    assert settings.credential == "client-secret"
    arm, batch = tokens_for_both_scopes(settings)
    assert (arm, batch) == (
        "access-token-for https://management.azure.com/.default",
        "access-token-for https://batch.core.windows.net//.default",
    )
    (first, second) = entra.authority.token_requests()
    assert first.host == second.host == "login.microsoftonline.com"
    assert first.path == f"/{entra.authority.tenant_id}/oauth2/v2.0/token"
    assert first.form["grant_type"] == "client_credentials"
    assert first.form["client_secret"] == entra.authority.client_secret
    assert entra.scopes() == [settings.mgmt_scope, settings.batch_scope]


@pytest.mark.parametrize("cloud", ["usgovernment", "china"])
def test_azure_native_stack_config_and_environment_reach_the_sovereign_clouds_authority(
    entra: Entra, cloud: str
) -> None:
    config = {
        **entra.network,
        "azure-native:clientId": entra.authority.client_id,
        "azure-native:tenantId": entra.authority.tenant_id,
        "azure-native:clientSecret": entra.authority.client_secret,
        "azure-native:environment": cloud,
    }
    arm, batch = tokens_for_both_scopes(Settings.from_sources(config, {}))
    expected = CLOUDS[cloud]
    assert (arm, batch) == (
        f"access-token-for {expected.mgmt_scope}",
        f"access-token-for {expected.batch_scope}",
    )
    host = expected.authority_host.removeprefix("https://")
    assert entra.token_hosts() == [host, host]
    assert f"https://{host}/{entra.authority.tenant_id}/oauth2/v2.0/token" in entra.proxy.targets("POST")


def test_a_wrong_client_secret_is_refused_without_printing_it(entra: Entra) -> None:
    wrong = "a-wrong-client-secret-value"
    settings = Settings.from_sources(entra.network, principal(entra.authority, ARM_CLIENT_SECRET=wrong))
    with pytest.raises(ConfigurationError, match="ClientSecretCredential") as error:
        tokens_for_both_scopes(settings)
    assert "AADSTS7000215" in str(error.value)
    assert wrong not in str(error.value)
    assert entra.authority.token_requests()[0].form["client_secret"] == wrong


def test_github_actions_oidc_trades_the_jobs_token_for_an_azure_token(entra: Entra) -> None:
    environ = {**principal(entra.authority), **github_actions(entra.issuer)}
    settings = Settings.from_sources(entra.network, environ)
    assert settings.credential == "oidc"
    arm, _ = tokens_for_both_scopes(settings)
    assert arm == "access-token-for https://management.azure.com/.default"
    (asked, *_) = entra.issuer.seen
    assert asked.query == {"api-version": "2.0", "audience": "api://AzureADTokenExchange"}
    assert asked.authorization == f"Bearer {entra.issuer.request_token}"
    (exchange, *_) = entra.authority.token_requests()
    assert exchange.form["client_assertion_type"] == JWT_BEARER
    assert exchange.form["client_assertion"] == entra.issuer.minted[0]
    assert "client_secret" not in exchange.form


def test_arm_oidc_audience_changes_what_github_is_asked_for(entra: Entra) -> None:
    environ = {**principal(entra.authority), **github_actions(entra.issuer), "ARM_OIDC_AUDIENCE": "api://x"}
    tokens_for_both_scopes(Settings.from_sources(entra.network, environ))
    assert {seen.query["audience"] for seen in entra.issuer.seen} == {"api://x"}


def test_arm_oidc_token_is_the_assertion_without_asking_github(entra: Entra) -> None:
    given = "eyJhbGciOiJSUzI1NiJ9.handed-over-oidc-token.sig"
    entra.authority.trusted_assertions = [given]
    environ = principal(entra.authority, ARM_USE_OIDC="true", ARM_OIDC_TOKEN=given)
    tokens_for_both_scopes(Settings.from_sources(entra.network, environ))
    assert [seen.form["client_assertion"] for seen in entra.authority.token_requests()] == [given, given]
    assert entra.issuer.seen == []


def test_a_refused_github_request_token_says_what_to_check_without_printing_it(entra: Entra) -> None:
    environ = {
        **principal(entra.authority),
        **github_actions(entra.issuer),
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "a-stale-request-token",
        "BATCHPOOL_MAX_RETRIES": "0",
    }
    with pytest.raises(ConfigurationError, match="id-token: write") as error:
        tokens_for_both_scopes(Settings.from_sources(entra.network, environ))
    assert "a-stale-request-token" not in str(error.value)
    assert entra.authority.token_requests() == []


def test_azure_identitys_authority_host_applies_when_no_cloud_is_named(
    entra: Entra, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us")
    environ = principal(entra.authority, ARM_CLIENT_SECRET=entra.authority.client_secret)
    tokens_for_both_scopes(Settings.from_sources(entra.network, environ))
    assert entra.token_hosts() == ["login.microsoftonline.us"] * 2
    entra.authority.seen.clear()
    named = Settings.from_sources({**entra.network, "azure-native:environment": "china"}, environ)
    tokens_for_both_scopes(named)
    assert entra.token_hosts() == ["login.chinacloudapi.cn"] * 2


def test_no_secret_or_oidc_token_reaches_the_logs(entra: Entra, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    environ = {**principal(entra.authority), **github_actions(entra.issuer)}
    tokens_for_both_scopes(Settings.from_sources(entra.network, environ))
    with_secret = principal(entra.authority, ARM_CLIENT_SECRET=entra.authority.client_secret)
    tokens_for_both_scopes(Settings.from_sources(entra.network, with_secret))
    assert len(entra.authority.token_requests()) == 4
    logged = caplog.text
    assert "oauth2/v2.0/token" in logged  # azure-core's request log ran, so the check below means something
    for secret in (entra.authority.client_secret, entra.issuer.request_token, *entra.issuer.minted):
        assert secret not in logged


@pytest.fixture
def issued_token_emulator() -> Iterator[EmulatorServer]:
    """An emulator that accepts only the token the fake authority issues."""
    with EmulatorServer(port=0, speed="instant", token=EMULATOR_TOKEN, seed=3) as server:
        yield server


def configured(stack_config: dict[str, Any]) -> BatchPoolProvider:
    provider = BatchPoolProvider()
    provider.configure(ConfigureRequest(Config(stack_config, project_name="migrated")))
    return provider


@pytest.mark.parametrize("credential", ["client-secret", "oidc"])
def test_a_pool_is_created_and_read_with_tokens_entra_issued_to_azure_native_settings(
    entra: Entra,
    issued_token_emulator: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    credential: str,
) -> None:
    scopes = (Settings().mgmt_scope, Settings().batch_scope)
    entra.authority.tokens = dict.fromkeys(scopes, EMULATOR_TOKEN)
    if credential == "oidc":
        for name, value in github_actions(entra.issuer).items():
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("ARM_SUBSCRIPTION_ID", DEMO_ACCOUNT.subscription_id)
    stack_config = {
        **entra.network,
        "batchpool:armEndpoint": issued_token_emulator.url,
        "batchpool:credential": credential,  # a loopback endpoint would otherwise mean the dev token
        "azure-native:clientId": entra.authority.client_id,
        "azure-native:tenantId": entra.authority.tenant_id,
        "azure-native:clientSecret": entra.authority.client_secret if credential == "client-secret" else "",
    }
    arm_id, _ = create_and_refresh(configured(stack_config))
    assert arm_id.startswith(f"/subscriptions/{DEMO_ACCOUNT.subscription_id}/")
    assert sorted(set(entra.scopes())) == sorted(scopes)
    assert all(seen.host == "login.microsoftonline.com" for seen in entra.authority.token_requests())


def status_gate(pool: str, environ: dict[str, str]) -> tuple[int, str]:
    """`batchpool status` on ``pool`` in the demo account with exactly ``environ``: exit code, output."""
    stdout, stderr = io.StringIO(), io.StringIO()
    arguments = ["status", "--resource-group", DEMO_ACCOUNT.resource_group]
    arguments += ["--account", DEMO_ACCOUNT.account_name, "--pool", pool]
    code = status_command(arguments, environ=environ, stdout=stdout, stderr=stderr)
    return code, stdout.getvalue() + stderr.getvalue()


def test_the_status_gate_authenticates_with_arm_variables_alone(
    entra: Entra, issued_token_emulator: EmulatorServer
) -> None:
    entra.authority.tokens = dict.fromkeys((Settings().mgmt_scope, Settings().batch_scope), EMULATOR_TOKEN)
    environ = {
        "BATCHPOOL_PROXY": entra.network["batchpool:proxy"],
        "BATCHPOOL_NO_PROXY": entra.network["batchpool:noProxy"],
        "BATCHPOOL_CA_BUNDLE": entra.network["batchpool:caBundle"],
        "BATCHPOOL_ARM_ENDPOINT": issued_token_emulator.url,
        "BATCHPOOL_CREDENTIAL": "client-secret",
        "ARM_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id,
        **principal(entra.authority, ARM_CLIENT_SECRET=entra.authority.client_secret),
    }
    code, output = status_gate("no-such-pool", environ)
    assert (code, "not found" in output) == (5, True)  # authenticated: Azure's answer, not a 401
    assert entra.authority.token_requests()[0].form["client_secret"] == entra.authority.client_secret
    assert entra.authority.client_secret not in output
    del environ["ARM_TENANT_ID"]
    code, output = status_gate("no-such-pool", environ)
    assert code == 7
    assert "ARM_TENANT_ID" in output and "BATCHPOOL_CREDENTIAL" in output
    assert "stack config" not in output, "the gate reads no stack config"
    assert entra.authority.client_secret not in output
