"""Error parsing: both Azure error shapes, status → class mapping, rendering without secrets."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

from pulumi_azure_batch_pool.azure_clients.errors import (
    AuthenticationError,
    ConflictError,
    HttpResponseError,
    NotFoundError,
    PreconditionFailedError,
    ProvisioningError,
    ServiceError,
    ThrottledError,
    error_from_response,
    redact_url,
)
from pulumi_azure_batch_pool.azure_clients.transport import Headers, Response

POOL_URL = (
    "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.Batch"
    "/batchAccounts/acct/pools/p1"
)


def make_response(status: int, body: Any, *, method: str = "PUT", url: str = POOL_URL) -> Response:
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return Response(method, url, status, "Reason", Headers({"Content-Type": "application/json"}), content)


CLOUD_ERROR = {
    "error": {
        "code": "PropertyCannotBeUpdated",
        "message": "A property that cannot be updated was specified as part of the request.",
        "target": "BatchAccount",
        "details": [
            {"code": "PropertyName", "message": "deploymentConfiguration"},
            {"code": "PropertyPath", "message": "properties.deploymentConfiguration"},
        ],
    }
}


def test_cloud_error_is_parsed_and_rendered_like_azure_core() -> None:
    error = error_from_response(make_response(400, CLOUD_ERROR, url=POOL_URL + "?api-version=2025-06-01"))

    assert type(error) is HttpResponseError
    assert error.status_code == 400
    assert error.code == "PropertyCannotBeUpdated"
    assert error.target == "BatchAccount"
    assert error.details[0] == {"code": "PropertyName", "message": "deploymentConfiguration"}
    text = str(error)
    assert text.startswith("(PropertyCannotBeUpdated) A property that cannot be updated")
    assert "PropertyName: deploymentConfiguration" in text
    assert "HTTP 400 from PUT /subscriptions/s/resourceGroups/rg/" in text
    assert error.url == POOL_URL + "?api-version=2025-06-01"


def test_batch_error_shape_is_parsed() -> None:
    body = {
        "code": "PoolNotFound",
        "message": {"lang": "en-US", "value": "The specified pool does not exist."},
        "values": [{"key": "PoolId", "value": "p1"}],
    }
    error = error_from_response(make_response(404, body, method="GET"))

    assert isinstance(error, NotFoundError)
    assert error.code == "PoolNotFound"
    assert error.message == "The specified pool does not exist."
    assert error.details == [{"code": "PoolId", "message": "p1"}]
    assert "(PoolNotFound) The specified pool does not exist. [PoolId: p1]" in str(error)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (409, ConflictError),
        (412, PreconditionFailedError),
        (429, ThrottledError),
        (500, ServiceError),
        (503, ServiceError),
        (400, HttpResponseError),
    ],
)
def test_status_selects_the_error_class(status: int, cls: type[HttpResponseError]) -> None:
    error = error_from_response(make_response(status, {"error": {"code": "X", "message": "m"}}))
    assert type(error) is cls
    assert error.status_code == status


def test_non_json_body_falls_back_to_the_reason() -> None:
    error = error_from_response(make_response(502, "<html>bad gateway</html>"))
    assert isinstance(error, ServiceError)
    assert error.code is None
    assert error.message.startswith("Reason; the answer is not an Azure error")
    assert "proxy" in error.message


def test_request_body_and_query_secrets_never_appear() -> None:
    url = POOL_URL + "?api-version=2025-06-01&sig=SECRETSAS&$skiptoken=abc"
    error = error_from_response(make_response(400, CLOUD_ERROR, url=url))
    text = str(error) + repr(error.args) + str(error.url)
    assert "hunter2" not in text
    assert "SECRETSAS" not in text
    assert "skiptoken" not in text


def test_redact_url_keeps_only_api_version() -> None:
    assert redact_url("https://h/p?a=1&api-version=2025-06-01&sig=x") == "https://h/p?api-version=2025-06-01"


def test_provisioning_error_carries_failures() -> None:
    failures = [{"nodeId": "tvm-1", "extension": "secretext", "message": "boom"}]
    error = ProvisioningError("2 nodes failed", failures=failures)
    assert error.failures == failures
    assert str(error) == "2 nodes failed"


def test_errors_survive_pickling() -> None:
    error = error_from_response(make_response(400, CLOUD_ERROR))
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is HttpResponseError
    assert (clone.status_code, clone.code, clone.details, str(clone)) == (
        error.status_code,
        error.code,
        error.details,
        str(error),
    )
    failures = pickle.loads(pickle.dumps(ProvisioningError("m", failures=[{"nodeId": "n"}])))
    assert failures.failures == [{"nodeId": "n"}]
