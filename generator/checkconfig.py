"""``byoi check`` settings: ``.byoi.yaml`` or ``[tool.byoi]`` in ``pyproject.toml``.

Not to be confused with a project's ``byoi.yaml`` (no dot), the answers file
``byoi new`` writes. Keys, as in hadolint's ``.hadolint.yaml``::

    target: foundry-sidecar        # default for --target
    ignored: [SM206]               # never report these codes
    override:                      # change a rule's level
      warning: [BY102]
      info: [SM213]
    failure-threshold: warning     # exit 1 from this level up (default: error; none: never)

The file is found by ``--config FILE`` or, failing that, by looking in the current
folder and its parents, up to the repository root (the folder holding ``.git``):
the nearest ``.byoi.yaml``, or ``pyproject.toml`` with a ``[tool.byoi]`` table, wins
(:func:`generator.checkcmd.find_settings`, which imports this module only when there
is a file to read).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from generator.inputfile import read_input_text, shown
from generator.rules import LEVELS, TARGETS

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing and pathlib cost more to import than a check of one file takes
    from pathlib import Path
    from typing import Any

#: The checker's settings file (the answers file ``byoi.yaml`` has no dot).
CONFIG_FILE = ".byoi.yaml"
PYPROJECT = "pyproject.toml"
#: Failure thresholds: a level, or ``none`` to never fail.
THRESHOLDS = (*LEVELS, "none")
_KEYS = ("target", "ignored", "override", "failure-threshold")
#: Largest pyproject.toml read (real ones are a few KiB; .byoi.yaml has the YAML bound).
PYPROJECT_LIMIT = 1024 * 1024


class ConfigError(ValueError):
    """The settings file is unreadable or invalid; the message says where and why."""


class CheckConfig:
    """What to report and when to fail: ``override`` maps a rule code to the level it is
    reported at, ``target`` is the default for ``--target``, ``source`` the file these
    settings came from. (A plain class: ``dataclasses`` is too slow to import for
    ``byoi check``.)"""

    __slots__ = ("failure_threshold", "ignored", "override", "source", "target")

    def __init__(
        self,
        ignored: frozenset[str] = frozenset(),
        override: Mapping[str, str] | None = None,
        failure_threshold: str = "error",
        target: str | None = None,
        source: Path | str | None = None,
    ) -> None:
        self.ignored = ignored
        self.override: Mapping[str, str] = override if override is not None else {}
        self.failure_threshold = failure_threshold
        self.target = target
        self.source = source


def _codes(value: Any, where: str, known: frozenset[str]) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of rule codes, e.g. [BY102, SM206]")
    unknown = [v for v in value if v not in known]
    if unknown:
        raise ConfigError(f"{where}: unknown rule code {unknown[0]!r} (see 'byoi rules')")
    return list(value)


def _choice(value: Any, where: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(f"{where} {value!r} is not one of {', '.join(choices)}")
    return value


def parse_config(data: Mapping[str, Any], source: Path | str | None, known_codes: frozenset[str]) -> CheckConfig:
    """Validate a settings mapping (from YAML or TOML) into a :class:`CheckConfig`."""
    name = shown(source) if source is not None else "settings"
    extra = sorted(str(k) for k in set(data) - set(_KEYS))
    if extra:
        raise ConfigError(f"{name}: unknown key {extra[0]!r}; known keys: {', '.join(_KEYS)}")
    target = data.get("target")
    if target is not None:
        target = _choice(target, f"{name}: target", TARGETS)
    ignored = frozenset(_codes(data.get("ignored", []), f"{name}: ignored", known_codes))
    override: dict[str, str] = {}
    raw_override = data.get("override", {}) or {}
    if not isinstance(raw_override, Mapping):
        raise ConfigError(f"{name}: override must map levels to lists of codes, e.g. {{warning: [BY102]}}")
    for level, codes in raw_override.items():
        _choice(level, f"{name}: override level", LEVELS)
        for code in _codes(codes, f"{name}: override.{level}", known_codes):
            override[code] = level
    threshold = _choice(data.get("failure-threshold", "error"), f"{name}: failure-threshold", THRESHOLDS)
    return CheckConfig(ignored, override, threshold, target, source)


def _read_yaml(path: Path | str) -> Mapping[str, Any]:
    from generator.yamlfile import read_mapping

    return read_mapping(path, "settings file", "setting", ConfigError)


def _read_pyproject(path: Path | str) -> Mapping[str, Any] | None:
    """The ``[tool.byoi]`` table, or None when the file has none.

    A file found while looking for settings is read again to load them: with the usual
    table that costs a fraction of a millisecond, and a file changed in between is seen.
    """
    text = read_input_text(path, "settings file", PYPROJECT_LIMIT, ConfigError)
    if "tool" not in text or "byoi" not in text:
        return None
    from generator.tomltable import Unsure, byoi_table

    try:
        return byoi_table(text)
    except (Unsure, RecursionError):
        pass  # tomllib reads it, and says what is wrong if anything is
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{shown(path)} is not valid TOML: {err}") from None
    except RecursionError:
        raise ConfigError(f"{shown(path)} nests arrays or tables too deeply") from None
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"{shown(path)}: tool must be a table ([tool.byoi]), not {type(tool).__name__} {tool!r}")
    table = tool.get("byoi")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{shown(path)}: [tool.byoi] must be a table")
    return table


def has_byoi_table(path: Path | str) -> bool:
    """True when the ``pyproject.toml`` at ``path`` has a ``[tool.byoi]`` table."""
    return _read_pyproject(path) is not None


def load_config(path: Path | str, known_codes: frozenset[str]) -> CheckConfig:
    """Read settings from ``path`` (``.byoi.yaml``-style YAML, or a ``pyproject.toml``).

    Only a regular file of bounded size is read: a FIFO or a device is refused, never
    waited on.
    """
    if os.fspath(path) == "":
        raise ConfigError("--config: the path is empty; give the settings file's path")
    if not os.path.lexists(path):
        raise ConfigError(f"settings file {shown(path)} does not exist")
    name = os.path.basename(os.fspath(path))
    if name == PYPROJECT or name.endswith(".toml"):
        table = _read_pyproject(path)
        if table is None:
            raise ConfigError(f"{shown(path)} has no [tool.byoi] table")
        return parse_config(table, path, known_codes)
    return parse_config(_read_yaml(path), path, known_codes)
