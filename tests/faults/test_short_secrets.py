"""Secrets too short to hide are refused by Check, with the reason, and messages stay readable.

Redaction finds a secret's text in every message. A one-character mount password ``p`` would turn "Refusing to
create the pool 'badin-pool'" into "...the [REDACTED]ool 'badin-[REDACTED]ool'", and a numeric protected
setting would do the same to every digit like it: the pattern of redactions would reveal the value. So Check
refuses text shorter than ``MIN_SECRET_LENGTH``, numbers and booleans, naming where and why and never the
value; a create that bypasses Check is refused before any request, in a message left intact.
"""

from __future__ import annotations

from typing import Any

import pytest

from azure_batch_emulator import EmulatorServer
from pulumi_azure_batch_pool.model.secrets import MIN_SECRET_LENGTH, REDACTED

from .harness import POOL, configured, pools, program, run

MOUNT = {
    "cifsMountConfiguration": {"userName": "render", "source": "//files/share", "relativeMountPath": "s"}
}
PASSWORD_AT = "mountConfiguration[0].cifsMountConfiguration.password"

SHORT_SECRETS: dict[str, tuple[dict[str, Any], str]] = {
    "one-character mount password": (
        {"mountConfiguration": [MOUNT], "writeOnlySecrets": {PASSWORD_AT: "p"}},
        f"writeOnlySecrets.{PASSWORD_AT}",
    ),
    "numeric protected setting": (
        {"protectedSettings": {"monitor": {"pin": 1234}}},
        "protectedSettings.monitor.pin",
    ),
}


@pytest.mark.parametrize("case", SHORT_SECRETS.values(), ids=list(SHORT_SECRETS))
def test_a_secret_too_short_to_hide_is_refused_readably_and_nothing_is_created(
    case: tuple[dict[str, Any], str], emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    overrides, path = case
    provider = configured(emulator.url)
    props = program(**overrides)

    checked = provider.check({}, props)
    [(where, reason)] = [(failure.property, failure.reason) for failure in checked.failures]
    assert where == path
    assert f"Use text of at least {MIN_SECRET_LENGTH} characters" in reason
    assert "1234" not in reason and REDACTED not in reason

    # An engine (or a caller) that skips Check: refused before any request, in a message left intact.
    outcome = run(lambda: provider.create(checked.inputs), lambda: capsys.readouterr().err)
    refusal = f"Refusing to create the pool '{POOL}': its inputs are invalid, so nothing was sent to Azure."
    assert outcome.message.startswith(f"{refusal} {path}: this secret is "), outcome.message
    assert REDACTED not in outcome.message and "1234" not in outcome.message
    assert pools(emulator) == [], "nothing was created"
