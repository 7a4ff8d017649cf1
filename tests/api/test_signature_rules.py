"""Signed requests: version-2 signatures stay accepted by default, but
api.signature.expires.required refuses them; `expires` may lie at most
api.signature.expires.max.window seconds ahead; every refusal is the same
401 with CloudStack's text, its reason in the debug log without the
signature or the secret; secrets are compared in constant time, and a
caller sending non-ASCII signatures or session keys gets 401, not 530."""
import logging
from datetime import UTC, datetime, timedelta

import pytest
from cs import CloudStack, CloudStackApiException
from django.test import Client

from accounts.services.users import register_user_keys
from cloudstack_ui.api.signing import CREDENTIALS_FAILURE, secrets_equal
from cloudstack_ui.config.services import update_setting
from tests.api.test_command_api import session
from tests.api.test_real_clients import cs_client
from tests.conftest import PASSWORD

EXPIRES_FORMAT = "%Y-%m-%dT%H:%M:%S+0000"


def expires_in(seconds: int) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime(EXPIRES_FORMAT)


def signed(keys, **params) -> dict:
    """Parameters signed by the `cs` client's own signing code."""
    api_key, secret = keys
    data = {"apiKey": api_key, "response": "json", **params}
    CloudStack(endpoint="http://unused/client/api", key=api_key, secret=secret)._sign(data)
    return data


def refused(response) -> None:
    assert response.status_code == 401, response.content
    body = next(iter(response.json().values()))
    assert body["errorcode"] == 401 and body["errortext"] == CREDENTIALS_FAILURE


@pytest.fixture
def keys(tenancy):
    user = tenancy["comp1_user"]
    return register_user_keys(user, user)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_cs_client_under_both_rules(live_server, root_admin, tenancy):
    user = tenancy["comp1_user"]
    keys = register_user_keys(user, user)
    legacy, current = cs_client(live_server, keys, expiration=-1), cs_client(live_server, keys)
    two_hours = cs_client(live_server, keys, expiration=7200)
    assert legacy.listAccounts()["count"] == 1, "by default a version-2 signature is still accepted"
    assert current.listAccounts()["count"] == 1
    with pytest.raises(CloudStackApiException) as exc:
        two_hours.listAccounts()
    assert exc.value.response.status_code == 401 and exc.value.error["errortext"] == CREDENTIALS_FAILURE

    update_setting(root_admin, "api.signature.expires.required", "true")
    with pytest.raises(CloudStackApiException) as exc:
        legacy.listAccounts()
    assert exc.value.response.status_code == 401
    assert current.listAccounts()["count"] == 1

    update_setting(root_admin, "api.signature.expires.max.window", "0")
    assert two_hours.listAccounts()["count"] == 1


@pytest.mark.django_db
def test_raw_signed_requests_for_each_rule(root_admin, keys, caplog):
    client = Client()
    assert client.get("/client/api", signed(keys, command="listAccounts")).status_code == 200
    refused(client.get("/client/api", signed(keys, command="listAccounts", signatureVersion="3")))
    refused(client.get("/client/api", signed(keys, command="listAccounts", signatureVersion="3",
                                             expires="tomorrow")))
    refused(client.get("/client/api", signed(keys, command="listAccounts", signatureVersion="3",
                                             expires=expires_in(-60))))
    far = signed(keys, command="listAccounts", signatureVersion="3", expires=expires_in(901))
    with caplog.at_level(logging.DEBUG, logger="cloudstack_ui.api.signing"):
        refused(client.get("/client/api", far))
    assert "is more than 900 s ahead (api.signature.expires.max.window)" in caplog.text
    assert far["signature"] not in caplog.text and keys[1] not in caplog.text
    assert client.get("/client/api", signed(keys, command="listAccounts", signatureVersion="3",
                                            expires=expires_in(890))).status_code == 200

    update_setting(root_admin, "api.signature.expires.required", "true")
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="cloudstack_ui.api.signing"):
        refused(client.get("/client/api", signed(keys, command="listAccounts")))
    assert "signatureVersion=3 and expires are required" in caplog.text


@pytest.mark.django_db
def test_the_window_setting_takes_seconds_not_below_zero(root_admin):
    from cloudstack_ui.errors import InvalidParameter

    with pytest.raises(InvalidParameter, match="api.signature.expires.max.window must be at least 0"):
        update_setting(root_admin, "api.signature.expires.max.window", "-1")
    with pytest.raises(InvalidParameter, match="api.signature.expires.required must be true or false"):
        update_setting(root_admin, "api.signature.expires.required", "yes")


@pytest.mark.django_db
def test_non_ascii_signatures_and_session_keys_are_refused_not_errors(tenancy, keys):
    params = signed(keys, command="listAccounts")
    params["signature"] = "sïgnature"
    refused(Client().get("/client/api", params))

    client, login = session("comp1-user", PASSWORD, "/Comp1")
    refused(client.get("/client/api", {"command": "listAccounts", "response": "json", "sessionkey": "kéy"}))
    assert client.get("/client/api", {"command": "listAccounts", "response": "json",
                                      "sessionkey": login["sessionkey"]}).status_code == 200


@pytest.mark.django_db
def test_rest_header_signatures_with_non_ascii_are_refused(keys):
    response = Client().get("/api/v1/accounts/", headers={
        "X-CloudStack-ApiKey": keys[0], "X-CloudStack-Signature": "sïg",
        "X-CloudStack-Date": datetime.now(UTC).isoformat()})
    assert response.status_code in (401, 403) and response.status_code != 500


def test_secrets_equal_takes_any_text():
    assert secrets_equal("kéy", "kéy") and not secrets_equal("kéy", "key") and not secrets_equal("", "x")
