"""A user who must set a new password (admin's first login, guide 5.1.3)
can reach nothing else first. (Every page needs a login: Django's
LoginRequiredMiddleware, with `login_not_required` on the login page.)"""
from django.shortcuts import redirect
from django.urls import reverse

from cloudstack_ui.api.registry import password_change_pending


class ForcedPasswordChangeMiddleware:
    ALLOWED_URL_NAMES = ("accounts:first_login", "accounts:logout", "accounts:login")
    # The APIs answer for themselves (login answers passwordchangerequired,
    # every other command is refused by the registry's ensure_password_changed);
    # a redirect to an HTML page means nothing to an API client.
    ALLOWED_PREFIXES = ("/client/static/", "/client/api", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and password_change_pending(user)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and request.path not in {reverse(name) for name in self.ALLOWED_URL_NAMES}
        ):
            return redirect("accounts:first_login")
        return self.get_response(request)
