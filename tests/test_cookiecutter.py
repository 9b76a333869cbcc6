"""Every template also works with plain cookiecutter, validating answers the way byoi does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, run_byoi, tree

from generator.render import cookiecutter_variables, templates_dir
from generator.targets import TARGETS

COOKIECUTTER = str(Path(sys.executable).parent / "cookiecutter")


def cookiecutter(tmp_path: Path, target: str, *answers: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COOKIECUTTER, "--no-input", str(REPO / "templates" / target), "-o", str(tmp_path / "cc"), *answers],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("target", TARGETS)
def test_cookiecutter_json_is_in_sync_with_the_answers_class(target: str) -> None:
    on_disk = json.loads((templates_dir() / TARGETS[target].template / "cookiecutter.json").read_text())
    assert on_disk == cookiecutter_variables(TARGETS[target]), f"regenerate templates/{target}/cookiecutter.json"


@pytest.mark.parametrize("target", TARGETS)
def test_plain_cookiecutter_writes_what_byoi_writes(target: str, tmp_path: Path) -> None:
    proc = cookiecutter(tmp_path, target, "name=team-image", "image_tag=2.0.0")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "byoi"
    run_byoi("new", target, "-o", str(out), "--no-input", "--name", "team-image", "--image-tag", "2.0.0", check=True)
    assert tree(tmp_path / "cc" / "project") == {
        k: v for k, v in tree(out).items() if k != "byoi.yaml" and not k.startswith(".byoi/")
    }


def test_plain_cookiecutter_takes_lists_as_comma_separated_text(tmp_path: Path) -> None:
    args = ["base=sagemaker-distribution", "extensions=ms-python.python, redhat.vscode-yaml@1.15.0", "name=team"]
    assert cookiecutter(tmp_path, "sagemaker-code-editor", *args).returncode == 0
    out = tmp_path / "byoi"
    flags = ["--base", "sagemaker-distribution", "--name", "team"]
    flags += ["--extension", "ms-python.python", "--extension", "redhat.vscode-yaml@1.15.0"]
    run_byoi("new", "sagemaker-code-editor", "-o", str(out), "--no-input", *flags, check=True)
    assert tree(tmp_path / "cc" / "project") == {
        k: v for k, v in tree(out).items() if k != "byoi.yaml" and not k.startswith(".byoi/")
    }


@pytest.mark.parametrize("target", TARGETS)
def test_plain_cookiecutter_refuses_bad_answers_before_writing(target: str, tmp_path: Path) -> None:
    proc = cookiecutter(tmp_path, target, "image_tag=latest")
    assert proc.returncode != 0
    assert "error: --image-tag: 'latest' is refused" in proc.stderr
    assert not (tmp_path / "cc" / "project").exists()


def test_plain_cookiecutter_sends_ca_certificates_to_byoi(tmp_path: Path) -> None:
    cert = Path(__file__).parent / "data" / "test-ca.pem"
    proc = cookiecutter(tmp_path, "foundry-byoc", f"ca_certs={cert}")
    assert proc.returncode != 0 and "byoi new --ca-cert" in proc.stderr
    assert not (tmp_path / "cc" / "project").exists()
