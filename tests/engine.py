"""Build and run real images in tests, with no Docker daemon and no reachable registry.

The engine is buildah (builds) and podman (runs), rootful, with runc, as described in
/work/shared/docs/container-engine.md. Every engine call made here gets:

- ``BUILDAH_ISOLATION=chroot`` (the default OCI isolation fails on these machines);
- ``CONTAINERS_CONF=tests/standins/containers.conf`` (runc, cgroupfs, no default ulimits);
- ``CONTAINERS_REGISTRIES_CONF`` pointing at a per-process file: short names resolve to
  ``docker.io`` like Docker does, and running :func:`loopback_registry` registries are listed
  as insecure. Builds and runs never pull (``--pull=never``): a missing image is an error.

Base images come from the stand-ins in tests/standins (see its README.md), built once by
:func:`ensure_standin_images` from a Debian rootfs made with debootstrap. They live under the
suite's own names, ``localhost/byoi-test/standin/<key>:<content hash>``, never under the real
images' names (which belong to whoever pulled them): :func:`build` puts a stand-in in place of
a Dockerfile's first ``FROM`` with ``buildah bud --from``, and a generated ``build.sh`` is given
``--base-image`` (see :func:`standin_for`). Tests use :func:`require_engine` first: with no
usable engine they are skipped with the reason, or fail when ``CI=true``.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
STANDINS = TESTS / "standins"
CONTAINERS_CONF = STANDINS / "containers.conf"
#: The debootstrap rootfs and the build lock live here, across runs.
CACHE_DIR = Path(os.environ.get("BYOI_STANDIN_CACHE", "/var/tmp/byoi-standins"))
#: The suite's own namespace for stand-in images: no image of anyone else has these names.
STANDIN_NAMESPACE = "localhost/byoi-test/standin"
#: Label on each stand-in image: the hash of what it was built from.
HASH_LABEL = "byoi.standin.hash"
#: Label on every container started here, for manual clean-up after a crash.
CONTAINER_LABEL = "byoi.test=1"
PLATFORM = "linux/amd64"
#: This machine's CA bundle (which may trust a TLS-inspecting proxy), mounted into stand-in builds.
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
_HOST_CA_MOUNT = ["--volume", f"{HOST_CA_BUNDLE}:/run/byoi-host-ca.pem:ro"]
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = os.environ.get("BYOI_DEBIAN_MIRROR", "http://deb.debian.org/debian")
#: Debian packages in the rootfs, beyond debootstrap's minbase (which has bash and passwd).
ROOTFS_PACKAGES = ("ca-certificates", "python3", "python3-venv", "python3-pip")
#: Bump when the rootfs or image recipe changes in a way the hashed files do not show.
RECIPE_VERSION = "1"


class EngineError(RuntimeError):
    """An engine command failed; ``log`` holds its full output."""

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(f"{message}\n{log}" if log else message)
        self.log = log


# ---------------------------------------------------------------- environment

_INSECURE_REGISTRIES: list[str] = []
_STATE_DIR: Path | None = None


def _state_dir() -> Path:
    global _STATE_DIR
    if _STATE_DIR is None:
        _STATE_DIR = Path(tempfile.mkdtemp(prefix="byoi-engine-"))
        atexit.register(shutil.rmtree, _STATE_DIR, True)
    return _STATE_DIR


def _registries_conf() -> Path:
    """This process's registries.conf: docker.io for short names, loopback registries insecure."""
    path = _state_dir() / "registries.conf"
    lines = [
        "# Written by tests/engine.py. Short names resolve to docker.io, as with Docker;",
        "# nothing is pulled (every build and run passes --pull=never).",
        'unqualified-search-registries = ["docker.io"]',
        'short-name-mode = "permissive"',
    ]
    for address in _INSECURE_REGISTRIES:
        lines += ["", "[[registry]]", f'location = "{address}"', "insecure = true"]
    text = "\n".join(lines) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def engine_env() -> dict[str, str]:
    """The environment for every engine command (and for a podman service)."""
    env = dict(os.environ)
    env["BUILDAH_ISOLATION"] = "chroot"
    env["CONTAINERS_CONF"] = str(CONTAINERS_CONF)
    env["CONTAINERS_REGISTRIES_CONF"] = str(_registries_conf())
    for key in ("NO_PROXY", "no_proxy"):
        present = [h for h in env.get(key, "").split(",") if h]
        env[key] = ",".join([*present, *(h for h in ("127.0.0.1", "localhost") if h not in present)])
    return env


def _engine(
    cmd: Sequence[str], *, timeout: float = 600, check: bool = True, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        list(cmd),
        env=engine_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
    )
    if check and proc.returncode != 0:
        raise EngineError(f"{' '.join(cmd)} exited {proc.returncode}", proc.stdout + proc.stderr)
    return proc


# ---------------------------------------------------------------- availability


@functools.cache
def engine_unavailable_reason() -> str | None:
    """Why images cannot be built and run here, or None when they can."""
    missing = [t for t in ("buildah", "podman", "runc") if not shutil.which(t) and not Path("/usr/sbin", t).exists()]
    if missing:
        return f"container engine missing ({', '.join(missing)}): run .ci/install-engine.sh as root"
    if os.geteuid() != 0:
        return "the container engine is used rootful here: run the engine tests as root"
    try:
        info = _engine(["podman", "info", "--format", "{{.Host.OCIRuntime.Name}}"], timeout=120)
        _engine(["buildah", "version"], timeout=60)
    except (EngineError, subprocess.TimeoutExpired, OSError) as err:
        return f"the container engine does not work here: {err}"
    runtime = info.stdout.strip()
    if runtime != "runc":
        return f"podman uses OCI runtime {runtime!r}, not runc from {CONTAINERS_CONF}"
    return None


def require_engine() -> None:
    """Call from fixtures: skip without a usable engine, or fail when ``CI=true``."""
    reason = engine_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"the container engine is required when CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


# ---------------------------------------------------------------- names and images


def qualified_name(name: str) -> str:
    """The name podman stores for ``name``: ``python:3`` -> ``docker.io/library/python:3``."""
    first, sep, _ = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return name
    return f"docker.io/{name}" if sep else f"docker.io/library/{name}"


def _inspect(tag: str) -> dict[str, Any] | None:
    proc = _engine(["podman", "image", "inspect", tag], check=False, timeout=120)
    if proc.returncode != 0:
        return None
    data = json.loads(proc.stdout)
    return data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else None


def inspect_image(tag: str) -> dict[str, Any]:
    """``podman image inspect`` of one local image (Id, Architecture, Os, Labels, ...).

    ``Config`` is the image's full Docker-format config as buildah reads it: podman leaves
    out ``Shell``, ``Healthcheck`` and ``StopSignal``, which Docker-format images keep.
    """
    data = _inspect(tag)
    if data is None:
        raise EngineError(f"no local image {tag}")
    proc = _engine(["buildah", "inspect", "--type", "image", str(data["Id"])], timeout=120)
    docker_config = (json.loads(proc.stdout).get("Docker") or {}).get("config") or {}
    data["Config"] = {**(data.get("Config") or {}), **docker_config}
    return data


def image_exists(tag: str) -> bool:
    """Whether ``tag`` names a local image."""
    return _inspect(tag) is not None


def remove_image(tag: str) -> None:
    """Untag (and delete, when nothing else uses it) a local image; no error if missing."""
    _engine(["podman", "rmi", "--ignore", tag], check=False, timeout=120)


def build(
    context_dir: str | os.PathLike[str],
    tag: str,
    *,
    build_args: Mapping[str, str] | None = None,
    dockerfile: str | os.PathLike[str] | None = None,
    labels: Mapping[str, str] | None = None,
    layers: bool = False,
    extra_args: Sequence[str] = (),
    timeout: float = 1800,
    base: str | None = None,
) -> None:
    """``buildah bud`` in Docker format for linux/amd64, never pulling; EngineError with the log.

    ``base`` replaces the image of the Dockerfile's first ``FROM`` (``buildah bud --from``).
    Left at None, a first ``FROM`` naming a real image a stand-in stands for (after ``ARG``
    defaults and ``build_args``) is built on that stand-in; ``""`` builds the ``FROM`` as written.
    """
    dockerfile_path = Path(dockerfile) if dockerfile is not None else Path(context_dir) / "Dockerfile"
    if base is None and not any(arg == "--from" or arg.startswith("--from=") for arg in extra_args):
        real = first_base_image(dockerfile_path, build_args)
        base = standin_for(real) if real is not None and real in _real_names() else ""
    cmd = ["buildah", "bud", "--format", "docker", "--platform", PLATFORM, "--pull=never"]
    cmd += [f"--layers={'true' if layers else 'false'}", "-t", tag]
    if base:
        cmd += ["--from", base]
    if dockerfile is not None:
        cmd += ["-f", str(dockerfile)]
    for key, value in (build_args or {}).items():
        cmd += ["--build-arg", f"{key}={value}"]
    for key, value in (labels or {}).items():
        cmd += ["--label", f"{key}={value}"]
    cmd += [*extra_args, str(context_dir)]
    proc = _engine(cmd, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise EngineError(f"build of {tag} failed (exit {proc.returncode})", proc.stdout + proc.stderr)


_VARIABLE = re.compile(r"\$(?:\{(\w+)(?::-([^}]*))?\}|(\w+))")


def first_base_image(dockerfile: str | os.PathLike[str], build_args: Mapping[str, str] | None = None) -> str | None:
    """The image of a Dockerfile's first ``FROM``, its ``$VARIABLES`` expanded, qualified.

    ``ARG`` defaults before that ``FROM`` apply, overridden by ``build_args``; None for
    ``FROM scratch``. Enough for the Dockerfiles of this project, not a Dockerfile parser.
    """
    text = re.sub(r"\\[ \t]*\n", " ", Path(dockerfile).read_text(encoding="utf-8"))
    values: dict[str, str] = {}
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        keyword = words[0].upper()
        if keyword == "ARG" and len(words) > 1:
            name, _, default = words[1].partition("=")
            values[name] = default.strip("\"'")
        elif keyword == "FROM":
            values.update(build_args or {})
            image = next(w for w in words[1:] if not w.startswith("--"))
            image = _VARIABLE.sub(lambda m: values.get(m[1] or m[3], m[2] or ""), image)
            return None if image == "scratch" else qualified_name(image)
    return None


# ---------------------------------------------------------------- containers


@dataclass
class Container:
    """A container started by :func:`run_detached`; removed on leaving the ``with`` block."""

    id: str
    name: str
    ports: dict[int, int] = field(default_factory=dict)

    def url(self, container_port: int, path: str = "/") -> str:
        """``http://127.0.0.1:<host port>PATH`` for a published container port."""
        return f"http://127.0.0.1:{self.ports[container_port]}{path}"

    def logs(self) -> str:
        """Everything the container wrote to stdout and stderr so far."""
        proc = subprocess.run(
            ["podman", "logs", self.id],
            env=engine_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=60,
            check=False,
        )
        return proc.stdout

    def exec(
        self,
        *cmd: str,
        user: str | None = None,
        env: Mapping[str, str] | None = None,
        workdir: str | None = None,
        timeout: float = 600,
    ) -> subprocess.CompletedProcess[str]:
        """``podman exec`` (not raising on failure)."""
        args = ["podman", "exec"]
        if user is not None:
            args += ["--user", user]
        if workdir is not None:
            args += ["--workdir", workdir]
        for key, value in (env or {}).items():
            args += ["--env", f"{key}={value}"]
        return _engine([*args, self.id, *cmd], check=False, timeout=timeout)

    def inspect(self) -> dict[str, Any]:
        """``podman container inspect`` (State, Config, ...)."""
        data = json.loads(_engine(["podman", "container", "inspect", self.id]).stdout)
        return dict(data[0])

    def wait(self, timeout: float = 60) -> int:
        """Wait for the container to exit and return its exit code (TimeoutError if it does not)."""
        try:
            proc = _engine(["podman", "wait", self.id], timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"container {self.name} still running after {timeout}s") from None
        return int(proc.stdout.strip().splitlines()[-1])

    def stop(self, timeout: int = 10) -> None:
        """``podman stop`` (SIGTERM, then SIGKILL after ``timeout`` seconds)."""
        _engine(["podman", "stop", "-t", str(timeout), self.id], timeout=timeout + 60)

    def remove(self) -> None:
        """Remove the container, running or not."""
        _engine(["podman", "rm", "-f", "-t", "2", self.id], check=False, timeout=120)

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _run_options(
    *,
    entrypoint: str | Sequence[str] | None,
    user: str | None,
    volumes: Mapping[str | os.PathLike[str], str] | None,
    env: Mapping[str, str] | None,
) -> list[str]:
    args = ["--pull=never", "--label", CONTAINER_LABEL]
    if entrypoint is not None:
        args += ["--entrypoint", entrypoint if isinstance(entrypoint, str) else json.dumps(list(entrypoint))]
    if user is not None:
        args += ["--user", user]
    for source, target in (volumes or {}).items():
        args += ["--volume", f"{os.fspath(source)}:{target}"]
    for key, value in (env or {}).items():
        args += ["--env", f"{key}={value}"]
    return args


def run_detached(
    image: str,
    *,
    ports: Mapping[int, int] | None = None,
    volumes: Mapping[str | os.PathLike[str], str] | None = None,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
    name: str | None = None,
    entrypoint: str | Sequence[str] | None = None,
    args: Sequence[str] = (),
) -> Container:
    """Start a container in the background; use it as a context manager so it is removed.

    ``ports`` maps container port -> host port (published on 127.0.0.1 only); ``volumes``
    maps a host path -> a container path (``/path`` or ``/path:ro``); ``entrypoint`` is a
    string or a list (``""`` clears the image's).
    """
    name = name or f"byoi-test-{uuid.uuid4().hex[:10]}"
    cmd = ["podman", "run", "--detach", "--name", name]
    cmd += _run_options(entrypoint=entrypoint, user=user, volumes=volumes, env=env)
    for container_port, host_port in (ports or {}).items():
        cmd += ["--publish", f"127.0.0.1:{host_port}:{container_port}"]
    proc = _engine([*cmd, image, *args], check=False, timeout=300)
    if proc.returncode != 0:
        _engine(["podman", "rm", "-f", name], check=False)
        raise EngineError(f"podman run {image} failed (exit {proc.returncode})", proc.stdout + proc.stderr)
    return Container(proc.stdout.strip().splitlines()[-1], name, dict(ports or {}))


def run(
    image: str,
    *args: str,
    entrypoint: str | Sequence[str] | None = None,
    user: str | None = None,
    volumes: Mapping[str | os.PathLike[str], str] | None = None,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run a container to completion (``--rm``) and return its exit code and output."""
    name = f"byoi-run-{uuid.uuid4().hex[:10]}"
    cmd = ["podman", "run", "--rm", "--name", name]
    if input is not None:
        cmd.append("--interactive")
    cmd += _run_options(entrypoint=entrypoint, user=user, volumes=volumes, env=env)
    try:
        return _engine([*cmd, image, *args], check=False, timeout=timeout, input=input)
    finally:
        _engine(["podman", "rm", "-f", "--ignore", name], check=False)


# ---------------------------------------------------------------- HTTP


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_get(url: str, timeout: float = 10) -> tuple[int, str]:
    """One GET, never through a proxy: (status, body), also for 4xx/5xx answers."""
    try:
        with _NO_PROXY_OPENER.open(url, timeout=timeout) as resp:
            return int(resp.status), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return int(err.code), err.read().decode("utf-8", "replace")


def wait_http(url: str, timeout: float = 60) -> tuple[int, str]:
    """Poll ``url`` until the server answers at all; (status, body) of the first answer."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return http_get(url, timeout=5)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no HTTP answer from {url} within {timeout}s ({err})") from None
            time.sleep(0.25)


# ---------------------------------------------------------------- services


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=5)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(5)
        sock.connect(self._path)
        self.sock = sock


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


@contextlib.contextmanager
def podman_docker_service() -> Iterator[dict[str, str]]:
    """Serve the Docker API from podman on a private socket, for the real ``docker`` client.

    Yields an environment (the engine's, plus ``DOCKER_HOST``, ``DOCKER_BUILDKIT=0`` and a
    private ``DOCKER_CONFIG``) to run ``docker`` or a generated ``build.sh`` with. Enter
    :func:`loopback_registry` first when the service must push there. Containers started
    through the service are not tracked: remove them in the test.
    """
    tmp = Path(tempfile.mkdtemp(prefix="byoi-podman-"))
    sock = tmp / "podman.sock"
    (tmp / "docker-config").mkdir()
    (tmp / "docker-config" / "config.json").write_text("{}\n", encoding="utf-8")
    env = engine_env()
    with (tmp / "service.log").open("wb") as log:
        proc = subprocess.Popen(
            ["podman", "system", "service", "--time", "0", f"unix://{sock}"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise EngineError("podman system service exited", (tmp / "service.log").read_text())
                try:
                    conn = _UnixHTTPConnection(str(sock))
                    conn.request("GET", "/_ping")
                    if conn.getresponse().status == 200:
                        conn.close()
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise EngineError("podman system service did not answer", (tmp / "service.log").read_text())
                time.sleep(0.25)
            yield env | {
                "DOCKER_HOST": f"unix://{sock}",
                "DOCKER_BUILDKIT": "0",
                "DOCKER_CONFIG": str(tmp / "docker-config"),
            }
        finally:
            _stop(proc)
            shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def loopback_registry() -> Iterator[str]:
    """A Docker registry on 127.0.0.1:<free port> with temporary storage; yields ``host:port``.

    While it runs, the engine's registries.conf lists it as insecure (plain HTTP).
    """
    tmp = Path(tempfile.mkdtemp(prefix="byoi-registry-"))
    address = f"127.0.0.1:{free_port()}"
    config = tmp / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {tmp / 'storage'}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: {address}\n",
        encoding="utf-8",
    )
    with (tmp / "registry.log").open("wb") as log:
        proc = subprocess.Popen(
            ["docker-registry", "serve", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            try:
                status, _ = wait_http(f"http://{address}/v2/", timeout=30)
            except TimeoutError:
                raise EngineError("docker-registry did not start", (tmp / "registry.log").read_text()) from None
            if status != 200:
                raise EngineError(f"docker-registry answered {status}", (tmp / "registry.log").read_text())
            _INSECURE_REGISTRIES.append(address)
            _registries_conf()
            yield address
        finally:
            if address in _INSECURE_REGISTRIES:
                _INSECURE_REGISTRIES.remove(address)
                _registries_conf()
            _stop(proc)
            shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- stand-in images


@dataclass(frozen=True)
class StandIn:
    """One stand-in image: its folder(s) in tests/standins, the real images it stands for, its name.

    ``name`` is the suite's own, ``<namespace>/<key>:<content hash>``: the same content gives
    the same name (two runs share it), other content another name (they do not collide).
    """

    key: str
    folders: tuple[str, ...]
    stands_for: tuple[str, ...]
    build_args: tuple[tuple[str, str], ...]
    content_hash: str
    name: str
    depends_on: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The names the stand-in is tagged with: only its own."""
        return (self.name,)

    @property
    def dockerfile(self) -> Path:
        """The stand-in's Dockerfile (the build context is the whole tests/standins folder)."""
        return STANDINS / self.key / "Dockerfile"


def base_image_name(namespace: str = STANDIN_NAMESPACE) -> str:
    """The Debian image every stand-in starts from (built from the cached rootfs)."""
    return f"{namespace}/debian:{_rootfs_key()}"


def standin_images(namespace: str = STANDIN_NAMESPACE) -> list[StandIn]:
    """The stand-ins, in build order, with the real image names the generator writes."""
    from generator.platforms.foundry import DEFAULT_BASE_IMAGE
    from generator.platforms.sagemaker import MICROMAMBA, SAGEMAKER_DISTRIBUTION

    version = re.match(r"\d+(?:\.\d+)*", MICROMAMBA.tag)
    distribution = (SAGEMAKER_DISTRIBUTION.reference(gpu=False), SAGEMAKER_DISTRIBUTION.reference(gpu=True))
    base = base_image_name(namespace)
    made: dict[str, StandIn] = {}

    def make(
        key: str,
        folders: tuple[str, ...],
        stands_for: tuple[str, ...],
        build_args: tuple[tuple[str, str], ...],
        depends_on: str | None = None,
    ) -> StandIn:
        parts = {
            "recipe": RECIPE_VERSION,
            "base": _rootfs_key(),
            "depends_on": made[depends_on].content_hash if depends_on else "",
            "build_args": [[k, v] for k, v in build_args],
            "stands_for": list(stands_for),
            "folders": {f: _folder_digest(STANDINS / f) for f in folders},
        }
        digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]
        standin = StandIn(key, folders, stands_for, build_args, digest, f"{namespace}/{key}:{digest}", depends_on)
        made[key] = standin
        return standin

    micromamba = make(
        "micromamba",
        ("micromamba", "sagemaker-code-editor"),
        (qualified_name(MICROMAMBA.reference()),),
        (("BASE_IMAGE", base), ("MICROMAMBA_VERSION", version[0] if version else MICROMAMBA.tag)),
    )
    make(
        "sagemaker-distribution",
        ("sagemaker-distribution",),
        tuple(qualified_name(n) for n in distribution),
        (("MICROMAMBA_IMAGE", micromamba.name),),
        depends_on="micromamba",
    )
    make("python", ("python",), (qualified_name(DEFAULT_BASE_IMAGE),), (("BASE_IMAGE", base),))
    return list(made.values())


def _real_names() -> dict[str, str]:
    """{real image name, qualified: the key of the stand-in for it}."""
    return {real: s.key for s in standin_images() for real in s.stands_for}


def standin_for(reference: str, namespace: str = STANDIN_NAMESPACE) -> str:
    """The stand-in image (built if needed) to use where a Dockerfile names ``reference``.

    Give it to ``build.sh --base-image`` or ``--build-arg BASE_IMAGE=``; KeyError for an image
    no stand-in stands for.
    """
    real = qualified_name(reference)
    for standin in standin_images(namespace):
        if real in standin.stands_for:
            ensure_standin_images(namespace)
            return standin.name
    raise KeyError(f"no stand-in for {reference}: tests/standins has none (see its README.md)")


@contextlib.contextmanager
def _cache_lock() -> Iterator[None]:
    """One builder at a time across processes (pytest-xdist workers, parallel runs)."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with (CACHE_DIR / "lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _rootfs_key() -> str:
    recipe = [RECIPE_VERSION, DEBIAN_SUITE, "minbase", DEBIAN_MIRROR, *ROOTFS_PACKAGES]
    return hashlib.sha256(json.dumps(recipe).encode()).hexdigest()[:16]


#: The Debian image every stand-in starts from, in the suite's namespace (a name kept for callers).
BASE_IMAGE = base_image_name()


_DEBIAN_SOURCES = """\
Types: deb
URIs: {mirror}
Suites: {suite} {suite}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: {suite}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


def _trim_rootfs(root: Path) -> None:
    """Make the debootstrap tree look like a slim Debian image: no caches, no host files."""
    for folder in ("var/cache/apt/archives", "var/lib/apt/lists", "dev"):
        for entry in (root / folder).iterdir():
            if entry.is_dir() and not entry.is_symlink():
                if entry.name != "partial":
                    shutil.rmtree(entry)
            else:
                entry.unlink()
    for leftover in ("etc/resolv.conf", "etc/hostname", "etc/apt/sources.list"):
        (root / leftover).unlink(missing_ok=True)
    for cache in (root / "var/cache/apt").glob("*.bin"):
        cache.unlink()
    sources = root / "etc/apt/sources.list.d/debian.sources"
    sources.write_text(_DEBIAN_SOURCES.format(mirror=DEBIAN_MIRROR, suite=DEBIAN_SUITE), encoding="utf-8")
    # As in Debian's own images: no service starts while packages install in a build.
    policy = root / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n", encoding="utf-8")
    policy.chmod(0o755)


def _unmount_below(path: Path) -> None:
    """debootstrap mounts /proc and /sys in the target; never delete through a mount."""
    with open("/proc/mounts", encoding="utf-8") as mounts:
        points = [line.split()[1] for line in mounts]
    for point in sorted((p for p in points if p.startswith(f"{path}/")), reverse=True):
        subprocess.run(["umount", "-l", point], check=False)


def _ensure_rootfs() -> Path:
    """The cached rootfs tarball, made with debootstrap when missing (about a minute)."""
    tarball = CACHE_DIR / f"rootfs-{_rootfs_key()}.tar"
    if tarball.exists():
        return tarball
    if not shutil.which("debootstrap") and not Path("/usr/sbin/debootstrap").exists():
        raise EngineError("debootstrap is missing: run .ci/install-engine.sh as root")
    work = Path(tempfile.mkdtemp(prefix="rootfs-", dir=CACHE_DIR))
    try:
        root = work / "root"
        cmd = ["debootstrap", "--variant=minbase", f"--include={','.join(ROOTFS_PACKAGES)}"]
        proc = subprocess.run(
            [*cmd, DEBIAN_SUITE, str(root), DEBIAN_MIRROR], capture_output=True, text=True, timeout=1200, check=False
        )
        if proc.returncode != 0:
            raise EngineError("debootstrap failed", proc.stdout + proc.stderr)
        _trim_rootfs(root)
        partial = work / "rootfs.tar"
        tar = ["tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-C", str(root), "-cf", str(partial), "."]
        proc = subprocess.run(tar, capture_output=True, text=True, timeout=600, check=False)
        if proc.returncode != 0:
            raise EngineError("tar of the rootfs failed", proc.stdout + proc.stderr)
        os.replace(partial, tarball)
    finally:
        _unmount_below(work)
        shutil.rmtree(work, ignore_errors=True)
    for stale in CACHE_DIR.glob("rootfs-*.tar"):
        if stale != tarball:
            stale.unlink(missing_ok=True)
    return tarball


def _label(tag: str) -> tuple[str | None, str | None]:
    """(image id, stand-in hash label) of a local image, Nones when it is missing."""
    data = _inspect(tag)
    if data is None:
        return None, None
    labels = (data.get("Config") or {}).get("Labels") or data.get("Labels") or {}
    return str(data.get("Id")), labels.get(HASH_LABEL)


def _ensure_base_image(namespace: str = STANDIN_NAMESPACE) -> None:
    """The Debian base image made from the rootfs, rebuilt unless its hash label matches."""
    key = _rootfs_key()
    name = base_image_name(namespace)
    if _label(name)[1] == key:
        return
    tarball = _ensure_rootfs()
    context = Path(tempfile.mkdtemp(prefix="base-", dir=CACHE_DIR))
    try:
        os.link(tarball, context / "rootfs.tar")
        (context / "Dockerfile").write_text(
            "FROM scratch\nADD rootfs.tar /\n"
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
            'CMD ["bash"]\n',
            encoding="utf-8",
        )
        build(context, name, labels={HASH_LABEL: key}, base="")
    finally:
        shutil.rmtree(context, ignore_errors=True)


def _folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            # Modes are not hashed: the Dockerfiles set them (COPY --chmod).
            digest.update(path.relative_to(STANDINS).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


_ENSURED: dict[tuple[str, tuple[str, ...] | None], dict[str, tuple[str, ...]]] = {}


def ensure_standin_images(
    namespace: str = STANDIN_NAMESPACE, keys: Sequence[str] | None = None
) -> dict[str, tuple[str, ...]]:
    """Build the stand-in images when missing or stale; {stand-in: (its image name,)}.

    ``keys`` limits it to those stand-ins (and what they are built on). Cached across runs:
    an image whose ``byoi.standin.hash`` label matches the hash in its name is not rebuilt;
    one that does not (another image under that name) is rebuilt, so a foreign image never
    stands in. Safe to call from several processes at once (file lock); nothing is removed,
    so a concurrent run of other content keeps its own stand-ins.
    """
    cache_key = (namespace, tuple(keys) if keys is not None else None)
    if cache_key in _ENSURED:
        return _ENSURED[cache_key]
    standins = standin_images(namespace)
    if keys is not None:
        wanted = set(keys)
        for standin in reversed(standins):
            if standin.key in wanted and standin.depends_on:
                wanted.add(standin.depends_on)
        standins = [s for s in standins if s.key in wanted]
    with _cache_lock():
        _ensure_base_image(namespace)
        for standin in standins:
            if _label(standin.name)[1] == standin.content_hash:
                continue
            build(
                STANDINS,
                standin.name,
                dockerfile=standin.dockerfile,
                build_args=dict(standin.build_args),
                labels={HASH_LABEL: standin.content_hash},
                base="",
                # For downloads from PyPI during the build only (the image never holds it).
                extra_args=_HOST_CA_MOUNT if HOST_CA_BUNDLE.exists() else [],
            )
    _ENSURED[cache_key] = {s.key: s.names for s in standins if keys is None or s.key in keys}
    return _ENSURED[cache_key]
