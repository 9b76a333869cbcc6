"""Target ``foundry-model``: the image behind a Foundry container-backed model.

The image runs a small HTTP inference server (standard library only) with a health and
a predict endpoint, into which the user's model code plugs. The project also holds the
model adapter (a ``palantir_models.ContainerModelAdapter``) that calls it, with the
input and output schema given by ``--input-column`` and ``--output-column``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from generator.answers import CONTENTS, IDENTITY, AnswerError, option, parse_name
from generator.targets.base import Target
from generator.targets.foundry_common import APP_DIR, FoundryAnswers
from generator.targets_catalog import SUMMARIES

#: Column types the adapter's ``pm.Pandas`` schema and the server's JSON both carry as they are.
COLUMN_TYPES = ("str", "int", "float", "bool")
#: Paths of the server's endpoints (Foundry mandates none; the adapter calls these).
HEALTH_PATH = "/health"
PREDICT_PATH = "/predict"

_COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


@dataclass(frozen=True)
class Column:
    """One column of the model's input or output table."""

    name: str
    type: str

    def __str__(self) -> str:
        return f"{self.name}:{self.type}"


#: The schema when none is given: text in, text and a prediction out.
DEFAULT_INPUT = (Column("text", "str"),)
DEFAULT_OUTPUT = (Column("text", "str"), Column("prediction", "str"))


def parse_column(value: Any) -> Column:
    """``NAME:TYPE``, NAME an identifier, TYPE one of :data:`COLUMN_TYPES`."""
    text = str(value).strip()
    name, sep, kind = text.partition(":")
    if not sep or not _COLUMN_NAME.fullmatch(name):
        raise AnswerError(f"{text!r} is not NAME:TYPE with NAME made of letters, digits and '_' (e.g. text:str)")
    if kind not in COLUMN_TYPES:
        raise AnswerError(f"{text!r}: the type must be one of {', '.join(COLUMN_TYPES)}")
    return Column(name, kind)


def _schema_help(direction: str, default: tuple[Column, ...]) -> str:
    shown = ", ".join(str(c) for c in default)
    return f"{direction} column of the model's table, NAME:TYPE with TYPE one of {', '.join(COLUMN_TYPES)} " + (
        f"(repeatable; default: {shown})"
    )


@dataclass(frozen=True)
class ModelAnswers(FoundryAnswers):
    """Answers for the image of a container-backed model."""

    target: ClassVar[str] = "foundry-model"
    user_name: ClassVar[str] = "model"
    # The server is Python: a shell-less base with python3 (distroless/python3) can run it.
    shell_less_ok: ClassVar[bool] = True

    name: str = option("my-model", "image (and project) name", parse_name, group=IDENTITY)
    # Empty means the default schema, so answers files and cookiecutter can leave it out.
    input_columns: tuple[Column, ...] = option(
        (),
        _schema_help("input", DEFAULT_INPUT),
        parse_column,
        flag="--input-column",
        group=CONTENTS,
        multiple=True,
        metavar="NAME:TYPE",
    )
    output_columns: tuple[Column, ...] = option(
        (),
        _schema_help("output", DEFAULT_OUTPUT),
        parse_column,
        flag="--output-column",
        group=CONTENTS,
        multiple=True,
        metavar="NAME:TYPE",
    )

    @property
    def inputs(self) -> tuple[Column, ...]:
        """The input schema: the given columns, else the default."""
        return self.input_columns or DEFAULT_INPUT

    @property
    def outputs(self) -> tuple[Column, ...]:
        """The output schema: the given columns, else the default."""
        return self.output_columns or DEFAULT_OUTPUT

    @property
    def needs_python(self) -> str:
        """The inference server is a Python program."""
        return "the inference server (server.py) runs with python3"

    def check(self) -> None:
        """Foundry's rules, plus a schema without repeated column names."""
        super().check()
        for flag, columns in (("--input-column", self.inputs), ("--output-column", self.outputs)):
            names = [c.name for c in columns]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise AnswerError(f"{flag} {dupes[0]} is given twice; each column needs its own name")

    def context(self) -> dict[str, Any]:
        """Template context: answers, derived values and the server's endpoints."""
        ctx = super().context()
        ctx["inputs"] = [{"name": c.name, "type": c.type} for c in self.inputs]
        # from_input: the example model passes this column through from the input.
        ctx["outputs"] = [{"name": c.name, "type": c.type, "from_input": c in self.inputs} for c in self.outputs]
        ctx["listen_port"] = self.listen_port
        ctx["exposed_ports"] = list(self.ports) or [self.listen_port]
        ctx["server"] = {"health": HEALTH_PATH, "predict": PREDICT_PATH, "path": f"{APP_DIR}/server.py"}
        ctx["paste_hint"] = [
            f"use it from the model: Create model version, then choose image %s with tag %s, port {self.listen_port}"
        ]
        return ctx


TARGET = Target(
    name="foundry-model",
    summary=SUMMARIES["foundry-model"],
    answers=ModelAnswers,
    template="foundry-model",
)
