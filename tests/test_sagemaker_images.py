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
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def state(container: engine.Container) -> dict[str, Any]:
    status, body = engine.http_get(container.url(PORT, f"{BASE}/standin/state"))
    assert status == 200, body
    result: dict[str, Any] = json.loads(body)
    return result


def test_micromamba_image_starts_as_studio_expects_and_keeps_user_extensions(tmp_path: Path, running: Any) -> None:
    extensions = ["--extension", "ms-python.python@2024.22.2"]
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
    engine.build(first, "localhost/byoi-test/editor:v1")
    config = engine.inspect_image("localhost/byoi-test/editor:v1")
    assert config["Architecture"] == "amd64" and config["Os"] == "linux"
    assert config["Config"]["User"] == "1000:100"
    assert config["Config"]["WorkingDir"] == "/home/sagemaker-user"
    assert f"{PORT}/tcp" in config["Config"]["ExposedPorts"]

    home = studio_home(tmp_path)
    container = running("localhost/byoi-test/editor:v1", home)
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

    # The user installs an extension of their own in the running space.
    own = home / "sagemaker-code-editor-server-data" / "extensions" / "user.own-1.0.0"
    container.exec("mkdir", "-p", str(Path("/home/sagemaker-user") / own.relative_to(home)))
    container.stop()

    # A newer image with one more extension, started on the same home volume.
    second = generate(tmp_path / "v2", *extensions, "--extension", "redhat.vscode-yaml@1.15.0", "--image-tag", "0.2.0")
    engine.build(second, "localhost/byoi-test/editor:v2")
    seen = state(running("localhost/byoi-test/editor:v2", home))
    assert {"user.own-1.0.0", "ms-python.python-2024.22.2", "redhat.vscode-yaml-1.15.0"} <= set(seen["extensions"])
    assert own.is_dir() and not own.is_symlink()


def test_extension_removed_by_the_user_stays_removed(tmp_path: Path, running: Any) -> None:
    project = generate(tmp_path / "p", "--extension", "ms-python.python@2024.22.2")
    engine.build(project, "localhost/byoi-test/editor:removal")
    home = studio_home(tmp_path)
    container = running("localhost/byoi-test/editor:removal", home)
    assert "ms-python.python-2024.22.2" in state(container)["extensions"]
    container.exec("rm", "/home/sagemaker-user/sagemaker-code-editor-server-data/extensions/ms-python.python-2024.22.2")
    container.stop()
    assert "ms-python.python-2024.22.2" not in state(running("localhost/byoi-test/editor:removal", home))["extensions"]


def test_distribution_image_starts_with_its_own_entrypoint(tmp_path: Path, running: Any) -> None:
    project = generate(
        tmp_path / "dist",
        "--base",
        "sagemaker-distribution",
        "--extension",
        "ms-python.python@2024.22.2",
        "--conda-package",
        "scrapy=2.11",
    )
    engine.build(project, "localhost/byoi-test/dist-editor:0.1.0")
    config = engine.inspect_image("localhost/byoi-test/dist-editor:0.1.0")
    assert config["Config"]["Entrypoint"] == ["entrypoint-code-editor"]
    assert config["Config"]["User"] == "1000:100"
    # Studio sets SAGEMAKER_APP_TYPE; the distribution's scripts derive the base path from it.
    studio_env = {"SAGEMAKER_APP_TYPE": "CodeEditor"}
    seen = state(running("localhost/byoi-test/dist-editor:0.1.0", studio_home(tmp_path), studio_env))
    assert (seen["uid"], seen["gid"]) == (1000, 100)
    assert "--without-connection-token" in seen["argv"]
    assert "ms-python.python-2024.22.2" in seen["extensions"]


def test_distribution_image_update_brings_new_extensions_to_existing_spaces(tmp_path: Path, running: Any) -> None:
    """The distribution links image extensions only on a space's first start; byoi's hook fixes that."""
    studio_env = {"SAGEMAKER_APP_TYPE": "CodeEditor"}
    extensions = ["--base", "sagemaker-distribution", "--extension", "ms-python.python@2024.22.2"]
    engine.build(generate(tmp_path / "v1", *extensions), "localhost/byoi-test/dist-editor:v1")
    home = studio_home(tmp_path)
    container = running("localhost/byoi-test/dist-editor:v1", home, studio_env)
    assert "ms-python.python-2024.22.2" in state(container)["extensions"]
    container.exec("mkdir", "-p", "/home/sagemaker-user/sagemaker-code-editor-server-data/extensions/user.own-1.0.0")
    container.stop()

    newer = generate(tmp_path / "v2", *extensions, "--extension", "redhat.vscode-yaml@1.15.0", "--image-tag", "0.2.0")
    engine.build(newer, "localhost/byoi-test/dist-editor:v2")
    seen = state(running("localhost/byoi-test/dist-editor:v2", home, studio_env))
    assert {"user.own-1.0.0", "ms-python.python-2024.22.2", "redhat.vscode-yaml-1.15.0"} <= set(seen["extensions"])


def test_build_script_builds_amd64_and_pushes_with_digest(tmp_path: Path) -> None:
    """build.sh as a user runs it: the real docker client (through podman's API) and a registry."""
    project = generate(tmp_path / "p", "--base", "sagemaker-distribution", "--name", "pushed-editor")
    with engine.loopback_registry() as registry, engine.podman_docker_service() as env:
        repository = f"{registry}/team/pushed-editor"
        proc = subprocess.run(
            # On the stand-in, under the suite's own name (tests/standins/README.md), never on an
            # image of the real name that may or may not be in the machine's store.
            [
                "./build.sh",
                "--base-image",
                engine.standin_for(str(engine.first_base_image(project / "Dockerfile"))),
                repository,
            ],
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
