"""Bearer auth: caching, early refresh, invalidation, https guard, credential selection, no token leaks."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.identity import (
    AzureCliCredential,
    DefaultAzureCredential,
    EnvironmentCredential,
    ManagedIdentityCredential,
)

from pulumi_azure_batch_pool.azure_clients.auth import (
    DEV_TOKEN,
    BearerTokenAuth,
    StaticTokenCredential,
    make_credential,
)
from pulumi_azure_batch_pool.azure_clients.errors import ConfigurationError
from pulumi_azure_batch_pool.azure_clients.settings import Settings

SCOPE = "https://management.azure.com/.default"


class CountingCredential:
    """Issues token-1, token-2, ... each valid for ``lifetime`` seconds on the fake clock."""

    def __init__(self, clock: list[float], lifetime: int = 3600) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls: list[tuple[str, ...]] = []
        self._lock = threading.Lock()

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        with self._lock:
            self.calls.append(scopes)
            return AccessToken(f"token-{len(self.calls)}", int(self.clock[0]) + self.lifetime)


def authorize(auth: BearerTokenAuth, url: str = "https://management.azure.com/x") -> str:
    return auth.authorization(url)


def test_token_is_cached_until_300_seconds_before_expiry() -> None:
    now = [1000.0]
    credential = CountingCredential(now)
    auth = BearerTokenAuth(credential, SCOPE, clock=lambda: now[0])

    assert authorize(auth) == "Bearer token-1"
    now[0] += 3600 - 301
    assert authorize(auth) == "Bearer token-1"
    now[0] += 2
    assert authorize(auth) == "Bearer token-2"
    assert credential.calls == [(SCOPE,), (SCOPE,)]


def test_invalidate_forces_a_new_token() -> None:
    now = [0.0]
    auth = BearerTokenAuth(CountingCredential(now), SCOPE, clock=lambda: now[0])
    assert authorize(auth) == "Bearer token-1"
    auth.invalidate()
    assert authorize(auth) == "Bearer token-2"


def test_concurrent_requests_fetch_one_token() -> None:
    now = [0.0]
    credential = CountingCredential(now)
    auth = BearerTokenAuth(credential, SCOPE, clock=lambda: now[0])
    threads = [threading.Thread(target=authorize, args=(auth,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(credential.calls) == 1


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/x", "http://localhost/x", "https://example.com/x"])
def test_https_or_loopback_get_the_token(url: str) -> None:
    auth = BearerTokenAuth(StaticTokenCredential(DEV_TOKEN), SCOPE)
    assert authorize(auth, url) == f"Bearer {DEV_TOKEN}"


def test_plain_http_to_a_remote_host_is_refused_without_leaking_the_token() -> None:
    auth = BearerTokenAuth(StaticTokenCredential("s3cret-token"), SCOPE)
    with pytest.raises(ConfigurationError, match="https") as exc:
        authorize(auth, "http://batch.example.com/pools")
    assert "s3cret-token" not in str(exc.value)


def test_repr_never_shows_the_token() -> None:
    credential = StaticTokenCredential("s3cret-token")
    auth = BearerTokenAuth(credential, SCOPE)
    authorize(auth)
    assert "s3cret-token" not in repr(auth)
    assert "s3cret-token" not in repr(credential)
    assert SCOPE in repr(auth)


def test_static_credential_expiry_moves_with_the_clock() -> None:
    token = StaticTokenCredential("t", lifetime_seconds=60, clock=lambda: 500.0).get_token(SCOPE)
    assert token == AccessToken("t", 560)


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("default", DefaultAzureCredential),
        ("environment", EnvironmentCredential),
        ("managed-identity", ManagedIdentityCredential),
        ("azure-cli", AzureCliCredential),
        ("dev-token", StaticTokenCredential),
    ],
)
def test_make_credential_selects_the_class(kind: str, cls: type) -> None:
    assert isinstance(make_credential(Settings(credential=kind)), cls)


def test_dev_token_credential_returns_the_emulator_token() -> None:
    assert make_credential(Settings(credential="dev-token")).get_token(SCOPE).token == DEV_TOKEN


def test_workload_identity_without_its_environment_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ConfigurationError, match="batchpool:credential"):
        make_credential(Settings(credential="workload-identity"))


def test_unknown_credential_kind_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="batchpool:credential"):
        make_credential(Settings(credential="password"))


def test_a_failed_credential_chain_is_one_short_error_naming_type_and_scope(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from azure.identity import ChainedTokenCredential

    for name in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_USERNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")  # no `az` for AzureCliCredential to run
    calls: list[str] = []
    chain = ChainedTokenCredential(EnvironmentCredential(), AzureCliCredential())

    class Recording:
        def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            calls.append(scopes[0])
            return chain.get_token(*scopes, **kwargs)

    auth = BearerTokenAuth(Recording(), SCOPE)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError) as first:
        authorize(auth)
    with pytest.raises(ConfigurationError) as second:
        authorize(auth)
    message = str(first.value)
    assert f"scope {SCOPE} with Recording" in message
    assert "EnvironmentCredential: EnvironmentCredential authentication unavailable" in message
    assert "AzureCliCredential:" in message
    assert "\n" not in message and "troubleshoot" not in message
    assert str(second.value) == message
    assert calls == [SCOPE], "the failing chain is asked once, not once per request"
