"""``byoi new foundry-sidecar|foundry-byoc|foundry-model|foundry-compute-module``: what they write and refuse.

The supported combinations are the answers in MATRIX below; each is written to an answers
file, rendered with the real command, snapshotted whole, and checked with the real
hadolint, shellcheck, ``python -m py_compile`` and ruff (default rules).
"""

from __future__ import annotations

import json
import os
import py_compile
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from lint import hadolint, hadolint_errors, shell_scripts, shellcheck, tool
from support import run_byoi, tree, versionless

# Expected values are literals from the documents (docs/platform-facts.md §2, seed
# 002_b84e00a85deac3be.txt), never the generator's constants; tests/test_platform_facts.py
# has the full list with sources.
DEFAULT_UID = "5001"  # byoi's default, the uid bring-your-own-container transforms require
BYOC_UID = "5001"
SHARED_DIR = "/opt/palantir/sidecars/shared-volumes/shared"
TELEMETRY_CHECK = "set -a && tee -a"
#: The pinned default base (README, "Palantir Foundry": pinned default, never latest).
DEFAULT_BASE_IMAGE = "python:3.12.12-slim-bookworm"

TARGETS = ("foundry-sidecar", "foundry-byoc", "foundry-model", "foundry-compute-module")
CA_CERT = Path(__file__).parent / "data" / "test-ca.pem"

#: One answers file per supported combination: {id: answers}.
MATRIX: dict[str, dict[str, Any]] = {
    "sidecar-defaults": {"target": "foundry-sidecar"},
    "sidecar-flags-full": {
        "target": "foundry-sidecar",
        "name": "geo-sidecar",
        "image_tag": "1.2.0",
        "uid": 1234,
        "command_line": 'gdal_translate -of GTiff "$INPUT_DIR/in.tif" "$OUTPUT_DIR/out.tif"',
        "timeout": 0,
        "apt_packages": ["gdal-bin", "curl=7.88.1-10+deb12u8"],
        "ports": [4040],
        "env": ["GDAL_CACHEMAX=512"],
        "ca_certs": [str(CA_CERT)],
    },
    "sidecar-server": {
        "target": "foundry-sidecar",
        "name": "cli-server",
        "mode": "server",
        "ports": [9000, 9001],
        "pip_packages": ["requests==2.32.3"],
        "timeout": 120,
        "telemetry": False,
    },
    "byoc-defaults": {"target": "foundry-byoc"},
    "byoc-tools": {
        "target": "foundry-byoc",
        "name": "cobol-runner",
        "image_tag": "2024.11.1",
        "base_image": "debian:bookworm-20241111-slim",
        "apt_packages": ["gnucobol3", "coreutils"],
        "env": ["COB_LIBRARY_PATH=/opt/cobol"],
        "ca_certs": [str(CA_CERT)],
    },
    "model-defaults": {"target": "foundry-model"},
    "model-schema": {
        "target": "foundry-model",
        "name": "churn-model",
        "ports": [8501],
        "input_columns": ["customer_id:str", "tenure:int", "spend:float", "active:bool"],
        "output_columns": ["customer_id:str", "churn_probability:float", "will_churn:bool"],
        "pip_packages": ["scikit-learn==1.5.2", "numpy>=2,<3"],
        "apt_packages": ["libgomp1"],
    },
    "model-distroless": {
        "target": "foundry-model",
        "name": "tiny-model",
        "base_image": "gcr.io/distroless/python3-debian12:nonroot",
        "telemetry": False,
        "uid": 65532,
        "env": ["MODEL_NAME=tiny"],
    },
    "compute-module-defaults": {"target": "foundry-compute-module"},
    "compute-module-full": {
        "target": "foundry-compute-module",
        "name": "scoring-module",
        "image_tag": "0.4.0",
        "uid": 7001,
        "pip_packages": ["numpy==2.1.3"],
        "apt_packages": ["libgomp1"],
        "env": ["LOG_LEVEL=debug"],
        "ca_certs": [str(CA_CERT)],
        "telemetry": False,
    },
}

#: Files every project of a target has (more may come with the answers).
EXPECTED = {
    "foundry-sidecar": {
        ".dockerignore",
        "Dockerfile",
        "README.md",
        "build.sh",
        "byoi.yaml",
        ".byoi/record.json",
        "entrypoint.sh",
        "test-local.sh",
        "transform/sidecar_transform.py",
        "work.sh",
    },
    "foundry-byoc": {
        ".dockerignore",
        "Dockerfile",
        "README.md",
        "build.sh",
        "byoi.yaml",
        ".byoi/record.json",
        "test-local.sh",
        "transform/byoc_transform.py",
        "work.sh",
    },
    "foundry-model": {
        ".dockerignore",
        "Dockerfile",
        "README.md",
        "adapter/model_adapter.py",
        "build.sh",
        "byoi.yaml",
        ".byoi/record.json",
        "model.py",
        "server.py",
        "test-local.sh",
    },
    "foundry-compute-module": {
        ".dockerignore",
        "Dockerfile",
        "README.md",
        "app.py",
        "build.sh",
        "byoi.yaml",
        ".byoi/record.json",
        "test-local.sh",
    },
}


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def instructions(dockerfile: Path, name: str) -> list[str]:
    """The arguments of every ``NAME`` instruction, in order."""
    return re.findall(rf"^{name} (.+)$", dockerfile.read_text(), re.M)


def base_image(dockerfile: Path) -> str:
    """The pinned base: ``ARG BASE_IMAGE=<ref>`` right before ``FROM ${BASE_IMAGE}``, the only FROM."""
    assert instructions(dockerfile, "FROM") == ["${BASE_IMAGE}"]
    match = re.search(r"^ARG BASE_IMAGE=(\S+)\nFROM \$\{BASE_IMAGE\}$", dockerfile.read_text(), re.M)
    assert match, "no ARG BASE_IMAGE=<ref> right before FROM ${BASE_IMAGE}"
    return match[1]


@pytest.fixture(scope="module", params=sorted(MATRIX), ids=sorted(MATRIX))
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    answers = tmp_path_factory.mktemp(request.param) / "answers.yaml"
    answers.write_text(yaml.safe_dump(MATRIX[request.param], sort_keys=False))
    out = answers.parent / "project"
    run_byoi("new", "--config", str(answers), "-o", str(out), "--no-input", check=True)
    return out


def answers_of(project: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((project / "byoi.yaml").read_text()))


# ---------------------------------------------------------------- every combination


def test_output_matches_snapshot(project: Path, snapshot: object) -> None:
    assert versionless(tree(project)) == snapshot


def test_project_is_complete(project: Path) -> None:
    answers = answers_of(project)
    expected = set(EXPECTED[answers["target"]])
    if answers["target"] == "foundry-sidecar":
        # The entrypoint in flags mode, the server in server mode; work.sh when the command runs it.
        server = answers.get("mode") == "server"
        expected -= {"work.sh", "entrypoint.sh"}
        expected |= {"server.py"} if server else {"entrypoint.sh"}
        if "command_line" not in answers:
            expected.add("work.sh")
    expected |= {f"certs/{Path(c).name}" for c in answers.get("ca_certs", [])}
    assert files(project) == expected
    for script in ("build.sh", "test-local.sh"):
        assert os.access(project / script, os.X_OK), script


def test_nothing_left_unrendered(project: Path) -> None:
    for rel, text in tree(project).items():
        assert "{%" not in text and "{#" not in text, rel
        assert not re.search(r"\{\{\s*(a|f|s|e|p|cookiecutter)\.", text), rel


def test_dockerfile_passes_hadolint_with_only_deliberate_warnings(project: Path) -> None:
    assert hadolint_errors(project / "Dockerfile") == []
    # DL3013 (unpinned pip package) is the user's choice; every other finding is silenced
    # inline with a reason, or absent.
    findings = [f for f in hadolint(project / "Dockerfile") if f["code"] != "DL3013"]
    assert findings == []


def test_shell_scripts_pass_shellcheck(project: Path) -> None:
    scripts = shell_scripts(project)
    assert project / "build.sh" in scripts and project / "test-local.sh" in scripts
    for script in scripts:
        assert shellcheck(script) == "", script.name


def test_python_compiles_and_passes_ruff_default_rules(project: Path, tmp_path: Path) -> None:
    sources = sorted(project.rglob("*.py"))
    assert sources
    for source in sources:
        # What `python -m py_compile` does, with the bytecode kept out of the project.
        py_compile.compile(str(source), cfile=str(tmp_path / "compiled.pyc"), doraise=True)
    # --isolated: ruff's own defaults, not this repository's configuration.
    proc = subprocess.run(
        [tool("ruff"), "check", "--isolated", "--no-cache", *map(str, sources)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dockerfile_meets_foundry_image_requirements(project: Path) -> None:
    answers = answers_of(project)
    dockerfile = project / "Dockerfile"
    users = instructions(dockerfile, "USER")
    assert users[-1] == str(answers.get("uid", DEFAULT_UID))
    assert users[-1].isdigit() and int(users[-1]) != 0
    assert base_image(dockerfile) == answers.get("base_image", DEFAULT_BASE_IMAGE)
    for line in instructions(dockerfile, "EXPOSE"):
        assert all(1024 <= int(port) <= 65535 for port in line.split())
    text = dockerfile.read_text()
    assert "latest" not in base_image(dockerfile)
    telemetry_check = "RUN " + TELEMETRY_CHECK
    assert (telemetry_check in text) == answers.get("telemetry", True)
    if "apt-get install" in text:
        assert "--no-install-recommends" in text and "rm -rf /var/lib/apt/lists/*" in text
    if "pip install" in text:
        assert "--no-cache-dir" in text
    # Dependencies before the project's own files, so editing those re-runs no install.
    copies = [m.start() for m in re.finditer(r"^COPY (?!certs/)", text, re.M)]
    installs = [m.start() for m in re.finditer(r"apt-get install|pip install", text)]
    assert copies and all(i < min(copies) for i in installs)
    if answers["target"] == "foundry-sidecar":
        assert f"mkdir -p {SHARED_DIR}" in text and f"chown {users[-1]} {SHARED_DIR}" in text
        assert text.index("chown") < text.rindex("USER ")


def test_byoi_check_finds_no_error_in_what_byoi_new_writes(project: Path) -> None:
    """The checker reads the same Foundry rules; the generator must not break them."""
    proc = run_byoi("check", "--target", answers_of(project)["target"], str(project))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_regenerating_from_the_written_answers_gives_the_same_project(project: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    run_byoi("new", "--config", str(project / "byoi.yaml"), "-o", str(again), "--no-input", check=True)
    assert tree(again) == tree(project)


# ---------------------------------------------------------------- the command line


@pytest.mark.parametrize("target", TARGETS)
def test_no_input_writes_a_complete_project_with_pinned_defaults(tmp_path: Path, target: str) -> None:
    out = tmp_path / "out"
    proc = run_byoi("new", target, "-o", str(out), "--no-input", check=True)
    assert f"wrote {target} project" in proc.stdout
    assert files(out) == EXPECTED[target]
    dockerfile = out / "Dockerfile"
    assert base_image(dockerfile) == DEFAULT_BASE_IMAGE
    assert instructions(dockerfile, "USER")[-1] == DEFAULT_UID
    assert "--platform linux/amd64" in (out / "build.sh").read_text()
    assert 'tag="${IMAGE_TAG:-0.1.0}"' in (out / "build.sh").read_text()


def test_sidecar_modes_choose_their_files(tmp_path: Path) -> None:
    server = tmp_path / "server"
    run_byoi("new", "foundry-sidecar", "-o", str(server), "--no-input", "--mode", "server", check=True)
    assert "server.py" in files(server) and "entrypoint.sh" not in files(server)
    assert instructions(server / "Dockerfile", "EXPOSE") == ["8080"]
    assert instructions(server / "Dockerfile", "CMD") == ['["python3", "/app/server.py"]']

    own = tmp_path / "own-command"
    command = "python3 -m mytool --quiet"
    run_byoi("new", "foundry-sidecar", "-o", str(own), "--no-input", "--command", command, check=True)
    assert "work.sh" not in files(own)
    assert json.loads(instructions(own / "Dockerfile", "CMD")[-1]) == ["/bin/sh", "-c", command]
    assert "!work.sh" not in (own / ".dockerignore").read_text()


def test_model_schema_reaches_server_adapter_and_model(tmp_path: Path) -> None:
    out = tmp_path / "m"
    args = ["--input-column", "x:float", "--input-column", "label:str", "--output-column", "label:str"]
    run_byoi("new", "foundry-model", "-o", str(out), "--no-input", *args, "--output-column", "score:float", check=True)
    server = (out / "server.py").read_text()
    assert 'INPUT_COLUMNS = {"x": "float", "label": "str"}' in server
    assert 'OUTPUT_COLUMNS = {"label": "str", "score": "float"}' in server
    adapter = (out / "adapter" / "model_adapter.py").read_text()
    assert 'INPUT_COLUMNS = [("x", float), ("label", str)]' in adapter
    assert 'OUTPUT_COLUMNS = [("label", str), ("score", float)]' in adapter
    assert "class ModelAdapter(pm.ContainerModelAdapter):" in adapter
    model = (out / "model.py").read_text()
    assert '"label": row["label"],' in model and '"score": 0.0,' in model


#: Bad answers: (target, flags, words the one-line error must contain).
BAD = {
    "uid 0": ("foundry-sidecar", ["--uid", "0"], ["--uid", "root"]),
    "uid root": ("foundry-model", ["--uid", "root"], ["--uid", "numeric"]),
    "uid 1234 for byoc": ("foundry-byoc", ["--uid", "1234"], ["--uid 1234", BYOC_UID]),
    "uid 0 for byoc": ("foundry-byoc", ["--uid", "0"], ["--uid", "root"]),
    "port 80": ("foundry-model", ["--port", "80"], ["--port", "1024-65535", "reserved"]),
    "port 70000": ("foundry-sidecar", ["--port", "70000"], ["--port", "1024-65535"]),
    "port not a number": ("foundry-byoc", ["--port", "http"], ["--port", "not a port"]),
    "port twice": ("foundry-model", ["--port", "8080", "--port", "8080"], ["--port 8080", "twice"]),
    "tag latest (sidecar)": ("foundry-sidecar", ["--image-tag", "latest"], ["--image-tag", "latest"]),
    "tag latest (byoc)": ("foundry-byoc", ["--image-tag", "latest"], ["--image-tag", "latest"]),
    "tag latest (model)": ("foundry-model", ["--image-tag", "Latest"], ["--image-tag", "latest"]),
    "distroless with telemetry": (
        "foundry-model",
        ["--base-image", "gcr.io/distroless/python3-debian12:nonroot"],
        ["--base-image", "telemetry", "--no-telemetry"],
    ),
    "scratch with telemetry": ("foundry-byoc", ["--base-image", "scratch"], ["scratch", "telemetry"]),
    "distroless sidecar without telemetry": (
        "foundry-sidecar",
        ["--base-image", "gcr.io/distroless/static-debian12:nonroot", "--no-telemetry"],
        ["/bin/sh", "entrypoint"],
    ),
    "distroless model with pip": (
        "foundry-model",
        ["--base-image", "gcr.io/distroless/python3-debian12:nonroot", "--no-telemetry", "--pip-package", "numpy"],
        ["--pip-package", "RUN"],
    ),
    "base image latest": ("foundry-byoc", ["--base-image", "debian:latest"], ["--base-image", "moving tag"]),
    "base image unpinned": ("foundry-sidecar", ["--base-image", "ubuntu"], ["--base-image", "no tag"]),
    "apt package with shell": ("foundry-byoc", ["--apt-package", "curl;id"], ["--apt-package", "Debian package"]),
    "empty command": ("foundry-sidecar", ["--command", " "], ["--command", "empty"]),
    "timeout not a number": ("foundry-sidecar", ["--timeout", "1h"], ["--timeout", "seconds"]),
    "unknown mode": ("foundry-sidecar", ["--mode", "daemon"], ["--mode", "flags, server"]),
    "column without type": ("foundry-model", ["--input-column", "text"], ["--input-column", "NAME:TYPE"]),
    "column of unknown type": ("foundry-model", ["--output-column", "when:datetime"], ["--output-column", "str"]),
    "column twice": (
        "foundry-model",
        ["--input-column", "a:int", "--input-column", "a:str"],
        ["--input-column a", "twice"],
    ),
    "secret env": ("foundry-model", ["--env", "API_TOKEN=x"], ["--env", "secret"]),
}


@pytest.mark.parametrize("target,args,words", BAD.values(), ids=BAD.keys())
def test_bad_values_exit_2_with_one_line_and_write_nothing(
    tmp_path: Path, target: str, args: list[str], words: list[str]
) -> None:
    out = tmp_path / "out"
    proc = run_byoi("new", target, "-o", str(out), "--no-input", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("byoi: error: "), lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_shell_less_base_without_telemetry_is_accepted_where_it_can_work(tmp_path: Path) -> None:
    out = tmp_path / "m"
    base = "gcr.io/distroless/python3-debian12:nonroot"
    run_byoi("new", "foundry-model", "-o", str(out), "--no-input", "--base-image", base, "--no-telemetry", check=True)
    dockerfile = out / "Dockerfile"
    assert instructions(dockerfile, "RUN") == []
    assert instructions(dockerfile, "USER") == [DEFAULT_UID]


# ---------------------------------------------------------------- build.sh, with a stand-in docker

FAKE_DOCKER = """#!/bin/sh
# Records each call; for login also what came on stdin; for push prints a digest.
printf '%s\\n' "$*" >>"$CALLS"
case "$1" in
    login) printf 'stdin=%s\\n' "$(cat)" >>"$CALLS"; echo "Login Succeeded" ;;
    push) echo "0.1.0: digest: sha256:$(printf 'ab%.0s' $(seq 32)) size: 1234" ;;
esac
"""


@pytest.fixture
def fake_docker(tmp_path: Path) -> tuple[Path, Path]:
    docker = tmp_path / "docker"
    docker.write_text(FAKE_DOCKER)
    docker.chmod(docker.stat().st_mode | stat.S_IXUSR)
    return docker, tmp_path / "calls"


#: What build.sh tells the user to paste, per target, for image team-image:1.0.0.
PASTE = {
    "foundry-sidecar": 'IMAGE = "team-image" and TAG = "1.0.0" (the @sidecar image and tag)',
    "foundry-byoc": 'IMAGE = "team-image" and TAG = "1.0.0" (.with_container(',
    "foundry-model": "choose image team-image with tag 1.0.0, port 8080",
    "foundry-compute-module": "add a container with image team-image and tag 1.0.0",
}


@pytest.mark.parametrize("target", TARGETS)
def test_build_script_logs_in_with_the_token_on_stdin_pushes_and_says_what_to_paste(
    tmp_path: Path, target: str, fake_docker: tuple[Path, Path]
) -> None:
    docker, calls = fake_docker
    out = tmp_path / "p"
    run_byoi("new", target, "-o", str(out), "--no-input", "--name", "team-image", "--image-tag", "1.0.0", check=True)
    env = {"PATH": os.environ["PATH"], "DOCKER": str(docker), "CALLS": str(calls)}
    secret = "s3cr3t-token-value"
    proc = subprocess.run(
        ["./build.sh", "--registry", "registry.example.com"],
        cwd=out,
        env={**env, "FOUNDRY_USERNAME": "me", "FOUNDRY_TOKEN": secret},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    recorded = calls.read_text().splitlines()
    assert recorded[0] == "build --platform linux/amd64 --tag team-image:1.0.0 ."
    login = [line for line in recorded if line.startswith("login ")]
    assert login == ["login --username me --password-stdin registry.example.com"]
    assert f"stdin={secret}" in recorded
    assert not any(secret in line for line in recorded if not line.startswith("stdin="))
    assert "push registry.example.com/team-image:1.0.0" in recorded
    assert "digest sha256:" + "ab" * 32 in proc.stdout
    assert PASTE[target] in proc.stdout
    assert not any(secret in p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())

    # The token may come on stdin instead.
    calls.unlink()
    proc = subprocess.run(
        ["./build.sh", "--token-stdin"],
        cwd=out,
        env={**env, "FOUNDRY_USERNAME": "me", "FOUNDRY_REGISTRY": "registry.example.com"},
        input=secret + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"stdin={secret}" in calls.read_text().splitlines()


@pytest.mark.parametrize(
    "env,args,words",
    [
        ({"IMAGE_TAG": "latest"}, [], ["latest"]),
        ({}, ["--registry", "r.example.com"], ["FOUNDRY_USERNAME"]),
        ({"FOUNDRY_USERNAME": "me"}, ["--registry", "r.example.com"], ["no token", "--token-stdin"]),
        ({}, ["--push"], ["unknown argument"]),
    ],
    ids=["latest", "no user name", "no token", "unknown argument"],
)
def test_build_script_refuses(
    tmp_path: Path, fake_docker: tuple[Path, Path], env: dict[str, str], args: list[str], words: list[str]
) -> None:
    docker, calls = fake_docker
    out = tmp_path / "p"
    run_byoi("new", "foundry-byoc", "-o", str(out), "--no-input", check=True)
    proc = subprocess.run(
        ["./build.sh", *args],
        cwd=out,
        env={"PATH": os.environ["PATH"], "DOCKER": str(docker), "CALLS": str(calls), **env},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert all(word in proc.stderr for word in words), proc.stderr
    pushed = calls.read_text() if calls.exists() else ""
    assert "login" not in pushed and "push" not in pushed


def test_build_script_without_registry_only_builds(tmp_path: Path, fake_docker: tuple[Path, Path]) -> None:
    docker, calls = fake_docker
    out = tmp_path / "p"
    run_byoi("new", "foundry-model", "-o", str(out), "--no-input", check=True)
    proc = subprocess.run(
        ["./build.sh"],
        cwd=out,
        env={"PATH": os.environ["PATH"], "DOCKER": str(docker), "CALLS": str(calls)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert calls.read_text().splitlines() == ["build --platform linux/amd64 --tag my-model:0.1.0 ."]
    assert "not pushed" in proc.stdout


@pytest.mark.parametrize("target", TARGETS)
def test_build_script_builds_on_another_base_image_when_asked(
    tmp_path: Path, fake_docker: tuple[Path, Path], target: str
) -> None:
    """--base-image REF (a registry mirror, a pull-through cache) reaches the build as BASE_IMAGE."""
    docker, calls = fake_docker
    out = tmp_path / "p"
    run_byoi("new", target, "-o", str(out), "--no-input", "--name", "app", check=True)
    env = {"PATH": os.environ["PATH"], "DOCKER": str(docker), "CALLS": str(calls)}
    mirror = "mirror.example.com:5000/library/python:3.12.12-slim-bookworm"
    for args in (["--base-image", mirror], [f"--base-image={mirror}"]):
        proc = subprocess.run(["./build.sh", *args], cwd=out, env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert calls.read_text().splitlines() == [
            f"build --platform linux/amd64 --build-arg BASE_IMAGE={mirror} --tag app:0.1.0 ."
        ]
        calls.unlink()
    for args, words in (
        (["--base-image", "mirror.example.com/python:Latest"], ["--base-image", "latest"]),
        (["--base-image"], ["--base-image needs a REF"]),
        (["--base-image="], ["--base-image needs a REF"]),
    ):
        proc = subprocess.run(["./build.sh", *args], cwd=out, env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, (args, proc.stderr)
        assert all(word in proc.stderr for word in words), proc.stderr
        assert not calls.exists(), "docker ran for a refused --base-image"
