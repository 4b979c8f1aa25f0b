"""The state file: JSON snapshots written atomically so a crash never leaves a half-written file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def save(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to a temporary file next to ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, separators=(",", ":"))
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load(path: Path) -> dict[str, Any] | None:
    """The saved snapshot, or None when there is no state file yet; ValueError names a corrupt file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError(
            f"state file '{path}' is not valid JSON; delete it or pass another --state-file"
        ) from None
    if not isinstance(data, dict) or data.get("version") != 1:
        raise ValueError(f"state file '{path}' was not written by this emulator version; delete it")
    return data
