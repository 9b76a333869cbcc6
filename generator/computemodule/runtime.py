"""A local stand-in for Foundry's compute module runtime, written from the SDK's source.

Foundry starts a compute module's container with environment variables that say where its
runtime is and how to authenticate; the module (through Palantir's SDK,
``foundry-compute-modules``) then talks HTTPS to that runtime. This module is that runtime,
on loopback, with the Python standard library only (``ssl``, ``http.server``, threads):

- a throwaway CA and a server certificate for ``localhost``/``127.0.0.1``, made with the
  ``openssl`` command (Python's ``ssl`` cannot make certificates), valid for one day;
- the auth token file: its raw text is the ``Module-Auth-Token`` header the SDK sends
  (``internal_query_client.py``, "iqc", 0.34.0, lines 88-90: read, not stripped), so it is
  written without a trailing newline; a request with another token is answered 401;
- ``POST`` schemas: a JSON list of ``{functionName, inputs, output}``, checked, kept;
- ``POST`` restart notification: answered 200 with a JSON list of the job ids dropped
  from the queue (iqc:289-317: anything else, five times, and the module exits);
- ``GET`` job, long-polling: 200 with ``{"computeModuleJobV1": {jobId, queryType, query}}``
  or 204 when no job came within the poll time (iqc:144-158);
- ``POST`` result to ``<result path>/<jobId>``: a JSON body (chunked when streamed),
  answered 204 (iqc:194-210). A result for a job never handed out, or a second result for
  one job, is refused (409) and recorded as a problem.

What is checked is recorded in :attr:`Runtime.problems`, so a caller (``byoi verify``, the
tests) sees a protocol drift between the SDK and this runtime as a failure. Palantir's page
for custom clients (compute-modules/advanced-custom-client) names the job and result
paths used below; the schema and restart paths are ours (the SDK takes every path from
its environment).
"""

from __future__ import annotations

import contextlib
import http.server
import json
import queue
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Paths of the runtime's endpoints. Job and results: Palantir's custom-client page; the rest: ours.
JOB_PATH = "/interactive-module/api/internal-query/job"
RESULTS_PATH = "/interactive-module/api/internal-query/results"
SCHEMAS_PATH = "/interactive-module/api/internal-query/schemas"
RESTART_PATH = "/interactive-module/api/internal-query/restart-notification"
#: The header every request of the module carries (iqc:95-102).
TOKEN_HEADER = "Module-Auth-Token"
#: The host name the module is told (Palantir's older page: "always localhost"); the certificate names it.
HOST_NAME = "localhost"
#: File names in the runtime's folder, which a container gets mounted read-only.
CA_FILE = "ca.pem"
TOKEN_FILE = "module-auth-token"
#: How long a GET job waits for a job before answering 204 (Foundry's own wait is not documented).
POLL_SECONDS = 2.0


class RuntimeStartError(Exception):
    """The runtime cannot start (no ``openssl``, a certificate it cannot make): one line."""


@dataclass
class Job:
    """One job handed to the module, and what came back for it."""

    job_id: str
    query_type: str
    query: Any
    handed_out: bool = False
    results: list[Any] = field(default_factory=list)
    answered: threading.Event = field(default_factory=threading.Event)


def _openssl(args: list[str], cwd: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeStartError(
            "the local compute module runtime makes its throwaway certificates with openssl: install it"
        )
    proc = subprocess.run([openssl, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeStartError(f"openssl {args[0]} failed: {last}")


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA (``ca.pem``) and a server certificate and key it signed, for localhost and 127.0.0.1."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl(
        [
            "req", "-x509", *ec, "-keyout", "ca.key", "-out", CA_FILE, "-days", "1",
            "-subj", "/CN=byoi throwaway compute module runtime CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ],
        folder,
    )  # fmt: skip
    _openssl(["req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={HOST_NAME}"], folder)
    # Python 3.13's default context is strict (RFC 5280): it wants the key identifiers and a SAN.
    (folder / "server.ext").write_text(
        f"subjectAltName=DNS:{HOST_NAME},IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
        encoding="utf-8",
    )
    _openssl(
        [
            "x509", "-req", "-in", "server.csr", "-CA", CA_FILE, "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "1", "-extfile", "server.ext",
        ],
        folder,
    )  # fmt: skip
    return folder / CA_FILE, folder / "server.pem", folder / "server.key"


class _Server(http.server.ThreadingHTTPServer):
    """HTTPS, the TLS handshake done in each connection's thread (a slow client blocks no other)."""

    daemon_threads = True

    def __init__(self, runtime: Runtime, context: ssl.SSLContext) -> None:
        self.runtime = runtime
        self.context = context
        self.connections: set[socket.socket] = set()
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            conn = self.context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        with self.lock:
            self.connections.add(conn)
        try:
            _Handler(conn, client_address, self)
        except OSError:
            pass
        finally:
            with self.lock:
                self.connections.discard(conn)
            conn.close()

    def close_connections(self) -> None:
        with self.lock:
            for conn in list(self.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's requests.Session expects
    timeout = 60
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the runtime records what matters."""

    def _send(self, status: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _authorized(self) -> bool:
        if secrets.compare_digest(self.headers.get(TOKEN_HEADER, ""), self.server.runtime.token):
            return True
        self.server.runtime.unauthorized += 1
        self._send(401, {"error": f"missing or wrong {TOKEN_HEADER}"})
        return False

    def do_GET(self) -> None:
        if not self._authorized():
            return
        if self.path != JOB_PATH:
            self._send(404, {"error": f"no such endpoint: GET {self.path}"})
            return
        job = self.server.runtime.next_job()
        if job is None:
            self._send(204)
            return
        self._send(200, {"computeModuleJobV1": {"jobId": job.job_id, "queryType": job.query_type, "query": job.query}})

    def do_POST(self) -> None:
        body = self._body()
        if not self._authorized():
            return
        runtime = self.server.runtime
        if self.path == SCHEMAS_PATH:
            status, answer = runtime.receive_schemas(body)
        elif self.path == RESTART_PATH:
            status, answer = 200, runtime.restart()
        elif self.path.startswith(RESULTS_PATH + "/"):
            status, answer = runtime.receive_result(self.path[len(RESULTS_PATH) + 1 :], body)
        else:
            status, answer = 404, {"error": f"no such endpoint: POST {self.path}"}
        self._send(status, answer)


def check_schemas(data: Any) -> str | None:
    """What is wrong with a posted schema list (None when nothing): the SDK's ``ComputeModuleFunctionSchema``."""
    if not isinstance(data, list):
        return f"the schemas are not a JSON list but {type(data).__name__}"
    for i, schema in enumerate(data):
        if not isinstance(schema, dict) or not isinstance(schema.get("functionName"), str):
            return f"schema {i} has no functionName"
        name = schema["functionName"]
        inputs = schema.get("inputs")
        if not isinstance(inputs, list):
            return f"schema of {name} has no inputs list"
        for item in inputs:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                return f"an input of {name} has no name"
            kind = item.get("dataType")
            if not isinstance(kind, dict) or not isinstance(kind.get("type"), str):
                return f"input {item['name']} of {name} has no dataType.type"
        if not isinstance(schema.get("output"), dict):
            return f"schema of {name} has no output"
    return None


class Runtime:
    """Foundry's compute module runtime on loopback; use as a context manager."""

    def __init__(self, folder: Path | None = None, poll_seconds: float = POLL_SECONDS) -> None:
        self._own_folder = folder is None
        self.folder = folder or Path(tempfile.mkdtemp(prefix="byoi-runtime-"))
        self.poll_seconds = poll_seconds
        self.token = secrets.token_urlsafe(32)
        self.schemas: list[Any] | None = None
        self.schema_posts = 0
        self.restarts = 0
        self.unauthorized = 0
        #: Protocol problems seen (a bad schema list, an unknown or repeated result, ...).
        self.problems: list[str] = []
        self.jobs: dict[str, Job] = {}
        self._queue: queue.Queue[Job] = queue.Queue()
        self._lock = threading.Lock()
        self._schemas_posted = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> Runtime:
        """Make the certificates and token file, and serve on a free loopback port."""
        self.folder.mkdir(parents=True, exist_ok=True)
        # The container's user (not ours) reads the folder: traversable and readable by all.
        # The token is a throwaway made for this run, valid for this runtime only.
        self.folder.chmod(0o755)
        _, cert, key = make_certificates(self.folder)
        (self.folder / CA_FILE).chmod(0o644)
        token_file = self.folder / TOKEN_FILE
        token_file.write_text(self.token, encoding="utf-8")  # no newline: the raw text is the header
        token_file.chmod(0o644)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self._server = _Server(self, context)
        self._thread = threading.Thread(target=self._server.serve_forever, name="byoi-runtime", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections, remove the folder if the runtime made it."""
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._server = None
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Runtime:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The loopback port the runtime listens on."""
        assert self._server is not None, "the runtime is not started"
        return int(self._server.server_address[1])

    def env(self, folder: str | None = None) -> dict[str, str]:
        """The environment Foundry gives a module (iqc:60-68, 89), files under ``folder`` (default: ours)."""
        base = f"https://{HOST_NAME}:{self.port}"
        where = folder or str(self.folder)
        return {
            "RUNTIME_HOST": HOST_NAME,
            "RUNTIME_PORT": str(self.port),
            "GET_JOB_URI": base + JOB_PATH,
            "POST_RESULT_URI": base + RESULTS_PATH,
            "POST_SCHEMA_URI": base + SCHEMAS_PATH,
            "RESTART_NOTIFICATION_URI": base + RESTART_PATH,
            "CONNECTIONS_TO_OTHER_PODS_CA_PATH": f"{where}/{CA_FILE}",
            "DEFAULT_CA_PATH": f"{where}/{CA_FILE}",
            "MODULE_AUTH_TOKEN": f"{where}/{TOKEN_FILE}",
            "MAX_CONCURRENT_TASKS": "1",
            "COMPUTE_SESSION_ID": "byoi-local",
        }

    # ----------------------------------------------------------------- what the module calls

    def next_job(self) -> Job | None:
        """The next queued job, waiting up to the poll time (the long poll)."""
        try:
            job = self._queue.get(timeout=self.poll_seconds)
        except queue.Empty:
            return None
        job.handed_out = True
        return job

    def receive_schemas(self, body: bytes) -> tuple[int, Any]:
        """Check and keep a posted schema list."""
        try:
            data = json.loads(body)
        except ValueError:
            data = body
        problem = check_schemas(data) if not isinstance(data, bytes) else "the schemas are not JSON"
        with self._lock:
            self.schema_posts += 1
            if problem:
                self.problems.append(problem)
                return 400, {"error": problem}
            self.schemas = data
        self._schemas_posted.set()
        return 204, None

    def restart(self) -> list[str]:
        """A restarted module: jobs handed out and unanswered are dropped, and their ids listed."""
        with self._lock:
            self.restarts += 1
            dropped = [j.job_id for j in self.jobs.values() if j.handed_out and not j.results]
        return dropped

    def receive_result(self, job_id: str, body: bytes) -> tuple[int, Any]:
        """Check and keep one job's result."""
        try:
            value = json.loads(body)
        except ValueError:
            value, bad_json = None, True
        else:
            bad_json = False
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None or not job.handed_out:
                status, problem = 404, f"a result for job {job_id!r}, which was never handed out"
            elif job.results:
                status, problem = 409, f"a second result for job {job_id}"
            elif bad_json:
                status, problem = 400, f"the result of job {job_id} is not JSON: {body[:200]!r}"
            else:
                job.results.append(value)
                status, problem = 204, ""
            if problem:
                self.problems.append(problem)
                return status, {"error": problem}
        assert job is not None
        job.answered.set()
        return 204, None

    # ----------------------------------------------------------------- what the caller does

    def submit(self, query_type: str, query: Any) -> Job:
        """Queue a job for the module; returns it (wait on ``job.answered``)."""
        job = Job(uuid.uuid4().hex, query_type, query)
        with self._lock:
            self.jobs[job.job_id] = job
        self._queue.put(job)
        return job

    def call(self, query_type: str, query: Any, timeout: float) -> Any:
        """Submit a job and wait for its result; TimeoutError when none came in time."""
        job = self.submit(query_type, query)
        if not job.answered.wait(timeout):
            raise TimeoutError(f"no result for {query_type} within {timeout:.0f}s")
        return job.results[0]

    def wait_schemas(self, timeout: float) -> bool:
        """True once a valid schema list was posted."""
        return self._schemas_posted.wait(timeout)

    def wait(self, condition: Any, timeout: float) -> bool:
        """Poll ``condition()`` until true or ``timeout``."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True
