"""Physical networks, IP range dialogs, network offerings, guest networks,
public IP addresses with their rule editors, and virtual routers."""
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.generic import TemplateView

from cloudstack_ui.api.registry import invoke, is_allowed, prepare
from cloudstack_ui.dependents import DATABASE_REFUSALS, describe_database_refusal
from cloudstack_ui.errors import CloudStackError
from cloudstack_ui.jobs.models import AsyncJob
from cloudstack_ui.jobs.services import submit_job
from cloudstack_ui.ui.actions import Action, available_actions
from cloudstack_ui.ui.forms import ConfirmForm
from cloudstack_ui.ui.views import (
    CommandFormView,
    CommandListView,
    CommandPermissionMixin,
    ObjectActionView,
    object_action,
)
from infrastructure.forms import KeywordFilter
from infrastructure.lookups import find
from infrastructure.models import Pod, Zone
from network import forms, tables
from network.models import VlanIpRange
from network.services import security_groups
from network.services.networks import find_network, visible_networks

ADD_SECURITY_GROUP = Action("Add security group", "network:securitygroup_add", "createSecurityGroup", "plus-lg")
DELETE_SECURITY_GROUP = Action("Delete", "network:securitygroup_delete", "deleteSecurityGroup", "trash", danger=True,
                               show=lambda group, user: group.name != "default")
ADD_ISOLATED_NETWORK = Action("Add isolated network", "network:network_add_isolated", "createNetwork", "plus-lg")
ADD_NETWORK = Action("Add guest network", "network:network_add", "createNetwork", "plus-lg",
                     show=lambda network, user: user.is_root_admin)
EDIT_NETWORK = Action("Edit", "network:network_edit", "updateNetwork", "pencil")
RESTART_NETWORK = Action("Restart", "network:network_restart", "restartNetwork", "arrow-clockwise",
                         show=lambda network, user: network.is_isolated)
DELETE_NETWORK = Action("Delete", "network:network_delete", "deleteNetwork", "trash", danger=True)
ACQUIRE_IP = Action("Acquire new IP", "network:network_acquire_ip", "associateIpAddress", "plus-lg",
                    show=lambda network, user: network.is_isolated and network.account_id is not None)
RELEASE_IP = Action("Release IP", "network:publicip_release", "disassociateIpAddress", "trash", danger=True,
                    show=lambda ip, user: not ip.is_source_nat)
ENABLE_STATIC_NAT = Action("Enable static NAT", "network:publicip_static_nat_enable", "enableStaticNat",
                           "box-arrow-in-right",
                           show=lambda ip, user: not ip.is_source_nat and ip.static_nat_ip_id is None)
DISABLE_STATIC_NAT = Action("Disable static NAT", "network:publicip_static_nat_disable", "disableStaticNat",
                            "x-circle", danger=True, show=lambda ip, user: ip.static_nat_ip_id is not None)
ROUTER_ACTIONS = (
    Action("Start", "network:router_start", "startRouter", "play-fill", show=lambda r, user: r.state == "Stopped"),
    Action("Stop", "network:router_stop", "stopRouter", "stop-fill", show=lambda r, user: r.state == "Running"),
    Action("Reboot", "network:router_reboot", "rebootRouter", "arrow-repeat",
           show=lambda r, user: r.state == "Running"),
    Action("Destroy", "network:router_destroy", "destroyRouter", "trash", danger=True),
)


class PhysicalNetworkListView(CommandListView):
    command = "listPhysicalNetworks"
    table_class = tables.PhysicalNetworkTable
    filter_form_class = KeywordFilter
    title = "Physical networks"

    def get_queryset(self, filter_form):
        return super().get_queryset(filter_form).prefetch_related("traffic_types")


class PublicRangeAddView(CommandFormView):
    command = "createVlanIpRange"
    form_class = forms.PublicRangeForm
    title = "Add public IP range"

    def get_object(self):
        return find(Zone, self.kwargs["uuid"], "id")

    def command_params(self, form):
        physical = self.object.physical_networks.filter(traffic_types__traffic_type="Public").first()
        params = {"zoneid": self.object.uuid, "forvirtualnetwork": True, **super().command_params(form)}
        if physical is not None:
            params["physicalnetworkid"] = physical.uuid
        return params

    def success_message(self, ip_range):
        return f"Public IP range {ip_range} added."

    def get_success_url(self, ip_range):
        return reverse("infrastructure:zone_detail", args=[self.object.uuid])


class GuestRangeAddView(CommandFormView):
    command = "createVlanIpRange"
    form_class = forms.GuestRangeForm
    title = "Add guest IP range"
    intro = "Guest IPs of this pod, in the pod's subnet when the hosts have one NIC (guide 2.8)."

    def get_object(self):
        return find(Pod, self.kwargs["uuid"], "id")

    def command_params(self, form):
        return {"zoneid": self.object.zone.uuid, "podid": self.object.uuid, "forvirtualnetwork": False,
                **super().command_params(form)}

    def success_message(self, ip_range):
        return f"Guest IP range {ip_range} added."

    def get_success_url(self, ip_range):
        return reverse("infrastructure:pod_detail", args=[self.object.uuid])


class IpRangeDeleteView(CommandFormView):
    command = "deleteVlanIpRange"
    form_class = ConfirmForm
    title = "Delete IP range"
    submit_label = "Delete"
    danger = True

    def get_object(self):
        return find(VlanIpRange, self.kwargs["uuid"], "id")

    def get_intro(self):
        return f"Delete the IP range {self.object}?"

    def command_params(self, form):
        return {"id": self.object.uuid}

    def success_message(self, result):
        return f"IP range {self.object} deleted."

    def get_success_url(self, result):
        return reverse("infrastructure:zone_detail", args=[self.object.zone.uuid])


class NetworkListView(CommandListView):
    command = "listNetworks"
    table_class = tables.NetworkTable
    filter_form_class = KeywordFilter
    title = "Guest networks"
    create_actions = (ADD_ISOLATED_NETWORK, ADD_NETWORK)


class NetworkOfferingListView(CommandListView):
    command = "listNetworkOfferings"
    table_class = tables.NetworkOfferingTable
    filter_form_class = KeywordFilter
    title = "Network offerings"


class NetworkDetailView(CommandPermissionMixin, TemplateView):
    """A guest network: its fields and actions, the ranges of a shared one
    with how many of their addresses are in use; an isolated one's tabs:
    its public IP addresses, its egress rule editor and its instances' NICs."""

    command = "listNetworks"
    template_name = "network/network_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        network = visible_networks(user).filter(uuid=self.kwargs["uuid"]).first()
        if network is None:
            raise Http404("No such network")
        fields = [("Zone", network.zone.name), ("Type", network.offering.guest_ip_type),
                  ("Network offering", network.offering.name), ("State", network.state),
                  ("VLAN", network.vlan), ("Gateway", network.gateway), ("CIDR", network.cidr or "per pod"),
                  ("Network domain", network.network_domain), ("Open to", network.scope_text),
                  ("Physical network", network.physical_network.name if network.physical_network else None)]
        if network.is_isolated:
            fields.append(("Restart required", "yes" if network.restart_required else "no"))
        fields.append(("ID", network.uuid))
        context = {"object": network, "fields": fields, "actions": available_actions(
            (EDIT_NETWORK, RESTART_NETWORK, DELETE_NETWORK), network, user)}
        if network.is_isolated:
            ips = invoke(user, "listPublicIpAddresses", {"associatednetworkid": network.uuid, "listall": True})
            nics = network.nics.select_related("instance", "guest_ip").order_by("instance__name", "device_id")
            context.update(
                public_ips=tables.NetworkPublicIpTable(ips, prefix="ip-"),
                ip_actions=available_actions((ACQUIRE_IP,), network, user),
                egress=rule_editor_context(user, "egress", network) if is_allowed(user, "listEgressFirewallRules")
                else None,
                nics=tables.NetworkNicTable(nics, prefix="nic-"))
        else:
            ranges = network.ip_ranges.select_related("pod").annotate(used=Count("guest_ips"))
            context["ranges"] = tables.GuestRangeUsageTable(ranges)
        return super().get_context_data(**context, **kwargs)


class NetworkAddView(CommandFormView):
    command = "createNetwork"
    form_class = forms.NetworkForm
    title = "Add guest network"
    intro = ("A shared network of an Advanced zone, on its own VLAN with its gateway and range (guide 13.6.1). "
             "A Basic zone has one guest network, made by the add-zone wizard.")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_root_admin:
            raise DjangoPermissionDenied("Shared networks are added by root admins; add an isolated network")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def success_message(self, network):
        return f"Guest network {network.name} added."

    def get_success_url(self, network):
        return reverse("network:network_detail", args=[network.uuid])


class IsolatedNetworkAddView(CommandFormView):
    command = "createNetwork"
    form_class = forms.IsolatedNetworkForm
    title = "Add isolated network"
    intro = ("A network of your account behind its own virtual router, which gives it DHCP, DNS, source NAT and "
             "firewall (guide 13.2). It takes a VLAN and a public IP address when its first instance starts.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def success_message(self, network):
        return f"Isolated network {network.name} added."

    def get_success_url(self, network):
        return reverse("network:network_detail", args=[network.uuid])


class NetworkActionView(ObjectActionView):
    """A dialog running one command on a network the user can see; back to its page."""

    def get_object(self):
        return find_network(self.request.user, self.kwargs["uuid"])

    def get_success_url(self, result):
        return reverse("network:network_detail", args=[self.object.uuid])


NetworkEditView = object_action(
    NetworkActionView, "NetworkEditView", "updateNetwork", "Edit network", "Save", "",
    "Network {obj.name} saved.", form_class=forms.NetworkEditForm, form_needs=("object",), object_kwarg="network")
NetworkRestartView = object_action(
    NetworkActionView, "NetworkRestartView", "restartNetwork", "Restart network", "Restart",
    "Apply every rule of {obj.name} to its router again? With clean up, its router is destroyed and a new one "
    "started: its instances lose their connections while it starts.",
    "Network {obj.name} restarted.", form_class=forms.RestartNetworkForm)


class NetworkAcquireIpView(NetworkActionView):
    """Acquire a public IP for the network, after the confirmation guide 13.11 asks for."""

    command = "associateIpAddress"
    id_param = "networkid"
    title = "Acquire new IP"
    submit_label = "Acquire"
    intro_text = "Please confirm that you want to acquire a new public IP address for network {obj.name}."

    def job_submitted(self, form, job):
        if job.status == AsyncJob.Status.SUCCEEDED:
            address = job.result.get("ipaddress", {}).get("ipaddress", "")
            messages.success(self.request, f"Public IP address {address} acquired for network {self.object.name}.")
            return self.go_to(reverse("network:network_detail", args=[self.object.uuid]))
        return super().job_submitted(form, job)


class NetworkDeleteView(CommandFormView):
    command = "deleteNetwork"
    form_class = ConfirmForm
    title = "Delete guest network"
    submit_label = "Delete"
    danger = True

    def get_object(self):
        return find_network(self.request.user, self.kwargs["uuid"])

    def get_intro(self):
        return f"Delete guest network {self.object.name} and its IP ranges?"

    def command_params(self, form):
        return {"id": self.object.uuid}

    def success_message(self, result):
        return f"Guest network {self.object.name} deleted."

    def get_success_url(self, result):
        return reverse("network:networks")


class SecurityGroupListView(CommandListView):
    command = "listSecurityGroups"
    table_class = tables.SecurityGroupTable
    filter_form_class = KeywordFilter
    title = "Security groups"
    list_params = {"listall": True}
    create_actions = (ADD_SECURITY_GROUP,)


class SecurityGroupAddView(CommandFormView):
    command = "createSecurityGroup"
    form_class = forms.SecurityGroupForm
    title = "Add security group"
    intro = "Instances in a group share its rules (guide 13.7). Add rules on the group's page."

    def success_message(self, group):
        return f"Security group {group.name} added."

    def get_success_url(self, group):
        return reverse("network:securitygroup_detail", args=[group.uuid])


class SecurityGroupDeleteView(CommandFormView):
    command = "deleteSecurityGroup"
    form_class = ConfirmForm
    title = "Delete security group"
    submit_label = "Delete"
    danger = True

    def get_object(self):
        return security_groups.find_group(self.request.user, self.kwargs["uuid"])

    def get_intro(self):
        return f"Delete security group {self.object.name} and its rules?"

    def command_params(self, form):
        return {"id": self.object.uuid}

    def success_message(self, result):
        return f"Security group {self.object.name} deleted."

    def get_success_url(self, result):
        return reverse("network:securitygroups")


class SecurityGroupDetailView(CommandPermissionMixin, TemplateView):
    """A group and its rule editor: a row per rule with Remove, and a row to
    add one, each posted with HTMX and answered with the table again."""

    command = "listSecurityGroups"
    template_name = "network/securitygroup_detail.html"

    def get_context_data(self, **kwargs):
        group = security_groups.find_group(self.request.user, self.kwargs["uuid"])
        return super().get_context_data(
            object=group, editors=[rule_editor(group, d) for d in ("ingress", "egress")],
            actions=available_actions((DELETE_SECURITY_GROUP,), group, self.request.user), **kwargs)


def rule_editor(group, direction: str, form=None, error: str = "") -> dict:
    return {"group": group, "direction": direction, "rules": group.rules.filter(direction=direction)
            .select_related("source_group__account"), "form": form or forms.SecurityGroupRuleForm(prefix=direction),
            "error": error}


class SecurityGroupRuleView(CommandPermissionMixin, TemplateView):
    """POST: add a rule (the editor's last row) or remove one; answers the
    direction's rule table, with the refusal on its field."""

    template_name = "network/partials/rule_editor.html"
    http_method_names = ["post"]

    @property
    def command(self):
        verb = "authorize" if self.kwargs["action"] == "add" else "revoke"
        return f"{verb}SecurityGroup{self.kwargs['direction'].title()}"

    def post(self, request, *args, **kwargs):
        direction = self.kwargs["direction"]
        group = security_groups.find_group(request.user, self.kwargs["uuid"])
        form, error = None, ""
        try:
            if self.kwargs["action"] == "add":
                form = forms.SecurityGroupRuleForm(request.POST, prefix=direction)
                if form.is_valid():
                    data = form.cleaned_data
                    pairs = [(data["account"], data["group"])] if data["account"] or data["group"] else []
                    security_groups.authorize(
                        request.user, group, direction, protocol=data["protocol"], start_port=data["startport"],
                        end_port=data["endport"], icmp_type=data["icmptype"], icmp_code=data["icmpcode"],
                        cidrs=[c for c in data["cidrlist"].split(",") if c.strip()] if not pairs else [],
                        source_groups=pairs)
                    form = None
            else:
                security_groups.revoke(request.user, security_groups.find_rule(request.user, request.POST.get("rule"),
                                                                               direction))
        except CloudStackError as exc:
            field = {"cidrlist": "cidrlist", "usersecuritygrouplist": "account"}.get(exc.field, exc.field)
            if form is not None and field in form.fields:
                form.add_error(field, exc.message)
            else:
                error = exc.message
        if not request.headers.get("HX-Request"):
            problems = [error] + [m for errors in (form.errors.values() if form is not None else []) for m in errors]
            for problem in filter(None, problems):
                messages.error(request, problem)
            return redirect("network:securitygroup_detail", uuid=group.uuid)
        return self.render_to_response(rule_editor(group, direction, form, error))


# Public IP addresses ------------------------------------------------------------------------------

def listed_public_ip(user, uuid):
    """A public IP address as listPublicIpAddresses shows it to the user; another account's is a 404."""
    ip = invoke(user, "listPublicIpAddresses", {"id": uuid, "listall": True}).first()
    if ip is None:
        raise Http404("No such public IP address")
    return ip


class PublicIpDetailView(CommandPermissionMixin, TemplateView):
    """A public IP address: its fields, Release, and its tabs: the ingress
    firewall editor, the port forwarding editor and its static NAT."""

    command = "listPublicIpAddresses"
    template_name = "network/publicip_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        ip = listed_public_ip(user, self.kwargs["uuid"])
        static_nat_vm = ip.static_nat_ip.nic.instance if ip.static_nat_ip_id else None
        fields = [("Zone", ip.zone.name), ("Network", ip.network.name if ip.network_id else None),
                  ("Source NAT", "yes" if ip.is_source_nat else "no"),
                  ("Static NAT", f"to {static_nat_vm.name} ({ip.static_nat_ip.address})" if static_nat_vm else "no"),
                  ("Account", ip.account.name), ("State", ip.state), ("Acquired", ip.allocated), ("ID", ip.uuid)]
        editors = [rule_editor_context(user, kind, ip) for kind in ("firewall", "portforwarding")
                   if is_allowed(user, RULE_KINDS[kind].list_command)]
        return super().get_context_data(
            object=ip, fields=fields, editors=editors, static_nat_vm=static_nat_vm,
            actions=available_actions((RELEASE_IP,), ip, user),
            static_nat_actions=available_actions((ENABLE_STATIC_NAT, DISABLE_STATIC_NAT), ip, user), **kwargs)


class PublicIpActionView(ObjectActionView):
    """A dialog running one command on a public IP address the user can see."""

    id_param = "ipaddressid"

    def get_object(self):
        return listed_public_ip(self.request.user, self.kwargs["uuid"])

    def get_success_url(self, result):
        return reverse("network:publicip_detail", args=[self.object.uuid])


class PublicIpReleaseView(PublicIpActionView):
    command = "disassociateIpAddress"
    id_param = "id"
    title = "Release IP"
    submit_label = "Release"
    danger = True
    intro_text = "Release {obj.address} back to the zone's pool? Its rules must be removed first."
    done_text = "Public IP address {obj.address} released."

    def get_success_url(self, result):
        if self.object.network_id:
            return reverse("network:network_detail", args=[self.object.network.uuid])
        return reverse("network:networks")


PublicIpStaticNatEnableView = object_action(
    PublicIpActionView, "PublicIpStaticNatEnableView", "enableStaticNat", "Enable static NAT", "Enable",
    "Map {obj.address} one-to-one onto an instance of its network: all its traffic goes to the instance, "
    "filtered by the address's firewall rules (guide 13.13).",
    "Static NAT enabled on {obj.address}.", form_class=forms.StaticNatForm, form_needs=("user", "object"),
    object_kwarg="ip")
PublicIpStaticNatDisableView = object_action(
    PublicIpActionView, "PublicIpStaticNatDisableView", "disableStaticNat", "Disable static NAT", "Disable",
    "Remove the static NAT of {obj.address}?", "Static NAT of {obj.address} disabled.", danger=True)


# Rule editors of isolated networks and public IPs --------------------------------------------------

@dataclass(frozen=True)
class RuleKind:
    """One rule editor: the commands it runs (by name) and the parameter
    naming what its rules belong to (a public IP address or a network)."""

    title: str
    create_command: str
    delete_command: str
    list_command: str
    owner_param: str
    form_class: type


RULE_KINDS = {
    "firewall": RuleKind("Firewall", "createFirewallRule", "deleteFirewallRule", "listFirewallRules",
                         "ipaddressid", forms.FirewallRuleForm),
    "portforwarding": RuleKind("Port forwarding", "createPortForwardingRule", "deletePortForwardingRule",
                               "listPortForwardingRules", "ipaddressid", forms.PortForwardingRuleForm),
    "egress": RuleKind("Egress rules", "createEgressFirewallRule", "deleteEgressFirewallRule",
                       "listEgressFirewallRules", "networkid", forms.EgressRuleForm),
}


def rule_form(user, kind: str, owner, data=None):
    form_class = RULE_KINDS[kind].form_class
    if form_class is forms.PortForwardingRuleForm:
        return form_class(data, prefix=kind, instances=forms.instances_on_network(user, owner.network))
    return form_class(data, prefix=kind)


def rule_editor_context(user, kind: str, owner, form=None, error: str = "") -> dict:
    spec = RULE_KINDS[kind]
    rules = invoke(user, spec.list_command, {spec.owner_param: owner.uuid, "listall": True})
    return {"kind": kind, "title": spec.title, "owner": owner, "rules": rules, "error": error,
            "form": form if form is not None else rule_form(user, kind, owner),
            "can_add": is_allowed(user, spec.create_command), "can_delete": is_allowed(user, spec.delete_command)}


def _error_field(message: str) -> str | None:
    """The parameter a refusal starts with ("publicport: ..."), if any."""
    head, sep, _rest = message.partition(": ")
    return head if sep and head.isalnum() else None


class RuleEditView(CommandPermissionMixin, TemplateView):
    """POST: add a rule (the editor's last row) or delete one, running the
    kind's create or delete command by name; answers the editor again, with
    a refusal on the field it names. Without HTMX, back to the page."""

    template_name = "network/partials/network_rule_editor.html"
    http_method_names = ["post"]

    @property
    def command(self):
        spec = RULE_KINDS.get(self.kwargs["kind"])
        if spec is None:
            raise Http404("No such rule editor")
        return spec.create_command if self.kwargs["action"] == "add" else spec.delete_command

    def owner(self):
        if RULE_KINDS[self.kwargs["kind"]].owner_param == "networkid":
            return find_network(self.request.user, self.kwargs["uuid"])
        return listed_public_ip(self.request.user, self.kwargs["uuid"])

    def post(self, request, *args, **kwargs):
        kind, spec, owner = self.kwargs["kind"], RULE_KINDS[self.kwargs["kind"]], self.owner()
        form, error = None, ""
        if self.kwargs["action"] == "add":
            form = rule_form(request.user, kind, owner, request.POST)
            if form.is_valid():
                params = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
                error = self.run(spec.create_command, {**params, spec.owner_param: owner.uuid})
                if not error:
                    form = None
        elif self.kwargs["action"] == "delete":
            error = self.run(spec.delete_command, {"id": request.POST.get("rule")})
        else:
            raise Http404("No such rule action")
        if error and form is not None and _error_field(error) in form.fields:
            form.add_error(_error_field(error), error)
            error = ""
        if not request.headers.get("HX-Request"):
            problems = [error] + [m for errors in (form.errors.values() if form is not None else []) for m in errors]
            for problem in filter(None, problems):
                messages.error(request, problem)
            page = "network:network_detail" if spec.owner_param == "networkid" else "network:publicip_detail"
            return redirect(reverse(page, args=[owner.uuid]) + f"#{kind}")
        return self.render_to_response(rule_editor_context(request.user, kind, owner, form, error))

    def run(self, name: str, params: dict) -> str:
        """Run the command (a job); the refusal's text, or ""."""
        try:
            command, parsed = prepare(self.request.user, name, params)
            job = submit_job(self.request.user, command, parsed)
        except CloudStackError as exc:
            return exc.message
        except DATABASE_REFUSALS as exc:
            return describe_database_refusal(exc).message
        if job.status == AsyncJob.Status.FAILED:
            return job.result["errortext"]
        return ""


# Virtual routers (admins) ----------------------------------------------------------------------------

class RouterListView(CommandListView):
    command = "listRouters"
    table_class = tables.RouterTable
    filter_form_class = KeywordFilter
    title = "Virtual routers"
    list_params = {"listall": True}


class RouterDetailView(CommandPermissionMixin, TemplateView):
    """A virtual router: where it runs, its addresses, its network, and the actions its state allows."""

    command = "listRouters"
    template_name = "infrastructure/detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        router = invoke(user, "listRouters", {"id": self.kwargs["uuid"]}).first()
        if router is None:
            raise Http404("No such virtual router")
        network = router.network
        source_nat = next((ip for ip in network.public_ips.all() if ip.is_source_nat), None)
        fields = [("State", router.state), ("Reason", router.state_reason or None), ("Zone", router.zone.name),
                  ("Host", router.host.name if router.host_id else None),
                  ("Network", format_html('<a href="{}">{}</a>', reverse("network:network_detail",
                                                                         args=[network.uuid]), network.name)),
                  ("Account", network.account.name if network.account_id else None),
                  ("Public IP", source_nat.address if source_nat else None), ("Public MAC", router.public_mac),
                  ("Guest IP", network.gateway), ("Guest MAC", router.guest_mac),
                  ("Link-local IP", router.link_local_ip), ("Last configured", router.applied_at),
                  ("Created", router.created), ("ID", router.uuid)]
        return super().get_context_data(kind="Virtual router", object=router, fields=fields,
                                        actions=available_actions(ROUTER_ACTIONS, router, user), **kwargs)


class RouterActionView(ObjectActionView):
    def get_object(self):
        router = invoke(self.request.user, "listRouters", {"id": self.kwargs["uuid"]}).first()
        if router is None:
            raise Http404("No such virtual router")
        return router

    def get_success_url(self, result):
        return reverse("network:router_detail", args=[self.object.uuid])


RouterStartView = object_action(RouterActionView, "RouterStartView", "startRouter", "Start router", "Start",
                                "Start {obj.name}? It is rebuilt from its network's rules.", "Router {obj.name} started.")
RouterStopView = object_action(RouterActionView, "RouterStopView", "stopRouter", "Stop router", "Stop",
                               "Stop {obj.name}? The instances of its network lose DHCP, DNS and NAT until it "
                               "starts again.", "Router {obj.name} stopped.", danger=True)
RouterRebootView = object_action(RouterActionView, "RouterRebootView", "rebootRouter", "Reboot router", "Reboot",
                                 "Reboot {obj.name}?", "Router {obj.name} rebooted.")
RouterDestroyView = object_action(RouterActionView, "RouterDestroyView", "destroyRouter", "Destroy router",
                                  "Destroy", "Destroy {obj.name}? Its network gets a new one when restarted or when "
                                  "an instance starts.", "Router {obj.name} destroyed.", danger=True,
                                  get_success_url=lambda self, result: reverse("network:routers"))

