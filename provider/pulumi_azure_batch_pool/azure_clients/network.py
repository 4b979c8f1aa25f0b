"""How the provider's connections leave the process: the proxy per scheme, ``NO_PROXY``, the CA bundle.

One ``Network`` (from ``Settings.network``) serves the ARM client, the data-plane client and the options
handed to azure-identity, so every request of a run takes the same way out. Cheap to import (settings
does): the sockets and the error messages live in ``http1`` and ``failures``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pulumi_azure_batch_pool.azure_clients.proxies import NoProxy, Proxy
from pulumi_azure_batch_pool.azure_clients.trust import CaBundle, tls_context

if TYPE_CHECKING:
    import ssl

_EXPLICIT = ("batchpool:", "BATCHPOOL_")


@dataclass(frozen=True)
class Network:
    """The proxy per scheme, the hosts that bypass it, and the CA bundle https trusts (None: the default)."""

    http_proxy: Proxy | None = None
    https_proxy: Proxy | None = None
    no_proxy: NoProxy = field(default_factory=NoProxy)
    ca_bundle: CaBundle | None = None

    def proxy_for(self, scheme: str, host: str, port: int | None) -> Proxy | None:
        """The proxy a request to ``scheme://host:port`` goes through, or None to connect directly."""
        proxy = self.https_proxy if scheme == "https" else self.http_proxy
        if proxy is None or proxy.direct or self.no_proxy.bypasses(host, port, scheme):
            return None
        return proxy

    def tls_context(self) -> ssl.SSLContext:
        """The verifying context for https (raises ConfigurationError for an unusable bundle)."""
        return tls_context(self.ca_bundle)

    def identity_options(self) -> dict[str, Any]:
        """Keyword arguments for azure-identity credentials, so token requests take the same way out.

        azure-core reads ``HTTP(S)_PROXY``, ``NO_PROXY`` and ``REQUESTS_CA_BUNDLE`` itself; what it cannot
        know is a ``batchpool:`` setting (or ``BATCHPOOL_*`` variable) and ``SSL_CERT_FILE``, so those are
        passed: ``proxies`` (None values turn the environment's proxies off) and ``connection_verify``.
        """
        options: dict[str, Any] = {}
        chosen = {"http": self.http_proxy, "https": self.https_proxy}
        if any(proxy is not None and proxy.source.startswith(_EXPLICIT) for proxy in chosen.values()):
            options["proxies"] = {
                scheme: proxy.url if proxy is not None and not proxy.direct else None
                for scheme, proxy in chosen.items()
            } | {"all": None}
        if self.ca_bundle is not None:
            options["connection_verify"] = self.ca_bundle.path
        return options
