"""Read one layer blob: inflate it, check its digests, and list its tar members, in bounded memory.

A layer is read once, front to back, in chunks of :data:`CHUNK` bytes: what it costs is
inflating it. The reader accepts what engines accept and refuses, with one line, what
they refuse:

- compression is told by the blob's first bytes: gzip (every member of a multi-member
  stream, as eStargz writes), zstd (every frame) or none. A stream that ends before its
  end marker, or fails its checksum, is an error, not a shorter layer;
- the blob is hashed as it is read and must match the digest the archive names it by,
  and its content must match its ``diff_id`` (podman refuses both mismatches);
- tar headers are parsed here, not by :mod:`tarfile`, whose stream mode reads only the
  first gzip member, reads a PAX or GNU long-name header of any size into memory and
  takes a truncated layer for a shorter one. As Go's tar reader (podman's) does, a PAX
  or long-name header over :data:`MAX_HEADER` is refused, and so is a bad header checksum.

gzip is inflated with ``isal`` (python-isal) when it is installed, else the standard
library's zlib; both release the GIL, so layers inflate in parallel threads.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

#: Bytes read from a blob at a time.
CHUNK = 1 << 20
#: Go's archive/tar refuses PAX and GNU long-name headers larger than this (maxSpecialFileSize).
MAX_HEADER = 1 << 20
BLOCK = 512


def _inflater() -> Any:
    """python-isal's zlib when installed (it inflates gzip 2-3x faster; ``pip install 'byoi[fast]'``), else zlib."""
    if os.environ.get("BYOI_NO_ISAL"):  # to measure and test the standard library's path
        return zlib
    try:
        return importlib.import_module("isal.isal_zlib")
    except ImportError:
        return zlib


_inflate: Any = _inflater()

_GZIP = b"\x1f\x8b"
_ZSTD = b"\x28\xb5\x2f\xfd"


class LayerError(ValueError):
    """The layer cannot be read; the message says why, without naming the layer."""


@dataclass(frozen=True)
class Member:
    """One tar member, as its header says."""

    name: str
    #: The tar type flag: b"0" file, b"1" hard link, b"2" symlink, b"5" folder, ...
    type: bytes
    mode: int
    uid: int
    gid: int
    size: int
    linkname: str
    #: Where its content starts in the uncompressed tar.
    offset: int = 0


# --------------------------------------------------------------------------- blob -> bytes


class _Hashed:
    """The blob as stored, hashed and counted as it is read."""

    def __init__(self, raw: IO[bytes], hashing: bool) -> None:
        self.raw = raw
        self.hash = hashlib.sha256() if hashing else None
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size if size >= 0 else CHUNK)
        self.count += len(data)
        if self.hash is not None:
            self.hash.update(data)
        return data


class _Plain:
    def __init__(self, blob: _Hashed, head: bytes) -> None:
        self.blob, self.head = blob, head

    def read(self, size: int) -> bytes:
        if self.head:
            data, self.head = self.head[:size], self.head[size:]
            return data
        return self.blob.read(size)


class _Gzip:
    """Every member of a gzip stream, each checked (CRC and length) by the inflater.

    Output is asked for ``size`` bytes at a time (``max_length``), so a compression bomb
    costs time in proportion to what it inflates to, never memory.
    """

    def __init__(self, blob: _Hashed, head: bytes) -> None:
        self.blob = blob
        self.pending = head
        self.obj: Any = _inflate.decompressobj(31)
        self.member_ended = False

    def read(self, size: int) -> bytes:
        while True:
            if not self.pending:
                self.pending = self.blob.read(CHUNK)
                if not self.pending:
                    if self.member_ended:
                        return b""
                    raise LayerError("its gzip stream ends early (the blob is truncated)")
            if self.member_ended:  # more data after a member: it must be another member
                if not self.pending.startswith(_GZIP[: len(self.pending)]):
                    raise LayerError("it has data after its gzip stream that is not gzip")
                self.obj = _inflate.decompressobj(31)
                self.member_ended = False
            try:
                out = self.obj.decompress(self.pending, size)
            except Exception as err:  # zlib.error and isal's error alike
                raise LayerError(f"its gzip stream is corrupt ({err})") from None
            if self.obj.eof:
                self.member_ended = True
                self.pending = self.obj.unused_data
            else:
                self.pending = self.obj.unconsumed_tail
            if out:
                return bytes(out)


class _Zstd:
    """Every frame of a zstd stream (a stream reader: output is bounded by what is asked for)."""

    def __init__(self, blob: _Hashed, head: bytes) -> None:
        try:
            import zstandard  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise LayerError("it is zstd-compressed: install the zstandard package (pip install zstandard)") from None
        self.error = zstandard.ZstdError
        source: Any = _Plain(blob, head)  # a file-like object: read() is all it needs
        self.reader = zstandard.ZstdDecompressor().stream_reader(source, read_across_frames=True, read_size=CHUNK)

    def read(self, size: int) -> bytes:
        try:
            return bytes(self.reader.read(size))
        except self.error as err:
            raise LayerError(f"its zstd stream is corrupt ({err})") from None


class Inflated:
    """The uncompressed bytes of a blob, read in order; digests checked when the blob ends.

    ``digest`` is the blob's (as stored); ``diff_id`` its uncompressed content's, from the
    image config. Each is checked when given, as podman checks them (an uncompressed layer
    is its own diff: both name the same bytes). A compressed stream cut short at a frame's
    end, which zstd's reader does not tell, is caught by them.
    """

    def __init__(
        self, raw: IO[bytes], digest: str | None = None, diff_id: str | None = None, size: int | None = None
    ) -> None:
        self.raw = raw
        #: The blob's size when known: a plain layer with no digest to check is then skipped through by seeking.
        self.size = size
        digest = digest if digest and digest.startswith("sha256:") else None
        diff_id = diff_id if diff_id and diff_id.startswith("sha256:") else None
        head = raw.read(BLOCK)
        compressed = head.startswith(_GZIP) or head.startswith(_ZSTD)
        if not compressed:
            if digest and diff_id and digest != diff_id:
                raise LayerError(f"it is not compressed, so its digest {digest} must be its diff_id {diff_id}")
            digest = digest or diff_id
        self.digest = digest
        self.diff_id = diff_id if compressed else None
        self.blob = _Hashed(raw, digest is not None)
        self.blob.count = len(head)
        if self.blob.hash is not None:
            self.blob.hash.update(head)
        self.codec: _Plain | _Gzip | _Zstd
        if head.startswith(_GZIP):
            self.codec = _Gzip(self.blob, head)
        elif head.startswith(_ZSTD):
            self.codec = _Zstd(self.blob, head)
        else:
            self.codec = _Plain(self.blob, head)
        self.content_hash = hashlib.sha256() if self.diff_id else None
        self.buffer = bytearray()
        self.done = False
        #: Uncompressed bytes handed out or skipped so far: the position in the tar.
        self.position = 0

    def _more(self, size: int) -> None:
        data = self.codec.read(max(size, CHUNK))
        if not data:
            self._end()
            return
        if self.content_hash is not None:
            self.content_hash.update(data)
        self.buffer += data

    def _end(self) -> None:
        self.done = True
        if self.blob.hash is not None and f"sha256:{self.blob.hash.hexdigest()}" != self.digest:
            raise LayerError(
                f"its content does not match its digest {self.digest} (the blob is damaged or was changed)"
            )
        if self.content_hash is not None and f"sha256:{self.content_hash.hexdigest()}" != self.diff_id:
            raise LayerError(f"its content does not match its diff_id {self.diff_id} (damaged or changed)")

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes, or fewer only at the end of the layer."""
        while len(self.buffer) < size and not self.done:
            self._more(size - len(self.buffer))
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        self.position += len(data)
        return data

    def skip(self, size: int) -> int:
        """Discard ``size`` bytes (a file's content nobody asked for); how many there were."""
        skipped = min(size, len(self.buffer))
        del self.buffer[:skipped]
        seekable = isinstance(self.codec, _Plain) and not self.codec.head and self.raw.seekable()
        if seekable and self.blob.hash is None and self.size is not None:
            jump = min(size - skipped, self.size - self.blob.count)
            self.raw.seek(jump, os.SEEK_CUR)
            self.blob.count += jump
            skipped += jump
        while skipped < size and not self.done:
            # Straight from the inflater and dropped: the buffer is empty here, nothing is copied.
            data = self.codec.read(min(size - skipped, 4 * CHUNK))
            if not data:
                self._end()
                break
            if self.content_hash is not None:
                self.content_hash.update(data)
            skipped += len(data)
        self.position += skipped
        return skipped

    def drain(self) -> None:
        """Read the rest of the blob, so its digest and end are checked."""
        while not self.done:
            self.buffer.clear()
            self._more(CHUNK)
        self.buffer.clear()


# --------------------------------------------------------------------------- bytes -> members


def _number(field: bytes) -> int:
    if field[:1] in (b"\x80", b"\xff"):  # base-256 (GNU, and Go for big uids and sizes)
        value = int.from_bytes(field[1:], "big")
        return value if field[0] == 0x80 else value - (1 << (8 * len(field) - 8))
    text = field.split(b"\0", 1)[0].strip(b" \0")
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise LayerError(f"a tar header has a bad number {field!r}") from None


def _text(field: bytes) -> str:
    return field.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def _pax(data: bytes) -> dict[str, str]:
    records: dict[str, str] = {}
    while data:
        length_text, space, _ = data.partition(b" ")
        try:
            length = int(length_text)
        except ValueError:
            raise LayerError("a PAX header is malformed") from None
        if not space or length <= len(length_text) + 1 or length > len(data):
            raise LayerError("a PAX header is malformed")
        key, _, value = data[len(length_text) + 1 : length - 1].partition(b"=")
        records[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
        data = data[length:]
    return records


def members(stream: Inflated, keep: Callable[[Member], int]) -> Iterator[tuple[Member, bytes | None]]:
    """Each member of the layer's tar with the first ``keep(member)`` bytes of its content (None for 0).

    The tar must end with its end-of-archive blocks (or at a member's end, which Go's
    reader accepts too); a header cut short, or the data of a member cut short, is an error.
    """
    long_name: str | None = None
    long_link: str | None = None
    pax: dict[str, str] = {}
    while True:
        header = stream.read(BLOCK)
        if not header:
            return  # Ended after a member: Go's reader accepts this, so podman does.
        if len(header) < BLOCK:
            raise LayerError("its tar ends in the middle of a header (the layer is truncated)")
        if header == b"\0" * BLOCK:
            stream.drain()
            return
        if _number(header[148:156]) not in _checksums(header):
            raise LayerError("a tar header fails its checksum (the layer is damaged)")
        kind = header[156:157]
        size = _number(header[124:136])
        if kind in (b"x", b"g", b"L", b"K"):
            if size > MAX_HEADER:
                raise LayerError(f"a tar extension header of {size} bytes is over the 1 MiB engines accept")
            data = stream.read(size)
            if len(data) < size or stream.skip(-size % BLOCK) < -size % BLOCK:
                raise LayerError("its tar ends in the middle of a header (the layer is truncated)")
            if kind == b"x":
                pax.update(_pax(data))
            elif kind == b"L":
                long_name = data.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
            elif kind == b"K":
                long_link = data.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
            continue  # a global PAX header ("g") sets nothing engines use
        name = _text(header[0:100])
        if header[257:263] == b"ustar\0" and header[345:346] != b"\0":  # POSIX only: GNU keeps times there
            name = _text(header[345:500]) + "/" + name
        member = Member(
            name=pax.get("path", long_name if long_name is not None else name),
            type=kind or b"0",
            mode=_number(header[100:108]) & 0o7777,
            uid=int(pax["uid"]) if "uid" in pax else _number(header[108:116]),
            gid=int(pax["gid"]) if "gid" in pax else _number(header[116:124]),
            size=int(pax["size"]) if "size" in pax else size,
            linkname=pax.get("linkpath", long_link if long_link is not None else _text(header[157:257])),
            offset=stream.position,
        )
        long_name = long_link = None
        pax = {}
        content = 0 if member.type in (b"1", b"2", b"3", b"4", b"5", b"6") else member.size
        wanted = min(keep(member), content) if content else 0
        kept = stream.read(wanted) if wanted else None
        rest = content - wanted + (-content % BLOCK)
        if (kept is not None and len(kept) < wanted) or stream.skip(rest) < rest:
            raise LayerError(f"its tar ends in the middle of {member.name} (the layer is truncated)")
        yield member, kept


def _checksums(header: bytes) -> tuple[int, int]:
    """The header's checksum as tar computes it (the checksum field as spaces), and as some old
    tars do, with signed bytes."""
    unsigned = sum(header) - sum(header[148:156]) + 8 * 0x20
    high = header[:148] + header[156:]
    return unsigned, unsigned - 256 * len(high.translate(None, _LOW))


_LOW = bytes(range(128))
