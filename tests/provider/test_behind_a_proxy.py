"""The provider behind a corporate proxy, over loopback: a real forward proxy in front of the emulator.

Plain http goes through the proxy in absolute form; https goes through a CONNECT tunnel to a proxy that
inspects TLS with a throwaway test CA (``https://emulator.test`` exists only inside the proxy, which
forwards it to the emulator). The proxy's log proves which requests went through it. Settings come from
the environment as in a provider process or the status gate; nothing in the code under test is patched.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, EmulatorServer
from pulumi_azure_batch_pool import BatchPoolProvider
from pulumi_azure_batch_pool.azure_clients.auth import BearerTokenAuth, StaticTokenCredential, make_credential
from pulumi_azure_batch_pool.azure_clients.errors import (
    ConfigurationError,
    ProxyAuthenticationError,
    ProxyError,
    ProxyTunnelError,
    TlsError,
)
from pulumi_azure_batch_pool.azure_clients.settings import Settings
from pulumi_azure_batch_pool.azure_clients.transport import Transport
from pulumi_azure_batch_pool.gate.cli import main as status_command
from tests.forward_proxy import ForwardProxy, Inspected
from tests.pools import MONITOR_EXTENSION, ubuntu_deployment
from tests.provider import configured_provider
from tests.tls_ca import ThrowawayCa, make_ca

INSPECTED = "emulator.test"
BLOCKED = "blocked.test"
ACCOUNT_PATH = f"{DEMO_ACCOUNT.arm_id}?api-version=2025-06-01"
NETWORK_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "BATCHPOOL_PROXY",
    "BATCHPOOL_NO_PROXY",
    "BATCHPOOL_CA_BUNDLE",
)


@pytest.fixture(autouse=True)
def no_ambient_network_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test from no proxy and no bundle, whatever the machine running the tests has set."""
    for name in NETWORK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> ThrowawayCa:
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def forward(emulator: EmulatorServer, ca: ThrowawayCa) -> Iterator[ForwardProxy]:
    """An open proxy that inspects TLS for ``emulator.test`` and refuses tunnels to ``blocked.test``."""
    inspect = {INSPECTED: Inspected(ca.server_context(INSPECTED), emulator.url)}
    with ForwardProxy(block=frozenset({BLOCKED}), inspect=inspect) as proxy:
        yield proxy


@pytest.fixture
def guarded(emulator: EmulatorServer, ca: ThrowawayCa) -> Iterator[ForwardProxy]:
    """A proxy that wants Basic credentials alice:s3cr3t-proxy-pw."""
    inspect = {INSPECTED: Inspected(ca.server_context(INSPECTED), emulator.url)}
    with ForwardProxy(credentials=("alice", "s3cr3t-proxy-pw"), inspect=inspect) as proxy:
        yield proxy


def program() -> dict[str, Any]:
    """A one-node pool with one extension, as the BatchPool resource sends it."""
    return {
        "resourceGroupName": DEMO_ACCOUNT.resource_group,
        "accountName": DEMO_ACCOUNT.account_name,
        "poolNamePrefix": "proxied",
        "vmSize": "STANDARD_D2S_V3",
        "deploymentConfiguration": ubuntu_deployment(MONITOR_EXTENSION),
        "scaleSettings": {"fixedScale": {"targetDedicatedNodes": 1}},
    }


def create_and_refresh(provider: BatchPoolProvider) -> tuple[str, str]:
    """Create the pool and refresh it with the provider; return its ARM id and pool name."""
    checked = provider.check({}, program())
    assert checked.failures == []
    created = provider.create(checked.inputs)
    assert created.outs["extensionStatus"]["monitor"]["succeeded"] == 1
    read = provider.read(created.id, dict(created.outs))
    assert read.id == created.id and read.outs["allocationState"] == "Steady"
    return str(created.id), str(checked.inputs["poolName"])


def gate(pool: str, **environ: str) -> tuple[int, str]:
    """Run the status gate on ``pool`` with ``environ`` (plus the subscription); exit code and output."""
    stdout, stderr = io.StringIO(), io.StringIO()
    environ = {"AZURE_SUBSCRIPTION_ID": DEMO_ACCOUNT.subscription_id, **environ}
    arguments = ["status", "--resource-group", DEMO_ACCOUNT.resource_group]
    arguments += ["--account", DEMO_ACCOUNT.account_name, "--pool", pool]
    code = status_command(arguments, environ=environ, stdout=stdout, stderr=stderr)
    return code, stdout.getvalue() + stderr.getvalue()


def transport_for(environ: dict[str, str], config: dict[str, str] | None = None) -> Transport:
    """The transport the provider builds for these settings (no retries: the failures here are final)."""
    settings = Settings.from_sources(config or {}, {"BATCHPOOL_MAX_RETRIES": "0", **environ})
    return Transport.from_settings(settings, BearerTokenAuth(StaticTokenCredential(DEV_TOKEN), "scope"))


def test_create_refresh_and_the_status_gate_go_through_http_proxy_with_credentials(
    emulator: EmulatorServer, guarded: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy_url = guarded.url_with("alice", "s3cr3t-proxy-pw")
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    _, pool = create_and_refresh(configured_provider(emulator.url))
    through_provider = len(guarded.log)
    code, output = gate(pool, BATCHPOOL_ARM_ENDPOINT=emulator.url, HTTP_PROXY=proxy_url)

    assert code == 0, output
    assert len(guarded.log) > through_provider
    assert all(seen.authorized and seen.status < 400 for seen in guarded.log)
    targets = guarded.targets()
    assert f"{emulator.url}{DEMO_ACCOUNT.arm_id}/pools/{pool}?api-version=2025-06-01" in guarded.targets(
        "PUT"
    )
    data_plane = f"{emulator.url}/batch/{DEMO_ACCOUNT.account_name}/pools/{pool}/nodes/"
    assert any(target.startswith(data_plane) and "/extensions" in target for target in targets)
    assert all(target.startswith(emulator.url) for target in targets), "absolute form, every request"


def test_https_goes_through_the_tunnel_of_a_tls_inspecting_proxy_trusted_by_requests_ca_bundle(
    ca: ThrowawayCa, forward: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    network = {"HTTPS_PROXY": forward.url, "REQUESTS_CA_BUNDLE": str(ca.bundle)}
    for name, value in {**network, "BATCHPOOL_CREDENTIAL": "dev-token"}.items():
        monkeypatch.setenv(name, value)
    _, pool = create_and_refresh(configured_provider(f"https://{INSPECTED}"))
    code, output = gate(
        pool, BATCHPOOL_ARM_ENDPOINT=f"https://{INSPECTED}", BATCHPOOL_CREDENTIAL="dev-token", **network
    )

    assert code == 0, output
    assert set(forward.targets("CONNECT")) == {f"{INSPECTED}:443"}
    inside = [target for target in forward.targets() if target.startswith("https://")]
    assert f"https://{INSPECTED}{DEMO_ACCOUNT.arm_id}/pools/{pool}?api-version=2025-06-01" in inside
    nodes = f"https://{INSPECTED}/batch/{DEMO_ACCOUNT.account_name}/pools/{pool}/nodes"
    assert any(target.startswith(nodes) for target in inside), "the data plane went through the tunnel too"


def test_no_proxy_bypasses_the_proxy(forward: ForwardProxy, emulator: EmulatorServer) -> None:
    for no_proxy in ("127.0.0.1", "localhost,127.0.0.0/8", "*"):
        environ = {"HTTP_PROXY": forward.url, "no_proxy": no_proxy}
        assert transport_for(environ).request("GET", emulator.url + ACCOUNT_PATH).status_code == 200
    assert forward.log == []
    assert (
        transport_for({"HTTP_PROXY": forward.url, "NO_PROXY": "example.com"})
        .request("GET", emulator.url + ACCOUNT_PATH)
        .json()["name"]
        == DEMO_ACCOUNT.account_name
    )
    assert len(forward.log) == 1


def test_batchpool_proxy_overrides_the_environment_or_turns_it_off(
    forward: ForwardProxy, emulator: EmulatorServer
) -> None:
    elsewhere = "http://127.0.0.1:9"  # nothing listens there: using it would fail
    direct = transport_for({"HTTP_PROXY": forward.url}, {"batchpool:proxy": "none"})
    assert direct.request("GET", emulator.url + ACCOUNT_PATH).status_code == 200
    assert forward.log == []
    chosen = transport_for({"HTTP_PROXY": elsewhere, "BATCHPOOL_PROXY": forward.url})
    assert chosen.request("GET", emulator.url + ACCOUNT_PATH).status_code == 200
    assert len(forward.log) == 1


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_407_is_a_proxy_authentication_error_naming_the_proxy_and_its_variable(
    guarded: ForwardProxy, emulator: EmulatorServer, ca: ThrowawayCa, scheme: str
) -> None:
    variable = f"{scheme.upper()}_PROXY"
    url = emulator.url if scheme == "http" else f"https://{INSPECTED}"
    environ = {"REQUESTS_CA_BUNDLE": str(ca.bundle)}
    with pytest.raises(
        ProxyAuthenticationError, match=rf"answered 407.*set by {variable} and it wants"
    ) as exc:
        transport_for({**environ, variable: guarded.url}).request("GET", url + ACCOUNT_PATH)
    assert guarded.url.removeprefix("http://") in str(exc.value)

    with pytest.raises(ProxyAuthenticationError, match="credentials in its URL were refused") as exc:
        transport_for({**environ, variable: guarded.url_with("alice", "wrong-pw")}).request(
            "GET", url + ACCOUNT_PATH
        )
    assert "wrong-pw" not in str(exc.value) and "alice" not in str(exc.value)
    assert f"http://***@{guarded.url.removeprefix('http://')}" in str(exc.value)
    assert [seen.status for seen in guarded.log] == [407, 407]


def test_an_unreachable_proxy_is_a_proxy_error_naming_it(emulator: EmulatorServer) -> None:
    dead = "http://bob:pw-of-bob@127.0.0.1:9"
    with pytest.raises(
        ProxyError, match=r"could not reach the proxy http://\*\*\*@127.0.0.1:9: connection refused"
    ):
        transport_for({"ALL_PROXY": dead}).request("GET", emulator.url + ACCOUNT_PATH)
    with pytest.raises(
        ProxyError, match=r"set by batchpool:proxy; check that address, or list 127.0.0.1 in NO_PROXY"
    ):
        transport_for({}, {"batchpool:proxy": dead}).request("GET", emulator.url + ACCOUNT_PATH)

    code, output = gate("p", BATCHPOOL_ARM_ENDPOINT=emulator.url, HTTP_PROXY=dead, BATCHPOOL_MAX_RETRIES="0")
    assert code == 7 and "could not reach the proxy http://***@127.0.0.1:9" in output
    assert "set by HTTP_PROXY; check that address" in output and "set BATCHPOOL_PROXY=none" in output
    assert "pw-of-bob" not in output


def test_a_refused_tunnel_is_a_proxy_tunnel_error(forward: ForwardProxy) -> None:
    with pytest.raises(ProxyTunnelError, match=rf"refused a tunnel to {BLOCKED}:443: HTTP 403.*HTTPS_PROXY"):
        transport_for({"HTTPS_PROXY": forward.url}).request("GET", f"https://{BLOCKED}{ACCOUNT_PATH}")
    assert [(seen.method, seen.status) for seen in forward.log] == [("CONNECT", 403)]


def test_an_untrusted_certificate_is_a_tls_error_naming_the_trusted_bundle(
    forward: ForwardProxy, tmp_path: Path
) -> None:
    url = f"https://{INSPECTED}{ACCOUNT_PATH}"
    with pytest.raises(
        TlsError, match=r"system's CA store.*set REQUESTS_CA_BUNDLE \(or batchpool:caBundle\)"
    ):
        transport_for({"HTTPS_PROXY": forward.url}).request("GET", url)
    other = make_ca(tmp_path).bundle
    with pytest.raises(TlsError, match=rf"CERTIFICATE_VERIFY_FAILED.*{other} \(from SSL_CERT_FILE\)") as exc:
        transport_for({"HTTPS_PROXY": forward.url, "SSL_CERT_FILE": str(other)}).request("GET", url)
    assert f"through the proxy {forward.url} (from HTTPS_PROXY)" in str(exc.value)
    assert forward.targets("CONNECT") == [f"{INSPECTED}:443"] * 2, "not retried: the same cert fails again"


def test_a_missing_ca_bundle_fails_at_configuration_naming_its_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"REQUESTS_CA_BUNDLE is .*absent.pem.*does not exist"):
        Settings.from_sources({}, {"REQUESTS_CA_BUNDLE": str(tmp_path / "absent.pem")})


def test_azure_identity_token_requests_use_the_batchpool_proxy(
    forward: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "AZURE_TENANT_ID": "00000000-0000-0000-0000-000000000001",
        "AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000002",
        "AZURE_CLIENT_SECRET": "client-secret-value",
        "AZURE_AUTHORITY_HOST": f"https://{BLOCKED}",
    }.items():
        monkeypatch.setenv(name, value)
    forward.block = frozenset({BLOCKED, "login.microsoftonline.com"})
    settings = Settings.from_sources(
        {"batchpool:proxy": forward.url, "batchpool:credential": "environment"}, dict(os.environ)
    )
    auth = BearerTokenAuth(make_credential(settings), settings.mgmt_scope)
    with pytest.raises(ConfigurationError, match="Could not get an Azure token"):
        auth.authorization("https://management.example/")
    assert forward.targets("CONNECT"), "azure-identity's token request went through the proxy"
    assert {seen.status for seen in forward.log} == {403}
