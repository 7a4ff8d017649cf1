"""Physical networks, IP range dialogs, network offerings and guest networks."""
from ipaddress import IPv4Address

from django.db.models import Count
from django.urls import reverse
from django.views.generic import TemplateView

from cloudstack_ui.ui.actions import Action, available_actions
from cloudstack_ui.ui.views import CommandFormView, CommandListView, CommandPermissionMixin
from infrastructure.forms import ConfirmForm, KeywordFilter
from infrastructure.lookups import find
from infrastructure.models import Pod, Zone
from network import forms, tables
from network.models import Network, VlanIpRange
from network.services.networks import visible_networks

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
            from django.http import Http404

            raise Http404("No such network")
        ranges = list(network.ip_ranges.select_related("pod").annotate(used=Count("guest_ips")))
        for ip_range in ranges:
            ip_range.size = int(IPv4Address(ip_range.end_ip)) - int(IPv4Address(ip_range.start_ip)) + 1
        scope = tables.NetworkTable.render_scope(None, network)
        fields = [("Zone", network.zone.name), ("Type", network.offering.guest_ip_type),
                  ("Network offering", network.offering.name), ("State", network.state), ("VLAN", network.vlan),
                  ("Gateway", network.gateway), ("CIDR", network.cidr or "per pod"),
                  ("Network domain", network.network_domain), ("Open to", scope),
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
