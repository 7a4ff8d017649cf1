"""Physical networks, IP range dialogs, network offerings and guest networks."""
from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from cloudstack_ui.errors import CloudStackError
from cloudstack_ui.ui.actions import Action, available_actions
from cloudstack_ui.ui.forms import ConfirmForm
from cloudstack_ui.ui.views import CommandFormView, CommandListView, CommandPermissionMixin
from infrastructure.forms import KeywordFilter
from infrastructure.lookups import find
from infrastructure.models import Pod, Zone
from network import forms, tables
from network.models import Network, VlanIpRange
from network.services import security_groups
from network.services.networks import visible_networks

ADD_SECURITY_GROUP = Action("Add security group", "network:securitygroup_add", "createSecurityGroup", "plus-lg")
DELETE_SECURITY_GROUP = Action("Delete", "network:securitygroup_delete", "deleteSecurityGroup", "trash", danger=True,
                               show=lambda group, user: group.name != "default")
ADD_NETWORK = Action("Add guest network", "network:network_add", "createNetwork", "plus-lg")
DELETE_NETWORK = Action("Delete", "network:network_delete", "deleteNetwork", "trash", danger=True)


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
    create_actions = (ADD_NETWORK,)


class NetworkOfferingListView(CommandListView):
    command = "listNetworkOfferings"
    table_class = tables.NetworkOfferingTable
    filter_form_class = KeywordFilter
    title = "Network offerings"


class NetworkDetailView(CommandPermissionMixin, TemplateView):
    """A guest network with its ranges and how many of their addresses are in use."""

    command = "listNetworks"
    template_name = "network/network_detail.html"

    def get_context_data(self, **kwargs):
        network = visible_networks(self.request.user).filter(uuid=self.kwargs["uuid"]).first()
        if network is None:
            raise Http404("No such network")
        ranges = network.ip_ranges.select_related("pod").annotate(used=Count("guest_ips"))
        fields = [("Zone", network.zone.name), ("Type", network.offering.guest_ip_type),
                  ("Network offering", network.offering.name), ("State", network.state), ("VLAN", network.vlan),
                  ("Gateway", network.gateway), ("CIDR", network.cidr or "per pod"),
                  ("Network domain", network.network_domain), ("Open to", network.scope_text),
                  ("Physical network", network.physical_network.name if network.physical_network else None),
                  ("ID", network.uuid)]
        return super().get_context_data(
            object=network, fields=fields, ranges=tables.GuestRangeUsageTable(ranges),
            actions=available_actions((DELETE_NETWORK,), network, self.request.user), **kwargs)


class NetworkAddView(CommandFormView):
    command = "createNetwork"
    form_class = forms.NetworkForm
    title = "Add guest network"
    intro = ("A shared network of an Advanced zone, on its own VLAN with its gateway and range (guide 13.6.1). "
             "A Basic zone has one guest network, made by the add-zone wizard.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def success_message(self, network):
        return f"Guest network {network.name} added."

    def get_success_url(self, network):
        return reverse("network:network_detail", args=[network.uuid])


class NetworkDeleteView(CommandFormView):
    command = "deleteNetwork"
    form_class = ConfirmForm
    title = "Delete guest network"
    submit_label = "Delete"
    danger = True

    def get_object(self):
        return find(Network, self.kwargs["uuid"], "id")

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
