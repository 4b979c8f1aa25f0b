"""Management-plane client: Batch account lookup and pool GET/PUT/PATCH/DELETE (with its LRO) over ARM."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from pulumi_azure_batch_pool.azure_clients.auth import BearerTokenAuth, make_credential
from pulumi_azure_batch_pool.azure_clients.errors import (
    BatchPoolError,
    ConflictError,
    HttpResponseError,
    NotFoundError,
    OperationFailedError,
    OperationTimeoutError,
    PoolAlreadyExistsError,
    PreconditionFailedError,
)
from pulumi_azure_batch_pool.azure_clients.settings import Settings, is_loopback_host
from pulumi_azure_batch_pool.azure_clients.transport import (
    Headers,
    Response,
    RetryEvent,
    Transport,
    retry_after_seconds,
)

_POOL_BEING_DELETED = "PoolBeingDeleted"
_ALREADY_EXISTS_CODES = frozenset(
    {"PoolExists", "PoolAlreadyExists", "ResourceExists", "ResourceAlreadyExists"}
)
"""409 codes meaning "a pool of that name exists"; other 409s (PoolBeingDeleted, ...) pass through."""


@dataclass(frozen=True)
class PoolRef:
    """Where a pool lives; ``arm_id`` is its ARM resource id (the Pulumi resource id)."""

    subscription_id: str
    resource_group: str
    account_name: str
    pool_name: str

    @property
    def account_id(self) -> str:
        return account_id(self.subscription_id, self.resource_group, self.account_name)

    @property
    def arm_id(self) -> str:
        return f"{self.account_id}/pools/{self.pool_name}"


def account_id(subscription_id: str, resource_group: str, account_name: str) -> str:
    """The ARM id of a Batch account."""
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
        f"/providers/Microsoft.Batch/batchAccounts/{account_name}"
    )


def _with_etag(response: Response) -> dict[str, Any]:
    """Return the JSON body with ``etag`` filled from the ETag header when the body lacks it."""
    body: dict[str, Any] = response.json() if response.content else {}
    etag = response.headers.get("ETag")
    if etag and not body.get("etag"):
        body["etag"] = etag
    return body


class ArmClient:
    """Pool operations against ``settings.arm_endpoint``; thread-safe (caches only account endpoints)."""

    def __init__(self, settings: Settings, transport: Transport) -> None:
        self.settings = settings
        self.transport = transport
        self._endpoints: dict[tuple[str, str, str], str] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> ArmClient:
        """Build the client with its own credential, bearer auth for ``mgmt_scope`` and transport."""
        auth = BearerTokenAuth(make_credential(settings), settings.mgmt_scope)
        return cls(settings, Transport.from_settings(settings, auth))

    def _url(self, arm_path: str) -> str:
        return self.settings.arm_endpoint + quote(arm_path)

    def _call(self, method: str, arm_path: str, **kwargs: Any) -> Response:
        return self.transport.request(
            method, self._url(arm_path), params={"api-version": self.settings.mgmt_api_version}, **kwargs
        )

    def get_account(
        self, subscription_id: str, resource_group: str, account_name: str, *, deadline: float | None = None
    ) -> dict[str, Any]:
        """GET the Batch account. Raises NotFoundError when it does not exist."""
        body: dict[str, Any] = self._call(
            "GET", account_id(subscription_id, resource_group, account_name), deadline=deadline
        ).json()
        return body

    def data_plane_url(
        self, subscription_id: str, resource_group: str, account_name: str, *, deadline: float | None = None
    ) -> str:
        """The account's data-plane base URL from ``properties.accountEndpoint``, cached per account.

        Azure returns the endpoint without a scheme; it gets ``https://`` except on a loopback host
        (the emulator), which gets ``http://``. An endpoint that already has a scheme is kept as is.
        """
        key = (subscription_id.lower(), resource_group.lower(), account_name.lower())
        with self._lock:
            cached = self._endpoints.get(key)
        if cached is not None:
            return cached
        account = self.get_account(subscription_id, resource_group, account_name, deadline=deadline)
        endpoint = (account.get("properties") or {}).get("accountEndpoint")
        if not endpoint:
            raise BatchPoolError(
                f"Batch account {account_name!r} returned no properties.accountEndpoint; check that "
                "accountName and resourceGroupName name a Batch account."
            )
        endpoint = str(endpoint).rstrip("/")
        if "://" in endpoint:
            url = endpoint
        else:
            url = (
                "http://" if is_loopback_host(urlsplit(f"//{endpoint}").hostname) else "https://"
            ) + endpoint
        with self._lock:
            self._endpoints[key] = url
        return url

    def get_pool(self, ref: PoolRef, *, deadline: float | None = None) -> dict[str, Any] | None:
        """GET the pool, or None when it does not exist."""
        try:
            return _with_etag(self._call("GET", ref.arm_id, deadline=deadline))
        except NotFoundError:
            return None

    def list_pools(
        self, subscription_id: str, resource_group: str, account_name: str
    ) -> list[dict[str, Any]]:
        """Every pool of the Batch account (all pages, following ``nextLink`` on the same host).

        Raises NotFoundError when the account does not exist.
        """
        pools: list[dict[str, Any]] = []
        body = self._call("GET", account_id(subscription_id, resource_group, account_name) + "/pools").json()
        while True:
            pools.extend(body.get("value") or [])
            next_link = body.get("nextLink")
            if not next_link:
                return pools
            if urlsplit(next_link).netloc != urlsplit(self.settings.arm_endpoint).netloc:
                raise BatchPoolError(
                    f"ARM returned a next page on another host ({urlsplit(next_link).netloc}); refusing to "
                    "follow it (the bearer token would go there). Check batchpool:armEndpoint."
                )
            body = self.transport.request("GET", next_link).json()

    def create_pool(
        self,
        ref: PoolRef,
        body: dict[str, Any],
        *,
        deadline: float | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
    ) -> dict[str, Any]:
        """PUT a new pool with ``If-None-Match: *`` so an existing pool is never overwritten.

        ``on_retry`` sees every attempt that is retried (its status tells a refusal from a lost answer).
        Raises PoolAlreadyExistsError when a pool of that name exists (412, or a 409 "exists" code).
        """
        try:
            return _with_etag(
                self._call(
                    "PUT",
                    ref.arm_id,
                    json=body,
                    headers={"If-None-Match": "*"},
                    deadline=deadline,
                    on_retry=on_retry,
                )
            )
        except (PreconditionFailedError, ConflictError) as exc:
            if isinstance(exc, ConflictError) and exc.code not in _ALREADY_EXISTS_CODES:
                raise
            raise PoolAlreadyExistsError(
                f"Pool {ref.pool_name!r} already exists in Batch account {ref.account_name!r} "
                f"(resource group {ref.resource_group!r}). Set adoptExisting=True to take it over, "
                "or choose another pool_name.",
                status_code=exc.status_code,
                code=exc.code,
                target=exc.target,
                details=exc.details,
                method=exc.method,
                url=exc.url,
            ) from exc

    def replace_pool(
        self, ref: PoolRef, body: dict[str, Any], etag: str, *, deadline: float | None = None
    ) -> dict[str, Any]:
        """PUT the full pool with ``If-Match: etag`` (adoption); PreconditionFailedError if it changed."""
        return _with_etag(
            self._call("PUT", ref.arm_id, json=body, headers={"If-Match": etag}, deadline=deadline)
        )

    def patch_pool(
        self, ref: PoolRef, body: dict[str, Any], etag: str, *, deadline: float | None = None
    ) -> dict[str, Any]:
        """PATCH only the changed properties with ``If-Match: etag`` (which also makes it retryable)."""
        return _with_etag(
            self._call("PATCH", ref.arm_id, json=body, headers={"If-Match": etag}, deadline=deadline)
        )

    def pool_action(self, ref: PoolRef, action: str, *, deadline: float | None = None) -> dict[str, Any]:
        """POST one of the pool's actions (``disableAutoScale``, ``stopResize``); returns the pool."""
        return _with_etag(self._call("POST", f"{ref.arm_id}/{action}", deadline=deadline))

    def delete_pool(self, ref: PoolRef, *, deadline: float) -> None:
        """DELETE the pool and wait until it is gone (``begin_delete_pool`` then ``wait_for_delete``)."""
        self.wait_for_delete(ref, self.begin_delete_pool(ref, deadline=deadline), deadline=deadline)

    def begin_delete_pool(self, ref: PoolRef, *, deadline: float) -> Response | None:
        """Send the DELETE; return the 202 to follow, or None when the pool is already gone (200/204/404).

        A 409 ``PoolBeingDeleted`` (someone else is deleting it) counts as accepted: the answer is a
        ``202`` without a Location, which ``wait_for_delete`` follows by waiting for the pool's 404. Any
        other error means Azure refused (or never received) the delete, and is raised as is.
        """
        try:
            response = self._call("DELETE", ref.arm_id, deadline=deadline)
        except NotFoundError:
            return None
        except ConflictError as exc:
            if exc.code != _POOL_BEING_DELETED:
                raise
            return Response("DELETE", self._url(ref.arm_id), 202, "Accepted", Headers(), b"")
        return response if response.status_code == 202 else None

    def wait_for_delete(self, ref: PoolRef, accepted: Response | None, *, deadline: float) -> None:
        """Follow an accepted delete until the pool's own GET answers 404.

        Follows the 202 ``Location`` until it stops answering 202, honouring ``Retry-After``; a 202 without
        a Location means waiting for the pool's 404. The operation's end (its URL answering 404, 200 or
        "Succeeded") is not proof: only the pool's GET answering 404 is, so it is asked in every case,
        ``accepted=None`` (Azure answered that there was nothing to delete) included. Raises
        OperationFailedError if the operation reports an error, or if it claims to be done while the pool
        is still there and not ``Deleting``; OperationTimeoutError at ``deadline`` (an absolute time on
        the transport policy's clock).
        """
        if accepted is None:
            self._confirm_gone(ref, deadline, "the DELETE answered that there was no pool")
            return
        response = accepted
        location = response.headers.get("Location")
        claim = "the delete was accepted without an operation to follow"
        while location and response.status_code == 202:
            self._pause(response, deadline, f"deleting pool {ref.pool_name!r}")
            try:
                response = self.transport.request("GET", urljoin(response.url, location), deadline=deadline)
            except NotFoundError:
                claim = "the delete operation's URL answered 404"
                break
            except HttpResponseError as exc:
                raise OperationFailedError(f"Deleting pool {ref.pool_name!r} failed: {exc}") from exc
            claim = f"the delete operation answered HTTP {response.status_code}"
        self._confirm_gone(ref, deadline, claim)

    def _confirm_gone(self, ref: PoolRef, deadline: float, claim: str) -> None:
        """Wait for the pool's 404 after Azure claimed the delete was done; a pool still there that is not
        ``Deleting`` was not deleted at all (OperationFailedError, naming ``claim`` and its state)."""
        while (pool := self.get_pool(ref, deadline=deadline)) is not None:
            state = str((pool.get("properties") or {}).get("provisioningState") or "unknown")
            if state.lower() != "deleting":
                raise OperationFailedError(
                    f"Azure reported pool {ref.pool_name!r} deleted ({claim}), but the pool's own GET still "
                    f"finds it (provisioningState {state}): it was not deleted"
                )
            self._pause(None, deadline, f"waiting for pool {ref.pool_name!r} to be deleted")

    def _pause(self, response: Response | None, deadline: float, what: str) -> None:
        """Sleep for Retry-After (or the poll interval); OperationTimeoutError if that passes the deadline."""
        delay = self.settings.poll_interval_seconds
        if response is not None:
            hinted = retry_after_seconds(response.headers, now=time.time())
            if hinted is not None:
                delay = hinted
        policy = self.transport.policy
        if policy.clock() + delay > deadline:
            raise OperationTimeoutError(
                f"Timed out {what}; raise timeoutMinutes (or batchpool:operationTimeoutMinutes) "
                "to wait longer."
            )
        policy.sleep(delay)

    def wait_for_pool(
        self,
        ref: PoolRef,
        predicate: Callable[[dict[str, Any]], bool],
        *,
        deadline: float,
        on_poll: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Poll GET every ``poll_interval_seconds`` until ``predicate(pool)`` holds and return that pool.

        ``on_poll`` sees each pool that did not satisfy the predicate (for progress logs). Raises
        OperationFailedError when the pool disappears, OperationTimeoutError at ``deadline`` (an
        absolute time on the transport policy's clock).
        """
        while True:
            pool = self.get_pool(ref, deadline=deadline)
            if pool is None:
                raise OperationFailedError(
                    f"Pool {ref.pool_name!r} disappeared while waiting for it; it was deleted outside Pulumi."
                )
            if predicate(pool):
                return pool
            if on_poll is not None:
                on_poll(pool)
            self._pause(None, deadline, f"waiting for pool {ref.pool_name!r}")
