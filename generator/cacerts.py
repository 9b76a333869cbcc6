"""Extra CA certificates: one mechanism for every target.

Users behind TLS-inspecting proxies give ``--ca-cert FILE``. The files are copied into
the project's ``certs/`` folder, and each target's Dockerfile includes the shared
``ca-certs.Dockerfile`` partial, which adds them to the system bundle and points pip,
requests, curl, micromamba and Node at it, for the build and at run time.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path

#: Folder in the project (and in the image, under /usr/local/share/ca-certificates).
PROJECT_DIR = "certs"
IMAGE_DIR = "/usr/local/share/ca-certificates/byoi"
#: The system bundle after update-ca-certificates (Debian and Ubuntu).
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def project_names(paths: Sequence[Path]) -> list[str]:
    """Project-relative names for the certificates: ``certs/NAME.crt``, unique, safe."""
    names: list[str] = []
    for path in paths:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", path.name.removesuffix(".crt").removesuffix(".pem")).strip("-.")
        stem = stem or "ca"
        candidate, n = stem, 1
        while f"{PROJECT_DIR}/{candidate}.crt" in names:
            n += 1
            candidate = f"{stem}-{n}"
        names.append(f"{PROJECT_DIR}/{candidate}.crt")
    return names


def copy_into(paths: Sequence[Path], project: Path) -> None:
    """Copy the certificates into ``project`` under the names :func:`project_names` gives."""
    for src, name in zip(paths, project_names(paths), strict=True):
        dest = project / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
