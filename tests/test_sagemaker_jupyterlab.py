"""``byoi new sagemaker-jupyterlab``: what it writes, its scripts run, its checks (fast).

Expected values are literals from the platform documents (docs/platform-facts.md, "JupyterLab
images", read from aws/sagemaker-distribution ``template/v3/dirs/usr/local/bin/start-jupyter-server``
and ``entrypoint-jupyter-server``, and the SageMaker API reference), never byoi's own constants:

- JupyterLab on 0.0.0.0:8888 under ``/<SAGEMAKER_APP_TYPE lower-cased>/default`` (``/jupyterlab/default``
  in a JupyterLab space), ``--ServerApp.token=''``, ``--ServerApp.allow_origin='*'``; ``--collaborative``
  in a shared space (``SAGEMAKER_SPACE_TYPE_LOWERCASE=shared``);
- user 1000:100, home /home/sagemaker-user;
- the distribution's own entrypoint ``entrypoint-jupyter-server``;
- ``JupyterLabAppImageConfig.ContainerConfig`` and ``JupyterLabAppSettings.CustomImages``.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import fake_aws
import pytest
from lint import hadolint_errors, shellcheck
from standin_aws import ACCOUNT, State, cli_env, serve
from support import run_byoi
from test_studio_scripts import environment, relocate, under

TARGET = "sagemaker-jupyterlab"

#: Records its arguments, one line each, and the app type variable it saw.
FAKE_JUPYTER = """#!/bin/bash
{
    printf 'arg %s\\n' "$@"
    printf 'env SAGEMAKER_APP_TYPE_LOWERCASE=%s\\n' "${SAGEMAKER_APP_TYPE_LOWERCASE-<unset>}"
} >>"$FAKE_SERVER_LOG"
"""

#: The distribution's start-jupyter-server's flags (platform-facts.md), plus an empty password.
STUDIO_ARGS = [
    "lab",
    "--ip",
    "0.0.0.0",
    "--port",
    "8888",
    "--ServerApp.base_url=/jupyterlab/default",
    "--ServerApp.token=",
    "--ServerApp.password=",
    "--ServerApp.allow_origin=*",
]


def generate(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "project"
    run_byoi("new", TARGET, "-o", str(out), "--no-input", *args, check=True)
    return out


@pytest.fixture(scope="module")
def micromamba_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("jl"), "--name", "team-lab")


@pytest.fixture(scope="module")
def distribution_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("jl-dist"), "--base", "sagemaker-distribution", "--name", "team-lab")


# ----------------------------------------------------------------------------- start-jupyter-server


def start_jupyter_server(
    project: Path, root: Path, *args: str, env: dict[str, str] | None = None, collaboration: bool = False
) -> tuple[list[str], str]:
    """Run the project's start-jupyter-server under ``root`` with a recording ``jupyter`` in the
    environment (and a ``python`` there that can, or cannot, import jupyter_collaboration)."""
    script = root / "start-jupyter-server"
    script.write_text(relocate((project / "start-jupyter-server").read_text(), root))
    script.chmod(0o755)
    base_env = environment(root)
    bin_dir = under(root, "/opt/conda") / "bin"
    (bin_dir / "jupyter").write_text(FAKE_JUPYTER)
    (bin_dir / "jupyter").chmod(0o755)
    (bin_dir / "python").symlink_to(sys.executable)
    modules = root / "site"
    modules.mkdir()
    if collaboration:
        (modules / "jupyter_collaboration.py").write_text("")
    proc = subprocess.run(
        ["bash", str(script), *args],
        env={**base_env, "PYTHONPATH": str(modules), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = root / "server.log"
    return (log.read_text().splitlines() if log.exists() else []), proc.stderr


@pytest.mark.parametrize("app_type", ["JupyterLab", None], ids=["studio", "app type unset"])
def test_start_jupyter_server_runs_jupyter_lab_with_studios_flags(
    micromamba_project: Path, tmp_path: Path, app_type: str | None
) -> None:
    env = {"SAGEMAKER_APP_TYPE": app_type} if app_type else {}
    log, stderr = start_jupyter_server(micromamba_project, tmp_path, env=env)
    assert log == [f"arg {a}" for a in STUDIO_ARGS] + ["env SAGEMAKER_APP_TYPE_LOWERCASE=jupyterlab"]
    assert stderr == ""


def test_start_jupyter_server_follows_the_app_type_and_passes_arguments_on(
    micromamba_project: Path, tmp_path: Path
) -> None:
    log, _ = start_jupyter_server(micromamba_project, tmp_path, "--debug", env={"SAGEMAKER_APP_TYPE": "CodeEditor"})
    expected = [a.replace("/jupyterlab/", "/codeeditor/") for a in STUDIO_ARGS] + ["--debug"]
    assert log == [f"arg {a}" for a in expected] + ["env SAGEMAKER_APP_TYPE_LOWERCASE=codeeditor"]


def test_start_jupyter_server_is_collaborative_in_a_shared_space_with_jupyter_collaboration(
    micromamba_project: Path, tmp_path: Path
) -> None:
    env = {"SAGEMAKER_APP_TYPE": "JupyterLab", "SAGEMAKER_SPACE_TYPE_LOWERCASE": "shared"}
    log, stderr = start_jupyter_server(micromamba_project, tmp_path, env=env, collaboration=True)
    assert [line for line in log if line.startswith("arg")] == [f"arg {a}" for a in [*STUDIO_ARGS, "--collaborative"]]
    assert stderr == ""


def test_start_jupyter_server_says_why_a_shared_space_is_not_collaborative(
    micromamba_project: Path, tmp_path: Path
) -> None:
    env = {"SAGEMAKER_APP_TYPE": "JupyterLab", "SAGEMAKER_SPACE_TYPE_LOWERCASE": "shared"}
    log, stderr = start_jupyter_server(micromamba_project, tmp_path, env=env)
    assert [line for line in log if line.startswith("arg")] == [f"arg {a}" for a in STUDIO_ARGS]
    assert "jupyter-collaboration is not installed" in stderr
    assert "without real-time collaboration" in stderr


def test_a_private_space_is_never_collaborative(micromamba_project: Path, tmp_path: Path) -> None:
    env = {"SAGEMAKER_SPACE_TYPE_LOWERCASE": "private"}
    log, stderr = start_jupyter_server(micromamba_project, tmp_path, env=env, collaboration=True)
    assert "arg --collaborative" not in log
    assert stderr == ""


# ----------------------------------------------------------------------------- the Dockerfile


def test_micromamba_image_installs_jupyterlab_and_ipykernel_and_sets_up_studios_user(
    micromamba_project: Path,
) -> None:
    text = (micromamba_project / "Dockerfile").read_text()
    # JupyterLab 4.5: the series the distribution 4.5.x ships (cpu.env.in: jupyterlab >=4.5.11,<4.6.0).
    assert "--channel conda-forge" in text
    assert "'jupyterlab=4.5'" in text and "'ipykernel=6'" in text
    assert "usermod --login sagemaker-user --home /home/sagemaker-user --move-home" in text
    assert "--uid 1000 --gid 100 mambauser" in text
    assert 'userdel -r "${taken%%:*}"' in text  # frees uid 1000 where the base has it
    assert "\nUSER 1000:100\n" in text
    assert "\nWORKDIR /home/sagemaker-user\n" in text and "\nEXPOSE 8888\n" in text
    assert text.rstrip().endswith('ENTRYPOINT ["/usr/local/bin/start-jupyter-server"]')
    assert "COPY --chmod=0755 start-jupyter-server /usr/local/bin/start-jupyter-server" in text
    assert hadolint_errors(micromamba_project / "Dockerfile") == []
    assert shellcheck(micromamba_project / "start-jupyter-server") == ""
    assert shellcheck(micromamba_project / "register.sh") == ""


def test_distribution_image_starts_with_its_own_entrypoint(distribution_project: Path) -> None:
    text = (distribution_project / "Dockerfile").read_text()
    assert "ARG BASE_IMAGE=public.ecr.aws/sagemaker/sagemaker-distribution:" in text
    assert text.rstrip().endswith('ENTRYPOINT ["entrypoint-jupyter-server"]')
    assert "micromamba install" not in text
    assert not (distribution_project / "start-jupyter-server").exists()
    config = json.loads((distribution_project / "sagemaker" / "app-image-config.json").read_text())
    assert config == {
        "AppImageConfigName": "team-lab-config",
        "JupyterLabAppImageConfig": {"ContainerConfig": {"ContainerEntrypoint": ["entrypoint-jupyter-server"]}},
    }
    assert hadolint_errors(distribution_project / "Dockerfile") == []


def test_readme_says_extensions_are_python_packages_and_how_shared_spaces_collaborate(
    micromamba_project: Path, distribution_project: Path
) -> None:
    for project in (micromamba_project, distribution_project):
        readme = (project / "README.md").read_text()
        assert "JupyterLab extensions are Python packages" in readme
        assert "--collaborative" in readme
    assert "--conda-package jupyter-collaboration" in (micromamba_project / "README.md").read_text()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--gpu"], "--base sagemaker-distribution"),
        (["--env", "SAGEMAKER_APP_TYPE=x"], "Studio sets"),
        (["--extension", "ms-python.python"], "--extension"),
    ],
)
def test_refuses_what_cannot_work_with_one_line_and_writes_nothing(
    tmp_path: Path, args: list[str], needle: str
) -> None:
    proc = run_byoi("new", TARGET, "-o", str(tmp_path / "p"), "--no-input", *args)
    assert proc.returncode == 2
    assert needle in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "p").exists()


# ----------------------------------------------------------------------------- byoi check


def check(tmp_path: Path, dockerfile: str) -> list[str]:
    (tmp_path / "Dockerfile").write_text(dockerfile)
    proc = run_byoi("check", "--target", TARGET, "--format", "json", str(tmp_path / "Dockerfile"))
    return sorted({f["code"] for f in json.loads(proc.stdout)})


def test_generated_projects_pass_the_check(micromamba_project: Path, distribution_project: Path) -> None:
    for project in (micromamba_project, distribution_project):
        proc = run_byoi("check", "--target", TARGET, str(project))
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_applies_studios_user_home_and_entrypoint_rules(tmp_path: Path) -> None:
    good = (
        "FROM public.ecr.aws/sagemaker/sagemaker-distribution:4.6.0-cpu\n"
        'USER 1000:100\nWORKDIR /home/sagemaker-user\nENTRYPOINT ["entrypoint-jupyter-server"]\n'
    )
    assert check(tmp_path, good) == []
    assert check(tmp_path, good.replace("USER 1000:100", "USER 1001:100")) == ["SM201"]
    assert check(tmp_path, good.replace("WORKDIR /home/sagemaker-user", "WORKDIR /tmp")) == ["SM205"]
    (tmp_path / "Dockerfile").write_text(good.replace('ENTRYPOINT ["entrypoint-jupyter-server"]\n', ""))
    proc = run_byoi("check", "--target", TARGET, str(tmp_path / "Dockerfile"))
    assert "SM208" in proc.stdout and 'ENTRYPOINT ["entrypoint-jupyter-server"]' in proc.stdout


# ----------------------------------------------------------------------------- register.sh

DOMAIN = "d-abc123"
ROLE = "arn:aws:iam::111122223333:role/Studio"
URI = "111122223333.dkr.ecr.us-east-1.amazonaws.com/team-lab:0.1.0"
OTHERS = [
    {"ImageName": "data-science", "ImageVersionNumber": 3, "AppImageConfigName": "data-science-config"},
    {"ImageName": "ml-platform", "ImageVersionNumber": 1, "AppImageConfigName": "ml-platform-config"},
]


@pytest.mark.parametrize("cli", ["fake", pytest.param("real", marks=pytest.mark.slow)])
def test_register_adds_the_image_to_jupyterlab_and_keeps_every_other_image(
    micromamba_project: Path, tmp_path: Path, cli: str
) -> None:
    """With tests/fake_aws.py (fast) and with the real AWS CLI (slow, the proof that the fake
    answers alike), against the stand-in SageMaker service."""
    state = State()
    state.add_image("data-science", versions=3)
    state.add_image("ml-platform", versions=1)
    code_editor = {"CustomImages": [copy.deepcopy(OTHERS[1])]}
    state.domains[DOMAIN] = {
        "DomainId": DOMAIN,
        "DomainArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:domain/{DOMAIN}",
        "DomainName": "research",
        "Status": "InService",
        "DefaultUserSettings": {
            "ExecutionRole": ROLE,
            "JupyterLabAppSettings": {"CustomImages": copy.deepcopy(OTHERS)},
            "CodeEditorAppSettings": copy.deepcopy(code_editor),
        },
    }
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "sleep").write_text("#!/bin/sh\n")
    (fake / "sleep").chmod(0o755)
    if cli == "fake":
        fake_aws.install(fake)
    with serve(state) as url:
        proc = subprocess.run(
            [str(micromamba_project / "register.sh"), URI],
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
    ours = {"ImageName": "team-lab", "ImageVersionNumber": 1, "AppImageConfigName": "team-lab-config"}
    settings = state.domains[DOMAIN]["DefaultUserSettings"]
    assert settings["JupyterLabAppSettings"]["CustomImages"] == [*OTHERS, ours]
    assert settings["CodeEditorAppSettings"] == code_editor  # the other app's list is untouched
    [config] = [body for op, body in state.calls if op == "CreateAppImageConfig"]
    assert config == {
        "AppImageConfigName": "team-lab-config",
        "JupyterLabAppImageConfig": {
            "ContainerConfig": {"ContainerEntrypoint": ["/usr/local/bin/start-jupyter-server"]}
        },
    }
    assert "domain d-abc123 offers team-lab version 1 in JupyterLab" in proc.stdout


#: Mutations of the generated start-jupyter-server, each breaking one thing Studio needs
#: (platform-facts.md, "JupyterLab images"), and the rule that must find it.
MUTATIONS = [
    ("--ip 0.0.0.0", "--ip 127.0.0.1", "SM214"),
    ("    --ip 0.0.0.0 \\\n", "", "SM214"),
    ("--port 8888", "--port 8080", "SM214"),
    ("    --ServerApp.token='' \\\n", "", "SM215"),
    ("--ServerApp.token=''", "--ServerApp.token=secret", "SM215"),
    ("--ServerApp.password=''", "--ServerApp.password=secret", "SM215"),
    ('    "--ServerApp.base_url=$base_path" \\\n', "", "SM216"),
    ('"${app_type,,}"', '"${app_type}"', "SM216"),
    ('"--ServerApp.base_url=$base_path"', "--ServerApp.base_url=/lab", "SM216"),
    ("    --ServerApp.allow_origin='*' \\\n", "", "SM217"),
    ("--ServerApp.allow_origin='*'", "--ServerApp.allow_origin=https://example.com", "SM217"),
]


@pytest.mark.parametrize(("old", "new", "code"), MUTATIONS)
def test_check_finds_what_breaks_jupyterlab_in_studio(
    micromamba_project: Path, tmp_path: Path, old: str, new: str, code: str
) -> None:
    project = tmp_path / "project"
    shutil.copytree(micromamba_project, project)
    script = project / "start-jupyter-server"
    text = script.read_text()
    assert old in text
    script.write_text(text.replace(old, new))
    proc = run_byoi("check", "--target", TARGET, "--format", "json", str(project))
    assert sorted({f["code"] for f in json.loads(proc.stdout)}) == [code], proc.stdout


def test_check_reads_jupyter_lab_in_an_exec_form_entrypoint(tmp_path: Path) -> None:
    head = "FROM mambaorg/micromamba:2.6.1-debian12-slim\nUSER 1000:100\nWORKDIR /home/sagemaker-user\n"
    good = (
        'ENTRYPOINT ["jupyter", "lab", "--ip", "0.0.0.0", "--port", "8888", '
        '"--ServerApp.base_url=/jupyterlab/default", "--ServerApp.token=", "--ServerApp.allow_origin=*"]\n'
    )
    assert check(tmp_path, head + good) == []
    assert check(tmp_path, head + 'ENTRYPOINT ["jupyter-lab", "--port", "8888"]\n') == [
        "SM214",
        "SM215",
        "SM216",
        "SM217",
    ]
    # Code Editor's server rules are not JupyterLab's, and the other way round.
    proc = run_byoi("check", "--target", "sagemaker-code-editor", "--format", "json", str(tmp_path / "Dockerfile"))
    assert not {f["code"] for f in json.loads(proc.stdout)} & {"SM214", "SM215", "SM216", "SM217"}
