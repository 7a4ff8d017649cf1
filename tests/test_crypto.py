"""The database key (guide 4.5.5): from the environment or a file, generated
with a warning when absent, never in the database."""
import logging

import pytest
from cryptography.fernet import Fernet

from cloudstack_ui import crypto


@pytest.fixture
def fresh_key_cache():
    crypto.fernet.cache_clear()
    yield
    crypto.fernet.cache_clear()


def test_key_is_generated_into_the_file_with_a_warning(settings, tmp_path, caplog, fresh_key_cache):
    settings.DATABASE_KEY = ""
    settings.DATABASE_KEY_FILE = tmp_path / "database.key"
    with caplog.at_level(logging.WARNING, logger="cloudstack_ui.crypto"):
        token = crypto.encrypt("top secret")
    assert settings.DATABASE_KEY_FILE.exists()
    assert oct(settings.DATABASE_KEY_FILE.stat().st_mode & 0o777) == "0o600"
    assert "generated a new one" in caplog.text
    assert crypto.decrypt(token) == "top secret"


def test_key_from_environment_passphrase(settings, fresh_key_cache):
    settings.DATABASE_KEY = "a passphrase, not a Fernet key"
    token = crypto.encrypt("x")
    assert crypto.decrypt(token) == "x"
    crypto.fernet.cache_clear()
    settings.DATABASE_KEY = Fernet.generate_key().decode()
    with pytest.raises(ValueError, match="cannot be decrypted"):
        crypto.decrypt(token)
