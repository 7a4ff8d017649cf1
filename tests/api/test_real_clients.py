"""Compatibility proven with the real clients from PyPI, `cs` and Apache
Libcloud, against a live server: they sign requests their own way, read
the envelopes their own way and poll jobs their own way."""
from urllib.parse import urlsplit

import pytest
from cs import CloudStack, CloudStackApiException
from libcloud.compute.providers import get_driver
from libcloud.compute.types import Provider

from accounts.models import Account, SSHKeyPair
from accounts.services.users import register_user_keys

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def admin_keys(root_admin):
    return register_user_keys(root_admin, root_admin)


def cs_client(live_server, keys, **kwargs):
    api_key, secret = keys
    return CloudStack(endpoint=f"{live_server.url}/client/api", key=api_key, secret=secret,
                      poll_interval=0.2, job_timeout=30, **kwargs)


def test_cs_lists_creates_and_waits_on_a_job(live_server, admin_keys, tenancy):
    api = cs_client(live_server, admin_keys)

    domains = api.listDomains()
    assert {d["path"] for d in domains["domain"]} >= {"ROOT", "ROOT/Comp1", "ROOT/Comp1/sales"}
    assert domains["count"] == len(domains["domain"])

    sales = tenancy["sales"]
    created = api.createAccount(username="carol", password="Car0l-pass", email="carol@example.com",
                                firstname="Carol", lastname="Sales", accounttype=0, domainid=str(sales.uuid))
    account = created["account"]
    assert account["name"] == "carol" and account["domainid"] == str(sales.uuid)
    assert account["user"][0]["username"] == "carol"

    keypair = api.createSSHKeyPair(name="deploy key ~ with spaces*")
    assert keypair["keypair"]["privatekey"].startswith("-----BEGIN")
    assert not hasattr(SSHKeyPair.objects.get(name="deploy key ~ with spaces*"), "private_key")

    # An async call: cs polls queryAsyncJobResult until the job is done.
    result = api.disableAccount(id=account["id"], lock=False, fetch_result=True)
    assert result["account"]["state"] == "Disabled"
    assert Account.objects.get(uuid=account["id"]).state == Account.State.DISABLED

    done = api.deleteAccount(id=account["id"], fetch_result=True)
    assert done == {"success": True}
    assert not Account.objects.filter(uuid=account["id"]).exists()


def test_cs_sees_errors_with_cloudstack_codes(live_server, admin_keys):
    api = cs_client(live_server, admin_keys)
    with pytest.raises(CloudStackApiException) as exc:
        api.createDomain()
    assert exc.value.response.status_code == 431
    assert "missing parameter name" in exc.value.error["errortext"]

    with pytest.raises(CloudStackApiException) as exc:
        api.listAccounts(pagesize="many")
    assert exc.value.error["errorcode"] == 431

    with pytest.raises(CloudStackApiException) as exc:
        api.noSuchCommand()
    assert exc.value.error["errorcode"] == 432


def test_cs_with_a_wrong_secret_or_an_expired_request_is_refused(live_server, admin_keys, root_admin):
    api_key, _ = admin_keys
    wrong = CloudStack(endpoint=f"{live_server.url}/client/api", key=api_key, secret="not-the-secret")
    with pytest.raises(CloudStackApiException) as exc:
        wrong.listDomains()
    assert exc.value.response.status_code == 401

    expired = cs_client(live_server, admin_keys)
    with pytest.raises(CloudStackApiException) as exc:
        expired.listDomains(signatureVersion="3", expires="2020-01-01T00:00:00+0000")
    assert exc.value.response.status_code == 401
    # No signatureVersion: the v2 signature, as older clients send it.
    legacy = cs_client(live_server, admin_keys, expiration=-1)
    assert legacy.listDomains()["count"] >= 1


def test_cs_as_a_plain_user_is_scoped_and_refused_admin_commands(live_server, tenancy):
    user = tenancy["sales_user"]
    api = cs_client(live_server, register_user_keys(user, user))
    assert [a["name"] for a in api.listAccounts()["account"]] == [user.account.name]
    with pytest.raises(CloudStackApiException) as exc:
        api.createDomain(name="Mine")
    assert exc.value.error["errorcode"] == 432
    assert not tenancy["root"].children.filter(name="Mine").exists()


def test_libcloud_key_pairs(live_server, tenancy):
    user = tenancy["sales_user"]
    api_key, secret = register_user_keys(user, user)
    address = urlsplit(live_server.url)
    driver = get_driver(Provider.CLOUDSTACK)(key=api_key, secret=secret, host=address.hostname, port=address.port,
                                             path="/client/api", secure=False)

    assert driver.list_key_pairs() == []
    created = driver.create_key_pair(name="libcloud-key")
    assert created.private_key.startswith("-----BEGIN") and created.fingerprint
    listed = driver.list_key_pairs()
    assert [(k.name, k.fingerprint) for k in listed] == [("libcloud-key", created.fingerprint)]
    assert listed[0].private_key is None
    assert driver.delete_key_pair(listed[0]) is True
    assert driver.list_key_pairs() == []
    assert not SSHKeyPair.objects.filter(account=user.account).exists()
