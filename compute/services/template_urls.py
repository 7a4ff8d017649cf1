"""Where templates and ISOs may come from, and fetching them from there.

A URL is checked when it is registered (InvalidParameter/PermissionDenied
naming `url`) and again at every fetch, hop by hop:
- http and https only (file:// for root admins, inside the directories of
  `secstorage.allowed.local.directories`), no user info in the URL;
- every address the host name resolves to must be public (not loopback,
  link-local, private, unique-local, multicast, unspecified or reserved)
  unless `secstorage.allowed.internal.sites` lists it, and no address of
  the management server itself may be reached on one of its own ports
  (web, integration API, console proxy), whatever that setting says;
- the connection is made to the address that was checked (the Host header
  and TLS server name are the URL's host), so a DNS answer that changes
  between the check and the connection cannot redirect it;
- redirects are followed here, each hop checked the same way, at most
  MAX_REDIRECTS of them.
"""
from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
import stat
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings

from cloudstack_ui.api.settings_keys import INTEGRATION_API_PORT
from cloudstack_ui.config.keys import get_value
from cloudstack_ui.errors import InvalidParameter, PermissionDenied, ResourceUnavailable
from compute.settings_keys import SECSTORAGE_ALLOWED_LOCAL_DIRECTORIES
from infrastructure.settings_keys import HOST, SECSTORAGE_ALLOWED_INTERNAL_SITES

MAX_REDIRECTS = 5
FETCH_TIMEOUT = 30  # seconds to connect and between two reads
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
USER_AGENT = "cloudstack-ui"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def check_template_url(caller, url: str) -> str:
    """The URL, stripped, if `caller` may register a template or ISO from
    it; InvalidParameter or PermissionDenied naming `url` says why not."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme == "file":
        if not caller.is_root_admin:
            raise PermissionDenied("url: file:// URLs are for root admins only; give an http or https URL",
                                   field="url")
        _allowed_local_path(url)
        return url
    _checked_addresses(url)
    return url


def open_template_url(url: str):
    """An open binary stream of what `url` serves and its length (0:
    unknown), after checking the URL and every redirect as
    `check_template_url` does. ResourceUnavailable or InvalidParameter
    says what was refused or could not be reached."""
    if urlsplit(url).scheme == "file":
        return _open_local(url)
    for _hop in range(MAX_REDIRECTS + 1):
        address, parts = _checked_addresses(url)[0], urlsplit(url)
        connection = _connection(parts, address)
        try:
            connection.request("GET", _request_target(parts), headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise ResourceUnavailable(f"{url} could not be reached: {exc}")
        if response.status in REDIRECT_STATUSES and response.getheader("Location"):
            location = response.getheader("Location")
            response.close()
            connection.close()
            url = urljoin(url, location.strip())
            continue
        if response.status != 200:
            response.close()
            connection.close()
            raise ResourceUnavailable(f"{url} answered HTTP {response.status} {response.reason}")
        try:
            length = int(response.getheader("Content-Length") or 0)
        except ValueError:
            length = 0
        return response, length
    raise ResourceUnavailable(f"url: more than {MAX_REDIRECTS} redirects, the last to {url}")


# --- http and https ---------------------------------------------------------------------------

def _checked_addresses(url: str) -> list[Address]:
    """The addresses `url`'s host resolves to, all of them allowed;
    InvalidParameter naming `url` otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidParameter(f"url: {url!r} is not an http or https URL", field="url")
    if "@" in parts.netloc:
        raise InvalidParameter("url: a URL with a user name or password (user@host) is not accepted", field="url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidParameter(f"url: {parts.netloc!r} does not have a valid port", field="url")
    try:
        resolved = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise InvalidParameter(f"url: the host {parts.hostname} could not be resolved: {exc}", field="url")
    addresses = list(dict.fromkeys(_unmapped(ipaddress.ip_address(entry[4][0].split("%")[0]))
                                   for entry in resolved))
    allowed = _allowed_internal_sites()
    own_ports = _own_ports()
    own_addresses = _own_addresses() if port in own_ports else set()
    for address in addresses:
        if port in own_ports and (address.is_loopback or address.is_unspecified or address in own_addresses):
            raise InvalidParameter(f"url: {parts.hostname} port {port} ({address}) is a port of the management "
                                   "server itself", field="url")
        if any(address in network for network in allowed):
            continue
        reason = _non_public(address)
        if reason:
            shown = parts.hostname if parts.hostname == str(address) else f"{parts.hostname} ({address})"
            raise InvalidParameter(f"url: {shown} is {reason}; only public addresses, or those listed in "
                                   f"{SECSTORAGE_ALLOWED_INTERNAL_SITES.name}, may serve templates", field="url")
    return addresses


def _unmapped(address: Address) -> Address:
    """An IPv4-mapped IPv6 address (::ffff:127.0.0.1) as the IPv4 address it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _non_public(address: Address) -> str:
    """Why `address` is not a public unicast address ('' when it is one)."""
    for test, reason in (("is_unspecified", "an unspecified address"), ("is_loopback", "a loopback address"),
                         ("is_link_local", "a link-local address"), ("is_multicast", "a multicast address"),
                         ("is_private", "a private address"), ("is_reserved", "a reserved address")):
        if getattr(address, test):
            return reason  # is_private covers IPv6 unique-local (fc00::/7) too
    return "" if address.is_global else "not a public address"


def _allowed_internal_sites() -> list:
    value = get_value(SECSTORAGE_ALLOWED_INTERNAL_SITES) or ""
    return [ipaddress.ip_network(part, strict=False) for part in value.split(",") if part.strip()]


def _own_ports() -> set[int]:
    """The ports the management server listens on: web (CSUI_PORT and the
    public URL's), integration API, console proxy."""
    public = urlsplit(settings.PUBLIC_URL)
    ports = {int(os.environ.get("CSUI_PORT", "8080")), settings.CONSOLE_PROXY_PORT,
             public.port or (443 if public.scheme == "https" else 80)}
    integration = get_value(INTEGRATION_API_PORT)
    if integration:
        ports.add(integration)
    return ports


def _own_addresses() -> set[Address]:
    """Addresses of the management server besides loopback ones: those
    of its host name, of its public URL, of CSUI_BIND and of the global
    setting `host`."""
    names = {socket.gethostname(), socket.getfqdn(), urlsplit(settings.PUBLIC_URL).hostname,
             os.environ.get("CSUI_BIND"), get_value(HOST)}
    found = set()
    for name in filter(None, names):
        try:
            found.update(_unmapped(ipaddress.ip_address(entry[4][0].split("%")[0]))
                         for entry in socket.getaddrinfo(name, None))
        except (socket.gaierror, UnicodeError):
            continue
    return found


def _request_target(parts) -> str:
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to one checked address, whatever the host name
    resolves to now."""

    def __init__(self, host: str, port: int, address: Address):
        super().__init__(host, port, timeout=FETCH_TIMEOUT)
        self.address = str(address)

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to one checked address, verifying the
    certificate of the URL's host name."""

    def __init__(self, host: str, port: int, address: Address):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=FETCH_TIMEOUT, context=self.tls)
        self.address = str(address)

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def _connection(parts, address: Address) -> http.client.HTTPConnection:
    if parts.scheme == "https":
        return _PinnedHTTPSConnection(parts.hostname, parts.port or 443, address)
    return _PinnedHTTPConnection(parts.hostname, parts.port or 80, address)


# --- file:// ------------------------------------------------------------------------------------

def _allowed_directories() -> list[Path]:
    value = get_value(SECSTORAGE_ALLOWED_LOCAL_DIRECTORIES) or ""
    return [Path(part.strip()).resolve() for part in value.split(",") if part.strip().startswith("/")]


def _inside_allowed_directory(path: Path) -> bool:
    return any(path.is_relative_to(directory) for directory in _allowed_directories())


def _allowed_local_path(url: str) -> Path:
    """The file a file:// URL names, symlinks and '..' resolved, if it is
    inside an allowed directory; InvalidParameter naming `url` otherwise."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise InvalidParameter(f"url: a file:// URL names a file of the management server, not of {parts.netloc}",
                               field="url")
    path = Path(unquote(parts.path))
    if not path.is_absolute():
        raise InvalidParameter(f"url: {url!r} does not name an absolute path", field="url")
    resolved = path.resolve()
    if not _inside_allowed_directory(resolved):
        raise InvalidParameter(f"url: {resolved} is not inside a directory listed in "
                               f"{SECSTORAGE_ALLOWED_LOCAL_DIRECTORIES.name}", field="url")
    return resolved


def _open_local(url: str):
    """The allowed regular file a file:// URL names, open, and its size;
    the opened file itself (not only its name) is checked to be inside an
    allowed directory, so a path swapped after the check is refused."""
    path = _allowed_local_path(url)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise ResourceUnavailable(f"{path} could not be opened: {exc.strerror}")
    stream = os.fdopen(descriptor, "rb")
    opened = Path(os.readlink(f"/proc/self/fd/{descriptor}"))
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode) or not _inside_allowed_directory(opened):
        stream.close()
        raise InvalidParameter(f"url: {path} is not a regular file inside a directory listed in "
                               f"{SECSTORAGE_ALLOWED_LOCAL_DIRECTORIES.name}", field="url")
    return stream, status.st_size
