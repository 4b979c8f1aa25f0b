"""Progress for long waits at a steady low rate, retries summarised, and one summary line at the end.

A create can wait many minutes (allocation, then nodes starting, then extensions installing). Polling
every few seconds and logging every poll floods the CLI, while logging nothing looks like a hang. So each
phase's first line is shown at once, later lines at most every ``interval_seconds`` and only when
something changed, and throttled requests, which the transport retries one by one, are counted and
reported as one clause ("7 requests retried: throttled (429) x6, HTTP 503 x1").
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_azure_batch_pool.azure_clients.transport import RetryEvent
from pulumi_azure_batch_pool.lifecycle.status import FAILED, MISSING, SUCCEEDED, TRANSITIONING, UNKNOWN
from pulumi_azure_batch_pool.model.mapping import allocated_nodes

DEFAULT_INTERVAL_SECONDS = 30.0


class RetryCounter(logging.Handler):
    """Counts the transport's retry notices by reason instead of printing each one.

    Attached to the `pulumi_azure_batch_pool.azure_clients.transport` logger, where the transport's default
    ``on_retry`` reports
    every retry; records still propagate, so an application that configures logging sees them all.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self._counts: Counter[str] = Counter()
        self._counts_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        event = record.args[0] if isinstance(record.args, tuple) and record.args else None
        reason = event.reason if isinstance(event, RetryEvent) else "other"
        with self._counts_lock:
            self._counts[reason] += 1

    def snapshot(self) -> Counter[str]:
        """Retries so far in this process, by reason (a copy)."""
        with self._counts_lock:
            return Counter(self._counts)


_counter: RetryCounter | None = None
_counter_lock = threading.Lock()


def retry_counter() -> RetryCounter:
    """The process-wide RetryCounter, attached to the transport's logger on first use."""
    global _counter
    with _counter_lock:
        if _counter is None:
            _counter = RetryCounter()
            logging.getLogger("pulumi_azure_batch_pool.azure_clients.transport").addHandler(_counter)
        return _counter


def describe_retries(counts: Mapping[str, int]) -> str:
    """'7 requests retried: throttled (429) x6, HTTP 503 x1', or '' when there were none."""
    total = sum(counts.values())
    if not total:
        return ""
    ordered = sorted(counts.items(), key=lambda item: -item[1])
    reasons = ", ".join(f"{reason} x{count}" for reason, count in ordered)
    return f"{total} request{'s' if total != 1 else ''} retried: {reasons}"


class Progress:
    """Progress of one operation on one pool: phases, rate-limited lines, retry deltas, a final summary.

    Retries are counted per process (the transport is shared by every resource in it), so with several
    pools deploying at once each one's lines show every retry made meanwhile.
    """

    def __init__(
        self,
        pool_name: str,
        log: Callable[[str], None],
        *,
        interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        retries: RetryCounter | None = None,
    ) -> None:
        self._pool = pool_name
        self._log = log
        self._interval = interval_seconds
        self._clock = clock
        self._retries = retries or retry_counter()
        self._started = clock()
        self._retries_at_start = self._retries.snapshot()
        self._retries_reported = self._retries_at_start
        self._phase: str | None = None
        self._last_line: str | None = None
        self._last_time = self._started

    def allocation(self, pool: Mapping[str, Any]) -> None:
        """One poll of the pool while it allocates (a GET body that is not yet Steady)."""
        properties = pool.get("properties") or {}
        current = allocated_nodes(pool)
        fixed = (properties.get("scaleSettings") or {}).get("fixedScale") or {}
        target = int(fixed.get("targetDedicatedNodes") or 0) + int(fixed.get("targetLowPriorityNodes") or 0)
        of_target = f"/{target}" if fixed else ""
        state = properties.get("allocationState") or "unknown"
        self.report("allocating", f"allocation {state}, {current}{of_target} nodes allocated")

    def nodes(self, line: str) -> None:
        """One poll of the nodes and their extensions (a `status.progress_line`)."""
        self.report("nodes", line)

    def report(self, phase: str, line: str) -> None:
        """Log ``line`` now if the phase is new, else only when it changed and the interval has passed."""
        now = self._clock()
        new_phase = phase != self._phase
        due = now - self._last_time >= self._interval and line != self._last_line
        if not (new_phase or due):
            return
        self._phase, self._last_line, self._last_time = phase, line, now
        retried = self._retries.snapshot()
        delta = describe_retries(retried - self._retries_reported)
        self._retries_reported = retried
        self._log(f"{self._pool}: {line}" + (f" ({delta})" if delta else ""))

    def summary(self, outcome: str) -> str:
        """The final line: outcome, elapsed time and every retry since the operation began."""
        elapsed = _duration(self._clock() - self._started)
        retries = describe_retries(self._retries.snapshot() - self._retries_at_start)
        return f"{self._pool}: {outcome} after {elapsed}" + (f"; {retries}" if retries else "")


def progress_outcome(nodes: Mapping[str, Any], *, watched: bool = True) -> str:
    """How a wait ended, from the `extensionStatus`/`nodeCount` outputs: 'settled: 2 nodes; secretext
    succeeded on 2/2' (or 'allocated, nodes not watched: ...' when waitForNodes is false)."""
    count = int(nodes.get("nodeCount") or 0)
    parts = [f"{count} node{'s' if count != 1 else ''}"]
    for name, counts in (nodes.get("extensionStatus") or {}).items():
        states = ", ".join(
            f"{state} on {counts[state]}/{count}"
            for state in (SUCCEEDED, FAILED, TRANSITIONING, MISSING, UNKNOWN)
            if counts.get(state)
        )
        parts.append(f"{name} {states or 'not reported'}")
    prefix = "settled" if watched else "allocated, nodes not watched (waitForNodes=false)"
    return f"{prefix}: " + "; ".join(parts)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
