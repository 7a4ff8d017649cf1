"""The console proxy in front of a real QEMU VNC server (libvirtd, TCG):
the built-in template runs, the proxy answers QEMU's VNC authentication
with the instance's password, and the client behind it reaches QEMU's
ServerInit, which names the domain. A wrong password is refused by QEMU
with the reason kept. The browser on top of this chain is
tests/e2e/test_console.py."""
import socket
import struct

import pytest

from compute.console import rfb
from compute.console.tokens import open_console_session
from compute.models import ServiceOffering, Template, VirtualMachine
from tests.compute.conftest import call
from tests.compute.test_console import WebSocketClient

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _read(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        assert chunk, "QEMU closed the VNC connection"
        data += chunk
    return data


def test_the_proxy_opens_a_real_qemu_console_with_the_instance_password(kvm_zone, root_admin, console_proxy):
    template = Template.objects.get(template_type="BUILTIN", hypervisor="KVM")
    answer = call(root_admin, "deployVirtualMachine", zoneid=kvm_zone.uuid, templateid=template.uuid,
                  serviceofferingid=ServiceOffering.objects.get(name="Small Instance").uuid, name="console-vm")
    vm = VirtualMachine.objects.get(uuid=answer["virtualmachine"]["id"])
    try:
        assert vm.state == "Running" and len(vm.vnc_password) > 8
        # QEMU checks the first 8 characters: the wrong ones are refused.
        checked = open_console_session(call(root_admin, "createConsoleEndpoint",
                                            virtualmachineid=vm.uuid)["websocket"]["token"])
        assert checked.password == vm.vnc_password[:8]
        with socket.create_connection((checked.host, checked.port), timeout=10) as direct:
            with pytest.raises(rfb.RFBError, match="refused the instance's VNC password"):
                rfb.authenticate_to_server(lambda n: _read(direct, n), direct.sendall, "wrong-pw")

        token = call(root_admin, "createConsoleEndpoint", virtualmachineid=vm.uuid)["websocket"]["token"]
        client = WebSocketClient(console_proxy, token)
        try:
            assert client.accepted
            assert client.read(12) == rfb.VERSION_3_8
            client.send(rfb.VERSION_3_8)
            assert client.read(2) == bytes([1, rfb.SECURITY_NONE])
            client.send(bytes([rfb.SECURITY_NONE]))
            assert client.read(4) == struct.pack(">I", 0), "QEMU accepted the proxy's answer"
            client.send(b"\x01")
            width, height = struct.unpack(">HH", client.read(4))
            client.read(16)  # pixel format
            (length,) = struct.unpack(">I", client.read(4))
            assert width > 0 and height > 0
            assert client.read(length).decode() == f"QEMU ({vm.internal_name})", "QEMU names its domain"
            assert vm.vnc_password[:8].encode() not in client.received
        finally:
            client.close()
    finally:
        call(root_admin, "destroyVirtualMachine", id=vm.uuid, expunge=True)
