"""Proxy settings as ``requests`` reads them: ``HTTP(S)_PROXY``, ``ALL_PROXY`` and ``NO_PROXY``.

Platform teams behind a corporate proxy configure it once, in the environment, for every tool
(``requests``, azure-core, the Azure CLI, Go's net/http). The provider follows the same conventions so it
works where they work: the scheme's own variable, then ``ALL_PROXY``, either case (lower case first, as
urllib reads them); ``NO_PROXY`` entries as host names, domain suffixes (``.corp.example`` or
``corp.example``), ``*``, IP addresses and CIDR ranges, each optionally with ``:port``. Loopback is not
special (as in ``requests``): list ``127.0.0.1,localhost`` in ``NO_PROXY`` to reach a local emulator
directly. ``batchpool:proxy`` (``BATCHPOOL_PROXY``) overrides the environment, or turns proxying off
with ``none``.

Credentials in a proxy URL (``http://user:password@proxy:3128``) become a ``Proxy-Authorization: Basic``
header; ``display`` masks them, so error messages and logs can name the proxy without leaking them.
"""

from __future__ import annotations

import base64
import ipaddress
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from pulumi_azure_batch_pool.azure_clients.errors import ConfigurationError

DIRECT = "none"
"""The value of ``batchpool:proxy`` that turns proxying off, whatever the environment says."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Proxy:
    """A forward proxy (``host``/``port``), or ``direct`` (no proxy), and the variable that chose it."""

    source: str
    """The stack config key or environment variable that set it, named in every error about it."""
    host: str = ""
    port: int = 0
    display: str = ""
    """The proxy's URL with any credentials masked: safe to print."""
    authorization: str | None = field(default=None, repr=False)
    """``Basic ...`` from the URL's credentials, sent as ``Proxy-Authorization``; never printed."""
    url: str = field(default="", repr=False)
    """The proxy URL as configured, credentials included (what azure-identity's transport is given)."""

    @property
    def direct(self) -> bool:
        """True when the setting turned proxying off."""
        return not self.host

    def describe(self) -> str:
        """``http://***@proxy:3128 (from HTTPS_PROXY)``: which proxy and who set it, for messages."""
        return f"{self.display} (from {self.source})"


def parse_proxy(raw: object, source: str) -> Proxy:
    """Parse a proxy URL (``http://[user:password@]host[:port]``, scheme optional) or ``none``.

    Raises ConfigurationError naming ``source`` for a scheme other than http (SOCKS and TLS-to-proxy are
    not supported) or a URL without a host.
    """
    text = str(raw).strip()
    if text.lower() == DIRECT:
        return Proxy(source)
    parts = urlsplit(text if "://" in text else f"http://{text}")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme.lower() != "http" or not parts.hostname or port == -1:
        raise ConfigurationError(
            f"{source} is {_mask(text)!r}; set it to an http:// proxy URL such as http://proxy.corp:3128 "
            f"(only http proxies are supported, reached with CONNECT for https), or to {DIRECT!r} to connect "
            "directly."
        )
    authorization = None
    masked_netloc = parts.netloc
    if parts.username is not None or parts.password is not None:
        credentials = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(credentials.encode()).decode("ascii")
        masked_netloc = "***@" + parts.netloc.rpartition("@")[2]
    return Proxy(
        source,
        host=parts.hostname,
        port=port or 80,
        display=f"http://{masked_netloc}",
        authorization=authorization,
        url=f"http://{parts.netloc}",
    )


def _mask(text: str) -> str:
    """``text`` with anything between ``://`` and ``@`` masked (a mistyped URL may still hold a password)."""
    scheme, sep, rest = text.rpartition("://")
    if "@" not in rest:
        return text
    return f"{scheme}{sep}***@{rest.rpartition('@')[2]}"


@dataclass(frozen=True)
class NoProxy:
    """The hosts that bypass the proxy (``NO_PROXY``), parsed once, and the variable that listed them."""

    entries: tuple[str, ...] = ()
    source: str = ""

    def bypasses(self, host: str, port: int | None, scheme: str) -> bool:
        """True when a request to ``host:port`` must not use the proxy.

        An entry matches the host itself or any name under it (``corp.example`` and ``.corp.example`` both
        match ``a.corp.example``, case-insensitively); ``*`` matches everything; an IP entry or CIDR range
        matches IP hosts in it; ``entry:port`` matches only that port.
        """
        host = host.strip("[]").lower()
        port = port or _DEFAULT_PORTS.get(scheme, 0)
        address = _address(host)
        for entry in self.entries:
            if entry == "*":
                return True
            name, entry_port = _split_port(entry)
            if entry_port is not None and entry_port != port:
                continue
            if address is not None and "/" in name:
                if _in_network(address, name):
                    return True
                continue
            if host == name or host.endswith(f".{name}"):
                return True
        return False


def parse_no_proxy(raw: object, source: str) -> NoProxy:
    """Split a comma-separated ``NO_PROXY``: spaces and leading dots (and ``*.``) dropped, lower case."""
    entries = []
    for item in str(raw).split(","):
        entry = item.strip().lower()
        if entry.startswith("*."):
            entry = entry[2:]
        entry = entry.lstrip(".")
        if entry:
            entries.append(entry)
    return NoProxy(tuple(entries), source)


def _split_port(entry: str) -> tuple[str, int | None]:
    """``host:port`` into its parts; a bare IPv6 address or CIDR range keeps its colons."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest[1:].isdigit() else None
    name, sep, port = entry.rpartition(":")
    if sep and port.isdigit() and ":" not in name:
        return name, int(port)
    return entry, None


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _in_network(address: ipaddress.IPv4Address | ipaddress.IPv6Address, cidr: str) -> bool:
    try:
        return address in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
