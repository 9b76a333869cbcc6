"""Every project ``byoi new`` writes checks clean; breaking one rule makes that rule fire.

Projects are written by running ``byoi new`` in a subprocess, for every target
``byoi targets`` lists (Foundry targets are covered as soon as they land). Each
mutation below edits one generated file the way a user might, and asserts the
matching rule reports it.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from checker_support import example_dockerfiles, iter_variants
from support import REPO, run_byoi

from generator.check import check_paths


def test_every_listed_target_is_known_to_the_checker(byoi_targets: list[str]) -> None:
    from generator.rules import TARGETS

    assert set(byoi_targets) <= set(TARGETS)


def test_every_generated_project_checks_clean(generated: dict[str, Path]) -> None:
    for name, target, project in iter_variants(generated):
        assert check_paths([project], target) == [], name


EXAMPLES = example_dockerfiles()


@pytest.mark.parametrize("dockerfile", EXAMPLES, ids=[str(p.parent.relative_to(REPO)) for p in EXAMPLES])
def test_every_example_project_checks_clean(dockerfile: Path) -> None:
    answers = yaml.safe_load((dockerfile.parent / "byoi.yaml").read_text(encoding="utf-8"))
    assert check_paths([dockerfile.parent], answers["target"]) == []


def test_byoi_check_exits_0_on_a_generated_project(generated: dict[str, Path]) -> None:
    _, target, project = next(iter_variants(generated))
    proc = run_byoi("check", str(project), "--target", target)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


@dataclass(frozen=True)
class Mutation:
    """Replace ``pattern`` in ``file`` of projects for ``targets``; ``code`` must then fire."""

    name: str
    targets: tuple[str, ...]
    file: str
    pattern: str
    replacement: str
    code: str
    #: Only for projects whose ``file`` matches this too (e.g. micromamba-based ones).
    only_if: str | None = None


SM = ("sagemaker-code-editor", "sagemaker-jupyterlab")
JL = ("sagemaker-jupyterlab",)
FD = ("foundry-sidecar", "foundry-byoc", "foundry-model", "foundry-compute-module")
ALL = SM + FD
LAST = r"\Z"
USER_LINE = r"(?m)^USER [0-9]+(:[0-9]+)?$"
BASE_LINE = r"(?m)^(FROM |ARG BASE_IMAGE=)([^\s$]+):\S+$"

MUTATIONS = [
    Mutation("user-0", ALL, "Dockerfile", USER_LINE, "USER 0", "BY101"),
    Mutation("user-root", ALL, "Dockerfile", USER_LINE, "USER root", "BY101"),
    Mutation("no-user", FD, "Dockerfile", USER_LINE + r"\n", "", "BY101"),
    # FROM IMAGE:TAG, or FROM ${BASE_IMAGE} with ARG BASE_IMAGE=IMAGE:TAG before it (SageMaker).
    Mutation("base-latest", ALL, "Dockerfile", BASE_LINE, r"\1\2:latest", "BY102"),
    Mutation("base-untagged", ALL, "Dockerfile", BASE_LINE, r"\1\2", "BY102"),
    Mutation("platform-arm64", ALL, "Dockerfile", r"(?m)^FROM ", "FROM --platform=linux/arm64 ", "BY103"),
    Mutation("expose-80", ALL, "Dockerfile", LAST, "\nEXPOSE 80\n", "BY104"),
    Mutation("secret-env", ALL, "Dockerfile", LAST, "\nENV API_TOKEN=changeme\n", "BY105"),
    Mutation("single-quoted-exec", ALL, "Dockerfile", LAST, "\nCMD ['python3']\n", "BY003"),
    Mutation("typo", ALL, "Dockerfile", LAST, "\nRUNN echo typo\n", "BY002"),
    Mutation("env-before-from", ALL, "Dockerfile", r"(?m)^FROM ", "ENV EARLY=1\nFROM ", "BY004"),
    Mutation("unterminated-heredoc", ALL, "Dockerfile", LAST, "\nRUN <<EOF\necho never closed\n", "BY001"),
    Mutation("uid-1001", SM, "Dockerfile", USER_LINE, "USER 1001:100", "SM201"),
    Mutation("gid-1000", SM, "Dockerfile", USER_LINE, "USER 1000:1000", "SM202"),
    Mutation("user-name", SM, "Dockerfile", USER_LINE, "USER coder", "SM204"),
    Mutation("workdir-tmp", SM, "Dockerfile", r"(?m)^WORKDIR .*$", "WORKDIR /tmp", "SM205"),
    Mutation("no-workdir", SM, "Dockerfile", r"(?m)^WORKDIR .*\n", "", "SM206", only_if="micromamba"),
    Mutation("copy-to-opt-ml", SM, "Dockerfile", r"(?m)^(USER [0-9:]+)$", r"COPY README.md /opt/ml/\n\1", "SM207"),
    Mutation("no-entrypoint", SM, "Dockerfile", r"(?m)^ENTRYPOINT .*$", "", "SM208"),
    Mutation("aws-env", SM, "Dockerfile", LAST, "\nENV AWS_REGION=eu-west-1\n", "SM213"),
    Mutation("jl-ip-localhost", JL, "start-jupyter-server", r"--ip 0\.0\.0\.0", "--ip 127.0.0.1", "SM214"),
    Mutation("jl-port-8080", JL, "start-jupyter-server", r"--port 8888", "--port 8080", "SM214"),
    Mutation("jl-token", JL, "start-jupyter-server", r"(?m)^\s*--ServerApp\.token='' \\\n", "", "SM215"),
    Mutation("jl-base-url-case", JL, "start-jupyter-server", r"\$\{app_type,,\}", "${app_type}", "SM216"),
    Mutation("jl-any-origin", JL, "start-jupyter-server", r"(?m)^\s*--ServerApp\.allow_origin='\*' \\\n", "", "SM217"),
    Mutation("host-localhost", SM, "start-code-editor", r"--host 0\.0\.0\.0", "--host 127.0.0.1", "SM209"),
    Mutation("port-8080", SM, "start-code-editor", r"--port 8888", "--port 8080", "SM210"),
    Mutation("token", SM, "start-code-editor", r"(?m)^\s*--without-connection-token \\\n", "", "SM211"),
    Mutation("base-path-case", SM, "start-code-editor", r"\$\{app_type,,\}", "${app_type}", "SM212"),
    Mutation("base-path-literal", SM, "start-code-editor", r'"\$base_path"', '"/CodeEditor/default"', "SM212"),
    Mutation("log-to-studio", SM, "start-code-editor", r"(?m)^exec ", "mkdir -p /var/log/studio/mine\nexec ", "SM207"),
    Mutation("user-name-foundry", FD, "Dockerfile", USER_LINE, "USER transform", "FD301"),
    Mutation("byoc-uid-1000", ("foundry-byoc",), "Dockerfile", USER_LINE, "USER 1000", "FD302"),
    Mutation(
        "distroless", FD, "Dockerfile", r"(?m)^FROM \S+$", "FROM gcr.io/distroless/python3-debian12:nonroot", "FD303"
    ),
    Mutation(
        "shared-owner",
        ("foundry-sidecar",),
        "Dockerfile",
        r"chown [0-9]+ /opt/palantir",
        "chown 1234 /opt/palantir",
        "FD304",
    ),
    Mutation(
        "shared-not-owned", ("foundry-sidecar",), "Dockerfile", r" \\\n && chown [0-9]+ /opt/palantir\S*", "", "FD304"
    ),
]


def _apply(project: Path, tmp: Path, mutation: Mutation) -> Path | None:
    path = project / mutation.file
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    if mutation.only_if is not None and mutation.only_if not in text:
        return None
    new, count = re.subn(mutation.pattern, mutation.replacement, text)
    assert count, f"{mutation.name}: {mutation.pattern!r} no longer matches {mutation.file}; update the mutation"
    copy = tmp / project.name
    shutil.copytree(project, copy)
    (copy / mutation.file).write_text(new, encoding="utf-8")
    return copy


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_breaking_one_rule_makes_it_fire(mutation: Mutation, generated: dict[str, Path], tmp_path: Path) -> None:
    applied = 0
    for name, target, project in iter_variants(generated):
        if target not in mutation.targets:
            continue
        copy = _apply(project, tmp_path / name, mutation)
        if copy is None:
            continue
        applied += 1
        codes = {f.code for f in check_paths([copy], target)}
        assert mutation.code in codes, f"{name}: {mutation.name} gave {sorted(codes)}"
    if not applied:
        # Not a silent skip: a mutation that applies nowhere tests nothing. Only a target
        # 'byoi targets' does not list yet may skip, and never in CI.
        listed = {target for _, target, _ in iter_variants(generated)}
        if not listed & set(mutation.targets) and os.environ.get("CI") != "true":
            pytest.skip(f"'byoi targets' lists none of {', '.join(mutation.targets)} yet")
        pytest.fail(
            f"{mutation.name}: no generated project for {', '.join(mutation.targets)} has {mutation.file} "
            "with the text it changes; update the mutation"
        )
