"""Progress lines: a steady low rate, retries summarised rather than logged one by one, a final summary."""

from __future__ import annotations

from typing import Any

import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from pulumi_azure_batch_pool.azure_clients.transport import RetryPolicy, Transport
from pulumi_azure_batch_pool.lifecycle.progress import Progress, RetryCounter, describe_retries, retry_counter
from tests.provider.fake_time import FakeTime


def _resizing(current: int | None = None) -> dict[str, Any]:
    """A pool GET body while it allocates towards 4 dedicated nodes, ``current`` of them so far."""
    counts = {} if current is None else {"currentDedicatedNodes": current}
    return {
        "properties": {
            "allocationState": "Resizing",
            **counts,
            "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 4}},
        }
    }


def test_phase_changes_show_at_once_and_repeats_wait_for_the_interval() -> None:
    fake, lines = FakeTime(500.0), []
    progress = Progress("pool", lines.append, interval_seconds=30, clock=fake.clock, retries=RetryCounter())
    progress.allocation(_resizing())
    fake.now += 10
    progress.allocation(_resizing(2))
    fake.now += 25
    progress.allocation(_resizing(2))
    fake.now += 1
    progress.nodes("0/4 nodes ready; secretext transitioning on 4")
    fake.now += 40
    progress.nodes("0/4 nodes ready; secretext transitioning on 4")
    assert lines == [
        "pool: allocation Resizing, 0/4 nodes allocated",
        "pool: allocation Resizing, 2/4 nodes allocated",
        "pool: 0/4 nodes ready; secretext transitioning on 4",
    ]
    fake.now += 29
    assert progress.summary("succeeded") == "pool: succeeded after 1m45s"


def test_throttled_requests_are_counted_and_reported_once_per_line(emulator: EmulatorServer) -> None:
    counter = retry_counter()
    before = counter.snapshot()
    fake, lines = FakeTime(500.0), []
    progress = Progress("pool", lines.append, interval_seconds=30, clock=fake.clock, retries=counter)
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
            emulator.url + DEMO_ACCOUNT.arm_id,
            params={"api-version": "2025-06-01"},
            headers={"Authorization": f"Bearer {DEV_TOKEN}"},
        )
    retried = sum((counter.snapshot() - before).values())
    assert retried > 0, "the emulator's 429s must have been retried"
    progress.nodes("1/2 nodes ready")
    assert lines == [f"pool: 1/2 nodes ready ({retried} requests retried: throttled (429) x{retried})"]
    fake.now += 60
    progress.nodes("2/2 nodes ready")
    assert lines[-1] == "pool: 2/2 nodes ready", "retries already reported are not repeated"
    assert progress.summary("succeeded").endswith(f"; {retried} requests retried: throttled (429) x{retried}")


def test_describe_retries_orders_reasons_by_count() -> None:
    assert describe_retries({}) == ""
    assert describe_retries({"HTTP 503": 1, "throttled (429)": 6}) == (
        "7 requests retried: throttled (429) x6, HTTP 503 x1"
    )
    assert describe_retries({"HTTP 500": 1}) == "1 request retried: HTTP 500 x1"


def test_a_create_reports_allocation_then_nodes_at_a_low_rate_then_a_summary() -> None:
    from pulumi_azure_batch_pool.azure_clients.arm import ArmClient
    from pulumi_azure_batch_pool.azure_clients.auth import BearerTokenAuth, StaticTokenCredential
    from pulumi_azure_batch_pool.azure_clients.dataplane import DataPlaneClient
    from pulumi_azure_batch_pool.azure_clients.settings import Settings
    from pulumi_azure_batch_pool.lifecycle.lifecycle import PoolLifecycle
    from tests.provider import sample_pool

    fake = FakeTime(2_000_000.0)
    clock, sleep = fake.clock, fake.sleep
    with EmulatorServer(port=0, speed="realistic", clock=clock) as emulator:
        settings = Settings.from_sources({"batchpool:armEndpoint": emulator.url}, {})
        auth = BearerTokenAuth(
            StaticTokenCredential(DEV_TOKEN, clock=clock), settings.mgmt_scope, clock=clock
        )
        transport = Transport(auth=auth, policy=RetryPolicy(sleep=sleep, clock=clock))
        lines: list[str] = []
        warnings: list[str] = []
        lifecycle = PoolLifecycle(
            ArmClient(settings, transport),
            lambda url: DataPlaneClient(url, settings, transport),
            log=lines.append,
            warn=warnings.append,
            poll_interval_seconds=5,
            sleep=sleep,
            clock=clock,
        )
        inputs = sample_pool()
        extension = inputs["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"][0]
        extension["settings"]["secretsManagementSettings"].update(
            requireInitialSync=True, observedCertificates=["https://v.vault.azure.net/secrets/absent"]
        )
        inputs.update(extensionFailurePolicy="keep", poolName="watched")
        lifecycle.create(inputs)
    progress = [line for line in lines if "nodes allocated" in line or "nodes ready" in line]
    assert progress[0] == "watched: allocation Resizing, 0/2 nodes allocated"
    assert any("nodes ready" in line for line in progress)
    assert len(progress) < len(fake.sleeps) / 2, "progress is rate-limited, not one line per poll"
    assert lines[-1].startswith(
        "watched: settled: 2 nodes; secretext failed on 2/2; monitor failed on 2/2 after "
    )
    (warning,) = warnings
    assert not warning.startswith(("warning", "watched: warning"))
    assert "Remedy for extension 'secretext' (KeyVaultForLinux)" in warning
    assert "https://v.vault.azure.net/secrets/absent" in warning
    assert "/var/log/azure/Microsoft.Azure.KeyVault.KeyVaultForLinux/" in warning
