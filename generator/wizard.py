"""The wizard: ``byoi new`` on a terminal asks for what the flags and the answers file left out.

Its questions are the target's declared options (:func:`generator.answers.option`), the
same that give the flags and the answers-file keys: the help text is the question,
choices become select lists, booleans yes/no questions, repeatable answers are asked one
at a time, and each answer goes through the option's own parse function, so a rejected
value shows the flag's message and is asked again. A question whose ``when`` does not
hold is not asked; it comes right after the answer it depends on. The order is the
options' sections (:data:`generator.answers.GROUPS`: the base and its flavour, the
contents, name and tag, the advanced settings), and the summary names the answers left at
their defaults. Only this module imports questionary (and so prompt_toolkit); the
non-interactive path never loads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import questionary
from questionary import Choice

from generator.answers import AnswerError, Question, asking_order, parse_answer, questions

if TYPE_CHECKING:
    from generator.targets.base import CommonAnswers, Target


@dataclass(frozen=True)
class Plan:
    """What the wizard settled: the target, its validated answers and where to write them."""

    target: Target
    answers: CommonAnswers
    output: Path


class Declined(Exception):
    """The user answered no to the final confirmation."""


def _validator(q: Question, *, optional: bool) -> Callable[[str], bool | str]:
    """A questionary validator running the option's parse function: True, or the flag's message."""

    def validate(text: str) -> bool | str:
        if optional and not text.strip():
            return True
        try:
            parse_answer(q, text)  # what the flags get: control characters refused too
        except AnswerError as err:
            return f"{q.flag}: {err}"
        return True

    return validate


def _label(q: Question) -> str:
    return q.flag.removeprefix("--")


def _ask_one(q: Question, current: Any) -> Any:
    """Ask one question; returns the raw answer as a flag would give it."""
    opt = q.option
    label = _label(q)
    if opt.boolean:
        return questionary.confirm(f"{label}: {opt.help}?", default=bool(current)).unsafe_ask()
    if opt.choices:
        default = current if current in opt.choices else q.default
        return questionary.select(f"{label}: {opt.help}", choices=list(opt.choices), default=default).unsafe_ask()
    if opt.multiple:
        return _ask_many(q, [str(item) for item in current or ()])
    optional = q.default is None
    text = questionary.text(
        f"{label}: {opt.help}{' (empty: not set)' if optional else ''}",
        default="" if current is None else str(current),
        validate=_validator(q, optional=optional),
    ).unsafe_ask()
    return None if optional and not text.strip() else text


def _ask_many(q: Question, current: list[str]) -> list[str]:
    """A repeatable answer, one item at a time; an empty answer ends the list."""
    label = _label(q)
    if current:
        keep = questionary.confirm(f"{label}: keep {', '.join(current)}?", default=True).unsafe_ask()
        items = list(current) if keep else []
    else:
        items = []
    validate = _validator(q, optional=True)
    while True:
        text = questionary.text(
            f"{label} #{len(items) + 1}: {q.option.one_item_help} (empty: done)",
            validate=validate,
        ).unsafe_ask()
        if not text.strip():
            return items
        items.append(text.strip())


def ordered(target: Target) -> list[Question]:
    """The target's questions in the order the wizard asks them (:func:`generator.answers.asking_order`)."""
    return asking_order(target.answers)


def _parsed(q: Question, raw: Any) -> Any:
    """A raw answer parsed for ``when`` conditions; unparseable ones count as not given."""
    try:
        return q.option.parse(raw) if not q.option.multiple else raw
    except AnswerError:
        return None


def ask_answers(target: Target, given: dict[str, Any], *, ask_given: bool = False) -> dict[str, Any]:
    """Ask the target's questions that ``given`` (raw answers) does not answer; return all raw answers."""
    raw = dict(given)
    known: dict[str, Any] = {q.name: q.default for q in questions(target.answers)}
    for q in ordered(target):
        if q.option.when is not None and not q.option.when.holds(known):
            continue
        if q.name in raw and not ask_given:
            known[q.name] = _parsed(q, raw[q.name])
            continue
        answer = _ask_one(q, raw.get(q.name, q.default))
        raw[q.name] = answer
        known[q.name] = _parsed(q, answer) if answer is not None else None
    return raw


def _shown(q: Question) -> str:
    """An answer left at its default, as the summary names it: ``image-tag (0.1.0)``, ``env``."""
    if q.option.multiple or q.default is None:
        return _label(q)  # nothing given: what that means (none, a default schema) the help says
    if q.option.boolean:
        return f"{_label(q)} ({'yes' if q.default else 'no'})"
    return f"{_label(q)} ({q.default})"


def left_at_defaults(answers: CommonAnswers) -> list[str]:
    """The answers that apply and were left at their defaults, in the order the wizard asks them."""
    values = {q.name: getattr(answers, q.name) for q in questions(type(answers))}
    return [
        _shown(q)
        for q in asking_order(type(answers))
        if values[q.name] == q.default and (q.option.when is None or q.option.when.holds(values))
    ]


def _ask_output(default: str, force: bool) -> Path:
    from generator.render import check_destination

    def validate(text: str) -> bool | str:
        if not text.strip():
            return "-o: give the folder to write the project into"
        try:
            check_destination(Path(text.strip()).resolve(), force)
        except AnswerError as err:
            return f"-o: {err}"
        return True

    text = questionary.text("output folder (-o):", default=default, validate=validate).unsafe_ask()
    return Path(text.strip())


def run(
    target_name: str | None,
    raw_for: Callable[[Target], dict[str, Any]],
    output: str | None,
    *,
    force: bool,
) -> Plan:
    """Ask what is missing, show a summary, and return the plan once the user confirms.

    ``raw_for(target)`` gives the raw answers the answers file and flags hold for a target.
    Ctrl-C raises KeyboardInterrupt; answering no to the confirmation raises :class:`Declined`.
    """
    from generator.answersfile import answers_file_text
    from generator.targets import TARGETS

    if target_name is None:
        target_name = questionary.select(
            "target: what to write",
            choices=[Choice(title=f"{t.name}: {t.summary}", value=t.name) for t in TARGETS.values()],
        ).unsafe_ask()
    target = TARGETS[str(target_name)]
    raw = ask_answers(target, raw_for(target))
    while True:
        try:
            answers = target.build(raw)
            break
        except AnswerError as err:
            # A check across several answers failed: say why, and go through them again.
            print(f"byoi: {err}")
            raw = ask_answers(target, raw, ask_given=True)
    out = _ask_output(f"./{answers.name}", force) if output is None else Path(output)
    summary = answers_file_text(answers).split("\n", 2)[2]
    print(f"\nbyoi will write this {target.name} project into {out}:\n{summary}", end="")
    left = left_at_defaults(answers)
    if left:
        print(f"left at their defaults: {', '.join(left)}")
    if not questionary.confirm("Write it?", default=True).unsafe_ask():
        raise Declined
    return Plan(target, answers, out)
