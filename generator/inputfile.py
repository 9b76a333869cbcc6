"""Reading a file a user named: regular files only, of bounded size, never blocking.

A path can name a FIFO (opening it for reading waits for a writer, forever), a device
(``/dev/zero`` never ends) or a huge file. Every small input byoi reads (answers files,
checker settings, CA certificates) goes through :func:`read_input_bytes`, which opens
without blocking, looks at what it opened, and reads at most ``limit`` bytes.
"""

from __future__ import annotations

import os
import stat

TYPE_CHECKING = False
if TYPE_CHECKING:  # pathlib costs more to import than byoi check needs
    from pathlib import Path

#: Largest answers file or checker settings file (real ones are a few hundred bytes).
SMALL_FILE_LIMIT = 256 * 1024


def shown(path: Path | str) -> str:
    """A path as messages show it: as it is, or quoted when it holds a control character."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def _size(limit: int) -> str:
    return f"{limit // 1024} KiB" if limit % 1024 == 0 else f"{limit} bytes"


def read_input_bytes(path: Path | str, label: str, limit: int, error: type[Exception]) -> bytes:
    """The bytes of the regular file ``path``; anything else raises ``error`` with one line.

    ``label`` names the file in messages (e.g. "answers file"). Refused: a path that is
    empty, missing or unreadable, a folder, FIFO, socket or device, and a file larger
    than ``limit`` bytes.
    """
    name = f"{label} {shown(path)}".strip()
    if str(path) == "":
        raise error(f"{label}: the path is empty; give the file's path")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error(f"{name} does not exist") from None
    except (OSError, ValueError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise error(f"cannot read {name}: {reason}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(f"{name} is a folder; give a file")
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{name} is not a regular file (a FIFO, socket or device); give a file")
        if info.st_size > limit:
            raise error(f"{name} is larger than {_size(limit)}; give a smaller file")
        # The size can change after fstat: read at most one byte past the bound.
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            try:
                chunk = os.read(fd, limit + 1 - total)
            except OSError as err:
                raise error(f"cannot read {name}: {err.strerror}") from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise error(f"{name} is larger than {_size(limit)}; give a smaller file")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_input_text(path: Path | str, label: str, limit: int, error: type[Exception]) -> str:
    """:func:`read_input_bytes`, decoded as UTF-8 (a leading byte-order mark is dropped)."""
    data = read_input_bytes(path, label, limit, error)
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        where = f"byte 0x{data[err.start]:02x} at offset {err.start}"
        raise error(f"{label} {shown(path)} is not UTF-8 text ({where}); save it as UTF-8".strip()) from None
