"""Libvirt storage pools of primary storage (issue 15, item 10): a pool is
undefined when its primary storage is deleted, a pool the host already
has for the same directory is adopted instead of failing with "storage
source conflict", and a pool of our name over another directory is
refused naming both. Against libvirt's test:///default (its state shared
within this process) and the machine's libvirtd."""
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from infrastructure.hypervisors import HostAccess, HypervisorOperationFailed, PoolSpec, VolumeRef
from infrastructure.hypervisors.kvm import KVMDriver

TEST_URL = "test:///default"
IMAGES = Path("/var/lib/libvirt/images")


def _pools(url: str) -> dict[str, str]:
    """Name -> XML of every libvirt pool on `url`."""
    import libvirt

    connection = libvirt.open(url)
    try:
        return {pool.name(): pool.XMLDesc(0) for pool in connection.listAllStoragePools(0)}
    finally:
        connection.close()


def _define_dir_pool(url: str, name: str, path: str) -> None:
    import libvirt

    connection = libvirt.open(url)
    try:
        pool = connection.storagePoolDefineXML(
            f"<pool type='dir'><name>{name}</name><target><path>{path}</path></target></pool>", 0)
        pool.create(0)
    finally:
        connection.close()


def _undefine(url: str, name: str) -> None:
    import libvirt

    connection = libvirt.open(url)
    try:
        pool = connection.storagePoolLookupByName(name)
        if pool.isActive():
            pool.destroy()
        pool.undefine()
    except libvirt.libvirtError:
        pass
    finally:
        connection.close()


def check_pool_lifecycle(url: str, directory: str, other_directory: str) -> None:
    """The checks shared by both libvirts; leaves nothing defined."""
    driver, host = KVMDriver(), HostAccess(url)
    spec = PoolSpec(uuid=str(uuid.uuid4()), protocol="SharedMountPoint", path=directory)
    driver.prepare_storage_pool(host, spec)
    assert spec.uuid in _pools(url)
    driver.remove_storage_pool(host, spec)
    assert spec.uuid not in _pools(url), "the pool is stopped and undefined"
    driver.remove_storage_pool(host, spec)  # a pool the host does not know is no error

    # A pool the host already has over the same directory is adopted.
    hand_made = f"hand-made-{uuid.uuid4().hex[:8]}"
    _define_dir_pool(url, hand_made, directory)
    try:
        before = set(_pools(url))
        driver.prepare_storage_pool(host, spec)
        driver.create_volume(host, VolumeRef(spec, "adopted-disk"), 1024 * 1024)
        assert set(_pools(url)) == before, "no second pool over the same directory"
        driver.delete_volume(host, VolumeRef(spec, "adopted-disk"))
        driver.remove_storage_pool(host, spec)
        assert hand_made in _pools(url), "an adopted pool was the host's and stays"
    finally:
        _undefine(url, hand_made)

    # A pool of our name over another directory is refused naming both.
    _define_dir_pool(url, spec.uuid, other_directory)
    try:
        with pytest.raises(HypervisorOperationFailed, match=f"already exists for {other_directory}, not for "
                                                            f"{directory}"):
            driver.prepare_storage_pool(host, spec)
        assert f"<path>{other_directory}</path>" in _pools(url)[spec.uuid], "the host's pool is left as it was"
    finally:
        _undefine(url, spec.uuid)


def test_pools_on_the_libvirt_test_driver():
    import libvirt

    holder = libvirt.open(TEST_URL)  # test:///default keeps its state while a connection is open
    try:
        check_pool_lifecycle(TEST_URL, f"/csui-pool-{uuid.uuid4().hex[:8]}", f"/csui-other-{uuid.uuid4().hex[:8]}")
    finally:
        holder.close()


@pytest.fixture
def directories(libvirtd):
    IMAGES.mkdir(parents=True, exist_ok=True)
    made = [tempfile.mkdtemp(prefix="csui-pools-", dir=IMAGES) for _ in range(2)]
    yield made
    for directory in made:
        shutil.rmtree(directory, ignore_errors=True)


def test_pools_on_the_machines_libvirtd(libvirtd, directories):
    check_pool_lifecycle(libvirtd.URL, *directories)


@pytest.mark.django_db
def test_delete_storage_pool_undefines_its_libvirt_pool(libvirtd, root_admin, tmp_path):
    from infrastructure.models import StoragePool
    from infrastructure.services import storage
    from tests.conftest import build_kvm_zone, remove_pool

    zone, pool_dir = build_kvm_zone(root_admin, tmp_path / "secondary", libvirtd.URL)
    try:
        pool = StoragePool.objects.get(zone=zone)
        assert str(pool.uuid) in _pools(libvirtd.URL), "creating primary storage defined the libvirt pool"
        storage.delete_storage_pool(root_admin, pool)
        assert str(pool.uuid) not in _pools(libvirtd.URL)
        assert not StoragePool.objects.filter(pk=pool.pk).exists()
    finally:
        remove_pool(libvirtd.URL, pool_dir)
        shutil.rmtree(pool_dir, ignore_errors=True)
