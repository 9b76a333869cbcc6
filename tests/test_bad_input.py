"""The bad-input table: every input channel, every target, one line and nothing written.

Each case runs the real ``byoi`` command in a subprocess, in a fresh folder, and asserts
what the project promises for bad input: exit status 2, exactly one line on stderr that
names the field (or the file) at fault, no traceback, and nothing written: the output
folder absent and the folder around it unchanged. Inputs that could hang a reader (a
FIFO, ``/dev/zero``) run under a short timeout, so a hang fails instead of blocking.

Channels: flags, answers files (``--config``), checker settings (``.byoi.yaml``,
``pyproject.toml``, ``--config``), paths (``--ca-cert``, ``--config``), and plain
cookiecutter's ``--no-input`` extra context. The reproductions of issue 9 (items 7-12)
are marked ``issue9-`` in the case ids.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support import REPO, byoi_command

TARGETS = (
    "sagemaker-code-editor",
    "sagemaker-jupyterlab",
    "foundry-sidecar",
    "foundry-byoc",
    "foundry-model",
    "foundry-compute-module",
)
# Bytes that are not UTF-8 (0xff) and a UTF-8-style encoding of a lone surrogate (U+DCB2):
# Python hands both to byoi as lone surrogates (os.fsdecode's surrogateescape).
NOT_UTF8 = os.fsdecode(b"\xff")
LONE_SURROGATE = os.fsdecode(b"\xed\xb2\x80")
# An alias bomb: 9 levels of 9 aliases, about 450 bytes for 9**9 (387 million) nodes,
# as the value of an answer, so that reading the answer walks the whole expansion.
ALIAS_BOMB = "target: foundry-sidecar\nenv:\n  a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"  {n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)
PEM = (REPO / "tests" / "data" / "test-ca.pem").read_text()


@dataclass(frozen=True)
class Case:
    """``byoi ARGS`` in a folder holding ``files`` (and FIFOs named in ``fifos``)."""

    args: tuple[str, ...]
    #: Text the one error line must hold: the field (flag, key) or the file at fault.
    needle: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    fifos: tuple[str, ...] = ()
    #: Symbolic links to make: name -> where it points.
    links: dict[str, str] = field(default_factory=dict)


def new(target: str | None, *args: str, needle: str, **kw: object) -> Case:
    head = ("new", target) if target else ("new",)
    return Case((*head, "-o", "out", "--no-input", *args), needle, **kw)  # type: ignore[arg-type]


def answers(target: str, body: str, needle: str, *args: str) -> Case:
    return new(None, "--config", "a.yaml", *args, needle=needle, files={"a.yaml": f"target: {target}\n{body}"})


def check(*args: str, needle: str, files: dict[str, str | bytes] | None = None, fifos: tuple[str, ...] = ()) -> Case:
    base: dict[str, str | bytes] = {"Dockerfile": "FROM debian:12\nUSER 5000\n"}
    return Case(("check", "Dockerfile", *args), needle, {**base, **(files or {})}, fifos)


CASES: dict[str, Case] = {}

# --- flags, on every target ------------------------------------------------------------
for t in TARGETS:
    CASES |= {
        f"issue7-{t}-tag-trailing-newline": new(t, "--image-tag", "1.0\n", needle="--image-tag"),
        f"issue7-{t}-name-trailing-newline": new(t, "--name", "my-image\n", needle="--name"),
        f"{t}-env-value-trailing-newline": new(t, "--env", "A=1\n", needle="--env"),
        f"issue7-{t}-env-key-newline": new(t, "--env", "A\n=1", needle="--env"),
        f"issue7-{t}-pip-trailing-newline": new(t, "--pip-package", "numpy\n", needle="--pip-package"),
        f"{t}-tag-tab": new(t, "--image-tag", "1.0\t", needle="--image-tag"),
        f"{t}-name-escape-sequence": new(t, "--name", "a\x1b[31m", needle="--name"),
        f"{t}-env-line-separator": new(t, "--env", "A=x\u2028y", needle="--env"),
        f"issue8-{t}-env-not-utf8": new(t, "--env", f"A={NOT_UTF8}", needle="--env"),
        f"issue8-{t}-env-lone-surrogate": new(t, "--env", f"A={LONE_SURROGATE}", needle="--env"),
        f"{t}-env-nul-free-secret": new(t, "--env", "API_TOKEN=x", needle="--env"),
        f"{t}-tag-latest": new(t, "--image-tag", "latest", needle="--image-tag"),
    }

CASES |= {
    # sidecar
    "issue7-sidecar-command-trailing-newline": new("foundry-sidecar", "--command", "echo hi\n", needle="--command"),
    "issue8-sidecar-command-not-utf8": new("foundry-sidecar", "--command", f"echo {NOT_UTF8}", needle="--command"),
    "issue8-sidecar-command-lone-surrogate": new(
        "foundry-sidecar", "--command", f"echo {LONE_SURROGATE}", needle="--command"
    ),
    "sidecar-command-cr": new("foundry-sidecar", "--command", "echo a\rb", needle="--command"),
    "sidecar-command-empty": new("foundry-sidecar", "--command", "", needle="--command"),
    "sidecar-timeout-fraction": new("foundry-sidecar", "--timeout", "1.5", needle="--timeout"),
    "sidecar-timeout-newline": new("foundry-sidecar", "--timeout", "10\n", needle="--timeout"),
    "sidecar-mode-unknown": new("foundry-sidecar", "--mode", "socket", needle="--mode"),
    "sidecar-mode-newline": new("foundry-sidecar", "--mode", "flags\n", needle="--mode"),
    "sidecar-port-reserved": new("foundry-sidecar", "--port", "80", needle="--port"),
    "sidecar-uid-root": new("foundry-sidecar", "--uid", "0", needle="--uid"),
    "sidecar-uid-newline": new("foundry-sidecar", "--uid", "5000\n", needle="--uid"),
    # byoc
    "byoc-uid-other": new("foundry-byoc", "--uid", "1000", needle="--uid"),
    "issue7-byoc-apt-trailing-newline": new("foundry-byoc", "--apt-package", "curl\n", needle="--apt-package"),
    "byoc-base-image-newline": new("foundry-byoc", "--base-image", "debian:12\n", needle="--base-image"),
    "byoc-port-newline": new("foundry-byoc", "--port", "8080\n", needle="--port"),
    # model
    "issue7-model-input-column-trailing-newline": new(
        "foundry-model", "--input-column", "text:str\n", needle="--input-column"
    ),
    "model-input-column-name-newline": new("foundry-model", "--input-column", "te\nxt:str", needle="--input-column"),
    "model-output-column-type": new("foundry-model", "--output-column", "a:complex", needle="--output-column"),
    "model-telemetry-shell-less": new(
        "foundry-model", "--base-image", "gcr.io/distroless/python3-debian12:nonroot", needle="--base-image"
    ),
    # sagemaker-code-editor
    "issue7-sm-python-trailing-newline": new(
        "sagemaker-code-editor", "--python-version", "3.12\n", needle="--python-version"
    ),
    "issue7-sm-code-editor-trailing-newline": new(
        "sagemaker-code-editor", "--code-editor-version", "1.10\n", needle="--code-editor-version"
    ),
    "issue7-sm-conda-trailing-newline": new(
        "sagemaker-code-editor", "--conda-package", "numpy\n", needle="--conda-package"
    ),
    "issue7-sm-extension-trailing-newline": new(
        "sagemaker-code-editor", "--extension", "ms-python.python\n", needle="--extension"
    ),
    "sm-base-image-trailing-newline": new(
        "sagemaker-code-editor", "--base-image", "debian:12\n", needle="--base-image"
    ),
    "sm-gpu-without-distribution": new("sagemaker-code-editor", "--gpu", needle="--gpu"),
    "jl-gpu-without-distribution": new("sagemaker-jupyterlab", "--gpu", needle="--gpu"),
    "jl-env-reserved": new("sagemaker-jupyterlab", "--env", "SAGEMAKER_X=x", needle="--env"),
    "jl-jupyterlab-version-newline": new(
        "sagemaker-jupyterlab", "--jupyterlab-version", "4.5\n", needle="--jupyterlab-version"
    ),
    "jl-file-jupyterlab-version-float": answers("sagemaker-jupyterlab", "jupyterlab_version: 4.5\n", '"4.5"'),
    "sm-env-reserved": new("sagemaker-code-editor", "--env", "AWS_REGION=x", needle="--env"),
    "sm-base-unknown": new("sagemaker-code-editor", "--base", "alpine", needle="--base"),
}

# --- answers files ------------------------------------------------------------------------
for t in TARGETS:
    CASES |= {
        f"issue7-{t}-file-tag-escaped-newline": answers(t, 'image_tag: "1.0\\n"\n', "--image-tag"),
        f"issue8-{t}-file-env-nul": answers(t, 'env: ["A=\\0"]\n', "--env"),
        f"{t}-file-tag-float": answers(t, "image_tag: 1.0\n", "--image-tag"),
        f"{t}-file-name-boolean": answers(t, "name: yes\n", "--name"),
        f"{t}-file-env-mapping": answers(t, "env: {A: 1}\n", "--env"),
        f"{t}-file-pip-number": answers(t, "pip_packages: [1]\n", "--pip-package"),
        f"{t}-file-key-twice": answers(t, "pip-package: [a]\npip_packages: [b]\n", "pip_packages"),
        f"{t}-file-unknown-key": answers(t, "colour: blue\n", "colour"),
    }
for t in TARGETS[2:]:  # the Foundry targets
    CASES |= {
        f"{t}-file-uid-fraction": answers(t, "uid: 5000.5\n", "--uid"),
        f"{t}-file-uid-boolean": answers(t, "uid: true\n", "--uid"),
        f"{t}-file-telemetry-number": answers(t, "telemetry: 1\n", "--telemetry"),
        # A compute module listens on no port: it has no such answer.
        f"{t}-file-port-float": answers(
            t, "port: [8080.0]\n", "unknown answer 'port'" if t == "foundry-compute-module" else "--port"
        ),
    }

CASES |= {
    "issue8-file-target-list": new(
        None, "--config", "a.yaml", needle="target", files={"a.yaml": "target: [foundry-sidecar]\n"}
    ),
    "file-target-mapping": new(None, "--config", "a.yaml", needle="target", files={"a.yaml": "target: {a: b}\n"}),
    "file-target-newline": new(
        None, "--config", "a.yaml", needle="target", files={"a.yaml": 'target: "foundry-sidecar\\n"\n'}
    ),
    "issue9-file-command-list": answers("foundry-sidecar", "command_line: [echo, hi]\n", "--command"),
    "issue9-file-command-key-list": answers("foundry-sidecar", "command: [echo, hi]\n", "--command"),
    "issue9-file-python-version-float": answers("sagemaker-code-editor", "python_version: 3.10\n", '"3.10"'),
    "issue9-file-code-editor-version-float": answers("sagemaker-code-editor", "code_editor_version: 1.10\n", '"1.10"'),
    "file-tag-octal": answers("foundry-byoc", "image_tag: 010\n", '"010"'),
    "file-tag-date": answers("foundry-byoc", "image_tag: 2024-01-31\n", "--image-tag"),
    "file-gpu-string": answers("sagemaker-code-editor", "gpu: maybe\n", "--gpu"),
    "file-extensions-nested": answers("sagemaker-code-editor", "extensions: [[ms-python.python]]\n", "--extension"),
    "file-mode-number": answers("foundry-sidecar", "mode: 1\n", "--mode"),
    "file-timeout-list": answers("foundry-sidecar", "timeout: [1]\n", "--timeout"),
    "file-input-column-mapping": answers("foundry-model", "input_columns: [{text: str}]\n", "--input-column"),
    "file-name-line-separator": answers("foundry-model", 'name: "a\\u2028b"\n', "--name"),
    "file-target-other-than-flag": new(
        "foundry-byoc", "--config", "a.yaml", needle="a.yaml", files={"a.yaml": "target: foundry-model\n"}
    ),
    "issue10-file-alias-bomb": new(None, "--config", "a.yaml", needle="alias", files={"a.yaml": ALIAS_BOMB}),
    "file-alias-small": answers("foundry-sidecar", "x: &x [a]\npip_packages: *x\n", "alias"),
    "file-deep-nesting": answers("foundry-sidecar", "env: " + "[" * 5000 + "]" * 5000 + "\n", "nests deeper"),
    "file-key-duplicate": answers("foundry-sidecar", "name: a\nname: b\n", "'name' twice"),
    "file-not-utf8": new(
        None, "--config", "a.yaml", needle="UTF-8", files={"a.yaml": b"target: foundry-sidecar\nname: \xff\n"}
    ),
    "file-control-character": new(
        None, "--config", "a.yaml", needle="a.yaml", files={"a.yaml": "target: foundry-sidecar\nname: a\x01\n"}
    ),
    "file-too-large": new(
        None, "--config", "a.yaml", needle="larger than", files={"a.yaml": "# x\n" * 70_000 + "target: foundry-byoc\n"}
    ),
    "file-not-yaml": new(None, "--config", "a.yaml", needle="not valid YAML", files={"a.yaml": "target: [oops\n"}),
    "file-a-list": new(None, "--config", "a.yaml", needle="mapping", files={"a.yaml": "- foundry-sidecar\n"}),
    "file-missing": new("foundry-sidecar", "--config", "missing.yaml", needle="missing.yaml"),
    "issue12-config-empty": new("foundry-sidecar", "--config", "", needle="--config"),
    "config-fifo": new("foundry-sidecar", "--config", "fifo", needle="fifo", fifos=("fifo",)),
    "config-fifo-no-target": new(None, "--config", "fifo", needle="fifo", fifos=("fifo",)),
    "config-dev-zero": new("foundry-sidecar", "--config", "/dev/zero", needle="/dev/zero"),
    "config-folder": new("foundry-sidecar", "--config", ".", needle="folder"),
}

# --- paths: CA certificates -------------------------------------------------------------
CASES |= {
    "ca-cert-fifo": new("foundry-byoc", "--ca-cert", "fifo", needle="--ca-cert", fifos=("fifo",)),
    "ca-cert-dev-zero": new("foundry-sidecar", "--ca-cert", "/dev/zero", needle="--ca-cert"),
    "ca-cert-folder": new("foundry-model", "--ca-cert", ".", needle="--ca-cert"),
    "ca-cert-unknown-user-home": new("foundry-byoc", "--ca-cert", "~no-such-user-here/ca.pem", needle="--ca-cert"),
    "ca-cert-symlink-loop": new("foundry-byoc", "--ca-cert", "loop", needle="--ca-cert", links={"loop": "loop"}),
    "config-symlink-loop": new(None, "--config", "loop", needle="loop", links={"loop": "loop"}),
    "config-newline-in-name": new("foundry-byoc", "--config", "a\nb.yaml", needle="a\\nb.yaml"),
    "ca-cert-newline-in-name": new("sagemaker-code-editor", "--ca-cert", "ca.pem\n", needle="--ca-cert"),
    "ca-cert-too-large": new(
        "foundry-byoc", "--ca-cert", "big.pem", needle="larger than", files={"big.pem": PEM * 2000}
    ),
    "ca-cert-private-key": new(
        "foundry-byoc",
        "--ca-cert",
        "k.pem",
        needle="private key",
        files={"k.pem": PEM + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
    ),
    "ca-cert-not-pem": new("foundry-byoc", "--ca-cert", "c.pem", needle="--ca-cert", files={"c.pem": "hello\n"}),
    "file-ca-cert-fifo": new(
        None,
        "--config",
        "a.yaml",
        needle="--ca-cert",
        files={"a.yaml": "target: foundry-byoc\nca_certs: [fifo]\n"},
        fifos=("fifo",),
    ),
    "file-ca-cert-number": answers("foundry-byoc", "ca-cert: 1\n", "--ca-cert"),
}

# --- checker settings ---------------------------------------------------------------------
TOOL_INT = "tool = 1\n# settings for byoi go under [tool.byoi]\n"
CASES |= {
    "issue8-check-pyproject-tool-int": check(
        "--config", "pyproject.toml", needle="tool", files={"pyproject.toml": TOOL_INT}
    ),
    "issue8-check-pyproject-tool-int-found": check(
        "--target", "foundry-sidecar", needle="tool", files={"pyproject.toml": TOOL_INT, ".git/HEAD": ""}
    ),
    "check-pyproject-byoi-int": check(
        "--config", "pyproject.toml", needle="[tool.byoi]", files={"pyproject.toml": "[tool]\nbyoi = 1\n"}
    ),
    "check-pyproject-deep": check(
        "--config",
        "pyproject.toml",
        needle="pyproject.toml",
        files={"pyproject.toml": "[tool.byoi]\nx = " + "[" * 5000 + "]" * 5000 + "\n"},
    ),
    "check-pyproject-too-large": check(
        "--config",
        "pyproject.toml",
        needle="larger than",
        files={"pyproject.toml": "# x\n" * 300_000 + "[tool.byoi]\ntarget = 'foundry-byoc'\n"},
    ),
    "check-pyproject-target-list": check(
        "--config", "pyproject.toml", needle="target", files={"pyproject.toml": "[tool.byoi]\ntarget = ['a']\n"}
    ),
    "check-pyproject-threshold-int": check(
        "--config",
        "pyproject.toml",
        needle="failure-threshold",
        files={"pyproject.toml": "[tool.byoi]\ntarget = 'foundry-byoc'\nfailure-threshold = 1\n"},
    ),
    "check-alias-bomb": check("--config", "s.yaml", needle="alias", files={"s.yaml": ALIAS_BOMB}),
    "check-alias-bomb-found": check(
        "--target", "foundry-byoc", needle="alias", files={".byoi.yaml": ALIAS_BOMB, ".git/HEAD": ""}
    ),
    "check-config-fifo": check("--config", "fifo", "--target", "foundry-byoc", needle="fifo", fifos=("fifo",)),
    "check-found-fifo": check(
        "--target", "foundry-byoc", needle=".byoi.yaml", files={".git/HEAD": ""}, fifos=(".byoi.yaml",)
    ),
    "check-config-dev-zero": check("--config", "/dev/zero", "--target", "foundry-byoc", needle="/dev/zero"),
    "issue12-check-config-empty": check("--config", "", "--target", "foundry-byoc", needle="--config"),
    "check-settings-target-list": check("--config", "s.yaml", needle="target", files={"s.yaml": "target: [a]\n"}),
    "check-settings-threshold-list": check(
        "--config",
        "s.yaml",
        needle="failure-threshold",
        files={"s.yaml": "target: foundry-byoc\nfailure-threshold: [x]\n"},
    ),
    "check-settings-override-level-list": check(
        "--config",
        "s.yaml",
        needle="override",
        files={"s.yaml": "target: foundry-byoc\noverride: {error: [[BY102]]}\n"},
    ),
    "check-settings-ignored-number": check(
        "--config", "s.yaml", needle="ignored", files={"s.yaml": "target: foundry-byoc\nignored: 1\n"}
    ),
    "check-settings-unknown-key": check("--config", "s.yaml", needle="colour", files={"s.yaml": "colour: blue\n"}),
    "check-settings-duplicate-key": check(
        "--config", "s.yaml", needle="twice", files={"s.yaml": "target: foundry-byoc\ntarget: foundry-model\n"}
    ),
    "check-settings-not-utf8": check("--config", "s.yaml", needle="UTF-8", files={"s.yaml": b"target: \xff\n"}),
    "check-settings-complex-key": check(
        "--config", "s.yaml", needle="s.yaml", files={"s.yaml": "? [a, b]\n: c\ntarget: foundry-byoc\n"}
    ),
    "check-settings-deep": check("--config", "s.yaml", needle="nests", files={"s.yaml": "x: " + "[" * 5000 + "\n"}),
}


def _write_inputs(root: Path, case: Case) -> None:
    for rel, content in case.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    for rel in case.fifos:
        os.mkfifo(root / rel)
    for rel, points_to in case.links.items():
        (root / rel).symlink_to(points_to)


def _state(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry under ``root``: (mode, size, mtime), without following links or FIFOs."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            info = path.lstat()
            found[str(path.relative_to(root))] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return found


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 100
    for target in TARGETS:
        assert sum(target in case.args for case in CASES.values()) >= 10, target


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_is_refused_with_one_line_and_nothing_written(tmp_path: Path, case: Case) -> None:
    _write_inputs(tmp_path, case)
    before = _state(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    # A reader that blocks on a FIFO or reads /dev/zero fails the case here instead of hanging.
    proc = subprocess.run(
        [*byoi_command(), *case.args], cwd=tmp_path, capture_output=True, env=env, timeout=30, check=False
    )
    stderr = proc.stderr.decode("utf-8", "backslashreplace")
    assert proc.returncode == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("byoi: error: ") and case.needle in lines[0], lines[0]
    assert proc.stdout == b""
    assert not (tmp_path / "out").exists()
    assert _state(tmp_path) == before


def test_answers_file_takes_flag_long_names_as_keys(tmp_path: Path) -> None:
    """Issue 9 item 12: the README says keys may be an option's long name (the flag's)."""
    (tmp_path / "a.yaml").write_text(
        "target: foundry-sidecar\nport: 9000\ncommand: echo hi\npip-package: [requests==2.32.3]\n"
        "apt_package: curl\nimage-tag: 1.0.0\n"
    )
    proc = subprocess.run(
        [*byoi_command(), "new", "--config", "a.yaml", "-o", "out", "--no-input"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    dockerfile = (tmp_path / "out" / "Dockerfile").read_text()
    assert 'CMD ["/bin/sh", "-c", "echo hi"]' in dockerfile
    assert "EXPOSE 9000" in dockerfile
    assert "requests==2.32.3" in dockerfile and "curl" in dockerfile


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    """Issue 9 item 10: 450 bytes that expand to 387 million nodes ran for minutes."""
    (tmp_path / "a.yaml").write_text(ALIAS_BOMB)
    started = time.monotonic()
    proc = subprocess.run(
        [*byoi_command(), "new", "--config", "a.yaml", "-o", "out", "--no-input"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2 and "alias" in proc.stderr
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("target", TARGETS)
def test_plain_cookiecutter_refuses_a_trailing_newline_before_writing(tmp_path: Path, target: str) -> None:
    """The cookiecutter channel: its pre-generation hook validates as byoi does (issue 9, item 7)."""
    cookiecutter = Path(sys.executable).parent / "cookiecutter"
    proc = subprocess.run(
        [
            str(cookiecutter),
            "--no-input",
            str(REPO / "templates" / target),
            "-o",
            str(tmp_path / "cc"),
            "image_tag=1.0\n",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0
    # named by its variable under cookiecutter (issue 20)
    assert "error: image_tag: '1.0\\n' holds a line break" in proc.stderr
    assert not (tmp_path / "cc").exists()
