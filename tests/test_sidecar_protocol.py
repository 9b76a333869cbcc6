"""The generated sidecar, run for real as processes against a temporary shared folder.

Flags mode: ``entrypoint.sh`` runs under ``/bin/sh`` (dash, as in the Debian-based image)
and under bash, as PID 1 would run it, while the test plays the transform: it writes the
flag files and reads ``done_flag``. Then the generated transform side
(``transform/sidecar_transform.py``, with Foundry's ``transforms`` modules replaced by
stand-ins that only record the decorators) drives the real entrypoint, so the two halves
of the protocol are tested against each other. Server mode: ``server.py`` on a loopback
port, called by the generated transform side.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import types
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support import default_signals, run_byoi

# Expected values are the documents' (docs/platform-facts.md §2, "Three ways Foundry runs a
# container", 1; Foundry's transforms-sidecar page), never the generator's own constants.
SHARED_DIR = "/opt/palantir/sidecars/shared-volumes/shared"
VOLUME_NAME = "shared"
START_FLAG, DONE_FLAG, CLOSE_FLAG = "start_flag", "done_flag", "close_flag"
SIDECAR_LOG_FILE = "logfile"

#: dash is /bin/sh in the Debian-based image; bash is what many users' own bases have.
SHELLS = ("dash", "bash")


@pytest.fixture(scope="module")
def flags_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("flags") / "project"
    run_byoi("new", "foundry-sidecar", "-o", str(out), "--no-input", check=True)
    return out


@pytest.fixture(scope="module")
def server_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("server") / "project"
    run_byoi("new", "foundry-sidecar", "-o", str(out), "--no-input", "--mode", "server", check=True)
    return out


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def read_done(shared: Path) -> dict[str, str]:
    lines = (shared / DONE_FLAG).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


class Sidecar:
    """The entrypoint as a running process, with the shared folder it watches."""

    def __init__(self, proc: subprocess.Popen[str], shared: Path) -> None:
        self.proc = proc
        self.shared = shared

    def flag(self, name: str) -> None:
        (self.shared / name).write_text("")

    def wait_done(self, timeout: float = 10) -> dict[str, str]:
        wait_until(lambda: (self.shared / DONE_FLAG).exists(), timeout, DONE_FLAG)
        return read_done(self.shared)

    def exit_status(self, timeout: float = 10) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the entrypoint is still running; output:\n{self.output()}") from None

    def output(self) -> str:
        if self.proc.poll() is None:
            self.proc.kill()
        out, _ = self.proc.communicate()
        return out

    def running(self) -> bool:
        return self.proc.poll() is None


@pytest.fixture
def start_sidecar(flags_project: Path, tmp_path: Path) -> Iterator[Callable[..., Sidecar]]:
    started: list[Sidecar] = []

    def start(*command: str, shell: str = "dash", **env: str) -> Sidecar:
        if shutil.which(shell) is None:
            pytest.skip(f"{shell} is not installed")
        shared = tmp_path / "shared"
        shared.mkdir(exist_ok=True)
        environ = {
            "PATH": os.environ["PATH"],
            "SHARED_DIR": str(shared),
            "SIDECAR_POLL_SECONDS": "0.1",
            **env,
        }
        proc = subprocess.Popen(
            [shell, str(flags_project / "entrypoint.sh"), *command],
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=default_signals,  # as Foundry starts a container's PID 1
        )
        sidecar = Sidecar(proc, shared)
        started.append(sidecar)
        return sidecar

    yield start
    for sidecar in started:
        if sidecar.running():
            os.killpg(sidecar.proc.pid, signal.SIGKILL)
            sidecar.proc.wait()
        if sidecar.proc.stdout:
            sidecar.proc.stdout.close()


# ---------------------------------------------------------------- flags mode, the entrypoint alone


@pytest.mark.parametrize("shell", SHELLS)
def test_runs_only_after_start_reports_done_then_exits_after_close(
    start_sidecar: Callable[..., Sidecar], flags_project: Path, shell: str
) -> None:
    sidecar = start_sidecar("/bin/sh", str(flags_project / "work.sh"), shell=shell)
    (sidecar.shared / "input").mkdir()
    (sidecar.shared / "input" / "a.txt").write_text("one\ntwo\nthree\n")
    (sidecar.shared / "input" / "b.txt").write_text("x\n")

    time.sleep(0.6)
    assert sidecar.running()
    assert not (sidecar.shared / "output" / "line_counts.csv").exists(), "ran before start_flag"
    assert not (sidecar.shared / DONE_FLAG).exists()

    sidecar.flag(START_FLAG)
    assert sidecar.wait_done() == {"exit_status": "0", "reason": "exited"}
    results = (sidecar.shared / "output" / "line_counts.csv").read_text().splitlines()
    assert results == ["file,lines", "a.txt,3", "b.txt,1"]

    time.sleep(0.4)
    assert sidecar.running(), "exited before close_flag"
    sidecar.flag(CLOSE_FLAG)
    assert sidecar.exit_status() == 0

    log = (sidecar.shared / SIDECAR_LOG_FILE).read_text()
    assert "counted the lines of 2 file(s)" in log
    assert "sidecar: waiting for" in log and "exit status 0" in log
    # Clear log lines: each of the entrypoint's own lines starts with a UTC timestamp.
    own = [line for line in log.splitlines() if " sidecar: " in line]
    assert own and all(line[:20].endswith("Z") and line[10] == "T" for line in own)
    assert "counted the lines of 2 file(s)" in sidecar.output()


def test_failing_command_reports_its_status_and_exits_with_it(start_sidecar: Callable[..., Sidecar]) -> None:
    sidecar = start_sidecar("/bin/sh", "-c", "echo about to fail >&2; exit 3")
    sidecar.flag(START_FLAG)
    assert sidecar.wait_done() == {"exit_status": "3", "reason": "exited"}
    assert "about to fail" in (sidecar.shared / SIDECAR_LOG_FILE).read_text()
    assert sidecar.running(), "a failure must still wait for close_flag"
    sidecar.flag(CLOSE_FLAG)
    assert sidecar.exit_status() == 3


def test_missing_command_is_reported_as_exit_status_127(start_sidecar: Callable[..., Sidecar]) -> None:
    sidecar = start_sidecar("/bin/sh", "-c", "no-such-program-here")
    sidecar.flag(START_FLAG)
    assert sidecar.wait_done()["exit_status"] == "127"
    sidecar.flag(CLOSE_FLAG)
    assert sidecar.exit_status() == 127


def test_timeout_stops_the_command_and_everything_it_started(start_sidecar: Callable[..., Sidecar]) -> None:
    marker = f"byoi-timeout-{os.getpid()}"
    # Ignores SIGTERM and leaves a grandchild: only SIGKILL to the whole group ends both.
    # The marker is each shell's $0, so pgrep can find what is left ("; :" stops sh from exec'ing sleep).
    waiter = f"sh -c 'sleep 300; :' {marker}"
    command = f'trap "" TERM; {waiter} & {waiter}; echo never'
    sidecar = start_sidecar(
        "/bin/sh", "-c", command, SIDECAR_TIMEOUT="1", SIDECAR_KILL_GRACE="1", SIDECAR_CLOSE_TIMEOUT="1"
    )
    sidecar.flag(START_FLAG)
    started = time.monotonic()
    assert sidecar.wait_done(timeout=15) == {"exit_status": "124", "reason": "timeout"}
    assert time.monotonic() - started < 8
    log = (sidecar.shared / SIDECAR_LOG_FILE).read_text()
    assert "stopping it (SIGTERM)" in log and "killing it (SIGKILL)" in log
    assert "never" not in log.splitlines(), "the command went on after the timeout"
    # No close_flag comes: the close timeout ends the wait, with the command's status.
    assert sidecar.exit_status() == 124
    leftovers = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    assert leftovers.stdout == "", "processes of the command survived the timeout"


@pytest.mark.parametrize("shell", SHELLS)
def test_term_is_passed_on_to_the_command_and_still_reported(
    start_sidecar: Callable[..., Sidecar], tmp_path: Path, shell: str
) -> None:
    seen = tmp_path / "command-saw-term"
    ready = tmp_path / "command-trapping"
    command = f'trap "echo got TERM; touch {seen}; exit 7" TERM; touch {ready}; while :; do sleep 0.1; done'
    sidecar = start_sidecar("/bin/sh", "-c", command, shell=shell)
    sidecar.flag(START_FLAG)
    # Signal only once the command's trap is set, however slow the machine.
    wait_until(ready.exists, 10, "the command to set its trap")
    sidecar.proc.send_signal(signal.SIGTERM)
    # The entrypoint exits 128+15 once done_flag is written, without waiting for close_flag.
    assert sidecar.exit_status() == 128 + signal.SIGTERM
    assert seen.exists(), "SIGTERM did not reach the command"
    assert read_done(sidecar.shared) == {"exit_status": "7", "reason": "signal"}
    assert "passing it on to the command" in (sidecar.shared / SIDECAR_LOG_FILE).read_text()


def test_int_before_start_exits_at_once_without_done(start_sidecar: Callable[..., Sidecar]) -> None:
    sidecar = start_sidecar("/bin/sh", "-c", "echo should not run")
    time.sleep(0.4)
    sidecar.proc.send_signal(signal.SIGINT)
    assert sidecar.exit_status(timeout=5) == 128 + signal.SIGINT
    assert not (sidecar.shared / DONE_FLAG).exists()
    assert "should not run" not in sidecar.output()


def test_start_timeout_gives_up_and_says_so(start_sidecar: Callable[..., Sidecar]) -> None:
    sidecar = start_sidecar("/bin/sh", "-c", "echo should not run", SIDECAR_START_TIMEOUT="1")
    assert sidecar.exit_status(timeout=10) == 124
    assert read_done(sidecar.shared) == {"exit_status": "124", "reason": "timeout"}
    assert "should not run" not in sidecar.output()


def test_flags_of_an_earlier_run_are_cleared(start_sidecar: Callable[..., Sidecar], tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / DONE_FLAG).write_text("exit_status=0\nreason=exited\n")
    (shared / CLOSE_FLAG).write_text("")
    sidecar = start_sidecar("/bin/sh", "-c", "exit 5")
    wait_until(lambda: not (shared / DONE_FLAG).exists(), 5, "the stale done_flag to go")
    assert not (shared / CLOSE_FLAG).exists()
    sidecar.flag(START_FLAG)
    assert sidecar.wait_done()["exit_status"] == "5"
    time.sleep(0.3)
    assert sidecar.running()
    sidecar.flag(CLOSE_FLAG)
    assert sidecar.exit_status() == 5


def test_a_run_that_cannot_start_still_answers_with_done(start_sidecar: Callable[..., Sidecar], tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "output").write_text("a file where the output folder should go")
    sidecar = start_sidecar("/bin/sh", "-c", "echo should not run")
    sidecar.flag(START_FLAG)
    assert sidecar.wait_done() == {"exit_status": "2", "reason": "error"}
    assert sidecar.exit_status() == 2
    assert "cannot create" in sidecar.output()


@pytest.mark.parametrize(
    "env,words",
    [({"SHARED_DIR": "/nonexistent/shared"}, ["does not exist", "Volume("]), ({"SIDECAR_TIMEOUT": "1h"}, ["1h"])],
    ids=["no shared folder", "bad timeout"],
)
def test_bad_setup_fails_at_once_with_a_reason(
    start_sidecar: Callable[..., Sidecar], env: dict[str, str], words: list[str]
) -> None:
    sidecar = start_sidecar("/bin/true", **env)
    assert sidecar.exit_status(timeout=5) == 2
    out = sidecar.output()
    assert all(word in out for word in words), out


# ---------------------------------------------------------------- the transform side against the entrypoint


class FakeFileSystem:
    """The part of Foundry's dataset FileSystem API the transform side uses, on a folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def ls(self) -> list[Any]:
        paths = sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())
        return [types.SimpleNamespace(path=p) for p in paths]

    def open(self, path: str, mode: str = "r") -> Any:
        target = self.root / path
        if "w" in mode:
            target.parent.mkdir(parents=True, exist_ok=True)
        return target.open(mode)


class FakeDataset:
    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root

    def filesystem(self) -> FakeFileSystem:
        return FakeFileSystem(self.root)


@pytest.fixture
def load_transform(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], Any]:
    """Import a generated transform file with stand-ins for Foundry's transforms modules."""
    recorded: dict[str, Any] = {}

    def decorator(kind: str) -> Callable[..., Any]:
        def make(*args: Any, **kwargs: Any) -> Callable[[Any], Any]:
            recorded[kind] = (args, kwargs)
            return lambda func: func

        return make

    api = types.ModuleType("transforms.api")
    api.transform = decorator("transform")  # type: ignore[attr-defined]
    api.Input = lambda rid: ("input", rid)  # type: ignore[attr-defined]
    api.Output = lambda rid: ("output", rid)  # type: ignore[attr-defined]
    sidecar_module = types.ModuleType("transforms.sidecar")
    sidecar_module.sidecar = decorator("sidecar")  # type: ignore[attr-defined]
    sidecar_module.Volume = lambda name: ("volume", name)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "transforms", types.ModuleType("transforms"))
    monkeypatch.setitem(sys.modules, "transforms.api", api)
    monkeypatch.setitem(sys.modules, "transforms.sidecar", sidecar_module)

    def load(path: Path) -> Any:
        spec = importlib.util.spec_from_file_location(f"generated_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.recorded = recorded
        return module

    return load


def test_transform_side_declares_the_sidecar_with_the_shared_volume(
    flags_project: Path, load_transform: Callable[[Path], Any]
) -> None:
    module = load_transform(flags_project / "transform" / "sidecar_transform.py")
    _args, kwargs = module.recorded["sidecar"]
    assert kwargs == {"image": "my-sidecar", "tag": "0.1.0", "volumes": [("volume", VOLUME_NAME)]}
    assert module.SHARED_DIR == SHARED_DIR


def test_transform_side_and_entrypoint_complete_the_protocol_together(
    flags_project: Path, load_transform: Callable[[Path], Any], start_sidecar: Callable[..., Sidecar], tmp_path: Path
) -> None:
    module = load_transform(flags_project / "transform" / "sidecar_transform.py")
    source = FakeDataset(tmp_path / "source")
    (source.root / "part-0.csv").write_text("a\nb\n")
    (source.root / "nested").mkdir()
    (source.root / "nested" / "part-1.csv").write_text("c\n")
    output = FakeDataset(tmp_path / "output")

    sidecar = start_sidecar("/bin/sh", str(flags_project / "work.sh"))
    done = module.run_once(source, output, shared_dir=str(sidecar.shared), timeout=20)
    assert done == {"exit_status": 0, "reason": "exited"}
    assert sidecar.exit_status() == 0, "the transform side did not release the sidecar"
    written = sorted(p.relative_to(output.root).as_posix() for p in output.root.rglob("*") if p.is_file())
    assert written == ["line_counts.csv", SIDECAR_LOG_FILE]
    assert (output.root / "line_counts.csv").read_text().splitlines() == ["file,lines", "part-0.csv,2"]


def test_transform_side_fails_the_build_but_still_copies_the_log_and_closes(
    flags_project: Path, load_transform: Callable[[Path], Any], start_sidecar: Callable[..., Sidecar], tmp_path: Path
) -> None:
    module = load_transform(flags_project / "transform" / "sidecar_transform.py")
    output = FakeDataset(tmp_path / "output")
    sidecar = start_sidecar("/bin/sh", "-c", "echo it broke; exit 4")
    with pytest.raises(module.SidecarError, match="exit status 4"):
        module.run_once(FakeDataset(tmp_path / "source"), output, shared_dir=str(sidecar.shared), timeout=20)
    assert "it broke" in (output.root / SIDECAR_LOG_FILE).read_text()
    assert sidecar.exit_status() == 4


# ---------------------------------------------------------------- server mode


def post(url: str, body: bytes, timeout: float = 30) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture
def start_server(server_project: Path, tmp_path: Path) -> Iterator[Callable[..., tuple[str, Path]]]:
    procs: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> tuple[str, Path]:
        import engine

        port = engine.free_port()
        shared = tmp_path / "shared"
        shared.mkdir(exist_ok=True)
        environ = {
            "PATH": os.environ["PATH"],
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "SHARED_DIR": str(shared),
            "SIDECAR_COMMAND": f"/bin/sh {server_project / 'work.sh'}",
            **env,
        }
        proc = subprocess.Popen(
            [sys.executable, str(server_project / "server.py")],
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=default_signals,
        )
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        engine.wait_http(url + "/health", timeout=20)
        return url, shared

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()


def test_server_answers_health_and_runs_the_command(start_server: Callable[..., tuple[str, Path]]) -> None:
    url, shared = start_server()
    with urllib.request.urlopen(url + "/health", timeout=5) as response:
        assert json.loads(response.read()) == {"status": "ok"}
    (shared / "input").mkdir()
    (shared / "input" / "x.txt").write_text("1\n2\n")
    status, reply = post(url + "/run", b"")
    assert status == 200, reply
    assert reply["exit_status"] == 0 and reply["timed_out"] is False
    assert "counted the lines of 1 file(s)" in reply["output"]
    assert (shared / "output" / "line_counts.csv").read_text().splitlines() == ["file,lines", "x.txt,2"]
    assert "counted the lines" in (shared / SIDECAR_LOG_FILE).read_text()


def test_server_passes_arguments_reports_failure_and_timeout(start_server: Callable[..., tuple[str, Path]]) -> None:
    url, _ = start_server(SIDECAR_COMMAND='echo "args: $*"; exit "$1"', SIDECAR_TIMEOUT="1", SIDECAR_KILL_GRACE="1")
    status, reply = post(url + "/run", json.dumps({"args": ["5", "b c"]}).encode())
    assert status == 200 and reply["exit_status"] == 5 and "args: 5 b c" in reply["output"]
    assert post(url + "/run", b'{"args": "not a list"}')[0] == 400
    assert post(url + "/run", b"{not json")[0] == 400
    assert post(url + "/nope", b"{}")[0] == 404

    url, _ = start_server(SIDECAR_COMMAND="sleep 30", SIDECAR_TIMEOUT="1", SIDECAR_KILL_GRACE="1")
    started = time.monotonic()
    status, reply = post(url + "/run", b"{}")
    assert status == 504 and reply["timed_out"] is True and reply["exit_status"] == 124
    assert time.monotonic() - started < 10


def test_server_stops_on_term(server_project: Path, tmp_path: Path) -> None:
    import engine

    port = engine.free_port()
    env = {"PATH": os.environ["PATH"], "HOST": "127.0.0.1", "PORT": str(port), "SHARED_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, str(server_project / "server.py")],
        env=env,
        stderr=subprocess.DEVNULL,
        preexec_fn=default_signals,
    )
    try:
        engine.wait_http(f"http://127.0.0.1:{port}/health", timeout=20)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.wait()


def test_server_transform_side_runs_once_against_the_server(
    server_project: Path,
    load_transform: Callable[[Path], Any],
    start_server: Callable[..., tuple[str, Path]],
    tmp_path: Path,
) -> None:
    module = load_transform(server_project / "transform" / "sidecar_transform.py")
    url, shared = start_server()
    module.SERVER = url
    source = FakeDataset(tmp_path / "source")
    (source.root / "rows.txt").write_text("r1\nr2\nr3\n")
    output = FakeDataset(tmp_path / "output")
    reply = module.run_once(source, output, shared_dir=str(shared))
    assert reply["exit_status"] == 0
    assert (output.root / "line_counts.csv").read_text().splitlines() == ["file,lines", "rows.txt,3"]
    assert (output.root / SIDECAR_LOG_FILE).exists()
