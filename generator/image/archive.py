"""Read a built image without a daemon: its config and each layer's files.

Accepted inputs, told apart by what they hold:

- a ``docker save`` / ``podman save`` / ``buildah push IMAGE docker-archive:PATH``
  tarball (``manifest.json`` names the config and the layer tarballs);
- an OCI archive (``oci-archive:PATH``: a tarball of an OCI layout) or an OCI layout
  folder (``oci-layout``, ``index.json``, ``blobs/``);
- an image reference (``localhost/app:0.1.0``), exported to a temporary docker-archive
  with ``podman save`` or ``docker save``, whichever is on PATH and knows the image.

Layers may be plain tar, gzip or zstd (zstd needs the ``zstandard`` package). Only the
tar headers are read, plus the content of the few files a caller asks for (see
:data:`Keep`), so a large image is read at the speed of seeking through it.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

#: How many bytes of a file to keep, given its path in the image and its mode (0: none).
Keep = Callable[[str, int], int]

_GZIP = b"\x1f\x8b"
_ZSTD = b"\x28\xb5\x2f\xfd"
_INDEX_TYPES = ("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json")
#: What an image ``export`` may take before it is given up (a big image takes a while).
EXPORT_TIMEOUT = 1800


class ImageError(ValueError):
    """The image cannot be read: one line that says why and what to give instead."""


@dataclass(frozen=True)
class Entry:
    """One tar member of a layer, as the image's file system sees it."""

    #: Path inside the image, normalized, without a leading slash ("" is the root).
    path: str
    #: file, dir, symlink, hardlink, whiteout (``.wh.NAME``), opaque (``.wh..wh..opq``) or other.
    kind: str
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    size: int = 0
    #: A symlink's target, or the path a hard link points at.
    link: str = ""
    #: The bytes kept of its content (see :data:`Keep`), else None.
    data: bytes | None = None


@dataclass
class Layer:
    """One layer: where it came from, how big it is, its members in tar order."""

    #: 1-based, from the base image's first layer up.
    number: int
    name: str
    #: Bytes of the blob as stored (compressed, when it is).
    blob_size: int
    entries: list[Entry] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Uncompressed size: what its files declare (``docker history`` shows the same)."""
        return sum(e.size for e in self.entries if e.kind == "file")


@dataclass
class Image:
    """A built image: its config JSON and its layers, base first."""

    #: The path or reference the user gave.
    source: str
    config: dict[str, Any]
    layers: list[Layer]

    @property
    def runtime(self) -> dict[str, Any]:
        """The ``config`` object of the image config (User, Env, Entrypoint, Cmd, ...)."""
        value = self.config.get("config") or self.config.get("Config") or {}
        return value if isinstance(value, dict) else {}

    @property
    def platform(self) -> str:
        """``os/architecture[/variant]`` as the config declares it."""
        parts = [str(self.config.get("os") or "?"), str(self.config.get("architecture") or "?")]
        if self.config.get("variant"):
            parts.append(str(self.config["variant"]))
        return "/".join(parts)

    @property
    def env(self) -> dict[str, str]:
        """The config's ``Env`` as a mapping."""
        pairs = (str(item).partition("=") for item in self.runtime.get("Env") or [])
        return {key: value for key, _, value in pairs}


def normalize(path: str) -> str:
    """A tar member name as an image path: no ``./``, no leading or trailing slash."""
    clean = posixpath.normpath("/" + path).lstrip("/")
    return "" if clean == "." else clean


# --------------------------------------------------------------------------- stores


class _Store:
    """The files of an archive or layout folder, by relative path."""

    def open(self, name: str) -> IO[bytes]:
        raise NotImplementedError

    def exists(self, name: str) -> bool:
        raise NotImplementedError

    def size(self, name: str) -> int:
        raise NotImplementedError

    def json(self, name: str) -> Any:
        """A JSON document of the store."""
        try:
            with self.open(name) as handle:
                return json.loads(handle.read())
        except (KeyError, OSError, ValueError) as err:
            raise ImageError(f"cannot read {name} in the image: {err}") from None


class _FolderStore(_Store):
    def __init__(self, root: Path) -> None:
        self.root = root

    def open(self, name: str) -> IO[bytes]:
        return (self.root / name).open("rb")

    def exists(self, name: str) -> bool:
        return (self.root / name).is_file()

    def size(self, name: str) -> int:
        return (self.root / name).stat().st_size


class _TarStore(_Store):
    def __init__(self, tar: tarfile.TarFile) -> None:
        self.tar = tar
        self.members = {normalize(m.name): m for m in tar.getmembers()}

    def _member(self, name: str) -> tarfile.TarInfo:
        member = self.members.get(normalize(name))
        if member is None:
            raise KeyError(f"no {name}")
        # Layers are often symlinks to blobs (docker save since 25): follow them in the archive.
        for _ in range(8):
            if not member.issym():
                break
            target = normalize(posixpath.join(posixpath.dirname(member.name), member.linkname))
            member = self.members.get(target) or member
        return member

    def open(self, name: str) -> IO[bytes]:
        handle = self.tar.extractfile(self._member(name))
        if handle is None:
            raise KeyError(f"{name} is not a file")
        return handle

    def exists(self, name: str) -> bool:
        return normalize(name) in self.members

    def size(self, name: str) -> int:
        return self._member(name).size


# --------------------------------------------------------------------------- layers


def _entry(info: tarfile.TarInfo, tar: tarfile.TarFile, keep: Keep) -> Entry:
    path = normalize(info.name)
    base = posixpath.basename(path)
    if base == ".wh..wh..opq":
        return Entry(posixpath.dirname(path), "opaque")
    if base.startswith(".wh."):
        return Entry(posixpath.join(posixpath.dirname(path), base[4:]), "whiteout")
    data = None
    if info.isfile():
        kind = "file"
        wanted = keep(path, info.mode)
        if wanted:
            handle = tar.extractfile(info)
            data = handle.read(wanted) if handle is not None else None
    elif info.isdir():
        kind = "dir"
    elif info.issym():
        kind = "symlink"
    elif info.islnk():
        kind = "hardlink"
    else:
        kind = "other"
    link = normalize(info.linkname) if info.islnk() else info.linkname
    # Go's tar writer puts the file type's bits in the mode too (040755): keep the permissions.
    return Entry(path, kind, info.mode & 0o7777, info.uid, info.gid, info.size if kind == "file" else 0, link, data)


def _read_layer(handle: IO[bytes], number: int, name: str, blob_size: int, keep: Keep) -> Layer:
    """The members of one layer blob, whatever its compression."""
    layer = Layer(number, name, blob_size)
    head = handle.read(4)
    handle.seek(0)
    try:
        with _open_tar(handle, head, number) as tar:
            for info in tar:
                layer.entries.append(_entry(info, tar, keep))
    except (tarfile.TarError, OSError, EOFError) as err:
        raise ImageError(f"layer {number} ({name}) is not a readable tar: {err}") from None
    return layer


def _open_tar(handle: IO[bytes], head: bytes, number: int) -> tarfile.TarFile:
    if head.startswith(_GZIP):
        return tarfile.open(fileobj=handle, mode="r|gz")
    if head == _ZSTD:
        return tarfile.open(fileobj=_zstd_reader(handle, number), mode="r|")
    # Plain tar: random access, so file contents are skipped by seeking.
    return tarfile.open(fileobj=handle, mode="r:")


def _zstd_reader(handle: IO[bytes], number: int) -> IO[bytes]:
    try:
        import zstandard  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise ImageError(
            f"layer {number} is zstd-compressed: install the zstandard package (pip install zstandard)"
        ) from None
    reader: IO[bytes] = zstandard.ZstdDecompressor().stream_reader(handle)
    return reader


# --------------------------------------------------------------------------- formats


def _docker_archive(store: _Store, source: str, keep: Keep) -> Image:
    manifest = store.json("manifest.json")
    if not isinstance(manifest, list) or not manifest or not isinstance(manifest[0], dict):
        raise ImageError(f"{source}: manifest.json lists no image")
    first = manifest[0]
    config = store.json(str(first.get("Config")))
    names = [str(n) for n in first.get("Layers") or []]
    layers = []
    for number, name in enumerate(names, 1):
        with store.open(name) as handle:
            layers.append(_read_layer(handle, number, name, store.size(name), keep))
    return Image(source, _config_object(config, source), layers)


def _blob(digest: str) -> str:
    algorithm, _, hexdigest = digest.partition(":")
    return f"blobs/{algorithm}/{hexdigest}"


def _pick_manifest(store: _Store, index: dict[str, Any], source: str) -> dict[str, Any]:
    """The linux/amd64 manifest of an OCI index (nested indexes followed), else the first."""
    for _ in range(4):
        manifests = [m for m in index.get("manifests") or [] if isinstance(m, dict)]
        if not manifests:
            raise ImageError(f"{source}: the OCI index lists no manifest")
        chosen = next(
            (
                m
                for m in manifests
                if (m.get("platform") or {}).get("os") == "linux"
                and (m.get("platform") or {}).get("architecture") == "amd64"
            ),
            manifests[0],
        )
        document = store.json(_blob(str(chosen.get("digest"))))
        if chosen.get("mediaType") in _INDEX_TYPES or "manifests" in document:
            index = document
            continue
        if not isinstance(document, dict):
            break
        return document
    raise ImageError(f"{source}: no image manifest found in the OCI index")


def _oci_layout(store: _Store, source: str, keep: Keep) -> Image:
    manifest = _pick_manifest(store, store.json("index.json"), source)
    config = store.json(_blob(str((manifest.get("config") or {}).get("digest"))))
    layers = []
    for number, descriptor in enumerate(manifest.get("layers") or [], 1):
        name = _blob(str(descriptor.get("digest")))
        with store.open(name) as handle:
            layers.append(_read_layer(handle, number, name, store.size(name), keep))
    return Image(source, _config_object(config, source), layers)


def _config_object(config: Any, source: str) -> dict[str, Any]:
    if not isinstance(config, dict):
        raise ImageError(f"{source}: the image config is not a JSON object")
    return config


def _read_store(store: _Store, source: str, keep: Keep) -> Image:
    if store.exists("manifest.json"):
        return _docker_archive(store, source, keep)
    if store.exists("index.json"):
        return _oci_layout(store, source, keep)
    raise ImageError(
        f"{source} is neither a docker-archive (no manifest.json) nor an OCI layout (no index.json); "
        "make one with 'docker save IMAGE -o FILE.tar' or 'buildah push IMAGE docker-archive:FILE.tar'"
    )


def read_image(source: str, keep: Keep, *, env: dict[str, str] | None = None, engine: str | None = None) -> Image:
    """Read the image ``source`` names: an archive, an OCI layout folder or a local image reference
    (exported by ``engine``, else by podman or docker, whichever has it)."""
    path = Path(source)
    if path.is_dir():
        return _read_store(_FolderStore(path), source, keep)
    if path.is_file():
        try:
            # "r:*": a docker save piped through gzip reads too (more slowly: no seeking in gzip).
            with tarfile.open(path, mode="r:*") as tar:
                return _read_store(_TarStore(tar), source, keep)
        except tarfile.TarError:
            raise ImageError(f"{source} is not a tar archive; give a docker-archive or OCI archive") from None
    with _exported(source, env, engine) as archive:
        image = read_image(str(archive), keep)
    image.source = source
    return image


def engines(wanted: str | None = None) -> list[str]:
    """The container engines on PATH that can export images: ``wanted``, else podman and docker."""
    return [name for name in ([wanted] if wanted else ["podman", "docker"]) if shutil.which(name)]


@contextlib.contextmanager
def _exported(reference: str, env: dict[str, str] | None, wanted: str | None) -> Iterator[Path]:
    """``reference`` saved to a temporary docker-archive by the first engine that has it."""
    found = engines(wanted)
    if not found or reference.startswith(("/", ".")) or reference.endswith((".tar", ".tar.gz")):
        names = wanted or "neither podman nor docker"
        raise ImageError(
            f"{reference} is not a file or folder"
            + ("" if found else f", and {names} is not on PATH to export an image of that name")
        )
    folder = Path(tempfile.mkdtemp(prefix="byoi-image-"))
    try:
        archive = folder / "image.tar"
        errors = []
        for engine in found:
            cmd = [engine, "save", "-o", str(archive), reference]
            if engine == "podman":
                cmd[2:2] = ["--format", "docker-archive"]
            try:
                proc = subprocess.run(
                    cmd, capture_output=True, text=True, timeout=EXPORT_TIMEOUT, env=env or dict(os.environ)
                )
            except (OSError, subprocess.TimeoutExpired) as err:
                errors.append(f"{engine}: {err}")
                continue
            if proc.returncode == 0 and archive.is_file():
                yield archive
                return
            last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
            errors.append(f"{engine} save: {last}")
        raise ImageError(f"cannot export image {reference}: {'; '.join(errors)}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
