"""Microsoft's data-plane SDK (azure-batch 15) as a test client for the emulator's node endpoints.

Pools are made with the management SDK, and the data-plane endpoint comes from the account's
``accountEndpoint`` exactly as a real client would find it.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
import requests
from azure.batch import BatchClient
from azure.batch import models as batch_models
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.batch import BatchManagementClient

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN
from tests.emulator.test_fidelity_mgmt_sdk import AllowHttpPolicy, DevTokenCredential

NODES = 5
EXTENSIONS = [
    {
        "name": "secretext",
        "type": "KeyVaultForLinux",
        "publisher": "Microsoft.Azure.KeyVault",
        "typeHandlerVersion": "3.0",
        "autoUpgradeMinorVersion": True,
        "settings": {"secretsManagementSettings": {"pollingIntervalInS": "3600"}},
        "protectedSettings": {"token": "never-echo-this"},
    },
    {
        "name": "monitor",
        "type": "AzureMonitorLinuxAgent",
        "publisher": "Microsoft.Azure.Monitor",
        "typeHandlerVersion": "1.0",
        "enableAutomaticUpgrade": True,
    },
]


def pool_body(nodes: int) -> dict[str, Any]:
    return {
        "properties": {
            "vmSize": "STANDARD_D2S_V3",
            "deploymentConfiguration": {
                "virtualMachineConfiguration": {
                    "imageReference": {
                        "publisher": "microsoft-azure-batch",
                        "offer": "ubuntu",
                        "sku": "22-04",
                    },
                    "nodeAgentSkuId": "batch.node.ubuntu 22.04",
                    "extensions": EXTENSIONS,
                }
            },
            "scaleSettings": {"fixedScale": {"targetDedicatedNodes": nodes}},
        }
    }


@pytest.fixture
def mgmt(emulator: Any) -> BatchManagementClient:
    return BatchManagementClient(
        DevTokenCredential(),
        DEMO_ACCOUNT.subscription_id,
        base_url=emulator.url,
        per_call_policies=[AllowHttpPolicy()],
        retry_total=0,
    )


@pytest.fixture
def credential() -> DevTokenCredential:
    return DevTokenCredential()


@pytest.fixture
def batch(mgmt: BatchManagementClient, credential: DevTokenCredential) -> BatchClient:
    account = mgmt.batch_account.get(DEMO_ACCOUNT.resource_group, DEMO_ACCOUNT.account_name)
    assert account.properties is not None
    return BatchClient(
        f"http://{account.properties.account_endpoint}",
        credential,
        per_call_policies=[AllowHttpPolicy()],
        retry_total=0,
    )


def create_pool(mgmt: BatchManagementClient, nodes: int = NODES) -> str:
    """Create a pool and read it once more, which settles allocation at the "instant" speed."""
    name = f"pool-{uuid4().hex[:8]}"
    mgmt.pool.create(DEMO_ACCOUNT.resource_group, DEMO_ACCOUNT.account_name, name, pool_body(nodes))
    pool = mgmt.pool.get(DEMO_ACCOUNT.resource_group, DEMO_ACCOUNT.account_name, name)
    assert pool.properties is not None
    assert pool.properties.allocation_state == "Steady"
    return name


def settled_nodes(batch: BatchClient, pool: str) -> list[batch_models.BatchNode]:
    """List the pool's nodes until none is still being created (one extra read at "instant" speed)."""
    for _ in range(3):
        nodes = list(batch.list_nodes(pool))
        if all(n.state not in ("creating", "starting", "waitingforstarttask") for n in nodes):
            return nodes
    raise AssertionError(f"nodes of {pool} never settled: {[n.state for n in nodes]}")


def test_list_nodes_yields_sdk_models_for_every_node(batch: BatchClient, mgmt: BatchManagementClient) -> None:
    pool = create_pool(mgmt)

    nodes = settled_nodes(batch, pool)

    assert len(nodes) == NODES
    assert len({n.id for n in nodes}) == NODES
    for node in nodes:
        assert isinstance(node, batch_models.BatchNode)
        assert node.state == batch_models.BatchNodeState.IDLE
        assert node.scheduling_state == batch_models.SchedulingState.ENABLED
        assert node.vm_size and node.vm_size.lower() == "standard_d2s_v3"
        assert node.is_dedicated is True
        assert node.state_transition_time is not None
        assert node.url and node.url.endswith(f"/pools/{pool}/nodes/{node.id}")


def test_list_nodes_pages_through_next_links(
    batch: BatchClient, mgmt: BatchManagementClient, credential: DevTokenCredential
) -> None:
    pool = create_pool(mgmt)
    settled = {n.id for n in settled_nodes(batch, pool)}

    pages = list(batch.list_nodes(pool, max_results=2).by_page())

    page_ids = [[n.id for n in page] for page in pages]
    assert [len(ids) for ids in page_ids] == [2, 2, 1]
    assert {i for ids in page_ids for i in ids} == settled
    assert all(s == ("https://batch.core.windows.net//.default",) for s in credential.scopes)


def test_get_node_matches_the_listed_node(batch: BatchClient, mgmt: BatchManagementClient) -> None:
    pool = create_pool(mgmt)
    listed = settled_nodes(batch, pool)[0]

    node = batch.get_node(pool, listed.id)

    assert node.id == listed.id
    assert node.state == listed.state
    assert node.allocation_time is not None


def test_get_missing_node_is_not_found_with_batch_error(
    batch: BatchClient, mgmt: BatchManagementClient
) -> None:
    pool = create_pool(mgmt)

    with pytest.raises(ResourceNotFoundError) as caught:
        batch.get_node(pool, "tvm-does-not-exist")

    assert caught.value.status_code == 404
    assert caught.value.error is not None
    assert caught.value.error.code == "NodeNotFound"


def test_node_extensions_list_and_get_populate_instance_view(
    batch: BatchClient, mgmt: BatchManagementClient
) -> None:
    pool = create_pool(mgmt)
    node = settled_nodes(batch, pool)[0]

    listed = list(batch.list_node_extensions(pool, node.id))
    single = batch.get_node_extension(pool, node.id, "secretext")

    assert sorted(e.vm_extension.name for e in listed if e.vm_extension) == [
        "batchNodeExtension",
        "monitor",
        "secretext",
    ]
    for extension in [*listed, single]:
        assert isinstance(extension, batch_models.BatchNodeVMExtension)
        assert extension.provisioning_state == "Succeeded"
        assert extension.vm_extension is not None
        assert extension.vm_extension.protected_settings is None
        assert extension.instance_view is not None
        assert extension.instance_view.name == extension.vm_extension.name
        status = extension.instance_view.statuses[0]
        assert status.code == "ProvisioningState/succeeded"
        assert status.level == batch_models.StatusLevelTypes.INFO
        assert status.display_status
        assert status.message
        assert status.time is not None
    assert single.vm_extension is not None
    assert single.vm_extension.publisher == "Microsoft.Azure.KeyVault"
    assert single.vm_extension.type_handler_version == "3.0"
    # The data-plane schema types settings as a map of strings, so nested values come back JSON-encoded.
    settings = single.vm_extension.settings or {}
    assert {key: json.loads(value) for key, value in settings.items()} == EXTENSIONS[0]["settings"]


def test_scripted_extension_failure_reports_error_and_unusable_node(
    emulator: Any, batch: BatchClient, mgmt: BatchManagementClient
) -> None:
    failure = requests.post(
        f"{emulator.url}/_emulator/extension-failures",
        json={"extension": "secretext", "nodes": [0], "message": "Key Vault access denied"},
        headers={"Authorization": f"Bearer {DEV_TOKEN}"},
        timeout=10,
    )
    assert failure.status_code in (200, 201, 204), failure.text
    pool = create_pool(mgmt, nodes=2)

    nodes = settled_nodes(batch, pool)

    unusable = [n for n in nodes if n.state == batch_models.BatchNodeState.UNUSABLE]
    assert len(unusable) == 1
    failed = batch.get_node_extension(pool, unusable[0].id, "secretext")
    assert failed.provisioning_state == "Failed"
    assert failed.instance_view is not None
    status = failed.instance_view.statuses[0]
    assert status.level == batch_models.StatusLevelTypes.ERROR
    assert (status.code or "").startswith("ProvisioningState/failed")
    assert "Key Vault access denied" in (status.message or "")
    healthy = next(n for n in nodes if n.id != unusable[0].id)
    assert healthy.state == batch_models.BatchNodeState.IDLE
    assert batch.get_node_extension(pool, healthy.id, "secretext").provisioning_state == "Succeeded"


def test_jobs_tasks_and_node_scheduling_through_the_sdk(
    batch: BatchClient, mgmt: BatchManagementClient
) -> None:
    """The SDK adds a job and tasks, reads them as its models, and drains a node: ``taskcompletion`` keeps
    the running task and the node ``running`` with scheduling disabled; enabling brings a queued task on."""
    pool = create_pool(mgmt, nodes=1)
    (node,) = settled_nodes(batch, pool)
    job = f"job-{uuid4().hex[:6]}"
    batch.create_job(
        batch_models.BatchJobCreateOptions(id=job, pool_info=batch_models.BatchPoolInfo(pool_id=pool))
    )
    batch.create_task(
        job, batch_models.BatchTaskCreateOptions(id="render", command_line="/bin/sh -c 'sleep 3600'")
    )
    option = batch_models.BatchNodeDisableSchedulingOption.TASK_COMPLETION
    batch.disable_node_scheduling(
        pool, node.id, batch_models.BatchNodeDisableSchedulingOptions(node_disable_scheduling_option=option)
    )
    batch.create_task(job, batch_models.BatchTaskCreateOptions(id="later", command_line="echo later"))

    running = batch.get_task(job, "render")
    queued = batch.get_task(job, "later")
    drained = batch.get_node(pool, node.id)

    assert isinstance(running, batch_models.BatchTask)
    assert running.state == batch_models.BatchTaskState.RUNNING
    assert running.node_info is not None and running.node_info.node_id == node.id
    assert queued.state == batch_models.BatchTaskState.ACTIVE
    assert drained.state == batch_models.BatchNodeState.RUNNING
    assert drained.scheduling_state == batch_models.SchedulingState.DISABLED
    assert drained.running_tasks_count == 1
    assert batch.get_job(job).pool_info.pool_id == pool  # type: ignore[union-attr]
    counts = batch.get_job_task_counts(job).task_counts
    assert (counts.active, counts.running, counts.completed) == (1, 1, 0)

    batch.enable_node_scheduling(pool, node.id)

    assert {task.id: task.state for task in batch.list_tasks(job)}[
        "later"
    ] == batch_models.BatchTaskState.ACTIVE
    assert batch.get_node(pool, node.id).scheduling_state == batch_models.SchedulingState.ENABLED
