"""The planner's dry run: where an instance would go, and why not elsewhere."""
from cloudstack_ui.api.registry import ROLE_ADMIN, Command, Param, register
from compute.models import DiskOffering, ServiceOffering
from compute.services import planner, templates
from infrastructure.lookups import find, find_optional
from infrastructure.models import Host, Zone


@register
class PlanVirtualMachineDeployment(Command):
    name = "planVirtualMachineDeployment"
    description = ("Answers the host and primary storage an instance would get, and why every other host was "
                   "left out, without deploying anything (root admins)")
    authorized = (ROLE_ADMIN,)
    response_name = "deploymentplan"
    params = (
        Param("zoneid", "uuid", required=True, description="the zone"),
        Param("serviceofferingid", "uuid", required=True, description="the service offering"),
        Param("templateid", "uuid", required=True, description="the template or ISO"),
        Param("diskofferingid", "uuid", description="a data disk's offering (an ISO's root disk)"),
        Param("size", "long", description="the disk's size in GB, for a custom disk offering"),
        Param("hostid", "uuid", description="only consider this host"),
    )

    def execute(self, caller, **p):
        zone = find(Zone, p["zoneid"], "zoneid")
        placement = planner.explain_placement(
            zone, find(ServiceOffering, p["serviceofferingid"], "serviceofferingid"),
            templates.ready_template(caller, p["templateid"], zone, field="templateid"),
            disk_offering=find_optional(DiskOffering, p.get("diskofferingid"), "diskofferingid"),
            size=p.get("size"), host=find_optional(Host, p.get("hostid"), "hostid"))
        return {
            "hostid": str(placement.host.uuid), "hostname": placement.host.name,
            "clusterid": str(placement.host.cluster.uuid), "clustername": placement.host.cluster.name,
            "podid": str(placement.host.pod.uuid), "podname": placement.host.pod.name,
            "storagepool": [{"volume": str(key), "id": str(pool.uuid), "name": pool.name}
                            for key, pool in placement.pools.items()],
            "explanation": placement.explanation,
        }
