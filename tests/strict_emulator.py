"""Marks tests that need the emulator as strict as Azure (server defaults, identity merge on PATCH).

That emulator lives on the ``emulator`` branch until it is merged; its ``emulator/defaults.py`` is the sign.
Once it is on main this marker always runs the tests and can be deleted.
"""

from importlib.util import find_spec

import pytest

requires_strict_emulator = pytest.mark.skipif(
    find_spec("emulator.defaults") is None,
    reason="needs the emulator that fills server defaults and merges identities on PATCH (emulator branch)",
)
