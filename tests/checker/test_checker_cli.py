"""``byoi check`` and ``byoi rules`` as a user runs them: exit status, output formats,
silencing, settings files, bad input, and what the command imports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from checker_support import CORPUS
from support import REPO, byoi_command, run_byoi

SEED = CORPUS / "113-sm-seed-micromamba.Dockerfile"
SCRIPT_ERRORS = CORPUS / "141-sm-context-script-errors"
SM = "sagemaker-code-editor"
LINE = re.compile(
    r"^(?P<file>\S+):(?P<line>[0-9]+) (?P<code>(BY|SM|FD)[0-9]{3}) (?P<level>error|warning|info|style): .+$"
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """FROM python:3.12.12-slim-bookworm
USER 5001
"""

# --- exit status and formats -----------------------------------------------------------


def test_exit_status_follows_the_most_severe_finding(tmp_path: Path) -> None:
    clean = write(tmp_path / "clean" / "Dockerfile", GOOD)
    warning = write(tmp_path / "warn" / "Dockerfile", "FROM python:latest\nUSER 5001\n")
    error = write(tmp_path / "err" / "Dockerfile", "FROM python:3.12.12-slim-bookworm\nUSER 0\n")
    assert run_byoi("check", str(clean), "--target", "foundry-model").returncode == 0
    assert run_byoi("check", str(warning), "--target", "foundry-model").returncode == 0
    assert run_byoi("check", str(error), "--target", "foundry-model").returncode == 1
    assert run_byoi("check", str(error), "--target", "foundry-model", "--no-fail").returncode == 0


def test_text_output_is_one_line_per_finding(tmp_path: Path) -> None:
    proc = run_byoi("check", str(SEED), "--target", SM)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 4
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m["code"], m["line"], m["level"]) for m in parsed if m] == [
        ("BY102", "3", "warning"),
        ("SM206", "3", "warning"),
        ("SM203", "9", "warning"),
        ("SM212", "14", "error"),
    ]
    assert "\033[" not in proc.stdout  # not a terminal: no colour


def test_text_output_is_coloured_on_a_terminal() -> None:
    pty = pytest.importorskip("pty", reason="pseudo-terminals are a POSIX feature")
    primary, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    proc = subprocess.run(
        [*byoi_command(), "check", str(SEED), "--target", SM],
        stdout=secondary,
        stderr=subprocess.PIPE,
        env=env,
        timeout=60,
        check=False,
    )
    os.close(secondary)
    output = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(primary)
    assert proc.returncode == 1
    assert b"\033[31merror\033[0m" in output


def test_json_output_has_hadolints_shape() -> None:
    proc = run_byoi("check", str(SCRIPT_ERRORS), "--target", SM, "--format", "json")
    findings = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert [set(f) for f in findings] == [{"file", "line", "column", "level", "code", "message"}] * len(findings)
    assert {(Path(f["file"]).name, f["line"], f["code"], f["level"]) for f in findings} == {
        ("start-code-editor", 4, "SM207", "error"),
        ("start-code-editor", 5, "SM210", "error"),
        ("start-code-editor", 5, "SM211", "error"),
        ("start-code-editor", 6, "SM212", "error"),
    }


def test_json_output_of_a_clean_file_is_an_empty_list(tmp_path: Path) -> None:
    proc = run_byoi("check", str(write(tmp_path / "Dockerfile", GOOD)), "--target", "foundry-byoc", "--format", "json")
    assert (proc.returncode, json.loads(proc.stdout)) == (0, [])


def test_sarif_output_is_what_github_code_scanning_takes() -> None:
    proc = run_byoi("check", str(SEED), "--target", SM, "--format", "sarif", cwd=REPO)
    log = json.loads(proc.stdout)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "byoi"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert "## Fix" in rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["BY102", "SM206", "SM203", "SM212"]
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        location = result["locations"][0]["physicalLocation"]
        # Relative to the repository, forward slashes: what code scanning maps to files.
        assert location["artifactLocation"]["uri"] == "tests/checker/dockerfiles/113-sm-seed-micromamba.Dockerfile"
        assert location["region"]["startLine"] >= 1


def test_a_folder_is_its_dockerfile_plus_the_scripts_it_copies(tmp_path: Path) -> None:
    proc = run_byoi("check", "--target", SM, cwd=SCRIPT_ERRORS)
    assert proc.returncode == 1
    assert {line.split()[0] for line in proc.stdout.splitlines()} == {
        "start-code-editor:4",
        "start-code-editor:5",
        "start-code-editor:6",
    }


def test_several_paths(tmp_path: Path) -> None:
    first = write(tmp_path / "a" / "Dockerfile", "FROM python:3.12.12-slim-bookworm\nUSER app\n")
    second = write(tmp_path / "b" / "Dockerfile", "FROM python:3.12.12-slim-bookworm\nUSER 1000\n")
    proc = run_byoi("check", str(first), str(second.parent), "--target", "foundry-byoc", "--format", "json")
    found = {(Path(f["file"]).parent.name, f["code"]) for f in json.loads(proc.stdout)}
    assert found == {("a", "FD301"), ("b", "FD302")}


# --- bad input: a finding or one line on stderr, exit 2, never a traceback ------------------


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    return proc.stderr


def test_binary_file_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)))
    assert "binary" in _one_line_error(run_byoi("check", str(path), "--target", SM))


def test_non_utf8_file_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes('FROM debian:12\nLABEL x="caf\xe9"\n'.encode("latin-1"))
    assert "UTF-8" in _one_line_error(run_byoi("check", str(path), "--target", SM))


def test_missing_path_and_folder_without_dockerfile(tmp_path: Path) -> None:
    assert "does not exist" in _one_line_error(run_byoi("check", str(tmp_path / "nope"), "--target", SM))
    assert "no Dockerfile" in _one_line_error(run_byoi("check", str(tmp_path), "--target", SM))


def test_usage_errors(tmp_path: Path) -> None:
    dockerfile = write(tmp_path / "Dockerfile", GOOD)
    assert "invalid choice" in _one_line_error(run_byoi("check", str(dockerfile), "--target", "heroku"))
    assert "--target" in _one_line_error(run_byoi("check", str(dockerfile), cwd=tmp_path))
    assert "invalid choice" in _one_line_error(run_byoi("check", str(dockerfile), "--target", SM, "--format", "xml"))


@pytest.mark.parametrize(
    ("text", "code", "status"),
    [
        ("", "BY001", 1),
        ("\n\n   \n", "BY001", 1),
        ("# only a comment\n", "BY001", 1),
        ("FROM debian:12.8-slim\nRUN <<EOF\necho open\n", "BY001", 1),
        ('FROM debian:12.8-slim\nUSER 5001\nCMD ["sleep", "1"\n', "BY003", 0),
        ("FROM debian:12.8-slim\nUSER 5001\nRNU echo typo\n", "BY002", 1),
        ('FROM debian:12.8-slim\nUSER 5001\nCMD ["sleep", 1]\n', "BY001", 1),
        ("# escape=?\nFROM debian:12.8-slim\n", "BY001", 1),
    ],
    ids=["empty", "blank", "comment", "heredoc", "json-array", "unknown", "json-types", "escape"],
)
def test_malformed_dockerfiles_give_a_finding(tmp_path: Path, text: str, code: str, status: int) -> None:
    path = write(tmp_path / "Dockerfile", text)
    proc = run_byoi("check", str(path), "--target", "foundry-model", "--format", "json")
    assert "Traceback" not in proc.stderr
    assert proc.returncode == status
    assert code in [f["code"] for f in json.loads(proc.stdout)]


# --- silencing and settings ------------------------------------------------------------------


ROOT_IMAGE = """FROM python:latest
# byoi ignore=BY101 the platform remaps users for us
USER root
"""


def test_inline_ignore_silences_one_instruction(tmp_path: Path) -> None:
    path = write(tmp_path / "Dockerfile", ROOT_IMAGE)
    proc = run_byoi("check", str(path), "--target", "foundry-model", "--format", "json")
    assert [f["code"] for f in json.loads(proc.stdout)] == ["BY102"]
    assert proc.returncode == 0


def test_inline_ignore_is_for_the_next_instruction_only(tmp_path: Path) -> None:
    path = write(tmp_path / "Dockerfile", "FROM python:3.12.12-slim-bookworm\n# byoi ignore=BY101\n\nUSER root\n")
    proc = run_byoi("check", str(path), "--target", "foundry-model", "--format", "json")
    assert [f["code"] for f in json.loads(proc.stdout)] == ["BY101"]


def test_global_ignore_silences_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "Dockerfile", "# byoi global ignore=BY102, BY101\n" + ROOT_IMAGE.replace("# byoi", "#"))
    proc = run_byoi("check", str(path), "--target", "foundry-model", "--format", "json")
    assert (proc.returncode, json.loads(proc.stdout)) == (0, [])


def test_ignore_comment_in_a_copied_script(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil_copy(SCRIPT_ERRORS, project)
    script = project / "start-code-editor"
    script.write_text(script.read_text().replace("mkdir -p", "# byoi ignore=SM207 kept for the old logger\nmkdir -p"))
    codes = [f["code"] for f in json.loads(run_byoi("check", str(project), "--target", SM, "--format", "json").stdout)]
    assert sorted(codes) == ["SM210", "SM211", "SM212"]


def shutil_copy(src: Path, dest: Path) -> None:
    import shutil

    shutil.copytree(src, dest)


def test_byoi_yaml_settings_are_found_from_the_current_folder(tmp_path: Path) -> None:
    write(tmp_path / ".git" / "HEAD", "ref: refs/heads/main\n")
    write(
        tmp_path / ".byoi.yaml",
        "target: foundry-model\nignored: [BY101]\noverride:\n  error: [BY102]\nfailure-threshold: error\n",
    )
    dockerfile = write(tmp_path / "images" / "model" / "Dockerfile", ROOT_IMAGE.replace("# byoi", "#"))
    proc = run_byoi(
        "check", str(dockerfile.relative_to(tmp_path / "images")), "--format", "json", cwd=tmp_path / "images"
    )
    assert [(f["code"], f["level"]) for f in json.loads(proc.stdout)] == [("BY102", "error")]
    assert proc.returncode == 1


def test_failure_threshold_warning(tmp_path: Path) -> None:
    settings = write(tmp_path / "settings.yaml", "failure-threshold: warning\n")
    dockerfile = write(tmp_path / "Dockerfile", "FROM python:latest\nUSER 5001\n")
    proc = run_byoi("check", str(dockerfile), "--target", "foundry-model", "--config", str(settings))
    assert proc.returncode == 1
    none = write(tmp_path / "none.yaml", "failure-threshold: none\n")
    error = write(tmp_path / "err" / "Dockerfile", "FROM python:3.12.12-slim-bookworm\nUSER 0\n")
    assert run_byoi("check", str(error), "--target", "foundry-model", "--config", str(none)).returncode == 0


def test_pyproject_tool_byoi(tmp_path: Path) -> None:
    write(tmp_path / ".git" / "HEAD", "ref: refs/heads/main\n")
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.byoi]\ntarget = "foundry-byoc"\nignored = ["FD302"]\n',
    )
    write(tmp_path / "Dockerfile", "FROM python:3.12.12-slim-bookworm\nUSER 1000\n")
    proc = run_byoi("check", "--format", "json", cwd=tmp_path)
    assert (proc.returncode, json.loads(proc.stdout)) == (0, [])


def test_answers_file_byoi_yaml_is_not_mistaken_for_settings(tmp_path: Path) -> None:
    # A generated project's byoi.yaml (no dot) holds answers for `byoi new`.
    write(tmp_path / ".git" / "HEAD", "ref: refs/heads/main\n")
    write(tmp_path / "byoi.yaml", "target: foundry-byoc\nname: x\n")
    write(tmp_path / "Dockerfile", GOOD)
    assert "--target" in _one_line_error(run_byoi("check", cwd=tmp_path))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("ignored: [XX999]\n", "unknown rule code"),
        ("override:\n  fatal: [BY101]\n", "override level"),
        ("failure-threshold: sometimes\n", "failure-threshold"),
        ("colour: true\n", "unknown key"),
        ("target: [\n", "not valid YAML"),
        ("- a list\n", "must be a mapping"),
    ],
)
def test_bad_settings_are_a_one_line_error(tmp_path: Path, settings: str, message: str) -> None:
    config = write(tmp_path / ".byoi.yaml", settings)
    dockerfile = write(tmp_path / "Dockerfile", GOOD)
    err = _one_line_error(run_byoi("check", str(dockerfile), "--target", SM, "--config", str(config)))
    assert message in err


# --- rules, imports, pre-commit ----------------------------------------------------------------


def test_byoi_rules_lists_every_rule_and_explains_one() -> None:
    from generator.image.rules import IMAGE_RULES
    from generator.rules.registry import RULES

    listing = run_byoi("rules", check=True).stdout.splitlines()
    # The Dockerfile rules and the built-image rules (byoi check-image), in code order.
    assert [line.split()[0] for line in listing] == sorted([*RULES, *IMAGE_RULES])
    explained = run_byoi("rules", "sm212", check=True).stdout
    assert explained.startswith("SM212 server-base-path:")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix"):
        assert heading in explained
    only = run_byoi("rules", "--target", "foundry-byoc", check=True).stdout
    assert "FD302" in only and "SM201" not in only and "FD304" not in only
    assert "no rule" in _one_line_error(run_byoi("rules", "XX001"))


def test_check_does_not_import_the_templating_machinery(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from generator.cli import main\n"
        f"status = main(['check', {str(SEED)!r}, '--target', 'sagemaker-code-editor', '--format', 'json'])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('cookiecutter', 'jinja2', 'questionary'))\n"
        "print('LOADED', loaded, status, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert "LOADED [] 1" in proc.stderr, proc.stderr


def test_pre_commit_hook_runs_byoi_check_on_dockerfiles() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "byoi-check"
    assert hook["entry"] == "byoi check"
    assert hook["language"] == "python"
    files = re.compile(hook["files"])
    for name in ("Dockerfile", "images/model/Dockerfile", "Containerfile", "app.Dockerfile", "Dockerfile.prod"):
        assert files.search(name), name
    for name in ("README.md", "dockerfile.py", "Dockerfiles/notes.txt"):
        assert not files.search(name), name
