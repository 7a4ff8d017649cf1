from django import forms, template

register = template.Library()


@register.filter
def bs_widget(field):
    """Render a bound field's widget with Bootstrap's classes (and is-invalid
    when it has errors)."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.RadioSelect):
        return field.as_widget()
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


@register.filter
def is_checkbox(field):
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_radio(field):
    return isinstance(field.field.widget, forms.RadioSelect)


@register.filter
def nav_active(item_url: str, path: str) -> bool:
    """A section is active on its own page and on the pages below it."""
    return path == item_url or (item_url.rstrip("/") != "/client" and path.startswith(item_url))
