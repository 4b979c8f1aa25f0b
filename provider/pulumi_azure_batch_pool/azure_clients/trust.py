"""Which certificates https connections trust: a CA bundle from settings or the environment, else the
system store plus certifi.

A TLS-inspecting corporate proxy re-signs every site with the company's CA; tools trust it through
``REQUESTS_CA_BUNDLE`` (``requests``, azure-core, the Azure CLI) or OpenSSL's ``SSL_CERT_FILE`` /
``SSL_CERT_DIR``. The precedence is ``requests``': ``batchpool:caBundle`` (``BATCHPOOL_CA_BUNDLE``),
``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``, then ``SSL_CERT_FILE`` and ``SSL_CERT_DIR``. A bundle, as in
``requests``, replaces the default trust rather than adding to it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pulumi_azure_batch_pool.azure_clients.errors import ConfigurationError

if TYPE_CHECKING:
    import ssl


@dataclass(frozen=True)
class CaBundle:
    """A PEM file or a hashed certificate directory, and the variable that named it."""

    path: str
    source: str

    def describe(self) -> str:
        """``/etc/corp/ca.pem (from REQUESTS_CA_BUNDLE)``, for TLS error messages."""
        return f"{self.path} (from {self.source})"


def parse_ca_bundle(raw: object, source: str) -> CaBundle:
    """Check that the bundle exists now, so a typo fails at configuration with its variable's name."""
    path = os.path.expanduser(str(raw).strip())
    if not os.path.exists(path):
        raise ConfigurationError(
            f"{source} is {path!r}, which does not exist; set it to a PEM file (or a certificate "
            "directory) holding the CA certificates to trust, e.g. your proxy's CA."
        )
    return CaBundle(path, source)


def tls_context(bundle: CaBundle | None) -> ssl.SSLContext:
    """A verifying client context: the bundle alone, or the system's CAs plus certifi's when installed.

    Without a bundle the union keeps working wherever either did: a container without system CAs, or a
    corporate CA added to the system store. Raises ConfigurationError when the bundle cannot be loaded.
    """
    import ssl  # here, not at the top: `import pulumi_azure_batch_pool` opens no connection and skips it

    if bundle is not None:
        try:
            if os.path.isdir(bundle.path):
                return ssl.create_default_context(capath=bundle.path)
            return ssl.create_default_context(cafile=bundle.path)
        except (OSError, ssl.SSLError) as error:
            raise ConfigurationError(
                f"{bundle.source} names {bundle.path!r}, which holds no usable certificates ({error}); "
                "point it at a PEM file of CA certificates."
            ) from None
    context = ssl.create_default_context()
    try:
        import certifi
    except ImportError:
        return context
    context.load_verify_locations(certifi.where())
    return context


def describe_trust(bundle: CaBundle | None) -> str:
    """What the connection trusted, for a failed handshake's message."""
    if bundle is not None:
        return f"the CA bundle {bundle.describe()}"
    return "the system's CA store and certifi's bundle (no CA bundle configured)"
