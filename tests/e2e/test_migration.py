"""Moving a pool from `azure_native.batch.Pool` to `BatchPool` without deleting or restarting it.

The azure-native plugin cannot be had here, so the stack that holds the pool as an
`azure-native:batch:Pool` is written as a `pulumi stack export` document and brought in with `pulumi
stack import`, which needs no plugin; the steps after it need none either (README: "Migrating from
azure-native"). The proxy's request log and the data plane's node list prove that nothing was deleted
and no node restarted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN
from azure_batch_emulator.proxy import FaultProxy
from tests.e2e.cli import MONITOR_KEY, MOUNT_PASSWORD, TEST_PROGRAM, Project, disown, pools_in

POOL_NAME = "migrated"
NATIVE_POOL_TYPE = "azure-native:batch:Pool"
NATIVE_PROVIDER_TYPE = "pulumi:providers:azure-native"


def pool_made_elsewhere(tmp_path: Path, pulumi_bin: str, proxy: FaultProxy) -> dict[str, Any]:
    """A pool with the program's settings made by another tool: no ownership tags, in no stack of ours."""
    maker = Project(tmp_path / "maker", TEST_PROGRAM, proxy.url, pulumi_bin, stack="maker")
    maker.config("monitorKey", MONITOR_KEY, secret=True)
    maker.config("mountPassword", MOUNT_PASSWORD, secret=True)
    maker.config("poolName", POOL_NAME)
    maker.run("up", "--yes")
    maker.run("stack", "rm", "--force", "--yes")  # forget it; the pool stays in Azure
    return disown(proxy.url, POOL_NAME)


def node_ids(proxy: FaultProxy) -> list[str]:
    url = f"{proxy.url}/batch/{DEMO_ACCOUNT.account_name}/pools/{POOL_NAME}/nodes?api-version=2025-06-01"
    answer = requests.get(url, headers={"Authorization": f"Bearer {DEV_TOKEN}"}, timeout=30)
    answer.raise_for_status()
    return sorted(node["id"] for node in answer.json()["value"])


def azure_native_export(project: Project, pool: dict[str, Any]) -> dict[str, Any]:
    """The stack as azure-native leaves it: its stack resource, its default provider, the pool."""
    document: dict[str, Any] = json.loads(project.export())
    stack_urn = f"urn:pulumi:e2e::{project.name}::pulumi:pulumi:Stack::{project.name}-e2e"
    provider_urn = f"urn:pulumi:e2e::{project.name}::{NATIVE_PROVIDER_TYPE}::default_3_29_0"
    properties = pool["properties"]
    inputs = {
        "accountName": DEMO_ACCOUNT.account_name,
        "resourceGroupName": DEMO_ACCOUNT.resource_group,
        "poolName": POOL_NAME,
        "vmSize": properties["vmSize"],
        "deploymentConfiguration": properties["deploymentConfiguration"],
        "scaleSettings": properties["scaleSettings"],
    }
    document["deployment"]["resources"] = [
        {"urn": stack_urn, "custom": False, "type": "pulumi:pulumi:Stack"},
        {
            "urn": provider_urn,
            "custom": True,
            "id": "0a1b2c3d-0000-4000-8000-000000000001",
            "type": NATIVE_PROVIDER_TYPE,
            "inputs": {"version": "3.29.0"},
            "outputs": {"version": "3.29.0"},
            "parent": stack_urn,
        },
        {
            "urn": f"urn:pulumi:e2e::{project.name}::{NATIVE_POOL_TYPE}::render",
            "custom": True,
            "id": pool["id"],
            "type": NATIVE_POOL_TYPE,
            "inputs": inputs,
            "outputs": {**inputs, "id": pool["id"], "name": POOL_NAME, "etag": pool["etag"]},
            "parent": stack_urn,
            "provider": f"{provider_urn}::0a1b2c3d-0000-4000-8000-000000000001",
        },
    ]
    return document


def test_a_pool_moves_from_azure_native_without_a_delete_or_a_restart(
    tmp_path: Path, pulumi_bin: str, proxy: FaultProxy
) -> None:
    made = pool_made_elsewhere(tmp_path, pulumi_bin, proxy)
    nodes_before = node_ids(proxy)

    project = Project(tmp_path / "stack", TEST_PROGRAM, proxy.url, pulumi_bin)
    exported = tmp_path / "azure-native-stack.json"
    exported.write_text(json.dumps(azure_native_export(project, made)))
    project.run("stack", "import", "--file", str(exported))
    native = [
        r["urn"]
        for r in json.loads(project.export())["deployment"]["resources"]
        if "azure-native" in r["type"]
    ]
    assert len(native) == 2

    # Step 1: Pulumi forgets the azure-native resources (no plugin is called; Azure is not touched).
    for urn in reversed(native):
        project.run("state", "delete", urn, "--yes")
    # Step 2: the program declares the same pool as a BatchPool that adopts it.
    project.config("monitorKey", MONITOR_KEY, secret=True)
    project.config("mountPassword", MOUNT_PASSWORD, secret=True)
    project.config("poolName", POOL_NAME)
    project.config("adopt", "true")
    proxy.clear()
    up = project.run("up", "--yes")
    assert "adopting the existing pool" in up.stdout

    # Step 3: nothing left to do.
    assert project.run("preview", "--expect-no-changes").returncode == 0
    assert [record.method for record in proxy.log if record.method in ("DELETE", "PUT", "PATCH")] == ["PUT"]
    [pool] = pools_in(proxy.url)
    assert (
        pool["id"] == made["id"] and pool["properties"]["creationTime"] == made["properties"]["creationTime"]
    )
    assert node_ids(proxy) == nodes_before, "the adoption restarted or replaced nodes"
    assert [resource["id"] for resource in project.pool_resources()] == [made["id"]]
