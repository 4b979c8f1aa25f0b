"""A corpus of invalid pools, each a mutation of one valid pool, with the property path and the fix Check
must give; and the valid pools (every official create example) that it must let through."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pulumi_azure_batch_pool.model.validation import validate_inputs
from tests.provider import sample_pool

EXAMPLES = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "azure-batch-rest" / "examples" / "management"
)
VM = "deploymentConfiguration.virtualMachineConfiguration"
EXT = f"{VM}.extensions"
IMAGE = f"{VM}.imageReference"
DELETE = object()
"""Mutation value: remove the property."""


def valid_pool() -> dict[str, Any]:
    """The sample pool plus user accounts, a mount, a start task, data disks and their write-only secrets."""
    pool = sample_pool()
    pool["userAccounts"] = [
        {"name": "alice", "elevationLevel": "Admin", "linuxUserConfiguration": {"uid": 1000, "gid": 1000}}
    ]
    pool["mountConfiguration"] = [
        {
            "azureFileShareConfiguration": {
                "accountName": "storeacct",
                "azureFileUrl": "https://storeacct.file.core.windows.net/share",
                "relativeMountPath": "share",
            }
        }
    ]
    pool["startTask"] = {"commandLine": "echo hi", "maxTaskRetryCount": 1, "waitForSuccess": True}
    pool["deploymentConfiguration"]["virtualMachineConfiguration"]["dataDisks"] = [
        {"lun": 0, "diskSizeGB": 64}
    ]
    pool["writeOnlySecrets"] = {
        "userAccounts[name=alice].password": "corpus-password",
        "userAccounts[name=alice].linuxUserConfiguration.sshPrivateKey": "corpus-ssh-key",
        "mountConfiguration[0].azureFileShareConfiguration.accountKey": "corpus-account-key",
    }
    return pool


def _steps(path: str | tuple[str, ...]) -> list[str | int]:
    if isinstance(path, tuple):
        return list(path)
    return [int(index) if index else key for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path)]


def mutate(pool: dict[str, Any], changes: dict[Any, Any]) -> dict[str, Any]:
    """Apply ``{"a.b[0].c": value}`` changes to a copy of ``pool``: ``DELETE`` removes the property, an index
    one past a list's end appends, a tuple key gives the steps literally (for keys holding dots)."""
    pool = copy.deepcopy(pool)
    for path, value in changes.items():
        *parents, last = _steps(path)
        target: Any = pool
        for step in parents:
            target = target[step]
        if value is DELETE:
            del target[last]
        elif isinstance(target, list) and last == len(target):
            target.append(copy.deepcopy(value))
        else:
            target[last] = copy.deepcopy(value)
    return pool


@dataclass(frozen=True)
class Case:
    name: str
    changes: dict[Any, Any]
    path: str
    fix: str


def _third_extension(**extra: Any) -> dict[str, Any]:
    return {"name": "third", "publisher": "Contoso", "type": "Agent", **extra}


INT32_FIELDS = [
    "scaleSettings.fixedScale.targetDedicatedNodes",
    "scaleSettings.fixedScale.targetLowPriorityNodes",
    f"{VM}.dataDisks[0].lun",
    f"{VM}.dataDisks[0].diskSizeGB",
    "userAccounts[0].linuxUserConfiguration.uid",
    "userAccounts[0].linuxUserConfiguration.gid",
    "startTask.maxTaskRetryCount",
]

CASES: list[Case] = [
    *(Case(f"int32-over-{field}", {field: 2**31}, field, "32-bit") for field in INT32_FIELDS),
    *(Case(f"int32-float-{field}", {field: 1e12}, field, "32-bit") for field in INT32_FIELDS),
    Case(
        "int32-under-gid",
        {"userAccounts[0].linuxUserConfiguration.gid": -(2**31) - 1},
        INT32_FIELDS[5],
        "32-bit",
    ),
    Case("int32-osdisk", {f"{VM}.osDisk": {"diskSizeGB": 2**33}}, f"{VM}.osDisk.diskSizeGB", "32-bit"),
    Case("task-slots-huge", {"taskSlotsPerNode": 2**31}, "taskSlotsPerNode", "32-bit"),
    Case("task-slots-zero", {"taskSlotsPerNode": 0}, "taskSlotsPerNode", ">= 1"),
    Case("task-slots-300", {"taskSlotsPerNode": 300}, "taskSlotsPerNode", "<= 256"),
    *(
        Case(
            f"resize-timeout-{value}",
            {"scaleSettings.fixedScale.resizeTimeout": value},
            "scaleSettings.fixedScale.resizeTimeout",
            "PT5M or more",
        )
        for value in ("PT4M", "PT299S", "PT1M", "PT0S", "P0D", "PT4M59S")
    ),
    Case(
        "resize-timeout-format",
        {"scaleSettings.fixedScale.resizeTimeout": "15 minutes"},
        "scaleSettings.fixedScale.resizeTimeout",
        "wrong format",
    ),
    *(
        Case(
            f"evaluation-interval-{value}",
            {
                "scaleSettings": {
                    "autoScale": {"formula": "$TargetDedicatedNodes=1", "evaluationInterval": value}
                }
            },
            "scaleSettings.autoScale.evaluationInterval",
            "5 minutes to 168 hours",
        )
        for value in ("PT1M", "P8D", "PT4M")
    ),
    Case(
        "after-itself",
        {f"{EXT}[1].provisionAfterExtensions": ["monitor"]},
        f"{EXT}[1].provisionAfterExtensions[0]",
        "cannot wait for itself",
    ),
    Case(
        "after-itself-other-case",
        {f"{EXT}[1].provisionAfterExtensions": ["MONITOR"]},
        f"{EXT}[1].provisionAfterExtensions[0]",
        "cannot wait for itself",
    ),
    Case(
        "after-unknown",
        {f"{EXT}[1].provisionAfterExtensions": ["nope"]},
        f"{EXT}[1].provisionAfterExtensions[0]",
        "names no extension",
    ),
    Case(
        "after-unknown-second",
        {f"{EXT}[1].provisionAfterExtensions": ["secretext", "nope"]},
        f"{EXT}[1].provisionAfterExtensions[1]",
        "use one of: secretext",
    ),
    Case(
        "after-cycle-of-two",
        {f"{EXT}[0].provisionAfterExtensions": ["monitor"]},
        f"{EXT}[0].provisionAfterExtensions",
        "cycle",
    ),
    Case(
        "after-cycle-of-three",
        {
            f"{EXT}[0].provisionAfterExtensions": ["third"],
            f"{EXT}[2]": _third_extension(provisionAfterExtensions=["monitor"]),
        },
        f"{EXT}[0].provisionAfterExtensions",
        "secretext -> third -> monitor -> secretext",
    ),
    Case(
        "after-empty-name",
        {f"{EXT}[1].provisionAfterExtensions": [""]},
        f"{EXT}[1].provisionAfterExtensions[0]",
        "must not be empty",
    ),
    *(
        Case(
            f"extension-name-{index}",
            {f"{EXT}[1].name": name, f"{EXT}[1].provisionAfterExtensions": DELETE},
            f"{EXT}[1].name",
            "rename the extension",
        )
        for index, name in enumerate(
            [
                "a/b",
                "bad name",
                "_lead",
                "trail.",
                "trail-",
                "a:b",
                "a@b",
                "a&b",
                "a?b",
                "a[1]",
                'a"b',
                "a\\b",
            ]
        )
    ),
    Case("extension-name-long", {f"{EXT}[1].name": "x" * 65}, f"{EXT}[1].name", "longer than 64"),
    Case("extension-name-empty", {f"{EXT}[1].name": ""}, f"{EXT}[1].name", "must not be empty"),
    Case(
        "extension-no-name", {f"{EXT}[1].name": DELETE}, f"{EXT}[1].name", "missing required property 'name'"
    ),
    Case("extension-no-publisher", {f"{EXT}[1].publisher": DELETE}, f"{EXT}[1].publisher", "set it"),
    Case("extension-no-type", {f"{EXT}[1].type": DELETE}, f"{EXT}[1].type", "set it"),
    Case(
        "extension-custom-script",
        {f"{EXT}[1].type": "CustomScript"},
        f"{EXT}[1].type",
        "startTask.commandLine",
    ),
    Case("extension-custom-script-case", {f"{EXT}[1].type": "customScript"}, f"{EXT}[1].type", "reserved"),
    Case(
        "extension-duplicate", {f"{EXT}[1].name": "SecretExt"}, f"{EXT}[1].name", "duplicate extension name"
    ),
    Case(
        "extension-inline-protected",
        {f"{EXT}[1].protectedSettings": {"k": "v"}},
        f"{EXT}[1].protectedSettings",
        "protected_settings",
    ),
    Case(
        "extension-settings-text", {f"{EXT}[1].settings": "plain words"}, f"{EXT}[1].settings", "JSON object"
    ),
    Case(
        "extension-typo",
        {f"{EXT}[1].typeHandlerVerison": "1.0"},
        f"{EXT}[1].typeHandlerVerison",
        "did you mean 'typeHandlerVersion'",
    ),
    Case(
        "extension-auto-upgrade-text",
        {f"{EXT}[1].autoUpgradeMinorVersion": "yes"},
        f"{EXT}[1].autoUpgradeMinorVersion",
        "true or false",
    ),
    Case(
        "protected-for-nobody",
        {"protectedSettings": {"ghost": {"k": "v"}}},
        "protectedSettings.ghost",
        "no extension named 'ghost'",
    ),
    Case(
        "protected-wrong-case",
        {"protectedSettings": {"SECRETEXT": {"k": "v"}}},
        "protectedSettings.SECRETEXT",
        "did you mean 'secretext'",
    ),
    Case("settings-oversized", {f"{EXT}[1].settings": {"blob": "x" * 300_000}}, f"{EXT}[1].settings", "KiB"),
    Case(
        "protected-oversized",
        {"protectedSettings": {"secretext": {"blob": "y" * 300_000}}},
        f"{EXT}[0].settings",
        "protectedSettings take",
    ),
    Case(
        "request-oversized",
        {"metadata": [{"name": f"m{i}", "value": "z" * 200_000} for i in range(25)]},
        "",
        "4 MB",
    ),
    Case("image-empty", {IMAGE: {}}, IMAGE, "is empty"),
    Case("image-id-and-marketplace", {f"{IMAGE}.id": "/subscriptions/x/images/y"}, IMAGE, "not both"),
    Case(
        "image-id-and-version",
        {IMAGE: {"id": "/subscriptions/x/images/y", "version": "1.0"}},
        IMAGE,
        "not both",
    ),
    Case("image-two-ids", {IMAGE: {"id": "/a", "sharedGalleryImageId": "/b"}}, IMAGE, "exactly one image id"),
    Case("image-no-sku", {f"{IMAGE}.sku": DELETE}, f"{IMAGE}.sku", "publisher, offer and sku"),
    Case(
        "image-only-publisher",
        {IMAGE: {"publisher": "canonical"}},
        f"{IMAGE}.offer",
        "publisher, offer and sku",
    ),
    Case("image-typo", {f"{IMAGE}.skuu": "x"}, f"{IMAGE}.skuu", "did you mean 'sku'"),
    Case("image-missing", {f"{VM}.imageReference": DELETE}, IMAGE, "missing required"),
    Case("node-agent-missing", {f"{VM}.nodeAgentSkuId": DELETE}, f"{VM}.nodeAgentSkuId", "set it"),
    Case(
        "identity-user-assigned-none",
        {"identity": {"type": "UserAssigned"}},
        "identity.userAssignedIdentities",
        "at least one identity",
    ),
    Case(
        "identity-user-assigned-empty",
        {"identity": {"type": "UserAssigned", "userAssignedIdentities": {}}},
        "identity.userAssignedIdentities",
        "at least one identity",
    ),
    Case(
        "identity-none-with-ids",
        {"identity.type": "None"},
        "identity.type",
        "takes no userAssignedIdentities",
    ),
    Case("identity-system", {"identity.type": "SystemAssigned"}, "identity.type", "UserAssigned, None"),
    Case("identity-no-type", {"identity.type": DELETE}, "identity.type", "set it"),
    *(
        Case(
            f"resource-group-{index}", {"resourceGroupName": name}, "resourceGroupName", "resource group name"
        )
        for index, name in enumerate(["rg/evil", "rg?x", "rg#x", "rg.", "rg x", "rg%2F", "rg&x", "../rg"])
    ),
    Case("resource-group-long", {"resourceGroupName": "r" * 91}, "resourceGroupName", "longer than 90"),
    Case("resource-group-empty", {"resourceGroupName": ""}, "resourceGroupName", "must not be empty"),
    *(
        Case(f"subscription-{index}", {"subscriptionId": value}, "subscriptionId", "subscription's GUID")
        for index, value in enumerate(
            [
                "subid",
                "00000000-0000-0000-0000-00000000000",
                "../other",
                "",
                "00000000-0000-0000-0000-0000000000000",
            ]
        )
    ),
    Case("subscription-missing", {"subscriptionId": DELETE}, "subscriptionId", "batchpool:subscriptionId"),
    *(
        Case(f"account-{index}", {"accountName": value}, "accountName", "3-24 letters or digits")
        for index, value in enumerate(["ab", "my-account", "a" * 25, "acct/evil"])
    ),
    *(
        Case(f"pool-name-{index}", {"poolName": value}, "poolName", "pool")
        for index, value in enumerate(["bad name", "p" * 65, "x/y"])
    ),
    Case("tags-too-many", {"tags": {f"t{i}": "v" for i in range(46)}}, "tags", "keep at most 45"),
    Case("tag-name-long", {"tags": {"n" * 513: "v"}}, f"tags.{'n' * 513}", "longer than 512"),
    Case("tag-value-long", {"tags.env": "v" * 257}, "tags.env", "longer than 256"),
    *(
        Case(f"tag-name-char-{index}", {"tags": {f"a{char}b": "v"}}, f"tags.a{char}b", "cannot contain")
        for index, char in enumerate("<>%&\\?/")
    ),
    Case(
        "tag-ownership-prefix",
        {"tags": {"pulumi-batchpool-stack": "x"}},
        "tags.pulumi-batchpool-stack",
        "provider's",
    ),
    Case("tag-value-number", {"tags.env": 1}, "tags.env", "a string"),
    Case("password-missing", {"writeOnlySecrets": {}}, "userAccounts[0].password", "missing required"),
    Case(
        "password-not-text",
        {("writeOnlySecrets", "userAccounts[name=alice].password"): 1234},
        "userAccounts[0].password",
        "a string",
    ),
    Case(
        "password-inline",
        {"userAccounts[0].password": "inline"},
        "userAccounts[0].password",
        "writeOnlySecrets",
    ),
    Case(
        "secret-for-nobody",
        {("writeOnlySecrets", "userAccounts[name=bob].password"): "x"},
        "writeOnlySecrets.userAccounts[name=bob].password",
        "names no property",
    ),
    Case("secrets-not-a-map", {"writeOnlySecrets": "x"}, "writeOnlySecrets", "let BatchPool build it"),
    Case(
        "user-duplicate",
        {"userAccounts[1]": {"name": "ALICE"}},
        "userAccounts[1].name",
        "duplicate user name",
    ),
    Case(
        "user-elevation",
        {"userAccounts[0].elevationLevel": "Root"},
        "userAccounts[0].elevationLevel",
        "Admin",
    ),
    Case(
        "mount-file-share-no-key",
        {("writeOnlySecrets", "mountConfiguration[0].azureFileShareConfiguration.accountKey"): DELETE},
        "mountConfiguration[0].azureFileShareConfiguration.accountKey",
        "missing required",
    ),
    Case(
        "mount-blob-two-keys",
        {
            "mountConfiguration": [
                {
                    "azureBlobFileSystemConfiguration": {
                        "accountName": "a",
                        "containerName": "c",
                        "relativeMountPath": "m",
                    }
                }
            ],
            "writeOnlySecrets": {
                "mountConfiguration[0].azureBlobFileSystemConfiguration.accountKey": "k",
                "mountConfiguration[0].azureBlobFileSystemConfiguration.sasKey": "s",
                "userAccounts[name=alice].password": "p",
            },
        },
        "mountConfiguration[0].azureBlobFileSystemConfiguration",
        "exactly one of accountKey",
    ),
    Case(
        "mount-blob-no-key",
        {
            "mountConfiguration": [
                {
                    "azureBlobFileSystemConfiguration": {
                        "accountName": "a",
                        "containerName": "c",
                        "relativeMountPath": "m",
                    }
                }
            ],
            "writeOnlySecrets": {"userAccounts[name=alice].password": "p"},
        },
        "mountConfiguration[0].azureBlobFileSystemConfiguration",
        "found 0",
    ),
    Case(
        "mount-cifs-no-password",
        {
            "mountConfiguration[0]": {
                "cifsMountConfiguration": {"userName": "u", "source": "//s/share", "relativeMountPath": "m"}
            }
        },
        "mountConfiguration[0].cifsMountConfiguration.password",
        "missing required",
    ),
    Case(
        "mount-two-kinds",
        {"mountConfiguration[0].nfsMountConfiguration": {"source": "s", "relativeMountPath": "n"}},
        "mountConfiguration[0]",
        "set exactly one of",
    ),
    Case(
        "mount-typo",
        {"mountConfiguration[0].azureFileShareConfiguration.mountOption": "x"},
        "mountConfiguration[0].azureFileShareConfiguration.mountOption",
        "did you mean 'mountOptions'",
    ),
    Case(
        "registry-unknown-key",
        {
            f"{VM}.containerConfiguration": {
                "type": "DockerCompatible",
                "containerRegistries": [{"registryServer": "r.io", "user": "u"}],
            }
        },
        f"{VM}.containerConfiguration.containerRegistries[0].user",
        "unknown property 'user'",
    ),
    Case("vm-size-missing", {"vmSize": DELETE}, "vmSize", "set it"),
    Case("deployment-missing", {"deploymentConfiguration": DELETE}, "deploymentConfiguration", "set it"),
    Case("inter-node", {"interNodeCommunication": "On"}, "interNodeCommunication", "Enabled, Disabled"),
    Case(
        "node-fill",
        {"taskSchedulingPolicy.nodeFillType": "Fill"},
        "taskSchedulingPolicy.nodeFillType",
        "Spread",
    ),
    Case("failure-policy", {"extensionFailurePolicy": "ignore"}, "extensionFailurePolicy", "rollback, keep"),
    Case("timeout-zero", {"timeoutMinutes": 0}, "timeoutMinutes", "> 0"),
    Case("display-name-long", {"displayName": "d" * 1025}, "displayName", "longer than 1024"),
    Case(
        "packages-eleven",
        {"applicationPackages": [{"id": f"app{i}"} for i in range(11)]},
        "applicationPackages",
        "at most 10",
    ),
    Case("metadata-no-value", {"metadata[0].value": DELETE}, "metadata[0].value", "set it"),
    Case(
        "scale-both",
        {"scaleSettings.autoScale": {"formula": "$TargetDedicatedNodes=1"}},
        "scaleSettings",
        "exactly one of fixedScale or autoScale",
    ),
    Case("scale-empty", {"scaleSettings": {}}, "scaleSettings", "exactly one"),
    Case(
        "fixed-scale-no-target",
        {"scaleSettings": {"fixedScale": {"resizeTimeout": "PT15M"}}},
        "scaleSettings.fixedScale",
        "targetDedicatedNodes",
    ),
    Case(
        "auto-scale-no-formula",
        {"scaleSettings": {"autoScale": {}}},
        "scaleSettings.autoScale.formula",
        "set it",
    ),
    Case(
        "dealloc",
        {"scaleSettings.fixedScale.nodeDeallocationOption": "Kill"},
        "scaleSettings.fixedScale.nodeDeallocationOption",
        "Requeue",
    ),
    Case(
        "nodes-negative",
        {"scaleSettings.fixedScale.targetDedicatedNodes": -1},
        "scaleSettings.fixedScale.targetDedicatedNodes",
        ">= 0",
    ),
    Case("upgrade-mode", {"upgradePolicy": {"mode": "sometimes"}}, "upgradePolicy.mode", "automatic, manual"),
    Case(
        "disk-caching", {f"{VM}.dataDisks[0].caching": "Sometimes"}, f"{VM}.dataDisks[0].caching", "ReadOnly"
    ),
    Case(
        "disk-storage",
        {f"{VM}.dataDisks[0].storageAccountType": "Ultra"},
        f"{VM}.dataDisks[0].storageAccountType",
        "Premium_LRS",
    ),
    Case(
        "start-task-typo",
        {"startTask.commandline": "x"},
        "startTask.commandline",
        "did you mean 'commandLine'",
    ),
    Case(
        "encryption-target",
        {f"{VM}.diskEncryptionConfiguration": {"targets": ["Data"]}},
        f"{VM}.diskEncryptionConfiguration.targets[0]",
        "OsDisk",
    ),
    Case(
        "security-type",
        {f"{VM}.securityProfile": {"securityType": "basic"}},
        f"{VM}.securityProfile.securityType",
        "trustedLaunch",
    ),
    Case("unknown-top-level", {"vmsize": "x"}, "vmsize", "did you mean 'vmSize'"),
]


def test_the_corpus_is_large_and_every_case_distinct() -> None:
    assert len(CASES) >= 100
    assert len({case.name for case in CASES}) == len(CASES)


def test_the_base_pool_is_valid() -> None:
    report = validate_inputs(valid_pool())
    assert report.failures == []


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_check_refuses_with_the_path_and_the_fix(case: Case) -> None:
    pool = mutate(valid_pool(), case.changes)
    failures = validate_inputs(pool).failures
    reasons = [reason for path, reason in failures if path == case.path]
    assert reasons, f"no failure at {case.path!r}; got {failures}"
    assert any(case.fix in reason for reason in reasons), reasons
    for secret in valid_pool()["writeOnlySecrets"].values():
        assert secret not in json.dumps(failures), "a reason quotes a secret"


VALID_EDGES = {
    "resize-timeout-5-minutes": {"scaleSettings.fixedScale.resizeTimeout": "PT5M"},
    "resize-timeout-long": {"scaleSettings.fixedScale.resizeTimeout": "P1D"},
    "int32-max": {"scaleSettings.fixedScale.targetDedicatedNodes": 2**31 - 1},
    "int32-max-float": {"userAccounts[0].linuxUserConfiguration.uid": float(2**31 - 1)},
    "huge-number-in-settings": {f"{EXT}[1].settings": {"big": 2**40}},
    "after-other-case": {f"{EXT}[1].provisionAfterExtensions": ["SECRETEXT"]},
    "tags-45": {"tags": {f"t{i}": "v" for i in range(45)}},
    "tag-name-512": {"tags": {"n" * 512: "v" * 256}},
    "image-id-only": {
        IMAGE: {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/images/i"}
    },
    "resource-group-parens": {"resourceGroupName": "rg-(test)_1.a"},
    "subscription-upper": {"subscriptionId": "ABCDEF00-0000-0000-0000-000000000000"},
    "identity-none": {"identity": {"type": "None"}},
    "evaluation-interval-168h": {
        "scaleSettings": {"autoScale": {"formula": "f", "evaluationInterval": "PT168H"}}
    },
    "extension-name-dots": {f"{EXT}[1].name": "ext.v1-a", f"{EXT}[1].provisionAfterExtensions": DELETE},
    "settings-json-string": {f"{EXT}[1].settings": '{"a": 1}'},
}


@pytest.mark.parametrize("changes", list(VALID_EDGES.values()), ids=list(VALID_EDGES))
def test_check_accepts_what_azure_accepts(changes: dict[str, Any]) -> None:
    assert validate_inputs(mutate(valid_pool(), changes)).failures == []


def _official_create_bodies() -> list[Any]:
    if not EXAMPLES.is_dir():
        return [
            pytest.param(None, marks=pytest.mark.skip(reason=f"official examples not found at {EXAMPLES}"))
        ]
    return [
        pytest.param(json.loads(path.read_text(encoding="utf-8")), id=path.stem)
        for path in sorted(EXAMPLES.glob("PoolCreate*.json"))
    ]


@pytest.mark.parametrize("example", _official_create_bodies())
def test_every_official_create_example_passes(example: dict[str, Any]) -> None:
    parameters = example["parameters"]
    body = parameters.get("parameters") or parameters["body"]
    props = {
        # One example uses the placeholder "subid"; Azure itself would refuse it, so a real GUID stands in.
        "subscriptionId": "11111111-2222-3333-4444-555555555555",
        "resourceGroupName": parameters["resourceGroupName"],
        "accountName": parameters["accountName"],
        "poolName": parameters["poolName"],
        **body["properties"],
        **{key: body[key] for key in ("identity", "tags") if key in body},
    }
    assert validate_inputs(props).failures == []
