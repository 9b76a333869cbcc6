"""``byoi new`` never writes a Foundry project that cannot work (issue 11, item 3).

What the bases have comes from their own documentation: the official ``debian`` and
``ubuntu`` images have no Python, and Debian's and Ubuntu's own python3 refuses ``pip
install`` into the system (PEP 668, "externally-managed-environment"); ``alpine`` installs
with apk and has no useradd; the official ``python`` images have python3 and pip.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_byoi


def dockerfile(project: Path) -> str:
    return (project / "Dockerfile").read_text()


@pytest.mark.parametrize(
    ("target", "args"),
    [
        ("foundry-model", ()),
        ("foundry-sidecar", ("--mode", "server")),
    ],
)
@pytest.mark.parametrize("base", ["ubuntu:24.04", "docker.io/library/debian:bookworm-slim"])
def test_a_python_server_on_a_base_without_python_gets_python3_from_apt(
    tmp_path: Path, target: str, args: tuple[str, ...], base: str
) -> None:
    out = tmp_path / "p"
    run_byoi("new", target, "-o", str(out), "--no-input", "--base-image", base, *args, check=True)
    text = dockerfile(out)
    assert "apt-get install -y --no-install-recommends \\\n        'python3' \\\n" in text
    assert f"and {base} has no Python" in text


def test_python_is_not_added_where_it_is_or_where_nothing_needs_it(tmp_path: Path) -> None:
    run_byoi("new", "foundry-model", "-o", str(tmp_path / "py"), "--no-input", check=True)  # python:3.12 base
    run_byoi(
        "new",
        "foundry-sidecar",
        "-o",
        str(tmp_path / "flags"),
        "--no-input",
        "--base-image",
        "ubuntu:24.04",
        check=True,
    )
    given = tmp_path / "given"
    run_byoi(
        "new",
        "foundry-model",
        "-o",
        str(given),
        "--no-input",
        "--base-image",
        "ubuntu:24.04",
        "--apt-package",
        "python3",
        check=True,
    )
    assert "python3 is added" not in dockerfile(tmp_path / "py") + dockerfile(tmp_path / "flags")
    assert "'python3'" not in dockerfile(tmp_path / "flags")
    assert dockerfile(given).count("'python3'") == 1 and "python3 is added" not in dockerfile(given)


@pytest.mark.parametrize(
    ("target", "args", "words"),
    [
        (
            "foundry-byoc",
            ("--base-image", "debian:bookworm-slim", "--pip-package", "six==1.16.0"),
            ["--pip-package", "debian:bookworm-slim has no Python", "PEP 668", "python:3.12.12-slim-bookworm"],
        ),
        (
            "foundry-sidecar",
            ("--base-image", "alpine:3.20", "--apt-package", "jq"),
            ["alpine:3.20 is Alpine Linux", "apk, not apt-get", "Debian or Ubuntu"],
        ),
        ("foundry-model", ("--base-image", "python:3.12-alpine"), ["apk, not apt-get"]),
        ("foundry-byoc", ("--base-image", "rockylinux:9.3"), ["dnf, not apt-get"]),
        (
            "foundry-sidecar",
            ("--command", "/app/x.sh"),
            ["--command runs /app/x.sh", "does not put in the image", "/app/work.sh"],
        ),
    ],
)
def test_projects_that_cannot_work_are_refused_and_nothing_is_written(
    tmp_path: Path, target: str, args: tuple[str, ...], words: list[str]
) -> None:
    out = tmp_path / "p"
    proc = run_byoi("new", target, "-o", str(out), "--no-input", *args)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("byoi: error: ")
    for word in words:
        assert word in proc.stderr
    assert not out.exists()


def test_a_numeric_tag_is_a_tag_not_a_registry_port(tmp_path: Path) -> None:
    """``debian:12`` is Docker Hub's debian at tag 12 (a port belongs to a registry, before a '/')."""
    out = tmp_path / "p"
    run_byoi("new", "foundry-byoc", "-o", str(out), "--no-input", "--base-image", "debian:12", check=True)
    assert "ARG BASE_IMAGE=debian:12\n" in dockerfile(out)
    proc = run_byoi(
        "new", "foundry-byoc", "-o", str(tmp_path / "q"), "--no-input", "--base-image", "localhost:5000/app"
    )
    assert proc.returncode == 2 and "has no tag" in proc.stderr
