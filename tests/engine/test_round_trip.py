"""Create, refresh, then the same program again: no change, as the engine drives it against the emulator.

Azure fills server defaults, returns its own enum casing and parses extension settings; a refresh records
all of that. The plan that follows must still be "no change", for every program in ``programs/`` and for a
pool built from each official ``PoolCreate_*`` example (skipped without ``../shared``).
"""

from __future__ import annotations

import copy
import re
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from pulumi.runtime.proto import provider_pb2

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from pulumi_azure_batch_pool import BatchPool
from tests.spec import create_examples, requires_shared

from .engine import EngineClient, decode
from .program import registered_inputs, strip_secrets

PROGRAMS = sorted((Path(__file__).resolve().parents[2] / "programs").glob("*/__main__.py"))
CREATE_EXAMPLES = create_examples()
CERTIFICATE_URL = re.compile(r"https://[\w.-]+\.vault\.azure\.net/secrets/[\w-]+")


def registered(build: Callable[[], BatchPool]) -> dict[str, Any]:
    """The properties the BatchPool ``build`` makes registers, as the engine sends them (secrets plain)."""
    (props,) = registered_inputs(lambda: [build()]).values()
    return dict(strip_secrets(props))


def program_inputs(program: Path) -> dict[str, Any]:
    """What the program's one BatchPool registers."""

    def build() -> BatchPool:
        namespace = runpy.run_path(str(program), run_name="__main__")
        (pool,) = [value for value in namespace.values() if isinstance(value, BatchPool)]
        return pool

    return registered(build)


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def example_inputs(name: str, request: dict[str, Any]) -> dict[str, Any]:
    """What a BatchPool built from an official create example's request registers (in the demo account)."""
    arguments = {snake_case(key): value for key, value in request["properties"].items()}
    arguments.update({key: request[key] for key in ("identity", "tags") if key in request})

    def build() -> BatchPool:
        return BatchPool(
            "example",
            resource_group_name=DEMO_ACCOUNT.resource_group,
            account_name=DEMO_ACCOUNT.account_name,
            pool_name=name.removesuffix(".json").replace("PoolCreate_", "ex-")[:64],
            wait_for_nodes=False,
            **copy.deepcopy(arguments),
        )

    return registered(build)


def trust_certificates(emulator: EmulatorServer, inputs: dict[str, Any]) -> None:
    """Put every Key Vault certificate the pool observes into the emulator's vault."""
    urls = sorted(set(CERTIFICATE_URL.findall(repr(inputs))))
    requests.post(
        f"{emulator.url}/_emulator/vault-certificates",
        json={"urls": urls},
        headers={"Authorization": f"Bearer {DEV_TOKEN}"},
        timeout=10,
    ).raise_for_status()


def assert_round_trip_is_no_change(
    engine: EngineClient, emulator: EmulatorServer, news: dict[str, Any]
) -> None:
    trust_certificates(emulator, news)
    checked = decode(engine.check({}, news).inputs)
    created = engine.create(checked)
    outputs = strip_secrets(decode(created.properties))

    again = engine.diff(created.id, outputs, decode(engine.check(checked, news).inputs))
    assert again.changes == provider_pb2.DiffResponse.DIFF_NONE, list(again.diffs)

    refreshed = engine.read(created.id, outputs, checked)
    assert refreshed.id == created.id
    refreshed_outputs = strip_secrets(decode(refreshed.properties))
    refreshed_inputs = strip_secrets(decode(refreshed.inputs))
    assert "protectedSettings" not in refreshed_inputs
    # Batch's own node extension (listed on every node) is not one of the pool's.
    vm = checked["deploymentConfiguration"]["virtualMachineConfiguration"]
    declared = {extension["name"] for extension in vm.get("extensions") or []}
    assert set(refreshed_outputs["extensionStatus"]) == declared
    after_refresh = engine.diff(
        created.id, refreshed_outputs, decode(engine.check(refreshed_inputs, news).inputs)
    )
    assert after_refresh.changes == provider_pb2.DiffResponse.DIFF_NONE, (
        list(after_refresh.replaces),
        list(after_refresh.diffs),
    )
    # The refresh's own comparison (engine: olds = refreshed outputs, news = the inputs it had).
    drift = engine.diff(created.id, refreshed_outputs, checked)
    assert drift.changes == provider_pb2.DiffResponse.DIFF_NONE, list(drift.replaces)


@pytest.mark.parametrize("program", PROGRAMS, ids=[path.parent.name for path in PROGRAMS])
def test_program_round_trip_is_no_change(
    engine: EngineClient, emulator: EmulatorServer, program: Path
) -> None:
    assert_round_trip_is_no_change(engine, emulator, program_inputs(program))


@requires_shared
@pytest.mark.parametrize(
    ("name", "request_body"),
    [(name, request) for name, request, _ in CREATE_EXAMPLES],
    ids=[name.removesuffix(".json") for name, _, _ in CREATE_EXAMPLES],
)
def test_official_create_example_round_trip_is_no_change(
    engine: EngineClient, emulator: EmulatorServer, name: str, request_body: dict[str, Any]
) -> None:
    assert_round_trip_is_no_change(engine, emulator, example_inputs(name, request_body))
