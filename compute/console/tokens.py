"""Console tokens: who may open an instance's console, and where the proxy
connects.

A token is 32 random bytes, given once to the user who asked for it; only
its SHA-256 digest is stored (ConsoleSession). It opens one session of one
instance: the proxy must use it within `consoleproxy.token.lifetime`
seconds, and the first use consumes it under a row lock, so two proxies
(or two tabs) racing with one token open one session between them. At that
moment the token's user must still be able to operate the instance and the
instance must be Running; only then does the proxy learn the VNC address
and password, which never leave the server side."""
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cloudstack_ui.config.keys import get_value
from cloudstack_ui.errors import CloudStackError, NotFound
from compute.models import ConsoleSession, VirtualMachine
from compute.services.instances import find_instance, visible_instances
from compute.services.storage_access import driver_and_access
from compute.settings_keys import CONSOLE_TOKEN_LIFETIME

logger = logging.getLogger(__name__)


class ConsoleRefused(CloudStackError):
    """A console that will not open; `reason` is one of the REASONS keys,
    which the refusal page and the API answer show."""

    errorcode = 432
    http_status = 403

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    FOREIGN = "foreign"
    NOT_RUNNING = "not-running"
    UNREACHABLE = "unreachable"
    TITLES = {UNKNOWN: "Unknown console link", EXPIRED: "Console link expired",
              USED: "Console link already used", FOREIGN: "Not your instance",
              NOT_RUNNING: "Instance not running", UNREACHABLE: "Console unreachable"}

    def __init__(self, reason: str, message: str):
        field = {self.UNKNOWN: "token", self.EXPIRED: "token", self.USED: "token", self.FOREIGN: "virtualmachineid"}
        super().__init__(message, field=field.get(reason))
        self.reason = reason

    @property
    def title(self) -> str:
        return self.TITLES[self.reason]


@dataclass(frozen=True)
class ConsoleTarget:
    """What the proxy needs for one session; `password` is the VNC password."""

    session_id: int
    instance_name: str
    host: str
    port: int
    password: str
    # XenServer: reach the console by HTTP CONNECT to this path on host:port,
    # authenticated as the host's user.
    tunnel_path: str = ""
    tunnel_username: str = ""
    tunnel_password: str = ""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _not_running(vm: VirtualMachine) -> ConsoleRefused:
    return ConsoleRefused(ConsoleRefused.NOT_RUNNING,
                          f"Instance {vm.name} is {vm.state}; its console opens while it is Running.")


def issue_console_token(caller, instance_uuid, field: str = "virtualmachineid") -> tuple[ConsoleSession, str]:
    """A new single-use token for the console of a Running instance the
    caller may operate; ConsoleRefused otherwise (another account's
    instance is refused as unknown, FOREIGN)."""
    try:
        vm = find_instance(caller, instance_uuid, field)
    except NotFound as unknown:
        raise ConsoleRefused(ConsoleRefused.FOREIGN, unknown.message) from unknown
    if vm.state != VirtualMachine.State.RUNNING or vm.host_id is None:
        raise _not_running(vm)
    token = secrets.token_urlsafe(32)
    session = ConsoleSession.objects.create(
        instance=vm, user=caller, token_digest=token_digest(token),
        expires=timezone.now() + timedelta(seconds=get_value(CONSOLE_TOKEN_LIFETIME)))
    logger.info("console session %s of instance %s issued to %s", session.uuid, vm.name, caller.username)
    return session, token


def _refusal(session: ConsoleSession | None) -> ConsoleRefused | None:
    """Why this token can no longer be used, if it cannot."""
    if session is None:
        return ConsoleRefused(ConsoleRefused.UNKNOWN,
                              "This console link is not valid. Open the console again from the instance.")
    if session.used is not None:
        return ConsoleRefused(ConsoleRefused.USED, "This console link was already used: each link opens one "
                                                   "session. Open the console again from the instance.")
    if session.expires <= timezone.now():
        return ConsoleRefused(ConsoleRefused.EXPIRED, "This console link expired before it was used. Open the "
                                                      "console again from the instance.")
    return None


def _operable(session: ConsoleSession, viewer) -> VirtualMachine:
    """The session's instance when `viewer` may still operate it and it runs."""
    vm = None
    if viewer.is_active:
        vm = visible_instances(viewer).select_related("host").filter(pk=session.instance_id).first()
    if vm is None:
        raise ConsoleRefused(ConsoleRefused.FOREIGN,
                             "This console link is for an instance that you may not operate.")
    if vm.state != VirtualMachine.State.RUNNING or vm.host is None:
        raise _not_running(vm)
    return vm


def check_console_token(token: str, viewer=None) -> ConsoleSession:
    """The session of a token that is still usable, without using it; a
    signed-in `viewer` must also be allowed to operate its instance."""
    session = ConsoleSession.objects.select_related("instance", "user__account").filter(
        token_digest=token_digest(token)).first()
    refusal = _refusal(session)
    if refusal is not None:
        raise refusal
    _operable(session, session.user)
    if viewer is not None and viewer.is_authenticated:
        _operable(session, viewer)
    return session


def open_console_session(token: str, client_address: str = "") -> ConsoleTarget:
    """Consume the token and answer where its instance's VNC server is.
    A refused token (unknown, used, expired, its user no longer allowed, the
    instance not running, the hypervisor not answering) raises
    ConsoleRefused; a consumed token stays consumed whatever follows."""
    with transaction.atomic():
        session = (ConsoleSession.objects.select_for_update().select_related("user__account")
                   .filter(token_digest=token_digest(token)).first())
        refusal = _refusal(session)
        if refusal is not None:
            raise refusal
        session.used, session.client_address = timezone.now(), client_address[:64]
        session.save(update_fields=["used", "client_address"])
    try:
        vm = _operable(session, session.user)
        driver, access = driver_and_access(vm.host)
        address = driver.console_address(access, vm.internal_name)
    except CloudStackError as exc:
        refused = exc if isinstance(exc, ConsoleRefused) else ConsoleRefused(
            ConsoleRefused.UNREACHABLE, f"The console of this instance could not be reached: {exc.message}")
        end_console_session(session.pk, refused.message)
        raise refused from exc
    logger.info("console session %s of instance %s opened from %s", session.uuid, vm.name, client_address or "?")
    tunnel = bool(address.tunnel_path)
    return ConsoleTarget(session_id=session.pk, instance_name=vm.name, host=address.host, port=address.port,
                         password=address.password, tunnel_path=address.tunnel_path,
                         tunnel_username=vm.host.username if tunnel else "",
                         tunnel_password=vm.host.password if tunnel else "")


def end_console_session(session_id: int, reason: str) -> None:
    """Record that a session ended (or failed to open) and why."""
    ConsoleSession.objects.filter(pk=session_id, ended__isnull=True).update(
        ended=timezone.now(), end_reason=reason[:512])


def opened_console_sessions(vm: VirtualMachine, limit: int = 10):
    """The latest sessions a proxy opened on `vm`, newest first."""
    return vm.console_sessions.filter(used__isnull=False).select_related("user").order_by("-used")[:limit]


def console_session_status(token: str) -> dict:
    """What became of a token, for the console page after a disconnect:
    `state` is "unused", "open", "ended" or "refused", with a message."""
    session = ConsoleSession.objects.filter(token_digest=token_digest(token)).first()
    if session is None:
        return {"state": "refused", "reason": ConsoleRefused.UNKNOWN, "message": _refusal(None).message}
    if session.ended is not None:
        return {"state": "ended", "message": session.end_reason}
    if session.used is not None:
        return {"state": "open", "message": "The console session is open."}
    refusal = _refusal(session)
    if refusal is not None:
        return {"state": "refused", "reason": refusal.reason, "message": refusal.message}
    return {"state": "unused", "message": "The console link has not been used yet."}
