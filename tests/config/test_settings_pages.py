"""Global Settings pages: search, inline edit with type checks, reset, the
hypervisor capabilities; root admins only."""
import pytest

from cloudstack_ui.api.settings_keys import DEFAULT_PAGE_SIZE
from cloudstack_ui.config.keys import get_value
from infrastructure.models import HypervisorCapability
from tests.conftest import logged_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(root_admin):
    return logged_in_client(root_admin)


def test_list_search_and_inline_edit(admin):
    page = admin.get("/client/settings/").content.decode()
    for name in ("default.page.size", "management.network.cidr", "ha.tag", "guest.vlan.bits", "ping.interval"):
        assert name in page
    assert "after a restart" in page
    narrowed = admin.get("/client/settings/", {"keyword": "page"}, HTTP_HX_REQUEST="true").content.decode()
    assert "default.page.size" in narrowed and "ha.tag" not in narrowed

    edit = admin.get("/client/settings/default.page.size/edit").content.decode()
    assert 'name="value"' in edit
    saved = admin.post("/client/settings/default.page.size/edit", {"value": "100"}).content.decode()
    assert "table-success" in saved and get_value(DEFAULT_PAGE_SIZE) == 100
    refused = admin.post("/client/settings/default.page.size/edit", {"value": "lots"}).content.decode()
    assert "must be an integer" in refused and get_value(DEFAULT_PAGE_SIZE) == 100
    cidr = admin.post("/client/settings/management.network.cidr/edit", {"value": "192.168.3.0/33"}).content.decode()
    assert "not a CIDR" in cidr
    admin.post("/client/settings/default.page.size/edit", {"reset": "1"})
    assert get_value(DEFAULT_PAGE_SIZE) == 500


def test_only_root_admins(tenancy):
    for user in (tenancy["comp1_admin"], tenancy["comp1_user"]):
        client = logged_in_client(user)
        assert client.get("/client/settings/").status_code == 403
        assert client.post("/client/settings/default.page.size/edit", {"value": "1"}).status_code == 403
    assert get_value(DEFAULT_PAGE_SIZE) == 500


def test_hypervisor_capabilities(admin):
    page = admin.get("/client/settings/hypervisors/").content.decode()
    for name in ("KVM", "XenServer", "VMware", "Simulator"):
        assert name in page
    kvm = HypervisorCapability.objects.get(hypervisor="KVM")
    admin.post(f"/client/settings/hypervisors/{kvm.uuid}/edit", {"maxguestslimit": 60, "maxdatavolumeslimit": 24,
                                                                 "maxhostspercluster": 16})
    kvm.refresh_from_db()
    assert kvm.max_guests_limit == 60
    refused = admin.post(f"/client/settings/hypervisors/{kvm.uuid}/edit", {"maxguestslimit": 0,
                                                                           "maxdatavolumeslimit": 24})
    assert refused.status_code == 200 and "greater than or equal to 1" in refused.content.decode()


def test_settings_per_zone_cluster_and_account(root_admin, tenancy):
    from cloudstack_ui.config.keys import get_key
    from cloudstack_ui.config.services import update_setting
    from cloudstack_ui.errors import InvalidParameter
    from infrastructure.services import clusters, pods, zones

    zone = zones.create_zone(root_admin, name="z", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.2")
    pod = pods.create_pod(root_admin, zone, name="p", gateway="10.9.0.1", netmask="/24", start_ip="10.9.0.2")
    cluster = clusters.add_cluster(root_admin, pod, name="c", hypervisor="Simulator")
    cpu = get_key("cpu.overprovisioning.factor")
    update_setting(root_admin, "cpu.overprovisioning.factor", "2.5", scope="cluster", scope_uuid=cluster.uuid)
    assert get_value(cpu, cluster.uuid) == 2.5 and get_value(cpu) == 1.0
    with pytest.raises(InvalidParameter, match="set cluster-wide, not per zone"):
        update_setting(root_admin, "cpu.overprovisioning.factor", "3", scope="zone", scope_uuid=zone.uuid)
    with pytest.raises(InvalidParameter) as unknown:
        update_setting(root_admin, "use.local.storage", "true", scope="zone",
                       scope_uuid="7c9e6679-7425-40de-944b-e07fc1f90ae7")
    assert unknown.value.field == "zoneid"
    account = tenancy["comp1_user"].account
    update_setting(root_admin, "max.account.vpcs", "5", scope="account", scope_uuid=account.uuid)
    assert get_value(get_key("max.account.vpcs"), account.uuid) == 5
    assert get_value(get_key("max.account.vpcs"), tenancy["sales_user"].account.uuid) == 20
    update_setting(root_admin, "cpu.overprovisioning.factor", "", scope="cluster", scope_uuid=cluster.uuid)
    assert get_value(cpu, cluster.uuid) == 1.0
