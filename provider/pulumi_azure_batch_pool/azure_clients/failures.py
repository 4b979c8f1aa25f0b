"""What the user is told when a request got no usable answer: what happened, through which proxy (set by
which variable, credentials masked), with which certificates trusted, and what to check next.
"""

from __future__ import annotations

import socket
import ssl

from pulumi_azure_batch_pool.azure_clients.errors import (
    ConnectionFailedError,
    MalformedResponseError,
    ProxyAuthenticationError,
    ProxyError,
    ProxyTunnelError,
    RequestError,
    RequestTimeoutError,
    TlsError,
)
from pulumi_azure_batch_pool.azure_clients.http1 import (
    ClosedWithoutAnswer,
    IncompleteBody,
    NotHttp,
    ProxyFailure,
)
from pulumi_azure_batch_pool.azure_clients.network import Network
from pulumi_azure_batch_pool.azure_clients.proxies import Proxy
from pulumi_azure_batch_pool.azure_clients.trust import describe_trust


def diagnose(
    failure: Exception | None, host: str, timeout: float, network: Network, proxy: Proxy | None
) -> tuple[type[RequestError], str, str]:
    """For an attempt without a usable answer: the error class, what happened (short, also the retry
    log's reason) and what to check next. ``proxy`` is the one the request went through, if any."""
    if isinstance(failure, ProxyFailure):
        return _proxy_diagnosis(failure, host, timeout)
    via = f" through the proxy {proxy.describe()}" if proxy is not None else ""
    if isinstance(failure, ConnectionRefusedError):
        return (
            ConnectionFailedError,
            "connection refused",
            f"Nothing listens at {host}. Is the endpoint right (batchpool:armEndpoint), and is the service "
            "(or the local emulator) running?",
        )
    if isinstance(failure, ssl.SSLError):
        return (
            TlsError,
            f"TLS handshake failed ({failure.reason or 'SSLError'})",
            f"The connection{via} trusted {describe_trust(network.ca_bundle)}. If a proxy inspects TLS, "
            "set REQUESTS_CA_BUNDLE (or batchpool:caBundle) to a PEM file with its CA certificate; if "
            f"{host} speaks plain http (the local emulator does), use an http:// endpoint.",
        )
    if isinstance(failure, TimeoutError):
        return (
            RequestTimeoutError,
            f"no answer within {timeout:.3g} s",
            f"The service{via or ' or a proxy in the way'} is slow; raise batchpool:requestTimeoutSeconds "
            "or run again.",
        )
    if isinstance(failure, IncompleteBody):
        expected = f", {failure.expected} more expected" if failure.expected is not None else ""
        return (
            MalformedResponseError,
            f"answer cut short ({failure.partial} bytes{expected})",
            "A proxy or a network fault in the way dropped the connection; run again.",
        )
    if isinstance(failure, socket.gaierror):
        return ConnectionFailedError, "host name does not resolve", f"Check the host in {host}."
    if isinstance(failure, NotHttp):
        return (
            MalformedResponseError,
            f"answer is not HTTP ({failure})",
            "Something other than an HTTP service listens there (an https-only port reached with "
            "http://?); check the endpoint.",
        )
    closed = "connection closed without an answer"
    if not isinstance(failure, ClosedWithoutAnswer) and failure is not None:
        closed = f"{closed} ({type(failure).__name__})"
    return (
        ConnectionFailedError,
        closed,
        f"A proxy or firewall in the way{via}, or the service restarted; run again.",
    )


def _proxy_diagnosis(failure: ProxyFailure, host: str, timeout: float) -> tuple[type[ProxyError], str, str]:
    """What went wrong at the proxy itself; the advice names the variable that chose the proxy."""
    proxy = failure.proxy
    # The key that turns proxying off in the proxy's own terms: stack config where stack config chose it,
    # else the variable (the status gate reads only the environment, and HTTPS_PROXY=none is no idiom).
    off = "batchpool:proxy to 'none'" if proxy.source.startswith("batchpool:") else "BATCHPOOL_PROXY=none"
    escape = f"list {host.rsplit(':', 1)[0]} in NO_PROXY to bypass it, or set {off} to connect directly"
    if failure.status == 407:
        sent = "the credentials in its URL were refused" if proxy.authorization else "it wants credentials"
        return (
            ProxyAuthenticationError,
            f"the proxy {proxy.display} answered 407 {failure.reason or 'Proxy Authentication Required'}",
            f"The proxy was set by {proxy.source} and {sent}: put them in that URL as "
            "http://USER:PASSWORD@HOST:PORT (percent-encode special characters).",
        )
    if failure.status is not None:
        return (
            ProxyTunnelError,
            f"the proxy {proxy.display} refused a tunnel to {host}: HTTP {failure.status} {failure.reason}",
            f"The proxy was set by {proxy.source}; ask its operators to allow {host}, or {escape}.",
        )
    cause = failure.cause
    if isinstance(cause, ConnectionRefusedError):
        what = "connection refused"
    elif isinstance(cause, TimeoutError):
        what = f"no answer within {timeout:.3g} s"
    elif isinstance(cause, socket.gaierror):
        what = "host name does not resolve"
    else:
        what = f"connection failed ({type(cause).__name__})"
    return (
        ProxyError,
        f"could not reach the proxy {proxy.display}: {what}",
        f"The proxy was set by {proxy.source}; check that address, or {escape}.",
    )
