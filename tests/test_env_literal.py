"""``--env KEY=VALUE``: the value reaches the image exactly as given, ``$`` and quotes included.

BuildKit expands ``$VAR`` and ``${VAR}`` in ``ENV`` values and takes quotes and backslashes
as shell-like syntax, so a value such as ``$HOME/x`` would silently become ``/root/x``. The
Dockerfile is parsed here with BuildKit's own parser (the ``dockerfile`` package); its
parser leaves the word processing to the build, so :func:`process_word` does that step the
way BuildKit's ``shell/lex.go`` (``ProcessWord``) does it, with every variable it could
expand set to something else. tests/test_foundry_images.py reads the value back from a
built image.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_byoi

dockerfile = pytest.importorskip("dockerfile", reason="BuildKit's parser (the dockerfile package) is not installed")

#: Variables BuildKit could expand while building: none of them may leak into a value.
BUILD_ENV = {"HOME": "/root", "USER": "root", "PATH": "/usr/bin", "x": "EXPANDED", "id": "EXPANDED"}


def process_word(word: str, env: dict[str, str]) -> str:
    r"""One ENV value as BuildKit's ``ProcessWord`` makes it (Linux escape token ``\``).

    Outside quotes ``\`` escapes any character; ``'...'`` is literal; inside ``"..."``, ``\``
    escapes only ``"``, ``$`` and ``\`` (other backslashes stay); ``$NAME``, ``${NAME}`` and
    ``${NAME:-default}`` expand everywhere but in single quotes.
    """
    out: list[str] = []
    i = 0

    def dollar(i: int) -> tuple[str, int]:
        if i + 1 < len(word) and word[i + 1] == "{":
            end = word.index("}", i)
            name, _, default = word[i + 2 : end].partition(":-")
            return env.get(name, default), end + 1
        j = i + 1
        while j < len(word) and (word[j].isalnum() or word[j] == "_"):
            j += 1
        if j == i + 1:
            return "$", j
        return env.get(word[i + 1 : j], ""), j

    while i < len(word):
        ch = word[i]
        if ch == "\\" and i + 1 < len(word):
            out.append(word[i + 1])
            i += 2
        elif ch == "'":
            end = word.index("'", i + 1)
            out.append(word[i + 1 : end])
            i = end + 1
        elif ch == '"':
            i += 1
            while word[i] != '"':
                if word[i] == "$":
                    text, i = dollar(i)
                    out.append(text)
                elif word[i] == "\\" and word[i + 1] in '"$\\':
                    out.append(word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            i += 1
        elif ch == "$":
            text, i = dollar(i)
            out.append(text)
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def test_the_word_processor_expands_as_buildkit_does() -> None:
    """The oracle itself, on BuildKit's documented cases (Dockerfile reference, "Environment replacement")."""
    env = {"FOO": "bar", "x": "1"}
    assert process_word("$FOO/${FOO}/${NOPE:-d}", env) == "bar/bar/d"
    assert process_word(r"\$FOO", env) == "$FOO"
    assert process_word("'$FOO'", env) == "$FOO"
    assert process_word('"$FOO \\$x \\q"', env) == "bar $x \\q"
    assert process_word("a\\ b", env) == "a b"


VALUES = [
    "$HOME/data",
    "${PATH}:/opt/tools",
    r"C:\new\table",
    r"ends with \\",
    "price: $5 or ${x:-y}",
    'it\'s "quoted"',
    "`id` $(id) 100%",
    "  spaces  around  ",
]


@pytest.mark.parametrize(
    "target", ["foundry-model", "foundry-sidecar", "foundry-byoc", "foundry-compute-module", "sagemaker-code-editor"]
)
def test_env_values_reach_the_image_unchanged(tmp_path: Path, target: str) -> None:
    args = [arg for i, value in enumerate(VALUES) for arg in ("--env", f"VALUE_{i}={value}")]
    run_byoi("new", target, "-o", str(tmp_path / "p"), "--no-input", *args, check=True)
    seen: dict[str, str] = {}
    for command in dockerfile.parse_file(str(tmp_path / "p" / "Dockerfile")):
        if command.cmd == "ENV":
            pairs = zip(command.value[::2], command.value[1::2], strict=True)
            seen.update((key, process_word(value, BUILD_ENV)) for key, value in pairs if key.startswith("VALUE_"))
    assert seen == {f"VALUE_{i}": value for i, value in enumerate(VALUES)}
