"""Throughput of the emulator's hottest read: concurrent node-extension GETs on the data plane.

Runs the emulator as a subprocess (``python -m emulator``) so the client threads do not share its GIL,
creates a pool with ``--nodes`` nodes and two extensions, then has ``--clients`` threads, each with its own
keep-alive ``requests.Session``, GET node extensions round-robin for ``--duration`` seconds. Prints
requests/s, p50/p99 latency and the error count. Target on 2 cores: >= 500 requests/s.

    python -m benchmarks.emulator_throughput --duration 10 --clients 16
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from statistics import quantiles

import requests

from emulator import DEMO_ACCOUNT, DEV_TOKEN

API = {"api-version": "2025-06-01"}
AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}
POOL = "bench"
EXTENSIONS = ["secretext", "monitor"]


@dataclass
class ClientResult:
    """What one client thread measured."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0


@contextmanager
def emulator_process() -> Iterator[str]:
    """Start ``python -m emulator`` on a free loopback port; yield its base URL; stop it on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", "0", "--speed", "instant"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError(f"the emulator printed {url!r} instead of its URL; exit code {process.poll()}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def create_pool(url: str, nodes: int) -> list[str]:
    """Create the benchmark pool and return the ids of its nodes once they have settled."""
    account = (
        f"{url}/subscriptions/{DEMO_ACCOUNT.subscription_id}/resourceGroups/{DEMO_ACCOUNT.resource_group}"
        f"/providers/Microsoft.Batch/batchAccounts/{DEMO_ACCOUNT.account_name}"
    )
    extension = {
        "publisher": "Microsoft.Azure.Monitor",
        "type": "AzureMonitorLinuxAgent",
        "typeHandlerVersion": "1.0",
    }
    body = {
        "properties": {
            "vmSize": "STANDARD_D2S_V3",
            "deploymentConfiguration": {
                "virtualMachineConfiguration": {
                    "imageReference": {"publisher": "canonical", "offer": "ubuntu", "sku": "22_04-lts"},
                    "nodeAgentSkuId": "batch.node.ubuntu 22.04",
                    "extensions": [{**extension, "name": name} for name in EXTENSIONS],
                }
            },
            "scaleSettings": {"fixedScale": {"targetDedicatedNodes": nodes}},
        }
    }
    requests.put(
        f"{account}/pools/{POOL}", params=API, json=body, headers=AUTH, timeout=30
    ).raise_for_status()
    requests.get(f"{account}/pools/{POOL}", params=API, headers=AUTH, timeout=30).raise_for_status()
    endpoint = requests.get(account, params=API, headers=AUTH, timeout=30).json()["properties"][
        "accountEndpoint"
    ]
    listed = requests.get(
        f"http://{endpoint}/pools/{POOL}/nodes",
        params={**API, "maxresults": "1000"},
        headers=AUTH,
        timeout=30,
    )
    listed.raise_for_status()
    return [f"http://{endpoint}/pools/{POOL}/nodes/{node['id']}" for node in listed.json()["value"]]


def run_client(targets: list[str], deadline: float, result: ClientResult) -> None:
    """GET the targets round-robin until the deadline, recording each latency (bounded by the deadline)."""
    session = requests.Session()
    session.headers.update(AUTH)
    for target in itertools.cycle(targets):
        started = time.perf_counter()
        if started >= deadline:
            return
        try:
            ok = session.get(target, params=API, timeout=10).status_code == 200
        except requests.RequestException:
            ok = False
        result.latencies.append(time.perf_counter() - started)
        result.errors += not ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load (default 10)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads (default 16)")
    parser.add_argument("--nodes", type=int, default=10, help="nodes in the benchmark pool (default 10)")
    args = parser.parse_args(argv)

    with emulator_process() as url:
        nodes = create_pool(url, args.nodes)
        targets = [f"{node}/extensions/{name}" for node in nodes for name in EXTENSIONS]
        results = [ClientResult() for _ in range(args.clients)]
        deadline = time.perf_counter() + args.duration
        threads = [threading.Thread(target=run_client, args=(targets, deadline, r)) for r in results]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began

    latencies = sorted(latency for r in results for latency in r.latencies)
    if len(latencies) < 2:
        raise SystemExit(f"only {len(latencies)} requests completed in {elapsed:.1f}s")
    percentiles = quantiles(latencies, n=100)
    print(f"nodes={len(nodes)} extensions={len(EXTENSIONS)} clients={args.clients} duration={elapsed:.1f}s")
    print(f"requests={len(latencies)} throughput={len(latencies) / elapsed:.0f} req/s")
    print(f"latency p50={percentiles[49] * 1000:.1f} ms p99={percentiles[98] * 1000:.1f} ms")
    print(f"errors={sum(r.errors for r in results)}")


if __name__ == "__main__":
    main()
