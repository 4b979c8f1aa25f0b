"""What to do when an extension fails: the next step Microsoft's troubleshooting guidance gives.

Node messages say what went wrong on the node ("Initial sync of observed certificates failed"), not
what the user should change. The failure summary of a deployment and the status command both append
the remedy from here, so the two never give different advice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi_azure_batch_pool.model import extension_catalog as catalog
from pulumi_azure_batch_pool.model.normalize import parse_json_text
from pulumi_azure_batch_pool.model.pool_model import vm_extensions


def declared_extensions(inputs: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The extensions declared in checked inputs or outputs (ARM camelCase)."""
    extensions = vm_extensions(inputs.get("deploymentConfiguration"))
    return [item for item in extensions if isinstance(item, Mapping)]


def remedy_for(extension: Mapping[str, Any]) -> str | None:
    """The remedy for a failed extension, or None when there is no advice beyond the node's message."""
    entry = catalog.lookup(str(extension.get("publisher") or ""), str(extension.get("type") or ""))
    if entry is not None and entry.family == catalog.KEY_VAULT:
        return _key_vault_remedy(extension, entry)
    return None


def remedies_for(inputs: Mapping[str, Any], failed_extensions: Iterable[str]) -> list[str]:
    """One remedy line per failed extension that has one, in declaration order."""
    failed = {name.lower() for name in failed_extensions}
    lines = []
    for extension in declared_extensions(inputs):
        if str(extension.get("name") or "").lower() in failed:
            remedy = remedy_for(extension)
            if remedy:
                lines.append(remedy)
    return lines


def _key_vault_remedy(extension: Mapping[str, Any], entry: catalog.Extension) -> str:
    secrets = _settings(extension).get("secretsManagementSettings") or {}
    certificates = _observed_urls(secrets.get("observedCertificates") or [])
    which = ", ".join(certificates) if certificates else "each observed certificate"
    return (
        f"extension '{extension.get('name')}' ({extension.get('type')}): check that the pool's managed "
        f"identity (the one in authenticationSettings.msiClientId) can read {which} (role 'Key Vault "
        "Secrets User', or a 'get' secret access policy) and that the URL is right; or set "
        "secretsManagementSettings.requireInitialSync to false so nodes start while the extension keeps "
        "retrying, redeploy, and read the extension's log on a node in "
        f"{entry.log_directory}"
    )


def _settings(extension: Mapping[str, Any]) -> Mapping[str, Any]:
    """The extension's settings as a mapping: Azure accepts (and the data plane returns) a JSON string."""
    settings = parse_json_text(extension.get("settings"))
    return settings if isinstance(settings, Mapping) else {}


def _observed_urls(observed: Sequence[Any]) -> list[str]:
    """Certificate URLs from observedCertificates: plain strings (Linux) or {"url": ...} objects (Windows)."""
    urls = [item.get("url") if isinstance(item, Mapping) else item for item in observed]
    return [url for url in urls if isinstance(url, str) and url]
