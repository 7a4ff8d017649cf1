"""CloudStack commands of the infrastructure: thin, they look objects up
and call infrastructure.services."""
import json

from django.db.models import Q
from django.urls import reverse

from accounts.services.scope import ancestor_paths, get_domain
from cloudstack_ui.api.paging import filter_by_params
from cloudstack_ui.api.registry import ROLE_ADMIN, Command, Param, register
from cloudstack_ui.errors import InvalidParameter, NotFound
from infrastructure.api.serializers import (
    ClusterSerializer,
    HostSerializer,
    HypervisorCapabilitySerializer,
    ImageStoreSerializer,
    PodSerializer,
    RegionSerializer,
    StoragePoolSerializer,
    ZoneSerializer,
)
from infrastructure.lookups import find, find_optional
from infrastructure.models import (
    Cluster,
    Host,
    Hypervisor,
    HypervisorCapability,
    ImageStore,
    Pod,
    Region,
    StoragePool,
    Zone,
)
from infrastructure.services import capacity, clusters, hosts, monitoring, pods, regions, storage, zone_launch, zones

ADMIN = (ROLE_ADMIN,)
SUCCESS = {"success": True}
ALLOCATION = ("Enabled", "Disabled")


# Regions ---------------------------------------------------------------------------------------

@register
class AddRegion(Command):
    name = "addRegion"
    description = "Adds a region (guide 6.2); register it on every other region too"
    authorized = ADMIN
    response_name = "region"
    serializer = RegionSerializer
    params = (
        Param("id", "integer", required=True, description="the region's id, as chosen when its database was set up"),
        Param("name", required=True, description="the region's name"),
        Param("endpoint", required=True, description="the region's management server URL, e.g. http://10.0.0.5:8080/client"),
    )

    def execute(self, caller, **p):
        return regions.add_region(caller, id=p["id"], name=p["name"], endpoint=p["endpoint"])


def _region(p):
    region = Region.objects.filter(id=p["id"]).first()
    if region is None:
        raise NotFound(f"id: there is no region {p['id']}", field="id")
    return region


@register
class UpdateRegion(Command):
    name = "updateRegion"
    description = "Renames a region or changes its endpoint"
    authorized = ADMIN
    response_name = "region"
    serializer = RegionSerializer
    params = (
        Param("id", "integer", required=True, description="the region's id"),
        Param("name", description="the new name"),
        Param("endpoint", description="the new endpoint URL"),
    )

    def execute(self, caller, **p):
        return regions.update_region(caller, _region(p), name=p.get("name"), endpoint=p.get("endpoint"))


@register
class RemoveRegion(Command):
    name = "removeRegion"
    description = "Removes a region from this one's list"
    authorized = ADMIN
    params = (Param("id", "integer", required=True, description="the region's id"),)

    def execute(self, caller, **p):
        regions.remove_region(caller, _region(p))
        return SUCCESS


@register
class ListRegions(Command):
    name = "listRegions"
    description = "Lists the regions"
    authorized = (ROLE_ADMIN, "DomainAdmin", "User")
    response_name = "region"
    serializer = RegionSerializer
    params = (Param("id", "integer", description="the region's id"), Param("name", description="the region's name"),
              Param("keyword", description="list by keyword"))

    def execute(self, caller, **p):
        return filter_by_params(Region.objects.all(), p, id="id", name="name__iexact", keyword="name__icontains")


# Zones -----------------------------------------------------------------------------------------

ZONE_FIELDS = (
    Param("dns1", description="first DNS server of the guest VMs"),
    Param("dns2", description="second DNS server of the guest VMs"),
    Param("internaldns1", description="first DNS server of the system VMs"),
    Param("internaldns2", description="second DNS server of the system VMs"),
    Param("guestcidraddress", description="the guest CIDR of an Advanced zone, e.g. 10.1.1.0/24"),
    Param("domain", description="network domain (DNS suffix) of the zone's guest networks"),
    Param("domainid", "uuid", description="dedicate the zone to this domain (and its subdomains)"),
    Param("allocationstate", choices=ALLOCATION, description="Enabled or Disabled"),
)


@register
class CreateZone(Command):
    name = "createZone"
    description = "Creates a zone (Disabled until enabled)"
    authorized = ADMIN
    response_name = "zone"
    serializer = ZoneSerializer
    params = (
        Param("name", required=True, description="the zone's name"),
        Param("networktype", required=True, choices=tuple(Zone.NetworkType.values), description="Basic or Advanced"),
        Param("hypervisor", choices=tuple(Hypervisor.values), description="the hypervisor of the first cluster"),
        Param("securitygroupenabled", "boolean", description="security groups for guest isolation (Basic zones)"),
        Param("localstorageenabled", "boolean", description="allow local storage for instances"),
    ) + ZONE_FIELDS

    def execute(self, caller, **p):
        domain = get_domain(caller, p["domainid"]) if "domainid" in p else None
        return zones.create_zone(
            caller, name=p["name"], network_type=p["networktype"], dns1=p.get("dns1"), dns2=p.get("dns2"),
            internal_dns1=p.get("internaldns1"), internal_dns2=p.get("internaldns2"),
            guest_cidr=p.get("guestcidraddress", ""), network_domain=p.get("domain", ""), domain=domain,
            hypervisor=p.get("hypervisor", ""), security_groups_enabled=p.get("securitygroupenabled"),
            local_storage_enabled=p.get("localstorageenabled", False),
            allocation_state=p.get("allocationstate", "Disabled"),
        )

    def resource_url(self, result):
        return reverse("infrastructure:zone_detail", args=[result.uuid])


@register
class UpdateZone(Command):
    name = "updateZone"
    description = "Updates a zone: name, DNS, guest CIDR, network domain, allocation state, dedication"
    authorized = ADMIN
    response_name = "zone"
    serializer = ZoneSerializer
    params = (Param("id", "uuid", required=True, description="the zone's id"),
              Param("name", description="the new name"),
              Param("ispublic", "boolean", description="true makes a dedicated zone public again")) + ZONE_FIELDS

    def execute(self, caller, **p):
        zone = find(Zone, p["id"], "id")
        changes = {"name": p.get("name"), "dns1": p.get("dns1"), "dns2": p.get("dns2"),
                   "internal_dns1": p.get("internaldns1"), "internal_dns2": p.get("internaldns2"),
                   "guest_cidr": p.get("guestcidraddress"), "network_domain": p.get("domain"),
                   "allocation_state": p.get("allocationstate")}
        if "domainid" in p:
            changes["domain"] = get_domain(caller, p["domainid"])
        elif p.get("ispublic"):
            changes["domain"] = None
        return zones.update_zone(caller, zone, **changes)


@register
class DeleteZone(Command):
    name = "deleteZone"
    description = "Deletes an empty zone"
    authorized = ADMIN
    params = (Param("id", "uuid", required=True, description="the zone's id"),)

    def execute(self, caller, **p):
        zones.delete_zone(caller, find(Zone, p["id"], "id"))
        return SUCCESS


@register
class ListZones(Command):
    name = "listZones"
    description = "Lists zones: all for root admins, the public and own-domain ones for others"
    authorized = (ROLE_ADMIN, "DomainAdmin", "User")
    response_name = "zone"
    serializer = ZoneSerializer
    params = (
        Param("id", "uuid", description="the zone's id"), Param("name", description="the zone's name"),
        Param("keyword", description="list by keyword"),
        Param("networktype", description="Basic or Advanced"),
        Param("available", "boolean", description="only the zones the caller can deploy in (Enabled)"),
    )

    def execute(self, caller, **p):
        zones_qs = Zone.objects.select_related("domain")
        if not caller.is_root_admin:
            # Public zones, and those dedicated to the caller's domain or an ancestor (guide 2.2).
            zones_qs = zones_qs.filter(allocation_state="Enabled").filter(
                Q(domain__isnull=True) | Q(domain__path__in=ancestor_paths(caller.account.domain)))
        if p.get("available"):
            zones_qs = zones_qs.filter(allocation_state="Enabled")
        return filter_by_params(zones_qs, p, id="uuid", name="name__iexact", keyword="name__icontains",
                                networktype="network_type__iexact")


# Pods ------------------------------------------------------------------------------------------

POD_FIELDS = (
    Param("gateway", description="the reserved system gateway (the pod's gateway)"),
    Param("netmask", description="the pod's netmask, e.g. 255.255.255.0 or /24"),
    Param("startip", description="first IP of the reserved system range"),
    Param("endip", description="last IP of the reserved system range; the subnet's last usable if omitted"),
    Param("allocationstate", choices=ALLOCATION, description="Enabled or Disabled"),
)


@register
class CreatePod(Command):
    name = "createPod"
    description = "Creates a pod with its reserved system IP range"
    authorized = ADMIN
    response_name = "pod"
    serializer = PodSerializer
    params = (
        Param("zoneid", "uuid", required=True, description="the pod's zone"),
        Param("name", required=True, description="the pod's name"),
        Param("gateway", required=True, description="the reserved system gateway (the pod's gateway)"),
        Param("netmask", required=True, description="the pod's netmask, e.g. 255.255.255.0 or /24"),
        Param("startip", required=True, description="first IP of the reserved system range"),
        Param("endip", description="last IP of the reserved system range; the subnet's last usable if omitted"),
        Param("allocationstate", choices=ALLOCATION, description="Enabled or Disabled"),
    )

    def execute(self, caller, **p):
        return pods.create_pod(caller, find(Zone, p["zoneid"], "zoneid"), name=p["name"], gateway=p["gateway"],
                               netmask=p["netmask"], start_ip=p["startip"], end_ip=p.get("endip"),
                               allocation_state=p.get("allocationstate", "Enabled"))


@register
class UpdatePod(Command):
    name = "updatePod"
    description = "Updates a pod: name, range, allocation state"
    authorized = ADMIN
    response_name = "pod"
    serializer = PodSerializer
    params = (Param("id", "uuid", required=True, description="the pod's id"),
              Param("name", description="the new name")) + POD_FIELDS

    def execute(self, caller, **p):
        return pods.update_pod(caller, find(Pod, p["id"], "id"), name=p.get("name"), gateway=p.get("gateway"),
                               netmask=p.get("netmask"), start_ip=p.get("startip"), end_ip=p.get("endip"),
                               allocation_state=p.get("allocationstate"))


@register
class DeletePod(Command):
    name = "deletePod"
    description = "Deletes a pod without clusters or ranges"
    authorized = ADMIN
    params = (Param("id", "uuid", required=True, description="the pod's id"),)

    def execute(self, caller, **p):
        pods.delete_pod(caller, find(Pod, p["id"], "id"))
        return SUCCESS


@register
class ListPods(Command):
    name = "listPods"
    description = "Lists pods"
    authorized = ADMIN
    response_name = "pod"
    serializer = PodSerializer
    params = (Param("id", "uuid", description="the pod's id"), Param("name", description="the pod's name"),
              Param("zoneid", "uuid", description="the pods of this zone"),
              Param("allocationstate", description="Enabled or Disabled"),
              Param("keyword", description="list by keyword"))

    def execute(self, caller, **p):
        return filter_by_params(Pod.objects.select_related("zone"), p, id="uuid", name="name__iexact",
                                zoneid="zone__uuid", allocationstate="allocation_state__iexact",
                                keyword="name__icontains")


# Clusters --------------------------------------------------------------------------------------

@register
class AddCluster(Command):
    name = "addCluster"
    description = "Adds a cluster to a pod"
    authorized = ADMIN
    response_name = "cluster"
    serializer = ClusterSerializer
    params = (
        Param("zoneid", "uuid", required=True, description="the cluster's zone"),
        Param("podid", "uuid", required=True, description="the cluster's pod"),
        Param("clustername", required=True, description="the cluster's name (for VMware: the vCenter cluster)"),
        Param("hypervisor", required=True, choices=tuple(Hypervisor.values), description="KVM, XenServer, VMware or Simulator"),
        Param("clustertype", choices=tuple(Cluster.ClusterType.values), description="CloudManaged or ExternalManaged (VMware)"),
        Param("allocationstate", choices=ALLOCATION, description="Enabled or Disabled"),
        Param("url", description="VMware: http://vcenter/datacenter/cluster"),
        Param("username", description="VMware: the vCenter user"),
        Param("password", secret=True, description="VMware: the vCenter password"),
    )

    def execute(self, caller, **p):
        pod = find(Pod, p["podid"], "podid")
        if pod.zone.uuid != p["zoneid"]:
            raise NotFound(f"podid: pod {pod.name} is not in the given zone", field="podid")
        return [clusters.add_cluster(
            caller, pod, name=p["clustername"], hypervisor=p["hypervisor"], cluster_type=p.get("clustertype", ""),
            allocation_state=p.get("allocationstate", "Enabled"), url=p.get("url", ""),
            username=p.get("username", ""), password=p.get("password", ""),
        )]

    def render(self, result) -> dict:
        # addCluster answers a list of clusters, as CloudStack does.
        return {"count": len(result), "cluster": self.serializer(result, many=True).data}


@register
class UpdateCluster(Command):
    name = "updateCluster"
    description = "Enables/disables, manages/unmanages or renames a cluster"
    authorized = ADMIN
    response_name = "cluster"
    serializer = ClusterSerializer
    params = (
        Param("id", "uuid", required=True, description="the cluster's id"),
        Param("clustername", description="the new name"),
        Param("allocationstate", choices=ALLOCATION, description="Enabled or Disabled"),
        Param("managedstate", choices=tuple(Cluster.ManagedState.values), description="Managed or Unmanaged"),
    )

    def execute(self, caller, **p):
        return clusters.update_cluster(caller, find(Cluster, p["id"], "id"), allocation_state=p.get("allocationstate"),
                                       managed_state=p.get("managedstate"), name=p.get("clustername"))


@register
class DeleteCluster(Command):
    name = "deleteCluster"
    description = "Deletes a cluster without hosts or primary storage"
    authorized = ADMIN
    params = (Param("id", "uuid", required=True, description="the cluster's id"),)

    def execute(self, caller, **p):
        clusters.delete_cluster(caller, find(Cluster, p["id"], "id"))
        return SUCCESS


@register
class ListClusters(Command):
    name = "listClusters"
    description = "Lists clusters"
    authorized = ADMIN
    response_name = "cluster"
    serializer = ClusterSerializer
    params = (Param("id", "uuid", description="the cluster's id"), Param("name", description="the cluster's name"),
              Param("zoneid", "uuid", description="the clusters of this zone"),
              Param("podid", "uuid", description="the clusters of this pod"),
              Param("hypervisor", description="the clusters of this hypervisor"),
              Param("allocationstate", description="Enabled or Disabled"),
              Param("managedstate", description="Managed or Unmanaged"),
              Param("keyword", description="list by keyword"))

    def execute(self, caller, **p):
        return filter_by_params(Cluster.objects.select_related("zone", "pod"), p, id="uuid", name="name__iexact",
                                zoneid="zone__uuid", podid="pod__uuid", hypervisor="hypervisor__iexact",
                                allocationstate="allocation_state__iexact", managedstate="managed_state__iexact",
                                keyword="name__icontains")


# Hosts -----------------------------------------------------------------------------------------

@register
class AddHost(Command):
    name = "addHost"
    description = "Adds a host: connects to it, checks it runs no VM, records its CPU, memory and version"
    authorized = ADMIN
    response_name = "host"
    serializer = HostSerializer
    params = (
        Param("zoneid", "uuid", required=True, description="the host's zone"),
        Param("podid", "uuid", required=True, description="the host's pod"),
        Param("clusterid", "uuid", description="the host's cluster"),
        Param("clustername", description="the host's cluster, by name within the pod"),
        Param("hypervisor", required=True, choices=tuple(Hypervisor.values), description="the host's hypervisor"),
        Param("url", required=True, description="KVM qemu:///system or qemu+ssh://root@host/system, XenServer http://host, Simulator simulator://NAME"),
        Param("username", description="the host's user, usually root"),
        Param("password", secret=True, description="the host's password (encrypted at rest)"),
        Param("hosttags", description="comma-separated host tags"),
    )

    def execute(self, caller, **p):
        pod = find(Pod, p["podid"], "podid")
        if "clusterid" in p:
            cluster = find(Cluster, p["clusterid"], "clusterid")
        else:
            cluster = pod.clusters.filter(name__iexact=p.get("clustername", "")).first()
            if cluster is None:
                raise NotFound("clusterid: give the host's cluster by clusterid or clustername", field="clusterid")
        if cluster.pod_id != pod.pk or pod.zone.uuid != p["zoneid"]:
            raise NotFound(f"clusterid: cluster {cluster.name} is not in the given pod and zone", field="clusterid")
        if cluster.hypervisor != p["hypervisor"]:
            raise InvalidParameter(f"hypervisor: cluster {cluster.name} is a {cluster.hypervisor} cluster",
                                   field="hypervisor")
        return [hosts.add_host(caller, cluster, url=p["url"], username=p.get("username", "root"),
                               password=p.get("password", ""), tags=p.get("hosttags", ""))]

    def render(self, result) -> dict:
        # addHost answers a list of hosts, as CloudStack does.
        return {"count": len(result), "host": self.serializer(result, many=True).data}

    def resource_url(self, result):
        return reverse("infrastructure:host_detail", args=[result[0].uuid])


@register
class UpdateHost(Command):
    name = "updateHost"
    description = "Updates a host's tags or enables/disables it for new instances"
    authorized = ADMIN
    response_name = "host"
    serializer = HostSerializer
    params = (Param("id", "uuid", required=True, description="the host's id"),
              Param("hosttags", description="comma-separated host tags"),
              Param("allocationstate", choices=("Enable", "Disable"), description="Enable or Disable"))

    def execute(self, caller, **p):
        return hosts.update_host(caller, find(Host, p["id"], "id"), tags=p.get("hosttags"),
                                 allocation_state=p.get("allocationstate"))


@register
class UpdateHostPassword(Command):
    name = "updateHostPassword"
    description = "Stores a host's new login credentials (the next ping or reconnect uses them)"
    authorized = ADMIN
    params = (Param("hostid", "uuid", required=True, description="the host's id"),
              Param("username", required=True, description="the user the management server logs in as"),
              Param("password", required=True, secret=True, description="the new password"))

    def execute(self, caller, **p):
        hosts.update_host_password(caller, find(Host, p["hostid"], "hostid"), username=p["username"],
                                   password=p["password"])
        return SUCCESS


@register
class DeleteHost(Command):
    name = "deleteHost"
    description = "Deletes a host in maintenance (or disabled), or any with forced=true"
    authorized = ADMIN
    params = (Param("id", "uuid", required=True, description="the host's id"),
              Param("forced", "boolean", description="delete even when the host is not in maintenance"))

    def execute(self, caller, **p):
        hosts.delete_host(caller, find(Host, p["id"], "id"), forced=p.get("forced", False))
        return SUCCESS


class _HostMaintenance(Command):
    authorized = ADMIN
    is_async = True
    instance_type = "Host"
    response_name = "host"
    serializer = HostSerializer
    params = (Param("id", "uuid", required=True, description="the host's id"),)
    change = None

    def job_instance(self, caller, params):
        return find(Host, params["id"], "id")

    def execute(self, caller, **p):
        return type(self).change(caller, find(Host, p["id"], "id"))

    def resource_url(self, result):
        return reverse("infrastructure:host_detail", args=[result.uuid])


@register
class PrepareHostForMaintenance(_HostMaintenance):
    name = "prepareHostForMaintenance"
    description = "Puts a host in maintenance mode"
    change = hosts.prepare_host_for_maintenance


@register
class CancelHostMaintenance(_HostMaintenance):
    name = "cancelHostMaintenance"
    description = "Takes a host out of maintenance mode"
    change = hosts.cancel_host_maintenance


@register
class ReconnectHost(_HostMaintenance):
    name = "reconnectHost"
    description = "Reconnects a host: reads its facts again and brings it Up (Force Reconnect)"
    change = monitoring.reconnect_host


@register
class ListHosts(Command):
    name = "listHosts"
    description = "Lists hosts"
    authorized = ADMIN
    response_name = "host"
    serializer = HostSerializer
    params = (Param("id", "uuid", description="the host's id"), Param("name", description="the host's name"),
              Param("zoneid", "uuid", description="the hosts of this zone"),
              Param("podid", "uuid", description="the hosts of this pod"),
              Param("clusterid", "uuid", description="the hosts of this cluster"),
              Param("state", description="Up, Down, Alert, Disconnected or Error"),
              Param("resourcestate", description="Enabled, Disabled, Maintenance..."),
              Param("hypervisor", description="the hosts of this hypervisor"),
              Param("type", description="Routing (the only host type here)"),
              Param("keyword", description="list by keyword"))

    def execute(self, caller, **p):
        hosts_qs = Host.objects.select_related("zone", "pod", "cluster")
        if "type" in p and p["type"].lower() != "routing":
            return hosts_qs.none()
        return filter_by_params(hosts_qs, p, id="uuid", name="name__iexact", zoneid="zone__uuid", podid="pod__uuid",
                                clusterid="cluster__uuid", state="state__iexact",
                                resourcestate="resource_state__iexact", hypervisor="hypervisor__iexact",
                                keyword="name__icontains")


# Primary storage -------------------------------------------------------------------------------

@register
class CreateStoragePool(Command):
    name = "createStoragePool"
    description = "Adds primary storage to a cluster (or a whole zone)"
    authorized = ADMIN
    response_name = "storagepool"
    serializer = StoragePoolSerializer
    params = (
        Param("zoneid", "uuid", required=True, description="the storage's zone"),
        Param("podid", "uuid", description="the storage's pod (cluster scope)"),
        Param("clusterid", "uuid", description="the storage's cluster (cluster scope)"),
        Param("name", required=True, description="the storage's name"),
        Param("url", required=True, max_length=1024, description=storage.URL_FORMS),
        Param("scope", choices=("cluster", "zone", "CLUSTER", "ZONE"), description="CLUSTER (default) or ZONE"),
        Param("hypervisor", choices=tuple(Hypervisor.values), description="zone scope: the hosts' hypervisor"),
        Param("tags", description="comma-separated storage tags"),
    )

    def execute(self, caller, **p):
        zone = find(Zone, p["zoneid"], "zoneid")
        cluster = find_optional(Cluster, p.get("clusterid"), "clusterid")
        return storage.create_storage_pool(caller, zone, name=p["name"], url=p["url"], cluster=cluster,
                                           scope=p.get("scope", "CLUSTER"), tags=p.get("tags", ""),
                                           hypervisor=p.get("hypervisor", ""))


@register
class DeleteStoragePool(Command):
    name = "deleteStoragePool"
    description = "Deletes primary storage"
    authorized = ADMIN
    params = (Param("id", "uuid", required=True, description="the storage's id"),)

    def execute(self, caller, **p):
        storage.delete_storage_pool(caller, find(StoragePool, p["id"], "id"))
        return SUCCESS


class _StorageMaintenance(Command):
    authorized = ADMIN
    is_async = True
    instance_type = "StoragePool"
    response_name = "storagepool"
    serializer = StoragePoolSerializer
    params = (Param("id", "uuid", required=True, description="the storage's id"),)
    maintenance: bool

    def job_instance(self, caller, params):
        return find(StoragePool, params["id"], "id")

    def execute(self, caller, **p):
        return storage.set_storage_maintenance(caller, find(StoragePool, p["id"], "id"), maintenance=self.maintenance)


@register
class EnableStorageMaintenance(_StorageMaintenance):
    name = "enableStorageMaintenance"
    description = "Puts primary storage in maintenance mode"
    maintenance = True


@register
class CancelStorageMaintenance(_StorageMaintenance):
    name = "cancelStorageMaintenance"
    description = "Takes primary storage out of maintenance mode"
    maintenance = False


@register
class ListStoragePools(Command):
    name = "listStoragePools"
    description = "Lists primary storage"
    authorized = ADMIN
    response_name = "storagepool"
    serializer = StoragePoolSerializer
    params = (Param("id", "uuid", description="the storage's id"), Param("name", description="the storage's name"),
              Param("zoneid", "uuid", description="the storage of this zone"),
              Param("podid", "uuid", description="the storage of this pod"),
              Param("clusterid", "uuid", description="the storage of this cluster"),
              Param("scope", description="CLUSTER or ZONE"), Param("keyword", description="list by keyword"))

    def execute(self, caller, **p):
        return filter_by_params(StoragePool.objects.select_related("zone", "pod", "cluster"), p, id="uuid",
                                name="name__iexact", zoneid="zone__uuid", podid="pod__uuid", clusterid="cluster__uuid",
                                scope="scope__iexact", keyword="name__icontains")


# Secondary storage -----------------------------------------------------------------------------

@register
class AddImageStore(Command):
    name = "addImageStore"
    description = "Adds secondary storage to a zone: nfs://server/path, or file:///path on this server"
    authorized = ADMIN
    response_name = "imagestore"
    serializer = ImageStoreSerializer
    params = (Param("zoneid", "uuid", required=True, description="the store's zone"),
              Param("url", required=True, max_length=1024, description="nfs://server/path or file:///path"),
              Param("name", description="the store's name"),
              Param("provider", choices=("NFS",), description="NFS (the only provider here)"))

    def execute(self, caller, **p):
        return storage.add_image_store(caller, find(Zone, p["zoneid"], "zoneid"), url=p["url"], name=p.get("name", ""))


@register
class DeleteImageStore(Command):
    name = "deleteImageStore"
    description = "Deletes secondary storage"
    authorized = ADMIN
    params = (Param("id", "uuid", required=True, description="the store's id"),)

    def execute(self, caller, **p):
        storage.delete_image_store(caller, find(ImageStore, p["id"], "id"))
        return SUCCESS


@register
class ListImageStores(Command):
    name = "listImageStores"
    description = "Lists secondary storage"
    authorized = ADMIN
    response_name = "imagestore"
    serializer = ImageStoreSerializer
    params = (Param("id", "uuid", description="the store's id"), Param("name", description="the store's name"),
              Param("zoneid", "uuid", description="the stores of this zone"),
              Param("protocol", description="nfs or file"), Param("keyword", description="list by keyword"))

    def execute(self, caller, **p):
        return filter_by_params(ImageStore.objects.select_related("zone"), p, id="uuid", name="name__iexact",
                                zoneid="zone__uuid", protocol="protocol__iexact", keyword="name__icontains")


# Hypervisor capabilities -----------------------------------------------------------------------

@register
class ListHypervisorCapabilities(Command):
    name = "listHypervisorCapabilities"
    description = "Lists what each hypervisor version supports"
    authorized = ADMIN
    response_name = "hypervisorCapabilities"
    serializer = HypervisorCapabilitySerializer
    params = (Param("id", "uuid", description="the capability's id"),
              Param("hypervisor", description="the capabilities of this hypervisor"))

    def execute(self, caller, **p):
        return filter_by_params(HypervisorCapability.objects.all(), p, id="uuid", hypervisor="hypervisor__iexact")


@register
class UpdateHypervisorCapabilities(Command):
    name = "updateHypervisorCapabilities"
    description = "Changes a hypervisor version's limits"
    authorized = ADMIN
    response_name = "hypervisorcapabilities"
    serializer = HypervisorCapabilitySerializer
    params = (Param("id", "uuid", required=True, description="the capability's id"),
              Param("maxguestslimit", "long", description="most guests per host"),
              Param("maxdatavolumeslimit", "integer", description="most data volumes per instance"),
              Param("maxhostspercluster", "integer", description="most hosts per cluster"),
              Param("securitygroupenabled", "boolean", description="whether security groups work on it"))

    def execute(self, caller, **p):
        return clusters.update_hypervisor_capability(
            caller, find(HypervisorCapability, p["id"], "id"), max_guests_limit=p.get("maxguestslimit"),
            max_data_volumes_limit=p.get("maxdatavolumeslimit"), max_hosts_per_cluster=p.get("maxhostspercluster"),
            security_group_enabled=p.get("securitygroupenabled"),
        )


# The add-zone wizard's launch ------------------------------------------------------------------

@register
class LaunchZone(Command):
    name = "launchZone"
    description = ("Builds a zone from a plan of commands (the add-zone wizard's launch); either all of it is "
                   "created or nothing is left behind")
    authorized = ADMIN
    is_async = True
    instance_type = "Zone"
    response_name = "zone"
    serializer = ZoneSerializer
    params = (Param("plan", required=True, max_length=65536,
                    description='JSON list of {"key", "label", "step", "command", "params"}; "$key" refers to an '
                                'earlier item\'s id'),)

    def execute(self, caller, **p):
        try:
            plan = json.loads(p["plan"])
        except ValueError:
            raise InvalidParameter("plan: not valid JSON", field="plan")
        if not isinstance(plan, list) or not plan or plan[0].get("command") != "createZone":
            raise InvalidParameter("plan: a list of items starting with createZone", field="plan")
        return zone_launch.launch_zone(caller, plan)

    def resource_url(self, result):
        return reverse("infrastructure:zone_detail", args=[result.uuid])


# Capacity -----------------------------------------------------------------------------------------

@register
class ListCapacity(Command):
    name = "listCapacity"
    description = "Lists the capacity of zones by type (CPU, memory, storage), as last recalculated"
    authorized = ADMIN
    response_name = "capacity"
    params = (Param("zoneid", "uuid", description="the capacity of this zone"),
              Param("podid", "uuid", description="the capacity of this pod"),
              Param("clusterid", "uuid", description="the capacity of this cluster"),
              Param("type", "integer", description="0 memory, 1 CPU, 2 storage, 3 storage allocated"))

    def execute(self, caller, **p):
        rows = capacity.zone_capacity(p.get("zoneid"), pod_uuid=p.get("podid"), cluster_uuid=p.get("clusterid"))
        return [row for row in rows if "type" not in p or row["type"] == p["type"]]
