"""Signals a run inherits ignored: byoi keeps them ignored, and the suite does not depend on them.

POSIX (Shell Command Language, 2.11 "Signals and Error Handling"): a command of an
asynchronous list in a shell without job control (``cmd &`` in a script, how a CI runner
may start ``.ci/run``) starts with SIGINT and SIGQUIT ignored; and ``trap``: "Signals that
were ignored on entry to a non-interactive shell cannot be trapped or reset". byoi follows
the same convention: a signal it was started with ignored stays ignored, so a terminal's
Ctrl-C does not stop a background ``byoi`` the shell meant to protect from it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, default_signals, run_byoi

SIDECAR = "foundry-sidecar"


def _ignore_int_and_quit() -> None:
    """``preexec_fn``: what a non-interactive shell gives a command of an asynchronous list."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGQUIT, signal.SIG_IGN)


def test_default_signals_resets_what_a_child_inherits() -> None:
    """The helper the suite gives its PID-1 children undoes an inherited ignore."""
    show = "import signal; print([signal.getsignal(s) == signal.SIG_IGN for s in (2, 3, 15)])"

    def ignored_then_reset() -> None:
        _ignore_int_and_quit()
        default_signals()

    inherited = subprocess.run(
        [sys.executable, "-c", show], preexec_fn=_ignore_int_and_quit, capture_output=True, text=True, check=True
    )
    assert inherited.stdout.strip() == "[True, True, False]"
    reset = subprocess.run(
        [sys.executable, "-c", show], preexec_fn=ignored_then_reset, capture_output=True, text=True, check=True
    )
    assert reset.stdout.strip() == "[False, False, False]"


def test_byoi_started_with_sigint_ignored_finishes_the_check(tmp_path: Path) -> None:
    """SIGINT to a ``byoi check`` that was started with it ignored: the check goes on; SIGTERM still stops it."""
    (tmp_path / "Dockerfile").write_text("FROM python:3.12.7-slim-bookworm\nUSER 5001\n")
    # The check is made to last and says when it has started, so each signal lands mid-check.
    slow_check = (
        "import sys, time\n"
        "import generator.check as c\n"
        "real = c.check_paths\n"
        "def slow(*a, **k):\n"
        "    print('checking', flush=True)\n"
        "    sys.stdin.readline()\n"  # until the test has sent its signal
        "    return real(*a, **k)\n"
        "c.check_paths = slow\n"
        "from generator.entry import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    command = [sys.executable, "-c", slow_check, "check", str(tmp_path / "Dockerfile"), "--target", "foundry-byoc"]
    for sig, status, err in ((signal.SIGINT, 0, ""), (signal.SIGTERM, 143, "byoi: stopped by SIGTERM")):
        proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_ignore_int_and_quit,
        )
        assert proc.stdout is not None and proc.stdout.readline() == "checking\n"
        proc.send_signal(sig)
        _, errors = proc.communicate("go on\n", timeout=60)
        assert proc.returncode == status, (sig, errors)
        assert errors.startswith(err) and (errors == "") == (err == ""), errors


def test_an_ignored_sigint_while_files_move_changes_nothing_of_the_write(tmp_path: Path) -> None:
    """Started with SIGINT ignored, a SIGINT among the moves neither stops byoi nor undoes the moves.

    The moves run with SIGINT and SIGTERM blocked, and a blocked signal stays pending even
    where it is ignored (Linux); a pending signal used to mean "undo", which here would have
    reported success for a project left as it was.
    """
    out = tmp_path / "o"
    run_byoi("new", SIDECAR, "-o", str(out), "--no-input", check=True)
    assert 'tag="${IMAGE_TAG:-0.1.0}"' in (out / "build.sh").read_text()
    code = (
        "import os, signal, sys, threading\n"
        "real_link, calls = os.link, []\n"
        "def link_then_signal(src, dst):\n"
        "    real_link(src, dst)\n"
        "    calls.append(dst)\n"
        "    if len(calls) == 3:\n"
        "        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)\n"
        "os.link = link_then_signal\n"
        "from generator.entry import main\n"
        "status = main(sys.argv[1:])\n"
        "print(len(calls))\n"
        "sys.exit(status)\n"
    )
    args = ["new", SIDECAR, "-o", str(out), "--no-input", "--force", "--image-tag", "0.2.0"]
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_ignore_int_and_quit,
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout.splitlines()[-1]) > 3  # the signal came mid-move
    assert 'tag="${IMAGE_TAG:-0.2.0}"' in (out / "build.sh").read_text()
    assert "0.2.0" in (out / "byoi.yaml").read_text()


@pytest.mark.slow
def test_the_signal_tests_pass_when_the_suite_starts_with_sigint_ignored(tmp_path: Path) -> None:
    """The suite's tests that signal a child, run by a pytest started as an asynchronous list would be."""
    selection = [
        "tests/test_sidecar_protocol.py::test_int_before_start_exits_at_once_without_done",
        "tests/test_sidecar_protocol.py::test_term_is_passed_on_to_the_command_and_still_reported",
        "tests/checker/test_checker_hostile.py::test_a_signal_during_a_check_is_one_line",
        "tests/test_write_safety.py::test_a_signal_mid_render_changes_nothing",
        "tests/test_write_safety.py::test_a_signal_while_files_move_undoes_the_moves",
        "tests/test_upgrade.py::test_a_signal_mid_upgrade_leaves_the_project_as_it_was",
        "tests/test_model_server.py::test_term_stops_the_server_at_once",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "t"), *selection],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=_ignore_int_and_quit,
    )
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert " passed" in summary and "failed" not in summary and "skipped" not in summary, summary
