"""Shell words as BuildKit sees them: quotes, escapes and ``$VAR`` expansion.

A port of BuildKit's ``frontend/dockerfile/shell/lex.go``. The parser uses it the way
BuildKit does to find heredoc markers (``<<EOF``) on an instruction line, and the
model uses it to expand ``ARG``/``ENV`` values, ``FROM``, ``USER``, ``WORKDIR`` and
the rest. Staying close to the original is the point: where this lexer refuses a
line (say ``${x,,}``, which BuildKit does not support), BuildKit refuses it too, and
a line BuildKit cannot lex has no heredocs.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

#: Longest value an expansion may produce: past it the value is unknown (None), as one
#: that depends on a ``--build-arg``. ``ENV A=$B$B`` doubles a value per line; without a
#: bound, twenty such lines take minutes and gigabytes.
MAX_VALUE = 64 * 1024
#: Go's ``unicode.IsSpace``: ASCII and Latin-1 spaces plus Unicode White_Space.
GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_GO_SPACE_SET = frozenset(GO_SPACE)
_SPECIAL_PARAMS = frozenset("@*#?-$!0")
_EOF = ""


def is_space(ch: str) -> bool:
    """Go's ``unicode.IsSpace`` for one character."""
    return ch in _GO_SPACE_SET


class ShellSyntaxError(ValueError):
    """A word BuildKit's lexer refuses (unterminated quote, bad ``${...}``)."""


class _Words:
    """BuildKit's ``wordsStruct``: splits on unquoted spaces as characters arrive.

    The word is a list of pieces (``str +=`` on an attribute copies the whole word each
    time: quadratic on a long line).
    """

    __slots__ = ("in_word", "word", "words")

    def __init__(self) -> None:
        self.word: list[str] = []
        self.words: list[str] = []
        self.in_word = False

    def _end(self) -> None:
        word = "".join(self.word)
        if word:
            self.words.append(word)
        self.word = []
        self.in_word = False

    def add_char(self, ch: str) -> None:
        if ch in _GO_SPACE_SET:
            if self.in_word:
                self._end()
        else:
            self.add_raw_char(ch)

    def add_raw_char(self, ch: str) -> None:
        self.word.append(ch)
        self.in_word = True

    def add_string(self, text: str) -> None:
        if not _GO_SPACE_SET.intersection(text):
            if text:
                self.add_raw_string(text)
            return
        for ch in text:
            self.add_char(ch)

    def add_raw_string(self, text: str) -> None:
        self.word.append(text)
        self.in_word = True

    def get_words(self) -> list[str]:
        self._end()
        return self.words


class _NoWords(_Words):
    """For :meth:`Lexer.word`, which needs no split into words: adds nothing."""

    __slots__ = ()

    def add_char(self, ch: str) -> None:
        pass

    def add_raw_char(self, ch: str) -> None:
        pass

    def add_string(self, text: str) -> None:
        pass

    def add_raw_string(self, text: str) -> None:
        pass


class Lexer:
    """One pass of BuildKit's shell lexer over a word.

    ``raw_quotes`` keeps quote characters in the result, ``raw_escapes`` keeps escape
    characters, and ``skip_unset`` leaves unset variables as written (``$X``) instead
    of expanding them to nothing. ``unmatched`` collects the variables that were not
    in ``env``; ``unknown`` those that were, with the value None (not known statically).
    """

    def __init__(
        self,
        env: Mapping[str, str | None] | None = None,
        *,
        escape: str = "\\",
        raw_quotes: bool = False,
        raw_escapes: bool = False,
        skip_unset: bool = False,
    ) -> None:
        self.env: Mapping[str, str | None] = env if env is not None else {}
        self.escape = escape
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.skip_unset = skip_unset
        self.unmatched: set[str] = set()
        self.unknown: set[str] = set()
        self._src = ""
        self._pos = 0
        #: Characters variables have added so far (bounded by MAX_VALUE).
        self._expanded = 0

    # --- scanner ---------------------------------------------------------------

    def _peek(self) -> str:
        return self._src[self._pos] if self._pos < len(self._src) else _EOF

    def _next(self) -> str:
        if self._pos < len(self._src):
            ch = self._src[self._pos]
            self._pos += 1
            return ch
        return _EOF

    # --- public ------------------------------------------------------------------

    def process(self, text: str, *, split: bool = True) -> tuple[str, list[str]]:
        """The processed word and (when ``split``) its split into words; raises ShellSyntaxError."""
        self._src, self._pos, self._expanded = text, 0, 0
        try:
            return self._stop_on(_EOF, self.raw_escapes, split)
        except RecursionError:
            raise ShellSyntaxError("substitutions nested too deep") from None

    def words(self, text: str) -> list[str]:
        """``ProcessWords``: the words of ``text``; raises ShellSyntaxError."""
        return self.process(text)[1]

    def word(self, text: str) -> str:
        """``ProcessWord``: ``text`` with quotes, escapes and variables processed."""
        return self.process(text, split=False)[0]

    # --- the lexer -------------------------------------------------------------

    def _get_env(self, name: str, *, plain: bool) -> tuple[str, bool]:
        if name in self.env:
            value = self.env[name]
            if value is not None:
                return value, True
            # Declared without a value (an ARG set only by --build-arg): unset in a
            # default build, so ${X:-default} gives the default; what $X alone gives
            # is not known.
            if plain:
                self.unknown.add(name)
            return "", False
        self.unmatched.add(name)
        return "", False

    def _stop_on(self, stop: str, raw_escapes: bool, split: bool = False) -> tuple[str, list[str]]:
        saved = self.raw_escapes
        self.raw_escapes = raw_escapes
        try:
            result: list[str] = []
            words = _Words() if split else _NoWords()
            while (ch := self._peek()) != _EOF:
                if stop and ch == stop:
                    self._next()
                    return "".join(result), words.get_words()
                if ch == "$":
                    tmp = self._dollar()
                    result.append(tmp)
                    words.add_string(tmp)
                elif ch == "'":
                    tmp = self._single_quote()
                    result.append(tmp)
                    words.add_raw_string(tmp)
                elif ch == '"':
                    tmp = self._double_quote()
                    result.append(tmp)
                    words.add_raw_string(tmp)
                else:
                    ch = self._next()
                    if ch == self.escape:
                        if self.raw_escapes:
                            words.add_raw_char(ch)
                            result.append(ch)
                        ch = self._next()
                        if ch == _EOF:
                            break
                        words.add_raw_char(ch)
                    else:
                        words.add_char(ch)
                    result.append(ch)
            if stop:
                raise ShellSyntaxError(f"unexpected end of statement while looking for matching {stop}")
            return "".join(result), words.get_words()
        finally:
            self.raw_escapes = saved

    def _single_quote(self) -> str:
        result: list[str] = []
        ch = self._next()
        if self.raw_quotes:
            result.append(ch)
        while True:
            ch = self._next()
            if ch == _EOF:
                raise ShellSyntaxError("unexpected end of statement while looking for matching single-quote")
            if ch == "'":
                if self.raw_quotes:
                    result.append(ch)
                return "".join(result)
            result.append(ch)

    def _double_quote(self) -> str:
        result: list[str] = []
        ch = self._next()
        if self.raw_quotes:
            result.append(ch)
        while True:
            peek = self._peek()
            if peek == _EOF:
                raise ShellSyntaxError("unexpected end of statement while looking for matching double-quote")
            if peek == '"':
                ch = self._next()
                if self.raw_quotes:
                    result.append(ch)
                return "".join(result)
            if peek == "$":
                result.append(self._dollar())
                continue
            ch = self._next()
            if ch == self.escape:
                if self.raw_escapes:
                    result.append(ch)
                nxt = self._peek()
                if nxt == _EOF:
                    continue
                if nxt in ('"', "$", self.escape):
                    ch = self._next()
            result.append(ch)

    def _name(self) -> str:
        name: list[str] = []
        while (ch := self._peek()) != _EOF:
            if not name and ch.isdecimal():
                while (ch := self._peek()) != _EOF and ch.isdecimal():
                    name.append(self._next())
                return "".join(name)
            if not name and ch in _SPECIAL_PARAMS:
                return self._next()
            if not ch.isalpha() and not ch.isdecimal() and ch != "_":
                break
            name.append(self._next())
        return "".join(name)

    def _dollar(self) -> str:
        value = self._substitute()
        self._expanded += len(value)
        if self._expanded > MAX_VALUE:
            raise ShellSyntaxError(f"variables expand to more than {MAX_VALUE // 1024} KiB")
        return value

    def _substitute(self) -> str:
        self._next()
        if self._peek() != "{":
            name = self._name()
            if not name:
                return "$"
            value, found = self._get_env(name, plain=True)
            if not found and self.skip_unset:
                return "$" + name
            return value
        self._next()
        peek = self._peek()
        if peek == _EOF:
            raise ShellSyntaxError("syntax error: missing '}'")
        if peek in "{}:":
            raise ShellSyntaxError("syntax error: bad substitution")
        name = self._name()
        ch = self._next()
        chs = ch or "\ufffd"
        null_is_unset = False
        if ch == "}":
            value, found = self._get_env(name, plain=True)
            if not found and self.skip_unset:
                return "${" + name + "}"
            return value
        if ch == ":":
            null_is_unset = True
            ch = self._next()
            chs += ch or "\ufffd"
        elif ch not in ("+", "-", "?"):
            # BuildKit's Dockerfile frontend (the version this project is tested against)
            # has no ${x#pat}, ${x%pat}, ${x/a/b}, ${x,,}: they are refused.
            raise ShellSyntaxError(f"unsupported modifier ({chs}) in substitution")
        try:
            word, _ = self._stop_on("}", self.raw_escapes)
        except ShellSyntaxError:
            if self._peek() == _EOF:
                raise ShellSyntaxError("syntax error: missing '}'") from None
            raise
        value, found = self._get_env(name, plain=ch == "?")
        if self.skip_unset and not found:
            return "${" + name + chs + word + "}"
        unset = not found or (null_is_unset and value == "")
        if ch == "-":
            return word if unset else value
        if ch == "+":
            return "" if unset else word
        if ch == "?":
            if unset:
                raise ShellSyntaxError(f"{name}: {word or 'is not allowed to be unset'}")
            return value
        raise ShellSyntaxError(f"unsupported modifier ({chs}) in substitution")


def expand(text: str, env: Mapping[str, str | None], *, escape: str = "\\") -> str | None:
    """``text`` with quotes and escapes removed and variables from ``env`` expanded.

    In ``env``, an ``ARG`` declared without a default (set only by ``--build-arg``)
    maps to None: ``${X:-default}`` then gives the default, as a build without that
    argument does, and ``$X`` alone is unknown. A variable not in ``env`` at all is
    unset, as for BuildKit, and expands to nothing. Returns None when the result
    depends on an unknown value, when BuildKit would refuse the word, or when variables
    would add more than :data:`MAX_VALUE` characters.
    """
    lexer = Lexer(env, escape=escape)
    try:
        result = lexer.word(text)
    except ShellSyntaxError:
        return None
    return None if lexer.unknown else result
