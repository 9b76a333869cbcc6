"""Putting a project on disk safely, and the record of what byoi wrote there.

A project is rendered into a staging folder (``.byoi-XXXX``) on the destination's file
system and checked there; only then is it put in place:

- a folder that does not exist yet is moved into place with one rename;
- into an existing folder (empty, with ``--force``, or by ``byoi upgrade``) each file is
  put in place by renames kept in a journal; any failure, or SIGINT/SIGTERM arriving
  meanwhile, undoes the journal, so the folder is either updated or exactly as it was.
  The folder itself is kept (its inode and mode): ``-o .`` never pulls the shell's
  current folder away.

Nothing is written through a symbolic link, and nothing outside the output folder: a link,
a file where a folder belongs or a read-only file where byoi must write refuses the whole
run before anything changes. The destination is inspected again at the moment of the move.

The record, ``.byoi/record.json`` in every project: byoi version, target, answers, and
each file exactly as byoi wrote it (with its sha256 and executable bit). ``byoi new
--force`` compares with it to tell the files the user edited from those byoi wrote;
``byoi upgrade`` uses it as the base of its three-way merge.
"""

from __future__ import annotations

import base64
import ctypes
import errno
import hashlib
import json
import os
import shutil
import signal
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import __version__
from generator.answers import AnswerError

#: The record's folder in every project, and its parts.
RECORD_DIR = ".byoi"
RECORD_FILE = "record.json"
#: Where ``--force`` puts byoi's new version of a file the user changed.
NEW_SUFFIX = ".byoi-new"
#: Staging folders (removed at the end of every run, also on SIGINT/SIGTERM).
STAGING_PREFIX = ".byoi-"
_RECORD_FORMAT = 1
_SIGNALS = {signal.SIGINT, signal.SIGTERM}

#: A project's files: {posix relative path: (content, executable)}.
Files = dict[str, tuple[bytes, bool]]


# --- the destination -------------------------------------------------------------------


def resolve_output(out: Path) -> Path:
    """The absolute output folder: the folders above it resolved, itself as named.

    A final symbolic link to a folder is followed (the user named it); one that loops or
    leads nowhere, a name too long for the file system, or a file on the way, is refused
    with one line.
    """
    text = os.fspath(out)
    try:
        absolute = Path(os.path.abspath(text))
        resolved = Path(os.path.realpath(absolute.parent)) / absolute.name if absolute.name else absolute
        st = os.lstat(resolved)
    except FileNotFoundError:
        return _check_missing(out, resolved)
    except OSError as err:
        raise _path_error(out, err) from None
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.stat(resolved)
        except OSError as err:
            if err.errno == errno.ELOOP:
                raise AnswerError(f"{out} is a symbolic link that loops; choose another -o") from None
            raise AnswerError(f"{out} is a symbolic link to nothing ({err.strerror}); choose another -o") from None
        if not stat.S_ISDIR(target.st_mode):
            raise AnswerError(f"{out} exists and is not a folder; choose another -o")
        return Path(os.path.realpath(resolved))
    return resolved


def _check_missing(out: Path, path: Path) -> Path:
    """A destination that does not exist yet: its nearest existing ancestor must be a folder."""
    for parent in path.parents:
        try:
            st = os.stat(parent)
        except FileNotFoundError:
            continue
        except OSError as err:
            raise _path_error(out, err) from None
        if not stat.S_ISDIR(st.st_mode):
            raise AnswerError(f"{parent} is a file, not a folder: byoi cannot create {out} under it; choose another -o")
        break
    for part in path.parts:
        if len(os.fsencode(part)) > 255:
            raise AnswerError(f"the name {part[:20]}… in -o is longer than file systems allow; choose another -o")
    return path


def _path_error(out: Path, err: OSError) -> AnswerError:
    if err.errno == errno.ENAMETOOLONG:
        return AnswerError(f"a name in -o {str(out)[:40]}… is longer than file systems allow; choose another -o")
    if err.errno == errno.ENOTDIR:
        return AnswerError(f"{out}: a part of this path is a file, not a folder; choose another -o")
    if err.errno == errno.ELOOP:
        return AnswerError(f"{out}: a symbolic link in this path loops; choose another -o")
    return AnswerError(f"cannot use {out} as the output folder: {err.strerror}")


def _read_only(path: Path, st: os.stat_result) -> bool:
    """Read-only to its owner, or not writable by us (root writes anywhere: ask the mode too)."""
    return not st.st_mode & stat.S_IWUSR or not os.access(path, os.W_OK)


def _entries(out: Path, ignore: Path | None = None) -> list[str]:
    return sorted(e.name for e in os.scandir(out) if ignore is None or Path(e.path) != ignore)


def inspect_destination(out: Path, force: bool, ignore: Path | None = None) -> bool:
    """Refuse a destination byoi must not write into; return whether it exists.

    ``out`` is what :func:`resolve_output` gave. A file, a read-only folder, or a
    non-empty folder without ``force`` is refused. ``ignore`` is this run's own staging
    folder, when it lies inside ``out``.
    """
    try:
        st = os.stat(out)
    except FileNotFoundError:
        return False
    except OSError as err:
        raise _path_error(out, err) from None
    if not stat.S_ISDIR(st.st_mode):
        raise AnswerError(f"{out} exists and is not a folder; choose another -o")
    if _read_only(out, st):
        raise AnswerError(f"{out} is read-only; make it writable (chmod u+w) or choose another -o")
    names = _entries(out, ignore)
    if names and not force:
        raise AnswerError(f"{out} is not empty; choose an empty folder or pass --force to write into it")
    return True


@contextmanager
def staging(out: Path, *, inside: bool) -> Iterator[Path]:
    """A temporary folder on the destination's file system, removed afterwards (also on a signal).

    ``inside``: in ``out`` itself (which exists), so that renames into it never cross a
    file system; else in its nearest existing ancestor.
    """
    anchor = out if inside else next((p for p in out.parents if p.is_dir()), Path.cwd())
    with temporary(anchor) as tmp:
        yield tmp


@contextmanager
def temporary(anchor: Path) -> Iterator[Path]:
    """A ``.byoi-XXXX`` folder in ``anchor``, removed afterwards, even if a signal comes as it is made."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=anchor))
    except OSError as err:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise AnswerError(f"cannot write under {anchor}: {err.strerror}") from None
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a signal that came meanwhile acts here
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- reading files without following links ---------------------------------------------------


def read_tree(root: Path) -> Files:
    """Every regular file under ``root`` (a staged project), as {relative path: (content, executable)}."""
    files: Files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            mode = path.stat().st_mode
            files[path.relative_to(root).as_posix()] = (path.read_bytes(), bool(mode & stat.S_IXUSR))
    return files


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def read_ours(out: Path, rel: str) -> tuple[bytes, bool] | None:
    """The user's file at ``rel`` in ``out`` (None if absent); a link or a file on the way is refused."""
    path = out
    parts = rel.split("/")
    mode = 0
    for i, part in enumerate(parts):
        path = path / part
        st = _lstat(path)
        if st is None:
            return None
        mode = st.st_mode
        if stat.S_ISLNK(st.st_mode):
            raise AnswerError(
                f"{path} is a symbolic link; byoi never writes through links: remove it, or choose another -o"
            )
        last = i == len(parts) - 1
        if not last and not stat.S_ISDIR(st.st_mode):
            raise AnswerError(
                f"{path} is a file where byoi writes a folder; move it away, or choose another -o (nothing was written)"
            )
        if last and not stat.S_ISREG(st.st_mode):
            raise AnswerError(f"{path} is not a regular file where byoi writes one; move it away, or choose another -o")
    try:
        return path.read_bytes(), bool(mode & stat.S_IXUSR)
    except OSError as err:
        raise AnswerError(f"cannot read {path}: {err.strerror}; make it readable or move it away") from None


# --- the record ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """What byoi wrote into a project last time: its version, target, answers and files."""

    byoi_version: str
    target: str
    answers: dict[str, Any]
    files: Files


def _content(rel: str, meta: dict[str, Any]) -> bytes:
    if "lines" in meta:
        content = "\n".join(meta["lines"]).encode("utf-8")
    else:
        content = base64.b64decode(meta["base64"], validate=True)
    if hashlib.sha256(content).hexdigest() != meta["sha256"]:
        raise ValueError(f"the content recorded for {rel} does not match its sha256")
    return content


def read_record(out: Path) -> Record | None:
    """The project's record, or None when it has none (written before byoi kept one)."""
    found = read_ours(out, f"{RECORD_DIR}/{RECORD_FILE}")
    if found is None:
        return None
    where = out / RECORD_DIR / RECORD_FILE
    try:
        data = json.loads(found[0].decode("utf-8"))
        if data.get("format", 0) > _RECORD_FORMAT:
            raise AnswerError(
                f"{where} was written by byoi {data.get('byoi_version')}, newer than this byoi {__version__}; "
                "install that byoi or newer"
            )
        files = {rel: (_content(rel, meta), bool(meta["executable"])) for rel, meta in data["files"].items()}
        return Record(str(data["byoi_version"]), str(data["target"]), dict(data["answers"]), files)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise AnswerError(
            f"{where} is damaged ({err}); restore it from version control, or delete {RECORD_DIR}/ "
            "to treat every file as yours"
        ) from None


def write_record(folder: Path, record: Record) -> None:
    """Write ``record`` as a ``.byoi`` folder at ``folder`` (in staging).

    Each file's content is kept in ``record.json`` itself, as a list of lines (base64 if
    not UTF-8): one line per line keeps the record's diffs readable in version control,
    and no second copy of a script or Dockerfile lies in the project for linters and
    build contexts to find.
    """
    meta: dict[str, Any] = {}
    for rel, (content, executable) in sorted(record.files.items()):
        entry: dict[str, Any] = {"sha256": hashlib.sha256(content).hexdigest(), "executable": executable}
        try:
            entry["lines"] = content.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            entry["base64"] = base64.b64encode(content).decode("ascii")
        meta[rel] = entry
    data = {
        "about": "What byoi wrote into this project, for byoi upgrade and byoi new --force: each file as "
        "byoi wrote it. Keep it in version control; do not edit it.",
        "format": _RECORD_FORMAT,
        "byoi_version": record.byoi_version,
        "target": record.target,
        "answers": record.answers,
        "files": meta,
    }
    folder.mkdir(parents=True)
    (folder / RECORD_FILE).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# --- what to do with each file ---------------------------------------------------------------

#: A three-way merge: (path, base, ours, theirs) -> (merged, number of conflicts), or None
#: when the contents cannot be merged (binary, or no merge tool).
Merge = Callable[[str, bytes, bytes, bytes], "tuple[bytes, int] | None"]

#: How each action is reported (None: not reported), and whether it changes the project.
_REPORT: dict[str, tuple[str | None, bool]] = {
    "unchanged": (None, False),
    "create": ("added     {path}", True),
    "update": ("updated   {path}", True),
    "kept": ("kept      {path} (your changes; byoi's version did not change)", False),
    "kept-removed": ("left out  {path} (you removed it; byoi's version did not change)", False),
    "merged": ("merged    {path} (your changes and byoi's)", True),
    "conflict": ("CONFLICT  {path} (both changed the same lines: resolve the git conflict markers)", True),
    "beside": ("kept      {path} (you changed it); byoi's new version is {path}" + NEW_SUFFIX, True),
    "remove": ("removed   {path} (byoi no longer writes it)", True),
    "orphan": ("left      {path} (byoi no longer writes it, but you changed it: delete it if unused)", True),
}


@dataclass
class Change:
    """What happens to one file: ``action`` (a key of ``_REPORT``), and what is written."""

    path: str
    action: str
    #: The new content at ``path`` (None: left as it is, or removed for "remove").
    content: tuple[bytes, bool] | None = None
    #: byoi's new version, written to ``path + NEW_SUFFIX`` beside the user's file.
    beside: tuple[bytes, bool] | None = None
    #: What the record keeps as byoi's last version of ``path`` (None: not byoi's).
    base: tuple[bytes, bool] | None = None

    @property
    def changes_project(self) -> bool:
        """Whether this changes a file of the project."""
        return _REPORT[self.action][1]

    def report(self) -> str | None:
        """One line for the user, or None when there is nothing to say."""
        text = _REPORT[self.action][0]
        return None if text is None else text.format(path=self.path)


def plan(out: Path, theirs: Files, base: Files | None, merge: Merge | None, *, restore: bool) -> list[Change]:
    """Decide, file by file, how ``theirs`` (byoi's new output) goes into the project at ``out``.

    ``base`` is what byoi wrote last (None: nothing known). ``merge`` merges a file both
    changed (None, as with ``--force``: the user's file is kept and byoi's new version
    is written beside it). ``restore``: a byoi file the user deleted is written again
    (``--force``); otherwise it stays deleted unless byoi's version changed.
    """
    known = base or {}
    changes: list[Change] = []
    for rel in sorted(set(theirs) | set(known)):
        ours = read_ours(out, rel)
        new = theirs.get(rel)
        old = known.get(rel)
        if new is None:
            if ours is None:
                continue
            if old is not None and ours[0] == old[0]:
                changes.append(Change(rel, "remove"))
            elif old is not None:
                changes.append(Change(rel, "orphan"))
            continue
        if ours is None:
            if old is not None and not restore and old[0] == new[0]:
                changes.append(Change(rel, "kept-removed", base=new))
            else:
                changes.append(Change(rel, "create", content=new, base=new))
        elif ours == new:
            changes.append(Change(rel, "unchanged", base=new))
        elif ours[0] == new[0]:
            changes.append(Change(rel, "update", content=new, base=new))  # only the mode differs
        elif old is not None and ours[0] == old[0]:
            changes.append(Change(rel, "update", content=new, base=new))
        elif old is not None and old[0] == new[0]:
            changes.append(Change(rel, "kept", base=new))
        else:
            merged = merge(rel, old[0], ours[0], new[0]) if merge is not None and old is not None else None
            if merged is None:
                changes.append(Change(rel, "beside", beside=new, base=old))
            else:
                action = "conflict" if merged[1] else "merged"
                changes.append(Change(rel, action, content=(merged[0], new[1]), base=new))
    return changes


def record_of(target: str, answers: dict[str, Any], changes: list[Change]) -> Record:
    """The record after ``changes``: byoi's last version of every file still byoi's."""
    files = {c.path: c.base for c in changes if c.base is not None}
    return Record(__version__, target, answers, files)


# --- putting it in place -------------------------------------------------------------------


def _rename_noreplace(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst``, failing if ``dst`` exists (even as an empty folder).

    Linux's ``renameat2(RENAME_NOREPLACE)`` makes that one atomic step; elsewhere (or on a
    file system without it) ``dst`` is checked just before a plain rename.
    """
    renameat2 = _renameat2()
    if renameat2 is not None:
        if renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
            raise OSError(code, os.strerror(code), str(dst))
    if _lstat(dst) is not None:
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
    os.rename(src, dst)


_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


def _renameat2() -> Any:
    """glibc's ``renameat2``, or None (not Linux, or an older C library)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None


def place_new(out: Path, staged: Path) -> None:
    """Move the staged project to ``out``, which does not exist (nor its missing parents)."""
    missing = [p for p in (out, *out.parents) if _lstat(p) is None]
    top = missing[-1]
    try:
        if top != out:
            # Build the missing parents around the project in staging, then move all at once.
            holder = staged.parent / "parents"
            inner = holder / out.relative_to(top.parent)
            inner.parent.mkdir(parents=True)
            os.rename(staged, inner)
            staged = holder / top.name
        _rename_noreplace(staged, top)
    except FileExistsError:
        raise AnswerError(f"{top} appeared while byoi was writing; nothing was written: run again") from None
    except OSError as err:
        raise AnswerError(f"cannot create {top}: {err.strerror}; nothing was written") from None


@dataclass
class _Journal:
    """Renames done so far, undone in reverse order when anything fails."""

    backup: Path
    done: list[tuple[str, Path, Path | None]] = field(default_factory=list)

    def mkdir(self, path: Path) -> None:
        os.mkdir(path)
        self.done.append(("mkdir", path, None))

    def put(self, src: Path, dst: Path, *, replace: bool) -> None:
        """Put ``src`` at ``dst``; with ``replace``, the file there is moved to the backup first.

        Without it, a file at ``dst`` (one that appeared since the plan) fails the step.
        """
        parent = dst.parent
        missing = []
        while _lstat(parent) is None:
            missing.append(parent)
            parent = parent.parent
        for folder in reversed(missing):
            self.mkdir(folder)
        if replace:
            self.take(dst)
        # A hard link never replaces a file created meanwhile (a rename would); where the
        # file system has no hard links, check and rename.
        try:
            os.link(src, dst)
        except OSError as err:
            if err.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK):
                raise
            _rename_noreplace(src, dst)
        self.done.append(("put", dst, None))

    def take(self, path: Path) -> None:
        """Move ``path`` out of the project, into the backup."""
        kept = self.backup / str(len(self.done))
        os.rename(path, kept)
        self.done.append(("take", path, kept))

    def undo(self) -> None:
        for kind, path, kept in reversed(self.done):
            if kind == "mkdir":
                os.rmdir(path)
            elif kind == "put":
                os.unlink(path)
            elif kept is not None:
                os.rename(kept, path)
        self.done.clear()


def _writable_or_refuse(out: Path, changes: list[Change]) -> None:
    """Refuse, before anything changes, a read-only file or folder byoi would have to change."""
    touched: set[Path] = set()
    for c in changes:
        if c.action in ("update", "merged", "conflict", "remove"):
            path = out / c.path
            st = os.lstat(path)
            if _read_only(path, st):
                raise AnswerError(
                    f"{path} is read-only and byoi would change it; make it writable (chmod u+w) "
                    "or move it away (nothing was written)"
                )
        if c.content is not None or c.beside is not None or c.action == "remove":
            touched.add((out / c.path).parent)
    for folder in sorted(touched):
        while _lstat(folder) is None:
            folder = folder.parent
        if _read_only(folder, os.stat(folder)):
            raise AnswerError(f"{folder} is read-only; make it writable (chmod u+w) or choose another -o")


def commit(out: Path, changes: list[Change], record: Record, work: Path) -> None:
    """Apply ``changes`` and the new record to the existing folder ``out``, all or nothing.

    ``work`` is a staging folder inside ``out``. SIGINT and SIGTERM are held back while
    files move; one that arrived meanwhile undoes everything before it is acted on.
    """
    _writable_or_refuse(out, changes)
    new = work / "new"
    steps: list[tuple[Path, Path, bool]] = []
    for i, c in enumerate(changes):
        for suffix, item in (("", c.content), (NEW_SUFFIX, c.beside)):
            if item is None:
                continue
            # A link, a folder or a special file there is refused. The file itself is replaced
            # only if the plan saw one: a file that appeared since is not byoi's to replace.
            there = read_ours(out, c.path + suffix) is not None and (suffix == NEW_SUFFIX or c.action != "create")
            src = new / f"{i}{suffix}"
            src.parent.mkdir(parents=True, exist_ok=True)
            src.write_bytes(item[0])
            src.chmod(0o755 if item[1] else 0o644)  # as cookiecutter gives them (from the templates)
            steps.append((src, out / (c.path + suffix), there))
    record_there = read_ours(out, f"{RECORD_DIR}/{RECORD_FILE}") is not None
    write_record(new / RECORD_DIR, record)
    journal = _Journal(work / "backup")
    journal.backup.mkdir()
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        try:
            for src, dst, there in steps:
                journal.put(src, dst, replace=there)
            for c in changes:
                if c.action == "remove":
                    journal.take(out / c.path)
            journal.put(new / RECORD_DIR / RECORD_FILE, out / RECORD_DIR / RECORD_FILE, replace=record_there)
        except FileExistsError as err:
            journal.undo()
            raise AnswerError(
                f"{err.filename} appeared while byoi was writing; {out} is as it was: run again"
            ) from None
        except OSError as err:
            journal.undo()
            where = err.filename or out
            raise AnswerError(f"cannot write {where}: {err.strerror}; {out} is as it was") from None
        except BaseException:
            journal.undo()
            raise
        # A blocked signal stays pending even where it is ignored (Linux); an ignored one stops nothing.
        if signal.sigpending() & {s for s in _SIGNALS if signal.getsignal(s) is not signal.SIG_IGN}:
            journal.undo()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    _remove_empty_folders(out, [c.path for c in changes if c.action == "remove"])


def _remove_empty_folders(out: Path, removed: list[str]) -> None:
    """Folders left empty by removed files go too (they held only byoi's files)."""
    for rel in removed:
        folder = (out / rel).parent
        while folder != out:
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent


@dataclass(frozen=True)
class Placed:
    """What :func:`put` did: the project's files and a line for each notable change."""

    files: list[str]
    report: list[str]


def put(out: Path, staged: Path, work: Path, target: str, answers: dict[str, Any], *, force: bool) -> Placed:
    """Put the staged, checked project at ``out``, inspected again now (``byoi new``)."""
    theirs = read_tree(staged)
    files = sorted(theirs)
    if not inspect_destination(out, True, ignore=work):
        write_record(staged / RECORD_DIR, Record(__version__, target, answers, theirs))
        place_new(out, staged)
        return Placed(files, [])
    if not force and _entries(out, ignore=work):
        raise AnswerError(
            f"files appeared in {out} while byoi was writing; nothing was written: "
            "choose an empty folder or pass --force"
        )
    record = read_record(out) if force else None
    changes = plan(out, theirs, record.files if record else None, None, restore=True)
    commit(out, changes, record_of(target, answers, changes), work)
    return Placed(files, [line for c in changes if force and (line := c.report()) is not None])
