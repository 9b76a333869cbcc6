"""Writes are all or nothing, never through a link, never over a user's edits (issue 9, Writes).

Each test is one of the issue's reproductions, run with the real ``byoi`` command on real
files; "exactly as it was" is checked on every entry's type, mode, inode and content.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import default_signals, run_byoi

SIDECAR = "foundry-sidecar"
EDITOR = "sagemaker-code-editor"


def state(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under ``root`` (and root itself), links not followed: type, mode, inode, content."""
    entries: dict[str, tuple[object, ...]] = {}
    for path in [root, *sorted(root.rglob("*"))]:
        st = os.lstat(path)
        rel = path.relative_to(root).as_posix()
        if stat.S_ISLNK(st.st_mode):
            entries[rel] = ("link", os.readlink(path))
        elif stat.S_ISDIR(st.st_mode):
            entries[rel] = ("dir", stat.S_IMODE(st.st_mode), st.st_ino)
        else:
            entries[rel] = ("file", stat.S_IMODE(st.st_mode), st.st_ino, path.read_bytes())
    return entries


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("byoi: error: "), proc.stderr
    return lines[0]


def no_staging_left(*folders: Path) -> None:
    for folder in folders:
        assert not list(folder.glob(".byoi-*")), list(folder.glob(".byoi-*"))


# --- 1. --force writes through symlinks ------------------------------------------------------


def test_force_does_not_write_through_a_symlinked_file(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "o", tmp_path / "x"
    out.mkdir()
    elsewhere.mkdir()
    (elsewhere / "f").write_text("precious\n")
    (out / "build.sh").symlink_to("../x/f")
    before = state(tmp_path)
    proc = run_byoi("new", SIDECAR, "-o", str(out), "--no-input", "--force")
    assert "symbolic link" in one_line_error(proc)
    assert state(tmp_path) == before
    assert (elsewhere / "f").read_text() == "precious\n" and not os.access(elsewhere / "f", os.X_OK)


def test_force_does_not_write_into_a_symlinked_folder(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "o", tmp_path / "x"
    out.mkdir()
    elsewhere.mkdir()
    (out / "transform").symlink_to("../x")
    before = state(tmp_path)
    proc = run_byoi("new", SIDECAR, "-o", str(out), "--no-input", "--force")
    assert "symbolic link" in one_line_error(proc)
    assert state(tmp_path) == before and not list(elsewhere.iterdir())


def test_force_does_not_write_through_a_hard_link(tmp_path: Path) -> None:
    """A file byoi updates is replaced, not rewritten in place: another name for it keeps its content."""
    out, elsewhere = tmp_path / "o", tmp_path / "x"
    run_byoi("new", SIDECAR, "-o", str(out), "--no-input", check=True)
    elsewhere.mkdir()
    os.link(out / "README.md", elsewhere / "readme")
    old = (elsewhere / "readme").read_bytes()
    run_byoi("new", SIDECAR, "-o", str(out), "--no-input", "--force", "--image-tag", "0.2.0", check=True)
    assert b"0.2.0" in (out / "README.md").read_bytes()
    assert (elsewhere / "readme").read_bytes() == old


# --- 2. --force is all or nothing --------------------------------------------------------------


def test_a_file_where_a_folder_belongs_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "Dockerfile").write_text("FROM my-own\n")
    (out / "transform").write_text("not a folder\n")
    before = state(tmp_path)
    proc = run_byoi("new", SIDECAR, "-o", str(out), "--no-input", "--force")
    assert "transform" in one_line_error(proc)
    assert state(tmp_path) == before


def test_a_read_only_file_byoi_would_change_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "o"
    run_byoi("new", SIDECAR, "-o", str(out), "--no-input", check=True)
    (out / "build.sh").chmod(0o555)  # a new image tag changes build.sh
    before = state(tmp_path)
    proc = run_byoi("new", SIDECAR, "-o", str(out), "--no-input", "--force", "--image-tag", "0.2.0")
    assert "read-only" in one_line_error(proc)
    assert state(tmp_path) == before


def test_a_failure_while_moving_files_undoes_the_moves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk half-way through the move (simulated: the 4th file put in place fails with ENOSPC)."""
    import shutil

    from generator import cli

    out = tmp_path / "o"
    run_byoi("new", SIDECAR, "-o", str(out), "--no-input", check=True)
    before = state(tmp_path)
    calls: list[str] = []

    def failing(real: Callable[..., object]) -> Callable[..., object]:
        def put(src: str, dst: str, *args: object, **kwargs: object) -> object:
            if str(dst).startswith(str(out)) and ".byoi-" not in str(dst):
                calls.append(str(dst))
                if len(calls) == 4:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), dst)
            return real(src, dst, *args, **kwargs)

        return put

    monkeypatch.setattr(os, "link", failing(os.link))
    monkeypatch.setattr(shutil, "copy2", failing(shutil.copy2))  # how byoi 0.1.0 wrote with --force
    status = cli.main(["new", SIDECAR, "-o", str(out), "--no-input", "--force", "--image-tag", "0.2.0"])
    assert len(calls) == 4
    assert status == 2
    assert state(tmp_path) == before


def test_a_full_disk_while_rendering_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ENOSPC while the project is rendered into staging (simulated after the real render)."""
    from generator import cli, render

    out = tmp_path / "o"
    run_byoi("new", SIDECAR, "-o", str(out), "--no-input", check=True)
    before = state(tmp_path)
    real_render = render.render_project

    def render_then_fill_the_disk(*args: object) -> None:
        real_render(*args)  # type: ignore[arg-type]
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(render, "render_project", render_then_fill_the_disk)
    assert cli.main(["new", SIDECAR, "-o", str(out), "--no-input", "--force", "--image-tag", "0.2.0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0]
    assert state(tmp_path) == before


# --- 3. --force resets edits, leaves stale files ----------------------------------------------


def test_force_keeps_edited_files_and_writes_the_new_version_beside(tmp_path: Path) -> None:
    out, fresh = tmp_path / "o", tmp_path / "fresh"
    run_byoi("new", SIDECAR, "-o", str(out), "--no-input", check=True)
    (out / "work.sh").write_text("#!/bin/sh\necho my work\n")
    (out / "Dockerfile").write_text((out / "Dockerfile").read_text() + "LABEL team=mine\n")
    untouched = (out / "README.md").read_text()
    proc = run_byoi("new", SIDECAR, "-o", str(out), "--no-input", "--force", "--apt-package", "jq", check=True)
    run_byoi("new", SIDECAR, "-o", str(fresh), "--no-input", "--apt-package", "jq", check=True)
    # Edited, and byoi's version changed (jq): kept, byoi's new version beside it.
    assert (out / "Dockerfile").read_text().endswith("LABEL team=mine\n")
    assert (out / "Dockerfile.byoi-new").read_text() == (fresh / "Dockerfile").read_text()
    assert "Dockerfile.byoi-new" in proc.stdout
    # Edited, byoi's version the same: kept, and said so.
    assert (out / "work.sh").read_text() == "#!/bin/sh\necho my work\n"
    assert "work.sh" in proc.stdout
    # Not edited: byoi's new version.
    assert (out / "README.md").read_text() == (fresh / "README.md").read_text() != untouched
    assert (out / "byoi.yaml").read_text() == (fresh / "byoi.yaml").read_text()


def test_force_keeps_a_file_byoi_never_wrote(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "Dockerfile").write_text("FROM my-own\n")
    run_byoi("new", EDITOR, "-o", str(out), "--no-input", "--force", check=True)
    assert (out / "Dockerfile").read_text() == "FROM my-own\n"
    assert (out / "Dockerfile.byoi-new").read_text().startswith("# syntax=docker/dockerfile:1")


@pytest.mark.slow
def test_force_removes_a_stale_file_unless_edited(tmp_path: Path) -> None:
    clean, edited = tmp_path / "clean", tmp_path / "edited"
    for out in (clean, edited):
        run_byoi("new", EDITOR, "-o", str(out), "--no-input", check=True)
        assert (out / "start-code-editor").is_file()
    (edited / "start-code-editor").write_text("#!/bin/sh\n# mine\n")
    for out in (clean, edited):
        proc = run_byoi(
            "new", "--config", str(out / "byoi.yaml"), "-o", str(out), "--no-input", "--force",
            "--base", "sagemaker-distribution", check=True,
        )  # fmt: skip
        assert "start-code-editor" in proc.stdout
    assert not (clean / "start-code-editor").exists()
    assert (edited / "start-code-editor").read_text() == "#!/bin/sh\n# mine\n"


def test_new_records_what_it_wrote(tmp_path: Path) -> None:
    out = tmp_path / "o"
    run_byoi("new", SIDECAR, "-o", str(out), "--no-input", "--image-tag", "0.3.0", check=True)
    record = json.loads((out / ".byoi" / "record.json").read_text())
    version = run_byoi("--version", check=True).stdout.split()[-1]
    assert record["byoi_version"] == version
    assert record["target"] == SIDECAR and record["answers"]["image_tag"] == "0.3.0"
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and ".byoi" not in p.parts)
    assert sorted(record["files"]) == written
    for rel in written:
        entry = record["files"][rel]
        assert "\n".join(entry["lines"]).encode() == (out / rel).read_bytes()
        assert entry["sha256"] == hashlib.sha256((out / rel).read_bytes()).hexdigest()
        assert record["files"][rel]["executable"] == os.access(out / rel, os.X_OK)


# --- 4. an existing folder is kept --------------------------------------------------------------


def test_dash_o_dot_keeps_the_current_folder(tmp_path: Path) -> None:
    here = tmp_path / "here"
    here.mkdir(mode=0o750)
    here.chmod(0o750)
    ino = here.stat().st_ino
    run_byoi("new", SIDECAR, "-o", ".", "--no-input", cwd=here, check=True)
    assert here.stat().st_ino == ino and stat.S_IMODE(here.stat().st_mode) == 0o750
    assert (here / "Dockerfile").is_file()
    no_staging_left(here, tmp_path)


def test_a_read_only_empty_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    proc = run_byoi("new", SIDECAR, "-o", str(out), "--no-input")
    assert "read-only" in one_line_error(proc)
    assert not list(out.iterdir())
    no_staging_left(tmp_path)


# --- 5. race on the destination --------------------------------------------------------------------


def test_files_created_during_the_render_are_not_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import cli, render

    out = tmp_path / "out"
    out.mkdir()
    real_render = render.render_project

    def render_while_someone_writes(*args: object) -> None:
        real_render(*args)  # type: ignore[arg-type]
        (out / "Dockerfile").write_text("FROM written-meanwhile\n")

    monkeypatch.setattr(render, "render_project", render_while_someone_writes)
    assert cli.main(["new", SIDECAR, "-o", str(out), "--no-input"]) == 2
    assert sorted(p.name for p in out.iterdir()) == ["Dockerfile"]
    assert (out / "Dockerfile").read_text() == "FROM written-meanwhile\n"


def test_a_file_that_appears_after_the_plan_is_not_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--force into an empty folder: a Dockerfile written between the plan and the move is kept."""
    from generator import cli, project

    out = tmp_path / "out"
    out.mkdir()
    real_commit = project.commit

    def someone_writes_then_commit(*args: Any, **kwargs: Any) -> None:
        (out / "Dockerfile").write_text("FROM written-meanwhile\n")
        real_commit(*args, **kwargs)

    monkeypatch.setattr(project, "commit", someone_writes_then_commit)
    assert cli.main(["new", SIDECAR, "-o", str(out), "--no-input", "--force"]) == 2
    assert sorted(p.name for p in out.iterdir()) == ["Dockerfile"]
    assert (out / "Dockerfile").read_text() == "FROM written-meanwhile\n"


def test_the_final_move_never_replaces_a_folder_that_appeared(tmp_path: Path) -> None:
    """The new project's one rename refuses a destination created at that moment, even an empty folder
    (a plain rename would silently replace it, losing its inode and mode)."""
    from generator.project import _rename_noreplace

    staged, appeared = tmp_path / "staged", tmp_path / "out"
    staged.mkdir()
    (staged / "Dockerfile").write_text("FROM x\n")
    appeared.mkdir(mode=0o700)
    before = state(tmp_path)
    with pytest.raises(FileExistsError):
        _rename_noreplace(staged, appeared)
    assert state(tmp_path) == before


# --- 6. interrupts --------------------------------------------------------------------------------


def _signal_mid_render(
    args: list[str], staging_in: list[Path], sig: signal.Signals
) -> subprocess.CompletedProcess[str]:
    """Run ``byoi ARGS``, send ``sig`` once its staging folder exists (it is rendering).

    The render is slowed down (a sleep after the real one), so the signal always lands
    while the project is being staged: with a fast render, a signal sent when the staging
    folder appears could otherwise arrive after byoi had finished.
    """
    slow_render = (
        "import sys, time\n"
        "import generator.render as r\n"
        "real = r.render_project\n"
        "def slow(*a, **k):\n"
        "    real(*a, **k)\n"
        "    time.sleep(60)\n"
        "r.render_project = slow\n"
        "from generator.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", slow_render, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_signals,  # byoi keeps a signal it was started with ignored (entry.stoppable)
    )
    deadline = time.monotonic() + 60
    while not any(folder.is_dir() and list(folder.glob(".byoi-*")) for folder in staging_in):
        assert proc.poll() is None, "byoi finished before the signal could be sent"
        assert time.monotonic() < deadline
        time.sleep(0.001)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(args, proc.returncode, stdout, stderr)


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("existing", [False, True], ids=["new-folder", "force"])
def test_a_signal_mid_render_changes_nothing(tmp_path: Path, sig: signal.Signals, status: int, existing: bool) -> None:
    out = tmp_path / "o"
    extra: list[str] = []
    if existing:
        run_byoi("new", SIDECAR, "-o", str(out), "--no-input", check=True)
        (out / "work.sh").write_text("#!/bin/sh\necho mine\n")
        extra = ["--force", "--image-tag", "0.2.0"]
    before = state(tmp_path)
    proc = _signal_mid_render(["new", SIDECAR, "-o", str(out), "--no-input", *extra], [tmp_path, out], sig)
    assert proc.returncode == status, proc.stderr
    assert proc.stderr.strip().splitlines() == [f"byoi: stopped by {sig.name}; nothing was changed"]
    assert state(tmp_path) == before
    no_staging_left(tmp_path, out) if existing else no_staging_left(tmp_path)


def test_a_signal_while_files_move_undoes_the_moves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM arrives after some files are in place: they are taken back, then byoi stops."""
    from generator import cli

    out = tmp_path / "o"
    run_byoi("new", SIDECAR, "-o", str(out), "--no-input", check=True)
    before = state(tmp_path)
    real_link, calls = os.link, []

    def link_then_signal(src: str, dst: str) -> None:
        real_link(src, dst)
        calls.append(dst)
        if len(calls) == 3:
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGTERM)

    monkeypatch.setattr(os, "link", link_then_signal)
    # byoi keeps a signal it was started with ignored; this run is one started with the default.
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        status = cli.main(["new", SIDECAR, "-o", str(out), "--no-input", "--force", "--image-tag", "0.2.0"])
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert status == 143 and len(calls) > 3  # the move went on, held, then was undone
    assert state(tmp_path) == before


# --- 8. paths that give a traceback ------------------------------------------------------------------


def test_output_that_is_a_self_looping_link(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to("loop")
    before = state(tmp_path)
    assert "loops" in one_line_error(run_byoi("new", SIDECAR, "-o", str(tmp_path / "loop"), "--no-input"))
    assert state(tmp_path) == before


def test_output_under_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("keep me\n")
    before = state(tmp_path)
    assert "not a folder" in one_line_error(
        run_byoi("new", SIDECAR, "-o", str(tmp_path / "file" / "sub"), "--no-input")
    )
    assert state(tmp_path) == before


@pytest.mark.parametrize("where", ["top", "deep"])
def test_output_with_a_300_character_name(tmp_path: Path, where: str) -> None:
    name = "a" * 300
    out = tmp_path / name if where == "top" else tmp_path / "d" / name / "x"
    before = state(tmp_path)
    assert "longer than" in one_line_error(run_byoi("new", SIDECAR, "-o", str(out), "--no-input"))
    assert state(tmp_path) == before
