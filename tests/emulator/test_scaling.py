"""Node reads cost the same in a pool of any size: no request walks the pool's nodes beyond its own page.

The proof counts, instead of timing: the pool's node list is swapped for a list that counts every node read
from it (iteration, membership, indexing, slicing). A node GET or a node-extension list or GET must read
none (nodes are found by id in a dict), and a node-list page at most its own nodes plus the one that opens
the next page, in a 20-node pool and a 200-node pool alike. Reintroducing a scan over the nodes fails it.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any, SupportsIndex

import pytest
import requests

from azure_batch_emulator import DEMO_ACCOUNT, EmulatorServer
from azure_batch_emulator.nodes import Node
from tests.emulator.conftest import API, FakeClock, arm_account_url, pool_body

PAGE = 5


class CountingNodes(list[Node]):
    """A pool's node list that counts how many nodes any code reads from it."""

    read = 0

    def __iter__(self) -> Iterator[Node]:
        for node in super().__iter__():
            self.read += 1
            yield node

    def __reversed__(self) -> Iterator[Node]:
        self.read += len(self)
        return super().__reversed__()

    def __contains__(self, item: object) -> bool:
        self.read += len(self)
        return super().__contains__(item)

    def index(self, item: Node, *args: SupportsIndex) -> int:
        self.read += len(self)
        return super().index(item, *args)

    def count(self, item: Node) -> int:
        self.read += len(self)
        return super().count(item)

    def __getitem__(self, key: Any) -> Any:
        found = super().__getitem__(key)
        self.read += len(found) if isinstance(key, slice) else 1
        return found


def counted_pool(server: EmulatorServer, http: requests.Session, size: int) -> tuple[str, CountingNodes]:
    """A settled pool of ``size`` nodes whose node list counts reads; its data-plane URL and that list."""
    name = f"pool{size}"
    response = http.put(f"{arm_account_url(server)}/pools/{name}", params=API, json=pool_body(nodes=size))
    assert response.status_code == 200, response.text
    pool_url = f"{server.url}/batch/{DEMO_ACCOUNT.account_name}/pools/{name}"
    assert http.get(f"{pool_url}/nodes", params={**API, "maxresults": "1"}).status_code == 200  # settles
    pool = server.state.pools[(DEMO_ACCOUNT.key, name)]
    pool.nodes = CountingNodes(pool.nodes)
    return pool_url, pool.nodes


def nodes_read(counter: CountingNodes, http: requests.Session, url: str, **params: str) -> int:
    """How many nodes serving one GET of ``url`` read from the pool's node list."""
    before = counter.read
    response = http.get(url, params={**API, **params})
    assert response.status_code == 200, response.text
    return counter.read - before


@pytest.mark.parametrize("size", [20, 200])
def test_node_and_extension_reads_touch_no_other_node(
    emulator: EmulatorServer, http: requests.Session, size: int
) -> None:
    pool_url, counter = counted_pool(emulator, http, size)
    node_id = http.get(f"{pool_url}/nodes", params={**API, "$skiptoken": str(size - 1)}).json()["value"][0][
        "id"
    ]
    node_url = f"{pool_url}/nodes/{node_id}"

    assert nodes_read(counter, http, node_url) == 0
    assert nodes_read(counter, http, node_url, **{"$select": "id,state"}) == 0
    assert nodes_read(counter, http, f"{node_url}/extensions") == 0
    assert nodes_read(counter, http, f"{node_url}/extensions/secretext") == 0


@pytest.mark.parametrize("size", [20, 200])
def test_a_node_list_page_reads_only_its_own_nodes(
    emulator: EmulatorServer, http: requests.Session, size: int
) -> None:
    pool_url, counter = counted_pool(emulator, http, size)
    last_page = str(size - PAGE)

    assert nodes_read(counter, http, f"{pool_url}/nodes", maxresults=str(PAGE)) <= PAGE + 1
    assert (
        nodes_read(counter, http, f"{pool_url}/nodes", maxresults=str(PAGE), **{"$skiptoken": "10"})
        <= PAGE + 1
    )
    assert (
        nodes_read(counter, http, f"{pool_url}/nodes", maxresults=str(PAGE), **{"$skiptoken": last_page})
        <= PAGE
    )


def test_filtered_pages_hold_every_match_once_and_none_is_empty(
    emulator: EmulatorServer, http: requests.Session
) -> None:
    pool_url, _ = counted_pool(emulator, http, 20)
    query = {**API, "$filter": "contains(id, '_1')", "maxresults": "3"}  # nodes 1 and 10-19: 11 nodes
    pages = [http.get(f"{pool_url}/nodes", params=query).json()]
    while "odata.nextLink" in pages[-1]:
        pages.append(http.get(pages[-1]["odata.nextLink"]).json())

    every = http.get(f"{pool_url}/nodes", params=API).json()["value"]
    matching = [node["id"] for node in every if "_1" in node["id"]]
    assert [len(page["value"]) for page in pages] == [3, 3, 3, 2]
    assert [node["id"] for page in pages for node in page["value"]] == matching


def test_the_node_list_changed_when_its_latest_node_did(
    fast_emulator: EmulatorServer, clock: FakeClock, http: requests.Session
) -> None:
    pool_arm = f"{arm_account_url(fast_emulator)}/pools/pool1"
    pool_url = f"{fast_emulator.url}/batch/{DEMO_ACCOUNT.account_name}/pools/pool1"

    def scale_to(nodes: int) -> None:
        scale = {"properties": {"scaleSettings": {"fixedScale": {"targetDedicatedNodes": nodes}}}}
        assert http.patch(pool_arm, params=API, json=scale).status_code == 200
        clock.advance(10)

    def list_and_latest_node_changed() -> tuple[float, float]:
        listed = http.get(f"{pool_url}/nodes", params=API)
        ids = [node["id"] for node in listed.json()["value"]]
        each = [
            http.get(f"{pool_url}/nodes/{node_id}", params=API).headers["Last-Modified"] for node_id in ids
        ]
        latest = max(parsedate_to_datetime(moment).timestamp() for moment in each)
        return parsedate_to_datetime(listed.headers["Last-Modified"]).timestamp(), latest

    assert http.put(pool_arm, params=API, json=pool_body(nodes=2)).status_code == 200
    clock.advance(10)
    first_list, first_node = list_and_latest_node_changed()
    scale_to(4)
    grown_list, grown_node = list_and_latest_node_changed()
    scale_to(2)

    assert first_list == first_node
    assert grown_list == grown_node > first_list
    assert list_and_latest_node_changed() == (first_list, first_node)  # the newer nodes went, their time too
