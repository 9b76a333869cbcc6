"""pytest configuration: the tests folder is importable (support, lint, engine); with CI=true a skip fails.

A skip says a real dependency is missing here (the container engine, BuildKit's parser, the
docker client). On a developer's machine that is shown with its reason; in CI it would hide
an untested change, so there the skipped test is reported as failed, with the skip's reason.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

#: Skip reasons (substrings) still accepted when CI=true. None: CI has every dependency.
CI_ALLOWED_SKIPS: tuple[str, ...] = ()


def _skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return str(report.longrepr[2])
    return str(report.longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With CI=true, a skipped test (not an expected failure) becomes a failure."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if os.environ.get("CI") != "true" or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = _skip_reason(report)
    if any(allowed in reason for allowed in CI_ALLOWED_SKIPS):
        return
    report.outcome = "failed"
    report.longrepr = f"skipped with CI=true, which requires every test to run: {reason}"


_RUN_HOME: str | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Keep what the tools under test write for themselves inside this run.

    ``byoi new`` caches compiled templates in ``$XDG_CACHE_HOME/byoi``, and the cookiecutter
    command records every run in ``~/.cookiecutter_replay``: both would otherwise land in the
    user's home. Subprocesses inherit these variables, so the whole run, and a second run
    beside it, stays out of each other's and the user's folders.
    """
    global _RUN_HOME
    _RUN_HOME = tempfile.mkdtemp(prefix="byoi-test-home-")
    os.environ["XDG_CACHE_HOME"] = os.path.join(_RUN_HOME, "cache")
    cookiecutter_config = os.path.join(_RUN_HOME, "cookiecutterrc.yaml")
    with open(cookiecutter_config, "w", encoding="utf-8") as rc:
        rc.write(
            f"cookiecutters_dir: {os.path.join(_RUN_HOME, 'cookiecutters')}\n"
            f"replay_dir: {os.path.join(_RUN_HOME, 'cookiecutter_replay')}\n"
        )
    os.environ["COOKIECUTTER_CONFIG"] = cookiecutter_config


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the run's own folder."""
    if _RUN_HOME is not None:
        shutil.rmtree(_RUN_HOME, ignore_errors=True)
