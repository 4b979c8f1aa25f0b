"""A preview's look at the old pool's tasks is bounded: a hanging data plane cannot hold up a plan."""

from __future__ import annotations

import threading

import pytest

from pulumi_azure_batch_pool.engine.provider import WORK_CHECK_SECONDS, _within


def test_a_call_that_does_not_answer_in_time_is_abandoned() -> None:
    release = threading.Event()
    with pytest.raises(TimeoutError, match="no answer within"):
        _within(0.05, lambda: release.wait(30))
    release.set()


def test_an_answer_or_an_error_comes_back_as_it_is() -> None:
    assert _within(5, lambda: 42) == 42
    with pytest.raises(ValueError, match="refused"):
        _within(5, lambda: (_ for _ in ()).throw(ValueError("refused")))


def test_the_bound_is_short_for_a_preview() -> None:
    assert 0 < WORK_CHECK_SECONDS <= 30
