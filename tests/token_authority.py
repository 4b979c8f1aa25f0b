"""A fake Entra ID token authority and a fake GitHub Actions OIDC issuer, served on loopback.

Nothing here reaches Azure or GitHub, so the tests play both: the authority answers what azure-identity
(through MSAL) asks of ``https://login.microsoftonline.{com,us}`` and ``login.chinacloudapi.cn`` (the
tenant's OpenID metadata, the OAuth2 client-credentials token request, and the instance discovery MSAL
makes after a refusal) and records every request;
the issuer answers GitHub's ID-token request (``GET ACTIONS_ID_TOKEN_REQUEST_URL&audience=...`` with
``Authorization: Bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN``). Both serve plain http; the tests reach the
authority under its real host names through ``tests.forward_proxy.ForwardProxy``, which answers TLS for
them with a throwaway CA, so the code under test runs unchanged and https-only.

The authority checks credentials as Entra ID does (a wrong secret or an assertion the issuer never minted
is ``401 invalid_client``) and issues, per scope, the token a test asks for (for example the one the
emulator was started with).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pulumi_azure_batch_pool.azure_clients.clouds import CLOUDS
from tests.forward_proxy import ForwardProxy, Inspected
from tests.tls_ca import ThrowawayCa

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True)
class Seen:
    """One request: method, the Host it was addressed to, path, query and form fields (first values)."""

    method: str
    host: str
    path: str
    query: Mapping[str, str]
    form: Mapping[str, str]
    authorization: str | None


class _Server:
    """A threaded loopback http server whose handler calls ``answer`` and logs what it saw."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner._handle(self, b"")

            def do_POST(self) -> None:
                owner._handle(self, self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def log_message(self, *_: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> Any:
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        parts = urlsplit(handler.path)
        first = {key: values[0] for key, values in parse_qs(parts.query).items()}
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        seen = Seen(
            handler.command,
            handler.headers.get("Host", ""),
            parts.path,
            first,
            form,
            handler.headers.get("Authorization"),
        )
        with self._lock:
            self.seen.append(seen)
        status, payload = self.answer(seen)
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def answer(self, seen: Seen) -> tuple[int, Any]:
        raise NotImplementedError


@dataclass
class GitHubOidcIssuer(_Server):
    """GitHub Actions' ID-token endpoint: mints a token per request made with the job's request token."""

    request_token: str = "ghs-request-token-for-this-job"
    minted: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()
        self._counter = itertools.count(1)

    @property
    def request_url(self) -> str:
        """What GitHub puts in ``ACTIONS_ID_TOKEN_REQUEST_URL`` (it already carries a query)."""
        return f"{self.url}/_apis/idtoken?api-version=2.0"

    def answer(self, seen: Seen) -> tuple[int, Any]:
        if seen.authorization != f"Bearer {self.request_token}":
            return 401, {"message": "Bad credentials"}
        token = f"eyJhbGciOiJSUzI1NiJ9.github-oidc-{next(self._counter)}.signature"
        self.minted.append(token)
        return 200, {"count": len(self.minted), "value": token}


@dataclass
class TokenAuthority(_Server):
    """Entra ID for one app registration: its tenant, client id, secret, and the assertions it trusts."""

    tenant_id: str = "11111111-2222-3333-4444-555555555555"
    client_id: str = "66666666-7777-8888-9999-000000000000"
    client_secret: str = "a-client-secret-never-printed"
    trusted_assertions: list[str] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    """Access token per scope; other scopes get ``access-token-for <scope>``."""

    def __post_init__(self) -> None:
        super().__init__()

    def token_requests(self) -> list[Seen]:
        """The OAuth2 token requests received, in order."""
        return [seen for seen in self.seen if seen.path.endswith("/oauth2/v2.0/token")]

    def answer(self, seen: Seen) -> tuple[int, Any]:
        tenant = seen.path.strip("/").split("/")[0]
        base = f"{self.url}/{tenant}"
        if seen.path == f"/{tenant}/v2.0/.well-known/openid-configuration":
            return 200, {
                "issuer": f"{self.url}/{tenant}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_types_supported": ["code", "id_token", "code id_token", "token id_token"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            }
        if seen.path == "/common/discovery/instance":  # MSAL asks this after a refused token request
            return 200, {
                "tenant_discovery_endpoint": f"{base}/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [
                    {"preferred_network": seen.host, "preferred_cache": seen.host, "aliases": [seen.host]}
                ],
            }
        if seen.method != "POST" or seen.path != f"/{tenant}/oauth2/v2.0/token":
            return 404, {"error": "not_found", "error_description": f"no {seen.method} {seen.path} here"}
        if tenant != self.tenant_id:
            return 400, {"error": "invalid_request", "error_description": f"AADSTS90002: Tenant '{tenant}'"}
        if seen.form.get("client_id") != self.client_id or not self._authenticated(seen.form):
            return 401, {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.",
            }
        scope = seen.form.get("scope", "").split(" ")[0]
        return 200, {
            "token_type": "Bearer",
            "expires_in": 3600,
            "ext_expires_in": 3600,
            "access_token": self.tokens.get(scope, f"access-token-for {scope}"),
        }

    def _authenticated(self, form: Mapping[str, str]) -> bool:
        if "client_secret" in form:
            return form["client_secret"] == self.client_secret
        return (
            form.get("client_assertion_type") == JWT_BEARER
            and form.get("client_assertion") in self.trusted_assertions
        )


@dataclass
class Entra:
    """The fake authority, the fake GitHub issuer, and the proxy that puts the authority at Entra's hosts."""

    authority: TokenAuthority
    issuer: GitHubOidcIssuer
    proxy: ForwardProxy
    network: dict[str, str]
    """Stack config that routes the provider's requests through the proxy and trusts the test CA."""

    def token_hosts(self) -> list[str]:
        return [seen.host for seen in self.authority.token_requests()]

    def scopes(self) -> list[str]:
        return [seen.form["scope"] for seen in self.authority.token_requests()]


@contextlib.contextmanager
def entra_on_loopback(ca: ThrowawayCa) -> Iterator[Entra]:
    """The authority at every cloud's Entra ID host (through a TLS-inspecting proxy), and the issuer."""
    with TokenAuthority() as authority, GitHubOidcIssuer() as issuer:
        authority.trusted_assertions = issuer.minted
        hosts = [cloud.authority_host.removeprefix("https://") for cloud in CLOUDS.values()]
        inspect = {host: Inspected(ca.server_context(host), authority.url) for host in hosts}
        with ForwardProxy(inspect=inspect) as proxy:
            network = {
                "batchpool:proxy": proxy.url,
                "batchpool:noProxy": "127.0.0.1,localhost",
                "batchpool:caBundle": str(ca.bundle),
            }
            yield Entra(authority, issuer, proxy, network)
