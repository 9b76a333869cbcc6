"""``byoi verify``: run a local image the way its platform does, and report each step.

- SageMaker Studio (Code Editor): the image's own user is 1000:100; started as 1000:100
  with an empty home volume and ``SAGEMAKER_APP_TYPE``/``SAGEMAKER_SPACE_NAME`` injected,
  the server answers on 8888 under ``/codeeditor/default/`` with no token; the working
  folder is in the home and writable. With ``upgrade_from``, the old image runs first on
  the same home, a user extension and a user setting are added, and the new image must
  keep both and bring its own extensions into the home.
- Foundry: the image's own user (numeric, non-zero; 5001 for byoc) and Foundry's
  telemetry check ``/bin/sh -c 'set -a && tee -a'``; a sidecar completes the flag
  protocol on a shared volume (or answers on its port, in server mode); a model answers a
  health request and a prediction on its port; a compute module, run on the host's network
  against byoi's local runtime (:mod:`generator.computemodule.runtime`, with the environment
  Foundry gives a module), posts typed schemas for ``add`` and ``hello``, answers a job of
  each, answers a malformed job with an error and goes on, answers 50 jobs once each, and
  stops on SIGTERM within the grace period.

Only HTTP behaviour and files are checked, never which server the image has. Containers
get unique names, publish on loopback ports chosen free, and are always removed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.platforms.foundry import FOUNDRY
from generator.platforms.sagemaker import CODE_EDITOR, JUPYTERLAB
from generator.rules import (
    FOUNDRY_BYOC,
    FOUNDRY_COMPUTE_MODULE,
    FOUNDRY_MODEL,
    FOUNDRY_SIDECAR,
    SAGEMAKER_CODE_EDITOR,
    SAGEMAKER_JUPYTERLAB,
    TARGETS,
)

if TYPE_CHECKING:
    from generator.computemodule.runtime import Runtime

#: The space name verify injects (Studio injects the real one).
SPACE_NAME = "byoi-verify"
#: The origin of Studio's page, which reaches the server through Studio's proxy: another origin than the server's.
STUDIO_ORIGIN = "https://d-verify.studio.us-east-1.sagemaker.aws"
#: Label on every container verify starts, for clean-up by hand after a crash.
LABEL = "byoi.verify=1"
#: What verify writes into the home, as a user of the old image would.
USER_EXTENSION = "byoi-verify.user-extension-1.0.0"
USER_SETTING = "byoi.verify.userSetting"
#: Reads the process's real uid and gid with shell built-ins only (no ``id`` needed).
_IDS_SCRIPT = 'while read -r key real rest; do case "$key" in Uid:|Gid:) echo "$real";; esac; done < /proc/self/status'
#: A model's endpoints (generator/targets/foundry_model.py writes the same).
HEALTH_PATH = "/health"
PREDICT_PATH = "/predict"
DEFAULT_REQUEST = '{"rows": [{"text": "example"}]}'

Report = Callable[[str], None]


class VerifyError(ValueError):
    """verify cannot run at all (no engine, no such image): one line, exit status 2."""


@dataclass(frozen=True)
class Step:
    """One thing verify checked: what, whether it held, and what was seen."""

    name: str
    ok: bool
    detail: str = ""

    def line(self) -> str:
        """``ok   name: detail`` / ``FAIL name: detail``."""
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}" + (f": {self.detail}" if self.detail else "")


class _Engine:
    """podman or docker, with the environment verify was started in."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started: list[str] = []

    def run(self, *args: str, timeout: float = 120, input: str | None = None) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                [self.name, *args],
                capture_output=True,
                text=True,
                timeout=timeout,
                input=input,
                stdin=None if input is not None else subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired as err:
            return subprocess.CompletedProcess(err.cmd, 124, "", f"timed out after {timeout:.0f}s")

    def inspect(self, image: str) -> dict[str, Any]:
        proc = self.run("image", "inspect", image)
        if proc.returncode != 0:
            raise VerifyError(f"no local image {image} ({self.name} image inspect: {_last(proc.stderr)})")
        data = json.loads(proc.stdout)
        return dict(data[0] if isinstance(data, list) else data)

    def start(self, image: str, options: Sequence[str], args: Sequence[str] = ()) -> str:
        name = f"byoi-verify-{uuid.uuid4().hex[:12]}"
        self.started.append(name)
        proc = self.run("run", "--detach", "--name", name, "--label", LABEL, *options, image, *args, timeout=300)
        if proc.returncode != 0:
            raise _StepFailed(f"{self.name} run failed: {_last(proc.stderr)}")
        return name

    def once(
        self, image: str, options: Sequence[str], args: Sequence[str], input: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        name = f"byoi-verify-{uuid.uuid4().hex[:12]}"
        self.started.append(name)
        extra = ["--interactive"] if input is not None else []
        return self.run(
            "run", "--name", name, "--label", LABEL, *extra, *options, image, *args, input=input, timeout=timeout
        )

    def logs(self, name: str) -> str:
        proc = self.run("logs", name)
        return (proc.stdout + proc.stderr).strip()

    def running(self, name: str) -> bool:
        proc = self.run("inspect", "--format", "{{.State.Running}}", name)
        return proc.stdout.strip() == "true"

    def exit_code(self, name: str, timeout: float) -> int | None:
        proc = self.run("wait", name, timeout=timeout)
        lines = proc.stdout.strip().splitlines()
        return int(lines[-1]) if proc.returncode == 0 and lines and lines[-1].lstrip("-").isdigit() else None

    def stop(self, name: str) -> None:
        self.run("stop", "-t", "10", name, timeout=60)

    def remove_all(self) -> None:
        for name in self.started:
            self.run("rm", "--force", name, timeout=60)
        self.started.clear()


class _StepFailed(Exception):
    """A step cannot go on; its message is the failure's detail."""


def _last(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _http(
    url: str, body: bytes | None = None, timeout: float = 10, headers: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """(status, final URL, body) of one request to loopback, never through a proxy."""
    sent = {"Content-Type": "application/json"} if body else {}
    request = urllib.request.Request(url, data=body, headers={**sent, **(headers or {})})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return int(response.status), str(response.url), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return int(err.code), url, err.read().decode("utf-8", "replace")


def _wait_http(engine: _Engine, name: str, url: str, timeout: float) -> tuple[int, str, str]:
    """Poll ``url`` until it answers at all; _StepFailed when the container dies or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return _http(url)
        except (urllib.error.URLError, OSError, ValueError) as err:
            if not engine.running(name):
                raise _StepFailed(
                    f"the container exited before answering; its log ends: {_last(engine.logs(name))}"
                ) from None
            if time.monotonic() > deadline:
                raise _StepFailed(f"no answer from {url} within {timeout:.0f}s ({err})") from None
            time.sleep(0.5)


def _publish(port: int) -> tuple[int, list[str]]:
    host = _free_port()
    return host, ["--publish", f"127.0.0.1:{host}:{port}"]


@contextmanager
def _folder(owner: tuple[int, int]) -> Iterator[Path]:
    """An empty folder for a volume, owned by ``owner`` as the platform's volume is."""
    path = Path(tempfile.mkdtemp(prefix="byoi-verify-"))
    try:
        try:
            os.chown(path, *owner)
        except PermissionError:
            path.chmod(0o777)  # rootless: the container's user must still write there
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class _Run:
    """The steps of one verify, reported as they complete."""

    #: The host port of the last space started (``_start_space``).
    port: int = 0

    def __init__(self, engine: _Engine, report: Report) -> None:
        self.engine = engine
        self.report = report
        self.steps: list[Step] = []

    def add(self, name: str, ok: bool, detail: str = "") -> bool:
        step = Step(name, ok, detail)
        self.steps.append(step)
        self.report(step.line())
        return ok

    @contextmanager
    def step(self, name: str) -> Iterator[list[str]]:
        """A step that passes unless it raises _StepFailed; append to the list to add detail."""
        detail: list[str] = []
        try:
            yield detail
        except _StepFailed as err:
            self.add(name, False, str(err))
        else:
            self.add(name, True, "; ".join(detail))


# --------------------------------------------------------------------------- common steps


def _platform(run: _Run, inspected: dict[str, Any]) -> None:
    seen = f"{inspected.get('Os')}/{inspected.get('Architecture')}"
    wanted = CODE_EDITOR.platform
    run.add("the image is linux/amd64", seen == wanted, seen if seen == wanted else f"it is {seen}")


def _ids(run: _Run, image: str, options: Sequence[str] = ()) -> tuple[int, int] | None:
    """The uid and gid a container of ``image`` runs as (by default, the image's own user)."""
    proc = run.engine.once(image, ["--rm", "--entrypoint", FOUNDRY.telemetry_shell, *options], ["-c", _IDS_SCRIPT])
    numbers = proc.stdout.split()
    if proc.returncode != 0 or len(numbers) != 2 or not all(n.isdigit() for n in numbers):
        return None
    return int(numbers[0]), int(numbers[1])


def _user_step(run: _Run, image: str, wanted: Callable[[int, int], str | None], name: str) -> None:
    ids = _ids(run, image)
    if ids is None:
        run.add(name, False, f"could not start {FOUNDRY.telemetry_shell} in the image to read its user")
        return
    problem = wanted(*ids)
    run.add(name, problem is None, problem or f"runs as {ids[0]}:{ids[1]}")


# --------------------------------------------------------------------------- SageMaker


def _home_data(home: Path) -> Path:
    return home / Path(CODE_EDITOR.home_server_data_dir).relative_to(CODE_EDITOR.home)


def _start_space(
    run: _Run, image: str, home: Path, timeout: float, label: str, app_type: str = CODE_EDITOR.app_type_default
) -> str | None:
    """Start ``image`` as Studio does for the app ``app_type``; the container name once the server
    answers, else None (the published host port is in ``run.port``)."""
    port, publish = _publish(CODE_EDITOR.port)
    run.port = port
    env = {CODE_EDITOR.app_type_env: app_type, "SAGEMAKER_SPACE_NAME": SPACE_NAME}
    options = [*publish, "--user", f"{CODE_EDITOR.uid}:{CODE_EDITOR.gid}", "--volume", f"{home}:{CODE_EDITOR.home}"]
    # podman passes the host's proxy variables on: the runtime is on loopback, never behind a proxy.
    env |= {"NO_PROXY": "localhost,127.0.0.1", "no_proxy": "localhost,127.0.0.1"}
    for key, value in env.items():
        options += ["--env", f"{key}={value}"]
    base = f"/{app_type.lower()}/{CODE_EDITOR.app_name}/"
    name: str | None = None
    with run.step(
        f"{label}answers on {CODE_EDITOR.port} under {base} with no token, as {CODE_EDITOR.uid}:{CODE_EDITOR.gid}"
    ) as detail:
        name = run.engine.start(image, options)
        status, final, _ = _wait_http(run.engine, name, f"http://127.0.0.1:{port}{base}", timeout)
        if status != 200:
            raise _StepFailed(f"GET {base} answered {status}")
        path = urllib.parse.urlsplit(final).path
        if not path.startswith(base.rstrip("/")) or "login" in path:
            raise _StepFailed(f"GET {base} was sent to {path} (a login page or another base path)")
        detail.append(f"GET {base} answered 200")
    return name if run.steps[-1].ok else None


def _sagemaker(run: _Run, image: str, upgrade_from: str | None, timeout: float) -> None:
    def studio_user(uid: int, gid: int) -> str | None:
        wanted = (CODE_EDITOR.uid, CODE_EDITOR.gid)
        return None if (uid, gid) == wanted else f"runs as {uid}:{gid}; Studio needs {wanted[0]}:{wanted[1]}"

    _user_step(run, image, studio_user, f"the image's user is {CODE_EDITOR.uid}:{CODE_EDITOR.gid}")
    with _folder((CODE_EDITOR.uid, CODE_EDITOR.gid)) as home:
        if upgrade_from is not None:
            old = _start_space(run, upgrade_from, home, timeout, f"old image {upgrade_from} ")
            if old is None:
                return
            run.engine.stop(old)
            _as_a_user(home)
        name = _start_space(run, image, home, timeout, "")
        if name is None:
            return
        with run.step(f"the working folder is in {CODE_EDITOR.home} and writable") as detail:
            proc = run.engine.run(
                "exec", name, FOUNDRY.telemetry_shell, "-c", "pwd && touch .byoi-verify && rm .byoi-verify"
            )
            where = proc.stdout.strip().splitlines()[:1]
            if not where or not (where[0] == CODE_EDITOR.home or where[0].startswith(CODE_EDITOR.home + "/")):
                raise _StepFailed(f"the working folder is {where[0] if where else '?'}")
            if proc.returncode != 0:
                raise _StepFailed(f"{where[0]} is not writable: {_last(proc.stderr)}")
            detail.append(where[0])
        if upgrade_from is None:
            return
        _upgrade_kept(run, name, home, "")
        # Code-OSS marks extensions no manifest lists as removed at one start and deletes
        # them at the next: only a second start shows that loss.
        run.engine.stop(name)
        again = _start_space(run, image, home, timeout, "started again: ")
        if again is not None:
            _upgrade_kept(run, again, home, " after a second start")


def _jupyterlab(run: _Run, image: str, timeout: float) -> None:
    """A JupyterLab image as Studio runs it: its user, the server under /jupyterlab/default/
    with no token, its API open to Studio's origin (another origin than the server's)."""

    def studio_user(uid: int, gid: int) -> str | None:
        wanted = (JUPYTERLAB.uid, JUPYTERLAB.gid)
        return None if (uid, gid) == wanted else f"runs as {uid}:{gid}; Studio needs {wanted[0]}:{wanted[1]}"

    _user_step(run, image, studio_user, f"the image's user is {JUPYTERLAB.uid}:{JUPYTERLAB.gid}")
    with _folder((JUPYTERLAB.uid, JUPYTERLAB.gid)) as home:
        name = _start_space(run, image, home, timeout, "", app_type=JUPYTERLAB.app_type_default)
        if name is None:
            return
        api = f"http://127.0.0.1:{run.port}{JUPYTERLAB.base_path}/api/kernelspecs"
        with run.step("the server's API answers with no token, also to another origin (Studio's)") as detail:
            # jupyter_server blocks cross-origin API requests unless allow_origin lets them in.
            status, _, body = _http(api, headers={"Origin": STUDIO_ORIGIN}, timeout=timeout)
            if status != 200:
                raise _StepFailed(f"GET {JUPYTERLAB.base_path}/api/kernelspecs from {STUDIO_ORIGIN} answered {status}")
            try:
                kernels = sorted(json.loads(body).get("kernelspecs", {}))
            except (ValueError, AttributeError):
                raise _StepFailed("the kernelspecs answer is not JSON") from None
            if not kernels:
                raise _StepFailed("the server offers no kernel: install ipykernel in its environment")
            detail.append(f"kernels: {', '.join(kernels)}")


def _as_a_user(home: Path) -> None:
    """What a user of the old image leaves in the home: an extension of their own and a setting."""
    data = _home_data(home)
    extensions = data / "extensions"
    own = extensions / USER_EXTENSION
    own.mkdir(parents=True, exist_ok=True)
    publisher, _, rest = USER_EXTENSION.partition(".")
    ext_name, version = rest.rsplit("-", 1)
    manifest = {"name": ext_name, "publisher": publisher, "version": version, "engines": {"vscode": "^1.60.0"}}
    (own / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    listing = extensions / "extensions.json"
    if listing.is_file():
        # Code-OSS loads user extensions from this list: an install adds an entry.
        entries = json.loads(listing.read_text(encoding="utf-8") or "[]")
        entries.append(
            {
                "identifier": {"id": f"{publisher}.{ext_name}"},
                "version": version,
                "location": {
                    "$mid": 1,
                    "path": f"{CODE_EDITOR.home_server_data_dir}/extensions/{USER_EXTENSION}",
                    "scheme": "file",
                },
                "relativeLocation": USER_EXTENSION,
            }
        )
        listing.write_text(json.dumps(entries), encoding="utf-8")
    settings = _settings_file(home)
    current: dict[str, Any] = {}
    if settings.is_file():
        try:
            current = json.loads(settings.read_text(encoding="utf-8"))
        except ValueError:
            current = {}
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({**current, USER_SETTING: "kept"}, indent=2), encoding="utf-8")
    for path in [home, *home.rglob("*")]:
        with suppress(PermissionError):
            os.lchown(path, CODE_EDITOR.uid, CODE_EDITOR.gid)


def _settings_file(home: Path) -> Path:
    """The user's settings.json the server wrote, else where Code-OSS keeps it in the server data."""
    found = sorted(_home_data(home).rglob("User/settings.json"))
    return found[0] if found else _home_data(home) / "data" / "User" / "settings.json"


def _marked_removed(extensions: Path, names: list[str]) -> list[str]:
    """The extensions among ``names`` that Code-OSS's ``.obsolete`` marks as removed."""
    try:
        obsolete = json.loads((extensions / ".obsolete").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [n for n in names if isinstance(obsolete, dict) and obsolete.get(n) is True]


def _upgrade_kept(run: _Run, name: str, home: Path, when: str) -> None:
    """The user's extension and setting are still there, and the image's extensions are in the home."""
    extensions = _home_data(home) / "extensions"
    listing = extensions / "extensions.json"
    with run.step(f"the user's extension and setting are kept{when}") as detail:
        own = extensions / USER_EXTENSION
        if not (own / "package.json").is_file():
            raise _StepFailed(f"{USER_EXTENSION} is gone from the home's extensions folder")
        if listing.is_file() and USER_EXTENSION not in listing.read_text(encoding="utf-8"):
            raise _StepFailed(f"extensions.json no longer lists {USER_EXTENSION}")
        if _marked_removed(extensions, [USER_EXTENSION]):
            raise _StepFailed(f".obsolete marks {USER_EXTENSION} as removed: the server will delete it")
        try:
            kept = json.loads(_settings_file(home).read_text(encoding="utf-8")).get(USER_SETTING)
        except (OSError, ValueError) as err:
            raise _StepFailed(f"settings.json is unreadable: {err}") from None
        if kept != "kept":
            raise _StepFailed(f"settings.json lost {USER_SETTING}")
        detail.append(f"{USER_EXTENSION} and {USER_SETTING}")
    with run.step(f"the new image's extensions are in the home{when}") as detail:
        image_dir = f"{CODE_EDITOR.image_server_data_dir}/extensions"
        proc = run.engine.run("exec", name, FOUNDRY.telemetry_shell, "-c", f'ls -1 "{image_dir}" 2>/dev/null || true')
        baked = [n for n in proc.stdout.split() if not n.startswith(".") and n != "extensions.json"]
        missing = [n for n in baked if not (extensions / n).exists() and not (extensions / n).is_symlink()]
        if listing.is_file():
            text = listing.read_text(encoding="utf-8")
            missing += [n for n in baked if n not in missing and n not in text]
        if missing:
            raise _StepFailed(f"not in the home (or not listed in extensions.json): {', '.join(missing)}")
        removed = _marked_removed(extensions, baked)
        if removed:
            raise _StepFailed(f".obsolete marks {', '.join(removed)} as removed: the server will delete them")
        detail.append(", ".join(baked) if baked else "the image bakes in no extension")


# --------------------------------------------------------------------------- Foundry


def _foundry_user(target: str) -> Callable[[int, int], str | None]:
    def check(uid: int, gid: int) -> str | None:
        if target == FOUNDRY_BYOC and uid != FOUNDRY.byoc_uid:
            return f"runs as uid {uid}; bring-your-own-container transforms run as {FOUNDRY.byoc_uid}"
        if uid == FOUNDRY.forbidden_uid:
            return "runs as root, which Foundry refuses"
        return None

    return check


def _telemetry(run: _Run, image: str) -> None:
    check = FOUNDRY.telemetry_check
    proc = run.engine.once(
        image, ["--rm", "--entrypoint", FOUNDRY.telemetry_shell], ["-c", check], input="byoi\n", timeout=60
    )
    ok = proc.returncode == 0 and proc.stdout.strip() == "byoi"
    detail = "exit 0, stdin copied" if ok else f"exit {proc.returncode}: {_last(proc.stderr or proc.stdout)}"
    run.add(f"telemetry works ({FOUNDRY.telemetry_shell} -c '{check}')", ok, detail)


def _ports(inspected: dict[str, Any]) -> list[int]:
    """The exposed ports, the one the config's ``PORT`` names first (the generated servers read it)."""
    config = inspected.get("Config") or {}
    exposed = config.get("ExposedPorts") or {}
    ports = sorted(int(str(k).partition("/")[0]) for k in exposed if str(k).partition("/")[0].isdigit())
    env = dict(str(item).partition("=")[::2] for item in config.get("Env") or [])
    named = int(env["PORT"]) if env.get("PORT", "").isdigit() else None
    return sorted(ports, key=lambda port: port != named)


def _sidecar_flags(run: _Run, image: str, uid: int, timeout: float) -> None:
    shared_dir = FOUNDRY.shared_dir
    with _folder((uid, uid)) as shared:
        name: str | None = None
        with run.step(f"flags mode waits for {FOUNDRY.start_flag} in {shared_dir}") as detail:
            name = run.engine.start(image, ["--volume", f"{shared}:{shared_dir}"])
            time.sleep(1)
            if not run.engine.running(name):
                raise _StepFailed(f"the container exited at once; its log ends: {_last(run.engine.logs(name))}")
            if (shared / FOUNDRY.done_flag).exists():
                raise _StepFailed(f"{FOUNDRY.done_flag} was written before {FOUNDRY.start_flag}")
            detail.append("running, no done_flag yet")
        if name is None or not run.steps[-1].ok:
            return
        with run.step(f"flags mode writes {FOUNDRY.done_flag} after {FOUNDRY.start_flag}") as detail:
            (shared / FOUNDRY.start_flag).write_text("")
            deadline = time.monotonic() + timeout
            while not (shared / FOUNDRY.done_flag).exists():
                if time.monotonic() > deadline:
                    raise _StepFailed(
                        f"no {FOUNDRY.done_flag} within {timeout:.0f}s; log ends: {_last(run.engine.logs(name))}"
                    )
                time.sleep(0.25)
            detail.append(" ".join((shared / FOUNDRY.done_flag).read_text(errors="replace").split()) or "empty")
        with run.step(f"flags mode exits after {FOUNDRY.close_flag}") as detail:
            (shared / FOUNDRY.close_flag).write_text("")
            code = run.engine.exit_code(name, timeout)
            if code is None:
                raise _StepFailed(f"still running {timeout:.0f}s after {FOUNDRY.close_flag}")
            detail.append(f"exit status {code}")


def _serves(run: _Run, image: str, port: int, timeout: float, request: str | None) -> None:
    host, publish = _publish(port)
    model = request is not None
    label = f"GET {HEALTH_PATH}" if model else "an HTTP request"
    name: str | None = None
    with run.step(f"answers {label} on port {port}") as detail:
        name = run.engine.start(image, publish)
        status, _, _ = _wait_http(run.engine, name, f"http://127.0.0.1:{host}{HEALTH_PATH if model else '/'}", timeout)
        if model and status != 200:
            raise _StepFailed(f"GET {HEALTH_PATH} answered {status}")
        detail.append(f"status {status}")
    if not model or not run.steps[-1].ok:
        return
    with run.step(f"answers a prediction (POST {PREDICT_PATH})") as detail:
        try:
            status, _, body = _http(f"http://127.0.0.1:{host}{PREDICT_PATH}", (request or "").encode(), timeout=timeout)
        except (urllib.error.URLError, OSError) as err:
            raise _StepFailed(f"POST {PREDICT_PATH} failed: {err}") from None
        if status != 200:
            raise _StepFailed(f"POST {PREDICT_PATH} answered {status}: {body[:200]}")
        try:
            json.loads(body)
        except ValueError:
            raise _StepFailed(f"POST {PREDICT_PATH} answered non-JSON: {body[:200]}") from None
        detail.append(f"200 {body[:120]}")


def _foundry(
    run: _Run, image: str, target: str, inspected: dict[str, Any], request: str | None, timeout: float
) -> None:
    ids: list[int] = []

    def user(uid: int, gid: int) -> str | None:
        ids.append(uid)
        return _foundry_user(target)(uid, gid)

    name = "the image's user is 5001" if target == FOUNDRY_BYOC else "the image's user is numeric and not root"
    _user_step(run, image, user, name.replace("5001", str(FOUNDRY.byoc_uid)))
    _telemetry(run, image)
    ports = _ports(inspected)
    if target == FOUNDRY_SIDECAR:
        if ports:
            _serves(run, image, ports[0], timeout, None)
        else:
            _sidecar_flags(run, image, ids[0] if ids else FOUNDRY.default_uid, timeout)
    elif target == FOUNDRY_COMPUTE_MODULE:
        _compute_module(run, image, timeout)
    elif target == FOUNDRY_MODEL:
        if not ports:
            run.add("the model exposes its port", False, "the image has no ExposedPorts: EXPOSE the server's port")
            return
        _serves(run, image, ports[0], timeout, request or DEFAULT_REQUEST)


# --------------------------------------------------------------------------- compute modules

#: Where the runtime's CA and token file appear in the module's container (ours; Foundry's is its own).
RUNTIME_MOUNT = "/run/byoi-runtime"
#: The example functions of the generated project (generator/targets/foundry_compute_module.py), the
#: input types their schemas must declare, and a call of each with its answer.
EXAMPLE_INPUTS = {"add": {"x": "integer", "y": "integer"}, "hello": {"name": "string"}}
EXAMPLE_CALLS: tuple[tuple[str, dict[str, Any], Any], ...] = (
    ("add", {"x": 2, "y": 3}, 5),
    ("hello", {"name": "Foundry"}, "Hello Foundry!"),
)
#: Jobs sent one after another to check that none is lost or answered twice.
JOBS_IN_A_ROW = 50
#: How long Foundry waits after SIGTERM (Kubernetes' default grace period; ours when stopping).
GRACE_SECONDS = 30


def _schema_summary(schema: dict[str, Any]) -> str:
    inputs = ", ".join(f"{i.get('name')}: {(i.get('dataType') or {}).get('type')}" for i in schema.get("inputs", []))
    output = schema.get("output") or {}
    kind = ((output.get(output.get("type", "")) or {}).get("dataType") or {}).get("type", output.get("type"))
    return f"{schema.get('functionName')}({inputs}) -> {kind}"


def _compute_module(run: _Run, image: str, timeout: float) -> None:
    """The image as Foundry runs a compute module, against byoi's local runtime."""
    from generator.computemodule.runtime import Runtime, RuntimeStartError

    try:
        runtime = Runtime().start()
    except RuntimeStartError as err:
        run.add("the local compute module runtime starts", False, str(err))
        return
    try:
        _module_steps(run, runtime, image, timeout)
    finally:
        run.engine.remove_all()
        runtime.stop()


def _module_steps(run: _Run, runtime: Runtime, image: str, timeout: float) -> None:
    env = runtime.env(RUNTIME_MOUNT)
    # Host network: the container reaches the runtime on loopback, as Foundry's module reaches its own.
    options = ["--network", "host", "--volume", f"{runtime.folder}:{RUNTIME_MOUNT}:ro"]
    # podman passes the host's proxy variables on: the runtime is on loopback, never behind a proxy.
    env |= {"NO_PROXY": "localhost,127.0.0.1", "no_proxy": "localhost,127.0.0.1"}
    for key, value in env.items():
        options += ["--env", f"{key}={value}"]
    name: str | None = None

    def alive() -> None:
        if name is None or not run.engine.running(name):
            raise _StepFailed(f"the module is not running; its log ends: {_last(run.engine.logs(name or ''))}")

    def call(query_type: str, query: Any) -> Any:
        job = runtime.submit(query_type, query)
        deadline = time.monotonic() + timeout
        while not job.answered.wait(0.5):
            alive()
            if time.monotonic() > deadline:
                raise _StepFailed(f"no result for {query_type} {json.dumps(query)} within {timeout:.0f}s")
        return job.results[0]

    with run.step("the module posts the schemas of its functions, inferred from typed inputs") as detail:
        name = run.engine.start(image, options)
        deadline = time.monotonic() + timeout
        while not runtime.wait_schemas(0.5):
            if runtime.problems:
                raise _StepFailed(f"the runtime refused what the module posted: {runtime.problems[0]}")
            if not run.engine.running(name):
                raise _StepFailed(
                    f"the container exited before posting its schemas; its log ends: {_last(run.engine.logs(name))}"
                )
            if time.monotonic() > deadline:
                raise _StepFailed(f"no schemas within {timeout:.0f}s; log ends: {_last(run.engine.logs(name))}")
        schemas = {s["functionName"]: s for s in runtime.schemas or []}
        detail.append("; ".join(_schema_summary(s) for s in schemas.values()))
        for function, inputs in EXAMPLE_INPUTS.items():
            if function not in schemas:
                raise _StepFailed(f"no function {function} among {', '.join(schemas) or 'none'}")
            declared = {i["name"]: i["dataType"]["type"] for i in schemas[function]["inputs"]}
            if declared != inputs:
                raise _StepFailed(f"{_schema_summary(schemas[function])}: the inputs should be {inputs}")
    for function, query, expected in EXAMPLE_CALLS:
        arguments = ", ".join(f"{key}={json.dumps(value)}" for key, value in query.items())
        with run.step(f"a job {function}({arguments}) is answered {json.dumps(expected)}") as detail:
            alive()
            got = call(function, query)
            if got != expected:
                raise _StepFailed(f"answered {json.dumps(got)[:200]}")
            detail.append(f"answered {json.dumps(got)}")
    with run.step("a malformed job is answered with an error, and the module goes on") as detail:
        alive()
        bad = {"x": "two", "y": 3}
        got = call("add", bad)
        if not (isinstance(got, dict) and ({"exception", "error"} & got.keys())):
            raise _StepFailed(f"add {json.dumps(bad)} answered {json.dumps(got)[:200]}, not an error")
        message = str(got.get("exception") or got.get("error"))
        detail.append(f"answered an error ({message.split(': Traceback')[0].splitlines()[0][:80]})")
        after = call("add", {"x": 1, "y": 1})
        if after != 2:
            raise _StepFailed(f"the next job, add 1 + 1, answered {json.dumps(after)[:200]}")
        detail.append("then add 1 + 1 -> 2")
    with run.step(f"{JOBS_IN_A_ROW} jobs in a row, none lost or answered twice") as detail:
        alive()
        started = time.monotonic()
        jobs = [runtime.submit("add", {"x": i, "y": 1000}) for i in range(JOBS_IN_A_ROW)]
        deadline = started + timeout
        while not all(job.answered.is_set() for job in jobs):
            alive()
            if time.monotonic() > deadline:
                lost = sum(not job.answered.is_set() for job in jobs)
                raise _StepFailed(f"{lost} of {JOBS_IN_A_ROW} jobs got no result within {timeout:.0f}s")
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        time.sleep(1)  # a second answer would come soon after the first
        wrong = [i for i, job in enumerate(jobs) if job.results != [i + 1000]]
        if wrong or runtime.problems:
            raise _StepFailed(runtime.problems[0] if runtime.problems else f"job {wrong[0]}: {jobs[wrong[0]].results}")
        detail.append(f"{JOBS_IN_A_ROW} answered once each in {elapsed:.1f}s")
    with run.step(f"the module stops on SIGTERM within the grace period ({GRACE_SECONDS}s)") as detail:
        alive()
        assert name is not None
        started = time.monotonic()
        run.engine.run("stop", "-t", str(GRACE_SECONDS), name, timeout=GRACE_SECONDS + 60)
        elapsed = time.monotonic() - started
        code = run.engine.exit_code(name, 30)
        if run.engine.running(name):
            raise _StepFailed(f"still running {elapsed:.0f}s after SIGTERM")
        if elapsed >= GRACE_SECONDS or code == 137:
            raise _StepFailed(
                f"killed after the grace period ({elapsed:.0f}s, exit status {code}): SIGTERM was ignored"
            )
        detail.append(f"stopped in {elapsed:.1f}s, exit status {code}")


def choose_engine(wanted: str | None = None) -> str:
    """The engine to run with: ``wanted``, else podman, else docker; VerifyError if none is on PATH."""
    for name in [wanted] if wanted else ["podman", "docker"]:
        if name and shutil.which(name):
            return name
    raise VerifyError(f"byoi verify runs images with {wanted or 'podman or docker'}, which is not on PATH: install one")


def verify(
    image: str,
    target: str,
    *,
    upgrade_from: str | None = None,
    request: str | None = None,
    timeout: float = 120,
    engine: str | None = None,
    report: Report = print,
) -> list[Step]:
    """Run ``image`` as ``target``'s platform does; the steps, each reported as it completes."""
    if target not in TARGETS:
        raise VerifyError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    if upgrade_from is not None and target != SAGEMAKER_CODE_EDITOR:
        raise VerifyError("--upgrade-from is for sagemaker-code-editor images only")
    if request is not None:
        try:
            json.loads(request)
        except ValueError as err:
            raise VerifyError(f"--request is not JSON ({err}); give e.g. '{DEFAULT_REQUEST}'") from None
    runner = _Engine(choose_engine(engine))
    inspected = runner.inspect(image)
    if upgrade_from is not None:
        runner.inspect(upgrade_from)
    run = _Run(runner, report)
    try:
        _platform(run, inspected)
        if target == SAGEMAKER_CODE_EDITOR:
            _sagemaker(run, image, upgrade_from, timeout)
        elif target == SAGEMAKER_JUPYTERLAB:
            _jupyterlab(run, image, timeout)
        else:
            _foundry(run, image, target, inspected, request, timeout)
    finally:
        runner.remove_all()
    return run.steps
