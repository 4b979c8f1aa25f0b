"""The OIDC token a federated credential trades for an Azure token: given, or asked of GitHub Actions.

azure-native's ``ARM_USE_OIDC`` takes the token from ``ARM_OIDC_TOKEN`` (``azure-native:oidcToken``) or,
in a GitHub Actions job with ``permissions: id-token: write``, from the job's token endpoint
(``ACTIONS_ID_TOKEN_REQUEST_URL``, authorised by ``ACTIONS_ID_TOKEN_REQUEST_TOKEN``) with the audience
Entra ID expects (``api://AzureADTokenExchange``). GitHub's tokens live minutes, so each Azure token
request asks for a fresh one. The request takes the provider's own way out (proxy, ``NO_PROXY``, CA
bundle); neither token ever appears in a message.
"""

from __future__ import annotations

from pulumi_azure_batch_pool.azure_clients.errors import BatchPoolError, ConfigurationError
from pulumi_azure_batch_pool.azure_clients.settings import Settings
from pulumi_azure_batch_pool.azure_clients.transport import Transport


class OidcTokenError(ConfigurationError):
    """Raised when GitHub Actions' token endpoint gave no usable OIDC token."""


class OidcAssertion:
    """A callable for azure-identity's ``ClientAssertionCredential``: each call returns an OIDC token."""

    def __init__(self, settings: Settings) -> None:
        self._token = settings.oidc_token
        self._url = settings.oidc_request_url
        self._request_token = settings.oidc_request_token
        self._audience = settings.oidc_audience
        self._transport = None if self._token else Transport.from_settings(settings, None)

    def __repr__(self) -> str:
        source = "ARM_OIDC_TOKEN" if self._token else "ACTIONS_ID_TOKEN_REQUEST_URL"
        return f"OidcAssertion(from={source})"

    def __call__(self) -> str:
        if self._token:
            return self._token
        assert self._transport is not None and self._url and self._request_token  # Settings checked them
        try:
            answer = self._transport.request(
                "GET",
                self._url,
                params={"audience": self._audience},
                headers={"Authorization": f"Bearer {self._request_token}", "Accept": "application/json"},
            )
            body = answer.json()
            value = body.get("value") if isinstance(body, dict) else None
        except BatchPoolError as error:
            raise OidcTokenError(
                f"GitHub Actions' OIDC token request failed: {error}. Check that the job has `permissions: "
                "id-token: write` and that ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN "
                "come from this job."
            ) from None
        if not isinstance(value, str) or not value:
            raise OidcTokenError(
                "GitHub Actions' OIDC token endpoint answered without a token (no `value`); check that "
                "ACTIONS_ID_TOKEN_REQUEST_URL is the one GitHub set for this job."
            )
        return value
