"""List pages issue a fixed number of queries, whatever the number of rows."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.services import users as user_services
from accounts.services.keypairs import create_ssh_keypair
from tests.conftest import PASSWORD, logged_in_client, make_account


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_rows(root_admin, tenancy, n, start):
    for i in range(start, start + n):
        user = make_account(root_admin, tenancy["sales"], f"acct{i}")
        user_services.create_user(root_admin, account=tenancy["sales_user"].account, username=f"u{i}",
                                  password=PASSWORD, first_name="U", last_name="V", email=f"u{i}@example.com")
        create_ssh_keypair(root_admin, name=f"k{i}")
        create_ssh_keypair(user, name=f"k{i}")


@pytest.mark.parametrize("url", ["/client/accounts/", "/client/domains/", "/client/sshkeypairs/",
                                 "/client/accounts/{account}/", "/client/"])
def test_list_pages_do_not_query_per_row(root_admin, tenancy, url):
    User.objects.filter(pk=root_admin.pk).update(must_change_password=False)
    client = logged_in_client(User.objects.get(pk=root_admin.pk))
    url = url.format(account=tenancy["sales_user"].account.uuid)
    add_rows(root_admin, tenancy, 2, 0)
    few = queries_for(client, url)
    add_rows(root_admin, tenancy, 8, 2)
    many = queries_for(client, url)
    assert many == few, f"{url}: {few} queries with few rows, {many} with more"
