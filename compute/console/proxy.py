"""The console proxy: websockify's WebSocketProxy with our token plugin and
request handler, run by `manage.py consoleproxy` in its own process
(websockify installs signal handlers, so it cannot run in a thread). Each
connection is served by a forked child, which opens its own database
connection for the token lookup.

A connection must carry `?token=`; the plugin consumes it
(tokens.open_console_session). An unknown, used, expired or foreign token,
or an instance that is not running, closes the connection before the
WebSocket handshake completes, so nothing is proxied. Otherwise the
handler connects to the hypervisor's VNC server (through XAPI's HTTP
CONNECT tunnel on XenServer), answers its VNC authentication, offers the
browser no authentication (rfb.py), relays the rest, and records on the
session when and why it ended."""
import base64
import logging
import re
import select
import socket
import ssl
from urllib.parse import parse_qs, urlsplit

from django.db import close_old_connections, connections
from websockify.token_plugins import BasePlugin
from websockify.websocketproxy import ProxyRequestHandler, WebSocketProxy

from compute.console import rfb
from compute.console.tokens import ConsoleRefused, ConsoleTarget, end_console_session, open_console_session

logger = logging.getLogger(__name__)

# How long the proxy waits for either side during the RFB opening.
HANDSHAKE_TIMEOUT = 15
TOKEN_IN_PATH = re.compile(r"token=[^&'\s]+")
SERVER_CLOSED = "The instance's console server closed the connection (the instance may have stopped)."


class ConsoleTokenPlugin(BasePlugin):
    """websockify's token plugin: a token becomes the ConsoleTarget of its
    session (consuming it), or None when it is refused."""

    def lookup(self, token, client_address: str = "") -> ConsoleTarget | None:
        close_old_connections()
        try:
            return open_console_session(token, client_address)
        except ConsoleRefused as refused:
            logger.warning("console connection from %s refused (%s): %s", client_address or "?",
                           refused.reason, refused.message)
            return None


def _read_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise rfb.RFBError("the console server closed the connection during the opening")
        data += chunk
    return data


def _peer_gone(sock: socket.socket) -> bool:
    """Whether the other end of `sock` has closed or reset it."""
    try:
        return bool(select.select([sock], [], [], 0)[0]) and not sock.recv(1, socket.MSG_PEEK)
    except OSError:
        return True


def _open_tunnel(target: ConsoleTarget) -> socket.socket:
    """XenServer: XAPI relays the console after an authenticated HTTP
    CONNECT to the console's location (TLS on port 443, with the host's
    self-signed certificate, as the driver accepts it)."""
    sock = socket.create_connection((target.host, target.port), timeout=HANDSHAKE_TIMEOUT)
    if target.port == 443:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        sock = context.wrap_socket(sock, server_hostname=target.host)
    credentials = base64.b64encode(f"{target.tunnel_username}:{target.tunnel_password}".encode()).decode()
    sock.sendall(f"CONNECT {target.tunnel_path} HTTP/1.0\r\nHost: {target.host}\r\n"
                 f"Authorization: Basic {credentials}\r\n\r\n".encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(1)
        if not chunk or len(answer) > 8192:
            raise rfb.RFBError("the host closed the console tunnel before answering")
        answer += chunk
    status = answer.split(b"\r\n", 1)[0].decode("latin-1")
    if status.split(" ")[1:2] != ["200"]:
        raise rfb.RFBError(f"the host refused the console tunnel: {status}")
    return sock


class ConsoleRequestHandler(ProxyRequestHandler):
    """One browser connection (in its own process)."""

    target: ConsoleTarget | None = None

    def log_message(self, format, *args):
        """websockify logs each request's path: never with its token."""
        super().log_message("%s", TOKEN_IN_PATH.sub("token=<hidden>", format % args))

    def validate_connection(self):
        token = parse_qs(urlsplit(self.path).query).get("token", [""])[0].strip()
        if not token:
            raise self.server.EClose("console connection without a token")
        self.target = self.server.token_plugin.lookup(token, self.client_address[0])
        if self.target is None:
            raise self.server.EClose("console token refused")
        self.server.target_host, self.server.target_port = self.target.host, self.target.port

    # --- the browser's side, as a byte stream over WebSocket frames --------------------------------
    def _client_reader(self):
        pending = bytearray()

        def read(count: int) -> bytes:
            while len(pending) < count:
                if not self.request.pending() and not select.select([self.request], [], [], HANDSHAKE_TIMEOUT)[0]:
                    raise rfb.RFBError("the browser did not answer during the opening")
                frames, closed = self.recv_frames()
                if closed:
                    raise rfb.RFBError("the browser closed the console during the opening")
                pending.extend(b"".join(frames))
            data = bytes(pending[:count])
            del pending[:count]
            return data

        return read, pending

    def _client_write(self, data: bytes) -> None:
        unsent = self.send_frames([data])
        while unsent:
            select.select([], [self.request], [], HANDSHAKE_TIMEOUT)
            unsent = self.send_frames()

    def _connect_to_console(self) -> socket.socket:
        target = self.target
        try:
            if target.tunnel_path:
                server = _open_tunnel(target)
            else:
                server = socket.create_connection((target.host, target.port), timeout=HANDSHAKE_TIMEOUT)
        except OSError as exc:
            raise rfb.RFBError(f"the console server of instance {target.instance_name} at "
                               f"{target.host}:{target.port} could not be reached: {exc}") from exc
        rfb.authenticate_to_server(lambda count: _read_exactly(server, count), server.sendall, target.password)
        read, leftover = self._client_reader()
        rfb.accept_client_without_authentication(read, self._client_write)
        if leftover:  # the browser's first message after the opening (ClientInit)
            server.sendall(bytes(leftover))
        server.settimeout(None)
        server.setsockopt(socket.SOL_TCP, socket.TCP_NODELAY, 1)
        return server

    def new_websocket_client(self):
        session_id = self.target.session_id
        try:
            server = self._connect_to_console()
        except (rfb.RFBError, OSError) as exc:
            end_console_session(session_id, str(exc))
            logger.warning("console session %s failed to open: %s", session_id, exc)
            raise self.CClose(1011, "the console could not be opened") from exc
        reason = "The console was closed by the browser."
        try:
            self.do_proxy(server)
        except self.CClose as closed:
            if closed.args[1:2] == ("Target closed",):
                reason = SERVER_CLOSED
            raise
        except Exception as exc:
            # A VNC server whose process ends with input unread resets the
            # connection instead of closing it.
            reason = SERVER_CLOSED if _peer_gone(server) else f"The console connection failed: {exc}"
            raise
        finally:
            end_console_session(session_id, reason)
            server.close()

    def finish(self):
        super().finish()
        connections.close_all()


def console_proxy(*, listen_host: str, listen_port: int, cert: str = "", key: str = "",
                  heartbeat: int = 30) -> WebSocketProxy:
    """The proxy server, ready for `start_server()` in a process of its
    own. The parent holds no database connection when it forks."""
    connections.close_all()
    return WebSocketProxy(RequestHandlerClass=ConsoleRequestHandler, listen_host=listen_host,
                          listen_port=listen_port, token_plugin=ConsoleTokenPlugin(None), cert=cert, key=key,
                          heartbeat=heartbeat)
