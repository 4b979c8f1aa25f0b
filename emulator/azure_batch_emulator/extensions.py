"""The extensions Azure Batch lets a pool install, and what Azure does with the others.

Azure refuses a pool whose extension publisher/type is outside its list unless the subscription has support
for the pair (a support request), so the emulator refuses it too (400 ``InvalidPropertyValue``) unless it
was started to allow the pair (``--allow-extension``, ``EmulatorServer(allowed_extensions=...)``). An
extension built for the other operating system is accepted, as Azure accepts it, and then fails on every
node, as it would once the nodes boot.

The list is Azure's "Use extensions with Batch pools" article
(https://learn.microsoft.com/azure/batch/create-pool-extensions); the provider keeps the same list with
its sources in ``provider/pulumi_azure_batch_pool/model/extension_catalog.py``, and a test keeps the two
equal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from azure_batch_emulator.errors import InvalidPropertyValue

_LISTED = """
Microsoft.Azure.KeyVault             KeyVaultForLinux          linux
Microsoft.Azure.KeyVault             KeyVaultForWindows        windows
Microsoft.EnterpriseCloud.Monitoring OmsAgentForLinux          linux
Microsoft.EnterpriseCloud.Monitoring MicrosoftMonitoringAgent  windows
Microsoft.Powershell                 DSC                       windows
Microsoft.Azure.Diagnostics          IaaSDiagnostics           windows
Microsoft.HpcCompute                 AmdGpuDriverWindows       windows
Microsoft.HpcCompute                 NvidiaGpuDriverWindows    windows
Microsoft.HpcCompute                 NvidiaGpuDriverLinux      linux
Microsoft.Azure.Security             IaaSAntimalware           windows
Microsoft.Azure.Monitor              AzureMonitorLinuxAgent    linux
Microsoft.Azure.Monitor              AzureMonitorWindowsAgent  windows
"""

SUPPORTED: dict[tuple[str, str], str] = {
    (publisher.lower(), kind.lower()): os
    for publisher, kind, os in map(str.split, _LISTED.strip().splitlines())
}
"""``(publisher, type)`` lower-cased -> ``linux`` or ``windows``."""

WRONG_OS_CODE = "ExtensionProvisioningError"


def parse_pair(text: str) -> tuple[str, str]:
    """``Publisher/Type`` (the ``--allow-extension`` form) as a lower-cased key; ValueError otherwise."""
    publisher, _, kind = text.strip().partition("/")
    if not publisher or not kind or "/" in kind:
        raise ValueError(f"extension {text!r} is not PUBLISHER/TYPE (e.g. Contoso.Agents/HealthAgent)")
    return publisher.lower(), kind.lower()


def allowed_pairs(pairs: Iterable[str | tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """Extra pairs to accept, given as ``Publisher/Type`` strings or tuples, as lower-cased keys."""
    return frozenset(
        parse_pair(pair) if isinstance(pair, str) else (pair[0].lower(), pair[1].lower()) for pair in pairs
    )


def check_supported(properties: dict[str, Any], path: str, allowed: frozenset[tuple[str, str]]) -> None:
    """Refuse the first extension whose publisher/type pair is neither listed nor allowed."""
    vm = properties.get("deploymentConfiguration", {}).get("virtualMachineConfiguration", {})
    for index, ext in enumerate(vm.get("extensions", [])):
        key = (ext["publisher"].lower(), ext["type"].lower())
        if key not in SUPPORTED and key not in allowed:
            raise InvalidPropertyValue(
                f"Extension '{ext['name']}' uses publisher '{ext['publisher']}' and type '{ext['type']}', "
                "which are not supported for Batch pools in this subscription; use an extension from "
                "https://learn.microsoft.com/azure/batch/create-pool-extensions or open a support request.",
                path=f"{path}[{index}].type",
            )


def node_os(properties: dict[str, Any]) -> str | None:
    """``linux`` or ``windows`` from the pool's ``nodeAgentSkuId`` (``batch.node.windows amd64`` is the only
    Windows agent), or None without one."""
    vm = properties.get("deploymentConfiguration", {}).get("virtualMachineConfiguration", {})
    agent = str(vm.get("nodeAgentSkuId", "")).lower()
    if not agent.startswith("batch.node."):
        return None
    return "windows" if agent.startswith("batch.node.windows") else "linux"


def wrong_os_failure(extension: dict[str, Any], os: str | None) -> dict[str, str] | None:
    """The failure a listed extension for the other operating system meets on a node running ``os``."""
    built_for = SUPPORTED.get((extension["publisher"].lower(), extension["type"].lower()))
    if os is None or built_for is None or built_for == os:
        return None
    return {
        "code": WRONG_OS_CODE,
        "message": f"Enable failed: the handler for '{extension['publisher']}.{extension['type']}' runs on "
        f"{built_for.capitalize()} only and cannot be installed on this {os.capitalize()} node.",
    }
