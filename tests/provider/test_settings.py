"""Settings: precedence (stack config beats environment), parsing, validation and hashability."""

from __future__ import annotations

from dataclasses import fields

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from pulumi_azure_batch_pool.azure_clients import settings as settings_module
from pulumi_azure_batch_pool.azure_clients.errors import ConfigurationError
from pulumi_azure_batch_pool.azure_clients.settings import (
    Settings,
    is_loopback_host,
    settings_from_configure_request,
)


def test_defaults_target_public_azure() -> None:
    settings = Settings.from_sources({}, {})
    assert settings == Settings()
    assert settings.arm_endpoint == "https://management.azure.com"
    assert settings.credential == "default"
    assert settings.batch_scope == "https://batch.core.windows.net//.default"


def test_stack_config_beats_environment() -> None:
    config = {"batchpool:armEndpoint": "https://config.example", "batchpool:apiVersion": "2026-10-01"}
    environ = {"BATCHPOOL_ARM_ENDPOINT": "https://env.example", "BATCHPOOL_API_VERSION": "2024-07-01"}
    settings = Settings.from_sources(config, environ)
    assert settings.arm_endpoint == "https://config.example"
    assert settings.mgmt_api_version == "2026-10-01"


def test_environment_fills_what_config_leaves_out() -> None:
    environ = {
        "BATCHPOOL_CREDENTIAL": "azure-cli",
        "BATCHPOOL_MAX_CONCURRENCY": "3",
        "BATCHPOOL_REQUEST_TIMEOUT_SECONDS": "12.5",
        "BATCHPOOL_DATA_PLANE_API_VERSION": "2026-08-01",
    }
    settings = Settings.from_sources({"batchpool:maxRetries": "0"}, environ)
    assert settings.credential == "azure-cli"
    assert settings.max_concurrency == 3
    assert settings.request_timeout_seconds == 12.5
    assert settings.data_api_version == "2026-08-01"
    assert settings.max_retries == 0


def test_subscription_falls_back_to_azure_subscription_id() -> None:
    assert Settings.from_sources({}, {"AZURE_SUBSCRIPTION_ID": "az"}).subscription_id == "az"
    both = {"AZURE_SUBSCRIPTION_ID": "az", "BATCHPOOL_SUBSCRIPTION_ID": "bp"}
    assert Settings.from_sources({}, both).subscription_id == "bp"
    assert Settings.from_sources({"batchpool:subscriptionId": "cfg"}, both).subscription_id == "cfg"


def test_every_field_has_a_config_key() -> None:
    assert {source.field for source in settings_module._SOURCES} == {f.name for f in fields(Settings)}


@pytest.mark.parametrize(
    "endpoint", ["http://127.0.0.1:8123", "http://localhost:1", "http://[::1]:9", "http://127.8.0.1"]
)
def test_loopback_http_is_allowed_and_implies_dev_token(endpoint: str) -> None:
    settings = Settings.from_sources({"batchpool:armEndpoint": endpoint + "/"}, {})
    assert settings.arm_endpoint == endpoint
    assert settings.credential == "dev-token"


def test_explicit_credential_wins_over_the_loopback_default() -> None:
    config = {"batchpool:armEndpoint": "http://127.0.0.1:1", "batchpool:credential": "Environment"}
    assert Settings.from_sources(config, {}).credential == "environment"


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"batchpool:armEndpoint.*loopback.*use https"):
        Settings.from_sources({}, {"BATCHPOOL_ARM_ENDPOINT": "http://management.example.com"})


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"batchpool:armEndpoint": "management.azure.com"}, "batchpool:armEndpoint"),
        ({"batchpool:credential": "password"}, "batchpool:credential"),
        ({"batchpool:maxConcurrency": "0"}, "batchpool:maxConcurrency"),
        ({"batchpool:requestTimeoutSeconds": "soon"}, "batchpool:requestTimeoutSeconds"),
        ({"batchpool:maxRetries": "-1"}, "batchpool:maxRetries"),
    ],
)
def test_invalid_values_name_the_key(config: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigurationError) as exc:
        Settings.from_sources(config, {})
    assert key in str(exc.value)


def test_invalid_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="BATCHPOOL_OPERATION_TIMEOUT_MINUTES"):
        Settings.from_sources({}, {"BATCHPOOL_OPERATION_TIMEOUT_MINUTES": "-5"})


def test_settings_are_hashable_cache_keys() -> None:
    a = Settings.from_sources({"batchpool:maxConcurrency": "4"}, {})
    b = Settings.from_sources({}, {"BATCHPOOL_MAX_CONCURRENCY": "4"})
    assert {a: 1}[b] == 1
    assert hash(a) != hash(Settings())


def test_loopback_detection() -> None:
    assert is_loopback_host("127.0.0.1")
    assert is_loopback_host("LOCALHOST")
    assert is_loopback_host("::1")
    assert not is_loopback_host("10.0.0.1")
    assert not is_loopback_host("localhost.evil.example")
    assert not is_loopback_host(None)


def test_configure_request_reads_namespaced_stack_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATCHPOOL_MAX_CONCURRENCY", "5")
    monkeypatch.delenv("BATCHPOOL_ARM_ENDPOINT", raising=False)
    raw = {
        "batchpool:armEndpoint": "http://127.0.0.1:9999",
        "batchpool:subscriptionId": "sub-1",
        "otherproject:armEndpoint": "https://ignored.example",
    }
    settings = settings_from_configure_request(ConfigureRequest(Config(raw, project_name="demo")))
    assert settings.arm_endpoint == "http://127.0.0.1:9999"
    assert settings.subscription_id == "sub-1"
    assert settings.max_concurrency == 5
    assert settings.credential == "dev-token"


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("batchpool:armEndPoint", "batchpool:armEndpoint"),
        ("batchpool:subscriptonId", "batchpool:subscriptionId"),
    ],
)
def test_unknown_keys_are_an_error_with_a_suggestion(key: str, suggestion: str) -> None:
    with pytest.raises(
        ConfigurationError, match=f"unknown stack config key {key}; did you mean {suggestion}\\?"
    ):
        Settings.from_sources({key: "x"}, {})


def test_configure_request_sees_misspelt_keys_but_not_other_namespaces() -> None:
    raw = {"batchpool:armEndPoint": "http://127.0.0.1:1", "otherproject:anything": "ok"}
    with pytest.raises(ConfigurationError, match="did you mean batchpool:armEndpoint"):
        settings_from_configure_request(ConfigureRequest(Config(raw, project_name="demo")))


def test_https_to_loopback_says_the_emulator_speaks_http() -> None:
    with pytest.raises(ConfigurationError, match=r"emulator serves plain http.*use http://127.0.0.1:8123"):
        Settings.from_sources({"batchpool:armEndpoint": "https://127.0.0.1:8123"}, {})


def test_check_reports_unusable_settings_as_one_failure_without_a_property() -> None:
    from pulumi_azure_batch_pool import BatchPoolProvider

    provider = BatchPoolProvider()
    provider.configure(ConfigureRequest(Config({"batchpool:armEndPoint": "x"}, project_name="demo")))
    result = provider.check({}, {"poolNamePrefix": "p"})
    assert [
        (failure.property, "did you mean batchpool:armEndpoint" in failure.reason)
        for failure in result.failures
    ] == [("", True)]


@pytest.mark.parametrize("document", ["README.md", "docs/GITOPS.md"])
def test_settings_tables_list_every_key_with_its_environment_variables(document: str) -> None:
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / document).read_text()
    documented: dict[str, set[str]] = {}
    for row in re.findall(r"^\| (`(?:batchpool|azure-native):.*?)\|(.*?)\|", text, re.M):
        keys = re.findall(r"`((?:batchpool|azure-native):\w+)`", row[0])
        variables = re.findall(r"`([A-Z_]+)`", row[1])
        fallbacks = {v for v in variables if not v.startswith("BATCHPOOL_")}
        fallbacks |= set(re.findall(r"`(azure-native:\w+)`", row[1]))
        for key, variable in zip(keys, variables, strict=False):
            documented[key] = {variable, *fallbacks}
    expected: dict[str, set[str]] = {}
    for source in settings_module._SOURCES:  # batchpool:proxy sets both schemes: one row, their variables
        own, *native = source.config_keys()  # a row per own key; azure-native's key among its fallbacks
        expected.setdefault(own, set()).update(source.env_vars, native)
    if document == "docs/GITOPS.md":  # the pipeline guide lists the provider's keys; the README has all
        expected = {key: names for key, names in expected.items() if key.startswith("batchpool:")}
    assert documented == expected
    for source in settings_module._SOURCES:
        default = getattr(Settings(), source.field)
        if isinstance(default, int | float) and not isinstance(default, bool):
            (cell,) = re.findall(rf"^\| `batchpool:{source.config_key}` \|[^|]*\| ([\d.]+)", text, re.M)
            assert float(cell) == default, f"{document}: batchpool:{source.config_key} defaults to {default}"
