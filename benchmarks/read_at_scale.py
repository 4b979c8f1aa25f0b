"""Benchmark: reading per-node extension status at 100, 1,000 and 5,000 nodes behind 20 ms of latency.

Run: python -m benchmarks.read_at_scale [--nodes 100 1000 5000] [--latency-ms 20] [--sequential-max 1000]

The emulator (instant speed) and the fault proxy that adds the latency each run in a process of their
own, so the figures are the provider's. For each size it prints the provider's read (a refresh, with
fresh clients as in a new provider process): wall time, requests seen by the proxy, CPU per request; the
same read by a sequential loop (``requests``, one node after another) and the ratio; the ideal
N x latency / peak concurrency and the ratio; the peak memory the read allocates (a separate pass under
tracemalloc). Then the output size with every node succeeded and with every node failing, the requests
per minute of a 200-node create waiting at the emulator's realistic speed (simulated time), the time
``import pulumi_azure_batch_pool`` adds to ``import pulumi``, and the time of a 20-extension diff. The
sequential loop
reads at most ``--sequential-max`` nodes; beyond that its time is scaled per node and marked as such.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from azure_batch_emulator.proxy import FaultProxy
from benchmarks.counting_proxy import CountingProxy, counting_proxy
from benchmarks.diff_speed import diff_samples
from benchmarks.emulator_throughput import emulator_process
from pulumi_azure_batch_pool.azure_clients.arm import ArmClient, PoolRef
from pulumi_azure_batch_pool.azure_clients.auth import BearerTokenAuth, StaticTokenCredential
from pulumi_azure_batch_pool.azure_clients.dataplane import DataPlaneClient
from pulumi_azure_batch_pool.azure_clients.settings import Settings
from pulumi_azure_batch_pool.azure_clients.transport import RetryPolicy, Transport
from pulumi_azure_batch_pool.lifecycle.lifecycle import PoolLifecycle

EXTENSION = {"name": "monitor", "publisher": "Microsoft.Azure.Monitor", "type": "AzureMonitorLinuxAgent"}
AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}
API = {"api-version": "2025-06-01"}
VM = {
    "imageReference": {"publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server"},
    "nodeAgentSkuId": "batch.node.ubuntu 24.04",
    "extensions": [{**EXTENSION, "typeHandlerVersion": "1.0"}],
}
WAIT_NODES = 200
ROLES = {"azure_batch_emulator": "emulator", "benchmarks.counting_proxy": "proxy"}


def pool_properties(nodes: int) -> dict[str, Any]:
    """The benchmark pool's ARM properties: ``nodes`` dedicated nodes with one extension."""
    return {
        "vmSize": "STANDARD_D2S_V3",
        "deploymentConfiguration": {"virtualMachineConfiguration": VM},
        "scaleSettings": {"fixedScale": {"targetDedicatedNodes": nodes}},
    }


@dataclass
class Read:
    """One provider read: wall and CPU seconds, requests, the peak concurrency reached, the outputs."""

    seconds: float
    cpu_seconds: float
    requests: int
    peak_concurrency: int
    outputs: dict[str, Any]
    child_cpu_seconds: dict[str, float]


def settings_for(url: str) -> Settings:
    return Settings.from_sources(
        {"batchpool:armEndpoint": url, "batchpool:subscriptionId": DEMO_ACCOUNT.subscription_id}, {}
    )


@dataclass
class Clients:
    """Fresh ARM and data-plane clients for one URL with the dev token, as a new provider process has."""

    arm: ArmClient
    data_plane: DataPlaneClient | None
    transports: list[Transport]
    settings: Settings

    @classmethod
    def for_url(cls, url: str, policy: RetryPolicy | None = None) -> Clients:
        settings = settings_for(url)
        credential = StaticTokenCredential(DEV_TOKEN)
        transports = [
            Transport(
                auth=BearerTokenAuth(credential, scope),
                policy=policy or RetryPolicy(),
                timeout=settings.request_timeout_seconds,
                pool_size=settings.max_concurrency,
            )
            for scope in (settings.mgmt_scope, settings.batch_scope)
        ]
        return cls(ArmClient(settings, transports[0]), None, transports, settings)

    def data_plane_for(self, base_url: str) -> DataPlaneClient:
        if self.data_plane is None:
            self.data_plane = DataPlaneClient(base_url, self.settings, self.transports[1])
        return self.data_plane

    def lifecycle(self, **options: Any) -> PoolLifecycle:
        return PoolLifecycle(self.arm, self.data_plane_for, log=lambda line: None, **options)

    def close(self) -> None:
        for transport in self.transports:
            transport.close()


def create_pool(url: str, nodes: int, *, failing: bool) -> PoolRef:
    """A settled pool of ``nodes`` nodes made directly at the emulator (all extensions failing if asked)."""
    ref = PoolRef(
        DEMO_ACCOUNT.subscription_id,
        DEMO_ACCOUNT.resource_group,
        DEMO_ACCOUNT.account_name,
        f"bench-{nodes}-{uuid.uuid4().hex[:6]}",
    )
    if failing:
        requests.post(
            f"{url}/_emulator/extension-failures",
            json={
                "extension": EXTENSION["name"],
                "pool": ref.pool_name,
                "nodes": "all",
                "message": "disk full",
            },
            headers=AUTH,
            timeout=30,
        ).raise_for_status()
    body = {"properties": pool_properties(nodes)}
    clients = Clients.for_url(url)
    clients.arm.create_pool(ref, body)
    steady = clients.arm.wait_for_pool(
        ref, lambda pool: pool["properties"]["allocationState"] == "Steady", deadline=float("inf")
    )
    clients.close()
    assert steady["properties"]["currentDedicatedNodes"] == nodes
    return ref


def child_cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by this process's ``python -m MODULE`` children, by module (Linux /proc).

    Tells whether the emulator, the proxy or the provider is the bottleneck of a read; empty elsewhere.
    """
    used: dict[str, float] = {}
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for entry in Path("/proc").glob("[0-9]*") if Path("/proc").is_dir() else []:
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and b"-m" in argv:
            module = argv[argv.index(b"-m") + 1].decode()
            used[module] = used.get(module, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return used


def provider_read(proxy: CountingProxy, ref: PoolRef) -> Read:
    clients = Clients.for_url(proxy.url)
    before, children = proxy.count(), child_cpu_seconds()
    cpu, started = time.process_time(), time.perf_counter()
    found = clients.lifecycle().read(ref.arm_id, {})
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    clients.close()
    requests_seen = proxy.count() - before
    others = {name: used - children.get(name, 0.0) for name, used in child_cpu_seconds().items()}
    assert found is not None and clients.data_plane is not None
    return Read(seconds, cpu_seconds, requests_seen, clients.data_plane.limit.peak, found[0], others)


def peak_memory(proxy: CountingProxy, ref: PoolRef) -> int:
    """Peak bytes allocated by one read (its own pass: tracemalloc slows everything it watches)."""
    clients = Clients.for_url(proxy.url)
    tracemalloc.start()
    try:
        clients.lifecycle().read(ref.arm_id, {})
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        clients.close()


def sequential_read(proxy_url: str, ref: PoolRef, limit: int) -> tuple[float, int]:
    """A script's loop: the node list, then each node's extensions one after another (at most ``limit``)."""
    session = requests.Session()
    session.headers.update(AUTH)
    account = session.get(f"{proxy_url}{ref.account_id}", params=API, timeout=30).json()
    base = f"http://{account['properties']['accountEndpoint']}/pools/{ref.pool_name}"
    started = time.perf_counter()
    nodes: list[dict[str, Any]] = []
    page = session.get(f"{base}/nodes", params={**API, "maxresults": "1000"}, timeout=30).json()
    nodes.extend(page["value"])
    while page.get("odata.nextLink"):
        page = session.get(page["odata.nextLink"], timeout=30).json()
        nodes.extend(page["value"])
    for node in nodes[:limit]:
        session.get(f"{base}/nodes/{node['id']}/extensions", params=API, timeout=30).raise_for_status()
    return time.perf_counter() - started, min(limit, len(nodes))


def import_overhead_ms(runs: int = 5) -> float:
    """Median milliseconds that ``import pulumi_azure_batch_pool`` adds to ``import pulumi``, each in a fresh
    interpreter."""
    probe = (
        "import time; t = time.perf_counter(); import pulumi; p = time.perf_counter(); "
        "import pulumi_azure_batch_pool; "
        "print(time.perf_counter() - p)"
    )
    return statistics.median(
        float(
            subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
        )
        * 1000
        for _ in range(runs)
    )


class FakeTime:
    """Epoch seconds that advance only when the create sleeps (the emulator reads the same clock)."""

    def __init__(self) -> None:
        self.now = time.time()
        self.start = self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)

    def clock(self) -> float:
        return self.now


def create_wait_rate(nodes: int) -> tuple[float, int, float]:
    """(requests per simulated minute, requests, simulated seconds) of a create waiting at realistic speed."""
    fake = FakeTime()
    with (
        EmulatorServer(port=0, speed="realistic", clock=fake.clock) as emulator,
        FaultProxy(upstream=emulator.url) as proxy,
    ):
        clients = Clients.for_url(proxy.url, RetryPolicy(sleep=fake.sleep, clock=fake.clock))
        lifecycle = clients.lifecycle(poll_interval_seconds=5.0, sleep=fake.sleep, clock=fake.clock)
        inputs = {
            "subscriptionId": DEMO_ACCOUNT.subscription_id,
            "resourceGroupName": DEMO_ACCOUNT.resource_group,
            "accountName": DEMO_ACCOUNT.account_name,
            "poolName": "wait-rate",
            **pool_properties(nodes),
        }
        lifecycle.create(inputs)
        clients.close()
        simulated = fake.now - fake.start
        return len(proxy.log) / (simulated / 60), len(proxy.log), simulated


def measure_size(proxy: CountingProxy, upstream: str, nodes: int, args: argparse.Namespace) -> dict[str, Any]:
    """Print and return the figures of one pool size."""
    ref = create_pool(upstream, nodes, failing=False)
    provider_read(
        proxy, ref
    )  # the emulator's first read of a pool builds its caches: not the provider's cost
    read = provider_read(proxy, ref)
    sequential, counted = sequential_read(proxy.url, ref, args.sequential_max)
    scaled = sequential * nodes / counted
    ideal = nodes * args.latency_ms / 1000 / read.peak_concurrency
    budget = nodes + -(-nodes // 1000) + 3
    speedup = scaled / read.seconds
    cpu_ms = read.cpu_seconds / read.requests * 1000
    memory = peak_memory(proxy, ref)
    figures: dict[str, Any] = {
        "seconds": read.seconds,
        "requests": read.requests,
        "budget": budget,
        "sequential_seconds": scaled,
        "speedup": speedup,
        "ideal_seconds": ideal,
        "cpu_ms_per_request": cpu_ms,
        "peak_bytes": memory,
    }
    print(
        f"{nodes:>6} nodes: read {read.seconds:.2f} s, {read.requests} requests (N + pages + 3 = {budget}),"
    )
    print(
        f"        peak concurrency {read.peak_concurrency}; CPU per request: provider {cpu_ms:.2f} ms", end=""
    )
    for module, used in sorted(read.child_cpu_seconds.items()):
        role = ROLES.get(module, module)
        figures[f"{role}_cpu_ms_per_request"] = used / read.requests * 1000
        print(f", {role} {used / read.requests * 1000:.2f} ms", end="")
    print()
    scaled_note = f" (scaled from {counted} nodes)" if counted < nodes else ""
    print(
        f"        sequential loop {scaled:.2f} s{scaled_note} ({sequential / counted * 1000:.1f} ms a node): "
        f"the provider is {speedup:.1f}x faster"
    )
    print(
        f"        ideal N x {args.latency_ms} ms / {read.peak_concurrency} = {ideal:.2f} s: "
        f"the provider takes {read.seconds / ideal:.1f}x the ideal"
    )
    print(f"        peak memory allocated by the read: {memory / 1e6:.1f} MB")
    if nodes in args.output_sizes:
        failed = provider_read(proxy, create_pool(upstream, nodes, failing=True))
        assert failed.outputs["extensionStatus"]["monitor"]["failed"] == nodes
        figures["output_bytes_succeeded"] = len(json.dumps(read.outputs))
        figures["output_bytes_failing"] = len(json.dumps(failed.outputs))
        print(
            f"        outputs: {figures['output_bytes_succeeded']:,} bytes all succeeded, "
            f"{figures['output_bytes_failing']:,} bytes every node failing"
        )
    return figures


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--sequential-max", type=int, default=1000, help="nodes the sequential loop reads")
    parser.add_argument("--output-sizes", type=int, nargs="*", default=[1000, 5000], help="sizes to size")
    parser.add_argument("--wait-nodes", type=int, default=WAIT_NODES, help="nodes of the waiting create")
    parser.add_argument("--diff-runs", type=int, default=2000)
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"sizes": {}}

    print(f"read at scale: the emulator (instant) behind the fault proxy adding {args.latency_ms} ms")
    with emulator_process() as upstream, counting_proxy(upstream, args.latency_ms) as proxy:
        for nodes in args.nodes:
            results["sizes"][nodes] = measure_size(proxy, upstream, nodes, args)
    sizes = results["sizes"]
    if 1000 in sizes:
        thousand = sizes[1000]
        print(f"target: 1,000-node read >= 15x the sequential loop: {_verdict(thousand['speedup'] >= 15)}")
        within = thousand["requests"] <= thousand["budget"]
        print(f"target: 1,000-node read <= N + pages + 3 requests: {_verdict(within)}")
    if 1000 in sizes and 5000 in sizes:
        results["growth_1000_to_5000"] = sizes[5000]["seconds"] / sizes[1000]["seconds"]
        growth = results["growth_1000_to_5000"]
        print(
            f"target: 5,000-node read <= 5.5x the 1,000-node read: {growth:.2f}x, {_verdict(growth <= 5.5)}"
        )

    rate, count, simulated = create_wait_rate(args.wait_nodes)
    results["create_wait_requests_per_minute"] = rate
    print(
        f"create of {args.wait_nodes} nodes waiting at realistic speed: {count} requests in "
        f"{simulated:.0f} s simulated = {rate:.0f}/minute "
        f"(every node re-read each 5 s poll: {args.wait_nodes * 12}/minute)"
    )
    results["import_ms"] = import_overhead_ms()
    print(
        f"import pulumi_azure_batch_pool adds {results['import_ms']:.0f} ms to import pulumi "
        "(median of 5 interpreters)"
    )
    results["diff_ms"] = statistics.median(diff_samples(20, args.diff_runs)) * 1000
    print(f"diff of a 20-extension pool: median {results['diff_ms']:.3f} ms in-process")
    return results


if __name__ == "__main__":
    main()
