"""Template and ISO pages: lists with live download progress, the
register forms and deletion."""
from django.urls import reverse

from cloudstack_ui.ui.actions import Action
from cloudstack_ui.ui.forms import ConfirmForm
from cloudstack_ui.ui.views import CommandFormView, CommandListView
from compute.forms import templates as forms
from compute.models import TemplateZone
from compute.services import templates
from compute.tables import templates as tables

REGISTER_TEMPLATE = Action("Register template", "compute:template_register", "registerTemplate", "cloud-download")
REGISTER_ISO = Action("Register ISO", "compute:iso_register", "registerIso", "disc")
DOWNLOADING = (TemplateZone.Status.NOT_DOWNLOADED, TemplateZone.Status.DOWNLOAD_IN_PROGRESS)


class _ImageList(CommandListView):
    table_class = tables.TemplateTable
    filter_form_class = forms.TemplateFilter
    filter_param = ""

    def get_queryset(self, filter_form):
        self.list_params = {self.filter_param: "executable"}
        if filter_form.is_bound and filter_form.is_valid() and filter_form.cleaned_data["templatefilter"]:
            filter_form.cleaned_data[self.filter_param] = filter_form.cleaned_data.pop("templatefilter")
        self.listed = super().get_queryset(filter_form)
        return self.listed

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Downloads in progress: the table reloads itself until they end.
        context["polling"] = self.listed.filter(status__in=DOWNLOADING).exists()
        context["polling_text"] = "Refreshing while downloads run…"
        return context


class TemplateListView(_ImageList):
    command = "listTemplates"
    filter_param = "templatefilter"
    title = "Templates"
    create_actions = (REGISTER_TEMPLATE,)


class IsoListView(_ImageList):
    command = "listIsos"
    filter_param = "isofilter"
    title = "ISOs"
    create_actions = (REGISTER_ISO,)


class _Register(CommandFormView):
    list_url = ""
    intro = ("Give the URL of the image; it is downloaded into the secondary storage of the zone (or of every "
             "zone) and is ready to launch once its status is Download Complete.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def command_params(self, form):
        return form.params()

    def success_message(self, rows):
        return f"{self.title.removeprefix('Register ')} registered; its download has started."

    def get_success_url(self, rows):
        return reverse(self.list_url)


class RegisterTemplateView(_Register):
    command = "registerTemplate"
    form_class = forms.RegisterTemplateForm
    title = "Register template"
    list_url = "compute:templates"


class RegisterIsoView(_Register):
    command = "registerIso"
    form_class = forms.RegisterIsoForm
    title = "Register ISO"
    list_url = "compute:isos"


class TemplateDeleteView(CommandFormView):
    command = "deleteTemplate"
    form_class = ConfirmForm
    title = "Delete template"
    submit_label = "Delete"
    danger = True

    def get_object(self):
        return templates.find_own_template(self.request.user, self.kwargs["uuid"])

    def get_intro(self):
        return (f"Delete {self.object.name} from every zone? Instances made from it keep their disks.")

    def command_params(self, form):
        return {"id": self.object.uuid}

    def success_message(self, result):
        return f"{self.object.name} deleted."

    def get_success_url(self, result):
        return reverse("compute:isos" if self.object.is_iso else "compute:templates")
