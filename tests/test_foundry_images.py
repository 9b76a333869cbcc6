"""The generated Foundry projects build and run with a real engine (buildah, podman).

No registry is reachable, so the base image is the stand-in of tests/standins/python
(Debian bookworm with Debian's Python), under the suite's own name: ``engine.build`` puts it
in place of the Dockerfile's ``FROM`` and ``build.sh`` is given ``--base-image``, as a user
behind a registry mirror would. Everything else, the generated Dockerfiles, entrypoint,
servers and build.sh, is the real thing. Every image name is unique to the run, so two runs
at once do not share (or remove) each other's images.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import engine
import pytest
from support import run_byoi

# Expected values from the documents (docs/platform-facts.md §2; Foundry's transforms-sidecar
# page and the container FAQ), never the generator's own constants.
BYOC_UID = "5001"
DEFAULT_UID = 5001
SHARED_DIR = "/opt/palantir/sidecars/shared-volumes/shared"
START_FLAG, DONE_FLAG, CLOSE_FLAG = "start_flag", "done_flag", "close_flag"
SIDECAR_LOG_FILE = "logfile"
TELEMETRY_SHELL, TELEMETRY_CHECK = "/bin/sh", "set -a && tee -a"

pytestmark = [pytest.mark.engine, pytest.mark.slow]

#: PyPI is reached through this machine's TLS-inspecting proxy: an image that pip-installs
#: must trust its CA, which is what --ca-cert is for.
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
)
#: Requests to loopback must not go through a proxy from the environment.
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module", autouse=True)
def standins() -> None:
    engine.require_engine()
    engine.ensure_standin_images()


@pytest.fixture
def images() -> Iterator[list[str]]:
    """Tags a test creates; removed afterwards, so runs leave no images behind."""
    tags: list[str] = []
    yield tags
    for tag in tags:
        engine.remove_image(tag)


def generate(out: Path, target: str, *args: str) -> Path:
    run_byoi("new", target, "-o", str(out), "--no-input", *args, check=True)
    return out


def unique_name(prefix: str) -> str:
    """An image name no other test run uses (a project --name: lower case, digits, dashes)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def standin_base(project: Path) -> str:
    """The stand-in to build ``project`` on: the one for its Dockerfile's pinned default base."""
    real = engine.first_base_image(project / "Dockerfile")
    assert real == "docker.io/library/python:3.12.12-slim-bookworm", real
    return engine.standin_for(real)


def run_test_local(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """A project's test-local.sh as a user runs it, with DOCKER=podman; it must succeed."""
    proc = subprocess.run(
        ["./test-local.sh"],
        cwd=project,
        env={**engine.engine_env(), "DOCKER": "podman", **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def wait_for(path: Path, container: engine.Container, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {path.name} after {timeout}s; container log:\n{container.logs()}")
        time.sleep(0.2)


def shared_folder(tmp_path: Path) -> Path:
    """The shared volume as Foundry provides it: empty, writable by the sidecar's user."""
    shared = tmp_path / "shared"
    (shared / "input").mkdir(parents=True)
    (shared / "input" / "rows.csv").write_text("a\nb\nc\n")
    os.chown(shared, DEFAULT_UID, DEFAULT_UID)
    return shared


def test_byoc_image_built_and_pushed_by_build_sh_runs_as_5001_and_passes_telemetry(
    tmp_path: Path, images: list[str]
) -> None:
    """build.sh as a user runs it, with DOCKER=podman (docker's login cannot reach a plain-HTTP
    registry through podman's API), pushing to a registry on loopback; then the image itself."""
    name = unique_name("byoc")
    project = generate(tmp_path / "byoc", "foundry-byoc", "--name", name)
    image = f"localhost/{name}:0.1.0"
    with engine.loopback_registry() as registry:
        images += [image, f"{registry}/{name}:0.1.0"]
        env = {**engine.engine_env(), "DOCKER": "podman", "FOUNDRY_USERNAME": "tester"}
        proc = subprocess.run(
            ["./build.sh", "--registry", registry, "--token-stdin", "--base-image", standin_base(project)],
            cwd=project,
            env=env,
            input="token-read-from-stdin\n",
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        digest = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("digest ")]
        assert digest and digest[0].startswith("sha256:"), proc.stdout
        # The registry serves a manifest by digest only in a format the client accepts.
        manifest = urllib.request.Request(
            f"http://{registry}/v2/{name}/manifests/{digest[0]}",
            headers={"Accept": ", ".join(MANIFEST_TYPES)},
        )
        with NO_PROXY.open(manifest, timeout=30) as response:
            assert response.status == 200
            assert response.headers["Docker-Content-Digest"] == digest[0]
        assert f'IMAGE = "{name}" and TAG = "0.1.0"' in proc.stdout

    config = engine.inspect_image(image)
    assert (config["Architecture"], config["Os"]) == ("amd64", "linux")
    assert config["Config"]["User"] == BYOC_UID

    assert engine.run(image, "-u", entrypoint="id").stdout.strip() == BYOC_UID
    # Foundry's telemetry check, as its FAQ gives it.
    check = engine.run(image, "-c", TELEMETRY_CHECK, entrypoint=TELEMETRY_SHELL, input="")
    assert check.returncode == 0, check.stdout + check.stderr

    # The tool, run the way transform/byoc_transform.py runs it.
    work = tmp_path / "work"
    (work / "input").mkdir(parents=True)
    (work / "input" / "a.txt").write_text("1\n2\n")
    os.chown(work, int(BYOC_UID), int(BYOC_UID))
    tool = engine.run(
        image,
        entrypoint="/app/work.sh",
        volumes={work: "/work"},
        env={"INPUT_DIR": "/work/input", "OUTPUT_DIR": "/work/output"},
    )
    assert tool.returncode == 0, tool.stdout + tool.stderr
    assert (work / "output" / "line_counts.csv").read_text().splitlines() == ["file,lines", "a.txt,2"]

    # The project's own test-local.sh does the same checks.
    local = run_test_local(project)
    assert f"runs as user {BYOC_UID}: ok" in local.stdout and "telemetry check" in local.stdout
    assert "sample.txt,3" in local.stdout


@pytest.fixture(scope="module")
def sidecar_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A default sidecar project under a name of this run, built once for the tests below."""
    name = unique_name("sidecar")
    project = generate(tmp_path_factory.mktemp("sidecar") / "project", "foundry-sidecar", "--name", name)
    # The name test-local.sh runs (podman stores short names under localhost/).
    image = f"localhost/{name}:0.1.0"
    engine.build(project, image)
    yield project, image
    engine.remove_image(image)


@pytest.fixture
def sidecar_image(sidecar_project: tuple[Path, str]) -> str:
    return sidecar_project[1]


def test_sidecar_test_local_script_plays_foundrys_part(sidecar_project: tuple[Path, str]) -> None:
    """The project's own test-local.sh: a shared folder, the flag files, the exit status."""
    project, _ = sidecar_project
    proc = run_test_local(project, WAIT="60")
    assert "exit_status=0" in proc.stdout and "sample.txt,3" in proc.stdout
    assert "the sidecar exited with status 0" in proc.stdout


def test_sidecar_completes_the_flag_protocol_on_a_mounted_shared_folder(tmp_path: Path, sidecar_image: str) -> None:
    image = sidecar_image
    config = engine.inspect_image(image)["Config"]
    assert config["User"] == str(DEFAULT_UID)
    assert config["Entrypoint"] == ["/usr/local/bin/sidecar-entrypoint"]

    shared = shared_folder(tmp_path)
    with engine.run_detached(image, volumes={shared: SHARED_DIR}) as container:
        time.sleep(1)
        assert not (shared / DONE_FLAG).exists(), container.logs()
        (shared / START_FLAG).write_text("")
        wait_for(shared / DONE_FLAG, container)
        assert (shared / DONE_FLAG).read_text().splitlines() == ["exit_status=0", "reason=exited"]
        assert (shared / "output" / "line_counts.csv").read_text().splitlines() == ["file,lines", "rows.csv,3"]
        assert "counted the lines of 1 file(s)" in (shared / SIDECAR_LOG_FILE).read_text()
        assert container.inspect()["State"]["Running"], "exited before close_flag"

        (shared / CLOSE_FLAG).write_text("")
        assert container.wait(timeout=30) == 0, container.logs()
        assert "close_flag found" in container.logs()


def test_sidecar_as_pid_1_passes_docker_stop_on_to_the_command(tmp_path: Path, sidecar_image: str) -> None:
    """SIGTERM from the engine reaches PID 1's command at once; done_flag records it."""
    image = sidecar_image
    shared = shared_folder(tmp_path)
    (shared / START_FLAG).write_text("")
    command = 'trap "echo stopped by TERM; exit 9" TERM; while :; do sleep 1; done'
    with engine.run_detached(image, volumes={shared: SHARED_DIR}, args=["/bin/sh", "-c", command]) as c:
        deadline = time.monotonic() + 30
        while "running" not in c.logs():
            assert time.monotonic() < deadline, c.logs()
            time.sleep(0.2)
        started = time.monotonic()
        c.stop(timeout=20)
        assert time.monotonic() - started < 10, "SIGTERM was not handled: the engine had to SIGKILL"
        assert c.inspect()["State"]["ExitCode"] == 143
        assert (shared / DONE_FLAG).read_text().splitlines() == ["exit_status=9", "reason=signal"]
        assert "stopped by TERM" in (shared / SIDECAR_LOG_FILE).read_text()


#: An --env value a shell or the Dockerfile's own expansion would change: it must stay as given.
LITERAL_ENV = "TEMPLATE=$HOME/${USER}-\\$x \"q\" 's' `id` 100%"


def test_model_answers_health_and_predict_through_a_published_port(tmp_path: Path, images: list[str]) -> None:
    name = unique_name("model")
    project = generate(
        tmp_path / "model",
        "foundry-model",
        "--name",
        name,
        "--env",
        LITERAL_ENV,
        "--input-column",
        "text:str",
        "--output-column",
        "text:str",
        "--output-column",
        "score:float",
        "--ca-cert",
        CA_BUNDLE,
        "--pip-package",
        "six==1.16.0",
    )
    image = f"localhost/{name}:0.1.0"
    images.append(image)
    engine.build(project, image)
    config = engine.inspect_image(image)["Config"]
    assert config["User"] == str(DEFAULT_UID)
    assert "8080/tcp" in config["ExposedPorts"]
    assert LITERAL_ENV in config["Env"]

    with engine.run_detached(image, ports={8080: engine.free_port()}) as container:
        try:
            status, body = engine.wait_http(container.url(8080, "/health"), timeout=60)
        except TimeoutError:
            raise AssertionError(container.logs()) from None
        assert (status, json.loads(body)) == (200, {"status": "ok"})

        request = urllib.request.Request(
            container.url(8080, "/predict"),
            data=json.dumps({"rows": [{"text": "hello"}, {"text": "world"}]}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with NO_PROXY.open(request, timeout=30) as response:
            assert response.status == 200
            assert json.loads(response.read()) == {
                "rows": [{"text": "hello", "score": 0.0}, {"text": "world", "score": 0.0}]
            }
        key, value = LITERAL_ENV.split("=", 1)
        seen = container.exec("printenv", key)
        assert seen.stdout == value + "\n", seen.stdout + seen.stderr
        six = container.exec("python3", "-c", "import six; print(six.__version__)")
        assert six.stdout.strip() == "1.16.0", six.stdout + six.stderr

        started = time.monotonic()
        container.stop(timeout=20)
        assert time.monotonic() - started < 10, "the server ignored SIGTERM"
        assert container.inspect()["State"]["ExitCode"] == 0

    # The project's own test-local.sh, as a user runs it.
    local = run_test_local(project, PORT=str(engine.free_port()))
    assert '"rows": [{"text": "example", "score": 0.0}]' in local.stdout
