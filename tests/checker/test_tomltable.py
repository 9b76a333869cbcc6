"""generator.tomltable reads ``[tool.byoi]`` as tomllib does, or leaves the file to tomllib.

The oracle is the standard library's TOML parser (``tomllib``, TOML 1.0). The property:
on any text that tomllib reads, the fast reader either gives exactly tomllib's
``tool.byoi`` table (None when there is none) or says it is unsure. Texts are built from
the pieces real ``pyproject.toml`` files hold, with the awkward ones (escapes, multi-line
strings and arrays, inline tables, dotted and quoted keys, CRLF, tables defined twice)
mixed in; a test also holds that the common layouts take the fast path at all.
"""

from __future__ import annotations

import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import REPO

from generator.tomltable import Unsure, byoi_table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

UNSURE = "unsure"

OTHER_HEADERS = [
    "[project]",
    "[build-system]",
    "[tool.ruff]",
    "[tool.ruff.lint]",
    "[ tool . mypy ]",
    "[[tool.mypy.overrides]]",
    "[tool]",
    '[tool."poetry.dev"]',
    "[tool.byoi-helper]",
    "[project.optional-dependencies]",
]
OTHER_VALUES = [
    '"plain"',
    '"with \\"escapes\\" and \\u00e9"',
    "'literal \\ backslash'",
    '"# not a comment"',
    '"[tool.byoi]"',
    "42",
    "-1_000",
    "3.14",
    "true",
    "1979-05-27T07:32:00Z",
    "1979-05-27 07:32:00",
    '["a", "b"]',
    '[\n    "a",  # comment\n    "b",\n]',
    "[[1, 2], ['x']]",
    '{ name = "x", version = "1.0" }',
    "{ a = { b = 1 } }",
    '"""multi\nline"""',
    "'''[tool.byoi]\ntarget = \"x\"'''",
]
OTHER_KEYS = ["name", "version", '"quoted.key"', "dotted.key", "line-length", "byoi", "tool"]
BYOI_HEADERS = ["[tool.byoi]", "[ tool.byoi ]", '[tool."byoi"]', "[tool.byoi.override]", "[[tool.byoi]]"]
STRINGS = ['"foundry-byoc"', "'foundry-sidecar'", '"sagemaker-code-editor"', '"with\\ttab"', '"é"', '""']
ARRAYS = [
    '["BY105"]',
    "[]",
    '[ "SM213" , "BY101", ]',
    '[\n  "BY105",  # why\n  "SM206"\n]',
    "['FD302']",
    '["a", 1]',
    '[["x"]]',
]
BYOI_LINES = (
    [f"target = {s}" for s in STRINGS]
    + [f"ignored = {a}" for a in ARRAYS]
    + [f'"failure-threshold" = {s}' for s in STRINGS[:2]]
    + [f"failure-threshold = {s}  # comment" for s in STRINGS[:2]]
    + [f"override.warning = {a}" for a in ARRAYS[:3]]
    + [f"override.info = {a}" for a in ARRAYS[:2]]
    + ['override = { warning = ["SM213"], error = [] }', "override = {}", 'override = { "info" = ["X"] }']
    + [f"warning = {a}" for a in ARRAYS[:2]]
    + ["target = 1", "ignored = true", "x = 1979-05-27", 'override.warning.deep = "x"']
)


def _key(line: str) -> str:
    return line.split("=", 1)[0].split(".")[0].strip().strip('"')


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A pyproject.toml-like text: a root section, then tables, some of them byoi's.

    Keys within a table and headers are mostly distinct, so that most texts are TOML.
    """
    other_line = st.builds(lambda k, v: f"{k} = {v}", st.sampled_from(OTHER_KEYS), st.sampled_from(OTHER_VALUES))
    lines: list[str] = draw(st.lists(other_line, max_size=2, unique_by=_key))
    headers = draw(st.lists(st.sampled_from(BYOI_HEADERS + OTHER_HEADERS), max_size=6, unique=True))
    for header in headers:
        lines.append(header)
        body = st.sampled_from(BYOI_LINES) if "byoi]" in header or "byoi." in header else other_line
        lines += draw(st.lists(body, max_size=4, unique_by=_key))
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "# a comment", "   "])))
    if draw(st.integers(0, 9)) == 0:  # now and then a table or key given twice
        lines.append(draw(st.sampled_from(BYOI_HEADERS + BYOI_LINES)))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + draw(st.sampled_from(["", newline]))


def fast(text: str) -> object:
    try:
        return byoi_table(text)
    except (Unsure, RecursionError):
        return UNSURE


def toml(text: str) -> object:
    """tomllib's ``tool.byoi``, None when absent; the exception when tomllib refuses the text."""
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as err:
        return err
    tool = data.get("tool")
    return tool.get("byoi") if isinstance(tool, dict) else None


@settings(
    max_examples=3000, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(documents())
def test_the_fast_reader_agrees_with_tomllib_or_is_unsure(text: str) -> None:
    got, expected = fast(text), toml(text)
    if got != UNSURE and not isinstance(expected, Exception):
        assert got == expected, text


COMMON = [
    '[tool.byoi]\ntarget = "foundry-byoc"\nignored = ["FD302"]\n',
    "[tool.byoi]\ntarget = 'foundry-byoc'\n\n[tool.byoi.override]\nwarning = ['SM213']\n",
    '[tool.byoi]\nignored = [\n    "BY105",  # the base pins its own tag\n]\noverride = { info = ["SM213"] }\n',
    '[tool.byoi]\noverride.warning = ["SM213"]\noverride.error = []\nfailure-threshold = "warning"\n',
]


@pytest.mark.parametrize("table", COMMON)
def test_common_layouts_take_the_fast_path(table: str) -> None:
    """In this repository's own pyproject.toml (a real, busy one), the usual ways to write the table."""
    for text in (table, (REPO / "pyproject.toml").read_text() + "\n" + table):
        for variant in (text, text.replace("\n", "\r\n")):
            got = byoi_table(variant)
            assert got == toml(variant)
    assert byoi_table((REPO / "pyproject.toml").read_text()) is None


@pytest.mark.parametrize(
    "text",
    [
        'tool.byoi.target = "x"\n',
        '[tool]\nbyoi = { target = "x" }\n',
        '[tool]\nbyoi.target = "x"\n',
        "tool = 1\n[tool.byoi]\n",
        '[tool.byoi]\ntarget = "a"\ntarget = "b"\n',
        '[tool.byoi]\ntarget = "a"\n[tool.byoi]\n',
        "[tool.byoi]\noverride.warning = []\n[tool.byoi.override]\n",
        "[tool.byoi]\noverride = {}\n[tool.byoi.override]\n",
        '[tool.byoi]\ntarget = "\\u0061"\n',
        '[tool.byoi]\ntarget = """x"""\n',
        "[tool.byoi]\ntarget = 1\n",
        "[tool.byoi]\nx = " + "[" * 5000 + "]" * 5000 + "\n",
        '[tool.other]\nx = "unterminated\n[tool.byoi]\n',
    ],
)
def test_what_it_leaves_to_tomllib(text: str) -> None:
    """Forms the reader does not follow, or that are not TOML at all: tomllib decides."""
    assert fast(text) == UNSURE
