"""A Dockerfile parser that reads files the way BuildKit does, in pure Python.

BuildKit's own parser (``moby/buildkit``, ``frontend/dockerfile/parser``) is the
reference: the ``dockerfile`` package wraps it but ships wheels only for some
platforms, and ``dockerfile-parse`` has no heredocs. This module follows BuildKit
step by step (parser directives, the escape character, line continuations, comments
and empty lines inside continuations, heredocs, JSON versus shell form, ``--flags``)
so that an instruction here has the same keyword, flags, arguments and line numbers
BuildKit gives it; ``tests/checker/test_checker_differential.py`` holds it to that.

The arguments (:attr:`Instruction.args`) have BuildKit's shape: one string for shell
forms of ``RUN``/``CMD``/``ENTRYPOINT``/``SHELL``, ``USER``, ``WORKDIR``; the words of
``FROM``, ``EXPOSE``, ``COPY``/``ADD``/``VOLUME``; ``key, value`` pairs for ``ENV`` and
``LABEL`` (quotes kept); the words of ``ARG`` (quotes kept); the array items for JSON
forms.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from generator.dockerfile.shell import GO_SPACE, Lexer, ShellSyntaxError, is_space

# Plain classes with __slots__ rather than dataclasses: ``byoi check`` is a pre-commit
# hook, and importing ``dataclasses`` (and ``inspect``, ``typing`` behind it) costs
# more than checking a file.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    _ArgParser = Callable[[str, str], tuple[list[str], bool]]


class DockerfileSyntaxError(ValueError):
    """BuildKit would refuse this Dockerfile; ``line`` is 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Heredoc:
    """A here-document attached to ``RUN``/``COPY``/``ADD``.

    ``content`` is the lines between the marker and the terminator, line endings
    included; ``chomp`` is ``<<-`` (leading tabs removed from content and terminator);
    ``expand`` is False when the marker was quoted (no variable expansion).
    """

    __slots__ = ("chomp", "content", "expand", "fd", "name")

    def __init__(self, name: str, content: str, fd: int = 0, chomp: bool = False, expand: bool = True) -> None:
        self.name = name
        self.content = content
        self.fd = fd
        self.chomp = chomp
        self.expand = expand

    def __repr__(self) -> str:
        return f"Heredoc({self.name!r}, {self.content!r}, {self.fd}, {self.chomp}, {self.expand})"

    @property
    def text(self) -> str:
        """The content as the build sees it (leading tabs removed for ``<<-``)."""
        return re.sub(r"(?m)^\t+", "", self.content) if self.chomp else self.content


class Instruction:
    """One instruction, with BuildKit's view of its parts.

    ``keyword`` is the name as written (``RUN``, ``run``...; see :attr:`cmd`); ``json``
    is True for the JSON (exec) form; ``original`` the line with continuations joined;
    ``sub`` the instruction an ``ONBUILD`` registers; ``line_map`` the (offset in
    ``original``, line) where each joined physical line starts.
    """

    __slots__ = (
        "_starts",
        "args",
        "end_line",
        "flags",
        "heredocs",
        "json",
        "keyword",
        "line_map",
        "memo",
        "original",
        "start_line",
        "sub",
    )

    def __init__(
        self,
        keyword: str,
        args: tuple[str, ...],
        flags: tuple[str, ...] = (),
        json: bool = False,
        original: str = "",
        start_line: int = 0,
        end_line: int = 0,
        heredocs: tuple[Heredoc, ...] = (),
        sub: Instruction | None = None,
        line_map: tuple[tuple[int, int], ...] = (),
    ) -> None:
        self.keyword = keyword
        self.args = args
        self.flags = flags
        self.json = json
        self.original = original
        self.start_line = start_line
        self.end_line = end_line
        self.heredocs = heredocs
        self.sub = sub
        self.line_map = line_map
        self._starts = [start for start, _ in line_map]
        #: Results computed from this instruction once and shared by the rules.
        self.memo: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"Instruction({self.keyword!r}, {self.args!r}, lines {self.start_line}-{self.end_line})"

    @property
    def cmd(self) -> str:
        """The instruction name upper-cased (``RUN``)."""
        return self.keyword.upper()

    @property
    def known(self) -> bool:
        """True when BuildKit knows this instruction."""
        return self.keyword.lower() in _DISPATCH

    def line_of(self, offset: int) -> int:
        """The physical line holding character ``offset`` of :attr:`original`."""
        # The continuations of a long instruction are many: bisect, not a scan.
        i = bisect_right(self._starts, offset)
        return self.line_map[i - 1][1] if i else self.start_line

    def flag(self, name: str) -> str | None:
        """The value of ``--name=value`` (the last one wins); ``""`` for a bare ``--name``."""
        found: str | None = None
        for item in self.flags:
            key, sep, value = item[2:].partition("=")
            if key == name:
                found = value if sep else ""
        return found


class Directive:
    """A parser directive (``# syntax=...``, ``# escape=...``, ``# check=...``)."""

    __slots__ = ("line", "name", "value")

    def __init__(self, name: str, value: str, line: int) -> None:
        self.name = name
        self.value = value
        self.line = line

    def __repr__(self) -> str:
        return f"Directive({self.name!r}, {self.value!r}, {self.line})"


class Dockerfile:
    """A parsed Dockerfile: its instructions, directives and escape character, its
    physical lines without endings (index 0 is line 1), and the lines of empty
    continuation lines (BuildKit warns about them)."""

    __slots__ = ("directives", "empty_continuations", "escape", "instructions", "lines")

    def __init__(
        self,
        instructions: list[Instruction],
        directives: list[Directive] | None = None,
        escape: str = "\\",
        lines: list[str] | None = None,
        empty_continuations: list[int] | None = None,
    ) -> None:
        self.instructions = instructions
        self.directives = directives or []
        self.escape = escape
        self.lines = lines or []
        self.empty_continuations = empty_continuations or []


# --- line-level helpers, after parser.go --------------------------------------------

_WHITESPACE = re.compile(r"[\t\v\f\r ]+")
# BuildKit's ``(.+?)[\t\n\f\r ]*$`` is quadratic in a backtracking engine on a line of
# spaces; the value is taken greedily here and its trailing spaces stripped instead.
_DIRECTIVE = re.compile(r"([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+)\Z")
_DIRECTIVE_SPACE = "\t\n\f\r "
_VALID_DIRECTIVES = ("syntax", "escape")
_HEREDOC = re.compile(r"([0-9]*)<<(-?)([^<]*)\Z", re.DOTALL)
_HEREDOC_COMMANDS = ("add", "copy", "run")
#: bufio.Scanner's default limit: longer lines make BuildKit fail.
_MAX_LINE_BYTES = 64 * 1024


def _continuation(escape: str) -> re.Pattern[str]:
    e = re.escape(escape)
    return re.compile(rf"([^{e}]){e}[ \t]*\Z|\A{e}[ \t]*\Z", re.DOTALL)


def _trim_newline(line: str) -> str:
    return line.rstrip("\r\n")


def _is_comment(line: str) -> bool:
    return line.lstrip(GO_SPACE)[:1] == "#"


def _split_lines(text: str) -> list[str]:
    """Lines with their endings, split on ``\\n`` only (as bufio does)."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


class _Directives:
    """BuildKit's ``DirectiveParser`` plus the escape character it sets."""

    def __init__(self) -> None:
        self.done = False
        self.seen: set[str] = set()
        self.found: list[Directive] = []
        self.escape = "\\"
        self.continuation = _continuation(self.escape)

    def parse_line(self, line: str, number: int) -> bool:
        """Record ``line`` if it is a directive; True when it was one."""
        if self.done:
            return False
        if not line.startswith("#"):
            self.done = True
            return False
        m = _DIRECTIVE.match(line[1:].lstrip(GO_SPACE))
        name = m.group(1).lower() if m else ""
        if m is None or name not in _VALID_DIRECTIVES:
            self.done = True
            return False
        if name in self.seen:
            raise DockerfileSyntaxError(f"only one {name} parser directive can be used", number)
        self.seen.add(name)
        # A value of spaces only keeps one (the lazy original's smallest match).
        value = m.group(2).rstrip(_DIRECTIVE_SPACE) or m.group(2)[:1]
        if name == "escape":
            if value not in ("`", "\\"):
                raise DockerfileSyntaxError(f"invalid escape token '{value}' does not match ` or \\", number)
            self.escape = value
            self.continuation = _continuation(value)
        self.found.append(Directive(name, value, number))
        return True


def _process_line(d: _Directives, line: str, number: int, strip_left: bool) -> str:
    line = _trim_newline(line)
    if strip_left:
        line = line.lstrip(GO_SPACE)
    d.parse_line(line, number)
    return "" if _is_comment(line) else line


def _trim_continuation(line: str, d: _Directives) -> tuple[str, bool]:
    """The line without its continuation character; True when the instruction ends here."""
    m = d.continuation.search(line)
    if m is None:
        return line, True
    return line[: m.start()] + (m.group(1) or ""), False


def parse(text: str) -> Dockerfile:
    """Parse a Dockerfile's text; raises :class:`DockerfileSyntaxError` where BuildKit fails."""
    if text.startswith("\ufeff"):
        text = text[1:]
    raw = _split_lines(text)
    d = _Directives()
    instructions: list[Instruction] = []
    empty: list[int] = []
    i = 0  # index of the next physical line; also the number of lines read
    n = len(raw)
    for number, item in enumerate(raw, 1):
        if len(item) * 4 > _MAX_LINE_BYTES and len(item.encode("utf-8")) > _MAX_LINE_BYTES:
            raise DockerfileSyntaxError(
                f"dockerfile line greater than max allowed size of {_MAX_LINE_BYTES - 1}", number
            )
    while i < n:
        first = _process_line(d, raw[i], i + 1, True)
        i += 1
        start = i
        line, end_of_line = _trim_continuation(first, d)
        if end_of_line and not line:
            continue
        parts = [line]
        line_map = [(0, start)]
        size = len(line)
        while not end_of_line and i < n:
            physical = raw[i]
            cont = _process_line(d, physical, i + 1, False)
            i += 1
            if _is_comment(physical):
                continue
            if not _trim_newline(cont).lstrip(GO_SPACE):
                empty.append(i)
                continue
            cont, end_of_line = _trim_continuation(cont, d)
            parts.append(cont)
            line_map.append((size, i))
            size += len(cont)
        joined = "".join(parts)
        try:
            ins = _node(joined, d.escape)
        except DockerfileSyntaxError as err:
            raise DockerfileSyntaxError(err.message, start) from None
        target = ins.sub if ins.sub is not None else ins
        docs: list[Heredoc] = []
        if target.keyword.lower() in _HEREDOC_COMMANDS and not target.json and "<<" in joined:
            for name, fd, chomp, expand_ in _heredocs_from_line(joined, start):
                content: list[str] = []
                terminated = False
                while i < n:
                    physical = raw[i]
                    i += 1
                    candidate = _trim_newline(physical)
                    if chomp:
                        candidate = candidate.lstrip("\t")
                    if candidate == name:
                        terminated = True
                        break
                    content.append(physical)
                if not terminated:
                    raise DockerfileSyntaxError("unterminated heredoc", start)
                docs.append(Heredoc(name, "".join(content), fd, chomp, expand_))
        instructions.append(_placed(ins, start, i, tuple(docs), tuple(line_map)))
    if not instructions:
        raise DockerfileSyntaxError("file with no instructions", 1)
    return Dockerfile(
        instructions=instructions,
        directives=d.found,
        escape=d.escape,
        lines=[_trim_newline(r) for r in raw],
        empty_continuations=empty,
    )


def _placed(
    ins: Instruction, start: int, end: int, heredocs: tuple[Heredoc, ...], line_map: tuple[tuple[int, int], ...]
) -> Instruction:
    sub = ins.sub
    if sub is not None:
        # The sub-instruction's text is the tail of the ONBUILD line.
        shift = max(ins.original.rfind(sub.original), 0)
        sub_map = tuple((max(o - shift, 0), n) for o, n in line_map)
        sub = Instruction(
            sub.keyword, sub.args, sub.flags, sub.json, sub.original, start, end, heredocs, sub.sub, sub_map
        )
        heredocs = ()
    return Instruction(ins.keyword, ins.args, ins.flags, ins.json, ins.original, start, end, heredocs, sub, line_map)


# --- one instruction: split_command.go and line_parsers.go ------------------------


def _node(line: str, escape: str) -> Instruction:
    """``newNodeFromLine``: keyword, flags and arguments of one joined line."""
    cmdline = _WHITESPACE.split(line.strip(GO_SPACE), maxsplit=1)
    keyword = cmdline[0]
    flags: tuple[str, ...] = ()
    rest = ""
    if len(cmdline) == 2:
        rest, flag_list = _extract_flags(cmdline[1])
        flags = tuple(flag_list)
        rest = rest.strip(GO_SPACE)
    parse_args = _DISPATCH.get(keyword.lower())
    if parse_args is None:
        # BuildKit keeps unknown instructions with one empty argument; the build fails later.
        return Instruction(keyword, ("",), flags, original=line)
    if parse_args is _parse_sub_command:
        sub = _node(rest, escape) if rest else None
        return Instruction(keyword, (), flags, original=line, sub=sub)
    args, is_json = parse_args(rest, escape)
    return Instruction(keyword, tuple(args), flags, is_json, line)


def _extract_flags(line: str) -> tuple[str, list[str]]:
    """``extractBuilderFlags``: leading ``--flag[=value]`` words, quotes removed.

    BuildKit walks bytes here, not characters; the line is handled as Latin-1 so the
    result matches byte for byte, non-ASCII flags included.
    """
    data = line.encode("utf-8").decode("latin-1")
    words: list[str] = []
    word: list[str] = []
    in_spaces, in_word, in_quote = 0, 1, 2
    phase = in_spaces
    quote = ""
    blank_ok = False
    pos = 0
    size = len(data)
    while pos <= size:
        ch = data[pos] if pos < size else ""
        if phase == in_spaces:
            if pos == size:
                break
            if is_space(ch):
                pos += 1
                continue
            if ch != "-" or pos + 1 == size or data[pos + 1] != "-":
                return data[pos:].encode("latin-1").decode("utf-8", "replace"), words
            phase = in_word
        if phase in (in_word, in_quote) and pos == size:
            text = "".join(word)
            if text != "--" and (blank_ok or text):
                words.append(text)
            break
        if phase == in_word:
            if is_space(ch):
                phase = in_spaces
                text = "".join(word)
                if text == "--":
                    return data[pos:].encode("latin-1").decode("utf-8", "replace"), words
                if blank_ok or text:
                    words.append(text)
                word = []
                blank_ok = False
                pos += 1
                continue
            if ch in ("'", '"'):
                quote = ch
                blank_ok = True
                phase = in_quote
                pos += 1
                continue
            if ch == "\\":
                if pos + 1 == size:
                    pos += 1
                    continue
                pos += 1
                ch = data[pos]
            word.append(ch)
            pos += 1
            continue
        # in_quote
        if ch == quote:
            phase = in_word
            pos += 1
            continue
        if ch == "\\":
            if pos + 1 == size:
                phase = in_word
                pos += 1
                continue
            pos += 1
            ch = data[pos]
        word.append(ch)
        pos += 1
    return "", words


def _parse_words(rest: str, escape: str) -> list[str]:
    """``parseWords``: space-separated words, quotes and escapes kept."""
    words: list[str] = []
    word: list[str] = []
    in_spaces, in_word, in_quote = 0, 1, 2
    phase = in_spaces
    quote = ""
    blank_ok = False
    pos = 0
    size = len(rest)
    while pos <= size:
        ch = rest[pos] if pos < size else ""
        if phase == in_spaces:
            if pos == size:
                break
            if is_space(ch):
                pos += 1
                continue
            phase = in_word
        if phase in (in_word, in_quote) and pos == size:
            if blank_ok or word:
                words.append("".join(word))
            break
        if phase == in_word:
            if is_space(ch):
                phase = in_spaces
                if blank_ok or word:
                    words.append("".join(word))
                word = []
                blank_ok = False
                pos += 1
                continue
            if ch in ("'", '"'):
                quote = ch
                blank_ok = True
                phase = in_quote
            if ch == escape:
                if pos + 1 == size:
                    pos += 1
                    continue
                word.append(ch)
                pos += 1
                ch = rest[pos]
            word.append(ch)
            pos += 1
            continue
        # in_quote
        if ch == quote:
            phase = in_word
        if ch == escape and quote != "'":
            if pos + 1 == size:
                phase = in_word
                pos += 1
                continue
            pos += 1
            word.append(ch)
            ch = rest[pos]
        word.append(ch)
        pos += 1
    return words


def _parse_name_val(rest: str, escape: str, key: str) -> list[str]:
    words = _parse_words(rest, escape)
    if not words:
        return []
    if "=" not in words[0]:
        parts = _WHITESPACE.split(rest, maxsplit=1)
        if len(parts) < 2:
            raise DockerfileSyntaxError(f"{key} must have two arguments", 0)
        return [parts[0], parts[1]]
    out: list[str] = []
    for word in words:
        if "=" not in word:
            raise DockerfileSyntaxError(f'Syntax error - can\'t find = in "{word}". Must be of the form: name=value', 0)
        k, _, v = word.partition("=")
        out += [k, v]
    return out


def _parse_env(rest: str, escape: str) -> tuple[list[str], bool]:
    return _parse_name_val(rest, escape, "ENV"), False


def _parse_label(rest: str, escape: str) -> tuple[list[str], bool]:
    return _parse_name_val(rest, escape, "LABEL"), False


def _parse_name_or_name_val(rest: str, escape: str) -> tuple[list[str], bool]:
    return _parse_words(rest, escape), False


def _parse_whitespace_delimited(rest: str, escape: str) -> tuple[list[str], bool]:
    if not rest:
        return [], False
    return _WHITESPACE.split(rest), False


def _parse_string(rest: str, escape: str) -> tuple[list[str], bool]:
    return ([rest] if rest else []), False


#: A JSON array of strings without escapes, and its items (JSON's whitespace is these four).
_JSON_ITEM = r'"[^"\\\x00-\x1f]*"[\t\n\r ]*'
_SIMPLE_JSON = re.compile(rf"\[[\t\n\r ]*(?:{_JSON_ITEM}(?:,[\t\n\r ]*{_JSON_ITEM})*)?\]")
_JSON_STRING = re.compile(r'"([^"]*)"')


class _NotJson(ValueError):
    pass


def _no_constants(name: str) -> object:
    # Go's encoding/json has no NaN or Infinity: such input is not JSON for BuildKit.
    raise _NotJson(name)


def _parse_json(rest: str) -> list[str]:
    """``parseJSON``: the first JSON value of ``rest`` (trailing text is ignored, as Go's decoder does)."""
    rest = rest.lstrip(GO_SPACE)
    if not rest.startswith("["):
        raise _NotJson("not a JSON array")
    simple = _SIMPLE_JSON.match(rest)
    if simple is not None:
        # No escapes: each item is its text (this spares ``byoi check`` importing json).
        return _JSON_STRING.findall(simple.group(0))
    import json

    try:
        value, _ = json.JSONDecoder(parse_constant=_no_constants).raw_decode(rest)
    except (ValueError, RecursionError):
        raise _NotJson("invalid JSON") from None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DockerfileSyntaxError("when using JSON array syntax, arrays must be comprised of strings only", 0)
    return value


def _parse_maybe_json(rest: str, escape: str) -> tuple[list[str], bool]:
    if not rest:
        return [], False
    try:
        return _parse_json(rest), True
    except _NotJson:
        return [rest], False


def _parse_maybe_json_to_list(rest: str, escape: str) -> tuple[list[str], bool]:
    try:
        return _parse_json(rest), True
    except _NotJson:
        return _parse_whitespace_delimited(rest, escape)


def _parse_health_config(rest: str, escape: str) -> tuple[list[str], bool]:
    # BuildKit walks bytes here (see _extract_flags), hence the Latin-1 round trip.
    data = rest.encode("utf-8").decode("latin-1")
    sep = 0
    while sep < len(data) and not is_space(data[sep]):
        sep += 1
    nxt = sep
    while nxt < len(data) and is_space(data[nxt]):
        nxt += 1
    if sep == 0:
        return [], False
    kind = data[:sep].encode("latin-1").decode("utf-8", "replace")
    cmd, is_json = _parse_maybe_json(data[nxt:].encode("latin-1").decode("utf-8", "replace"), escape)
    return [kind, *cmd], is_json


def _parse_sub_command(rest: str, escape: str) -> tuple[list[str], bool]:
    raise AssertionError("ONBUILD is handled in _node")  # pragma: no cover


_DISPATCH: dict[str, _ArgParser] = {
    "add": _parse_maybe_json_to_list,
    "arg": _parse_name_or_name_val,
    "cmd": _parse_maybe_json,
    "copy": _parse_maybe_json_to_list,
    "entrypoint": _parse_maybe_json,
    "env": _parse_env,
    "expose": _parse_whitespace_delimited,
    "from": _parse_whitespace_delimited,
    "healthcheck": _parse_health_config,
    "label": _parse_label,
    "maintainer": _parse_string,
    "onbuild": _parse_sub_command,
    "run": _parse_maybe_json,
    "shell": _parse_maybe_json,
    "stopsignal": _parse_string,
    "user": _parse_string,
    "volume": _parse_maybe_json_to_list,
    "workdir": _parse_string,
}

#: Instruction names BuildKit knows, upper-cased.
INSTRUCTIONS = tuple(sorted(k.upper() for k in _DISPATCH))


# --- heredocs: parser.go's heredocsFromLine and heredocFromMatch --------------------


def _heredocs_from_line(line: str, number: int) -> list[tuple[str, int, bool, bool]]:
    try:
        words = Lexer(raw_quotes=True, raw_escapes=True, skip_unset=True).words(line)
    except ShellSyntaxError:
        # BuildKit ignores the error: a line it cannot lex has no heredocs.
        return []
    found: list[tuple[str, int, bool, bool]] = []
    for word in words:
        m = _HEREDOC.match(word)
        if m is None or not m.group(3):
            continue
        try:
            names = Lexer(skip_unset=True).words(m.group(3))
            if len(names) != 1:
                continue
            raw_names = Lexer(raw_quotes=True, skip_unset=True).words(m.group(3))
        except ShellSyntaxError as err:
            raise DockerfileSyntaxError(str(err), number) from None
        if len(raw_names) != len(names):
            raise DockerfileSyntaxError(
                f"internal lexing of heredoc produced inconsistent results: {m.group(3)}", number
            )
        name = names[0]
        quotes = name.count("'") + name.count('"')
        raw_quotes = raw_names[0].count("'") + raw_names[0].count('"')
        # strconv.ParseUint saturates on overflow.
        fd = min(int(m.group(1)), 2**64 - 1) if m.group(1) else 0
        found.append((name, fd, m.group(2) == "-", quotes == raw_quotes))
    return found
