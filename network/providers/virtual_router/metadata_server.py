"""The router's metadata and password service, run inside the router's
namespace on the guest gateway address (no Django: it runs standalone).

Port 80 answers GET /latest/user-data, /latest/meta-data/ (the keys) and
/latest/meta-data/<key> for the instance whose address asks, from
<state>/metadata/<ip>/ read on every request (404 for an unknown address).
Port 8080 speaks CloudStack's password protocol (cloud-set-guest-password):
a GET with header `DomU_Request: send_my_password` answers the pending
password of the asking address, or `saved_password` when none is pending;
`DomU_Request: saved_password` (the guest set it) forgets it and answers
`saved_password`; anything else answers `bad_request`. Pending passwords
are files <state>/passwords/<ip>, written by the management server."""
from __future__ import annotations

import argparse
import os
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def _safe_ip(address: str) -> bool:
    return bool(address) and all(part.isdigit() for part in address.split("."))


class MetadataHandler(BaseHTTPRequestHandler):
    state_dir: Path

    def log_message(self, format, *args):  # noqa: A002 - the http.server signature
        pass

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - the http.server name
        client = self.client_address[0]
        guest_dir = self.state_dir / "metadata" / client
        if not _safe_ip(client) or not guest_dir.is_dir():
            return self._answer(404, b"not found\n")
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/latest/user-data":
            user_data = guest_dir / "user-data"
            return self._answer(200, user_data.read_bytes() if user_data.exists() else b"")
        if path == "/latest/meta-data":
            keys_dir = guest_dir / "meta-data"
            keys = sorted(entry.name for entry in keys_dir.iterdir()) if keys_dir.is_dir() else []
            return self._answer(200, "".join(f"{key}\n" for key in keys).encode())
        if path.startswith("/latest/meta-data/"):
            key = path.removeprefix("/latest/meta-data/")
            value = guest_dir / "meta-data" / key
            if "/" not in key and key not in ("", ".", "..") and value.is_file():
                return self._answer(200, value.read_bytes())
        return self._answer(404, b"not found\n")


class PasswordHandler(BaseHTTPRequestHandler):
    state_dir: Path
    lock = threading.Lock()

    def log_message(self, format, *args):  # noqa: A002 - the http.server signature
        pass

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - the http.server name
        client = self.client_address[0]
        request = (self.headers.get("DomU_Request") or "").strip()
        pending = self.state_dir / "passwords" / client
        if not _safe_ip(client) or request not in ("send_my_password", "saved_password"):
            return self._answer(b"bad_request")
        with self.lock:
            if request == "saved_password":
                pending.unlink(missing_ok=True)
                return self._answer(b"saved_password")
            if pending.is_file():
                return self._answer(pending.read_bytes())
        return self._answer(b"saved_password")


class RouterHTTPServer(ThreadingHTTPServer):
    """http.server's threading server without its reverse lookup of the
    bound address (socket.getfqdn), which waits for a DNS server the router
    namespace may not reach."""

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def serve(state_dir: Path, address: str, metadata_port: int, password_port: int) -> None:
    """Serve both ports until killed; the pid file is written once both are
    bound, so whoever started us knows we answer."""
    servers = []
    for handler, port in ((MetadataHandler, metadata_port), (PasswordHandler, password_port)):
        bound = type(handler.__name__, (handler,), {"state_dir": state_dir})
        servers.append(RouterHTTPServer((address, port), bound))
    pid_file = state_dir / "metadata.pid"
    pid_file.with_suffix(".tmp").write_text(f"{os.getpid()}\n")
    pid_file.with_suffix(".tmp").rename(pid_file)
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    servers[0].serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--address", required=True)
    parser.add_argument("--metadata-port", type=int, default=80)
    parser.add_argument("--password-port", type=int, default=8080)
    arguments = parser.parse_args()
    serve(arguments.state_dir, arguments.address, arguments.metadata_port, arguments.password_port)


if __name__ == "__main__":
    main()
