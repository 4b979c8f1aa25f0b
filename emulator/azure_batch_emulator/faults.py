"""Fault injection: added latency, throttling with Retry-After, server errors and dropped connections.

Every request draws the same three random numbers from a seeded generator, so a given seed and request
sequence always produces the same faults whatever the rates are.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from azure_batch_emulator.errors import (
    EmulatorError,
    InternalServerError,
    InvalidPropertyValue,
    ServerBusy,
    TooManyRequests,
)

DROP = "drop"
BODY_KEYS = {
    "latencyMs": "latency_ms",
    "throttleRate": "throttle_rate",
    "throttleStatus": "throttle_status",
    "errorRate": "error_rate",
    "dropRate": "drop_rate",
    "retryAfter": "retry_after",
    "seed": "seed",
}


@dataclass(frozen=True)
class FaultConfig:
    """Rates are probabilities in [0, 1] applied to each non-admin request."""

    latency_ms: int = 0
    throttle_rate: float = 0.0
    throttle_status: int = 429
    error_rate: float = 0.0
    drop_rate: float = 0.0
    retry_after: int = 1
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("throttle_rate", "error_rate", "drop_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.throttle_status not in (429, 503):
            raise ValueError("throttle_status must be 429 or 503")
        if self.latency_ms < 0 or self.retry_after < 0:
            raise ValueError("latency_ms and retry_after must not be negative")

    @classmethod
    def from_body(cls, body: Any) -> FaultConfig:
        """Parse the ``POST /_emulator/faults`` body (camelCase keys; omitted keys take their defaults)."""
        if not isinstance(body, dict):
            raise InvalidPropertyValue("The faults body must be a JSON object.", path="faults")
        kwargs: dict[str, Any] = {}
        types = {f.name: f.type for f in fields(cls)}
        for key, value in body.items():
            name = BODY_KEYS.get(key)
            if name is None:
                raise InvalidPropertyValue(
                    f"Unknown fault setting '{key}'; use {', '.join(BODY_KEYS)}.", path=key
                )
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            wants_int = types[name] in ("int", "int | None")
            if value is not None and not (numeric and (not wants_int or float(value).is_integer())):
                raise InvalidPropertyValue(f"Fault setting '{key}' must be a number.", path=key)
            kwargs[name] = int(value) if wants_int and value is not None else value
        try:
            return cls(**kwargs)
        except ValueError as exc:
            raise InvalidPropertyValue(f"Invalid fault settings: {exc}.", path="faults") from None


class Faults:
    """Decides, per request, which fault to inject under the current FaultConfig."""

    def __init__(
        self, config: FaultConfig | None = None, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._lock = threading.Lock()
        self._sleep = sleep
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        """Replace the configuration and reseed the generator."""
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)

    def apply(self) -> str | EmulatorError | None:
        """Sleep for the latency, then return DROP, an error to answer with, or None to serve normally."""
        with self._lock:
            config = self.config
            drop, throttle, error = self._rng.random(), self._rng.random(), self._rng.random()
        if config.latency_ms:
            self._sleep(config.latency_ms / 1000)
        if drop < config.drop_rate:
            return DROP
        if throttle < config.throttle_rate:
            retry = {"Retry-After": str(config.retry_after)}
            if config.throttle_status == 503:
                return ServerBusy("The server is busy; retry after the Retry-After delay.", headers=retry)
            return TooManyRequests("Too many requests; retry after the Retry-After delay.", headers=retry)
        if error < config.error_rate:
            return InternalServerError("The server encountered an internal error; please retry the request.")
        return None
