"""Write-only secrets: every x-ms-secret of the swagger is moved out, merged back only for Azure, and
compared by fingerprint so that diff sees exactly the secrets that changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.output import Unknown

from pulumi_azure_batch_pool import BatchPool
from pulumi_azure_batch_pool.model import write_only
from pulumi_azure_batch_pool.model.concealment import DIGESTS_KEY, Redactor, conceal_outputs
from pulumi_azure_batch_pool.model.diffing import diff_pool
from pulumi_azure_batch_pool.model.secrets import REDACTED, fingerprint_protected_settings, new_salt
from tests.engine.program import contains_secret, is_secret, registered_inputs, strip_secrets
from tests.provider import sample_pool

SPEC = Path(__file__).resolve().parents[2] / ".." / "shared" / "azure-batch-rest" / "spec"
SECRETS = {
    "userAccounts[name=alice].password": "pw-alice",
    "userAccounts[name=alice].linuxUserConfiguration.sshPrivateKey": "ssh-alice",
    "userAccounts[name=bob].password": "pw-bob",
    "mountConfiguration[0].azureBlobFileSystemConfiguration.sasKey": "sas-0",
    "mountConfiguration[1].azureFileShareConfiguration.accountKey": "key-1-account",
    "mountConfiguration[2].cifsMountConfiguration.password": "cifs-2",
    "deploymentConfiguration.virtualMachineConfiguration.containerConfiguration"
    ".containerRegistries[registryServer=r.io].password": "registry-pw",
    "startTask.containerSettings.registry.password": "start-registry",
}


def pool_with_secrets() -> dict[str, Any]:
    """Checked inputs holding one secret at every write-only location, as the resource class sends them."""
    pool = sample_pool()
    pool["userAccounts"] = [{"name": "alice", "linuxUserConfiguration": {"uid": 5}}, {"name": "bob"}]
    pool["mountConfiguration"] = [
        {
            "azureBlobFileSystemConfiguration": {
                "accountName": "a",
                "containerName": "c",
                "relativeMountPath": "b",
            }
        },
        {"azureFileShareConfiguration": {"accountName": "a", "azureFileUrl": "u", "relativeMountPath": "f"}},
        {"cifsMountConfiguration": {"userName": "u", "source": "s", "relativeMountPath": "c"}},
    ]
    vm = pool["deploymentConfiguration"]["virtualMachineConfiguration"]
    vm["containerConfiguration"] = {
        "type": "DockerCompatible",
        "containerRegistries": [{"registryServer": "r.io", "username": "u"}],
    }
    pool["startTask"] = {
        "commandLine": "x",
        "containerSettings": {"imageName": "i", "registry": {"username": "u"}},
    }
    pool[write_only.WRITE_ONLY_KEY] = dict(SECRETS)
    return pool


def _swagger_secret_locations() -> set[tuple[str, ...]]:
    """Every x-ms-secret under PoolProperties (protectedSettings aside), as a path of the flat wire shape."""
    spec = json.loads((SPEC / "mgmt-2025-06-01.pool-subset.json").read_text(encoding="utf-8"))
    definitions = spec["definitions"]
    found: set[tuple[str, ...]] = set()

    def walk(schema: dict[str, Any], path: tuple[str, ...], seen: frozenset[str]) -> None:
        ref = schema.get("$ref", "")
        if ref.startswith("#/definitions/"):
            name = ref.rsplit("/", 1)[1]
            if name in seen:
                return
            schema, seen = definitions[name], seen | {name}
        if schema.get("type") == "array":
            walk(schema["items"], (*path, "[]"), seen)
        for key, child in (schema.get("properties") or {}).items():
            if child.get("readOnly"):
                continue
            if child.get("x-ms-secret"):
                found.add((*path, key))
            else:
                walk(child, (*path, key), seen)

    walk(definitions["PoolProperties"], (), frozenset())
    return {location for location in found if location[-1] != "protectedSettings"}


@pytest.mark.skipif(not SPEC.is_dir(), reason=f"the swagger extracts are not at {SPEC}")
def test_locations_are_every_secret_the_swagger_declares() -> None:
    assert set(write_only.LOCATIONS) == _swagger_secret_locations()


def test_split_moves_every_secret_out_and_merge_puts_it_back() -> None:
    merged = write_only.merge_write_only(pool_with_secrets(), SECRETS)
    stripped, found = write_only.split_write_only(merged)
    assert found == SECRETS
    for secret in SECRETS.values():
        assert secret not in json.dumps(stripped)
    assert write_only.merge_write_only(stripped, found) == merged
    assert merged["userAccounts"][0]["password"] == "pw-alice"
    assert merged["startTask"]["containerSettings"]["registry"]["password"] == "start-registry"
    assert write_only.WRITE_ONLY_KEY not in merged


def test_keyed_lists_keep_their_secrets_when_reordered() -> None:
    pool = pool_with_secrets()
    pool["userAccounts"].reverse()
    merged = write_only.merge_write_only(pool, SECRETS)
    assert {account["name"]: account["password"] for account in merged["userAccounts"]} == {
        "alice": "pw-alice",
        "bob": "pw-bob",
    }


def _outputs(news: dict[str, Any]) -> dict[str, Any]:
    """What create returns for ``news`` once concealed (the lifecycle echoes the merged inputs)."""
    salt = new_salt()
    echoed = write_only.merge_write_only(news, news[write_only.WRITE_ONLY_KEY])
    echoed["protectedSettingsFingerprint"] = fingerprint_protected_settings(
        echoed.pop("protectedSettings"), salt
    )
    echoed["protectedSettingsSalt"] = salt
    return conceal_outputs(echoed, news, Redactor.for_call(news))


def test_outputs_hold_fingerprints_and_no_secret() -> None:
    news = pool_with_secrets()
    outputs = _outputs(news)
    text = json.dumps(outputs)
    for secret in [*SECRETS.values(), "s3cr3t-value"]:
        assert secret not in text
    assert set(outputs[write_only.FINGERPRINT_KEY]) == set(SECRETS)
    assert outputs[DIGESTS_KEY]


def test_diff_sees_exactly_the_secrets_that_changed() -> None:
    news = pool_with_secrets()
    outputs = _outputs(news)
    assert diff_pool(*write_only.diff_views(outputs, news)).changes is False

    rotated = pool_with_secrets()
    rotated[write_only.WRITE_ONLY_KEY]["userAccounts[name=bob].password"] = "pw-bob-2"
    assert diff_pool(*write_only.diff_views(outputs, rotated)).replaces == ["userAccounts"]

    registry = pool_with_secrets()
    registry[write_only.WRITE_ONLY_KEY]["startTask.containerSettings.registry.password"] = "other"
    result = diff_pool(*write_only.diff_views(outputs, registry))
    assert result.changes is True and result.replaces == [], "startTask updates in place"

    removed = pool_with_secrets()
    del removed[write_only.WRITE_ONLY_KEY]["mountConfiguration[0].azureBlobFileSystemConfiguration.sasKey"]
    assert diff_pool(*write_only.diff_views(outputs, removed)).replaces == ["mountConfiguration"]

    unknown = pool_with_secrets()
    unknown[write_only.WRITE_ONLY_KEY] = Unknown()
    assert "userAccounts" in diff_pool(*write_only.diff_views(outputs, unknown)).replaces

    refreshed = pool_with_secrets()
    del refreshed[write_only.WRITE_ONLY_KEY]
    assert diff_pool(*write_only.diff_views(outputs, refreshed)).changes is False


def test_views_never_put_an_old_secret_into_the_olds() -> None:
    news = pool_with_secrets()
    outputs = _outputs(news)
    rotated = pool_with_secrets()
    rotated[write_only.WRITE_ONLY_KEY]["userAccounts[name=alice].password"] = "new-pw"
    olds_view, news_view = write_only.diff_views(outputs, rotated)
    assert olds_view["userAccounts"][0]["password"].startswith("<write-only secret, fingerprint ")
    assert olds_view["userAccounts"][1]["password"] == "pw-bob", "unchanged secrets compare equal"
    assert news_view["userAccounts"][0]["password"] == "new-pw"


def test_redactor_hides_secrets_known_only_by_digest() -> None:
    news = pool_with_secrets()
    outputs = _outputs(news)
    later = Redactor.for_call(outputs)  # what a refresh or delete has: state, no secret values
    message = (
        'Enable failed: token "s3cr3t-value" and key-1-account refused; '
        'escaped {\\"token\\": \\"s3cr3t-value\\"}'
    )
    redacted = later.text(message)
    assert "s3cr3t-value" not in redacted and "key-1-account" not in redacted
    assert redacted.count(REDACTED) == 3
    assert later.text("nothing secret here") == "nothing secret here"


def _registered(arguments: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The inputs a BatchPool registers; ``arguments`` runs inside the mocks' event loop (Outputs need it)."""

    base: dict[str, Any] = {
        "resource_group_name": "rg",
        "account_name": "acct",
        "vm_size": "STANDARD_D2S_V3",
        "deployment_configuration": {
            "virtualMachineConfiguration": {
                "imageReference": {"publisher": "p", "offer": "o", "sku": "s"},
                "nodeAgentSkuId": "n",
            }
        },
    }
    return registered_inputs(lambda: [BatchPool("pool", **{**base, **arguments()})])["pool"]


def test_resource_moves_write_only_secrets_into_one_secret_input() -> None:
    registered = _registered(
        lambda: {
            "user_accounts": [
                {"name": "alice", "password": pulumi.Output.secret("pw-res"), "elevationLevel": "Admin"}
            ],
            "mount_configuration": [
                {"azureFileShareConfiguration": {"accountName": "a", "accountKey": "key-res"}}
            ],
        }
    )
    assert is_secret(registered[write_only.WRITE_ONLY_KEY])
    assert strip_secrets(registered[write_only.WRITE_ONLY_KEY]) == {
        "userAccounts[name=alice].password": "pw-res",
        "mountConfiguration[0].azureFileShareConfiguration.accountKey": "key-res",
    }
    assert registered["userAccounts"] == [{"name": "alice", "elevationLevel": "Admin"}]
    assert not contains_secret(registered["userAccounts"]), "the rest of the account stays reviewable"
    assert "key-res" not in json.dumps(strip_secrets(registered["mountConfiguration"]))


def test_resource_splits_inside_apply_when_the_user_name_is_an_output() -> None:
    registered = _registered(
        lambda: {"user_accounts": [{"name": pulumi.Output.from_input("bob"), "password": "pw-late"}]}
    )
    assert strip_secrets(registered[write_only.WRITE_ONLY_KEY]) == {
        "userAccounts[name=bob].password": "pw-late"
    }
    assert strip_secrets(registered["userAccounts"]) == [{"name": "bob"}]


def test_extension_without_a_name_does_not_crash_the_resource() -> None:
    extension = {"publisher": "p", "type": "t", "protectedSettings": {"k": "nameless-secret"}}
    image = {"publisher": "p", "offer": "o", "sku": "s"}
    registered = _registered(
        lambda: {
            "deployment_configuration": {
                "virtualMachineConfiguration": {
                    "imageReference": image,
                    "nodeAgentSkuId": "n",
                    "extensions": [extension],
                }
            }
        }
    )
    assert strip_secrets(registered["protectedSettings"]) == {"extensions[0]": {"k": "nameless-secret"}}
    assert "nameless-secret" not in json.dumps(strip_secrets(registered["deploymentConfiguration"]))


def test_preview_with_the_secrets_unknown_is_valid() -> None:
    from pulumi_azure_batch_pool.model.validation import validate_inputs

    pool = pool_with_secrets()
    pool["mountConfiguration"][0]["azureBlobFileSystemConfiguration"]["identityReference"] = {
        "resourceId": "/id"
    }
    del pool["mountConfiguration"][0]["azureBlobFileSystemConfiguration"]["identityReference"]
    pool[write_only.WRITE_ONLY_KEY] = Unknown()
    assert validate_inputs(pool).failures == []
    del pool[write_only.WRITE_ONLY_KEY]
    assert "userAccounts[0].password" in dict(validate_inputs(pool).failures), "known and missing is refused"
