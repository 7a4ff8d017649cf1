"""Static NAT (guide 13.13): a public address maps one-to-one onto one
instance's guest address on the address's network. Not on the source NAT
address, not with port forwarding rules on the address, one static NAT
address per guest address. The address is locked while it is checked,
changed and applied; when the router refuses, the change is undone."""
from django.db import transaction

from cloudstack_ui.errors import InvalidParameter
from cloudstack_ui.jobs.events import record_event
from network.models import Network, PublicIpAddress
from network.services import routers
from network.services.firewall import ensure_offers
from network.services.port_forwarding import instance_guest_ip
from network.services.public_ips import ensure_ip_of_network, ensure_owner_acts


def _locked(ip: PublicIpAddress) -> PublicIpAddress:
    return PublicIpAddress.objects.select_for_update().select_related("network__offering", "account").get(pk=ip.pk)


@transaction.atomic
def enable_static_nat(caller, ip: PublicIpAddress, *, vm_uuid, guest_address: str = "",
                      network: Network | None = None) -> PublicIpAddress:
    """Map the address onto the instance's guest address and apply it;
    nothing changes when the router refuses."""
    ensure_owner_acts(caller, ip)
    ip = _locked(ip)
    if ip.network_id is None:
        raise InvalidParameter(f"ipaddressid: {ip.address} belongs to no network; acquire it for one first",
                               field="ipaddressid")
    if network is not None:
        ensure_ip_of_network(ip, network, "networkid")
    ensure_offers(ip.network, "StaticNat", "ipaddressid")
    if ip.is_source_nat:
        raise InvalidParameter(f"ipaddressid: {ip.address} is the source NAT address of network {ip.network.name}; "
                               f"static NAT cannot be enabled on it", field="ipaddressid")
    if ip.port_forwarding_rules.exists():
        raise InvalidParameter(f"ipaddressid: {ip.address} has port forwarding rules; static NAT cannot be enabled "
                               f"on it", field="ipaddressid")
    guest_ip = instance_guest_ip(ip, vm_uuid, guest_address)
    if ip.static_nat_ip_id is not None and ip.static_nat_ip_id != guest_ip.pk:
        raise InvalidParameter(f"ipaddressid: {ip.address} already has static NAT to another instance; disable it "
                               f"first", field="ipaddressid")
    other = guest_ip.static_nat_ips.exclude(pk=ip.pk).first()
    if other is not None:
        raise InvalidParameter(f"virtualmachineid: instance {guest_ip.nic.instance.name} already has static NAT "
                               f"on {other.address}", field="virtualmachineid")
    ip.static_nat_ip = guest_ip
    ip.save(update_fields=["static_nat_ip"])
    routers.apply_network_rules(ip.network)
    record_event("STATICNAT.ENABLE", f"Static NAT {ip.address} -> {guest_ip.address} enabled", user=caller,
                 account=ip.account, resource=ip)
    return ip


@transaction.atomic
def disable_static_nat(caller, ip: PublicIpAddress) -> PublicIpAddress:
    """Remove the address's static NAT and apply it; nothing changes when the router refuses."""
    ensure_owner_acts(caller, ip)
    ip = _locked(ip)
    if ip.static_nat_ip_id is None:
        raise InvalidParameter(f"ipaddressid: {ip.address} has no static NAT", field="ipaddressid")
    ip.static_nat_ip = None
    ip.save(update_fields=["static_nat_ip"])
    routers.apply_network_rules(ip.network)
    record_event("STATICNAT.DISABLE", f"Static NAT of {ip.address} disabled", user=caller, account=ip.account,
                 resource=ip)
    return ip
