"""The differential test of byoi's image reader: podman's own unpacking is the oracle.

For every image of a corpus, byoi's merged view of the image (``read_image`` then
``Tree``) is compared with the file system podman unpacks for a container of it
(``podman create`` then ``podman export``): every path, its type, permissions, owner,
size and link target. The corpus is made of

- images podman builds itself (``buildah`` from scratch, files copied from this machine,
  a second layer changed through ``buildah mount``: deletions become whiteouts, a folder
  emptied and refilled becomes opaque), pushed as docker-archive and as OCI archives with
  gzip, zstd and no compression;
- hand-made archives (tests/image_corpus.py) in the shapes other builders write and the
  engine does not, each loaded with ``podman load`` first, which proves the engine
  accepts it as an image.

The two views must be equal, apart from what the engine adds when it makes a container
(:data:`ADDED_BY_ENGINE`). Hard links are compared as the file they share.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import image_corpus as corpus
import pytest
from engine import engine_env, require_engine
from image_support import File, exe, folder, link, whiteout

from generator.image.archive import read_image
from generator.image.tree import Tree

pytestmark = [pytest.mark.engine, pytest.mark.slow]

#: What podman adds to a container's file system when it creates one, which no layer holds:
#: nothing, for a container created and never started (``podman create``, then ``podman
#: export``), not even the mount points of the image's WorkingDir and Volumes, which the
#: hand-made images set for that reason (podman 4.3, overlay storage). A started container
#: would have /etc/hostname, /etc/hosts, /etc/resolv.conf, /run/.containerenv and the
#: mount points of /dev, /proc and /sys in it; none is compared here.
ADDED_BY_ENGINE: frozenset[str] = frozenset()
RUN = uuid.uuid4().hex[:12]

View = dict[str, tuple[Any, ...]]


def _podman(*args: str, timeout: float = 600) -> bytes:
    proc = subprocess.run(["podman", *args], env=engine_env(), capture_output=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)}: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def _describe(kind: str, mode: int, uid: int, gid: int, size: int, target: str) -> tuple[Any, ...]:
    if kind == "symlink":
        return (kind, uid, gid, target)  # a symlink's mode is always 0777 on Linux
    return (kind, oct(mode & 0o7777), uid, gid, size if kind == "file" else 0)


def engine_view(image_id: str) -> View:
    """What podman unpacks for a container of ``image_id``: ``podman create`` + ``podman export``."""
    container = _podman("create", "--pull=never", image_id, "/nothing").decode().strip()
    try:
        exported = _podman("export", container)
    finally:
        _podman("rm", "-f", container)
    view: View = {}
    with tarfile.open(fileobj=io.BytesIO(exported), mode="r:") as tar:
        for info in tar:
            path = info.name.strip("/").removeprefix("./")
            if not path or path == ".":
                continue
            if info.islnk():
                view[path] = view[info.linkname.strip("/").removeprefix("./")]
                continue
            kind = "dir" if info.isdir() else "file" if info.isfile() else "symlink" if info.issym() else "other"
            view[path] = _describe(kind, info.mode, info.uid, info.gid, info.size, info.linkname)
    return view


def byoi_view(archive: Path) -> View:
    """What byoi reads of the image: its layers merged."""
    tree = Tree(read_image(str(archive), lambda path, mode: 0).layers)
    return {path: _describe(e.kind, e.mode, e.uid, e.gid, e.size, e.link) for path, e in tree.entries.items() if path}


def differences(byoi: View, engine: View) -> list[str]:
    """Each path where the views differ, with both sides."""
    lines = []
    for path in sorted(set(byoi) | set(engine)):
        if path in ADDED_BY_ENGINE and path not in byoi:
            continue
        if byoi.get(path) != engine.get(path):
            lines.append(f"/{path}: byoi {byoi.get(path, 'absent')}, podman {engine.get(path, 'absent')}")
    return lines


@dataclass
class Tally:
    images: int = 0
    paths: int = 0


TALLY = Tally()


@pytest.fixture(scope="module")
def loaded() -> Iterator[Callable[[Path], str]]:
    """Load an archive into podman (``podman load``), returning the image's id; all removed at the end."""
    require_engine()
    ids: list[str] = []

    def load(archive: Path) -> str:
        out = _podman("load", "-q", "-i", str(archive)).decode()
        names = [line.split(": ", 1)[1].split(",")[0].strip() for line in out.splitlines() if ": " in line]
        assert names, out
        image_id = _podman("image", "inspect", "--format", "{{.Id}}", names[0]).decode().strip()
        ids.append(image_id)
        return image_id

    yield load
    for image_id in ids:
        subprocess.run(["podman", "rmi", "-f", image_id], env=engine_env(), capture_output=True, check=False)


@pytest.fixture(scope="module", autouse=True)
def tally() -> Iterator[None]:
    """Say how much was compared (shown with ``pytest -s``)."""
    yield
    print(f"\nimage oracle: {TALLY.images} images, {TALLY.paths} paths compared")


def compare(archive: Path, image_id: str) -> None:
    engine = engine_view(image_id)
    byoi = byoi_view(archive)
    TALLY.images += 1
    TALLY.paths += len(set(engine) | set(byoi))
    found = differences(byoi, engine)
    assert not found, f"{len(found)} paths differ:\n" + "\n".join(found)


# --------------------------------------------------------------------------- the hand-made corpus

RUNTIME = {
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    # Neither is in the images: podman does not make them when it creates a container.
    "WorkingDir": "/work/here",
    "Volumes": {"/data/volume": {}},
}


def usrmerged_base() -> list[File]:
    """A small Debian-like base: usrmerge links, sh -> dash, an alternatives chain, odd modes and owners."""
    return [
        folder("etc"),
        File("etc/passwd", b"root:x:0:0::/root:/bin/sh\napp:x:5001:5001::/home/app:/bin/sh\n"),
        folder("etc/alternatives"),
        link("etc/alternatives/editor", "/usr/bin/vi"),
        folder("usr"),
        folder("usr/bin"),
        folder("usr/lib"),
        link("bin", "usr/bin"),
        link("lib", "usr/lib"),
        exe("usr/bin/dash"),
        link("usr/bin/sh", "dash"),
        exe("usr/bin/vi"),
        link("usr/bin/editor", "/etc/alternatives/editor"),
        File("usr/bin/su", b"\x7fELF su", mode=0o4755),
        folder("tmp", mode=0o1777),
        folder("home"),
        folder("home/app", mode=0o700, uid=5001, gid=5001),
        File("home/app/.profile", b"# profile\n", mode=0o600, uid=5001, gid=5001),
        folder("var"),
        folder("var/lib"),
        folder("var/lib/dpkg"),
        File("var/lib/dpkg/status", b"Package: dash\n"),
        folder("opt"),
        folder("opt/tool"),
        folder("opt/tool/share"),
        File("opt/tool/share/a.txt", b"a"),
        File("opt/tool/share/b.txt", b"b"),
        File("opt/tool/config", b"x=1\n"),
        folder("srv"),
        File("srv/data", b"a file that becomes a folder\n"),
        link("srv/current", "data"),
    ]


def changes_layer() -> list[File]:
    """Whiteouts and opaque folders in combination, a file replaced by a folder and the reverse."""
    return [
        whiteout("usr/bin/vi"),  # the alternatives chain now dangles
        whiteout("opt/tool/share"),  # a whole folder
        folder("opt/tool"),
        File("opt/tool/.wh..wh..opq"),  # opaque, refilled below in the same layer
        File("opt/tool/config", b"x=2\n"),
        whiteout("srv/data"),
        folder("srv/data", mode=0o750, uid=5001, gid=5001),  # file -> folder
        File("srv/data/part", b"p"),
        whiteout("var/lib/dpkg"),
        File("var/lib/dpkg", b"folder -> file\n"),  # folder -> file
        whiteout("never/existed"),
        whiteout("lib"),  # a symlink deleted
        folder("srv/current"),  # a symlink replaced by a folder (no whiteout needed)
        File("srv/current/now", b"n"),
        link("etc/passwd", "/srv/data/part"),  # a file replaced by a symlink
        folder("home/app", mode=0o750, uid=5001, gid=100),  # a folder's owner and mode changed
    ]


def names_layer() -> list[File]:
    """Long names and links (over 100 bytes), big owners, no parent folder entries."""
    deep = "deep/" + "/".join(f"level-{n:02d}-of-a-long-path" for n in range(6))
    return [
        File(f"{deep}/a-file-with-a-name-long-enough-to-need-an-extension-header-of-its-own-{'x' * 60}", b"long"),
        link("app/long-link", "/" + deep + "/" + "y" * 90),
        exe("app/run.sh", b"#!/bin/sh\nexec true\n", uid=3_000_000, gid=3_000_000),
        File("usr/local/lib/python3/site.py", b"# no parent entries\n"),
    ]


def busybox_layer(hard: bool) -> list[File]:
    """BusyBox applets: hard links to the binary (busybox-static), or absolute symlinks (Alpine)."""
    applets = ["ls", "cat", "tee", "wget"]
    files = [exe("opt/bb/bin/busybox", b"\x7fELF busybox")]
    for name in applets:
        if hard:
            files.append(File(f"opt/bb/bin/{name}", kind="hardlink", link="opt/bb/bin/busybox"))
        else:
            files.append(link(f"opt/bb/bin/{name}", "/opt/bb/bin/busybox"))
    return files


def loops_layer() -> list[File]:
    """Links the kernel gives up on (ELOOP) and links out of the root: plain symlinks to unpack."""
    return [
        link("loop/a", "b"),
        link("loop/b", "a"),
        link("loop/self", "self"),
        link("loop/out", "../../../../etc/passwd"),
        link("loop/dir", "/loop"),
    ]


def layers() -> list[list[File]]:
    return [usrmerged_base(), changes_layer(), names_layer(), busybox_layer(True), busybox_layer(False), loops_layer()]


@dataclass(frozen=True)
class Case:
    name: str
    write: Callable[[Path, str], Path]


PLAIN = corpus.Style()


def _docker(style: corpus.Style = PLAIN, compression: str = "", layout: str = "docker") -> Any:
    def write(path: Path, label: str) -> Path:
        image = corpus.build(RUNTIME, layers(), label=label, style=style, compression=compression)
        return corpus.docker_archive(path, image, f"localhost/byoi-test/oracle-{label}:1", layout=layout)

    return write


def _oci(compression: str = "gzip", nesting: str = "direct", media_type: str | None = None, platforms: int = 1) -> Any:
    def write(path: Path, label: str) -> Path:
        images = [
            (
                corpus.build(RUNTIME, layers(), label=label, compression=compression, media_type=media_type),
                {"os": "linux", "architecture": "amd64"},
            )
        ]
        if platforms > 1:
            # Listed first: a reader that takes the first manifest reads the wrong image.
            other = corpus.build(RUNTIME, [[exe("arm-only")]], label=label, architecture="arm64", variant="v8")
            images.insert(0, (other, {"os": "linux", "architecture": "arm64", "variant": "v8"}))
            arm32 = corpus.build(RUNTIME, [[exe("arm32-only")]], label=label, architecture="arm", variant="v7")
            images.insert(1, (arm32, {"os": "linux", "architecture": "arm", "variant": "v7"}))
        return corpus.oci_archive(path, images, nesting=nesting)

    return write


CASES = [
    Case("docker-archive, plain GNU tar", _docker()),
    Case("docker-archive, ./ names and a root entry", _docker(corpus.Style(prefix="./", root_entry=True))),
    Case("docker-archive, absolute names", _docker(corpus.Style(prefix="/"))),
    Case("docker-archive, PAX headers", _docker(corpus.Style(format=tarfile.PAX_FORMAT))),
    Case("docker-archive, gzip layers", _docker(compression="gzip")),
    Case("docker save of the containerd store", _docker(layout="containerd")),
    Case("docker save of the containerd store, gzip layers", _docker(compression="gzip", layout="containerd")),
    Case("oci-archive, gzip", _oci()),
    Case("oci-archive, zstd", _oci("zstd")),
    Case("oci-archive, uncompressed", _oci("")),
    Case("oci-archive, gzip in many members", _oci("gzip-members")),
    Case("oci-archive, zstd in many frames", _oci("zstd-frames")),
    Case("oci-archive, non-distributable layers", _oci(media_type=corpus.NONDISTRIBUTABLE)),
    Case("oci-archive, nested index", _oci(nesting="index")),
    Case("oci-archive, multi-platform index with variants", _oci(nesting="index", platforms=3)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_byoi_reads_a_hand_made_archive_as_podman_unpacks_it(
    case: Case, tmp_path: Path, loaded: Callable[[Path], str]
) -> None:
    label = f"{RUN}-{CASES.index(case)}"
    archive = case.write(tmp_path / "image.tar", label)
    compare(archive, loaded(archive))


def test_a_layer_without_parent_folders_over_a_usrmerged_base(tmp_path: Path, loaded: Callable[[Path], str]) -> None:
    """The reported case: the missing parents are made 0755 root:root over the lower layer's own."""
    base = [f for f in usrmerged_base() if f.kind != "dir"] + [folder("usr", mode=0o700, uid=7, gid=8)]
    top = [exe("app/run.sh"), exe("usr/bin/extra"), exe("bin/foo"), whiteout("etc/alternatives/gone")]
    image = corpus.build(RUNTIME, [base, top], label=f"{RUN}-noparents")
    archive = corpus.docker_archive(tmp_path / "image.tar", image, f"localhost/byoi-test/oracle-{RUN}-np:1")
    compare(archive, loaded(archive))


# --------------------------------------------------------------------------- images the engine builds


def _buildah(*args: str) -> str:
    proc = subprocess.run(["buildah", *args], env=engine_env(), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


HOST_TREES: Sequence[str] = ("/etc", "/usr/lib/python3.11", "/usr/share/zoneinfo")


def test_byoi_reads_images_buildah_builds_as_podman_unpacks_them(tmp_path: Path) -> None:
    """Real trees (from this machine) in a first layer, changed through ``buildah mount`` in a second."""
    require_engine()
    tag = f"localhost/byoi-test/oracle-{RUN}-built:1"
    images: list[str] = []
    containers = [_buildah("from", "scratch")]
    try:
        mount = Path(_buildah("mount", containers[0]))
        trees = [tree.lstrip("/") for tree in HOST_TREES if Path(tree).exists()]
        packed = subprocess.run(["tar", "-C", "/", "-cf", "-", *trees], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-C", str(mount), "-xpf", "-"], input=packed, check=True)
        # Layers of this run's own (see image_corpus.build): the host's files are the same in every run.
        (mount / "byoi-corpus").mkdir()
        (mount / "byoi-corpus" / RUN).write_text("base\n")
        _buildah("config", "--label", f"byoi.test.corpus={RUN}", containers[0])
        _buildah("commit", containers[0], tag + "-base")
        images.append(tag + "-base")
        # The second layer: deletions, a folder emptied and refilled, a file made a folder, owners changed.
        containers.append(_buildah("from", "--pull=never", tag + "-base"))
        mount = Path(_buildah("mount", containers[1]))
        subprocess.run(["rm", "-rf", str(mount / "usr/share/zoneinfo/America"), str(mount / "etc/passwd")], check=True)
        subprocess.run(["rm", "-rf", str(mount / "usr/share/zoneinfo/Europe")], check=True)
        (mount / "usr/share/zoneinfo/Europe").mkdir()
        (mount / "usr/share/zoneinfo/Europe/Here").write_text("refilled\n")
        (mount / "etc/passwd").mkdir(mode=0o700)
        (mount / "byoi-corpus" / RUN).write_text("top\n")
        subprocess.run(["chown", "-R", "5001:100", str(mount / "usr/share/zoneinfo/Asia")], check=True)
        _buildah("umount", containers[1])
        _buildah("commit", containers[1], tag)
        images.append(tag)
        archives = {
            "docker-archive": tmp_path / "built.tar",
            "oci-archive": tmp_path / "built.oci.tar",
        }
        for transport, path in archives.items():
            _buildah("push", tag, f"{transport}:{path}")
        _buildah("push", "--compression-format", "zstd", tag, f"oci-archive:{tmp_path / 'built.zstd.tar'}")
        _buildah("push", "--disable-compression", tag, f"oci-archive:{tmp_path / 'built.plain.tar'}")
        image_id = _podman("image", "inspect", "--format", "{{.Id}}", tag).decode().strip()
        # The second layer holds what the test is about: whiteouts and an opaque folder.
        top = read_image(str(archives["oci-archive"]), lambda path, mode: 0).layers[-1].entries
        assert {"whiteout", "opaque"} <= {e.kind for e in top}
        for path in [*archives.values(), tmp_path / "built.zstd.tar", tmp_path / "built.plain.tar"]:
            compare(path, image_id)
    finally:
        for container in containers:
            subprocess.run(["buildah", "rm", container], env=engine_env(), capture_output=True, check=False)
        for name in images:
            subprocess.run(["podman", "rmi", "-f", name], env=engine_env(), capture_output=True, check=False)


# --------------------------------------------------------------------------- what both refuse


def _half(blob: bytes) -> bytes:
    return blob[: len(blob) // 2]


def _flip(blob: bytes) -> bytes:
    middle = len(blob) // 2
    return blob[:middle] + bytes([blob[middle] ^ 0xFF]) + blob[middle + 1 :]


def _big_pax_header() -> bytes:
    """A layer whose first member has a PAX header of 2 MiB (Go's tar reader stops at 1 MiB)."""
    info = tarfile.TarInfo("big")
    info.pax_headers = {"comment": "x" * (2 << 20)}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(info, io.BytesIO(b""))
    return buffer.getvalue()


REFUSED: list[tuple[str, list[list[File]], str, Any, str]] = [
    # (case, layers, format, tamper, what byoi says)
    (
        "a hard link to a lower layer's file",
        [[exe("bin/busybox")], [File("bin/ls", kind="hardlink", link="bin/busybox")]],
        "docker",
        None,
        "has not written before it",
    ),
    (
        "a whiteout after an entry of its own path",
        [[File("etc/x", b"1")], [File("etc/x", b"2"), whiteout("etc/x")]],
        "docker",
        None,
        "after this layer wrote it",
    ),
    ("a gzip layer cut in half", layers(), "oci-gzip", _half, "ends early"),
    ("a gzip layer with a byte changed", layers(), "oci-gzip", _flip, ""),
    # zstd's stream reader does not tell a cut frame: the digest does.
    ("a zstd layer cut in half", layers(), "oci-zstd", _half, "does not match its digest"),
    ("an uncompressed layer cut in half (docker-archive)", layers(), "docker", _half, ""),
    ("an uncompressed layer with a byte changed (diff_id)", layers(), "docker", _flip, "does not match its digest"),
    ("an oversized PAX header", [[exe("bin/sh")], []], "docker-bigpax", None, "over the 1 MiB"),
]


#: Why podman 4.3 refuses each (the end of ``podman load``'s error, seen on these machines).
PODMAN_SAYS: dict[str, str | tuple[str, ...]] = {
    "a hard link to a lower layer's file": "processing tar file(no such file or directory)",
    "a whiteout after an entry of its own path": "processing tar file(file exists)",
    "a gzip layer cut in half": "expected sha256:",
    # podman checks the digest and inflates the blob at once: whichever fails first is said.
    "a gzip layer with a byte changed": ("flate: corrupt input", "gzip: invalid checksum", "expected sha256:"),
    "a zstd layer cut in half": "expected sha256:",
    "an uncompressed layer cut in half (docker-archive)": "expected sha256:",
    "an uncompressed layer with a byte changed (diff_id)": "expected sha256:",
    "an oversized PAX header": "archive/tar: header field too long",
}


@pytest.mark.parametrize(("case", "files", "shape", "tamper", "said"), REFUSED, ids=[r[0] for r in REFUSED])
def test_what_podman_refuses_to_load_byoi_refuses_to_read(
    case: str, files: list[list[File]], shape: str, tamper: Any, said: str, tmp_path: Path
) -> None:
    """Damage and layers engines cannot unpack: ``podman load`` fails, and ``byoi check-image`` says
    what is wrong in one line, exit status 2 (never a shorter layer read as if it were whole)."""
    from support import run_byoi

    require_engine()
    label = f"{RUN}-refused-{REFUSED.index((case, files, shape, tamper, said))}"
    archive = tmp_path / "image.tar"
    if shape.startswith("oci"):
        image = corpus.build(RUNTIME, files, label=label, compression=shape.split("-")[1])
        corpus.oci_archive(archive, [(image, {"os": "linux", "architecture": "amd64"})], tamper=tamper)
    else:
        image = corpus.build(RUNTIME, files, label=label)
        if shape == "docker-bigpax":
            image.blobs[-1] = _big_pax_header()
            image.config = image.config.replace(image.diff_ids[-1].encode(), corpus.sha256(image.blobs[-1]).encode())
        corpus.docker_archive(archive, image, f"localhost/byoi-test/oracle-{label}:1", tamper=tamper)
    proc = subprocess.run(
        ["podman", "load", "-q", "-i", str(archive)], env=engine_env(), capture_output=True, text=True, check=False
    )
    if proc.returncode == 0:  # loaded after all: remove it, then fail
        for line in proc.stdout.splitlines():
            subprocess.run(["podman", "rmi", "-f", line.split(": ", 1)[-1]], env=engine_env(), check=False)
    assert proc.returncode != 0, f"podman loaded {case}"
    reasons = PODMAN_SAYS[case]
    assert any(reason in proc.stderr for reason in ((reasons,) if isinstance(reasons, str) else reasons)), proc.stderr
    byoi = run_byoi("check-image", str(archive), "--target", "foundry-byoc")
    assert byoi.returncode == 2 and byoi.stdout == "", byoi.stdout + byoi.stderr
    assert byoi.stderr.count("\n") == 1 and said in byoi.stderr and "Traceback" not in byoi.stderr


def test_byoi_reads_the_suites_debian_based_images_as_podman_unpacks_them(tmp_path: Path) -> None:
    """A whole Debian (debootstrap's bookworm, usrmerged) under the micromamba stand-in's layers,
    as ``podman save`` (docker-archive) and ``buildah push`` (gzip OCI archive) write it."""
    from engine import ensure_standin_images

    require_engine()
    name = ensure_standin_images(keys=["micromamba"])["micromamba"][0]
    image_id = _podman("image", "inspect", "--format", "{{.Id}}", name).decode().strip()
    saved = tmp_path / "saved.tar"
    _podman("save", "--format", "docker-archive", "-o", str(saved), image_id)
    pushed = tmp_path / "pushed.oci.tar"
    _buildah("push", image_id, f"oci-archive:{pushed}")
    assert len(read_image(str(pushed), lambda path, mode: 0).layers) > 1
    for archive in (saved, pushed):
        compare(archive, image_id)
