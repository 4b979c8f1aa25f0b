"""Azure's clouds: one name gives the ARM endpoint, both token scopes and the authority host.

A sovereign cloud differs from public Azure in four places at once (ARM, the token scope for ARM, the
token scope for the Batch data plane, and the Entra ID host that issues tokens); setting them one by one
is how a deployment ends up with a US Government ARM endpoint and a token for public Azure. azure-native
names the clouds ``public``, ``usgovernment`` and ``china`` (``azure-native:environment``,
``ARM_ENVIRONMENT``), and accepts the Azure CLI's names too; so does this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi_azure_batch_pool.azure_clients.errors import ConfigurationError


@dataclass(frozen=True)
class Cloud:
    """One Azure cloud's endpoints (values as `az cloud show` prints them, without trailing slashes)."""

    name: str
    arm_endpoint: str
    authority_host: str
    batch_resource: str

    @property
    def mgmt_scope(self) -> str:
        """The scope of a token for ARM."""
        return f"{self.arm_endpoint}/.default"

    @property
    def batch_scope(self) -> str:
        """The scope of a token for the Batch data plane (its resource id ends in a slash, hence ``//``)."""
        return f"{self.batch_resource}//.default"


CLOUDS = {
    cloud.name: cloud
    for cloud in (
        Cloud(
            "public",
            "https://management.azure.com",
            "https://login.microsoftonline.com",
            "https://batch.core.windows.net",
        ),
        Cloud(
            "usgovernment",
            "https://management.usgovcloudapi.net",
            "https://login.microsoftonline.us",
            "https://batch.core.usgovcloudapi.net",
        ),
        Cloud(
            "china",
            "https://management.chinacloudapi.cn",
            "https://login.chinacloudapi.cn",
            "https://batch.chinacloudapi.cn",
        ),
    )
}

_ALIASES = {
    "azurecloud": "public",
    "azurepubliccloud": "public",
    "usgov": "usgovernment",
    "azureusgovernment": "usgovernment",
    "azureusgovernmentcloud": "usgovernment",
    "azurechinacloud": "china",
}


def parse_cloud(raw: Any, key: str) -> str:
    """The canonical cloud name for ``raw`` (case-insensitive, azure-native's and the Azure CLI's names).

    An unknown name is an error rather than public Azure (which azure-native falls back to): a typo
    would otherwise send a government cloud's deployment to public Azure.
    """
    value = str(raw).strip().lower()
    name = _ALIASES.get(value, value)
    if name not in CLOUDS:
        raise ConfigurationError(
            f"{key} is {str(raw).strip()!r}; set it to one of {', '.join(CLOUDS)} (azure-native's names; "
            "AzureCloud, AzureUSGovernment and AzureChinaCloud also work)."
        )
    return name
