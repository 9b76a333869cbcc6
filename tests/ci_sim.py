"""Playing a generated CI pipeline here: stand-ins for what a CI runner has, and a GitHub runner.

A pipeline's own steps run for real (bash runs each ``run:`` script; gitlab-ci-local runs
a ``.gitlab-ci.yml``'s jobs with its shell executor), with the real ``byoi`` and the real
``build.sh``. What cannot run here is stood in for by programs put first on PATH, each
recording its calls in ``$CI_CALLS`` (one line: its name and arguments):

- ``docker``, ``podman``, ``buildah``: ``build`` and ``tag`` only record; ``login``
  records what came on stdin too (the token must come that way, never as an argument);
  ``push`` prints a digest the way docker ends a push, and ``push --help`` prints docker's
  help without ``--digestfile`` (so ``build.sh`` takes docker's path); ``save ... -o FILE``
  writes the image archive ``$CI_IMAGE_ARCHIVE`` (made by tests/image_support.py, an image
  ``byoi check-image`` passes) to FILE, which is what ``docker save`` does with a real image.
  The build.sh tests (tests/test_sagemaker_build.py, tests/test_foundry_targets.py) run
  the same command lines against real podman and a real registry.
- ``aws``: ``ecr get-login-password`` prints a password, as the real CLI does.
- ``pip`` and ``apt-get``: record and succeed; byoi itself is the test's own (on PATH).

The GitHub runner (:func:`run_github`) is a stand-in for GitHub's: it decides which jobs
and steps run by evaluating their ``if:`` with tests/gh_expressions.py, runs each ``run:``
with ``bash --noprofile --norc -eo pipefail`` (GitHub's default shell on Linux) in the
project folder, with the workflow's, job's and step's ``env:`` (``${{ }}`` substituted from
the github, vars and secrets contexts) and ``$GITHUB_ENV`` carried between steps as GitHub
does. The four actions the workflows use are stood in for by what they leave behind:
checkout and setup-python nothing (the project is the checkout, Python is here),
upload-sarif reads the SARIF file, configure-aws-credentials requires ``role-to-assume`` and
the job's ``id-token: write`` and exports temporary credentials as the action does.
"""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from gh_expressions import Status, condition, substitute
from image_support import File, config, debian_base, docker_archive, exe, folder

FAKE_ENGINE = r"""#!/bin/sh
# Stand-in for a container engine (see tests/ci_sim.py).
name="$(basename "$0")"
printf '%s %s\n' "$name" "$*" >>"$CI_CALLS"
case "$1" in
    login) printf '%s login-stdin=%s\n' "$name" "$(cat)" >>"$CI_CALLS"; echo "Login Succeeded" ;;
    push)
        if [ "$2" = --help ]; then echo "Usage:  docker push [OPTIONS] NAME[:TAG]"; exit 0; fi
        echo "latest: digest: sha256:$(printf 'ab%.0s' $(seq 32)) size: 1234" ;;
    save)
        out=""
        while [ $# -gt 0 ]; do
            if [ "$1" = -o ]; then out="$2"; fi
            shift
        done
        cp "$CI_IMAGE_ARCHIVE" "$out" ;;
esac
"""

FAKE_AWS = r"""#!/bin/sh
# Stand-in for the AWS CLI (see tests/ci_sim.py).
printf 'aws %s\n' "$*" >>"$CI_CALLS"
# Where its credentials would come from: a web identity (OIDC) or keys in the environment.
printf 'aws-credentials role=%s web-identity-token-file=%s access-key=%s\n' "${AWS_ROLE_ARN:-}" \
    "${AWS_WEB_IDENTITY_TOKEN_FILE:+set}" "${AWS_ACCESS_KEY_ID:-}" >>"$CI_CALLS"
case "$1 $2" in
    "ecr get-login-password") echo "fake-ecr-password" ;;
esac
"""

FAKE_RECORDER = r"""#!/bin/sh
# Stand-in for an installer (see tests/ci_sim.py).
printf '%s %s\n' "$(basename "$0")" "$*" >>"$CI_CALLS"
"""

ENGINES = ("docker", "podman", "buildah")


def install_fakes(bin_dir: Path) -> None:
    """Put the stand-ins into ``bin_dir``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, text in [
        *((e, FAKE_ENGINE) for e in ENGINES),
        ("aws", FAKE_AWS),
        ("pip", FAKE_RECORDER),
        ("apt-get", FAKE_RECORDER),
    ]:
        path = bin_dir / name
        path.write_text(text)
        path.chmod(0o755)


EXT_DIR = "opt/amazon/sagemaker/sagemaker-code-editor-server-data/extensions"


def image_archive(path: Path, target: str) -> Path:
    """An image archive that ``byoi check-image --target TARGET`` passes (tests/test_check_image.py
    checks the same shapes, from the platforms' rules)."""
    if target == "sagemaker-code-editor":
        app = [
            exe("usr/local/bin/start-code-editor", b"#!/bin/bash\nexec sagemaker-code-editor --port 8888\n"),
            folder("opt"),
            folder("opt/amazon"),
            folder("opt/amazon/sagemaker"),
            folder("opt/amazon/sagemaker/sagemaker-code-editor-server-data", uid=1000, gid=100),
            folder(EXT_DIR, uid=1000, gid=100),
        ]
        cfg = config(
            user="1000:100",
            entrypoint=["/usr/local/bin/start-code-editor"],
            workdir="/home/sagemaker-user",
            ports=["8888/tcp"],
        )
        return docker_archive(path, cfg, [debian_base(), app])
    if target == "sagemaker-jupyterlab":
        app = [exe("usr/local/bin/start-jupyter-server", b"#!/bin/bash\nexec jupyter lab --port 8888\n")]
        cfg = config(
            user="1000:100",
            entrypoint=["/usr/local/bin/start-jupyter-server"],
            workdir="/home/sagemaker-user",
            ports=["8888/tcp"],
        )
        return docker_archive(path, cfg, [debian_base(), app])
    if target == "foundry-byoc":
        return docker_archive(path, config(user="5001"), [debian_base()])
    cfg = config(user="5001", cmd=["python3", "/app/server.py"], workdir="/app", ports=["8080/tcp"])
    return docker_archive(path, cfg, [debian_base(), [folder("app"), File("app/server.py", b"print('ok')\n")]])


def calls(path: Path) -> list[str]:
    """The recorded calls, one per line."""
    return path.read_text().splitlines() if path.exists() else []


def pushes(recorded: list[str]) -> list[str]:
    """The image pushes among the recorded calls (not ``push --help``)."""
    return [c for c in recorded if c.split(" ")[:2] in ([e, "push"] for e in ENGINES) and "--help" not in c.split()]


def git_repo(project: Path, branch: str = "main") -> None:
    """Make ``project`` a git repository with one commit, as a checkout is."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    for cmd in (["init", "-q", "-b", branch], ["add", "-A"], ["commit", "-qm", "project"]):
        subprocess.run(["git", *cmd], cwd=project, env=env, check=True, capture_output=True)


# --------------------------------------------------------------------------- GitHub


@dataclass
class Event:
    """One event a workflow may run for, as GitHub's contexts describe it."""

    name: str
    ref: str
    pr_head_repo: str | None = None

    def github(self, repository: str, default_branch: str) -> dict[str, Any]:
        """The ``github`` context."""
        kind = "tag" if self.ref.startswith("refs/tags/") else "branch"
        ref_name = self.ref.split("/", 2)[2]
        event: dict[str, Any] = {"repository": {"default_branch": default_branch, "full_name": repository}}
        if self.pr_head_repo is not None:
            event["pull_request"] = {"head": {"repo": {"full_name": self.pr_head_repo}}}
        return {
            "event_name": self.name,
            "ref": self.ref,
            "ref_name": ref_name,
            "ref_type": kind,
            "repository": repository,
            "event": event,
        }


def pull_request(head_repo: str) -> Event:
    """A pull request (from ``head_repo``: the repository itself, or a fork)."""
    return Event("pull_request", "refs/pull/7/merge", head_repo)


@dataclass
class Run:
    """What a simulated workflow run did."""

    jobs: dict[str, str] = field(default_factory=dict)  # job -> success, failure, skipped
    steps: list[str] = field(default_factory=list)  # "job: step name" of each step run
    uploads: list[dict[str, Any]] = field(default_factory=list)
    output: str = ""


def triggers(workflow: dict[Any, Any], event: Event) -> bool:
    """Whether the workflow's ``on:`` runs it for ``event`` (PyYAML reads the key ``on`` as True)."""
    on = workflow.get("on", workflow.get(True))
    if event.name not in on:
        return False
    spec = on[event.name] or {}
    if event.name != "push":
        return True
    kind, name = ("tags", event.ref.removeprefix("refs/tags/"))
    if event.ref.startswith("refs/heads/"):
        kind, name = ("branches", event.ref.removeprefix("refs/heads/"))
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in spec.get(kind, []))


def _step_name(step: dict[str, Any]) -> str:
    return str(step.get("name") or step.get("uses") or step.get("run", "").splitlines()[0])


def run_github(
    project: Path,
    event: Event,
    bin_dir: Path,
    *,
    variables: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    repository: str = "team/project",
    default_branch: str = "main",
) -> Run:
    """Run ``.github/workflows/image.yml`` of ``project`` for ``event``, as GitHub would."""
    workflow = yaml.safe_load((project / ".github/workflows/image.yml").read_text())
    run = Run()
    if not triggers(workflow, event):
        return run
    context: dict[str, Any] = {
        "github": event.github(repository, default_branch),
        "vars": dict(variables or {}),
        # GitHub passes no secrets to a workflow run for a pull request from a fork.
        "secrets": {} if event.pr_head_repo not in (None, repository) else dict(secrets or {}),
    }
    base_env = {
        "PATH": f"{bin_dir}:{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/tmp"),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event.name,
        "GITHUB_REF": event.ref,
        "GITHUB_WORKSPACE": str(project),
        **(env or {}),
    }
    for job_id, job in workflow["jobs"].items():
        needs = job.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        status = Status(failed=any(run.jobs.get(n) != "success" for n in needs))
        context["needs"] = {n: {"result": run.jobs.get(n)} for n in needs}
        if not condition(job.get("if", True), {**context, "env": {}}, status):
            run.jobs[job_id] = "skipped"
            continue
        job_env = {
            **base_env,
            **{k: substitute(str(v), context) for k, v in {**workflow.get("env", {}), **job.get("env", {})}.items()},
        }
        github_env = project.parent / f"github-env-{job_id}"
        github_env.write_text("")
        status = Status()
        for step in job["steps"]:
            if not condition(step.get("if", True), {**context, "env": job_env}, status):
                continue
            run.steps.append(f"{job_id}: {_step_name(step)}")
            step_env = {
                **job_env,
                **{k: substitute(str(v), {**context, "env": job_env}) for k, v in step.get("env", {}).items()},
            }
            step_env["GITHUB_ENV"] = str(github_env)
            if "uses" in step:
                given = {k: substitute(str(v), {**context, "env": job_env}) for k, v in step.get("with", {}).items()}
                ok = _uses({**step, "with": given}, job, project, job_env, run)
            else:
                ok = _run(step, project, step_env, run)
            for line in github_env.read_text().splitlines():
                key, _, value = line.partition("=")
                job_env[key] = value
            github_env.write_text("")
            if not ok:
                status.failed = True
        run.jobs[job_id] = "failure" if status.failed else "success"
    return run


def _run(step: dict[str, Any], project: Path, env: dict[str, str], run: Run) -> bool:
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    run.output += f"--- {_step_name(step)} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}"
    return proc.returncode == 0


def _uses(step: dict[str, Any], job: dict[str, Any], project: Path, job_env: dict[str, str], run: Run) -> bool:
    action = str(step["uses"]).split("@", 1)[0]
    given = step.get("with", {})
    if action in ("actions/checkout", "actions/setup-python"):
        return True
    if action == "github/codeql-action/upload-sarif":
        run.uploads.append(json.loads((project / given["sarif_file"]).read_text()))
        return True
    if action == "aws-actions/configure-aws-credentials":
        # The action asks GitHub for an OIDC token, which needs id-token: write, and assumes the role.
        assert job.get("permissions", {}).get("id-token") == "write", "OIDC needs permissions: id-token: write"
        assert given.get("role-to-assume"), "no role-to-assume"
        job_env.update(
            AWS_ACCESS_KEY_ID="ASIAFAKETEMPORARY",
            AWS_SECRET_ACCESS_KEY="fake-temporary-secret",
            AWS_SESSION_TOKEN="fake-session-token",
            AWS_REGION=str(given.get("aws-region", "")),
            AWS_DEFAULT_REGION=str(given.get("aws-region", "")),
        )
        return True
    raise AssertionError(f"no stand-in for the action {action}")
