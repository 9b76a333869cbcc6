{% set a = answers() %}
{% set f = a.foundry %}
{% set s = a.sidecar %}
#!/usr/bin/env python3
"""HTTP server of the Foundry transforms sidecar "{{ a.name }}" (written by byoi {{ a.byoi_version }}).

The sidecar shares the executor's network, so the transform calls it on localhost:
  GET  /health  200 {"status": "ok"} once the server is up (the transform waits for it)
  POST /run     runs the command (SIDECAR_COMMAND, with /bin/sh -c) on the files in
                $INPUT_DIR and answers {"exit_status": N, "timed_out": false, "output": "..."};
                an optional JSON body {"args": ["a", "b"]} passes "$1", "$2", ... to it.
Runs happen one at a time (one executor drives one sidecar); a second POST /run waits.
The command's output also goes to the container log and to $SHARED_DIR/{{ f.log_file }}.

Why the standard library (http.server): nothing to install, pin or patch in the image,
and one run at a time needs no framework. ThreadingHTTPServer keeps /health answering
while a run is in progress.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMAND = os.environ.get("SIDECAR_COMMAND", {{ a.command_line | json }})
SHARED_DIR = os.environ.get("SHARED_DIR", "{{ f.shared_dir }}")
INPUT_DIR = os.path.join(SHARED_DIR, "{{ s.input_subdir }}")
OUTPUT_DIR = os.path.join(SHARED_DIR, "{{ s.output_subdir }}")
LOG_FILE = os.path.join(SHARED_DIR, "{{ f.log_file }}")
# Seconds a run may take (0: no limit); then SIGTERM, and SIGKILL after KILL_GRACE seconds.
TIMEOUT = int(os.environ.get("SIDECAR_TIMEOUT", "{{ a.timeout }}"))
KILL_GRACE = int(os.environ.get("SIDECAR_KILL_GRACE", "{{ s.kill_grace }}"))
# 0.0.0.0 so `docker run -p` reaches it when testing locally; in Foundry only the pod can.
HOST = os.environ.get("HOST", "0.0.0.0")
PORT = int(os.environ.get("PORT", "{{ a.listen_port }}"))
MAX_BODY_BYTES = 1024 * 1024
# The reply carries the end of the output; all of it is in the container log.
MAX_REPLY_OUTPUT = 64 * 1024

_run_lock = threading.Lock()
_current: subprocess.Popen[bytes] | None = None


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def run_command(args: list[str]) -> dict[str, object]:
    """Run the command once, as the flags-mode entrypoint would; return what the reply says."""
    global _current
    os.makedirs(OUTPUT_DIR, exist_ok=True)
    env = dict(os.environ, INPUT_DIR=INPUT_DIR, OUTPUT_DIR=OUTPUT_DIR, SHARED_DIR=SHARED_DIR)
    with _run_lock:
        # Its own process group: a timeout stops everything the command started.
        process = subprocess.Popen(
            ["/bin/sh", "-c", COMMAND, "sh", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _current = process
        timed_out = False
        try:
            output, _ = process.communicate(timeout=TIMEOUT or None)
        except subprocess.TimeoutExpired:
            timed_out = True
            _signal_group(process, signal.SIGTERM)
            try:
                output, _ = process.communicate(timeout=KILL_GRACE)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                output, _ = process.communicate()
        finally:
            _current = None
    sys.stderr.buffer.write(output)
    sys.stderr.flush()
    try:
        with open(LOG_FILE, "ab") as log:
            log.write(output)
    except OSError as err:
        print(f"sidecar: cannot append to {LOG_FILE}: {err}", file=sys.stderr)
    text = output[-MAX_REPLY_OUTPUT:].decode("utf-8", errors="replace")
    # 124 on timeout, as timeout(1) and the flags-mode entrypoint report it.
    status = 124 if timed_out else process.returncode
    return {"exit_status": status, "timed_out": timed_out, "output": text}


class Handler(BaseHTTPRequestHandler):
    """GET /health and POST /run; anything else is 404."""

    server_version = "{{ a.name }}-sidecar"

    def _reply(self, status: HTTPStatus, body: dict[str, object]) -> None:
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
        if self.path != "/run":
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: POST {self.path}"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"the body is over {MAX_BODY_BYTES} bytes"})
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            args = body.get("args", []) if isinstance(body, dict) else None
            if not isinstance(args, list) or not all(isinstance(arg, str) for arg in args):
                raise ValueError("'args' must be a list of strings")
        except ValueError as err:
            self._reply(HTTPStatus.BAD_REQUEST, {"error": f"expected a JSON object with optional args: {err}"})
            return
        result = run_command(args)
        status = HTTPStatus.GATEWAY_TIMEOUT if result["timed_out"] else HTTPStatus.OK
        self._reply(status, result)

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"sidecar: {self.address_string()} {format % args}\n")


def main() -> None:
    server = ThreadingHTTPServer((HOST, PORT), Handler)

    # As PID 1 the process gets no default SIGTERM handling: stop the server (from
    # another thread, as shutdown() requires) and any run in progress.
    def stop(signum: int, _frame: object) -> None:
        process = _current
        if process is not None:
            _signal_group(process, signum)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"sidecar: listening on {HOST}:{PORT}; POST /run runs: {COMMAND}", file=sys.stderr, flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
