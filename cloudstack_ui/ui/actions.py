"""Actions on a resource, declared once per resource (as CloudStack's UI
declares them): each names the command it runs, so whether a button is
shown follows the role rules, and a predicate decides per row state
(Horizon's `allowed(request, datum)`)."""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from cloudstack_ui.api.registry import is_allowed


@dataclass(frozen=True)
class Action:
    label: str
    url_name: str
    command: str
    icon: str = ""
    danger: bool = False
    # Opens its page in a new window (the console) instead of a dialog.
    new_window: bool = False
    show: Callable[[Any, Any], bool] = lambda obj, user: True

    def url(self, obj) -> str:
        return reverse(self.url_name, args=[obj.uuid]) if obj is not None else reverse(self.url_name)

    def available(self, obj, user) -> bool:
        return is_allowed(user, self.command) and self.show(obj, user)


def available_actions(actions, obj, user) -> list[dict]:
    return [
        {"label": a.label, "url": a.url(obj), "icon": a.icon, "danger": a.danger, "new_window": a.new_window}
        for a in actions
        if a.available(obj, user)
    ]
