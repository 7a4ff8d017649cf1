"""Infrastructure is the root admin's: one check, used by every service."""
from cloudstack_ui.errors import PermissionDenied


def ensure_root_admin(caller) -> None:
    if not caller.is_root_admin:
        raise PermissionDenied("Only root admins manage the infrastructure")


def locked(model, obj):
    """The row again, locked for the rest of the transaction, so that
    concurrent changes to its children are serialised."""
    return model.objects.select_for_update().get(pk=obj.pk)
