"""A fault-injecting, latency-adding HTTP/1.1 proxy to put in front of the emulator.

Faults that matter most happen between the client and Azure, not inside Azure: an answer lost after the
request took effect, a reset connection, a truncated body, an HTML error page from a corporate proxy, a
latency spike. Tests inject them here, from outside the code under test, and the read benchmark uses the
added latency to model a real network round trip.

It is one asyncio event loop on one thread (in the background when used in-process), with TCP_NODELAY
on both sides and one write per answer, so that it is never the bottleneck of what it measures. The
emulator writes its own address into bodies and headers (``accountEndpoint``, ``nextLink``,
``Location``); the proxy rewrites it to its own so that every later request goes through it too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

ACTIONS = frozenset({"drop-response", "reset", "truncate", "html", "status", "delay"})
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length"})
_REASONS = {200: "OK", 202: "Accepted", 204: "No Content", 400: "Bad Request", 401: "Unauthorized"}


@dataclass
class Rule:
    """One fault: which requests it hits (method, path regex, skip, times) and what it does to them."""

    action: str
    method: str | None = None
    path: str | None = None
    times: int | None = None
    skip: int = 0
    status: int = 502
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_ms: int = 0

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown proxy action {self.action!r}; use one of {', '.join(sorted(ACTIONS))}")
        self._pattern = re.compile(self.path) if self.path else None

    def matches(self, method: str, target: str) -> bool:
        """True when this rule should act on the request (counting ``skip`` and ``times`` down)."""
        if self.times is not None and self.times <= 0:
            return False
        if self.method and self.method.upper() != method:
            return False
        if self._pattern is not None and not self._pattern.search(target):
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        if self.times is not None:
            self.times -= 1
        return True


@dataclass(frozen=True)
class ProxyRecord:
    """A request the proxy saw: the status the client received (None when it received no answer)."""

    method: str
    path: str
    status: int | None
    action: str | None


class _Closed(Exception):
    """The peer closed the connection before a complete message arrived."""


async def _read_message(
    reader: asyncio.StreamReader, *, is_response: bool, method: str = ""
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Read one HTTP/1.1 message: its start line, headers and whole body (Content-Length or chunked)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError) as exc:
        raise _Closed from exc
    lines = head.decode("latin-1").split("\r\n")
    start = lines[0]
    pairs = [_header(line) for line in lines[1:] if ":" in line]
    lookup = {name.lower(): value for name, value in pairs}
    status = int(start.split(" ", 2)[1]) if is_response else 0
    try:
        if is_response and (method == "HEAD" or status in (204, 304) or 100 <= status < 200):
            body = b""
        elif "chunked" in lookup.get("transfer-encoding", "").lower():
            body = await _read_chunked(reader)
        elif "content-length" in lookup:
            body = await reader.readexactly(int(lookup["content-length"]))
        elif is_response:
            body = await reader.read()
        else:
            body = b""
    except (asyncio.IncompleteReadError, ConnectionError) as exc:
        raise _Closed from exc
    return start, pairs, body


def _header(line: str) -> tuple[str, str]:
    name, value = line.split(":", 1)
    return name.strip(), value.strip()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


def _encode(start: str, headers: list[tuple[str, str]], body: bytes, *, length: int | None = None) -> bytes:
    """Serialise a message with a Content-Length (``length`` overrides it, for truncation)."""
    kept = [(name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP]
    kept.append(("Content-Length", str(len(body) if length is None else length)))
    head = start + "\r\n" + "".join(f"{name}: {value}\r\n" for name, value in kept) + "\r\n"
    return head.encode("latin-1") + body


def _answer(status: int, content_type: str, body: bytes, extra: Mapping[str, str] | None = None) -> bytes:
    reason = _REASONS.get(status, "Error")
    headers = [("Content-Type", content_type), *(extra or {}).items()]
    return _encode(f"HTTP/1.1 {status} {reason}", headers, body)


def _nodelay(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class FaultProxy:
    """Forwards every request to ``upstream`` after ``latency_ms``, applying the first matching Rule."""

    def __init__(self, upstream: str, *, host: str = "127.0.0.1", port: int = 0, latency_ms: int = 0) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname or not parts.port:
            raise ValueError(f"upstream must look like http://HOST:PORT, not {upstream!r}")
        self.upstream = upstream.rstrip("/")
        self._upstream_address = (parts.hostname, parts.port)
        self._host, self._port = host, port
        self.latency_ms = latency_ms
        self._rules: list[Rule] = []
        self.log: list[ProxyRecord] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self._rewrite = (b"", b"")

    # rules -----------------------------------------------------------------------------------------------
    def add(self, rule: Rule) -> Rule:
        """Add a fault; rules are tried in the order they were added."""
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule and forget the request log."""
        with self._lock:
            self._rules.clear()
            self.log.clear()

    def _rule_for(self, method: str, target: str) -> Rule | None:
        with self._lock:
            return next((rule for rule in self._rules if rule.matches(method, target)), None)

    def _record(self, method: str, target: str, status: int | None, rule: Rule | None) -> None:
        """Log before answering, so a client that got its answer always finds its request in ``log``."""
        with self._lock:
            self.log.append(ProxyRecord(method, target, status, rule.action if rule else None))

    # serving ---------------------------------------------------------------------------------------------
    async def serve(self) -> None:
        """Start listening on the running loop (used by the command line and by ``start``)."""
        self._server = await asyncio.start_server(self._client, self._host, self._port)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://{self._host}:{port}"
        self._rewrite = (
            self.upstream.split("://", 1)[1].encode(),
            self.url.split("://", 1)[1].encode(),
        )

    def start(self) -> FaultProxy:
        """Run the proxy on its own event loop in a daemon thread; returns once it is listening."""
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            loop.run_until_complete(self.serve())
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="fault-proxy", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        """Stop listening and end the background loop."""
        loop = self._loop
        if loop is None:
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            clients = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in clients:
                task.cancel()
            await asyncio.gather(*clients, return_exceptions=True)
            loop.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _nodelay(writer)
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                try:
                    start, headers, body = await _read_message(reader, is_response=False)
                except _Closed:
                    return
                method, target = start.split(" ", 2)[:2]
                keep_alive = not any(
                    name.lower() == "connection" and value.lower() == "close" for name, value in headers
                )
                rule = self._rule_for(method, target)
                if self.latency_ms:
                    await asyncio.sleep(self.latency_ms / 1000)
                action = rule.action if rule else None
                if action == "reset":
                    self._record(method, target, None, rule)
                    return
                if action in ("html", "status"):
                    assert rule is not None
                    self._record(method, target, rule.status, rule)
                    writer.write(_fault_answer(rule, target))
                    await writer.drain()
                    if keep_alive:
                        continue
                    return
                if action == "delay":
                    assert rule is not None
                    await asyncio.sleep(rule.delay_ms / 1000)
                upstream, answer = await self._forward(upstream, start, headers, body, method)
                if answer is None:
                    self._record(method, target, None, rule)
                    return
                status_line, answer_headers, answer_body = answer
                status = int(status_line.split(" ", 2)[1])
                if action == "drop-response":
                    self._record(method, target, None, rule)
                    return
                if action == "truncate":
                    message = _encode(
                        status_line,
                        answer_headers,
                        answer_body[: len(answer_body) // 2],
                        length=len(answer_body),
                    )
                    self._record(method, target, status, rule)
                    writer.write(message)
                    await writer.drain()
                    return
                self._record(method, target, status, rule)
                writer.write(_encode(status_line, answer_headers, answer_body))
                await writer.drain()
                if not keep_alive:
                    return
        except (ConnectionError, asyncio.CancelledError):
            # A cancelled client task is the proxy shutting down: end quietly, the connection closes below.
            return
        finally:
            writer.close()
            if upstream is not None:
                upstream[1].close()

    async def _forward(
        self,
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None,
        start: str,
        headers: list[tuple[str, str]],
        body: bytes,
        method: str,
    ) -> tuple[
        tuple[asyncio.StreamReader, asyncio.StreamWriter] | None,
        tuple[str, list[tuple[str, str]], bytes] | None,
    ]:
        """Send the request upstream (reconnecting once if the kept-alive connection was closed)."""
        request = _encode(start, headers, body)
        for _ in range(2):
            if upstream is None:
                try:
                    upstream = await asyncio.open_connection(*self._upstream_address)
                except OSError:
                    return None, None
                _nodelay(upstream[1])
            up_reader, up_writer = upstream
            try:
                up_writer.write(request)
                await up_writer.drain()
                status_line, answer_headers, answer_body = await _read_message(
                    up_reader, is_response=True, method=method
                )
            except (_Closed, ConnectionError):
                up_writer.close()
                upstream = None
                continue
            old, new = self._rewrite
            answer_headers = [
                (name, value.replace(old.decode(), new.decode())) for name, value in answer_headers
            ]
            return upstream, (status_line, answer_headers, answer_body.replace(old, new))
        return upstream, None


def _fault_answer(rule: Rule, target: str) -> bytes:
    """The proxy's own answer for ``html`` and ``status`` rules."""
    if rule.action == "html":
        page = f"<html><head><title>{rule.status} Bad Gateway</title></head><body>proxy error</body></html>"
        return _answer(rule.status, "text/html", page.encode(), rule.headers)
    error = {
        "error": {"code": f"Injected{rule.status}", "message": f"Injected by the fault proxy for {target}."}
    }
    return _answer(rule.status, "application/json; charset=utf-8", json.dumps(error).encode(), rule.headers)


def main(argv: list[str] | None = None) -> None:
    """``python -m azure_batch_emulator.proxy --upstream URL [--port P] [--latency-ms N]``: print the URL,
    serve."""
    parser = argparse.ArgumentParser(
        prog="python -m azure_batch_emulator.proxy", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--upstream", required=True, help="the emulator's URL, e.g. http://127.0.0.1:8123")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=int, default=0, help="added before forwarding each request")
    args = parser.parse_args(argv)
    proxy = FaultProxy(args.upstream, host=args.host, port=args.port, latency_ms=args.latency_ms)

    async def run() -> None:
        await proxy.serve()
        print(proxy.url, flush=True)
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        await stop.wait()

    asyncio.run(run())


if __name__ == "__main__":
    main()
