"""Pages of the accounts app: login and first login, domains, accounts,
users, SSH key pairs. Thin: lists come from list commands, every change is a
command run through the registry (see cloudstack_ui.ui.views)."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from django_tables2 import RequestConfig

from accounts import forms
from accounts.models import User
from accounts.services import users as user_services
from accounts.services.auth import authenticate_user
from accounts.services.scope import get_account, get_domain, get_user
from accounts.tables import AccountTable, SSHKeyPairTable, UserTable
from accounts.ui import ACCOUNT_ACTIONS, CREATE_ACCOUNT, CREATE_KEYPAIR, DOMAIN_ACTIONS, REGISTER_KEYPAIR, USER_ACTIONS
from cloudstack_ui.api.registry import invoke, is_allowed
from cloudstack_ui.errors import AuthenticationFailed, CloudStackError, NotFound
from cloudstack_ui.ui.actions import available_actions
from cloudstack_ui.ui.forms import ConfirmForm
from cloudstack_ui.ui.views import CommandFormView, CommandListView, CommandPermissionMixin

# Log in, log out, first login ---------------------------------------------------------------------


class LoginView(FormView):
    """Username, Password and Domain (guide 5.1). One message for every
    wrong combination; repeated failures are throttled by the service."""

    template_name = "accounts/login.html"
    form_class = forms.LoginForm

    def form_valid(self, form):
        try:
            user = authenticate_user(
                form.cleaned_data["username"],
                form.cleaned_data["password"],
                form.cleaned_data["domain"],
                self.request.META.get("REMOTE_ADDR"),
            )
        except AuthenticationFailed as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        login(self.request, user, backend="accounts.backends.DomainUserBackend")
        if user.must_change_password:
            return redirect("accounts:first_login")
        next_url = self.request.GET.get("next", "")
        return redirect(next_url if next_url.startswith("/client/") else reverse("ui:dashboard"))


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


class FirstLoginView(FormView):
    """The guided-tour splash of a fresh install (guide 5.1.3). It asks for
    a new password before anything else can be reached."""

    template_name = "accounts/first_login.html"
    form_class = forms.FirstLoginForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.must_change_password:
            return redirect("ui:dashboard")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = self.request.user
        try:
            invoke(user, "updateUser", {"id": user.uuid, "password": form.cleaned_data["password"],
                                        "currentpassword": form.cleaned_data["currentpassword"]})
        except CloudStackError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self.form_invalid(form)
        user_services.choose_guided_setup(user, basic=form.cleaned_data["setup"] == "basic")
        # A password change ends other sessions; keep this one.
        login(self.request, User.objects.get(pk=user.pk), backend="accounts.backends.DomainUserBackend")
        messages.success(self.request, "Your new password is set.")
        return redirect("ui:dashboard")


# Domains ----------------------------------------------------------------------------------------


class DomainTreeView(CommandPermissionMixin, TemplateView):
    """The domain tree on the left, the selected domain's details and actions
    on the right."""

    command = "listDomains"
    template_name = "accounts/domains.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        domains = list(invoke(user, "listDomains").annotate(account_count=Count("accounts")))
        if not domains:
            raise Http404("No domain")
        selected_uuid = self.kwargs.get("uuid")
        selected = next((d for d in domains if selected_uuid and d.uuid == selected_uuid), domains[0])
        if selected_uuid and selected.uuid != selected_uuid:
            raise Http404("Unable to find domain by the id given")
        return super().get_context_data(
            tree=_tree(domains),
            selected=selected,
            child_count=sum(1 for d in domains if d.parent_id == selected.pk),
            actions=available_actions(DOMAIN_ACTIONS, selected, user),
            **kwargs,
        )


def _tree(domains):
    """Nested (domain, children) pairs from a flat list ordered by path."""
    by_parent = {}
    for domain in domains:
        by_parent.setdefault(domain.parent_id, []).append(domain)
    pks = {d.pk for d in domains}
    tops = [d for d in domains if d.parent_id not in pks]

    def node(domain):
        return {"domain": domain, "children": [node(c) for c in by_parent.get(domain.pk, [])]}

    return [node(d) for d in tops]


class DomainObjectMixin:
    def get_object(self):
        return get_domain(self.request.user, self.kwargs["uuid"])


class DomainCreateView(DomainObjectMixin, CommandFormView):
    command = "createDomain"
    form_class = forms.DomainForm
    title = "Add domain"

    def get_intro(self):
        return f"A new subdomain of {self.object.full_path}."

    def command_params(self, form):
        return {**super().command_params(form), "parentdomainid": self.object.uuid}

    def success_message(self, domain):
        return f"Domain {domain.full_path} created."

    def get_success_url(self, domain):
        return reverse("accounts:domain_detail", args=[domain.uuid])


class DomainEditView(DomainObjectMixin, CommandFormView):
    command = "updateDomain"
    form_class = forms.DomainForm
    title = "Edit domain"

    def get_initial(self):
        return {"name": self.object.name, "networkdomain": self.object.network_domain}

    def command_params(self, form):
        return {"id": self.object.uuid, "name": form.cleaned_data["name"],
                "networkdomain": form.cleaned_data["networkdomain"]}

    def success_message(self, domain):
        return f"Domain {domain.full_path} updated."

    def get_success_url(self, domain):
        return reverse("accounts:domain_detail", args=[domain.uuid])


class DomainDeleteView(DomainObjectMixin, CommandFormView):
    command = "deleteDomain"
    form_class = forms.DomainDeleteForm
    title = "Delete domain"
    submit_label = "Delete"
    danger = True

    def get_intro(self):
        return f"Delete domain {self.object.full_path}?"

    def command_params(self, form):
        return {"id": self.object.uuid, "cleanup": form.cleaned_data["cleanup"]}

    def success_message(self, result):
        return f"Domain {self.object.full_path} deleted."

    def get_success_url(self, result):
        return reverse("accounts:domains")


# Accounts ---------------------------------------------------------------------------------------


class AccountListView(CommandListView):
    command = "listAccounts"
    table_class = AccountTable
    filter_form_class = forms.AccountFilterForm
    title = "Accounts"
    create_actions = (CREATE_ACCOUNT,)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not (request.user.is_root_admin or request.user.is_domain_admin):
            return redirect("accounts:account_detail", request.user.account.uuid)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self, filter_form):
        return super().get_queryset(filter_form).annotate(user_count=Count("users"))


class AccountDetailView(CommandPermissionMixin, TemplateView):
    command = "listAccounts"
    template_name = "accounts/account_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        account = get_account(user, self.kwargs["uuid"])
        users = invoke(user, "listUsers", {"account": account.name, "domainid": account.domain.uuid})
        users_table = UserTable(users, request=self.request)
        RequestConfig(self.request, paginate={"per_page": settings.UI_PAGE_SIZE}).configure(users_table)
        limits = invoke(user, "listResourceLimits", {"account": account.name, "domainid": account.domain.uuid})
        return super().get_context_data(
            account=account,
            users_table=users_table,
            limits=limits,
            limits_editable=limits_editable(user, account),
            actions=available_actions(ACCOUNT_ACTIONS, account, user),
            **kwargs,
        )


class AccountCreateView(CommandFormView):
    command = "createAccount"
    form_class = forms.AccountCreateForm
    title = "Add account"
    field_for_param = {"username": "username"}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        domain = self.kwargs.get("uuid") or self.request.user.account.domain.uuid
        return {"domainid": str(domain)}

    def success_message(self, account):
        return f"Account {account.name} created in domain {account.domain.full_path}."

    def get_success_url(self, account):
        return reverse("accounts:account_detail", args=[account.uuid])


class AccountObjectMixin:
    def get_object(self):
        return get_account(self.request.user, self.kwargs["uuid"])

    def get_success_url(self, result):
        return reverse("accounts:account_detail", args=[self.object.uuid])


def limits_editable(user, account) -> bool:
    """Root admins edit any limited account's limits; domain admins those of
    other accounts in reach (the service decides; this only hides links)."""
    return is_allowed(user, "updateResourceLimit") and not account.is_root_admin and (
        user.is_root_admin or account.pk != user.account_id)


class AccountLimitView(AccountObjectMixin, CommandFormView):
    """Set one resource limit of the account (updateResourceLimit)."""

    command = "updateResourceLimit"
    form_class = forms.ResourceLimitForm
    title = "Edit resource limit"
    submit_label = "Save"

    @cached_property
    def usage(self):
        usage = next(iter(invoke(self.request.user, "listResourceLimits", {
            "account": self.object.name, "domainid": self.object.domain.uuid,
            "resourcetype": self.kwargs["resourcetype"]})), None)
        if usage is None:
            raise Http404("This resource type is not limited")
        return usage

    def get_initial(self):
        return {"max": self.usage.limit}

    def get_intro(self):
        unit = f" {self.usage.unit}" if self.usage.unit else ""
        return f"{self.usage.label} of account {self.object.name}: {self.usage.used}{unit} in use."

    def command_params(self, form):
        return {"account": self.object.name, "domainid": self.object.domain.uuid,
                "resourcetype": self.kwargs["resourcetype"], "max": form.cleaned_data["max"]}

    def success_message(self, usage):
        return f"{usage.label} of account {self.object.name}: limit set to {usage.limit}."


class AccountEditView(AccountObjectMixin, CommandFormView):
    command = "updateAccount"
    form_class = forms.AccountEditForm
    title = "Edit account"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "account": self.object}

    def get_initial(self):
        return {"newname": self.object.name, "networkdomain": self.object.network_domain,
                "roleid": str(self.object.role.uuid)}

    def command_params(self, form):
        return {"id": self.object.uuid, **form.cleaned_data}

    def success_message(self, account):
        return f"Account {account.name} updated."


class AccountStateView(AccountObjectMixin, CommandFormView):
    """Disable, lock or enable an account: a confirmation, then the command."""

    form_class = ConfirmForm
    params: dict = {}
    verb = ""

    def get_intro(self):
        return f"{self.verb.capitalize()} account {self.object.name}?"

    def command_params(self, form):
        return {"id": self.object.uuid, **self.params}

    def success_message(self, account):
        return f"Account {account.name} is now {account.get_state_display().lower()}."


class AccountDisableView(AccountStateView):
    command = "disableAccount"
    params = {"lock": False}
    verb = "disable"
    title = "Disable account"
    submit_label = "Disable"
    danger = True


class AccountLockView(AccountStateView):
    command = "disableAccount"
    params = {"lock": True}
    verb = "lock"
    title = "Lock account"
    submit_label = "Lock"
    danger = True


class AccountEnableView(AccountStateView):
    command = "enableAccount"
    verb = "enable"
    title = "Enable account"
    submit_label = "Enable"


class AccountDeleteView(AccountObjectMixin, CommandFormView):
    command = "deleteAccount"
    form_class = ConfirmForm
    title = "Delete account"
    submit_label = "Delete"
    danger = True

    def get_intro(self):
        return f"Delete account {self.object.name} and all its users?"

    def command_params(self, form):
        return {"id": self.object.uuid}

    def success_message(self, result):
        return f"Account {self.object.name} deleted."

    def get_success_url(self, result):
        return reverse("accounts:accounts")


# Users ------------------------------------------------------------------------------------------


class UserCreateView(AccountObjectMixin, CommandFormView):
    command = "createUser"
    form_class = forms.UserCreateForm
    title = "Add user"

    def get_intro(self):
        return f"A new user of account {self.object.name} ({self.object.domain.full_path})."

    def command_params(self, form):
        return {**super().command_params(form), "account": self.object.name, "domainid": self.object.domain.uuid}

    def success_message(self, user):
        return f"User {user.username} added."


class UserDetailView(CommandPermissionMixin, TemplateView):
    command = "listUsers"
    template_name = "accounts/user_detail.html"

    def get_context_data(self, **kwargs):
        viewer = self.request.user
        user = get_user(viewer, self.kwargs["uuid"])
        return super().get_context_data(
            shown_user=user, actions=available_actions(USER_ACTIONS, user, viewer), **kwargs
        )


class UserApiAccessView(CommandPermissionMixin, TemplateView):
    """Where a user learns how to reach the API: the endpoint, their API key
    and a ready cloudstack.ini for the cs client. The secret key is never
    shown here; it is shown once, when keys are generated."""

    command = "getUserKeys"
    template_name = "accounts/api_access.html"

    def get_context_data(self, **kwargs):
        viewer = self.request.user
        user = get_user(viewer, self.kwargs["uuid"])
        generate = available_actions([a for a in USER_ACTIONS if a.command == "registerUserKeys"], user, viewer)
        return super().get_context_data(
            shown_user=user, endpoint=self.request.build_absolute_uri("/client/api"),
            rest_docs=self.request.build_absolute_uri("/api/v1/docs/"), actions=generate, **kwargs
        )


class UserObjectMixin:
    def get_object(self):
        return get_user(self.request.user, self.kwargs["uuid"])

    def get_success_url(self, result):
        return reverse("accounts:user_detail", args=[self.object.uuid])


class UserEditView(UserObjectMixin, CommandFormView):
    command = "updateUser"
    form_class = forms.UserEditForm
    title = "Edit user"

    def get_initial(self):
        u = self.object
        return {"username": u.username, "email": u.email, "firstname": u.first_name, "lastname": u.last_name,
                "timezone": u.timezone}

    def command_params(self, form):
        return {"id": self.object.uuid, **form.cleaned_data}

    def success_message(self, user):
        return f"User {user.username} updated."


class ChangePasswordView(UserObjectMixin, CommandFormView):
    """Accounts → account → View Users → user → Change Password (guide 5.1.4)."""

    command = "updateUser"
    form_class = forms.ChangePasswordForm
    title = "Change password"
    submit_label = "Change password"

    def get_intro(self):
        return f"New password for {self.object.username} ({self.object.domain.full_path})."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "own": self.object.pk == self.request.user.pk}

    def command_params(self, form):
        params = {"id": self.object.uuid, "password": form.cleaned_data["password"]}
        if "currentpassword" in form.cleaned_data:
            params["currentpassword"] = form.cleaned_data["currentpassword"]
        return params

    def succeeded(self, result):
        if self.object.pk == self.request.user.pk:
            # Keep this session; the new password hash changed its auth hash.
            login(self.request, User.objects.get(pk=self.object.pk), backend="accounts.backends.DomainUserBackend")
        return super().succeeded(result)

    def success_message(self, user):
        return f"Password of {user.username} changed."


class UserStateView(UserObjectMixin, CommandFormView):
    form_class = ConfirmForm
    verb = ""

    def get_intro(self):
        return f"{self.verb.capitalize()} user {self.object.username}?"

    def command_params(self, form):
        return {"id": self.object.uuid}

    def success_message(self, user):
        return f"User {user.username} is now {user.get_state_display().lower()}."


class UserDisableView(UserStateView):
    command = "disableUser"
    verb = "disable"
    title = "Disable user"
    submit_label = "Disable"
    danger = True


class UserLockView(UserStateView):
    command = "lockUser"
    verb = "lock"
    title = "Lock user"
    submit_label = "Lock"
    danger = True


class UserEnableView(UserStateView):
    command = "enableUser"
    verb = "enable"
    title = "Enable user"
    submit_label = "Enable"


class UserDeleteView(UserObjectMixin, CommandFormView):
    command = "deleteUser"
    form_class = ConfirmForm
    title = "Delete user"
    submit_label = "Delete"
    danger = True

    def get_intro(self):
        return f"Delete user {self.object.username}?"

    def command_params(self, form):
        return {"id": self.object.uuid}

    def success_message(self, result):
        return f"User {self.object.username} deleted."

    def get_success_url(self, result):
        return reverse("accounts:account_detail", args=[self.object.account.uuid])


class SecretResultMixin:
    """Commands whose result holds a secret shown once: the result is
    rendered in the response itself and never stored for a later page."""

    result_template_name = ""

    def succeeded(self, result):
        template = self.result_template_name
        frame = "ui/frame_modal.html" if self.request.headers.get("HX-Request") else "ui/frame_page.html"
        context = {"result": result, "object": self.object, "title": self.title, "frame": frame}
        response = render(self.request, template, context)
        response["Cache-Control"] = "no-store"
        return response


class RegisterUserKeysView(UserObjectMixin, SecretResultMixin, CommandFormView):
    command = "registerUserKeys"
    form_class = ConfirmForm
    title = "Generate keys"
    submit_label = "Generate keys"
    result_template_name = "accounts/partials/user_keys_result.html"

    def get_intro(self):
        if self.object.api_key:
            return (f"Generate a new API key and secret key for {self.object.username}? The current pair stops "
                    "working at once.")
        return f"Generate an API key and secret key for {self.object.username}?"

    def command_params(self, form):
        return {"id": self.object.uuid}


# SSH key pairs ----------------------------------------------------------------------------------


class SSHKeyPairListView(CommandListView):
    command = "listSSHKeyPairs"
    table_class = SSHKeyPairTable
    filter_form_class = forms.KeywordFilterForm
    title = "SSH Key Pairs"
    list_params = {"listall": True}
    create_actions = (CREATE_KEYPAIR, REGISTER_KEYPAIR)


class SSHKeyPairCreateView(SecretResultMixin, CommandFormView):
    command = "createSSHKeyPair"
    form_class = forms.SSHKeyPairCreateForm
    title = "Create a SSH key pair"
    intro = "The private key is shown once, right after it is made: download it then. It is not kept."
    result_template_name = "accounts/partials/keypair_private_key.html"


class SSHKeyPairRegisterView(CommandFormView):
    command = "registerSSHKeyPair"
    form_class = forms.SSHKeyPairRegisterForm
    title = "Register a SSH public key"

    def success_message(self, keypair):
        return f"Key pair {keypair.name} registered ({keypair.fingerprint})."

    def get_success_url(self, keypair):
        return reverse("accounts:sshkeypairs")


class SSHKeyPairDeleteView(CommandFormView):
    command = "deleteSSHKeyPair"
    form_class = ConfirmForm
    title = "Delete SSH key pair"
    submit_label = "Delete"
    danger = True

    def get_object(self):
        keypair = invoke(self.request.user, "listSSHKeyPairs", {"id": self.kwargs["uuid"], "listall": True}).first()
        if keypair is None:
            raise NotFound("Unable to find key pair by the id given", field="id")
        return keypair

    def get_intro(self):
        return f"Delete key pair {self.object.name} ({self.object.fingerprint})?"

    def command_params(self, form):
        account = self.object.account
        return {"name": self.object.name, "account": account.name, "domainid": account.domain.uuid}

    def success_message(self, result):
        return f"Key pair {self.object.name} deleted."

    def get_success_url(self, result):
        return reverse("accounts:sshkeypairs")
