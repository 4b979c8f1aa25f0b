"""Fixtures for the fault matrix: a fault proxy in front of the session's emulator, both fresh per case."""

from __future__ import annotations

from collections.abc import Iterator

import pulumi.runtime.settings
import pytest

from emulator import EmulatorServer
from emulator.proxy import FaultProxy


@pytest.fixture(scope="module")
def proxy_server(emulator_session: EmulatorServer) -> Iterator[FaultProxy]:
    """One proxy per module; its rules are cleared before every case."""
    with FaultProxy(upstream=emulator_session.url) as proxy:
        yield proxy


@pytest.fixture
def proxy(proxy_server: FaultProxy, emulator: EmulatorServer) -> Iterator[FaultProxy]:
    """The proxy with no rules, in front of an emulator reset to no pools and no faults."""
    proxy_server.clear()
    yield proxy_server
    proxy_server.clear()


@pytest.fixture(autouse=True)
def _no_engine_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    """Log as a dynamic provider process does (no engine connection: `pulumi.log` prints to stderr).

    Tests of other layers may leave Pulumi's mocks installed as the process's engine; the fault cases read
    the provider's log from stderr to check it for secrets and for what it says.
    """
    monkeypatch.setattr(pulumi.runtime.settings.SETTINGS, "engine", None)
