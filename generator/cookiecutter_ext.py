"""byoi's templates under plain cookiecutter: variables, validation, and refusing template code.

Each ``templates/<target>/cookiecutter.json`` names ``byoi_template.CookiecutterExtension``
in ``_extensions``. cookiecutter puts the template's folder on ``sys.path``, so it finds
``templates/<target>/byoi_template.py``, which puts the folder holding this package
(two levels up: the repository, or site-packages in an installed byoi) first on
``sys.path`` and imports this module. So a clone of the repository works with only
cookiecutter installed, and validates with the same declarations as ``byoi new``.

cookiecutter creates a Jinja environment (and so this extension) at each stage, with the
whole context in the caller's frame: before it renders any answer (prompting), and again
before it writes anything (generating). The extension reads that context there and:

- refuses any answer that holds ``{{``, ``{%`` or ``{#``: cookiecutter renders answers
  given as extra context or defaults as Jinja templates while prompting, so this is the
  earliest point at which a value can be refused before it is executed. The one
  exception is ``project_slug``'s own default (:data:`DEFAULT_SLUG`), which renders the
  name through :func:`checked_answer`: the project's folder is named after it, as
  cookiecutter templates do, once the name has passed its checks;
- before writing, validates every answer with the target's own parsers and checks
  (one-line message, exit status 2, nothing written), naming each answer by its
  variable (:func:`in_variable_terms`), as cookiecutter's prompts do.

The variables come in the order the wizard asks them (:func:`generator.answers.asking_order`),
``project_slug`` right after ``name``. Turning the flat answers into byoi's is :mod:`generator.cookiecutter_answers`.

Lists (packages, extensions, env, ports) are JSON lists, e.g.
``pip_packages='["pkg[extra]>=1,<2", "httpx"]'``, so items can hold commas; a
``--config-file`` may give them as YAML lists.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from jinja2 import Environment

from generator.answers import AnswerError, asking_order, parse_answer, questions
from generator.cookiecutter_answers import answers_from_cookiecutter
from generator.templating import JINJA_SETTINGS, ByoiExtension

if TYPE_CHECKING:
    from types import FrameType

    from generator.targets.base import Target

#: The template variable naming the project folder (cookiecutter's convention).
PROJECT_SLUG = "project_slug"
#: The filter the slug's default checks the name with before using it (see :func:`checked_answer`).
CHECKED_FILTER = "checked_answer"
#: The slug's default, as cookiecutter templates have it: the project's name (``byoi new``
#: does not use it: its ``-o`` names the folder). The only answer allowed template syntax,
#: and only exactly this text, which renders the name once checked, never runs it.
DEFAULT_SLUG = "{{ cookiecutter.name | " + CHECKED_FILTER + '("name") }}'
#: The module, in each template's folder, that cookiecutter loads the extension from.
LOCAL_EXTENSION = "byoi_template"

_SLUG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
_TEMPLATE_SYNTAX = ("{{", "{%", "{#")


def parse_project_slug(value: Any) -> str:
    """The project folder's name: one path component, not hidden, no ``/`` or ``..``."""
    text = str(value)
    if not _SLUG.fullmatch(text) or ".." in text:
        raise AnswerError(
            f"{PROJECT_SLUG}: {text!r} is not a folder name; use letters, digits, '.', '_' and '-' "
            "(no '/', no '..', not starting with '.' or '-')"
        )
    return text


def refuse_template_syntax(name: str, value: Any) -> None:
    """Refuse an answer that Jinja would run as template code."""
    items = value if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if isinstance(item, str) and any(mark in item for mark in _TEMPLATE_SYNTAX):
            raise AnswerError(
                f"{name}: {item!r} holds Jinja template syntax ('{{{{', '{{%' or '{{#'), "
                "which cookiecutter would run as code; answers are plain text"
            )


def cookiecutter_variables(target: Target) -> dict[str, Any]:
    """The ``cookiecutter.json`` a target's template has (a test keeps the file in sync).

    Every answer is plain text (choices and booleans too: cookiecutter answers an
    unknown choice or a bad boolean with a traceback, before any template code can
    validate it); ``__prompts__`` says what each one is, with its choices.
    """
    data: dict[str, Any] = {}
    prompts: dict[str, str] = {}
    for q in asking_order(target.answers):
        if q.option.multiple or q.default is None:
            default = ""
        elif q.option.boolean:
            default = "yes" if q.default else "no"
        else:
            default = str(q.default)
        data[q.name] = default
        hint = ""
        if q.option.path:
            # files byoi new copies into the project; plain cookiecutter cannot (answers_from_cookiecutter)
            hint = " (only with byoi new, which copies the files in: leave empty)"
        elif q.option.choices:
            hint = f" ({'|'.join(q.option.choices)})"
        elif q.option.boolean:
            hint = " (yes|no)"
        elif q.option.multiple:
            hint = ' (JSON list, e.g. ["a", "b"])'
        prompts[q.name] = q.option.one_item_help + hint
        if q.name == "name":
            # The folder right after the name it defaults to (cookiecutter asks in this order).
            data[PROJECT_SLUG] = DEFAULT_SLUG
            prompts[PROJECT_SLUG] = "project folder name"
    data["__prompts__"] = prompts
    data["_target"] = target.name
    data["_extensions"] = [f"{LOCAL_EXTENSION}.CookiecutterExtension"]
    data["_jinja2_env_vars"] = dict(JINJA_SETTINGS)
    return data


def root_cookiecutter_json(targets: dict[str, Target]) -> dict[str, Any]:
    """The repository's root ``cookiecutter.json``: cookiecutter's nested templates, one a target."""
    return {
        "templates": {
            name: {"path": f"./templates/{t.template}", "title": name, "description": t.summary}
            for name, t in targets.items()
        }
    }


def local_extension_source() -> str:
    """The text of ``templates/<target>/byoi_template.py`` (a test keeps the files in sync)."""
    return '''"""Loaded by cookiecutter (``_extensions`` in cookiecutter.json) from this template's folder.

It puts the folder that holds byoi's ``generator`` package first on sys.path (the
repository root, or site-packages in an installed byoi), so the template validates
and renders its answers with byoi's own rules where only cookiecutter is installed.
"""

import sys
from pathlib import Path

_HOME = str(Path(__file__).resolve().parents[2])
if _HOME not in sys.path:
    sys.path.insert(0, _HOME)

from generator.cookiecutter_ext import CookiecutterExtension  # noqa: E402

__all__ = ["CookiecutterExtension"]
'''


def _cookiecutter_context(frame: FrameType | None) -> dict[str, Any] | None:
    """The context cookiecutter is creating this Jinja environment with, from the caller's frame.

    cookiecutter passes it to ``StrictEnvironment(context=...)``, which does not keep it;
    the frame that received it is a few calls up (no frame holds it: not cookiecutter).
    """
    for _ in range(8):
        if frame is None:
            return None
        context = frame.f_locals.get("context")
        if isinstance(context, dict) and isinstance(context.get("cookiecutter"), dict):
            return context
        frame = frame.f_back
    return None


def checked_answer(target: Target, value: Any, name: str) -> Any:
    """``value``, the answer to ``name``, once it passes that answer's checks (one line and exit 2 if not).

    The slug's default renders the name through this filter: the folder is named after a
    name already checked, and cookiecutter never prompts with (or writes into) a folder
    named after a bad one.
    """
    by_name = {q.name: q for q in questions(target.answers)}
    try:
        refuse_template_syntax(name, value)
        parse_answer(by_name[name], value)
    except AnswerError as err:
        _refuse(f"{name}: {err}" if not str(err).startswith(f"{name}: ") else str(err))
    return value


def _refuse(message: str) -> NoReturn:
    sys.stderr.write(f"error: {message}\n")
    raise SystemExit(2)


def check_cookiecutter_context(cc: dict[str, Any], *, generating: bool) -> None:
    """Refuse template syntax in any answer; when ``generating``, validate every answer too."""
    from generator.targets import TARGETS

    target = TARGETS.get(str(cc.get("_target")))
    if target is None:
        return
    if cc.get(PROJECT_SLUG) != DEFAULT_SLUG:
        refuse_template_syntax(PROJECT_SLUG, cc.get(PROJECT_SLUG))
    for q in questions(target.answers):
        if q.name in cc:
            refuse_template_syntax(q.name, cc[q.name])
    for q in questions(target.answers):
        # A --config-file may give a list as a YAML list: cookiecutter would take it for a
        # choice and keep its first item, so it is turned into the JSON text it stands for.
        if q.option.multiple and isinstance(cc.get(q.name), list):
            cc[q.name] = json.dumps(cc[q.name])
    if generating:
        answers_from_cookiecutter(cc)
        parse_project_slug(cc.get(PROJECT_SLUG, ""))


class CookiecutterExtension(ByoiExtension):
    """byoi's template helpers plus, under cookiecutter, the answer checks (see the module's doc)."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        context = _cookiecutter_context(sys._getframe(1))
        if context is None:
            # Only cookiecutter loads this extension (byoi new uses ByoiExtension). Without
            # the context the answers could not be checked: refuse rather than skip that.
            sys.stderr.write("error: byoi's templates need cookiecutter 2.6 or later 2.x\n")
            raise SystemExit(2)
        cc = context["cookiecutter"]
        try:
            # cookiecutter adds _output_dir to the context just before it generates files.
            check_cookiecutter_context(cc, generating="_output_dir" in cc)
        except AnswerError as err:
            _refuse(str(err))
        from generator.targets import TARGETS

        target = TARGETS.get(str(cc.get("_target")))
        if target is not None:
            environment.filters[CHECKED_FILTER] = functools.partial(checked_answer, target)


def write_template_files(root: Path) -> list[Path]:
    """Write the generated cookiecutter files of the repository at ``root``; returns those written.

    Run ``python -m generator.cookiecutter_ext`` after changing a target's answers (the
    tests say when): the root ``cookiecutter.json``, and each template's
    ``cookiecutter.json`` and ``byoi_template.py``.
    """
    from generator.targets import TARGETS

    written = [root / "cookiecutter.json"]
    written[0].write_text(json.dumps(root_cookiecutter_json(TARGETS), indent=2) + "\n", encoding="utf-8")
    for target in TARGETS.values():
        folder = root / "templates" / target.template
        (folder / "cookiecutter.json").write_text(
            json.dumps(cookiecutter_variables(target), indent=2) + "\n", encoding="utf-8"
        )
        (folder / f"{LOCAL_EXTENSION}.py").write_text(local_extension_source(), encoding="utf-8")
        written += [folder / "cookiecutter.json", folder / f"{LOCAL_EXTENSION}.py"]
    return written


if __name__ == "__main__":
    for path in write_template_files(Path(__file__).resolve().parent.parent):
        print(f"wrote {path}")
