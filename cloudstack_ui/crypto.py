"""Encryption of secrets at rest (guide 4.5.5): API secret keys, host, VPN and
VNC passwords, private keys. Fernet (AES-128-CBC + HMAC-SHA256) from the
`cryptography` package, keyed by the database key, which comes from the
environment or a file and never from the database."""
import base64
import hashlib
import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)


def _load_or_create_key() -> bytes:
    if settings.DATABASE_KEY:
        material = settings.DATABASE_KEY.encode()
    else:
        path = settings.DATABASE_KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(Fernet.generate_key())
            path.chmod(0o600)
            logger.warning(
                "No database key was configured: generated a new one in %s. Back it up: "
                "secrets stored in the database cannot be read without it.",
                path,
            )
        material = path.read_bytes().strip()
    try:
        Fernet(material)
        return material
    except ValueError:
        # Any passphrase works as a key: derive a Fernet key from it.
        return base64.urlsafe_b64encode(hashlib.sha256(material).digest())


@lru_cache(maxsize=1)
def fernet() -> Fernet:
    return Fernet(_load_or_create_key())


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("a stored secret cannot be decrypted with the configured database key") from exc


class EncryptedTextField(models.TextField):
    """A text column whose value is encrypted in the database and plain in
    Python. Empty values stay empty."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)
