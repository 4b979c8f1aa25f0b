"""Provider diagnostics reach the engine's Log service with severity and URN, as for any provider plugin.

The SDK's provider server is started exactly as the engine starts it (`python -u -m pulumi.dynamic
ADDRESS`), with a fake engine gRPC server at ADDRESS that records every Log call.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, provider_pb2_grpc

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer
from pulumi_azure_batch_pool import BatchPoolProvider
from pulumi_azure_batch_pool.engine.engine_log import engine_address
from tests.pools import KEY_VAULT_EXTENSION, ubuntu_deployment

from .engine import URN, EngineClient, decode, encode

REPO = Path(__file__).resolve().parents[2]
ABSENT = "https://other-vault.vault.azure.net/secrets/absent"


class RecordingEngine(engine_pb2_grpc.EngineServicer):
    """The engine's Log service, recording (severity, urn, message) instead of printing."""

    def __init__(self) -> None:
        self.logs: list[tuple[int, str, str]] = []
        self._lock = threading.Lock()

    def Log(self, request: engine_pb2.LogRequest, context: Any) -> empty_pb2.Empty:
        with self._lock:
            self.logs.append((request.severity, request.urn, request.message))
        return empty_pb2.Empty()


@contextmanager
def provider_server(emulator: EmulatorServer, address: str) -> Iterator[tuple[EngineClient, list[str]]]:
    """The SDK's provider server started with ``address`` as the engine's; yields its stderr lines too."""
    env = {
        **os.environ,
        "PULUMI_PROJECT": "contract",
        "BATCHPOOL_ARM_ENDPOINT": emulator.url,
        "AZURE_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id,
        "PYTHONPATH": str(REPO),
    }
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.dynamic", "--logtostderr", "-v=3", address],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stderr: list[str] = []
    try:
        assert process.stdout is not None and process.stderr is not None
        port = int(process.stdout.readline().strip())
        reader = threading.Thread(target=lambda: stderr.extend(process.stderr), daemon=True)  # type: ignore[arg-type]
        reader.start()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            config = {"batchpool:pollIntervalSeconds": "0.01"}
            stub.Configure(provider_pb2.ConfigureRequest(args=encode(config), acceptSecrets=True))
            yield EngineClient(stub), stderr
    finally:
        process.terminate()
        process.wait(timeout=10)


def key_vault_pool_without_identity() -> dict[str, Any]:
    return {
        "__provider": serialize_provider(BatchPoolProvider()),
        "resourceGroupName": DEMO_ACCOUNT.resource_group,
        "accountName": DEMO_ACCOUNT.account_name,
        "poolName": "logged",
        "vmSize": "STANDARD_D2S_V3",
        "deploymentConfiguration": ubuntu_deployment(KEY_VAULT_EXTENSION),
        "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 2}},
    }


def test_messages_reach_the_engine_with_severity_and_the_resource_urn(emulator: EmulatorServer) -> None:
    engine = RecordingEngine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    engine_pb2_grpc.add_EngineServicer_to_server(engine, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with provider_server(emulator, f"127.0.0.1:{port}") as (client, stderr):
            checked = client.check({}, key_vault_pool_without_identity())
            assert list(checked.failures) == []
            client.create(decode(checked.inputs))
            failing = key_vault_pool_without_identity()
            failing.update(poolName="kept", extensionFailurePolicy="keep")
            failing["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"][0]["settings"] = {
                "secretsManagementSettings": {"requireInitialSync": True, "observedCertificates": [ABSENT]}
            }
            client.create(decode(client.check({}, failing).inputs))
    finally:
        server.stop(None)
    warnings = [(urn, message) for severity, urn, message in engine.logs if severity == engine_pb2.WARNING]
    infos = [(urn, message) for severity, urn, message in engine.logs if severity == engine_pb2.INFO]
    assert warnings and all(urn == URN for urn, _ in warnings)
    assert any("identity" in message for _, message in warnings)
    assert not any(message.startswith(("warning:", "info:")) for _, _, message in engine.logs)
    assert any("waiting for allocation" in message for _, message in infos)
    assert all(urn == URN for urn, _ in infos)
    assert any(
        message.startswith("logged: settled: 2 nodes; secretext succeeded on 2/2") for _, message in infos
    )
    (remedy,) = [message for _, message in warnings if "Remedy" in message]
    assert remedy.startswith("kept: Pool 'kept': extension 'secretext' failed on 2 node(s)")
    assert ABSENT in remedy and "requireInitialSync to false" in remedy
    assert not any("identity" in line or "allocation" in line for line in stderr)


def test_without_an_engine_messages_fall_back_to_stderr_once_explained(emulator: EmulatorServer) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{unused.getsockname()[1]}"
    with provider_server(emulator, address) as (client, _stderr):
        checked = client.check({}, key_vault_pool_without_identity())
        client.check({}, key_vault_pool_without_identity())
        assert list(checked.failures) == []
    lines = [line.strip() for line in _stderr]
    assert sum(1 for line in lines if "refused a log message" in line) == 1
    assert sum(1 for line in lines if line.startswith("warning: logged:") and "identity" in line) == 2


def test_engine_address_is_the_last_positional_argument() -> None:
    module = "/venv/lib/python3.11/site-packages/pulumi/dynamic/__main__.py"
    assert engine_address([module, "127.0.0.1:4321"]) == "127.0.0.1:4321"
    assert (
        engine_address([module, "--logtostderr", "-v=9", "--tracing", "tcp://x:1", ":555"]) == "127.0.0.1:555"
    )
    assert engine_address([module]) is None
    assert engine_address([module, "not-an-address"]) is None
