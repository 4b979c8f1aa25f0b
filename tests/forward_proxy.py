"""A forward HTTP proxy on loopback, as a corporate network puts in front of Azure, for the proxy tests.

It speaks what ``requests`` and curl expect of a proxy: plain http in absolute form
(``GET http://host:port/path``), https through ``CONNECT host:port``, Basic credentials in
``Proxy-Authorization`` (407 with ``Proxy-Authenticate`` without them), and a 403 for tunnels to hosts it
blocks. Hosts named in ``inspect`` are TLS-inspected as by a corporate proxy: the proxy answers the
tunnel's TLS itself, with a certificate from a test CA, and forwards each request in plain http to the
upstream (the emulator), rewriting the upstream's address in answers to the inspected name. Every request
is logged, so a test can prove which requests went through it.

Threads and blocking sockets: fine for tests, and independent of the code under test.
"""

from __future__ import annotations

import base64
import select
import socket
import socketserver
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Seen:
    """One request the proxy received: method, target as sent (absolute URL or ``host:port``), whether it
    carried the right credentials, and the status the proxy (or the upstream) answered."""

    method: str
    target: str
    authorized: bool
    status: int


@dataclass(frozen=True)
class Inspected:
    """A host the proxy terminates TLS for: its certificate, and the plain-http upstream it stands for."""

    context: ssl.SSLContext
    upstream: str


@dataclass
class ForwardProxy:
    """Start with ``with ForwardProxy(...) as proxy``; ``proxy.url`` goes in ``HTTP(S)_PROXY``."""

    credentials: tuple[str, str] | None = None
    block: frozenset[str] = frozenset()
    inspect: Mapping[str, Inspected] = field(default_factory=dict)
    log: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                proxy._serve(self.connection, self.rfile)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def url_with(self, user: str, password: str) -> str:
        """The proxy URL with credentials in it, as users write it in ``HTTPS_PROXY``."""
        return self.url.replace("http://", f"http://{user}:{password}@")

    def __enter__(self) -> ForwardProxy:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def targets(self, method: str | None = None) -> list[str]:
        """The targets of the logged requests (of one method when given)."""
        with self._lock:
            return [seen.target for seen in self.log if method is None or seen.method == method]

    def _record(self, method: str, target: str, authorized: bool, status: int) -> None:
        with self._lock:
            self.log.append(Seen(method, target, authorized, status))

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        if self.credentials is None:
            return True
        expected = base64.b64encode(":".join(self.credentials).encode()).decode()
        return headers.get("proxy-authorization") == f"Basic {expected}"

    def _serve(self, client: socket.socket, reader: Any) -> None:
        """Requests from one client connection, kept alive until it closes or a tunnel takes it over."""
        while True:
            message = _read_message(reader)
            if message is None:
                return
            start, headers, body = message
            method, target = start.split(" ")[:2]
            authorized = self._authorized(headers)
            if not authorized:
                self._record(method, target, False, 407)
                client.sendall(_answer(407, [("Proxy-Authenticate", 'Basic realm="test"')]))
                continue
            if method == "CONNECT":
                self._tunnel(client, target)
                return
            parts = urlsplit(target)
            status, answer = _exchange((parts.hostname or "", parts.port or 80), start, headers, body)
            self._record(method, target, True, status)
            client.sendall(answer)

    def _tunnel(self, client: socket.socket, target: str) -> None:
        host, _, port = target.rpartition(":")
        if host in self.block:
            self._record("CONNECT", target, True, 403)
            client.sendall(_answer(403, []))
            return
        inspected = self.inspect.get(host)
        if inspected is not None:
            self._record("CONNECT", target, True, 200)
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self._inspect(client, host, inspected)
            return
        try:
            upstream = socket.create_connection((host, int(port)), timeout=10)
        except OSError:
            self._record("CONNECT", target, True, 502)
            client.sendall(_answer(502, []))
            return
        self._record("CONNECT", target, True, 200)
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        _relay(client, upstream)

    def _inspect(self, client: socket.socket, host: str, inspected: Inspected) -> None:
        """Answer TLS as ``host`` and forward each request in plain http to the upstream, logged."""
        try:
            secure = inspected.context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client did not trust the test CA: it hung up during the handshake
        upstream = urlsplit(inspected.upstream)
        address = (upstream.hostname or "", upstream.port or 80)
        rewrites = [
            (inspected.upstream.encode(), f"https://{host}".encode()),
            (upstream.netloc.encode(), host.encode()),
        ]
        with secure, secure.makefile("rb") as reader:
            while (message := _read_message(reader)) is not None:
                start, headers, body = message
                method, path = start.split(" ")[:2]
                status, answer = _exchange(address, start, headers, body, rewrites)
                self._record(method, f"https://{host}{path}", True, status)
                secure.sendall(answer)


def _read_message(reader: Any) -> tuple[str, dict[str, str], bytes] | None:
    """A request or answer: start line, headers (lower-case names), Content-Length body; None at EOF."""
    start = reader.readline().decode("latin-1").rstrip("\r\n")
    if not start:
        return None
    headers: dict[str, str] = {}
    while (line := reader.readline().decode("latin-1").rstrip("\r\n")) != "":
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = reader.read(int(headers.get("content-length", "0")))
    return start, headers, body


def _exchange(
    address: tuple[str, int],
    start: str,
    headers: Mapping[str, str],
    body: bytes,
    rewrites: list[tuple[bytes, bytes]] | None = None,
) -> tuple[int, bytes]:
    """Send one request upstream in origin form (on a fresh connection) and return its status and answer."""
    method, target, version = start.split(" ")
    path = urlsplit(target)
    origin_form = f"{path.path or '/'}{'?' + path.query if path.query else ''}" if "://" in target else target
    kept = {
        k: v for k, v in headers.items() if k not in ("proxy-authorization", "connection", "content-length")
    }
    with socket.create_connection(address, timeout=30) as upstream, upstream.makefile("rb") as reader:
        upstream.sendall(
            _encode(f"{method} {origin_form} {version}", [*kept.items(), ("Connection", "close")], body)
        )
        answer = _read_message(reader)
    assert answer is not None, "the upstream closed without an answer"
    status_line, answer_headers, answer_body = answer
    for old, new in rewrites or []:
        answer_body = answer_body.replace(old, new)
    pairs = [(k, v) for k, v in answer_headers.items() if k not in ("content-length", "connection")]
    for old, new in rewrites or []:
        pairs = [(k, v.replace(old.decode(), new.decode())) for k, v in pairs]
    return int(status_line.split(" ")[1]), _encode(status_line, pairs, answer_body)


def _encode(start: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    lines = [start, *(f"{name}: {value}" for name, value in headers), f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _answer(status: int, headers: list[tuple[str, str]]) -> bytes:
    reasons = {403: "Forbidden", 407: "Proxy Authentication Required", 502: "Bad Gateway"}
    return _encode(f"HTTP/1.1 {status} {reasons[status]}", headers, b"")


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes (a blind CONNECT tunnel)."""
    with upstream:
        sockets = [client, upstream]
        while True:
            ready, _, _ = select.select(sockets, [], [], 30)
            if not ready:
                return
            for sock in ready:
                data = sock.recv(65536)
                if not data:
                    return
                (upstream if sock is client else client).sendall(data)
