"""Scripted failures: extensions that fail on chosen nodes, resize errors, and the emulated Key Vault.

Outcomes are decided when a node is allocated, so a rule changes only nodes allocated after it was added.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from azure_batch_emulator.errors import InvalidPropertyValue, MissingRequiredProperty

KEY_VAULT_TYPES = frozenset({"keyvaultforlinux", "keyvaultforwindows"})

DEMO_CERTIFICATE = "https://demo-vault.vault.azure.net/secrets/demo-cert"
"""The certificate the emulated Key Vault holds from the start (and after a reset), as the demo account
exists from the start: the example programs observe it by default, so they deploy on a bare emulator."""


@dataclass(frozen=True)
class ExtensionFailure:
    """How one extension fails on one node: the status code suffix and message shown in its instance view."""

    code: str
    message: str


@dataclass(frozen=True)
class ExtensionFailureRule:
    """Make ``extension`` fail on ``nodes`` ("all", the first N, or 0-based indices) of matching pools."""

    extension: str
    nodes: str | int | tuple[int, ...] = "all"
    message: str = "Enable failed: the extension handler exited with a non-zero code."
    code: str = "ExtensionProvisioningError"
    pool: str | None = None

    def applies(self, pool: str, extension: str, node_index: int) -> bool:
        if extension.lower() != self.extension.lower():
            return False
        if self.pool is not None and pool.lower() != self.pool.lower():
            return False
        if self.nodes == "all":
            return True
        if isinstance(self.nodes, int):
            return node_index < self.nodes
        return node_index in self.nodes

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> ExtensionFailureRule:
        """Parse the ``POST /_emulator/extension-failures`` body."""
        extension = _field(body, "extension", str, required=True)
        nodes = body.get("nodes", "all")
        if isinstance(nodes, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in nodes):
            nodes = tuple(nodes)
        elif not (nodes == "all" or (isinstance(nodes, int) and not isinstance(nodes, bool) and nodes >= 0)):
            raise InvalidPropertyValue(
                "'nodes' must be \"all\", a node count, or a list of 0-based node indices.", path="nodes"
            )
        defaults = cls(extension)
        return cls(
            extension=extension,
            nodes=nodes,
            message=_field(body, "message", str) or defaults.message,
            code=_field(body, "code", str) or defaults.code,
            pool=_field(body, "pool", str),
        )


@dataclass(frozen=True)
class ResizeErrorRule:
    """Make resizes of matching pools end Steady with this error and no new nodes."""

    code: str = "AccountCoreQuotaReached"
    message: str = "The specified account has reached VM core quota."
    pool: str | None = None

    def applies(self, pool: str) -> bool:
        return self.pool is None or pool.lower() == self.pool.lower()

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> ResizeErrorRule:
        """Parse the ``POST /_emulator/resize-errors`` body."""
        defaults = cls()
        return cls(
            code=_field(body, "code", str) or defaults.code,
            message=_field(body, "message", str) or defaults.message,
            pool=_field(body, "pool", str),
        )


@dataclass
class Scenario:
    """The scripted failures in force and the certificate URLs the emulated Key Vault holds."""

    extension_failures: list[ExtensionFailureRule] = field(default_factory=list)
    resize_errors: list[ResizeErrorRule] = field(default_factory=list)
    vault_certificates: set[str] = field(default_factory=lambda: {DEMO_CERTIFICATE})

    def extension_failure(
        self, pool: str, extension: dict[str, Any], node_index: int
    ) -> ExtensionFailure | None:
        """The failure ``extension`` meets on node ``node_index`` of ``pool``, or None when it succeeds."""
        for rule in self.extension_failures:
            if rule.applies(pool, extension["name"], node_index):
                return ExtensionFailure(rule.code, rule.message)
        missing = [url for url in _required_certificates(extension) if url not in self.vault_certificates]
        if missing:
            return ExtensionFailure(
                "KeyVaultInitialSyncFailed",
                f"Initial sync of observed certificates failed: '{missing[0]}' was not found in the vault "
                "or the pool identity has no access to it.",
            )
        return None

    def resize_error(self, pool: str) -> dict[str, str] | None:
        """The ``resizeOperationStatus.errors[]`` entry a resize of ``pool`` ends with, if any."""
        for rule in self.resize_errors:
            if rule.applies(pool):
                return {"code": rule.code, "message": rule.message}
        return None


def _required_certificates(extension: dict[str, Any]) -> list[str]:
    """Certificate URLs a Key Vault extension must fetch before it reports success (requireInitialSync)."""
    if extension.get("type", "").lower() not in KEY_VAULT_TYPES:
        return []
    settings = extension.get("settings")
    if isinstance(settings, str):
        try:
            settings = json.loads(settings)
        except ValueError:
            return []
    secrets = settings.get("secretsManagementSettings") if isinstance(settings, dict) else None
    if not isinstance(secrets, dict) or secrets.get("requireInitialSync") not in (True, "true", "True"):
        return []
    observed = secrets.get("observedCertificates") or []
    if not isinstance(observed, list):
        return []
    urls = [item.get("url") if isinstance(item, dict) else item for item in observed]
    return [url for url in urls if isinstance(url, str)]


def _field(body: dict[str, Any], key: str, kind: type, *, required: bool = False) -> Any:
    value = body.get(key)
    if value is None:
        if required:
            raise MissingRequiredProperty(f"The property '{key}' is required.", path=key)
        return None
    if not isinstance(value, kind):
        raise InvalidPropertyValue(f"The property '{key}' must be a {kind.__name__}.", path=key)
    return value
