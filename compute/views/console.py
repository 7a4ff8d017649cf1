"""The console window (guide 6.9, "View Console"): noVNC connected to the
console proxy with a single-use token.

`instances/<id>/console` (the View Console button, for roles allowed
createConsoleEndpoint) issues a token as that command does and shows the
console; reloading the window opens a new session. `console/?token=` is the page createConsoleEndpoint's URL
points at: the token is its credential. Reconnect asks for a new token;
after a disconnect the page asks `console/status` why the session ended.
The VNC password is never part of any of these answers."""
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View

from cloudstack_ui.api.registry import is_allowed
from cloudstack_ui.ui.views import CommandPermissionMixin
from compute.console.endpoint import proxy_websocket_url
from compute.console.tokens import ConsoleRefused, check_console_token, console_session_status, issue_console_token
from compute.models import ConsoleSession

REFUSAL_STATUS = {ConsoleRefused.UNKNOWN: 404, ConsoleRefused.EXPIRED: 410, ConsoleRefused.USED: 410,
                  ConsoleRefused.FOREIGN: 403, ConsoleRefused.NOT_RUNNING: 409, ConsoleRefused.UNREACHABLE: 502}


def _refused(request, refused: ConsoleRefused):
    return render(request, "compute/console/refused.html", {"refusal": refused},
                  status=REFUSAL_STATUS[refused.reason])


def _console(request, session: ConsoleSession, token: str):
    user = request.user
    may_reconnect = user.is_authenticated and is_allowed(user, "createConsoleEndpoint")
    return render(request, "compute/console/console.html", {
        "instance": session.instance, "token": token,
        "websocket_url": proxy_websocket_url(request.get_host(), secure=request.is_secure()),
        "status_url": reverse("compute:console_status"),
        "reconnect_url": reverse("compute:instance_console_token", args=[session.instance.uuid])
        if may_reconnect else "",
    })


class InstanceConsoleView(CommandPermissionMixin, View):
    """View Console: a new session of one instance's console."""

    command = "createConsoleEndpoint"

    def get(self, request, uuid):
        try:
            session, token = issue_console_token(request.user, uuid)
        except ConsoleRefused as refused:
            return _refused(request, refused)
        return _console(request, session, token)


class InstanceConsoleTokenView(CommandPermissionMixin, View):
    """Reconnect: a new token for the console page (JSON)."""

    command = "createConsoleEndpoint"

    def post(self, request, uuid):
        try:
            _session, token = issue_console_token(request.user, uuid)
        except ConsoleRefused as refused:
            return JsonResponse({"error": refused.message}, status=409)
        return JsonResponse({"token": token})


@method_decorator(login_not_required, name="dispatch")
class ConsolePageView(View):
    """The console for a token from createConsoleEndpoint, or a page saying
    why it will not open (unknown, expired, used, not yours, not running)."""

    def get(self, request):
        token = request.GET.get("token", "")
        try:
            session = check_console_token(token, viewer=request.user)
        except ConsoleRefused as refused:
            return _refused(request, refused)
        return _console(request, session, token)


@method_decorator(login_not_required, name="dispatch")
class ConsoleStatusView(View):
    """What became of a token (JSON), asked by the page after a disconnect."""

    def get(self, request):
        return JsonResponse(console_session_status(request.GET.get("token", "")))
