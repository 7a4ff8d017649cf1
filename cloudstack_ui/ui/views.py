"""Generic views of the portal: the dashboard, a list view over a list
command (filtered and paginated on the server), and a form view that runs
one command. Resource views in the apps are declarations on top of these."""
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView
from django_tables2 import RequestConfig

from cloudstack_ui.api.registry import invoke, is_allowed, prepare
from cloudstack_ui.dependents import DATABASE_REFUSALS, describe_database_refusal
from cloudstack_ui.errors import CloudStackError, NotFound
from cloudstack_ui.jobs.models import AsyncJob
from cloudstack_ui.jobs.services import submit_job
from cloudstack_ui.ui.actions import available_actions
from cloudstack_ui.ui.dashboard import panels_for
from cloudstack_ui.ui.forms import ConfirmForm


class CommandPermissionMixin:
    """Refuse (403) a user whose role may not call the view's command (nor
    each of `also_requires`, for pages that show more than one command's
    results)."""

    command: str = ""
    also_requires: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        for command in (self.command, *self.also_requires):
            if not is_allowed(request.user, command):
                raise DjangoPermissionDenied(f"Your role may not call {command}")
        try:
            return super().dispatch(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message)


class DashboardView(TemplateView):
    template_name = "ui/dashboard.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(panels=panels_for(self.request.user), **kwargs)


class CommandListView(CommandPermissionMixin, TemplateView):
    """A page listing what a list command returns for this user. The filter
    form's fields are the command's own parameters (keyword, state, ...), so
    the page filters exactly as the API does; django-tables2 sorts and
    paginates on the server. An HTMX request gets the table block only."""

    template_name = "ui/object_list.html"
    table_class = None
    filter_form_class = None
    title = ""
    create_actions: tuple = ()

    def get_filter_form(self):
        return self.filter_form_class(self.request.GET or None, user=self.request.user)

    # Parameters every call of this page's list command carries.
    list_params: dict = {}

    def get_queryset(self, filter_form):
        params = dict(self.list_params)
        if filter_form.is_bound and filter_form.is_valid():
            params.update({k: v for k, v in filter_form.cleaned_data.items() if v not in (None, "")})
        return invoke(self.request.user, self.command, params)

    def get_template_names(self):
        if self.request.headers.get("HX-Request") and self.request.headers.get("HX-Target") == "object-table":
            return ["ui/partials/table_block.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        filter_form = self.get_filter_form()
        table = self.table_class(self.get_queryset(filter_form), request=self.request)
        RequestConfig(self.request, paginate={"per_page": settings.UI_PAGE_SIZE}).configure(table)
        return super().get_context_data(
            title=self.title,
            table=table,
            filter_form=filter_form,
            create_actions=available_actions(self.create_actions, None, self.request.user),
            **kwargs,
        )


class CommandFormView(CommandPermissionMixin, FormView):
    """A form whose submission runs one command. Errors from the service come
    back on the field they name (or above the form). Opened from a button,
    the form renders in the page's modal through HTMX; without JavaScript it
    is a page of its own."""

    template_name = "ui/action_page.html"
    partial_template_name = "ui/partials/action_form.html"
    title = ""
    submit_label = "OK"
    danger = False
    intro = ""
    # Map of command parameter -> form field, where the names differ.
    field_for_param: dict = {}

    def get_object(self):
        return None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = None

    def dispatch(self, request, *args, **kwargs):
        if is_allowed(request.user, self.command):
            try:
                self.object = self.get_object()
            except NotFound as exc:
                raise Http404(exc.message)
        return super().dispatch(request, *args, **kwargs)

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return [self.partial_template_name]
        return [self.template_name]

    def command_params(self, form) -> dict:
        return {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=self.title, submit_label=self.submit_label, danger=self.danger, intro=self.get_intro(),
            object=self.object, action_url=self.request.get_full_path(), **kwargs,
        )

    def get_intro(self) -> str:
        return self.intro

    def form_valid(self, form):
        try:
            command, parsed = prepare(self.request.user, self.command, self.command_params(form))
            if command.is_async:
                return self.job_submitted(form, submit_job(self.request.user, command, parsed))
            result = command.execute(self.request.user, **parsed)
        except CloudStackError as exc:
            return self.refused(form, exc.message, exc.field)
        except DATABASE_REFUSALS as exc:
            return self.refused(form, describe_database_refusal(exc).message, None)
        return self.succeeded(result)

    def refused(self, form, message: str, field: str | None):
        field = self.field_for_param.get(field, field)
        form.add_error(field if field in form.fields else None, message)
        return self.form_invalid(form)

    def job_submitted(self, form, job):
        """An async command: done already (a fast worker, or eager mode) it
        reads like a sync one; still running, the user is told and the
        toast reports the end."""
        if job.status == AsyncJob.Status.FAILED:
            return self.refused(form, job.result["errortext"], None)
        obj = self.object
        if obj is not None and type(obj).objects.filter(pk=obj.pk).exists():
            obj.refresh_from_db()
        if job.status == AsyncJob.Status.SUCCEEDED:
            return self.succeeded(obj)
        messages.info(self.request, f"{self.title}: started. A notification will tell you when it is done.")
        return self.go_to(self.get_success_url(obj))

    def succeeded(self, result):
        message = self.success_message(result)
        if message:
            messages.success(self.request, message)
        return self.go_to(self.get_success_url(result))

    def success_message(self, result) -> str:
        return ""

    def get_success_url(self, result) -> str:
        raise NotImplementedError

    def go_to(self, url: str):
        if self.request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)


class ObjectActionView(CommandFormView):
    """A dialog running one command on the object of the URL
    (`get_object`), whose id goes in `id_param`. `intro_text` and
    `done_text` are formatted with the object as `obj`; `form_needs`
    names what the form's constructor takes: "user", and "object" (given
    under `object_kwarg`)."""

    form_class = ConfirmForm
    id_param = "id"
    intro_text = ""
    done_text = ""
    form_needs: tuple = ()
    object_kwarg = "object"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "user" in self.form_needs:
            kwargs["user"] = self.request.user
        if "object" in self.form_needs:
            kwargs[self.object_kwarg] = self.object
        return kwargs

    def get_intro(self):
        return self.intro_text.format(obj=self.object)

    def command_params(self, form):
        return {**super().command_params(form), self.id_param: self.object.uuid}

    def success_message(self, result):
        return self.done_text.format(obj=self.object)


def object_action(base: type, name: str, command: str, title: str, label: str, intro: str, done: str,
                  **attributes) -> type:
    """A dialog class `name` on `base` (an ObjectActionView) running
    `command`; `attributes` override the base's (danger, form_class,
    form_needs, id_param...)."""
    return type(name, (base,), {
        "command": command, "title": title, "submit_label": label, "intro_text": intro, "done_text": done,
        **attributes, "__doc__": f"The {title.lower()} dialog ({command})."})
