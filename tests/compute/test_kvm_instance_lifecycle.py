"""Guide 6.9 on a real KVM host through the real `cs` client: a Basic zone
whose host is this machine's libvirtd (QEMU with software emulation), the
built-in template downloaded into its secondary storage, then deploy →
Running (the guest boots) → a data volume attached live → a snapshot →
stop → a template from the root volume → start → destroy and expunge, with libvirt checked at each step."""
import json
import subprocess
import time
from pathlib import Path

import pytest
from cs import CloudStack

from accounts.services.users import register_user_keys
from compute.models import Template, TemplateZone, VirtualMachine

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _domain_state(url: str, name: str) -> int | None:
    import libvirt

    connection = libvirt.open(url)
    try:
        return connection.lookupByName(name).state()[0]
    except libvirt.libvirtError:
        return None
    finally:
        connection.close()


def test_the_guide_journey_on_a_real_kvm_host_with_cs(live_server, libvirtd, kvm_zone, root_admin):
    import libvirt

    template = Template.objects.get(template_type="BUILTIN", hypervisor="KVM")
    ready = TemplateZone.objects.get(template=template, zone=kvm_zone)
    assert ready.is_ready, f"the built-in template is downloaded into the new zone: {ready.status} {ready.error}"
    key, secret = register_user_keys(root_admin, root_admin)
    api = CloudStack(endpoint=f"{live_server.url}/client/api", key=key, secret=secret, poll_interval=0.5,
                     job_timeout=300)
    offering = next(o for o in api.listServiceOfferings()["serviceoffering"] if o["name"] == "Small Instance")
    listed = api.listTemplates(templatefilter="featured", zoneid=str(kvm_zone.uuid))["template"]
    assert any(t["id"] == str(template.uuid) and t["isready"] for t in listed)

    deployed = api.deployVirtualMachine(zoneid=str(kvm_zone.uuid), serviceofferingid=offering["id"],
                                        templateid=str(template.uuid), name="guide-vm", fetch_result=True)
    vm = deployed["virtualmachine"]
    assert vm["state"] == "Running" and vm["nic"][0]["ipaddress"] == "10.7.0.100"
    internal = VirtualMachine.objects.get(uuid=vm["id"]).internal_name
    assert _domain_state(libvirtd.URL, internal) == libvirt.VIR_DOMAIN_RUNNING

    disk = next(d for d in api.listDiskOfferings()["diskoffering"] if d["name"] == "Small")
    volume = api.createVolume(name="data1", zoneid=str(kvm_zone.uuid), diskofferingid=disk["id"],
                              fetch_result=True)["volume"]
    attached = api.attachVolume(id=volume["id"], virtualmachineid=vm["id"], fetch_result=True)["volume"]
    assert attached["virtualmachineid"] == vm["id"] and attached["deviceid"] == 1
    connection = libvirt.open(libvirtd.URL)
    try:
        xml = connection.lookupByName(internal).XMLDesc(0)
    finally:
        connection.close()
    assert xml.count("<disk ") >= 2, "the data disk is attached to the running domain"

    root = next(v for v in api.listVolumes(virtualmachineid=vm["id"])["volume"] if v["type"] == "ROOT")
    snapshot = api.createSnapshot(volumeid=root["id"], fetch_result=True)["snapshot"]
    assert snapshot["state"] == "BackedUp"

    api.stopVirtualMachine(id=vm["id"], forced=True, fetch_result=True)
    assert _domain_state(libvirtd.URL, internal) in (libvirt.VIR_DOMAIN_SHUTOFF, None)
    # A template from the stopped root volume (a qcow2 backed by the
    # template's copy): the file on secondary storage stands on its own.
    made = api.createTemplate(name="golden", displaytext="golden", volumeid=root["id"], ostypeid=vm["guestosid"],
                              fetch_result=True)["template"]
    assert made["status"] == "Download Complete" and made["hypervisor"] == "KVM"
    image = TemplateZone.objects.get(template__uuid=made["id"]).install_path
    info = json.loads(subprocess.run(["qemu-img", "info", "--output=json", image], capture_output=True, text=True,
                                     check=True).stdout)
    assert info["format"] == "qcow2" and "backing-filename" not in info and info["virtual-size"] == root["size"]
    api.deleteTemplate(id=made["id"], fetch_result=True)
    assert not Path(image).exists()
    started = api.startVirtualMachine(id=vm["id"], fetch_result=True)["virtualmachine"]
    assert started["state"] == "Running"
    deadline = time.monotonic() + 30
    while _domain_state(libvirtd.URL, internal) != libvirt.VIR_DOMAIN_RUNNING and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _domain_state(libvirtd.URL, internal) == libvirt.VIR_DOMAIN_RUNNING

    api.detachVolume(id=volume["id"], fetch_result=True)
    api.deleteSnapshot(id=snapshot["id"], fetch_result=True)
    api.destroyVirtualMachine(id=vm["id"], expunge=True, fetch_result=True)
    assert _domain_state(libvirtd.URL, internal) is None
    assert not VirtualMachine.objects.filter(uuid=vm["id"]).exists()
    api.deleteVolume(id=volume["id"])


def test_a_failed_deploy_on_a_real_kvm_host_leaves_no_nwfilter_volume_or_domain(libvirtd, kvm_zone, root_admin):
    """The built-in template pointed at a kernel that is not there: the
    deploy gets as far as the host (its nwfilter defined, its root volume
    created on the copy of the template, the domain defined) and fails to
    start; then none of those is left on libvirtd."""
    import libvirt

    from compute.models import ServiceOffering, TemplatePoolCopy
    from infrastructure.models import StoragePool
    from tests.compute.conftest import JobFailed, call

    template = Template.objects.get(template_type="BUILTIN", hypervisor="KVM")
    Template.objects.filter(pk=template.pk).update(details={**template.details, "kernel": "/nonexistent/vmlinuz"})
    with pytest.raises(JobFailed):
        call(root_admin, "deployVirtualMachine", zoneid=kvm_zone.uuid, name="doomed", templateid=template.uuid,
             serviceofferingid=ServiceOffering.objects.get(name="Small Instance").uuid)
    vm = VirtualMachine.objects.get(name="doomed")
    assert vm.state == "Error"
    pool = StoragePool.objects.get(zone=kvm_zone)
    copy = TemplatePoolCopy.objects.get(template=template, storage_pool=pool)
    connection = libvirt.open(libvirtd.URL)
    try:
        assert vm.internal_name not in [d.name() for d in connection.listAllDomains()]
        assert not [f for f in connection.listAllNWFilters() if f.name().startswith(vm.internal_name)]
        storage = connection.storagePoolLookupByName(str(pool.uuid))
        storage.refresh(0)
        assert [v.name() for v in storage.listAllVolumes()] == [copy.name], "only the template's copy stays"
    finally:
        connection.close()
