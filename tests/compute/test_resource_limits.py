"""Account resource limits: the defaults, who may change them, and every
compute request that would pass one refused with CloudStack's 535 and
nothing left behind; concurrent deploys of one account never pass its
instance limit (MariaDB)."""
import threading

import pytest
from django.db import connection, connections
from django.urls import reverse

from accounts.models import ResourceLimit
from cloudstack_ui.errors import CloudStackError, NotFound, PermissionDenied, ResourceAllocationError
from compute.models import DiskOffering, ServiceOffering, Snapshot, Template, VirtualMachine, Volume
from compute.services import instances
from network.models import GuestIpAddress
from tests.compute.conftest import call, client_of, deployed_instance, new_volume

pytestmark = pytest.mark.django_db

Type = ResourceLimit.Type


def limits(caller, **params) -> dict[str, int]:
    return {row.type_name: row.limit for row in call(caller, "listResourceLimits", **params)}


def set_limit(admin, user, resource_type: int, maximum: int):
    return call(admin, "updateResourceLimit", account=user.account.name, domainid=user.account.domain.uuid,
                resourcetype=resource_type, max=maximum)


def refused_by_limit(action, type_name: str):
    with pytest.raises(CloudStackError) as raised:
        action()
    assert raised.value.errorcode == ResourceAllocationError.errorcode, raised.value
    assert f"'{type_name}'" in raised.value.message
    return raised.value


def test_defaults_and_who_may_change_them(tenancy, root_admin):
    user, comp1_admin = tenancy["comp1_user"], tenancy["comp1_admin"]
    assert limits(user) == {"user_vm": 20, "volume": 20, "snapshot": 20, "template": 20, "cpu": 40,
                            "memory": 40960, "primary_storage": 200}
    assert set(limits(root_admin).values()) == {-1}, "the root admin's account is not limited"
    assert limits(user, resourcetypename="cpu") == {"cpu": 40}
    assert not limits(user, resourcetype=1), "public IPs are not counted, so not listed"

    answer = set_limit(comp1_admin, user, Type.USER_VM, 3)
    assert (answer.type_name, answer.limit, answer.used) == ("user_vm", 3, 0)
    assert limits(user)["user_vm"] == 3 and limits(tenancy["sales_user"])["user_vm"] == 20
    with pytest.raises(PermissionDenied, match="their own account"):
        set_limit(comp1_admin, comp1_admin, Type.USER_VM, 100)
    with pytest.raises((NotFound, PermissionDenied)):
        set_limit(tenancy["other_admin"], user, Type.USER_VM, 100)
    with pytest.raises(PermissionDenied):
        set_limit(user, user, Type.USER_VM, 100)
    with pytest.raises(CloudStackError, match="resourcetype: 1 is not one of the limited types") as error:
        set_limit(root_admin, user, 1, 5)
    assert error.value.field == "resourcetype"
    with pytest.raises(CloudStackError, match="max: -1") as error:
        set_limit(root_admin, user, Type.USER_VM, -5)
    assert error.value.field == "max"
    assert ResourceLimit.objects.get(account=user.account).max == 3, "refusals change nothing"
    counts = call(root_admin, "updateResourceCount", account=user.account.name, domainid=user.account.domain.uuid)
    assert {row.type_name: row.used for row in counts}["user_vm"] == 0


def test_each_request_past_a_limit_is_refused_and_leaves_nothing(volume_world, root_admin):
    world, user = volume_world, volume_world["user"]
    assert limits(user, resourcetypename="user_vm") == {"user_vm": 20}
    used = {row.type_name: row.used for row in call(user, "listResourceLimits")}
    assert used["user_vm"] == 1 and used["volume"] == 1 and used["cpu"] == 1 and used["memory"] == 512

    set_limit(root_admin, user, Type.USER_VM, 1)
    before = (VirtualMachine.objects.count(), Volume.objects.count(), GuestIpAddress.objects.count())
    refused_by_limit(lambda: deployed_instance(world, "web2"), "user_vm")
    assert (VirtualMachine.objects.count(), Volume.objects.count(), GuestIpAddress.objects.count()) == before, \
        "no instance, volume or address is left"

    set_limit(root_admin, user, Type.USER_VM, -1)
    set_limit(root_admin, user, Type.CPU, 1)
    refused_by_limit(lambda: deployed_instance(world, "web2"), "cpu")
    set_limit(root_admin, user, Type.MEMORY, 512)
    medium = ServiceOffering.objects.get(name="Medium Instance")
    call(user, "stopVirtualMachine", id=world["vm"].uuid)
    refused_by_limit(lambda: call(user, "changeServiceForVirtualMachine", id=world["vm"].uuid,
                                  serviceofferingid=medium.uuid), "memory")
    assert VirtualMachine.objects.get(pk=world["vm"].pk).service_offering.name == "Small Instance"

    set_limit(root_admin, user, Type.VOLUME, 2)
    new_volume(world, name="data1")
    refused_by_limit(lambda: new_volume(world, name="data2"), "volume")
    assert not Volume.objects.filter(name="data2").exists()

    set_limit(root_admin, user, Type.PRIMARY_STORAGE, 1)
    refused_by_limit(lambda: call(user, "resizeVolume", id=Volume.objects.get(name="data1").uuid,
                                  diskofferingid=DiskOffering.objects.get(name="Large").uuid), "primary_storage")

    root = world["vm"].volumes.get(volume_type="ROOT")
    set_limit(root_admin, user, Type.SNAPSHOT, 1)
    call(user, "createSnapshot", volumeid=root.uuid)
    refused_by_limit(lambda: call(user, "createSnapshot", volumeid=root.uuid), "snapshot")
    assert Snapshot.objects.count() == 1

    set_limit(root_admin, user, Type.TEMPLATE, 0)
    refused_by_limit(lambda: call(user, "createTemplate", name="golden", ostypeid=world["template"].os_type.uuid,
                                  volumeid=root.uuid), "template")
    assert not Template.objects.filter(name="golden").exists()


def test_the_dashboard_shows_usage_against_limits(volume_world, root_admin):
    user = volume_world["user"]
    set_limit(root_admin, user, Type.USER_VM, 4)
    page = client_of(user).get(reverse("ui:dashboard")).content.decode()
    assert 'data-limit="user_vm"' in page and "1 of 4" in page and "25%" in page
    assert 'data-limit="primary_storage"' in page
    assert 'data-limit="user_vm"' not in client_of(root_admin).get(reverse("ui:dashboard")).content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_deploys_of_one_account_never_pass_its_limit(simulator_zone, tenancy, root_admin):
    """12 deploys at once for an account allowed 3 instances: exactly 3
    are recorded, 9 refused."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; CI runs this on MariaDB")
    from tests.compute.conftest import ready_template

    user = tenancy["comp1_user"]
    template = ready_template(simulator_zone, root_admin)
    set_limit(root_admin, user, Type.USER_VM, 3)
    small = ServiceOffering.objects.get(name="Small Instance")
    recorded, refused, others = [], [], []
    barrier = threading.Barrier(12)

    def deploy(n):
        try:
            barrier.wait()
            vm, _request = instances.deploy_virtual_machine(user, zone=simulator_zone.zone, service_offering=small,
                                                            template_uuid=template.uuid, name=f"c{n}", start=False)
            recorded.append(vm.pk)
        except ResourceAllocationError:
            refused.append(n)
        except Exception as exc:
            others.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deploy, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not others
    assert len(recorded) == 3 and len(refused) == 9
    assert VirtualMachine.objects.filter(account=user.account).count() == 3


def test_the_account_page_lists_limits_and_admins_edit_them(tenancy, root_admin):
    user = tenancy["comp1_user"]
    page_url = reverse("accounts:account_detail", args=[user.account.uuid])
    edit_url = reverse("accounts:account_limit", args=[user.account.uuid, Type.USER_VM])
    own = client_of(user).get(page_url).content.decode()
    assert 'data-limit="user_vm"' in own and edit_url not in own, "users see their limits, not how to edit them"
    assert client_of(user).post(edit_url, {"max": 100}).status_code in (403, 404)

    admin = client_of(root_admin)
    assert edit_url in admin.get(page_url).content.decode()
    dialog = admin.get(edit_url, HTTP_HX_REQUEST="true").content.decode()
    assert "Instances of account comp1-user: 0 in use." in dialog and 'value="20"' in dialog
    assert "greater than or equal to -1" in admin.post(edit_url, {"max": -3}).content.decode()
    response = admin.post(edit_url, {"max": 5})
    assert response.status_code == 302 and response.url == page_url
    assert ResourceLimit.objects.get(account=user.account, resource_type=Type.USER_VM).max == 5
    assert admin.get(reverse("accounts:account_limit", args=[user.account.uuid, 1])).status_code == 404
    comp1_admin = client_of(tenancy["comp1_admin"])
    assert edit_url not in comp1_admin.get(reverse("accounts:account_detail",
                                                   args=[tenancy["comp1_admin"].account.uuid])).content.decode()
