"""SSH key pairs (guide 5.2): create (private key returned once, not kept),
register (validated), delete; names unique per account; fingerprints in the
guide's aa:bb:... form."""
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.db import connection

from accounts.models import SSHKeyPair
from accounts.services.keypairs import create_ssh_keypair, delete_ssh_keypair, fingerprint, register_ssh_keypair
from cloudstack_ui.errors import InvalidParameter, NotFound
from tests.conftest import logged_in_client

FINGERPRINT = re.compile(r"^([0-9a-f]{2}:){15}[0-9a-f]{2}$")


def a_public_key(comment="me@laptop") -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode() + " " + comment


def test_create_returns_a_working_private_key_that_is_not_stored(tenancy):
    user = tenancy["sales_user"]
    keypair, private_pem = create_ssh_keypair(user, name="keypair-doc")
    assert private_pem.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert FINGERPRINT.match(keypair.fingerprint)
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    derived = private.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    assert derived.decode() == keypair.public_key
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_sshkeypair")
        dump = repr(cursor.fetchall())
    body = private_pem.splitlines()[1]
    assert body not in dump


def test_register_validates_the_public_key(tenancy):
    user = tenancy["sales_user"]
    public = a_public_key()
    keypair = register_ssh_keypair(user, name="laptop", public_key="  " + public + "\n")
    assert keypair.public_key == public and keypair.fingerprint == fingerprint(public)
    for bad in ("", "ssh-rsa", "ssh-rsa AAAAnotbase64", "hello world", public.replace("AAAA", "BBBB", 1)):
        with pytest.raises(InvalidParameter, match="publickey") as exc:
            register_ssh_keypair(user, name="bad", public_key=bad)
        assert exc.value.field == "publickey"
    assert not SSHKeyPair.objects.filter(name="bad").exists()


def test_names_are_unique_per_account(tenancy):
    create_ssh_keypair(tenancy["sales_user"], name="k")
    with pytest.raises(InvalidParameter, match="already exists") as exc:
        register_ssh_keypair(tenancy["sales_user"], name="K", public_key=a_public_key())
    assert exc.value.field == "name"
    create_ssh_keypair(tenancy["comp1_user"], name="k")
    assert SSHKeyPair.objects.filter(name="k").count() == 2


def test_delete_only_own_or_administered(tenancy):
    create_ssh_keypair(tenancy["sales_user"], name="k")
    with pytest.raises(NotFound):
        delete_ssh_keypair(tenancy["comp1_user"], name="k")
    with pytest.raises(NotFound):
        delete_ssh_keypair(tenancy["other_admin"], name="k", account=tenancy["sales_user"].account)
    delete_ssh_keypair(tenancy["comp1_admin"], name="k", account=tenancy["sales_user"].account)
    assert not SSHKeyPair.objects.exists()


def test_keypair_pages(tenancy):
    client = logged_in_client(tenancy["sales_user"])
    response = client.post("/client/sshkeypairs/create", {"name": "from-ui"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and "BEGIN RSA PRIVATE KEY" in page and "Download private key" in page
    assert response["Cache-Control"] == "no-store"
    listing = client.get("/client/sshkeypairs/").content.decode()
    assert "from-ui" in listing and "PRIVATE KEY" not in listing
    response = client.post("/client/sshkeypairs/register", {"name": "bad", "publickey": "ssh-rsa nonsense"})
    assert response.status_code == 200 and "not a valid OpenSSH public key" in response.content.decode()
    response = client.post("/client/sshkeypairs/register", {"name": "laptop", "publickey": a_public_key()})
    assert response.status_code == 302
    keypair = SSHKeyPair.objects.get(name="laptop")
    assert client.post(f"/client/sshkeypairs/{keypair.uuid}/delete").status_code == 302
    assert not SSHKeyPair.objects.filter(name="laptop").exists()
