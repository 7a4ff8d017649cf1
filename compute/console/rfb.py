"""The console proxy's part in the opening of an RFB (VNC) connection
(RFC 6143 sections 7.1 and 7.2).

The proxy stands between the browser and the hypervisor's VNC server and
opens each side itself: towards the server it answers VNC authentication
with the instance's password; towards the browser it offers no
authentication at all. Once both sides are past the security handshake,
the rest of the protocol (ClientInit onwards) is relayed unchanged. So the
VNC password is never sent to the browser."""
import struct
from collections.abc import Callable

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

VERSION_3_3 = b"RFB 003.003\n"
VERSION_3_7 = b"RFB 003.007\n"
VERSION_3_8 = b"RFB 003.008\n"
SECURITY_NONE = 1
SECURITY_VNC = 2

# Reads exactly n bytes from one side, or raises RFBError.
Reader = Callable[[int], bytes]
Writer = Callable[[bytes], None]


class RFBError(Exception):
    """The opening failed; the message says why, for the session's record."""


def vnc_auth_response(password: str, challenge: bytes) -> bytes:
    """VNC authentication's answer: the 16-byte challenge DES-encrypted with
    the password (its first 8 bytes, zero-padded) as the key, each key
    byte's bits reversed, as every VNC server expects (RFC 6143 7.2.2)."""
    key = bytes(int(f"{byte:08b}"[::-1], 2) for byte in password.encode("latin-1")[:8].ljust(8, b"\0"))
    # Three equal keys make triple DES single DES.
    encryptor = Cipher(TripleDES(key * 3), modes.ECB()).encryptor()
    return encryptor.update(challenge) + encryptor.finalize()


def _version(server_version: bytes) -> bytes:
    if not server_version.startswith(b"RFB ") or len(server_version) != 12:
        raise RFBError(f"the console server does not speak RFB (it sent {server_version[:12]!r})")
    major, minor = int(server_version[4:7]), int(server_version[8:11])
    if (major, minor) >= (3, 8):
        return VERSION_3_8
    if (major, minor) == (3, 7):
        return VERSION_3_7
    return VERSION_3_3


def _reason(read: Reader) -> str:
    (length,) = struct.unpack(">I", read(4))
    return read(length).decode("utf-8", "replace")


def authenticate_to_server(read: Reader, write: Writer, password: str) -> None:
    """Open the VNC server's side up to the end of its security handshake,
    with VNC authentication when the server asks for it (or none when it
    offers that). Raises RFBError naming what the server refused."""
    version = _version(read(12))
    write(version)
    if version == VERSION_3_3:
        (chosen,) = struct.unpack(">I", read(4))
        if chosen == 0:
            raise RFBError(f"the console server refused the connection: {_reason(read)}")
    else:
        (count,) = struct.unpack(">B", read(1))
        if count == 0:
            raise RFBError(f"the console server refused the connection: {_reason(read)}")
        offered = set(read(count))
        if SECURITY_VNC in offered and (password or SECURITY_NONE not in offered):
            chosen = SECURITY_VNC
        elif SECURITY_NONE in offered:
            chosen = SECURITY_NONE
        else:
            raise RFBError("the console server offers no security type the proxy supports "
                           f"(offered: {sorted(offered)}; supported: None and VNC authentication)")
        write(bytes([chosen]))
    if chosen == SECURITY_VNC:
        write(vnc_auth_response(password, read(16)))
    elif chosen != SECURITY_NONE:
        raise RFBError(f"the console server chose security type {chosen}, which the proxy does not support")
    if chosen == SECURITY_VNC or version == VERSION_3_8:
        (result,) = struct.unpack(">I", read(4))
        if result != 0:
            detail = _reason(read) if version == VERSION_3_8 else "authentication failed"
            raise RFBError(f"the console server refused the instance's VNC password: {detail}")


def accept_client_without_authentication(read: Reader, write: Writer) -> None:
    """Open the browser's side: offer RFB 3.8 with the None security type
    only, and accept the client once it has chosen it."""
    write(VERSION_3_8)
    client_version = read(12)
    if client_version[:4] != b"RFB ":
        raise RFBError(f"the browser does not speak RFB (it sent {client_version!r})")
    version = _version(client_version)
    if version == VERSION_3_3:
        write(struct.pack(">I", SECURITY_NONE))
        return
    write(bytes([1, SECURITY_NONE]))
    chosen = read(1)
    if chosen != bytes([SECURITY_NONE]):
        raise RFBError(f"the browser chose security type {chosen[0]}, not None")
    if version == VERSION_3_8:  # RFB 3.7 sends no result for None
        write(struct.pack(">I", 0))
