"""``python -m azure_batch_emulator``: first stdout line is the URL, options work, SIGTERM/SIGINT exit
cleanly."""

from __future__ import annotations

import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN
from tests.emulator.conftest import API, pool_body

STARTUP_TIMEOUT = 20.0


@contextmanager
def running(*args: str, stop: signal.Signals = signal.SIGTERM) -> Iterator[str]:
    """Run the CLI, yield the URL it prints first, then stop it and require a clean exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "azure_batch_emulator", "--port", "0", "--speed", "instant", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], STARTUP_TIMEOUT)
        assert ready, "the emulator printed nothing"
        assert process.stdout is not None
        yield process.stdout.readline().strip()
        process.send_signal(stop)
        assert process.wait(timeout=STARTUP_TIMEOUT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def account_url(url: str, subscription: str, group: str, name: str) -> str:
    provider = "providers/Microsoft.Batch/batchAccounts"
    return f"{url}/subscriptions/{subscription}/resourceGroups/{group}/{provider}/{name}"


DEMO = (DEMO_ACCOUNT.subscription_id, DEMO_ACCOUNT.resource_group, DEMO_ACCOUNT.account_name)
AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_prints_its_url_first_and_serves_the_demo_account(stop: signal.Signals) -> None:
    with running(stop=stop) as url:
        response = requests.get(account_url(url, *DEMO), params=API, headers=AUTH, timeout=5)

    assert url.startswith("http://127.0.0.1:")
    assert response.status_code == 200
    assert response.json()["name"] == "demoaccount"


def test_account_and_token_options() -> None:
    custom = ("sub-1", "rg-1", "acct1")
    with running("--account", "/".join(custom), "--token", "secret-token") as url:
        ours = requests.get(
            account_url(url, *custom), params=API, headers={"Authorization": "Bearer secret-token"}, timeout=5
        )
        demo = requests.get(
            account_url(url, *DEMO), params=API, headers={"Authorization": "Bearer secret-token"}, timeout=5
        )
        dev_token = requests.get(account_url(url, *custom), params=API, headers=AUTH, timeout=5)

    assert ours.status_code == 200
    assert demo.status_code == 404
    assert dev_token.status_code == 401


def test_state_file_keeps_pools_across_restarts(tmp_path: Path) -> None:
    state = str(tmp_path / "state.json")
    with running("--state-file", state) as url:
        put = requests.put(
            f"{account_url(url, *DEMO)}/pools/kept", params=API, json=pool_body(), headers=AUTH, timeout=5
        )
    with running("--state-file", state) as url:
        fetched = requests.get(f"{account_url(url, *DEMO)}/pools/kept", params=API, headers=AUTH, timeout=5)

    assert put.status_code == 200
    assert fetched.status_code == 200
    assert fetched.json()["etag"] == put.json()["etag"]


def test_fault_flags_apply_from_the_start() -> None:
    with running("--error-rate", "1", "--seed", "3") as url:
        response = requests.get(account_url(url, *DEMO), params=API, headers=AUTH, timeout=5)

    assert response.status_code == 500


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--account", "only/two"], "--account"),
        (["--account", "s/rg/Bad_Name"], "account name"),
        (["--throttle-rate", "3"], "throttle_rate"),
    ],
)
def test_bad_options_exit_with_a_usage_error(args: list[str], fragment: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "azure_batch_emulator", *args],
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
    )

    assert result.returncode == 2
    assert fragment in result.stderr
    assert result.stdout == ""
