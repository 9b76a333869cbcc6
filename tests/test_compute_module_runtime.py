"""byoi's local compute module runtime against Palantir's real SDK, outside any container.

The generated ``app.py`` runs here with the SDK the test extra installs
(``foundry-compute-modules``, the version the Dockerfile pins) and the runtime's environment:
if the SDK and the runtime drift apart (a variable renamed, a path or a body changed), the
module posts no schema or answers no job, and these tests fail. Expected values are literals
from ``docs/platform-facts.md`` ("A fourth way: compute modules") and Palantir's examples.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import REPO, run_byoi

from generator.computemodule.runtime import Runtime

pytest.importorskip("compute_modules", reason="Palantir's SDK (foundry-compute-modules, test extra) is not installed")

#: platform-facts.md: what SDK 0.34.0 reads with os.environ[...] (a missing one crashes the module).
REQUIRED_ENV = {
    "RUNTIME_HOST",
    "RUNTIME_PORT",
    "GET_JOB_URI",
    "POST_RESULT_URI",
    "POST_SCHEMA_URI",
    "RESTART_NOTIFICATION_URI",
    "CONNECTIONS_TO_OTHER_PODS_CA_PATH",
    "MODULE_AUTH_TOKEN",
}
#: The schemas the SDK infers for the generated examples: add({"x": int, "y": int}) -> int,
#: hello({"name": str}) -> str (the issue), in the SDK's ComputeModuleFunctionSchema shape.
INTEGER = {"type": "integer", "integer": {}}
STRING = {"type": "string", "string": {}}
EXPECTED_SCHEMAS = {
    "add": ([("x", INTEGER), ("y", INTEGER)], INTEGER),
    "hello": ([("name", STRING)], STRING),
}


def _no_proxy_env() -> dict[str, str]:
    # The runtime is on loopback: never through the machine's proxy.
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("https_proxy", "http_proxy", "all_proxy")}
    return {**env, "NO_PROXY": "localhost,127.0.0.1", "no_proxy": "localhost,127.0.0.1"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cm") / "project"
    run_byoi("new", "foundry-compute-module", "-o", str(out), "--no-input", check=True)
    return out / "app.py"


def _start(app: Path, runtime: Runtime) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(app)],
        env={**_no_proxy_env(), **runtime.env()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="module")
def module(app: Path) -> Iterator[tuple[Runtime, subprocess.Popen[bytes]]]:
    """One module process, polling one runtime, for the tests that only send jobs."""
    with Runtime() as runtime:
        proc = _start(app, runtime)
        try:
            assert runtime.wait_schemas(60), "the module posted no valid schemas"
            yield runtime, proc
        finally:
            _stop(proc)


def test_the_sdk_tested_here_is_the_one_the_image_installs(app: Path) -> None:
    """The test extra pins the SDK these tests run; the generated Dockerfile must pin the same."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    pins = [p for p in pyproject["project"]["optional-dependencies"]["test"] if p.startswith("foundry-compute-modules")]
    assert len(pins) == 1 and pins[0] in (app.parent / "Dockerfile").read_text()
    assert importlib.metadata.version("foundry-compute-modules") == pins[0].split("==")[1]


def test_the_runtime_gives_every_variable_the_sdk_requires() -> None:
    with Runtime() as runtime:
        env = runtime.env()
        assert env.keys() >= REQUIRED_ENV
        # The token file's raw text is the header: no trailing newline (platform-facts.md).
        token = Path(env["MODULE_AUTH_TOKEN"]).read_bytes()
        assert token and not token.endswith(b"\n") and token.decode() == runtime.token
        assert env["GET_JOB_URI"].startswith(f"https://{env['RUNTIME_HOST']}:{env['RUNTIME_PORT']}/")


def _request(runtime: Runtime, method: str, path: str, token: str | None, body: bytes | None = None) -> int:
    context = ssl.create_default_context(cafile=runtime.env()["CONNECTIONS_TO_OTHER_PODS_CA_PATH"])
    url = f"https://localhost:{runtime.port}{path}"
    request = urllib.request.Request(url, data=body, method=method, headers={"Module-Auth-Token": token or ""})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def test_the_runtime_is_https_with_its_ca_and_refuses_a_wrong_token() -> None:
    with Runtime(poll_seconds=0.2) as runtime:
        job_path = "/" + runtime.env()["GET_JOB_URI"].split("/", 3)[3]
        # Verified against the runtime's own CA, for the host name the module is given.
        assert _request(runtime, "GET", job_path, runtime.token) == 204
        assert _request(runtime, "GET", job_path, "wrong") == 401
        assert _request(runtime, "GET", job_path, None) == 401
        assert runtime.unauthorized >= 2


def test_the_runtime_refuses_results_for_unknown_or_answered_jobs() -> None:
    with Runtime(poll_seconds=0.2) as runtime:
        result_path = "/" + runtime.env()["POST_RESULT_URI"].split("/", 3)[3]
        assert _request(runtime, "POST", f"{result_path}/nope", runtime.token, b"1") == 404
        job = runtime.submit("add", {"x": 1, "y": 2})
        assert runtime.next_job() is job
        assert _request(runtime, "POST", f"{result_path}/{job.job_id}", runtime.token, b"3") == 204
        assert _request(runtime, "POST", f"{result_path}/{job.job_id}", runtime.token, b"3") == 409
        assert job.results == [3] and len(runtime.problems) == 2


def test_the_sdk_posts_the_schemas_inferred_from_typed_inputs(module: tuple[Runtime, Any]) -> None:
    runtime, _ = module
    assert runtime.problems == []
    assert runtime.schemas is not None
    found = {
        s["functionName"]: ([(i["name"], i["dataType"]) for i in s["inputs"]], s["output"]["single"]["dataType"])
        for s in runtime.schemas
    }
    assert found == EXPECTED_SCHEMAS
    assert all(i["required"] for s in runtime.schemas for i in s["inputs"])
    # The module announces its (re)start after its schemas; it exits unless the answer is a JSON list.
    assert runtime.wait(lambda: runtime.restarts == 1, 30)
    assert runtime.call("hello", {"name": "again"}, 30) == "Hello again!"


def test_each_example_function_answers_its_job(module: tuple[Runtime, Any]) -> None:
    runtime, proc = module
    assert runtime.call("add", {"x": 2, "y": 3}, 30) == 5
    assert runtime.call("hello", {"name": "Ada"}, 30) == "Hello Ada!"
    # The SDK coerces input types (platform-facts.md).
    assert runtime.call("add", {"x": "2", "y": 40}, 30) == 42
    assert proc.poll() is None


def test_a_malformed_job_is_answered_with_an_error_and_the_module_goes_on(module: tuple[Runtime, Any]) -> None:
    runtime, proc = module
    failed = runtime.call("add", {"x": "two", "y": 3}, 30)
    assert isinstance(failed, dict) and "exception" in failed, failed
    assert runtime.call("nope", {}, 30) == {"error": "Unknown query type"}
    assert runtime.call("add", {"x": 1, "y": 1}, 30) == 2
    assert proc.poll() is None and runtime.problems == []


def test_fifty_jobs_in_a_row_are_each_answered_once(module: tuple[Runtime, Any]) -> None:
    runtime, _ = module
    jobs = [runtime.submit("add", {"x": i, "y": 1000}) for i in range(50)]
    assert all(job.answered.wait(60) for job in jobs)
    time.sleep(0.5)  # a duplicate would arrive after the first
    assert [job.results for job in jobs] == [[i + 1000] for i in range(50)]
    assert runtime.problems == []


def test_the_module_stops_at_once_on_sigterm_even_with_a_job_queued(app: Path) -> None:
    with Runtime() as runtime:
        proc = _start(app, runtime)
        try:
            assert runtime.wait_schemas(60)
            assert runtime.call("add", {"x": 1, "y": 2}, 30) == 3
            runtime.submit("add", {"x": 1, "y": 2})
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(10) == 0
            assert time.monotonic() - started < 5
        finally:
            _stop(proc)


def test_the_schema_check_refuses_what_the_sdk_never_sends() -> None:
    with Runtime(poll_seconds=0.2) as runtime:
        schema_path = "/" + runtime.env()["POST_SCHEMA_URI"].split("/", 3)[3]
        bad = json.dumps({"functionName": "add"}).encode()
        assert _request(runtime, "POST", schema_path, runtime.token, bad) == 400
        good = json.dumps([{"functionName": "f", "inputs": [], "output": {"type": "single"}}]).encode()
        assert _request(runtime, "POST", schema_path, runtime.token, good) == 204
        assert runtime.schemas == [{"functionName": "f", "inputs": [], "output": {"type": "single"}}]
