"""The project's parser reads every Dockerfile the way BuildKit's own parser does.

The reference is the ``dockerfile`` package: BuildKit's parser (Go) behind a Python
API, a test dependency with wheels for Linux x86_64 (and Windows) only; elsewhere these
tests are skipped, saying why. On every Dockerfile of the test suite (the corpus, every
project ``byoi new`` writes, every Dockerfile under ``examples/``) and on thousands of
generated ones, both parsers must agree on each instruction's name, flags, arguments,
form (JSON or not), first and last line and heredocs, and on which inputs are errors.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from checker_support import CORPUS, VARIANTS, corpus_dockerfiles, example_dockerfiles
from support import REPO

from generator.dockerfile.parser import DockerfileSyntaxError, parse

dockerfile = pytest.importorskip(
    "dockerfile",
    reason="the BuildKit reference parser (package 'dockerfile') has wheels for Linux x86_64 and Windows only",
)

Parsed = Any


def buildkit(text: str) -> Parsed:
    """BuildKit's view: one tuple per instruction, or ("error",)."""
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError:
        return ("error",)
    return [
        (
            c.cmd,
            c.sub_cmd,
            c.json,
            c.flags,
            c.value,
            c.start_line,
            c.end_line,
            tuple((h.name, h.file_descriptor, h.content) for h in c.heredocs),
        )
        for c in commands
    ]


def ours(text: str) -> Parsed:
    """This project's view, in the reference's shape.

    The reference reports ONBUILD with its sub-instruction's arguments and no heredocs
    (its Python layer reads them from a node BuildKit never fills), and a nested
    ONBUILD as one empty argument; the projection does the same.
    """
    try:
        parsed = parse(text)
    except DockerfileSyntaxError:
        return ("error",)
    out = []
    for ins in parsed.instructions:
        if ins.sub is not None:
            sub = ins.sub
            value = ("",) if sub.sub is not None else sub.args
            out.append(
                (ins.keyword or None, sub.keyword or None, sub.json, ins.flags, value, ins.start_line, ins.end_line, ())
            )
        else:
            docs = tuple((h.name, h.fd, h.content) for h in ins.heredocs)
            out.append((ins.keyword or None, None, ins.json, ins.flags, ins.args, ins.start_line, ins.end_line, docs))
    return out


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


FILES = [*corpus_dockerfiles(), *example_dockerfiles()]


def _id(path: Path) -> str:
    return str(path.relative_to(CORPUS)) if path.is_relative_to(CORPUS) else str(path.relative_to(REPO))


@pytest.mark.parametrize("path", FILES, ids=[_id(p) for p in FILES])
def test_agrees_with_buildkit_on_test_dockerfiles(path: Path) -> None:
    text = _read(path)
    assert ours(text) == buildkit(text)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_agrees_with_buildkit_on_generated_dockerfiles(variant: str, generated: dict[str, Path]) -> None:
    if variant not in generated:
        pytest.skip(f"'byoi targets' does not list {VARIANTS[variant][0]} yet")
    text = _read(generated[variant] / "Dockerfile")
    assert ours(text) == buildkit(text)


def test_the_differential_corpus_is_large() -> None:
    # 100+ Dockerfiles of the suite, before generated projects and examples.
    assert len(corpus_dockerfiles()) >= 100
    assert sum(1 for p in corpus_dockerfiles() if buildkit(_read(p)) == ("error",)) >= 5


_KEYWORDS = [
    "RUN",
    "run",
    "COPY",
    "ADD",
    "ENV",
    "ARG",
    "LABEL",
    "CMD",
    "ENTRYPOINT",
    "ONBUILD",
    "HEALTHCHECK",
    "USER",
    "WORKDIR",
    "EXPOSE",
    "VOLUME",
    "SHELL",
    "FROM",
    "STOPSIGNAL",
    "ONBUILD COPY",
    "Foo",
]
_WORDS = [
    "a",
    "b=c",
    'd="e f"',
    "g='h i'",
    "j\\ k",
    '"',
    "'",
    "${x:-y}",
    "${x,,}",
    "${x#a}",
    "$1",
    "$$",
    "${}",
    "<<EOF",
    "<<-EOF",
    '<<"E O"',
    "<<'A'",
    "<<\\EOF",
    "3<<EOF",
    "<<EOF>f",
    "[",
    "]",
    '["a","b"]',
    '["a"] x',
    "[]",
    "[1]",
    "--chown=1:2",
    "--from=s",
    "--mount=type=cache,target=/x",
    "--",
    '--x "a b"',
    "NONE",
    "\\ \n",
    "\\\t\n",
    "\\ \t \n",
    "` \n",
    "x\\  \n# c\n",
    "\\\n",
    "\\\n\n",
    "\\\n# c\n",
    "`\n",
    "\t",
    "é",
    "\xa0",
]
_BODY = ["x", "EOF", "\tEOF", "E O", "A", "y $z", "", "  EOF", "y \\ ", "z \\\t", "\\  "]


def _random_dockerfile(rng: random.Random) -> str:
    lines = ["# escape=`"] if rng.random() < 0.1 else []
    for _ in range(rng.randint(1, 6)):
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(0, 6)))
        lines.append(f"{rng.choice(_KEYWORDS)} {words}")
        lines += [rng.choice(_BODY) for _ in range(rng.randint(0, 3))]
    return "\n".join(lines) + rng.choice(["\n", "", "\r\n"])


def test_generated_text_has_continuations_with_trailing_blanks() -> None:
    # A backslash followed by spaces or tabs still continues a line; the random
    # Dockerfiles below must try it (a parser that stopped there was once missed).
    rng = random.Random(20261122)
    texts = [_random_dockerfile(rng) for _ in range(3000)]
    for blanks in ("\\ \n", "\\\t\n", "` \n"):
        assert sum(blanks in text for text in texts) >= 50, blanks


def test_agrees_with_buildkit_on_generated_text() -> None:
    # Seeded, so a failure is reproducible; the message shows the first disagreement.
    rng = random.Random(20261122)
    for _ in range(3000):
        text = _random_dockerfile(rng)
        assert ours(text) == buildkit(text), text
