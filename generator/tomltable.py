"""The ``[tool.byoi]`` table of a ``pyproject.toml``, found without importing ``tomllib``.

``byoi check`` runs on every commit, and on one Dockerfile its time is Python's start-up
and imports. Importing ``tomllib`` (with ``typing``, ``datetime`` and ``string`` behind
it) costs more than the whole check, and a team's settings in ``[tool.byoi]`` made each
check about 40 % slower than one without settings. :func:`byoi_table` reads the common
case itself: the file's tables found by their ``[headers]``, other tables' values skipped
(strings, arrays and inline tables followed to their end), and the byoi tables' own keys
read when their values are strings, arrays of strings or inline tables of those, the
only types byoi's settings take. Anything else (an escape in a string, a multi-line
string anywhere, a number or date in byoi's table, a key defined twice, ``tool`` or
``byoi`` defined by dotted keys or inline tables) raises :class:`Unsure`, and the caller
reads the file with ``tomllib`` instead, which then also says what is wrong with it.
Other tools' tables are followed only far enough to find the next header: a mistake in
them is left to the tools that read them, as byoi never reads their values.
tests/checker/test_tomltable.py compares the two on generated files.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_PREFIX = ("tool", "byoi")


class Unsure(Exception):
    """The text holds something this reader does not follow: read it with ``tomllib``."""


class _Reader:
    __slots__ = ("i", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def spaces(self) -> None:
        while self.peek() in (" ", "\t") and self.peek():
            self.i += 1

    def end_of_line(self) -> None:
        """Spaces, an optional comment, then a newline or the end of the text."""
        self.spaces()
        if self.peek() == "#":
            end = self.text.find("\n", self.i)
            self.i = len(self.text) if end < 0 else end
        if self.peek() == "\r":
            self.i += 1
        if self.peek() not in ("\n", ""):
            raise Unsure
        self.i += 1

    def blank(self) -> None:
        """Spaces, newlines and comments (inside an array)."""
        while True:
            self.spaces()
            ch = self.peek()
            if ch == "#":
                end = self.text.find("\n", self.i)
                self.i = len(self.text) if end < 0 else end
            elif ch in ("\n", "\r"):
                self.i += 1
            else:
                return

    def string(self) -> str:
        """A one-line basic string without escapes, or a one-line literal string."""
        quote = self.peek()
        if self.text.startswith(quote * 3, self.i):
            raise Unsure
        end = self.text.find(quote, self.i + 1)
        if end < 0:
            raise Unsure
        value = self.text[self.i + 1 : end]
        if "\\" in value and quote == '"':
            raise Unsure
        if any((ch < " " and ch != "\t") or ch == "\x7f" for ch in value):
            raise Unsure
        self.i = end + 1
        return value

    def key(self) -> tuple[str, ...]:
        """A dotted key: bare or quoted parts, spaces around the dots."""
        parts = []
        while True:
            self.spaces()
            ch = self.peek()
            if ch in ('"', "'"):
                parts.append(self.string())
            else:
                start = self.i
                while self.peek() in _BARE and self.peek():
                    self.i += 1
                if self.i == start:
                    raise Unsure
                parts.append(self.text[start : self.i])
            self.spaces()
            if self.peek() != ".":
                return tuple(parts)
            self.i += 1

    def value(self) -> Any:
        """A value of byoi's table: a string, an array of strings, an inline table of those."""
        ch = self.peek()
        if ch in ('"', "'"):
            return self.string()
        if ch == "[":
            self.i += 1
            items: list[Any] = []
            while True:
                self.blank()
                if self.peek() == "]":
                    self.i += 1
                    return items
                if self.peek() not in ('"', "'"):
                    raise Unsure
                items.append(self.string())
                self.blank()
                if self.peek() == ",":
                    self.i += 1
                elif self.peek() != "]":
                    raise Unsure
        if ch == "{":
            self.i += 1
            table: dict[str, Any] = {}
            self.spaces()
            if self.peek() == "}":
                self.i += 1
                return table
            while True:
                path = self.key()
                if len(path) != 1 or path[0] in table or self.peek() != "=":
                    raise Unsure
                self.i += 1
                self.spaces()
                if self.peek() == "{":
                    raise Unsure
                table[path[0]] = self.value()
                self.spaces()
                if self.peek() == "}":
                    self.i += 1
                    return table
                if self.peek() != ",":
                    raise Unsure
                self.i += 1
        raise Unsure

    def skip(self) -> None:
        """Pass over a value of another tool's table, whatever its type."""
        ch = self.peek()
        if ch in ('"', "'"):
            if self.text.startswith(ch * 3, self.i):
                raise Unsure
            j = self.i + 1
            while True:
                if j >= len(self.text) or self.text[j] == "\n":
                    raise Unsure
                if self.text[j] == "\\" and ch == '"':
                    j += 2
                    continue
                if self.text[j] == ch:
                    self.i = j + 1
                    return
                j += 1
        if ch in ("[", "{"):
            close = "]" if ch == "[" else "}"
            self.i += 1
            while True:
                self.blank()
                if self.peek() == close:
                    self.i += 1
                    return
                if ch == "{":
                    self.key()
                    if self.peek() != "=":
                        raise Unsure
                    self.i += 1
                    self.spaces()
                self.skip()
                self.blank()
                if self.peek() == ",":
                    self.i += 1
                elif self.peek() != close:
                    raise Unsure
        start = self.i
        while self.peek() not in (",", "]", "}", "\n", "\r", "#", ""):
            self.i += 1
        if not self.text[start : self.i].strip():
            raise Unsure


def byoi_table(text: str) -> dict[str, Any] | None:
    """``[tool.byoi]`` (its sub-tables nested in it) as ``tomllib`` reads it, or None if absent.

    Raises :class:`Unsure` where it cannot tell for certain; read the file with
    ``tomllib`` then.
    """
    reader = _Reader(text)
    root: dict[str, Any] = {}  # tool.byoi
    found = False
    headers: set[tuple[str, ...]] = set()  # every [header] seen: none may come twice
    dotted: set[tuple[str, ...]] = set()  # byoi's tables made by dotted keys (a.b = ...)
    inline: set[tuple[str, ...]] = set()  # byoi's inline tables: closed to anything else
    section: tuple[str, ...] | None = ()  # the table key = value lines go to; None: another tool's
    while True:
        reader.blank()
        if reader.peek() == "":
            return root if found else None
        if reader.peek() == "[":
            reader.i += 1
            array = reader.peek() == "["
            reader.i += array
            path = reader.key()
            if not text.startswith("]]" if array else "]", reader.i):
                raise Unsure
            reader.i += 1 + array
            reader.end_of_line()
            mine = path[:2] == _PREFIX
            if path in headers or (array and (mine or path == ("tool",))):
                raise Unsure
            headers.add(path)
            if not mine:
                section = ("tool",) if path == ("tool",) else None
                continue
            if path in dotted or any(path[:n] in inline for n in range(3, len(path) + 1)):
                raise Unsure
            found = True
            _table(root, path[2:])
            section = path
            continue
        key = reader.key()
        if reader.peek() != "=":
            raise Unsure
        reader.i += 1
        reader.spaces()
        if (section == () and key[0] == "tool") or (section == ("tool",) and key[0] == "byoi"):
            raise Unsure  # tool or tool.byoi made by dotted keys or an inline table: rare, tomllib's
        if section is None or len(section) < 2:
            reader.skip()
        else:
            table = _table(root, section[2:])
            for n in range(1, len(key)):
                inner = table.get(key[n - 1])
                if inner is None:
                    inner = table[key[n - 1]] = {}
                    dotted.add((*section, *key[:n]))
                elif (*section, *key[:n]) not in dotted:
                    raise Unsure  # into a table made elsewhere
                table = inner
            if key[-1] in table:
                raise Unsure
            value = table[key[-1]] = reader.value()
            if isinstance(value, dict):
                inline.add((*section, *key))
        reader.end_of_line()


def _table(root: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    table = root
    for part in path:
        inner = table.setdefault(part, {})
        if not isinstance(inner, dict):
            raise Unsure
        table = inner
    return table
