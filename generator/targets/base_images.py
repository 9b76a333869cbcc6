"""What well-known base images provide: their package manager, and whether Python is in them.

``byoi new`` cannot look inside a base image (it pulls nothing), so it knows the common
official images by repository. An image not listed here is taken as it is; ``byoi
check-image`` (which every ``build.sh`` runs) checks the built image itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BaseImage:
    """What a family of base images has."""

    #: How people call it ("Alpine Linux").
    family: str
    #: The command that installs its packages.
    package_manager: str
    #: Whether ``python3`` is in the image as published.
    python: bool


DEBIAN = BaseImage("Debian", "apt-get", python=False)
UBUNTU = BaseImage("Ubuntu", "apt-get", python=False)
PYTHON = BaseImage("Debian (the official Python image)", "apt-get", python=True)
PYTHON_ALPINE = BaseImage("the Python image's Alpine Linux variant", "apk", python=True)
ALPINE = BaseImage("Alpine Linux", "apk", python=False)
BUSYBOX = BaseImage("BusyBox", "no package manager", python=False)
FEDORA_LIKE = BaseImage("a Red Hat family image", "dnf", python=False)
SUSE = BaseImage("openSUSE", "zypper", python=False)

#: Official images by repository (Docker Hub names without ``docker.io/library/``).
KNOWN: dict[str, BaseImage] = {
    "debian": DEBIAN,
    "ubuntu": UBUNTU,
    "python": PYTHON,
    "alpine": ALPINE,
    "busybox": BUSYBOX,
    "fedora": FEDORA_LIKE,
    "rockylinux": FEDORA_LIKE,
    "almalinux": FEDORA_LIKE,
    "amazonlinux": FEDORA_LIKE,
    "redhat/ubi8": FEDORA_LIKE,
    "redhat/ubi9": FEDORA_LIKE,
    "registry.access.redhat.com/ubi8": FEDORA_LIKE,
    "registry.access.redhat.com/ubi9": FEDORA_LIKE,
    "opensuse/leap": SUSE,
    "opensuse/tumbleweed": SUSE,
}


def known_base(image: str) -> BaseImage | None:
    """What is known of the base ``image`` (``REPOSITORY[:TAG][@DIGEST]``), or None."""
    reference = image.split("@", 1)[0]
    head, _, last = reference.rpartition("/")
    name, _, tag = last.partition(":")
    repository = (head + "/" if head else "") + name
    for prefix in ("docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"):
        if repository.startswith(prefix):
            repository = repository[len(prefix) :]
            break
    found = KNOWN.get(repository)
    if found is PYTHON and "alpine" in tag:
        return PYTHON_ALPINE
    return found
