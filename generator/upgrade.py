"""``byoi upgrade``: re-render a project with this byoi and merge it with the user's edits.

Each file is merged three ways: the base is what byoi wrote last (the project's record,
``.byoi/record.json``), ours the file as the user has it, theirs this byoi's output for the
recorded answers plus any changed by flags. The merge is ``git merge-file``: it writes the
standard git conflict markers people already know how to resolve, and it is run as a
program, so byoi (Apache-2.0) needs no GPL merge library. Without git, a file both sides
changed is kept and byoi's version is written beside it, as ``byoi new --force`` does.

Answers recorded by an older byoi go through :data:`MIGRATIONS` first.
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import __version__, project
from generator.answers import AnswerError

if TYPE_CHECKING:
    from generator.targets.base import CommonAnswers, Target


@dataclass(frozen=True)
class Migration:
    """A change to the answers in a byoi version: answers recorded before it are converted."""

    #: The byoi version that made the change.
    version: str
    #: What it does, as told to the user (e.g. "renamed answer x to y").
    describe: str
    #: Raw answers-file values (``target`` included) -> converted values.
    apply: Callable[[dict[str, Any]], dict[str, Any]]


#: Every migration, oldest first. Add one whenever an answer is renamed, removed or
#: changes meaning; projects record the byoi version that wrote them.
MIGRATIONS: list[Migration] = []


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for part in text.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def migrate(values: dict[str, Any], written_by: str) -> tuple[dict[str, Any], list[str]]:
    """Apply the migrations newer than ``written_by`` (``"0"``: unknown); say what each did."""
    said = []
    for migration in MIGRATIONS:
        if _version(written_by) < _version(migration.version):
            values = migration.apply(dict(values))
            said.append(f"migrated the answers to byoi {migration.version}: {migration.describe}")
    return values, said


@dataclass(frozen=True)
class Loaded:
    """A project found on disk: where, its record (if any), its answers, migrated."""

    out: Path
    record: project.Record | None
    target: Target
    values: dict[str, Any]
    notes: list[str]
    #: Whether migrations changed the answers (then the answers file is rewritten).
    migrated: bool = False


def load(directory: Path) -> Loaded:
    """Read a project's record and answers file (``byoi.yaml``), migrated; refuse what cannot be."""
    from generator.answers import load_answers_file
    from generator.render import ANSWERS_FILE
    from generator.targets import TARGETS

    out = project.resolve_output(directory)
    if not out.is_dir():
        raise AnswerError(f"{directory} is not a folder; name a project byoi wrote: byoi upgrade DIR")
    record = project.read_record(out)
    if project.read_ours(out, ANSWERS_FILE) is not None:
        values = load_answers_file(out / ANSWERS_FILE)
    elif record is not None:
        values = dict(record.answers)
    else:
        raise AnswerError(
            f"{directory} has no {ANSWERS_FILE}, so it is not a project byoi or its cookiecutter templates wrote; "
            "give the project's folder: byoi upgrade DIR"
        )
    written_by = record.byoi_version if record is not None else "0"
    if _version(written_by) > _version(__version__):
        raise AnswerError(f"{directory} was written by byoi {written_by}, newer than this byoi {__version__}")
    values, notes = migrate(values, written_by)
    migrated = bool(notes)
    name = values.pop("target", None) or (record.target if record else None)
    if name not in TARGETS:
        raise AnswerError(f"{out / ANSWERS_FILE}: target {name!r} is not one this byoi writes ({', '.join(TARGETS)})")
    target = TARGETS[name]
    if record is None:
        notes.append(
            f"{directory} has no record of what byoi wrote (cookiecutter wrote it, or a byoi from before the "
            f"record): the base of the merge is its {ANSWERS_FILE} rendered by this byoi, so changes in byoi's own "
            "templates since then are not "
            "applied to files you kept; the record is written now"
        )
    return Loaded(out, record, target, values, notes, migrated)


def git_merge(rel: str, base: bytes, ours: bytes, theirs: bytes) -> tuple[bytes, int] | None:
    """Three-way merge with ``git merge-file``: (merged, conflicts), or None (binary, or no git)."""
    git = shutil.which("git")
    if git is None or any(b"\0" in text for text in (base, ours, theirs)):
        return None
    with tempfile.TemporaryDirectory(prefix="byoi-merge-") as tmp:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(tmp) / name
            path.write_bytes(text)
            paths.append(str(path))
        labels = ["-L", "yours", "-L", "byoi, last time", "-L", f"byoi {__version__}"]
        proc = subprocess.run([git, "merge-file", "-p", *labels, *paths], capture_output=True, check=False)
    # The exit status is the number of conflicts (at most 127); an error is negative.
    if proc.returncode > 127:
        return None
    return proc.stdout, proc.returncode


@dataclass(frozen=True)
class Outcome:
    """What an upgrade did (or, dry, would do)."""

    changes: list[project.Change]
    #: Whether the record changes (a first record, another byoi version, other answers).
    record_changes: bool
    notes: list[str]
    diff: str

    @property
    def changed(self) -> bool:
        """Whether upgrading changes anything in the project."""
        return self.record_changes or any(c.changes_project for c in self.changes)

    @property
    def conflicts(self) -> list[str]:
        """Files left with conflict markers, or with byoi's version beside them to merge by hand."""
        return [c.path for c in self.changes if c.action in ("conflict", "beside")]


@contextmanager
def _work(out: Path, dry: bool) -> Iterator[Path]:
    if dry:  # writes nothing in the project, not even a staging folder
        with project.temporary(Path(tempfile.gettempdir())) as tmp:
            yield tmp
    else:
        with project.staging(out, inside=True) as tmp:
            yield tmp


def _render(target: Target, answers: CommonAnswers, where: Path) -> project.Files:
    from generator.render import render_project, self_check

    where.parent.mkdir(parents=True)
    try:
        render_project(target, answers, where)
    except OSError as err:  # a full disk, most likely: the staging folder goes, nothing else changed
        raise AnswerError(f"cannot render the project: {err.strerror}; nothing was written") from None
    self_check(target, where)
    return project.read_tree(where)


def run(loaded: Loaded, flags: dict[str, Any], *, dry: bool) -> Outcome:
    """Upgrade the project (``dry``: only say what would change), all or nothing."""
    from generator.answers import merge_sources
    from generator.render import ANSWERS_FILE

    target, out = loaded.target, loaded.out
    try:
        recorded = target.build(merge_sources(target.answers, loaded.values, out, {}))
    except AnswerError as err:
        raise AnswerError(
            f"{out / ANSWERS_FILE}: {err}; no migration of this byoi converts it: fix the answers file"
        ) from None
    answers = target.build(merge_sources(target.answers, loaded.values, out, flags))
    notes = list(loaded.notes)
    with _work(out, dry) as tmp:
        theirs = _render(target, answers, tmp / "new" / "project")
        # Without a record, the recorded answers rendered by this byoi stand for the base.
        base = loaded.record.files if loaded.record else _render(target, recorded, tmp / "old" / "project")
        changes = project.plan(out, theirs, base, git_merge, restore=False)
        if loaded.migrated:
            changes = [_rewrite_answers(c, theirs) for c in changes]
        record = project.record_of(target.name, answers.to_file(), changes)
        record_changes = loaded.record != record
        diff = _diff(out, changes)
        if not dry and (record_changes or any(c.changes_project for c in changes)):
            project.commit(out, changes, record, tmp)
    return Outcome(changes, record_changes, notes, diff)


def _rewrite_answers(change: project.Change, theirs: project.Files) -> project.Change:
    """Migrated answers are written back, or the old answers file would be read again next time."""
    from generator.render import ANSWERS_FILE

    if change.path != ANSWERS_FILE or change.path not in theirs:
        return change
    return project.Change(change.path, "update", content=theirs[change.path], base=theirs[change.path])


def _diff(out: Path, changes: list[project.Change]) -> str:
    """The changes as a unified diff (a/ the project now, b/ after the upgrade)."""
    chunks: list[str] = []
    for c in changes:
        pairs: list[tuple[str, bytes | None, bytes | None]] = []
        ours = project.read_ours(out, c.path)
        if c.content is not None:
            pairs.append((c.path, ours[0] if ours else None, c.content[0]))
        if c.action == "remove":
            pairs.append((c.path, ours[0] if ours else None, None))
        if c.beside is not None:
            pairs.append((c.path + project.NEW_SUFFIX, None, c.beside[0]))
        for rel, before, after in pairs:
            a = before.decode("utf-8", "replace").splitlines(keepends=True) if before is not None else []
            b = after.decode("utf-8", "replace").splitlines(keepends=True) if after is not None else []
            chunks.extend(
                difflib.unified_diff(
                    a,
                    b,
                    "a/" + rel if before is not None else "/dev/null",
                    "b/" + rel if after is not None else "/dev/null",
                )
            )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in chunks)
