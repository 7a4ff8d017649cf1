"""Global Settings pages: search, inline edit with type checks, reset, the
hypervisor capabilities; root admins only."""
import pytest

from accounts.models import User
from cloudstack_ui.api.settings_keys import DEFAULT_PAGE_SIZE
from cloudstack_ui.config.keys import get_value
from infrastructure.models import HypervisorCapability
from tests.conftest import logged_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(root_admin):
    User.objects.filter(pk=root_admin.pk).update(must_change_password=False)
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
