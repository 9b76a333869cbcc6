"""Read a built image without a daemon: its config and each layer's files.

Accepted inputs, told apart by what they hold:

- a ``docker save`` / ``podman save`` / ``buildah push IMAGE docker-archive:PATH``
  tarball (``manifest.json`` names the config and the layer tarballs);
- an OCI archive (``oci-archive:PATH``: a tarball of an OCI layout) or an OCI layout
  folder (``oci-layout``, ``index.json``, ``blobs/``);
- an image reference (``localhost/app:0.1.0``), exported to a temporary docker-archive
  with ``podman save`` or ``docker save``, whichever is on PATH and knows the image.

Layers may be plain tar, gzip or zstd (zstd needs the ``zstandard`` package); each is
read once by :mod:`generator.image.layers`, which checks it against its digests and
refuses what engines refuse, and the layers are read in parallel. Only the tar headers
are kept, plus the content of the few files a caller asks for (see :data:`Keep`).
Every JSON document named by a digest (manifests, configs) is checked against it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import io
import json
import os
import posixpath
import re
import shutil
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from generator.image.layers import CHUNK, Inflated, LayerError, Member, members

#: How many bytes of a file to keep, given its path in the image and its mode (0: none).
Keep = Callable[[str, int], int]

#: A manifest, index or config larger than this is not one (they are kilobytes).
_MAX_JSON = 16_000_000
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

    #: Whether :meth:`open` may be called from several threads at once.
    parallel = True

    def json(self, name: str, digest: str | None = None) -> Any:
        """A JSON document of the store; checked against ``digest`` when one is given."""
        try:
            with self.open(name) as handle:
                data = handle.read(_MAX_JSON + 1)
        except (KeyError, OSError) as err:
            raise ImageError(f"cannot read {name} in the image: {err}") from None
        if len(data) > _MAX_JSON:
            raise ImageError(f"{name} in the image is over {_MAX_JSON // 1_000_000} MB, too big for a JSON document")
        if digest and digest.startswith("sha256:") and "sha256:" + hashlib.sha256(data).hexdigest() != digest:
            raise ImageError(f"{name} in the image does not match its digest {digest} (damaged or changed)")
        try:
            return json.loads(data)
        except ValueError as err:
            raise ImageError(f"{name} in the image is not valid JSON: {err}") from None


class _FolderStore(_Store):
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        # Inside the folder (no "..": normalize), and a regular file: never a device such as /dev/zero.
        path = self.root / normalize(name)
        if not path.is_file():
            raise KeyError(f"no file {name}")
        return path

    def open(self, name: str) -> IO[bytes]:
        return self._path(name).open("rb")

    def exists(self, name: str) -> bool:
        return (self.root / normalize(name)).is_file()

    def size(self, name: str) -> int:
        return self._path(name).stat().st_size


class _Slice(io.RawIOBase):
    """``size`` bytes of a file from ``offset``, on a handle of its own (so layers read in parallel)."""

    def __init__(self, path: Path, offset: int, size: int) -> None:
        self.handle = path.open("rb")
        self.handle.seek(offset)
        self.start, self.end = offset, offset + size
        self.left = size

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: self.start, os.SEEK_CUR: self.handle.tell(), os.SEEK_END: self.end}[whence]
        position = max(self.start, min(base + offset, self.end))
        self.handle.seek(position)
        self.left = self.end - position
        return position - self.start

    def tell(self) -> int:
        return self.handle.tell() - self.start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)[: self.left]
        count = self.handle.readinto(view)
        self.left -= count
        return count

    def close(self) -> None:
        self.handle.close()
        super().close()


class _ArchiveStore(_Store):
    """A plain tar archive, indexed by byoi's own tar reader: members are read by offset, in parallel.

    The same limits as a layer's apply (headers over 1 MiB refused, checksums checked).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as handle:
            stream = Inflated(handle, size=path.stat().st_size)
            self.members = {normalize(m.name): m for m, _ in members(stream, lambda m: 0)}

    def _member(self, name: str) -> Member:
        member = self.members.get(normalize(name))
        if member is None:
            raise KeyError(f"no {name}")
        # Layers are often symlinks to blobs (docker save since 25): follow them in the archive.
        for _ in range(8):
            if member.type != b"2":
                break
            target = normalize(posixpath.join(posixpath.dirname(member.name), member.linkname))
            member = self.members.get(target) or member
        return member

    def open(self, name: str) -> IO[bytes]:
        member = self._member(name)
        if member.type not in (b"0", b"\0", b"7"):
            raise KeyError(f"{name} is not a file")
        return io.BufferedReader(_Slice(self.path, member.offset, member.size), CHUNK)

    def exists(self, name: str) -> bool:
        return normalize(name) in self.members

    def size(self, name: str) -> int:
        return self._member(name).size


class _TarStore(_Store):
    """A compressed tar archive (``docker save | gzip``), read through :mod:`tarfile`, one member at a time."""

    parallel = False

    def __init__(self, tar: tarfile.TarFile) -> None:
        self.tar = tar
        self.members = {normalize(m.name): m for m in tar.getmembers()}

    def _member(self, name: str) -> tarfile.TarInfo:
        member = self.members.get(normalize(name))
        if member is None:
            raise KeyError(f"no {name}")
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

_KINDS = {b"0": "file", b"\0": "file", b"7": "file", b"5": "dir", b"2": "symlink", b"1": "hardlink"}


def _entry(member: Member, data: bytes | None) -> Entry:
    path = normalize(member.name)
    base = posixpath.basename(path)
    if base == ".wh..wh..opq":
        return Entry(posixpath.dirname(path), "opaque")
    if base.startswith(".wh."):
        return Entry(posixpath.join(posixpath.dirname(path), base[4:]), "whiteout")
    kind = _KINDS.get(member.type, "other")
    link = normalize(member.linkname) if kind == "hardlink" else member.linkname
    size = member.size if kind == "file" else 0
    return Entry(path, kind, member.mode, member.uid, member.gid, size, link, data)


def _check_order(entry: Entry, seen: set[str]) -> None:
    """Refuse what engines cannot unpack: each layer is unpacked into an empty folder, in tar order.

    A hard link must point at a path this layer wrote before it (podman: "processing tar
    file(no such file or directory)"); a whiteout may not follow an entry of its own path
    in the same layer (podman: "processing tar file(file exists)").
    """
    if entry.kind == "hardlink" and entry.link not in seen:
        raise LayerError(
            f"the hard link /{entry.path} points at /{entry.link}, which this layer has not written before it; "
            "engines unpack each layer on its own and refuse such a link"
        )
    if entry.kind == "whiteout" and entry.path in seen:
        raise LayerError(f"/{entry.path} is deleted (whiteout) after this layer wrote it; engines refuse that")
    seen.add(entry.path)


@dataclass(frozen=True)
class _Blob:
    """Where a layer is, and the digests it must match (when the format gives them)."""

    number: int
    name: str
    digest: str | None
    diff_id: str | None


def _read_layer(store: _Store, blob: _Blob, keep: Keep) -> Layer:
    """The members of one layer blob, whatever its compression, its digests checked."""
    layer = Layer(blob.number, blob.name, 0)

    def wanted(member: Member) -> int:
        if member.type not in (b"0", b"\0", b"7"):
            return 0
        return keep(normalize(member.name), member.mode)

    try:
        layer.blob_size = store.size(blob.name)
        with store.open(blob.name) as handle:
            stream = Inflated(handle, blob.digest, blob.diff_id, layer.blob_size)
            seen: set[str] = set()
            for member, data in members(stream, wanted):
                entry = _entry(member, data)
                _check_order(entry, seen)
                layer.entries.append(entry)
    except (KeyError, FileNotFoundError):
        raise ImageError(f"layer {blob.number} ({blob.name}) is missing from the image") from None
    except LayerError as err:
        raise ImageError(f"layer {blob.number} ({blob.name}) cannot be read: {err}") from None
    except OSError as err:
        raise ImageError(f"layer {blob.number} ({blob.name}) cannot be read: {err}") from None
    return layer


def _read_layers(store: _Store, blobs: list[_Blob], keep: Keep) -> list[Layer]:
    """Every layer, read in parallel threads when the store allows (inflating releases the GIL)."""
    workers = min(len(blobs), os.cpu_count() or 1) if store.parallel else 1
    if workers <= 1:
        return [_read_layer(store, blob, keep) for blob in blobs]
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda blob: _read_layer(store, blob, keep), blobs))


def _diff_ids(config: Any) -> list[str | None]:
    rootfs = config.get("rootfs") if isinstance(config, dict) else None
    ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    return [str(i) for i in ids] if isinstance(ids, list) else []


def _digest_of(name: str) -> str | None:
    """The digest a content-addressed path names (``blobs/sha256/HEX``, or a config's ``HEX.json``
    in a docker save), else None."""
    parts = normalize(name).split("/")
    if len(parts) >= 3 and parts[-3:-1] == ["blobs", "sha256"] and _DIGEST.fullmatch(f"sha256:{parts[-1]}"):
        return f"sha256:{parts[-1]}"
    if len(parts) == 1 and name.endswith(".json") and _DIGEST.fullmatch(f"sha256:{name[:-5]}"):
        return f"sha256:{name[:-5]}"
    return None


# --------------------------------------------------------------------------- formats


def _docker_archive(store: _Store, source: str, keep: Keep) -> Image:
    manifest = store.json("manifest.json")
    if not isinstance(manifest, list) or not manifest or not isinstance(manifest[0], dict):
        raise ImageError(f"{source}: manifest.json lists no image")
    first = manifest[0]
    config_name, names = first.get("Config"), first.get("Layers")
    if not isinstance(config_name, str) or not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ImageError(f"{source}: manifest.json does not name a config and a list of layers")
    config = _config_object(store.json(config_name, _digest_of(config_name)), source)
    diff_ids = _diff_ids(config)
    blobs = [
        _Blob(n, name, _digest_of(name), diff_ids[n - 1] if n <= len(diff_ids) else None)
        for n, name in enumerate(names, 1)
    ]
    return Image(source, config, _read_layers(store, blobs, keep))


_DIGEST = re.compile(r"sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}")


def _blob(digest: Any, source: str = "the image") -> str:
    """Where the blob ``digest`` names is; a digest that is not one (``../../dev/zero``) is refused."""
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise ImageError(f"{source}: {str(digest)[:80]!r} is not a blob digest (sha256:<64 hex digits>)")
    algorithm, _, hexdigest = digest.partition(":")
    return f"blobs/{algorithm}/{hexdigest}"


def _descriptor(value: Any, what: str, source: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ImageError(f"{source}: {what} is not a descriptor (a JSON object with a digest)")
    return value


def _platform_rank(descriptor: dict[str, Any]) -> int:
    """How well a manifest's platform fits linux/amd64 (what byoi's targets run): lower is better."""
    platform = descriptor.get("platform")
    if not isinstance(platform, dict):
        return 1
    return 0 if (platform.get("os"), platform.get("architecture")) == ("linux", "amd64") else 2


def _pick_manifest(store: _Store, index: Any, source: str) -> dict[str, Any]:
    """The linux/amd64 manifest of an OCI index (nested indexes followed), else the first."""
    for _ in range(4):
        listed = index.get("manifests") if isinstance(index, dict) else None
        manifests = [m for m in listed if isinstance(m, dict)] if isinstance(listed, list) else []
        if not manifests:
            raise ImageError(f"{source}: the OCI index lists no manifest")
        chosen = min(manifests, key=_platform_rank)
        digest = chosen.get("digest")
        document = store.json(_blob(digest, source), digest)
        if not isinstance(document, dict):
            break
        if chosen.get("mediaType") in _INDEX_TYPES or "manifests" in document:
            index = document
            continue
        return document
    raise ImageError(f"{source}: no image manifest found in the OCI index")


def _oci_layout(store: _Store, source: str, keep: Keep) -> Image:
    manifest = _pick_manifest(store, store.json("index.json"), source)
    config_digest = _descriptor(manifest.get("config"), "the manifest's config", source).get("digest")
    config = _config_object(store.json(_blob(config_digest, source), config_digest), source)
    diff_ids = _diff_ids(config)
    layers = manifest.get("layers", [])
    if not isinstance(layers, list):
        raise ImageError(f"{source}: the manifest's layers are not a list")
    blobs = []
    for number, descriptor in enumerate(layers, 1):
        digest = _descriptor(descriptor, f"layer {number} of the manifest", source).get("digest")
        diff_id = diff_ids[number - 1] if number <= len(diff_ids) else None
        blobs.append(_Blob(number, _blob(digest, source), digest, diff_id))
    return Image(source, config, _read_layers(store, blobs, keep))


#: The image config's fields byoi reads, and their JSON types (OCI image-spec, config.md).
_STRINGS = ("User", "WorkingDir", "StopSignal")
_STRING_LISTS = ("Env", "Entrypoint", "Cmd")
_OBJECTS = ("ExposedPorts", "Volumes", "Labels")


def _config_object(config: Any, source: str) -> dict[str, Any]:
    """The image config, its fields of the types the image spec gives them (engines refuse others)."""
    if not isinstance(config, dict):
        raise ImageError(f"{source}: the image config is not a JSON object")
    for key in ("architecture", "os", "variant"):
        if not isinstance(config.get(key, ""), str):
            raise ImageError(f"{source}: the image config's {key} is not a string")
    for name in ("config", "Config"):
        runtime = config.get(name)
        if runtime is None:
            continue
        if not isinstance(runtime, dict):
            raise ImageError(f"{source}: the image config's {name} is not a JSON object")
        for key in _STRING_LISTS:
            if isinstance(runtime.get(key), str) and key != "Env":
                runtime[key] = [runtime[key]]  # Docker's StrSlice reads a lone string as one word
        wrong = (
            [k for k in _STRINGS if not isinstance(runtime.get(k) or "", str)]
            + [k for k in _STRING_LISTS if not _string_list(runtime.get(k) or [])]
            + [k for k in _OBJECTS if not isinstance(runtime.get(k) or {}, dict)]
        )
        if wrong:
            raise ImageError(
                f"{source}: the image config's {name}.{wrong[0]} is not of the type the image spec gives it "
                "(a string, a list of strings or an object); rebuild the image"
            )
    return config


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


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
        with path.open("rb") as handle:
            head = handle.read(4)
        if not head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zX")):
            try:
                store = _ArchiveStore(path)
            except LayerError as err:
                reason = str(err).split(" (the layer")[0].replace("its tar", "it")
                raise ImageError(
                    f"{source} is not a tar archive: {reason}; give a docker-archive or OCI archive"
                ) from None
            except OSError as err:
                raise ImageError(f"cannot read {source}: {err}") from None
            return _read_store(store, source, keep)
        try:
            # A docker save piped through gzip reads too (more slowly: one stream, no seeking).
            with tarfile.open(path, mode="r:*") as tar:
                return _read_store(_TarStore(tar), source, keep)
        except (tarfile.TarError, EOFError, OSError, zlib.error):
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
