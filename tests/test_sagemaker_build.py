"""The SageMaker project's build.sh as a user runs it, with a recording ``docker``.

``docker`` here is a stand-in that records its arguments (building is the engine tests'
job); ``aws ecr get-login-password`` is the real AWS CLI, talking to the stand-in ECR
service of tests/standin_aws.py, and, in the fast run of the push test, the recording stand-in
for the CLI (tests/fake_aws.py) talking to the same service: the real run proves it faithful.
Expected values are literals: ``--platform linux/amd64``
(Studio runs only linux/amd64; docs/platform-facts.md, "Pitfalls users report"), the
default tag 0.1.0 (README, options table), ``latest`` never (a moving tag).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import fake_aws
import pytest
from standin_aws import ECR_PASSWORD, State, cli_env, serve
from support import run_byoi

#: Records each call, one line of arguments; for login also what came on stdin; for push
#: prints what docker prints at the end of a push.
FAKE_DOCKER = """#!/bin/sh
printf '%s\\n' "$*" >>"$CALLS"
case "$1" in
    login) printf 'stdin=%s\\n' "$(cat)" >>"$CALLS"; echo "Login Succeeded" ;;
    push) [ "$2" = --help ] || echo "1.0.0: digest: sha256:$(printf 'cd%.0s' $(seq 32)) size: 1234" ;;
esac
"""

ECR = "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-editor"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "project"
    run_byoi("new", "sagemaker-code-editor", "-o", str(out), "--name", "team-editor", "--no-input", check=True)
    return out


@pytest.fixture
def docker(tmp_path: Path) -> Path:
    path = tmp_path / "bin" / "docker"
    path.parent.mkdir()
    path.write_text(FAKE_DOCKER)
    path.chmod(0o755)
    return path


def build(
    project: Path, docker: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """``./build.sh ARGS``; returns the run and the docker calls it made."""
    calls = docker.parent.parent / "calls"
    base = {k: v for k, v in os.environ.items() if k not in ("IMAGE_TAG", "ECR_REPOSITORY_URI", "DOCKER")}
    # The recording docker has no image for byoi check-image to read; test_verify.py runs that check.
    base["BYOI_CHECK_IMAGE"] = "0"
    proc = subprocess.run(
        ["./build.sh", *args],
        cwd=project,
        env={**base, "PATH": f"{docker.parent}:{os.environ['PATH']}", "CALLS": str(calls), **(env or {})},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    return proc, calls.read_text().splitlines() if calls.exists() else []


def test_builds_for_linux_amd64_with_the_default_tag(project: Path, docker: Path) -> None:
    proc, calls = build(project, docker)
    assert proc.returncode == 0, proc.stderr
    assert calls == ["build --platform linux/amd64 --tag team-editor:0.1.0 ."]
    assert proc.stdout.strip() == "built team-editor:0.1.0"


def test_image_tag_and_docker_come_from_the_environment(project: Path, docker: Path, tmp_path: Path) -> None:
    other = tmp_path / "podman"
    other.write_text(FAKE_DOCKER)
    other.chmod(0o755)
    proc, _ = build(project, docker, env={"IMAGE_TAG": "2.0.1", "DOCKER": str(other), "CALLS": str(tmp_path / "p")})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "p").read_text() == "build --platform linux/amd64 --tag team-editor:2.0.1 .\n"


def test_base_image_is_passed_as_a_build_arg(project: Path, docker: Path) -> None:
    mirror = "mirror.example.com:5000/mambaorg/micromamba:2.6.1-debian12-slim"
    proc, calls = build(project, docker, "--base-image", mirror)
    assert proc.returncode == 0, proc.stderr
    assert calls == [f"build --platform linux/amd64 --build-arg BASE_IMAGE={mirror} --tag team-editor:0.1.0 ."]
    # ... and the Dockerfile builds FROM that argument.
    text = (project / "Dockerfile").read_text()
    assert "\nFROM ${BASE_IMAGE}\n" in text and "\nARG BASE_IMAGE=mambaorg/micromamba:" in text


def test_help_prints_usage_and_builds_nothing(project: Path, docker: Path) -> None:
    for flag in ("--help", "-h"):
        proc, calls = build(project, docker, flag)
        assert proc.returncode == 0, proc.stderr
        assert calls == []
        assert proc.stdout.startswith('Builds the image "team-editor" for linux/amd64')
        assert "Usage: ./build.sh [--base-image REF] [ECR_REPOSITORY_URI]" in proc.stdout


@pytest.mark.parametrize(
    "args,env,needle",
    [
        ([], {"IMAGE_TAG": "latest"}, "refusing the tag 'latest'"),
        ([], {"IMAGE_TAG": "Latest"}, "refusing the tag 'latest'"),
        (["--push"], {}, "unknown option '--push'"),
        (["--help-me"], {}, "unknown option '--help-me'"),
        ([ECR, ECR], {}, "unexpected argument"),
        (["--base-image"], {}, "--base-image needs a REF"),
        (["--base-image", "mambaorg/micromamba:latest"], {}, "'latest' names no fixed image"),
        (["--base-image", "mirror.example.com:5000/micromamba"], {}, "has no tag"),
    ],
    ids=["latest", "Latest", "unknown option", "help misspelt", "two repositories", "no ref", "base latest", "no tag"],
)
def test_bad_usage_is_refused_with_one_line_and_builds_nothing(
    project: Path, docker: Path, args: list[str], env: dict[str, str], needle: str
) -> None:
    proc, calls = build(project, docker, *args, env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("build.sh: error: ") and needle in lines[0], proc.stderr
    assert calls == []


@pytest.mark.parametrize("cli", ["fake", pytest.param("real", marks=pytest.mark.slow)])
def test_push_to_ecr_logs_in_with_the_password_on_stdin_and_prints_the_digest(
    project: Path, docker: Path, tmp_path: Path, cli: str
) -> None:
    state = State()
    if cli == "fake":
        fake_aws.install(docker.parent)  # first on PATH, before the real CLI
    with serve(state) as endpoint:
        env = cli_env(endpoint, tmp_path, str(docker.parent))
        env["CALLS"] = str(tmp_path / "calls")
        env["BYOI_FAKE_AWS_CALLS"] = str(tmp_path / "aws-calls")
        env["BYOI_CHECK_IMAGE"] = "0"  # as in build() above
        proc = subprocess.run(
            ["./build.sh", ECR], cwd=project, env=env, capture_output=True, text=True, timeout=60, check=False
        )
    assert proc.returncode == 0, proc.stderr
    assert state.operations() == ["GetAuthorizationToken"]
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[:4] == [
        "build --platform linux/amd64 --tag team-editor:0.1.0 .",
        "login --username AWS --password-stdin 111122223333.dkr.ecr.us-east-1.amazonaws.com",
        f"stdin={ECR_PASSWORD}",
        f"tag team-editor:0.1.0 {ECR}:0.1.0",
    ]
    assert f"push {ECR}:0.1.0" in calls
    assert not any(ECR_PASSWORD in line for line in calls if not line.startswith("stdin="))
    assert "digest sha256:" + "cd" * 32 in proc.stdout
    assert f"register it with: ./register.sh {ECR}:0.1.0" in proc.stdout
    if cli == "fake":
        # The region is the registry's (the fourth label of the host name).
        argv = [c["argv"] for c in fake_aws.calls(tmp_path / "aws-calls")]
        assert argv == [["ecr", "get-login-password", "--region", "us-east-1"]]
