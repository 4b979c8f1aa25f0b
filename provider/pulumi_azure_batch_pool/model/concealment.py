"""What the provider boundary does so that no secret reaches outputs, state, logs or errors.

Secrets arrive in two top-level inputs: ``protectedSettings`` (per extension) and ``writeOnlySecrets``
(passwords and keys, see ``pulumi_azure_batch_pool.model.write_only``). Going out, every output, log line and
error is redacted
of them. A refresh or a delete never sees the values (state holds none), so create and update store a
salted digest of every revealing string (``secretDigests``, itself a secret output) and later calls
redact by those digests: an extension status message that quotes a protected setting is hidden on every
refresh too, not only in the create that first saw it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pulumi_azure_batch_pool.model import write_only
from pulumi_azure_batch_pool.model.secrets import redact, redact_by_digests, secret_digests

ErrorT = TypeVar("ErrorT", bound=BaseException)

DIGESTS_KEY = "secretDigests"
"""Output: ``"<length>:<HMAC>"`` of every string that would reveal a secret (``secrets.secret_digests``)."""

PROTECTED_KEY = "protectedSettings"

SECRET_OUTPUTS = ("protectedSettingsFingerprint", write_only.FINGERPRINT_KEY, DIGESTS_KEY)
"""Outputs derived from secrets: returned as Pulumi secrets, never redacted (they hold no plain text)."""


def secret_values(props: Mapping[str, Any]) -> list[Any]:
    """Every protected setting and write-only secret value in checked inputs."""
    values: list[Any] = []
    for key in (PROTECTED_KEY, write_only.WRITE_ONLY_KEY):
        group = props.get(key)
        if isinstance(group, Mapping):
            values.extend(group.values())
    return values


@dataclass(frozen=True)
class Redactor:
    """Hides secrets in text: known values directly, and values known only by digest via the digests."""

    values: tuple[Any, ...] = ()
    digests: tuple[str, ...] = ()
    salt: str = ""

    @classmethod
    def for_call(cls, *props: Mapping[str, Any]) -> Redactor:
        """A redactor for one provider call, from its inputs (secret values) and old outputs (digests)."""
        values: list[Any] = []
        digests: list[str] = []
        salt = ""
        for item in props:
            values.extend(secret_values(item))
            stored = item.get(DIGESTS_KEY)
            if isinstance(stored, list) and stored:
                digests.extend(str(digest) for digest in stored)
                salt = str(item.get(write_only.SALT_KEY) or "")
        return cls(tuple(values), tuple(dict.fromkeys(digests)), salt)

    def text(self, text: str) -> str:
        """``text`` with every secret replaced by ``[REDACTED]``."""
        text = redact(text, self.values) if self.values else text
        return redact_by_digests(text, self.digests, self.salt) if self.digests else text

    def error(self, error: ErrorT) -> ErrorT:
        """A copy of ``error``, of the same type, with its message and every string attribute redacted."""
        clean = copy.copy(error)
        clean.args = tuple(self.value(list(error.args)))
        clean.__dict__.update(self.value(dict(error.__dict__)))
        return clean

    def value(self, value: Any) -> Any:
        """``value`` with every string inside it redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        return value


def for_azure(props: Mapping[str, Any]) -> dict[str, Any]:
    """Checked inputs with the write-only secrets back in place: what create and update work from."""
    return write_only.merge_write_only(props, props.get(write_only.WRITE_ONLY_KEY))


def conceal_outputs(
    outputs: Mapping[str, Any],
    news: Mapping[str, Any],
    redactor: Redactor,
    olds: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Outputs of a create or update made safe to store: no secret value anywhere, fingerprints and digests
    added (keyed by the outputs' salt), every string redacted."""
    stripped, _ = write_only.split_write_only(outputs)
    stripped.pop(write_only.WRITE_ONLY_KEY, None)
    stripped.pop(PROTECTED_KEY, None)
    salt = str(stripped.get(write_only.SALT_KEY) or "")
    new_secrets = news.get(write_only.WRITE_ONLY_KEY)
    if isinstance(new_secrets, Mapping):
        fingerprints = write_only.fingerprints(new_secrets, salt)
    else:
        fingerprints = dict((olds or {}).get(write_only.FINGERPRINT_KEY) or {})
    previous = (olds or {}).get(DIGESTS_KEY)
    digests = set(secret_digests(secret_values(news), salt))
    digests |= set(previous if isinstance(previous, list) else [])
    concealed = _redacted(stripped, redactor)
    concealed[write_only.FINGERPRINT_KEY] = fingerprints
    concealed[DIGESTS_KEY] = sorted(digests)
    return concealed


def conceal_read(outputs: Mapping[str, Any], state: Mapping[str, Any], redactor: Redactor) -> dict[str, Any]:
    """Outputs of a refresh: the stored fingerprints and digests carried over, every string redacted."""
    concealed = _redacted(write_only.split_write_only(outputs)[0], redactor)
    for key in (write_only.FINGERPRINT_KEY, DIGESTS_KEY):
        if key in state:
            concealed[key] = state[key]
    return concealed


def _redacted(outputs: Mapping[str, Any], redactor: Redactor) -> dict[str, Any]:
    return {
        key: value if key in SECRET_OUTPUTS or key == write_only.SALT_KEY else redactor.value(value)
        for key, value in outputs.items()
    }
