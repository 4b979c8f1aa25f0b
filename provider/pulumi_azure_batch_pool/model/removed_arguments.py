"""azure-native arguments that the 2025-06-01 Batch API removed, and what replaces each.

``pulumi_azure_native.batch.Pool`` (3.x) still offers them, so a program moved over may pass them.
``BatchPool`` accepts them (a ``TypeError`` would say nothing useful) and Check refuses each one with the
reason and the replacement, before any API call: Azure would reject the body, and silently dropping an
argument would deploy a pool other than the one the program describes.
"""

from collections.abc import Iterator, Mapping
from typing import Any

REMOVED_ARGUMENTS: Mapping[str, str] = {
    "application_licenses": "applicationLicenses",
    "certificates": "certificates",
    "resource_tags": "resourceTags",
    "target_node_communication_mode": "targetNodeCommunicationMode",
}
"""Python argument name -> the wire name it is registered under."""

_GONE = "is gone from the 2025-06-01 Batch API (azure-native 3.x still offers it, for api-version 2024-07-01)"

REPLACEMENTS: Mapping[str, str] = {
    "applicationLicenses": (
        "Batch's pay-per-use application licenses were retired with it: install the application and its"
        " license yourself, e.g. in an image (image_reference) or the start_task, and remove"
        " application_licenses."
    ),
    "certificates": (
        "Batch certificates were retired: deliver certificates with the Azure Key Vault VM extension"
        " (VMExtensionArgs publisher 'Microsoft.Azure.KeyVault', type 'KeyVaultForLinux' or"
        " 'KeyVaultForWindows') and a pool identity that may read the vault, as programs/linux-keyvault-pool"
        " does, and remove certificates."
    ),
    "resourceTags": "use tags (the pool's ARM tags, the same map) instead of resource_tags.",
    "targetNodeCommunicationMode": (
        "nodes always use the simplified communication mode now; remove target_node_communication_mode."
    ),
}


def split(inputs: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """``inputs`` without the removed arguments, and one (property, reason) failure for each one given."""
    kept = {key: value for key, value in inputs.items() if key not in REPLACEMENTS}
    return kept, list(_failures(inputs))


def _failures(inputs: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    python_names = {wire: python for python, wire in REMOVED_ARGUMENTS.items()}
    for wire, replacement in REPLACEMENTS.items():
        if inputs.get(wire) is not None:
            yield wire, f"{python_names[wire]} ({wire}) {_GONE}: {replacement}"
