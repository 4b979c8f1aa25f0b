"""Proxy and CA-bundle settings, pure: which variable wins, what NO_PROXY matches, what is never printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_azure_batch_pool.azure_clients.errors import ConfigurationError
from pulumi_azure_batch_pool.azure_clients.http1 import request_head
from pulumi_azure_batch_pool.azure_clients.network import Network
from pulumi_azure_batch_pool.azure_clients.proxies import parse_no_proxy, parse_proxy
from pulumi_azure_batch_pool.azure_clients.settings import Settings


def network(environ: dict[str, str], config: dict[str, str] | None = None) -> Network:
    return Settings.from_sources(config or {}, environ).network


def chosen(net: Network, url: str) -> str | None:
    """The source of the proxy a request to ``url`` would use (None: direct)."""
    scheme, _, rest = url.partition("://")
    host, _, port = rest.partition(":")
    proxy = net.proxy_for(scheme, host, int(port) if port else None)
    return None if proxy is None else proxy.source


def test_each_scheme_has_its_variable_then_all_proxy() -> None:
    net = network({"HTTPS_PROXY": "http://a:1", "HTTP_PROXY": "http://b:2", "ALL_PROXY": "http://c:3"})
    assert chosen(net, "https://management.azure.com") == "HTTPS_PROXY"
    assert chosen(net, "http://127.0.0.1:8123") == "HTTP_PROXY"
    only_all = network({"ALL_PROXY": "http://c:3"})
    assert chosen(only_all, "https://x.example") == chosen(only_all, "http://x.example") == "ALL_PROXY"
    assert chosen(network({}), "https://x.example") is None


def test_lower_case_variables_win_over_upper_case_as_in_urllib() -> None:
    net = network({"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2"})
    assert chosen(net, "https://x.example") == "https_proxy"
    assert net.https_proxy is not None and net.https_proxy.host == "lower"


def test_batchpool_setting_beats_the_environment_and_none_turns_proxies_off() -> None:
    environ = {"HTTPS_PROXY": "http://env:1", "BATCHPOOL_PROXY": "http://variable:2"}
    assert chosen(network(environ), "https://x.example") == "BATCHPOOL_PROXY"
    configured = network(environ, {"batchpool:proxy": "proxy.corp:3128"})
    assert chosen(configured, "https://x.example") == "batchpool:proxy"
    assert configured.https_proxy is not None and configured.https_proxy.port == 3128
    assert chosen(network(environ, {"batchpool:proxy": "none"}), "https://x.example") is None


@pytest.mark.parametrize(
    ("entries", "host", "port", "bypassed"),
    [
        ("corp.example", "batch.corp.example", None, True),
        (".corp.example", "batch.corp.example", None, True),
        ("*.corp.example", "batch.corp.example", None, True),
        ("corp.example", "corp.example", None, True),
        ("corp.example", "notcorp.example", None, False),
        ("CORP.example", "Batch.Corp.Example", None, True),
        ("*", "anything.example", None, True),
        ("10.0.0.0/8", "10.1.2.3", None, True),
        ("10.0.0.0/8", "11.1.2.3", None, False),
        ("10.0.0.0/8", "ten.example", None, False),
        ("127.0.0.1", "127.0.0.1", 8123, True),
        ("localhost:8123", "localhost", 8123, True),
        ("localhost:8123", "localhost", 9000, False),
        ("corp.example:443", "batch.corp.example", None, True),
        ("::1", "[::1]", 8123, True),
        (" a.example , ,b.example ", "b.example", None, True),
    ],
)
def test_no_proxy_matching(entries: str, host: str, port: int | None, bypassed: bool) -> None:
    assert parse_no_proxy(entries, "NO_PROXY").bypasses(host, port, "https") is bypassed


def test_no_proxy_comes_from_either_case_and_batchpool_no_proxy_wins() -> None:
    net = network({"HTTPS_PROXY": "http://p:1", "no_proxy": "x.example", "BATCHPOOL_NO_PROXY": "y.example"})
    assert net.no_proxy.source == "BATCHPOOL_NO_PROXY"
    assert chosen(net, "https://x.example") == "HTTPS_PROXY"
    assert chosen(net, "https://y.example") is None


def test_credentials_become_basic_auth_and_are_masked_everywhere_printed() -> None:
    proxy = parse_proxy("http://al%40ice:p%3Ass@proxy.corp:3128", "HTTPS_PROXY")
    assert proxy.authorization == "Basic YWxAaWNlOnA6c3M="  # base64 of "al@ice:p:ss"
    assert proxy.display == "http://***@proxy.corp:3128"
    assert proxy.describe() == "http://***@proxy.corp:3128 (from HTTPS_PROXY)"
    printed = repr(proxy) + repr(Settings.from_sources({}, {"HTTPS_PROXY": proxy.url}))
    assert "p%3Ass" not in printed and "YWxAaWNl" not in printed


@pytest.mark.parametrize("value", ["socks5://user:pw@proxy:1080", "https://proxy:443", "http://:3128"])
def test_unsupported_proxy_urls_are_refused_naming_the_variable_without_the_password(value: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^ALL_PROXY is .*only http proxies") as exc:
        Settings.from_sources({}, {"ALL_PROXY": value})
    assert "pw" not in str(exc.value)


def test_ca_bundle_precedence_follows_requests(tmp_path: Path) -> None:
    files = {name: tmp_path / f"{name}.pem" for name in ("config", "requests", "curl", "ssl")}
    for path in files.values():
        path.write_text("")
    environ = {
        "REQUESTS_CA_BUNDLE": str(files["requests"]),
        "CURL_CA_BUNDLE": str(files["curl"]),
        "SSL_CERT_FILE": str(files["ssl"]),
    }

    def bundle() -> tuple[str, str]:
        chosen = network(environ).ca_bundle
        assert chosen is not None
        return chosen.source, chosen.path

    assert bundle() == ("REQUESTS_CA_BUNDLE", str(files["requests"]))
    del environ["REQUESTS_CA_BUNDLE"]
    assert bundle() == ("CURL_CA_BUNDLE", str(files["curl"]))
    del environ["CURL_CA_BUNDLE"]
    assert bundle() == ("SSL_CERT_FILE", str(files["ssl"]))
    configured = network(environ, {"batchpool:caBundle": str(files["config"])})
    assert configured.ca_bundle is not None and configured.ca_bundle.source == "batchpool:caBundle"


def test_an_unusable_ca_bundle_is_a_configuration_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("not a certificate")
    with pytest.raises(ConfigurationError, match=r"REQUESTS_CA_BUNDLE names .*empty.pem.*no usable"):
        network({"REQUESTS_CA_BUNDLE": str(empty)}).tls_context()


def test_azure_identity_gets_the_batchpool_proxy_and_the_bundle_but_not_the_environment_s(
    tmp_path: Path,
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    assert network({"HTTPS_PROXY": "http://env:1"}).identity_options() == {}
    explicit = network({"BATCHPOOL_PROXY": "http://u:pw@p:1", "SSL_CERT_FILE": str(bundle)})
    assert explicit.identity_options() == {
        "proxies": {"http": "http://u:pw@p:1", "https": "http://u:pw@p:1", "all": None},
        "connection_verify": str(bundle),
    }
    off = network({"HTTPS_PROXY": "http://env:1"}, {"batchpool:proxy": "none"})
    assert off.identity_options() == {"proxies": {"http": None, "https": None, "all": None}}


def test_a_header_value_with_a_line_break_is_never_sent() -> None:
    assert request_head("GET", "/a", "h", {"X": "1"}) == b"GET /a HTTP/1.1\r\nHost: h\r\nX: 1\r\n\r\n"
    for headers, target in (({"X": "1\r\nInjected: yes"}, "/a"), ({}, "/a HTTP/1.1\r\nX: y")):
        with pytest.raises(ValueError, match="line break"):
            request_head("GET", target, "h", headers)
