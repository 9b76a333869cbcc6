"""examples/: the committed output must be exactly what the generator writes today."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import REPO, run_byoi, tree

EXAMPLES = sorted((REPO / "examples").glob("*/answers.yaml"))


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("answers", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_example_is_what_the_generator_writes(answers: Path, tmp_path: Path) -> None:
    out = tmp_path / "project"
    run_byoi("new", "--config", str(answers), "-o", str(out), "--no-input", check=True)
    committed = tree(answers.parent / "project")
    assert committed, f"{answers.parent.name}/project is missing: run examples/regenerate.sh"
    assert tree(out) == committed, f"{answers.parent.name} drifted: run examples/regenerate.sh and read the diff"
