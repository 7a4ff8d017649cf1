"""Forms of the accounts pages. Field names are the command parameters they
feed (CloudStack's names), so a form's cleaned data is the command's input;
the rules themselves live in the services."""
import zoneinfo

from django import forms

from accounts.models import Account, Role
from accounts.services.scope import visible_domains

TIMEZONES = [("", "(none)")] + [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]


class LoginForm(forms.Form):
    username = forms.CharField(label="Username", max_length=255)
    password = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    domain = forms.CharField(
        label="Domain", max_length=1024, required=False,
        help_text="Leave blank for the ROOT domain; users of a subdomain type its path, e.g. Comp1/sales.",
    )


class NewPasswordMixin(forms.Form):
    """A new password typed twice."""

    password = forms.CharField(label="New password", widget=forms.PasswordInput, strip=False)
    confirmpassword = forms.CharField(label="Confirm new password", widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("confirmpassword") and data["password"] != data["confirmpassword"]:
            self.add_error("confirmpassword", "The two passwords do not match.")
        return data


class FirstLoginForm(NewPasswordMixin):
    """The guided-tour splash of a fresh install (guide 5.1.3): the choice of
    tour, and the new password that must be set before anything else."""

    SETUP_CHOICES = [
        ("basic", "Continue with basic setup"),
        ("experienced", "I have used CloudStack before, skip this guide"),
    ]
    setup = forms.ChoiceField(label="How would you like to start?", choices=SETUP_CHOICES, widget=forms.RadioSelect,
                              initial="basic")
    currentpassword = forms.CharField(label="Current password", widget=forms.PasswordInput, strip=False)
    field_order = ["setup", "currentpassword", "password", "confirmpassword"]


class ChangePasswordForm(NewPasswordMixin):
    currentpassword = forms.CharField(label="Current password", widget=forms.PasswordInput, strip=False)
    field_order = ["currentpassword", "password", "confirmpassword"]

    def __init__(self, *args, own: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not own:
            del self.fields["currentpassword"]


class ResourceLimitForm(forms.Form):
    max = forms.IntegerField(label="Limit", min_value=-1, help_text="-1 for no limit")


class DomainForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255)
    networkdomain = forms.CharField(label="Network domain", max_length=255, required=False,
                                    help_text="DNS suffix for the guest networks of this domain, e.g. sales.example.com")


class DomainDeleteForm(forms.Form):
    cleanup = forms.BooleanField(
        label="Clean up: also delete every subdomain and account (with their users) of this domain", required=False
    )


def _domain_choices(user):
    return [(str(d.uuid), d.full_path) for d in visible_domains(user).order_by("path")]


def _role_choices(user, types=None):
    roles = Role.objects.all()
    if not user.is_root_admin:
        roles = roles.exclude(type=Role.Type.ADMIN)
    if types:
        roles = roles.filter(type__in=types)
    return [(str(r.uuid), f"{r.name} ({r.get_type_display()})") for r in roles]


class UserFieldsForm(forms.Form):
    username = forms.CharField(label="Username", max_length=255)
    email = forms.CharField(label="Email", max_length=255)
    firstname = forms.CharField(label="First name", max_length=255)
    lastname = forms.CharField(label="Last name", max_length=255)
    timezone = forms.ChoiceField(label="Timezone", choices=TIMEZONES, required=False)


class AccountCreateForm(UserFieldsForm, NewPasswordMixin):
    password = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    confirmpassword = forms.CharField(label="Confirm password", widget=forms.PasswordInput, strip=False)
    domainid = forms.ChoiceField(label="Domain")
    account = forms.CharField(label="Account name", max_length=255, required=False,
                              help_text="Defaults to the username.")
    roleid = forms.ChoiceField(label="Role")
    networkdomain = forms.CharField(label="Network domain", max_length=255, required=False)
    field_order = ["username", "password", "confirmpassword", "email", "firstname", "lastname", "domainid",
                   "account", "roleid", "timezone", "networkdomain"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domainid"].choices = _domain_choices(user)
        self.fields["roleid"].choices = _role_choices(user)


class AccountEditForm(forms.Form):
    newname = forms.CharField(label="Name", max_length=255)
    networkdomain = forms.CharField(label="Network domain", max_length=255, required=False)
    roleid = forms.ChoiceField(label="Role")

    def __init__(self, *args, user, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roleid"].choices = _role_choices(user, types=[account.role.type])


class UserCreateForm(UserFieldsForm, NewPasswordMixin):
    password = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    confirmpassword = forms.CharField(label="Confirm password", widget=forms.PasswordInput, strip=False)
    field_order = ["username", "password", "confirmpassword", "email", "firstname", "lastname", "timezone"]


class UserEditForm(UserFieldsForm):
    email = forms.CharField(label="Email", max_length=255, required=False)


class AccountFilterForm(forms.Form):
    keyword = forms.CharField(label="Search", required=False)
    domainid = forms.ChoiceField(label="Domain", required=False)
    isrecursive = forms.BooleanField(label="Include subdomains", required=False, initial=True)
    accounttype = forms.ChoiceField(label="Type", required=False,
                                    choices=[("", "Any type")] + [(str(value), label) for value, label in Account.Type.choices])
    state = forms.ChoiceField(label="State", required=False, choices=[("", "Any state")] + Account.State.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domainid"].choices = [("", "All domains")] + _domain_choices(user)


class KeywordFilterForm(forms.Form):
    keyword = forms.CharField(label="Search", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)


class SSHKeyPairCreateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255)


class SSHKeyPairRegisterForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255)
    publickey = forms.CharField(label="Public key", widget=forms.Textarea(attrs={"rows": 5}),
                                help_text="One OpenSSH public key, e.g. the content of ~/.ssh/id_ed25519.pub")
