"""The answers file every project holds (``byoi.yaml``): the answers, re-usable with ``--config``.

It is written here without PyYAML: importing it would cost ``byoi new`` a tenth of its
time, and the answers are only strings, integers, booleans and lists of them. A string
is written plain only when YAML cannot read it as anything but that string; otherwise
it is quoted. Reading it back (``--config``) uses PyYAML; a test round-trips awkward values.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.targets.base import CommonAnswers

#: The answers file written into every project (re-generate with ``byoi new --config``).
ANSWERS_FILE = "byoi.yaml"

# Plain (unquoted) only from a letter, '_' or '/' on (never a number, date or YAML
# indicator), then printable ASCII, which means nothing inside a block-context plain
# scalar except ": " and " #" (a key, a comment: quoted, as is a trailing ':' or space);
# or a version with three or more parts (never a number: 1.2.3). A few words read as
# booleans or null.
_PLAIN = re.compile(r"^(?:[A-Za-z_/][\x20-\x7e]*|[0-9]+(?:\.[0-9]+){2,})$")
_NOT_STRINGS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}


def yaml_scalar(value: Any) -> str:
    """One value as a YAML scalar that reads back as the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if (
        _PLAIN.fullmatch(text)
        and text.lower() not in _NOT_STRINGS
        and ": " not in text
        and " #" not in text
        and not text.endswith((":", " "))
    ):
        return text
    if text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    # A JSON string is a valid YAML double-quoted scalar, except that YAML reads JSON's
    # surrogate pair for a character beyond U+FFFF as two lone surrogates: \U instead.
    return '"' + "".join(f"\\U{ord(c):08x}" if ord(c) > 0xFFFF else json.dumps(c)[1:-1] for c in text) + '"'


def answers_file_text(answers: CommonAnswers) -> str:
    """The text of a project's answers file: a comment on how to use it, then the answers as YAML."""
    lines = [
        "# Answers byoi used for this project. Re-generate with:",
        f"#   byoi new --config {ANSWERS_FILE} -o DIR --no-input",
    ]
    for key, value in answers.to_file().items():
        if isinstance(value, list):
            lines.append(f"{key}:" + ("" if value else " []"))
            lines.extend(f"- {yaml_scalar(item)}" for item in value)
        else:
            lines.append(f"{key}: {yaml_scalar(value)}")
    return "\n".join(lines) + "\n"
