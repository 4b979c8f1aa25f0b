"""The set-up step's refusals, which need neither the network nor a new .venv to check."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_setup_refuses_a_python_older_than_3_10_and_says_how_to_pick_another(tmp_path: Path) -> None:
    old_python = tmp_path / "python3.9"
    old_python.write_text("#!/bin/sh\necho 3.9\nexit 1\n")
    old_python.chmod(0o755)
    done = subprocess.run(
        ["bash", "scripts/setup.sh"],
        cwd=REPO,
        env={**os.environ, "PYTHON": str(old_python)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert f"needs Python 3.10 or newer; '{old_python}' is 3.9" in done.stderr
    assert "PYTHON=python3.12" in done.stderr


def test_setup_names_a_missing_interpreter() -> None:
    done = subprocess.run(
        ["bash", "scripts/setup.sh"],
        cwd=REPO,
        env={**os.environ, "PYTHON": "no-such-python"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "'no-such-python' was not found" in done.stderr


def test_demo_rejects_unknown_arguments_before_doing_anything() -> None:
    done = subprocess.run(
        ["bash", "scripts/demo.sh", "--yes"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "unknown argument '--yes'" in done.stderr
