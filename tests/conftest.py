"""Fixtures shared by every test layer: one in-process emulator per session, reset before each use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator import EmulatorServer


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
