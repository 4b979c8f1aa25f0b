"""azure-native's config and environment as fallbacks: precedence, clouds, implied credentials, refusals.

Pure: settings from mappings, no network. What the credentials then do against a token authority is in
``test_azure_native_auth.py``.
"""

from __future__ import annotations

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from pulumi_azure_batch_pool.azure_clients.clouds import CLOUDS
from pulumi_azure_batch_pool.azure_clients.errors import ConfigurationError
from pulumi_azure_batch_pool.azure_clients.settings import Settings, settings_from_configure_request

SECRET = "client-secret-value-9f8e7d"
OIDC_TOKEN = "eyJhbGciOi.oidc-token-value.sig"
SERVICE_PRINCIPAL = {"ARM_CLIENT_ID": "app", "ARM_TENANT_ID": "tenant"}


@pytest.mark.parametrize(
    ("config", "environ", "expected"),
    [
        ({}, {"AZURE_SUBSCRIPTION_ID": "azure"}, "azure"),
        ({}, {"AZURE_SUBSCRIPTION_ID": "azure", "ARM_SUBSCRIPTION_ID": "arm"}, "arm"),
        ({"azure-native:subscriptionId": "native"}, {"ARM_SUBSCRIPTION_ID": "arm"}, "native"),
        ({"azure-native:subscriptionId": "native"}, {"BATCHPOOL_SUBSCRIPTION_ID": "own-env"}, "own-env"),
        (
            {"batchpool:subscriptionId": "own", "azure-native:subscriptionId": "native"},
            {"BATCHPOOL_SUBSCRIPTION_ID": "own-env"},
            "own",
        ),
    ],
)
def test_subscription_precedence_own_then_azure_native_then_azure_identity(
    config: dict[str, str], environ: dict[str, str], expected: str
) -> None:
    assert Settings.from_sources(config, environ).subscription_id == expected


@pytest.mark.parametrize(
    ("value", "cloud"),
    [
        ("usgovernment", "usgovernment"),
        ("AzureUSGovernment", "usgovernment"),
        ("usgov", "usgovernment"),
        ("china", "china"),
        ("AzureChinaCloud", "china"),
        ("public", "public"),
        ("AzureCloud", "public"),
    ],
)
def test_one_environment_setting_gives_endpoint_scopes_and_authority(value: str, cloud: str) -> None:
    settings = Settings.from_sources({"azure-native:environment": value}, {})
    expected = CLOUDS[cloud]
    assert settings.cloud == cloud
    assert (settings.arm_endpoint, settings.mgmt_scope, settings.batch_scope, settings.authority_host) == (
        expected.arm_endpoint,
        expected.mgmt_scope,
        expected.batch_scope,
        expected.authority_host,
    )


def test_the_sovereign_clouds_endpoints() -> None:
    gov = Settings.from_sources({}, {"ARM_ENVIRONMENT": "usgovernment"})
    assert gov.arm_endpoint == "https://management.usgovcloudapi.net"
    assert gov.mgmt_scope == "https://management.usgovcloudapi.net/.default"
    assert gov.batch_scope == "https://batch.core.usgovcloudapi.net//.default"
    assert gov.authority_host == "https://login.microsoftonline.us"
    china = Settings.from_sources({}, {"AZURE_ENVIRONMENT": "china"})
    assert china.arm_endpoint == "https://management.chinacloudapi.cn"
    assert china.batch_scope == "https://batch.chinacloudapi.cn//.default"
    assert china.authority_host == "https://login.chinacloudapi.cn"


def test_no_environment_leaves_azure_identity_its_default_authority() -> None:
    assert Settings.from_sources({}, {}).authority_host is None


def test_environment_precedence_and_explicit_endpoints_win_over_the_cloud() -> None:
    environ = {"ARM_ENVIRONMENT": "china", "AZURE_ENVIRONMENT": "public"}
    assert Settings.from_sources({}, environ).cloud == "china"
    assert (
        Settings.from_sources({"azure-native:environment": "usgovernment"}, environ).cloud == "usgovernment"
    )
    assert Settings.from_sources({}, {**environ, "BATCHPOOL_ENVIRONMENT": "public"}).cloud == "public"
    config = {"azure-native:environment": "china", "batchpool:batchScope": "https://batch.example//.default"}
    settings = Settings.from_sources(config, {"BATCHPOOL_ARM_ENDPOINT": "https://arm.example"})
    assert settings.arm_endpoint == "https://arm.example"
    assert settings.batch_scope == "https://batch.example//.default"
    assert settings.mgmt_scope == CLOUDS["china"].mgmt_scope
    assert settings.authority_host == CLOUDS["china"].authority_host


def test_an_unknown_environment_is_refused_not_taken_for_public_azure() -> None:
    with pytest.raises(ConfigurationError, match=r"ARM_ENVIRONMENT is 'germany'; set it to one of public"):
        Settings.from_sources({}, {"ARM_ENVIRONMENT": "germany"})


def test_a_client_secret_implies_the_client_secret_credential() -> None:
    settings = Settings.from_sources({}, {**SERVICE_PRINCIPAL, "ARM_CLIENT_SECRET": SECRET})
    assert (settings.credential, settings.client_id, settings.tenant_id) == ("client-secret", "app", "tenant")
    assert settings.client_secret == SECRET


def test_arm_use_oidc_implies_the_oidc_credential_and_github_actions_request() -> None:
    environ = {
        **SERVICE_PRINCIPAL,
        "ARM_USE_OIDC": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": "https://pipelines.actions.githubusercontent.com/x/idtoken",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token-value",
    }
    settings = Settings.from_sources({}, environ)
    assert settings.credential == "oidc"
    assert settings.oidc_audience == "api://AzureADTokenExchange"
    assert Settings.from_sources({}, {**environ, "ARM_USE_OIDC": "false"}).credential == "default"


def test_the_providers_own_credential_choice_wins() -> None:
    environ = {**SERVICE_PRINCIPAL, "ARM_CLIENT_SECRET": SECRET}
    assert Settings.from_sources({"batchpool:credential": "azure-cli"}, environ).credential == "azure-cli"
    loopback = {"batchpool:armEndpoint": "http://127.0.0.1:8123"}
    assert Settings.from_sources(loopback, environ).credential == "dev-token"


@pytest.mark.parametrize(
    ("environ", "missing"),
    [
        ({"ARM_CLIENT_SECRET": SECRET, "ARM_CLIENT_ID": "app"}, "azure-native:tenantId .* or ARM_TENANT_ID"),
        ({"ARM_CLIENT_SECRET": SECRET, "ARM_TENANT_ID": "t"}, "azure-native:clientId .* or ARM_CLIENT_ID"),
        ({**SERVICE_PRINCIPAL, "ARM_USE_OIDC": "true"}, "ARM_OIDC_TOKEN .* id-token: write"),
        ({**SERVICE_PRINCIPAL, "BATCHPOOL_CREDENTIAL": "client-secret"}, "ARM_CLIENT_SECRET"),
    ],
)
def test_an_incomplete_service_principal_names_what_is_missing(environ: dict[str, str], missing: str) -> None:
    with pytest.raises(ConfigurationError, match=missing) as error:
        Settings.from_sources({}, environ)
    assert SECRET not in str(error.value)


def test_a_github_token_request_over_plain_http_off_loopback_is_refused() -> None:
    environ = {
        **SERVICE_PRINCIPAL,
        "ARM_USE_OIDC": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": "http://runner.example/idtoken?sig=abc",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token-value",
    }
    with pytest.raises(ConfigurationError, match="not https") as error:
        Settings.from_sources({}, environ)
    assert "request-token-value" not in str(error.value) and "sig=abc" not in str(error.value)


def test_an_invalid_use_oidc_flag_names_its_key() -> None:
    with pytest.raises(ConfigurationError, match="azure-native:useOidc is 'yes please'"):
        Settings.from_sources({"azure-native:useOidc": "yes please"}, {})


def test_secrets_stay_out_of_the_settings_repr() -> None:
    environ = {
        **SERVICE_PRINCIPAL,
        "ARM_CLIENT_SECRET": SECRET,
        "ARM_OIDC_TOKEN": OIDC_TOKEN,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token-value",
    }
    text = repr(Settings.from_sources({}, environ))
    assert "client_id='app'" in text
    assert SECRET not in text and OIDC_TOKEN not in text and "request-token-value" not in text


def test_configure_reads_azure_native_stack_config_including_the_secret() -> None:
    raw = {
        "azure-native:clientId": "app",
        "azure-native:tenantId": "tenant",
        "azure-native:clientSecret": SECRET,
        "azure-native:subscriptionId": "sub-native",
        "azure-native:environment": "usgovernment",
        "azure-native:location": "usgovvirginia",  # azure-native keys the provider has no use for are fine
    }
    settings = settings_from_configure_request(ConfigureRequest(Config(raw, project_name="demo")))
    assert (settings.credential, settings.client_secret) == ("client-secret", SECRET)
    assert (settings.subscription_id, settings.cloud) == ("sub-native", "usgovernment")
