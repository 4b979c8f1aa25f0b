"""HTTP/1.1 on a socket, with public standard-library APIs only: connect (directly, through a proxy, or
through a proxy's CONNECT tunnel), write a request, read the answer.

Why not ``http.client``: its response parsing runs every answer's headers through the ``email`` package
(about 40% of this client's CPU per request), and the way around that was to override
``HTTPResponse.begin`` on the private ``_read_status``, which a Python release may change at any time.
Its CONNECT support reads the tunnel's answer the same private way and reports a 407 only as the text of
an ``OSError``. What a JSON API client needs of HTTP/1.1 is small: one write per request, a status line,
header lines split once, and a body framed by Content-Length, chunked encoding or the end of the
connection. The socket's buffered reader (C code) does the reading.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

from pulumi_azure_batch_pool.azure_clients.proxies import Proxy

MAX_LINE = 65536
MAX_HEADERS = 100
_NO_BODY_STATUSES = frozenset({204, 304})


class Reader(Protocol):
    """What the answer is read from: the socket's buffered reader (``socket.makefile("rb")``)."""

    def readline(self, size: int = -1, /) -> bytes: ...

    def read(self, size: int | None = -1, /) -> bytes: ...


class Headers(Mapping[str, str]):
    """Response headers, looked up case-insensitively (``headers["etag"]`` finds ``ETag``)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | list[tuple[str, str]] | None = None) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items or []
        self._items = {name.lower(): (name, value) for name, value in pairs}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


class WireError(Exception):
    """The bytes on the connection are not a usable HTTP/1.1 answer."""


class ClosedWithoutAnswer(WireError, ConnectionError):
    """The peer closed the connection before sending a status line."""


class NotHttp(WireError):
    """What arrived is not HTTP/1.x (a TLS port reached with plain http, a different protocol)."""


class IncompleteBody(WireError):
    """The connection ended inside the body; ``status`` is the answer's, ``partial`` the bytes read."""

    def __init__(self, status: int, partial: int, expected: int | None) -> None:
        super().__init__(
            f"{partial} bytes read, {expected if expected is not None else 'more'} more expected"
        )
        self.status = status
        self.partial = partial
        self.expected = expected


class ProxyFailure(WireError):
    """The proxy itself failed: it could not be reached (``cause``) or refused the tunnel (``status``)."""

    def __init__(
        self, proxy: Proxy, *, cause: OSError | None = None, status: int | None = None, reason: str = ""
    ) -> None:
        super().__init__(proxy.describe())
        self.proxy = proxy
        self.cause = cause
        self.status = status
        self.reason = reason


class Answer:
    """One parsed answer: status, reason, headers, the whole body, and whether the connection ends."""

    __slots__ = ("content", "headers", "reason", "status", "will_close")

    def __init__(self, status: int, reason: str, headers: Headers, content: bytes, will_close: bool) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.content = content
        self.will_close = will_close


def request_head(method: str, target: str, host: str, headers: Mapping[str, str]) -> bytes:
    """The request line and headers, ready to write. Raises ValueError when a value holds a line break
    (header injection: every value must stay on its own line)."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    text = "\r\n".join(lines) + "\r\n\r\n"
    breaks = len(lines) + 1
    if text.count("\n") != breaks or text.count("\r") != breaks:
        raise ValueError(f"a header or the target of {method} holds a line break; refusing to send it")
    return text.encode("latin-1")


class Connection:
    """One open HTTP/1.1 connection (plain, TLS, or TLS inside a proxy's tunnel)."""

    __slots__ = ("_file", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock: socket.socket | None = sock
        self._file = sock.makefile("rb")

    def exchange(self, method: str, head: bytes, body: bytes | None) -> Answer:
        """Write one request (a single ``sendall``) and read its whole answer.

        Raises OSError (connection, timeout, TLS) or a WireError; the caller closes the connection then.
        """
        assert self.sock is not None
        self.sock.sendall(head + body if body else head)
        return read_answer(self._file, method)

    def set_timeout(self, timeout: float) -> None:
        if self.sock is not None:
            self.sock.settimeout(timeout)

    def is_idle_and_open(self) -> bool:
        """False when the server closed this idle connection (its socket reads as ready: EOF or junk)."""
        sock = self.sock
        if sock is None:
            return False
        if not hasattr(select, "poll"):  # Windows: select() has no descriptor limit there
            return not select.select([sock], [], [], 0)[0]
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return not poller.poll(0)

    def close(self) -> None:
        sock, self.sock = self.sock, None
        if sock is not None:
            self._file.close()
            sock.close()


def read_answer(fp: Reader, method: str) -> Answer:
    """Read one answer from a buffered binary reader, skipping 1xx interim answers."""
    readline = fp.readline
    while True:
        line = readline(MAX_LINE + 1)
        if not line:
            raise ClosedWithoutAnswer("connection closed without an answer")
        version, status, reason = _status_line(line)
        pairs = _header_lines(readline)
        if not 100 <= status < 200:
            break
    headers = Headers(pairs)
    connection = (headers.get("connection") or "").lower()
    will_close = "close" in connection if version == "HTTP/1.1" else "keep-alive" not in connection
    if method == "HEAD" or status in _NO_BODY_STATUSES or (method == "CONNECT" and 200 <= status < 300):
        return Answer(status, reason, headers, b"", will_close)
    if "chunked" in (headers.get("transfer-encoding") or "").lower():
        return Answer(status, reason, headers, _chunked_body(fp, status), will_close)
    length = _content_length(headers)
    if length is None:
        return Answer(status, reason, headers, fp.read(), True)
    content = fp.read(length)
    if len(content) < length:
        raise IncompleteBody(status, len(content), length - len(content))
    return Answer(status, reason, headers, content, will_close)


def _status_line(line: bytes) -> tuple[str, int, str]:
    """``HTTP/1.1 200 OK`` into its parts; raises NotHttp for anything else."""
    if len(line) > MAX_LINE:
        raise NotHttp("status line too long")
    version, _, rest = line.decode("iso-8859-1").rstrip("\r\n").partition(" ")
    code, _, reason = rest.partition(" ")
    if version not in ("HTTP/1.1", "HTTP/1.0") or len(code) != 3 or not code.isdigit():
        raise NotHttp(f"not an HTTP/1.x status line: {line[:40]!r}")
    return version, int(code), reason.strip()


def _header_lines(readline: Callable[[int], bytes]) -> list[tuple[str, str]]:
    """Header lines up to the blank line as ``(name, value)`` pairs, continuation lines folded."""
    pairs: list[tuple[str, str]] = []
    while True:
        line = readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise NotHttp("header line too long")
        if line in (b"\r\n", b"\n", b""):
            return pairs
        if len(pairs) >= MAX_HEADERS:
            raise NotHttp(f"more than {MAX_HEADERS} headers")
        text = line.decode("iso-8859-1").rstrip("\r\n")
        if text[:1] in (" ", "\t") and pairs:
            pairs[-1] = (pairs[-1][0], f"{pairs[-1][1]} {text.strip()}")
            continue
        name, _, value = text.partition(":")
        pairs.append((name.strip(), value.strip()))


def _content_length(headers: Headers) -> int | None:
    try:
        length = int(headers.get("content-length") or "")
    except ValueError:
        return None
    return length if length >= 0 else None


def _chunked_body(fp: Reader, status: int) -> bytes:
    """The body of a chunked answer; trailers are read and dropped."""
    readline, read = fp.readline, fp.read
    parts: list[bytes] = []
    total = 0
    while True:
        line = readline(MAX_LINE + 1)
        if not line:
            raise IncompleteBody(status, total, None)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise NotHttp(f"bad chunk size line: {line[:40]!r}") from None
        if size == 0:
            _header_lines(readline)
            return b"".join(parts)
        chunk = read(size)
        total += len(chunk)
        if len(chunk) < size or read(2) != b"\r\n":
            raise IncompleteBody(status, total, size - len(chunk) or None)
        parts.append(chunk)


def open_connection(
    scheme: str,
    host: str,
    port: int,
    *,
    timeout: float,
    tls: ssl.SSLContext | None,
    proxy: Proxy | None,
) -> Connection:
    """Connect to ``host:port`` (through ``proxy`` when given; https through its CONNECT tunnel).

    Raises ProxyFailure when the proxy cannot be reached or refuses the tunnel, and OSError (including
    ``ssl.SSLError``) for the destination's connection or handshake.
    """
    if proxy is None:
        sock = _connect(host, port, timeout)
    else:
        try:
            sock = _connect(proxy.host, proxy.port, timeout)
        except OSError as error:
            raise ProxyFailure(proxy, cause=error) from error
    try:
        if scheme == "https":
            assert tls is not None
            if proxy is not None:
                _tunnel(sock, host, port, proxy)
            sock = tls.wrap_socket(sock, server_hostname=host)
    except BaseException:
        sock.close()
        raise
    return Connection(sock)


def _connect(host: str, port: int, timeout: float) -> socket.socket:
    sock = socket.create_connection((host, port), timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def authority(host: str, port: int) -> str:
    """``host:port`` as a request target or Host header (IPv6 addresses in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _tunnel(sock: socket.socket, host: str, port: int, proxy: Proxy) -> None:
    """Ask the proxy for a tunnel to ``host:port``; raise ProxyFailure unless it answers 2xx.

    The proxy sends nothing after its answer until the client's TLS hello, so the buffered reader used
    here holds no bytes of the tunnel when it is dropped.
    """
    target = authority(host, port)
    headers = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else {}
    try:
        sock.sendall(request_head("CONNECT", target, target, headers))
        with sock.makefile("rb") as fp:
            answer = read_answer(fp, "CONNECT")
    except (OSError, WireError) as error:
        cause = error if isinstance(error, OSError) else ConnectionError(str(error))
        raise ProxyFailure(proxy, cause=cause) from error
    if not 200 <= answer.status < 300:
        raise ProxyFailure(proxy, status=answer.status, reason=answer.reason)
