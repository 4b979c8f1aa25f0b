"""Fixtures for the fault matrix; its fault proxy (``proxy``) is the one in ``tests/conftest.py``."""

from __future__ import annotations

import pulumi.runtime.settings
import pytest


@pytest.fixture(autouse=True)
def _no_engine_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    """Log as a dynamic provider process does (no engine connection: `pulumi.log` prints to stderr).

    Tests of other layers may leave Pulumi's mocks installed as the process's engine; the fault cases read
    the provider's log from stderr to check it for secrets and for what it says.
    """
    monkeypatch.setattr(pulumi.runtime.settings.SETTINGS, "engine", None)
