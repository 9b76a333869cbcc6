"""Hostile input to ``byoi check``: it never blocks, never runs out of memory, stays linear.

Each case ran for minutes (or forever, or until memory ran out) before the checker
refused non-regular files, bounded what it reads and expands, and dropped its
quadratic steps (issue 9, items 13 and 14). Each runs ``byoi`` as a user would, with
a wall-time bound far above what a fixed checker needs on a loaded machine and far
below what the old one took, and an address-space bound of 1 GiB (the old one used
5 GB on the ``ARG`` chain).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support import byoi_command, default_signals

#: Seconds: a fixed checker needs about one on these files; the old one took 11 s to forever.
BOUND = 10
MEMORY = 1 << 30


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def check(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``byoi check ARGS --target foundry-byoc``, bounded in time and memory."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    try:
        return subprocess.run(
            [*byoi_command(), "check", *args, "--target", "foundry-byoc"],
            cwd=cwd,
            capture_output=True,
            text=True,
            env=env,
            timeout=BOUND,
            check=False,
            preexec_fn=_limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"byoi check {' '.join(args)} ran for more than {BOUND} s")


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    return proc.stderr


def checked(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """A run that checked the file (findings or none), without a traceback."""
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


# --- non-regular files ---------------------------------------------------------------


def test_a_fifo_as_the_path_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    assert "not a regular file" in one_line_error(check(str(fifo)))
    assert "not a regular file" in one_line_error(check(str(tmp_path)))


def test_a_link_to_a_device_as_the_path_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "Dockerfile"
    link.symlink_to("/dev/zero")
    assert "not a regular file" in one_line_error(check(str(link)))


def test_fifos_and_devices_in_the_build_context_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        'FROM python:3.12.12-slim-bookworm\nCOPY . /app/\nUSER 5001\nCMD ["/app/start.sh"]\n', encoding="utf-8"
    )
    os.mkfifo(tmp_path / "pipe.sh")
    (tmp_path / "zero.sh").symlink_to("/dev/zero")
    (tmp_path / "random").symlink_to("/dev/urandom")
    (tmp_path / "start.sh").write_text("#!/bin/sh\nexec python -m app\n", encoding="utf-8")
    proc = checked(check(str(tmp_path)))
    assert "pipe.sh" not in proc.stdout and "zero.sh" not in proc.stdout


def test_a_fifo_named_in_a_copy_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.12.12-slim-bookworm\nCOPY entry.sh /entry.sh\nUSER 5001\n", encoding="utf-8"
    )
    os.mkfifo(tmp_path / "entry.sh")
    checked(check(str(tmp_path)))


# --- sizes -----------------------------------------------------------------------------


def test_a_50_mb_file_is_refused_with_one_line(tmp_path: Path) -> None:
    big = tmp_path / "Dockerfile"
    with big.open("w", encoding="utf-8") as out:
        out.write("FROM alpine:3.19\n")
        line = "RUN echo " + "x" * 90 + "\n"
        out.write(line * (50 * 1024 * 1024 // len(line)))
    assert "larger than 1 MiB" in one_line_error(check(str(big)))


def test_a_file_just_under_the_bound_is_checked(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    line = "RUN echo " + "x" * 90 + "\n"
    dockerfile.write_text("FROM alpine:3.19\nUSER 5001\n" + line * (1_000_000 // len(line)), encoding="utf-8")
    checked(check(str(dockerfile)))


# --- super-linear time -----------------------------------------------------------------


def _write(tmp_path: Path, lines: list[str]) -> str:
    path = tmp_path / "Dockerfile"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_env_values_that_double_each_line_are_bounded(tmp_path: Path) -> None:
    # 21 lines, 356 bytes: the last value would be 2**21 copies of A0's.
    lines = ["FROM alpine:3.19", "ENV A0=x"] + [f"ENV A{i}=$A{i - 1}$A{i - 1}" for i in range(1, 22)]
    lines += ["USER $A21", "RUN echo $A21 $A21 $A21 $A21"]
    checked(check(_write(tmp_path, lines)))


def test_twenty_thousand_continuation_lines(tmp_path: Path) -> None:
    lines = ["FROM alpine:3.19", "USER 5001", "RUN echo a \\"] + [f"  && echo {i} \\" for i in range(20_000)]
    checked(check(_write(tmp_path, [*lines, "  && true"])))


def test_twenty_thousand_chained_args(tmp_path: Path) -> None:
    lines = ["FROM alpine:3.19", "ARG A0=x"] + [f"ARG A{i}=${{A{i - 1}:-x}}" for i in range(1, 20_001)]
    checked(check(_write(tmp_path, [*lines, "USER 5001"])))


def test_twenty_thousand_stages_built_on_each_other(tmp_path: Path) -> None:
    lines = ["FROM alpine:3.19 AS s0", "ENV A=1"]
    for i in range(1, 20_001):
        lines += [f"FROM s{i - 1} AS s{i}", "RUN echo $A"]
    checked(check(_write(tmp_path, lines)))


def test_twenty_thousand_ignore_comments(tmp_path: Path) -> None:
    lines = ["FROM alpine:3.19", *(f"# byoi ignore=BY{i % 1000:03d}" for i in range(20_000)), "USER 5001"]
    checked(check(_write(tmp_path, lines)))


def test_a_heredoc_marker_on_a_long_joined_line(tmp_path: Path) -> None:
    lines = ["FROM alpine:3.19", "USER 5001", "RUN cat <<EOF \\"] + ["aaaaaaaaaaaaaaaa\\"] * 20_000
    checked(check(_write(tmp_path, [*lines, "", "hello", "EOF"])))


def test_deeply_nested_substitutions(tmp_path: Path) -> None:
    nested = "${A:-" * 2000 + "x" + "}" * 2000
    checked(check(_write(tmp_path, ["FROM alpine:3.19", f"ARG A={nested}", f"RUN echo {nested}", "USER 5001"])))


def test_a_directive_line_of_spaces(tmp_path: Path) -> None:
    checked(check(_write(tmp_path, ["# syntax=a" + " " * 60_000 + "b", "FROM alpine:3.19", "USER 5001"])))


def test_a_wide_line_of_variables(tmp_path: Path) -> None:
    lines = ["FROM alpine:3.19", "ARG A=" + "x" * 1000] + ["ENV B=" + "$A" * 30_000] * 3 + ["USER 5001"]
    checked(check(_write(tmp_path, lines)))


def test_many_dockerfiles_sharing_one_large_context(tmp_path: Path) -> None:
    # 1000 Dockerfiles that COPY . from one folder of 2000 files: the folder is walked,
    # and each file looked at, once (it was once per Dockerfile: a million reads).
    paths = []
    for i in range(1000):
        (tmp_path / f"notes-{i}.txt").write_text("not a script\n", encoding="utf-8")
        dockerfile = tmp_path / f"{i}.Dockerfile"
        dockerfile.write_text("FROM alpine:3.19\nCOPY . /app/\nUSER 5001\n", encoding="utf-8")
        paths.append(dockerfile.name)
    (tmp_path / "start.sh").write_text("#!/bin/sh\nexec sleep 1\n", encoding="utf-8")
    checked(check(*paths, cwd=tmp_path))


def test_settings_files_found_from_here_are_not_waited_on(tmp_path: Path) -> None:
    # A FIFO where settings are looked for is reported, never opened for reading.
    (tmp_path / ".git").mkdir()
    os.mkfifo(tmp_path / "pyproject.toml")
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.19\nUSER 5001\n", encoding="utf-8")
    assert "pyproject.toml" in one_line_error(check("Dockerfile", cwd=tmp_path))
    os.unlink(tmp_path / "pyproject.toml")
    os.mkfifo(tmp_path / ".byoi.yaml")
    assert ".byoi.yaml" in one_line_error(check("Dockerfile", cwd=tmp_path))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_a_check_is_one_line(tmp_path: Path, signum: int) -> None:
    # The plain command line skips generator.cli, so it stops the way cli.main does. The
    # check is made to last (it says so on stdout, then sleeps), so the signal always
    # lands mid-check: a real check is too quick to aim a signal at reliably.
    path = _write(tmp_path, ["FROM alpine:3.19", "USER 5001"])
    slow_check = (
        "import sys, time\n"
        "import generator.check as c\n"
        "def slow(*a, **k):\n"
        "    print('checking', flush=True)\n"
        "    time.sleep(60)\n"
        "c.check_paths = slow\n"
        "from generator.entry import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", slow_check, "check", path, "--target", "foundry-byoc"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_signals,  # byoi keeps a signal it was started with ignored (entry.stoppable)
    )
    assert proc.stdout is not None and proc.stdout.readline() == "checking\n"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=BOUND)
    assert proc.returncode == 128 + signum, err
    assert err == f"byoi: stopped by {signal.Signals(signum).name}; nothing was changed\n"
