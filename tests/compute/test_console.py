"""The console (guide 6.9, "View Console"): single-use tokens issued only
to someone who may operate a Running instance, the pages that open or
refuse them, createConsoleEndpoint and its REST twin, and the websockify
proxy (a real `manage.py consoleproxy` process) in front of an RFB server
that asks for VNC authentication. The chain through a real QEMU and
Chromium is in tests/e2e/test_console.py."""
import base64
import os
import socket
import struct
import threading
from datetime import timedelta

import pytest
from cs import CloudStack
from django.db import connection
from django.utils import timezone

from accounts.models import Role, RolePermission
from accounts.services.accounts import disable_account, enable_account
from accounts.services.users import register_user_keys
from cloudstack_ui.config.services import update_setting
from compute.console import rfb
from compute.console.proxy import SERVER_CLOSED
from compute.console.tokens import ConsoleRefused, open_console_session, token_digest
from compute.models import ConsoleSession, VirtualMachine
from infrastructure.models import SimulatedInstance, SimulatedMachine
from tests.compute.conftest import call, client_of, deployed_instance, fail_on_hosts
from tests.conftest import all_at_once


def endpoint(caller, vm) -> dict:
    return call(caller, "createConsoleEndpoint", virtualmachineid=vm.uuid)


def token_of(caller, vm) -> str:
    answer = endpoint(caller, vm)
    assert answer["success"], answer
    return answer["websocket"]["token"]


def refusal(token: str) -> str:
    with pytest.raises(ConsoleRefused) as refused:
        open_console_session(token)
    return refused.value.reason


# --- tokens and createConsoleEndpoint ------------------------------------------------------------

@pytest.mark.django_db
def test_create_console_endpoint_answers_a_url_and_a_token_that_opens_one_session(volume_world, settings):
    vm, user = volume_world["vm"], volume_world["user"]
    answer = endpoint(user, vm)
    token = answer["websocket"]["token"]
    assert answer["success"] is True
    assert answer["url"] == f"{settings.PUBLIC_URL}/client/console/?token={token}"
    assert answer["websocket"]["port"] == str(settings.CONSOLE_PROXY_PORT) and answer["websocket"]["host"] == "127.0.0.1"

    session = ConsoleSession.objects.get()
    assert (session.instance, session.user) == (vm, user)
    assert session.token_digest == token_digest(token) and token not in str(list(ConsoleSession.objects.values()))
    assert timedelta(seconds=59) < session.expires - session.created <= timedelta(seconds=60)

    simulated = SimulatedInstance.objects.get(name=vm.internal_name)
    target = open_console_session(token, "192.0.2.7")
    assert (target.port, target.password) == (simulated.vnc_port, vm.vnc_password)
    session.refresh_from_db()
    assert session.used is not None and session.client_address == "192.0.2.7"
    assert refusal(token) == ConsoleRefused.USED, "a token opens one session"


@pytest.mark.django_db
def test_tokens_expire_after_the_lifetime_setting(volume_world, root_admin):
    update_setting(root_admin, "consoleproxy.token.lifetime", "5")
    token = token_of(volume_world["user"], volume_world["vm"])
    session = ConsoleSession.objects.get()
    assert session.expires - session.created <= timedelta(seconds=5)
    ConsoleSession.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert refusal(token) == ConsoleRefused.EXPIRED
    assert ConsoleSession.objects.get().used is None
    assert refusal("forged-" + token) == ConsoleRefused.UNKNOWN


@pytest.mark.django_db
def test_only_someone_who_may_operate_the_instance_gets_a_token(volume_world, root_admin):
    vm, tenancy = volume_world["vm"], volume_world["tenancy"]
    for stranger in (tenancy["other_admin"], tenancy["sales_user"]):
        answer = endpoint(stranger, vm)
        assert answer == {"success": False, "details": f"virtualmachineid: no instance has the id {vm.uuid}"}
    assert not ConsoleSession.objects.exists(), "a refusal issues nothing"
    for operator in (tenancy["comp1_admin"], root_admin):
        assert endpoint(operator, vm)["success"]


@pytest.mark.django_db
def test_a_token_is_refused_at_use_when_its_user_lost_the_instance_or_it_stopped(volume_world, root_admin):
    vm, user = volume_world["vm"], volume_world["user"]
    token = token_of(user, vm)
    disable_account(root_admin, user.account)
    assert refusal(token) == ConsoleRefused.FOREIGN
    session = ConsoleSession.objects.get()
    assert session.used and session.ended and "may not operate" in session.end_reason
    enable_account(root_admin, user.account)

    token = token_of(user, vm)
    call(user, "stopVirtualMachine", id=vm.uuid)
    assert refusal(token) == ConsoleRefused.NOT_RUNNING
    answer = endpoint(user, vm)
    assert answer == {"success": False, "details": "Instance web1 is Stopped; its console opens while it is Running."}


@pytest.mark.django_db
def test_a_hypervisor_that_cannot_answer_ends_the_session_with_its_reason(volume_world):
    token = token_of(volume_world["user"], volume_world["vm"])
    fail_on_hosts(volume_world, "console_address")
    assert refusal(token) == ConsoleRefused.UNREACHABLE
    assert "could not be reached" in ConsoleSession.objects.get().end_reason


# --- pages ------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_view_console_opens_the_console_page_and_never_sends_the_vnc_password(volume_world):
    vm, user = volume_world["vm"], volume_world["user"]
    client = client_of(user)
    listing = client.get("/client/instances/").content.decode()
    console_url = f"/client/instances/{vm.uuid}/console"
    assert f'href="{console_url}"\n   target="_blank"' in listing

    page = client.get(console_url)
    html = page.content.decode()
    session = ConsoleSession.objects.get()
    assert page.status_code == 200 and session.user == user and session.used is None
    assert 'data-websocket-url="ws://testserver:6080/"' in html and "console.js" in html
    assert vm.vnc_password not in html and SimulatedInstance.objects.get(name=vm.internal_name).vnc_password not in html

    stopped = deployed_instance(volume_world, "web2", running=False)
    assert f"/client/instances/{stopped.uuid}/console" not in client.get("/client/instances/").content.decode()


@pytest.mark.django_db
def test_refused_consoles_get_pages_that_say_why(volume_world):
    vm, user, tenancy = volume_world["vm"], volume_world["user"], volume_world["tenancy"]
    owner, stranger, anonymous = client_of(user), client_of(tenancy["other_admin"]), client_of(user)
    anonymous.logout()

    def page(client, token):
        answer = client.get("/client/console/", {"token": token})
        return answer.status_code, answer.content.decode()

    status, html = page(anonymous, "not-a-token")
    assert status == 404 and "Unknown console link" in html and 'data-reason="unknown"' in html

    token = token_of(user, vm)
    status, html = page(stranger, token)
    assert status == 403 and "Not your instance" in html
    status, html = page(anonymous, token)
    assert status == 200 and 'data-reason' not in html, "the token is the credential of an API-issued link"
    open_console_session(token)
    status, html = page(owner, token)
    assert status == 410 and "already used" in html

    token = token_of(user, vm)
    ConsoleSession.objects.filter(token_digest=token_digest(token)).update(expires=timezone.now())
    assert page(owner, token)[0] == 410 and "expired" in page(owner, token)[1]

    token = token_of(user, vm)
    call(user, "stopVirtualMachine", id=vm.uuid)
    status, html = page(owner, token)
    assert status == 409 and "Instance not running" in html and "Stopped" in html
    answer = owner.get(f"/client/instances/{vm.uuid}/console")
    assert answer.status_code == 409 and "Instance not running" in answer.content.decode()
    answer = stranger.get(f"/client/instances/{vm.uuid}/console")
    assert answer.status_code == 403 and "Not your instance" in answer.content.decode()


@pytest.mark.django_db
def test_a_role_denied_create_console_endpoint_gets_no_console(volume_world):
    vm, user = volume_world["vm"], volume_world["user"]
    RolePermission.objects.create(role=Role.objects.get(name="User"), rule="createConsoleEndpoint",
                                  permission="DENY")
    client = client_of(user)
    assert f"/client/instances/{vm.uuid}/console" not in client.get("/client/instances/").content.decode()
    assert client.get(f"/client/instances/{vm.uuid}/console").status_code == 403
    assert client.post(f"/client/instances/{vm.uuid}/console/token").status_code == 403
    assert not ConsoleSession.objects.exists()


@pytest.mark.django_db
def test_reconnect_takes_a_new_token_and_status_says_what_became_of_one(volume_world):
    vm, user = volume_world["vm"], volume_world["user"]
    client = client_of(user)
    first = client.post(f"/client/instances/{vm.uuid}/console/token").json()["token"]
    second = client.post(f"/client/instances/{vm.uuid}/console/token").json()["token"]
    assert first != second and ConsoleSession.objects.count() == 2

    def status(token):
        return client.get("/client/console/status", {"token": token}).json()

    assert status(first)["state"] == "unused"
    target = open_console_session(first)
    assert status(first)["state"] == "open"
    from compute.console.tokens import end_console_session

    end_console_session(target.session_id, "The console was closed by the browser.")
    assert status(first) == {"state": "ended", "message": "The console was closed by the browser."}
    sessions = client.get(f"/client/instances/{vm.uuid}/").content.decode().split('id="instance-console-sessions"')[1]
    assert "comp1-user" in sessions and "The console was closed by the browser." in sessions
    assert status("nope")["reason"] == "unknown"
    call(user, "stopVirtualMachine", id=vm.uuid)
    refused = client.post(f"/client/instances/{vm.uuid}/console/token")
    assert refused.status_code == 409 and "Stopped" in refused.json()["error"]


@pytest.mark.django_db
def test_the_rest_console_resource_answers_as_create_console_endpoint(volume_world):
    vm, user = volume_world["vm"], volume_world["user"]
    client = client_of(user)
    answer = client.post(f"/api/v1/virtualmachines/{vm.uuid}/console/")
    assert answer.status_code == 200 and answer.json()["success"] is True
    assert answer.json()["url"].endswith(answer.json()["websocket"]["token"])
    call(user, "stopVirtualMachine", id=vm.uuid)
    assert client.post(f"/api/v1/virtualmachines/{vm.uuid}/console/").json()["success"] is False


# --- the proxy --------------------------------------------------------------------------------------

class FakeVncServer:
    """An RFB 3.8 server on 127.0.0.1 that demands VNC authentication with
    `password`, then records the client's first message (ClientInit)."""

    def __init__(self, password: str, *, reset_after_init: bool = False):
        self.password, self.reset_after_init = password, reset_after_init
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.authenticated = False
        self.client_init = b""
        self.done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self.listener.settimeout(30)
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        self.connections += 1
        with conn:
            conn.sendall(rfb.VERSION_3_8)
            conn.recv(12)
            conn.sendall(bytes([1, rfb.SECURITY_VNC]))
            conn.recv(1)
            challenge = os.urandom(16)
            conn.sendall(challenge)
            answer = conn.recv(16)
            self.authenticated = answer == rfb.vnc_auth_response(self.password, challenge)
            conn.sendall(struct.pack(">I", 0 if self.authenticated else 1))
            if self.authenticated:
                self.client_init = conn.recv(1)
                conn.sendall(b"server-init")
                if self.reset_after_init:  # as a VNC server whose process ended
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                else:
                    conn.recv(1)  # until the proxy closes
        self.done.set()

    def close(self):
        self.listener.close()


class WebSocketClient:
    """Just enough of RFC 6455 for binary frames to and from the proxy;
    `received` keeps every byte read unless `record` is off."""

    def __init__(self, port: int, token: str | None, *, record: bool = True):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=15)
        key = base64.b64encode(os.urandom(16)).decode()
        query = f"?token={token}" if token is not None else ""
        self.sock.sendall(f"GET /{query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                          f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                          "Sec-WebSocket-Protocol: binary\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                break
            head += chunk
        self.accepted = head.startswith(b"HTTP/1.1 101")
        self.buffer = bytearray()
        self.received = bytearray() if record else None

    def send(self, data: bytes):
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))
        self.sock.sendall(bytes([0x82, 0x80 | len(data)]) + mask + masked)

    def read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            opcode, length = struct.unpack(">BB", self._exactly(2))
            if length == 126:
                (length,) = struct.unpack(">H", self._exactly(2))
            elif length == 127:
                (length,) = struct.unpack(">Q", self._exactly(8))
            payload = self._exactly(length)
            if opcode & 0x0F == 0x8:
                raise ConnectionError(f"closed by the proxy: {payload[2:].decode(errors='replace')}")
            self.buffer += payload
            if self.received is not None:
                self.received += payload
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data

    def _exactly(self, count: int) -> bytes:
        data = bytearray()
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("the proxy closed the connection")
            data += chunk
        return bytes(data)

    def close(self):
        self.sock.close()


def console_at(vm, server: FakeVncServer) -> None:
    """Make the Simulator say the instance's VNC server is `server`."""
    simulated = SimulatedInstance.objects.get(name=vm.internal_name)
    SimulatedMachine.objects.filter(name=simulated.machine).update(ip_address="127.0.0.1")
    SimulatedInstance.objects.filter(pk=simulated.pk).update(vnc_port=server.port)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_proxy_answers_vnc_authentication_and_offers_the_browser_none(volume_world, console_proxy,
                                                                          live_server):
    vm, user = VirtualMachine.objects.get(pk=volume_world["vm"].pk), volume_world["user"]
    server = FakeVncServer(vm.vnc_password)
    console_at(vm, server)
    # The endpoint as the real `cs` client gets it.
    key, secret = register_user_keys(user, user)
    api = CloudStack(endpoint=f"{live_server.url}/client/api", key=key, secret=secret)
    answer = api.createConsoleEndpoint(virtualmachineid=str(vm.uuid))["consoleendpoint"]
    assert answer["success"] is True and answer["websocket"]["port"] == str(console_proxy)
    client = WebSocketClient(int(answer["websocket"]["port"]), answer["websocket"]["token"])
    try:
        assert client.accepted
        assert client.read(12) == rfb.VERSION_3_8
        client.send(rfb.VERSION_3_8)
        assert client.read(2) == bytes([1, rfb.SECURITY_NONE]), "the browser is offered no authentication"
        client.send(bytes([rfb.SECURITY_NONE]))
        assert client.read(4) == struct.pack(">I", 0)
        client.send(b"\x01")  # ClientInit, shared
        assert client.read(11) == b"server-init"
        assert server.authenticated and server.client_init == b"\x01"
        assert vm.vnc_password.encode() not in client.received
    finally:
        client.close()
        server.done.wait(15)
        server.close()
    session = ConsoleSession.objects.get()
    for _ in range(50):
        session.refresh_from_db()
        if session.ended:
            break
        threading.Event().wait(0.1)
    assert session.used and session.ended and session.client_address == "127.0.0.1"
    assert session.end_reason


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_console_server_that_goes_away_ends_the_session_saying_so(volume_world, console_proxy):
    vm = VirtualMachine.objects.get(pk=volume_world["vm"].pk)
    server = FakeVncServer(vm.vnc_password, reset_after_init=True)
    console_at(vm, server)
    client = WebSocketClient(console_proxy, token_of(volume_world["user"], vm))
    try:
        client.read(12)
        client.send(rfb.VERSION_3_8)
        client.read(2)
        client.send(bytes([rfb.SECURITY_NONE]))
        client.read(4)
        client.send(b"\x01")
        assert client.read(11) == b"server-init"
        server.done.wait(15)
        client.send(b"\x03" * 10)  # input the server will never read
        with pytest.raises(ConnectionError):
            client.read(1)
    finally:
        client.close()
        server.close()
    session = ConsoleSession.objects.get()
    for _ in range(50):
        session.refresh_from_db()
        if session.ended:
            break
        threading.Event().wait(0.1)
    assert session.end_reason == SERVER_CLOSED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_refused_tokens_are_dropped_by_the_proxy_and_nothing_is_proxied(volume_world, console_proxy, root_admin):
    vm, user = VirtualMachine.objects.get(pk=volume_world["vm"].pk), volume_world["user"]
    server = FakeVncServer(vm.vnc_password)
    console_at(vm, server)
    used = token_of(user, vm)
    open_console_session(used)
    expired = token_of(user, vm)
    ConsoleSession.objects.filter(token_digest=token_digest(expired)).update(expires=timezone.now())
    foreign = token_of(user, vm)
    disable_account(root_admin, user.account)
    try:
        for token in (None, "forged-0123456789", used, expired, foreign):
            client = WebSocketClient(console_proxy, token)
            assert not client.accepted, f"the proxy accepted token {token!r}"
            with pytest.raises(ConnectionError):
                client.read(1)
            client.close()
        assert server.connections == 0, "no refused token reached the VNC server"
    finally:
        server.close()
    assert ConsoleSession.objects.get(token_digest=token_digest(foreign)).end_reason.startswith(
        "This console link is for an instance that you may not operate")



@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_token_used_by_many_proxies_at_once_opens_one_session(volume_world):
    """Twenty proxies racing with one token (a copied link, several
    nodes): exactly one opens the console, every other is told it was used."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; CI runs this on MariaDB")
    token = token_of(volume_world["user"], volume_world["vm"])
    opened, refused = [], []

    def use():
        try:
            opened.append(open_console_session(token))
        except ConsoleRefused as refusal:
            refused.append(refusal.reason)

    all_at_once(use, 20)
    assert len(opened) == 1 and refused == [ConsoleRefused.USED] * 19


def test_a_xenserver_console_is_reached_through_an_authenticated_connect_tunnel():
    """XAPI relays a console after `CONNECT <location>` with the host's
    credentials; then RFB flows (here an RFB 3.3 server without a password,
    as XAPI's consoles are)."""
    from compute.console.proxy import _open_tunnel
    from compute.console.tokens import ConsoleTarget

    listener = socket.create_server(("127.0.0.1", 0))
    seen = {}

    def serve():
        conn, _ = listener.accept()
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(1)
            seen["request"] = request.decode()
            conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n" + rfb.VERSION_3_3)
            conn.recv(12)
            conn.sendall(struct.pack(">I", rfb.SECURITY_NONE))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    target = ConsoleTarget(session_id=1, instance_name="x1", host="127.0.0.1", port=listener.getsockname()[1],
                           password="", tunnel_path="/console?ref=OpaqueRef:abc", tunnel_username="root",
                           tunnel_password="hostpw")
    with _open_tunnel(target) as sock:
        def read(count):
            data = b""
            while len(data) < count:
                data += sock.recv(count - len(data))
            return data

        rfb.authenticate_to_server(read, sock.sendall, "")
    thread.join(5)
    listener.close()
    credentials = base64.b64encode(b"root:hostpw").decode()
    assert seen["request"].startswith("CONNECT /console?ref=OpaqueRef:abc HTTP/1.0\r\n")
    assert f"Authorization: Basic {credentials}\r\n" in seen["request"]
