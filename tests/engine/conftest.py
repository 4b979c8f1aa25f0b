"""Fixtures that stand in for the Pulumi engine: the SDK's real dynamic-provider server over gRPC.

`python -m pulumi.dynamic` is exactly what the engine starts for Python dynamic resources; these
fixtures start it the same way, read its port from the first stdout line, and call it with properties
encoded as the engine encodes them (secrets stripped, unknowns as the unknown sentinel).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer

from .engine import EngineClient, encode

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def provider_server(
    arm_endpoint: str, stderr: IO[str] | int = subprocess.PIPE, config: Mapping[str, str] | None = None
) -> Iterator[EngineClient]:
    """The SDK's provider server, started as the engine starts it, configured for `arm_endpoint`.

    `stderr` receives what the provider prints (its log lines, as the engine would show them); `config`
    adds stack config. The client's `process` lets a test kill the server mid-call, as a crash would.
    """
    env = {
        **os.environ,
        "PULUMI_PROJECT": "contract",
        "BATCHPOOL_ARM_ENDPOINT": arm_endpoint,
        "AZURE_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id,
        "PYTHONPATH": str(REPO),
    }
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.dynamic"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().strip())
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        stack_config = {"contract:unrelated": "x", "batchpool:pollIntervalSeconds": "0.01", **(config or {})}
        stub.Configure(provider_pb2.ConfigureRequest(args=encode(stack_config), acceptSecrets=True))
        yield EngineClient(stub, process)
        channel.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def engine(emulator_session: EmulatorServer) -> Iterator[EngineClient]:
    """The SDK's provider server, configured for the session's emulator."""
    with provider_server(emulator_session.url) as client:
        yield client


@pytest.fixture(autouse=True)
def _fresh_emulator(emulator: EmulatorServer) -> EmulatorServer:
    """Each contract test starts from a reset emulator."""
    return emulator
