"""``--app``: one image serving both Studio apps, Code Editor and JupyterLab (fast).

What Studio does with such an image (docs/platform-facts.md, "JupyterLab images"; AWS's own
SageMaker Distribution is registered this way): one app image config per app, whose
``ContainerEntrypoint`` starts that app's server (``CodeEditorAppImageConfig`` /
``JupyterLabAppImageConfig``), and the image in each app's ``CustomImages``
(``CodeEditorAppSettings`` / ``JupyterLabAppSettings``). Studio sets ``SAGEMAKER_APP_TYPE`` to
``CodeEditor`` or ``JupyterLab``.
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path

import fake_aws
import pytest
from lint import hadolint_errors, shellcheck
from standin_aws import ACCOUNT, State, cli_env, serve
from support import REPO, run_byoi, tree

BOTH = ("--app", "code-editor", "--app", "jupyterlab")


def new(tmp_path: Path, target: str, *args: str) -> Path:
    out = tmp_path / f"p{len(list(tmp_path.iterdir()))}"
    run_byoi("new", target, "-o", str(out), "--no-input", *args, check=True)
    return out


def test_code_editor_projects_render_as_before_without_app_or_with_its_own_app(tmp_path: Path) -> None:
    """The default stays the target's own app: an existing project renders byte-identically.
    The examples were written before --app existed (git show the commit before it); they are
    rendered again here from their answers and must not change."""
    for example in ("sagemaker-micromamba", "sagemaker-distribution"):
        answers = REPO / "examples" / example / "answers.yaml"
        plain = tmp_path / f"{example}-plain"
        run_byoi("new", "--config", str(answers), "-o", str(plain), "--no-input", check=True)
        own = tmp_path / f"{example}-own"
        run_byoi("new", "--config", str(answers), "-o", str(own), "--no-input", "--app", "code-editor", check=True)
        assert tree(plain) == tree(REPO / "examples" / example / "project")
        assert "apps" not in (plain / "byoi.yaml").read_text()
        # Naming the own app explicitly writes the same image; only the answers record the answer.
        answered = ("byoi.yaml", ".byoi/record.json")
        assert {k: v for k, v in tree(own).items() if k not in answered} == {
            k: v for k, v in tree(plain).items() if k not in answered
        }


@pytest.mark.parametrize("target", ["sagemaker-code-editor", "sagemaker-jupyterlab"])
@pytest.mark.parametrize("base", ["micromamba", "sagemaker-distribution"])
def test_a_two_app_image_starts_each_apps_server_and_dispatches_on_the_app_type(
    tmp_path: Path, target: str, base: str
) -> None:
    project = new(tmp_path, target, "--base", base, *BOTH, "--name", "both")
    dockerfile = (project / "Dockerfile").read_text()
    assert dockerfile.rstrip().endswith('ENTRYPOINT ["/usr/local/bin/start-studio-app"]')
    assert "COPY --chmod=0755 start-studio-app /usr/local/bin/start-studio-app" in dockerfile
    micromamba = base == "micromamba"
    code_editor = "/usr/local/bin/start-code-editor" if micromamba else "entrypoint-code-editor"
    jupyterlab = "/usr/local/bin/start-jupyter-server" if micromamba else "entrypoint-jupyter-server"
    if micromamba:
        assert "'sagemaker-code-editor=1.10'" in dockerfile and "'jupyterlab=4.5'" in dockerfile
        assert "'ipykernel=6'" in dockerfile
        assert f"COPY --chmod=0755 start-code-editor {code_editor}" in dockerfile
        assert f"COPY --chmod=0755 start-jupyter-server {jupyterlab}" in dockerfile
    configs = sorted((project / "sagemaker").iterdir())
    assert [p.name for p in configs] == ["app-image-config-code-editor.json", "app-image-config-jupyterlab.json"]
    assert json.loads(configs[0].read_text()) == {
        "AppImageConfigName": "both-code-editor-config",
        "CodeEditorAppImageConfig": {"ContainerConfig": {"ContainerEntrypoint": [code_editor]}},
    }
    assert json.loads(configs[1].read_text()) == {
        "AppImageConfigName": "both-jupyterlab-config",
        "JupyterLabAppImageConfig": {"ContainerConfig": {"ContainerEntrypoint": [jupyterlab]}},
    }
    assert hadolint_errors(project / "Dockerfile") == []
    for script in ("start-studio-app", "register.sh"):
        assert shellcheck(project / script) == ""
    # The dispatcher, run by bash with recording stand-ins for both servers' entrypoints.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in (code_editor, jupyterlab):
        fake = bin_dir / name.rsplit("/", 1)[-1]
        fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "{name}" "$@" > "{tmp_path}/started"\n')
        fake.chmod(0o755)
    text = (project / "start-studio-app").read_text().replace("/usr/local/bin/", f"{bin_dir}/")
    if not micromamba:
        text = text.replace(" exec entrypoint-", f" exec {bin_dir}/entrypoint-")
    script = tmp_path / "start-studio-app"
    script.write_text(text)
    own_type = "CodeEditor" if target == "sagemaker-code-editor" else "JupyterLab"
    for app_type, expected in (("CodeEditor", code_editor), ("JupyterLab", jupyterlab), (None, None)):
        env = {"PATH": "/usr/bin:/bin"} | ({"SAGEMAKER_APP_TYPE": app_type} if app_type else {})
        proc = subprocess.run(["bash", str(script), "--x"], env=env, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        if expected is None:  # unset: the target's own app
            expected = code_editor if own_type == "CodeEditor" else jupyterlab
        assert (tmp_path / "started").read_text().splitlines() == [expected, "--x"]
    proc = subprocess.run(
        ["bash", str(script)], env={"SAGEMAKER_APP_TYPE": "RStudio"}, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 64 and "serves CodeEditor and JupyterLab" in proc.stderr


@pytest.mark.parametrize(
    ("target", "args", "needle"),
    [
        ("sagemaker-code-editor", ["--app", "jupyterlab"], "add --app code-editor"),
        ("sagemaker-jupyterlab", ["--app", "code-editor"], "add --app jupyterlab"),
        ("sagemaker-code-editor", ["--app", "code-editor", "--app", "code-editor"], "given twice"),
        ("sagemaker-jupyterlab", ["--app", "rstudio"], "not a Studio app"),
    ],
)
def test_bad_app_lists_are_refused_with_one_line(tmp_path: Path, target: str, args: list[str], needle: str) -> None:
    proc = run_byoi("new", target, "-o", str(tmp_path / "p"), "--no-input", *args)
    assert proc.returncode == 2 and needle in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("target", ["sagemaker-code-editor", "sagemaker-jupyterlab"])
def test_both_checks_apply_to_a_two_app_image(tmp_path: Path, target: str) -> None:
    project = new(tmp_path, target, *BOTH)
    for checked in ("sagemaker-code-editor", "sagemaker-jupyterlab"):
        proc = run_byoi("check", "--target", checked, str(project))
        assert proc.returncode == 0, proc.stdout + proc.stderr
    script = project / "start-jupyter-server"
    script.write_text(script.read_text().replace("--ServerApp.allow_origin='*'", "--ServerApp.allow_origin=x"))
    proc = run_byoi("check", "--target", "sagemaker-jupyterlab", str(project))
    assert proc.returncode == 1 and "SM217" in proc.stdout


OTHERS = [
    {"ImageName": "data-science", "ImageVersionNumber": 3, "AppImageConfigName": "data-science-config"},
    {"ImageName": "ml-platform", "ImageVersionNumber": 1, "AppImageConfigName": "ml-platform-config"},
]
DOMAIN = "d-abc123"
ROLE = "arn:aws:iam::111122223333:role/Studio"
URI = "111122223333.dkr.ecr.us-east-1.amazonaws.com/both:0.1.0"


def register(project: Path, tmp_path: Path, state: State, *args: str, cli: str = "fake") -> str:
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "sleep").write_text("#!/bin/sh\n")
    (fake / "sleep").chmod(0o755)
    if cli == "fake":
        fake_aws.install(fake)
    with serve(state) as url:
        proc = subprocess.run(
            [str(project / "register.sh"), *args, URI],
            env={
                **cli_env(url, tmp_path, str(fake)),
                "BYOI_FAKE_AWS_CALLS": str(tmp_path / "aws-calls"),
                "ROLE_ARN": ROLE,
                "DOMAIN_ID": DOMAIN,
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def domain_state() -> State:
    state = State()
    state.add_image("data-science", versions=3)
    state.add_image("ml-platform", versions=1)
    state.domains[DOMAIN] = {
        "DomainId": DOMAIN,
        "DomainArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:domain/{DOMAIN}",
        "DomainName": "research",
        "Status": "InService",
        "DefaultUserSettings": {
            "ExecutionRole": ROLE,
            "JupyterLabAppSettings": {"CustomImages": copy.deepcopy(OTHERS)},
            "CodeEditorAppSettings": {"CustomImages": copy.deepcopy(OTHERS[1:])},
        },
    }
    return state


@pytest.mark.parametrize("cli", ["fake", pytest.param("real", marks=pytest.mark.slow)])
def test_register_makes_one_app_image_config_per_app_and_keeps_every_other_image(tmp_path: Path, cli: str) -> None:
    project = new(tmp_path, "sagemaker-jupyterlab", *BOTH, "--name", "both")
    state = domain_state()
    out = register(project, tmp_path, state, cli=cli)
    configs = [body for op, body in state.calls if op == "CreateAppImageConfig"]
    assert configs == [
        {
            "AppImageConfigName": "both-code-editor-config",
            "CodeEditorAppImageConfig": {
                "ContainerConfig": {"ContainerEntrypoint": ["/usr/local/bin/start-code-editor"]}
            },
        },
        {
            "AppImageConfigName": "both-jupyterlab-config",
            "JupyterLabAppImageConfig": {
                "ContainerConfig": {"ContainerEntrypoint": ["/usr/local/bin/start-jupyter-server"]}
            },
        },
    ]
    settings = state.domains[DOMAIN]["DefaultUserSettings"]
    ours = {"ImageName": "both", "ImageVersionNumber": 1}
    assert settings["CodeEditorAppSettings"]["CustomImages"] == [
        *OTHERS[1:],
        {**ours, "AppImageConfigName": "both-code-editor-config"},
    ]
    assert settings["JupyterLabAppSettings"]["CustomImages"] == [
        *OTHERS,
        {**ours, "AppImageConfigName": "both-jupyterlab-config"},
    ]
    assert "offers both version 1 in Code Editor and JupyterLab" in out


def test_register_dry_run_prints_both_configs_and_changes_nothing(tmp_path: Path) -> None:
    project = new(tmp_path, "sagemaker-code-editor", *BOTH, "--name", "both")
    state = domain_state()
    before = copy.deepcopy(state.domains)
    out = register(project, tmp_path, state, "--dry-run")
    assert state.domains == before
    assert (
        "would run: aws sagemaker create-app-image-config --cli-input-json file://sagemaker/app-image-config-code-editor.json"
        in out
    )
    assert (
        "would run: aws sagemaker create-app-image-config --cli-input-json file://sagemaker/app-image-config-jupyterlab.json"
        in out
    )
    assert '"CodeEditorAppImageConfig"' in out and '"JupyterLabAppImageConfig"' in out
    assert "CodeEditorAppSettings" in out and "JupyterLabAppSettings" in out
    assert "dry run: nothing was changed" in out


def test_a_one_app_image_leaves_the_other_apps_list_untouched(tmp_path: Path) -> None:
    project = new(tmp_path, "sagemaker-code-editor", "--name", "both")
    state = domain_state()
    register(project, tmp_path, state)
    settings = state.domains[DOMAIN]["DefaultUserSettings"]
    assert settings["JupyterLabAppSettings"]["CustomImages"] == OTHERS
