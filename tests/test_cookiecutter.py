"""The repository is a cookiecutter template repository: the real cookiecutter command writes,
byte for byte, what ``byoi new`` writes, validates answers the same way, and never runs an
answer as template code."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import REPO, byoi_command, run_byoi

from generator.cookiecutter_ext import (
    cookiecutter_variables,
    local_extension_source,
    root_cookiecutter_json,
)
from generator.targets import TARGETS

COOKIECUTTER = str(Path(sys.executable).parent / "cookiecutter")
TARGET_NAMES = [
    "sagemaker-code-editor",
    "sagemaker-jupyterlab",
    "foundry-sidecar",
    "foundry-byoc",
    "foundry-model",
    "foundry-compute-module",
]
# Each target's default name (README's option tables), which names the folder cookiecutter writes.
DEFAULT_NAMES = {
    "sagemaker-code-editor": "my-code-editor",
    "sagemaker-jupyterlab": "my-jupyterlab",
    "foundry-sidecar": "my-sidecar",
    "foundry-byoc": "my-byoc",
    "foundry-model": "my-model",
    "foundry-compute-module": "my-compute-module",
}


def cookiecutter(
    out: Path, template: Path, *answers: str, extra: tuple[str, ...] = (), command: str = COOKIECUTTER
) -> subprocess.CompletedProcess[str]:
    """The cookiecutter command as a user runs it, with a home of its own (no ~/.cookiecutterrc)."""
    home = out.parent / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home)}
    return subprocess.run(
        [command, "--no-input", str(template), "-o", str(out), *extra, *answers],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def files(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of the project under ``root``: its bytes and permission bits.

    Not ``.byoi/``: byoi's record of what it wrote (for ``byoi upgrade``) is byoi's own
    bookkeeping, not the template's output; a project cookiecutter wrote has none.
    """
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode & 0o777)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith(".byoi/")
    }


def test_root_cookiecutter_json_offers_every_target() -> None:
    data = json.loads((REPO / "cookiecutter.json").read_text())
    assert list(data["templates"]) == TARGET_NAMES
    for name, entry in data["templates"].items():
        assert (REPO / entry["path"] / "cookiecutter.json").is_file()
        assert entry["title"] == name
    assert data == root_cookiecutter_json(TARGETS), "run python -m generator.cookiecutter_ext"


@pytest.mark.parametrize("target", TARGET_NAMES)
def test_template_files_are_in_sync_with_the_answers_class(target: str) -> None:
    folder = REPO / "templates" / target
    on_disk = json.loads((folder / "cookiecutter.json").read_text())
    assert on_disk == cookiecutter_variables(TARGETS[target]), "run python -m generator.cookiecutter_ext"
    assert (folder / "byoi_template.py").read_text() == local_extension_source()
    # every answer is text: cookiecutter answers a bad choice or boolean with a traceback
    assert all(isinstance(v, str) for k, v in on_disk.items() if not k.startswith("_"))


# Three answer sets a target, as an answers file gives them (lists as lists).
ANSWER_SETS: dict[str, list[dict[str, Any]]] = {
    "sagemaker-code-editor": [
        {},
        {
            "name": "team-editor",
            "image_tag": "2.0.0",
            "pip_packages": ["pkg[extra]>=1,<2", "httpx==0.28.1"],
            "conda_packages": ["numpy=2.1"],
            "extensions": ["ms-python.python@2024.22.2", "https://example.com/dl/vim-1.27.2.vsix"],
            "env": ["GREETING=hello, world"],
            "ci": "github",
        },
        {
            "base": "sagemaker-distribution",
            "gpu": True,
            "extensions": ["redhat.vscode-yaml"],
            "name": "gpu-editor",
            "ci": "gitlab",
        },
    ],
    "sagemaker-jupyterlab": [
        {},
        {"python_version": "3.11", "conda_packages": ["jupyter-collaboration"], "env": ["MODE=dev"], "ci": "github"},
        {"base": "sagemaker-distribution", "gpu": True, "apps": ["code-editor", "jupyterlab"], "name": "gpu-lab"},
    ],
    "foundry-sidecar": [
        {},
        {
            "mode": "server",
            "ports": [8081, 9090],
            "apt_packages": ["jq", "curl"],
            "command_line": "echo a,b",
            "ci": "github",
        },
        {"timeout": 0, "telemetry": False, "uid": 7001, "pip_packages": ["requests>=2,<3"], "ci": "gitlab"},
    ],
    "foundry-byoc": [
        {},
        {"name": "cobol", "apt_packages": ["gnucobol"], "env": ["MODE=batch"], "ci": "github"},
        {"base_image": "debian:12.8-slim", "ports": [5000], "image_tag": "v7", "ci": "gitlab"},
    ],
    "foundry-model": [
        {},
        {"input_columns": ["text:str", "score:float"], "output_columns": ["label:str"], "uid": 6001, "ci": "github"},
        {"pip_packages": ["scikit-learn==1.5.2"], "ports": [8500], "name": "sentiment", "ci": "gitlab"},
    ],
    "foundry-compute-module": [
        {},
        {"uid": 6001, "telemetry": False, "env": ["LOG_LEVEL=debug"]},
        {"pip_packages": ["numpy==2.1.3"], "apt_packages": ["curl"], "name": "scoring", "image_tag": "1.2.3"},
    ],
}
CASES = [(t, i) for t in TARGET_NAMES for i in range(3)]


def extra_context(answers: dict[str, Any]) -> list[str]:
    """cookiecutter's key=value arguments: lists as JSON lists, booleans as yes/no."""
    out = []
    for key, value in answers.items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, list):
            value = json.dumps(value)
        out.append(f"{key}={value}")
    return out


@pytest.mark.parametrize(("target", "index"), CASES)
def test_cookiecutter_writes_byte_for_byte_what_byoi_new_writes(target: str, index: int, tmp_path: Path) -> None:
    answers = ANSWER_SETS[target][index]
    config = tmp_path / "answers.yaml"
    config.write_text(yaml.safe_dump({"target": target, **answers}))
    run_byoi("new", "--config", str(config), "-o", str(tmp_path / "byoi"), "--no-input", check=True)
    proc = cookiecutter(tmp_path / "cc", REPO / "templates" / target, *extra_context(answers))
    assert proc.returncode == 0, proc.stderr
    written = files(tmp_path / "byoi")
    # the folder is named after the project, as cookiecutter templates do
    name = answers.get("name", DEFAULT_NAMES[target])
    assert [p.name for p in (tmp_path / "cc").iterdir()] == [name]
    assert files(tmp_path / "cc" / name) == written
    # the answers file is in both, and gives the answers back
    saved = yaml.safe_load(written["byoi.yaml"][0])
    assert saved == {"target": target, **answers}


def test_cookiecutter_config_file_gives_lists_as_yaml_lists(tmp_path: Path) -> None:
    answers = {"pip_packages": ["pkg[extra]>=1,<2", "httpx"], "apt_packages": ["jq"]}
    user_config = tmp_path / "cc-config.yaml"
    user_config.write_text(yaml.safe_dump({"default_context": answers}))
    proc = cookiecutter(tmp_path / "cc", REPO / "templates" / "foundry-byoc", extra=("--config-file", str(user_config)))
    assert proc.returncode == 0, proc.stderr
    config = tmp_path / "answers.yaml"
    config.write_text(yaml.safe_dump({"target": "foundry-byoc", **answers}))
    run_byoi("new", "--config", str(config), "-o", str(tmp_path / "byoi"), "--no-input", check=True)
    assert files(tmp_path / "cc" / "my-byoc") == files(tmp_path / "byoi")


def test_repository_root_offers_the_targets_and_writes_the_first(tmp_path: Path) -> None:
    proc = cookiecutter(tmp_path / "cc", REPO, "name=root-editor")
    assert proc.returncode == 0, proc.stderr
    run_byoi("new", "sagemaker-code-editor", "-o", str(tmp_path / "byoi"), "--no-input", "--name", "root-editor")
    assert files(tmp_path / "cc" / "root-editor") == files(tmp_path / "byoi")


@pytest.mark.slow
def test_cookiecutter_at_the_repository_root_offers_every_target_and_asks(tmp_path: Path) -> None:
    import pexpect

    home = tmp_path / "home"
    home.mkdir()
    child = pexpect.spawn(
        COOKIECUTTER,
        [str(REPO), "-o", "out"],
        cwd=str(tmp_path),
        env={**os.environ, "HOME": str(home)},
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 250),
    )
    child.expect("Select a template")
    for name in TARGET_NAMES:
        child.expect(name)
    child.expect("Choose from")
    child.sendline(str(TARGET_NAMES.index("foundry-sidecar") + 1))  # cookiecutter numbers its choices from 1
    asked = []
    for number in range(1, 16):
        child.expect(rf"\[{number}/15\]")
        child.expect(r": $")
        prompt = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", child.before).split())
        asked.append(prompt)
        if prompt.startswith("image (and project) name"):
            child.sendline("typed-sidecar")
        elif prompt.startswith("numeric user id"):
            child.sendline("7001")
        else:
            child.sendline("")  # the rest as they are
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    # the folder's name is asked right after the project's name, with that name as its default
    named = next(i for i, p in enumerate(asked) if p.startswith("image (and project) name"))
    assert asked[named + 1] == "project folder name (typed-sidecar)"
    assert not any("-o" in p for p in asked)  # byoi's option, which cookiecutter's user does not have
    flags = ["--uid", "7001", "--name", "typed-sidecar"]
    run_byoi("new", "foundry-sidecar", "-o", str(tmp_path / "byoi"), "--no-input", *flags, check=True)
    assert files(tmp_path / "out" / "typed-sidecar") == files(tmp_path / "byoi")


BAD = [
    ("sagemaker-code-editor", "image_tag=latest", "error: image_tag: 'latest' is refused"),
    ("foundry-sidecar", "uid=0", "error: uid: 0 is root"),
    ("foundry-sidecar", 'ports=["80"]', "error: ports: port 80 is outside 1024-65535"),
    ("foundry-byoc", "image_tag=-x", "error: image_tag: '-x' is not a valid image tag"),
    ("sagemaker-code-editor", 'extensions=["not an id"]', "error: extensions: 'not an id' is not an Open VSX"),
    ("foundry-model", 'pip_packages=["a; rm -rf /"]', "error: pip_packages: pip package 'a; rm -rf /' contains"),
    ("foundry-byoc", "project_slug=../escape", "error: project_slug: '../escape' is not a folder name"),
    ("foundry-byoc", "project_slug=a/b", "error: project_slug: 'a/b' is not a folder name"),
    ("foundry-sidecar", "mode=socket", "error: mode: 'socket' is not one of flags, server"),
    ("foundry-sidecar", "telemetry=maybe", "error: telemetry: 'maybe' is not a boolean"),
    ("foundry-model", "pip_packages=[1, 2", "error: pip_packages: '[1, 2' is not a JSON list"),
    ("foundry-byoc", f"ca_certs={REPO / 'tests' / 'data' / 'test-ca.pem'}", "error: ca_certs: use byoi new --ca-cert"),
]


@pytest.mark.parametrize(("target", "answer", "message"), BAD)
def test_bad_answers_get_one_line_and_leave_nothing(target: str, answer: str, message: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = cookiecutter(out, REPO / "templates" / target, answer)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(message), proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    # refused before cookiecutter wrote anything: not even the -o folder, nor anything beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


@pytest.mark.parametrize(
    "answer",
    [
        "name={{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
        'pip_packages=["{% if true %}x{% endif %}"]',
        "command_line={# c #}/app/work.sh",
    ],
)
def test_template_code_in_an_answer_is_refused_before_cookiecutter_renders_it(answer: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [COOKIECUTTER, "--no-input", str(REPO / "templates" / "foundry-sidecar"), "-o", str(out), answer],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "holds Jinja template syntax" in proc.stderr and proc.stderr.count("\n") == 1
    assert not (tmp_path / "PWNED").exists()
    assert not out.exists()


def test_byoi_new_never_renders_an_answer_as_template_code(tmp_path: Path) -> None:
    # byoi passes answers to the templates as data: Jinja syntax in a value is written as it is.
    command = "echo '{{ 7 * 7 }}' {% raw %}"
    run_byoi("new", "foundry-sidecar", "-o", str(tmp_path / "p"), "--no-input", "--command", command, check=True)
    text = "".join(v[0].decode() for v in files(tmp_path / "p").values())
    assert "{{ 7 * 7 }}" in text and "{% raw %}" in text
    assert yaml.safe_load((tmp_path / "p" / "byoi.yaml").read_text())["command_line"] == command


def test_the_compiled_template_cache_changes_nothing(tmp_path: Path) -> None:
    # byoi new keeps compiled templates in $XDG_CACHE_HOME/byoi/templates: cold, warm,
    # corrupted or impossible to create, the project is the same.
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cache = tmp_path / "cache"
    written = []
    for i, home in enumerate([cache, cache, cache, blocker]):
        if i == 2:
            for compiled in (cache / "byoi" / "templates").iterdir():
                compiled.write_bytes(b"not bytecode")
        out = tmp_path / f"p{i}"
        subprocess.run(
            [*byoi_command(), "new", "foundry-sidecar", "-o", str(out), "--no-input", "--mode", "server"],
            env={**os.environ, "XDG_CACHE_HOME": str(home)},
            check=True,
            capture_output=True,
        )
        written.append(files(out))
        if i == 0:
            assert len(list((cache / "byoi" / "templates").iterdir())) >= 5  # the templates it rendered
    assert all(w == written[0] for w in written)


@pytest.fixture(scope="session")
def cookiecutter_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with only cookiecutter installed (no byoi), made once a session."""
    env_dir = tmp_path_factory.mktemp("cookiecutter-only") / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "cookiecutter>=2.6,<3"], check=True, timeout=600)
    probe = subprocess.run([str(python), "-c", "import generator"], capture_output=True, check=False, cwd="/")
    assert probe.returncode != 0, "byoi must not be importable in the cookiecutter-only environment"
    return env_dir / "bin" / "cookiecutter"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("extra", "target"),
    [((), "sagemaker-code-editor"), (("--directory", "templates/foundry-sidecar"), "foundry-sidecar")],
)
def test_works_where_only_cookiecutter_is_installed(
    cookiecutter_only: Path, extra: tuple[str, ...], target: str, tmp_path: Path
) -> None:
    proc = cookiecutter(tmp_path / "cc", REPO, extra=extra, command=str(cookiecutter_only))
    assert proc.returncode == 0, proc.stderr
    run_byoi("new", target, "-o", str(tmp_path / "byoi"), "--no-input", check=True)
    assert files(tmp_path / "cc" / DEFAULT_NAMES[target]) == files(tmp_path / "byoi")
    # and it still validates with byoi's rules
    bad = cookiecutter(tmp_path / "bad", REPO, "image_tag=latest", extra=extra, command=str(cookiecutter_only))
    assert bad.returncode == 2 and bad.stderr.startswith("error: image_tag: 'latest' is refused"), bad.stderr
    assert not (tmp_path / "bad").exists()


# --- issue 20: the folder is named after the project; errors name cookiecutter's variables ---------


def test_each_project_gets_a_folder_named_after_it(tmp_path: Path) -> None:
    # The run: two projects, one after the other, into the same folder.
    for name in ("fraud-model", "churn-model"):
        proc = cookiecutter(tmp_path / "cc", REPO / "templates" / "foundry-model", f"name={name}")
        assert proc.returncode == 0, proc.stderr
        run_byoi("new", "foundry-model", "-o", str(tmp_path / name), "--no-input", "--name", name, check=True)
        assert files(tmp_path / "cc" / name) == files(tmp_path / name)
    assert sorted(p.name for p in (tmp_path / "cc").iterdir()) == ["churn-model", "fraud-model"]
    # a folder name of one's own still works, and changes nothing inside
    proc = cookiecutter(tmp_path / "own", REPO / "templates" / "foundry-model", "name=fraud-model", "project_slug=x")
    assert proc.returncode == 0, proc.stderr
    assert files(tmp_path / "own" / "x") == files(tmp_path / "fraud-model")


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        # the default folder is the name, checked first: a bad name is refused as the name, before any folder
        (
            ["name=Fraud Model"],
            "error: name: 'Fraud Model' is not a valid image name; use lower-case letters, digits, '-' and '.', "
            "starting and ending with a letter or digit, at most 63 characters\n",
        ),
        # template code given as the folder is refused, not run
        (["project_slug={{ cookiecutter.uid }}"], "error: project_slug: '{{ cookiecutter.uid }}' holds Jinja"),
        (["project_slug="], "error: project_slug: '' is not a folder name"),
    ],
)
def test_the_folder_default_renders_the_checked_name(answers: list[str], message: str, tmp_path: Path) -> None:
    proc = cookiecutter(tmp_path / "out", REPO / "templates" / "foundry-model", *answers)
    assert proc.returncode == 2
    assert proc.stderr.startswith(message) and proc.stderr.count("\n") == 1, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def _spawn_cookiecutter(tmp_path: Path, template: str) -> Any:
    import pexpect

    home = tmp_path / "home"
    home.mkdir()
    return pexpect.spawn(
        COOKIECUTTER,
        [str(REPO / "templates" / template), "-o", "out"],
        cwd=str(tmp_path),
        env={**os.environ, "HOME": str(home)},
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 250),
    )


def _answer_until(child: Any, prompt: str, text: str) -> None:
    """Take the defaults up to the question starting with ``prompt``, and type ``text`` there."""
    while True:
        child.expect(r"\[\d+/\d+\]")
        child.expect(r": $")
        if re.sub(r"\x1b\[[0-9;]*m", "", child.before).strip().startswith(prompt):
            child.sendline(text)
            return
        child.sendline("")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("prompt", "typed", "message"),
    [
        ("image (and project) name", "x{{ 7 * 7 }}", "error: name: 'x{{ 7 * 7 }}' holds Jinja template syntax"),
        ("project folder name", "{{ 7 * 7 }}", "error: project_slug: '{{ 7 * 7 }}' holds Jinja template syntax"),
        ("image (and project) name", "Fraud", "error: name: 'Fraud' is not a valid image name"),
    ],
)
def test_a_typed_answer_is_never_run_as_template_code(prompt: str, typed: str, message: str, tmp_path: Path) -> None:
    import pexpect

    child = _spawn_cookiecutter(tmp_path, "foundry-byoc")
    _answer_until(child, prompt, typed)
    while child.expect([r": $", pexpect.EOF]) == 0:
        child.sendline("")
    child.close()
    assert child.exitstatus == 2
    assert message in child.before and "Traceback" not in child.before
    assert "x49" not in child.before
    assert not (tmp_path / "out").exists()


# One bad value for every variable of every target, and what the refusal starts with: the variable, as
# cookiecutter's prompts and key=value arguments name it (never byoi's flag).
EVERY_VARIABLE = [
    ("sagemaker-code-editor", "base=alpine", "error: base: 'alpine' is not one of micromamba, sagemaker-distribution"),
    ("sagemaker-code-editor", "gpu=maybe", "error: gpu: 'maybe' is not a boolean"),
    ("sagemaker-code-editor", "python_version=2.7", "error: python_version: '2.7' is not a Python version"),
    ("sagemaker-code-editor", "code_editor_version=x", "error: code_editor_version: 'x' is not a version"),
    ("sagemaker-jupyterlab", "jupyterlab_version=x", "error: jupyterlab_version: 'x' is not a version"),
    ("sagemaker-jupyterlab", 'apps=["rstudio"]', "error: apps: 'rstudio' is not a Studio app"),
    ("sagemaker-code-editor", 'conda_packages=["a;b"]', "error: conda_packages: conda package 'a;b' contains"),
    ("sagemaker-code-editor", 'pip_packages=["a;b"]', "error: pip_packages: pip package 'a;b' contains"),
    ("sagemaker-code-editor", 'extensions=["nope"]', "error: extensions: 'nope' is not an Open VSX"),
    ("sagemaker-code-editor", "image_tag=latest", "error: image_tag: 'latest' is refused"),
    ("sagemaker-code-editor", 'env=["NOVALUE"]', "error: env: 'NOVALUE' is not KEY=VALUE"),
    ("sagemaker-code-editor", "ca_certs=/nonexistent.pem", "error: ca_certs: /nonexistent.pem is not a file"),
    ("sagemaker-code-editor", "base_image=ubuntu", "error: base_image: 'ubuntu' has no tag"),
    ("foundry-sidecar", "mode=socket", "error: mode: 'socket' is not one of flags, server"),
    ("foundry-sidecar", 'ports=["80"]', "error: ports: port 80 is outside 1024-65535"),
    ("foundry-sidecar", 'apt_packages=["Bad Pkg"]', "error: apt_packages: "),
    ("foundry-sidecar", "command_line= ", "error: command_line: the command is empty"),
    ("foundry-sidecar", "uid=0", "error: uid: 0 is root"),
    ("foundry-sidecar", "telemetry=maybe", "error: telemetry: 'maybe' is not a boolean"),
    ("foundry-sidecar", "timeout=-1", "error: timeout: '-1' is not a number of seconds"),
    ("foundry-model", 'input_columns=["x"]', "error: input_columns: "),
    ("foundry-model", 'output_columns=["x:complex"]', "error: output_columns: "),
    ("foundry-byoc", "name=Bad", "error: name: 'Bad' is not a valid image name"),
    ("foundry-model", "ci=jenkins", "error: ci: 'jenkins' is not one of none, github, gitlab"),
    # checks across several answers, in the variables' words too
    (
        "foundry-byoc",
        "uid=7001",
        "error: uid 7001: bring-your-own-container transforms run as user 5001 exactly; drop uid or give 5001\n",
    ),
    (
        "sagemaker-code-editor",
        "gpu=yes",
        "error: gpu picks the GPU flavour of the SageMaker Distribution image; add base=sagemaker-distribution\n",
    ),
    (
        "foundry-byoc",
        "base_image=gcr.io/distroless/static-debian12:nonroot",
        "error: base_image gcr.io/distroless/static-debian12:nonroot has no /bin/sh",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("target", "answer", "message"), EVERY_VARIABLE)
def test_every_refusal_names_the_variable_not_byoi_flag(target: str, answer: str, message: str, tmp_path: Path) -> None:
    proc = cookiecutter(tmp_path / "out", REPO / "templates" / target, answer)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(message) and proc.stderr.count("\n") == 1, proc.stderr
    assert " --" not in proc.stderr, proc.stderr  # no flag of byoi's
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_every_variable_has_a_refusal_above() -> None:
    # the table covers every answer of every target (a new answer needs a line there)
    variables = {(t, k) for t in TARGET_NAMES for k in cookiecutter_variables(TARGETS[t]) if not k.startswith("_")}
    covered = {answer.split("=")[0] for _, answer, _ in EVERY_VARIABLE} | {"project_slug"}
    assert {k for _, k in variables} <= covered
