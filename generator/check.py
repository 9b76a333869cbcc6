"""``byoi check``: read a Dockerfile and the scripts it copies in, run the target's rules.

:func:`check_paths` is the entry point (``byoi new`` calls it on what it writes); it
returns :class:`Finding` objects after inline, file-wide and configured silencing and
level overrides. :func:`failed` applies the failure threshold.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from generator.checkconfig import CheckConfig
from generator.dockerfile.model import Model, build
from generator.dockerfile.parser import DockerfileSyntaxError, parse
from generator.rules import LEVELS, TARGETS
from generator.rules.base import Context, Script, heredoc_lines, level_rank
from generator.rules.registry import RULES, rules_for

#: File names a build-context folder's Dockerfile may have, in the order Docker and Podman look.
DOCKERFILE_NAMES = ("Dockerfile", "Containerfile")
#: Limits on what is read from the build context when looking for copied scripts
#: (a ``COPY . .`` of a large context must not make checking slow).
MAX_SCRIPT_BYTES = 1_000_000
MAX_SCRIPTS = 200
MAX_FILES = 5_000
#: Folders never worth walking for scripts.
_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "venv", "site-packages"})
_SHEBANG = re.compile(r"#!\s*\S*?(?:/|env\s+)(?:ba|da|z|k|a)?sh\b")
_SCRIPT_SUFFIXES = (".sh", ".bash")
_IGNORE = re.compile(r"#\s*byoi\s+(global\s+)?ignore\s*=\s*([A-Za-z0-9]+(?:\s*,\s*[A-Za-z0-9]+)*)")


class CheckError(ValueError):
    """Bad input: a missing or unreadable file, an unknown target. One line, exit status 2."""


@dataclass(frozen=True, order=True)
class Finding:
    """One problem, shaped like a hadolint finding."""

    file: str
    line: int
    column: int
    level: str
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: file, line, column, level, code, message."""
        return asdict(self)


def failed(findings: Iterable[Finding], config: CheckConfig | None = None) -> bool:
    """True when a finding is at or above the failure threshold (default: error)."""
    threshold = (config or CheckConfig()).failure_threshold
    if threshold not in LEVELS:
        return False
    limit = level_rank(threshold)
    return any(level_rank(f.level) <= limit for f in findings)


def find_dockerfile(path: Path) -> Path:
    """The Dockerfile ``path`` names: itself, or the one in the build-context folder."""
    if path.is_dir():
        for name in DOCKERFILE_NAMES:
            if (path / name).is_file():
                return path / name
        raise CheckError(f"{path} has no Dockerfile; give the Dockerfile's path or its build-context folder")
    if not path.exists():
        raise CheckError(f"{path} does not exist")
    return path


def read_text(path: Path) -> str:
    """A text file's content; CheckError for anything that is not UTF-8 text."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CheckError(f"cannot read {path}: {err.strerror or err}") from None
    if b"\x00" in data[:8192]:
        raise CheckError(f"{path} is a binary file, not a Dockerfile")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CheckError(f"{path} is not UTF-8 text (byte {err.start}); save it as UTF-8") from None


def check_paths(paths: list[Path], target: str, config: CheckConfig | None = None) -> list[Finding]:
    """Check each Dockerfile (or build-context folder) in ``paths`` for ``target``."""
    if target not in TARGETS:
        raise CheckError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    findings: list[Finding] = []
    for path in paths:
        dockerfile = find_dockerfile(path)
        findings += check_text(
            read_text(dockerfile), target, file=str(dockerfile), context=dockerfile.parent, config=config
        )
    return findings


def check_text(
    text: str,
    target: str,
    *,
    file: str = "Dockerfile",
    context: Path | None = None,
    config: CheckConfig | None = None,
) -> list[Finding]:
    """Check a Dockerfile's text; ``context`` is the build-context folder its scripts come from."""
    config = config or CheckConfig()
    try:
        parsed = parse(text)
    except DockerfileSyntaxError as err:
        ctx = Context(target, file, None, None, syntax_error=err)
        lines = text.replace("\r\n", "\n").split("\n")
    else:
        model = build(parsed)
        ctx = Context(target, file, parsed, model, _scripts(model, file, context))
        lines = parsed.lines
    raw: list[Finding] = []
    for rule in rules_for(target):
        if ctx.dockerfile is None and not rule.on_syntax_error:
            continue
        level = config.override.get(rule.code, rule.level)
        for hit in rule(ctx):
            raw.append(Finding(hit.file or file, hit.line, 1, level, rule.code, hit.message))
    return sorted(_silence(raw, ctx, lines, config), key=lambda f: (f.file != file, f.file, f.line, f.code))


# --- scripts the image copies in ------------------------------------------------------


def _script_text(path: Path) -> str | None:
    """The text of ``path`` if it is a shell script (by name or shebang), else None."""
    try:
        if path.stat().st_size > MAX_SCRIPT_BYTES:
            return None
        with path.open("rb") as handle:
            head = handle.read(256)
            if not path.name.endswith(_SCRIPT_SUFFIXES) and not _SHEBANG.match(head.decode("utf-8", "replace")):
                return None
            return (head + handle.read()).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _display(file: str, context: Path, path: Path) -> str:
    """``path`` shown relative to where the Dockerfile was named from."""
    base = Path(file).parent
    try:
        return str(base / path.resolve().relative_to(context.resolve()))
    except ValueError:
        return str(path)


def _context_files(context: Path, source: str) -> Iterator[Path]:
    """Files of the build context a COPY/ADD source names (globs and folders included)."""
    if "://" in source or source.startswith("git@"):
        return
    import glob  # only COPY/ADD sources need it

    rel = source.lstrip("/")
    root = context.resolve()
    pattern = str(root / rel) if rel not in ("", ".") else str(root)
    for match in sorted(glob.glob(pattern)) if glob.has_magic(rel) else [pattern]:
        path = Path(match)
        try:
            path.resolve().relative_to(root)
        except ValueError:
            continue  # outside the build context: the build refuses it anyway
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIPPED_DIRS)
                for name in sorted(filenames):
                    yield Path(dirpath) / name
        elif path.is_file():
            yield path


def _scripts(model: Model, file: str, context: Path | None) -> list[Script]:
    """Shell scripts the final image gets from the build context or from COPY heredocs."""
    final = model.final
    if final is None:
        return []
    scripts: list[Script] = []
    seen: set[Path] = set()
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
                for path in _context_files(context, source):
                    visited += 1
                    if visited > MAX_FILES or len(scripts) >= MAX_SCRIPTS:
                        return scripts
                    if path in seen:
                        continue
                    seen.add(path)
                    text = _script_text(path)
                    if text is not None:
                        dest = copy.target_of(str(PurePosixPath(source)))
                        scripts.append(Script(_display(file, context, path), text, dest, 1))
    return scripts


# --- silencing --------------------------------------------------------------------------


def _codes(text: str) -> set[str]:
    return {c.strip().upper() for c in text.split(",") if c.strip()}


def _comment_block_above(lines: list[str], line: int) -> Iterator[str]:
    """The comment lines directly above ``line`` (1-based), nearest first."""
    i = line - 2
    while i >= 0 and lines[i].lstrip().startswith("#"):
        yield lines[i]
        i -= 1


def _ignores(lines: list[str]) -> tuple[set[str], dict[int, set[str]]]:
    """Codes ignored file-wide, and codes ignored per line (the line below the comment block)."""
    global_codes: set[str] = set()
    per_line: dict[int, set[str]] = {}
    for number in range(1, len(lines) + 1):
        for comment in _comment_block_above(lines, number):
            m = _IGNORE.search(comment)
            if m and not m.group(1):
                per_line.setdefault(number, set()).update(_codes(m.group(2)))
    for text in lines:
        m = _IGNORE.search(text)
        if m and m.group(1) and text.lstrip().startswith("#"):
            global_codes |= _codes(m.group(2))
    return global_codes, per_line


def _silence(findings: list[Finding], ctx: Context, lines: list[str], config: CheckConfig) -> Iterator[Finding]:
    """Drop findings silenced by config, by ``# byoi global ignore=`` or ``# byoi ignore=``."""
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
        if finding.code in config.ignored or finding.code in global_codes:
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
