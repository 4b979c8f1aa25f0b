"""Progress lines: a steady low rate, retries summarised rather than logged one by one, a final summary."""

from __future__ import annotations

import requests

from emulator import DEV_TOKEN, EmulatorServer
from provider.progress import Progress, RetryCounter, describe_retries, retry_counter
from provider.transport import RetryPolicy, Transport


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def test_phase_changes_show_at_once_and_repeats_wait_for_the_interval() -> None:
    clock, lines = Clock(), []
    progress = Progress("pool", lines.append, interval_seconds=30, clock=clock, retries=RetryCounter())
    progress.allocation(
        {
            "properties": {
                "allocationState": "Resizing",
                "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 4}},
            }
        }
    )
    clock.now += 10
    progress.allocation(
        {
            "properties": {
                "allocationState": "Resizing",
                "currentDedicatedNodes": 2,
                "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 4}},
            }
        }
    )
    clock.now += 25
    progress.allocation(
        {
            "properties": {
                "allocationState": "Resizing",
                "currentDedicatedNodes": 2,
                "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 4}},
            }
        }
    )
    clock.now += 1
    progress.nodes("0/4 nodes ready; secretext transitioning on 4")
    clock.now += 40
    progress.nodes("0/4 nodes ready; secretext transitioning on 4")
    assert lines == [
        "pool: allocation Resizing, 0/4 nodes allocated",
        "pool: allocation Resizing, 2/4 nodes allocated",
        "pool: 0/4 nodes ready; secretext transitioning on 4",
    ]
    clock.now += 29
    assert progress.summary("succeeded") == "pool: succeeded after 1m45s"


ACCOUNT_URL = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg"
    "/providers/Microsoft.Batch/batchAccounts/demoaccount"
)


def test_throttled_requests_are_counted_and_reported_once_per_line(emulator: EmulatorServer) -> None:
    counter = retry_counter()
    before = counter.snapshot()
    clock, lines = Clock(), []
    progress = Progress("pool", lines.append, interval_seconds=30, clock=clock, retries=counter)
    requests.post(
        f"{emulator.url}/_emulator/faults",
        json={"throttleRate": 0.5, "throttleStatus": 429, "retryAfter": 0, "seed": 3},
        headers={"Authorization": f"Bearer {DEV_TOKEN}"},
        timeout=10,
    ).raise_for_status()
    transport = Transport(policy=RetryPolicy(total=20, sleep=lambda seconds: None))
    for _ in range(20):
        transport.request(
            "GET",
            emulator.url + ACCOUNT_URL,
            params={"api-version": "2025-06-01"},
            headers={"Authorization": f"Bearer {DEV_TOKEN}"},
        )
    retried = sum((counter.snapshot() - before).values())
    assert retried > 0, "the emulator's 429s must have been retried"
    progress.nodes("1/2 nodes ready")
    assert lines == [f"pool: 1/2 nodes ready ({retried} requests retried: throttled (429) x{retried})"]
    clock.now += 60
    progress.nodes("2/2 nodes ready")
    assert lines[-1] == "pool: 2/2 nodes ready", "retries already reported are not repeated"
    assert progress.summary("succeeded").endswith(f"; {retried} requests retried: throttled (429) x{retried}")


def test_describe_retries_orders_reasons_by_count() -> None:
    assert describe_retries({}) == ""
    assert describe_retries({"HTTP 503": 1, "throttled (429)": 6}) == (
        "7 requests retried: throttled (429) x6, HTTP 503 x1"
    )
    assert describe_retries({"HTTP 500": 1}) == "1 request retried: HTTP 500 x1"
