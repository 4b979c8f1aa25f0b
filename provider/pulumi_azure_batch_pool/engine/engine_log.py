"""Diagnostics that reach the Pulumi CLI with a severity and attached to the resource, not as stray stderr.

How messages travel (checked against Pulumi's source): the engine starts every provider plugin with its
own gRPC address as the last command-line argument (`newPlugin(..., []string{host.ServerAddr()}, ...)`
in `pkg/resource/plugin/provider_plugin.go`, after any `--logtostderr`, `-v=N` and `--tracing X` flags);
the Python shim passes it on to `python -m pulumi.dynamic`, whose server ignores it. That address serves
the Engine service, whose `Log(severity, message, urn)` the CLI shows like any provider's diagnostics.
`pulumi.log` in a dynamic provider only prints to stderr (the SDK configures no engine connection there),
and the engine relays stderr as untagged text attached to no resource.

So this module sends `Log` calls to the engine when it has an address, with the URN of the resource whose
RPC is running on the calling thread (the SDK's servicer does not pass it to the provider, so it is read
from the servicer's own frame), and falls back to ``severity: message`` on stderr otherwise, e.g. when
the engine does not answer, or outside a provider process.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO, TypeAlias

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

Severity: TypeAlias = engine_pb2.LogSeverity.ValueType

DEBUG = engine_pb2.DEBUG
INFO = engine_pb2.INFO
WARNING = engine_pb2.WARNING
ERROR = engine_pb2.ERROR

_SEVERITY_NAMES: dict[Severity, str] = {DEBUG: "debug", INFO: "info", WARNING: "warning", ERROR: "error"}
_ADDRESS = re.compile(r"^(?:[\w.-]+|\[[0-9a-fA-F:]+\])?:\d+$")
_VALUE_FLAGS = frozenset({"--tracing"})
_LOG_TIMEOUT_SECONDS = 5.0
_SDK_SERVER = Path("pulumi") / "dynamic" / "__main__.py"


def engine_address(argv: Sequence[str]) -> str | None:
    """The engine's address from a provider plugin's command line, or None when there is none.

    The address is the last positional argument; ``:1234`` (older engines) means loopback.
    """
    positional = []
    skip_next = False
    for argument in argv[1:]:
        if skip_next:
            skip_next = False
        elif argument in _VALUE_FLAGS:
            skip_next = True
        elif not argument.startswith("-"):
            positional.append(argument)
    if not positional or not _ADDRESS.match(positional[-1]):
        return None
    address = positional[-1]
    return f"127.0.0.1{address}" if address.startswith(":") else address


def current_urn() -> str:
    """The URN of the resource whose RPC the SDK's provider server is handling on this thread, or ""."""
    frame = sys._getframe(1)
    while frame is not None:
        if Path(frame.f_code.co_filename).parts[-3:] == _SDK_SERVER.parts:
            request = frame.f_locals.get("request")
            urn = getattr(request, "urn", "")
            if urn:
                return str(urn)
        frame = frame.f_back  # type: ignore[assignment]
    return ""


class EngineLog:
    """Sends diagnostics to the engine's Log service; after the first failure, writes to ``stream``."""

    def __init__(
        self,
        address: str | None,
        *,
        stream: Callable[[], TextIO] = lambda: sys.stderr,
        stub_factory: Callable[[grpc.Channel], Any] = engine_pb2_grpc.EngineStub,
    ) -> None:
        self.address = address
        self._stream = stream
        self._stub_factory = stub_factory
        self._stub: Any = None
        self._lock = threading.Lock()
        self._failed = address is None

    def log(
        self, severity: Severity, message: str, *, urn: str | None = None, ephemeral: bool = False
    ) -> None:
        """Log ``message`` for ``urn`` (default: the resource of the RPC on this thread)."""
        urn = current_urn() if urn is None else urn
        stub = self._engine()
        if stub is not None:
            try:
                request = engine_pb2.LogRequest(
                    severity=severity, message=message, urn=urn, ephemeral=ephemeral
                )
                stub.Log(request, timeout=_LOG_TIMEOUT_SECONDS)
                return
            except grpc.RpcError as error:
                self._give_up(f"the engine at {self.address} refused a log message ({error.code().name})")
        if not ephemeral:
            print(f"{_SEVERITY_NAMES.get(severity, 'info')}: {message}", file=self._stream(), flush=True)

    def _engine(self) -> Any:
        with self._lock:
            if self._failed:
                return None
            if self._stub is None:
                self._stub = self._stub_factory(grpc.insecure_channel(str(self.address)))
            return self._stub

    def _give_up(self, reason: str) -> None:
        with self._lock:
            already = self._failed
            self._failed = True
        if not already:
            print(f"warning: {reason}; provider messages follow on stderr", file=self._stream(), flush=True)


_engine_log: EngineLog | None = None
_engine_log_lock = threading.Lock()


def _default() -> EngineLog:
    """The process-wide EngineLog, for the address on this process's command line."""
    global _engine_log
    with _engine_log_lock:
        if _engine_log is None:
            _engine_log = EngineLog(engine_address(sys.argv) if _is_provider_process() else None)
        return _engine_log


def _is_provider_process() -> bool:
    """True inside `python -m pulumi.dynamic`: only there is the last argument the engine's address."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return getattr(spec, "name", None) == "pulumi.dynamic.__main__"


def debug(message: str) -> None:
    """Debug severity (shown with `pulumi up -v` / `--debug`)."""
    _default().log(DEBUG, message)


def info(message: str) -> None:
    """Info severity, attached to the current resource."""
    _default().log(INFO, message)


def warn(message: str) -> None:
    """Warning severity, attached to the current resource."""
    _default().log(WARNING, message)


def error(message: str) -> None:
    """Error severity, attached to the current resource (the RPC's own failure is reported separately)."""
    _default().log(ERROR, message)
