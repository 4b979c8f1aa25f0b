"""The emulator's backend: accounts, pools, delete operations and scripted failures, behind one lock.

Every public method takes the lock, advances due transitions (a read after a zero-length transition sees it
complete) and returns plain JSON-ready dicts, so callers never see objects another thread may change.
"""

from __future__ import annotations

import dataclasses
import random
import secrets as random_secrets
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from azure_batch_emulator import nodes as node_views
from azure_batch_emulator.accounts import REGION, AccountRef
from azure_batch_emulator.errors import (
    NodeNotFound,
    PoolBeingDeleted,
    PoolNotFound,
    PreconditionFailed,
    ResourceNotFound,
)
from azure_batch_emulator.faults import FaultConfig, Faults
from azure_batch_emulator.nodes import Node
from azure_batch_emulator.pool_work import with_work
from azure_batch_emulator.pools import Pool, arm_body, check_update, merge_patch, merged_identity
from azure_batch_emulator.scenario import ExtensionFailureRule, ResizeErrorRule, Scenario
from azure_batch_emulator.secrets import seal
from azure_batch_emulator.speeds import Speed
from azure_batch_emulator.validation import PoolBody
from azure_batch_emulator.work import Job, Task, Work
from azure_batch_emulator.work_state import WorkState

PoolKey = tuple[tuple[str, str, str], str]


class NodePage(NamedTuple):
    """One page of a node list: the bodies, the position the next page starts at (None: the last page) and
    when the list last changed."""

    bodies: list[dict[str, Any]]
    next_start: int | None
    changed: float


class BatchState(WorkState):
    """In-memory Batch service; ``on_change`` (e.g. the state-file writer) runs after each change.

    ``allowed_extensions`` (see ``azure_batch_emulator.extensions``) is configuration, like the accounts:
    reset keeps it.
    """

    def __init__(
        self,
        accounts: list[AccountRef],
        speed: Speed,
        *,
        clock: Callable[[], float] = time.time,
        seed: int | None = None,
        faults: FaultConfig | None = None,
        allowed_extensions: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        self.lock = threading.RLock()
        self.allowed_extensions = allowed_extensions
        """Extension publisher/type pairs (lower case) accepted beyond Azure Batch's list; kept by reset."""
        self.speed = speed
        self.clock = clock
        self.on_change: Callable[[dict[str, Any]], None] | None = None
        self._initial_accounts = list(accounts)
        self._seed = seed
        self.faults = Faults()
        self.reset()
        if faults is not None:
            self.faults.configure(faults)

    def reset(self) -> None:
        """Back to the initial accounts with no pools, no operations, no scripted failures and no faults."""
        with self.lock:
            self.accounts = {account.key: account for account in self._initial_accounts}
            self.pools: dict[PoolKey, Pool] = {}
            self.work = {}
            self.operations: dict[tuple[tuple[str, str, str], str], str] = {}
            self.scenario = Scenario()
            self.salt = random_secrets.token_hex(16)
            self._rng = random.Random(self._seed)
            self._etag_seq = 0
            self.faults.configure(FaultConfig(seed=self._seed))
            self._changed()

    # accounts ------------------------------------------------------------------------------------

    def account(self, subscription: str, group: str, name: str) -> AccountRef:
        """The account at that ARM path, or ResourceNotFound in ARM's wording."""
        found = self.accounts.get((subscription.lower(), group.lower(), name.lower()))
        if found is None:
            raise ResourceNotFound(
                f"The Resource 'Microsoft.Batch/batchAccounts/{name}' under resource group '{group}' was not "
                "found. Start the emulator with --account SUBSCRIPTION/RESOURCE_GROUP/NAME to serve it.",
            )
        return found

    def account_by_name(self, name: str) -> AccountRef:
        """The account a data-plane URL names (account names are unique across Azure)."""
        for account in self.accounts.values():
            if account.account_name.lower() == name.lower():
                return account
        raise ResourceNotFound(f"The Batch account '{name}' does not exist in this emulator.")

    # management plane ----------------------------------------------------------------------------

    def get_pool(self, account: AccountRef, name: str) -> dict[str, Any]:
        with self.lock:
            return arm_body(self._existing(account, name))

    def list_pools(self, account: AccountRef) -> list[dict[str, Any]]:
        with self.lock:
            keys = sorted(key for key in self.pools if key[0] == account.key)
            return [arm_body(pool) for key in keys if (pool := self._advanced(key)) is not None]

    def put_pool(
        self,
        account: AccountRef,
        name: str,
        body: PoolBody,
        *,
        if_match: str | None,
        if_none_match: str | None,
    ) -> dict[str, Any]:
        """Create, or replace with the update rules; honours If-Match and If-None-Match: *."""
        with self.lock:
            key = (account.key, name.lower())
            pool = self._advanced(key)
            self._check_preconditions(pool, if_match, if_none_match)
            properties = seal(body.properties, self.salt)
            now = self.clock()
            if pool is None:
                pool = Pool(
                    uid=random_secrets.token_hex(8),
                    arm_id=f"{account.arm_id}/pools/{name}",
                    name=name,
                    properties=properties,
                    tags=body.tags,
                    identity=merged_identity(None, body.identity),
                    etag=self._etag(now),
                    created_at=now,
                    modified_at=now,
                    node_prefix=str(self._rng.randrange(10**9, 10**10)),
                    provisioning_changed_at=now,
                    allocation_changed_at=now,
                )
                self.pools[key] = pool
            else:
                check_update(pool, properties, set(pool.properties) | set(properties))
                pool.properties, pool.tags = properties, body.tags
                pool.identity = merged_identity(None, body.identity)
                self._touch(pool, now)
            pool.start_resize(now, self.speed)
            self._changed()
            return arm_body(pool)

    def patch_pool(
        self, account: AccountRef, name: str, body: PoolBody, *, if_match: str | None
    ) -> dict[str, Any]:
        """Merge top-level properties (plus tags/identity when sent), with the update rules and If-Match."""
        with self.lock:
            pool = self._existing(account, name)
            self._check_preconditions(pool, if_match, None)
            patch = seal(body.properties, self.salt)
            merged = merge_patch(pool.properties, patch)
            check_update(pool, merged, set(patch))
            pool.properties = merged
            if body.tags is not None:
                pool.tags = body.tags
            if body.identity is not None:
                pool.identity = merged_identity(pool.identity, body.identity)
            now = self.clock()
            self._touch(pool, now)
            if "scaleSettings" in patch:
                pool.start_resize(now, self.speed)
            self._changed()
            return arm_body(pool)

    def disable_autoscale(self, account: AccountRef, name: str) -> dict[str, Any]:
        """Pool_DisableAutoScale: an autoscale pool becomes a fixed-scale pool at its evaluated targets."""
        return self._pool_action(account, name, lambda pool, now: pool.disable_autoscale())

    def stop_resize(self, account: AccountRef, name: str) -> dict[str, Any]:
        """Pool_StopResize: a resize in progress stops; the pool becomes Steady with the nodes it has."""
        return self._pool_action(account, name, lambda pool, now: pool.stop_resize(now, self.speed))

    def _pool_action(
        self, account: AccountRef, name: str, action: Callable[[Pool, float], None]
    ) -> dict[str, Any]:
        with self.lock:
            pool = self._existing(account, name)
            self._check_preconditions(pool, None, None)
            now = self.clock()
            action(pool, now)
            self._touch(pool, now)
            self._changed()
            return arm_body(pool)

    def delete_pool(self, account: AccountRef, name: str) -> str | None:
        """Start deleting; returns the operation id to poll, or None when the pool does not exist."""
        with self.lock:
            key = (account.key, name.lower())
            pool = self._advanced(key)
            if pool is None:
                return None
            if pool.provisioning_state == "Deleting":
                raise PoolBeingDeleted(f"The pool '{pool.name}' is already being deleted.")
            now = self.clock()
            self._work(account).pool_deleted(pool.name, [node.id for node in pool.nodes], now)
            pool.begin_delete(now, self.speed)
            operation = f"delete-{pool.name}-{self._rng.getrandbits(60):015X}"
            self.operations[(account.key, operation.lower())] = pool.uid
            self._changed()
            return operation

    def operation_done(self, account: AccountRef, operation: str) -> bool:
        """Whether the delete operation finished; ResourceNotFound for an unknown operation id."""
        with self.lock:
            uid = self.operations.get((account.key, operation.lower()))
            if uid is None:
                raise ResourceNotFound(f"The operation '{operation}' was not found for this Batch account.")
            for key, pool in list(self.pools.items()):
                if pool.uid != uid:
                    continue
                if not pool.delete_polled:
                    pool.delete_polled = True
                    return False
                if self._advanced(key) is not None:
                    return False
            return True

    # data plane ----------------------------------------------------------------------------------
    # Each read returns the body and when it last changed (the Last-Modified and ETag of the response).

    def list_nodes(
        self,
        account: AccountRef,
        pool_name: str,
        node_url: Callable[[str], str],
        window: Callable[[int], tuple[int, int]],
        wanted: Callable[[dict[str, Any]], bool] | None,
    ) -> NodePage:
        """One page of the pool's nodes as ``BatchNode`` bodies. ``window(node_count)`` gives the page's
        (start, size), start being a position in the pool; ``wanted`` filters the bodies; ``node_url(id)``
        gives each node's URL. Only the nodes from start to the page's end (or the filter's next match) are
        built, so a page costs the same in a pool of any size."""
        with self.lock:
            pool = self._dataplane_pool(account, pool_name)
            now = self.clock()
            start, size = window(len(pool.nodes))
            count = len(pool.provisioning_order())
            changed = max(
                [pool.created_at]
                + [node_views.last_change(at, count, self.speed, now) for at in pool.allocation_times()]
            )
            ran, worked = self.node_work(account.key, pool)
            changed = max(changed, worked)
            bodies: list[dict[str, Any]] = []
            for position, (node, steps) in enumerate(pool.node_timelines(self.speed, start), start):
                full = len(bodies) == size
                if full and wanted is None:
                    return NodePage(bodies, position, changed)
                body = self._node_body(pool, node, steps, now, node_url(node.id), ran)
                if wanted is not None and not wanted(body):
                    continue
                if full:  # the filter keeps this node: the next page starts with it, so none is empty
                    return NodePage(bodies, position, changed)
                bodies.append(body)
            return NodePage(bodies, None, changed)

    def get_node(
        self, account: AccountRef, pool_name: str, node_id: str, url: str
    ) -> tuple[dict[str, Any], float]:
        with self.lock:
            pool = self._dataplane_pool(account, pool_name)
            node, steps = self._node(pool, node_id)
            now = self.clock()
            changed = node_views.last_change(node.allocated_at, len(steps), self.speed, now)
            ran, worked = self.node_work(account.key, pool)
            return self._node_body(pool, node, steps, now, url, ran), max(changed, worked)

    def list_node_extensions(
        self, account: AccountRef, pool_name: str, node_id: str
    ) -> tuple[list[dict[str, Any]], float]:
        """Batch's own extension first, then the pool's in provisioning order."""
        with self.lock:
            node, steps = self._node(self._dataplane_pool(account, pool_name), node_id)
            now = self.clock()
            bodies = [node_views.batch_extension_body(node, self.speed, now)]
            bodies += [node_views.extension_body(step, now) for step in steps]
            return bodies, node_views.last_change(node.allocated_at, len(steps), self.speed, now)

    def get_node_extension(
        self, account: AccountRef, pool_name: str, node_id: str, name: str
    ) -> tuple[dict[str, Any], float]:
        with self.lock:
            node, steps = self._node(self._dataplane_pool(account, pool_name), node_id)
            now = self.clock()
            changed = node_views.last_change(node.allocated_at, len(steps), self.speed, now)
            if name.lower() == node_views.BATCH_EXTENSION["name"].lower():
                return node_views.batch_extension_body(node, self.speed, now), changed
            for step in steps:
                if step.extension["name"].lower() == name.lower():
                    return node_views.extension_body(step, now), changed
            raise ResourceNotFound(f"The extension '{name}' does not exist on node '{node_id}'.")

    # scripting (admin endpoints and in-process tests) --------------------------------------------

    def set_faults(self, config: FaultConfig) -> None:
        self.faults.configure(config)

    def add_extension_failure(self, rule: ExtensionFailureRule) -> None:
        with self.lock:
            self.scenario.extension_failures.append(rule)

    def add_resize_error(self, rule: ResizeErrorRule) -> None:
        with self.lock:
            self.scenario.resize_errors.append(rule)

    def set_vault_certificates(self, urls: list[str]) -> None:
        with self.lock:
            self.scenario.vault_certificates = set(urls)

    # persistence ---------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Pools and delete operations as JSON-ready data (secrets are sealed digests)."""
        with self.lock:
            return {
                "version": 1,
                "salt": self.salt,
                "pools": [
                    dataclasses.asdict(pool) | {"key": [list(k[0]), k[1]]} for k, pool in self.pools.items()
                ],
                "operations": [[list(k[0]), k[1], uid] for k, uid in self.operations.items()],
                "work": [
                    {
                        "account": list(key),
                        "jobs": [dataclasses.asdict(job) for job in work.jobs.values()],
                        "stops": work.stops,
                        "poolDeletes": work.pool_deletes,
                    }
                    for key, work in self.work.items()
                ],
            }

    def restore(self, data: dict[str, Any]) -> None:
        """Load a snapshot; pools of accounts this run does not serve are kept but unreachable."""
        with self.lock:
            self.salt = data["salt"]
            self.pools = {}
            for raw in data["pools"]:
                raw = dict(raw)
                account_key, name = raw.pop("key")
                raw["nodes"] = [Node(**node) for node in raw["nodes"]]
                self.pools[(tuple(account_key), name)] = Pool(**raw)
            self.operations = {(tuple(k), op): uid for k, op, uid in data["operations"]}
            self.work = {}
            for saved in data.get("work", []):
                work = self.work.setdefault(tuple(saved["account"]), Work())
                for raw_job in saved["jobs"]:
                    tasks = [Task(**task) for task in raw_job.pop("tasks")]
                    work.add_job(Job(**raw_job, tasks=tasks))
                work.stops, work.pool_deletes = saved["stops"], saved["poolDeletes"]

    # internals -----------------------------------------------------------------------------------

    def _advanced(self, key: PoolKey) -> Pool | None:
        """The pool after completing its due transitions; None when it does not (or no longer) exist."""
        pool = self.pools.get(key)
        if pool is None:
            return None
        now = self.clock()
        if pool.deleted_by(now):
            del self.pools[key]
            self._changed()
            return None
        worked = self.advance_work(key[0], pool, now)
        if pool.advance(now, self.scenario, self.pool_work(key[0], pool)) or worked:
            self._changed()
        return pool

    def _existing(self, account: AccountRef, name: str) -> Pool:
        pool = self._advanced((account.key, name.lower()))
        if pool is None:
            raise ResourceNotFound(
                f"The Resource 'Microsoft.Batch/batchAccounts/{account.account_name}/pools/{name}' under "
                f"resource group '{account.resource_group}' was not found.",
            )
        return pool

    def _dataplane_pool(self, account: AccountRef, name: str) -> Pool:
        pool = self._advanced((account.key, name.lower()))
        if pool is None:
            raise PoolNotFound(f"The specified pool '{name}' does not exist.")
        return pool

    def _node(self, pool: Pool, node_id: str) -> tuple[Node, list[node_views.ExtensionTimeline]]:
        found = pool.node_timeline(self.speed, node_id)
        if found is None:
            raise NodeNotFound(f"The specified node '{node_id}' does not exist in pool '{pool.name}'.")
        return found

    def _node_body(
        self,
        pool: Pool,
        node: Node,
        steps: list[node_views.ExtensionTimeline],
        now: float,
        url: str,
        ran: dict[str, list[Task]] | None,
    ) -> dict[str, Any]:
        host = f"dns{pool.uid}-azurebatch-cloudservice.{REGION}.cloudapp.azure.com"
        body = node_views.node_body(node, pool.shown_properties(), steps, self.speed, now, url, host)
        if ran is None and not (node.scheduling_disabled or node.leaving):
            return body
        return with_work(body, node, (ran or {}).get(node.id.lower(), []))

    def _check_preconditions(
        self, pool: Pool | None, if_match: str | None, if_none_match: str | None
    ) -> None:
        if pool is not None and pool.provisioning_state == "Deleting":
            raise PoolBeingDeleted(f"The pool '{pool.name}' is being deleted; wait until it is gone.")
        if if_none_match == "*" and pool is not None:
            raise PreconditionFailed(
                f"The pool '{pool.name}' already exists and If-None-Match: * forbids replacing it.",
            )
        if if_match is None:
            return
        if pool is None:
            raise PreconditionFailed("The pool does not exist, so the If-Match condition cannot hold.")
        if if_match != "*" and if_match.strip() != pool.etag:
            raise PreconditionFailed(
                f"The pool '{pool.name}' has changed: If-Match does not equal its current ETag {pool.etag}; "
                "GET the pool again and retry with the new ETag.",
            )

    def _touch(self, pool: Pool, now: float) -> None:
        pool.modified_at = now
        pool.etag = self._etag(now)

    def _etag(self, now: float) -> str:
        self._etag_seq += 1
        return f'W/"0x8D{(int(now * 10_000_000) + self._etag_seq) & 0xFFFFFFFFFFFFF:013X}"'

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self.snapshot())
