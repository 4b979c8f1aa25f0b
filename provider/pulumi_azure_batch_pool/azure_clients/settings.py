"""Provider settings: stack config plus environment, validated once, into a hashable ``Settings``.

Precedence, highest first: explicit stack config (``batchpool:*``), then ``BATCHPOOL_*`` environment
variables, then azure-native's conventions (``azure-native:*`` stack config, then its ``ARM_*`` and GitHub
Actions variables), then the variables other tools share (``AZURE_SUBSCRIPTION_ID``; the proxy variables
and CA bundles as ``requests`` reads them), then the defaults below. Stack config wins because it is what
the user wrote for this stack; the environment is ambient; the provider's own names win over
azure-native's so a stack can deploy pools with one identity and the rest with another.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pulumi.dynamic import ConfigureRequest

from pulumi_azure_batch_pool.azure_clients.clouds import CLOUDS, parse_cloud
from pulumi_azure_batch_pool.azure_clients.errors import ConfigurationError
from pulumi_azure_batch_pool.azure_clients.network import Network
from pulumi_azure_batch_pool.azure_clients.proxies import NoProxy, Proxy, parse_no_proxy, parse_proxy
from pulumi_azure_batch_pool.azure_clients.trust import CaBundle, parse_ca_bundle

CONFIG_NAMESPACE = "batchpool"
NATIVE_NAMESPACE = "azure-native"
CREDENTIAL_KINDS = (
    "default",
    "client-secret",
    "oidc",
    "environment",
    "managed-identity",
    "workload-identity",
    "azure-cli",
    "dev-token",
)


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost`` and addresses in 127.0.0.0/8 or ``::1``: the only hosts plain http may reach."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Settings:
    """Everything the network layer needs; frozen and hashable so it can key the per-process client cache."""

    arm_endpoint: str = "https://management.azure.com"
    subscription_id: str | None = None
    mgmt_api_version: str = "2025-06-01"
    data_api_version: str = "2025-06-01"
    credential: str = "default"
    managed_identity_client_id: str | None = None
    dev_token: str | None = field(default=None, repr=False)
    """The bearer token of credential ``dev-token``: the emulator's ``--token`` (default: its dev token)."""
    mgmt_scope: str = "https://management.azure.com/.default"
    batch_scope: str = "https://batch.core.windows.net//.default"
    request_timeout_seconds: float = 30.0
    max_retries: int = 6
    operation_timeout_minutes: float = 30.0
    max_concurrency: int = 32
    poll_interval_seconds: float = 5.0
    http_proxy: Proxy | None = None
    https_proxy: Proxy | None = None
    no_proxy: NoProxy | None = None
    ca_bundle: CaBundle | None = None
    allowed_extensions: tuple[tuple[str, str], ...] = ()
    """Extension publisher/type pairs the subscription may install beyond Azure Batch's list (Check warns
    about other unlisted pairs)."""
    cloud: str | None = None
    """The Azure cloud chosen by name (``public``, ``usgovernment``, ``china``); None: not chosen, so
    azure-identity's own default authority (``AZURE_AUTHORITY_HOST``, else public) applies."""
    client_id: str | None = None
    tenant_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    use_oidc: bool = False
    oidc_token: str | None = field(default=None, repr=False)
    oidc_request_url: str | None = None
    oidc_request_token: str | None = field(default=None, repr=False)
    oidc_audience: str = "api://AzureADTokenExchange"

    @property
    def network(self) -> Network:
        """Proxies, the hosts that bypass them and the CA bundle: the way out of every connection of the
        provider (ARM, data plane, azure-identity's token requests)."""
        return Network(self.http_proxy, self.https_proxy, self.no_proxy or NoProxy(), self.ca_bundle)

    @property
    def authority_host(self) -> str | None:
        """The Entra ID host of the chosen cloud; None leaves azure-identity's default in charge."""
        return CLOUDS[self.cloud].authority_host if self.cloud else None

    @classmethod
    def from_sources(cls, config: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
        """Merge stack config and environment (config wins), validate, and return ``Settings``.

        Raises ConfigurationError naming the offending key and how to fix it.
        """
        _reject_unknown_keys(config)
        values: dict[str, Any] = {}
        for source in _SOURCES:
            raw, key = source.lookup(config, environ)
            if raw is not None:
                values[source.field] = source.parse(raw, key)
        cloud = CLOUDS[values.get("cloud") or "public"]
        values.setdefault("mgmt_scope", cloud.mgmt_scope)
        values.setdefault("batch_scope", cloud.batch_scope)
        values["arm_endpoint"] = _check_endpoint(values.get("arm_endpoint", cloud.arm_endpoint))
        if "credential" not in values:
            values["credential"] = _implied_credential(values)
        _check_credential_inputs(values)
        return cls(**values)


@dataclass(frozen=True)
class _Source:
    """One setting: its field, stack-config key, environment variables (in order) and parser.

    ``config_key`` is the provider's own ``batchpool:`` key (None where the provider has none and reads
    only azure-native's), ``native_key`` azure-native's key for the same thing. ``either_case``: each
    variable that is not a ``BATCHPOOL_*`` one is also read in lower case, first (``https_proxy`` before
    ``HTTPS_PROXY``), as urllib and ``requests`` read the proxy variables.
    """

    field: str
    config_key: str | None
    env_vars: tuple[str, ...]
    parse: Callable[[Any, str], Any]
    either_case: bool = False
    native_key: str | None = None

    def config_keys(self) -> tuple[str, ...]:
        """The stack config keys that set this, the provider's own first."""
        own = (f"{CONFIG_NAMESPACE}:{self.config_key}",) if self.config_key else ()
        return own + ((f"{NATIVE_NAMESPACE}:{self.native_key}",) if self.native_key else ())

    def lookup(self, config: Mapping[str, Any], environ: Mapping[str, str]) -> tuple[Any, str]:
        """Return the first non-empty raw value and the key it came from (for error messages).

        Order: ``batchpool:`` config, ``BATCHPOOL_*`` variables, ``azure-native:`` config, then the other
        variables in their order (azure-native's ``ARM_*`` before the shared ``AZURE_*``).
        """
        candidates: list[tuple[str, Mapping[str, Any]]] = []
        if self.config_key:
            candidates.append((f"{CONFIG_NAMESPACE}:{self.config_key}", config))
        candidates += [(var, environ) for var in self.env_vars if var.startswith("BATCHPOOL_")]
        if self.native_key:
            candidates.append((f"{NATIVE_NAMESPACE}:{self.native_key}", config))
        for var in self.env_vars:
            if not var.startswith("BATCHPOOL_"):
                candidates += [(var.lower(), environ)] if self.either_case else []
                candidates.append((var, environ))
        for name, source in candidates:
            if source.get(name) not in (None, ""):
                return source[name], name
        keys = self.config_keys()
        return None, keys[0] if keys else self.env_vars[0]


def _text(raw: Any, key: str) -> str:
    return str(raw).strip()


def _credential(raw: Any, key: str) -> str:
    value = str(raw).strip().lower()
    if value not in CREDENTIAL_KINDS:
        raise ConfigurationError(
            f"{key} is {value!r}; set it to one of {', '.join(CREDENTIAL_KINDS)} "
            "(or leave it unset for 'default', DefaultAzureCredential)."
        )
    return value


def _positive(kind: type[int] | type[float]) -> Callable[[Any, str], Any]:
    def parse(raw: Any, key: str) -> Any:
        try:
            value = kind(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or value <= 0:
            raise ConfigurationError(f"{key} is {raw!r}; set it to a positive {kind.__name__}.")
        return value

    return parse


def _non_negative_int(raw: Any, key: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = -1
    if value < 0:
        raise ConfigurationError(f"{key} is {raw!r}; set it to a whole number >= 0 (0 disables retries).")
    return value


def _extension_pairs(raw: Any, key: str) -> tuple[tuple[str, str], ...]:
    """``Publisher/Type`` pairs separated by commas or whitespace, e.g. ``Contoso.Agents/HealthAgent``."""
    pairs = []
    for item in str(raw).replace(",", " ").split():
        publisher, _, kind = item.partition("/")
        if not publisher or not kind or "/" in kind:
            raise ConfigurationError(
                f"{key} has {item!r}; write each extension as Publisher/Type (for example"
                " Microsoft.ManagedServices/ApplicationHealthLinux), separated by commas."
            )
        pairs.append((publisher, kind))
    return tuple(pairs)


def _boolean(raw: Any, key: str) -> bool:
    """``true``/``false`` (any case; also 1/0, yes/no): azure-native's flags are the strings true/false."""
    value = str(raw).strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise ConfigurationError(f"{key} is {raw!r}; set it to true or false.")


def _env(name: str) -> tuple[str, ...]:
    return (f"BATCHPOOL_{name}",)


def _shared_with_azure_native(field: str, key: str, name: str, parse: Callable[[Any, str], Any]) -> _Source:
    """A setting azure-native has under the same key: ``batchpool:<key>``, ``BATCHPOOL_<NAME>``, then
    ``azure-native:<key>``, ``ARM_<NAME>``, then the shared ``AZURE_<NAME>``."""
    return _Source(field, key, (*_env(name), f"ARM_{name}", f"AZURE_{name}"), parse, native_key=key)


_POSITIVE_FLOAT = _positive(float)


_SOURCES = (
    _Source("arm_endpoint", "armEndpoint", _env("ARM_ENDPOINT"), _text),
    _shared_with_azure_native("subscription_id", "subscriptionId", "SUBSCRIPTION_ID", _text),
    _Source("mgmt_api_version", "apiVersion", _env("API_VERSION"), _text),
    _Source("data_api_version", "dataPlaneApiVersion", _env("DATA_PLANE_API_VERSION"), _text),
    _Source("credential", "credential", _env("CREDENTIAL"), _credential),
    _Source(
        "managed_identity_client_id",
        "managedIdentityClientId",
        _env("MANAGED_IDENTITY_CLIENT_ID"),
        _text,
    ),
    _Source("dev_token", "devToken", _env("DEV_TOKEN"), _text),
    _Source("mgmt_scope", "mgmtScope", _env("MGMT_SCOPE"), _text),
    _Source("batch_scope", "batchScope", _env("BATCH_SCOPE"), _text),
    _Source(
        "request_timeout_seconds", "requestTimeoutSeconds", _env("REQUEST_TIMEOUT_SECONDS"), _POSITIVE_FLOAT
    ),
    _Source("max_retries", "maxRetries", _env("MAX_RETRIES"), _non_negative_int),
    _Source(
        "operation_timeout_minutes",
        "operationTimeoutMinutes",
        _env("OPERATION_TIMEOUT_MINUTES"),
        _POSITIVE_FLOAT,
    ),
    _Source("max_concurrency", "maxConcurrency", _env("MAX_CONCURRENCY"), _positive(int)),
    _Source("poll_interval_seconds", "pollIntervalSeconds", _env("POLL_INTERVAL_SECONDS"), _POSITIVE_FLOAT),
    # One stack config key for both schemes; the environment has a variable per scheme, then ALL_PROXY.
    _Source("http_proxy", "proxy", (*_env("PROXY"), "HTTP_PROXY", "ALL_PROXY"), parse_proxy, True),
    _Source("https_proxy", "proxy", (*_env("PROXY"), "HTTPS_PROXY", "ALL_PROXY"), parse_proxy, True),
    _Source("no_proxy", "noProxy", (*_env("NO_PROXY"), "NO_PROXY"), parse_no_proxy, True),
    _Source(
        "ca_bundle",
        "caBundle",
        (*_env("CA_BUNDLE"), "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"),
        parse_ca_bundle,
    ),
    _Source("allowed_extensions", "allowedExtensions", _env("ALLOWED_EXTENSIONS"), _extension_pairs),
    _shared_with_azure_native("cloud", "environment", "ENVIRONMENT", parse_cloud),
    # azure-native's service principal and OIDC settings; the provider has no keys of its own for them.
    _Source("client_id", None, ("ARM_CLIENT_ID",), _text, native_key="clientId"),
    _Source("tenant_id", None, ("ARM_TENANT_ID",), _text, native_key="tenantId"),
    _Source("client_secret", None, ("ARM_CLIENT_SECRET",), _text, native_key="clientSecret"),
    _Source("use_oidc", None, ("ARM_USE_OIDC",), _boolean, native_key="useOidc"),
    _Source("oidc_token", None, ("ARM_OIDC_TOKEN",), _text, native_key="oidcToken"),
    _Source("oidc_request_url", None, ("ACTIONS_ID_TOKEN_REQUEST_URL",), _text, native_key="oidcRequestUrl"),
    _Source(
        "oidc_request_token",
        None,
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN",),
        _text,
        native_key="oidcRequestToken",
    ),
    _Source("oidc_audience", None, ("ARM_OIDC_AUDIENCE",), _text, native_key="oidcAudience"),
)
"""Every setting. A secret's value never reaches a message: parsers that fail say what is wrong with the
value only for the settings that are not secret (``_text`` never fails)."""


def _implied_credential(values: Mapping[str, Any]) -> str:
    """The credential when ``batchpool:credential`` is not set: the emulator's dev token for a loopback
    ``http://`` endpoint; else, as azure-native decides, a client secret, then OIDC; else azure-identity's
    ``DefaultAzureCredential``."""
    if urlsplit(values["arm_endpoint"]).scheme == "http":
        return "dev-token"
    if values.get("client_secret"):
        return "client-secret"
    if values.get("use_oidc"):
        return "oidc"
    return "default"


def _needs(what: str, native_key: str, variable: str, credential: str) -> ConfigurationError:
    return ConfigurationError(
        f"credential {credential} needs {what}: set {NATIVE_NAMESPACE}:{native_key} (stack config) or "
        f"{variable}, or choose another credential with {CONFIG_NAMESPACE}:credential."
    )


def _check_credential_inputs(values: Mapping[str, Any]) -> None:
    """Fail at configuration, naming the missing key and variable, rather than at the first token request.

    Messages name keys and variables, never a secret's value.
    """
    credential = values["credential"]
    if credential not in ("client-secret", "oidc"):
        return
    if not values.get("tenant_id"):
        raise _needs("a tenant id", "tenantId", "ARM_TENANT_ID", credential)
    if not values.get("client_id"):
        raise _needs("a client id", "clientId", "ARM_CLIENT_ID", credential)
    if credential == "client-secret" and not values.get("client_secret"):
        raise _needs("a client secret", "clientSecret", "ARM_CLIENT_SECRET", credential)
    if credential != "oidc" or values.get("oidc_token"):
        return
    url, token = values.get("oidc_request_url"), values.get("oidc_request_token")
    if not url or not token:
        raise ConfigurationError(
            "credential oidc needs an OIDC token: set ARM_OIDC_TOKEN (or azure-native:oidcToken), or run in "
            "GitHub Actions with `permissions: id-token: write`, which sets ACTIONS_ID_TOKEN_REQUEST_URL "
            "and ACTIONS_ID_TOKEN_REQUEST_TOKEN."
        )
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback_host(parts.hostname)):
        raise ConfigurationError(
            f"the OIDC token request URL {parts.scheme}://{parts.hostname}{parts.path} is not https; the "
            "request carries ACTIONS_ID_TOKEN_REQUEST_TOKEN, which must not travel unencrypted. Use the "
            "https URL GitHub Actions sets in ACTIONS_ID_TOKEN_REQUEST_URL."
        )


def _reject_unknown_keys(config: Mapping[str, Any]) -> None:
    """A misspelt ``batchpool:`` key would silently fall back to a default (often: public Azure), so it
    is an error that names the closest known key."""
    known = {f"{CONFIG_NAMESPACE}:{source.config_key}": source for source in _SOURCES if source.config_key}
    for key in config:
        if not key.startswith(f"{CONFIG_NAMESPACE}:") or key in known:
            continue
        by_case = [name for name in known if name.lower() == key.lower()]
        close = by_case or difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ConfigurationError(
            f"unknown stack config key {key}; {hint}Known keys: "
            f"{', '.join(sorted(known))}. Remove it with `pulumi config rm {key}`."
        )


def _check_endpoint(endpoint: str) -> str:
    """Accept https anywhere and http only on loopback (the emulator); strip a trailing slash."""
    parts = urlsplit(endpoint)
    key = f"{CONFIG_NAMESPACE}:armEndpoint"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"{key} is {endpoint!r}; set it to an absolute URL such as https://management.azure.com "
            "(or http://127.0.0.1:PORT for the local emulator)."
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigurationError(
            f"{key} is {endpoint!r}: plain http is only allowed to a loopback host (127.0.0.1, ::1, "
            "localhost) because bearer tokens would travel unencrypted; use "
            f"https://{parts.netloc}{parts.path}, or http://127.0.0.1:PORT for the local emulator."
        )
    if parts.scheme == "https" and is_loopback_host(parts.hostname):
        raise ConfigurationError(
            f"{key} is {endpoint!r}: https to a loopback host, but the local emulator serves plain http "
            f"(and Azure is never on loopback); use http://{parts.netloc}{parts.path} "
            "(the first line `python -m azure_batch_emulator` prints)."
        )
    return endpoint.rstrip("/")


def settings_from_configure_request(req: ConfigureRequest) -> Settings:
    """Adapt ``configure(req)`` (the whole stack config, namespaced keys) plus ``os.environ``.

    The SDK's ``Config`` offers only ``get``, so the raw mapping (``_props``, the whole stack config the
    engine sent) is read to find misspelt ``batchpool:`` keys; without it only the known keys are read.
    """
    raw = getattr(req.config, "_props", None)
    keys = raw.keys() if isinstance(raw, Mapping) else ()
    names = {key for source in _SOURCES for key in source.config_keys()}
    names.update(key for key in keys if isinstance(key, str) and key.startswith(f"{CONFIG_NAMESPACE}:"))
    config = {name: req.config.get(name) for name in names}
    return Settings.from_sources(config, os.environ)


def environment_names() -> dict[str, str]:
    """Each stack config key (``batchpool:armEndpoint``) and the environment variable(s) that set it.

    The status gate reads only the environment: its messages must name the variables, not keys it cannot
    read (``pulumi_azure_batch_pool.gate.gate_errors``).
    """
    return {
        f"{CONFIG_NAMESPACE}:{source.config_key}": " or ".join(source.env_vars)
        for source in _SOURCES
        if source.config_key
    }
