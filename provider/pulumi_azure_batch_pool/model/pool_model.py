"""What the 2025-06-01 pool model says about comparing values: which strings are enums, how lists compare.

Paths are dotted wire paths from the top-level input key, ``[]`` after a list for every item of it (as in
``pulumi_azure_batch_pool.model.defaults`` and the emulator's defaults table).
``tests/provider/test_spec_model.py`` derives the
same facts from Microsoft's swagger and fails when they drift apart.

* ``ENUM_PATHS``: every property (or list item) the swagger types as an enum. Azure matches enum values
  case-insensitively and returns its own casing, so they compare lower-cased.
* ``KEYED_LISTS``: lists the swagger marks with non-empty ``x-ms-identifiers``: a set of items keyed by
  those properties, so their order carries no meaning.
* ``VALUE_SET_LISTS``: lists of enum values (a set of flags such as ``diskEncryptionConfiguration.targets``),
  plus ``provisionAfterExtensions``, a set of extension names by meaning (the spec has no marker for lists of
  plain strings).
* ``ORDERED_LISTS``: every other list; position matters.

``vm_extensions`` reads the extension list at ``EXTENSIONS`` for every module that walks extensions.
"""

from collections.abc import Mapping
from typing import Any

ITEM = "[]"
"""Marks every item of a list in a path (``dataDisks[].caching``), here and in
``pulumi_azure_batch_pool.model.defaults``."""


def segments(path: str) -> list[str]:
    """A dotted path as its steps, ``ITEM`` a step of its own: ``a.b[].c`` -> ``["a", "b", "[]", "c"]``."""
    steps: list[str] = []
    for part in path.split("."):
        name = part.removesuffix(ITEM)
        steps.append(name)
        steps.extend([ITEM] * ((len(part) - len(name)) // len(ITEM)))
    return steps


VM = "deploymentConfiguration.virtualMachineConfiguration"
EXTENSIONS = f"{VM}.extensions"


def vm_extensions(deployment_configuration: Any) -> list[Any]:
    """The ``extensions`` of a ``deploymentConfiguration`` as written ([] when any level is absent or not
    the right type): unchecked props reach validation, so no shape is assumed; items keep their positions
    so that messages can name ``extensions[i]``."""
    vm = (
        deployment_configuration.get("virtualMachineConfiguration")
        if isinstance(deployment_configuration, Mapping)
        else None
    )
    extensions = vm.get("extensions") if isinstance(vm, Mapping) else None
    return extensions if isinstance(extensions, list) else []


NAT_POOLS = "networkConfiguration.endpointConfiguration.inboundNatPools"
PUBLIC_IP = "networkConfiguration.publicIPAddressConfiguration"

ENUM_PATHS = frozenset(
    {
        "interNodeCommunication",
        "identity.type",
        "upgradePolicy.mode",
        "taskSchedulingPolicy.jobDefaultOrder",
        "taskSchedulingPolicy.nodeFillType",
        "scaleSettings.fixedScale.nodeDeallocationOption",
        "networkConfiguration.dynamicVnetAssignmentScope",
        f"{NAT_POOLS}[].protocol",
        f"{NAT_POOLS}[].networkSecurityGroupRules[].access",
        f"{PUBLIC_IP}.provision",
        f"{PUBLIC_IP}.ipFamilies[]",
        "userAccounts[].elevationLevel",
        "userAccounts[].windowsUserConfiguration.loginMode",
        "startTask.userIdentity.autoUser.scope",
        "startTask.userIdentity.autoUser.elevationLevel",
        "startTask.containerSettings.workingDirectory",
        "startTask.containerSettings.containerHostBatchBindMounts[].source",
        f"{VM}.dataDisks[].caching",
        f"{VM}.dataDisks[].storageAccountType",
        f"{VM}.dataDisks[].managedDisk.storageAccountType",
        f"{VM}.dataDisks[].managedDisk.securityProfile.securityEncryptionType",
        f"{VM}.containerConfiguration.type",
        f"{VM}.diskEncryptionConfiguration.targets[]",
        f"{VM}.nodePlacementConfiguration.policy",
        f"{VM}.osDisk.ephemeralOSDiskSettings.placement",
        f"{VM}.osDisk.caching",
        f"{VM}.osDisk.managedDisk.storageAccountType",
        f"{VM}.osDisk.managedDisk.securityProfile.securityEncryptionType",
        f"{VM}.securityProfile.securityType",
        f"{VM}.securityProfile.proxyAgentSettings.imds.mode",
        f"{VM}.securityProfile.proxyAgentSettings.wireServer.mode",
    }
)

KEYED_LISTS: Mapping[str, tuple[str, ...]] = {
    EXTENSIONS: ("name", "type"),
    f"{VM}.dataDisks": ("lun",),
    f"{VM}.containerConfiguration.containerRegistries": ("registryServer",),
    NAT_POOLS: ("name",),
    "userAccounts": ("name",),
    "metadata": ("name",),
    "startTask.resourceFiles": ("httpUrl",),
    "startTask.environmentSettings": ("name",),
}

VALUE_SET_LISTS = frozenset(
    {
        f"{VM}.diskEncryptionConfiguration.targets",
        f"{PUBLIC_IP}.ipFamilies",
        f"{EXTENSIONS}[].provisionAfterExtensions",
    }
)

ORDERED_LISTS = frozenset(
    {
        f"{VM}.containerConfiguration.containerImageNames",
        f"{NAT_POOLS}[].networkSecurityGroupRules",
        f"{NAT_POOLS}[].networkSecurityGroupRules[].sourcePortRanges",
        f"{PUBLIC_IP}.ipAddressIds",
        f"{PUBLIC_IP}.ipTags",
        "startTask.containerSettings.containerHostBatchBindMounts",
        "applicationPackages",
        "mountConfiguration",
    }
)

CASE_INSENSITIVE_PATHS = frozenset({"vmSize", f"{EXTENSIONS}[].name"})
"""Free-text values Azure compares without case (it returns ``vmSize`` upper-cased; extension names are
unique without regard to case)."""

JSON_TEXT_PATHS = frozenset({f"{EXTENSIONS}[].settings"})
"""Values that are JSON whether given as an object or as a JSON string (the data plane returns a string)."""

NOT_COMPARED_PATHS = frozenset({f"{EXTENSIONS}[].protectedSettings"})
"""Never compared as values: ``protectedSettings`` compare by their fingerprint
(``pulumi_azure_batch_pool.model.secrets``)."""

IDENTITY_MAP_PATHS = frozenset({"identity.userAssignedIdentities"})
"""Maps keyed by ARM ids, which Azure compares case-insensitively; their values are read-only."""
