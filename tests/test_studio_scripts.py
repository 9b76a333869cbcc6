"""The Studio start-up scripts byoi writes, run by bash against temporary folders (fast).

The engine tests (tests/test_sagemaker_images.py, slow) run these scripts inside built images
with code-server; a regression in them must fail the fast suite too. Here each script is taken
from a project written by ``byoi new``, its absolute image paths moved under a temporary root
(``/home/sagemaker-user`` -> ROOT/home, ``/opt/`` -> ROOT/opt/), and run by bash with:

- ``micromamba``: the stand-in of tests/standins/micromamba (the same the engine tests' base
  images carry; its activation sources ``etc/conda/activate.d/*.sh`` as libmamba does, see
  ``test_distribution_hook_runs_when_micromamba_activates_the_environment``);
- ``sagemaker-code-editor``: a recording fake server in the environment's ``bin`` that writes
  down its arguments, the app type variable and the extensions folder it was started with.

The slow tests with the real server (tests/test_extension_linking.py, tests/test_sagemaker_images.py)
remain the proof that what is asserted here is what Code-OSS needs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from support import run_byoi

from generator.dockerfile.model import build
from generator.dockerfile.parser import parse

MICROMAMBA = Path(__file__).resolve().parent / "standins" / "micromamba" / "micromamba.py"

#: Studio's runtime contract (docs/platform-facts.md, "Runtime contract"): the home on the EBS volume.
HOME = "/home/sagemaker-user"
#: Where the image keeps its baked-in extensions (as the SageMaker Distribution image does:
#: /opt/amazon/sagemaker/sagemaker-code-editor-server-data, aws/sagemaker-distribution).
IMAGE_EXTENSIONS = "/opt/amazon/sagemaker/sagemaker-code-editor-server-data/extensions"
#: The server data on the EBS home, as the distribution's start-code-editor puts it.
HOME_SERVER_DATA = f"{HOME}/sagemaker-code-editor-server-data"
HOME_EXTENSIONS = f"{HOME_SERVER_DATA}/extensions"
#: The micromamba root prefix of both bases (MAMBA_ROOT_PREFIX in mambaorg/micromamba and the distribution).
ROOT_PREFIX = "/opt/conda"

#: Records how it was started: one "arg" line per argument, the app type variable, and the
#: extensions folder as it was when the server started (entries, links marked, and extensions.json).
FAKE_SERVER = """#!/bin/bash
{
    printf 'arg %s\\n' "$@"
    printf 'env SAGEMAKER_APP_TYPE_LOWERCASE=%s\\n' "${SAGEMAKER_APP_TYPE_LOWERCASE-<unset>}"
    extensions=""
    previous=""
    for arg in "$@"; do
        [[ "$previous" == --extensions-dir ]] && extensions="$arg"
        previous="$arg"
    done
    if [[ -n "$extensions" ]]; then
        for entry in "$extensions"/*; do
            if [[ -L "$entry" ]]; then
                printf 'entry %s -> %s\\n' "${entry##*/}" "$(readlink "$entry")"
            else
                printf 'entry %s\\n' "${entry##*/}"
            fi
        done
    fi
} >>"$FAKE_SERVER_LOG"
"""


def relocate(text: str, root: Path) -> str:
    """The script with its absolute image paths under ``root``."""
    return text.replace(HOME, f"{root}/home").replace("/opt/", f"{root}/opt/")


def unrelocate(text: str, root: Path) -> str:
    """``text`` with the paths under ``root`` given back as the image's paths."""
    return text.replace(f"{root}/home", HOME).replace(f"{root}/opt/", "/opt/")


def under(root: Path, path: str) -> Path:
    """Where the image path ``path`` is under ``root``."""
    return root / path.lstrip("/")


def image_extension(root: Path, extension_id: str, version: str) -> str:
    """An extension folder baked into the image, as the server installs it: its package.json."""
    publisher, name = extension_id.split(".")
    folder = under(root, IMAGE_EXTENSIONS) / f"{extension_id}-{version}"
    folder.mkdir(parents=True)
    manifest = {"name": name, "publisher": publisher, "version": version, "engines": {"vscode": "^1.60.0"}}
    (folder / "package.json").write_text(json.dumps(manifest))
    return folder.name


def environment(root: Path) -> dict[str, str]:
    """PATH with the stand-in micromamba, its root prefix under ``root``, the fake server in its bin."""
    bin_dir = root / "tools"
    bin_dir.mkdir(exist_ok=True)
    micromamba = bin_dir / "micromamba"
    shutil.copyfile(MICROMAMBA, micromamba)
    micromamba.chmod(0o755)
    prefix = under(root, ROOT_PREFIX)
    (prefix / "bin").mkdir(parents=True, exist_ok=True)
    (prefix / "conda-meta").mkdir(exist_ok=True)
    server = prefix / "bin" / "sagemaker-code-editor"
    server.write_text(FAKE_SERVER)
    server.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAGEMAKER_", "CONDA_", "MAMBA_"))}
    env.update(
        PATH=f"{bin_dir}:{os.environ['PATH']}",
        MAMBA_ROOT_PREFIX=str(prefix),
        MAMBA_EXE=str(micromamba),
        FAKE_SERVER_LOG=str(root / "server.log"),
        HOME=str(root / "home"),
    )
    (root / "home").mkdir(exist_ok=True)
    return env


def server_log(root: Path) -> list[str]:
    path = root / "server.log"
    return path.read_text().splitlines() if path.exists() else []


# ----------------------------------------------------------------------------- start-code-editor


@pytest.fixture(scope="module")
def micromamba_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("start") / "project"
    run_byoi("new", "sagemaker-code-editor", "-o", str(out), "--no-input", check=True)
    return out


def start_code_editor(project: Path, root: Path, *args: str, env: dict[str, str] | None = None) -> list[str]:
    """Run the project's start-code-editor under ``root``; returns what the fake server recorded."""
    script = root / "start-code-editor"
    script.write_text(relocate((project / "start-code-editor").read_text(), root))
    script.chmod(0o755)
    proc = subprocess.run(
        ["bash", str(script), *args],
        env={**environment(root), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return [unrelocate(line, root) for line in server_log(root)]


#: Studio's flags for Code Editor: literals from the platform documents (platform-facts.md,
#: "Runtime contract", and the distribution's start-code-editor): 0.0.0.0:8888, no connection
#: token, the base path /<app type, lower-cased>/default, server data and extensions on the home.
STUDIO_ARGS = [
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
]


@pytest.mark.parametrize("app_type", ["CodeEditor", None], ids=["studio", "app type unset"])
def test_start_code_editor_starts_the_server_with_studios_flags(
    micromamba_project: Path, tmp_path: Path, app_type: str | None
) -> None:
    env = {"SAGEMAKER_APP_TYPE": app_type} if app_type else {}
    recorded = start_code_editor(micromamba_project, tmp_path, "--log", "trace", env=env)
    args = [line[len("arg ") :] for line in recorded if line.startswith("arg ")]
    # The arguments given to the container come last (README: passed on to the server).
    assert args == [*STUDIO_ARGS, "--log", "trace"], recorded
    # As the distribution's entrypoint-code-editor exports it (aws/sagemaker-distribution).
    assert "env SAGEMAKER_APP_TYPE_LOWERCASE=codeeditor" in recorded
    assert (tmp_path / "home" / "sagemaker-code-editor-user-data").is_dir()


def test_start_code_editor_links_the_image_extensions_before_the_server_starts(
    micromamba_project: Path, tmp_path: Path
) -> None:
    alpha = image_extension(tmp_path, "test.alpha", "1.0.0")
    recorded = start_code_editor(micromamba_project, tmp_path)
    entries = [line for line in recorded if line.startswith("entry ")]
    assert entries == [f"entry {alpha} -> {IMAGE_EXTENSIONS}/{alpha}"], recorded

    # The next image adds an extension; the space's server has written extensions.json by now.
    extensions = tmp_path / "home" / "sagemaker-code-editor-server-data" / "extensions"
    (extensions / "extensions.json").write_text(json.dumps([code_oss_entry(extensions, alpha, "test.alpha")]))
    beta = image_extension(tmp_path, "test.beta", "2.0.0")
    (tmp_path / "server.log").unlink()
    recorded = start_code_editor(micromamba_project, tmp_path)
    entries = [line for line in recorded if line.startswith("entry ")]
    assert entries == [
        "entry extensions.json",
        f"entry {alpha} -> {IMAGE_EXTENSIONS}/{alpha}",
        f"entry {beta} -> {IMAGE_EXTENSIONS}/{beta}",
    ], recorded
    listed = json.loads((extensions / "extensions.json").read_text())
    assert [(e["identifier"]["id"], e["version"], e["relativeLocation"]) for e in listed] == [
        ("test.alpha", "1.0.0", alpha),
        ("test.beta", "2.0.0", beta),
    ]


def code_oss_entry(extensions: Path, folder: str, extension_id: str) -> dict[str, object]:
    """An entry of extensions.json as Code-OSS writes it (tests/test_extension_linking.py checks the shape)."""
    return {
        "identifier": {"id": extension_id},
        "version": folder.rsplit("-", 1)[1],
        "location": {"$mid": 1, "path": str(extensions / folder), "scheme": "file"},
        "relativeLocation": folder,
        "metadata": {"installedTimestamp": 1700000000000, "source": "vsix"},
    }


# --------------------------------------------------------- the distribution's activation hook


@pytest.fixture(scope="module")
def distribution_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hook") / "project"
    run_byoi(
        "new", "sagemaker-code-editor", "-o", str(out), "--base", "sagemaker-distribution", "--no-input", check=True
    )
    return out


def hook_destination(project: Path) -> str:
    """Where the Dockerfile puts the hook in the image (read with byoi's own Dockerfile parser)."""
    final = build(parse((project / "Dockerfile").read_text())).final
    assert final is not None
    [copy] = [c for c in final.copies if "link-image-extensions.sh" in c.sources]
    target = copy.target_of("link-image-extensions.sh")
    assert target is not None
    return target


def activate(root: Path) -> subprocess.CompletedProcess[str]:
    """What the distribution's entrypoint-code-editor does first: activate the base environment."""
    script = (
        'set -e; eval "$(micromamba shell hook --shell=bash)"; micromamba activate base; '
        'echo "activated $CONDA_PREFIX"; declare -F __byoi_link_image_extensions || echo "no function left"'
    )
    return subprocess.run(
        ["bash", "-c", script], env=environment(root), capture_output=True, text=True, timeout=60, check=False
    )


def install_hook(project: Path, root: Path) -> Path:
    """The hook where the Dockerfile copies it, in the image tree under ``root``."""
    destination = under(root, hook_destination(project))
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(relocate((project / "link-image-extensions.sh").read_text(), root))
    return destination


def test_distribution_hook_runs_when_micromamba_activates_the_environment(
    distribution_project: Path, tmp_path: Path
) -> None:
    """The hook must be where micromamba's activation sources scripts from: libmamba's
    Activator::get_activate_scripts takes ``<prefix>/etc/conda/activate.d`` and the files with
    the shell's extension (``.sh`` for bash), sorted (mamba-org/mamba,
    libmamba/src/core/activation.cpp); conda documents the same folder ("Saving environment
    variables", conda docs). The stand-in micromamba does that; so the hook is put where the
    Dockerfile copies it, and only activation may run it."""
    destination = install_hook(distribution_project, tmp_path)
    assert destination.parent == under(tmp_path, ROOT_PREFIX) / "etc" / "conda" / "activate.d"
    assert destination.suffix == ".sh"
    alpha = image_extension(tmp_path, "test.alpha", "1.0.0")
    extensions = tmp_path / "home" / "sagemaker-code-editor-server-data" / "extensions"
    extensions.mkdir(parents=True)
    # An existing space: its server has written extensions.json (the user's own extension).
    user_folder = extensions / "user.own-2.0.0"
    user_folder.mkdir()
    (extensions / "extensions.json").write_text(json.dumps([code_oss_entry(extensions, user_folder.name, "user.own")]))

    proc = activate(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Quiet, and it leaves nothing behind in the entrypoint's shell.
    assert proc.stdout == f"activated {under(tmp_path, ROOT_PREFIX)}\nno function left\n"
    assert proc.stderr == ""
    assert (extensions / alpha).is_symlink()
    assert os.readlink(extensions / alpha) == str(under(tmp_path, IMAGE_EXTENSIONS) / alpha)
    listed = json.loads((extensions / "extensions.json").read_text())
    assert [e["relativeLocation"] for e in listed] == [user_folder.name, alpha]


def test_distribution_hook_leaves_a_new_space_to_the_distribution(distribution_project: Path, tmp_path: Path) -> None:
    """A new space has no extensions folder yet: the distribution's own entrypoint fills it on
    its first start (aws/sagemaker-distribution, entrypoint-code-editor); the hook does nothing."""
    install_hook(distribution_project, tmp_path)
    image_extension(tmp_path, "test.alpha", "1.0.0")
    proc = activate(tmp_path)
    assert proc.returncode == 0 and proc.stderr == "", proc.stdout + proc.stderr
    assert sorted(p.name for p in (tmp_path / "home").iterdir()) == []
