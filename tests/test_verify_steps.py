"""Each step ``byoi verify`` prints, fast: verify run as a user runs it, against a fake ``podman``.

The fake (tests/fake_podman.py) records every command verify sends and answers it as
podman would, for fake images whose container process is one of tests/fake_image.py's
behaviours, each with one thing broken. The real engine runs the same steps on built
images in the slow tests of test_verify.py; here each step is shown to fail when what it
checks is broken, and to pass when it holds.

Expected values come from /work/shared/docs/platform-facts.md: Studio runs a space as
1000:100 with its volume at /home/sagemaker-user (the working folder must be in it), the
server on 8888 under /codeeditor/default (``SAGEMAKER_APP_TYPE`` lower-cased) with no
token; Foundry: numeric non-root users, exactly 5001 for bring-your-own-container,
linux/amd64, telemetry through ``/bin/sh -c 'set -a && tee -a'``, the sidecar's flags
``start_flag``, ``done_flag``, ``close_flag`` in /opt/palantir/sidecars/shared-volumes/shared.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support import byoi_command

TESTS = Path(__file__).resolve().parent
HOME = "/home/sagemaker-user"
EDITOR_EXTENSIONS = "/opt/amazon/sagemaker/sagemaker-code-editor-server-data/extensions"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

STUDIO_USER = "the image's user is 1000:100"
ANSWERS = "answers on 8888 under /codeeditor/default/ with no token, as 1000:100"
WORKDIR = "the working folder is in /home/sagemaker-user and writable"
PLATFORM = "the image is linux/amd64"
TELEMETRY = "telemetry works (/bin/sh -c 'set -a && tee -a')"
KEPT = "the user's extension and setting are kept"
BROUGHT = "the new image's extensions are in the home"


@dataclass
class Verified:
    status: int
    steps: dict[str, bool]
    output: str
    calls: list[list[str]]

    def failure(self, step: str) -> str:
        """The detail of a failed step."""
        line = next(line for line in self.output.splitlines() if line.startswith(f"FAIL {step}"))
        return line.partition(": ")[2]


class FakePodman:
    """The fake engine's state folder, its ``podman`` on PATH, and the images it knows."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "bin"
        self.bin.mkdir()
        shim = self.bin / "podman"
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{TESTS / "fake_podman.py"}" "$@"\n')
        shim.chmod(0o755)
        self.images: dict[str, Any] = {}

    def image(
        self,
        ref: str,
        behaviour: list[str],
        *,
        user: str,
        workdir: str = "",
        ports: tuple[str, ...] = (),
        env: tuple[str, ...] = (),
        architecture: str = "amd64",
        shell: bool = True,
        tee: bool = True,
        baked: tuple[str, ...] = (),
    ) -> str:
        """A fake image: its config, its files (a shell, tee, baked extensions) and what it runs."""
        rootfs = self.root / "images" / str(len(self.images))
        for folder in ("bin", "usr/bin", "app", workdir.lstrip("/"), EDITOR_EXTENSIONS.lstrip("/")):
            (rootfs / folder).mkdir(parents=True, exist_ok=True)
        if shell:
            (rootfs / "bin" / "sh").symlink_to("/bin/sh")
        if tee:
            (rootfs / "usr" / "bin" / "tee").symlink_to(shutil.which("tee") or "/usr/bin/tee")
        for name in baked:
            (rootfs / EDITOR_EXTENSIONS.lstrip("/") / name).mkdir()
        uid, _, gid = user.partition(":")
        config = {"User": user, "Env": [f"PATH={PATH}", *env], "WorkingDir": workdir}
        if ports:
            config["ExposedPorts"] = {port: {} for port in ports}
        self.images[ref] = {
            "inspect": {"Id": "f" * 64, "Os": "linux", "Architecture": architecture, "Config": config},
            "user": [int(uid or 0), int(gid or uid or 0)],
            "rootfs": str(rootfs),
            "program": [sys.executable, str(TESTS / "fake_image.py"), *behaviour],
        }
        (self.root / "images.json").write_text(json.dumps(self.images))
        return ref

    def verify(self, image: str, target: str, *args: str, timeout: float = 20) -> Verified:
        """``byoi verify IMAGE --target TARGET``, with the fake first on PATH."""
        calls = self.root / "calls.jsonl"
        calls.unlink(missing_ok=True)
        env = {**os.environ, "PATH": f"{self.bin}:{os.environ['PATH']}", "FAKE_PODMAN_DIR": str(self.root)}
        proc = subprocess.run(
            [*byoi_command(), "verify", image, "--target", target, "--timeout", str(timeout), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        steps = {}
        for line in proc.stdout.splitlines():
            if line.startswith(("ok   ", "FAIL ")):
                steps[line[5:].split(": ", 1)[0]] = line.startswith("ok")
        recorded = [json.loads(line) for line in calls.read_text().splitlines()] if calls.exists() else []
        return Verified(proc.returncode, steps, proc.stdout + proc.stderr, recorded)


@pytest.fixture
def podman() -> Iterator[FakePodman]:
    # Outside pytest's tmp folder (mode 0700 for its owner): the fake runs exec as the
    # container's user (1000 when the suite runs as root), who must reach the image's files.
    root = Path(tempfile.mkdtemp(prefix="byoi-fake-podman-"))
    root.chmod(0o755)
    try:
        yield FakePodman(root)
    finally:
        for pid_file in root.glob("containers/*/state.json"):
            pid = json.loads(pid_file.read_text()).get("pid")
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, 9)
        shutil.rmtree(root, ignore_errors=True)


def started(calls: list[list[str]]) -> list[list[str]]:
    """The ``run --detach`` commands: the containers verify started as the platform does."""
    return [c for c in calls if c[:2] == ["run", "--detach"]]


def option(call: list[str], name: str) -> list[str]:
    return [call[i + 1] for i, word in enumerate(call[:-1]) if word == name]


def editor(podman: FakePodman, ref: str = "localhost/fake/editor:1", *switches: str, **kw: Any) -> str:
    values: dict[str, Any] = {"user": "1000:100", "workdir": HOME, "ports": ("8888/tcp",)}
    return podman.image(ref, ["code-editor", *switches], **{**values, **kw})


# --------------------------------------------------------------------------- SageMaker


def test_clean_editor_passes_every_step_started_as_studio_starts_it(podman: FakePodman) -> None:
    run = podman.verify(editor(podman), "sagemaker-code-editor")
    assert run.status == 0, run.output
    assert run.steps == {PLATFORM: True, STUDIO_USER: True, ANSWERS: True, WORKDIR: True}, run.output
    (space,) = started(run.calls)
    assert option(space, "--user") == ["1000:100"]
    assert [v.split(":")[1] for v in option(space, "--volume")] == [HOME]
    assert {"SAGEMAKER_APP_TYPE=CodeEditor", "SAGEMAKER_SPACE_NAME=byoi-verify"} <= set(option(space, "--env"))
    (publish,) = option(space, "--publish")
    assert publish.startswith("127.0.0.1:") and publish.endswith(":8888")
    # Every container verify named is removed at the end.
    names = [n for c in run.calls if c[0] == "run" for n in option(c, "--name")]
    assert sorted(names) == sorted(c[-1] for c in run.calls if c[:2] == ["rm", "--force"])


def test_arm64_image_fails_the_platform_step(podman: FakePodman) -> None:
    run = podman.verify(editor(podman, architecture="arm64"), "sagemaker-code-editor")
    assert run.status == 1 and run.steps[PLATFORM] is False, run.output
    assert "linux/arm64" in run.failure(PLATFORM)


def test_another_user_fails_the_user_step(podman: FakePodman) -> None:
    run = podman.verify(editor(podman, user="1001:100"), "sagemaker-code-editor")
    assert run.status == 1 and run.steps[STUDIO_USER] is False, run.output
    assert "1001:100" in run.failure(STUDIO_USER)
    run = podman.verify(editor(podman, "localhost/fake/editor:group", user="1000:1000"), "sagemaker-code-editor")
    assert run.steps[STUDIO_USER] is False and "1000:1000" in run.failure(STUDIO_USER), run.output


@pytest.mark.parametrize(
    ("switches", "detail"),
    [
        (["--status", "500"], "answered 500"),
        (["--login"], "/login"),
        (["--exit"], "exited before answering"),
        (["--port", "8080"], "no answer"),
    ],
    ids=["error-status", "login-page", "exits", "other-port"],
)
def test_a_server_that_does_not_answer_as_studio_needs_fails(
    podman: FakePodman, switches: list[str], detail: str
) -> None:
    run = podman.verify(editor(podman, "localhost/fake/editor:1", *switches), "sagemaker-code-editor", timeout=1.5)
    assert run.status == 1 and run.steps[ANSWERS] is False, run.output
    assert detail in run.failure(ANSWERS)
    assert WORKDIR not in run.steps  # nothing to check in a space that does not start


@pytest.mark.parametrize("workdir", ["/app", "/home/sagemaker-user-old"])
def test_working_folder_outside_the_home_fails(podman: FakePodman, workdir: str) -> None:
    run = podman.verify(editor(podman, workdir=workdir), "sagemaker-code-editor")
    assert run.status == 1 and run.steps[WORKDIR] is False, run.output
    assert run.failure(WORKDIR) == f"the working folder is {workdir}"


def test_a_home_the_user_cannot_write_fails(podman: FakePodman) -> None:
    """The space starts and its working folder is the home, but the user cannot write there: the
    step must write a file to find out (the fake runs ``exec`` as the container's user, 1000:100)."""
    run = podman.verify(editor(podman, "localhost/fake/editor:1", "--read-only-home"), "sagemaker-code-editor")
    assert run.status == 1 and run.steps[WORKDIR] is False, run.output
    assert run.failure(WORKDIR).startswith(f"{HOME} is not writable")
    assert run.steps[ANSWERS] is True


def test_working_folder_inside_the_home_passes(podman: FakePodman) -> None:
    run = podman.verify(editor(podman, workdir=f"{HOME}/"), "sagemaker-code-editor")
    assert run.status == 0 and run.steps[WORKDIR] is True, run.output


def test_upgrade_keeps_the_users_things_and_brings_the_new_extensions(podman: FakePodman) -> None:
    old = editor(podman, "localhost/fake/editor:old")
    new = editor(podman, "localhost/fake/editor:new", "--extensions", "a.one-1.0.0", baked=("a.one-1.0.0",))
    run = podman.verify(new, "sagemaker-code-editor", "--upgrade-from", old)
    assert run.status == 0, run.output
    for when in ("", " after a second start"):
        assert run.steps[f"{KEPT}{when}"] and run.steps[f"{BROUGHT}{when}"], run.output
    assert run.steps[f"old image {old} {ANSWERS}"] and f"ok   started again: {ANSWERS}" in run.output
    assert [c[-1] for c in started(run.calls)] == [old, new, new]
    assert run.calls.count(["stop", "-t", "10", option(started(run.calls)[0], "--name")[0]]) == 1


@pytest.mark.parametrize(
    ("switches", "step", "detail"),
    [
        (["--wipe-extensions"], KEPT, "byoi-verify.user-extension-1.0.0 is gone from the home's extensions folder"),
        (["--replace-listing"], KEPT, "extensions.json no longer lists byoi-verify.user-extension-1.0.0"),
        (["--mark-removed", "user"], KEPT, ".obsolete marks byoi-verify.user-extension-1.0.0 as removed"),
        (["--reset-settings"], KEPT, "settings.json lost byoi.verify.userSetting"),
        ([], BROUGHT, "not in the home (or not listed in extensions.json): a.one-1.0.0"),
        (["--mark-removed", "baked"], BROUGHT, ".obsolete marks a.one-1.0.0 as removed"),
    ],
    ids=["wipes", "replaces-listing", "marks-user-removed", "resets-settings", "not-linked", "marks-own-removed"],
)
def test_upgrade_to_an_image_that_loses_something_fails(
    podman: FakePodman, switches: list[str], step: str, detail: str
) -> None:
    """The old image's user added an extension and a setting; the new image bakes in a.one-1.0.0.
    Each new image here breaks one of them at its start."""
    old = editor(podman, "localhost/fake/editor:old")
    links = ["--extensions", "a.one-1.0.0"] if switches else []
    new = editor(podman, "localhost/fake/editor:bad", *links, *switches, baked=("a.one-1.0.0",))
    run = podman.verify(new, "sagemaker-code-editor", "--upgrade-from", old)
    assert run.status == 1 and run.steps[step] is False, run.output
    assert detail in run.failure(step)


def test_upgrade_from_an_old_image_that_does_not_start_stops_there(podman: FakePodman) -> None:
    old = editor(podman, "localhost/fake/editor:broken", "--exit")
    run = podman.verify(editor(podman), "sagemaker-code-editor", "--upgrade-from", old, timeout=1.5)
    assert run.status == 1 and run.steps[f"old image {old} {ANSWERS}"] is False, run.output
    assert len(started(run.calls)) == 1


# --------------------------------------------------------------------------- Foundry


def foundry(podman: FakePodman, ref: str, behaviour: list[str], **kw: Any) -> str:
    values: dict[str, Any] = {"user": "5001", "workdir": "/app"}
    return podman.image(ref, behaviour, **{**values, **kw})


@pytest.mark.parametrize(
    ("target", "user", "step", "detail"),
    [
        ("foundry-byoc", "1001", "the image's user is 5001", "runs as uid 1001"),
        ("foundry-byoc", "0", "the image's user is 5001", "uid 0"),
        ("foundry-model", "0", "the image's user is numeric and not root", "root"),
        ("foundry-sidecar", "0", "the image's user is numeric and not root", "root"),
    ],
)
def test_foundry_user_step(podman: FakePodman, target: str, user: str, step: str, detail: str) -> None:
    behaviour = ["model"] if target == "foundry-model" else ["sidecar-server"]
    image = foundry(podman, "localhost/fake/f:1", behaviour, user=user, ports=("8080/tcp",))
    run = podman.verify(image, target)
    assert run.steps[step] is False and detail in run.failure(step), run.output
    image = foundry(podman, "localhost/fake/f:2", behaviour, user="5001", ports=("8080/tcp",))
    assert podman.verify(image, target).steps[step] is True


@pytest.mark.parametrize(("shell", "tee"), [(True, False), (False, True)], ids=["no-tee", "no-shell"])
def test_telemetry_step_fails_without_a_shell_or_tee(podman: FakePodman, shell: bool, tee: bool) -> None:
    run = podman.verify(foundry(podman, "localhost/fake/byoc:1", [], shell=shell, tee=tee), "foundry-byoc")
    assert run.status == 1 and run.steps[TELEMETRY] is False, run.output
    clean = podman.verify(foundry(podman, "localhost/fake/byoc:2", []), "foundry-byoc")
    assert clean.status == 0 and clean.steps == {PLATFORM: True, "the image's user is 5001": True, TELEMETRY: True}
    # What Foundry runs: /bin/sh -c 'set -a && tee -a', reading the container's stdin.
    (telemetry,) = [c for c in clean.calls if "--interactive" in c]
    assert option(telemetry, "--entrypoint") == ["/bin/sh"] and telemetry[-2:] == ["-c", "set -a && tee -a"]


WAITS = "flags mode waits for start_flag in /opt/palantir/sidecars/shared-volumes/shared"
WRITES = "flags mode writes done_flag after start_flag"
EXITS = "flags mode exits after close_flag"


@pytest.mark.parametrize(
    ("switch", "failed"),
    [("", None), ("--exit", WAITS), ("--done-early", WAITS), ("--never-done", WRITES), ("--ignore-close", EXITS)],
)
def test_sidecar_flag_protocol_steps(podman: FakePodman, switch: str, failed: str | None) -> None:
    image = foundry(podman, "localhost/fake/sidecar:1", ["sidecar-flags", *([switch] if switch else [])])
    run = podman.verify(image, "foundry-sidecar", timeout=10 if failed is None else 1.5)
    steps = [WAITS, WRITES, EXITS]
    if failed is None:
        assert run.status == 0 and all(run.steps[s] for s in steps), run.output
        (sidecar,) = started(run.calls)
        assert [v.split(":")[1] for v in option(sidecar, "--volume")] == [
            "/opt/palantir/sidecars/shared-volumes/shared"
        ]
    else:
        assert run.status == 1 and run.steps[failed] is False, run.output
        assert all(run.steps[s] for s in steps[: steps.index(failed)])


def test_sidecar_server_mode_is_asked_on_its_port(podman: FakePodman) -> None:
    image = foundry(podman, "localhost/fake/sidecar:server", ["sidecar-server"], ports=("8080/tcp",))
    run = podman.verify(image, "foundry-sidecar")
    assert run.status == 0 and run.steps["answers an HTTP request on port 8080"], run.output
    assert WAITS not in run.steps
    image = foundry(podman, "localhost/fake/sidecar:deaf", ["sidecar-server", "--port", "9000"], ports=("8080/tcp",))
    run = podman.verify(image, "foundry-sidecar", timeout=1.5)
    assert run.status == 1 and run.steps["answers an HTTP request on port 8080"] is False, run.output


@pytest.mark.parametrize(
    ("target", "behaviour", "step"),
    [
        ("foundry-model", "model", "answers GET /health on port 9090"),
        ("foundry-sidecar", "sidecar-server", "answers an HTTP request on port 9090"),
    ],
)
def test_several_ports_the_one_the_server_listens_on_is_asked(
    podman: FakePodman, target: str, behaviour: str, step: str
) -> None:
    """The generated servers listen on ``$PORT``; the image exposes another port too (a metrics
    port, say), lower in number. verify must probe the port the server listens on."""
    image = foundry(
        podman,
        "localhost/fake/server:ports",
        [behaviour, "--port", "9090"],
        ports=("8080/tcp", "9090/tcp"),
        env=("PORT=9090",),
    )
    run = podman.verify(image, target, timeout=1.5)
    assert run.status == 0 and run.steps[step], run.output
    (server,) = started(run.calls)
    assert option(server, "--publish")[0].endswith(":9090")


@pytest.mark.parametrize(
    ("switches", "step", "detail"),
    [
        (["--health-status", "503"], "answers GET /health on port 8080", "answered 503"),
        (["--predict-status", "500"], "answers a prediction (POST /predict)", "answered 500"),
        (["--predict-body", "not json"], "answers a prediction (POST /predict)", "non-JSON"),
    ],
)
def test_model_steps_fail_on_bad_answers(podman: FakePodman, switches: list[str], step: str, detail: str) -> None:
    image = foundry(podman, "localhost/fake/model:1", ["model", *switches], ports=("8080/tcp",))
    run = podman.verify(image, "foundry-model", timeout=3)
    assert run.status == 1 and run.steps[step] is False and detail in run.failure(step), run.output


def test_model_without_an_exposed_port_fails(podman: FakePodman) -> None:
    run = podman.verify(foundry(podman, "localhost/fake/model:noport", ["model"]), "foundry-model")
    assert run.status == 1 and run.steps["the model exposes its port"] is False, run.output
    assert started(run.calls) == []


# --------------------------------------------------------------------------- the fake against podman


@pytest.mark.engine
@pytest.mark.slow
def test_the_fake_answers_the_commands_verify_sends_as_podman_does(podman: FakePodman, tmp_path: Path) -> None:
    """What the tests above rely on: for the commands verify sends, the fake's answers are podman's,
    on a real image built like the fake one (its config, its user, its home volume, which the
    container's user may or may not write)."""
    import uuid

    import engine

    from generator.image.verify import _IDS_SCRIPT

    engine.require_engine()
    engine.ensure_standin_images()
    (tmp_path / "Dockerfile").write_text(
        f"FROM {engine.BASE_IMAGE}\n"
        "RUN useradd --uid 1000 --gid 100 --no-create-home u1000\n"
        f"WORKDIR {HOME}\nENV PORT=9090\nEXPOSE 8080 9090\nUSER 1000:100\n"
        'CMD ["sleep", "600"]\n'
    )
    image = f"localhost/byoi-test/fake-podman-check:{uuid.uuid4().hex[:8]}"
    podman.image(image, ["idle"], user="1000:100", workdir=HOME, ports=("8080/tcp", "9090/tcp"), env=("PORT=9090",))
    fake_env = {**os.environ, "PATH": f"{podman.bin}:{os.environ['PATH']}", "FAKE_PODMAN_DIR": str(podman.root)}

    def answers(env: dict[str, str]) -> list[Any]:
        def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                ["podman", *args], env=env, input=stdin, capture_output=True, text=True, timeout=120, check=False
            )

        name = f"byoi-verify-{uuid.uuid4().hex[:12]}"
        home = Path(tempfile.mkdtemp(prefix="byoi-verify-"))
        seen: list[Any] = []
        try:
            os.chown(home, 1000, 100)
            inspected = json.loads(run("image", "inspect", image).stdout)[0]
            config = inspected["Config"]
            seen.append((inspected["Os"], inspected["Architecture"], sorted(config["ExposedPorts"])))
            seen.append(("PORT=9090" in config["Env"], config["WorkingDir"], config["User"]))
            seen.append(run("image", "inspect", f"{image}-missing").returncode)
            ids = run("run", "--rm", "--entrypoint", "/bin/sh", image, "-c", _IDS_SCRIPT)
            seen.append((ids.returncode, ids.stdout.split()))
            tee = run(
                "run", "--rm", "--interactive", "--entrypoint", "/bin/sh", image, "-c", "set -a && tee -a", stdin="x\n"
            )
            seen.append((tee.returncode, tee.stdout))
            started = run("run", "--detach", "--name", name, "--user", "1000:100", "--volume", f"{home}:{HOME}", image)
            seen.append((started.returncode, run("inspect", "--format", "{{.State.Running}}", name).stdout.strip()))
            write = ["exec", name, "/bin/sh", "-c", "pwd && touch .byoi-verify && rm .byoi-verify"]
            writable = run(*write)
            seen.append((writable.returncode, writable.stdout.strip()))
            home.chmod(0o555)
            read_only = run(*write)
            seen.append((read_only.returncode != 0, read_only.stdout.strip()))
            run("stop", "-t", "2", name)
            seen.append(run("inspect", "--format", "{{.State.Running}}", name).stdout.strip())
            seen.append(run("wait", name).stdout.strip().lstrip("-").isdigit())
            seen.append(run("rm", "--force", name).returncode)
            return seen
        finally:
            run("rm", "--force", name)
            home.chmod(0o755)
            shutil.rmtree(home, ignore_errors=True)

    try:
        engine.build(tmp_path, image)
        real = answers(engine.engine_env())
        assert real[5] == (0, "true") and real[6] == (0, HOME) and real[7] == (True, HOME)  # what verify needs
        assert answers(fake_env) == real
    finally:
        engine.remove_image(image)
