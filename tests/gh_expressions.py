"""A small evaluator of GitHub Actions expressions (``${{ ... }}``), for the CI tests.

GitHub evaluates a workflow's ``if:`` conditions and ``${{ }}`` values on its servers, so
no program here can be the oracle; this module implements the documented semantics for
the subset byoi's workflows use, and tests/test_ci.py holds it to the documented examples
(docs.github.com, "Evaluate expressions in workflows and actions"):

- literals: ``null``, ``true``, ``false``, numbers (decimal, ``0xff``, exponents), strings in
  single quotes (``''`` is a quote);
- ``( )``, property dereference ``a.b`` and ``a['b']`` (a missing property is null),
  ``!``, ``< <= > >=``, ``== !=``, ``&&``, ``||``, in that order of precedence;
- ``==`` compares loosely: strings ignore case; values of different types are compared as
  numbers (null 0, true 1, false 0, a string parsed, '' 0, anything else NaN);
- ``&&`` and ``||`` give one of their operands, as in JavaScript; false, 0, -0, '', null
  and NaN are falsy;
- functions ``contains``, ``startsWith``, ``endsWith`` (case-insensitive), ``format``
  (``{0}``, ``{{`` and ``}}``), and the status functions ``success()``, ``always()``,
  ``cancelled()``, ``failure()``.

Anything else is refused with :class:`ExpressionError`, so a workflow using more than
this subset fails its test rather than being evaluated wrongly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class ExpressionError(ValueError):
    """An expression outside the subset, or malformed."""


_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<number>0x[0-9a-fA-F]+|-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
    r"|(?P<string>'(?:[^']|'')*')"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\].,])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*)"
    r")"
)


@dataclass
class Status:
    """The job's state the status functions read."""

    failed: bool = False
    cancelled: bool = False


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ExpressionError(f"cannot read {text[pos:]!r}")
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def to_number(value: Any) -> float:
    """GitHub's coercion to a number."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan


def truthy(value: Any) -> bool:
    """False, 0, -0, '', null and NaN are falsy; everything else is truthy."""
    if value is None or value is False or value == "":
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return not (value == 0 or math.isnan(value))
    return True


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if type(left) is type(right) and isinstance(left, (dict, list)):
        return left is right
    if isinstance(left, (dict, list)) or isinstance(right, (dict, list)):
        return False
    if left is None and right is None:
        return True
    a, b = to_number(left), to_number(right)
    return a == b


def _compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        a: Any = left.casefold()
        b: Any = right.casefold()
    else:
        a, b = to_number(left), to_number(right)
        if math.isnan(a) or math.isnan(b):
            return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _format(template: str, args: list[Any]) -> str:
    out = []
    i = 0
    while i < len(template):
        c = template[i]
        if template.startswith("{{", i):
            out.append("{")
            i += 2
        elif template.startswith("}}", i):
            out.append("}")
            i += 2
        elif c == "{":
            end = template.find("}", i)
            index = template[i + 1 : end]
            if end < 0 or not index.isdigit() or int(index) >= len(args):
                raise ExpressionError(f"format: bad placeholder in {template!r}")
            out.append(_text(args[int(index)]))
            i = end + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


class _Parser:
    def __init__(self, text: str, context: Mapping[str, Any], status: Status) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.context = context
        self.status = status

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise ExpressionError(f"expected {value or 'more'} at token {self.pos}")
        self.pos += 1
        return token

    def parse(self) -> Any:
        value = self.or_()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()}")
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            value = value if truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.equality()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.equality()
            value = right if truthy(value) else value
        return value

    def equality(self) -> Any:
        value = self.comparison()
        while self.peek() in (("op", "=="), ("op", "!=")):
            op = self.take()[1]
            right = self.comparison()
            value = _equal(value, right) if op == "==" else not _equal(value, right)
        return value

    def comparison(self) -> Any:
        value = self.unary()
        while self.peek() in (("op", "<"), ("op", "<="), ("op", ">"), ("op", ">=")):
            op = self.take()[1]
            value = _compare(op, value, self.unary())
        return value

    def unary(self) -> Any:
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.postfix()

    def postfix(self) -> Any:
        value = self.primary()
        while self.peek() in (("op", "."), ("op", "[")):
            if self.take()[1] == ".":
                kind, name = self.take()
                if kind != "name":
                    raise ExpressionError(f"expected a property name, got {name!r}")
                value = value.get(name) if isinstance(value, Mapping) else None
            else:
                key = self.or_()
                self.take("]")
                if isinstance(value, Mapping) and isinstance(key, str):
                    value = next((v for k, v in value.items() if k.casefold() == key.casefold()), None)
                else:
                    value = None
        return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "number":
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "op" and text == "(":
            value = self.or_()
            self.take(")")
            return value
        if kind == "name":
            if text in ("true", "false"):
                return text == "true"
            if text == "null":
                return None
            if self.peek() == ("op", "("):
                return self.call(text)
            if text not in self.context:
                raise ExpressionError(f"unknown context {text!r}")
            return self.context[text]
        raise ExpressionError(f"unexpected {text!r}")

    def call(self, name: str) -> Any:
        self.take("(")
        args: list[Any] = []
        while self.peek() != ("op", ")"):
            args.append(self.or_())
            if self.peek() == ("op", ","):
                self.take()
        self.take(")")
        lowered = name.lower()
        if lowered in ("startswith", "endswith", "contains") and len(args) == 2:
            hay, needle = _text(args[0]).casefold(), _text(args[1]).casefold()
            if lowered == "contains" and isinstance(args[0], list):
                return any(_equal(item, args[1]) for item in args[0])
            if lowered == "startswith":
                return hay.startswith(needle)
            if lowered == "endswith":
                return hay.endswith(needle)
            return needle in hay
        if lowered == "format" and args:
            return _format(_text(args[0]), args[1:])
        if not args and lowered in ("success", "always", "cancelled", "failure"):
            return {
                "success": not self.status.failed and not self.status.cancelled,
                "always": True,
                "cancelled": self.status.cancelled,
                "failure": self.status.failed,
            }[lowered]
        raise ExpressionError(f"function {name}() with {len(args)} arguments is outside the subset")


def evaluate(text: str, context: Mapping[str, Any], status: Status | None = None) -> Any:
    """The value of one expression (without ``${{ }}``)."""
    return _Parser(text, context, status or Status()).parse()


_WRAPPED = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def condition(text: Any, context: Mapping[str, Any], status: Status | None = None) -> bool:
    """An ``if:``: a bare expression or one in ``${{ }}``; without a status function,
    ``success() &&`` is implied (GitHub's rule)."""
    status = status or Status()
    if isinstance(text, bool):
        return text and not status.failed
    source = str(text).strip()
    m = _WRAPPED.fullmatch(source)
    if m:
        source = m.group(1)
    if not re.search(r"\b(success|always|cancelled|failure)\s*\(", source):
        source = f"success() && ({source})"
    return truthy(evaluate(source, context, status))


def substitute(text: str, context: Mapping[str, Any]) -> str:
    """A value with each ``${{ expr }}`` replaced by its text."""
    return _WRAPPED.sub(lambda m: _text(evaluate(m.group(1), context)), text)
