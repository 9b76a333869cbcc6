"""The generated SageMaker projects build and run with a real engine (buildah, podman).

No registry is reachable, so the base images are stand-ins (tests/standins/README.md):
``mambaorg/micromamba`` with a stand-in ``micromamba``, the SageMaker Distribution image
with its ``entrypoint-code-editor``, and a stand-in ``sagemaker-code-editor`` server that
honours the real flags and reports what it was started with at
``<base path>/standin/state``. Everything else (the generated Dockerfile, entrypoint,
build.sh) is the real thing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import codeoss
import engine
import pytest
from support import run_byoi

pytestmark = [pytest.mark.engine, pytest.mark.slow]

PORT = 8888
BASE = "/codeeditor/default"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


@pytest.fixture(scope="module", autouse=True)
def standins() -> None:
    engine.require_engine()
    engine.ensure_standin_images()


def generate(out: Path, *args: str) -> Path:
    run_byoi("new", "sagemaker-code-editor", "-o", str(out), "--no-input", *args, check=True)
    return out


def studio_home(tmp_path: Path) -> Path:
    """An empty folder owned by 1000:100, as the space's EBS volume is."""
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, 1000, 100)
    return home


@pytest.fixture
def running() -> Iterator[Any]:
    """Start an image with the home volume mounted, as Studio does; stop it afterwards."""
    started: list[engine.Container] = []

    def start(image: str, home: Path, env: dict[str, str] | None = None) -> engine.Container:
        container = engine.run_detached(
            image, ports={PORT: engine.free_port()}, volumes={home: "/home/sagemaker-user"}, env=env
        )
        started.append(container)
        try:
            status, _ = engine.wait_http(container.url(PORT, f"{BASE}/"), timeout=90)
        except TimeoutError:
            raise AssertionError(f"no answer on {PORT}; logs:\n{container.logs()}") from None
        assert status == 200, container.logs()
        return container

    yield start
    for container in started:
        container.remove()


@pytest.fixture
def image_name() -> Iterator[Any]:
    """Unique image names for this test (two runs of the suite never share one); removed after."""
    names: list[str] = []

    def name(repository: str, tag: str) -> str:
        names.append(f"localhost/byoi-test-{uuid.uuid4().hex[:8]}/{repository}:{tag}")
        return names[-1]

    yield name
    for built in names:
        engine.remove_image(built)


def state(container: engine.Container) -> dict[str, Any]:
    status, body = engine.http_get(container.url(PORT, f"{BASE}/standin/state"))
    assert status == 200, body
    result: dict[str, Any] = json.loads(body)
    return result


def test_micromamba_image_starts_as_studio_expects(tmp_path: Path, image_name: Any, running: Any) -> None:
    extensions = ["--extension", "ms-python.python@2024.22.2"]
    image = image_name("editor", "v1")
    first = generate(
        tmp_path / "v1",
        *extensions,
        "--conda-package",
        "numpy=2.1",
        # PyPI is reached through this machine's TLS-inspecting proxy: the image must trust its CA.
        "--ca-cert",
        CA_BUNDLE,
        "--pip-package",
        "six==1.16.0",
    )
    engine.build(first, image)
    config = engine.inspect_image(image)
    assert config["Architecture"] == "amd64" and config["Os"] == "linux"
    assert config["Config"]["User"] == "1000:100"
    assert config["Config"]["WorkingDir"] == "/home/sagemaker-user"
    assert f"{PORT}/tcp" in config["Config"]["ExposedPorts"]

    home = studio_home(tmp_path)
    container = running(image, home)
    seen = state(container)
    assert (seen["uid"], seen["gid"]) == (1000, 100)
    argv = seen["argv"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0" and argv[argv.index("--port") + 1] == str(PORT)
    assert "--without-connection-token" in argv and argv[argv.index("--base-path") + 1] == BASE
    assert seen["extensions_dir"] == "/home/sagemaker-user/sagemaker-code-editor-server-data/extensions"
    assert "ms-python.python-2024.22.2" in seen["extensions"]
    assert container.exec("id", "-un").stdout.strip() == "sagemaker-user"
    pip_list = container.exec("micromamba", "run", "--name", "base", "pip", "show", "six")
    assert "Version: 1.16.0" in pip_list.stdout, pip_list.stdout + pip_list.stderr

    # How extensions behave across image versions: the code-server scenario below.


def test_distribution_image_starts_with_its_own_entrypoint(tmp_path: Path, image_name: Any, running: Any) -> None:
    project = generate(
        tmp_path / "dist",
        "--base",
        "sagemaker-distribution",
        "--extension",
        "ms-python.python@2024.22.2",
        "--conda-package",
        "scrapy=2.11",
    )
    image = image_name("dist-editor", "0.1.0")
    engine.build(project, image)
    config = engine.inspect_image(image)
    assert config["Config"]["Entrypoint"] == ["entrypoint-code-editor"]
    assert config["Config"]["User"] == "1000:100"
    # Studio sets SAGEMAKER_APP_TYPE; the distribution's scripts derive the base path from it.
    studio_env = {"SAGEMAKER_APP_TYPE": "CodeEditor"}
    seen = state(running(image, studio_home(tmp_path), studio_env))
    assert (seen["uid"], seen["gid"]) == (1000, 100)
    assert "--without-connection-token" in seen["argv"]
    assert "ms-python.python-2024.22.2" in seen["extensions"]


def test_build_script_builds_amd64_and_pushes_with_digest(tmp_path: Path) -> None:
    """build.sh as a user runs it: the real docker client (through podman's API) and a registry."""
    project = generate(tmp_path / "p", "--base", "sagemaker-distribution", "--name", "pushed-editor")
    with engine.loopback_registry() as registry, engine.podman_docker_service() as env:
        repository = f"{registry}/team/pushed-editor"
        proc = subprocess.run(
            ["./build.sh", repository],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        digest_line = [line for line in proc.stdout.splitlines() if line.startswith("digest ")]
        assert digest_line and digest_line[0].startswith("digest sha256:"), proc.stdout
        status, _ = engine.http_get(f"http://{registry}/v2/team/pushed-editor/manifests/{digest_line[0].split()[1]}")
        assert status == 200
        assert f"pushed {repository}:0.1.0" in proc.stdout

        refused = subprocess.run(
            ["./build.sh"], cwd=project, env={**env, "IMAGE_TAG": "latest"}, capture_output=True, text=True, check=False
        )
        assert refused.returncode == 2 and "latest" in refused.stderr


# ------------------------------------------------------- the scenario against code-server

HOME = "/home/sagemaker-user"
HOME_EXTENSIONS = f"{HOME}/sagemaker-code-editor-server-data/extensions"
#: Where the micromamba environment has the server (podman exec does not activate it).
SERVER = "/opt/conda/bin/sagemaker-code-editor"
STANDINS = Path(__file__).resolve().parent / "standins"
#: Image versions of issue 7's scenario (Open VSX ids, installed offline by the stand-in).
VERSIONS = {
    "v1": ["test.alpha@1.0.0", "test.gamma@1.0.0"],
    "v2": ["test.alpha@1.0.0", "test.gamma@1.0.0", "test.beta@1.0.0"],
    "v3": ["test.alpha@1.1.0", "test.gamma@1.0.0", "test.beta@1.0.0"],
}


def code_server_mounts(home: Path) -> dict[str | os.PathLike[str], str]:
    """The space's home, and code-server as the image's sagemaker-code-editor (read-only)."""
    node = Path(shutil.which("node") or "/usr/bin/node").resolve()
    return {
        home: HOME,
        codeoss.INSTALL_DIR: "/opt/byoi-code-server:ro",
        node: "/usr/local/bin/node:ro",
        STANDINS / "sagemaker-code-editor" / "code-server-wrapper": f"{SERVER}:ro",
    }


def start_with_code_server(image: str, home: Path) -> engine.Container:
    """One start of the space in Studio's way, until the server's extension management ran."""
    container = engine.run_detached(
        image,
        ports={PORT: engine.free_port()},
        volumes=code_server_mounts(home),
        env={"SAGEMAKER_APP_TYPE": "CodeEditor"},
    )
    try:
        # code-server starts Code-OSS's server on the first request.
        engine.wait_http(container.url(PORT, "/"), timeout=120)
        logs = home / "sagemaker-code-editor-server-data" / "logs"
        watched = f"Started watching: '{HOME_EXTENSIONS}/extensions.json'"
        deadline = time.monotonic() + 60
        while not any(watched in log.read_text(errors="replace") for log in logs.glob("*/remoteagent.log")):
            assert time.monotonic() < deadline, container.logs()
            time.sleep(0.3)
        time.sleep(1.5)
    except BaseException:
        print(container.logs())
        container.remove()
        raise
    return container


def loaded(container: engine.Container) -> list[str]:
    """What the server loads: ``--list-extensions --show-versions`` in the running container."""
    proc = container.exec(SERVER, "--list-extensions", "--show-versions", "--extensions-dir", HOME_EXTENSIONS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return sorted(line.strip() for line in proc.stdout.splitlines() if "@" in line)


def removal_lines(home: Path) -> list[str]:
    """Every "marked removed" or "deleted" line the server logged in this space so far."""
    logs = sorted((home / "sagemaker-code-editor-server-data" / "logs").glob("*/remoteagent.log"))
    return codeoss.extension_log_lines("\n".join(log.read_text(errors="replace") for log in logs))


@pytest.mark.parametrize("base", ["micromamba", "sagemaker-distribution"])
def test_image_extensions_across_image_versions_with_code_server(tmp_path: Path, base: str) -> None:
    """Issue 7's scenario on a space kept across image versions, with code-server as the server."""
    codeoss.require_code_server()
    prefix = f"localhost/byoi-test-{uuid.uuid4().hex[:8]}/editor"
    images = []
    home = studio_home(tmp_path)
    settings = home / "sagemaker-code-editor-server-data" / "data" / "User" / "settings.json"
    seen: dict[str, list[str]] = {}
    try:
        for version, extensions in VERSIONS.items():
            args = [a for e in extensions for a in ("--extension", e)]
            project = generate(tmp_path / version, "--base", base, *args, "--image-tag", f"0.{version[1]}.0")
            images.append(f"{prefix}:{version}")
            engine.build(project, images[-1])
            with start_with_code_server(images[-1], home) as container:
                seen[version] = loaded(container)
                if version == "v1":
                    # The user installs an extension of their own, uninstalls an image
                    # extension from the command line, and changes a setting.
                    codeoss.make_vsix(home, "user.own", "2.0.0")
                    for action in (
                        ["--install-extension", f"{HOME}/user.own-2.0.0.vsix"],
                        ["--uninstall-extension", "test.gamma"],
                    ):
                        proc = container.exec(SERVER, *action, "--extensions-dir", HOME_EXTENSIONS)
                        assert proc.returncode == 0, proc.stdout + proc.stderr
                    settings.parent.mkdir(parents=True, exist_ok=True)
                    settings.write_text('{"editor.fontSize": 17}\n')
                    os.chown(settings, 1000, 100)
        extensions_json = (home / "sagemaker-code-editor-server-data" / "extensions" / "extensions.json").read_text()
        # Two restarts in a row change nothing.
        for restart in ("v3 again", "v3 once more"):
            with start_with_code_server(images[-1], home) as container:
                seen[restart] = loaded(container)
        assert (
            home / "sagemaker-code-editor-server-data" / "extensions" / "extensions.json"
        ).read_text() == extensions_json
    finally:
        for image in images:
            engine.remove_image(image)
    own = ["user.own@2.0.0"]
    # The distribution stand-in's own prepackaged extension (tests/standins/sagemaker-distribution).
    base_own = ["byoi-standin.prepackaged-extension@1.0.0"] if base == "sagemaker-distribution" else []
    assert seen == {
        "v1": [*base_own, "test.alpha@1.0.0", "test.gamma@1.0.0"],
        "v2": [*base_own, "test.alpha@1.0.0", "test.beta@1.0.0", *own],
        "v3": [*base_own, "test.alpha@1.1.0", "test.beta@1.0.0", *own],
        "v3 again": [*base_own, "test.alpha@1.1.0", "test.beta@1.0.0", *own],
        "v3 once more": [*base_own, "test.alpha@1.1.0", "test.beta@1.0.0", *own],
    }, removal_lines(home)
    # Only the extension the user uninstalled was ever marked removed or deleted.
    assert all("test.gamma" in line for line in removal_lines(home)), removal_lines(home)
    assert settings.read_text() == '{"editor.fontSize": 17}\n'


# ------------------------------------------- a base whose uid 1000 is taken; start-code-editor


@pytest.fixture(scope="module")
def uid1000_image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A micromamba-base project built on a stand-in base whose uid 1000 is the user "ubuntu"."""
    micromamba = engine.standin_images()[0].names[0]
    run_id = uuid.uuid4().hex[:8]
    base = f"localhost/byoi-test-standin/micromamba-uid1000:{run_id}"
    image = f"localhost/byoi-test-{run_id}/uid1000-editor:0.1.0"
    engine.build(
        STANDINS,
        base,
        dockerfile=STANDINS / "micromamba-uid1000" / "Dockerfile",
        build_args={"MICROMAMBA_IMAGE": micromamba},
    )
    try:
        taken = engine.run(base, "getent", "passwd", "1000", entrypoint="")
        assert taken.stdout.startswith("ubuntu:x:1000:"), taken.stdout + taken.stderr
        project = generate(tmp_path_factory.mktemp("uid1000") / "p", "--base-image", base)
        engine.build(project, image)
        yield image
    finally:
        engine.remove_image(image)
        engine.remove_image(base)


def test_base_whose_uid_1000_is_taken_gets_sagemaker_user(uid1000_image: str) -> None:
    """Studio's user 1000:100 (platform-facts: UID 1000, GID 100, user sagemaker-user)."""
    proc = engine.run(
        uid1000_image, "sh", "-c", "getent passwd 1000; id; getent passwd ubuntu || echo no ubuntu", entrypoint=""
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("sagemaker-user:x:1000:100:"), proc.stdout
    assert lines[1].startswith("uid=1000(sagemaker-user) gid=100(users)"), proc.stdout
    assert lines[2] == "no ubuntu", proc.stdout


FAKE_SERVER = """#!/bin/bash
# Records how start-code-editor started the server, then exits.
{
    printf 'arg %s\\n' "$@"
    printf 'env SAGEMAKER_APP_TYPE_LOWERCASE=%s\\n' "${SAGEMAKER_APP_TYPE_LOWERCASE-<unset>}"
} >/home/sagemaker-user/fake-server.txt
"""


def test_start_code_editor_passes_studios_flags_and_exports_app_type(tmp_path: Path, uid1000_image: str) -> None:
    """start-code-editor, with a fake server on PATH that records its arguments and environment."""
    home = studio_home(tmp_path)
    fake = tmp_path / "fake-server"
    fake.write_text(FAKE_SERVER)
    fake.chmod(0o755)
    proc = engine.run(
        uid1000_image,
        volumes={home: "/home/sagemaker-user", fake: "/opt/conda/bin/sagemaker-code-editor:ro"},
        env={"SAGEMAKER_APP_TYPE": "CodeEditor"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    recorded = (home / "fake-server.txt").read_text().splitlines()
    args = [line[4:] for line in recorded if line.startswith("arg ")]
    # Literals from the platform documents (platform-facts.md, "Runtime contract" and the
    # distribution's start-code-editor): 0.0.0.0:8888, no token, /codeeditor/default.
    assert args == [
        "--host",
        "0.0.0.0",
        "--port",
        "8888",
        "--without-connection-token",
        "--base-path",
        "/codeeditor/default",
        "--server-data-dir",
        "/home/sagemaker-user/sagemaker-code-editor-server-data",
        "--extensions-dir",
        "/home/sagemaker-user/sagemaker-code-editor-server-data/extensions",
        "--user-data-dir",
        "/home/sagemaker-user/sagemaker-code-editor-user-data",
    ], recorded
    # As the distribution's entrypoint-code-editor exports it (aws/sagemaker-distribution).
    assert "env SAGEMAKER_APP_TYPE_LOWERCASE=codeeditor" in recorded
