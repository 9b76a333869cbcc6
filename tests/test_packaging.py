"""The wheel: a non-editable install in a fresh virtual environment works from anywhere."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest
from support import REPO, run_byoi, tree


@pytest.mark.slow
def test_wheel_installs_and_renders_from_another_directory(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("byoi-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    byoi = str(env_dir / "bin" / "byoi")
    args = ["--base", "sagemaker-distribution", "--extension", "ms-python.python", "--conda-package", "numpy"]
    args += ["--ci", "github"]  # the workflow lives in a hidden folder of the templates: shipped too
    for name, extra in (("x", []), ("y", args)):
        subprocess.run(
            [byoi, "new", "sagemaker-code-editor", "-o", name, "--no-input", *extra], cwd=elsewhere, check=True
        )
        # the same files as from the source tree
        run_byoi("new", "sagemaker-code-editor", "-o", str(tmp_path / f"src-{name}"), "--no-input", *extra, check=True)
        assert tree(elsewhere / name) == tree(tmp_path / f"src-{name}")
    # the templates come from the installed wheel, not from this source tree
    shipped = subprocess.run(
        [str(python), "-c", "from generator.render import templates_dir; print(templates_dir())"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert shipped.startswith(str(env_dir)), shipped


def test_byoi_targets_lists_every_target_from_the_catalogue() -> None:
    # byoi targets reads the light catalogue, not the target modules: the two must agree.
    from generator.targets import TARGETS

    lines = [line.split(None, 1) for line in run_byoi("targets", check=True).stdout.splitlines()]
    assert [(name, summary) for name, summary in lines] == [(t.name, t.summary) for t in TARGETS.values()]
    assert [name for name, _ in lines] == [
        "sagemaker-code-editor",
        "sagemaker-jupyterlab",
        "foundry-sidecar",
        "foundry-byoc",
        "foundry-model",
        "foundry-compute-module",
    ]


def test_byoi_targets_imports_neither_the_answers_nor_dataclasses() -> None:
    code = (
        "import sys\n"
        "from generator.entry import main\n"
        "main(['targets'])\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('generator') or m == 'dataclasses')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(proc.stdout.splitlines()[-1].split())
    assert "generator.targets_catalog" in loaded
    assert not loaded & {"generator.answers", "generator.targets.base", "dataclasses"}, loaded
