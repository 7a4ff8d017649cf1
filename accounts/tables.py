"""List columns of the accounts pages (django-tables2: sorted and paginated
on the server)."""
import django_tables2 as tables
from django.utils.html import format_html

STATE_BADGES = {"enabled": "success", "disabled": "secondary", "locked": "danger"}


def state_badge(value: str, label: str):
    return format_html('<span class="badge text-bg-{}">{}</span>', STATE_BADGES.get(value, "light"), label)


class AccountTable(tables.Table):
    name = tables.LinkColumn("accounts:account_detail", args=[tables.A("uuid")], verbose_name="Name")
    role = tables.Column(accessor="role__name", verbose_name="Role", order_by="role__name")
    type = tables.Column(verbose_name="Type")
    domain = tables.Column(accessor="domain__path", verbose_name="Domain", order_by="domain__path")
    state = tables.Column(verbose_name="State")
    user_count = tables.Column(verbose_name="Users", orderable=True)

    class Meta:
        empty_text = "No accounts match."
        attrs = {"class": "table table-hover align-middle"}
        order_by = ("domain", "name")

    def render_domain(self, record):
        return record.domain.full_path

    def render_state(self, value, record):
        return state_badge(record.state, value)


class UserTable(tables.Table):
    username = tables.LinkColumn("accounts:user_detail", args=[tables.A("uuid")], verbose_name="Username")
    first_name = tables.Column(verbose_name="First name")
    last_name = tables.Column(verbose_name="Last name")
    email = tables.Column(verbose_name="Email")
    state = tables.Column(verbose_name="State")

    class Meta:
        empty_text = "No users."
        attrs = {"class": "table table-hover align-middle"}

    def render_state(self, value, record):
        return state_badge(record.state, value)


class SSHKeyPairTable(tables.Table):
    name = tables.Column(verbose_name="Name")
    fingerprint = tables.Column(verbose_name="Fingerprint", attrs={"td": {"class": "font-monospace small"}})
    account = tables.Column(accessor="account__name", verbose_name="Account", order_by="account__name")
    created = tables.DateTimeColumn(verbose_name="Created")
    delete = tables.TemplateColumn(
        template_name="accounts/partials/keypair_delete_button.html", verbose_name="", orderable=False
    )

    class Meta:
        empty_text = "No SSH key pairs yet."
        attrs = {"class": "table table-hover align-middle"}
