"""``byoi check``: read a Dockerfile and the scripts it copies in, run the target's rules.

:func:`check_paths` is the entry point (``byoi new`` calls it on what it writes); it
returns :class:`Finding` objects after inline, file-wide and configured silencing and
level overrides. :func:`failed` applies the failure threshold.
"""

from __future__ import annotations

import os
import re
import stat

from generator.dockerfile.model import build
from generator.dockerfile.parser import DockerfileSyntaxError, parse
from generator.rules import LEVELS, TARGETS
from generator.rules.base import Context, Script, heredoc_lines, level_rank
from generator.rules.registry import RULES, rules_for

# No dataclasses, pathlib or typing at run time: ``byoi check`` runs on every commit,
# and those imports cost more than checking a file (see bench/).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from typing import Any

    from generator.checkconfig import CheckConfig
    from generator.dockerfile.model import Model

#: File names a build-context folder's Dockerfile may have, in the order Docker and Podman look.
DOCKERFILE_NAMES = ("Dockerfile", "Containerfile")
#: Largest Dockerfile read. BuildKit has no limit, but no real Dockerfile comes near
#: (the largest in the wild are tens of KiB); a larger file is refused with one line,
#: so a mistaken path (a log, an image) cannot make checking slow.
MAX_DOCKERFILE_BYTES = 1024 * 1024
#: Limits on what is read from the build context when looking for copied scripts
#: (a ``COPY . .`` of a large context must not make checking slow). A script larger
#: than MAX_SCRIPT_BYTES is not checked.
MAX_SCRIPT_BYTES = 1_000_000
MAX_SCRIPTS = 200
MAX_FILES = 5_000
#: Folders never worth walking for scripts.
_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "venv", "site-packages"})
_SHEBANG = re.compile(r"#!\s*\S*?(?:/|env\s+)(?:ba|da|z|k|a)?sh\b")
_SCRIPT_SUFFIXES = (".sh", ".bash")
_IGNORE = re.compile(r"#\s*byoi\s+(global\s+)?ignore\s*=\s*([A-Za-z0-9]+(?:\s*,\s*[A-Za-z0-9]+)*)")
#: What is not a regular file, for messages.
_NOT_REGULAR = "not a regular file (a FIFO, device or socket would never end or never start)"


class CheckError(ValueError):
    """Bad input: a missing or unreadable file, an unknown target. One line, exit status 2."""


class Finding:
    """One problem, shaped like a hadolint finding."""

    __slots__ = ("code", "column", "file", "level", "line", "message")

    def __init__(self, file: str, line: int, column: int, level: str, code: str, message: str) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.level = level
        self.code = code
        self.message = message

    def _key(self) -> tuple[str, int, int, str, str, str]:
        return (self.file, self.line, self.column, self.level, self.code, self.message)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Finding) and self._key() == other._key()

    def __lt__(self, other: Finding) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Finding({self.file!r}, {self.line}, {self.column}, {self.level!r}, {self.code!r}, {self.message!r})"

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: file, line, column, level, code, message."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "level": self.level,
            "code": self.code,
            "message": self.message,
        }


def failed(findings: Iterable[Finding], config: CheckConfig | None = None) -> bool:
    """True when a finding is at or above the failure threshold (default: error)."""
    threshold = config.failure_threshold if config is not None else "error"
    if threshold not in LEVELS:
        return False
    limit = level_rank(threshold)
    return any(level_rank(f.level) <= limit for f in findings)


def display_path(path: str) -> str:
    """``path`` as pathlib prints it (``./a//b/`` -> ``a/b``), without importing pathlib."""
    if not path:
        return "."
    root = "/" if path.startswith("/") else ""
    return root + "/".join(p for p in path.split("/") if p and p != ".") or root or "."


def _stat(path: str) -> os.stat_result | None:
    """``os.stat`` (links followed), None when ``path`` does not exist or cannot be read."""
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def find_dockerfile(path: str | os.PathLike[str]) -> str:
    """The Dockerfile ``path`` names: itself, or the one in the build-context folder."""
    name = display_path(os.fspath(path))
    info = _stat(name)
    if info is None:
        raise CheckError(f"{name} does not exist")
    if stat.S_ISDIR(info.st_mode):
        for candidate in DOCKERFILE_NAMES:
            inside = f"{name}/{candidate}" if name != "." else candidate
            found = _stat(inside)
            if found is not None and not stat.S_ISDIR(found.st_mode):
                return inside
        raise CheckError(f"{name} has no Dockerfile; give the Dockerfile's path or its build-context folder")
    return name


def _open_regular(path: str) -> int:
    """A descriptor on ``path``, refusing anything but a regular file without blocking.

    ``O_NONBLOCK``: opening a FIFO for reading otherwise waits for a writer forever.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CheckError(f"{path} is {_NOT_REGULAR}; give a Dockerfile")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _read_at_most(fd: int, limit: int) -> bytes:
    """Up to ``limit + 1`` bytes of ``fd`` (one more than allowed tells a file is too large)."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = os.read(fd, min(limit + 1 - size, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def read_text(path: str | os.PathLike[str]) -> str:
    """A Dockerfile's text; CheckError for anything that is not a regular UTF-8 text file
    of at most :data:`MAX_DOCKERFILE_BYTES`."""
    name = os.fspath(path)
    try:
        if stat.S_ISDIR(os.stat(name).st_mode):
            raise CheckError(f"{name} is a folder, not a Dockerfile")
        fd = _open_regular(name)
        try:
            data = _read_at_most(fd, MAX_DOCKERFILE_BYTES)
        finally:
            os.close(fd)
    except OSError as err:
        raise CheckError(f"cannot read {name}: {err.strerror or err}") from None
    except ValueError as err:  # a NUL in the path
        raise CheckError(f"cannot read {name!r}: {err}") from None
    if len(data) > MAX_DOCKERFILE_BYTES:
        raise CheckError(
            f"{name} is larger than {MAX_DOCKERFILE_BYTES >> 20} MiB, far beyond any Dockerfile; "
            "give the path of a Dockerfile"
        )
    if b"\x00" in data[:8192]:
        raise CheckError(f"{name} is a binary file, not a Dockerfile")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CheckError(f"{name} is not UTF-8 text (byte {err.start}); save it as UTF-8") from None


def check_paths(
    paths: Sequence[str | os.PathLike[str]], target: str, config: CheckConfig | None = None
) -> list[Finding]:
    """Check each Dockerfile (or build-context folder) in ``paths`` for ``target``."""
    if target not in TARGETS:
        raise CheckError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    findings: list[Finding] = []
    contexts = ContextFiles()
    for path in paths:
        dockerfile = find_dockerfile(path)
        folder = os.path.dirname(dockerfile) or "."
        findings += check_text(
            read_text(dockerfile), target, file=dockerfile, context=folder, config=config, files=contexts
        )
    return findings


def check_text(
    text: str,
    target: str,
    *,
    file: str = "Dockerfile",
    context: str | os.PathLike[str] | None = None,
    config: CheckConfig | None = None,
    files: ContextFiles | None = None,
) -> list[Finding]:
    """Check a Dockerfile's text; ``context`` is the build-context folder its scripts come from.

    ``files`` caches what was read from build contexts, for several Dockerfiles that
    share one (each context folder is walked once).
    """
    override = config.override if config is not None else {}
    try:
        parsed = parse(text)
    except DockerfileSyntaxError as err:
        ctx = Context(target, file, None, None, syntax_error=err)
        lines = text.replace("\r\n", "\n").split("\n")
    else:
        model = build(parsed)
        folder = os.fspath(context) if context is not None else None
        ctx = Context(target, file, parsed, model, _scripts(model, file, folder, files or ContextFiles()))
        lines = parsed.lines
    raw: list[Finding] = []
    for rule in rules_for(target):
        if ctx.dockerfile is None and not rule.on_syntax_error:
            continue
        level = override.get(rule.code, rule.level)
        for hit in rule(ctx):
            raw.append(Finding(hit.file or file, hit.line, 1, level, rule.code, hit.message))
    return sorted(_silence(raw, ctx, lines, config), key=lambda f: (f.file != file, f.file, f.line, f.code))


# --- scripts the image copies in ------------------------------------------------------


class ContextFiles:
    """What was read from build contexts: the files under each folder (walked once, at
    most :data:`MAX_FILES`), each file's script text (read once), and the scripts among
    a folder's files (found once: a thousand Dockerfiles that ``COPY . .`` from one
    folder of a thousand files cost a thousand steps, not a million)."""

    __slots__ = ("_folder_scripts", "_scripts", "_walks")

    def __init__(self) -> None:
        self._walks: dict[str, list[str]] = {}
        self._scripts: dict[str, str | None] = {}
        self._folder_scripts: dict[str, list[tuple[int, str, str]]] = {}

    def scripts_under(self, folder: str) -> list[tuple[int, str, str]]:
        """(position in :meth:`under`, path, text) of each script under ``folder``."""
        found = self._folder_scripts.get(folder)
        if found is None:
            found = []
            for position, path in enumerate(self.under(folder)):
                text = self.script(path)
                if text is not None:
                    found.append((position, path, text))
            self._folder_scripts[folder] = found
        return found

    def under(self, folder: str) -> list[str]:
        """Files under ``folder`` (hidden and dependency folders skipped), sorted, at
        most MAX_FILES + 1 (one more than allowed tells the walk stopped)."""
        found = self._walks.get(folder)
        if found is None:
            found = self._walks[folder] = self._walk(folder)
        return found

    @staticmethod
    def _walk(folder: str) -> list[str]:
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIPPED_DIRS)
            for name in sorted(filenames):
                found.append(os.path.join(dirpath, name))
                if len(found) > MAX_FILES:
                    return found
        return found

    def script(self, path: str) -> str | None:
        """The text of ``path`` if it is a shell script (by name or shebang), else None."""
        if path not in self._scripts:
            self._scripts[path] = _script_text(path)
        return self._scripts[path]


def _script_text(path: str) -> str | None:
    """The text of ``path`` if it is a regular file and a shell script (by name or
    shebang) of at most MAX_SCRIPT_BYTES, else None. Never blocks: a FIFO, a device or a
    link to one (``/dev/zero``) is not read."""
    info = _stat(path)
    if info is None or not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SCRIPT_BYTES:
        return None
    try:
        fd = _open_regular(path)
    except (OSError, CheckError):
        return None
    try:
        head = os.read(fd, 256)
        if not path.endswith(_SCRIPT_SUFFIXES) and not _SHEBANG.match(head.decode("utf-8", "replace")):
            return None
        data = head + _read_at_most(fd, MAX_SCRIPT_BYTES - len(head))
        if len(data) > MAX_SCRIPT_BYTES:
            return None
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    finally:
        os.close(fd)


def _display(file: str, context: str, path: str) -> str:
    """``path`` shown relative to where the Dockerfile was named from."""
    base = os.path.dirname(file)
    root = os.path.realpath(context)
    real = os.path.realpath(path)
    if real != root and not real.startswith(root.rstrip("/") + "/"):
        return path
    rel = os.path.relpath(real, root)
    return display_path(f"{base}/{rel}" if base else rel)


def _context_sources(context: str, source: str) -> Iterator[tuple[str, bool]]:
    """(path, is a folder) for what a COPY/ADD source names in the build context (globs
    expanded); what is outside the context, missing or not a regular file is left out."""
    if "://" in source or source.startswith("git@"):
        return
    import glob  # only COPY/ADD sources need it

    rel = source.lstrip("/")
    root = os.path.realpath(context)
    pattern = os.path.join(root, rel) if rel not in ("", ".") else root
    for match in sorted(glob.glob(pattern)) if glob.has_magic(rel) else [pattern]:
        real = os.path.realpath(match)
        if real != root and not real.startswith(root.rstrip("/") + "/"):
            continue  # outside the build context: the build refuses it anyway
        info = _stat(match)
        if info is None:
            continue
        if stat.S_ISDIR(info.st_mode):
            yield os.path.normpath(match), True
        elif stat.S_ISREG(info.st_mode):
            yield os.path.normpath(match), False


def _scripts(model: Model, file: str, context: str | None, files: ContextFiles) -> list[Script]:
    """Shell scripts the final image gets from the build context or from COPY heredocs."""
    final = model.final
    if final is None:
        return []
    scripts: list[Script] = []
    seen: set[str] = set()
    visited = 0
    for stage in final.chain():
        for copy in stage.copies:
            if not copy.from_context:
                continue
            for doc, first in heredoc_lines(copy.instruction):
                dest = copy.target_of(doc.name)
                scripts.append(Script(file, doc.text, dest, first))
            if context is None:
                continue
            for source in copy.sources:
                if source in copy.heredocs:
                    continue
                dest = copy.target_of(display_path(source))
                for found, is_folder in _context_sources(context, source):
                    if is_folder:
                        # Only the folder's scripts are visited; the files before each
                        # count towards MAX_FILES as they would one by one.
                        found_scripts = files.scripts_under(found)
                        count = len(files.under(found))
                    else:
                        text = files.script(found)
                        found_scripts = [(0, found, text)] if text is not None else []
                        count = 1
                    for position, path, text in found_scripts:
                        if visited + position + 1 > MAX_FILES or len(scripts) >= MAX_SCRIPTS:
                            return scripts
                        if path not in seen:
                            seen.add(path)
                            scripts.append(Script(_display(file, context, path), text, dest, 1))
                    visited += count
                    if visited > MAX_FILES:
                        return scripts
    return scripts


# --- silencing --------------------------------------------------------------------------


def _codes(text: str) -> set[str]:
    return {c.strip().upper() for c in text.split(",") if c.strip()}


def _ignores(lines: list[str]) -> tuple[set[str], dict[int, set[str]]]:
    """Codes ignored file-wide, and codes ignored per line (the line below the comment block)."""
    global_codes: set[str] = set()
    per_line: dict[int, set[str]] = {}
    block: set[str] = set()  # codes of the comment block above the current line
    for number, text in enumerate(lines, 1):
        if not text.lstrip().startswith("#"):
            if block:
                per_line[number] = block
                block = set()
            continue
        m = _IGNORE.search(text)
        if m:
            if m.group(1):
                global_codes |= _codes(m.group(2))
            else:
                block |= _codes(m.group(2))
    return global_codes, per_line


def _silence(findings: list[Finding], ctx: Context, lines: list[str], config: CheckConfig | None) -> Iterator[Finding]:
    """Drop findings silenced by config, by ``# byoi global ignore=`` or ``# byoi ignore=``."""
    ignored = config.ignored if config is not None else frozenset()
    global_codes, per_line = _ignores(lines)
    # An inline ignore above an instruction covers all of its lines (continuations, heredocs).
    if ctx.dockerfile is not None:
        for ins in ctx.dockerfile.instructions:
            codes = per_line.get(ins.start_line)
            if codes:
                for number in range(ins.start_line + 1, ins.end_line + 1):
                    per_line.setdefault(number, set()).update(codes)
    script_ignores: dict[str, tuple[set[str], dict[int, set[str]]]] = {}
    for script in ctx.scripts:
        if script.file != ctx.file:
            script_ignores[script.file] = _ignores(script.text.split("\n"))
    for finding in findings:
        if finding.code in ignored or finding.code in global_codes:
            continue
        if finding.file == ctx.file:
            if finding.code in per_line.get(finding.line, ()):
                continue
        else:
            file_global, file_lines = script_ignores.get(finding.file, (set(), {}))
            if finding.code in file_global or finding.code in file_lines.get(finding.line, ()):
                continue
        yield finding


__all__ = ["RULES", "CheckError", "Finding", "check_paths", "check_text", "failed"]
