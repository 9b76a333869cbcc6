"""Every generated script's --help works from any folder (the scripts cd into the project first).

A user in a parent folder runs ``./my-project/build.sh --help``; the script changes to its own
folder before reading its arguments, so its help must not read itself through a path relative
to where the user stood (it did: ``sed: can't read ./my-project/register.sh``).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support import run_byoi

PROJECTS = {
    "sagemaker-code-editor": ["build.sh", "register.sh"],
    "sagemaker-jupyterlab": ["build.sh", "register.sh"],
    "foundry-sidecar": ["build.sh"],
    "foundry-byoc": ["build.sh"],
    "foundry-model": ["build.sh"],
    "foundry-compute-module": ["build.sh"],
}


CASES = [(t, False) for t in PROJECTS] + [(t, True) for t in PROJECTS if t.startswith("sagemaker-")]


@pytest.mark.parametrize(("target", "two_apps"), CASES)
def test_help_from_the_parent_folder(target: str, two_apps: bool, tmp_path: Path) -> None:
    apps = ["--app", "code-editor", "--app", "jupyterlab"] if two_apps else []
    run_byoi("new", target, "-o", str(tmp_path / "proj"), "--no-input", *apps, check=True)
    for script in PROJECTS[target]:
        proc = subprocess.run(
            [f"./proj/{script}", "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == ""
        assert proc.stdout.strip(), f"{script} --help printed nothing"
        assert not proc.stdout.startswith("#!")  # the help text, not the script itself
