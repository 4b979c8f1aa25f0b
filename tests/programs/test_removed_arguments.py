"""azure-native's four arguments that 2025-06-01 removed: accepted by BatchPool, refused by Check with why
and what replaces each, before any API call."""

from __future__ import annotations

from azure_batch_emulator import DEMO_ACCOUNT
from pulumi_azure_batch_pool import BatchPool, BatchPoolProvider
from pulumi_azure_batch_pool.types import DeploymentConfigurationArgs
from tests.engine.program import registered_inputs, strip_secrets
from tests.pools import ubuntu_deployment

REMOVED = {
    "application_licenses": ["maya"],
    "certificates": [{"id": "/subscriptions/s/.../certificates/sha1-abc", "storeLocation": "LocalMachine"}],
    "resource_tags": {"team": "render"},
    "target_node_communication_mode": "Simplified",
}


def _pool(**removed: object) -> list[BatchPool]:
    return [
        BatchPool(
            "moved",
            resource_group_name=DEMO_ACCOUNT.resource_group,
            account_name=DEMO_ACCOUNT.account_name,
            subscription_id=DEMO_ACCOUNT.subscription_id,
            vm_size="STANDARD_D2S_V3",
            deployment_configuration=DeploymentConfigurationArgs(**_snake(ubuntu_deployment())),
            **removed,  # type: ignore[arg-type]
        )
    ]


def _snake(deployment: dict[str, object]) -> dict[str, object]:
    return {"virtual_machine_configuration": deployment["virtualMachineConfiguration"]}


def test_each_removed_argument_fails_check_with_the_reason_and_its_replacement() -> None:
    (props,) = registered_inputs(lambda: _pool(**REMOVED)).values()
    failures = BatchPoolProvider().check({}, strip_secrets(props)).failures
    reasons = {failure.property: failure.reason for failure in failures}
    assert sorted(reasons) == [
        "applicationLicenses",
        "certificates",
        "resourceTags",
        "targetNodeCommunicationMode",
    ]
    for reason in reasons.values():
        assert "gone from the 2025-06-01 Batch API" in reason
    assert "tags" in reasons["resourceTags"] and "instead of resource_tags" in reasons["resourceTags"]
    assert "Key Vault VM extension" in reasons["certificates"]
    assert "remove target_node_communication_mode" in reasons["targetNodeCommunicationMode"]
    assert "remove application_licenses" in reasons["applicationLicenses"]


def test_without_them_the_same_pool_passes_check() -> None:
    (props,) = registered_inputs(lambda: _pool()).values()
    assert BatchPoolProvider().check({}, strip_secrets(props)).failures == []
    assert not {"applicationLicenses", "certificates", "resourceTags", "targetNodeCommunicationMode"} & set(
        props
    )
