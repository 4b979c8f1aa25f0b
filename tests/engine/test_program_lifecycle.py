"""The default example program, as a new user runs it: its real registered properties, driven over gRPC.

This is `pulumi up` / edit / `pulumi preview` without the CLI: the properties come from running
`programs/linux-keyvault-pool` under Pulumi's mocks, and the engine's calls go to the SDK's provider
server, which talks to the emulator.
"""

from __future__ import annotations

import copy
import runpy
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.proto import provider_pb2

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer
from pulumi_azure_batch_pool import BatchPool

from .engine import EngineClient, decode
from .program import registered_inputs, strip_secrets

PROGRAM = Path(__file__).resolve().parents[2] / "programs" / "linux-keyvault-pool" / "__main__.py"


@pytest.fixture(scope="module")
def program_news() -> dict[str, Any]:
    def build() -> list[BatchPool]:
        namespace = runpy.run_path(str(PROGRAM), run_name="__main__")
        return [value for value in namespace.values() if isinstance(value, BatchPool)]

    (props,) = registered_inputs(build).values()
    return strip_secrets(props)


def _extensions(props: dict[str, Any]) -> list[dict[str, Any]]:
    return props["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"]


def test_default_program_deploys_on_a_fresh_emulator_and_plans_as_a_user_expects(
    engine: EngineClient, emulator: EmulatorServer, program_news: dict[str, Any]
) -> None:
    inputs = decode(engine.check({}, program_news).inputs)
    created = engine.create(inputs)
    outputs = strip_secrets(decode(created.properties))
    assert outputs["subscriptionId"] == DEMO_ACCOUNT.subscription_id
    assert outputs["extensionStatus"]["secretext"]["succeeded"] == 2

    def plan(change: Any) -> Any:
        news = copy.deepcopy(program_news)
        change(news)
        return engine.diff(created.id, outputs, decode(engine.check(inputs, news).inputs))

    unchanged = plan(lambda news: None)
    assert unchanged.changes == provider_pb2.DiffResponse.DIFF_NONE

    bumped = plan(lambda news: _extensions(news)[0].update(typeHandlerVersion="3.1"))
    assert (bumped.changes, list(bumped.replaces)) == (
        provider_pb2.DiffResponse.DIFF_SOME,
        ["deploymentConfiguration"],
    )

    resized = plan(lambda news: news["scaleSettings"]["fixedScale"].update(targetDedicatedNodes=3))
    assert (resized.changes, list(resized.replaces)) == (provider_pb2.DiffResponse.DIFF_SOME, [])

    def add_and_reorder(news: dict[str, Any]) -> None:
        _extensions(news).insert(0, {"name": "b", "publisher": "p", "type": "t"})

    added = plan(add_and_reorder)
    assert list(added.replaces) == ["deploymentConfiguration"]
