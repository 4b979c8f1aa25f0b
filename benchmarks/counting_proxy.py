"""The fault proxy in a process of its own, answering "how many requests so far?" on stdin.

The read benchmark needs the proxy's added latency and its request count, but a proxy running in the
benchmark's own process would share its interpreter lock with the provider threads it measures. So this
runs ``FaultProxy`` here, prints its URL first, then answers each ``count`` line on stdin with the number
of requests it has seen; it stops at end of input.

    python -m benchmarks.counting_proxy --upstream http://127.0.0.1:PORT --latency-ms 20
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from azure_batch_emulator.proxy import FaultProxy
from benchmarks.url_process import url_process


class CountingProxy:
    """A handle on a running ``python -m benchmarks.counting_proxy``."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self._process = process
        self.url = url

    def count(self) -> int:
        """Requests the proxy has seen since it started."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write("count\n")
        self._process.stdin.flush()
        return int(self._process.stdout.readline())


@contextmanager
def counting_proxy(upstream: str, latency_ms: int) -> Iterator[CountingProxy]:
    """Start the proxy process in front of ``upstream``; stop it on exit."""
    args = ["benchmarks.counting_proxy", "--upstream", upstream, "--latency-ms", str(latency_ms)]
    with url_process(args, role="proxy", stdin=True) as (process, url):
        yield CountingProxy(process, url)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--latency-ms", type=int, default=20)
    args = parser.parse_args(argv)
    with FaultProxy(upstream=args.upstream, latency_ms=args.latency_ms) as proxy:
        print(proxy.url, flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                print(len(proxy.log), flush=True)


if __name__ == "__main__":
    main()
