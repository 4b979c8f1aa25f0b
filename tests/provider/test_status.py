"""Per-node extension status: classification, counting, ordering and capping."""

from pulumi_azure_batch_pool.azure_clients.errors import NotFoundError
from pulumi_azure_batch_pool.lifecycle import status


def _extension(
    name: str, *, level: str = "Info", code: str = "ProvisioningState/succeeded", state=None, message="ok"
):
    body = {
        "vmExtension": {"name": name, "publisher": "p", "type": "t"},
        "instanceView": {"name": name, "statuses": [{"code": code, "level": level, "message": message}]},
    }
    if state is not None:
        body["provisioningState"] = state
    return body


def test_official_example_without_provisioning_state_counts_as_succeeded():
    assert status.extension_state(_extension("a")) == status.SUCCEEDED


def test_error_level_wins_over_a_succeeded_provisioning_state():
    assert status.extension_state(_extension("a", level="Error", state="Succeeded")) == status.FAILED


def test_no_statuses_and_creating_is_transitioning():
    body = {"provisioningState": "Creating", "vmExtension": {"name": "a"}, "instanceView": {"statuses": []}}
    assert status.extension_state(body) == status.TRANSITIONING


def test_failure_message_prefers_error_statuses():
    body = _extension("a", level="Error", code="ProvisioningState/failed", message="vault denied access")
    body["instanceView"]["statuses"].append({"code": "x", "level": "Info", "message": "noise"})
    assert status.failure_message(body) == "vault denied access"


def _reports():
    nodes = [
        {"id": "n1", "state": "idle"},
        {"id": "n2", "state": "unusable"},
        {"id": "n3", "state": "creating"},
    ]
    per_node = {
        "n1": [_extension("kv"), _extension("mon")],
        "n2": [_extension("KV", level="Error", code="ProvisioningState/failed", message="cert missing")],
        "n3": [],
    }
    return status.build_node_reports(["kv", "mon"], nodes, per_node)


def test_counts_per_extension_with_failed_nodes_and_missing():
    summary = status.extension_status(["kv", "mon"], _reports(), max_failed_nodes=10)
    assert summary["kv"] == {
        "succeeded": 1,
        "failed": 1,
        "transitioning": 0,
        "missing": 1,
        "unknown": 0,
        "failedNodes": [{"nodeId": "n2", "state": "unusable", "message": "cert missing"}],
    }
    assert summary["mon"]["succeeded"] == 1
    assert summary["mon"]["missing"] == 2


def test_failed_nodes_list_is_capped():
    nodes = [{"id": f"n{i}", "state": "unusable"} for i in range(5)]
    per_node = {f"n{i}": [_extension("kv", level="Error")] for i in range(5)}
    reports = status.build_node_reports(["kv"], nodes, per_node)
    summary = status.extension_status(["kv"], reports, max_failed_nodes=2)
    assert summary["kv"]["failed"] == 5
    assert len(summary["kv"]["failedNodes"]) == 2


def test_settled_and_failing():
    n1, n2, n3 = _reports()
    assert n1.settled and not n1.failing
    assert n2.failing
    assert not n3.settled


def test_node_outputs_put_failing_then_unsettled_nodes_first_and_cap():
    outputs = status.node_outputs(_reports(), limit=2)
    assert [node["id"] for node in outputs] == ["n2", "n3"]
    kv = outputs[0]["extensions"][0]
    assert kv["name"] == "KV"
    assert kv["state"] == status.FAILED
    assert kv["statuses"] == [
        {"code": "ProvisioningState/failed", "level": "Error", "message": "cert missing"}
    ]
    assert outputs[0]["extensions"][1] == {"name": "mon", "state": status.MISSING}
    assert [node["id"] for node in status.node_outputs(_reports(), limit=5)] == ["n2", "n3", "n1"]


def test_succeeded_extensions_carry_no_repeated_status_text():
    (settled,) = status.node_outputs(_reports()[:1], limit=5)
    assert settled["extensions"] == [
        {"name": "kv", "state": status.SUCCEEDED},
        {"name": "mon", "state": status.SUCCEEDED},
    ]


def test_an_unreadable_node_is_unknown_with_the_reason_never_missing():
    nodes = [{"id": "n1", "state": "idle"}, {"id": "n2", "state": "idle"}]
    per_node = {
        "n1": RuntimeError("HTTP 503 from GET /pools/p/nodes/n1/extensions"),
        "n2": [_extension("kv")],
    }
    reports = status.build_node_reports(["kv"], nodes, per_node)
    assert reports[0].state_of("kv") == status.UNKNOWN
    assert not reports[0].settled and not reports[0].failing
    counts = status.extension_status(["kv"], reports, max_failed_nodes=5)["kv"]
    assert (counts["unknown"], counts["succeeded"], counts["missing"], counts["failed"]) == (1, 1, 0, 0)
    assert counts["unknownReason"] == "HTTP 503 from GET /pools/p/nodes/n1/extensions"
    assert status.node_outputs(reports, limit=5)[0]["error"].startswith("HTTP 503")


def test_a_node_gone_since_the_listing_is_left_out():
    gone = NotFoundError("node gone", status_code=404, code="NodeNotFound")
    nodes = [{"id": "n1", "state": "idle"}, {"id": "n2", "state": "idle"}]
    reports = status.build_node_reports(["kv"], nodes, {"n1": gone, "n2": [_extension("kv")]})
    assert [report.node_id for report in reports] == ["n2"]
    assert status.summary(["kv"], reports, limit=5)["nodeCount"] == 1


def test_a_node_not_read_yet_is_transitioning_and_unsettled():
    (report,) = status.build_node_reports(["kv"], [{"id": "n1", "state": "creating"}], {})
    assert report.extensions is None
    assert report.state_of("kv") == status.TRANSITIONING
    assert not report.settled and not report.failing


def test_a_pool_without_extensions_needs_no_read_to_settle():
    (report,) = status.build_node_reports([], [{"id": "n1", "state": "idle"}], {})
    assert report.settled and not report.failing


def test_counts_cover_every_node_at_any_cap():
    nodes = [{"id": f"n{i:03}", "state": "idle"} for i in range(300)]
    per_node = {node["id"]: [_extension("kv")] for node in nodes}
    per_node["n007"] = [_extension("kv", level="Error")]
    result = status.summary(["kv"], status.build_node_reports(["kv"], nodes, per_node), limit=3)
    counts = result["extensionStatus"]["kv"]
    assert counts["succeeded"] + counts["failed"] == 300
    assert [node["id"] for node in result["nodes"]] == ["n007", "n000", "n001"]


def test_batch_own_node_extension_is_never_reported():
    own = {
        "provisioningState": "Creating",
        "vmExtension": {
            "name": "batchNodeExtension",
            "type": "CustomScript",
            "publisher": "Microsoft.Azure.Extensions",
        },
        "instanceView": {"name": "batchNodeExtension", "statuses": []},
    }
    (report,) = status.build_node_reports(
        ["kv"], [{"id": "n1", "state": "idle"}], {"n1": [own, _extension("kv")]}
    )
    assert report.settled
    result = status.summary(["kv"], [report], limit=5)
    assert set(result["extensionStatus"]) == {"kv"}
    assert [ext["name"] for ext in result["nodes"][0]["extensions"]] == ["kv"]


def test_unread_pool_is_unknown_on_every_node_with_the_reason():
    result = status.summary(["kv", "mon"], status.Unread("the data plane did not answer", 4), limit=5)
    assert result["nodeCount"] == 4
    assert result["nodes"] == []
    for counts in result["extensionStatus"].values():
        assert counts["unknown"] == 4
        assert counts["succeeded"] == counts["failed"] == counts["missing"] == 0
        assert counts["unknownReason"] == "the data plane did not answer"


def test_progress_line():
    line = status.progress_line(_reports(), ["kv", "mon"], 3)
    assert line == "1/3 nodes ready; kv failed on 1"
