"""The API access page: endpoint, API key and cloudstack.ini, never the
stored secret; keys regenerated with the secret shown once."""
import pytest

from accounts.models import User
from accounts.services.users import register_user_keys
from tests.conftest import logged_in_client

pytestmark = pytest.mark.django_db


def test_own_page_shows_endpoint_key_and_ini_but_never_the_secret(tenancy):
    user = tenancy["sales_user"]
    api_key, secret = register_user_keys(user, user)
    page = logged_in_client(user).get(f"/client/users/{user.uuid}/api-access")
    html = page.content.decode()
    assert page.status_code == 200
    assert "http://testserver/client/api" in html and api_key in html
    assert f"key = {api_key}" in html and "[cloudstack]" in html
    assert secret not in html
    assert "Regenerate keys" in html


def test_another_tenants_page_is_not_found_and_admins_see_their_scope(tenancy):
    sales_user, comp1_admin, other_admin = tenancy["sales_user"], tenancy["comp1_admin"], tenancy["other_admin"]
    assert logged_in_client(other_admin).get(f"/client/users/{sales_user.uuid}/api-access").status_code == 404
    assert logged_in_client(tenancy["comp1_user"]).get(
        f"/client/users/{sales_user.uuid}/api-access").status_code == 404
    assert logged_in_client(comp1_admin).get(f"/client/users/{sales_user.uuid}/api-access").status_code == 200


def test_regenerating_shows_the_new_secret_once(tenancy):
    user = tenancy["sales_user"]
    client = logged_in_client(user)
    result = client.post(f"/client/users/{user.uuid}/keys", {})
    user = User.objects.get(pk=user.pk)
    assert user.secret_key and user.secret_key in result.content.decode()
    assert result["Cache-Control"] == "no-store"
    later = client.get(f"/client/users/{user.uuid}/api-access").content.decode()
    assert user.api_key in later and user.secret_key not in later
