#!/usr/bin/env python3
"""Inference server of the Foundry container-backed model "sentiment-model" (written by byoi 0.3.0).

  GET  /health    200 {"status": "ok"} (it listens only once the model is loaded)
  POST /predict   {"rows": [{...}, ...]} -> {"rows": [{...}, ...]}
Input rows need the columns text (str);
output rows have text (str), label (str), score (float).
A value may be null. Errors answer 400 (bad request) or 500 (the model failed) with
{"error": "..."}. Your model is model.py; this file needs no change for it.

Why the standard library (http.server) and not a web framework: nothing to install, pin
or patch in the image; it starts at once; and the model adapter sends whole tables per
request, so per-request overhead does not matter. ThreadingHTTPServer keeps /health
answering during a long prediction, while predictions run one at a time, so model code
needs no thread safety. For many concurrent clients, serve the same endpoints with a
production server (e.g. uvicorn) instead.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from model import Model

INPUT_COLUMNS = {"text": "str"}
OUTPUT_COLUMNS = {"text": "str", "label": "str", "score": "float"}
# 0.0.0.0 so Foundry (and `docker run -p` locally) reach it from outside the container.
HOST = os.environ.get("HOST", "0.0.0.0")
PORT = int(os.environ.get("PORT", "8501"))
MAX_BODY_BYTES = int(os.environ.get("MAX_BODY_BYTES", str(256 * 1024 * 1024)))

_TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}


def check_rows(rows: Any, columns: dict[str, str], what: str) -> str | None:
    """Why ``rows`` does not fit ``columns``, or None when it does."""
    if not isinstance(rows, list):
        return f"{what} must be a list of rows"
    for number, row in enumerate(rows):
        if not isinstance(row, dict):
            return f"{what} row {number} is not an object"
        for name, kind in columns.items():
            if name not in row:
                return f"{what} row {number} has no column {name!r}"
            value = row[name]
            # bool is an int in Python, but not a number in the schema.
            wrong = not isinstance(value, _TYPES[kind]) or (kind != "bool" and isinstance(value, bool))
            if value is not None and wrong:
                return f"{what} row {number}: {name!r} must be {kind}, not {type(value).__name__}"
    return None


class Handler(BaseHTTPRequestHandler):
    """The two endpoints; anything else is 404."""

    server_version = "sentiment-model"
    model: Model
    predict_lock = threading.Lock()

    def _reply(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/health":
            self._reply(HTTPStatus.OK, {"status": "ok"})
        else:
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: GET {self.path}"})

    def do_POST(self) -> None:
        if self.path != "/predict":
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: POST {self.path}"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"the body is over {MAX_BODY_BYTES} bytes"})
            return
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError as err:
            self._reply(HTTPStatus.BAD_REQUEST, {"error": f"the body is not JSON: {err}"})
            return
        rows = body.get("rows") if isinstance(body, dict) else None
        problem = check_rows(rows, INPUT_COLUMNS, "input")
        if problem:
            self._reply(HTTPStatus.BAD_REQUEST, {"error": f"expected a JSON object with rows: {problem}"})
            return
        try:
            with self.predict_lock:
                predicted = self.model.predict(rows)
        except Exception as err:  # noqa: BLE001 -- whatever the model raises is answered as a 500
            traceback.print_exc()
            self._reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"the model failed: {err!r}"})
            return
        problem = check_rows(predicted, OUTPUT_COLUMNS, "output")
        if problem:
            self._reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"the model's answer does not fit: {problem}"})
            return
        self._reply(HTTPStatus.OK, {"rows": [{name: row[name] for name in OUTPUT_COLUMNS} for row in predicted]})

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def main() -> None:
    Handler.model = Model()
    server = ThreadingHTTPServer((HOST, PORT), Handler)

    # As PID 1 the process gets no default SIGTERM handling: stop serving instead (from
    # another thread, as shutdown() requires), so `docker stop` and Foundry stop it at once.
    def stop(_signum: int, _frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"model sentiment-model: listening on {HOST}:{PORT}", file=sys.stderr, flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
