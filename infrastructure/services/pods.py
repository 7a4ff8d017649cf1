"""Pods (guide 2.8.6, 6.4): a subnet, with a reserved system range inside it."""
import ipaddress

from django.db import transaction

from accounts.services.validation import require_name
from cloudstack_ui.dependents import delete_checked
from cloudstack_ui.errors import InvalidParameter
from infrastructure.models import AllocationState, Pod, Zone
from infrastructure.services.access import ensure_root_admin, locked
from infrastructure.services.addressing import check_range, netmask_text, overlaps


def pod_network(pod: Pod) -> ipaddress.IPv4Network:
    return ipaddress.ip_network(f"{pod.gateway}/{pod.netmask}", strict=False)


def _validate(zone: Zone, *, name, gateway, netmask, start_ip, end_ip, exclude=None):
    network, gateway_ip, start, end = check_range(gateway=gateway, netmask=netmask, start=start_ip, end=end_ip)
    pods = zone.pods.exclude(pk=exclude.pk) if exclude else zone.pods.all()
    if pods.filter(name__iexact=name).exists():
        raise InvalidParameter(f"name: zone {zone.name} already has a pod named {name}", field="name")
    for other in pods:
        if pod_network(other).overlaps(network):
            raise InvalidParameter(f"netmask: the pod subnet {network} overlaps the subnet {pod_network(other)} of "
                                   f"pod {other.name}", field="netmask")
    for other in [*zone.vlan_ip_ranges.all(), *zone.storage_ip_ranges.all()]:
        if overlaps(start, end, other.start_ip, other.end_ip):
            raise InvalidParameter(f"startip: the reserved range {start}-{end} overlaps the IP range "
                                   f"{other.start_ip}-{other.end_ip}", field="startip")
    return network, gateway_ip, start, end


@transaction.atomic
def create_pod(caller, zone: Zone, *, name: str, gateway: str, netmask: str, start_ip: str, end_ip: str | None = None,
               allocation_state: str = AllocationState.ENABLED) -> Pod:
    ensure_root_admin(caller)
    zone = locked(Zone, zone)
    name = require_name(name, "name", "pod name")
    network, gateway_ip, start, end = _validate(zone, name=name, gateway=gateway, netmask=netmask,
                                                start_ip=start_ip, end_ip=end_ip)
    return Pod.objects.create(zone=zone, name=name, gateway=str(gateway_ip), netmask=netmask_text(network.prefixlen),
                              start_ip=str(start), end_ip=str(end), allocation_state=allocation_state)


@transaction.atomic
def update_pod(caller, pod: Pod, *, name=None, gateway=None, netmask=None, start_ip=None, end_ip=None,
               allocation_state=None) -> Pod:
    ensure_root_admin(caller)
    locked(Zone, pod.zone)
    pod = locked(Pod, pod)
    values = {"name": require_name(name, "name", "pod name") if name is not None else pod.name,
              "gateway": gateway or pod.gateway, "netmask": netmask or pod.netmask,
              "start_ip": start_ip or pod.start_ip, "end_ip": end_ip or pod.end_ip}
    network, gateway_ip, start, end = _validate(pod.zone, exclude=pod, **values)
    pod.name, pod.gateway, pod.netmask = values["name"], str(gateway_ip), netmask_text(network.prefixlen)
    pod.start_ip, pod.end_ip = str(start), str(end)
    if allocation_state is not None:
        if allocation_state not in AllocationState.values:
            raise InvalidParameter("allocationstate: must be Enabled or Disabled", field="allocationstate")
        pod.allocation_state = allocation_state
    pod.save()
    return pod


@transaction.atomic
def delete_pod(caller, pod: Pod) -> None:
    ensure_root_admin(caller)
    pod = locked(Pod, pod)
    delete_checked(pod, hint="delete them first")
