"""Start a command that prints its base URL as its first line (the emulator, the proxy), and stop it after.

The benchmarks run the emulator and the proxy in processes of their own so that they do not share an
interpreter lock with the client threads they measure.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def url_process(
    module_args: list[str], *, role: str, stdin: bool = False
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Run ``python -m <module_args>``; yield the process and the URL it printed first.

    With ``stdin`` the process gets a pipe and is stopped by closing it (end of input); otherwise it is
    terminated. Raises RuntimeError naming ``role`` when the first line is not a URL.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", *module_args],
        stdin=subprocess.PIPE if stdin else None,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError(f"the {role} printed {url!r} instead of its URL; exit code {process.poll()}")
        yield process, url
    finally:
        if process.stdin is not None:
            process.stdin.close()
        else:
            process.terminate()
        process.wait(timeout=10)
