"""Service and disk offering pages and dialogs."""
from django.urls import reverse

from cloudstack_ui.ui.actions import Action
from cloudstack_ui.ui.forms import ConfirmForm
from cloudstack_ui.ui.views import CommandFormView, CommandListView
from compute.forms import offerings as forms
from compute.services import offerings
from compute.tables import offerings as tables
from infrastructure.forms import KeywordFilter

ADD_SERVICE = Action("Add service offering", "compute:serviceoffering_add", "createServiceOffering", "plus-lg")
ADD_DISK = Action("Add disk offering", "compute:diskoffering_add", "createDiskOffering", "plus-lg")


class ServiceOfferingListView(CommandListView):
    command = "listServiceOfferings"
    table_class = tables.ServiceOfferingTable
    filter_form_class = KeywordFilter
    title = "Service offerings"
    create_actions = (ADD_SERVICE,)


class DiskOfferingListView(CommandListView):
    command = "listDiskOfferings"
    table_class = tables.DiskOfferingTable
    filter_form_class = KeywordFilter
    title = "Disk offerings"
    create_actions = (ADD_DISK,)


class _OfferingAdd(CommandFormView):
    list_url = ""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def success_message(self, offering):
        return f"{self.title.removeprefix('Add ').capitalize()} {offering.name} added."

    def get_success_url(self, offering):
        return reverse(self.list_url)


class ServiceOfferingAddView(_OfferingAdd):
    command = "createServiceOffering"
    form_class = forms.ServiceOfferingForm
    title = "Add service offering"
    list_url = "compute:serviceofferings"


class DiskOfferingAddView(_OfferingAdd):
    command = "createDiskOffering"
    form_class = forms.DiskOfferingForm
    title = "Add disk offering"
    list_url = "compute:diskofferings"


class _OfferingDelete(CommandFormView):
    form_class = ConfirmForm
    submit_label = "Delete"
    danger = True
    visible = None
    list_url = ""

    def get_object(self):
        from cloudstack_ui.errors import NotFound

        offering = type(self).visible(self.request.user).filter(uuid=self.kwargs["uuid"]).first()
        if offering is None:
            raise NotFound("id: no such offering", field="id")
        return offering

    def get_intro(self):
        return f"Delete offering {self.object.name}?"

    def command_params(self, form):
        return {"id": self.object.uuid}

    def success_message(self, result):
        return f"Offering {self.object.name} deleted."

    def get_success_url(self, result):
        return reverse(self.list_url)


class ServiceOfferingDeleteView(_OfferingDelete):
    command = "deleteServiceOffering"
    title = "Delete service offering"
    visible = staticmethod(offerings.visible_service_offerings)
    list_url = "compute:serviceofferings"


class DiskOfferingDeleteView(_OfferingDelete):
    command = "deleteDiskOffering"
    title = "Delete disk offering"
    visible = staticmethod(offerings.visible_disk_offerings)
    list_url = "compute:diskofferings"
