"""Service and disk offerings: the shipped defaults, every rule (the field
and the reason, nothing created), who sees and manages which, the command
API and the pages."""
import pytest

from accounts.models import User
from cloudstack_ui.errors import InvalidParameter, NotFound, PermissionDenied
from compute.models import DiskOffering, ServiceOffering
from compute.services import offerings
from tests.api.test_command_api import call, session
from tests.conftest import PASSWORD, logged_in_client

pytestmark = pytest.mark.django_db


def refused(call_, field, text, exc=InvalidParameter):
    with pytest.raises(exc) as error:
        call_()
    assert error.value.field == field and text in error.value.message, error.value.message


def test_the_shipped_defaults():
    small = ServiceOffering.objects.get(name="Small Instance")
    assert (small.cpu_number, small.cpu_speed, small.memory) == (1, 500, 512)
    assert ServiceOffering.objects.get(name="Medium Instance").memory == 1024
    assert dict(DiskOffering.objects.values_list("name", "disk_size")) == {"Small": 5, "Medium": 20, "Large": 100,
                                                                           "Custom": 0}
    assert DiskOffering.objects.get(name="Custom").customized


@pytest.mark.parametrize("changes, field, text", [
    ({"cpu_number": 0}, "cpunumber", "from 1 to 128"),
    ({"cpu_speed": 50}, "cpuspeed", "from 100 to 100000"),
    ({"memory": "lots"}, "memory", "not a number"),
    ({"storage_type": "tape"}, "storagetype", "shared or local"),
    ({"name": "Small Instance"}, "name", "already exists"),
    ({"network_rate": 0}, "networkrate", "from 1"),
])
def test_service_offering_rules(root_admin, changes, field, text):
    good = {"name": "Big", "display_text": "Big", "cpu_number": 4, "cpu_speed": 2000, "memory": 8192}
    refused(lambda: offerings.create_service_offering(root_admin, **{**good, **changes}), field, text)
    assert not ServiceOffering.objects.filter(is_default=False).exists()


def test_disk_offering_rules(root_admin):
    create = offerings.create_disk_offering
    refused(lambda: create(root_admin, name="x", display_text="x"), "disksize", "give the size in GB")
    refused(lambda: create(root_admin, name="x", display_text="x", disk_size=10, customized=True), "disksize",
            "custom offering takes its size when used")
    refused(lambda: create(root_admin, name="x", display_text="x", disk_size=0), "disksize", "from 1 to 65536")
    assert create(root_admin, name="Huge", display_text="1 TB", disk_size=1024, tags="ssd, ssd,fast").tags == \
        "ssd,fast"
    assert create(root_admin, name="Any", display_text="Any size", customized=True).disk_size == 0


def test_who_sees_and_manages_offerings(root_admin, tenancy):
    comp1_admin, other_admin = tenancy["comp1_admin"], tenancy["other_admin"]
    refused(lambda: offerings.create_service_offering(comp1_admin, name="x", display_text="x", cpu_number=1,
                                                      cpu_speed=500, memory=512), None, "public", PermissionDenied)
    mine = offerings.create_service_offering(comp1_admin, name="Comp1 Large", display_text="x", cpu_number=2,
                                             cpu_speed=1000, memory=2048, domain=tenancy["sales"])

    def names(user):
        return set(offerings.visible_service_offerings(user).values_list("name", flat=True))

    assert "Comp1 Large" in names(tenancy["sales_user"]) and "Comp1 Large" in names(comp1_admin)
    assert "Comp1 Large" not in names(tenancy["comp1_user"]), "an offering of sales is for sales and below"
    assert names(other_admin) == {"Small Instance", "Medium Instance"}
    with pytest.raises(NotFound):
        offerings.delete_offering(other_admin, mine)
    offerings.update_offering(comp1_admin, mine, name="Comp1 L", display_text="Two cores")
    offerings.delete_offering(comp1_admin, mine)
    assert not ServiceOffering.objects.filter(name="Comp1 L").exists()


def test_commands_and_pages(root_admin, tenancy):
    client, login = session()
    key = login["sessionkey"]
    created = call(client, key, "createServiceOffering", name="Large Instance", displaytext="4 cores, 8 GB",
                   cpunumber="4", cpuspeed="2000", memory="8192", offerha="true", hosttags="ssd").json()[
        "createserviceofferingresponse"]["serviceoffering"]
    assert (created["cpunumber"], created["memory"], created["offerha"], created["hosttags"]) == (4, 8192, True, "ssd")
    bad = call(client, key, "createDiskOffering", name="bad", displaytext="bad", disksize="0").json()[
        "creatediskofferingresponse"]
    assert bad["errorcode"] == 431 and "disksize" in bad["errortext"]
    listed = call(client, key, "listDiskOfferings").json()["listdiskofferingsresponse"]
    assert listed["count"] == 4 and {"Custom"} == {o["name"] for o in listed["diskoffering"] if o["iscustomized"]}
    user_client, user_login = session("sales-user", PASSWORD, "/Comp1/sales")
    user_key = user_login["sessionkey"]
    assert call(user_client, user_key, "listServiceOfferings").json()["listserviceofferingsresponse"]["count"] == 3
    denied = call(user_client, user_key, "createServiceOffering", name="x", displaytext="x", cpunumber="1",
                  cpuspeed="500", memory="512")
    assert denied.status_code == 432

    page = logged_in_client(User.objects.get(pk=root_admin.pk))
    assert "Large Instance" in page.get("/client/service-offerings/").content.decode()
    added = page.post("/client/disk-offerings/add", {"name": "Fast", "displaytext": "Fast 50 GB", "disksize": "50",
                                                     "storagetype": "shared", "domainid": ""})
    assert added.status_code == 302 and DiskOffering.objects.get(name="Fast").disk_size == 50
    refused_page = page.post("/client/service-offerings/add", {"name": "Tiny", "displaytext": "t", "cpunumber": "1",
                                                               "cpuspeed": "10", "memory": "512",
                                                               "storagetype": "shared", "domainid": ""})
    assert "from 100 to 100000" in refused_page.content.decode()
    fast = DiskOffering.objects.get(name="Fast")
    assert page.post(f"/client/disk-offerings/{fast.uuid}/delete").status_code == 302
    assert not DiskOffering.objects.filter(name="Fast").exists()
    assert logged_in_client(tenancy["sales_user"]).get("/client/service-offerings/add").status_code == 403
