"""The answers file (byoi.yaml) is written without PyYAML: every value must read back as itself."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support import run_byoi

# Values YAML would read as something else, or could not read at all, if written plain.
AWKWARD = [
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "null",
    "~",
    "",
    "3.12",
    "1.0.0",
    "0x1F",
    "1e3",
    ".inf",
    "1:20",
    "2001-12-14",
    "-x",
    "#x",
    "@x",
    "x #y",
    "a: b",
    "x: ",
    "pkg[extra]>=1,<2",
    "it's",
    '"q"',
    "*ref",
    "&a",
    "!tag",
    "%x",
    "{a}",
    "[a]",
    "a,b",
    "|",
    ">",
    "? x",
    "GREETING=hello, world",
    "tab\there",
    "ünï",
    "https://e.com/v-1.2.vsix",
    "x:",
    "text:str",
    "1.2.3",
    "1.2.3.4",
    "1.2",
    "10:20:30",
    "0.1.0-rc1",
    "01.2.3",
    "1_000",
    'GREETING=hello "$USER"',
    "a{b}c|d&e;f`g\\h",
    "a#b - c",
    "echo hi",
    "a b ",
    "x # y",
    "k: v",
    "a,b,[c]",
    "x'y\"z",
    "Null",
    "TRUE",
    "pkg[extra]>=1,<2 ; x",
]


@pytest.mark.parametrize("value", AWKWARD)
def test_every_awkward_string_reads_back_as_itself(value: str) -> None:
    from generator.answersfile import yaml_scalar

    assert yaml.safe_load(f"k: {yaml_scalar(value)}\n") == {"k": value}
    assert yaml.safe_load(f"k:\n- {yaml_scalar(value)}\n") == {"k": [value]}


@pytest.mark.parametrize("value", [True, False, 0, 5001, None])
def test_other_scalars_read_back(value: object) -> None:
    from generator.answersfile import yaml_scalar

    assert yaml.safe_load(f"k: {yaml_scalar(value)}\n") == {"k": value}


def test_an_answers_file_reproduces_its_project(tmp_path: Path) -> None:
    flags = ["--env", "GREETING=hello, world", "--env", "FLAG=yes", "--pip-package", "pkg[extra]>=1,<2"]
    flags += ["--image-tag", "1.0", "--name", "on", "--command", "echo 'a: b' # not a comment", "--timeout", "0"]
    run_byoi("new", "foundry-sidecar", "-o", str(tmp_path / "a"), "--no-input", *flags, check=True)
    saved = yaml.safe_load((tmp_path / "a" / "byoi.yaml").read_text())
    assert saved["env"] == ["GREETING=hello, world", "FLAG=yes"] and saved["name"] == "on"
    assert saved["image_tag"] == "1.0" and saved["timeout"] == 0
    run_byoi("new", "--config", str(tmp_path / "a" / "byoi.yaml"), "-o", str(tmp_path / "b"), "--no-input", check=True)
    first, again = (
        {p.relative_to(d): p.read_bytes() for p in d.rglob("*") if p.is_file()}
        for d in (tmp_path / "a", tmp_path / "b")
    )
    assert first == again
