#!/usr/bin/env bash
# Installs the daemonless container engine the engine tests use (tests/engine.py): buildah,
# podman, runc, debootstrap and docker-registry, from Debian's packages, as documented in
# the team's container-engine notes. Idempotent and non-interactive: exits 0 at once when
# everything is there; otherwise needs root on Debian and runs apt-get.
#
# It writes no system configuration: the tests point CONTAINERS_CONF at
# tests/standins/containers.conf and set BUILDAH_ISOLATION=chroot on every engine call. To
# use the engine by hand the same way, from the repository root:
#     export BUILDAH_ISOLATION=chroot CONTAINERS_CONF=$PWD/tests/standins/containers.conf
#
# Usage: .ci/install-engine.sh
set -euo pipefail

# openssl: the local compute module runtime (byoi verify, tests) makes its throwaway certificates with it.
packages=(buildah podman runc debootstrap docker-registry openssl)

have() {
    # runc and debootstrap live in /usr/sbin, which a non-root PATH may lack.
    command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" ]] || [[ -x "/usr/bin/$1" ]]
}

missing=()
for package in "${packages[@]}"; do
    # Each package installs a command of its own name.
    have "$package" || missing+=("$package")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-engine: buildah, podman, runc, debootstrap and docker-registry are installed"
    exit 0
fi

echo "install-engine: missing: ${missing[*]}"
if [[ "$(id -u)" -ne 0 ]]; then
    echo "install-engine: error: run as root to install them (apt-get)" >&2
    exit 1
fi
if [[ ! -f /etc/debian_version ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-engine: error: not a Debian system; install ${missing[*]} with its package manager" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${packages[@]}" </dev/null

for package in "${packages[@]}"; do
    if ! have "$package"; then
        echo "install-engine: error: $package still missing after apt-get install" >&2
        exit 1
    fi
done
echo "install-engine: installed ${missing[*]}"
