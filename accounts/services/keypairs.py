"""SSH key pairs (guide 5.2): generate (the private key is returned once and
not stored) or register an existing public key; fingerprints in the guide's
16-byte `aa:bb:...` form (MD5 of the key blob, as CloudStack shows them)."""
import base64
import hashlib

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction

from accounts.models import Account, SSHKeyPair
from accounts.services.scope import ensure_can_admin_account
from accounts.services.validation import require_name
from cloudstack_ui.errors import InvalidParameter, NotFound


def fingerprint(public_key: str) -> str:
    blob = base64.b64decode(public_key.split()[1])
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def normalise_public_key(text: str) -> str:
    """The key as `type base64 [comment]` on one line, or InvalidParameter if
    it is not an OpenSSH public key."""
    line = " ".join((text or "").split())
    if not line:
        raise InvalidParameter("publickey: the public key must not be empty", field="publickey")
    try:
        serialization.load_ssh_public_key(line.encode())
    except (ValueError, IndexError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidParameter(
            "publickey: not a valid OpenSSH public key (expected e.g. 'ssh-rsa AAAA... comment'): " + str(exc).rstrip("."),
            field="publickey",
        )
    return line


def _owner(caller, account: Account | None) -> Account:
    if account is None or account.pk == caller.account_id:
        return caller.account
    ensure_can_admin_account(caller, account)
    return account


def _ensure_unique(account: Account, name: str) -> None:
    if SSHKeyPair.objects.filter(account=account, name__iexact=name).exists():
        raise InvalidParameter(f"name: a key pair named {name} already exists for account {account.name}", field="name")


@transaction.atomic
def create_ssh_keypair(caller, *, name: str, account: Account | None = None) -> tuple[SSHKeyPair, str]:
    """Generate an RSA 2048 key pair; returns the record and the private key
    in PEM, which is not kept."""
    owner = _owner(caller, account)
    name = require_name(name, "name", "key pair name")
    Account.objects.select_for_update().get(pk=owner.pk)
    _ensure_unique(owner, name)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    keypair = SSHKeyPair.objects.create(account=owner, name=name, public_key=public, fingerprint=fingerprint(public))
    return keypair, private_pem


@transaction.atomic
def register_ssh_keypair(caller, *, name: str, public_key: str, account: Account | None = None) -> SSHKeyPair:
    owner = _owner(caller, account)
    name = require_name(name, "name", "key pair name")
    public_key = normalise_public_key(public_key)
    Account.objects.select_for_update().get(pk=owner.pk)
    _ensure_unique(owner, name)
    return SSHKeyPair.objects.create(account=owner, name=name, public_key=public_key, fingerprint=fingerprint(public_key))


@transaction.atomic
def delete_ssh_keypair(caller, *, name: str, account: Account | None = None) -> None:
    owner = _owner(caller, account)
    deleted, _ = SSHKeyPair.objects.filter(account=owner, name=name).delete()
    if not deleted:
        raise NotFound(f"name: no key pair named {name} for account {owner.name}", field="name")
