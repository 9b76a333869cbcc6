"""byoi as a pre-commit hook, run by the real pre-commit against this repository.

``pre-commit try-repo`` does what a team's ``.pre-commit-config.yaml`` entry does (clone the
hook repository at a revision, install it into its own virtualenv with pip, run the hook
on the changed files), taking this checkout, uncommitted changes included, as the
repository. Dependencies come from the package index pip is configured with.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO

PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
#: Foundry's rule: a numeric user that is not root (platform-facts.md, "Foundry containers").
GOOD = "FROM python:3.12.7-slim-bookworm\nUSER 5001\n"
BAD = "FROM python:3.12.7-slim-bookworm\nUSER root\n"


def try_repo(project: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo REPO byoi-check --files FILES`` in ``project``, everything it keeps under ``home``."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT", "VIRTUAL_ENV"))},
        "PRE_COMMIT_HOME": str(home / "pre-commit"),
        "VIRTUALENV_OVERRIDE_APP_DATA": str(home / "virtualenv"),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    return subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(REPO), "byoi-check", "--files", *files],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_the_hook_fails_on_user_root_and_passes_on_a_numeric_user(tmp_path: Path) -> None:
    if not (REPO / ".git").exists():
        pytest.skip("the repository is not a git checkout (pre-commit clones the hook repository with git)")
    assert PRE_COMMIT.exists(), "pre-commit is a test dependency: pip install -e '.[test]'"
    project = tmp_path / "team-repo"
    (project / "bad").mkdir(parents=True)
    (project / "Dockerfile").write_text(GOOD)
    (project / "bad" / "Dockerfile").write_text(BAD)
    (project / "README.md").write_text("USER root\n")  # not a Dockerfile: the hook's files pattern leaves it out
    (project / ".byoi.yaml").write_text("target: foundry-byoc\n")
    git = shutil.which("git")
    assert git is not None
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run([git, "init", "-q", str(project)], check=True, env=env)
    subprocess.run([git, "add", "-A"], cwd=project, check=True, env=env)

    good = try_repo(project, tmp_path, "Dockerfile", "README.md")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "byoi check" in good.stdout and "Passed" in good.stdout

    bad = try_repo(project, tmp_path, "Dockerfile", "bad/Dockerfile", "README.md")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout and "- hook id: byoi-check" in bad.stdout
    findings = [line for line in bad.stdout.splitlines() if " error: " in line]
    assert findings == [line for line in findings if line.startswith("bad/Dockerfile:2 ")] and findings
    assert "USER root" in findings[0]
