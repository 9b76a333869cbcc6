"""``byoi check-image`` on damaged and hostile images: one line and exit status 2, in bounded time and memory.

What an engine does with each input is stated beside it; tests/test_image_oracle.py shows
podman refusing the damaged archives byte for byte like these (digest and diff_id
mismatches, cut streams, 2 MiB extension headers, hard links to a lower layer).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import image_corpus as corpus
import pytest
from image_support import File, debian_base, exe, link
from support import byoi_command, run_byoi

RUNTIME = {"User": "5001", "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}
AMD64 = {"os": "linux", "architecture": "amd64"}


def refused(image: Path, said: str) -> None:
    proc = run_byoi("check-image", str(image), "--target", "foundry-byoc")
    assert (proc.returncode, proc.stdout) == (2, ""), proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and said in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def checked(image: Path) -> tuple[int, list[dict[str, Any]]]:
    proc = run_byoi("check-image", str(image), "--target", "foundry-byoc", "--format", "json")
    assert proc.returncode in (0, 1) and proc.stderr == "", proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def measured(image: Path, tmp_path: Path) -> tuple[int, float, int]:
    """Exit status, seconds and peak memory (bytes) of ``byoi check-image`` on ``image``."""
    report = tmp_path / "rss"
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking process (this test's).
    code = (
        "import re, sys\n"
        "from generator.entry import main\n"
        "try:\n"
        f"    main(['check-image', {str(image)!r}, '--target', 'foundry-byoc', '--format', 'json'])\n"
        "finally:\n"
        "    status = open('/proc/self/status').read()\n"
        f"    open({str(report)!r}, 'w').write(re.search(r'VmHWM:\\s*(\\d+)', status).group(1))\n"
    )
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    elapsed = time.monotonic() - start
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, elapsed, int(report.read_text()) * 1024


def oci(tmp_path: Path, layers: list[list[File]], **kw: Any) -> Path:
    image = corpus.build(RUNTIME, layers, label="reader", **kw)
    return corpus.oci_archive(tmp_path / "image.oci.tar", [(image, AMD64)])


# --------------------------------------------------------------------------- bounded


def _bomb_header(gib: int) -> bytes:
    header = tarfile.TarInfo("zeros.bin")
    header.size = gib << 30
    return header.tobuf(tarfile.GNU_FORMAT)


def _bomb_layer(gib: int) -> bytes:
    """A gzip layer of one file of ``gib`` GiB of zeros, as many gzip members (about 1 MB each GiB)."""
    chunk = gzip.compress(b"\0" * (64 << 20), compresslevel=9, mtime=0)
    return b"".join(
        [
            gzip.compress(_bomb_header(gib), mtime=0),
            chunk * (16 * gib),
            gzip.compress(b"\0" * 1024, mtime=0),  # the end-of-archive blocks
        ]
    )


@pytest.mark.slow
def test_a_compression_bomb_costs_time_not_memory(tmp_path: Path) -> None:
    """4 GiB of zeros in a 4 MB layer: inflated once, in pieces; peak memory stays under 100 MB."""
    image = corpus.build(RUNTIME, [debian_base()], label="bomb")
    bomb = _bomb_layer(4)
    image.blobs.append(bomb)
    image.media_types.append(corpus.LAYER_TYPES["gzip"])
    config = json.loads(image.config)
    content = hashlib.sha256(_bomb_header(4))
    zeros = bytes(64 << 20)
    for _ in range(4 * 16):
        content.update(zeros)
    content.update(bytes(1024))
    config["rootfs"]["diff_ids"].append(f"sha256:{content.hexdigest()}")
    image.config = json.dumps(config).encode()
    archive = corpus.oci_archive(tmp_path / "bomb.tar", [(image, AMD64)])
    assert archive.stat().st_size < 8_000_000
    status, elapsed, peak = measured(archive, tmp_path)
    assert status == 0
    assert peak < 100_000_000, f"peak memory {peak / 1e6:.0f} MB ({elapsed:.1f} s)"


@pytest.mark.slow
def test_a_hundred_thousand_entries_read_in_bounded_time(tmp_path: Path) -> None:
    files = [*debian_base(), *(File(f"data/{n // 1000:03d}/{n:06d}") for n in range(100_000))]
    archive = oci(tmp_path, [files], compression="gzip")
    status, elapsed, peak = measured(archive, tmp_path)
    assert status == 0
    assert elapsed < 60 and peak < 200_000_000, f"{elapsed:.1f} s, {peak / 1e6:.0f} MB"


@pytest.mark.parametrize("kind", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT])
def test_an_extension_header_over_1_mib_is_refused_as_go_refuses_it(tmp_path: Path, kind: int) -> None:
    """Go's archive/tar (podman's) stops at 1 MiB for PAX records and GNU long names: "header field too long"."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=kind) as tar:
        tar.addfile(tarfile.TarInfo("x/" * (600 << 10) + "name"))  # a 1.2 MiB name
    image = corpus.build(RUNTIME, [debian_base()], label="header")
    image.blobs.append(buffer.getvalue())
    image.media_types.append(corpus.LAYER_TYPES[""])
    config = json.loads(image.config)
    config["rootfs"]["diff_ids"].append(corpus.sha256(buffer.getvalue()))
    image.config = json.dumps(config).encode()
    refused(corpus.oci_archive(tmp_path / "big.tar", [(image, AMD64)]), "over the 1 MiB engines accept")


def test_link_loops_and_long_chains_end(tmp_path: Path) -> None:
    """The kernel gives up after 40 links (ELOOP): a loop or a longer chain is not there."""
    chain = [link(f"chain/{n}", f"{n + 1}") for n in range(200)] + [exe("chain/200")]
    loops = [link("loop/a", "b"), link("loop/b", "a"), link("loop/self", "self"), *chain]
    for program, found in [("/loop/a", False), ("/loop/self", False), ("/chain/160", True), ("/chain/0", False)]:
        runtime = {**RUNTIME, "Entrypoint": [program]}
        image = corpus.build(runtime, [debian_base(), loops], label="loops")
        archive = corpus.oci_archive(tmp_path / "loops.tar", [(image, AMD64)])
        start = time.monotonic()
        _, findings = checked(archive)
        assert time.monotonic() - start < 30
        messages = " ".join(f["message"] for f in findings)
        assert (f"{program} " in messages or f"{program}," in messages) != found, messages


# --------------------------------------------------------------------------- damaged


def test_a_missing_blob_is_named(tmp_path: Path) -> None:
    image = corpus.build(RUNTIME, [debian_base(), [exe("app/run")]], label="missing")
    archive = corpus.oci_archive(tmp_path / "image.tar", [(image, AMD64)])
    gone = f"blobs/sha256/{corpus.sha256(image.blobs[-1])[7:]}"
    with tarfile.open(archive) as src, tarfile.open(tmp_path / "missing.tar", "w") as out:
        for member in src:
            if member.name != gone:
                out.addfile(member, src.extractfile(member) if member.isfile() else None)
    refused(tmp_path / "missing.tar", "layer 2 (" + gone + ") is missing from the image")


def test_a_blob_that_does_not_match_its_digest_is_refused(tmp_path: Path) -> None:
    image = corpus.build(RUNTIME, [debian_base(), [File("etc/motd", b"hello")]], label="digest", compression="gzip")
    other = corpus.compress(corpus.layer_tar([File("etc/motd", b"HELLO")]), "gzip")
    archive = corpus.oci_archive(tmp_path / "image.tar", [(image, AMD64)], tamper=lambda blob: other)
    refused(archive, "does not match its digest")


def test_a_layer_whose_content_does_not_match_its_diff_id_is_refused(tmp_path: Path) -> None:
    """The blob matches its digest, but the config names other content.

    containerd (Docker 25+, and the platforms' runtimes) refuses it on unpacking: "wrong diff
    id calculated on extraction". podman 4.3 loads such an OCI archive (it checks the blob
    digests, not the config's diff_ids, for compressed layers): byoi goes with the stricter.
    """
    image = corpus.build(RUNTIME, [debian_base(), [File("etc/motd", b"hello")]], label="diffid", compression="gzip")
    config = json.loads(image.config)
    config["rootfs"]["diff_ids"][-1] = corpus.sha256(b"other content")
    image.config = json.dumps(config).encode()
    refused(corpus.oci_archive(tmp_path / "image.tar", [(image, AMD64)]), "does not match its diff_id")


def test_a_compressed_layer_cut_short_is_an_error_not_a_shorter_layer(tmp_path: Path) -> None:
    """A docker-archive's gzip layer names no digest: the cut is found by the stream itself."""
    image = corpus.build(RUNTIME, [debian_base()], label="cut", compression="gzip")
    archive = corpus.docker_archive(tmp_path / "image.tar", image, "localhost/cut:1", tamper=lambda b: b[:-20])
    refused(archive, "its gzip stream ends early")


def test_a_damaged_tar_header_is_refused(tmp_path: Path) -> None:
    tar = bytearray(corpus.layer_tar(debian_base()))
    tar[5] ^= 0x20  # the first member's name: its header checksum no longer matches
    image = corpus.build(RUNTIME, [[]], label="header")
    image.blobs[0] = bytes(tar)
    config = json.loads(image.config)
    config["rootfs"]["diff_ids"] = [corpus.sha256(bytes(tar))]  # the digests match: only the header is wrong
    image.config = json.dumps(config).encode()
    refused(corpus.oci_archive(tmp_path / "image.tar", [(image, AMD64)]), "fails its checksum")


def test_data_after_a_gzip_stream_is_refused(tmp_path: Path) -> None:
    """Go's gzip reader (multistream) refuses what follows a member unless it is another member."""
    image = corpus.build(RUNTIME, [debian_base()], label="trailing", compression="gzip")
    image.blobs[0] += b"not gzip"
    refused(corpus.oci_archive(tmp_path / "image.tar", [(image, AMD64)]), "not gzip")


# --------------------------------------------------------------------------- read as engines read


@pytest.mark.parametrize("inflater", ["default", "zlib"])
def test_every_gzip_member_is_read_with_either_inflater(tmp_path: Path, inflater: str) -> None:
    """eStargz and other seekable formats are many gzip members: each is part of the layer.

    Python's tarfile in stream mode reads only the first member ("unexpected end of data").
    Checked with python-isal (when installed) and with the standard library's zlib.
    """
    layers = [debian_base(), [exe("app/run.sh", b"#!/bin/sh\n" + b"# padding\n" * 2000)]]
    image = corpus.build(
        {**RUNTIME, "Entrypoint": ["/app/run.sh"]}, layers, label="members", compression="gzip-members"
    )
    archive = corpus.oci_archive(tmp_path / "image.tar", [(image, AMD64)])
    env = {**os.environ, **({"BYOI_NO_ISAL": "1"} if inflater == "zlib" else {})}
    proc = subprocess.run(
        [*byoi_command(), "check-image", str(archive), "--target", "foundry-byoc"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_a_multi_platform_index_gives_the_linux_amd64_image_wherever_it_is_listed(tmp_path: Path) -> None:
    """Engines pick the manifest of their platform; byoi's targets run linux/amd64."""
    arm = corpus.build(RUNTIME, [[exe("arm-only")]], label="arm", architecture="arm64", variant="v8")
    amd = corpus.build(RUNTIME, [debian_base()], label="amd")
    arm_platform = {"os": "linux", "architecture": "arm64", "variant": "v8"}
    for nesting in ("direct", "index", "index-in-index"):
        archive = corpus.oci_archive(tmp_path / f"{nesting}.tar", [(arm, arm_platform), (amd, AMD64)], nesting=nesting)
        assert checked(archive) == (0, [])


def test_a_ustar_name_split_into_prefix_and_name_is_read_whole(tmp_path: Path) -> None:
    """POSIX ustar keeps a path over 100 bytes in two fields (prefix/name); GNU tar uses those bytes for times."""
    deep = "opt/" + "/".join(["a-folder-with-a-rather-long-name"] * 4) + "/run"
    assert 100 < len(deep) < 255
    runtime = {**RUNTIME, "Entrypoint": [f"/{deep}"]}
    image = corpus.build(runtime, [debian_base(), [exe(deep)]], label="ustar", style=corpus.Style(tarfile.USTAR_FORMAT))
    assert checked(corpus.oci_archive(tmp_path / "image.tar", [(image, AMD64)])) == (0, [])


def test_gnu_access_times_are_not_read_as_a_name_prefix(tmp_path: Path) -> None:
    """GNU tar (``--incremental``, or ``-H gnu --atime-preserve``) writes atime and ctime where ustar has its prefix."""
    tar = bytearray(corpus.layer_tar([*debian_base(), exe("app/run")]))
    header = tar.index(b"app/run\0")
    assert tar[header + 257 : header + 265] == b"ustar  \0"  # GNU's magic
    tar[header + 345 : header + 357] = b"14000000000\0"  # atime
    tar[header + 148 : header + 156] = b" " * 8
    tar[header + 148 : header + 156] = b"%06o\0 " % sum(tar[header : header + 512])
    image = corpus.build({**RUNTIME, "Entrypoint": ["/app/run"]}, [[]], label="gnu-times")
    image.blobs[0] = bytes(tar)
    config = json.loads(image.config)
    config["rootfs"]["diff_ids"] = [corpus.sha256(bytes(tar))]
    image.config = json.dumps(config).encode()
    assert checked(corpus.oci_archive(tmp_path / "image.tar", [(image, AMD64)])) == (0, [])


# --------------------------------------------------------------------------- malformed documents


def test_a_digest_that_is_a_path_is_refused_not_followed(tmp_path: Path) -> None:
    """``sha256:../../../dev/zero`` would read forever: a digest is 64 hex digits, as Go's digest package checks."""
    layout = tmp_path / "layout"
    (layout / "blobs" / "sha256").mkdir(parents=True)
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    index = {
        "schemaVersion": 2,
        "manifests": [{"mediaType": corpus.OCI_MANIFEST, "digest": "sha256:../../../dev/zero"}],
    }
    (layout / "index.json").write_text(json.dumps(index))
    refused(layout, "is not a blob digest")


def test_a_docker_save_folder_naming_a_device_as_a_layer_is_refused(tmp_path: Path) -> None:
    folder_path = tmp_path / "saved"
    folder_path.mkdir()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {}}).encode()
    name = hashlib.sha256(config).hexdigest() + ".json"
    (folder_path / name).write_bytes(config)
    manifest = [{"Config": name, "Layers": ["../../../../dev/zero"]}]
    (folder_path / "manifest.json").write_text(json.dumps(manifest))
    (folder_path / "zero").symlink_to("/dev/zero")
    refused(folder_path, "is missing from the image")
    manifest[0]["Layers"] = ["zero"]
    (folder_path / "manifest.json").write_text(json.dumps(manifest))
    refused(folder_path, "is missing from the image")


@pytest.mark.parametrize(
    ("field", "value"),
    [("Env", "PATH=/bin"), ("Cmd", [1]), ("User", 5001), ("ExposedPorts", ["8080/tcp"]), ("Entrypoint", {"a": 1})],
)
def test_a_config_field_of_the_wrong_type_is_one_line(tmp_path: Path, field: str, value: Any) -> None:
    """The image spec types each field; podman's Go structs refuse another type, and so does byoi."""
    image = corpus.build({**RUNTIME, field: value}, [debian_base()], label="types")
    refused(corpus.oci_archive(tmp_path / "image.tar", [(image, AMD64)]), f"config.{field} is not of the type")


def test_a_lone_string_entrypoint_reads_as_docker_reads_it(tmp_path: Path) -> None:
    """Docker's StrSlice takes ``"Entrypoint": "/app/run"`` as one word."""
    image = corpus.build({**RUNTIME, "Entrypoint": "/app/run"}, [debian_base(), [exe("app/run")]], label="lone")
    assert checked(corpus.oci_archive(tmp_path / "image.tar", [(image, AMD64)])) == (0, [])


@pytest.mark.parametrize("index", [[], None, {"manifests": 1}, {"manifests": [{"digest": 5}]}, {"manifests": [1]}])
def test_a_malformed_index_is_one_line(tmp_path: Path, index: Any) -> None:
    layout = tmp_path / "layout"
    layout.mkdir()
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (layout / "index.json").write_text(json.dumps(index))
    proc = run_byoi("check-image", str(layout), "--target", "foundry-byoc")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr


def test_the_archive_itself_has_the_limits_of_a_layer(tmp_path: Path) -> None:
    """The outer tar (docker save, oci-archive) is read by the same reader: a 2 MiB PAX header in it
    is refused (tarfile would read it whole into memory), and so is a damaged header."""
    image = corpus.build(RUNTIME, [debian_base()], label="outer")
    archive = corpus.oci_archive(tmp_path / "image.tar", [(image, AMD64)])
    with tarfile.open(archive) as src, tarfile.open(tmp_path / "pax.tar", "w", format=tarfile.PAX_FORMAT) as out:
        for number, member in enumerate(src):
            if number == 1:
                member.pax_headers = {"comment": "x" * (2 << 20)}
            out.addfile(member, src.extractfile(member) if member.isfile() else None)
    refused(tmp_path / "pax.tar", "over the 1 MiB")
    damaged = bytearray(archive.read_bytes())
    second = damaged.index(b"blobs/", 512)  # a later member's header
    damaged[second + 1] ^= 0x20
    (tmp_path / "damaged.tar").write_bytes(bytes(damaged))
    refused(tmp_path / "damaged.tar", "fails its checksum")
