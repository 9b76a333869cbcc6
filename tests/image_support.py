"""Hand-made image archives for ``byoi check-image`` tests, written in Python in a tmp folder.

An archive is made of layers (lists of :class:`File`) and a config, in the shapes the
real tools write: ``docker save`` / ``buildah push docker-archive:`` (``manifest.json``,
a config JSON, one tar per layer) or an OCI layout (``oci-layout``, ``index.json``,
``blobs/sha256/...``), as a folder or as a tarball (``oci-archive:``).

A file may declare a size it does not hold (``declared``): the layer tar then gets a
hole of that size, written sparse (seeked over), so a 10 GB layer takes a few kilobytes
of disk and no time, and still reads back as a valid tar of that size.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

BLOCK = 512


@dataclass(frozen=True)
class File:
    """One tar member of a layer."""

    path: str
    data: bytes = b""
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    #: file, dir, symlink, hardlink
    kind: str = "file"
    link: str = ""
    #: Size to declare instead of ``len(data)``, written as a sparse hole.
    declared: int | None = None


def exe(path: str, data: bytes = b"\x7fELF\x02\x01\x01 fake program", **kw: Any) -> File:
    """An executable regular file (mode 0755)."""
    return File(path, data, mode=0o755, **kw)


def link(path: str, target: str) -> File:
    """A symlink."""
    return File(path, kind="symlink", link=target, mode=0o777)


def folder(path: str, mode: int = 0o755, **kw: Any) -> File:
    """A directory."""
    return File(path, kind="dir", mode=mode, **kw)


def whiteout(path: str) -> File:
    """An OCI whiteout: ``path`` is deleted from the layers below."""
    head, _, name = path.rpartition("/")
    return File(f"{head}/.wh.{name}" if head else f".wh.{name}")


PASSWD = (
    "root:x:0:0:root:/root:/bin/bash\n"
    "sagemaker-user:x:1000:100::/home/sagemaker-user:/bin/bash\n"
    "app:x:5001:5001::/home/app:/bin/sh\n"
)
GROUP = "root:x:0:\nusers:x:100:\napp:x:5001:\n"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def debian_base() -> list[File]:
    """A usrmerged Debian-like base layer: /bin -> usr/bin, sh -> dash, tee, env, python3 -> python3.11."""
    return [
        folder("etc"),
        File("etc/passwd", PASSWD.encode()),
        File("etc/group", GROUP.encode()),
        folder("usr"),
        folder("usr/bin"),
        folder("usr/local"),
        folder("usr/local/bin"),
        folder("usr/sbin"),
        link("bin", "usr/bin"),
        link("sbin", "usr/sbin"),
        exe("usr/bin/dash"),
        link("usr/bin/sh", "dash"),
        exe("usr/bin/bash"),
        exe("usr/bin/tee"),
        exe("usr/bin/env"),
        exe("usr/bin/python3.11"),
        link("usr/bin/python3", "python3.11"),
        folder("home"),
        folder("home/app", uid=5001, gid=5001),
        folder("home/sagemaker-user", uid=1000, gid=100),
        folder("tmp", mode=0o1777),
    ]


def config(
    *,
    user: str = "",
    entrypoint: Sequence[str] | None = None,
    cmd: Sequence[str] | None = None,
    workdir: str = "",
    ports: Iterable[str] = (),
    env: Sequence[str] = (f"PATH={PATH}",),
    architecture: str = "amd64",
    os_name: str = "linux",
) -> dict[str, Any]:
    """An image config JSON, as ``docker inspect`` / buildah write it."""
    runtime: dict[str, Any] = {"User": user, "Env": list(env), "WorkingDir": workdir}
    if entrypoint is not None:
        runtime["Entrypoint"] = list(entrypoint)
    if cmd is not None:
        runtime["Cmd"] = list(cmd)
    if ports:
        runtime["ExposedPorts"] = {p: {} for p in ports}
    return {"architecture": architecture, "os": os_name, "config": runtime, "rootfs": {"type": "layers"}}


# --------------------------------------------------------------------------- writing tars


def _info(member: File) -> tarfile.TarInfo:
    info = tarfile.TarInfo(member.path)
    info.mode, info.uid, info.gid, info.mtime = member.mode, member.uid, member.gid, 0
    if member.kind == "dir":
        info.type = tarfile.DIRTYPE
    elif member.kind == "symlink":
        info.type, info.linkname = tarfile.SYMTYPE, member.link
    elif member.kind == "hardlink":
        info.type, info.linkname = tarfile.LNKTYPE, member.link
    else:
        info.size = member.declared if member.declared is not None else len(member.data)
    return info


def _padding(size: int) -> int:
    return -size % BLOCK


def layer_size(files: Sequence[File]) -> int:
    """Bytes of the layer tar :func:`write_layer` writes for ``files``."""
    total = 0
    for member in files:
        info = _info(member)
        total += len(info.tobuf(tarfile.GNU_FORMAT)) + info.size + _padding(info.size)
    return total + 2 * BLOCK


def write_layer(out: BinaryIO, files: Sequence[File]) -> None:
    """Write a layer tar to ``out`` at its position; declared sizes become holes (seeked over)."""
    for member in files:
        info = _info(member)
        out.write(info.tobuf(tarfile.GNU_FORMAT))
        if member.declared is not None:
            out.seek(info.size + _padding(info.size), os.SEEK_CUR)
        else:
            out.write(member.data + b"\0" * _padding(len(member.data)))
    out.write(b"\0" * (2 * BLOCK))


def layer_bytes(files: Sequence[File]) -> bytes:
    """A small layer tar in memory (no declared sizes)."""
    buffer = io.BytesIO()
    write_layer(buffer, files)
    return buffer.getvalue()


class _OuterTar:
    """A tar written member by member, where a member may be a (sparse) layer written in place."""

    def __init__(self, path: Path) -> None:
        self.handle = path.open("wb")

    def add(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o644, 0
        self.handle.write(info.tobuf(tarfile.GNU_FORMAT))
        self.handle.write(data + b"\0" * _padding(len(data)))

    def add_layer(self, name: str, files: Sequence[File]) -> None:
        size = layer_size(files)
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o644, 0
        self.handle.write(info.tobuf(tarfile.GNU_FORMAT))
        start = self.handle.tell()
        write_layer(self.handle, files)
        assert self.handle.tell() == start + size, "layer size mismatch"
        self.handle.write(b"\0" * _padding(size))

    def close(self) -> None:
        self.handle.write(b"\0" * (2 * BLOCK))
        self.handle.truncate()
        self.handle.close()


def docker_archive(path: Path, image_config: dict[str, Any], layers: Sequence[Sequence[File]]) -> Path:
    """A ``docker save``-shaped archive: ``manifest.json``, the config, ``<n>/layer.tar``."""
    data = json.dumps(image_config).encode()
    config_name = hashlib.sha256(data).hexdigest() + ".json"
    names = [f"{n:02d}/layer.tar" for n in range(len(layers))]
    outer = _OuterTar(path)
    try:
        outer.add(config_name, data)
        for name, files in zip(names, layers, strict=True):
            outer.add_layer(name, files)
        manifest = [{"Config": config_name, "RepoTags": ["localhost/handmade:0.1.0"], "Layers": names}]
        outer.add("manifest.json", json.dumps(manifest).encode())
    finally:
        outer.close()
    return path


def _blob(root: Path, data: bytes) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest()
    (root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    (root / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def _compressed(data: bytes, compression: str) -> bytes:
    if compression == "gzip":
        return gzip.compress(data, mtime=0)
    if compression == "zstd":
        import zstandard

        return bytes(zstandard.ZstdCompressor().compress(data))
    return data


def oci_layout(
    root: Path, image_config: dict[str, Any], layers: Sequence[Sequence[File]], *, compression: str = "gzip"
) -> Path:
    """An OCI layout folder (layers gzip, zstd or plain: ``compression=""``), its index naming one manifest."""
    root.mkdir(parents=True)
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    layer_type = "application/vnd.oci.image.layer.v1.tar" + (f"+{compression}" if compression else "")
    descriptors = []
    for files in layers:
        blob = _compressed(layer_bytes(files), compression)
        descriptors.append({"mediaType": layer_type, **_blob(root, blob)})
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            **_blob(root, json.dumps(image_config).encode()),
        },
        "layers": descriptors,
    }
    entry = {"mediaType": "application/vnd.oci.image.manifest.v1+json", **_blob(root, json.dumps(manifest).encode())}
    index = {"schemaVersion": 2, "manifests": [entry]}
    (root / "index.json").write_text(json.dumps(index))
    return root


def oci_archive(path: Path, image_config: dict[str, Any], layers: Sequence[Sequence[File]]) -> Path:
    """An OCI layout as a tarball (what ``oci-archive:`` writes)."""
    folder_path = path.with_name(path.name + ".d")
    oci_layout(folder_path, image_config, layers)
    with tarfile.open(path, "w") as tar:
        for child in sorted(folder_path.rglob("*")):
            tar.add(child, arcname=child.relative_to(folder_path).as_posix(), recursive=False)
    shutil.rmtree(folder_path)
    return path


# --------------------------------------------------------------------------- real images


def push_archive(image: str, path: Path, env: dict[str, str], transport: str = "docker-archive") -> Path:
    """``buildah push IMAGE docker-archive:PATH`` (or ``oci-archive:``) of a local image."""
    proc = subprocess.run(
        ["buildah", "push", image, f"{transport}:{path}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return path
