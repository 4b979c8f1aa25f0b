"""Bearer-token authentication for the transport, fed by an azure-identity credential.

This is azure-core's ``BearerTokenCredentialPolicy`` reduced to one method that returns the
``Authorization`` header: cache the token, refresh it 300 s before expiry, drop it on 401 (the transport
re-sends once) and refuse to send it over plain http anywhere but loopback (the local emulator).
azure-identity is imported only when a credential is built, so ``import pulumi_azure_batch_pool`` stays cheap.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pulumi_azure_batch_pool.azure_clients.errors import ConfigurationError
from pulumi_azure_batch_pool.azure_clients.settings import Settings, is_loopback_host

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken, TokenCredential

DEV_TOKEN = "batch-emulator-dev-token"
"""The local emulator's documented development token.

Defined here rather than imported because the provider must never import the emulator package: the
emulator is a test and demo tool, and the provider talks to it only over HTTP like to Azure.
"""

REFRESH_MARGIN_SECONDS = 300


class StaticTokenCredential:
    """A ``TokenCredential`` that always returns one fixed token; used for the emulator's dev token."""

    def __init__(self, token: str, *, lifetime_seconds: int = 3600, clock: Callable[[], float] = time.time):
        self._token = token
        self._lifetime = lifetime_seconds
        self._clock = clock

    def __repr__(self) -> str:
        return "StaticTokenCredential(token=<redacted>)"

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """Return the fixed token with a fresh expiry so the cache logic behaves as for real tokens."""
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(self._clock()) + self._lifetime)


def make_credential(settings: Settings) -> TokenCredential:
    """Build the azure-identity credential selected by ``settings.credential``.

    Raises ConfigurationError when the chosen credential cannot be built (e.g. workload identity
    without its ``AZURE_*`` environment variables).
    """
    from azure.identity import (
        AzureCliCredential,
        ClientAssertionCredential,
        ClientSecretCredential,
        DefaultAzureCredential,
        EnvironmentCredential,
        ManagedIdentityCredential,
        WorkloadIdentityCredential,
    )

    from pulumi_azure_batch_pool.azure_clients.oidc import OidcAssertion

    # azure-identity logs a failed credential chain at warning level and then raises the same text; with
    # no logging configured (the provider process) Python would print it to stderr, so the user read it
    # twice. BearerTokenAuth condenses the raised error instead; configured logging still sees the log.
    logging.getLogger("azure.identity").addHandler(logging.NullHandler())
    client_id = settings.managed_identity_client_id
    # Token requests take the provider's way out: a batchpool: proxy or CA bundle (azure-core reads the
    # environment's HTTP(S)_PROXY itself). The Azure CLI credential runs `az`, which reads the environment.
    network = settings.network.identity_options()
    # A cloud chosen by name (azure-native:environment, ARM_ENVIRONMENT) picks the Entra ID host; without
    # one, azure-identity keeps its own default (AZURE_AUTHORITY_HOST, else public Azure).
    entra = network | ({"authority": settings.authority_host} if settings.authority_host else {})
    tenant, principal = settings.tenant_id or "", settings.client_id or ""
    factories: dict[str, Callable[[], TokenCredential]] = {
        "default": lambda: DefaultAzureCredential(managed_identity_client_id=client_id, **entra),
        "client-secret": lambda: ClientSecretCredential(
            tenant, principal, settings.client_secret or "", **entra
        ),
        "oidc": lambda: ClientAssertionCredential(tenant, principal, OidcAssertion(settings), **entra),
        "environment": lambda: EnvironmentCredential(**entra),
        "managed-identity": lambda: ManagedIdentityCredential(client_id=client_id, **network),
        "workload-identity": lambda: WorkloadIdentityCredential(**entra),
        "azure-cli": AzureCliCredential,
        "dev-token": lambda: StaticTokenCredential(settings.dev_token or DEV_TOKEN),
    }
    if settings.credential not in factories:
        raise ConfigurationError(
            f"batchpool:credential is {settings.credential!r}; set it to one of {', '.join(factories)}."
        )
    try:
        return factories[settings.credential]()
    except ValueError as exc:
        raise ConfigurationError(
            f"batchpool:credential={settings.credential!r} could not be created: {exc}. Set the "
            "environment variables it needs, or choose another batchpool:credential."
        ) from exc


@functools.lru_cache(maxsize=64)
def _loopback_origin(netloc: str) -> bool:
    """True when ``host[:port]`` is a loopback host (cached: it is asked once per request)."""
    return is_loopback_host(urlsplit(f"//{netloc}").hostname)


class BearerTokenAuth:
    """Adds ``Authorization: Bearer ...`` for one scope; thread-safe, refreshes 300 s before expiry."""

    def __init__(self, credential: TokenCredential, scope: str, *, clock: Callable[[], float] = time.time):
        self._credential = credential
        self._scope = scope
        self._clock = clock
        self._lock = threading.Lock()
        self._token: AccessToken | None = None
        self._failure: ConfigurationError | None = None

    def __repr__(self) -> str:
        return f"BearerTokenAuth(scope={self._scope!r})"

    def authorization(self, url: str) -> str:
        """The ``Authorization`` header value for a request to ``url``; refuses plain http off loopback."""
        if not url.startswith("https://") and not _loopback_origin(
            url.split("/", 3)[2] if "//" in url else ""
        ):
            parts = urlsplit(url)
            raise ConfigurationError(
                f"Refusing to send a bearer token to {parts.scheme}://{parts.hostname}: only https is "
                "allowed outside loopback. Use an https batchpool:armEndpoint."
            )
        return f"Bearer {self._current_token()}"

    def _current_token(self) -> str:
        """The cached token, refreshed when due; a credential that failed once is not asked again.

        Raises ConfigurationError naming the credential type, the scope and the next step.
        """
        with self._lock:
            if self._failure is not None:
                raise self._failure
            if self._token is None or self._token.expires_on - self._clock() < REFRESH_MARGIN_SECONDS:
                try:
                    self._token = self._credential.get_token(self._scope)
                except Exception as error:
                    from azure.core.exceptions import ClientAuthenticationError

                    if not isinstance(error, ClientAuthenticationError):
                        raise
                    self._failure = ConfigurationError(
                        f"Could not get an Azure token for scope {self._scope} with "
                        f"{type(self._credential).__name__}: {condensed_auth_error(error)}. Log in "
                        "(`az login`), set the AZURE_* variables of a service principal or workload "
                        "identity, or pick one credential with batchpool:credential; for the local emulator "
                        "set batchpool:armEndpoint to its http://127.0.0.1:PORT URL."
                    )
                    raise self._failure from None
            return self._token.token

    def invalidate(self) -> None:
        """Drop the cached token; called by the transport after a 401 so the resend gets a new one."""
        with self._lock:
            self._token = None


def condensed_auth_error(error: Exception) -> str:
    """One clause per credential tried ("EnvironmentCredential: ... unavailable"), not azure-identity's
    thirty lines of text and troubleshooting links."""
    attempts = []
    for line in str(error).splitlines():
        if line.startswith("\t") and ":" in line:
            name, _, detail = line.strip().partition(":")
            attempts.append(f"{name}: {detail.strip().split('. ')[0].rstrip('.')}")
    if attempts:
        return "; ".join(attempts)
    first = str(error).strip().splitlines()
    return first[0].rstrip(".") if first else type(error).__name__
