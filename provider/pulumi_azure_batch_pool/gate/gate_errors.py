"""The status gate's error lines: one line each, naming what the gate can actually read, and why a 401.

The provider's messages name stack config keys (``batchpool:armEndpoint``) because the provider reads stack
config; the gate reads only ``BATCHPOOL_*`` environment variables, so a message that tells its user to set
a key the gate never reads would send them the wrong way. A 401 says only "the token was refused": the
user needs to know which credential made it and for which scope, since that is what they can change.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pulumi_azure_batch_pool.azure_clients.errors import AuthenticationError
from pulumi_azure_batch_pool.azure_clients.settings import Settings, environment_names

_CONFIG_KEY = re.compile(r"batchpool:[A-Za-z]+")
_NATIVE_KEY_OR = re.compile(r"azure-native:[A-Za-z]+ \(stack config\) or ")


def for_environment(text: str) -> str:
    """``text`` with every ``batchpool:<key>`` replaced by the environment variable(s) that set it, and
    azure-native's stack config keys left out where a variable is named beside them."""
    names = environment_names()
    text = _NATIVE_KEY_OR.sub("", text)
    return _CONFIG_KEY.sub(lambda match: names.get(match.group(0), match.group(0)), text)


def one_line(text: str) -> str:
    """Multi-line messages (an HTTP error's second line says where it came from) joined with '; '."""
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def describe(error: BaseException, settings: Settings | None) -> str:
    """One line for ``error`` as the gate's user can act on it."""
    text = str(error) or type(error).__name__
    if isinstance(error, AuthenticationError) and error.status_code == 401 and settings is not None:
        text = f"{text}\n{_refused_token(error, settings)}"
    return one_line(for_environment(text))


def _refused_token(error: AuthenticationError, settings: Settings) -> str:
    """Which credential's token for which scope was refused, and what to change."""
    management = urlsplit(error.url or "").path.lower().startswith("/subscriptions/")
    scope, variable = (
        (settings.mgmt_scope, "BATCHPOOL_MGMT_SCOPE")
        if management
        else (settings.batch_scope, "BATCHPOOL_BATCH_SCOPE")
    )
    sent = (
        f"the token was refused: it came from credential '{settings.credential}' (BATCHPOOL_CREDENTIAL) "
        f"for scope {scope} ({variable})"
    )
    if settings.credential == "dev-token":
        return (
            f"{sent}; the emulator accepts only the token it was started with "
            "(`python -m azure_batch_emulator --token`): set BATCHPOOL_DEV_TOKEN to it"
        )
    return (
        f"{sent}; sign in again (`az login`), or check that the credential belongs to the subscription's "
        f"tenant and that {variable} is the scope of this cloud"
    )
