# Shared helpers for bin/setup-and-run and bin/test (sourced, not executed).
# Expects ROOT to be the repository root.

# Run a command as root: directly when we are root, else through sudo.
as_root() {
    if [[ "$(id -u)" -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "error: need root (or sudo) to run: $*" >&2
        return 1
    fi
}

# Install the given Debian/Ubuntu packages that are not installed yet.
# apt-get update runs once, and only if something is missing.
ensure_system_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
            missing+=("$pkg")
        fi
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "error: missing system packages (${missing[*]}) and no apt-get; install them by hand" >&2
        return 1
    fi
    echo "==> Installing system packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The packages every run needs (mysqlclient and libvirt bindings build from source;
# KVM virtual routers are network namespaces run with iproute2, iptables,
# dnsmasq, and their tests stand in for an instance with busybox).
BASE_SYSTEM_PACKAGES=(python3-venv python3-dev build-essential pkg-config libmariadb-dev libvirt-dev
                      iproute2 iptables dnsmasq-base busybox-static)

require_python() {
    if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "error: Python 3.11 or newer is required as python3 (found: $(python3 --version 2>&1 || echo none))" >&2
        return 1
    fi
}

# Create .venv if missing, then install the project (editable) with optional extras, e.g. "[test]".
ensure_venv() {
    local extras="${1:-}"
    if [[ ! -x "$ROOT/.venv/bin/python" ]]; then
        echo "==> Creating virtualenv in .venv"
        python3 -m venv "$ROOT/.venv"
    fi
    echo "==> Installing Python packages"
    # PYTHONWARNINGS silences setuptools build-backend deprecation noise.
    PYTHONWARNINGS=ignore "$ROOT/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT$extras"
}

# libvirtd's QEMU driver refuses to start without its user and groups.
ensure_libvirt_qemu_user() {
    getent group kvm >/dev/null || as_root groupadd -r kvm
    getent group libvirt-qemu >/dev/null || as_root groupadd -r libvirt-qemu
    id libvirt-qemu >/dev/null 2>&1 || as_root useradd -r -g kvm -s /usr/sbin/nologin libvirt-qemu
}
