"""CloudStack commands of instances, instance groups and NICs."""
from django.db.models import BooleanField, Value

from accounts.services.scope import get_account, get_domain
from cloudstack_ui.api.paging import filter_by_params
from cloudstack_ui.api.registry import ALL_ROLES, ROLE_ADMIN, Command, Param, register
from cloudstack_ui.errors import InvalidParameter
from cloudstack_ui.jobs.services import current_job_instance_uuid
from compute.api.serializers import InstanceGroupSerializer, NicSerializer, VirtualMachineSerializer
from compute.models import DiskOffering, Nic, ServiceOffering, VirtualMachine
from compute.services import instances
from infrastructure.lookups import find, find_optional
from infrastructure.models import Host, Zone

SUCCESS = {"success": True}
ID = Param("id", "uuid", required=True, description="the instance's id")


def _shown(caller, queryset):
    """Instances answered to the caller: admins see where they run."""
    return queryset.annotate(show_host=Value(caller.is_root_admin, output_field=BooleanField()))


def _answer(caller, vm: VirtualMachine) -> VirtualMachine:
    """A freshly changed instance as the caller may see it."""
    answered = _shown(caller, instances.visible_instances(caller)).filter(pk=vm.pk).first()
    return answered if answered is not None else vm


def _account(caller, p):
    if "account" not in p:
        return None
    domain = get_domain(caller, p["domainid"]) if "domainid" in p else caller.account.domain
    return get_account(caller, name=p["account"], domain=domain)


class _InstanceJob(Command):
    """An async command acting on one instance."""

    authorized = ALL_ROLES
    is_async = True
    instance_type = "VirtualMachine"
    response_name = "virtualmachine"
    serializer = VirtualMachineSerializer
    params = (ID,)

    def job_instance(self, caller, params):
        return instances.find_instance(caller, params["id"])

    def job_interrupted(self, caller, instance_uuid, reason):
        vm = VirtualMachine.objects.filter(uuid=instance_uuid).first()
        if vm is not None:
            instances.fail_interrupted_operation(vm, reason)

    def resource_url(self, result):
        from django.urls import reverse

        return reverse("compute:instance_detail", args=[result.uuid]) if result is not None else None


@register
class DeployVirtualMachine(_InstanceJob):
    name = "deployVirtualMachine"
    description = "Creates and starts an instance from a template or an ISO (guide 6.9)"
    secret_fields = ("password",)
    params = (
        Param("zoneid", "uuid", required=True, description="the zone to run in"),
        Param("serviceofferingid", "uuid", required=True, description="CPU and memory"),
        Param("templateid", "uuid", required=True, description="the template or ISO to boot"),
        Param("diskofferingid", "uuid",
              description="a data disk's offering; for an ISO, the root disk's (required)"),
        Param("size", "long", description="the disk's size in GB, for a custom disk offering"),
        Param("rootdisksize", "long", description="the root disk's size in GB (at least the template's)"),
        Param("networkids", "list", item_type="uuid", description="the networks; the first is the default"),
        Param("ipaddress", description="the address on the default network"),
        Param("securitygroupids", "list", item_type="uuid", description="security groups (by id)"),
        Param("securitygroupnames", "list", description="security groups (by name)"),
        Param("name", description="the host name (letters, digits, hyphens)"),
        Param("displayname", description="a name to show"),
        Param("group", description="an instance group, made when new"),
        Param("keypair", description="the name of an SSH key pair of the account (guide 5.2)"),
        Param("userdata", max_length=None, description="base64-encoded user data"),
        Param("hostid", "uuid", description="the host to run on (root admins)"),
        Param("startvm", "boolean", description="start it now (default true)"),
        Param("account", description="deploy for this account (admins, with domainid)"),
        Param("domainid", "uuid", description="the account's domain"),
    )

    def job_instance(self, caller, p):
        vm, _request = self._deploy(caller, p)
        return vm

    def job_abandoned(self, caller, instance_uuid, reason):
        vm = VirtualMachine.objects.filter(uuid=instance_uuid).first()
        if vm is not None:
            instances.fail_unfinished_deploy(caller, vm, reason)

    # A deploy whose worker died gives back what it took, like one never run.
    job_interrupted = job_abandoned

    def _deploy(self, caller, p):
        return instances.deploy_virtual_machine(
            caller, zone=find(Zone, p["zoneid"], "zoneid"),
            service_offering=find(ServiceOffering, p["serviceofferingid"], "serviceofferingid"),
            template_uuid=p["templateid"], account=_account(caller, p),
            disk_offering=find_optional(DiskOffering, p.get("diskofferingid"), "diskofferingid"),
            size=p.get("size"), root_disk_size=p.get("rootdisksize"), network_uuids=p.get("networkids", ()),
            ip_address=p.get("ipaddress", ""), security_group_uuids=p.get("securitygroupids", ()),
            security_group_names=p.get("securitygroupnames", ()), name=p.get("name", ""),
            display_name=p.get("displayname", ""), group=p.get("group", ""), keypair=p.get("keypair", ""),
            user_data=p.get("userdata", ""), host=find_optional(Host, p.get("hostid"), "hostid"),
            start=p.get("startvm", True))

    def execute(self, caller, **p):
        recorded = current_job_instance_uuid()
        if recorded is None:
            raise InvalidParameter("deployVirtualMachine runs as an async job", field="zoneid")
        vm = VirtualMachine.objects.select_related("account", "zone", "service_offering", "template", "iso").get(
            uuid=recorded)
        request = instances.deploy_request(caller, vm, network_uuids=p.get("networkids", ()),
                                           ip_address=p.get("ipaddress", ""),
                                           host=find_optional(Host, p.get("hostid"), "hostid"))
        vm = instances.launch_virtual_machine(caller, vm, request)
        answered = _answer(caller, vm)
        answered.new_password = vm.password or None
        return answered


@register
class StartVirtualMachine(_InstanceJob):
    name = "startVirtualMachine"
    description = "Starts a stopped instance"
    params = (ID, Param("hostid", "uuid", description="the host to start on (root admins)"))

    def execute(self, caller, **p):
        vm = instances.find_instance(caller, p["id"])
        return _answer(caller, instances.start_virtual_machine(
            caller, vm, host=find_optional(Host, p.get("hostid"), "hostid")))


@register
class StopVirtualMachine(_InstanceJob):
    name = "stopVirtualMachine"
    description = "Stops an instance: the guest shuts down, or is powered off at once when forced"
    params = (ID, Param("forced", "boolean", description="power it off at once"))

    def execute(self, caller, **p):
        return _answer(caller, instances.stop_virtual_machine(
            caller, instances.find_instance(caller, p["id"]), forced=p.get("forced", False)))


@register
class RebootVirtualMachine(_InstanceJob):
    name = "rebootVirtualMachine"
    description = "Restarts a running instance"

    def execute(self, caller, **p):
        return _answer(caller, instances.reboot_virtual_machine(caller, instances.find_instance(caller, p["id"])))


@register
class DestroyVirtualMachine(_InstanceJob):
    name = "destroyVirtualMachine"
    description = "Destroys an instance: expunged after expunge.delay, or at once with expunge=true (admins)"
    params = (ID, Param("expunge", "boolean", description="remove it at once (admins)"))

    def execute(self, caller, **p):
        vm = instances.find_instance(caller, p["id"])
        answered = _answer(caller, vm)
        result = instances.destroy_virtual_machine(caller, vm, expunge=p.get("expunge", False))
        if result is None:
            answered.state = "Expunging"
            return answered
        return _answer(caller, result)


@register
class ExpungeVirtualMachine(_InstanceJob):
    name = "expungeVirtualMachine"
    description = "Removes a destroyed instance for good (admins)"
    authorized = (ROLE_ADMIN,)
    response_name = ""
    serializer = None

    def execute(self, caller, **p):
        instances.destroy_virtual_machine(caller, instances.find_instance(caller, p["id"]), expunge=True)
        return SUCCESS


@register
class RecoverVirtualMachine(Command):
    name = "recoverVirtualMachine"
    description = "Brings a destroyed instance back, stopped"
    authorized = ALL_ROLES
    response_name = "virtualmachine"
    serializer = VirtualMachineSerializer
    params = (ID,)

    def execute(self, caller, **p):
        return _answer(caller, instances.recover_virtual_machine(caller, instances.find_instance(caller, p["id"])))


@register
class RestoreVirtualMachine(_InstanceJob):
    name = "restoreVirtualMachine"
    description = "Replaces an instance's root disk with a fresh one from its template"
    params = (Param("virtualmachineid", "uuid", required=True, description="the instance's id"),)

    def job_instance(self, caller, params):
        return instances.find_instance(caller, params["virtualmachineid"], "virtualmachineid")

    def execute(self, caller, **p):
        vm = instances.find_instance(caller, p["virtualmachineid"], "virtualmachineid")
        return _answer(caller, instances.restore_virtual_machine(caller, vm))


@register
class MigrateVirtualMachine(_InstanceJob):
    name = "migrateVirtualMachine"
    description = "Moves a running instance to another host of its cluster"
    authorized = (ROLE_ADMIN,)
    params = (Param("virtualmachineid", "uuid", required=True, description="the instance's id"),
              Param("hostid", "uuid", required=True, description="the destination host"))

    def job_instance(self, caller, params):
        return instances.find_instance(caller, params["virtualmachineid"], "virtualmachineid")

    def execute(self, caller, **p):
        vm = instances.find_instance(caller, p["virtualmachineid"], "virtualmachineid")
        return _answer(caller, instances.migrate_virtual_machine(caller, vm, find(Host, p["hostid"], "hostid")))


@register
class ChangeServiceForVirtualMachine(Command):
    name = "changeServiceForVirtualMachine"
    description = "Gives a stopped instance another service offering"
    authorized = ALL_ROLES
    response_name = "virtualmachine"
    serializer = VirtualMachineSerializer
    params = (ID, Param("serviceofferingid", "uuid", required=True, description="the new offering"))

    def execute(self, caller, **p):
        return _offering_changed(caller, p)


@register
class ScaleVirtualMachine(_InstanceJob):
    name = "scaleVirtualMachine"
    description = "Gives a stopped instance another service offering (live scaling is not offered)"
    params = (ID, Param("serviceofferingid", "uuid", required=True, description="the new offering"))

    def execute(self, caller, **p):
        return _offering_changed(caller, p)


def _offering_changed(caller, p):
    """changeServiceForVirtualMachine (sync) and scaleVirtualMachine (a job) do the same."""
    vm = instances.find_instance(caller, p["id"])
    offering = find(ServiceOffering, p["serviceofferingid"], "serviceofferingid")
    return _answer(caller, instances.change_service_offering(caller, vm, offering))


@register
class ResetPasswordForVirtualMachine(_InstanceJob):
    name = "resetPasswordForVirtualMachine"
    description = "Makes a new password for a stopped instance of a password-enabled template"
    secret_fields = ("password",)

    def execute(self, caller, **p):
        vm, password = instances.reset_password(caller, instances.find_instance(caller, p["id"]))
        answered = _answer(caller, vm)
        answered.new_password = password
        return answered


@register
class ResetSSHKeyForVirtualMachine(_InstanceJob):
    name = "resetSSHKeyForVirtualMachine"
    description = "Gives a stopped instance another of its account's SSH key pairs (guide 5.2.5)"
    params = (ID, Param("keypair", required=True, description="the key pair's name"),
              Param("account", description="the instance's account (admins)"),
              Param("domainid", "uuid", description="that account's domain"))

    def execute(self, caller, **p):
        vm = instances.find_instance(caller, p["id"])
        return _answer(caller, instances.reset_ssh_key(caller, vm, p["keypair"]))


@register
class UpdateVirtualMachine(Command):
    name = "updateVirtualMachine"
    description = "Renames an instance, moves it to a group, or gives it new user data"
    authorized = ALL_ROLES
    response_name = "virtualmachine"
    serializer = VirtualMachineSerializer
    params = (ID, Param("displayname", description="a name to show"),
              Param("name", description="a new host name (stopped instances)"),
              Param("group", description="an instance group (blank: none)", max_length=255),
              Param("userdata", max_length=None, description="new base64-encoded user data"),
              Param("haenable", "boolean", description="restart it elsewhere if its host fails"))

    def execute(self, caller, **p):
        vm = instances.find_instance(caller, p["id"])
        return _answer(caller, instances.update_virtual_machine(
            caller, vm, display_name=p.get("displayname"), name=p.get("name"), group=p.get("group"),
            user_data=p.get("userdata"), ha_enabled=p.get("haenable")))


@register
class ListVirtualMachines(Command):
    name = "listVirtualMachines"
    description = "Lists the instances the caller may see"
    authorized = ALL_ROLES
    response_name = "virtualmachine"
    serializer = VirtualMachineSerializer
    params = (
        Param("id", "uuid", description="the instance's id"),
        Param("ids", "list", item_type="uuid", description="several instances' ids"),
        Param("name", description="its name"), Param("state", description="its state"),
        Param("zoneid", "uuid", description="in this zone"), Param("templateid", "uuid", description="of this template"),
        Param("hostid", "uuid", description="on this host (admins)"),
        Param("groupid", "uuid", description="in this instance group"),
        Param("serviceofferingid", "uuid", description="with this offering"),
        Param("networkid", "uuid", description="with a NIC on this network"),
        Param("keyword", description="List by keyword"),
        Param("listall", "boolean", description="every instance in reach, not only the caller's account's"),
        Param("account", description="of this account"), Param("domainid", "uuid", description="of this domain"),
        Param("isrecursive", "boolean", description="with domainid: also its subdomains"),
    )

    def execute(self, caller, **p):
        found = _shown(caller, instances.visible_instances(caller)).exclude(state="Expunging")
        if not p.get("listall") and "account" not in p and "domainid" not in p and "id" not in p:
            found = found.filter(account=caller.account)
        if "domainid" in p:
            domain = get_domain(caller, p["domainid"])
            found = (found.filter(account__domain__path__startswith=domain.path) if p.get("isrecursive")
                     else found.filter(account__domain=domain))
        if "networkid" in p:
            found = found.filter(pk__in=Nic.objects.filter(network__uuid=p["networkid"]).values("instance_id"))
        return filter_by_params(
            found, p, id="uuid", ids="uuid__in", name="name__iexact", state="state__iexact", zoneid="zone__uuid",
            templateid="template__uuid", hostid="host__uuid", groupid="group__uuid",
            serviceofferingid="service_offering__uuid", account="account__name__iexact", keyword="name__icontains")


@register
class ListNics(Command):
    name = "listNics"
    description = "Lists the NICs of an instance"
    authorized = ALL_ROLES
    response_name = "nic"
    serializer = NicSerializer
    params = (Param("virtualmachineid", "uuid", required=True, description="the instance's id"),
              Param("nicid", "uuid", description="one NIC"), Param("networkid", "uuid", description="on this network"))

    def execute(self, caller, **p):
        vm = instances.find_instance(caller, p["virtualmachineid"], "virtualmachineid")
        nics = Nic.objects.filter(instance=vm).select_related("network", "guest_ip", "instance")
        return filter_by_params(nics, p, nicid="uuid", networkid="network__uuid")


@register
class CreateInstanceGroup(Command):
    name = "createInstanceGroup"
    description = "Creates an instance group"
    authorized = ALL_ROLES
    response_name = "instancegroup"
    serializer = InstanceGroupSerializer
    params = (Param("name", required=True, description="the group's name"),
              Param("account", description="for this account (admins)"),
              Param("domainid", "uuid", description="that account's domain"))

    def execute(self, caller, **p):
        return instances.create_instance_group(caller, _account(caller, p) or caller.account, p["name"])


@register
class DeleteInstanceGroup(Command):
    name = "deleteInstanceGroup"
    description = "Deletes an instance group; its instances stay, in no group"
    authorized = ALL_ROLES
    params = (Param("id", "uuid", required=True, description="the group's id"),)

    def execute(self, caller, **p):
        instances.delete_instance_group(caller, instances.find_instance_group(caller, p["id"]))
        return SUCCESS


@register
class ListInstanceGroups(Command):
    name = "listInstanceGroups"
    description = "Lists instance groups"
    authorized = ALL_ROLES
    response_name = "instancegroup"
    serializer = InstanceGroupSerializer
    params = (Param("id", "uuid", description="the group's id"), Param("name", description="its name"),
              Param("keyword", description="List by keyword"),
              Param("listall", "boolean", description="every group in reach"))

    def execute(self, caller, **p):
        groups = instances.visible_instance_groups(caller)
        if not p.get("listall"):
            groups = groups.filter(account=caller.account)
        return filter_by_params(groups, p, id="uuid", name="name__iexact", keyword="name__icontains")

