"""Commands in shell text: ``RUN`` lines, shell-form ``CMD``, and copied scripts.

Not a shell: a scanner good enough to find simple commands (``sagemaker-code-editor
--port 8888 ...``, ``mkdir -p /opt/ml``), their redirections, and the plain variable
assignments before them, with the line each word is on. It knows quotes, escapes,
line continuations, comments, ``$(...)``, ``${...}``, operators and here-documents;
whatever it cannot evaluate (command substitution, unknown variables, patterns) comes
out as None from :func:`expand_word`, and the rules say nothing about it.
"""

from __future__ import annotations

import re

from generator.dockerfile.shell import MAX_VALUE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

# Plain classes with __slots__ rather than dataclasses: see generator.dockerfile.parser.


class Word:
    """A shell word as written (quotes included) and the line it starts on."""

    __slots__ = ("line", "raw")

    def __init__(self, raw: str, line: int) -> None:
        self.raw = raw
        self.line = line

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Word) and (self.raw, self.line) == (other.raw, other.line)

    def __hash__(self) -> int:
        return hash((self.raw, self.line))

    def __repr__(self) -> str:
        return f"Word({self.raw!r}, {self.line})"


class Command:
    """A simple command: its words and redirections (operator, target)."""

    __slots__ = ("redirects", "words")

    def __init__(self, words: tuple[Word, ...], redirects: tuple[tuple[str, Word], ...] = ()) -> None:
        self.words = words
        self.redirects = redirects

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Command) and (self.words, self.redirects) == (other.words, other.redirects)

    def __hash__(self) -> int:
        return hash((self.words, self.redirects))

    def __repr__(self) -> str:
        return f"Command({self.words!r}, {self.redirects!r})"

    @property
    def line(self) -> int:
        """The line of the command's first word (or redirection)."""
        if self.words:
            return self.words[0].line
        return self.redirects[0][1].line if self.redirects else 0


_RESERVED = frozenset(
    {
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "do",
        "done",
        "while",
        "until",
        "for",
        "case",
        "esac",
        "!",
        "{",
        "}",
        "in",
        "time",
    }
)
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPACE = " \t"
_PLAIN = re.compile(r"[^ \t\n;&|()<>'\"\\$`]+")
_REDIRECT = re.compile(r"&>>?|<<<|<<-|<<|<>|>>|>&|<&|>\||[<>]")
_FD = re.compile(r"[0-9]+-?|-")
_SHELL_UNSAFE = re.compile(r"[^\w@%+=:,./-]", re.ASCII)


class _State:
    __slots__ = ("commands", "heredocs", "redirect", "redirects", "word", "word_line", "words")

    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.words: list[Word] = []
        self.redirects: list[tuple[str, Word]] = []
        self.word: list[str] = []
        self.word_line = 0
        self.redirect: str | None = None
        self.heredocs: list[tuple[str, bool]] = []

    def end_word(self) -> None:
        if not self.word:
            return
        word = Word("".join(self.word), self.word_line)
        self.word = []
        if self.redirect is not None:
            self.redirects.append((self.redirect, word))
            if self.redirect in ("<<", "<<-"):
                self.heredocs.append((_unquote(word.raw), self.redirect == "<<-"))
            self.redirect = None
        else:
            self.words.append(word)

    def end_command(self) -> None:
        self.end_word()
        words = list(self.words)
        # Reserved words lead the commands they guard: `then exec server ...`.
        while words and words[0].raw in _RESERVED:
            words.pop(0)
        if words or self.redirects:
            self.commands.append(Command(tuple(words), tuple(self.redirects)))
        self.words, self.redirects, self.redirect = [], [], None


def _unquote(text: str) -> str:
    return text.replace("'", "").replace('"', "").replace("\\", "")


def _skip_balanced(text: str, i: int, open_: str, close: str) -> int:
    """Index just after the ``close`` matching the ``open_`` at ``i`` (quotes respected)."""
    depth = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "'" and open_ != "{":
            end = text.find("'", i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch == '"':
            i = _skip_double(text, i)
            continue
        if ch == open_:
            depth += 1
        elif ch == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _skip_double(text: str, i: int) -> int:
    """Index just after the double-quoted string starting at ``i``."""
    n = len(text)
    i += 1
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == '"':
            return i + 1
        if text.startswith("$(", i):
            i = _skip_balanced(text, i + 1, "(", ")")
            continue
        i += 1
    return n


def commands(text: str, first_line: int = 1, line_at: Callable[[int], int] | None = None) -> list[Command]:
    """The simple commands of shell ``text``; line numbers start at ``first_line``.

    ``line_at`` maps an offset in ``text`` to its line, for text whose line breaks
    are gone (a Dockerfile instruction with its continuations joined).
    """
    st = _State()
    line = first_line
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and text.startswith("\n", i + 1):
            i += 2
            line += 1
            continue
        if ch == "\n":
            st.end_command()
            line += 1
            i += 1
            if st.heredocs:
                i, line = _skip_heredocs(text, i, line, st.heredocs)
                st.heredocs = []
            continue
        if ch in _SPACE:
            st.end_word()
            i += 1
            continue
        if ch == "#" and not st.word:
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch in ";&|()" and not (ch == "&" and text.startswith(">", i + 1)):
            st.end_command()
            i += 1
            continue
        if ch in "<>" or (ch == "&" and text.startswith(">", i + 1)):
            if st.word and all(c.isdigit() for c in st.word):
                st.word = []
            else:
                st.end_word()
            m = _REDIRECT.match(text, i)
            op = m.group(0) if m else ch
            i += len(op)
            if op in (">&", "<&"):
                fd = _FD.match(text, i)
                if fd:
                    i = fd.end()
                    continue
            st.redirect = op
            continue
        start = i
        if ch == "'":
            end = text.find("'", i + 1)
            i = n if end < 0 else end + 1
        elif ch == '"':
            i = _skip_double(text, i)
        elif ch == "\\":
            i += 2
        elif text.startswith("$(", i):
            i = _skip_balanced(text, i + 1, "(", ")")
        elif text.startswith("${", i):
            i = _skip_balanced(text, i + 1, "{", "}")
        elif ch == "`":
            end = text.find("`", i + 1)
            i = n if end < 0 else end + 1
        else:
            plain = _PLAIN.match(text, i)
            i = plain.end() if plain else i + 1
        if not st.word:
            st.word_line = line_at(start) if line_at is not None else line
        chunk = text[start:i]
        st.word.append(chunk)
        line += chunk.count("\n")
    st.end_command()
    return st.commands


def _skip_heredocs(text: str, i: int, line: int, docs: list[tuple[str, bool]]) -> tuple[int, int]:
    for delimiter, strip_tabs in docs:
        while i < len(text):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            body = text[i:end]
            i = end + 1
            line += 1
            if (body.lstrip("\t") if strip_tabs else body) == delimiter:
                break
    return min(i, len(text)), line


def literal(text: str, line: int = 0) -> Word:
    """A word whose value is ``text`` exactly (an exec-form argument)."""
    # shlex.quote, without importing shlex for it.
    if text and _SHELL_UNSAFE.search(text) is None:
        return Word(text, line)
    return Word("'" + text.replace("'", "'\"'\"'") + "'", line)


# --- values -------------------------------------------------------------------------


class _Unknown(Exception):
    pass


def expand_word(raw: str, variables: Mapping[str, str | None]) -> str | None:
    """The value of a shell word: quotes removed, variables expanded (bash rules).

    ``variables`` maps names to values (None: set, value unknown). A variable not in
    it is unknown too, except where the word gives a default for it
    (``${PORT:-8888}``). Command substitution and patterns make the value unknown:
    the result is then None.
    """
    try:
        return _expand(raw, variables, quoted=False)
    except _Unknown:
        return None


def _expand(raw: str, variables: Mapping[str, str | None], *, quoted: bool) -> str:
    out: list[str] = []
    i = 0
    n = len(raw)
    # Text from variables past MAX_VALUE: the value is unknown (see shell.MAX_VALUE).
    budget = MAX_VALUE
    while i < n:
        if budget < 0:
            raise _Unknown
        ch = raw[i]
        if ch == "'" and not quoted:
            end = raw.find("'", i + 1)
            if end < 0:
                raise _Unknown
            out.append(raw[i + 1 : end])
            i = end + 1
        elif ch == '"' and not quoted:
            end = _skip_double(raw, i)
            out.append(_expand(raw[i + 1 : end - 1], variables, quoted=True))
            budget -= len(out[-1])
            i = end
        elif ch == "\\":
            nxt = raw[i + 1 : i + 2]
            if quoted and nxt not in ('"', "$", "`", "\\", "\n"):
                out.append("\\")
            out.append(nxt if nxt != "\n" else "")
            i += 2
        elif ch == "`" or raw.startswith("$(", i):
            raise _Unknown
        elif raw.startswith("${", i):
            end = _skip_balanced(raw, i + 1, "{", "}")
            out.append(_parameter(raw[i + 2 : end - 1], variables))
            budget -= len(out[-1])
            i = end
        elif ch == "$":
            m = _NAME.match(raw, i + 1)
            if m is None:
                if i + 1 < n and raw[i + 1] in "@*#?-$!0123456789":
                    raise _Unknown
                out.append("$")
                i += 1
                continue
            out.append(_lookup(m.group(0), variables))
            budget -= len(out[-1])
            i = m.end()
        else:
            out.append(ch)
            i += 1
    if budget < 0:
        raise _Unknown
    return "".join(out)


def _lookup(name: str, variables: Mapping[str, str | None]) -> str:
    value = variables.get(name)
    if value is None:
        raise _Unknown
    return value


def _parameter(body: str, variables: Mapping[str, str | None]) -> str:
    m = _NAME.match(body)
    if m is None:
        raise _Unknown
    name, rest = m.group(0), body[m.end() :]
    known = name in variables
    value = variables.get(name)
    if rest == "":
        return _lookup(name, variables)
    for op in (":-", "-", ":=", "=", ":+", "+"):
        if rest.startswith(op):
            word = rest[len(op) :]
            if known and value is None:
                raise _Unknown
            unset = not known or (op.startswith(":") and value == "")
            if op.endswith("+"):
                return "" if unset else _expand(word, variables, quoted=False)
            return _expand(word, variables, quoted=False) if unset else str(value)
    if rest in (",,", "^^", ",", "^"):
        text = _lookup(name, variables)
        if rest == ",,":
            return text.lower()
        if rest == "^^":
            return text.upper()
        head = text[:1].lower() if rest == "," else text[:1].upper()
        return head + text[1:]
    raise _Unknown


def assignments(command: Command) -> list[tuple[str, str | None]]:
    """Variables a command sets for what follows: ``NAME=value`` alone, or via
    ``export``/``local``/``declare``/``readonly`` (values as written; None: no value).
    """
    words = [w.raw for w in command.words]
    if words and words[0] in ("export", "local", "declare", "typeset", "readonly"):
        found: list[tuple[str, str | None]] = []
        for word in words[1:]:
            if word.startswith("-"):
                continue
            m = _ASSIGNMENT.match(word)
            if m:
                found.append((m.group(0).rstrip("+="), None if "+=" in m.group(0) else word[m.end() :]))
            elif _NAME.fullmatch(word) and words[0] != "export":
                found.append((word, None))
        return found
    if words and all(_ASSIGNMENT.match(w) for w in words):
        out: list[tuple[str, str | None]] = []
        for word in words:
            m = _ASSIGNMENT.match(word)
            assert m is not None
            out.append((m.group(0).rstrip("+="), None if "+=" in m.group(0) else word[m.end() :]))
        return out
    return []


def command_words(command: Command) -> tuple[Word, ...]:
    """The words of the command itself, after leading ``NAME=value`` assignments."""
    words = command.words
    i = 0
    while i < len(words) and _ASSIGNMENT.match(words[i].raw):
        i += 1
    return words[i:]
