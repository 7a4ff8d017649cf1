"""Settings that can be set per account."""
from cloudstack_ui.config.keys import declare_scope


def _account(uuid):
    from accounts.models import Account

    return Account.objects.filter(uuid=uuid).first()


declare_scope("account", _account)
