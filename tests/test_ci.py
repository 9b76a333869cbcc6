"""``byoi new --ci github|gitlab``: the pipelines it writes, validated, inspected and played.

- every generated file passes the real ``check-jsonschema`` with the GitHub workflow and
  GitLab CI schemas it ships (offline);
- one structural test per rule of issue 19: actions pinned by full commit SHA (the SHAs are
  literals here, from ``git rev-parse TAG^{commit}`` in clones of the actions' repositories),
  no expression or secret in a ``run:`` line, the token only on stdin, guarded pushes,
  least-privilege permissions, OIDC and never AWS keys;
- a pull request / merge request and a push to the default branch played with the
  pipeline's own steps (tests/ci_sim.py): nothing pushed for the first, exactly one push for
  the second. GitLab pipelines run in the real ``gitlab-ci-local`` (shell executor, which
  evaluates ``rules:``); GitHub's ``if:`` are evaluated by tests/gh_expressions.py, itself
  held to GitHub's documented examples below.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ci_sim import Event, calls, git_repo, image_archive, install_fakes, pull_request, pushes, run_github
from gh_expressions import ExpressionError, Status, condition, evaluate
from support import REPO, run_byoi

TARGETS = [
    "sagemaker-code-editor",
    "sagemaker-jupyterlab",
    "foundry-sidecar",
    "foundry-byoc",
    "foundry-model",
    "foundry-compute-module",
]
FOUNDRY = [t for t in TARGETS if t.startswith("foundry-")]
GITHUB_FILE = ".github/workflows/image.yml"
GITLAB_FILE = ".gitlab-ci.yml"
CI_FILES = {"github": GITHUB_FILE, "gitlab": GITLAB_FILE}

#: The actions the workflows use, and the commit each release tag is: `git rev-parse
#: TAG^{commit}` in clones of github.com/actions/checkout, actions/setup-python,
#: github/codeql-action and aws-actions/configure-aws-credentials, 2026-12-06.
PINS = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "github/codeql-action/upload-sarif": ("8aad20d150bbac5944a9f9d289da16a4b0d87c1e", "v4.36.2"),
    "aws-actions/configure-aws-credentials": ("e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"),
}
SECRET = "s3cr3t-foundry-token"
ECR = "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-image"
VARIABLES = {
    "BYOI_REPOSITORY": "https://git.example.com/team/byoi.git",
    "FOUNDRY_REGISTRY": "registry.example.com",
    "FOUNDRY_USERNAME": "ci-user",
    "AWS_ROLE_ARN": "arn:aws:iam::111122223333:role/ci-push",
    "AWS_REGION": "us-east-1",
    "ECR_REPOSITORY_URI": ECR,
}


def byoi_version() -> str:
    proc = run_byoi("--version", check=True)
    return proc.stdout.split()[-1]


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """One project a target and CI system, written by the real ``byoi new``."""
    root = tmp_path_factory.mktemp("ci")
    made = {}
    for target in TARGETS:
        for ci in ("github", "gitlab"):
            out = root / f"{target}-{ci}"
            run_byoi("new", target, "-o", str(out), "--no-input", "--name", "team-image", "--ci", ci, check=True)
            made[(target, ci)] = out
    return made


def workflow(project: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load((project / GITHUB_FILE).read_text())
    return data


def steps(project: Path) -> list[tuple[str, dict[str, Any]]]:
    return [(job_id, step) for job_id, job in workflow(project)["jobs"].items() for step in job["steps"]]


def gitlab_jobs(project: Path) -> dict[str, Any]:
    data = yaml.safe_load((project / GITLAB_FILE).read_text())
    return {k: v for k, v in data.items() if isinstance(v, dict) and ("script" in v or k.startswith("."))}


def script_lines(job: dict[str, Any], hidden: dict[str, Any]) -> list[str]:
    parent = hidden.get(job.get("extends", ""), {})
    return [*parent.get("before_script", []), *job.get("before_script", []), *job.get("script", [])]


# --------------------------------------------------------------------------- what is written


def test_ci_none_writes_no_ci_file_and_no_empty_folder(tmp_path: Path) -> None:
    for target in TARGETS:
        out = tmp_path / target
        run_byoi("new", target, "-o", str(out), "--no-input", check=True)
        assert not (out / ".github").exists() and not (out / GITLAB_FILE).exists()
        assert "## CI" not in (out / "README.md").read_text()


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_each_ci_writes_only_its_own_file_and_says_so_in_the_readme(
    projects: dict[tuple[str, str], Path], ci: str
) -> None:
    for target in TARGETS:
        project = projects[(target, ci)]
        other = CI_FILES["gitlab" if ci == "github" else "github"]
        assert (project / CI_FILES[ci]).is_file() and not (project / other).exists()
        if ci == "gitlab":
            assert not (project / ".github").exists()
        readme = (project / "README.md").read_text()
        assert f"## CI ({'GitHub Actions' if ci == 'github' else 'GitLab'})" in readme
        names = ["FOUNDRY_TOKEN", "FOUNDRY_REGISTRY", "FOUNDRY_USERNAME"] if target in FOUNDRY else ["AWS_ROLE_ARN"]
        assert all(f"`{n}`" in readme for n in names), readme
        assert f"ci: {ci}" in (project / "byoi.yaml").read_text()


def test_the_answers_file_and_the_wizard_order_take_ci(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("target: foundry-model\nci: gitlab\n")
    run_byoi("new", "--config", str(answers), "-o", str(tmp_path / "p"), "--no-input", check=True)
    assert (tmp_path / "p" / GITLAB_FILE).is_file()
    proc = run_byoi("new", "foundry-model", "-o", str(tmp_path / "q"), "--no-input", "--ci", "jenkins")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--ci" in proc.stderr
    assert not (tmp_path / "q").exists()
    from generator.targets import TARGETS as ALL
    from generator.wizard import ordered

    for target in ALL.values():  # a new target gets the question too, asked last
        assert [q.name for q in ordered(target)][-1] == "ci"


# --------------------------------------------------------------------------- schema validation


def validate(schema: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    checker = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run(
        [str(checker), "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(("ci", "schema"), [("github", "vendor.github-workflows"), ("gitlab", "vendor.gitlab-ci")])
def test_every_generated_pipeline_passes_the_schema_offline(
    projects: dict[tuple[str, str], Path], ci: str, schema: str, tmp_path: Path
) -> None:
    files = [projects[(t, ci)] / CI_FILES[ci] for t in TARGETS]
    proc = validate(schema, files)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # ... and the validator does reject a broken one (a job's steps given as text, a script as a number).
    broken = tmp_path / "broken.yml"
    text = files[0].read_text()
    broken.write_text(
        text.replace("    steps:\n", "    steps: oops\n    unused:\n", 1)
        if ci == "github"
        else text.replace("  stage: check\n", "  stage: check\n  when: sometimes\n", 1)
    )
    assert validate(schema, [broken]).returncode == 1


# --------------------------------------------------------------------------- GitHub: the rules


@pytest.mark.parametrize("target", TARGETS)
def test_every_action_is_pinned_by_full_commit_sha_with_its_release_in_a_comment(
    projects: dict[tuple[str, str], Path], target: str
) -> None:
    project = projects[(target, "github")]
    used = [step["uses"] for _, step in steps(project) if "uses" in step]
    assert used
    for uses in used:
        name, _, sha = uses.partition("@")
        assert re.fullmatch(r"[0-9a-f]{40}", sha), uses
        assert (sha, PINS[name][1]) == PINS[name]
        line = next(line for line in (project / GITHUB_FILE).read_text().splitlines() if uses in line)
        assert re.search(rf"#\s*{re.escape(PINS[name][1])}\b", line), line


@pytest.mark.parametrize("target", TARGETS)
def test_no_expression_or_secret_in_a_run_line_and_the_token_only_on_stdin(
    projects: dict[tuple[str, str], Path], target: str
) -> None:
    project = projects[(target, "github")]
    for _, step in steps(project):
        run = step.get("run", "")
        assert "${{" not in run, run  # values reach scripts through env:, never pasted into them
        for key, value in step.get("env", {}).items():
            if "secrets." in str(value):
                assert (key, value) == ("FOUNDRY_TOKEN", "${{ secrets.FOUNDRY_TOKEN }}")
                assert run == "printf '%s' \"$FOUNDRY_TOKEN\" | ./build.sh --token-stdin"
        if "TOKEN" in run:
            assert run == "printf '%s' \"$FOUNDRY_TOKEN\" | ./build.sh --token-stdin"
    text = (project / GITHUB_FILE).read_text()
    assert text.count("secrets.") == (1 if target in FOUNDRY else 0)


#: Events a push must never run for, and those it must run for (default branch: main).
NO_PUSH = [
    pull_request("fork/project"),
    pull_request("team/project"),
    Event("push", "refs/heads/feature"),
    Event("pull_request", "refs/heads/main", "fork/project"),  # a PR whose ref looks like main's
]
PUSH = [Event("push", "refs/heads/main"), Event("push", "refs/tags/v1.2.0")]


def _context(event: Event, variables: dict[str, str] | None = None) -> dict[str, Any]:
    return {"github": event.github("team/project", "main"), "vars": variables or {}, "secrets": {}, "env": {}}


@pytest.mark.parametrize("target", TARGETS)
def test_the_push_is_guarded_on_event_and_ref(projects: dict[tuple[str, str], Path], target: str) -> None:
    project = projects[(target, "github")]
    jobs = workflow(project)["jobs"]
    pushing = [j for j, job in jobs.items() if any(_pushes(s) for s in job["steps"])]
    assert pushing == ["push"]
    guard = jobs["push"]["if"]
    assert [condition(guard, _context(e)) for e in NO_PUSH] == [False] * len(NO_PUSH)
    assert [condition(guard, _context(e)) for e in PUSH] == [True] * len(PUSH)
    # the job that runs on pull requests builds without a registry, so build.sh cannot push
    builds = [s["run"] for s in jobs["check"]["steps"] if "build.sh" in s.get("run", "")]
    registry = "FOUNDRY_REGISTRY" if target in FOUNDRY else "ECR_REPOSITORY_URI"
    assert builds == [f"env -u {registry} BYOI_CHECK_IMAGE=0 ./build.sh"]


def _pushes(step: dict[str, Any]) -> bool:
    run = step.get("run", "")
    return "--token-stdin" in run or './build.sh "$ECR_REPOSITORY_URI"' in run


@pytest.mark.parametrize("target", TARGETS)
def test_permissions_are_least_privilege(projects: dict[tuple[str, str], Path], target: str) -> None:
    wf = workflow(projects[(target, "github")])
    assert wf["permissions"] == {}
    assert wf["jobs"]["check"]["permissions"] == {"contents": "read", "security-events": "write"}
    push = {"contents": "read"} if target in FOUNDRY else {"contents": "read", "id-token": "write"}
    assert wf["jobs"]["push"]["permissions"] == push
    for _, step in steps(projects[(target, "github")]):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"] == {"persist-credentials": False}


def test_sagemaker_gets_aws_credentials_only_through_oidc_and_registers_on_request(
    projects: dict[tuple[str, str], Path],
) -> None:
    project = projects[("sagemaker-code-editor", "github")]
    text = (project / GITHUB_FILE).read_text()
    for key in ("aws-access-key-id", "aws-secret-access-key", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert key not in text
    push = workflow(project)["jobs"]["push"]["steps"]
    aws = [s for s in push if str(s.get("uses", "")).startswith("aws-actions/configure-aws-credentials@")]
    assert len(aws) == 1 and set(aws[0]["with"]) == {"role-to-assume", "aws-region"}
    register = [s for s in push if "./register.sh" in s.get("run", "")]
    assert len(register) == 1
    main = Event("push", "refs/heads/main")
    assert not condition(register[0]["if"], _context(main))
    assert not condition(register[0]["if"], _context(main, {"SAGEMAKER_REGISTER": "false"}))
    assert condition(register[0]["if"], _context(main, {"SAGEMAKER_REGISTER": "true"}))
    # after the push, in the same guarded job
    assert push.index(register[0]) > next(i for i, s in enumerate(push) if _pushes(s))


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_byoi_is_installed_at_the_version_that_wrote_the_project(
    projects: dict[tuple[str, str], Path], ci: str
) -> None:
    version = byoi_version()
    for target in TARGETS:
        project = projects[(target, ci)]
        text = (project / CI_FILES[ci]).read_text()
        pinned = re.search(r'BYOI_VERSION: "([^"]+)"', text)
        assert pinned is not None and pinned.group(1) == version
        # the install line takes the release tag of that version from the repository the team names
        installs = [line for line in text.splitlines() if "pip install" in line and "byoi @" in line]
        assert installs, text
        for line in installs:
            assert "byoi @ git+${BYOI_REPOSITORY:?" in line and '}@v${BYOI_VERSION}"' in line, line
        assert json.loads((project / ".byoi" / "record.json").read_text())["byoi_version"] == version


# --------------------------------------------------------------------------- GitLab: the rules


@pytest.mark.parametrize("target", TARGETS)
def test_gitlab_push_rules_token_and_oidc(projects: dict[tuple[str, str], Path], target: str) -> None:
    project = projects[(target, "gitlab")]
    jobs = gitlab_jobs(project)
    push = jobs["push"]
    assert push["rules"][0] == {"if": '$CI_PIPELINE_SOURCE == "merge_request_event"', "when": "never"}
    registry = "FOUNDRY_REGISTRY" if target in FOUNDRY else "ECR_REPOSITORY_URI"
    assert f"env -u {registry} BYOI_CHECK_IMAGE=0 ./build.sh" in jobs["build"]["script"]
    assert "rules" not in jobs["build"] and "rules" not in jobs["byoi-check"]
    for job_id, job in jobs.items():
        for line in script_lines(job, jobs):
            if "FOUNDRY_TOKEN" in line:
                assert (job_id, line) == ("push", "printf '%s' \"$FOUNDRY_TOKEN\" | ./build.sh --token-stdin")
    text = (project / GITLAB_FILE).read_text()
    assert "AWS_ACCESS_KEY_ID" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    if target not in FOUNDRY:
        assert push["id_tokens"] == {"AWS_ID_TOKEN": {"aud": "sts.amazonaws.com"}}
    report = jobs["byoi-check"]["artifacts"]["reports"]["codequality"]
    assert any(f"--format gitlab --no-fail >{report}" in line for line in jobs["byoi-check"]["script"])


# --------------------------------------------------------------------------- GitHub's expressions


# Examples from docs.github.com, "Evaluate expressions in workflows and actions" (literals,
# operators, functions), with the values the page gives.
DOCUMENTED = [
    ("contains('Hello world', 'llo')", True),
    ("startsWith('Hello world', 'He')", True),
    ("endsWith('Hello world', 'ld')", True),
    ("format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat')", "Hello Mona the Octocat"),
    ("format('{{Hello {0} {1} {2}!}}', 'Mona', 'the', 'Octocat')", "{Hello Mona the Octocat!}"),
    ("'It''s open source!'", "It's open source!"),
    ("0xff", 255),
    ("-9.2", -9.2),
    ("-2.99e-2", -0.0299),
    ("null", None),
    ("false", False),
    # "GitHub ignores case when comparing strings."
    ("'ABC' == 'abc'", True),
    # Loose equality: different types are compared as numbers (null 0, true 1, '' 0).
    ("null == 0", True),
    ("true == 1", True),
    ("'' == 0", True),
    ("'1' == 1", True),
    ("'abc' == 0", False),  # NaN equals nothing
    # && and || give an operand, and '' is falsy
    ("'' || 'default'", "default"),
    ("'a' && 'b'", "b"),
    ("!''", True),
    ("1 < 2 && 3 >= 3", True),
]


@pytest.mark.parametrize(("expression", "value"), DOCUMENTED)
def test_the_expression_evaluator_gives_the_documented_values(expression: str, value: Any) -> None:
    got = evaluate(expression, {})
    if isinstance(value, float):
        assert math.isclose(got, value)
    else:
        assert got == value


def test_the_expression_evaluator_reads_contexts_and_status_as_github_does() -> None:
    ctx = {"github": {"event_name": "push", "event": {"repository": {"default_branch": "main"}}}, "vars": {}}
    assert evaluate("github.event.repository.default_branch", ctx) == "main"
    assert evaluate("github['event_name']", ctx) == "push"
    assert evaluate("github.nothing.here", ctx) is None  # a missing property is null
    assert evaluate("vars.UNSET == ''", ctx) is True
    # An if: without a status function means success() && (...) (GitHub's rule).
    assert condition("github.event_name == 'push'", ctx)
    assert not condition("github.event_name == 'push'", ctx, Status(failed=True))
    assert condition("${{ always() }}", ctx, Status(failed=True))
    assert condition("${{ !cancelled() && true }}", ctx, Status(failed=True))
    with pytest.raises(ExpressionError):
        evaluate("hashFiles('**/x')", ctx)  # outside the subset: refused, never guessed
    with pytest.raises(ExpressionError):
        evaluate("unknown.context", ctx)


# --------------------------------------------------------------------------- playing the pipelines


@pytest.fixture
def played(tmp_path: Path, projects: dict[tuple[str, str], Path]) -> Any:
    """A fresh git copy of a project, the stand-ins on PATH, and the calls they record."""

    def prepare(target: str, ci: str, branch: str = "main") -> tuple[Path, Path, dict[str, str]]:
        project = tmp_path / "repo"
        shutil.copytree(projects[(target, ci)], project)
        git_repo(project, branch)
        install_fakes(tmp_path / "bin")
        env = {
            "CI_CALLS": str(tmp_path / "calls"),
            "CI_IMAGE_ARCHIVE": str(image_archive(tmp_path / "image.tar", target)),
        }
        return project, tmp_path / "bin", env

    return prepare


def test_github_installs_byoi_from_the_repository_the_team_names_and_stops_without_it(
    played: Any, tmp_path: Path
) -> None:
    project, bin_dir, env = played("foundry-byoc", "github")
    event = Event("push", "refs/heads/main")
    run = run_github(project, event, bin_dir, variables=VARIABLES, secrets={"FOUNDRY_TOKEN": SECRET}, env=env)
    assert run.jobs == {"check": "success", "push": "success"}, run.output
    tag = f"v{byoi_version()}"
    installs = [c for c in calls(tmp_path / "calls") if c.startswith("pip install byoi @")]
    assert installs and set(installs) == {f"pip install byoi @ git+https://git.example.com/team/byoi.git@{tag}"}
    unset = {k: v for k, v in VARIABLES.items() if k != "BYOI_REPOSITORY"}
    run = run_github(project, event, bin_dir, variables=unset, secrets={"FOUNDRY_TOKEN": SECRET}, env=env)
    assert run.jobs["check"] == "failure", run.output
    assert "set the CI variable BYOI_REPOSITORY" in run.output


@pytest.mark.parametrize("target", TARGETS)
def test_github_pull_requests_push_nothing_and_the_default_branch_pushes_once(
    played: Any, target: str, tmp_path: Path
) -> None:
    project, bin_dir, env = played(target, "github")
    log = tmp_path / "calls"
    secrets = {"FOUNDRY_TOKEN": SECRET}
    for event, uploads in ((pull_request("fork/project"), 0), (pull_request("team/project"), 1)):
        run = run_github(project, event, bin_dir, variables=VARIABLES, secrets=secrets, env=env)
        assert run.jobs == {"check": "success", "push": "skipped"}, run.output
        assert len(run.uploads) == uploads  # a fork's read-only token cannot upload, so it does not try
        recorded = calls(log)
        assert pushes(recorded) == []
        assert [c for c in recorded if " build " in f" {c} "] != []  # it did build
        assert any(c.startswith(("podman save", "docker save")) for c in recorded)  # and byoi check-image read it
        assert not any("login" in c for c in recorded)
        log.unlink()
    run = run_github(project, Event("push", "refs/heads/main"), bin_dir, variables=VARIABLES, secrets=secrets, env=env)
    assert run.jobs == {"check": "success", "push": "success"}, run.output
    assert run.uploads and run.uploads[0]["version"] == "2.1.0"
    recorded = calls(log)
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=project, capture_output=True, text=True)
    remote = (
        f"registry.example.com/team-image:{commit.stdout.strip()}"
        if target in FOUNDRY
        else f"{ECR}:{commit.stdout.strip()}"
    )
    assert pushes(recorded) == [f"docker push {remote}"]
    if target in FOUNDRY:
        # the token reached docker login on stdin, and no command line
        assert "docker login-stdin=" + SECRET in recorded
        assert [c for c in recorded if SECRET in c] == ["docker login-stdin=" + SECRET]
    else:
        creds = [c for c in recorded if c.startswith("aws-credentials")]
        assert creds and all("access-key=ASIA" in c for c in creds)  # temporary credentials of the assumed role
    log.unlink()
    # a tag pushes once, tagged with its name
    run = run_github(project, Event("push", "refs/tags/v1.2.0"), bin_dir, variables=VARIABLES, secrets=secrets, env=env)
    assert run.jobs["push"] == "success", run.output
    assert [p.rsplit(":", 1)[1] for p in pushes(calls(log))] == ["v1.2.0"]


def gitlab_ci_local() -> str | None:
    local = REPO / ".ci" / "gitlab-ci-local" / "node_modules" / ".bin" / "gitlab-ci-local"
    return str(local) if local.exists() else shutil.which("gitlab-ci-local")


def run_gitlab(project: Path, bin_dir: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    program = gitlab_ci_local()
    if program is None:
        pytest.skip("gitlab-ci-local is not installed: run bash .ci/install-gitlab-ci-local.sh")
    variables = [*VARIABLES.items(), ("FOUNDRY_TOKEN", SECRET)]
    command = [program, "--force-shell-executor", "--no-color", "--home", str(project.parent / "gcl-home")]
    for key, value in variables:
        command += ["--variable", f"{key}={value}"]
    run_env = {
        "PATH": f"{bin_dir}:{Path(sys.executable).parent}:{os.environ['PATH']}",
        "HOME": str(project.parent),
        "GCL_IGNORE_PREDEFINED_VARS": "CI_PIPELINE_SOURCE,CI_COMMIT_BRANCH",
        **env,
    }
    return subprocess.run(
        [*command, *args], cwd=project, env=run_env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS)
def test_gitlab_merge_requests_push_nothing_and_the_default_branch_pushes_once(
    played: Any, target: str, tmp_path: Path
) -> None:
    log = tmp_path / "calls"
    project, bin_dir, env = played(target, "gitlab", branch="feature")
    mr = run_gitlab(
        project,
        bin_dir,
        env,
        "--variable",
        "CI_PIPELINE_SOURCE=merge_request_event",
        "--unset-variable",
        "CI_COMMIT_BRANCH",
    )
    assert mr.returncode == 0, mr.stdout + mr.stderr
    assert re.findall(r"PASS\s+(\S+)", mr.stdout) == ["byoi-check", "build"]  # no push job
    recorded = calls(log)
    assert pushes(recorded) == [] and not any("login" in c for c in recorded)
    assert any(c.startswith("podman build --platform linux/amd64") for c in recorded)
    assert any(c.startswith("podman save") for c in recorded)  # byoi check-image read the image
    assert json.loads((project / "gl-code-quality-report.json").read_text()) == []  # a clean project
    log.unlink()
    shutil.rmtree(project)
    project, bin_dir, env = played(target, "gitlab", branch="main")
    main = run_gitlab(project, bin_dir, env)
    assert main.returncode == 0, main.stdout + main.stderr
    assert re.findall(r"PASS\s+(\S+)", main.stdout) == ["byoi-check", "build", "push"]
    recorded = calls(log)
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=project, capture_output=True, text=True)
    tag = commit.stdout.strip()
    remote = f"registry.example.com/team-image:{tag}" if target in FOUNDRY else f"{ECR}:{tag}"
    assert pushes(recorded) == [f"podman push {remote}"]
    if target in FOUNDRY:
        assert [c for c in recorded if SECRET in c] == ["podman login-stdin=" + SECRET]
    else:
        creds = [c for c in recorded if c.startswith("aws-credentials")]
        assert creds and all("web-identity-token-file=set access-key=" in c for c in creds)  # OIDC, no keys


# --------------------------------------------------------------------------- upgrade, report format


def test_byoi_upgrade_keeps_the_ci_file_current_and_the_users_edit(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    env = {**os.environ, "BYOI_TEMPLATES_DIR": str(templates), "GIT_CONFIG_GLOBAL": os.devnull}
    project = tmp_path / "p"
    byoi = [str(Path(sys.executable).parent / "byoi")]
    subprocess.run(
        [*byoi, "new", "foundry-byoc", "-o", str(project), "--no-input", "--ci", "github"], env=env, check=True
    )
    wf = project / GITHUB_FILE
    # the user adds a trigger; a newer byoi changes the runner
    wf.write_text(wf.read_text().replace("  pull_request:\n", "  pull_request:\n  workflow_dispatch:\n"))
    partial = templates / "_partials" / "ci-github.yml"
    partial.write_text(partial.read_text().replace("runs-on: {{ p.runner }}", "runs-on: ubuntu-26.04"))
    proc = subprocess.run([*byoi, "upgrade", str(project)], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = wf.read_text()
    assert "  workflow_dispatch:\n" in text and text.count("runs-on: ubuntu-26.04") == 2
    assert "ubuntu-24.04" not in text


def test_byoi_upgrade_gives_an_existing_project_a_pipeline(tmp_path: Path) -> None:
    project = tmp_path / "p"
    run_byoi("new", "foundry-model", "-o", str(project), "--no-input", check=True)
    proc = run_byoi("upgrade", str(project), "--ci", "gitlab")
    assert proc.returncode == 0, proc.stderr
    assert "added     .gitlab-ci.yml" in proc.stdout
    run_byoi("new", "foundry-model", "-o", str(tmp_path / "fresh"), "--no-input", "--ci", "gitlab", check=True)
    assert (project / GITLAB_FILE).read_bytes() == (tmp_path / "fresh" / GITLAB_FILE).read_bytes()


def test_check_format_gitlab_is_a_code_quality_report(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:3.12.12-slim-bookworm\nEXPOSE 80\nUSER root\n")
    proc = run_byoi("check", "Dockerfile", "--target", "foundry-byoc", "--format", "gitlab", cwd=tmp_path)
    assert proc.returncode == 1
    issues = json.loads(proc.stdout)
    # GitLab's code quality format: these keys; severity one of info, minor, major, critical, blocker.
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["path"] == "Dockerfile"
    assert [(i["check_name"], i["location"]["lines"]["begin"]) for i in issues] == [("BY104", 2), ("BY101", 3)]
    # error -> blocker, warning -> major: hadolint's gitlab_codeclimate format
    # (src/Hadolint/Formatter/Codeclimate.hs, severityText) maps its levels so.
    assert issues[0]["severity"] == "blocker"
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]
    # a line added above keeps each finding's identity
    dockerfile.write_text("# a comment\n" + dockerfile.read_text())
    again = run_byoi("check", "Dockerfile", "--target", "foundry-byoc", "--format", "gitlab", cwd=tmp_path)
    assert [i["fingerprint"] for i in json.loads(again.stdout)] == [i["fingerprint"] for i in issues]


def test_the_same_finding_twice_gets_two_fingerprints() -> None:
    from generator.check import Finding
    from generator.report import gitlab

    same = [Finding("./Dockerfile", n, 1, "warning", "BY105", "the same message") for n in (3, 9)]
    issues = json.loads(gitlab(same))
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]
    assert [i["location"]["path"] for i in issues] == ["Dockerfile", "Dockerfile"]
    assert [i["severity"] for i in issues] == ["major", "major"]
