"""Fixtures for the checker's tests: the targets ``byoi new`` lists, and generated projects."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from checker_support import VARIANTS, listed_targets
from support import run_byoi


@pytest.fixture(scope="session")
def byoi_targets() -> list[str]:
    """The targets ``byoi new`` can write today."""
    return listed_targets()


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory, byoi_targets: list[str]) -> dict[str, Path]:
    """Projects written by ``byoi new`` (run as a user would), by variant name."""
    root = tmp_path_factory.mktemp("generated")
    wanted = {name: spec for name, spec in VARIANTS.items() if spec[0] in byoi_targets}
    for target in byoi_targets:
        if not any(spec[0] == target for spec in wanted.values()):
            wanted[target] = (target, ())

    def make(item: tuple[str, tuple[str, tuple[str, ...]]]) -> tuple[str, Path]:
        name, (target, flags) = item
        out = root / name
        run_byoi("new", target, "-o", str(out), "--no-input", *flags, check=True)
        return name, out

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(make, sorted(wanted.items())))
