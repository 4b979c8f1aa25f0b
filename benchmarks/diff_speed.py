"""Benchmark: how long `diff_pool` takes for a pool with many extensions (target: well under 1 ms).

Run: python -m benchmarks.diff_speed [--extensions N] [--runs N]
The extensions are reversed between old and new so every value goes through canonicalisation (the
equality fast path would otherwise hide the cost).
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from typing import Any

from pulumi_azure_batch_pool.model.diffing import diff_pool
from pulumi_azure_batch_pool.model.secrets import fingerprint_protected_settings


def _pool(extensions: int) -> dict[str, Any]:
    return {
        "subscriptionId": "00000000-0000-0000-0000-000000000000",
        "resourceGroupName": "rg",
        "accountName": "acct",
        "poolName": "bench",
        "vmSize": "STANDARD_D2S_V3",
        "deploymentConfiguration": {
            "virtualMachineConfiguration": {
                "imageReference": {"publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server"},
                "nodeAgentSkuId": "batch.node.ubuntu 24.04",
                "extensions": [
                    {
                        "name": f"ext{i}",
                        "publisher": "Microsoft.Azure.Monitor",
                        "type": "AzureMonitorLinuxAgent",
                        "typeHandlerVersion": "1.0",
                        "settings": {"index": i, "nested": {"values": list(range(5))}},
                    }
                    for i in range(extensions)
                ],
            }
        },
        "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 4}},
        "protectedSettings": {f"ext{i}": {"key": f"value{i}"} for i in range(extensions)},
    }


def diff_samples(extensions: int, runs: int) -> list[float]:
    """Sorted seconds per `diff_pool` call for a no-change diff of a pool with ``extensions`` extensions."""
    news = _pool(extensions)
    olds = {key: value for key, value in copy.deepcopy(news).items() if key != "protectedSettings"}
    olds["protectedSettingsSalt"] = "salt"
    olds["protectedSettingsFingerprint"] = fingerprint_protected_settings(news["protectedSettings"], "salt")
    news["deploymentConfiguration"]["virtualMachineConfiguration"]["extensions"].reverse()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = diff_pool(olds, news)
        samples.append(time.perf_counter() - start)
        assert result.changes is False
    return sorted(samples)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extensions", type=int, default=20)
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args(argv)
    samples = diff_samples(args.extensions, args.runs)
    print(f"diff_pool, {args.extensions} reordered extensions, {args.runs} runs")
    print(f"  median {statistics.median(samples) * 1e3:.3f} ms")
    print(f"  p99    {samples[int(len(samples) * 0.99) - 1] * 1e3:.3f} ms")
    print(f"  max    {samples[-1] * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
