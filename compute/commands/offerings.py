"""CloudStack commands of service and disk offerings."""
from accounts.services.scope import get_domain
from cloudstack_ui.api.paging import filter_by_params
from cloudstack_ui.api.registry import ALL_ROLES, ROLE_ADMIN, ROLE_DOMAIN_ADMIN, Command, Param, register
from cloudstack_ui.errors import NotFound
from compute.api.serializers import DiskOfferingSerializer, ServiceOfferingSerializer
from compute.services import offerings

ADMINS = (ROLE_ADMIN, ROLE_DOMAIN_ADMIN)
SUCCESS = {"success": True}


def _find(queryset, uuid, field="id"):
    found = queryset.filter(uuid=uuid).first()
    if found is None:
        raise NotFound(f"{field}: no offering has the id {uuid}", field=field)
    return found


def _domain(caller, p):
    return get_domain(caller, p["domainid"]) if "domainid" in p else None


@register
class ListServiceOfferings(Command):
    name = "listServiceOfferings"
    description = "Lists the service offerings the caller may use"
    authorized = ALL_ROLES
    response_name = "serviceoffering"
    serializer = ServiceOfferingSerializer
    params = (Param("id", "uuid", description="the offering's id"), Param("name", description="its name"),
              Param("domainid", "uuid", description="offerings of this domain"),
              Param("keyword", description="List by keyword"))

    def execute(self, caller, **p):
        return filter_by_params(offerings.visible_service_offerings(caller), p, id="uuid", name="name__iexact",
                                domainid="domain__uuid", keyword="name__icontains")


@register
class CreateServiceOffering(Command):
    name = "createServiceOffering"
    description = "Creates a service offering: the CPU, memory and storage an instance gets"
    authorized = ADMINS
    response_name = "serviceoffering"
    serializer = ServiceOfferingSerializer
    params = (
        Param("name", required=True, description="the offering's name"),
        Param("displaytext", required=True, description="what it offers, in words"),
        Param("cpunumber", "integer", required=True, description="CPU cores"),
        Param("cpuspeed", "integer", required=True, description="MHz per core"),
        Param("memory", "integer", required=True, description="memory in MB"),
        Param("offerha", "boolean", description="instances are restarted elsewhere when their host fails"),
        Param("limitcpuuse", "boolean", description="cap the CPU at cpuspeed"),
        Param("storagetype", choices=("shared", "local"), description="shared (default) or local primary storage"),
        Param("hosttags", description="host tags an instance's host must have"),
        Param("tags", description="storage tags its root disk's pool must have"),
        Param("networkrate", "integer", description="data transfer rate in Mbit/s"),
        Param("domainid", "uuid", description="the domain it is for (none: public)"),
    )

    def execute(self, caller, **p):
        return offerings.create_service_offering(
            caller, name=p["name"], display_text=p["displaytext"], cpu_number=p["cpunumber"], cpu_speed=p["cpuspeed"],
            memory=p["memory"], offer_ha=p.get("offerha", False), limit_cpu_use=p.get("limitcpuuse", False),
            storage_type=p.get("storagetype", ""), host_tags=p.get("hosttags", ""), storage_tags=p.get("tags", ""),
            network_rate=p.get("networkrate"), domain=_domain(caller, p))


@register
class ListDiskOfferings(Command):
    name = "listDiskOfferings"
    description = "Lists the disk offerings the caller may use"
    authorized = ALL_ROLES
    response_name = "diskoffering"
    serializer = DiskOfferingSerializer
    params = ListServiceOfferings.params

    def execute(self, caller, **p):
        return filter_by_params(offerings.visible_disk_offerings(caller), p, id="uuid", name="name__iexact",
                                domainid="domain__uuid", keyword="name__icontains")


@register
class CreateDiskOffering(Command):
    name = "createDiskOffering"
    description = "Creates a disk offering: the size of a data disk, fixed or chosen at use"
    authorized = ADMINS
    response_name = "diskoffering"
    serializer = DiskOfferingSerializer
    params = (
        Param("name", required=True, description="the offering's name"),
        Param("displaytext", required=True, description="what it offers, in words"),
        Param("disksize", "integer", description="size in GB (not with customized)"),
        Param("customized", "boolean", description="the size is chosen when the disk is made"),
        Param("storagetype", choices=("shared", "local"), description="shared (default) or local primary storage"),
        Param("tags", description="storage tags its pool must have"),
        Param("domainid", "uuid", description="the domain it is for (none: public)"),
    )

    def execute(self, caller, **p):
        return offerings.create_disk_offering(
            caller, name=p["name"], display_text=p["displaytext"], disk_size=p.get("disksize"),
            customized=p.get("customized", False), storage_type=p.get("storagetype", ""), tags=p.get("tags", ""),
            domain=_domain(caller, p))


class _Update(Command):
    authorized = ADMINS
    params = (Param("id", "uuid", required=True, description="the offering's id"),
              Param("name", description="a new name"), Param("displaytext", description="a new description"))
    visible = None

    def execute(self, caller, **p):
        offering = _find(type(self).visible(caller), p["id"])
        return offerings.update_offering(caller, offering, name=p.get("name"), display_text=p.get("displaytext"))


@register
class UpdateServiceOffering(_Update):
    name = "updateServiceOffering"
    description = "Renames a service offering or changes its description"
    response_name = "serviceoffering"
    serializer = ServiceOfferingSerializer
    visible = staticmethod(offerings.visible_service_offerings)


@register
class UpdateDiskOffering(_Update):
    name = "updateDiskOffering"
    description = "Renames a disk offering or changes its description"
    response_name = "diskoffering"
    serializer = DiskOfferingSerializer
    visible = staticmethod(offerings.visible_disk_offerings)


class _Delete(Command):
    authorized = ADMINS
    params = (Param("id", "uuid", required=True, description="the offering's id"),)
    visible = None

    def execute(self, caller, **p):
        offerings.delete_offering(caller, _find(type(self).visible(caller), p["id"]))
        return SUCCESS


@register
class DeleteServiceOffering(_Delete):
    name = "deleteServiceOffering"
    description = "Deletes a service offering"
    visible = staticmethod(offerings.visible_service_offerings)


@register
class DeleteDiskOffering(_Delete):
    name = "deleteDiskOffering"
    description = "Deletes a disk offering"
    visible = staticmethod(offerings.visible_disk_offerings)
