"""What a fake image's container runs (tests/fake_podman.py starts it as the container's process).

Each behaviour plays the part of a real image's server as the platform sees it from outside
(HTTP on a port, files in a volume), with switches that break one thing at a time. It
listens on the host port the fake engine published for its container port
(``$FAKE_PORTS``, {container port: host port}); a port that was not published is not
reachable, as with a real engine. Volumes are in ``$FAKE_VOLUMES`` ({destination: source}).

    python3 fake_image.py code-editor [--port N] [--status N] [--login] [--read-only-home]
                                      [--extensions A,B] [--wipe-extensions] [--replace-listing]
                                      [--mark-removed user|baked] [--reset-settings] [--exit]
    python3 fake_image.py model [--port N] [--health-status N] [--predict-status N] [--predict-body TEXT]
    python3 fake_image.py sidecar-server [--port N]
    python3 fake_image.py sidecar-flags [--done-early] [--never-done] [--ignore-close] [--exit]
    python3 fake_image.py idle
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

HOME = "/home/sagemaker-user"
SHARED = "/opt/palantir/sidecars/shared-volumes/shared"


def volume(destination: str) -> Path:
    return Path(json.loads(os.environ.get("FAKE_VOLUMES", "{}"))[destination])


def ready() -> None:
    """Tell the fake engine the container's process is up (its ``run --detach`` returns then)."""
    Path(os.environ["FAKE_READY"]).write_text("")


def serve(port: int, handler: type[BaseHTTPRequestHandler]) -> None:
    """Answer on the host port published for container port ``port``; without one, run unreachable."""
    host_port = json.loads(os.environ.get("FAKE_PORTS", "{}")).get(str(port))
    print(f"listening on {port}", flush=True)
    if host_port is None:
        ready()
        while True:
            time.sleep(60)
    server = HTTPServer(("127.0.0.1", int(host_port)), handler)
    ready()
    server.serve_forever()


class Quiet(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def code_editor(opts: argparse.Namespace) -> None:
    if opts.exit:
        sys.exit("sagemaker-code-editor: command not found")
    home = volume(HOME)
    data = home / "sagemaker-code-editor-server-data"
    extensions = data / "extensions"
    if opts.wipe_extensions and extensions.exists():
        for child in extensions.iterdir():
            if child.is_dir() and not child.is_symlink():
                for item in sorted(child.rglob("*"), reverse=True):
                    item.unlink() if not item.is_dir() else item.rmdir()
                child.rmdir()
            else:
                child.unlink()
    if opts.extensions:
        # As the generated entrypoint does: link each baked extension into the home and list it.
        extensions.mkdir(parents=True, exist_ok=True)
        listing = extensions / "extensions.json"
        # Code-OSS builds extensions.json from a scan of the folder only when it is missing.
        scanned = [
            {
                "identifier": {"id": p.parent.name.rsplit("-", 1)[0]},
                "relativeLocation": p.parent.name,
            }
            for p in sorted(extensions.glob("*/package.json"))
        ]
        entries = json.loads(listing.read_text()) if listing.exists() else scanned
        for name in opts.extensions.split(","):
            (extensions / name).mkdir(exist_ok=True)
            if not any(e.get("relativeLocation") == name for e in entries):
                entries.append(
                    {
                        "identifier": {"id": name.rsplit("-", 1)[0]},
                        "relativeLocation": name,
                    }
                )
        if opts.replace_listing:
            entries = [e for e in entries if e["relativeLocation"] in opts.extensions.split(",")]
        listing.write_text(json.dumps(entries))
    if opts.mark_removed:
        # What Code-OSS does to extensions it takes for removed: marks them in .obsolete (and
        # deletes them at a later start).
        baked = set(opts.extensions.split(",")) if opts.extensions else set()
        names = [p.name for p in extensions.iterdir() if p.is_dir()] if extensions.exists() else []
        marked = [n for n in names if (n in baked) == (opts.mark_removed == "baked")]
        (extensions / ".obsolete").write_text(json.dumps({n: True for n in marked}))
    settings = data / "data" / "User" / "settings.json"
    if not settings.exists() or opts.reset_settings:
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text("{}")
    if opts.read_only_home:
        home.chmod(0o555)
    base = f"/{os.environ.get('SAGEMAKER_APP_TYPE', 'CodeEditor').lower()}/default"

    class Handler(Quiet):
        def do_GET(self) -> None:
            if opts.login and not self.path.startswith("/login"):
                self.reply(302, headers={"Location": "/login"})
            elif self.path.startswith("/login"):
                self.reply(200, b"<form>password</form>")
            elif self.path.startswith(base):
                self.reply(opts.status, b"<html>Code Editor</html>")
            else:
                self.reply(404)

    serve(opts.port, Handler)


def model(opts: argparse.Namespace) -> None:
    class Handler(Quiet):
        def do_GET(self) -> None:
            self.reply(
                opts.health_status if self.path == "/health" else 404,
                b'{"status": "ok"}',
            )

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.reply(
                opts.predict_status if self.path == "/predict" else 404,
                opts.predict_body.encode(),
            )

    serve(opts.port, Handler)


def sidecar_server(opts: argparse.Namespace) -> None:
    class Handler(Quiet):
        def do_GET(self) -> None:
            self.reply(200, b"ok")

    serve(opts.port, Handler)


def sidecar_flags(opts: argparse.Namespace) -> None:
    if opts.exit:
        sys.exit("/app/work.sh: not found")
    shared = volume(SHARED)
    if opts.done_early:
        (shared / "done_flag").write_text("0\n")
    ready()
    while not (shared / "start_flag").exists():
        time.sleep(0.1)
    if not opts.never_done:
        (shared / "done_flag").write_text("0\n")
    while opts.ignore_close or not (shared / "close_flag").exists():
        time.sleep(0.1)


def idle(opts: argparse.Namespace) -> None:
    ready()
    while True:
        time.sleep(60)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="behaviour", required=True)
    editor = sub.add_parser("code-editor")
    editor.add_argument("--port", type=int, default=8888)
    editor.add_argument("--status", type=int, default=200)
    editor.add_argument("--login", action="store_true")
    editor.add_argument("--read-only-home", action="store_true")
    editor.add_argument("--extensions", default="")
    editor.add_argument("--wipe-extensions", action="store_true")
    editor.add_argument("--replace-listing", action="store_true")
    editor.add_argument("--mark-removed", choices=("user", "baked"))
    editor.add_argument("--reset-settings", action="store_true")
    editor.add_argument("--exit", action="store_true")
    served = sub.add_parser("model")
    served.add_argument("--port", type=int, default=8080)
    served.add_argument("--health-status", type=int, default=200)
    served.add_argument("--predict-status", type=int, default=200)
    served.add_argument("--predict-body", default='{"rows": [{"label": "x"}]}')
    server = sub.add_parser("sidecar-server")
    server.add_argument("--port", type=int, default=8080)
    flags = sub.add_parser("sidecar-flags")
    for switch in ("--done-early", "--never-done", "--ignore-close", "--exit"):
        flags.add_argument(switch, action="store_true")
    sub.add_parser("idle")
    opts = parser.parse_args()
    {
        "code-editor": code_editor,
        "model": model,
        "sidecar-server": sidecar_server,
        "sidecar-flags": sidecar_flags,
        "idle": idle,
    }[opts.behaviour](opts)


if __name__ == "__main__":
    main()
