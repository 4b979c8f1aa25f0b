"""Shared emulator fixtures: one in-process server per session, reset before every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer

API = {"api-version": "2025-06-01"}


@pytest.fixture(scope="session")
def _session_emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, speed="instant", seed=7) as server:
        yield server


@pytest.fixture(autouse=True)
def emulator(_session_emulator: EmulatorServer) -> EmulatorServer:
    """The running emulator (instant speed), reset to the demo account with no pools and no faults."""
    _session_emulator.reset()
    return _session_emulator


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A requests session that sends the development token."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {DEV_TOKEN}"
        yield session


@pytest.fixture
def account_url(emulator: EmulatorServer) -> str:
    """ARM URL of the demo account."""
    return (
        f"{emulator.url}/subscriptions/{DEMO_ACCOUNT.subscription_id}/resourceGroups/"
        f"{DEMO_ACCOUNT.resource_group}/providers/Microsoft.Batch/batchAccounts/{DEMO_ACCOUNT.account_name}"
    )


@pytest.fixture
def batch_url(emulator: EmulatorServer) -> str:
    """Data-plane base URL of the demo account."""
    return f"{emulator.url}/batch/{DEMO_ACCOUNT.account_name}"
