"""Image archives in the many shapes real builders write, each one loadable by podman.

:mod:`image_support` writes the two plain shapes byoi's rule tests need. This module
writes the others, byte for byte as the tools that make them do, so the differential
test (tests/test_image_oracle.py) can load each into podman and compare what podman
unpacks with what byoi reads:

- layer tars with ``./`` or ``/`` member names, in GNU, PAX or USTAR format (long names
  and links as GNU ``././@LongLink`` members or PAX records), hard links, whiteouts;
- layer blobs plain, gzip (one member, or many as eStargz writes), zstd (one frame or
  many), under OCI, Docker or non-distributable media types;
- ``docker save`` before Docker 25 (``<id>/layer.tar``, ``<id>/json``, ``repositories``),
  ``docker save`` of Docker's containerd store (an OCI layout with a ``manifest.json``),
  and OCI archives whose index names the manifest directly, through a nested index, or
  through a multi-platform index (with ``variant`` fields).

Every config carries ``rootfs.diff_ids`` (podman checks them) and a label unique to the
caller, so each archive loads as an image of its own, which the test removes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from image_support import File

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
LAYER_TYPES = {
    "": "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "gzip-members": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "zstd-frames": "application/vnd.oci.image.layer.v1.tar+zstd",
}
NONDISTRIBUTABLE = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Style:
    """How a layer's tar names and encodes its members."""

    #: tarfile.GNU_FORMAT, PAX_FORMAT or USTAR_FORMAT
    format: int = tarfile.GNU_FORMAT
    #: Put before each member name: "", "./" (tar -C DIR .) or "/" (absolute names).
    prefix: str = ""
    #: Add a "./" member for the root itself, as ``tar -C DIR .`` does.
    root_entry: bool = False


def layer_tar(files: Sequence[File], style: Style = Style()) -> bytes:
    """One layer as a tar, members in the given order, written with tarfile (as Python tools do)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=style.format) as tar:
        if style.root_entry:
            root = tarfile.TarInfo("./")
            root.type, root.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(root)
        for member in files:
            info = tarfile.TarInfo(style.prefix + member.path)
            info.mode, info.uid, info.gid, info.mtime = member.mode, member.uid, member.gid, 1700000000
            if member.kind == "dir":
                info.type = tarfile.DIRTYPE
            elif member.kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, member.link
            elif member.kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, style.prefix + member.link
            else:
                info.size = len(member.data)
            tar.addfile(info, io.BytesIO(member.data) if info.isfile() else None)
    return buffer.getvalue()


def compress(tar: bytes, how: str) -> bytes:
    """The layer blob: plain, gzip, gzip in several members, zstd, zstd in several frames."""
    if how == "":
        return tar
    pieces = [tar[i : i + 4096] for i in range(0, len(tar), 4096)] if how.endswith(("members", "frames")) else [tar]
    if how.startswith("gzip"):
        return b"".join(gzip.compress(piece, mtime=0) for piece in pieces)
    import zstandard

    return b"".join(zstandard.ZstdCompressor().compress(piece) for piece in pieces)


@dataclass
class Built:
    """The layer blobs and config of an image, before they are put in an archive."""

    config: bytes
    blobs: list[bytes]
    media_types: list[str]
    diff_ids: list[str]


def build(
    runtime: dict[str, Any],
    layers: Sequence[Sequence[File]],
    *,
    label: str,
    style: Style = Style(),
    compression: str = "",
    media_type: str | None = None,
    architecture: str = "amd64",
    variant: str = "",
) -> Built:
    """Layers compressed as asked and a config naming their diff_ids, labelled ``label``.

    Each layer gets a file of its own (``byoi-corpus/LABEL/N``): no two archives share a
    layer, so podman never reuses one from another test or another run (it skips loading a
    blob its store has, and removing one run's image must not remove a layer another uses).
    """
    layers = [[*files, File(f"byoi-corpus/{label}/{n}", label.encode())] for n, files in enumerate(layers)]
    tars = [layer_tar(files, style) for files in layers]
    config: dict[str, Any] = {
        "architecture": architecture,
        "os": "linux",
        "config": {**runtime, "Labels": {"byoi.test.corpus": label}},
        "rootfs": {"type": "layers", "diff_ids": [sha256(t) for t in tars]},
    }
    if variant:
        config["variant"] = variant
    return Built(
        json.dumps(config).encode(),
        [compress(t, compression) for t in tars],
        [media_type or LAYER_TYPES[compression]] * len(tars),
        [sha256(t) for t in tars],
    )


class _Writer:
    """An outer tar archive (what ``docker save`` and ``oci-archive:`` write)."""

    def __init__(self, path: Path) -> None:
        self.tar = tarfile.open(path, "w", format=tarfile.PAX_FORMAT)  # noqa: SIM115 - closed by close()

    def add(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o644, 0
        self.tar.addfile(info, io.BytesIO(data))

    def folder(self, name: str) -> None:
        info = tarfile.TarInfo(name)
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        self.tar.addfile(info)

    def symlink(self, name: str, target: str) -> None:
        info = tarfile.TarInfo(name)
        info.type, info.linkname = tarfile.SYMTYPE, target
        self.tar.addfile(info)

    def close(self) -> None:
        self.tar.close()


def _tampered(blobs: Sequence[bytes], tamper: Callable[[bytes], bytes] | None) -> list[bytes]:
    """The blobs as written: the last one changed by ``tamper`` (digests stay those of the original)."""
    return [*blobs[:-1], tamper(blobs[-1])] if tamper else list(blobs)


def docker_archive(
    path: Path, image: Built, tag: str, *, layout: str = "docker", tamper: Callable[[bytes], bytes] | None = None
) -> Path:
    """A ``docker save`` archive.

    ``layout="docker"``: Docker before 25 and ``podman save`` (``<id>/layer.tar`` with its
    ``json`` and ``VERSION``, ``<config digest>.json``, ``manifest.json``, ``repositories``);
    ``layout="containerd"``: Docker 25+ (an OCI layout, ``blobs/sha256/...``, its
    ``index.json`` and ``oci-layout``, plus a ``manifest.json`` naming the blobs).
    ``tamper`` changes the last layer's bytes as written (a damaged archive).
    """
    out = _Writer(path)
    written = _tampered(image.blobs, tamper)
    config_hex = sha256(image.config)[7:]
    layer_names = []
    if layout == "containerd":
        out.folder("blobs")
        out.folder("blobs/sha256")
        for blob, data in zip(image.blobs, written, strict=True):
            out.add(f"blobs/sha256/{sha256(blob)[7:]}", data)
            layer_names.append(f"blobs/sha256/{sha256(blob)[7:]}")
        out.add(f"blobs/sha256/{config_hex}", image.config)
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": f"sha256:{config_hex}", "size": len(image.config)},
            "layers": [
                {"mediaType": t, "digest": sha256(b), "size": len(b)}
                for t, b in zip(image.media_types, image.blobs, strict=True)
            ],
        }
        manifest_bytes = json.dumps(manifest).encode()
        out.add(f"blobs/sha256/{sha256(manifest_bytes)[7:]}", manifest_bytes)
        index = {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": sha256(manifest_bytes),
                    "size": len(manifest_bytes),
                    "annotations": {"io.containerd.image.name": tag, "org.opencontainers.image.ref.name": "1"},
                }
            ],
        }
        out.add("index.json", json.dumps(index).encode())
        out.add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        config_name = f"blobs/sha256/{config_hex}"
    else:
        parent = ""
        for number in range(len(image.blobs)):
            layer_id = hashlib.sha256(f"{parent}{image.diff_ids[number]}".encode()).hexdigest()
            out.folder(layer_id)
            out.add(f"{layer_id}/VERSION", b"1.0")
            legacy = {"id": layer_id, **({"parent": parent} if parent else {}), "created": "1970-01-01T00:00:00Z"}
            out.add(f"{layer_id}/json", json.dumps(legacy).encode())
            out.add(f"{layer_id}/layer.tar", written[number])
            layer_names.append(f"{layer_id}/layer.tar")
            parent = layer_id
        config_name = f"{config_hex}.json"
        out.add(config_name, image.config)
        name, _, version = tag.rpartition(":")
        out.add("repositories", json.dumps({name: {version: parent}}).encode())
    out.add("manifest.json", json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": layer_names}]).encode())
    out.close()
    return path


def _manifest(image: Built, blobs: dict[str, bytes]) -> bytes:
    for blob in [image.config, *image.blobs]:
        blobs[sha256(blob)] = blob
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": sha256(image.config), "size": len(image.config)},
        "layers": [
            {"mediaType": t, "digest": sha256(b), "size": len(b)}
            for t, b in zip(image.media_types, image.blobs, strict=True)
        ],
    }
    data = json.dumps(manifest).encode()
    blobs[sha256(data)] = data
    return data


def oci_archive(
    path: Path,
    images: Sequence[tuple[Built, dict[str, str]]],
    *,
    nesting: str = "direct",
    tamper: Callable[[bytes], bytes] | None = None,
) -> Path:
    """An OCI archive of one image, or of several platforms (``images``: each with its platform).

    ``nesting="direct"``: ``index.json`` names the manifests (podman loads only one);
    ``"index"``: ``index.json`` names an image index (``buildah manifest push --all``, BuildKit's
    multi-platform output) which names a manifest per platform;
    ``"index-in-index"``: one more index between them (podman 4.3 refuses this one).
    ``tamper`` changes the bytes of the first image's last layer as written.
    """
    blobs: dict[str, bytes] = {}
    entries = []
    for image, platform in images:
        data = _manifest(image, blobs)
        entries.append({"mediaType": OCI_MANIFEST, "digest": sha256(data), "size": len(data), "platform": platform})
    if nesting != "direct":
        for _ in range(2 if nesting == "index-in-index" else 1):
            data = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}).encode()
            blobs[sha256(data)] = data
            entries = [{"mediaType": OCI_INDEX, "digest": sha256(data), "size": len(data)}]
    out = _Writer(path)
    out.add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
    out.folder("blobs")
    out.folder("blobs/sha256")
    last = sha256(images[0][0].blobs[-1])
    for digest, blob in blobs.items():
        out.add(f"blobs/sha256/{digest[7:]}", tamper(blob) if tamper and digest == last else blob)
    out.add("index.json", json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}).encode())
    out.close()
    return path
