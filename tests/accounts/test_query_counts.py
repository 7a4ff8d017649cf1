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
    client = logged_in_client(User.objects.get(pk=root_admin.pk))
    url = url.format(account=tenancy["sales_user"].account.uuid)
    add_rows(root_admin, tenancy, 2, 0)
    few = queries_for(client, url)
    add_rows(root_admin, tenancy, 8, 2)
    many = queries_for(client, url)
    assert many == few, f"{url}: {few} queries with few rows, {many} with more"


def test_network_list_pages_and_apis_do_not_query_per_row(root_admin, tenancy):
    """Guest networks, security groups (with their rules) and offerings."""
    from infrastructure.services import zones
    from network.models import NetworkOffering
    from network.services import networks, physical_networks, security_groups
    from tests.api.test_command_api import session

    zone = zones.create_zone(root_admin, name="q", network_type="Advanced", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    physical = physical_networks.create_physical_network(root_admin, zone, name="phys")
    physical_networks.add_traffic_type(root_admin, physical, traffic_type="Guest")
    offering = NetworkOffering.objects.get(name="DefaultSharedNetworkOfferingWithSGService")
    owner = tenancy["sales_user"].account

    def add(start, n):
        for i in range(start, start + n):
            networks.create_network(root_admin, zone, offering, name=f"n{i}", gateway=f"10.{100 + i}.0.1",
                                    netmask="/24", start_ip=f"10.{100 + i}.0.10", vlan=str(100 + i),
                                    account=owner if i % 2 else None)
            group = security_groups.create_security_group(root_admin, root_admin.account, name=f"g{i}")
            security_groups.authorize(root_admin, group, "ingress", protocol="tcp", start_port=22, end_port=22,
                                      cidrs=["0.0.0.0/0"], source_groups=[("admin", "default")])

    api, login = session()
    client = logged_in_client(User.objects.get(pk=root_admin.pk))

    def api_queries(command):
        with CaptureQueriesContext(connection) as ctx:
            api.get("/client/api", {"command": command, "sessionkey": login["sessionkey"], "response": "json",
                                    "listall": "true"})
        return len(ctx.captured_queries)

    add(0, 2)
    few = [queries_for(client, u) for u in ("/client/networks/", "/client/security-groups/")]
    few_api = [api_queries(c) for c in ("listNetworks", "listSecurityGroups", "listNetworkOfferings")]
    add(2, 6)
    assert [queries_for(client, u) for u in ("/client/networks/", "/client/security-groups/")] == few
    assert [api_queries(c) for c in ("listNetworks", "listSecurityGroups", "listNetworkOfferings")] == few_api
