"""cookiecutter's flat answers as byoi's answers: lists parsed, validated by the target, refusals in its words.

Plain cookiecutter hands a template one flat dictionary of text answers. This module turns
it into the target's typed answers (:func:`answers_from_cookiecutter`) with the same parsers
and checks as ``byoi new``, naming each answer by its cookiecutter variable rather than by
byoi's flag. Both the templates' renderer (:mod:`generator.templating`) and the cookiecutter
extension (:mod:`generator.cookiecutter_ext`) read it, so it imports neither.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from generator.answers import AnswerError, questions

if TYPE_CHECKING:
    from generator.targets.base import CommonAnswers, Target


def _items(name: str, value: Any) -> list[Any]:
    """A list answer as cookiecutter gives it: a JSON list, a YAML list, empty, or one item."""
    if isinstance(value, (list, tuple)):
        return list(value)
    text = str(value).strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            items = None
        if not isinstance(items, list) or not all(isinstance(i, (str, int)) for i in items):
            raise AnswerError(f'{name}: {text!r} is not a JSON list of strings; use e.g. ["a", "b"]')
        return items
    return [text]


def from_cookiecutter(target: Target, flat: dict[str, Any]) -> dict[str, Any]:
    """Flat cookiecutter answers (lists as JSON lists or one item) -> raw answers."""
    raw: dict[str, Any] = {}
    for q in questions(target.answers):
        if q.name not in flat:
            continue
        value = flat[q.name]
        if q.option.multiple:
            value = _items(q.name, value)
        elif value == "" and q.default is None:
            value = None
        raw[q.name] = value
    return raw


# A flag in a message, and the word after it (a choice it may be given with: "--base micromamba").
_FLAG_IN_TEXT = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)( [a-z][a-z0-9-]*)?")


def in_variable_terms(message: str, target: Target) -> str:
    """A message of byoi's checks, its flags named as the cookiecutter variables they stand for.

    The checks speak byoi's flags (``--uid 0``, ``add --base micromamba``); under
    cookiecutter there are none, only variables: ``uid 0``, ``add base=micromamba``,
    ``--no-telemetry`` as ``telemetry=no``. Other ``--words`` are left as they are.
    """
    qs = questions(target.answers)
    by_flag = {q.flag: q for q in qs}
    negated = {"--no-" + q.flag.removeprefix("--"): q for q in qs if q.option.boolean}

    def name(m: re.Match[str]) -> str:
        flag, after = m.group(1), m.group(2) or ""
        if flag in negated:
            return f"{negated[flag].name}=no{after}"
        q = by_flag.get(flag)
        if q is None:
            return m.group(0)
        if after and q.option.choices and after.strip() in q.option.choices:
            return f"{q.name}={after.strip()}"
        return q.name + after

    return _FLAG_IN_TEXT.sub(name, message)


def answers_from_cookiecutter(cc: dict[str, Any]) -> CommonAnswers:
    """When cookiecutter renders a template itself: its flat answers, validated as byoi does.

    A refusal names the answer by its variable (``uid``), not by byoi's flag (``--uid``).
    """
    from generator.targets import TARGETS

    target = TARGETS[cc["_target"]]
    try:
        answers = target.build(from_cookiecutter(target, cc))
    except AnswerError as err:
        raise AnswerError(in_variable_terms(str(err), target)) from None
    if answers.ca_certs:
        raise AnswerError("ca_certs: use byoi new --ca-cert, which copies the certificates into the project")
    return answers
