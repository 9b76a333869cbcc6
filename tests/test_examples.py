"""examples/: the committed output must be exactly what the generator writes today."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support import REPO, run_byoi, tree

EXAMPLES = sorted((REPO / "examples").glob("*/answers.yaml"))


def test_every_example_folder_has_answers_and_every_target_an_example() -> None:
    """The examples the README links to exist, one folder each, and every target byoi lists has one."""
    folders = sorted(p.name for p in (REPO / "examples").iterdir() if p.is_dir())
    assert folders == [
        "foundry-byoc",
        "foundry-compute-module",
        "foundry-model",
        "foundry-sidecar",
        "sagemaker-distribution",
        "sagemaker-jupyterlab",
        "sagemaker-micromamba",
    ]
    assert [p.parent.name for p in EXAMPLES] == folders
    targets = {yaml.safe_load(p.read_text())["target"] for p in EXAMPLES}
    listed = {line.split()[0] for line in run_byoi("targets", check=True).stdout.splitlines() if line.strip()}
    assert listed == {
        "foundry-byoc",
        "foundry-compute-module",
        "foundry-model",
        "foundry-sidecar",
        "sagemaker-code-editor",
        "sagemaker-jupyterlab",
    }
    assert targets == listed


@pytest.mark.parametrize("answers", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_example_is_what_the_generator_writes(answers: Path, tmp_path: Path) -> None:
    out = tmp_path / "project"
    run_byoi("new", "--config", str(answers), "-o", str(out), "--no-input", check=True)
    committed = tree(answers.parent / "project")
    assert committed, f"{answers.parent.name}/project is missing: run examples/regenerate.sh"
    assert tree(out) == committed, f"{answers.parent.name} drifted: run examples/regenerate.sh and read the diff"
