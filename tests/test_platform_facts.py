"""The platforms' rules as literals from their documents, and every generated project checked against them.

An independent oracle: nothing here is imported from ``generator.platforms`` (or any other
code under test), so a wrong constant there fails these tests instead of passing them. Each
literal names its source: the team's ``docs/platform-facts.md`` (section), the seed pages it
was gathered from (``seeds/000_d85cd6d0e8b0cd82.txt``, AWS "Dockerfile specifications" for
Code Editor custom images; ``seeds/002_b84e00a85deac3be.txt``, Foundry "Container
transforms" image requirements) and the public pages they cite.

Generated files are read as a user's tools read them: Dockerfiles with BuildKit's own parser
(the ``dockerfile`` package), JSON with ``json``, shell scripts by running them with fakes on
``PATH`` or by evaluating the lines that compute a value.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import default_signals, run_byoi

dockerfile = pytest.importorskip("dockerfile", reason="BuildKit's parser (the dockerfile package) is not installed")

# ---------------------------------------------------------------- SageMaker Studio, Code Editor
# platform-facts.md §1 "User and file system"; seed 000, bullets "UID" and "GID".
SM_UID = "1000"
SM_GID = "100"
# platform-facts.md §1 "Runtime contract", listen; seed 000, "Health check endpoint".
SM_HOST = "0.0.0.0"
SM_PORT = "8888"
# platform-facts.md §1 "Runtime contract", base path; seed 000, "Base URL" (codeeditor/default;
# the distribution computes /$(lowercase $SAGEMAKER_APP_TYPE)/default).
SM_BASE_PATH = "/codeeditor/default"
# platform-facts.md §1 "Runtime contract", auth; seed 000, "Authentification".
SM_AUTH_FLAG = "--without-connection-token"
# platform-facts.md §1 "User and file system", home / EBS volume; seed 000, "WorkingDirectory".
SM_HOME = "/home/sagemaker-user"
# platform-facts.md §1 "User and file system", reserved; seed 000, metadata and log folders.
SM_RESERVED = ("/opt/ml", "/opt/.sagemakerinternal", "/var/log/studio")
# platform-facts.md §1 "Reference images", extensions baked into the image; seed 000, example 2.
SM_EXTENSIONS = "/opt/amazon/sagemaker/sagemaker-code-editor-server-data/extensions"
# platform-facts.md §1 "Reference images": an image on the distribution must run its entrypoint.
SM_DISTRIBUTION_ENTRYPOINT = "entrypoint-code-editor"
# platform-facts.md §1 "Pitfalls": built without --platform linux/amd64, "exec format error".
PLATFORM = "linux/amd64"
# platform-facts.md §1 "Reference images": the distribution's user (and MAMBA_USER) is sagemaker-user.
SM_USER = "sagemaker-user"
# platform-facts.md §1 "Reference images", micromamba: mambauser, UID 57439, named in
# /etc/arg_mamba_user; MAMBA_ROOT_PREFIX /opt/conda; packages from conda-forge.
MAMBA_USER, MAMBA_UID, MAMBA_USER_FILE, MAMBA_ROOT_PREFIX = "mambauser", "57439", "/etc/arg_mamba_user", "/opt/conda"
CONDA_CHANNEL = "conda-forge"
# platform-facts.md §1 "Pitfalls": Studio's app failures are logged to this CloudWatch group.
SM_LOG_GROUP = "/aws/sagemaker/studio"
#: The pinned default bases, typed twice on purpose (README: "pinned default, never latest").
#: platform-facts.md §1 "Reference images": the distribution's build_artifacts/v4 reach 4.6.0
#: by December 2026; micromamba 2.6.1 is the pin dated in generator/platforms/sagemaker.py.
SM_MICROMAMBA_BASE = "mambaorg/micromamba:2.6.1-debian12-slim"
SM_DISTRIBUTION_BASE = "public.ecr.aws/sagemaker/sagemaker-distribution:4.6.0-"  # + cpu or gpu
FOUNDRY_DEFAULT_BASE = "python:3.12.12-slim-bookworm"

# ---------------------------------------------------------------- Palantir Foundry
# platform-facts.md §2 "Image requirements", user for bring-your-own-container; seed 002 ("must be
# specifically '5001'").
FOUNDRY_BYOC_UID = "5001"
# platform-facts.md §2, ports; seed 002 ("between 1024 and 65535").
FOUNDRY_MIN_PORT = 1024
FOUNDRY_MAX_PORT = 65535
# platform-facts.md §2 "Three ways", 1. transforms sidecar; Foundry docs transforms-sidecar page.
FOUNDRY_SHARED_DIR = "/opt/palantir/sidecars/shared-volumes/shared"
FOUNDRY_VOLUME_NAME = "shared"
START_FLAG, DONE_FLAG, CLOSE_FLAG = "start_flag", "done_flag", "close_flag"
# The transforms-sidecar page's example entrypoint logs to this file in the shared folder.
SIDECAR_LOG = "logfile"
# platform-facts.md §2, telemetry: the FAQ's check, `docker run --entrypoint /bin/sh IMAGE -c '...'`.
TELEMETRY_SHELL = "/bin/sh"
TELEMETRY_CHECK = "set -a && tee -a"
# platform-facts.md §2, tag; seed 002 ("any tag other than latest").
FORBIDDEN_TAG = "latest"
# platform-facts.md §2 "Three ways", 2: the repository's code is under $USER_WORKING_DIR/user_code.
BYOC_USER_CODE = "$USER_WORKING_DIR/user_code"
# platform-facts.md §2 "Three ways", 1 and 3: the sidecar library and the model adapter's package.
SIDECAR_LIBRARY = "transforms-sidecar"
MODEL_ADAPTER_IMPORT = "import palantir_models as pm"
MODEL_ADAPTER_BASE = "pm.ContainerModelAdapter"

# ---------------------------------------------------------------- the projects

#: Answer sets, several per target: {id: answers}. Written to an answers file, rendered by byoi new.
ANSWERS: dict[str, dict[str, Any]] = {
    "sm-micromamba": {"target": "sagemaker-code-editor"},
    "sm-micromamba-extensions": {
        "target": "sagemaker-code-editor",
        "extensions": ["ms-python.python@2024.22.2"],
        "conda_packages": ["numpy=2.1"],
        "env": ["TEAM=data"],
    },
    "sm-distribution": {"target": "sagemaker-code-editor", "base": "sagemaker-distribution"},
    "sm-distribution-gpu-extensions": {
        "target": "sagemaker-code-editor",
        "base": "sagemaker-distribution",
        "gpu": True,
        "extensions": ["ms-python.python@2024.22.2"],
    },
    "jl-micromamba": {"target": "sagemaker-jupyterlab"},
    "jl-distribution": {"target": "sagemaker-jupyterlab", "base": "sagemaker-distribution"},
    "sidecar-flags": {"target": "foundry-sidecar"},
    "sidecar-flags-ports": {"target": "foundry-sidecar", "uid": 1234, "ports": [4040, 65535], "command_line": "true"},
    "sidecar-server": {"target": "foundry-sidecar", "mode": "server", "ports": [9000]},
    "byoc": {"target": "foundry-byoc", "name": "cobol", "image_tag": "2.0.1"},
    "byoc-no-telemetry": {"target": "foundry-byoc", "telemetry": False, "ports": [1024]},
    "model": {"target": "foundry-model"},
    "model-ports": {"target": "foundry-model", "ports": [8501, 9001], "uid": 4242},
    "compute-module": {"target": "foundry-compute-module"},
    "compute-module-uid": {"target": "foundry-compute-module", "uid": 4242, "telemetry": False},
}
SAGEMAKER = sorted(k for k, v in ANSWERS.items() if v["target"] == "sagemaker-code-editor")
FOUNDRY = sorted(k for k, v in ANSWERS.items() if v["target"].startswith("foundry-"))
SIDECARS = sorted(k for k in FOUNDRY if ANSWERS[k]["target"] == "foundry-sidecar")
FLAGS_SIDECARS = [k for k in SIDECARS if ANSWERS[k].get("mode", "flags") == "flags"]


def test_every_target_byoi_lists_has_answer_sets_here() -> None:
    listed = [line.split()[0] for line in run_byoi("targets", check=True).stdout.splitlines() if line.strip()]
    assert sorted(listed) == [
        "foundry-byoc",
        "foundry-compute-module",
        "foundry-model",
        "foundry-sidecar",
        "sagemaker-code-editor",
        "sagemaker-jupyterlab",
    ]
    for target in listed:
        assert sum(a["target"] == target for a in ANSWERS.values()) >= 2, target


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for name, answers in ANSWERS.items():
        folder = tmp_path_factory.mktemp(name)
        (folder / "answers.yaml").write_text(yaml.safe_dump(answers, sort_keys=False))
        run_byoi("new", "--config", str(folder / "answers.yaml"), "-o", str(folder / "p"), "--no-input", check=True)
        out[name] = folder / "p"
    return out


def parse(project: Path) -> list[Any]:
    """The Dockerfile's instructions, by BuildKit's parser."""
    return list(dockerfile.parse_file(str(project / "Dockerfile")))


def values(project: Path, keyword: str) -> list[tuple[str, ...]]:
    return [tuple(c.value) for c in parse(project) if c.cmd == keyword.upper()]


def env_of(project: Path) -> dict[str, str]:
    """ENV keys and values (values as written, quotes included)."""
    env: dict[str, str] = {}
    for value in values(project, "ENV"):
        env.update(zip(value[::2], value[1::2], strict=True))
    return env


def base_image(project: Path) -> str:
    """The image the first ``FROM`` names, an ``ARG`` default before it expanded."""
    args: dict[str, str] = {}
    for command in parse(project):
        if command.cmd == "ARG":
            name, _, default = command.value[0].partition("=")
            args[name] = default
        if command.cmd == "FROM":
            image = str(command.value[0])
            for name, default in args.items():
                image = image.replace("${" + name + "}", default)
            return image
    raise AssertionError("no FROM")


def bash_value(script: Path, *names: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """Evaluate a script's ``NAME=...`` assignment lines (only those) in bash; their values."""
    lines = [line for line in script.read_text().splitlines() if line.split("=", 1)[0] in names]
    assert {line.split("=", 1)[0] for line in lines} == set(names), f"{script.name} sets none of some of {names}"
    code = "\n".join([*lines, *(f'printf "%s\\0" "${name}"' for name in names)])
    proc = subprocess.run(
        ["bash", "-c", code], env={"PATH": os.environ["PATH"], **(env or {})}, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return dict(zip(names, proc.stdout.split("\0")[:-1], strict=True))


# ---------------------------------------------------------------- SageMaker


@pytest.mark.parametrize("name", SAGEMAKER)
def test_sagemaker_dockerfile_user_port_workdir(projects: dict[str, Path], name: str) -> None:
    project = projects[name]
    assert values(project, "USER")[-1] == (f"{SM_UID}:{SM_GID}",)
    assert values(project, "EXPOSE") == [(SM_PORT,)]
    workdir = values(project, "WORKDIR")[-1][0]
    assert workdir == SM_HOME or workdir.startswith(SM_HOME + "/")


@pytest.mark.parametrize("name", SAGEMAKER)
def test_sagemaker_base_user_and_packages(projects: dict[str, Path], name: str) -> None:
    project = projects[name]
    runs = [" ".join(v) for v in values(project, "RUN")]
    if ANSWERS[name].get("base") == "sagemaker-distribution":
        flavour = "gpu" if ANSWERS[name].get("gpu") else "cpu"
        assert base_image(project) == SM_DISTRIBUTION_BASE + flavour
        return
    assert base_image(project) == SM_MICROMAMBA_BASE
    # micromamba-docker's documented rename: usermod the image's user, name it in its file.
    rename = next(r for r in runs if "usermod" in r)
    assert f"--login {SM_USER} --home {SM_HOME}" in rename and f"--uid {SM_UID} --gid {SM_GID} {MAMBA_USER}" in rename
    assert f"echo {SM_USER} > {MAMBA_USER_FILE}" in rename
    assert f"chown -R {SM_UID}:{SM_GID} {MAMBA_ROOT_PREFIX}" in rename
    assert env_of(project)["MAMBA_USER"] == SM_USER
    install = next(r for r in runs if "micromamba install" in r)
    assert f"--channel {CONDA_CHANNEL}" in install and "'sagemaker-code-editor=" in install


@pytest.mark.parametrize("name", SAGEMAKER)
def test_sagemaker_build_script_and_readme(projects: dict[str, Path], name: str) -> None:
    assert f"--platform {PLATFORM} " in (projects[name] / "build.sh").read_text()
    readme = (projects[name] / "README.md").read_text()
    assert f"`docker build --platform {PLATFORM}`" in readme
    assert f"log group `{SM_LOG_GROUP}`" in readme


@pytest.mark.parametrize(
    "target,rest",
    [
        ("sagemaker-code-editor", f'USER {SM_UID}:{SM_GID}\nEXPOSE {SM_PORT}\nWORKDIR {SM_HOME}\nENTRYPOINT ["x"]\n'),
        ("foundry-byoc", f"USER {FOUNDRY_BYOC_UID}\n"),
    ],
)
def test_byoi_check_accepts_only_amd64(tmp_path: Path, target: str, rest: str) -> None:
    base = SM_MICROMAMBA_BASE if target.startswith("sagemaker") else FOUNDRY_DEFAULT_BASE
    for platform, status in ((PLATFORM, 0), ("linux/arm64", 1)):
        (tmp_path / "Dockerfile").write_text(f"FROM --platform={platform} {base}\n{rest}")
        proc = run_byoi("check", "--target", target, str(tmp_path / "Dockerfile"))
        assert proc.returncode == status, (platform, proc.stdout)


def test_byoi_check_applies_foundrys_user_rule_to_compute_modules(tmp_path: Path) -> None:
    """Foundry's container rules (numeric, non-root user) hold for compute modules too."""
    for user, status in (("5001", 0), ("module", 1)):
        (tmp_path / "Dockerfile").write_text(
            f'FROM {FOUNDRY_DEFAULT_BASE}\nUSER {user}\nCMD ["python3", "/app/app.py"]\n'
        )
        proc = run_byoi("check", "--target", "foundry-compute-module", str(tmp_path / "Dockerfile"))
        assert proc.returncode == status, (user, proc.stdout)
        assert ("FD301" in proc.stdout) == (status == 1), proc.stdout


@pytest.mark.parametrize("name", SAGEMAKER)
def test_sagemaker_entrypoint_in_the_image_and_in_the_app_image_config_agree(
    projects: dict[str, Path], name: str
) -> None:
    project = projects[name]
    (entrypoint,) = values(project, "ENTRYPOINT")
    config = json.loads((project / "sagemaker" / "app-image-config.json").read_text())
    assert config["CodeEditorAppImageConfig"]["ContainerConfig"]["ContainerEntrypoint"] == list(entrypoint)
    if ANSWERS[name].get("base") == "sagemaker-distribution":
        assert entrypoint == (SM_DISTRIBUTION_ENTRYPOINT,)
    else:
        # The micromamba base: the generated start script, installed where ENTRYPOINT says.
        copies = [c for c in parse(project) if c.cmd == "COPY" and c.value[0] == "start-code-editor"]
        assert [c.value[-1] for c in copies] == [entrypoint[0]]


@pytest.mark.parametrize("name", SAGEMAKER)
def test_sagemaker_image_writes_nothing_under_reserved_paths(projects: dict[str, Path], name: str) -> None:
    for command in parse(projects[name]):
        if command.cmd in ("RUN", "COPY", "ADD", "WORKDIR", "VOLUME", "ENV"):
            for reserved in SM_RESERVED:
                assert reserved + "/" not in " ".join(command.value) + "/", command.original


@pytest.mark.parametrize("name", SAGEMAKER)
def test_sagemaker_extensions_are_installed_into_the_image_extensions_folder(
    projects: dict[str, Path], name: str
) -> None:
    installs = [c.original for c in parse(projects[name]) if "--install-extension" in c.original]
    assert len(installs) == len(ANSWERS[name].get("extensions", []))
    for install in installs:
        assert f"--extensions-dir {SM_EXTENSIONS}" in install, install


@pytest.mark.parametrize("name", [n for n in SAGEMAKER if ANSWERS[n].get("base") != "sagemaker-distribution"])
def test_start_script_serves_where_studio_looks(projects: dict[str, Path], name: str) -> None:
    script = projects[name] / "start-code-editor"
    text = script.read_text()
    server = text[text.index("exec sagemaker-code-editor") :]
    words = server.replace("\\\n", " ").split()
    assert words[words.index("--host") + 1] == SM_HOST
    assert words[words.index("--port") + 1] == SM_PORT
    assert SM_AUTH_FLAG in words
    assert words[words.index("--base-path") + 1] == '"$base_path"'
    # The base path as the script computes it: default, and from Studio's SAGEMAKER_APP_TYPE.
    assert bash_value(script, "app_type", "base_path")["base_path"] == SM_BASE_PATH
    given = bash_value(script, "app_type", "base_path", env={"SAGEMAKER_APP_TYPE": "CodeEditor"})
    assert given["base_path"] == SM_BASE_PATH
    # Derived from Studio's variable, lower-cased (platform-facts.md §1, base path).
    other = bash_value(script, "app_type", "base_path", env={"SAGEMAKER_APP_TYPE": "OtherApp"})
    assert other["base_path"] == "/otherapp/default"
    folders = bash_value(script, "image_extensions", "server_data", "user_data", "extensions")
    assert folders["image_extensions"] == SM_EXTENSIONS
    for key in ("server_data", "user_data", "extensions"):
        assert folders[key].startswith(SM_HOME + "/"), (key, folders[key])


def test_sagemaker_platform_environment_and_latest_are_refused(tmp_path: Path) -> None:
    # platform-facts.md §1 "Runtime contract", environment: AWS_* and SAGEMAKER_* are Studio's.
    for bad in (["--env", "AWS_REGION=eu-west-1"], ["--env", "SAGEMAKER_APP_TYPE=x"], ["--image-tag", FORBIDDEN_TAG]):
        proc = run_byoi("new", "sagemaker-code-editor", "-o", str(tmp_path / "p"), "--no-input", *bad)
        assert proc.returncode == 2, (bad, proc.stderr)
        assert not (tmp_path / "p").exists()


def test_byoi_check_knows_micromambas_own_user(tmp_path: Path) -> None:
    """A micromamba image left as mambauser (57439) is not Studio's 1000:100."""
    (tmp_path / "Dockerfile").write_text(
        f'FROM {SM_MICROMAMBA_BASE}\nEXPOSE {SM_PORT}\nWORKDIR {SM_HOME}\nENTRYPOINT ["start"]\n'
    )
    proc = run_byoi("check", "--target", "sagemaker-code-editor", "--format", "json", str(tmp_path / "Dockerfile"))
    findings = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert any(MAMBA_UID in f["message"] and MAMBA_USER in f["message"] for f in findings), findings


@pytest.mark.parametrize("path", SM_RESERVED)
def test_byoi_check_refuses_an_image_writing_a_reserved_path(tmp_path: Path, path: str) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM mambaorg/micromamba:2.5.0-debian12-slim\n"
        f"RUN mkdir -p {path}/mine\n"
        f"USER {SM_UID}:{SM_GID}\nEXPOSE {SM_PORT}\nWORKDIR {SM_HOME}\n"
    )
    proc = run_byoi("check", "--target", "sagemaker-code-editor", "--format", "json", str(tmp_path / "Dockerfile"))
    findings = json.loads(proc.stdout)
    assert any(f["line"] == 2 and f["level"] == "error" for f in findings), findings
    assert proc.returncode == 1


# ---------------------------------------------------------------- Foundry


def last_user(project: Path) -> str:
    return values(project, "USER")[-1][0]


@pytest.mark.parametrize("name", FOUNDRY)
def test_foundry_user_is_numeric_not_root_and_5001_for_byoc(projects: dict[str, Path], name: str) -> None:
    user = last_user(projects[name])
    assert user.isdigit() and int(user) != 0, user
    expected = str(ANSWERS[name].get("uid", FOUNDRY_BYOC_UID))
    assert user == expected
    if ANSWERS[name]["target"] == "foundry-byoc":
        assert user == FOUNDRY_BYOC_UID


@pytest.mark.parametrize("name", FOUNDRY)
def test_foundry_ports_are_the_ones_asked_and_in_range(projects: dict[str, Path], name: str) -> None:
    exposed = [int(p) for v in values(projects[name], "EXPOSE") for p in v]
    for port in exposed:
        assert FOUNDRY_MIN_PORT <= port <= FOUNDRY_MAX_PORT, port
    asked = ANSWERS[name].get("ports")
    if asked is not None:
        assert exposed == asked
    if ANSWERS[name]["target"] == "foundry-model" or ANSWERS[name].get("mode") == "server":
        assert int(env_of(projects[name])["PORT"]) == exposed[0]


@pytest.mark.parametrize("name", FOUNDRY)
def test_foundry_telemetry_check_is_the_faqs(projects: dict[str, Path], name: str) -> None:
    runs = [" ".join(v) for v in values(projects[name], "RUN")]
    checks = [r for r in runs if "tee" in r]
    if ANSWERS[name].get("telemetry", True):
        assert checks == [f"{TELEMETRY_CHECK} </dev/null"]
    else:
        assert checks == []
    if ANSWERS[name]["target"] == "foundry-byoc" and ANSWERS[name].get("telemetry", True):
        # test-local.sh runs the FAQ's own command line against the image.
        local = (projects[name] / "test-local.sh").read_text()
        assert f"--entrypoint {TELEMETRY_SHELL} \"$image\" -c '{TELEMETRY_CHECK}'" in local


@pytest.mark.parametrize("name", FOUNDRY)
def test_foundry_dockerfile_says_what_telemetry_needs_and_pins_its_base(projects: dict[str, Path], name: str) -> None:
    project = projects[name]
    text = (project / "Dockerfile").read_text()
    if ANSWERS[name].get("telemetry", True):
        assert f"telemetry: {TELEMETRY_SHELL} with set and tee" in text
    assert base_image(project) == ANSWERS[name].get("base_image", FOUNDRY_DEFAULT_BASE)


@pytest.mark.parametrize("name", [n for n in FOUNDRY if ANSWERS[n]["target"] in ("foundry-byoc", "foundry-model")])
def test_foundry_byoc_and_model_name_the_documented_apis(projects: dict[str, Path], name: str) -> None:
    project = projects[name]
    if ANSWERS[name]["target"] == "foundry-byoc":
        assert BYOC_USER_CODE in (project / "transform" / "byoc_transform.py").read_text()
        assert BYOC_USER_CODE in (project / "README.md").read_text()
    else:
        adapter = (project / "adapter" / "model_adapter.py").read_text()
        assert MODEL_ADAPTER_IMPORT in adapter and f"({MODEL_ADAPTER_BASE})" in adapter


#: platform-facts.md, "A fourth way: compute modules": Palantir's SDK on PyPI, 0.34.0 read 2026-12-06.
COMPUTE_MODULE_SDK_PIN = "foundry-compute-modules==0.34.0"
COMPUTE_MODULES = sorted(k for k in FOUNDRY if ANSWERS[k]["target"] == "foundry-compute-module")


@pytest.mark.parametrize("name", COMPUTE_MODULES)
def test_compute_module_installs_the_pinned_sdk_and_starts_itself(projects: dict[str, Path], name: str) -> None:
    runs = [" ".join(v) for v in values(projects[name], "RUN")]
    assert [r for r in runs if "foundry-compute-modules" in r] == [
        f"python3 -m pip install --no-cache-dir {COMPUTE_MODULE_SDK_PIN}"
    ]
    # The image starts the module by itself (Foundry gives it no command), and listens on no port.
    assert values(projects[name], "CMD") == [("python3", "/app/app.py")]
    assert values(projects[name], "EXPOSE") == []


@pytest.mark.parametrize(
    "args,needle",
    [
        # A compute module polls its runtime and listens on no port (platform-facts.md, "A fourth way").
        (["--port", "8080"], "--port"),
        # The SDK is installed with pip: Debian's own python3 refuses pip installs (PEP 668).
        (["--base-image", "debian:bookworm-20241111-slim"], "foundry-compute-modules"),
    ],
    ids=["port", "base without python"],
)
def test_compute_module_refuses_what_cannot_work(tmp_path: Path, args: list[str], needle: str) -> None:
    proc = run_byoi("new", "foundry-compute-module", "-o", str(tmp_path / "p"), "--no-input", *args)
    assert proc.returncode == 2 and needle in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 2, proc.stderr
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("name", SIDECARS)
def test_sidecar_readme_names_the_library(projects: dict[str, Path], name: str) -> None:
    assert f"`{SIDECAR_LIBRARY}`" in (projects[name] / "README.md").read_text()


@pytest.mark.parametrize(
    "target,base",
    [("foundry-byoc", "scratch"), ("foundry-model", "gcr.io/distroless/python3-debian12:nonroot")],
)
def test_foundry_refuses_telemetry_on_a_base_without_a_shell(tmp_path: Path, target: str, base: str) -> None:
    proc = run_byoi("new", target, "-o", str(tmp_path / "p"), "--no-input", "--base-image", base)
    assert proc.returncode == 2 and "telemetry" in proc.stderr, proc.stderr
    assert not (tmp_path / "p").exists()


def test_telemetry_check_command_runs_in_a_posix_shell() -> None:
    """The literal itself: it must succeed with /bin/sh and empty stdin, as the FAQ runs it."""
    proc = subprocess.run([TELEMETRY_SHELL, "-c", TELEMETRY_CHECK], stdin=subprocess.DEVNULL, capture_output=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("name", SIDECARS)
def test_sidecar_image_owns_the_shared_folder(projects: dict[str, Path], name: str) -> None:
    project = projects[name]
    runs = " ".join(" ".join(v) for v in values(project, "RUN"))
    assert f"mkdir -p {FOUNDRY_SHARED_DIR}" in runs
    assert f"chown {last_user(project)} {FOUNDRY_SHARED_DIR}" in runs
    assert env_of(project)["SHARED_DIR"] == FOUNDRY_SHARED_DIR
    transform = (project / "transform" / "sidecar_transform.py").read_text()
    assert f'SHARED_DIR = "{FOUNDRY_SHARED_DIR}"' in transform
    assert f'Volume("{FOUNDRY_VOLUME_NAME}")' in transform


@pytest.mark.parametrize("name", FLAGS_SIDECARS)
def test_sidecar_entrypoint_speaks_the_documented_flag_files(
    projects: dict[str, Path], name: str, tmp_path: Path
) -> None:
    """The entrypoint run for real, the flags written and read under their documented names."""
    shared = tmp_path / "shared"
    shared.mkdir()
    env = {"PATH": os.environ["PATH"], "SHARED_DIR": str(shared), "SIDECAR_POLL_SECONDS": "0.1"}
    proc = subprocess.Popen(
        ["/bin/sh", str(projects[name] / "entrypoint.sh"), "/bin/sh", "-c", "echo ran; exit 6"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=default_signals,  # as Foundry starts a container's PID 1
    )
    try:
        time.sleep(0.3)
        assert proc.poll() is None and not (shared / DONE_FLAG).exists()
        (shared / START_FLAG).write_text("")
        wait_for(shared / DONE_FLAG)
        assert (shared / DONE_FLAG).read_text().splitlines() == ["exit_status=6", "reason=exited"]
        assert "ran" in (shared / SIDECAR_LOG).read_text()
        assert proc.poll() is None, "exited before close_flag"
        (shared / CLOSE_FLAG).write_text("")
        assert proc.wait(timeout=10) == 6
    finally:
        proc.kill()
        proc.communicate()
    assert sorted(p.name for p in shared.iterdir()) == sorted(
        [CLOSE_FLAG, DONE_FLAG, SIDECAR_LOG, START_FLAG, "output"]
    )


def wait_for(path: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"no {path.name} after {timeout}s"
        time.sleep(0.05)


@pytest.mark.parametrize("name", SIDECARS)
def test_sidecar_transform_side_uses_the_documented_flag_files(projects: dict[str, Path], name: str) -> None:
    transform = (projects[name] / "transform" / "sidecar_transform.py").read_text()
    if ANSWERS[name].get("mode", "flags") == "flags":
        for constant, value in (("START_FLAG", START_FLAG), ("DONE_FLAG", DONE_FLAG), ("CLOSE_FLAG", CLOSE_FLAG)):
            assert f'{constant} = "{value}"' in transform
    assert f'LOG_FILE = "{SIDECAR_LOG}"' in transform


FAKE_DOCKER = """#!/bin/sh
printf '%s\\n' "$*" >>"$CALLS"
"""


@pytest.fixture
def fake_docker(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    yield bin_dir, tmp_path / "calls"


@pytest.mark.parametrize("name", FOUNDRY)
def test_foundry_build_script_builds_for_amd64_and_never_latest(
    projects: dict[str, Path], name: str, fake_docker: tuple[Path, Path]
) -> None:
    bin_dir, calls = fake_docker
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "CALLS": str(calls)}
    project = projects[name]
    proc = subprocess.run(["./build.sh"], cwd=project, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    answers = ANSWERS[name]
    image = (
        f"{answers.get('name', 'my-' + answers['target'].removeprefix('foundry-'))}:{answers.get('image_tag', '0.1.0')}"
    )
    (build,) = calls.read_text().splitlines()
    words = build.split()
    assert words[0] == "build" and words[words.index("--platform") + 1] == PLATFORM
    assert words[words.index("--tag") + 1] == image
    calls.unlink()
    for tag in (FORBIDDEN_TAG, "Latest"):
        refused = subprocess.run(
            ["./build.sh"], cwd=project, env={**env, "IMAGE_TAG": tag}, capture_output=True, text=True, timeout=60
        )
        assert refused.returncode == 2 and FORBIDDEN_TAG in refused.stderr, refused.stderr
        assert not calls.exists(), "docker ran for a latest tag"


@pytest.mark.parametrize(
    "target,args",
    [
        ("foundry-sidecar", ["--uid", "0"]),
        ("foundry-model", ["--uid", "0"]),
        ("foundry-byoc", ["--uid", "1234"]),
        ("foundry-model", ["--port", str(FOUNDRY_MIN_PORT - 1)]),
        ("foundry-sidecar", ["--port", str(FOUNDRY_MAX_PORT + 1)]),
        ("foundry-byoc", ["--image-tag", FORBIDDEN_TAG]),
        ("foundry-compute-module", ["--uid", "0"]),
        ("foundry-compute-module", ["--image-tag", FORBIDDEN_TAG]),
    ],
    ids=[
        "sidecar root",
        "model root",
        "byoc not 5001",
        "port 1023",
        "port 65536",
        "tag latest",
        "cm root",
        "cm latest",
    ],
)
def test_foundry_refuses_what_the_platform_refuses(tmp_path: Path, target: str, args: list[str]) -> None:
    proc = run_byoi("new", target, "-o", str(tmp_path / "p"), "--no-input", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    # Refused as an answer (naming the option), not only later by the check of the written project.
    assert args[0] in proc.stderr, proc.stderr
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize(
    "target,args,exposed",
    [
        ("foundry-model", ["--port", str(FOUNDRY_MIN_PORT)], str(FOUNDRY_MIN_PORT)),
        ("foundry-sidecar", ["--port", str(FOUNDRY_MAX_PORT)], str(FOUNDRY_MAX_PORT)),
    ],
    ids=["port 1024", "port 65535"],
)
def test_foundry_accepts_the_ends_of_the_port_range(tmp_path: Path, target: str, args: list[str], exposed: str) -> None:
    run_byoi("new", target, "-o", str(tmp_path / "p"), "--no-input", *args, check=True)
    assert values(tmp_path / "p", "EXPOSE") == [(exposed,)]
