"""Per-process client cache: one credential, ARM client and data-plane clients per ``Settings``.

The provider object is pickled into Pulumi state, so it must hold no clients or credentials; instead
it asks this cache on each call. Building a credential (and its token cache) once per process keeps
token requests and TCP connections to a minimum across the engine's four worker threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from pulumi_azure_batch_pool.azure_clients.arm import ArmClient
from pulumi_azure_batch_pool.azure_clients.auth import BearerTokenAuth, make_credential
from pulumi_azure_batch_pool.azure_clients.dataplane import DataPlaneClient
from pulumi_azure_batch_pool.azure_clients.settings import Settings
from pulumi_azure_batch_pool.azure_clients.transport import Transport
from pulumi_azure_batch_pool.lifecycle.lifecycle import Log, PoolLifecycle

DataPlaneFactory = Callable[[str], DataPlaneClient]

_lock = threading.Lock()
_cache: dict[Settings, tuple[ArmClient, DataPlaneFactory]] = {}


def _build(settings: Settings) -> tuple[ArmClient, DataPlaneFactory]:
    """One credential for both scopes; one data-plane transport shared by every account endpoint."""
    credential = make_credential(settings)
    arm = ArmClient(
        settings, Transport.from_settings(settings, BearerTokenAuth(credential, settings.mgmt_scope))
    )
    data_transport = Transport.from_settings(settings, BearerTokenAuth(credential, settings.batch_scope))
    data_clients: dict[str, DataPlaneClient] = {}
    data_lock = threading.Lock()

    def data_plane(base_url: str) -> DataPlaneClient:
        with data_lock:
            if base_url not in data_clients:
                data_clients[base_url] = DataPlaneClient(base_url, settings, data_transport)
            return data_clients[base_url]

    return arm, data_plane


def clients_for(settings: Settings) -> tuple[ArmClient, DataPlaneFactory]:
    """The process-wide ``(ArmClient, base_url -> DataPlaneClient)`` for ``settings``, built on first use.

    Raises ConfigurationError when the configured credential cannot be created.
    """
    with _lock:
        if settings not in _cache:
            _cache[settings] = _build(settings)
        return _cache[settings]


def lifecycle_for(settings: Settings, log: Log, warn: Log | None = None) -> PoolLifecycle:
    """A `PoolLifecycle` on the process-wide clients for ``settings``: what the provider and the status
    command both use, so `python -m pulumi_azure_batch_pool status` reads a pool exactly as `pulumi refresh`
    does."""
    arm, data_plane = clients_for(settings)
    return PoolLifecycle(
        arm,
        data_plane,
        log=log,
        warn=warn,
        poll_interval_seconds=settings.poll_interval_seconds,
        operation_timeout_seconds=settings.operation_timeout_minutes * 60.0,
    )
