"""pytest configuration: the tests folder is importable (support, lint, engine); with CI=true a skip fails.

A skip says a real dependency is missing here (the container engine, BuildKit's parser, the
docker client). On a developer's machine that is shown with its reason; in CI it would hide
an untested change, so there the skipped test is reported as failed, with the skip's reason.
"""

from __future__ import annotations

import os
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
