"""Throughput of the emulator's hottest reads: concurrent node / node-extension GETs on the data plane.

Runs the emulator as a subprocess (``python -m azure_batch_emulator``) so the client threads do not share its
GIL,
creates a pool with ``--nodes`` nodes (default 1,000) and two extensions, then has ``--clients`` threads, each
with its own keep-alive ``http.client`` connection (lean, so the client is not what is measured), GET round-
robin over every node for ``--duration`` seconds. ``--mode`` picks the read: ``extension`` (one node
extension, the provider's per-node read; the default), ``extensions`` (a node's extension list) or ``node``.
Prints requests/s, p50/p99 latency and the error count. Target on 2 cores: >= 1,000 requests/s for
``extension`` on a 1,000-node pool, whatever the pool's size (node lookups are O(1)).

    python -m benchmarks.emulator_throughput --duration 10 --clients 8 --nodes 1000 --mode extension
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from statistics import quantiles
from urllib.parse import urlsplit

import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN
from benchmarks.url_process import url_process

API = {"api-version": "2025-06-01"}
AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}
POOL = "bench"
EXTENSIONS = ["secretext", "monitor"]
MODES = {
    "extension": lambda node: [f"{node}/extensions/{name}" for name in EXTENSIONS],
    "extensions": lambda node: [f"{node}/extensions"],
    "node": lambda node: [node],
}


@dataclass
class ClientResult:
    """What one client thread measured."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0


@contextmanager
def emulator_process() -> Iterator[str]:
    """Start ``python -m azure_batch_emulator`` on a free loopback port; yield its base URL; stop it on
    exit."""
    args = ["azure_batch_emulator", "--host", "127.0.0.1", "--port", "0", "--speed", "instant"]
    with url_process(args, role="emulator") as (_, url):
        yield url


def create_pool(url: str, nodes: int) -> list[str]:
    """Create the benchmark pool and return the ids of its nodes once they have settled."""
    account = f"{url}{DEMO_ACCOUNT.arm_id}"
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
    ids: list[str] = []
    page: str | None = f"http://{endpoint}/pools/{POOL}/nodes?api-version={API['api-version']}"
    while page is not None:
        listed = requests.get(page, headers=AUTH, timeout=30)
        listed.raise_for_status()
        ids += [node["id"] for node in listed.json()["value"]]
        page = listed.json().get("odata.nextLink")
    return [f"http://{endpoint}/pools/{POOL}/nodes/{node_id}" for node_id in ids]


def run_client(targets: list[str], deadline: float, result: ClientResult) -> None:
    """GET the targets round-robin until the deadline, recording each latency (bounded by the deadline)."""
    first = urlsplit(targets[0])
    connection = http.client.HTTPConnection(first.netloc, timeout=10)
    paths = [f"{urlsplit(target).path}?api-version={API['api-version']}" for target in targets]
    for path in itertools.cycle(paths):
        started = time.perf_counter()
        if started >= deadline:
            connection.close()
            return
        try:
            connection.request("GET", path, headers=AUTH)
            answer = connection.getresponse()
            answer.read()
            ok = answer.status == 200
        except (OSError, http.client.HTTPException):
            connection.close()
            ok = False
        result.latencies.append(time.perf_counter() - started)
        result.errors += not ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load (default 10)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads (default 16)")
    parser.add_argument("--nodes", type=int, default=1000, help="nodes in the benchmark pool (default 1000)")
    parser.add_argument("--mode", choices=sorted(MODES), default="extension", help="the read to measure")
    args = parser.parse_args(argv)

    with emulator_process() as url:
        nodes = create_pool(url, args.nodes)
        targets = [target for node in nodes for target in MODES[args.mode](node)]
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
    print(
        f"mode={args.mode} nodes={len(nodes)} extensions={len(EXTENSIONS)} clients={args.clients} "
        f"duration={elapsed:.1f}s"
    )
    print(f"requests={len(latencies)} throughput={len(latencies) / elapsed:.0f} req/s")
    print(f"latency p50={percentiles[49] * 1000:.1f} ms p99={percentiles[98] * 1000:.1f} ms")
    print(f"errors={sum(r.errors for r in results)}")


if __name__ == "__main__":
    main()
