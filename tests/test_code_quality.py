"""The project's own code: formatted and linted with ruff, type-checked with mypy."""

from __future__ import annotations

import subprocess

import pytest
from lint import tool
from support import REPO


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)


def test_ruff_lint_and_format() -> None:
    lint = run(tool("ruff"), "check", ".")
    assert lint.returncode == 0, lint.stdout
    fmt = run(tool("ruff"), "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout


@pytest.mark.slow
def test_mypy_strict() -> None:
    proc = run(tool("mypy"))
    assert proc.returncode == 0, proc.stdout
