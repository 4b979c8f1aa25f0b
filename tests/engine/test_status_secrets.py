"""The status gate never prints a secret, with or without the stack's secret material.

A pool is created through the SDK's provider server (policy keep) while the emulator's extension handler
fails with a message quoting the protected setting and a user's password, as a real handler may. The
status command then reads it from a state export shaped like `pulumi stack export --show-secrets` (the
secrets in plain text, so it redacts as refresh does), from the same export without `--show-secrets`
(ciphertext: the messages are withheld), by name (nothing to redact with: withheld too) and from stack
outputs holding the exported digests. Every byte it prints is scanned; the verdict must still be
"failed" (exit code 1).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import rpc

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer
from pulumi_azure_batch_pool import BatchPool
from pulumi_azure_batch_pool.gate.cli import main
from pulumi_azure_batch_pool.gate.status_secrets import WITHHELD
from pulumi_azure_batch_pool.lifecycle.health import Verdict
from pulumi_azure_batch_pool.model.secrets import REDACTED
from tests.provider.test_lifecycle import admin

from .engine import URN, EngineClient, decode
from .program import is_secret, registered_inputs, strip_secrets
from .test_secrets_never_leak import PASSWORD, PROTECTED, SECRETS, leaky_pool

REPO = Path(__file__).resolve().parents[2]
SCRIPTED_MESSAGE = f"Enable failed: clientSecret={PROTECTED} rejected; tried user password {PASSWORD}"


def _exported(value: Any, *, show_secrets: bool) -> Any:
    """A value as `pulumi stack export` writes it: each secret in Pulumi's envelope, plain or encrypted."""
    if is_secret(value):
        inner = strip_secrets(value["value"])
        body = {"plaintext": json.dumps(inner)} if show_secrets else {"ciphertext": "v1:3kVbQm9c0ZxkA=="}
        return {rpc._special_sig_key: rpc._special_secret_sig, **body}
    if isinstance(value, dict):
        return {key: _exported(item, show_secrets=show_secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_exported(item, show_secrets=show_secrets) for item in value]
    return value


def _state_export(
    pool_id: str, inputs: dict[str, Any], outputs: dict[str, Any], *, show_secrets: bool
) -> str:
    """A stack export holding the pool, its secret inputs and outputs marked as the engine marks them."""
    secret_inputs = {
        key: {rpc._special_sig_key: rpc._special_secret_sig, "value": value}
        if key in ("protectedSettings", "writeOnlySecrets")
        else value
        for key, value in inputs.items()
        if key != "__provider"
    }
    resource = {
        "urn": URN,
        "custom": True,
        "id": pool_id,
        "type": "pulumi-python:dynamic/azurebatch:Pool",
        "inputs": _exported(secret_inputs, show_secrets=show_secrets),
        "outputs": _exported(outputs, show_secrets=show_secrets),
    }
    deployment = {"manifest": {}, "resources": [resource]}
    return json.dumps({"version": 3, "deployment": deployment})


def _created(engine: EngineClient, emulator: EmulatorServer) -> tuple[str, dict[str, Any], dict[str, Any]]:
    admin(
        emulator, "extension-failures", {"extension": "monitor", "nodes": "all", "message": SCRIPTED_MESSAGE}
    )
    news = strip_secrets(registered_inputs(lambda: [leaky_pool()])["leaky"])
    checked = engine.check({}, news)
    assert list(checked.failures) == []
    inputs = decode(checked.inputs)
    created = engine.create(inputs)
    outputs = decode(created.properties)
    assert outputs["extensionStatus"]["monitor"]["failed"] == 2
    return created.id, inputs, outputs


def _status(emulator: EmulatorServer, *args: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    environ = {"BATCHPOOL_ARM_ENDPOINT": emulator.url, "AZURE_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id}
    code = main(["status", *args], environ=environ, stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def _leaks(*texts: str) -> list[str]:
    return [secret for text in texts for secret in SECRETS if secret in text]


def _messages(report: dict[str, Any]) -> list[str]:
    """Every node extension message of the report's one pool."""
    (pool,) = report["pools"]
    failed = [node["message"] for node in pool["extensionStatus"]["monitor"]["failedNodes"]]
    statuses = [
        status.get("message")
        for node in pool["nodes"]
        for extension in node["extensions"]
        for status in extension.get("statuses") or []
    ]
    return failed + [message for message in statuses if message]


def test_status_redacts_as_refresh_does_from_an_export_with_secrets(
    engine: EngineClient, emulator: EmulatorServer, tmp_path: Path
) -> None:
    pool_id, inputs, outputs = _created(engine, emulator)
    export = tmp_path / "state.json"
    export.write_text(_state_export(pool_id, inputs, outputs, show_secrets=True))
    assert PROTECTED in export.read_text(), "the export holds the secret values, as --show-secrets does"

    code, out, err = _status(emulator, "--stack", str(export), "--json")
    report = json.loads(out)
    assert code == report["exitCode"] == Verdict.FAILED.exit_code == 1
    messages = _messages(report)
    assert len(messages) >= 2 and all(message.count(REDACTED) == 2 for message in messages)
    assert all("rejected; tried user password" in message for message in messages)
    assert "messagesWithheld" not in report["pools"][0] and "withheld" not in err
    assert _leaks(out, err) == []

    code, out, err = _status(emulator, "--stack", str(export))
    assert code == 1 and "verdict: failed (exit code 1)" in out
    assert f"Enable failed: clientSecret={REDACTED} rejected" in out
    assert _leaks(out, err) == []


def test_without_secret_material_messages_are_withheld_and_the_verdict_stands(
    engine: EngineClient, emulator: EmulatorServer, tmp_path: Path
) -> None:
    pool_id, inputs, outputs = _created(engine, emulator)
    encrypted = tmp_path / "state.json"
    encrypted.write_text(_state_export(pool_id, inputs, outputs, show_secrets=False))
    by_name = ["--resource-group", DEMO_ACCOUNT.resource_group, "--account", DEMO_ACCOUNT.account_name]
    by_name += ["--pool", inputs["poolName"]]

    for args, why in (
        (["--stack", str(encrypted)], "holds its secrets encrypted"),
        (by_name, "no secret digests were given"),
    ):
        code, out, err = _status(emulator, *args, "--json")
        report = json.loads(out)
        assert code == report["exitCode"] == 1
        assert report["pools"][0]["verdict"] == "failed" and report["pools"][0]["messagesWithheld"] is True
        messages = _messages(report)
        assert messages and set(messages) == {WITHHELD}
        (note,) = [line for line in err.splitlines() if "withheld" in line]
        assert why in note
        assert (
            "pulumi stack export --show-secrets | python -m pulumi_azure_batch_pool status --stack -" in note
        )
        assert _leaks(out, err) == []

        code, out, err = _status(emulator, *args)
        assert code == 1 and "monitor failed on tvm-" in out and WITHHELD in out
        assert _leaks(out, err) == []


def test_the_documented_pipe_redacts_in_a_separate_process(
    engine: EngineClient, emulator: EmulatorServer
) -> None:
    pool_id, inputs, outputs = _created(engine, emulator)
    environ = {
        **os.environ,
        "BATCHPOOL_ARM_ENDPOINT": emulator.url,
        "AZURE_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id,
        "PYTHONPATH": str(REPO),
    }
    finished = subprocess.run(
        [sys.executable, "-m", "pulumi_azure_batch_pool", "status", "--stack", "-"],
        input=_state_export(pool_id, inputs, outputs, show_secrets=True),
        capture_output=True,
        text=True,
        cwd=REPO,
        env=environ,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 1, finished.stderr
    assert "verdict: failed (exit code 1)" in finished.stdout
    assert finished.stdout.count(f"clientSecret={REDACTED}") == 2
    assert _leaks(finished.stdout, finished.stderr) == []


def test_stack_outputs_with_the_exported_digests_redact_too(
    engine: EngineClient, emulator: EmulatorServer, tmp_path: Path
) -> None:
    exposed: list[Any] = []

    def build() -> list[BatchPool]:
        pool = leaky_pool()
        exposed.extend([pool.secret_digests, pool.protected_settings_salt])
        return [pool]

    registered_inputs(build)
    assert all(isinstance(output, pulumi.Output) for output in exposed), "a program can export them"

    pool_id, _inputs, outputs = _created(engine, emulator)
    assert is_secret(outputs["secretDigests"])
    exported = {
        "arm_id": outputs["armId"],
        "secret_digests": strip_secrets(outputs["secretDigests"]),
        "protected_settings_salt": outputs["protectedSettingsSalt"],
    }
    shown = tmp_path / "outputs.json"
    shown.write_text(json.dumps(exported))  # `pulumi stack output --json --show-secrets`
    code, out, err = _status(emulator, "--stack", str(shown), "--json")
    assert code == 1 and json.loads(out)["pools"][0]["armId"] == pool_id
    messages = _messages(json.loads(out))
    assert messages and all(message.count(REDACTED) == 2 for message in messages)
    assert _leaks(out, err) == []

    hidden = tmp_path / "hidden.json"
    hidden.write_text(json.dumps({**exported, "secret_digests": "[secret]"}))  # without --show-secrets
    code, out, err = _status(emulator, "--stack", str(hidden), "--json")
    assert code == 1 and set(_messages(json.loads(out))) == {WITHHELD}
    assert "holds its secrets encrypted" in err and _leaks(out, err) == []
