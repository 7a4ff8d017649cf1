"""XML to and from hypervisors: what we send libvirt is built by
ElementTree, so names, paths and passwords with <, &, quotes reach the host
as written; what hosts answer (libvirt, XAPI, vCenter) is parsed by defusedxml
(or, for pyvmomi, an expat parser refusing DTDs), so a document with
entities (billion laughs) or external entities is refused, not expanded."""
import xml.etree.ElementTree as ET
import xmlrpc.client

import libvirt
import pytest
from defusedxml import DefusedXmlException

from infrastructure.hypervisors.base import (
    HostAccess,
    HypervisorOperationFailed,
    InstanceSpec,
    NicSpec,
    PoolSpec,
    VolumeRef,
)
from infrastructure.hypervisors.kvm import KVMDriver, _pool_xml, parse_xml

ODD = "a<b&c'\"d"
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<domain><name>&lol3;</name></domain>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE domain [<!ENTITY secret SYSTEM "file:///etc/passwd">]><domain><name>&secret;</name></domain>"""


@pytest.fixture
def libvirt_node():
    """libvirt's test:///default keeps its state while a connection is open."""
    connection = libvirt.open("test:///default")
    yield connection
    connection.close()


def test_a_domain_with_special_characters_round_trips(libvirt_node):
    spec = InstanceSpec(name=f"vm-{ODD}", uuid="8f0a8f3e-2a5c-4c4e-9a57-0a0d0f2c1a11", vcpus=1, cpu_speed=1000,
                        memory=512 * 1024**2, vnc_password="p<&'\"w", kernel="/boot/k<&", initrd="/boot/i&",
                        cmdline=f"console=ttyS0 x={ODD}",
                        nics=(NicSpec(mac="02:00:00:00:00:01", network=f"br{ODD}", security_filter="i-2-9-VM-nic0"),))
    KVMDriver().define_instance(HostAccess("test:///default"), spec)

    domain = ET.fromstring(libvirt_node.lookupByName(f"vm-{ODD}").XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE))
    assert domain.findtext("name") == f"vm-{ODD}"
    assert domain.findtext("os/cmdline") == f"console=ttyS0 x={ODD}"
    assert (domain.findtext("os/kernel"), domain.findtext("os/initrd")) == ("/boot/k<&", "/boot/i&")
    assert domain.find("devices/interface/source").get("bridge") == f"br{ODD}"
    assert domain.find("devices/interface/filterref").get("filter") == "i-2-9-VM-nic0"
    assert domain.find("devices/graphics").get("passwd") == "p<&'\"w"


def test_a_volume_in_a_pool_with_special_characters_round_trips(libvirt_node, tmp_path):
    pool = PoolSpec(uuid="pool-odd", protocol="SharedMountPoint", path=str(tmp_path / f"p{ODD}"))
    info = KVMDriver().create_volume(HostAccess("test:///default"), VolumeRef(pool, f"vol-{ODD}"), 1024**3)
    assert info.name == f"vol-{ODD}" and info.path == f"{tmp_path}/p{ODD}/vol-{ODD}"
    assert libvirt_node.storagePoolLookupByName("pool-odd").storageVolLookupByName(f"vol-{ODD}").name() == f"vol-{ODD}"


def test_pool_xml_escapes_server_and_path():
    nfs = ET.fromstring(_pool_xml(PoolSpec(uuid="u1", protocol="NetworkFilesystem", server=f"nfs{ODD}",
                                           path=f"/export/{ODD}")))
    assert nfs.find("source/host").get("name") == f"nfs{ODD}"
    assert nfs.find("source/dir").get("path") == f"/export/{ODD}"


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_host_xml_with_entities_is_refused(document):
    with pytest.raises(HypervisorOperationFailed, match="the host answered XML that is refused"):
        parse_xml(document)


@pytest.mark.parametrize("entity", [
    '<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">',
    '<!ENTITY lol2 SYSTEM "file:///etc/passwd">',
], ids=["billion-laughs", "external-entity"])
def test_xapi_answers_with_entities_are_refused(entity):
    import infrastructure.hypervisors.xenserver  # noqa: F401  (the driver defuses xmlrpc.client on import)

    answer = (f'<?xml version="1.0"?><!DOCTYPE methodResponse [{entity}]><methodResponse><params><param>'
              f"<value><string>&lol2;</string></value></param></params></methodResponse>")
    with pytest.raises(DefusedXmlException):
        xmlrpc.client.loads(answer)


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_vcenter_soap_with_a_dtd_is_refused(document):
    from pyVmomi import SoapAdapter

    from infrastructure.hypervisors.vmware import defuse_soap

    defuse_soap()
    with pytest.raises(DefusedXmlException):
        SoapAdapter.Deserialize(document.encode())
