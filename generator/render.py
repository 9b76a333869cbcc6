"""Answers + a cookiecutter template -> a project on disk, all or nothing.

The project is rendered by cookiecutter into a staging folder on the destination's file
system, completed (CA certificates, answers file) and checked; :mod:`generator.project`
then puts it in place, so a failure leaves the destination as it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import pass_context
from jinja2.ext import Extension
from jinja2.runtime import Context

from generator import cacerts
from generator.answers import AnswerError

if TYPE_CHECKING:
    from jinja2 import Environment

    from generator.targets.base import CommonAnswers, Target

#: The answers file written into every project (re-generate with ``--config``).
ANSWERS_FILE = "byoi.yaml"
#: Name of the project folder inside the template (cookiecutter's ``project_slug``).
PROJECT_SLUG = "project"


#: For tests only: a copy of ``templates/`` the test owns, to play a newer byoi's templates.
TEMPLATES_ENV = "BYOI_TEMPLATES_DIR"


def templates_dir() -> Path:
    """The cookiecutter templates: inside the installed package, else the source tree.

    ``BYOI_TEMPLATES_DIR`` overrides it; it exists for the tests of ``byoi upgrade``,
    which need "a changed template" without editing the repository's.
    """
    import os

    if os.environ.get(TEMPLATES_ENV):
        return Path(os.environ[TEMPLATES_ENV])
    here = Path(__file__).resolve().parent
    packaged = here / "templates"
    return packaged if packaged.is_dir() else here.parent / "templates"


class ByoiExtension(Extension):
    """Jinja helpers every byoi template uses (named in each ``cookiecutter.json``).

    ``answers()`` gives the validated answers; ``partial(NAME)`` renders a snippet shared
    by all targets from ``templates/_partials``; ``shell_quote`` and ``json`` quote values
    for the shell and for JSON (Dockerfile exec form).
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals["answers"] = _answers
        environment.globals["partial"] = _partial
        environment.filters["shell_quote"] = shell_quote
        environment.filters["json"] = json.dumps
        environment.filters["dockerfile_quote"] = dockerfile_quote


@pass_context
def _answers(ctx: Context) -> Any:
    cc = ctx["cookiecutter"]
    if cc.get("_byoi"):
        return cc["_byoi"]
    return answers_from_cookiecutter(cc).context()


def validate_for_cookiecutter(context_json: str) -> None:
    """The templates' pre-generation hook: refuse bad answers before cookiecutter writes."""
    import sys

    try:
        answers = answers_from_cookiecutter(json.loads(context_json))
    except AnswerError as err:
        sys.exit(f"error: {err}")
    if answers.ca_certs:
        sys.exit("error: ca_certs: use byoi new --ca-cert, which copies the certificates into the project")


def answers_from_cookiecutter(cc: dict[str, Any]) -> CommonAnswers:
    """When cookiecutter runs a template itself: its flat answers, validated as byoi does."""
    from generator.targets import TARGETS

    target = TARGETS[cc["_target"]]
    return target.build(from_cookiecutter(target, cc))


@pass_context
def _partial(ctx: Context, name: str) -> str:
    source = (templates_dir() / "_partials" / name).read_text(encoding="utf-8")
    return ctx.environment.from_string(source).render(ctx.get_all())


def shell_quote(value: Any) -> str:
    """Single-quote a value for POSIX shells."""
    return "'" + str(value).replace("'", "'\"'\"'") + "'"


def dockerfile_quote(value: Any) -> str:
    """Double-quote a value for a Dockerfile ``ENV``/``ARG`` (no variable expansion)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{text}"'


def from_cookiecutter(target: Target, flat: dict[str, Any]) -> dict[str, Any]:
    """Flat cookiecutter answers (lists as comma-separated text) -> raw answers."""
    from generator.answers import questions

    raw: dict[str, Any] = {}
    for q in questions(target.answers):
        if q.name not in flat:
            continue
        value = flat[q.name]
        if q.option.multiple and isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        elif value == "" and q.default is None:
            value = None
        raw[q.name] = value
    return raw


def cookiecutter_variables(target: Target) -> dict[str, Any]:
    """The ``cookiecutter.json`` a target's template must have (tests keep it in sync)."""
    from generator.answers import questions

    data: dict[str, Any] = {"project_slug": PROJECT_SLUG}
    for q in questions(target.answers):
        default: Any
        if q.option.choices:
            default = [q.default, *[c for c in q.option.choices if c != q.default]]
        elif q.option.multiple or q.default is None:
            default = ""
        else:
            default = q.default
        data[q.name] = default
    data["_target"] = target.name
    data["_byoi"] = {}
    data["_extensions"] = ["generator.render.ByoiExtension"]
    data["_jinja2_env_vars"] = {"trim_blocks": True, "lstrip_blocks": True}
    return data


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
    """Render ``answers`` with the target's template into the (new) folder ``dest``."""
    # cookiecutter's generation engine itself (context, hooks, files); its ``main`` entry
    # point would add template download code, the user's ~/.cookiecutterrc and a replay file.
    from cookiecutter.generate import generate_context, generate_files  # type: ignore[import-untyped]
    from cookiecutter.prompt import prompt_for_config  # type: ignore[import-untyped]

    template = templates_dir() / target.template
    context = generate_context(
        context_file=str(template / "cookiecutter.json"),
        extra_context={"project_slug": dest.name, "_byoi": answers.context()},
    )
    context["cookiecutter"] = prompt_for_config(context, no_input=True)
    context["cookiecutter"]["_template"] = str(template)
    generate_files(repo_dir=str(template), context=context, output_dir=str(dest.parent), accept_hooks=True)
    cacerts.copy_into(answers.ca_certs, dest)
    import yaml

    (dest / ANSWERS_FILE).write_text(
        "# Answers byoi used for this project. Re-generate with:\n"
        f"#   byoi new --config {ANSWERS_FILE} -o DIR --no-input\n"
        + yaml.safe_dump(answers.to_file(), sort_keys=False),
        encoding="utf-8",
    )


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
