"""Issue 15 items 5 and 6: a template or ISO image is refused unless it
is a standalone image of its declared format (checked by qemu-img before
it is stored and again before it is copied to primary storage), and a
template URL can reach neither internal addresses nor the management
server's own ports, not at registration, not through a redirect, not
through file:// outside the configured directories."""
import http.server
import os
import shutil
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from cloudstack_ui.api.registry import invoke
from cloudstack_ui.config.services import update_setting
from cloudstack_ui.errors import CloudStackError, InvalidParameter, PermissionDenied
from compute.models import OsType, ServiceOffering, Template, TemplatePoolCopy, TemplateZone
from compute.services import template_urls, templates
from infrastructure.models import SimulatedVolume
from tests.compute.conftest import JobFailed, call, client_of, ready_template
from tests.conftest import logged_in_client

pytestmark = pytest.mark.django_db

DEBIAN = "Debian GNU/Linux 12 (64-bit)"


def register(caller, zone, url, *, command="registerTemplate", **extra):
    """The template's zone entry after registering it through the command
    API (the download runs at once in eager mode)."""
    params = {"name": "t", "url": url, "zoneid": zone.uuid, "ostypeid": OsType.objects.get(description=DEBIAN).uuid,
              **({"format": "QCOW2", "hypervisor": "Simulator"} if command == "registerTemplate" else {}), **extra}
    rows = invoke(caller, command, params)
    return TemplateZone.objects.select_related("template").get(pk=rows[0].pk)


def stored_files(zone, template) -> list[Path]:
    """What secondary storage holds for `template` (its directory and files)."""
    return [path for path in Path(zone.image_store.path).rglob("*") if str(template.uuid) in str(path)]


def assert_refused_and_stored_nothing(entry, zone, text):
    assert entry.status == TemplateZone.Status.DOWNLOAD_ERROR, entry.status
    assert text in entry.error and entry.status_text == entry.error
    assert not entry.install_path and not stored_files(zone, entry.template), "no copy of a refused image stays"
    assert not TemplatePoolCopy.objects.filter(template=entry.template).exists()


def refused_registration(caller, zone, url, text, *, error=InvalidParameter, command="registerTemplate"):
    """Registering from `url` is refused with `error` naming url, and no template is recorded."""
    before = Template.objects.count()
    with pytest.raises(CloudStackError) as raised:
        register(caller, zone, url, command=command)
    assert isinstance(raised.value, error), raised.value
    assert raised.value.field == "url" and raised.value.errorcode == error.errorcode
    assert text in raised.value.message, raised.value.message
    assert Template.objects.count() == before
    return raised.value


# --- item 5: what qemu-img says the image is -----------------------------------------------------

@pytest.mark.parametrize("name, extra, text", [
    ("backing.qcow2", {}, "the image has a backing file (/etc/passwd)"),
    ("datafile.qcow2", {}, "keeps its data in an external data file"),
    ("disk.qcow2", {"format": "RAW", "hypervisor": "KVM"}, "the file is a qcow2 image, not RAW"),
    ("plain.raw", {"format": "QCOW2", "hypervisor": "KVM"}, "the file is a raw image, not QCOW2"),
    ("disk.qcow2", {"format": "VHD", "hypervisor": "XenServer"}, "the file is a qcow2 image, not VHD"),
    ("disk.qcow2", {"format": "OVA", "hypervisor": "VMware"}, "the file is a qcow2 image, not OVA"),
    ("plain.raw", {"format": "OVA", "hypervisor": "VMware"}, "the OVA has no .ovf descriptor"),
    ("escaping.ova", {"format": "OVA", "hypervisor": "VMware"}, "'../disk.vmdk' is not a plain file inside"),
])
def test_an_unsafe_or_mislabelled_image_ends_in_error_and_nothing_is_stored(simulator_zone, tenancy, image_server,
                                                                          name, extra, text):
    base, _root = image_server
    entry = register(tenancy["comp1_user"], simulator_zone.zone, f"{base}/{name}", **extra)
    assert_refused_and_stored_nothing(entry, simulator_zone, text)
    listed = invoke(tenancy["comp1_user"], "listTemplates", {"templatefilter": "self", "id": entry.template.uuid})
    assert text in listed[0].status_text, "the list shows the reason"


def test_a_qcow2_registered_as_an_iso_is_refused(simulator_zone, tenancy, image_server):
    base, _root = image_server
    entry = register(tenancy["comp1_user"], simulator_zone.zone, f"{base}/disk.qcow2", command="registerIso")
    assert_refused_and_stored_nothing(entry, simulator_zone, "the file is a qcow2 image, not ISO")


@pytest.mark.parametrize("name, extra, size", [
    ("plain.raw", {"format": "RAW", "hypervisor": "KVM"}, 1024**2),
    ("dynamic.vhd", {"format": "VHD", "hypervisor": "XenServer"}, None),
    ("fixed.vhd", {"format": "VHD", "hypervisor": "XenServer"}, None),
    ("appliance.ova", {"format": "OVA", "hypervisor": "VMware"}, None),
])
def test_standalone_images_of_their_declared_format_download(simulator_zone, tenancy, image_server, name, extra,
                                                             size):
    base, root = image_server
    entry = register(tenancy["comp1_user"], simulator_zone.zone, f"{base}/{name}", **extra)
    assert entry.status == TemplateZone.Status.DOWNLOADED, entry.error
    assert Path(entry.install_path).read_bytes() == (root / name).read_bytes()
    assert entry.size == (size or entry.size) and entry.size > 0


def test_a_raw_file_downloads_as_an_iso(simulator_zone, tenancy, image_server):
    base, _root = image_server
    entry = register(tenancy["comp1_user"], simulator_zone.zone, f"{base}/plain.raw", command="registerIso")
    assert entry.status == TemplateZone.Status.DOWNLOADED, entry.error


def test_a_stored_image_is_checked_again_before_it_is_copied_to_primary_storage(simulator_zone, root_admin,
                                                                               image_files):
    """A file in secondary storage that fails the checks (stored before
    them, or changed since) never reaches a pool: the deploy fails with
    the reason, the file is removed and the template is no longer ready."""
    _base, root, _hosts = image_files
    template = ready_template(simulator_zone, root_admin, name="swapped")
    entry = TemplateZone.objects.get(template=template)
    shutil.copy(root / "backing.qcow2", entry.install_path)
    with pytest.raises((JobFailed, CloudStackError), match=r"templateid: swapped the stored image was refused: .*"
                                                           r"backing file \(/etc/passwd\)"):
        call(root_admin, "deployVirtualMachine", zoneid=simulator_zone.zone.uuid, name="victim",
             serviceofferingid=ServiceOffering.objects.get(name="Small Instance").uuid, templateid=template.uuid)
    entry.refresh_from_db()
    assert entry.status == TemplateZone.Status.DOWNLOAD_ERROR and "backing file" in entry.error
    assert not Path(entry.install_path or "/nonexistent").exists() and not os.path.exists(
        simulator_zone.image_store.path + "/swapped.qcow2")
    assert not TemplatePoolCopy.objects.filter(template=template, ready=True).exists()
    assert not SimulatedVolume.objects.filter(name=f"template-{template.uuid}").exists(), "nothing on the pool"


def test_a_template_made_from_a_volume_is_checked_before_it_is_kept(volume_world, monkeypatch):
    """createTemplate keeps what the hypervisor exported only once qemu-img
    found it standalone: an export that comes back as a qcow2 backed by a
    host file (a driver bug, a tampered pool) leaves no template and no file."""
    from infrastructure.hypervisors.simulator import SimulatorDriver

    def export_with_backing_file(self, host, volume, target_file):
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", "/etc/passwd", "-F", "raw", target_file],
                       check=True)
        return os.path.getsize(target_file)

    monkeypatch.setattr(SimulatorDriver, "export_volume", export_with_backing_file)
    user, world = volume_world["user"], volume_world
    snapshot = call(user, "createSnapshot", volumeid=world["vm"].volumes.get(volume_type="ROOT").uuid)["snapshot"]
    before = Template.objects.count()
    with pytest.raises(JobFailed, match=r"the image has a backing file \(/etc/passwd\)"):
        call(user, "createTemplate", name="exported", ostypeid=OsType.objects.get(description=DEBIAN).uuid,
             snapshotid=snapshot["id"])
    assert Template.objects.count() == before
    assert not [path for path in Path(world["zone"].image_store.path).rglob("*")
                if path.is_file() and f"template/tmpl/{user.account_id}/" in str(path)]


# --- item 6: where a URL may point --------------------------------------------------------------

@pytest.mark.parametrize("url, text", [
    ("http://127.0.0.1:{port}/disk.qcow2", "127.0.0.1 is a loopback address"),
    ("http://localhost:{port}/disk.qcow2", "is a loopback address"),
    ("http://[::1]:{port}/disk.qcow2", "::1 is a loopback address"),
    ("http://[::ffff:127.0.0.1]:{port}/disk.qcow2", "is a loopback address"),
    ("http://2130706433:{port}/disk.qcow2", "(127.0.0.1) is a loopback address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://10.1.2.3/disk.qcow2", "10.1.2.3 is a private address"),
    ("http://192.168.0.10/disk.qcow2", "192.168.0.10 is a private address"),
    ("http://[fd00::1]/disk.qcow2", "fd00::1 is a private address"),
    ("http://[fe80::1]/disk.qcow2", "fe80::1 is a link-local address"),
    ("http://0.0.0.0/disk.qcow2", "0.0.0.0 is an unspecified address"),
    ("http://224.0.0.1/disk.qcow2", "224.0.0.1 is a multicast address"),
    ("http://100.64.0.1/disk.qcow2", "100.64.0.1 is not a public address"),
    ("http://user:secret@8.8.8.8/disk.qcow2", "user name or password"),
    ("ftp://8.8.8.8/disk.qcow2", "not an http or https URL"),
    ("gopher://8.8.8.8/", "not an http or https URL"),
    ("http://8.8.8.8:99999/disk.qcow2", "valid port"),
    ("http:///disk.qcow2", "not an http or https URL"),
])
def test_registration_refuses_internal_addresses(simulator_zone, tenancy, image_files, url, text):
    port = image_files[0].rsplit(":", 1)[1]
    refused_registration(tenancy["comp1_user"], simulator_zone.zone, url.format(port=port), text)


def test_an_iso_url_is_checked_the_same_way(simulator_zone, tenancy):
    refused_registration(tenancy["comp1_user"], simulator_zone.zone, "http://169.254.169.254/x.iso",
                         "link-local address", command="registerIso")


def test_the_rest_api_and_the_portal_refuse_an_internal_url(simulator_zone, tenancy):
    user = tenancy["comp1_user"]
    fields = {"name": "meta", "url": "http://169.254.169.254/latest/meta-data/",
              "zoneid": str(simulator_zone.zone.uuid),
              "ostypeid": str(OsType.objects.get(description=DEBIAN).uuid), "hypervisor": "KVM", "format": "QCOW2"}
    before = Template.objects.count()
    answer = client_of(user).post("/api/v1/templates/", fields, content_type="application/json")
    assert answer.status_code == 400 and "169.254.169.254 is a link-local address" in answer.content.decode()
    page = logged_in_client(user).post("/client/templates/register", fields)
    assert page.status_code == 200 and b"169.254.169.254 is a link-local address" in page.content
    assert Template.objects.count() == before


def test_the_setting_allows_only_the_sites_it_lists(simulator_zone, tenancy, image_server):
    base, _root = image_server
    port = base.rsplit(":", 1)[1]
    refused_registration(tenancy["comp1_user"], simulator_zone.zone, f"http://127.0.0.2:{port}/disk.qcow2",
                         "127.0.0.2 is a loopback address")
    refused_registration(tenancy["comp1_user"], simulator_zone.zone, f"http://[::1]:{port}/disk.qcow2",
                         "::1 is a loopback address")
    entry = register(tenancy["comp1_user"], simulator_zone.zone, f"{base}/disk.qcow2")
    assert entry.status == TemplateZone.Status.DOWNLOADED, entry.error


def test_the_management_servers_own_ports_are_refused_even_on_allowed_addresses(simulator_zone, tenancy,
                                                                                root_admin, local_template_sites,
                                                                                settings):
    update_setting(root_admin, "integration.api.port", "8096")
    update_setting(root_admin, "secstorage.allowed.internal.sites", "127.0.0.0/8,::1/128")
    user = tenancy["comp1_user"]
    for url in ("http://127.0.0.1:8096/client/api?command=listUsers", "http://localhost:8096/",
                f"http://127.0.0.1:{settings.CONSOLE_PROXY_PORT}/", "http://127.0.0.1:8080/client/api",
                "http://[::1]:8096/"):
        refused_registration(user, simulator_zone.zone, url, "is a port of the management server itself")


def test_a_redirect_is_checked_hop_by_hop(simulator_zone, tenancy, root_admin, image_server):
    """The allowed server redirects; the target is checked as the URL was,
    so a redirect to metadata, to another loopback address or to the
    integration API ends in the error state with nothing stored, and a
    redirect loop stops after MAX_REDIRECTS hops."""
    base, _root = image_server
    update_setting(root_admin, "integration.api.port", "8096")
    user = tenancy["comp1_user"]
    port = base.rsplit(":", 1)[1]
    cases = [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        (f"http://127.0.0.2:{port}/disk.qcow2", "127.0.0.2 is a loopback address"),
        ("http://127.0.0.1:8096/client/api?command=listUsers", "is a port of the management server itself"),
        ("file:///etc/passwd", "is not an http or https URL"),
        (f"{base}/redirect?to={base}/redirect?to={base}/redirect?to={base}/redirect?to={base}/redirect?to="
         f"{base}/redirect?to={base}/disk.qcow2", f"more than {template_urls.MAX_REDIRECTS} redirects"),
    ]
    for index, (target, text) in enumerate(cases):
        entry = register(user, simulator_zone.zone, f"{base}/redirect?to={target}", name=f"redirected-{index}")
        assert_refused_and_stored_nothing(entry, simulator_zone, text)
    followed = register(user, simulator_zone.zone, f"{base}/redirect?to=/disk.qcow2", name="followed")
    assert followed.status == TemplateZone.Status.DOWNLOADED, followed.error


def test_the_connection_goes_to_the_checked_address_with_the_urls_host(simulator_zone, tenancy, image_files,
                                                                       local_template_sites, monkeypatch):
    """A name is resolved once per hop and the connection made to that
    address, the Host header naming the URL's host: the server sees
    mirror.test although nothing else can resolve that name."""
    base, _root, hosts = image_files
    port = int(base.rsplit(":", 1)[1])
    real = template_urls.socket.getaddrinfo
    answers = []

    def resolve(host, *args, **kwargs):
        if host == "mirror.test":
            answers.append(host)
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(template_urls.socket, "getaddrinfo", resolve)
    entry = register(tenancy["comp1_user"], simulator_zone.zone, f"http://mirror.test:{port}/disk.qcow2")
    assert entry.status == TemplateZone.Status.DOWNLOADED, entry.error
    assert hosts[-1] == f"mirror.test:{port}"
    assert len(answers) == 2, "resolved at registration and once at the fetch, then connected to that answer"


def test_https_is_verified_against_the_urls_host_while_connecting_to_the_checked_address(
        simulator_zone, tenancy, image_files, local_template_sites, monkeypatch, tmp_path):
    """An HTTPS server on 127.0.0.1 with a certificate for mirror.test
    (trusted through SSL_CERT_FILE): the download connects to the checked
    address and sends mirror.test as the TLS server name, so the
    certificate verifies; the same server by its address does not."""
    _base, root, _hosts = image_files
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=mirror.test", "-addext", "subjectAltName=DNS:mirror.test", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    class Files(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Files)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    real = template_urls.socket.getaddrinfo
    monkeypatch.setattr(template_urls.socket, "getaddrinfo", lambda host, *args, **kwargs: real(
        "127.0.0.1" if host == "mirror.test" else host, *args, **kwargs))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    try:
        user = tenancy["comp1_user"]
        verified = register(user, simulator_zone.zone, f"https://mirror.test:{port}/disk.qcow2", name="tls")
        assert verified.status == TemplateZone.Status.DOWNLOADED, verified.error
        mismatch = register(user, simulator_zone.zone, f"https://127.0.0.1:{port}/disk.qcow2", name="tls-ip")
        assert_refused_and_stored_nothing(mismatch, simulator_zone, "certificate verify failed")
    finally:
        server.shutdown()


# --- file:// ------------------------------------------------------------------------------------

@pytest.fixture
def local_directory(tmp_path, image_files, root_admin):
    """A directory allowed by secstorage.allowed.local.directories holding
    a good and an unsafe image, next to one that is not allowed."""
    _base, root, _hosts = image_files
    allowed, elsewhere = tmp_path / "allowed", tmp_path / "elsewhere"
    allowed.mkdir()
    elsewhere.mkdir()
    for name in ("disk.qcow2", "backing.qcow2"):
        shutil.copy(root / name, allowed / name)
    shutil.copy(root / "disk.qcow2", elsewhere / "disk.qcow2")
    update_setting(root_admin, "secstorage.allowed.local.directories", f"{allowed}")
    return allowed, elsewhere


def test_file_urls_are_for_root_admins_inside_the_allowed_directories(simulator_zone, tenancy, root_admin,
                                                                      local_directory):
    allowed, elsewhere = local_directory
    zone = simulator_zone.zone
    refused_registration(tenancy["comp1_user"], zone, f"file://{allowed}/disk.qcow2", "for root admins only",
                         error=PermissionDenied)
    refused_registration(tenancy["other_admin"], zone, f"file://{allowed}/disk.qcow2", "for root admins only",
                         error=PermissionDenied)
    (allowed / "link.qcow2").symlink_to(elsewhere / "disk.qcow2")
    for url in (f"file://{elsewhere}/disk.qcow2", "file:///etc/passwd", f"file://{allowed}/../elsewhere/disk.qcow2",
                f"file://{allowed}/%2e%2e/elsewhere/disk.qcow2", f"file://{allowed}/link.qcow2",
                f"file://{allowed}x/disk.qcow2"):
        refused_registration(root_admin, zone, url, "is not inside a directory listed in "
                                                    "secstorage.allowed.local.directories")
    refused_registration(root_admin, zone, f"file://files.example{allowed}/disk.qcow2", "not of files.example")

    good = register(root_admin, zone, f"file://{allowed}/disk.qcow2", name="local")
    assert good.status == TemplateZone.Status.DOWNLOADED, good.error
    assert Path(good.install_path).read_bytes() == (allowed / "disk.qcow2").read_bytes()
    unsafe = register(root_admin, zone, f"file://{allowed}/backing.qcow2", name="local-unsafe")
    assert_refused_and_stored_nothing(unsafe, simulator_zone, "backing file (/etc/passwd)")


def test_file_urls_are_refused_with_no_directory_configured(simulator_zone, root_admin, image_files):
    _base, root, _hosts = image_files
    refused_registration(root_admin, simulator_zone.zone, f"file://{root}/disk.qcow2", "is not inside a directory")


def test_a_file_swapped_for_a_link_after_registration_is_refused_at_the_fetch(simulator_zone, root_admin,
                                                                             local_directory):
    allowed, elsewhere = local_directory
    entry = register(root_admin, simulator_zone.zone, f"file://{allowed}/disk.qcow2", name="swap")
    assert entry.status == TemplateZone.Status.DOWNLOADED
    Path(entry.install_path).unlink()
    TemplateZone.objects.filter(pk=entry.pk).update(status=TemplateZone.Status.NOT_DOWNLOADED, install_path="")
    (allowed / "disk.qcow2").unlink()
    (allowed / "disk.qcow2").symlink_to("/etc/passwd")
    again = templates.download_template(entry.pk)
    assert_refused_and_stored_nothing(again, simulator_zone, "is not inside a directory listed in")
    (allowed / "disk.qcow2").unlink()
    os.mkfifo(allowed / "disk.qcow2")
    fifo = templates.download_template(entry.pk)
    assert_refused_and_stored_nothing(fifo, simulator_zone, "is not a regular file")


def test_builtin_templates_still_download(simulator_zone):
    builtin = TemplateZone.objects.get(template__name="Simulator template", zone=simulator_zone.zone)
    assert builtin.status == TemplateZone.Status.DOWNLOADED, builtin.error
    assert builtin.template.url.startswith("builtin://")
