"""``byoi upgrade`` (issue 13), end to end with the real command on real files.

"A newer byoi" is played by a copy of ``templates/`` that each test owns and changes, given
to byoi with ``BYOI_TEMPLATES_DIR`` (the repository's templates are never edited).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from support import REPO, byoi_command, byoi_version, tree
from test_write_safety import _signal_mid_render, one_line_error, state

TARGET = "foundry-sidecar"
#: A line the "newer" templates add to the sidecar's Dockerfile, after its first line.
NEW_TEMPLATE_LINE = "# A line that the newer byoi's templates add.\n"
USER_WORK = '#!/bin/sh\n# my own work\nwc -l "$INPUT_DIR"/* > "$OUTPUT_DIR/counts.txt"\n'
USER_DOCKERFILE_LINE = "LABEL org.example.team=data\n"


def byoi(
    *args: str, templates: Path | None = None, cwd: Path | None = None, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``byoi`` command, with a test-owned templates folder and another PATH if given."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "BYOI_TEMPLATES_DIR")}
    if templates is not None:
        env["BYOI_TEMPLATES_DIR"] = str(templates)
    if path is not None:
        env["PATH"] = path
    # The conflict markers' style must not depend on this machine's git configuration.
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run(
        [*byoi_command(), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120, check=False
    )


def ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture
def newer(tmp_path: Path) -> Path:
    """A newer byoi's templates: the sidecar's Dockerfile gains a line; test-local.sh is dropped."""
    copy = tmp_path / "templates"
    shutil.copytree(REPO / "templates", copy)
    project = copy / TARGET / "{{cookiecutter.project_slug}}"
    dockerfile = project / "Dockerfile"
    first, rest = dockerfile.read_text().split("\n", 1)
    dockerfile.write_text(first + "\n" + NEW_TEMPLATE_LINE + rest)
    (project / "test-local.sh").unlink()
    return copy


def written(tmp_path: Path, name: str, *answers: str) -> Path:
    out = tmp_path / name
    ok(byoi("new", TARGET, "-o", str(out), "--no-input", *answers))
    return out


@pytest.mark.slow
def test_upgrade_merges_template_and_answer_changes_with_user_edits(tmp_path: Path, newer: Path) -> None:
    out = written(tmp_path, "project")
    # The user edits three files: work.sh (byoi's version does not change), the Dockerfile
    # (also changed by the newer templates, other lines) and test-local.sh (which the newer
    # byoi no longer writes). README.md and the transform stay untouched.
    (out / "work.sh").write_text(USER_WORK)
    (out / "Dockerfile").write_text((out / "Dockerfile").read_text() + USER_DOCKERFILE_LINE)
    (out / "test-local.sh").write_text((out / "test-local.sh").read_text() + "# my tweak\n")
    proc = ok(byoi("upgrade", str(out), "--image-tag", "0.2.0", templates=newer))
    fresh = written(tmp_path, "fresh", "--image-tag", "0.2.0")  # today's templates
    fresh_newer = tmp_path / "fresh-newer"
    ok(byoi("new", TARGET, "-o", str(fresh_newer), "--no-input", "--image-tag", "0.2.0", templates=newer))

    # Untouched: the new content (the changed answer shows in the README and the transform).
    for rel in ("README.md", "transform/sidecar_transform.py", "build.sh"):
        assert (out / rel).read_text() == (fresh_newer / rel).read_text(), rel
    assert 'TAG = "0.2.0"' in (out / "transform/sidecar_transform.py").read_text()
    # Only the user changed it: kept as the user has it.
    assert (out / "work.sh").read_text() == USER_WORK
    # Both changed, other lines: merged, both changes in, no conflict markers.
    dockerfile = (out / "Dockerfile").read_text()
    assert NEW_TEMPLATE_LINE in dockerfile and dockerfile.endswith(USER_DOCKERFILE_LINE)
    assert dockerfile == (fresh_newer / "Dockerfile").read_text() + USER_DOCKERFILE_LINE
    assert "<<<<<<<" not in dockerfile
    assert "merged    Dockerfile" in proc.stdout
    # Dropped by the newer byoi but edited: left, and reported.
    assert (out / "test-local.sh").read_text().endswith("# my tweak\n")
    assert "test-local.sh (byoi no longer writes it" in proc.stdout
    assert (fresh / "test-local.sh").exists() and not (fresh_newer / "test-local.sh").exists()
    # The record now holds the newer output: a second upgrade has nothing to do.
    assert ok(byoi("upgrade", str(out), "--check", templates=newer)).stdout.endswith(
        f"is up to date with byoi {byoi_version()}\n"
    )


def test_colliding_edits_get_git_conflict_markers_and_exit_1(tmp_path: Path) -> None:
    out = written(tmp_path, "project")
    build = out / "build.sh"
    text = build.read_text()
    assert 'tag="${IMAGE_TAG:-0.1.0}"\n' in text
    build.write_text(text.replace('tag="${IMAGE_TAG:-0.1.0}"\n', 'tag="${IMAGE_TAG:-mine}"\n'))
    proc = byoi("upgrade", str(out), "--image-tag", "0.2.0")
    assert proc.returncode == 1, proc.stderr
    assert "CONFLICT  build.sh" in proc.stdout and "build.sh" in proc.stdout.splitlines()[-1]
    merged = build.read_text()
    assert '<<<<<<< yours\ntag="${IMAGE_TAG:-mine}"\n=======\ntag="${IMAGE_TAG:-0.2.0}"\n>>>>>>> byoi' in merged
    # The rest of the file took the new answer where the user had not touched it.
    assert "#   IMAGE_TAG         tag to build (default 0.2.0;" in merged


def test_without_git_a_file_both_changed_is_kept_with_byoi_version_beside(tmp_path: Path) -> None:
    out = written(tmp_path, "project")
    build = out / "build.sh"
    mine = build.read_text() + "# my tail\n"
    build.write_text(mine)
    no_git = tmp_path / "bin"  # a PATH with python's folder only: no git on it
    no_git.mkdir()
    proc = byoi("upgrade", str(out), "--image-tag", "0.2.0", path=str(no_git))
    assert proc.returncode == 1, proc.stderr
    assert build.read_text() == mine
    assert 'tag="${IMAGE_TAG:-0.2.0}"' in (out / "build.sh.byoi-new").read_text()
    assert "build.sh.byoi-new" in proc.stdout


def test_a_removed_file_that_was_not_edited_is_removed(tmp_path: Path, newer: Path) -> None:
    out = written(tmp_path, "project")
    proc = ok(byoi("upgrade", str(out), templates=newer))
    assert not (out / "test-local.sh").exists()
    assert "removed   test-local.sh" in proc.stdout


def test_check_up_to_date_exits_0_and_writes_nothing(tmp_path: Path) -> None:
    out = written(tmp_path, "project")
    (out / "work.sh").write_text(USER_WORK)  # a user-only edit is not "out of date"
    before = state(tmp_path)
    proc = byoi("upgrade", str(out), "--check")
    assert proc.returncode == 0 and "up to date" in proc.stdout, proc.stdout + proc.stderr
    assert state(tmp_path) == before


def test_check_outdated_exits_1_writes_nothing_and_says_what(tmp_path: Path, newer: Path) -> None:
    out = written(tmp_path, "project")
    before = state(tmp_path)
    proc = byoi("upgrade", str(out), "--check", templates=newer)
    assert proc.returncode == 1, proc.stderr
    assert "updated   Dockerfile" in proc.stdout and "removed   test-local.sh" in proc.stdout
    assert "not up to date" in proc.stdout
    assert state(tmp_path) == before
    proc = byoi("upgrade", str(out), "--check", "--image-tag", "0.3.0")
    assert proc.returncode == 1 and "updated   build.sh" in proc.stdout
    assert state(tmp_path) == before


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path: Path, newer: Path) -> None:
    out = written(tmp_path, "project")
    before = state(tmp_path)
    proc = byoi("upgrade", str(out), "--diff", templates=newer)
    assert proc.returncode == 1
    assert "--- a/Dockerfile\n+++ b/Dockerfile\n" in proc.stdout
    assert "+" + NEW_TEMPLATE_LINE in proc.stdout
    assert "--- a/test-local.sh\n+++ /dev/null\n" in proc.stdout
    assert state(tmp_path) == before


def test_a_read_only_file_leaves_the_project_as_it_was(tmp_path: Path, newer: Path) -> None:
    out = written(tmp_path, "project")
    (out / "work.sh").write_text(USER_WORK)
    (out / "README.md").chmod(0o444)  # the new image tag changes the README
    before = state(tmp_path)
    proc = byoi("upgrade", str(out), "--image-tag", "0.2.0", templates=newer)
    assert "read-only" in one_line_error(proc)
    assert state(tmp_path) == before


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_upgrade_leaves_the_project_as_it_was(tmp_path: Path, sig: signal.Signals) -> None:
    out = written(tmp_path, "project")
    (out / "work.sh").write_text(USER_WORK)
    before = state(tmp_path)
    proc = _signal_mid_render(["upgrade", str(out), "--image-tag", "0.2.0"], [out], sig)
    assert proc.returncode == 128 + sig, proc.stderr
    assert state(tmp_path) == before


def test_an_upgrade_without_edits_equals_a_fresh_new(tmp_path: Path, newer: Path) -> None:
    out = written(tmp_path, "project", "--apt-package", "jq")
    ok(byoi("upgrade", str(out), "--image-tag", "0.2.0", "--pip-package", "httpx==0.28.1", templates=newer))
    fresh = tmp_path / "fresh"
    args = ["--apt-package", "jq", "--image-tag", "0.2.0", "--pip-package", "httpx==0.28.1"]
    ok(byoi("new", TARGET, "-o", str(fresh), "--no-input", *args, templates=newer))
    assert tree(out) == tree(fresh)  # every file, the record included, executable bits marked
    for path in fresh.rglob("*"):
        if path.is_file():
            assert (out / path.relative_to(fresh)).read_bytes() == path.read_bytes()


def test_a_project_without_a_record_is_upgraded_from_its_answers(tmp_path: Path) -> None:
    out = written(tmp_path, "project", "--image-tag", "0.4.0")
    shutil.rmtree(out / ".byoi")  # as byoi wrote projects before it kept a record
    (out / "work.sh").write_text(USER_WORK)
    check = byoi("upgrade", str(out), "--check")
    assert check.returncode == 1 and "no record" in check.stderr
    proc = ok(byoi("upgrade", str(out)))
    assert "no record of what byoi wrote" in proc.stderr and "byoi.yaml" in proc.stderr
    assert (out / "work.sh").read_text() == USER_WORK
    assert json.loads((out / ".byoi/record.json").read_text())["answers"]["image_tag"] == "0.4.0"
    assert ok(byoi("upgrade", str(out), "--check")).returncode == 0


def test_a_migration_converts_old_answers_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from generator import cli, upgrade

    out = written(tmp_path, "project", "--image-tag", "0.5.0")
    shutil.rmtree(out / ".byoi")
    # An answers file from a byoi that called the image tag "tag".
    (out / "byoi.yaml").write_text("target: foundry-sidecar\ntag: 0.5.0\n")

    def rename_tag(values: dict[str, object]) -> dict[str, object]:
        if "tag" in values:
            values["image_tag"] = values.pop("tag")
        return values

    monkeypatch.setattr(
        upgrade, "MIGRATIONS", [upgrade.Migration("0.1.0", "renamed answer tag to image_tag", rename_tag)]
    )
    assert cli.main(["upgrade", str(out)]) == 0
    err = capsys.readouterr().err
    assert "migrated the answers to byoi 0.1.0: renamed answer tag to image_tag" in err
    assert "image_tag: 0.5.0" in (out / "byoi.yaml").read_text()
    assert 'tag="${IMAGE_TAG:-0.5.0}"' in (out / "build.sh").read_text()
    assert json.loads((out / ".byoi/record.json").read_text())["answers"]["image_tag"] == "0.5.0"
    assert cli.main(["upgrade", str(out), "--check"]) == 0  # migrated once, not again


def test_answers_no_migration_converts_are_refused(tmp_path: Path) -> None:
    out = written(tmp_path, "project")
    (out / "byoi.yaml").write_text("target: foundry-sidecar\ncolour: blue\n")
    before = state(tmp_path)
    assert "no migration" in one_line_error(byoi("upgrade", str(out)))
    assert state(tmp_path) == before


def test_a_project_from_a_newer_byoi_is_refused(tmp_path: Path) -> None:
    out = written(tmp_path, "project")
    record = out / ".byoi/record.json"
    data = json.loads(record.read_text())
    data["byoi_version"] = "99.0.0"
    record.write_text(json.dumps(data))
    before = state(tmp_path)
    assert "newer than this byoi" in one_line_error(byoi("upgrade", str(out)))
    assert state(tmp_path) == before


def test_a_flag_of_another_target_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "editor"
    ok(byoi("new", "sagemaker-code-editor", "-o", str(out), "--no-input"))
    proc = byoi("upgrade", str(out), "--uid", "5001")
    assert proc.returncode == 2 and "--uid" in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_a_compute_module_upgrade_keeps_the_users_functions(tmp_path: Path) -> None:
    """The user's app.py (their functions) survives an answer change; the Dockerfile takes the new answer."""
    out = tmp_path / "module"
    ok(byoi("new", "foundry-compute-module", "-o", str(out), "--no-input"))
    app = (out / "app.py").read_text()
    mine = app.replace("add_functions(add, hello)", "add_functions(add, hello, score)")
    mine = mine.replace("_MAIN_PID = ", "def score(context, event: HelloInput) -> int:\n    return 1\n\n\n_MAIN_PID = ")
    (out / "app.py").write_text(mine)
    ok(byoi("upgrade", str(out), "--uid", "7001"))
    assert (out / "app.py").read_text() == mine
    assert "\nUSER 7001\n" in (out / "Dockerfile").read_text()
    fresh = tmp_path / "fresh"
    ok(byoi("new", "foundry-compute-module", "-o", str(fresh), "--no-input", "--uid", "7001"))
    assert (out / "Dockerfile").read_text() == (fresh / "Dockerfile").read_text()


def test_a_jupyterlab_upgrade_keeps_the_users_start_script_edit_and_takes_new_answers(tmp_path: Path) -> None:
    """A JupyterLab project upgrades like any other: the user's edit to its start script is kept,
    a new answer (a package) reaches the Dockerfile, and the result is what byoi new writes."""
    out = tmp_path / "lab"
    ok(byoi("new", "sagemaker-jupyterlab", "-o", str(out), "--no-input"))
    ok(byoi("upgrade", str(out), "--check"))
    script = out / "start-jupyter-server"
    mine = script.read_text().replace("set -eo pipefail\n", "set -eo pipefail\nexport MY_TEAM=data\n")
    script.write_text(mine)
    ok(byoi("upgrade", str(out), "--conda-package", "jupyter-collaboration=4.4"))
    assert script.read_text() == mine
    fresh = tmp_path / "fresh"
    ok(
        byoi(
            "new",
            "sagemaker-jupyterlab",
            "-o",
            str(fresh),
            "--no-input",
            "--conda-package",
            "jupyter-collaboration=4.4",
        )
    )
    assert "'jupyter-collaboration=4.4'" in (out / "Dockerfile").read_text()
    assert (out / "Dockerfile").read_text() == (fresh / "Dockerfile").read_text()
