"""Dogfood: every target's default image, built for real, passes ``byoi check-image`` and
``byoi verify``; a planted defect of each class is caught by both.

The projects are the generated ones, built with buildah on the stand-in bases
(tests/standins). The defects are planted in images built ``FROM`` the good ones, the
way a user's change would plant them (``USER``, ``RUN rm``), except the architecture,
which ``buildah config --arch arm64`` sets (no arm64 base can be built here). A layer
over the size limit is only simulated, in the hand-made archives of test_check_image.py.

Expected values come from /work/shared/docs/platform-facts.md: 1000:100, port 8888 under
/codeeditor/default, 5001 for bring-your-own-container, ``set -a && tee -a``.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import engine
import pytest
from image_support import push_archive
from support import byoi_command, run_byoi

pytestmark = [pytest.mark.engine, pytest.mark.slow]

SUFFIX = uuid.uuid4().hex[:8]


def tag(name: str) -> str:
    return f"localhost/byoi-test/verify-{name}:{SUFFIX}"


def byoi(*args: str) -> subprocess.CompletedProcess[str]:
    """byoi as a user runs it, with the engine's environment (podman configured as in tests/engine.py)."""
    return subprocess.run(
        [*byoi_command(), *args], env=engine.engine_env(), capture_output=True, text=True, timeout=600, check=False
    )


def check_image(image: str | Path, target: str) -> list[dict[str, str]]:
    proc = byoi("check-image", str(image), "--target", target, "--format", "json")
    assert proc.returncode in (0, 1) and proc.stderr == "", proc.stderr
    found: list[dict[str, str]] = json.loads(proc.stdout)
    return found


def verify(image: str, target: str, *args: str) -> tuple[int, dict[str, bool], str]:
    """Exit status, {step: passed}, and the whole output."""
    proc = byoi("verify", image, "--target", target, "--timeout", "60", *args)
    steps = {}
    for line in proc.stdout.splitlines():
        if line.startswith(("ok   ", "FAIL ")):
            name = line[5:].split(": ", 1)[0]
            steps[name] = line.startswith("ok")
    return proc.returncode, steps, proc.stdout + proc.stderr


def containers_of(image: str) -> list[str]:
    """Containers, running or not, made from ``image`` (tags here are unique to this run)."""
    proc = subprocess.run(
        ["podman", "ps", "-a", "--filter", f"ancestor={image}", "--format", "{{.Names}}"],
        env=engine.engine_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.split()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The default project of each target (and the SageMaker Distribution base, the sidecar's server
    mode), built once."""
    engine.require_engine()
    engine.ensure_standin_images()
    root = tmp_path_factory.mktemp("verify")
    projects = {
        "sagemaker-code-editor": ("sagemaker-code-editor",),
        "sagemaker-distribution": ("sagemaker-code-editor", "--base", "sagemaker-distribution"),
        "foundry-sidecar": ("foundry-sidecar",),
        "foundry-sidecar-server": ("foundry-sidecar", "--mode", "server"),
        "foundry-byoc": ("foundry-byoc",),
        "foundry-model": ("foundry-model",),
    }
    images: dict[str, str] = {}
    try:
        for key, (target, *args) in projects.items():
            out = root / key
            run_byoi("new", target, "-o", str(out), "--no-input", *args, check=True)
            engine.build(out, tag(key))
            images[key] = tag(key)
        yield images
    finally:
        for image in images.values():
            engine.remove_image(image)


@pytest.fixture
def planted(tmp_path: Path) -> Iterator[list[str]]:
    """Images a test builds with a defect; removed afterwards."""
    tags: list[str] = []
    yield tags
    for image in tags:
        engine.remove_image(image)


def plant(tmp_path: Path, planted: list[str], base: str, name: str, *lines: str) -> str:
    context = tmp_path / name
    context.mkdir()
    (context / "Dockerfile").write_text("\n".join([f"FROM {base}", *lines]) + "\n")
    image = tag(name)
    planted.append(image)
    engine.build(context, image)
    return image


# --------------------------------------------------------------------------- clean


@pytest.mark.parametrize(
    ("key", "target", "steps"),
    [
        (
            "sagemaker-code-editor",
            "sagemaker-code-editor",
            [
                "the image's user is 1000:100",
                "answers on 8888 under /codeeditor/default/ with no token, as 1000:100",
                "the working folder is in /home/sagemaker-user and writable",
            ],
        ),
        (
            "sagemaker-distribution",
            "sagemaker-code-editor",
            [
                "the image's user is 1000:100",
                "answers on 8888 under /codeeditor/default/ with no token, as 1000:100",
                "the working folder is in /home/sagemaker-user and writable",
            ],
        ),
        (
            "foundry-sidecar",
            "foundry-sidecar",
            [
                "telemetry works (/bin/sh -c 'set -a && tee -a')",
                "flags mode waits for start_flag in /opt/palantir/sidecars/shared-volumes/shared",
                "flags mode writes done_flag after start_flag",
                "flags mode exits after close_flag",
            ],
        ),
        ("foundry-sidecar-server", "foundry-sidecar", ["answers an HTTP request on port 8080"]),
        (
            "foundry-byoc",
            "foundry-byoc",
            ["the image's user is 5001", "telemetry works (/bin/sh -c 'set -a && tee -a')"],
        ),
        (
            "foundry-model",
            "foundry-model",
            ["answers GET /health on port 8080", "answers a prediction (POST /predict)"],
        ),
    ],
)
def test_default_image_is_clean_and_verifies(built: dict[str, str], key: str, target: str, steps: list[str]) -> None:
    image = built[key]
    assert check_image(image, target) == []
    status, seen, output = verify(image, target)
    assert status == 0, output
    assert {"the image is linux/amd64", *steps} <= set(seen) and all(seen.values()), output
    assert containers_of(image) == []  # verify removes every container it started


def test_oci_archive_of_a_built_image_is_clean(built: dict[str, str], tmp_path: Path) -> None:
    """``buildah push IMAGE oci-archive:PATH`` (the image references above go through ``podman save``'s
    docker-archive)."""
    model = push_archive(built["foundry-model"], tmp_path / "model.oci.tar", engine.engine_env(), "oci-archive")
    assert check_image(model, "foundry-model") == []


# --------------------------------------------------------------------------- planted defects


def test_uid_changed_is_caught(built: dict[str, str], tmp_path: Path, planted: list[str]) -> None:
    byoc = plant(tmp_path, planted, built["foundry-byoc"], "byoc-uid", "USER 1001")
    assert [f["code"] for f in check_image(byoc, "foundry-byoc")] == ["IM405"]
    status, seen, output = verify(byoc, "foundry-byoc")
    assert status == 1 and seen["the image's user is 5001"] is False, output
    assert "runs as uid 1001" in output

    editor = plant(tmp_path, planted, built["sagemaker-code-editor"], "sm-uid", "USER 1001:100")
    assert [f["code"] for f in check_image(editor, "sagemaker-code-editor")] == ["IM403"]
    status, seen, output = verify(editor, "sagemaker-code-editor")
    assert status == 1 and seen["the image's user is 1000:100"] is False, output


def test_arm64_config_is_caught(built: dict[str, str], planted: list[str]) -> None:
    env = engine.engine_env()
    image = tag("model-arm64")
    container = subprocess.run(
        ["buildah", "from", "--pull=never", built["foundry-model"]], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    try:
        subprocess.run(["buildah", "config", "--arch", "arm64", container], env=env, check=True)
        subprocess.run(["buildah", "commit", "-q", container, image], env=env, check=True, capture_output=True)
        planted.append(image)
    finally:
        subprocess.run(["buildah", "rm", container], env=env, check=False, capture_output=True)
    found = check_image(image, "foundry-model")
    assert [f["code"] for f in found] == ["IM401"] and "linux/arm64" in found[0]["message"]
    status, seen, output = verify(image, "foundry-model")
    assert status == 1 and seen["the image is linux/amd64"] is False, output


def test_tee_missing_is_caught(built: dict[str, str], tmp_path: Path, planted: list[str]) -> None:
    image = plant(
        tmp_path, planted, built["foundry-byoc"], "byoc-notee", "USER root", "RUN rm /usr/bin/tee", "USER 5001"
    )
    found = check_image(image, "foundry-byoc")
    assert [f["code"] for f in found] == ["IM411"] and "no tee" in found[0]["message"]
    status, seen, output = verify(image, "foundry-byoc")
    assert status == 1 and seen["telemetry works (/bin/sh -c 'set -a && tee -a')"] is False, output


def test_python_missing_is_caught(built: dict[str, str], tmp_path: Path, planted: list[str]) -> None:
    """The model's CMD runs python3; the planted step removes the interpreter python3 points at."""
    image = plant(
        tmp_path,
        planted,
        built["foundry-model"],
        "model-nopython",
        "USER root",
        'RUN rm "$(readlink -f "$(command -v python3)")"',
        "USER 5001",
    )
    found = check_image(image, "foundry-model")
    assert [f["code"] for f in found] == ["IM410"] and "python3" in found[0]["message"]
    status, seen, output = verify(image, "foundry-model")
    assert status == 1 and seen["answers GET /health on port 8080"] is False, output
    failure = next(line for line in output.splitlines() if line.startswith("FAIL"))
    assert "python3" in failure


# --------------------------------------------------------------------------- upgrades


def test_upgrade_keeps_user_extensions_and_settings_and_adds_new_ones(
    built: dict[str, str], tmp_path: Path, planted: list[str]
) -> None:
    """From the default image (no extension) to one with two."""
    images = {"v1": built["sagemaker-code-editor"], "v2": tag("editor-v2")}
    extensions = ("--extension", "ms-python.python@2024.22.2", "--extension", "redhat.vscode-yaml@1.15.0")
    run_byoi("new", "sagemaker-code-editor", "-o", str(tmp_path / "v2"), "--no-input", *extensions, check=True)
    planted.append(images["v2"])
    engine.build(tmp_path / "v2", images["v2"])
    status, seen, output = verify(images["v2"], "sagemaker-code-editor", "--upgrade-from", images["v1"])
    assert status == 0, output
    for when in ("", " after a second start"):
        assert seen[f"the user's extension and setting are kept{when}"], output
        assert seen[f"the new image's extensions are in the home{when}"], output
    assert "ms-python.python-2024.22.2, redhat.vscode-yaml-1.15.0" in output

    # A newer image whose start wipes the home's extensions loses the user's own.
    wiping = plant(
        tmp_path,
        planted,
        images["v2"],
        "editor-wipes",
        "USER root",
        "RUN printf '#!/bin/sh\\nrm -rf /home/sagemaker-user/sagemaker-code-editor-server-data/extensions\\n"
        'exec /usr/local/bin/start-code-editor "$@"\\n\' > /usr/local/bin/wipe && chmod 755 /usr/local/bin/wipe',
        "USER 1000:100",
        'ENTRYPOINT ["/usr/local/bin/wipe"]',
    )
    status, seen, output = verify(wiping, "sagemaker-code-editor", "--upgrade-from", images["v1"])
    assert status == 1 and seen["the user's extension and setting are kept"] is False, output


# --------------------------------------------------------------------------- bad usage


def test_verify_of_a_missing_image_is_one_line_and_status_2() -> None:
    engine.require_engine()
    proc = byoi("verify", f"localhost/byoi-test/no-such-image:{SUFFIX}", "--target", "foundry-byoc")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "no local image" in proc.stderr


def test_verify_without_an_engine_is_one_line_and_status_2(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}
    proc = subprocess.run(
        [*byoi_command(), "verify", "x:1", "--target", "foundry-byoc"], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "not on PATH" in proc.stderr


# --------------------------------------------------------------------------- build.sh


def test_build_sh_checks_the_built_image_and_stops_before_pushing_on_an_error(tmp_path: Path) -> None:
    """With byoi on PATH, build.sh runs byoi check-image on what it built; an error stops the push."""
    engine.require_engine()
    engine.ensure_standin_images()
    name = f"byoc-build-check-{SUFFIX}"
    project = tmp_path / "byoc"
    run_byoi("new", "foundry-byoc", "-o", str(project), "--no-input", "--name", name, check=True)
    env = {
        **engine.engine_env(),
        "DOCKER": "podman",
        "PATH": f"{Path(byoi_command()[0]).parent}:{os.environ['PATH']}",
        "FOUNDRY_USERNAME": "tester",
        "FOUNDRY_TOKEN": "never-used",
    }
    try:
        clean = subprocess.run(["./build.sh"], cwd=project, env=env, capture_output=True, text=True, check=False)
        assert clean.returncode == 0, clean.stdout + clean.stderr
        assert f"checked {name}:0.1.0 with byoi check-image" in clean.stdout

        with (project / "Dockerfile").open("a") as dockerfile:
            dockerfile.write("USER 1001\n")
        # The registry is never reached: the check stops the script before docker login.
        planted = subprocess.run(
            ["./build.sh", "--registry", "127.0.0.1:9"], cwd=project, env=env, capture_output=True, text=True
        )
        assert planted.returncode == 1, planted.stdout + planted.stderr
        assert "IM405 error" in planted.stdout and "fix them before pushing" in planted.stderr
        assert "Login" not in planted.stdout + planted.stderr and "pushed" not in planted.stdout
    finally:
        engine.remove_image(f"localhost/{name}:0.1.0")


# --------------------------------------------------------------------------- projects that work


def test_model_on_a_base_without_python_gets_python_and_serves_predictions(tmp_path: Path, planted: list[str]) -> None:
    """``--base-image debian:bookworm-slim``: Debian's image has no Python, so the project installs
    python3 with apt-get. The stand-in is the suite's Debian image with Python purged."""
    engine.require_engine()
    engine.ensure_standin_images()
    no_python = plant(
        tmp_path,
        planted,
        engine.BASE_IMAGE,
        "debian-without-python",
        "RUN apt-get purge -y --auto-remove python3 python3-minimal python3.11 python3.11-minimal"
        " && ! command -v python3",
    )
    out = tmp_path / "model"
    run_byoi("new", "foundry-model", "-o", str(out), "--no-input", "--base-image", "debian:bookworm-slim", check=True)
    image = tag("model-on-debian")
    planted.append(image)
    engine.build(out, image, extra_args=["--from", no_python])
    assert check_image(image, "foundry-model") == []
    status, seen, output = verify(image, "foundry-model")
    assert status == 0 and seen["answers a prediction (POST /predict)"], output
