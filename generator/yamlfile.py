"""Reading a YAML file that must hold a mapping: answers files and checker settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def read_mapping(path: Path, label: str, item: str, error: type[Exception]) -> dict[str, Any]:
    """The mapping in ``path``; anything else raises ``error`` with a one-line reason.

    ``label`` names the file in messages (e.g. "answers file"), ``item`` what its keys are.
    """
    import yaml

    name = f"{label} {path}".strip()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{name} does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise error(f"cannot read {name}: {err}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise error(f"{name} is not valid YAML{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{name} must be a mapping of {item}: value")
    return {str(k): v for k, v in data.items()}
