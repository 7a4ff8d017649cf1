"""What a template or ISO image really is, as `qemu-img info` reads it,
checked before any hypervisor or later step opens it.

An image is refused (InvalidParameter, the reason in its text) when
qemu-img cannot read it within QEMU_IMG_TIMEOUT, when it names a backing
file or an external data file (a qcow2 pointing at /etc/passwd or at
another tenant's disk would hand its content to the instance), or when
its detected format is not the declared one (a "RAW" that is a qcow2
would be opened as a qcow2 by a hypervisor that probes)."""
from __future__ import annotations

import json
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cloudstack_ui.errors import InvalidParameter

QEMU_IMG_TIMEOUT = 60  # seconds

# What qemu-img reports for each declared format. ISOs and OVAs (tar
# archives) are plain files to it; a fixed VHD has its footer only at the
# end, which qemu-img's probe does not look at (see _is_fixed_vhd).
DETECTED_FORMATS = {"QCOW2": "qcow2", "RAW": "raw", "ISO": "raw", "OVA": "raw", "VHD": "vpc"}


@dataclass(frozen=True)
class ImageInfo:
    format: str  # as qemu-img names it
    virtual_size: int


def inspect_image(path: Path | str, declared_format: str) -> ImageInfo:
    """The image's format and virtual size if it is a standalone image of
    `declared_format`; InvalidParameter saying why it is refused otherwise."""
    path = Path(path)
    expected = DETECTED_FORMATS.get(declared_format)
    if expected is None:
        raise InvalidParameter(f"format: {declared_format} is not one of {', '.join(DETECTED_FORMATS)}",
                               field="format")
    info = _qemu_img_info(path)
    detected = info.get("format", "")
    if declared_format == "VHD" and detected == "raw" and _is_fixed_vhd(path):
        info = _qemu_img_info(path, driver="vpc")
        detected = info.get("format", "")
    _refuse_external_files(info)
    if detected != expected:
        raise InvalidParameter(f"format: the file is a {detected or 'unknown'} image, not {declared_format}; "
                               "register it with the format it has", field="format")
    if declared_format == "OVA":
        _check_ova(path)
    return ImageInfo(format=detected, virtual_size=int(info["virtual-size"]))


def _qemu_img_info(path: Path, driver: str | None = None) -> dict:
    """qemu-img's JSON description of the image alone: -U (force share)
    so a file in use is read without taking its lock, and without its
    backing chain (qemu-img info opens no backing file)."""
    command = ["qemu-img", "info", "--output=json", "-U"]
    if driver is not None:
        command += ["-f", driver]
    try:
        done = subprocess.run([*command, str(path.resolve())], capture_output=True, text=True,
                              timeout=QEMU_IMG_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise InvalidParameter(f"url: qemu-img could not read the image within {QEMU_IMG_TIMEOUT} seconds",
                               field="url")
    if done.returncode != 0:
        raise InvalidParameter(f"url: qemu-img cannot read the image: {done.stderr.strip()}", field="url")
    return json.loads(done.stdout)


def _refuse_external_files(info: dict) -> None:
    backing = info.get("backing-filename") or info.get("full-backing-filename")
    if backing:
        raise InvalidParameter(f"url: the image has a backing file ({backing}); only standalone images are "
                               "accepted (flatten it with qemu-img convert)", field="url")
    data_file = ((info.get("format-specific") or {}).get("data") or {}).get("data-file")
    if data_file:
        raise InvalidParameter(f"url: the image keeps its data in an external data file ({data_file}); only "
                               "standalone images are accepted (flatten it with qemu-img convert)", field="url")


def _is_fixed_vhd(path: Path) -> bool:
    """A fixed VHD: a raw disk followed by a 512-byte footer starting
    with the cookie 'conectix'."""
    size = path.stat().st_size
    if size < 512:
        return False
    with open(path, "rb") as image:
        image.seek(size - 512)
        return image.read(8) == b"conectix"


def _check_ova(path: Path) -> None:
    """An OVA is a tar archive holding an .ovf descriptor, whose members
    are plain files named inside the archive."""
    if not tarfile.is_tarfile(path):
        raise InvalidParameter("format: the file is not an OVA (a tar archive with an .ovf descriptor)",
                               field="format")
    with tarfile.open(path) as archive:
        members = archive.getmembers()
    for member in members:
        name = PurePosixPath(member.name)
        if not member.isfile() or name.is_absolute() or ".." in name.parts:
            raise InvalidParameter(f"format: the OVA member {member.name!r} is not a plain file inside the "
                                   "archive", field="format")
    if not any(member.name.lower().endswith(".ovf") for member in members):
        raise InvalidParameter("format: the OVA has no .ovf descriptor", field="format")
