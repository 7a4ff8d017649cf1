"""govmomi's vCenter simulator (vcsim), built from Debian's
golang-github-vmware-govmomi-dev with our own main.go, as the vSphere peer
of the VMware driver's tests. `start_vcsim` builds it once (cached under
.cache/) and runs it on a free port."""
import os
import select
import shutil
import subprocess
from pathlib import Path

SOURCE = Path(__file__).with_name("main.go")
CACHE = Path(__file__).resolve().parents[3] / ".cache"
BINARY = CACHE / "vcsim"
USER, PASSWORD = "administrator@vsphere.local", "Passw0rd!"


def build_vcsim() -> Path:
    if BINARY.exists() and BINARY.stat().st_mtime >= SOURCE.stat().st_mtime:
        return BINARY
    if shutil.which("go") is None:
        raise RuntimeError("building vcsim needs Debian's golang-go and golang-github-vmware-govmomi-dev "
                           "(bin/test installs them)")
    CACHE.mkdir(exist_ok=True)
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": "/usr/share/gocode", "GOCACHE": str(CACHE / "go-build")}
    partial = BINARY.with_name(f"vcsim.{os.getpid()}")
    subprocess.run(["go", "build", "-o", str(partial), str(SOURCE)], check=True, env=env, cwd=SOURCE.parent,
                   timeout=600)
    os.replace(partial, BINARY)
    return BINARY


def start_vcsim(vms: int = 1, workdir: Path | None = None) -> tuple[subprocess.Popen, str]:
    """The running simulator (its cluster holding `vms` VMs) and its host:port.
    vcsim takes an NFS datastore's local path as a directory relative to
    `workdir`."""
    process = subprocess.Popen([str(build_vcsim()), "-listen", "127.0.0.1:0", "-user", USER, "-password", PASSWORD,
                                "-vms", str(vms)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=workdir)
    ready, _, _ = select.select([process.stdout], [], [], 30)
    address = process.stdout.readline().strip() if ready else ""
    if not address:
        process.kill()
        raise RuntimeError(f"vcsim did not print its address within 30 s (exit status {process.poll()})")
    return process, address
