"""The VM extensions Azure Batch lets a pool install, with the facts the provider acts on.

Why a catalog: Azure accepts a pool whose extension is built for the other operating system and only fails
it on every node after allocation (tens of minutes, billed), and an extension outside Batch's list needs a
support request first. Check uses this table to refuse the first before anything is sent and to warn about
the second; remedies and the identity warning read their Key Vault facts from here too.

Sources (read 2026-12, restated in our own words):

* The list itself: "Use extensions with Batch pools",
  https://learn.microsoft.com/azure/batch/create-pool-extensions ("Supported extensions"; other publishers
  and types need a support request; some extensions need a pool-level managed identity).
* Each pair's exact publisher and type, from the extension's own page (``Extension.source``).

Publisher and type names compare without regard to case, as Azure compares them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

BATCH_EXTENSIONS_SOURCE = "https://learn.microsoft.com/azure/batch/create-pool-extensions"
"""Azure's article with the list of extensions a Batch pool can install."""

_VM_EXTENSIONS = "https://learn.microsoft.com/azure/virtual-machines/extensions"


class OsFamily(Enum):
    """The operating system a node runs, as far as extensions care."""

    LINUX = "Linux"
    WINDOWS = "Windows"


@dataclass(frozen=True)
class Extension:
    """One publisher/type pair of Azure Batch's list.

    ``family`` names the extension across operating systems (the Linux and Windows Key Vault extensions are
    one family), so that a mismatch can point to the other system's type; ``needs_identity`` says the
    extension reads Azure resources as the pool's managed identity; ``log_directory`` is where its handler
    writes its log on a node (given only where the provider's advice uses it).
    """

    family: str
    publisher: str
    type: str
    os: OsFamily
    source: str
    needs_identity: bool = False
    log_directory: str | None = None

    @property
    def pair(self) -> str:
        """``Publisher/Type``, the form messages and the ``allowedExtensions`` setting use."""
        return f"{self.publisher}/{self.type}"


KEY_VAULT = "Key Vault"

CATALOG: tuple[Extension, ...] = (
    Extension(
        KEY_VAULT,
        "Microsoft.Azure.KeyVault",
        "KeyVaultForLinux",
        OsFamily.LINUX,
        f"{_VM_EXTENSIONS}/key-vault-linux",
        needs_identity=True,
        log_directory="/var/log/azure/Microsoft.Azure.KeyVault.KeyVaultForLinux/",
    ),
    Extension(
        KEY_VAULT,
        "Microsoft.Azure.KeyVault",
        "KeyVaultForWindows",
        OsFamily.WINDOWS,
        f"{_VM_EXTENSIONS}/key-vault-windows",
        needs_identity=True,
        log_directory="C:\\WindowsAzure\\Logs\\Plugins\\Microsoft.Azure.KeyVault.KeyVaultForWindows\\",
    ),
    Extension(
        "Log Analytics agent",
        "Microsoft.EnterpriseCloud.Monitoring",
        "OmsAgentForLinux",
        OsFamily.LINUX,
        f"{_VM_EXTENSIONS}/oms-linux",
    ),
    Extension(
        "Log Analytics agent",
        "Microsoft.EnterpriseCloud.Monitoring",
        "MicrosoftMonitoringAgent",
        OsFamily.WINDOWS,
        f"{_VM_EXTENSIONS}/oms-windows",
    ),
    Extension(
        "PowerShell DSC", "Microsoft.Powershell", "DSC", OsFamily.WINDOWS, f"{_VM_EXTENSIONS}/dsc-windows"
    ),
    Extension(
        "Azure Diagnostics",
        "Microsoft.Azure.Diagnostics",
        "IaaSDiagnostics",
        OsFamily.WINDOWS,
        f"{_VM_EXTENSIONS}/diagnostics-template",
    ),
    Extension(
        "AMD GPU driver",
        "Microsoft.HpcCompute",
        "AmdGpuDriverWindows",
        OsFamily.WINDOWS,
        f"{_VM_EXTENSIONS}/hpccompute-amd-gpu-windows",
    ),
    Extension(
        "NVIDIA GPU driver",
        "Microsoft.HpcCompute",
        "NvidiaGpuDriverWindows",
        OsFamily.WINDOWS,
        f"{_VM_EXTENSIONS}/hpccompute-gpu-windows",
    ),
    Extension(
        "NVIDIA GPU driver",
        "Microsoft.HpcCompute",
        "NvidiaGpuDriverLinux",
        OsFamily.LINUX,
        f"{_VM_EXTENSIONS}/hpccompute-gpu-linux",
    ),
    Extension(
        "Microsoft Antimalware",
        "Microsoft.Azure.Security",
        "IaaSAntimalware",
        OsFamily.WINDOWS,
        f"{_VM_EXTENSIONS}/iaas-antimalware-windows",
    ),
    Extension(
        "Azure Monitor agent",
        "Microsoft.Azure.Monitor",
        "AzureMonitorLinuxAgent",
        OsFamily.LINUX,
        "https://learn.microsoft.com/azure/azure-monitor/agents/azure-monitor-agent-requirements",
    ),
    Extension(
        "Azure Monitor agent",
        "Microsoft.Azure.Monitor",
        "AzureMonitorWindowsAgent",
        OsFamily.WINDOWS,
        "https://learn.microsoft.com/azure/azure-monitor/agents/azure-monitor-agent-requirements",
    ),
)

_BY_PAIR = {(entry.publisher.lower(), entry.type.lower()): entry for entry in CATALOG}


def lookup(publisher: str, type_: str) -> Extension | None:
    """The catalogued extension with this publisher and type (any case), or None."""
    return _BY_PAIR.get((publisher.lower(), type_.lower()))


def counterpart(extension: Extension, os: OsFamily) -> Extension | None:
    """The same family's extension for ``os`` (KeyVaultForLinux for KeyVaultForWindows), or None."""
    return next((e for e in CATALOG if e.family == extension.family and e.os is os), None)


def node_agent_os(node_agent_sku_id: str) -> OsFamily | None:
    """The operating system a ``nodeAgentSkuId`` runs: ``batch.node.windows amd64`` is Windows, every other
    ``batch.node.*`` agent (ubuntu, el, mariner, debian, ...) is Linux; None for anything else."""
    agent = node_agent_sku_id.strip().lower()
    if agent.startswith("batch.node.windows"):
        return OsFamily.WINDOWS
    if agent.startswith("batch.node."):
        return OsFamily.LINUX
    return None


def closest(publisher: str, type_: str) -> Extension | None:
    """The catalogued pair a mistyped one most likely meant, or None when nothing is close.

    Close means: the same type under another publisher (``Microsoft.Azure.Keyvault.Linux`` for
    ``Microsoft.Azure.KeyVault``: publisher case and a word too many), or a near spelling of the pair or
    of the type alone (``KeyVaultLinux``: a word missing). Types are unique in the catalog.
    """
    same_type = [entry for entry in CATALOG if entry.type.lower() == type_.lower()]
    if same_type:
        return same_type[0]
    for candidates, wanted in (
        ({entry.pair.lower(): entry for entry in CATALOG}, f"{publisher}/{type_}".lower()),
        ({entry.type.lower(): entry for entry in CATALOG}, type_.lower()),
    ):
        near = difflib.get_close_matches(wanted, list(candidates), n=1, cutoff=0.8)
        if near:
            return candidates[near[0]]
    return None


def listed_pairs() -> str:
    """Every catalogued pair, for a message that has no closer suggestion."""
    return ", ".join(entry.pair for entry in CATALOG)


def allowed(pairs: Iterable[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """Pairs the user's subscription may install beyond the list, as lower-cased keys for comparing."""
    return frozenset((publisher.lower(), type_.lower()) for publisher, type_ in pairs)
