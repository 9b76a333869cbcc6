"""The generated JupyterLab projects build and run with a real engine, and run code in a kernel.

The base images are stand-ins (tests/standins/README.md), with the real JupyterLab and
ipykernel installed in them from PyPI: the micromamba stand-in installs ``jupyterlab=4.5``
and ``ipykernel=6`` from PyPI when the generated Dockerfile asks conda-forge for them; the
SageMaker Distribution stand-in ships them with its ``entrypoint-jupyter-server``. Each image
is run as Studio runs a JupyterLab space (docs/platform-facts.md, "JupyterLab images"): user
1000:100, an empty home volume owned by 1000:100 on /home/sagemaker-user,
``SAGEMAKER_APP_TYPE=JupyterLab``, the app image config's entrypoint. Then, as a user would
find out: the server answers under /jupyterlab/default/ with no token, also to requests and
websockets from another origin (Studio's page reaches the server through Studio's proxy); a
kernel started through the REST API runs code sent over its websocket channel (Jupyter's
messaging protocol, v5.3); a ``--pip-package`` is importable there; a notebook saved through
the contents API lands in the home volume, owned by 1000.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import engine
import pytest
import websocket
from support import byoi_command, run_byoi

pytestmark = [pytest.mark.engine, pytest.mark.slow]

PORT = 8888
BASE = "/jupyterlab/default"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
#: Studio's page: another origin than the server's own.
STUDIO_ORIGIN = "https://d-abc123.studio.us-east-1.sagemaker.aws"
#: The code the kernel runs: who it runs as, where its home is, and the pip package.
CODE = (
    "import os, six\n"
    "print('uid', os.getuid(), 'gid', os.getgid(), 'home', os.path.expanduser('~'), 'cwd', os.getcwd())\n"
    "print('six', six.__version__)\n"
)
#: With BYOI_KERNEL_OUTPUT_DIR set, each test also writes the kernel's output there (for a report).
OUTPUT_DIR = os.environ.get("BYOI_KERNEL_OUTPUT_DIR")


@pytest.fixture(scope="module", autouse=True)
def standins() -> None:
    engine.require_engine()
    engine.ensure_standin_images()


@pytest.fixture
def image_name() -> Iterator[Any]:
    names: list[str] = []

    def name(repository: str) -> str:
        names.append(f"localhost/byoi-test-{uuid.uuid4().hex[:8]}/{repository}:0.1.0")
        return names[-1]

    yield name
    for built in names:
        engine.remove_image(built)


def studio_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir(parents=True)
    os.chown(home, 1000, 100)
    return home


#: A browser's cookies: the page sets ``_xsrf``, which jupyter_server wants back as X-XSRFToken
#: on every POST/PUT (as JupyterLab's page sends it).
_COOKIES = http.cookiejar.CookieJar()
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(_COOKIES))


def _xsrf() -> str:
    return next((c.value or "" for c in _COOKIES if c.name == "_xsrf"), "")


def api(url: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    """One REST call with Studio's origin and no token, as the page makes it; (status, JSON answer)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Origin": STUDIO_ORIGIN})
    if data is not None:
        request.add_header("Content-Type", "application/json")
        request.add_header("X-XSRFToken", _xsrf())
    try:
        with _OPENER.open(request, timeout=30) as answer:
            text = answer.read().decode()
            json_answer = answer.headers.get_content_type() == "application/json"
            return answer.status, json.loads(text) if json_answer and text else text
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def execute(ws_url: str, code: str) -> list[str]:
    """Send ``code`` as an execute_request on the kernel's websocket channel; its stream output."""
    cookie = "; ".join(f"{c.name}={c.value}" for c in _COOKIES)
    ws = websocket.create_connection(
        ws_url, timeout=60, origin=STUDIO_ORIGIN, cookie=cookie, http_no_proxy=["127.0.0.1"]
    )
    try:
        msg_id = uuid.uuid4().hex
        ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "msg_type": "execute_request",
                        "username": "studio",
                        "session": uuid.uuid4().hex,
                        "version": "5.3",
                        "date": "",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {"code": code, "silent": False, "store_history": False, "allow_stdin": False},
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        out: list[str] = []
        reply = None
        idle = False
        while reply is None or not idle:
            message = json.loads(ws.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            if kind == "stream":
                out.append(message["content"]["text"])
            elif kind == "error":
                raise AssertionError("\n".join(message["content"]["traceback"]))
            elif kind == "execute_reply":
                reply = message["content"]
            elif kind == "status" and message["content"]["execution_state"] == "idle":
                idle = True
        assert reply["status"] == "ok", reply
        return "".join(out).splitlines()
    finally:
        ws.close()


def prove_studio_space(image: str, tmp_path: Path, entrypoint: str | None, name: str) -> list[str]:
    """Run ``image`` as Studio does (``entrypoint``: the app image config's; None: the image's
    own) and prove what a user relies on; the kernel's output."""
    home = studio_home(tmp_path / name)
    container = engine.run_detached(
        image,
        ports={PORT: engine.free_port()},
        volumes={home: "/home/sagemaker-user"},
        env={"SAGEMAKER_APP_TYPE": "JupyterLab"},
        user="1000:100",
        entrypoint=entrypoint,
    )
    try:
        try:
            status, _ = engine.wait_http(container.url(PORT, f"{BASE}/api/status"), timeout=120)
        except TimeoutError:
            raise AssertionError(f"no answer on {PORT}; logs:\n{container.logs()}") from None
        assert status == 200, container.logs()
        # The page, with no token (a token would redirect to a login page).
        _COOKIES.clear()
        status, page = api(container.url(PORT, f"{BASE}/lab"))
        assert status == 200 and "JupyterLab" in page, page[:500]
        assert _xsrf(), "the page set no _xsrf cookie"
        # The REST API from Studio's origin, with no token.
        status, specs = api(container.url(PORT, f"{BASE}/api/kernelspecs"))
        assert status == 200 and "python3" in specs["kernelspecs"], specs
        status, kernel = api(container.url(PORT, f"{BASE}/api/kernels"), "POST", {"name": "python3"})
        assert status == 201, kernel
        ws_url = container.url(PORT, f"{BASE}/api/kernels/{kernel['id']}/channels").replace("http://", "ws://")
        output = execute(ws_url, CODE)
        print(f"kernel output ({name}):", *output, sep="\n  ")
        if OUTPUT_DIR:
            (Path(OUTPUT_DIR) / f"byoi-kernel-output-{name}.txt").write_text("\n".join(output) + "\n")
        # A notebook saved through the contents API lands in the home volume, owned by 1000.
        notebook = {
            "type": "notebook",
            "content": {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
        }
        status, saved = api(container.url(PORT, f"{BASE}/api/contents/analysis.ipynb"), "PUT", notebook)
        assert status in (200, 201), saved
        on_disk = home / "analysis.ipynb"
        assert on_disk.is_file() and json.loads(on_disk.read_text())["nbformat"] == 4
        assert (on_disk.stat().st_uid, on_disk.stat().st_gid) == (1000, 100)
        return output
    finally:
        container.remove()


def test_micromamba_jupyterlab_image_runs_code_in_a_kernel_as_studio_runs_it(tmp_path: Path, image_name: Any) -> None:
    project = tmp_path / "project"
    run_byoi(
        "new",
        "sagemaker-jupyterlab",
        "-o",
        str(project),
        "--no-input",
        # PyPI may be reached through this machine's TLS-inspecting proxy: the image must trust its CA.
        "--ca-cert",
        CA_BUNDLE,
        "--pip-package",
        "six==1.16.0",
        check=True,
    )
    image = image_name("jupyterlab")
    engine.build(project, image)
    config = engine.inspect_image(image)["Config"]
    assert config["User"] == "1000:100" and config["WorkingDir"] == "/home/sagemaker-user"
    output = prove_studio_space(image, tmp_path, "/usr/local/bin/start-jupyter-server", "micromamba")
    assert output == [
        "uid 1000 gid 100 home /home/sagemaker-user cwd /home/sagemaker-user",
        "six 1.16.0",
    ]


def test_distribution_jupyterlab_image_runs_code_in_a_kernel_as_studio_runs_it(tmp_path: Path, image_name: Any) -> None:
    project = tmp_path / "project"
    run_byoi(
        "new",
        "sagemaker-jupyterlab",
        "-o",
        str(project),
        "--no-input",
        "--base",
        "sagemaker-distribution",
        "--ca-cert",
        CA_BUNDLE,
        "--pip-package",
        "six==1.16.0",
        check=True,
    )
    image = image_name("dist-jupyterlab")
    engine.build(project, image)
    assert engine.inspect_image(image)["Config"]["Entrypoint"] == ["entrypoint-jupyter-server"]
    output = prove_studio_space(image, tmp_path, "entrypoint-jupyter-server", "distribution")
    assert output == [
        "uid 1000 gid 100 home /home/sagemaker-user cwd /home/sagemaker-user",
        "six 1.16.0",
    ]


def test_byoi_verify_runs_a_jupyterlab_image_as_studio_does(tmp_path: Path, image_name: Any) -> None:
    project = tmp_path / "project"
    run_byoi("new", "sagemaker-jupyterlab", "-o", str(project), "--no-input", "--base", "sagemaker-distribution",
             check=True)  # fmt: skip
    image = image_name("verify-jupyterlab")
    engine.build(project, image)
    proc = subprocess.run(
        [*byoi_command(), "verify", image, "--target", "sagemaker-jupyterlab", "--timeout", "120"],
        env=engine.engine_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "kernels: python3" in proc.stdout, proc.stdout


def test_a_two_app_image_serves_jupyterlab_and_code_editor_each_under_its_own_base_path(
    tmp_path: Path, image_name: Any
) -> None:
    """A Code Editor image that also serves JupyterLab (--app): JupyterLab with the image's own
    ENTRYPOINT and with its app image config's entrypoint, Code Editor with SAGEMAKER_APP_TYPE=CodeEditor."""
    project = tmp_path / "project"
    run_byoi(
        "new",
        "sagemaker-code-editor",
        "-o",
        str(project),
        "--no-input",
        "--app",
        "code-editor",
        "--app",
        "jupyterlab",
        "--ca-cert",
        CA_BUNDLE,
        "--pip-package",
        "six==1.16.0",
        check=True,
    )
    image = image_name("both-apps")
    engine.build(project, image)
    assert engine.inspect_image(image)["Config"]["Entrypoint"] == ["/usr/local/bin/start-studio-app"]
    expected = ["uid 1000 gid 100 home /home/sagemaker-user cwd /home/sagemaker-user", "six 1.16.0"]
    assert prove_studio_space(image, tmp_path, None, "two-apps-dispatch") == expected
    assert prove_studio_space(image, tmp_path, "/usr/local/bin/start-jupyter-server", "two-apps-config") == expected
    # Code Editor: the stand-in server reports how it was started under /codeeditor/default.
    container = engine.run_detached(
        image,
        ports={PORT: engine.free_port()},
        volumes={studio_home(tmp_path / "editor"): "/home/sagemaker-user"},
        env={"SAGEMAKER_APP_TYPE": "CodeEditor"},
        user="1000:100",
    )
    try:
        try:
            status, _ = engine.wait_http(container.url(PORT, "/codeeditor/default/"), timeout=120)
        except TimeoutError:
            raise AssertionError(f"no answer on {PORT}; logs:\n{container.logs()}") from None
        assert status == 200, container.logs()
        status, body = engine.http_get(container.url(PORT, "/codeeditor/default/standin/state"))
        assert status == 200, body
        argv = json.loads(body)["argv"]
        assert argv[argv.index("--base-path") + 1] == "/codeeditor/default"
        assert "--without-connection-token" in argv
    finally:
        container.remove()
