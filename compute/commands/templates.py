"""CloudStack commands of templates, ISOs and guest OS types."""
from cloudstack_ui.api.paging import filter_by_params
from cloudstack_ui.api.registry import ALL_ROLES, Command, Param, register
from cloudstack_ui.errors import InvalidParameter
from cloudstack_ui.jobs.services import current_job_instance_uuid
from compute.api.serializers import OsTypeSerializer, TemplateSerializer
from compute.models import OsType, Template, TemplateZone
from compute.services import snapshots, templates, volumes
from infrastructure.lookups import find, find_optional
from infrastructure.models import Zone

SUCCESS = {"success": True}


def _zone(p):
    """zoneid, where -1 (CloudStack's "all zones") is None."""
    value = p.get("zoneid")
    return None if value in (None, "-1") else find(Zone, value, "zoneid")


def _registered(template):
    """The per-zone rows of a just registered template, as the list answers them."""
    return TemplateZone.objects.filter(template=template).select_related(
        "template__os_type", "template__account__domain", "zone")


COMMON = (
    Param("name", required=True, description="the name"),
    Param("displaytext", description="a description"),
    Param("url", required=True, max_length=2048,
          description="the http(s) URL to download it from (a public address unless "
                      "secstorage.allowed.internal.sites lists it); file:// for root admins, inside "
                      "secstorage.allowed.local.directories"),
    Param("zoneid", description="the zone to download it into; -1 for every zone"),
    Param("ostypeid", "uuid", required=True, description="its guest OS type"),
    Param("ispublic", "boolean", description="every account may use it"),
    Param("isfeatured", "boolean", description="listed as featured (root admins)"),
    Param("isextractable", "boolean", description="it may be downloaded again"),
    Param("checksum", description="{MD5}, {SHA-1}, {SHA-256}... and the hex digest; bare hex is MD5"),
)


@register
class RegisterTemplate(Command):
    name = "registerTemplate"
    description = "Registers a template from a URL; it is downloaded into secondary storage (guide 6.9)"
    authorized = ALL_ROLES
    is_list = True
    response_name = "template"
    serializer = TemplateSerializer
    params = COMMON + (
        Param("hypervisor", required=True, choices=("KVM", "XenServer", "VMware", "Simulator"),
              description="the hypervisor it runs on"),
        Param("format", required=True, choices=("QCOW2", "RAW", "VHD", "OVA"), description="its disk format"),
        Param("passwordenabled", "boolean", description="it runs the password reset script"),
        Param("sshkeyenabled", "boolean", description="it takes an SSH key (guide 5.2.1)"),
    )

    def execute(self, caller, **p):
        return _registered(templates.register_template(
            caller, name=p["name"], display_text=p.get("displaytext", ""), url=p["url"], zone=_zone(p),
            os_type=find(OsType, p["ostypeid"], "ostypeid"), format=p["format"], hypervisor=p["hypervisor"],
            is_public=p.get("ispublic", False), is_featured=p.get("isfeatured", False),
            password_enabled=p.get("passwordenabled", False), ssh_key_enabled=p.get("sshkeyenabled", False),
            is_extractable=p.get("isextractable", False), checksum=p.get("checksum", "")))


@register
class RegisterIso(Command):
    name = "registerIso"
    description = "Registers an ISO from a URL; it is downloaded into secondary storage"
    authorized = ALL_ROLES
    is_list = True
    response_name = "iso"
    serializer = TemplateSerializer
    params = COMMON + (Param("bootable", "boolean", description="instances may boot from it (default true)"),)

    def execute(self, caller, **p):
        return _registered(templates.register_template(
            caller, name=p["name"], display_text=p.get("displaytext", ""), url=p["url"], zone=_zone(p),
            os_type=find(OsType, p["ostypeid"], "ostypeid"), format="ISO", is_public=p.get("ispublic", False),
            is_featured=p.get("isfeatured", False), is_extractable=p.get("isextractable", False),
            checksum=p.get("checksum", ""), bootable=p.get("bootable", True)))


@register
class CreateTemplate(Command):
    name = "createTemplate"
    description = ("Creates a template from a volume (detached, or of a stopped instance) or a volume snapshot, "
                   "written into its zone's secondary storage")
    authorized = ALL_ROLES
    is_async = True
    instance_type = "Template"
    response_name = "template"
    serializer = TemplateSerializer
    params = (
        Param("name", required=True, description="the name"),
        Param("displaytext", description="a description"),
        Param("ostypeid", "uuid", required=True, description="its guest OS type"),
        Param("volumeid", "uuid", description="the volume to make it from"),
        Param("snapshotid", "uuid", description="the volume snapshot to make it from"),
        Param("ispublic", "boolean", description="every account may use it"),
        Param("isfeatured", "boolean", description="listed as featured (root admins)"),
        Param("isextractable", "boolean", description="it may be downloaded again"),
        Param("passwordenabled", "boolean", description="it runs the password reset script"),
        Param("sshkeyenabled", "boolean", description="it takes an SSH key (guide 5.2.1)"),
    )

    @staticmethod
    def _sources(caller, p) -> dict:
        return {"volume": volumes.find_volume(caller, p["volumeid"], "volumeid") if p.get("volumeid") else None,
                "snapshot": snapshots.find_snapshot(caller, p["snapshotid"], "snapshotid")
                if p.get("snapshotid") else None}

    def job_instance(self, caller, p):
        return templates.record_template_from_volume(
            caller, name=p["name"], display_text=p.get("displaytext", ""),
            os_type=find(OsType, p["ostypeid"], "ostypeid"), is_public=p.get("ispublic", False),
            is_featured=p.get("isfeatured", False), is_extractable=p.get("isextractable", False),
            password_enabled=p.get("passwordenabled", False), ssh_key_enabled=p.get("sshkeyenabled", False),
            **self._sources(caller, p))

    def job_abandoned(self, caller, instance_uuid, reason):
        template = Template.objects.filter(uuid=instance_uuid).first()
        if template is not None:
            templates.forget_unmade_template(caller, template, reason)

    def execute(self, caller, **p):
        recorded = current_job_instance_uuid()
        if recorded is None:
            raise InvalidParameter("createTemplate runs as an async job", field="name")
        template = Template.objects.get(uuid=recorded)
        return templates.create_template_from_volume(caller, template, **self._sources(caller, p))


class _List(Command):
    authorized = ALL_ROLES
    serializer = TemplateSerializer
    isos = False
    filter_name = ""

    def execute(self, caller, **p):
        rows = templates.listed_templates(caller, p.get(self.filter_name, "executable"), isos=self.isos)
        if p.get("isready") is not None:
            rows = rows.filter(status=TemplateZone.Status.DOWNLOADED) if p["isready"] else rows.exclude(
                status=TemplateZone.Status.DOWNLOADED)
        return filter_by_params(rows.order_by("template__name", "zone__name"), p, id="template__uuid",
                                name="template__name__iexact", zoneid="zone__uuid", hypervisor="template__hypervisor",
                                bootable="template__bootable", keyword="template__name__icontains")


@register
class ListTemplates(_List):
    name = "listTemplates"
    description = "Lists templates, one entry per zone they are in"
    response_name = "template"
    filter_name = "templatefilter"
    params = (
        Param("templatefilter", required=True, choices=("featured", "self", "selfexecutable", "sharedexecutable",
                                                         "executable", "community", "all"),
              description="which templates"),
        Param("id", "uuid", description="one template"), Param("name", description="its name"),
        Param("zoneid", "uuid", description="in this zone"), Param("hypervisor", description="for this hypervisor"),
        Param("isready", "boolean", description="downloaded (true) or not yet (false)"),
        Param("keyword", description="List by keyword"),
    )


@register
class ListIsos(_List):
    name = "listIsos"
    description = "Lists ISOs, one entry per zone they are in"
    response_name = "iso"
    filter_name = "isofilter"
    isos = True
    params = (
        Param("isofilter", choices=("featured", "self", "selfexecutable", "sharedexecutable", "executable",
                                    "community", "all"), description="which ISOs (default executable)"),
        Param("id", "uuid", description="one ISO"), Param("name", description="its name"),
        Param("zoneid", "uuid", description="in this zone"), Param("bootable", "boolean", description="bootable ones"),
        Param("isready", "boolean", description="downloaded (true) or not yet (false)"),
        Param("keyword", description="List by keyword"),
    )


class _Update(Command):
    authorized = ALL_ROLES
    is_list = False
    serializer = TemplateSerializer
    params = (
        Param("id", "uuid", required=True, description="the id"), Param("name", description="a new name"),
        Param("displaytext", description="a new description"), Param("ostypeid", "uuid", description="OS type"),
        Param("ispublic", "boolean", description="every account may use it"),
        Param("isfeatured", "boolean", description="featured (root admins)"),
        Param("passwordenabled", "boolean", description="it runs the password reset script"),
        Param("sshkeyenabled", "boolean", description="it takes an SSH key"),
    )

    def execute(self, caller, **p):
        template = templates.update_template(
            caller, templates.find_own_template(caller, p["id"]), name=p.get("name"),
            display_text=p.get("displaytext"), os_type=find_optional(OsType, p.get("ostypeid"), "ostypeid"),
            is_public=p.get("ispublic"), is_featured=p.get("isfeatured"), password_enabled=p.get("passwordenabled"),
            ssh_key_enabled=p.get("sshkeyenabled"))
        return _registered(template).first()


@register
class UpdateTemplate(_Update):
    name = "updateTemplate"
    description = "Changes a template's name, description, OS type or flags"
    response_name = "template"


@register
class UpdateIso(_Update):
    name = "updateIso"
    description = "Changes an ISO's name, description, OS type or flags"
    response_name = "iso"


class _Delete(Command):
    authorized = ALL_ROLES
    is_async = True
    instance_type = "Template"
    params = (Param("id", "uuid", required=True, description="the id"),
              Param("zoneid", "uuid", description="delete it from this zone only"),
              Param("forced", "boolean", description="delete it even while instances use it (they keep their "
                                                      "disks)"))

    def job_instance(self, caller, params):
        return templates.find_own_template(caller, params["id"])

    def execute(self, caller, **p):
        templates.delete_template(caller, templates.find_own_template(caller, p["id"]),
                                  find_optional(Zone, p.get("zoneid"), "zoneid"), forced=p.get("forced", False))
        return SUCCESS


@register
class DeleteTemplate(_Delete):
    name = "deleteTemplate"
    description = "Deletes a template from one zone or all; instances made from it keep their disks"


@register
class DeleteIso(_Delete):
    name = "deleteIso"
    description = "Deletes an ISO from one zone or all"


@register
class ListOsTypes(Command):
    name = "listOsTypes"
    description = "Lists guest OS types"
    authorized = ALL_ROLES
    response_name = "ostype"
    serializer = OsTypeSerializer
    params = (Param("id", "uuid", description="one type"), Param("description", description="its description"),
              Param("keyword", description="List by keyword"))

    def execute(self, caller, **p):
        return filter_by_params(OsType.objects.all(), p, id="uuid", description="description__iexact",
                                keyword="description__icontains")


@register
class ListOsCategories(Command):
    name = "listOsCategories"
    description = "Lists guest OS categories"
    authorized = ALL_ROLES
    response_name = "oscategory"
    params = (Param("name", description="one category"),)

    def execute(self, caller, **p):
        names = OsType.objects.order_by("category").values_list("category", flat=True).distinct()
        if "name" in p:
            names = names.filter(category__iexact=p["name"])
        return [{"id": name, "name": name} for name in names]
