"""How long simulated transitions take at each ``--speed``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Speed:
    """Durations in seconds of each simulated phase, and the Retry-After the emulator advertises.

    A zero duration completes on the next read (the "instant" speed tests use): the write that starts a
    transition still answers with the in-progress state, as Azure does, and the following read sees the end.
    """

    name: str
    resize: float
    node_create: float
    node_start: float
    extension: float
    delete: float
    retry_after: int


SPEEDS = {
    "instant": Speed("instant", 0.0, 0.0, 0.0, 0.0, 0.0, 0),
    "fast": Speed("fast", 0.2, 0.1, 0.1, 0.1, 0.2, 1),
    "realistic": Speed("realistic", 15.0, 10.0, 10.0, 5.0, 15.0, 15),
}


def speed_named(name: str) -> Speed:
    """The Speed called ``name``; ValueError names the valid choices."""
    try:
        return SPEEDS[name]
    except KeyError:
        raise ValueError(f"speed '{name}' is unknown: choose one of {', '.join(SPEEDS)}") from None
