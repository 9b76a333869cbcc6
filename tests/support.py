"""Helpers shared by the whole suite: run byoi as a user would, read a generated tree."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def byoi_command() -> list[str]:
    """The installed ``byoi`` script next to this interpreter, else ``python -m generator``."""
    script = BIN / "byoi"
    return [str(script)] if script.exists() else [sys.executable, "-m", "generator"]


def run_byoi(*args: str, cwd: Path | None = None, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``byoi ARGS`` as a user would, in a subprocess, and capture its output."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    proc = subprocess.run(
        [*byoi_command(), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120, check=False
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"byoi {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` as {relative path: text}, executable bits marked."""
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            mode = " (executable)" if os.access(path, os.X_OK) else ""
            files[rel + mode] = path.read_text(encoding="utf-8")
    return files
