"""Guide 6.9, "View Console", in Chromium: the built-in template running on
a real QEMU (TCG) behind libvirtd, the console proxy (`manage.py
consoleproxy`) in front of it, and noVNC in the console window. The guest's
screen shows; keys typed on the canvas reach its shell (`busybox clear`
empties the screen); text pasted as keystrokes, shifted characters
included, runs a command that powers the guest off; the page then says
why it disconnected. The VNC password is in nothing the browser receives."""
import pytest
from playwright.sync_api import expect

from compute.models import ServiceOffering, Template, VirtualMachine
from tests.compute.conftest import call
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_add_instance import builtin_templates  # noqa: F401
from tests.e2e.test_first_login_journey import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Pixels of the console canvas bright enough to be text.
LIT_PIXELS = """() => {
  const canvas = document.querySelector('#console-screen canvas');
  if (!canvas || !canvas.width) return -1;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let lit = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] > 150) lit++;
  return lit;
}"""


def _domain_state(url: str, name: str):
    import libvirt

    connection = libvirt.open(url)
    try:
        return connection.lookupByName(name).state()[0]
    finally:
        connection.close()


def test_view_console_shows_the_guest_and_typed_text_reaches_its_shell(builtin_templates, kvm_zone,  # noqa: F811
                                                                        root_admin, console_proxy, live_server,
                                                                        page, libvirtd):
    import libvirt

    template = Template.objects.get(template_type="BUILTIN", hypervisor="KVM")
    answer = call(root_admin, "deployVirtualMachine", zoneid=kvm_zone.uuid, templateid=template.uuid,
                  serviceofferingid=ServiceOffering.objects.get(name="Small Instance").uuid, name="console-vm")
    vm = VirtualMachine.objects.get(uuid=answer["virtualmachine"]["id"])
    frames, responses = [], []
    try:
        def watch(window):
            window.on("response", lambda response: responses.append(response))
            window.on("websocket", lambda socket: socket.on("framereceived", lambda payload: frames.append(payload)))

        page.context.on("page", watch)
        log_in(page, live_server.url, "admin", PASSWORD)
        page.goto(f"{live_server.url}/client/instances/{vm.uuid}/")
        with page.context.expect_page() as opened:
            page.get_by_role("link", name="View Console").click()
        console = opened.value
        expect(console.locator("#console-status")).to_have_text("Connected", timeout=30_000)

        # The guest's screen: the kernel log and the template's banner.
        console.wait_for_function(f"({LIT_PIXELS})() > 2000", timeout=60_000, polling=500)
        ARTIFACTS.mkdir(exist_ok=True)
        console.locator("#console-screen canvas").screenshot(path=str(ARTIFACTS / "console-guest-screen.png"))
        console.screenshot(path=str(ARTIFACTS / "console-window.png"))

        # Keys typed on the canvas reach the shell: clearing the screen
        # leaves only its prompt (retried while the guest is still booting).
        canvas = console.locator("#console-screen canvas")
        for _ in range(20):
            before = console.evaluate(LIT_PIXELS)
            canvas.click()
            console.keyboard.type("busybox clear\n")
            console.wait_for_timeout(2000)
            if console.evaluate(LIT_PIXELS) < before / 4:
                break
        else:
            pytest.fail("the screen never cleared: typed keys did not reach the guest's shell")

        # Text pasted as keystrokes, with shifted characters, powers it off.
        console.get_by_role("button", name="Paste text").click()
        for _ in range(10):
            console.locator("#console-paste-text").fill("[ $((6*7)) = 42 ] && busybox poweroff -f\n")
            console.get_by_role("button", name="Type it").click()
            console.wait_for_timeout(3000)
            if _domain_state(libvirtd.URL, vm.internal_name) == libvirt.VIR_DOMAIN_SHUTOFF:
                break
        assert _domain_state(libvirtd.URL, vm.internal_name) == libvirt.VIR_DOMAIN_SHUTOFF, \
            "the pasted command did not run in the guest"
        expect(console.locator("#console-status")).to_have_text("Disconnected")
        expect(console.locator("#console-message")).to_contain_text("console server closed the connection")
        console.screenshot(path=str(ARTIFACTS / "console-after-poweroff.png"))
        # Reconnect asks for a new token; the proxy then finds QEMU off.
        console.get_by_role("button", name="Reconnect").click()
        expect(console.locator("#console-message")).to_contain_text("is not running")

        password = vm.vnc_password.encode()
        assert frames and responses, "the console window's traffic was seen"
        for frame in frames:
            assert password[:8] not in (frame if isinstance(frame, bytes) else frame.encode())
        for response in responses:
            if response.request.resource_type in ("document", "fetch", "xhr", "script"):
                assert password[:8] not in response.body(), response.url
    finally:
        call(root_admin, "destroyVirtualMachine", id=vm.uuid, expunge=True)
