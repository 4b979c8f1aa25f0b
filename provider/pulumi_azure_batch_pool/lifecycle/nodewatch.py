"""Reading a pool's nodes and their extensions: once for a refresh, or poll by poll while a write waits.

No Azure API returns the extensions of more than one node, so a naive wait that re-reads every node's
extensions each poll sends N requests per cycle (2,400 a minute for 200 nodes at a 5 s interval). A
watch instead lists the nodes (only ``id`` and ``state``, one request per 1,000 nodes) and reads a node's
extensions only once the node has started (before that Azure has not installed them), again only when
the node's state changed or an extension was still transitioning or could not be read. While nothing
changes the interval between polls doubles, up to ``MAX_INTERVAL_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pulumi_azure_batch_pool.azure_clients.dataplane import DataPlaneAccessDenied, DataPlaneClient
from pulumi_azure_batch_pool.azure_clients.errors import BatchPoolError
from pulumi_azure_batch_pool.lifecycle.status import (
    TRANSITIONING,
    NodeReport,
    build_node_reports,
    extension_name,
    extension_state,
)

NODE_SELECT = "id,state"
"""The node fields a watch needs; everything else in a node (tens of fields) is left on the server."""

NOT_STARTED = frozenset({"creating", "starting"})
"""Node states in which Azure is still installing the node's extensions: reading them shows nothing final."""

MAX_INTERVAL_SECONDS = 30.0


class NodeWatch:
    """The nodes of one pool and their extensions, remembering what it read so far.

    ``read_all`` is a refresh (every node's extensions once); ``poll`` is one cycle of a wait.
    """

    def __init__(self, client: DataPlaneClient, pool_id: str, extension_names: Sequence[str]) -> None:
        self._client = client
        self._pool_id = pool_id
        self._names = list(extension_names)
        self._declared = {name.lower() for name in self._names}
        self._read: dict[str, tuple[str, list[dict[str, Any]] | BatchPoolError]] = {}
        self._states: dict[str, str] = {}

    def read_all(self) -> list[NodeReport]:
        """Every node with its extensions, read now (whatever the node's state)."""
        nodes = self._client.list_nodes(self._pool_id, select=NODE_SELECT)
        self._fetch(nodes, [str(node["id"]) for node in nodes])
        return self._reports(nodes)

    def poll(self) -> tuple[list[NodeReport], bool]:
        """One cycle: list the nodes, read the extensions that may have changed; True when anything did."""
        nodes = self._client.list_nodes(self._pool_id, select=NODE_SELECT)
        states = {str(node["id"]): str(node.get("state") or "unknown") for node in nodes}
        changed = states != self._states
        self._states = states
        due = [node_id for node_id, state in states.items() if self._due(node_id, state)]
        changed = self._fetch(nodes, due) or changed
        return self._reports(nodes), changed

    def _due(self, node_id: str, state: str) -> bool:
        if not self._names or state.lower() in NOT_STARTED:
            return False
        previous = self._read.get(node_id)
        if previous is None or previous[0] != state or isinstance(previous[1], BatchPoolError):
            return True
        return any(
            extension_state(item) == TRANSITIONING
            for item in previous[1]
            if extension_name(item).lower() in self._declared
        )

    def _fetch(self, nodes: Sequence[dict[str, Any]], node_ids: Sequence[str]) -> bool:
        """Read the extensions of ``node_ids``; True when any result differs from what was known.

        Raises DataPlaneAccessDenied when the endpoint refused a read: no later poll can do better.
        """
        if not self._names:
            return False
        states = {str(node["id"]): str(node.get("state") or "unknown") for node in nodes}
        changed = False
        for node_id, listed in self._client.node_extensions(self._pool_id, node_ids).items():
            if isinstance(listed, DataPlaneAccessDenied):
                raise listed
            previous = self._read.get(node_id)
            changed = changed or previous is None or not _same(previous[1], listed)
            self._read[node_id] = (states[node_id], listed)
        return changed

    def _reports(self, nodes: Sequence[dict[str, Any]]) -> list[NodeReport]:
        known = {str(node["id"]) for node in nodes}
        for gone in set(self._read) - known:
            del self._read[gone]
        listings = {node_id: listed for node_id, (_, listed) in self._read.items()}
        return build_node_reports(self._names, nodes, listings)


def _same(
    before: list[dict[str, Any]] | BatchPoolError, after: list[dict[str, Any]] | BatchPoolError
) -> bool:
    """Equal listings, or errors with the same text (a repeated outage is no change)."""
    if isinstance(before, BatchPoolError) or isinstance(after, BatchPoolError):
        return type(before) is type(after) and str(before) == str(after)
    return before == after


class PollInterval:
    """The pause before the next poll: the base interval after a change, doubling while nothing changes."""

    def __init__(self, base_seconds: float, maximum_seconds: float = MAX_INTERVAL_SECONDS) -> None:
        self._base = base_seconds
        self._maximum = max(base_seconds, maximum_seconds)
        self._current = base_seconds

    def next(self, changed: bool) -> float:
        """Seconds to wait before the next poll, given whether the last poll saw any change."""
        self._current = self._base if changed else min(self._maximum, self._current * 2)
        return self._current
