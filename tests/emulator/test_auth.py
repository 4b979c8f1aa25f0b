"""Auth: a bearer token on every request, 401 in each plane's shape, and subscription-limited tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from azure_batch_emulator import DEMO_ACCOUNT, DEV_TOKEN, AccountRef, EmulatorServer
from azure_batch_emulator.auth import TokenRule
from tests.emulator.conftest import API, arm_account_url

OTHER_SUBSCRIPTION = "11111111-1111-1111-1111-111111111111"


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong-token", f"Basic {DEV_TOKEN}", f"bearer {DEV_TOKEN}x"],
)
def test_management_plane_rejects_missing_or_wrong_tokens(
    account_url: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    response = requests.get(account_url, params=API, headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AuthenticationFailed"
    assert "wrong-token" not in response.text


def test_data_plane_and_admin_answer_401_in_their_shapes(emulator: EmulatorServer, batch_url: str) -> None:
    data = requests.get(f"{batch_url}/pools/p/nodes", params=API)
    admin = requests.post(f"{emulator.url}/_emulator/reset")

    assert data.status_code == 401
    assert data.json()["code"] == "AuthenticationFailed"
    assert data.json()["message"]["lang"] == "en-US"
    assert admin.status_code == 401
    assert admin.json()["error"]["code"] == "AuthenticationFailed"


def test_bearer_scheme_is_case_insensitive(account_url: str) -> None:
    response = requests.get(account_url, params=API, headers={"Authorization": f"bearer {DEV_TOKEN}"})

    assert response.status_code == 200


@pytest.fixture
def limited() -> Iterator[EmulatorServer]:
    """An emulator whose token only works on the demo subscription, which serves a second account too."""
    other = AccountRef(OTHER_SUBSCRIPTION, "other-rg", "otheraccount")
    with EmulatorServer(
        token=f"tok@{DEMO_ACCOUNT.subscription_id}", accounts=[DEMO_ACCOUNT, other]
    ) as server:
        yield server


def test_a_token_limited_to_one_subscription_is_refused_elsewhere(limited: EmulatorServer) -> None:
    headers = {"Authorization": "Bearer tok"}
    other_arm = (
        f"{limited.url}/subscriptions/{OTHER_SUBSCRIPTION}/resourceGroups/other-rg"
        "/providers/Microsoft.Batch/batchAccounts/otheraccount"
    )

    own = requests.get(arm_account_url(limited), params=API, headers=headers)
    foreign = requests.get(other_arm, params=API, headers=headers)
    foreign_data = requests.get(
        f"{limited.url}/batch/otheraccount/pools/p/nodes", params=API, headers=headers
    )

    assert own.status_code == 200
    assert foreign.status_code == 403
    assert foreign.json()["error"]["code"] == "AuthorizationFailed"
    assert OTHER_SUBSCRIPTION in foreign.json()["error"]["message"]
    assert foreign_data.status_code == 403
    assert foreign_data.json()["code"] == "AuthorizationFailed"


@pytest.mark.parametrize("spec", ["", "@sub", "tok@"])
def test_token_specs_must_have_both_parts(spec: str) -> None:
    with pytest.raises(ValueError, match="--token"):
        TokenRule.parse(spec)
