"""The checker tests' data: the Dockerfile corpus and the projects generated for them.

The corpus (``dockerfiles/``) holds ``NNN-name.Dockerfile`` files and ``NNN-name/``
build-context folders (a ``Dockerfile`` and the scripts it copies in). Each states,
on lines of its own, what ``byoi check`` must report for a target::

    #> sagemaker-code-editor: BY102@3 SM212@14
    #> foundry-byoc: clean

``CODE@LINE`` is a finding in the Dockerfile; ``CODE@FILE:LINE`` one in a script of
the folder. The list is the complete set of findings. A file may carry several
``#>`` lines, one per target.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from support import REPO, run_byoi

CORPUS = Path(__file__).resolve().parent / "dockerfiles"
EXPECT = re.compile(r"^#> ([a-z-]+): (.*)$", re.MULTILINE)
TEST_CA = REPO / "tests" / "data" / "test-ca.pem"

#: Generated projects: name -> (target, extra ``byoi new`` flags). Targets ``byoi targets``
#: does not list are skipped; a target it lists and this table lacks gets a default project.
VARIANTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sagemaker-micromamba": ("sagemaker-code-editor", ()),
    "sagemaker-distribution": ("sagemaker-code-editor", ("--base", "sagemaker-distribution")),
    "sagemaker-distribution-gpu": ("sagemaker-code-editor", ("--base", "sagemaker-distribution", "--gpu")),
    "sagemaker-everything": (
        "sagemaker-code-editor",
        (
            "--extension",
            "ms-python.python@2024.8.1",
            "--extension",
            "https://github.com/VSCodeVim/Vim/releases/download/v1.27.2/vim-1.27.2.vsix",
            "--conda-package",
            "numpy=1.26",
            "--pip-package",
            "requests==2.32.3",
            "--env",
            "MY_SETTING=on",
            "--ca-cert",
            str(TEST_CA),
        ),
    ),
    "foundry-sidecar": ("foundry-sidecar", ()),
    "foundry-sidecar-server": ("foundry-sidecar", ("--mode", "server", "--port", "8080", "--uid", "6000")),
    "foundry-byoc": ("foundry-byoc", ()),
    "foundry-model": ("foundry-model", ()),
}


def corpus_dockerfiles() -> list[Path]:
    """Every Dockerfile of the corpus."""
    return sorted([*CORPUS.glob("*.Dockerfile"), *CORPUS.glob("*/Dockerfile")])


def expectations(path: Path) -> dict[str, set[str]]:
    """The ``#>`` lines of a corpus Dockerfile: target -> expected findings."""
    found: dict[str, set[str]] = {}
    for target, items in EXPECT.findall(path.read_text(encoding="utf-8").replace("\r\n", "\n")):
        found[target] = set() if items.strip() == "clean" else set(items.split())
    return found


def example_dockerfiles() -> list[Path]:
    """Dockerfiles of the projects under ``examples/`` (they appear as targets land)."""
    return sorted((REPO / "examples").glob("**/Dockerfile"))


def listed_targets() -> list[str]:
    """The targets ``byoi targets`` lists right now."""
    proc = run_byoi("targets", check=True)
    return [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]


def variant_target(name: str) -> str:
    """The target a generated variant was written for."""
    return VARIANTS[name][0] if name in VARIANTS else name


def iter_variants(generated: dict[str, Path]) -> Iterator[tuple[str, str, Path]]:
    """(variant, target, project folder) for each generated project."""
    for name, path in sorted(generated.items()):
        yield name, variant_target(name), path
