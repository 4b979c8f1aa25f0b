"""A clock that moves only when the code under test sleeps, so no provider test waits for real time."""

from __future__ import annotations


class FakeTime:
    """``sleep`` records the pause and advances ``now``; ``clock`` reads it (pass both where injectable)."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)

    def clock(self) -> float:
        return self.now
