"""The left navigation, declared by the apps. Each app lists its sections in
`<app>/navigation.py` (autodiscovered); a section is shown to a user whose
role may call its `command`, so navigation follows the role rules. Only
sections that exist are declared."""
from dataclasses import dataclass

from django.urls import reverse
from django.utils.module_loading import autodiscover_modules

from cloudstack_ui.api.registry import is_allowed


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    order: int
    command: str | None = None
    admin_only: bool = False

    def visible_to(self, user) -> bool:
        if self.admin_only and not (user.is_root_admin or user.is_domain_admin):
            return False
        return self.command is None or is_allowed(user, self.command)


# CloudStack's order (guide 5.1.2, 5.1.1): Dashboard, Instances, Storage, Network,
# Templates, Events, Accounts, Domains, Regions, Infrastructure, Service Offerings,
# Global Settings; SSH Key Pairs for every user.
ORDER = {
    "dashboard": 0,
    "instances": 10,
    "storage": 20,
    "network": 30,
    "templates": 40,
    "events": 50,
    "sshkeypairs": 55,
    "accounts": 60,
    "domains": 70,
    "regions": 80,
    "infrastructure": 90,
    "serviceofferings": 100,
    "globalsettings": 110,
}

_items: list[NavItem] = []
_discovered = False


def register(*items: NavItem) -> None:
    _items.extend(items)
    _items.sort(key=lambda item: item.order)


def items_for(user) -> list[dict]:
    global _discovered
    if not _discovered:
        autodiscover_modules("navigation")
        _discovered = True
    return [
        {"label": item.label, "url": reverse(item.url_name), "icon": item.icon, "url_name": item.url_name}
        for item in _items
        if item.visible_to(user)
    ]


register(NavItem("Dashboard", "ui:dashboard", "speedometer2", ORDER["dashboard"]))
