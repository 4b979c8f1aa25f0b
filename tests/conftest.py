"""Fixtures shared by every test layer: one in-process emulator per session, reset before each use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from azure_batch_emulator import DEV_TOKEN, EmulatorServer
from azure_batch_emulator.proxy import FaultProxy


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[EmulatorServer]:
    """The session's emulator at "instant" speed; module-scoped fixtures build on this one."""
    with EmulatorServer(port=0, speed="instant", seed=7) as server:
        yield server


@pytest.fixture
def emulator(emulator_session: EmulatorServer) -> EmulatorServer:
    """The session's emulator, reset to its initial accounts with no pools and no faults."""
    emulator_session.reset()
    return emulator_session


@pytest.fixture(scope="module")
def proxy_server(emulator_session: EmulatorServer) -> Iterator[FaultProxy]:
    """One fault proxy in front of the session's emulator per module; ``proxy`` clears it for each test."""
    with FaultProxy(upstream=emulator_session.url) as proxy:
        yield proxy


@pytest.fixture
def proxy(proxy_server: FaultProxy, emulator: EmulatorServer) -> Iterator[FaultProxy]:
    """The proxy with no rules and an empty log, in front of an emulator reset to no pools and no faults."""
    proxy_server.clear()
    yield proxy_server
    proxy_server.clear()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A requests session that sends the emulator's development token."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {DEV_TOKEN}"
        yield session
