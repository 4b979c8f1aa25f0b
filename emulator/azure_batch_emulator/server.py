"""EmulatorServer: the threaded HTTP/1.1 keep-alive server that runs the emulator in-process or standalone."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from azure_batch_emulator import persistence
from azure_batch_emulator.accounts import DEMO_ACCOUNT, AccountRef
from azure_batch_emulator.auth import DEV_TOKEN, TokenRule
from azure_batch_emulator.dispatch import Dispatcher, error_response
from azure_batch_emulator.errors import EmulatorError, InvalidRequestContent, RequestBodyTooLarge
from azure_batch_emulator.extensions import allowed_pairs
from azure_batch_emulator.faults import DROP, FaultConfig
from azure_batch_emulator.routes import plane_of
from azure_batch_emulator.speeds import speed_named
from azure_batch_emulator.state import BatchState
from azure_batch_emulator.wire import Context, Request, Response

MAX_BODY_BYTES = 4 * 1024 * 1024


class EmulatorServer:
    """A local Azure Batch (management + data plane) on loopback.

    ``token`` is ``TOKEN`` or ``TOKEN@SUBSCRIPTION_ID``; ``accounts`` defaults to the demo account;
    ``clock`` is injectable so tests can drive "fast"/"realistic" transitions without sleeping;
    ``allowed_extensions`` are ``Publisher/Type`` pairs accepted beyond Azure Batch's list, as for a
    subscription with support for them.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = DEV_TOKEN,
        accounts: list[AccountRef] | None = None,
        speed: str = "instant",
        state_file: str | Path | None = None,
        seed: int | None = None,
        faults: FaultConfig | None = None,
        *,
        clock: Callable[[], float] = time.time,
        allowed_extensions: Iterable[str | tuple[str, str]] = (),
    ) -> None:
        self.host = host
        self.port = port
        self.token = TokenRule.parse(token)
        self.state = BatchState(
            list(accounts or [DEMO_ACCOUNT]),
            speed_named(speed),
            clock=clock,
            seed=seed,
            faults=faults,
            allowed_extensions=allowed_pairs(allowed_extensions),
        )
        self.state_file = Path(state_file) if state_file else None
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``http://127.0.0.1:8123``."""
        if self._httpd is None:
            raise RuntimeError("the emulator is not running: call start() first")
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self._httpd.server_address[1]}"

    def start(self) -> EmulatorServer:
        """Bind (port 0 picks a free port), load the state file if any, and serve in a daemon thread."""
        if self._httpd is not None:
            raise RuntimeError("the emulator is already running")
        if self.state_file is not None:
            saved = persistence.load(self.state_file)
            if saved is not None:
                self.state.restore(saved)
            path = self.state_file
            self.state.on_change = lambda snapshot: persistence.save(path, snapshot)
        self._httpd = _HTTPServer((self.host, self.port), _Handler)
        self._httpd.dispatcher = Dispatcher(Context(self.state, self.url), self.token)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket; safe to call twice."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd, self._thread = None, None

    def reset(self) -> None:
        """Back to the initial accounts with no pools, no scripted failures and no faults."""
        self.state.reset()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    dispatcher: Dispatcher


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, hands it to the dispatcher and writes the answer (keep-alive, Nagle off)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 60
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve()

    do_PUT = do_PATCH = do_DELETE = do_POST = do_HEAD = do_OPTIONS = do_GET

    def _serve(self) -> None:
        target = urlsplit(self.path)
        path = target.path
        body = self._read_body(path)
        if body is None:
            return
        request = Request(
            method=self.command,
            path=path,
            query=dict(parse_qsl(target.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        result = self.server.dispatcher.handle(request)
        if result == DROP:
            self._drop()
        elif isinstance(result, Response):
            self._write(result)

    def _read_body(self, path: str) -> bytes | None:
        """The body, or None after answering an unreadable one (and closing, as the rest is unread)."""
        error: EmulatorError | None = None
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            error = InvalidRequestContent("Chunked request bodies are not supported; send Content-Length.")
        else:
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if length < 0:
                error = InvalidRequestContent("The Content-Length header is not a valid length.")
            elif length > MAX_BODY_BYTES:
                error = RequestBodyTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
            else:
                body = self.rfile.read(length) if length else b""
                if len(body) == length:
                    return body
                self.close_connection = True
                return None
        self.close_connection = True
        self._write(error_response(plane_of(path), error))
        return None

    def _write(self, response: Response) -> None:
        """Status line, headers and body in one write (one packet for a small answer: no Nagle delay)."""
        payload = b"" if response.body is None else json.dumps(response.body, separators=(",", ":")).encode()
        headers = dict(response.headers)
        if response.body is not None:
            headers["Content-Type"] = headers.pop("Content-Type", "application/json")
        headers["Content-Length"] = str(len(payload))
        headers["Date"] = self.date_time_string()
        if self.close_connection:
            headers["Connection"] = "close"
        reason = self.responses.get(response.status, ("",))[0]
        head = f"HTTP/1.1 {response.status} {reason}\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in headers.items()
        )
        try:
            self.wfile.write(head.encode("latin-1") + b"\r\n" + (b"" if self.command == "HEAD" else payload))
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: per-request logging would cost throughput and could echo query strings."""
