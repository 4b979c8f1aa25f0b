"""Fixtures for the fault matrix: a fault proxy in front of the session's emulator, both fresh per case."""

from __future__ import annotations

from collections.abc import Iterator

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
