"""``byoi check-image`` on a large gzip OCI archive, against inflating its layers once with ``gzip -dc``.

    python bench/image_archive.py [--gb 1.5] [--layers 6] [--pairs 3] [--cache DIR]

Reading an image means inflating every layer once: single-threaded ``gzip -dc`` of the
same layer blobs is that floor. The archive is an OCI archive (``oci-archive:``) of
``--layers`` gzip layers, about ``--gb`` GB in all, whose files are slices, at random
offsets, of the programs and Python modules of this machine (compressible as real
images are, about 3:1). It is written once and kept in ``--cache`` (default
``/var/tmp/byoi-bench-image``) for the next run; the layer blobs are kept beside it
for ``gzip -dc``.

The two commands run alternately after one warm-up each (the page cache then holds the
archive for both). Printed: medians and ranges of wall time, the ratio (goal: at most
0.6 on 2 cores), byoi's CPU time and peak memory (goal: under 100 MB), and the load.
``bench/table.py`` prints the same row in its table.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from table import Run, pairs, spread, tool

CACHE = Path(os.environ.get("BYOI_BENCH_CACHE", "/var/tmp/byoi-bench-image"))
#: Where the files' contents are sliced from: real programs and sources.
SOURCES = ("/usr/bin", "/usr/lib/python3", "/usr/lib/python3.11", "/usr/lib/x86_64-linux-gnu")
POOL_BYTES = 96 << 20
RECIPE = "1"


def _pool() -> bytes:
    """About 96 MiB of this machine's programs and sources, in a fixed order."""
    chunks: list[bytes] = []
    total = 0
    for root in SOURCES:
        for path in sorted(Path(root).rglob("*")):
            if total >= POOL_BYTES:
                return b"".join(chunks)
            try:
                if path.is_file() and not path.is_symlink():
                    data = path.read_bytes()[: 4 << 20]
                    chunks.append(data)
                    total += len(data)
            except OSError:
                continue
    return b"".join(chunks)


def _compressor() -> tuple[object, int]:
    """isal's zlib (fast to write 1.5 GB) at its middle level, else zlib at level 6 (gzip's default)."""
    try:
        from isal import isal_zlib  # type: ignore[import-not-found,unused-ignore]

        return isal_zlib, 2
    except ImportError:
        return zlib, 6


def _layer(path: Path, pool: bytes, target: int, seed: int) -> tuple[str, str, int]:
    """One gzip layer blob of about ``target`` compressed bytes: (digest, diff_id, size)."""
    module, level = _compressor()
    rng = random.Random(seed)
    squeeze = module.compressobj(level, zlib.DEFLATED, 31)  # type: ignore[attr-defined]
    blob_hash, diff_hash = hashlib.sha256(), hashlib.sha256()
    written = 0
    with path.open("wb") as out:

        def put(data: bytes) -> None:
            nonlocal written
            diff_hash.update(data)
            packed = squeeze.compress(data)
            blob_hash.update(packed)
            out.write(packed)
            written += len(packed)

        number = 0
        while written < target:
            size = min(int(rng.lognormvariate(11, 1.6)), 8 << 20)  # median ~60 KB, some of megabytes
            start = rng.randrange(0, len(pool) - size)
            info = tarfile.TarInfo(f"opt/layer{seed}/d{number // 100:04d}/f{number:06d}.bin")
            info.size, info.mode, info.mtime = size, 0o644, 1700000000
            put(info.tobuf(tarfile.PAX_FORMAT))
            put(pool[start : start + size] + b"\0" * (-size % 512))
            number += 1
        put(b"\0" * 1024)
        tail = squeeze.flush()
        blob_hash.update(tail)
        out.write(tail)
        written += len(tail)
    return f"sha256:{blob_hash.hexdigest()}", f"sha256:{diff_hash.hexdigest()}", written


def make(cache: Path, gb: float, layers: int) -> tuple[Path, list[Path]]:
    """The archive and its layer blobs, written once into ``cache``."""
    folder = cache / f"r{RECIPE}-{gb:g}gb-{layers}layers"
    archive = folder / "image.oci.tar"
    blobs_file = folder / "blobs.json"
    if archive.is_file() and blobs_file.is_file():
        return archive, [Path(p) for p in json.loads(blobs_file.read_text())]
    folder.mkdir(parents=True, exist_ok=True)
    pool = _pool()
    descriptors, diff_ids, paths = [], [], []
    for number in range(layers):
        path = folder / f"layer{number}.gz"
        digest, diff_id, size = _layer(path, pool, int(gb * 1e9 / layers), number)
        final = folder / digest[7:]
        path.rename(final)
        paths.append(final)
        descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size})
        diff_ids.append(diff_id)
        print(f"layer {number + 1}/{layers}: {size / 1e6:.0f} MB", file=sys.stderr)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"User": "5001", "Cmd": ["/opt/layer0/d0000/f000000.bin"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        }
    ).encode()
    documents: dict[str, bytes] = {}
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    documents[config_digest] = config
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config_digest,
                "size": len(config),
            },
            "layers": descriptors,
        }
    ).encode()
    manifest_digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    documents[manifest_digest] = manifest
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": manifest_digest,
                "size": len(manifest),
            }
        ],
    }
    partial = archive.with_suffix(".partial")
    with tarfile.open(partial, "w") as tar:
        for name, data in [
            ("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
            ("index.json", json.dumps(index).encode()),
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for digest, data in documents.items():
            info = tarfile.TarInfo(f"blobs/sha256/{digest[7:]}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for path in paths:
            tar.add(path, arcname=f"blobs/sha256/{path.name}")
    partial.rename(archive)
    blobs_file.write_text(json.dumps([str(p) for p in paths]))
    return archive, paths


def measure(cache: Path, gb: float, layers: int, count: int) -> tuple[str, list[Run], list[Run], int]:
    """Alternating runs of ``byoi check-image`` and ``gzip -dc``: (label, byoi runs, gzip runs, archive bytes)."""
    # Written by a child process: this one stays small, and the runs it forks start small
    # (Linux counts the forking process's peak memory in a child's maximum resident set).
    made = subprocess.run(
        [sys.executable, __file__, "--make-only", "--gb", str(gb), "--layers", str(layers), "--cache", str(cache)],
        check=True,
        capture_output=True,
        text=True,
    )
    found = json.loads(made.stdout)
    archive, blobs = Path(found["archive"]), [Path(p) for p in found["blobs"]]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    byoi = [tool("byoi"), "check-image", str(archive), "--target", "foundry-byoc", "--no-fail"]
    floor = ["gzip", "-dc", *map(str, blobs)]
    a, b = pairs(byoi, floor, count, env, archive.parent)
    size = archive.stat().st_size
    label = f"`byoi check-image`, {size / 1e9:.2f} GB gzip OCI archive, {layers} layers"
    return label, a, b, size


def main() -> int:
    """Measure and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gb", type=float, default=1.5, help="compressed size of the archive (1.5)")
    parser.add_argument("--layers", type=int, default=6, help="number of gzip layers (6)")
    parser.add_argument("--pairs", type=int, default=3, help="alternating pairs after the warm-up (3)")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"where the archive is kept ({CACHE})")
    parser.add_argument("--make-only", action="store_true", help="write the archive, print where it is (JSON)")
    args = parser.parse_args()
    if args.make_only:
        archive, blobs = make(args.cache, args.gb, args.layers)
        print(json.dumps({"archive": str(archive), "blobs": [str(p) for p in blobs]}))
        return 0
    label, a, b, _ = measure(args.cache, args.gb, args.layers, args.pairs)
    ratio = statistics.median(r.wall for r in a) / statistics.median(r.wall for r in b)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{label}: byoi {spread([r.wall for r in a])}, gzip -dc {spread([r.wall for r in b])}, ratio {ratio:.2f}x")
    print(f"byoi CPU {statistics.median(r.cpu for r in a):.0f} ms, peak memory {spread([r.rss for r in a], 'MiB')}")
    print(f"gzip -dc CPU {statistics.median(r.cpu for r in b):.0f} ms; {os.cpu_count()} cores, load average {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
