"""The KVM driver's volume operations (grow, snapshot, copy, revert; a
disk grown while its QEMU guest runs) against the machine's libvirtd, in a
`dir` pool of a temporary directory that QEMU (running as libvirt-qemu)
can open. Content is written and read back with qemu-io, so a revert is
checked on the disk's blocks, not only on its size."""
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from infrastructure.hypervisors import HostAccess, PoolSpec, VolumeRef, get_driver
from tests.infrastructure.driver_suite import run_volume_suite

IMAGES = Path("/var/lib/libvirt/images")


@pytest.fixture
def pool(libvirtd):
    import libvirt

    IMAGES.mkdir(parents=True, exist_ok=True)
    directory = tempfile.mkdtemp(prefix="csui-volume-ops-", dir=IMAGES)
    Path(directory).chmod(0o755)
    spec = PoolSpec(uuid=str(uuid.uuid4()), protocol="SharedMountPoint", path=directory)
    yield spec
    connection = libvirt.open(libvirtd.URL)
    try:
        storage = connection.storagePoolLookupByName(spec.uuid)
        if storage.isActive():
            storage.destroy()
        storage.undefine()
    except libvirt.libvirtError:
        pass
    finally:
        connection.close()
    shutil.rmtree(spec.path, ignore_errors=True)


def _qemu_io(path: str, command: str) -> str:
    return subprocess.run(["qemu-io", "-f", "qcow2", "-c", command, path], capture_output=True, text=True,
                          timeout=60).stdout


def test_grow_snapshot_copy_and_revert_on_libvirt(libvirtd, pool):
    def path(ref: VolumeRef) -> str:
        return str(Path(pool.path) / ref.name)

    def mark(ref, byte):
        assert "wrote" in _qemu_io(path(ref), f"write -P {byte} 0 64k")

    def marked(ref, byte):
        return "verification failed" not in _qemu_io(path(ref), f"read -P {byte} 0 64k")

    run_volume_suite(get_driver("KVM"), HostAccess(libvirtd.URL), pool, mark=mark, marked=marked)
    assert list(Path(pool.path).iterdir()) == [], "every volume was deleted"
