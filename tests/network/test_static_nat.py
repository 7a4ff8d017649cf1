"""Static NAT through the command API: enableStaticNat answers at once,
disableStaticNat is a job; refused on the source NAT address, with port
forwarding rules on the address, when the instance already has another
static NAT address, for another account's instance or network; a refused
apply leaves the mapping as it was."""
import pytest

from cloudstack_ui.jobs.models import AsyncJob
from network.models import PublicIpAddress
from network.services.public_ips import allocate_public_ip
from tests.compute.conftest import call
from tests.network.conftest import instance_on, refused


def enable(world, caller=None, ip="ip", vm="web1", **params):
    return call(caller or world["user"], "enableStaticNat",
                **{"ipaddressid": world[ip].uuid, "virtualmachineid": world[vm].uuid, **params})


def mapped(world, ip="ip"):
    return PublicIpAddress.objects.get(pk=world[ip].pk).static_nat_ip


@pytest.mark.django_db
def test_enable_then_disable(isolated, router_apply):
    assert enable(isolated) == {"success": True}
    guest_ip = isolated["web1"].nics.get().guest_ip
    assert mapped(isolated) == guest_ip
    assert router_apply.calls[-1]["static_nat"] == [(isolated["ip"].address, guest_ip.address)]
    assert not AsyncJob.objects.exists(), "enableStaticNat is not a job"
    assert enable(isolated) == {"success": True}, "enabling it again for the same instance changes nothing"
    assert call(isolated["user"], "disableStaticNat", ipaddressid=isolated["ip"].uuid) == {"success": True}
    assert mapped(isolated) is None and router_apply.calls[-1]["static_nat"] == []
    job = AsyncJob.objects.get()
    assert (job.command, job.instance_type, job.instance_uuid) == ("disableStaticNat", "IpAddress",
                                                                   isolated["ip"].uuid)
    refused(lambda: call(isolated["user"], "disableStaticNat", ipaddressid=isolated["ip"].uuid), "ipaddressid",
            "has no static NAT")


@pytest.mark.django_db
def test_refusals(isolated, router_apply):
    refused(lambda: enable(isolated, ip="source_nat"), "ipaddressid", "is the source NAT address")
    call(isolated["user"], "createPortForwardingRule", ipaddressid=isolated["ip2"].uuid, protocol="tcp",
         publicport=22, privateport=22, virtualmachineid=isolated["web2"].uuid)
    refused(lambda: enable(isolated, ip="ip2"), "ipaddressid", "has port forwarding rules")
    enable(isolated)
    refused(lambda: enable(isolated, vm="web2"), "ipaddressid", "already has static NAT to another instance")
    isolated["free"] = allocate_public_ip(isolated["user"].account, isolated["web"])
    refused(lambda: enable(isolated, vm="shop1", ip="free"), "virtualmachineid", "has no NIC on network web")
    refused(lambda: enable(isolated, ip="shop_ip"), "ipaddressid", "no public IP address")
    refused(lambda: enable(isolated, caller=isolated["tenancy"]["other_admin"]), "ipaddressid",
            "no public IP address")
    stranger = instance_on(isolated["web"], "stranger", account=isolated["sales"].account)
    refused(lambda: enable(isolated, ip="free", virtualmachineid=stranger.uuid), "virtualmachineid",
            "not of the account")
    refused(lambda: enable(isolated, ip="shop_ip", vm="shop1", caller=isolated["tenancy"]["comp1_admin"],
                           networkid=isolated["web"].uuid), "networkid", "not to network web")


@pytest.mark.django_db
def test_an_instance_has_one_static_nat_address(isolated, router_apply):
    third = allocate_public_ip(isolated["user"].account, isolated["web"])
    enable(isolated)
    refused(lambda: call(isolated["user"], "enableStaticNat", ipaddressid=third.uuid,
                         virtualmachineid=isolated["web1"].uuid), "virtualmachineid",
            f"already has static NAT on {isolated['ip'].address}")


@pytest.mark.django_db
def test_a_refused_apply_changes_nothing(isolated, router_apply):
    router_apply.failing = True
    with pytest.raises(Exception, match="the host refused"):
        enable(isolated)
    assert router_apply.calls[0]["static_nat"], "the router was given the mapping"
    assert mapped(isolated) is None
    router_apply.failing = False
    enable(isolated)
    router_apply.failing = True
    with pytest.raises(Exception, match="the host refused"):
        call(isolated["user"], "disableStaticNat", ipaddressid=isolated["ip"].uuid)
    assert mapped(isolated) == isolated["web1"].nics.get().guest_ip, "still mapped"
