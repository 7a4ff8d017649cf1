"""CloudStack commands of virtual routers (admins)."""
from cloudstack_ui.api.paging import filter_by_params
from cloudstack_ui.api.registry import ROLE_ADMIN, ROLE_DOMAIN_ADMIN, Command, Param, register
from network.api.serializers import VirtualRouterSerializer
from network.services import routers

ADMINS = (ROLE_ADMIN, ROLE_DOMAIN_ADMIN)
ID = Param("id", "uuid", required=True, description="the router's id")


@register
class ListRouters(Command):
    name = "listRouters"
    description = "Lists the virtual routers of isolated networks"
    authorized = ADMINS
    response_name = "router"
    serializer = VirtualRouterSerializer
    params = (Param("id", "uuid", description="the router's id"), Param("name", description="its name"),
              Param("zoneid", "uuid", description="its zone"), Param("hostid", "uuid", description="its host"),
              Param("podid", "uuid", description="the pod of its host"),
              Param("networkid", "uuid", description="the network it serves"),
              Param("state", description="Running, Stopped, Starting, Stopping or Error"),
              Param("account", description="the routers of this account's networks"),
              Param("domainid", "uuid", description="the routers of this domain's networks"),
              Param("listall", "boolean", description="ignored: every router in reach is listed"),
              Param("keyword", description="List by keyword"))

    def execute(self, caller, **p):
        return filter_by_params(
            routers.visible_routers(caller).prefetch_related("network__public_ips__ip_range"), p, id="uuid",
            name="name", zoneid="zone__uuid", hostid="host__uuid", podid="host__pod__uuid",
            networkid="network__uuid", state="state__iexact", account="network__account__name",
            domainid="network__account__domain__uuid", keyword="name__icontains")


class _RouterJob(Command):
    authorized = ADMINS
    is_async = True
    instance_type = "DomainRouter"
    response_name = "router"
    serializer = VirtualRouterSerializer
    params = (ID,)

    def job_instance(self, caller, params):
        return routers.find_router(caller, params["id"])


@register
class StartRouter(_RouterJob):
    name = "startRouter"
    description = "Starts a stopped virtual router, rebuilt from its network's rules"

    def execute(self, caller, **p):
        return routers.start_router(caller, routers.find_router(caller, p["id"]))


@register
class StopRouter(_RouterJob):
    name = "stopRouter"
    description = "Stops a virtual router: its network's instances lose DHCP, DNS and NAT until it starts again"
    params = (ID, Param("forced", "boolean", description="mark it Stopped even when its host cannot be reached"))

    def execute(self, caller, **p):
        return routers.stop_router(caller, routers.find_router(caller, p["id"]), forced=p.get("forced", False))


@register
class RebootRouter(_RouterJob):
    name = "rebootRouter"
    description = "Stops and starts a running virtual router on its host"

    def execute(self, caller, **p):
        return routers.reboot_router(caller, routers.find_router(caller, p["id"]))


@register
class DestroyRouter(_RouterJob):
    name = "destroyRouter"
    description = "Destroys a virtual router; its network gets a new one when restarted or when an instance starts"

    def execute(self, caller, **p):
        router = routers.find_router(caller, p["id"])
        routers.destroy_router(caller, router)
        return router
