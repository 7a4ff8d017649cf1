"""Finding infrastructure objects by public id for commands and views;
an unknown id is a NotFound naming the parameter."""
from cloudstack_ui.errors import NotFound


def find(model, uuid, field: str):
    obj = model.objects.filter(uuid=uuid).first() if uuid is not None else None
    if obj is None:
        raise NotFound(f"{field}: no {model._meta.verbose_name} has the id {uuid}", field=field)
    return obj


def find_optional(model, uuid, field: str):
    return find(model, uuid, field) if uuid is not None else None

