"""Faults seen as the engine sees them: the SDK's provider server over gRPC, killed mid-create and restarted.

`python -m pulumi.dynamic` is what the engine starts for a dynamic resource. Killing it after the PUT
committed is the real "process death mid-create": the engine keeps nothing in state, and on the next `up`
runs Check with empty olds and Create again in a new provider process. These cases assert that the new
process continues with the first pool (one pool, not two), and that the error texts the engine receives
say what happened without a secret.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import grpc
import pytest
from pulumi.dynamic.dynamic import PROVIDER_KEY, serialize_provider

from azure_batch_emulator import EmulatorServer
from azure_batch_emulator.proxy import FaultProxy, Rule
from pulumi_azure_batch_pool import BatchPoolProvider
from pulumi_azure_batch_pool.model.ownership import CREATE_TOKEN_TAG
from tests.engine.conftest import provider_server
from tests.engine.engine import EngineClient, decode

from .harness import OPERATION_TIMEOUT_MINUTES, POOL_PATH, SECRET, admin, owned, pools, program


@contextmanager
def provider_process(url: str) -> Iterator[EngineClient]:
    """The SDK's provider server, as the engine starts it, talking to ``url`` with tiny deadlines."""
    config = {"batchpool:operationTimeoutMinutes": str(OPERATION_TIMEOUT_MINUTES)}
    with provider_server(url, stderr=subprocess.DEVNULL, config=config) as engine:
        yield engine


def engine_props(**overrides: Any) -> dict[str, Any]:
    """The program's inputs as the engine forwards them (secrets stripped, the provider serialised)."""
    return {**program(**overrides), PROVIDER_KEY: serialize_provider(BatchPoolProvider())}


def _wait_for(condition: Any, what: str) -> None:
    """Poll the proxy log for a real process's progress (it runs on its own; there is no clock to move)."""
    for _ in range(500):
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("name", ["fault-pool", None], ids=["fixed name", "generated name"])
def test_provider_killed_mid_create_then_the_engines_retry_continues_with_the_pool(
    name: str | None, proxy: FaultProxy, emulator: EmulatorServer
) -> None:
    news = engine_props(poolName=name)
    with provider_process(proxy.url) as engine:
        inputs = decode(engine.check({}, news).inputs)
        pool_path = rf"/pools/{inputs['poolName']}\?"
        held = proxy.add(Rule("delay", "GET", pool_path, times=1, delay_ms=3000))  # right after the PUT
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(engine.create, inputs)
            _wait_for(lambda: held.times == 0, "the create to wait on its pool")
            assert any(r.method == "PUT" and r.status in (200, 201) for r in proxy.log), "the PUT committed"
            assert engine.process is not None
            engine.process.kill()
            with pytest.raises(grpc.RpcError):
                pending.result(timeout=10)
    assert [pool["name"] for pool in pools(emulator)] == [inputs["poolName"]], "the first attempt's pool"

    with provider_process(proxy.url) as engine:
        retried = decode(engine.check({}, news).inputs)  # the next `up`: Check with empty olds
        assert retried["poolName"] == inputs["poolName"]
        created = engine.create(retried)
    left = pools(emulator)
    assert [pool["name"] for pool in left] == [inputs["poolName"]], "one pool, not two"
    assert owned(left[0]) and left[0]["tags"][CREATE_TOKEN_TAG] == decode(created.properties)["createToken"]
    assert created.id.endswith(f"/pools/{inputs['poolName']}")


def test_the_engine_sees_a_rollback_that_could_not_delete_with_the_command(
    proxy: FaultProxy, emulator: EmulatorServer
) -> None:
    admin(emulator, "extension-failures", {"extension": "monitor", "message": "agent crashed"})
    proxy.add(Rule("status", "DELETE", POOL_PATH, status=500, headers={"Retry-After": "0"}))
    with provider_process(proxy.url) as engine:
        inputs = decode(engine.check({}, engine_props()).inputs)
        with pytest.raises(grpc.RpcError) as raised:
            engine.create(inputs)
    details = raised.value.details()
    assert "agent crashed" in details and "could NOT be deleted" in details
    assert f"az resource delete --ids '{pools(emulator)[0]['id']}'" in details
    assert SECRET not in details


def test_the_engine_sees_a_confirmed_rollback_after_a_garbled_answer(
    proxy: FaultProxy, emulator: EmulatorServer
) -> None:
    proxy.add(Rule("html", "GET", POOL_PATH, status=200, times=1))
    with provider_process(proxy.url) as engine:
        inputs = decode(engine.check({}, engine_props()).inputs)
        with pytest.raises(grpc.RpcError) as raised:
            engine.create(inputs)
    details = raised.value.details()
    assert "was deleted again and Azure confirms it is gone (404)" in details
    assert pools(emulator) == [] and SECRET not in details
    assert "During handling" not in details, "one clean error, not a chain of tracebacks"


def test_the_engine_sees_a_failed_delete_say_the_pool_is_kept_with_the_command(
    proxy: FaultProxy, emulator: EmulatorServer
) -> None:
    """What `pulumi destroy`, or the old pool's delete in a replacement, shows when Azure refuses it."""
    with provider_process(proxy.url) as engine:
        inputs = decode(engine.check({}, engine_props()).inputs)
        created = engine.create(inputs)
        proxy.add(Rule("status", "DELETE", POOL_PATH, status=500, headers={"Retry-After": "0"}))
        with pytest.raises(grpc.RpcError) as raised:
            engine.delete(created.id, decode(created.properties))
    details = raised.value.details()
    [pool] = pools(emulator)
    assert pool["properties"]["provisioningState"] == "Succeeded"
    assert "could NOT be deleted and is still in Azure" in details
    assert "Pulumi keeps it in the stack's state and tries the delete again" in details
    assert f"az resource delete --ids '{pool['id']}'" in details
    assert SECRET not in details and "During handling" not in details
