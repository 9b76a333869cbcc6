"""The stand-in base images (tests/standins) and the engine helpers (tests/engine.py).

The first tests run the stand-in Code Editor server and micromamba straight on the host;
the others (marked ``engine``) build the stand-in images and check, by running them, that
they behave like the real images where the generated projects depend on it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import engine
import pytest
from support import default_signals

from generator.platforms.sagemaker import MICROMAMBA

STANDINS = Path(__file__).parent / "standins"
SERVER = STANDINS / "sagemaker-code-editor" / "server.py"
MICROMAMBA_SCRIPT = STANDINS / "micromamba" / "micromamba.py"
STUDIO = "1000:100"


# ---------------------------------------------------------------- host: the stand-in server


def make_vsix(path: Path, publisher: str, name: str, version: str) -> Path:
    """A minimal .vsix: a zip with extension/package.json and one more file."""
    manifest = {"publisher": publisher, "name": name, "version": version, "engines": {"vscode": "^1.80.0"}}
    with zipfile.ZipFile(path, "w") as vsix:
        vsix.writestr("extension.vsixmanifest", "<PackageManifest/>")
        vsix.writestr("extension/package.json", json.dumps(manifest))
        vsix.writestr("extension/out/main.js", "exports.activate = () => {};\n")
    return path


class HostServer:
    """The stand-in server in a subprocess on a free loopback port."""

    def __init__(self, *args: str) -> None:
        self.port = engine.free_port()
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER), "--host", "127.0.0.1", "--port", str(self.port), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=default_signals,
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=10)


@pytest.fixture
def host_server() -> Iterator[list[HostServer]]:
    servers: list[HostServer] = []
    yield servers
    for server in servers:
        if server.proc.poll() is None:
            server.proc.kill()
        server.proc.wait(timeout=10)
        for stream in (server.proc.stdout, server.proc.stderr):
            if stream is not None:
                stream.close()


def test_server_without_token_serves_only_under_its_base_path(tmp_path: Path, host_server: list[HostServer]) -> None:
    data = tmp_path / "server-data"
    server = HostServer(
        "--without-connection-token", "--base-path", "/codeeditor/default/", "--server-data-dir", str(data)
    )
    host_server.append(server)

    status, body = engine.wait_http(server.url("/codeeditor/default/"), timeout=20)
    assert (status, "<html>" in body) == (200, True)
    assert engine.http_get(server.url("/codeeditor/default"))[0] == 200
    for outside in ("/", "/codeeditor/", "/CodeEditor/default/", "/codeeditor/defaultx"):
        assert engine.http_get(server.url(outside))[0] == 404, outside

    status, body = engine.http_get(server.url("/codeeditor/default/standin/state"))
    state = json.loads(body)
    assert status == 200
    assert (state["uid"], state["gid"]) == (os.getuid(), os.getgid())
    assert state["argv"][0] == "sagemaker-code-editor" and "--without-connection-token" in state["argv"]
    assert state["extensions_dir"] == str(data / "extensions")
    assert state["extensions"] == []
    assert (data / "extensions").is_dir(), "the server creates its extensions dir like the real one"

    assert server.terminate() == 0, "SIGTERM ends the server with exit code 0"


def test_server_with_a_token_refuses_requests_without_it(host_server: list[HostServer], tmp_path: Path) -> None:
    server = HostServer("--base-path", "/codeeditor/default", "--server-data-dir", str(tmp_path / "data"))
    host_server.append(server)

    status, _ = engine.wait_http(server.url("/codeeditor/default/"), timeout=20)
    assert status == 403
    assert engine.http_get(server.url("/codeeditor/default/?tkn=wrong"))[0] == 403
    assert engine.http_get(server.url("/elsewhere"))[0] == 404

    server.proc.send_signal(signal.SIGTERM)
    out, _ = server.proc.communicate(timeout=10)
    assert server.proc.returncode == 0
    match = re.search(r"Web UI available at \S+\?tkn=(\w+)", out)
    assert match, out
    # A second server with an explicit token: the printed one was random.
    second = HostServer("--connection-token", "s3cret", "--server-data-dir", str(tmp_path / "data2"))
    host_server.append(second)
    assert engine.wait_http(second.url("/"), timeout=20)[0] == 403
    assert engine.http_get(second.url("/?tkn=s3cret"))[0] == 200
    assert engine.http_get(second.url(f"/?tkn={match[1]}"))[0] == 403


def test_server_installs_extensions_from_vsix_and_open_vsx_ids(tmp_path: Path, host_server: list[HostServer]) -> None:
    extensions = tmp_path / "extensions"
    vsix = make_vsix(tmp_path / "hello.vsix", "Acme", "Hello", "1.2.3")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(SERVER), *args, "--extensions-dir", str(extensions)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    done = cli("--install-extension", str(vsix), "--install-extension", "ms-python.python@2024.1.0")
    assert done.returncode == 0, done.stderr
    assert json.loads((extensions / "acme.hello-1.2.3" / "package.json").read_text())["version"] == "1.2.3"
    assert (extensions / "acme.hello-1.2.3" / "out" / "main.js").is_file()
    assert not (extensions / "acme.hello-1.2.3" / "extension.vsixmanifest").exists()
    assert json.loads((extensions / "ms-python.python-2024.1.0" / "package.json").read_text())["name"] == "python"
    assert cli("--install-extension", "redhat.vscode-yaml").returncode == 0
    assert (extensions / "redhat.vscode-yaml-0.0.0-standin" / "package.json").is_file()

    assert cli("--install-extension", "not-an-id").returncode == 1
    assert cli("--install-extension", str(tmp_path / "missing.vsix")).returncode == 1
    listed = cli("--list-extensions", "--show-versions")
    assert listed.stdout.split() == [
        "acme.hello@1.2.3",
        "ms-python.python@2024.1.0",
        "redhat.vscode-yaml@0.0.0-standin",
    ]

    server = HostServer("--without-connection-token", "--extensions-dir", str(extensions))
    host_server.append(server)
    status, body = engine.wait_http(server.url("/standin/state"), timeout=20)
    assert status == 200
    assert json.loads(body)["extensions"] == [
        "acme.hello-1.2.3",
        "ms-python.python-2024.1.0",
        "redhat.vscode-yaml-0.0.0-standin",
    ]
    assert server.terminate() == 0


# ---------------------------------------------------------------- host: the stand-in micromamba


def test_micromamba_accepts_match_specs_and_refuses_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "conda"
    (root / "conda-meta").mkdir(parents=True)
    env = os.environ | {"MAMBA_ROOT_PREFIX": str(root), "HOME": str(tmp_path)}

    def micromamba(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(MICROMAMBA_SCRIPT), *args], capture_output=True, text=True, env=env, check=False
        )

    valid = ["numpy", "numpy=1.26", "numpy==1.26.4", "numpy>=1.26,<2", "conda-forge::jinja2", "nodejs 20.*"]
    valid += ["sagemaker-code-editor=1.8.0b2=h4085919_0", "conda-forge::numpy[version='>=1.26']"]
    for spec in valid:
        assert micromamba("install", "-y", "-n", "base", spec).returncode == 0, spec
    for spec in ["==broken", "python=>=3", "numpy 1 2 3", "bad spec!!"]:
        refused = micromamba("install", "-y", "-n", "base", spec)
        assert refused.returncode == 1, spec
        assert "critical libmamba" in refused.stderr
    assert json.loads((root / "conda-meta" / "nodejs.json").read_text())["version"] == "20.*"
    assert json.loads((root / "conda-meta" / "jinja2.json").read_text())["channel"] == "conda-forge"
    assert (root / "bin" / "sagemaker-code-editor").is_file()
    assert micromamba("install", "--bogus", "-y", "numpy").returncode != 0
    assert micromamba("activate").returncode == 1
    assert micromamba("install", "-n", "base", "numpy").returncode == 1, "no -y and no answer: aborted"


# ---------------------------------------------------------------- engine: images


@pytest.fixture(scope="module")
def standins() -> dict[str, tuple[str, ...]]:
    engine.require_engine()
    return engine.ensure_standin_images()


@pytest.fixture
def image_tag() -> Iterator[str]:
    tag = f"localhost/byoi-standin-test/{uuid.uuid4().hex[:10]}:test"
    yield tag
    engine.remove_image(tag)


def config(name: str) -> dict[str, Any]:
    return dict(engine.inspect_image(name)["Config"])


def env_of(name: str) -> dict[str, str]:
    return dict(str(item).split("=", 1) for item in config(name).get("Env") or [])


@pytest.mark.engine
@pytest.mark.slow
def test_standins_live_under_the_suites_own_names_and_stand_for_the_generators(
    standins: dict[str, tuple[str, ...]],
) -> None:
    from generator.platforms.foundry import DEFAULT_BASE_IMAGE
    from generator.platforms.sagemaker import MICROMAMBA, SAGEMAKER_DISTRIBUTION

    stands_for = {
        "micromamba": (MICROMAMBA.reference(),),
        "sagemaker-distribution": (
            SAGEMAKER_DISTRIBUTION.reference(gpu=False),
            SAGEMAKER_DISTRIBUTION.reference(gpu=True),
        ),
        "python": (DEFAULT_BASE_IMAGE,),
    }
    assert sorted(standins) == sorted(stands_for)
    for key, references in stands_for.items():
        (name,) = standins[key]
        repository, _, content_hash = name.rpartition(":")
        assert repository == f"localhost/byoi-test/standin/{key}", name
        image = engine.inspect_image(name)
        assert image["Architecture"] == "amd64"
        assert image["Config"]["Labels"][engine.HASH_LABEL] == content_hash
        for reference in references:  # the names as written in FROM
            assert engine.standin_for(reference) == name
            # Not under the real name: the image is ours only under our own name.
            assert engine.qualified_name(reference) not in image.get("RepoTags", [])
    with pytest.raises(KeyError, match="no stand-in"):
        engine.standin_for("debian:bookworm")


@pytest.mark.engine
@pytest.mark.slow
def test_a_foreign_image_under_a_standins_name_is_replaced_not_used(tmp_path: Path) -> None:
    """Another image with a stand-in's name (another tool's, an older run's) never stands in.

    Done in a namespace of this test alone, so the run's real stand-ins are not touched.
    """
    engine.require_engine()
    namespace = f"localhost/byoi-test/run-{uuid.uuid4().hex[:10]}/standin"
    (python,) = [s for s in engine.standin_images(namespace) if s.key == "python"]
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "Dockerfile").write_text("ARG B\nFROM ${B}\nLABEL byoi.standin.hash=not-the-hash\nRUN rm /usr/bin/tee\n")
    try:
        engine.build(foreign, python.name, build_args={"B": engine.ensure_standin_images()["python"][0]}, base="")
        assert engine.inspect_image(python.name)["Config"]["Labels"][engine.HASH_LABEL] == "not-the-hash"
        names = engine.ensure_standin_images(namespace, keys=("python",))
        assert names == {"python": (python.name,)}
        image = engine.inspect_image(python.name)
        assert image["Config"]["Labels"][engine.HASH_LABEL] == python.content_hash
        ran = engine.run(python.name, "-c", "set -a && tee -a", entrypoint="/bin/sh", input="")
        assert ran.returncode == 0, ran.stderr
    finally:
        for name in (python.name, engine.base_image_name(namespace)):
            engine.remove_image(name)


@pytest.mark.engine
@pytest.mark.slow
def test_micromamba_image_is_configured_like_the_real_one(standins: dict[str, tuple[str, ...]]) -> None:
    (name,) = standins["micromamba"]
    cfg = config(name)
    assert cfg["User"] == "mambauser"
    assert cfg["Entrypoint"] == ["/usr/local/bin/_entrypoint.sh"]
    assert cfg["Cmd"] == ["/bin/bash"]
    assert cfg["Shell"] == ["/usr/local/bin/_dockerfile_shell.sh"]
    env = env_of(name)
    assert {k: env[k] for k in ("MAMBA_USER", "MAMBA_USER_ID", "MAMBA_USER_GID", "MAMBA_ROOT_PREFIX")} == {
        "MAMBA_USER": "mambauser",
        "MAMBA_USER_ID": "57439",
        "MAMBA_USER_GID": "57439",
        "MAMBA_ROOT_PREFIX": "/opt/conda",
    }
    assert (env["MAMBA_EXE"], env["ENV_NAME"]) == ("/bin/micromamba", "base")
    assert "/opt/conda/bin" not in env["PATH"], "the real image activates instead of setting PATH"


@pytest.mark.engine
@pytest.mark.slow
def test_micromamba_runs_as_mambauser_through_its_entrypoint(standins: dict[str, tuple[str, ...]]) -> None:
    (name,) = standins["micromamba"]
    script = (
        "id -u; id -g; id -un; cat /etc/arg_mamba_user; echo $HOME; stat -c '%U %a' /opt/conda /opt/conda/conda-meta;"
        " echo $CONDA_PREFIX; echo ${PATH%%:*}; command -v python3 || echo no-python; micromamba --version"
    )
    out = engine.run(name, "bash", "-c", script)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:10] == [
        "57439",
        "57439",
        "mambauser",
        "mambauser",
        "/home/mambauser",
        "root 777",
        "root 777",
        "/opt/conda",
        "/opt/conda/bin",
        "no-python",
    ]
    # the stand-in reports the micromamba version of the tag it stands in for
    assert out.stdout.split("\n")[10] == MICROMAMBA.tag.split("-")[0]

    renamed = engine.run(name, "true", env={"MAMBA_USER": "someone"})
    assert renamed.returncode == 1
    assert "This micromamba-docker image was built with 'ARG MAMBA_USER=mambauser'" in renamed.stderr


@pytest.mark.engine
@pytest.mark.slow
def test_micromamba_installs_as_the_prefix_owner_and_refuses_another_uid(
    standins: dict[str, tuple[str, ...]],
) -> None:
    (name,) = standins["micromamba"]
    with engine.run_detached(name, args=("sleep", "600")) as box:
        # Like the real image: the empty root prefix is world-writable, so the first install works...
        first = box.exec("micromamba", "install", "-y", "-n", "base", "-c", "conda-forge", "python=3.12", "pip")
        assert first.returncode == 0, first.stdout + first.stderr
        check = box.exec("bash", "-c", "stat -c %U /opt/conda/bin; /opt/conda/bin/python -m pip --version")
        assert check.returncode == 0, check.stderr
        assert check.stdout.startswith("mambauser\npip ")
        meta = json.loads(box.exec("cat", "/opt/conda/conda-meta/python.json").stdout)
        assert (meta["name"], meta["version"], meta["channel"]) == ("python", "3.12", "conda-forge")

        # ...and then belongs to the installer: another UID cannot install more, as in the real image.
        other = box.exec("micromamba", "install", "-y", "-n", "base", "requests", user=STUDIO)
        assert other.returncode == 1
        assert "Permission denied" in other.stderr
        assert box.exec("test", "-e", "/opt/conda/conda-meta/requests.json").returncode == 1

        more = box.exec("micromamba", "install", "-y", "-n", "base", "sagemaker-code-editor=1.8.0", "nodejs")
        assert more.returncode == 0, more.stderr
        assert box.exec("/opt/conda/bin/sagemaker-code-editor", "--version").stdout.split()[0] == "1.8.0"
        assert box.exec("micromamba", "install", "-y", "-n", "base", "==broken").returncode == 1
        assert box.exec("micromamba", "clean", "-a", "-y").returncode == 0
        assert box.exec("micromamba", "clean", "--all", "--yes").returncode == 0
        hooked = box.exec(
            "bash", "-c", 'eval "$(micromamba shell hook -s bash)" && micromamba activate base && command -v python'
        )
        assert hooked.stdout.strip() == "/opt/conda/bin/python"
        ran = box.exec("micromamba", "run", "-n", "base", "python", "-c", "import sys; print(sys.prefix)")
        assert ran.stdout.strip() == "/opt/conda"


@pytest.mark.engine
@pytest.mark.slow
def test_dockerfile_from_micromamba_builds_with_its_shell_and_activation(
    standins: dict[str, tuple[str, ...]], tmp_path: Path, image_tag: str
) -> None:
    from generator.platforms.sagemaker import MICROMAMBA

    (tmp_path / "Dockerfile").write_text(
        f"FROM {MICROMAMBA.reference()}\n"
        "RUN micromamba install -y -n base python && micromamba clean --all --yes\n"
        "RUN if command -v python; then echo 'python on PATH without activation' >&2; exit 1; fi\n"
        "ARG MAMBA_DOCKERFILE_ACTIVATE=1\n"
        "RUN python -c \"import sys; open('/tmp/prefix', 'w').write(sys.prefix)\"\n"
    )
    engine.build(tmp_path, image_tag)
    assert engine.inspect_image(image_tag)["Config"]["Shell"] == ["/usr/local/bin/_dockerfile_shell.sh"]
    assert engine.run(image_tag, "cat", "/tmp/prefix").stdout == "/opt/conda"
    assert engine.run(image_tag, "python", "-c", "print(6 * 7)").stdout.strip() == "42"
    assert engine.run(image_tag, "-c", "command -v python", entrypoint="/bin/sh").returncode != 0


@pytest.mark.engine
@pytest.mark.slow
def test_distribution_image_is_configured_like_the_real_one(standins: dict[str, tuple[str, ...]]) -> None:
    name = standins["sagemaker-distribution"][0]
    cfg = config(name)
    assert (cfg["User"], cfg["WorkingDir"]) == ("sagemaker-user", "/home/sagemaker-user")
    # Inherited from micromamba: nothing in the image starts Code Editor by itself.
    assert (cfg["Entrypoint"], cfg["Cmd"]) == (["/usr/local/bin/_entrypoint.sh"], ["/bin/bash"])
    env = env_of(name)
    assert env["MAMBA_USER"] == "sagemaker-user"
    assert env["PATH"].startswith("/opt/conda/bin:")
    script = (
        "id -u; id -g; id -un; cat /etc/arg_mamba_user; stat -c %u /opt/conda/bin/sagemaker-code-editor;"
        " command -v entrypoint-code-editor;"
        " stat -c %U /opt/amazon/sagemaker/sagemaker-code-editor-server-data/extensions"
    )
    out = engine.run(name, "-c", script, entrypoint="/bin/sh")
    assert out.stdout.split() == [
        "1000",
        "100",
        "sagemaker-user",
        "sagemaker-user",
        "1000",
        "/usr/local/bin/entrypoint-code-editor",
        "sagemaker-user",
    ]
    as_root = engine.run(
        name,
        "-c",
        "touch /opt/amazon/sagemaker/sagemaker-code-editor-server-data/extensions/x",
        user="root",
        entrypoint="/bin/sh",
    )
    assert as_root.returncode == 0, as_root.stderr
    idle = engine.run(name, timeout=60)
    assert idle.returncode == 0 and idle.stdout == "", "without an entrypoint of its own it runs bash and exits"


def studio_home(tmp_path: Path) -> Path:
    """An empty EBS home like Studio mounts: owned by 1000:100."""
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, 1000, 100)
    return home


def start_code_editor(name: str, home: Path) -> engine.Container:
    return engine.run_detached(
        name,
        ports={8888: engine.free_port()},
        volumes={home: "/home/sagemaker-user"},
        env={"SAGEMAKER_APP_TYPE": "CodeEditor"},
        user=STUDIO,
        entrypoint="entrypoint-code-editor",
    )


@pytest.mark.engine
@pytest.mark.slow
def test_distribution_entrypoint_serves_code_editor_on_port_8888(
    standins: dict[str, tuple[str, ...]], tmp_path: Path
) -> None:
    home = studio_home(tmp_path)
    with start_code_editor(standins["sagemaker-distribution"][0], home) as box:
        status, _ = engine.wait_http(box.url(8888, "/codeeditor/default/"), timeout=60)
        assert status == 200, box.logs()
        assert engine.http_get(box.url(8888, "/"))[0] == 404
        state = json.loads(engine.http_get(box.url(8888, "/codeeditor/default/standin/state"))[1])
        assert (state["uid"], state["gid"]) == (1000, 100)
        assert state["argv"][1:] == [
            "--host", "0.0.0.0", "--port", "8888", "--without-connection-token",
            "--base-path", "/codeeditor/default",
            "--server-data-dir", "/home/sagemaker-user/sagemaker-code-editor-server-data",
            "--extensions-dir", "/home/sagemaker-user/sagemaker-code-editor-server-data/extensions",
            "--user-data-dir", "/opt/amazon/sagemaker/sagemaker-code-editor-user-data",
        ]  # fmt: skip
        assert state["env"]["CONDA_PREFIX"] == "/opt/conda"
        # First start of a space: the image's extensions are linked into the EBS home.
        assert state["extensions"] == ["byoi-standin.prepackaged-extension-1.0.0"]
        box.stop()
        assert box.wait(30) == 0
    link = home / "sagemaker-code-editor-server-data" / "extensions" / "byoi-standin.prepackaged-extension-1.0.0"
    assert link.is_symlink()
    assert (home / "sagemaker-code-editor-server-data" / "data" / "Machine" / "settings.json").is_file()


@pytest.mark.engine
@pytest.mark.slow
def test_distribution_does_not_add_image_extensions_to_an_existing_space(
    standins: dict[str, tuple[str, ...]], tmp_path: Path
) -> None:
    home = studio_home(tmp_path)
    existing = home / "sagemaker-code-editor-server-data" / "extensions"
    existing.mkdir(parents=True)
    for path in (existing.parent, existing):
        os.chown(path, 1000, 100)
    with start_code_editor(standins["sagemaker-distribution"][0], home) as box:
        status, _ = engine.wait_http(box.url(8888, "/codeeditor/default/"), timeout=60)
        assert status == 200, box.logs()
        state = json.loads(engine.http_get(box.url(8888, "/codeeditor/default/standin/state"))[1])
        assert state["extensions"] == [], "the real start-code-editor links them only into a new folder"


@pytest.mark.engine
@pytest.mark.slow
def test_python_image_supports_foundry_telemetry_and_pip(standins: dict[str, tuple[str, ...]], tmp_path: Path) -> None:
    (name,) = standins["python"]
    telemetry = engine.run(name, "-c", "set -a && tee -a", entrypoint="/bin/sh", input="")
    assert telemetry.returncode == 0, telemetry.stderr
    assert config(name)["Cmd"] == ["python3"]

    wheel = tmp_path / "byoi_probe-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as whl:
        whl.writestr("byoi_probe.py", "OK = 'probe'\n")
        whl.writestr("byoi_probe-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: byoi-probe\nVersion: 1.0\n")
        whl.writestr(
            "byoi_probe-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        whl.writestr("byoi_probe-1.0.dist-info/RECORD", "")
    script = f"pip install --no-index /w/{wheel.name} && python -c 'import byoi_probe; print(byoi_probe.OK)'"
    installed = engine.run(name, "-c", script, entrypoint="/bin/sh", volumes={tmp_path: "/w"})
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert installed.stdout.strip().endswith("probe")

    bundle = engine.run(name, "/etc/ssl/certs/ca-certificates.crt", entrypoint="cat").stdout
    assert "BEGIN CERTIFICATE" in bundle
    for extra in Path("/usr/local/share/ca-certificates").glob("**/*.crt"):
        body = "".join(extra.read_text().split("-----")[2].split())
        assert body not in "".join(bundle.split()), f"the host's {extra.name} must not be baked into a stand-in"


# ---------------------------------------------------------------- engine: services


@pytest.mark.engine
@pytest.mark.slow
def test_docker_client_through_podman_pushes_to_a_loopback_registry(
    standins: dict[str, tuple[str, ...]], tmp_path: Path
) -> None:
    if shutil.which("docker") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the docker client is required when CI=true")
        pytest.skip("no docker client on this machine")
    # Built on the python stand-in through --build-arg, as build.sh --base-image does it.
    (tmp_path / "Dockerfile").write_text(
        "ARG BASE_IMAGE=python:3.12.12-slim-bookworm\nFROM ${BASE_IMAGE}\nRUN echo built > /built\nUSER 5001\n"
    )
    base = standins["python"][0]
    tag = f"localhost/byoi-docker-test:{uuid.uuid4().hex[:8]}"
    with engine.loopback_registry() as registry, engine.podman_docker_service() as env:

        def docker(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(["docker", *args], env=env, capture_output=True, text=True, timeout=600, check=False)

        pushed = f"{registry}/demo/app:0.1.0"
        try:
            built = docker(
                "build", "--platform", "linux/amd64", "--build-arg", f"BASE_IMAGE={base}", "--tag", tag, str(tmp_path)
            )
            assert built.returncode == 0, built.stdout + built.stderr
            ran = docker("run", "--rm", tag, "cat", "/built")
            assert (ran.returncode, ran.stdout) == (0, "built\n"), ran.stderr
            assert docker("tag", tag, pushed).returncode == 0
            push = docker("push", pushed)
            assert push.returncode == 0, push.stderr
            assert re.search(r"digest: sha256:[0-9a-f]{64}", push.stdout)
        finally:
            docker("rmi", pushed, tag)
        status, body = engine.http_get(f"http://{registry}/v2/demo/app/tags/list")
        assert (status, json.loads(body)["tags"]) == (200, ["0.1.0"])
    assert not engine.image_exists(tag)
