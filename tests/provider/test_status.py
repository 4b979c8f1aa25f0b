"""Per-node extension status: classification, counting, ordering and capping."""

from provider import status


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


def test_node_outputs_put_failing_nodes_first_and_cap():
    outputs = status.node_outputs(_reports(), limit=2)
    assert [node["id"] for node in outputs] == ["n2", "n1"]
    kv = outputs[0]["extensions"][0]
    assert kv["name"] == "KV"
    assert kv["state"] == status.FAILED
    assert kv["statuses"] == [
        {"code": "ProvisioningState/failed", "level": "Error", "message": "cert missing"}
    ]
    assert outputs[0]["extensions"][1] == {"name": "mon", "state": status.MISSING}


def test_listing_error_is_reported_on_the_node():
    reports = status.build_node_reports(["kv"], [{"id": "n1", "state": "idle"}], {"n1": RuntimeError("503")})
    assert reports[0].state_of("kv") == status.MISSING
    assert status.node_outputs(reports, limit=5)[0]["error"] == "503"


def test_progress_line():
    line = status.progress_line(_reports(), ["kv", "mon"], 3)
    assert line == "1/3 nodes ready; kv failed on 1"
