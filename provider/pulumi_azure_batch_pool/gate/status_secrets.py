"""What keeps a secret out of the status command's tables, JSON and stderr.

A failed extension's status message is the VM's own words and may quote a protected setting or a
write-only secret. A refresh hides them with the secret values of the call and the pool's stored
``secretDigests`` (``pulumi_azure_batch_pool.model.concealment``); the status command runs outside the
engine, so it takes the
same material from the stack file it is given: `pulumi stack export --show-secrets` holds each pool's
inputs (the secret values) and outputs (the digests and their salt) in plain text, and
`pulumi stack output --json --show-secrets` holds the digests a program exported next to the pool's id
(``arm_id``, ``secret_digests``, ``protected_settings_salt``). With it, every string is redacted exactly
as refresh redacts it.

Without it (a pool named by ``--pool`` or ``--pool-id``, an export whose secrets are still ciphertext, a
pool created before digests were stored) nothing can tell a secret from other text, so the free-text
``message`` of every node extension status is withheld: the codes, levels and states still say what
failed, the verdict is the same, and the command says once on stderr how to get redacted messages.

Two exceptions need no stack file: a pool whose ownership tags say it was given no protected or write-only
value (``pulumi_azure_batch_pool.model.ownership.SECRETS_TAG``, written at create and on every update) has
nothing to quote, so
its messages are shown; and ``--unredacted-messages`` shows every message as Azure returns it, on the
user's explicit word.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_azure_batch_pool.lifecycle.lifecycle import pool_ref_from_id
from pulumi_azure_batch_pool.model import write_only
from pulumi_azure_batch_pool.model.concealment import DIGESTS_KEY, Redactor, conceal_read

WITHHELD = "[withheld: may quote a secret; see the status gate's redaction notes]"
"""What replaces a message that could not be redacted."""

SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
"""The key Pulumi marks a secret value with in `pulumi stack export` (``plaintext`` or ``ciphertext``)."""

HIDDEN_OUTPUT = "[secret]"
"""What `pulumi stack output --json` prints for a secret output without ``--show-secrets``."""

_ID_KEYS = ("armId", "arm_id", "id")
_DIGEST_KEYS = (DIGESTS_KEY, "secret_digests")
_SALT_KEYS = (write_only.SALT_KEY, "protected_settings_salt")


def redactors_in(*documents: Any) -> dict[str, Redactor]:
    """Per pool (lower-case ARM id): a redactor from the secret material the stack documents hold.

    A pool is covered only when its ``secretDigests`` are readable (not ciphertext): they are what a
    refresh redacts by. The secret values of the same resource's inputs are added when readable too.
    """
    material: dict[str, list[Mapping[str, Any]]] = {}
    digested: set[str] = set()
    for document in documents:
        for mapping in _mappings(document):
            arm_id = _pool_id(mapping)
            if arm_id is None:
                continue
            for part in (mapping, mapping.get("outputs"), mapping.get("inputs")):
                if not isinstance(part, Mapping):
                    continue
                revealed = {key: _revealed(value) for key, value in part.items()}
                digests = _first(revealed, _DIGEST_KEYS)
                if isinstance(digests, list):
                    digested.add(arm_id)
                material.setdefault(arm_id, []).append(
                    {
                        **revealed,
                        DIGESTS_KEY: digests if isinstance(digests, list) else [],
                        write_only.SALT_KEY: _first(revealed, _SALT_KEYS) or "",
                    }
                )
    return {arm_id: Redactor.for_call(*material[arm_id]) for arm_id in digested}


class Messages(enum.Enum):
    """How a pool's node extension messages are shown (``messages`` in the gate's JSON)."""

    REDACTED = "redacted"
    """Redacted with the stack file's secret digests and values, as `pulumi refresh` redacts them."""
    NO_SECRETS = "no-secrets"
    """As Azure returns them: the pool's secrets tag says it was given no secret to quote."""
    UNREDACTED = "unredacted"
    """As Azure returns them, because the user asked (``--unredacted-messages``)."""
    WITHHELD = "withheld"
    """Replaced by ``WITHHELD``: nothing to redact them with, and the pool may hold a secret."""


def messages_for(redactor: Redactor | None, carries_secrets: bool | None, unredacted: bool) -> Messages:
    """How to show one pool's messages: redact when possible; show them when the pool holds no secret or
    the user asked; otherwise withhold (``carries_secrets`` None: no tag, so the pool may hold one)."""
    if redactor is not None:
        return Messages.REDACTED
    if carries_secrets is False:
        return Messages.NO_SECRETS
    return Messages.UNREDACTED if unredacted else Messages.WITHHELD


def shown_outputs(
    outputs: Mapping[str, Any], redactor: Redactor | None, messages: Messages = Messages.WITHHELD
) -> tuple[dict[str, Any], bool]:
    """Read outputs safe to print (as ``messages`` says), and whether messages had to be withheld."""
    if redactor is not None:
        return conceal_read(outputs, {}, redactor), False
    if messages in (Messages.NO_SECRETS, Messages.UNREDACTED):
        return dict(outputs), False
    shown = dict(outputs)
    withheld = False
    status = {}
    for name, counts in (outputs.get("extensionStatus") or {}).items():
        failed = [{**node, "message": WITHHELD} for node in counts.get("failedNodes") or []]
        withheld = withheld or bool(failed)
        status[name] = {**counts, "failedNodes": failed} if "failedNodes" in counts else counts
    shown["extensionStatus"] = status
    nodes = []
    for node in outputs.get("nodes") or []:
        extensions = []
        for extension in node.get("extensions") or []:
            statuses = [_without_message(item) for item in extension.get("statuses") or []]
            withheld = withheld or any(item.get("message") == WITHHELD for item in statuses)
            extensions.append({**extension, "statuses": statuses} if "statuses" in extension else extension)
        nodes.append({**node, "extensions": extensions})
    shown["nodes"] = nodes
    return shown, withheld


def withheld_note(pools: int, ciphertext: bool) -> str:
    """The one stderr line saying that messages were withheld, why, and how to get them redacted."""
    why = (
        "the stack file holds its secrets encrypted (made without --show-secrets)"
        if ciphertext
        else "no secret digests were given for them"
    )
    return (
        f"status: node extension messages of {pools} pool(s) withheld: they may quote a protected setting "
        f"or a write-only secret and {why}. For redacted messages pipe the stack's state in: "
        "`pulumi stack export --show-secrets | python -m pulumi_azure_batch_pool status --stack -` "
        "(never write that "
        "export to a file or a log: it holds the secret values); --unredacted-messages prints them as "
        "Azure returns them"
    )


def holds_ciphertext(document: Any) -> bool:
    """Whether a stack document hides its secrets (made without ``--show-secrets``): ciphertext in an
    export, ``"[secret]"`` in stack outputs."""
    return any(
        (SECRET_SIGNATURE_KEY in mapping and "ciphertext" in mapping) or HIDDEN_OUTPUT in mapping.values()
        for mapping in _mappings(document)
    )


def _without_message(status: Mapping[str, Any]) -> dict[str, Any]:
    return {**status, "message": WITHHELD} if status.get("message") else dict(status)


def _pool_id(mapping: Mapping[str, Any]) -> str | None:
    outputs = mapping.get("outputs")
    for source in (mapping, outputs if isinstance(outputs, Mapping) else {}):
        for key in _ID_KEYS:
            value = source.get(key)
            if isinstance(value, str) and "/pools/" in value.lower():
                try:
                    return pool_ref_from_id(value).arm_id.lower()
                except ValueError:
                    continue
    return None


def _revealed(value: Any) -> Any:
    """A value with Pulumi's secret envelope opened when it holds plain text; None for ciphertext."""
    if isinstance(value, Mapping) and SECRET_SIGNATURE_KEY in value:
        plaintext = value.get("plaintext")
        if not isinstance(plaintext, str):
            return None
        try:
            return _revealed(json.loads(plaintext))
        except json.JSONDecodeError:
            return plaintext
    if isinstance(value, Mapping):
        return {key: _revealed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_revealed(item) for item in value]
    return value


def _first(mapping: Mapping[str, Any], keys: Iterable[str]) -> Any:
    return next((mapping[key] for key in keys if mapping.get(key) is not None), None)


def _mappings(value: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        yield value
        for item in value.values():
            yield from _mappings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _mappings(item)
