"""Django authentication backend: users are found by (username, domain)."""
from accounts.models import User
from accounts.services.auth import authenticate_user
from cloudstack_ui.errors import AuthenticationFailed


class DomainUserBackend:
    def authenticate(self, request, username=None, password=None, domain="", **kwargs):
        remote_addr = request.META.get("REMOTE_ADDR") if request is not None else None
        try:
            return authenticate_user(username, password, domain, remote_addr)
        except AuthenticationFailed:
            return None

    def get_user(self, user_id):
        user = User.objects.select_related("account__domain", "account__role", "domain").filter(pk=user_id).first()
        return user if user is not None and user.is_active else None
