"""The generated model server, started for real on a loopback port and called over HTTP.

Then the generated model adapter (``adapter/model_adapter.py``) calls that server, with
``palantir_models`` and ``pandas`` replaced by small stand-ins: a ``ContainerModelAdapter``
base class, ``Pandas`` schema objects and a DataFrame with the two methods the adapter uses.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import types
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import engine
import pytest
from support import default_signals, run_byoi

SCHEMA = [
    "--input-column",
    "name:str",
    "--input-column",
    "age:int",
    "--input-column",
    "score:float",
    "--output-column",
    "name:str",
    "--output-column",
    "approved:bool",
]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "project"
    run_byoi("new", "foundry-model", "-o", str(out), "--no-input", "--name", "loans", *SCHEMA, check=True)
    return out


Server = tuple[str, subprocess.Popen[bytes]]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[[Path], Server]]:
    procs: list[subprocess.Popen[bytes]] = []

    def start(folder: Path) -> Server:
        port = engine.free_port()
        env = {"PATH": os.environ["PATH"], "HOST": "127.0.0.1", "PORT": str(port)}
        proc = subprocess.Popen(
            [sys.executable, str(folder / "server.py")],
            cwd=tmp_path,
            env=env,
            stderr=subprocess.PIPE,
            preexec_fn=default_signals,  # as the engine starts a container's PID 1
        )
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        try:
            engine.wait_http(url + "/health", timeout=20)
        except TimeoutError:
            proc.kill()
            raise AssertionError(proc.communicate()[1].decode()) from None
        return url, proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()


def call(url: str, body: bytes | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method="GET" if body is None else "POST")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def predict(url: str, rows: Any) -> tuple[int, Any]:
    return call(url + "/predict", json.dumps({"rows": rows}).encode())


def test_health_and_predict(project: Path, start_server: Callable[[Path], Server]) -> None:
    url, _ = start_server(project)
    assert call(url + "/health") == (200, {"status": "ok"})
    rows = [{"name": "ada", "age": 36, "score": 0.9}, {"name": None, "age": 1, "score": 2}]
    status, reply = predict(url, rows)
    assert status == 200, reply
    # The example model passes matching columns through and fills in placeholders.
    assert reply == {"rows": [{"name": "ada", "approved": False}, {"name": None, "approved": False}]}


@pytest.mark.parametrize(
    "body,words",
    [
        (b"not json", ["not JSON"]),
        (b'{"rows": {"name": "x"}}', ["list of rows"]),
        (b'{"rows": [{"name": "x", "age": 3}]}', ["row 0", "'score'"]),
        (b'{"rows": [{"name": "x", "age": "3", "score": 1.0}]}', ["'age' must be int", "str"]),
        (b'{"rows": [{"name": "x", "age": true, "score": 1.0}]}', ["'age' must be int", "bool"]),
        (b'{"table": []}', ["list of rows"]),
    ],
    ids=["not json", "rows not a list", "missing column", "wrong type", "bool for int", "no rows"],
)
def test_bad_requests_answer_400_with_the_reason(
    project: Path, start_server: Callable[[Path], Server], body: bytes, words: list[str]
) -> None:
    url, _ = start_server(project)
    status, reply = call(url + "/predict", body)
    assert status == 400
    assert all(word in reply["error"] for word in words), reply


def test_unknown_paths_answer_404(project: Path, start_server: Callable[[Path], Server]) -> None:
    url, _ = start_server(project)
    assert call(url + "/")[0] == 404
    assert call(url + "/health", b"{}")[0] == 404


@pytest.mark.parametrize(
    "body,words",
    [
        ("raise ValueError('weights missing')", ["the model failed", "weights missing"]),
        ("return [{'name': 'x'} for _ in rows]", ["does not fit", "'approved'"]),
    ],
    ids=["model raises", "model answers the wrong shape"],
)
def test_model_errors_answer_500_and_the_server_keeps_serving(
    project: Path, start_server: Callable[[Path], Server], tmp_path: Path, body: str, words: list[str]
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(project, broken)
    (broken / "model.py").write_text(f"class Model:\n    def predict(self, rows):\n        {body}\n")
    url, _ = start_server(broken)
    status, reply = predict(url, [{"name": "x", "age": 1, "score": 1.0}])
    assert status == 500
    assert all(word in reply["error"] for word in words), reply
    assert call(url + "/health") == (200, {"status": "ok"})


def test_term_stops_the_server_at_once(project: Path, start_server: Callable[[Path], Server]) -> None:
    _, proc = start_server(project)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


# ---------------------------------------------------------------- the adapter against the server


class FakeFrame:
    """What the adapter uses of a pandas DataFrame: column selection, to_dict, the constructor."""

    def __init__(self, rows: list[dict[str, Any]], columns: list[str] | None = None) -> None:
        self.columns = columns or (list(rows[0]) if rows else [])
        self.rows = [{c: row.get(c) for c in self.columns} for row in rows]

    def __getitem__(self, columns: list[str]) -> FakeFrame:
        return FakeFrame(self.rows, columns)

    def to_dict(self, orient: str) -> list[dict[str, Any]]:
        assert orient == "records"
        return [dict(row) for row in self.rows]


@pytest.fixture
def adapter_module(project: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    models = types.ModuleType("palantir_models")
    models.ContainerModelAdapter = type("ContainerModelAdapter", (), {})  # type: ignore[attr-defined]
    models.Pandas = lambda columns: ("pandas", columns)  # type: ignore[attr-defined]
    pandas = types.ModuleType("pandas")
    pandas.DataFrame = FakeFrame  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "palantir_models", models)
    monkeypatch.setitem(sys.modules, "pandas", pandas)
    spec = importlib.util.spec_from_file_location("generated_model_adapter", project / "adapter" / "model_adapter.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_adapter_declares_the_schema(adapter_module: Any) -> None:
    inputs, outputs = adapter_module.ModelAdapter.api()
    assert inputs == {"input_df": ("pandas", [("name", str), ("age", int), ("score", float)])}
    assert outputs == {"output_df": ("pandas", [("name", str), ("approved", bool)])}
    assert issubclass(adapter_module.ModelAdapter, sys.modules["palantir_models"].ContainerModelAdapter)


def test_adapter_finds_the_container_and_predicts_through_it(
    project: Path, adapter_module: Any, start_server: Callable[[Path], Server]
) -> None:
    url, _ = start_server(project)
    context = types.SimpleNamespace(
        services={"loans": [url.removeprefix("http://")]}, shared_empty_dir_mount_path="/shared"
    )
    adapter = adapter_module.ModelAdapter.init_container(context)
    assert adapter.base_url == url and adapter.shared_volume_path == "/shared"
    table = FakeFrame([{"name": "bo", "age": 40, "score": 0.5, "extra": "dropped before sending"}])
    result = adapter.predict(table)
    assert result.columns == ["name", "approved"]
    assert result.rows == [{"name": "bo", "approved": False}]


def test_adapter_reports_the_servers_error(
    project: Path, adapter_module: Any, start_server: Callable[[Path], Server]
) -> None:
    url, _ = start_server(project)
    adapter = adapter_module.ModelAdapter(url)
    with pytest.raises(RuntimeError, match="answered 400"):
        adapter.predict(FakeFrame([{"name": "bo", "age": "forty", "score": 0.5}]))
