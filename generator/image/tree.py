"""The image's file system: its layers merged, whiteouts applied, links resolved inside it.

Symlinks are followed inside the image's own tree (an absolute target starts at the
image's root, never the host's), so ``/bin/sh -> dash`` and usrmerge's ``/bin -> usr/bin``
resolve as they will in the container.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from generator.image.archive import Entry, Layer, normalize

#: Docker's PATH when the config sets none.
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#: Linux gives up after this many symlinks in one lookup (ELOOP).
MAX_LINKS = 40


@dataclass(frozen=True)
class Found:
    """A path resolved in the image: where it really is, and what is there."""

    path: str
    entry: Entry


def _with_parents(entries: list[Entry]) -> list[Entry]:
    """A layer's entries, each preceded by the folders it needs that the layer has no entry for.

    Engines unpack each layer into an empty folder and create a missing parent there as
    ``mkdir -p`` does: mode 0755, owned by root (containers/storage and moby's
    ``UnpackLayer``). Overlayfs then shows that folder over the lower layers' folder of the
    same path, so its mode and owner are what the container sees, and a symlink below
    (``/bin -> usr/bin``) is replaced by the new folder. A whiteout needs its parent too.
    """
    explicit = {e.path for e in entries if e.kind not in ("whiteout", "opaque")}
    made: set[str] = set()
    result: list[Entry] = []
    for entry in entries:
        parent = entry.path if entry.kind == "opaque" else entry.path.rpartition("/")[0]
        missing = []
        while parent and parent not in explicit and parent not in made:
            missing.append(parent)
            made.add(parent)
            parent = parent.rpartition("/")[0]
        result.extend(Entry(path, "dir", 0o755) for path in reversed(missing))
        result.append(entry)
    return result


class Tree:
    """The merged file system of an image's layers."""

    def __init__(self, layers: Iterable[Layer]) -> None:
        self.entries: dict[str, Entry] = {"": Entry("", "dir", 0o755)}
        for layer in layers:
            self._apply(layer)

    def _remove(self, whole: set[str], contents: set[str]) -> None:
        """Delete the paths in ``whole`` with everything below them, and everything below ``contents``.

        One pass over the tree, looking each path's ancestors up in the sets, so that a
        layer with many whiteouts costs no more than one with a few.
        """
        if not whole and not contents:
            return
        doomed = []
        for path in self.entries:
            if not path:
                continue
            if path in whole:
                doomed.append(path)
                continue
            parent = path
            while parent:
                parent = parent.rpartition("/")[0]
                if parent in whole or parent in contents:
                    doomed.append(path)
                    break
        for path in doomed:
            del self.entries[path]

    def _apply(self, layer: Layer) -> None:
        # Whiteouts hide what the layers below have, not what this layer adds.
        self._remove(
            {e.path for e in layer.entries if e.kind == "whiteout"},
            {e.path for e in layer.entries if e.kind == "opaque"},
        )
        replaced_dirs = set()
        for entry in _with_parents(layer.entries):
            if entry.kind in ("opaque", "whiteout"):
                continue
            previous = self.entries.get(entry.path)
            if previous is not None and previous.kind == "dir" and entry.kind != "dir":
                replaced_dirs.add(entry.path)
            if entry.kind == "hardlink":
                target = self.entries.get(entry.link)
                entry = replace(target, path=entry.path) if target is not None else replace(entry, kind="other")
            self.entries[entry.path] = entry
        # A folder replaced by a file or link takes its old contents with it.
        self._remove(set(), replaced_dirs)

    def get(self, path: str) -> Entry | None:
        """The entry at exactly ``path`` (no link followed)."""
        return self.entries.get(normalize(path))

    def resolve(self, path: str, *, follow: bool = True) -> Found | None:
        """``path`` with every symlink on the way followed inside the image; None if absent."""
        todo = [p for p in normalize(path).split("/") if p]
        done: list[str] = []
        links = 0
        while todo:
            part = todo.pop(0)
            if part == "..":
                if done:
                    done.pop()
                continue
            current = "/".join([*done, part])
            entry = self.entries.get(current)
            if entry is None:
                return None
            if entry.kind == "symlink" and (todo or follow):
                links += 1
                if links > MAX_LINKS:
                    return None
                target = entry.link
                base = [] if target.startswith("/") else done
                todo = [p for p in target.split("/") if p and p != "."] + todo
                done = list(base)
                continue
            if todo and entry.kind != "dir":
                return None
            done.append(part)
        final = "/".join(done)
        entry = self.entries.get(final)
        return Found(final, entry) if entry is not None else None

    def read(self, path: str) -> bytes | None:
        """The kept content of the file at ``path`` (links followed), or None."""
        found = self.resolve(path)
        return found.entry.data if found is not None and found.entry.kind == "file" else None

    def below(self, path: str) -> Iterator[Entry]:
        """Every entry under the folder ``path`` (not following links)."""
        prefix = normalize(path) + "/"
        for key, entry in self.entries.items():
            if key.startswith(prefix):
                yield entry

    def which(self, program: str, path_variable: str | None, workdir: str = "/") -> Found | None:
        """What ``program`` runs as: a path (relative to ``workdir``) or a name looked up in PATH."""
        if "/" in program:
            return self.resolve(posixpath.join(workdir or "/", program))
        for folder in (path_variable if path_variable is not None else DEFAULT_PATH).split(":"):
            found = self.resolve(posixpath.join(folder or ".", program) if folder else program)
            if found is not None and found.entry.kind == "file":
                return found
        return None
