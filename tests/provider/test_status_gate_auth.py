"""The emulator's --token works with the provider and the gate, and a refused token says whose it was.

An emulator started with ``--token`` accepts no other bearer token; the provider and the gate send the one
in ``BATCHPOOL_DEV_TOKEN`` (stack config ``batchpool:devToken``) instead of the development token. A 401
names the credential type and the token's scope, the two things a user can change.
"""

from __future__ import annotations

import io
import json

from azure_batch_emulator import DEMO_ACCOUNT
from benchmarks.url_process import url_process
from pulumi_azure_batch_pool.azure_clients.arm import ArmClient
from pulumi_azure_batch_pool.azure_clients.settings import Settings
from pulumi_azure_batch_pool.gate.cli import main
from tests.provider.test_status_command import by_name

TOKEN = "ci-emulator-token"


def gate(url: str, *args: str, **environ: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    env = {"BATCHPOOL_ARM_ENDPOINT": url, "AZURE_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id, **environ}
    code = main(["status", *args], environ=env, stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def test_an_emulator_started_with_a_token_serves_the_gate_and_the_provider() -> None:
    with url_process(["azure_batch_emulator", "--token", TOKEN, "--speed", "instant"], role="emulator") as (
        _process,
        url,
    ):
        code, out, _ = gate(url, *by_name("absent"), BATCHPOOL_DEV_TOKEN=TOKEN)
        assert code == 5 and "pool 'absent' does not exist in Batch account 'demoaccount'" in out

        settings = Settings.from_sources({"batchpool:armEndpoint": url, "batchpool:devToken": TOKEN}, {})
        arm = ArmClient.from_settings(settings)
        account = arm.get_account(DEMO_ACCOUNT.subscription_id, DEMO_ACCOUNT.resource_group, "demoaccount")
        assert account["name"] == "demoaccount"

        code, out, _ = gate(url, *by_name("absent"), "--json")
        (pool,) = json.loads(out)["pools"]
        assert code == 7 and pool["verdict"] == "error"
        message = pool["message"]
        assert "HTTP 401" in message and "\n" not in message
        assert "credential 'dev-token' (BATCHPOOL_CREDENTIAL)" in message
        assert "for scope https://management.azure.com/.default (BATCHPOOL_MGMT_SCOPE)" in message
        assert "set BATCHPOOL_DEV_TOKEN to it" in message


def test_the_dev_token_never_shows_in_the_settings_repr() -> None:
    settings = Settings.from_sources(
        {"batchpool:devToken": TOKEN}, {"BATCHPOOL_ARM_ENDPOINT": "http://127.0.0.1:1"}
    )
    assert settings.dev_token == TOKEN and TOKEN not in repr(settings)
    assert Settings.from_sources({}, {"BATCHPOOL_DEV_TOKEN": TOKEN}).dev_token == TOKEN
