"""The adaptive in-flight limit: slow start, additive growth, halving on throttling, Retry-After pauses."""

from __future__ import annotations

import threading

from pulumi_azure_batch_pool.azure_clients.concurrency import AdaptiveLimit
from tests.provider.fake_time import FakeTime


def answer(limit: AdaptiveLimit, latency: float | None, times: int = 1) -> None:
    for _ in range(times):
        limit.acquire()
        limit.release(latency)


def test_starts_at_16_capped_by_the_maximum() -> None:
    assert AdaptiveLimit(64).limit == 16
    assert AdaptiveLimit(4).limit == 4


def test_slow_start_grows_one_per_fast_answer_up_to_the_maximum() -> None:
    limit = AdaptiveLimit(20)
    answer(limit, 0.02, times=3)
    assert limit.limit == 19
    answer(limit, 0.02, times=10)
    assert limit.limit == 20


def test_a_slow_answer_ends_slow_start_then_growth_is_one_per_window() -> None:
    limit = AdaptiveLimit(64)
    answer(limit, 0.02)
    answer(limit, 0.05)
    assert limit.limit == 17
    answer(limit, 0.02, times=16)
    assert limit.limit == 17
    answer(limit, 0.02)
    assert limit.limit == 18


def test_failures_never_grow_the_limit() -> None:
    limit = AdaptiveLimit(64)
    answer(limit, None, times=10)
    assert limit.limit == 16


def test_throttling_halves_once_per_pause_down_to_the_floor_and_holds_requests() -> None:
    fake = FakeTime()
    limit = AdaptiveLimit(64, floor=2, clock=fake.clock, sleep=fake.sleep)
    limit.throttled(3.0)
    limit.throttled(3.0)
    assert limit.limit == 8, "a burst of 429s from one pause halves once"
    answer(limit, 0.02)
    assert fake.sleeps == [3.0], "the next request waits out Retry-After"
    for _ in range(5):
        limit.throttled(1.0)
        fake.sleep(1.0)
    assert limit.limit == 2


def test_acquire_blocks_at_the_limit_until_a_release() -> None:
    limit = AdaptiveLimit(1)
    limit.acquire()
    entered = threading.Event()

    def second() -> None:
        limit.acquire()
        entered.set()
        limit.release(None)

    thread = threading.Thread(target=second)
    thread.start()
    assert not entered.wait(0.05)
    limit.release(None)
    thread.join(5)
    assert entered.is_set()
