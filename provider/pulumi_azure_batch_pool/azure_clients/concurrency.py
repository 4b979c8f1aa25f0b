"""An adaptive limit on requests in flight: grow while answers come back fast, halve when throttled.

A complete read of a pool needs one extension list per node and no Azure API returns more than one
node's, so the read is latency-bound and its speed is the number of requests in flight. Too few and a
1,000-node refresh takes half a minute; too many and Azure throttles (429/503) or the client's own CPU
becomes the limit. This is TCP's congestion control in miniature: start at ``initial``, add one per
fast answer until the first sign of trouble (slow start), then one per full window (additive
increase); halve on 429/503 down to ``floor`` and hold every request until ``Retry-After`` has passed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

DEFAULT_INITIAL = 16
DEFAULT_FLOOR = 2
SLOW_FACTOR = 2.0
"""An answer slower than this many times the fastest one seen means the far side is saturating."""


class AdaptiveLimit:
    """How many requests may be in flight right now; thread-safe.

    ``acquire`` blocks while the limit is reached, then waits out any ``Retry-After`` pause (with the
    injectable ``sleep``/``clock``, so tests never wait); ``release`` reports the answer's latency
    (``None`` for a failure, which never grows the limit); ``throttled`` halves it.
    """

    def __init__(
        self,
        maximum: int,
        *,
        initial: int = DEFAULT_INITIAL,
        floor: int = DEFAULT_FLOOR,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.maximum = max(1, maximum)
        self.floor = max(1, min(floor, self.maximum))
        self.limit = max(self.floor, min(initial, self.maximum))
        self.peak = self.limit
        self._clock = clock
        self._sleep = sleep
        self._in_flight = 0
        self._credit = 0
        self._slow_start = True
        self._fastest: float | None = None
        self._resume_at = float("-inf")
        self._condition = threading.Condition()

    def acquire(self) -> None:
        """Wait for a free slot, then for the end of a throttling pause."""
        with self._condition:
            while self._in_flight >= self.limit:
                self._condition.wait()
            self._in_flight += 1
            pause = self._resume_at - self._clock()
        if pause > 0:
            self._sleep(pause)

    def release(self, latency: float | None) -> None:
        """Free the slot; a fast success (``latency`` within 2x the fastest seen) earns growth."""
        with self._condition:
            self._in_flight -= 1
            if latency is not None:
                self._grow(latency)
            self._condition.notify_all()

    def throttled(self, retry_after: float) -> None:
        """Halve the limit (once per throttling pause) and hold new requests for ``retry_after`` seconds."""
        with self._condition:
            now = self._clock()
            if now >= self._resume_at:
                self.limit = max(self.floor, self.limit // 2)
                self._slow_start = False
                self._credit = 0
            self._resume_at = max(self._resume_at, now + retry_after)

    def _grow(self, latency: float) -> None:
        if self._fastest is None or latency < self._fastest:
            self._fastest = latency
        if latency > SLOW_FACTOR * self._fastest:
            self._slow_start = False
            return
        self._credit += 1
        if self._slow_start or self._credit >= self.limit:
            self._credit = 0
            self.limit = min(self.maximum, self.limit + 1)
            self.peak = max(self.peak, self.limit)
