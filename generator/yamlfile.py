"""Reading a YAML file that must hold a mapping: answers files and checker settings.

The reader is PyYAML's safe loader with three limits, so that a small hostile file
cannot take a long time or much memory: the file size is bounded, aliases (``*name``,
which let a few hundred bytes expand to billions of nodes) are refused, and nesting is
bounded (PyYAML composes nodes recursively). A key given twice is refused too, where
PyYAML would silently keep the last. Numbers keep the text they were written as
(:class:`YamlInt`, :class:`YamlFloat`), so a message can say ``quote it: "3.10"``
rather than show the ``3.1`` YAML made of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode

from generator.inputfile import SMALL_FILE_LIMIT, read_input_text, shown

#: Deepest nesting of lists and mappings accepted (answers files need two levels).
MAX_DEPTH = 32


class YamlInt(int):
    """A YAML integer that remembers how it was written (``010`` is 8 in YAML 1.1)."""

    source: str


class YamlFloat(float):
    """A YAML float that remembers how it was written (``3.10`` is the float 3.1)."""

    source: str


class _Refused(yaml.YAMLError):
    """A construct the reader refuses, with its one-line reason."""


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases, with bounded depth and no duplicate keys."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise _Refused(
                f"uses the YAML alias *{event.anchor} at line {event.start_mark.line + 1}; "
                "aliases are not accepted, write the value out"
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _Refused(f"nests deeper than {MAX_DEPTH} levels at line {mark.line + 1}")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode):
                key = key_node.value
                if key in seen:
                    raise _Refused(f"gives the key {key!r} twice (line {key_node.start_mark.line + 1}); keep one")
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _construct_int(loader: yaml.SafeLoader, node: ScalarNode) -> int:
    value = YamlInt(yaml.SafeLoader.construct_yaml_int(loader, node))
    value.source = str(node.value)
    return value


def _construct_float(loader: yaml.SafeLoader, node: ScalarNode) -> float:
    value = YamlFloat(yaml.SafeLoader.construct_yaml_float(loader, node))
    value.source = str(node.value)
    return value


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def load_yaml(text: str) -> Any:
    """Parse ``text`` with the limits above; raises ``yaml.YAMLError``."""
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_mapping(path: Path | str, label: str, item: str, error: type[Exception]) -> dict[str, Any]:
    """The mapping in ``path``; anything else raises ``error`` with a one-line reason.

    ``label`` names the file in messages (e.g. "answers file"), ``item`` what its keys are.
    """
    text = read_input_text(path, label, SMALL_FILE_LIMIT, error)
    name = f"{label} {shown(path)}".strip()
    try:
        data = load_yaml(text)
    except _Refused as err:
        raise error(f"{name} {err}") from None
    except yaml.reader.ReaderError as err:
        char = f" U+{err.character:04X}" if isinstance(err.character, int) else ""
        raise error(
            f"{name} holds the character{char} at offset {err.position}, which YAML does not allow; remove it"
        ) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None)
        reason = f": {' '.join(str(problem).split())}" if problem else ""
        raise error(f"{name} is not valid YAML{where}{reason}") from None
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps the composer shallow
        raise error(f"{name} nests too deeply") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{name} must be a mapping of {item}: value")
    return {str(k): v for k, v in data.items()}
