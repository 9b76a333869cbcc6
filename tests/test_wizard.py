"""The wizard: real questionary in a real pseudo-terminal (pexpect), keys as a person types them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from support import byoi_command, default_signals, run_byoi

DOWN = "\x1b[B"
ENTER = "\r"
CLEAR = "\x15"  # Ctrl-U: erase the line typed so far
CTRL_C = "\x03"


def files(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode & 0o777)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def spawn(*args: str, cwd: Path) -> pexpect.spawn:
    command = byoi_command()
    # prompt_toolkit asks the terminal where the cursor is; pexpect does not answer, so it is told not to ask
    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"}
    child = pexpect.spawn(
        command[0],
        [*command[1:], *args],
        cwd=str(cwd),
        env=env,
        encoding="utf-8",
        timeout=20,
        dimensions=(50, 250),
        preexec_fn=default_signals,  # a person's terminal session has the default dispositions
    )
    return child


def answer(child: pexpect.spawn, prompt: str, text: str) -> None:
    child.expect(prompt)
    child.send(text + ENTER)


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus if child.exitstatus is not None else 128 + (child.signalstatus or 0))


@pytest.mark.slow
def test_sagemaker_project_through_the_wizard_equals_the_flags(tmp_path: Path) -> None:
    child = spawn("new", cwd=tmp_path)
    child.expect("target: what to write")
    child.send(ENTER)  # the first target, SageMaker
    child.expect("base: base image family")
    child.send(DOWN + ENTER)  # sagemaker-distribution
    child.expect(r"gpu: use the GPU flavour")
    child.send("y")
    # issue 16: the Studio apps the image serves, here both (a repeatable answer)
    answer(child, r"app #1", "code-editor")
    answer(child, r"app #2", "jupyterlab")
    answer(child, r"app #3", "")
    # issue 20: what goes into the image (conda before pip), then its name and tag, then the advanced settings
    answer(child, r"conda-package #1", "numpy=2.1")
    answer(child, r"conda-package #2", "")
    answer(child, r"pip-package #1", "pkg[extra]>=1,<2")
    answer(child, r"pip-package #2", "")
    answer(child, r"extension #1", "ms-python.python")
    answer(child, r"extension #2", "")
    answer(child, "name: image", CLEAR + "wiz-editor")
    answer(child, "image-tag: tag", "")
    answer(child, r"env #1", "")
    answer(child, r"ca-cert #1", "")
    # an optional answer left empty is not set (here: the pinned default base), not "none"
    answer(child, r"base-image: full base image reference, overriding the pinned default \(empty: not set\)", "")
    # The CI system, an advanced setting every target shares, comes after the target's own questions.
    child.expect("ci: CI pipeline to write")
    child.send(DOWN + ENTER)  # github
    answer(child, r"output folder", CLEAR + "wiz")
    child.expect("byoi will write this sagemaker-code-editor project")
    child.expect("left at their defaults: image-tag \\(0.1.0\\), env, ca-cert, base-image\r\n")
    child.expect("Write it")
    child.send("y")
    assert finish(child) == 0
    flags = ["--base", "sagemaker-distribution", "--gpu", "--name", "wiz-editor", "--pip-package", "pkg[extra]>=1,<2"]
    flags += ["--conda-package", "numpy=2.1", "--extension", "ms-python.python", "--ci", "github"]
    flags += ["--app", "code-editor", "--app", "jupyterlab"]
    run_byoi("new", "sagemaker-code-editor", "-o", str(tmp_path / "flags"), "--no-input", *flags, check=True)
    assert files(tmp_path / "wiz") == files(tmp_path / "flags")
    # its answers file gives the same project again
    run_byoi("new", "--config", str(tmp_path / "wiz" / "byoi.yaml"), "-o", str(tmp_path / "again"), "--no-input")
    assert files(tmp_path / "again") == files(tmp_path / "wiz")


@pytest.mark.slow
def test_compute_module_through_the_wizard_equals_the_flags(tmp_path: Path) -> None:
    child = spawn("new", cwd=tmp_path)
    child.expect("target: what to write")
    child.send(DOWN * 5 + ENTER)  # the sixth target
    child.expect("foundry-compute-module")
    answer(child, r"apt-package #1", "")
    answer(child, r"pip-package #1", "numpy==2.1.3")
    answer(child, r"pip-package #2", "")
    answer(child, "name: image", CLEAR + "wiz-module")
    answer(child, "image-tag: tag", "")
    for prompt in (r"env #1", r"ca-cert #1", "base-image: base image"):
        answer(child, prompt, "")
    answer(child, "uid: numeric user id", CLEAR + "0")
    child.expect(r"--uid: 0 is root")  # refused as the flag refuses it, and asked again
    child.send(CLEAR + "7001" + ENTER)
    child.expect("telemetry")
    child.send(ENTER)
    child.expect("ci: CI pipeline to write")
    child.send(DOWN * 2 + ENTER)  # gitlab
    answer(child, r"output folder", CLEAR + "wiz")
    child.expect("byoi will write this foundry-compute-module project")
    child.expect("Write it")
    child.send("y")
    assert finish(child) == 0
    flags = ["--name", "wiz-module", "--pip-package", "numpy==2.1.3", "--uid", "7001", "--ci", "gitlab"]
    run_byoi("new", "foundry-compute-module", "-o", str(tmp_path / "flags"), "--no-input", *flags, check=True)
    assert files(tmp_path / "wiz") == files(tmp_path / "flags")


@pytest.mark.slow
def test_foundry_project_with_a_rejected_value_asked_again(tmp_path: Path) -> None:
    # The target and the output folder come from the flags; the wizard asks the rest.
    child = spawn("new", "foundry-sidecar", "-o", "side", "--uid", "7001", cwd=tmp_path)
    child.expect("mode: how the transform drives")
    child.send(DOWN + ENTER)  # server
    answer(child, r"port #1", "80")
    child.expect(r"--port: port 80 is outside 1024-65535")  # the flag's own message
    child.send(CLEAR + "8081" + ENTER)
    answer(child, r"port #2", "")
    answer(child, r"apt-package #1", "jq")
    answer(child, r"apt-package #2", "")
    answer(child, r"pip-package #1", "")
    answer(child, "command: command the sidecar runs", "")
    answer(child, "name: image", "")
    answer(child, "image-tag: tag", CLEAR + "latest")
    child.expect(r"--image-tag: 'latest' is refused")
    child.send(CLEAR + "1.0.0" + ENTER)
    for prompt in (r"env #1", r"ca-cert #1", "base-image: base image"):
        answer(child, prompt, "")
    child.expect("telemetry")
    child.send(ENTER)
    answer(child, "timeout: seconds", "")
    child.expect("ci: CI pipeline to write")
    child.send(ENTER)  # none, the default
    child.expect("Write it")
    child.send("y")
    assert finish(child) == 0
    flags = ["--mode", "server", "--port", "8081", "--image-tag", "1.0.0", "--apt-package", "jq", "--uid", "7001"]
    run_byoi("new", "foundry-sidecar", "-o", str(tmp_path / "flags"), "--no-input", *flags, check=True)
    assert files(tmp_path / "side") == files(tmp_path / "flags")


def test_ctrl_c_writes_nothing_and_exits_130(tmp_path: Path) -> None:
    child = spawn("new", "foundry-byoc", "-o", "never", cwd=tmp_path)
    child.expect("apt-package #1")
    child.send(CTRL_C)
    child.expect("cancelled; nothing written")
    rest = child.before or ""
    assert finish(child) == 130
    assert "Traceback" not in rest
    assert list(tmp_path.iterdir()) == []


def test_ctrl_d_ends_the_wizard_without_writing(tmp_path: Path) -> None:
    child = spawn("new", "foundry-byoc", "-o", "never", cwd=tmp_path)
    child.expect("apt-package #1")
    child.send(CLEAR + "\x04")
    child.expect("input ended; nothing written")
    rest = child.before or ""
    assert finish(child) == 1
    assert "Traceback" not in rest
    assert list(tmp_path.iterdir()) == []


def test_declining_the_summary_writes_nothing(tmp_path: Path) -> None:
    flags = ["--name", "b", "--image-tag", "1", "--base-image", "debian:12.8-slim", "--uid", "5001", "--telemetry"]
    child = spawn("new", "foundry-byoc", "-o", "b", *flags, cwd=tmp_path)
    for prompt in (r"apt-package #1", r"pip-package #1", r"env #1", r"ca-cert #1", r"port #1"):
        answer(child, prompt, "")
    child.expect("ci: CI pipeline to write")
    child.send(ENTER)
    child.expect("Write it")
    child.send("n")
    child.expect("nothing written")
    assert finish(child) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_bad_answer_is_refused_at_its_question_with_the_flags_message(tmp_path: Path) -> None:
    """Each answer goes through its option's own check as it is typed: a bad one is refused right
    there, with the message the flag gives, and the same question stays open (not left to the end)."""
    flags = ["--name", "b", "--base-image", "debian:12.8-slim", "--uid", "5001", "--telemetry"]
    child = spawn("new", "foundry-byoc", "-o", "b", *flags, cwd=tmp_path)
    for prompt in (r"apt-package #1", r"pip-package #1"):
        answer(child, prompt, "")
    answer(child, "image-tag: tag", CLEAR + "latest")
    # The refusal comes before the next question is asked.
    assert child.expect([r"--image-tag: 'latest' is refused", r"env #1"]) == 0
    child.send(CLEAR + "1.0.0" + ENTER)
    for prompt in (r"env #1", r"ca-cert #1"):
        answer(child, prompt, "")
    answer(child, r"port #1", "80")  # a repeatable answer is checked item by item
    assert child.expect([r"--port: port 80 is outside 1024-65535", r"port #2", r"ci: CI pipeline"]) == 0
    child.send(CLEAR + ENTER)
    child.expect("ci: CI pipeline to write")
    child.send(ENTER)
    child.expect("Write it")
    assert "image_tag: 1.0.0" in (child.before or "")
    child.send("n")
    child.expect("nothing written")
    assert finish(child) == 1
    assert list(tmp_path.iterdir()) == []


def test_without_a_terminal_nothing_is_asked_and_a_missing_answer_names_its_flag(tmp_path: Path) -> None:
    proc = run_byoi("new", "foundry-byoc", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "byoi: error: say where to write the project: -o DIR\n"
    proc = run_byoi("new", "-o", "x", cwd=tmp_path)
    assert proc.returncode == 2 and "name a target" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_no_input_on_a_terminal_asks_nothing(tmp_path: Path) -> None:
    child = spawn("new", "foundry-byoc", "--no-input", cwd=tmp_path)
    child.expect("say where to write the project: -o DIR")
    assert finish(child) == 2


@pytest.mark.parametrize("target", ["sagemaker-code-editor", "foundry-sidecar"])
def test_the_non_interactive_path_does_not_import_the_wizard(target: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "generator", "new", target, "-o", str(tmp_path / "p"), "--no-input"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "generator.templating" in imported  # the measurement sees byoi's own modules
    top = {name.split(".")[0] for name in imported}
    assert not top & {"questionary", "prompt_toolkit", "cookiecutter", "yaml"}
    assert "generator.wizard" not in imported


@pytest.mark.slow
def test_answers_that_fail_together_are_explained_and_asked_again(tmp_path: Path) -> None:
    flags = ["--name", "b", "--image-tag", "1", "--base-image", "debian:12.8-slim", "--telemetry"]
    child = spawn("new", "foundry-byoc", "-o", "b", *flags, cwd=tmp_path)
    for prompt in (r"apt-package #1", r"pip-package #1", r"env #1", r"ca-cert #1"):
        answer(child, prompt, "")
    answer(child, "uid: numeric user id", CLEAR + "7001")  # a valid uid, but not the one BYOC runs as
    answer(child, r"port #1", "")
    child.expect("ci: CI pipeline to write")
    child.send(ENTER)
    child.expect(r"--uid 7001: bring-your-own-container transforms run as user 5001 exactly")
    # every question again, the answers so far as defaults
    for prompt in (r"apt-package #1", r"pip-package #1", "name: image", "image-tag: tag", r"env #1", r"ca-cert #1"):
        answer(child, prompt, "")
    answer(child, "base-image: base", "")
    answer(child, "uid: numeric user id", CLEAR + "5001")
    answer(child, r"port #1", "")
    child.expect("telemetry")
    child.send(ENTER)
    child.expect("ci: CI pipeline to write")
    child.send(ENTER)
    child.expect("Write it")
    child.send("y")
    assert finish(child) == 0
    run_byoi("new", "foundry-byoc", "-o", str(tmp_path / "flags"), "--no-input", *flags, check=True)
    assert files(tmp_path / "b") == files(tmp_path / "flags")


@pytest.mark.parametrize(
    ("target", "flags", "message"),
    [
        (
            "sagemaker-code-editor",
            ["--base", "sagemaker-distribution", "--python-version", "3.11"],
            "byoi: error: --python-version applies only with --base micromamba; drop --python-version, "
            "or add --base micromamba\n",
        ),
    ],
)
def test_flags_refuse_an_answer_whose_condition_does_not_hold(
    target: str, flags: list[str], message: str, tmp_path: Path
) -> None:
    # The condition the wizard uses to skip a question (declared next to the option) also validates flags.
    proc = run_byoi("new", target, "-o", str(tmp_path / "p"), "--no-input", *flags)
    assert (proc.returncode, proc.stderr) == (2, message)
    assert not (tmp_path / "p").exists()


# The order issue 20 asks for, for every target: the base and its flavour, then the contents (conda before
# pip, then extensions; a Foundry image's Debian packages first), then name and tag, last the advanced settings.
# Each list is what a person meets taking every default (so conditional questions follow those defaults).
ORDER = {
    "sagemaker-code-editor": [
        "base", "python-version", "code-editor-version", "app",
        "conda-package", "pip-package", "extension",
        "name", "image-tag",
        "env", "ca-cert", "base-image", "ci",
    ],
    # The same Studio, without Code Editor's version and extensions; JupyterLab's version instead.
    "sagemaker-jupyterlab": [
        "base", "python-version", "jupyterlab-version", "app",
        "conda-package", "pip-package",
        "name", "image-tag",
        "env", "ca-cert", "base-image", "ci",
    ],
    "foundry-sidecar": [
        "mode",
        "apt-package", "pip-package", "command",
        "name", "image-tag",
        "env", "ca-cert", "base-image", "uid", "telemetry", "timeout", "ci",
    ],
    "foundry-byoc": [
        "apt-package", "pip-package",
        "name", "image-tag",
        "env", "ca-cert", "base-image", "uid", "port", "telemetry", "ci",
    ],
    "foundry-model": [
        "apt-package", "pip-package", "input-column", "output-column",
        "name", "image-tag",
        "env", "ca-cert", "base-image", "uid", "port", "telemetry", "ci",
    ],
    # A compute module listens on no port: no such question.
    "foundry-compute-module": [
        "apt-package", "pip-package",
        "name", "image-tag",
        "env", "ca-cert", "base-image", "uid", "telemetry", "ci",
    ],
}  # fmt: skip
# A question's label as questionary draws it: "? " (maybe styled), then "label: " or "label #1: ".
PROMPT = r"\?\S*\s+(?:\x1b\[[0-9;]*m)*([a-z][a-z-]*)(?: #1)?: "


@pytest.mark.slow
@pytest.mark.parametrize("target", list(ORDER))
def test_every_target_asks_contents_then_name_then_advanced_and_says_what_was_left_default(
    target: str, tmp_path: Path
) -> None:
    child = spawn("new", target, "-o", "never", cwd=tmp_path)
    asked: list[str] = []
    while child.expect([PROMPT, "byoi will write"]) == 0:
        label = child.match.group(1)
        if asked and asked[-1] == label:
            continue  # questionary draws a question again once it is answered
        asked.append(label)
        child.send(ENTER)  # the default: the first choice, the default text, no (more) item
    assert asked == ORDER[target]
    child.expect("Write it")
    summary = child.before or ""
    # every answer was left at its default, and the summary says so, in the order asked
    left = summary.split("left at their defaults: ", 1)[1].split("\r\n", 1)[0]
    assert [item.split(" (")[0] for item in left.split(", ")] == ORDER[target]
    child.send("n")
    assert finish(child) == 1
    assert list(tmp_path.iterdir()) == []
