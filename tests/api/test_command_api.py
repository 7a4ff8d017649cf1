"""The command API's contract, through Django's test client: envelopes in
JSON and XML, error codes, session login, paging, typed parameters."""
import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from accounts.models import Domain
from cloudstack_ui.api.registry import Command, Param
from cloudstack_ui.config.services import update_setting
from tests.accounts.test_accounts_and_users import create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def session(username="admin", password=PASSWORD, domain=""):
    client = Client()
    response = client.post("/client/api", {"command": "login", "username": username, "password": password,
                                           "domain": domain, "response": "json"})
    assert response.status_code == 200, response.content
    return client, response.json()["loginresponse"]


def call(client, key, command, **params):
    return client.get("/client/api", {"command": command, "sessionkey": key, "response": "json", **params})


@pytest.fixture
def admin_session(root_admin):
    client, login = session()
    return client, login["sessionkey"]


def test_login_answers_a_sessionkey_and_sets_the_session_cookie(root_admin):
    client, login = session()
    assert login["username"] == "admin" and login["type"] == "1" and login["passwordchangerequired"] is False
    assert "JSESSIONID" in client.cookies and client.cookies["JSESSIONID"]["httponly"]
    assert call(client, login["sessionkey"], "listDomains").status_code == 200
    # The cookie alone is not enough: the sessionkey must come back too.
    refused = client.get("/client/api", {"command": "listDomains", "response": "json"})
    assert refused.status_code == 401
    assert refused.json()["listdomainsresponse"]["errorcode"] == 401

    assert call(client, login["sessionkey"], "logout").json() == {"logoutresponse": {"description": "success"}}
    assert call(client, login["sessionkey"], "listDomains").status_code == 401


def test_login_is_post_only_and_refuses_bad_credentials_alike(root_admin, tenancy):
    client = Client()
    get = client.get("/client/api", {"command": "login", "username": "admin", "password": "password",
                                      "response": "json"})
    assert get.status_code == 405
    wrong_password = client.post("/client/api", {"command": "login", "username": "admin", "password": "x",
                                                 "response": "json"})
    wrong_domain = client.post("/client/api", {"command": "login", "username": "admin", "password": PASSWORD,
                                               "domain": "/Comp1", "response": "json"})
    assert wrong_password.status_code == wrong_domain.status_code == 401
    assert (wrong_password.json()["loginresponse"]["errortext"]
            == wrong_domain.json()["loginresponse"]["errortext"])
    _, login = session("comp1-user", PASSWORD, "/Comp1")
    assert login["account"] == tenancy["comp1_user"].account.name


def test_xml_is_the_default_format(admin_session):
    client, key = admin_session
    response = client.get("/client/api", {"command": "listDomains", "sessionkey": key})
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "listdomainsresponse" and root.get("cloud-stack-version")
    assert root.findtext("count") == "1"
    assert root.find("domain").findtext("name") == "ROOT"
    assert root.find("domain").findtext("haschild") == "false"

    error = client.get("/client/api", {"command": "createDomain", "sessionkey": key})
    assert error.status_code == 431
    assert ET.fromstring(error.content).findtext("errorcode") == "431"


def test_error_envelope_and_codes(admin_session):
    client, key = admin_session
    missing = call(client, key, "createDomain")
    assert missing.status_code == 431
    body = missing.json()["createdomainresponse"]
    assert body == {"uuidList": [], "errorcode": 431, "cserrorcode": 4350,
                    "errortext": "Unable to execute API command createdomain due to missing parameter name"}
    assert missing["X-Description"] == body["errortext"]

    wrong_type = call(client, key, "listDomains", level="deep")
    assert wrong_type.status_code == 431
    assert "invalid value deep for parameter level: it is not an integer" in wrong_type.json()["listdomainsresponse"]["errortext"]

    bad_uuid = call(client, key, "updateDomain", id="nope", name="x")
    assert "parameter id: it is not a UUID" in bad_uuid.json()["updatedomainresponse"]["errortext"]

    unknown = call(client, key, "launchRocket")
    assert unknown.status_code == 432 and unknown.json()["launchrocketresponse"]["errorcode"] == 432

    no_command = client.get("/client/api", {"sessionkey": key, "response": "json"})
    assert no_command.status_code == 431


def test_parameter_names_are_case_insensitive_and_unknown_ones_ignored(admin_session):
    client, key = admin_session
    response = call(client, key, "createDomain", NAME="Comp9", NetworkDomain="comp9.example.com", colour="blue")
    assert response.status_code == 200, response.content
    domain = response.json()["createdomainresponse"]["domain"]
    assert domain["name"] == "Comp9" and domain["networkdomain"] == "comp9.example.com"


def test_a_user_calling_an_admin_command_is_refused_and_nothing_changes(tenancy):
    client, login = session("comp1-user", PASSWORD, "Comp1")
    response = call(client, login["sessionkey"], "createDomain", name="Sneaky")
    assert response.status_code == 432
    assert not Domain.objects.filter(name="Sneaky").exists()


def test_empty_lists_are_empty_objects(admin_session):
    client, key = admin_session
    assert call(client, key, "listSSHKeyPairs").json() == {"listsshkeypairsresponse": {}}


def test_paging_and_the_default_page_size_cap(root_admin, admin_session):
    client, key = admin_session
    for n in range(5):
        create(root_admin, Domain.objects.get(level=0), account_name=f"acct{n}", username=f"user{n}")
    body = call(client, key, "listAccounts", page=2, pagesize=2).json()["listaccountsresponse"]
    assert body["count"] == 6 and [a["name"] for a in body["account"]] == ["acct2", "acct3"]
    past_the_end = call(client, key, "listAccounts", page=9, pagesize=2).json()["listaccountsresponse"]
    assert past_the_end == {"count": 6, "account": []}

    update_setting(root_admin, "default.page.size", "4")
    capped = call(client, key, "listAccounts", page=1, pagesize=100).json()["listaccountsresponse"]
    assert capped["count"] == 6 and len(capped["account"]) == 4
    everything = call(client, key, "listAccounts", pagesize=-1).json()["listaccountsresponse"]
    assert len(everything["account"]) == 4
    assert call(client, key, "listAccounts", page=0, pagesize=2).status_code == 431


def test_list_query_count_does_not_grow_with_the_page(root_admin, admin_session, django_assert_max_num_queries):
    client, key = admin_session
    root = Domain.objects.get(level=0)
    create(root_admin, root, account_name="first", username="first")
    with django_assert_max_num_queries(20) as few:
        call(client, key, "listAccounts", pagesize=500)
    for n in range(25):
        create(root_admin, root, account_name=f"more{n}", username=f"more{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = call(client, key, "listAccounts", pagesize=500).json()["listaccountsresponse"]
    assert body["count"] == 27


def test_list_apis_describes_commands_for_the_caller(admin_session, tenancy):
    client, key = admin_session
    apis = call(client, key, "listApis").json()["listapisresponse"]
    names = {api["name"] for api in apis["api"]}
    assert {"createAccount", "listDomains", "queryAsyncJobResult", "login", "listApis"} <= names
    create_account = next(api for api in apis["api"] if api["name"] == "createAccount")
    username = next(p for p in create_account["params"] if p["name"] == "username")
    assert username["required"] is True and username["type"] == "string"
    assert {"id", "name", "domainid", "user"} <= {r["name"] for r in create_account["response"]}
    assert next(api for api in apis["api"] if api["name"] == "deleteAccount")["isasync"] is True

    user_client, login = session("comp1-user", PASSWORD, "Comp1")
    user_apis = {api["name"] for api in call(user_client, login["sessionkey"], "listApis").json()["listapisresponse"]["api"]}
    assert "createDomain" not in user_apis and "listSSHKeyPairs" in user_apis


def test_capabilities(admin_session):
    client, key = admin_session
    capability = call(client, key, "listCapabilities").json()["listcapabilitiesresponse"]["capability"]
    assert capability["cloudstackversion"].startswith("4.") and capability["dynamicrolesenabled"] is True


def test_map_and_list_parameters_are_parsed():
    class Tagged(Command):
        name = "tagSomething"
        params = (Param("details", "map"), Param("ids", "list", item_type="uuid"), Param("since", "date"))

    parsed = Tagged().parse({"details[0].key": "a", "details[0].value": "1", "details[1].key": "b",
                             "details[1].value": "2", "ids": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
                             "since": "2026-11-24"})
    assert parsed["details"] == [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]
    assert str(parsed["ids"][0]) == "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    assert parsed["since"].isoformat() == "2026-11-24"


def test_global_settings_are_typed(admin_session):
    client, key = admin_session
    bad = call(client, key, "updateConfiguration", name="default.page.size", value="lots")
    assert bad.status_code == 431 and "must be an integer" in bad.json()["updateconfigurationresponse"]["errortext"]
    unknown = call(client, key, "updateConfiguration", name="no.such.key", value="1")
    assert unknown.status_code == 431
    ok = call(client, key, "updateConfiguration", name="default.page.size", value="50").json()
    assert ok["updateconfigurationresponse"]["configuration"]["value"] == "50"
    listed = call(client, key, "listConfigurations", name="default.page.size").json()
    assert listed["listconfigurationsresponse"]["configuration"][0]["value"] == "50"


def test_domain_children_lock_account_roles_and_user_keys(admin_session, tenancy):
    client, key = admin_session
    children = call(client, key, "listDomainChildren", id=str(tenancy["comp1"].uuid)).json()
    assert [d["name"] for d in children["listdomainchildrenresponse"]["domain"]] == ["sales"]
    tree = call(client, key, "listDomainChildren", isrecursive="true").json()["listdomainchildrenresponse"]
    assert {d["path"] for d in tree["domain"]} == {"ROOT/Comp1", "ROOT/Comp1/sales", "ROOT/Other"}
    assert next(d for d in tree["domain"] if d["name"] == "Comp1")["haschild"] is True

    locked = call(client, key, "lockAccount", account="sales-user", domainid=str(tenancy["sales"].uuid)).json()
    assert locked["lockaccountresponse"]["account"]["state"] == "Locked"

    user_client, login = session("comp1-user", PASSWORD, "Comp1")
    roles = call(user_client, login["sessionkey"], "listRoles").json()["listrolesresponse"]["role"]
    assert "Admin" not in {r["type"] for r in roles}

    me = tenancy["comp1_user"]
    assert call(user_client, login["sessionkey"], "getUserKeys", id=str(me.uuid)).json() == {"getuserkeysresponse": {"userkeys": {}}}
    generated = call(user_client, login["sessionkey"], "registerUserKeys", id=str(me.uuid)).json()
    keys = generated["registeruserkeysresponse"]["userkeys"]
    assert keys["apikey"] and keys["secretkey"]
    fetched = call(user_client, login["sessionkey"], "getUserKeys", id=str(me.uuid)).json()
    assert fetched == {"getuserkeysresponse": {"userkeys": {"apikey": keys["apikey"]}}}
