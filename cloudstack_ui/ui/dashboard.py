"""Dashboard panels, declared by the apps in `<app>/dashboard.py`
(autodiscovered). A panel is a template and a function giving its context
for a user, or None when the panel is not for that user."""
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: Callable
    order: int = 100


_panels: list[Panel] = []
_discovered = False


def register(panel: Panel) -> None:
    _panels.append(panel)
    _panels.sort(key=lambda p: p.order)


def panels_for(user) -> list[dict]:
    global _discovered
    if not _discovered:
        autodiscover_modules("dashboard")
        _discovered = True
    shown = []
    for panel in _panels:
        context = panel.context(user)
        if context is not None:
            shown.append({"title": panel.title, "template": panel.template, **context})
    return shown
