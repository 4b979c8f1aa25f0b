"""Create and update validate too: invalid inputs never reach Azure, whoever calls the provider.

The provider is called directly (no Check), through the fault proxy in front of the emulator: the proxy's
request log and the emulator's state (not a mock) prove that no PUT or PATCH arrived.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer
from azure_batch_emulator.proxy import FaultProxy
from pulumi_azure_batch_pool import BatchPoolProvider
from pulumi_azure_batch_pool.model.validation import InvalidInputsError
from tests.provider import configured_provider
from tests.provider.test_lifecycle import VAULT_CERT, admin, program

VM = ("deploymentConfiguration", "virtualMachineConfiguration")

INVALID: dict[str, tuple[tuple[Any, ...], Any, str]] = {
    "nodes beyond int32": (("scaleSettings", "fixedScale", "targetDedicatedNodes"), 2**31, "32-bit"),
    "resize timeout of a minute": (("scaleSettings", "fixedScale", "resizeTimeout"), "PT1M", "resizeTimeout"),
    "extension waits for itself": (
        (*VM, "extensions", 0, "provisionAfterExtensions"),
        ["secretext"],
        "cannot wait for itself",
    ),
    "extension name with a slash": ((*VM, "extensions", 0, "name"), "a/b", "extension name"),
    "empty image": ((*VM, "imageReference"), {}, "imageReference"),
    "user-assigned identity without identities": (("identity",), {"type": "UserAssigned"}, "at least one"),
    "resource group with a slash": (("resourceGroupName",), "demo-rg/../other", "resource group name"),
    "subscription that is no GUID": (("subscriptionId",), "not-a-guid", "subscription"),
    "51 tags": (("tags",), {f"t{i}": "v" for i in range(51)}, "tags"),
}


@pytest.fixture
def proxy(emulator: EmulatorServer) -> Iterator[FaultProxy]:
    """A proxy (no faults) that logs every request on its way to the emulator."""
    with FaultProxy(emulator.url) as running:
        yield running


@pytest.fixture
def provider(proxy: FaultProxy) -> BatchPoolProvider:
    """The provider configured to reach the emulator through the proxy."""
    return configured_provider(proxy.url)


def _writes(proxy: FaultProxy) -> list[str]:
    return [f"{record.method} {record.path}" for record in proxy.log if record.method in ("PUT", "PATCH")]


def _invalid(props: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    props = copy.deepcopy(props)
    target: Any = props
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return props


def _checked(provider: BatchPoolProvider, emulator: EmulatorServer, **overrides: Any) -> dict[str, Any]:
    """Inputs as Check returns them, for a pool whose Key Vault extension will succeed."""
    admin(emulator, "vault-certificates", {"urls": [VAULT_CERT]})
    result = provider.check({}, program(**overrides))
    assert result.failures == []
    return dict(result.inputs)


@pytest.mark.parametrize("case", list(INVALID), ids=list(INVALID))
def test_create_refuses_invalid_inputs_before_any_request(
    case: str,
    provider: BatchPoolProvider,
    emulator: EmulatorServer,
    proxy: FaultProxy,
) -> None:
    path, value, fragment = INVALID[case]
    props = _invalid(_checked(provider, emulator, poolName="never-created"), path, value)
    with pytest.raises(InvalidInputsError) as raised:
        provider.create(props)
    assert "nothing was sent to Azure" in str(raised.value)
    assert fragment in str(raised.value)
    assert _writes(proxy) == [], "a PUT went out"
    assert emulator.state.pools == {}, "the emulator holds a pool"


@pytest.mark.parametrize("case", list(INVALID), ids=list(INVALID))
def test_update_refuses_invalid_inputs_before_any_request(
    case: str,
    provider: BatchPoolProvider,
    emulator: EmulatorServer,
    proxy: FaultProxy,
) -> None:
    inputs = _checked(provider, emulator, poolName="kept", waitForNodes=False)
    created = provider.create(inputs)
    stored = copy.deepcopy(emulator.state.pools)
    writes_before = _writes(proxy)
    path, value, fragment = INVALID[case]
    news = _invalid(inputs, path, value)
    with pytest.raises(InvalidInputsError) as raised:
        provider.update(str(created.id), dict(created.outs or {}), news)
    assert fragment in str(raised.value)
    assert _writes(proxy) == writes_before, "a PUT or PATCH went out"
    assert emulator.state.pools.keys() == stored.keys()
    for key, pool in emulator.state.pools.items():
        assert pool.etag == stored[key].etag, "the emulator received a PATCH"
        assert pool.properties == stored[key].properties and pool.tags == stored[key].tags


def test_a_valid_create_still_reaches_the_emulator(
    provider: BatchPoolProvider,
    emulator: EmulatorServer,
    proxy: FaultProxy,
) -> None:
    created = provider.create(_checked(provider, emulator, poolName="valid", waitForNodes=False))
    assert str(created.id).endswith("/pools/valid")
    assert [name for _, name in emulator.state.pools] == ["valid"]
    assert len(_writes(proxy)) == 1 and _writes(proxy)[0].startswith("PUT "), "the proxy logs what went out"
    assert DEMO_ACCOUNT.account_name in str(created.id)
