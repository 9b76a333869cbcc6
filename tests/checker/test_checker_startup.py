"""What ``byoi check`` imports: only what checking needs (issue 12).

``byoi check`` runs on every commit, and on one file its cost is Python's start-up and
its imports (checking takes a millisecond or two). ``python -X importtime`` lists every
module a run imports; these tests hold that list to the checker's own modules and the
few standard modules they use, so an import that costs more than checking (argparse,
dataclasses and the inspect module behind it, typing, pathlib, YAML, the templates)
fails here rather than showing up as a slower pre-commit hook.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from checker_support import CORPUS
from support import REPO, byoi_command

SEED = CORPUS / "113-sm-seed-micromamba.Dockerfile"
GENERATED = REPO / "examples" / "sagemaker-micromamba" / "project"

#: byoi's modules a check of one Dockerfile needs (text output, no settings file).
CHECKER_MODULES = {
    "generator",
    "generator.entry",
    "generator.checkcmd",
    "generator.check",
    "generator.report",
    "generator.secretnames",
    "generator.dockerfile",
    "generator.dockerfile.model",
    "generator.dockerfile.parser",
    "generator.dockerfile.script",
    "generator.dockerfile.shell",
    "generator.platforms",
    "generator.platforms.foundry",
    "generator.platforms.sagemaker",
    "generator.rules",
    "generator.rules.base",
    "generator.rules.common",
    "generator.rules.foundry",
    "generator.rules.registry",
    "generator.rules.sagemaker",
    "generator.rules.users",
}
#: Standard modules that cost more to import than a check takes, and that checking
#: does without.
EXPENSIVE = {
    "argparse",
    "dataclasses",
    "inspect",
    "typing",
    "pathlib",
    "json",
    "textwrap",
    "difflib",
    "shlex",
    "tomllib",
    "yaml",
    "jinja2",
    "cookiecutter",
}


def imported(*args: str, cwd: Path) -> set[str]:
    """Every module ``byoi ARGS`` imports, from ``python -X importtime``."""
    command = byoi_command()
    if command[0] != sys.executable:
        command = [sys.executable, *command]  # the console script, run by this interpreter
    command.insert(1, "-X")
    command.insert(2, "importtime")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPROFILEIMPORTTIME"}
    proc = subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    modules = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            modules.add(line.rsplit("|", 1)[1].strip())
    assert "generator.rules.registry" in modules, proc.stderr[-2000:]
    return modules


@pytest.mark.parametrize("path", [SEED, GENERATED / "Dockerfile", GENERATED], ids=["seed", "generated", "folder"])
def test_byoi_check_imports_only_the_checker(tmp_path: Path, path: Path) -> None:
    modules = imported("check", str(path), "--target", "sagemaker-code-editor", cwd=tmp_path)
    ours = {m for m in modules if m.split(".")[0] == "generator"}
    assert ours <= CHECKER_MODULES, sorted(ours - CHECKER_MODULES)
    assert not {m.split(".")[0] for m in modules} & EXPENSIVE, sorted(
        m for m in modules if m.split(".")[0] in EXPENSIVE
    )


def test_byoi_rules_does_not_build_the_command_line(tmp_path: Path) -> None:
    # Listing rules needs the rules (the image rules' documentation too), not argparse nor
    # the answers, targets and templates of `byoi new`, nor the image reader.
    modules = imported("rules", cwd=tmp_path)
    assert "generator.image.rules" in modules
    for heavy in (
        "argparse",
        "yaml",
        "jinja2",
        "cookiecutter",
        "generator.cli",
        "generator.answers",
        "generator.image.archive",
        "tarfile",
        "dataclasses",
    ):
        assert heavy not in modules, heavy
    assert not any(m.startswith(("generator.targets", "generator.render")) for m in modules)


def test_a_settings_file_is_still_read(tmp_path: Path) -> None:
    # The fast path must not skip settings: .byoi.yaml here ignores SM212.
    (tmp_path / ".git").mkdir()
    (tmp_path / ".byoi.yaml").write_text("target: sagemaker-code-editor\nignored: [SM212]\n", encoding="utf-8")
    command = byoi_command()
    proc = subprocess.run(
        [*command, "check", str(SEED)], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SM212" not in proc.stdout and "SM206" in proc.stdout


def test_settings_in_pyproject_need_no_toml_parser(tmp_path: Path) -> None:
    # A team's [tool.byoi] in a busy pyproject.toml (this repository's own): read, applied,
    # and without tomllib, pathlib or typing, which cost more than the check (issue 19).
    (tmp_path / ".git").mkdir()
    table = '\n[tool.byoi]\ntarget = "sagemaker-code-editor"\nignored = ["SM212"]\n'
    (tmp_path / "pyproject.toml").write_text((REPO / "pyproject.toml").read_text() + table, encoding="utf-8")
    modules = imported("check", str(SEED), cwd=tmp_path)
    ours = {m for m in modules if m.split(".")[0] == "generator"}
    settings = {"generator.checkconfig", "generator.inputfile", "generator.tomltable"}
    assert ours <= CHECKER_MODULES | settings, sorted(ours - CHECKER_MODULES - settings)
    assert not {m.split(".")[0] for m in modules} & EXPENSIVE, sorted(
        m for m in modules if m.split(".")[0] in EXPENSIVE
    )
    proc = subprocess.run(
        [*byoi_command(), "check", str(SEED)], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SM212" not in proc.stdout and "SM206" in proc.stdout


def test_help_and_mistakes_still_come_from_the_full_command_line(tmp_path: Path) -> None:
    command = byoi_command()
    helped = subprocess.run([*command, "check", "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert helped.returncode == 0 and "--no-fail" in helped.stdout
    wrong = subprocess.run(
        [*command, "check", str(SEED), "--target", "nowhere"], capture_output=True, text=True, timeout=60, check=False
    )
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr and wrong.stderr.count("\n") == 1
    abbreviated = subprocess.run(
        [*command, "check", str(SEED), "--targ", "foundry-byoc", "--no-fail"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert abbreviated.returncode == 0 and "FD302" in abbreviated.stdout


def test_each_instructions_commands_are_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Several rules read the commands of each RUN/CMD/ENTRYPOINT; they share one parse
    # (it was three per instruction).
    import generator.rules.base as base
    from generator.check import check_text

    parsed: list[str] = []
    real = base.commands

    def counting(text: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(base, "commands", counting)
    for target in ("sagemaker-code-editor", "foundry-byoc"):
        parsed.clear()
        check_text((GENERATED / "Dockerfile").read_text(encoding="utf-8"), target)
        assert parsed, "no command was parsed: the rules no longer go through instruction_commands"
        assert len(parsed) == len(set(parsed)), [text for text in parsed if parsed.count(text) > 1][:3]
