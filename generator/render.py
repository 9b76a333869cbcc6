"""Answers + a target's template -> a project on disk, all or nothing.

The project is rendered (:mod:`generator.templating`) into a staging folder on the
destination's file system, completed (CA certificates) and checked;
:mod:`generator.project` then puts it in place, so a failure leaves the destination as
it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator import cacerts
from generator.answers import AnswerError
from generator.answersfile import ANSWERS_FILE
from generator.templating import templates_dir

if TYPE_CHECKING:
    from generator.targets.base import CommonAnswers, Target

#: Name of the staged project folder (cookiecutter's ``project_slug``).
PROJECT_SLUG = "project"

__all__ = ["ANSWERS_FILE", "PROJECT_SLUG", "Written", "render_project", "templates_dir", "write_project"]


def check_destination(out: Path, force: bool) -> Path:
    """The resolved output folder, once byoi may write there (see :mod:`generator.project`).

    Refused with one line: a path that cannot be a folder (a file on the way, a looping
    link, a name too long), a read-only folder, a non-empty folder without ``force``.
    """
    from generator import project

    resolved = project.resolve_output(out)
    project.inspect_destination(resolved, force)
    return resolved


@contextmanager
def _staging(out: Path) -> Iterator[Path]:
    """A staging folder on the destination's file system: inside ``out`` if it exists."""
    from generator import project

    with project.staging(out, inside=out.is_dir()) as tmp:
        yield tmp


def render_project(target: Target, answers: CommonAnswers, dest: Path) -> None:
    """Render ``answers`` with the target's template into the (new) folder ``dest``.

    Rendered in this process with :func:`generator.templating.render_tree`, the same
    output as the cookiecutter command gives for the same answers (the equivalence tests
    compare the two byte for byte), at a fraction of its start-up cost.
    """
    from generator.templating import render_data, render_tree

    cookiecutter = {"project_slug": dest.name, "_byoi": render_data(answers)}
    render_tree(templates_dir() / target.template, cookiecutter, dest)
    cacerts.copy_into(answers.ca_certs, dest)


@dataclass(frozen=True)
class Written:
    """What :func:`write_project` wrote, and what ``byoi check`` said of it below error level.

    ``report``: a line for each file ``--force`` did not simply write (kept, written
    beside, removed).
    """

    files: list[Path]
    notes: list[str]
    report: list[str] = field(default_factory=list)


def self_check(target: Target, project: Path) -> list[str]:
    """Run ``byoi check`` on a rendered project: an error refuses it, the rest are notes."""
    from generator.check import check_paths, failed

    findings = check_paths([project], target.name)
    lines = [f"{Path(f.file).relative_to(project)}:{f.line} {f.code} {f.level}: {f.message}" for f in findings]
    if failed(findings):
        raise AnswerError(f"these answers give a project that fails byoi check: {lines[0]}")
    return lines


def write_project(target: Target, answers: CommonAnswers, out: Path, *, force: bool = False) -> Written:
    """Write the project into ``out``, all or nothing, once it checks clean of errors.

    With ``force``, into a folder that has files: those the user changed since byoi
    wrote them are kept (byoi's new version beside them), those byoi no longer writes
    are removed unless changed (see :mod:`generator.project`).
    """
    from generator import project

    out = check_destination(out, force)
    with _staging(out) as tmp:
        staged = tmp / "stage" / PROJECT_SLUG
        staged.parent.mkdir()
        try:
            render_project(target, answers, staged)
        except OSError as err:  # a full disk, most likely: the staging folder goes, nothing else changed
            raise AnswerError(f"cannot render the project beside {out}: {err.strerror}; nothing was written") from None
        notes = self_check(target, staged)
        placed = project.put(out, staged, tmp, target.name, answers.to_file(), force=force)
    return Written([Path(f) for f in placed.files], notes, placed.report)
