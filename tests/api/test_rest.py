"""The REST API: the same operations, scopes and errors as the command API,
by session or by signed API-key headers; the OpenAPI schema validates."""
import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, Domain, SSHKeyPair, User
from accounts.services.users import register_user_keys
from cloudstack_ui.config.services import update_setting
from tests.accounts.test_accounts_and_users import create
from tests.conftest import logged_in_client

pytestmark = pytest.mark.django_db


class SignedClient:
    """Signs each request as the REST API documents: HMAC-SHA1 over method,
    path, sorted lower-cased query, date and the body's SHA-256."""

    def __init__(self, api_key, secret, date=None):
        self.client, self.api_key, self.secret, self.date = Client(), api_key, secret, date

    def request(self, method, path, query=None, body=None):
        query = query or {}
        raw = json.dumps(body).encode() if body is not None else b""
        date = self.date or datetime.now(UTC).isoformat()
        canonical = "&".join(f"{k}={quote(str(v), safe='*')}" for k, v in sorted(query.items())).lower()
        message = "\n".join([method, path, canonical, date, hashlib.sha256(raw).hexdigest()])
        signature = base64.b64encode(hmac.new(self.secret.encode(), message.encode(), hashlib.sha1).digest()).decode()
        headers = {"HTTP_X_CLOUDSTACK_APIKEY": self.api_key, "HTTP_X_CLOUDSTACK_SIGNATURE": signature,
                   "HTTP_X_CLOUDSTACK_DATE": date}
        call = getattr(self.client, method.lower())
        if method == "GET":
            return call(path, query, **headers)
        return call(path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""),
                    raw, content_type="application/json", **headers)


@pytest.fixture
def admin(root_admin):
    return logged_in_client(root_admin)


def test_domains_crud_through_the_session(admin, root_admin):
    created = admin.post("/api/v1/domains/", {"name": "Comp1", "networkdomain": "comp1.example.com"},
                         content_type="application/json")
    assert created.status_code == 201, created.content
    domain = created.json()
    assert domain["path"] == "ROOT/Comp1" and domain["networkdomain"] == "comp1.example.com"
    assert admin.get(f"/api/v1/domains/{domain['id']}/").json()["name"] == "Comp1"
    listed = admin.get("/api/v1/domains/", {"keyword": "comp"}).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == domain["id"]
    renamed = admin.patch(f"/api/v1/domains/{domain['id']}/", {"name": "Company1"}, content_type="application/json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Company1"
    deleted = admin.delete(f"/api/v1/domains/{domain['id']}/")
    assert deleted.status_code == 202 and deleted["Location"] == f"/api/v1/jobs/{deleted.json()['jobid']}/"
    job = admin.get(deleted["Location"]).json()
    assert job["jobstatus"] == 1 and job["jobresult"] == {"success": True}
    assert not Domain.objects.filter(uuid=domain["id"]).exists()


def test_accounts_users_and_state_actions(admin, tenancy):
    body = {"username": "dave", "password": "D4ve-pass", "email": "dave@example.com", "firstname": "Dave",
            "lastname": "Ops", "domainid": str(tenancy["sales"].uuid)}
    account = admin.post("/api/v1/accounts/", body, content_type="application/json").json()
    assert account["domainpath"] == "ROOT/Comp1/sales" and account["user"][0]["username"] == "dave"

    disabled = admin.post(f"/api/v1/accounts/{account['id']}/disable/")
    assert disabled.status_code == 202
    assert admin.get(disabled["Location"]).json()["jobresult"]["account"]["state"] == "Disabled"
    assert admin.post(f"/api/v1/accounts/{account['id']}/enable/").json()["state"] == "Enabled"
    assert admin.post(f"/api/v1/accounts/{account['id']}/lock/").status_code == 202
    assert Account.objects.get(uuid=account["id"]).state == Account.State.LOCKED

    user = admin.post("/api/v1/users/", {"account": "dave", "domainid": str(tenancy["sales"].uuid),
                                         "username": "erin", "password": "Er1n-pass", "email": "erin@example.com",
                                         "firstname": "Erin", "lastname": "Ops"},
                      content_type="application/json").json()
    assert user["account"] == "dave"
    assert admin.patch(f"/api/v1/users/{user['id']}/", {"email": "erin@corp.example"},
                       content_type="application/json").json()["email"] == "erin@corp.example"
    keys = admin.post(f"/api/v1/users/{user['id']}/keys/").json()
    assert keys["apikey"] and keys["secretkey"]
    assert "secretkey" not in admin.get(f"/api/v1/users/{user['id']}/").json()
    assert admin.delete(f"/api/v1/users/{user['id']}/").status_code == 204
    assert not User.objects.filter(uuid=user["id"]).exists()


def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(admin):
    response = admin.post("/api/v1/domains/", {"networkdomain": "x.example.com"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errorcode"] == 431 and response.json()["field"] == "name"
    wrong = admin.post("/api/v1/accounts/", {"username": "x", "password": "p", "email": "e", "firstname": "f",
                                             "lastname": "l", "accounttype": "lots"},
                       content_type="application/json")
    assert wrong.status_code == 400 and wrong.json()["field"] == "accounttype"
    assert Domain.objects.count() == 1 and Account.objects.count() == 1
    assert admin.get("/api/v1/domains/not-a-uuid/").status_code == 404


def test_scope_and_role_refusals(tenancy):
    user = logged_in_client(tenancy["sales_user"])
    listed = user.get("/api/v1/accounts/").json()
    assert [a["name"] for a in listed["results"]] == ["sales-user"]
    other = tenancy["comp1_user"].account
    assert user.get(f"/api/v1/accounts/{other.uuid}/").status_code == 404
    refused = user.post("/api/v1/domains/", {"name": "Mine"}, content_type="application/json")
    assert refused.status_code == 403
    assert not Domain.objects.filter(name="Mine").exists()
    assert Client().get("/api/v1/accounts/").status_code in (401, 403)


def test_signed_api_key_headers(tenancy):
    user = tenancy["sales_user"]
    api_key, secret = register_user_keys(user, user)
    signed = SignedClient(api_key, secret)
    created = signed.request("POST", "/api/v1/sshkeypairs/", body={"name": "rest key"})
    assert created.status_code == 201 and created.json()["privatekey"].startswith("-----BEGIN")
    listed = signed.request("GET", "/api/v1/sshkeypairs/", {"keyword": "rest"})
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert signed.request("DELETE", f"/api/v1/sshkeypairs/{created.json()['id']}/").status_code == 204
    assert not SSHKeyPair.objects.exists()

    assert SignedClient(api_key, "wrong").request("GET", "/api/v1/sshkeypairs/").status_code == 401
    stale = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert SignedClient(api_key, secret, date=stale).request("GET", "/api/v1/sshkeypairs/").status_code == 401


def test_paging_is_capped_by_the_default_page_size(admin, root_admin):
    for n in range(4):
        create(root_admin, Domain.objects.get(level=0), account_name=f"acct{n}", username=f"user{n}")
    update_setting(root_admin, "default.page.size", "2")
    page = admin.get("/api/v1/accounts/", {"pagesize": 50, "page": 2}).json()
    assert page["count"] == 5 and len(page["results"]) == 2


def test_list_queries_do_not_grow_with_rows(admin, root_admin):
    root = Domain.objects.get(level=0)
    for n in range(3):
        create(root_admin, root, account_name=f"few{n}", username=f"few{n}")
    with CaptureQueriesContext(connection) as few:
        admin.get("/api/v1/accounts/")
    for n in range(30):
        create(root_admin, root, account_name=f"many{n}", username=f"many{n}")
    with CaptureQueriesContext(connection) as many:
        assert admin.get("/api/v1/accounts/").json()["count"] == 34
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_schema_validates_and_the_docs_render(admin):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    assert admin.get("/api/v1/schema/").status_code == 200
    docs = admin.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
