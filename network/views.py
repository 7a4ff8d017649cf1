"""Physical networks and IP range dialogs."""
from django.urls import reverse

from cloudstack_ui.ui.views import CommandFormView, CommandListView
from infrastructure.forms import ConfirmForm, KeywordFilter
from infrastructure.lookups import find
from infrastructure.models import Pod, Zone
from network import forms, tables
from network.models import VlanIpRange


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
