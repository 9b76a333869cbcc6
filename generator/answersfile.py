"""The answers file every project holds (``byoi.yaml``): the answers, re-usable with ``--config``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.targets.base import CommonAnswers

#: The answers file written into every project (re-generate with ``byoi new --config``).
ANSWERS_FILE = "byoi.yaml"


def answers_file_text(answers: CommonAnswers) -> str:
    """The text of a project's answers file: a comment on how to use it, then the answers as YAML."""
    import yaml

    return (
        "# Answers byoi used for this project. Re-generate with:\n"
        f"#   byoi new --config {ANSWERS_FILE} -o DIR --no-input\n" + yaml.safe_dump(answers.to_file(), sort_keys=False)
    )
