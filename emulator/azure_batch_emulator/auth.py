"""Bearer-token check: one configured token, optionally limited to one subscription."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from azure_batch_emulator.errors import AuthenticationFailed, AuthorizationFailed

DEV_TOKEN = "batch-emulator-dev-token"


@dataclass(frozen=True)
class TokenRule:
    """The accepted token and, when set, the only subscription it may touch."""

    token: str
    subscription_id: str | None = None

    @classmethod
    def parse(cls, spec: str) -> TokenRule:
        """Parse ``TOKEN`` or ``TOKEN@SUBSCRIPTION_ID`` (the ``--token`` option)."""
        token, sep, subscription = spec.partition("@")
        if not token or (sep and not subscription):
            raise ValueError("--token must be TOKEN or TOKEN@SUBSCRIPTION_ID, with neither part empty")
        return cls(token, subscription or None)

    def authenticate(self, authorization: str | None) -> None:
        """Raise AuthenticationFailed unless the header is ``Bearer <token>`` (the token is never echoed)."""
        scheme, _, presented = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not presented:
            raise AuthenticationFailed(
                "Authentication failed. The 'Authorization' header is missing or is not 'Bearer <token>'; "
                "send the emulator's token (default: the development token emulator.DEV_TOKEN)."
            )
        if not hmac.compare_digest(presented.strip().encode(), self.token.encode()):
            raise AuthenticationFailed(
                "Authentication failed. The bearer token is not the one this emulator was started with "
                "(see its --token option)."
            )

    def authorize(self, subscription_id: str) -> None:
        """Raise AuthorizationFailed when the token is limited to another subscription."""
        if self.subscription_id is not None and subscription_id.lower() != self.subscription_id.lower():
            raise AuthorizationFailed(
                "The client does not have authorization to perform this action over scope "
                f"'/subscriptions/{subscription_id}': its token is limited to another subscription."
            )
