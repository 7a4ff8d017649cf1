"""Global Settings (guide ch.7): a searchable list of every declared
setting, each edited in place through updateConfiguration; and the
hypervisor capabilities, edited through updateHypervisorCapabilities."""
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from cloudstack_ui.api.registry import invoke
from cloudstack_ui.config.forms import CapabilityForm, SettingsFilter
from cloudstack_ui.config.keys import all_keys
from cloudstack_ui.errors import CloudStackError, NotFound
from cloudstack_ui.ui.views import CommandFormView, CommandPermissionMixin


class SettingsView(CommandPermissionMixin, TemplateView):
    command = "listConfigurations"
    template_name = "config/settings.html"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["config/partials/settings_table.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        categories = sorted({k.category for k in all_keys()})
        filter_form = SettingsFilter(self.request.GET or None, categories=categories)
        params = {}
        if filter_form.is_valid():
            params = {k: v for k, v in filter_form.cleaned_data.items() if v}
        rows = invoke(self.request.user, "listConfigurations", params)
        return super().get_context_data(filter_form=filter_form, rows=rows, **kwargs)


class SettingRowView(CommandPermissionMixin, View):
    """GET: the row in edit mode. POST: save through updateConfiguration and
    answer the row (or the edit mode with the reason it was refused)."""

    command = "updateConfiguration"

    def row(self, name):
        return invoke(self.request.user, "listConfigurations", {"name": name})[0]

    def get(self, request, name):
        return render(request, "config/partials/setting_row.html", {"row": self.row(name), "editing": True})

    def post(self, request, name):
        value = "" if "reset" in request.POST else request.POST.get("value", "")
        try:
            invoke(request.user, "updateConfiguration", {"name": name, "value": value})
        except CloudStackError as exc:
            return render(request, "config/partials/setting_row.html",
                          {"row": self.row(name), "editing": True, "error": exc.message, "entered": value})
        return render(request, "config/partials/setting_row.html", {"row": self.row(name), "saved": True})


class CapabilitiesView(CommandPermissionMixin, TemplateView):
    command = "listHypervisorCapabilities"
    template_name = "config/capabilities.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(capabilities=invoke(self.request.user, "listHypervisorCapabilities"),
                                        **kwargs)


class CapabilityEditView(CommandFormView):
    command = "updateHypervisorCapabilities"
    form_class = CapabilityForm
    title = "Edit hypervisor capabilities"

    def get_object(self):
        found = invoke(self.request.user, "listHypervisorCapabilities", {"id": self.kwargs["uuid"]}).first()
        if found is None:
            raise NotFound("id: no such hypervisor capability", field="id")
        return found

    def get_initial(self):
        c = self.object
        return {"maxguestslimit": c.max_guests_limit, "maxdatavolumeslimit": c.max_data_volumes_limit,
                "maxhostspercluster": c.max_hosts_per_cluster, "securitygroupenabled": c.security_group_enabled}

    def get_intro(self):
        return f"{self.object.hypervisor} {self.object.version}"

    def command_params(self, form):
        return {"id": self.object.uuid, **{k: v for k, v in form.cleaned_data.items() if v is not None}}

    def success_message(self, result):
        return f"Capabilities of {result.hypervisor} {result.version} saved."

    def get_success_url(self, result):
        return reverse("config:capabilities")
