"""Helpers shared by the whole suite: run byoi as a user would, read a generated tree."""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


#: The signals a shell started without job control (``cmd &`` in a script, as a CI runner may
#: start the suite) inherits ignored, and the ones tests send; see :func:`default_signals`.
RESET_SIGNALS = (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM)


def default_signals() -> None:
    """``preexec_fn`` for a child that plays a container's PID 1 or a program a test signals.

    An ignored signal stays ignored across exec, and a shell cannot trap a signal it started
    with ignored (POSIX, ``trap``). If the suite itself was started with SIGINT or SIGQUIT
    ignored (an asynchronous list in a non-interactive shell), every child would inherit
    that, unlike a container's PID 1, which Foundry and the engines start with default
    dispositions; so the test gives its child the defaults explicitly.
    """
    for signum in RESET_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)


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


@functools.cache
def byoi_version() -> str:
    """The version ``byoi --version`` prints (the command's own word, not the package constant)."""
    words = run_byoi("--version", check=True).stdout.split()
    assert words[0] == "byoi" and len(words) == 2, words
    return words[1]


#: Stands for byoi's own version in snapshots (see :func:`versionless`).
VERSION_MARK = "<byoi version>"


def versionless(files: dict[str, str]) -> dict[str, str]:
    """``files`` with byoi's own version, where a generated file names it, replaced by :data:`VERSION_MARK`.

    Every release raises the version (CHANGELOG.md), and projects name the byoi that wrote
    them ("written by byoi X", the README's "[byoi](...) X", the record's "byoi_version",
    a CI file's pin ``BYOI_VERSION: "X"`` and release tag `` `vX` ``);
    snapshots hold everything else byte for byte, so a release does not rewrite them all.
    That the version written is the right one is tested on its own (tests/test_versions.py).
    """
    before = r'(\bbyoi\S*[ =]+|"byoi_version": "|BYOI_VERSION: "|`v)'  # "byoi X", "byoi==X", a CI pin, tag `vX`
    named = re.compile(before + re.escape(byoi_version()) + r"(?!\w|\.\d)")
    out = {}
    for path, text in files.items():
        if path == ".byoi/record.json":
            # The record's checksum of a file that names the version changes with it too.
            for entry in json.loads(text)["files"].values():
                if "lines" in entry and named.search("\n".join(entry["lines"])):
                    text = text.replace(entry["sha256"], "<sha256 of a file naming byoi's version>")
        out[path] = named.sub(lambda m: m.group(1) + VERSION_MARK, text)
    return out
