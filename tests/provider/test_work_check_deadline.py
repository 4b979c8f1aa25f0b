"""A preview's look at the old pool's tasks keeps a deadline: a data plane that does not answer cannot
hold up a plan. The deadline is the transport's own (every request of the look, the account lookup too)."""

from __future__ import annotations

import pytest

from azure_batch_emulator import EmulatorServer
from azure_batch_emulator.proxy import FaultProxy, Rule
from pulumi_azure_batch_pool.azure_clients.errors import BatchPoolError, OperationTimeoutError
from pulumi_azure_batch_pool.azure_clients.settings import Settings
from pulumi_azure_batch_pool.engine.provider import WORK_CHECK_SECONDS
from pulumi_azure_batch_pool.lifecycle.clients import lifecycle_for
from tests.provider.test_status_command import put_pool


def test_a_data_plane_that_does_not_answer_ends_the_look_at_its_deadline(
    proxy: FaultProxy, emulator: EmulatorServer
) -> None:
    arm_id = put_pool(emulator, "busy")
    settings = Settings.from_sources(
        {"batchpool:armEndpoint": proxy.url, "batchpool:subscriptionId": arm_id.split("/")[2]}, {}
    )
    lifecycle = lifecycle_for(settings, lambda message: None)
    assert len(lifecycle.work(arm_id, timeout_seconds=30).nodes) == 2  # answers when nothing is held up

    proxy.add(Rule("delay", method="GET", path=r"/pools/busy/nodes", delay_ms=60_000))
    with pytest.raises(BatchPoolError) as ended:
        lifecycle.work(arm_id, timeout_seconds=0.5)
    assert isinstance(ended.value, OperationTimeoutError)
    assert "no answer within 0.5 s" in str(ended.value), "the message says how long it really waited"
    answered = [record for record in proxy.log if "/pools/busy/nodes" in record.path]
    assert len(answered) == 1, "the look ended before the proxy answered the held request"


def test_the_preview_bound_is_short() -> None:
    assert 0 < WORK_CHECK_SECONDS <= 30
