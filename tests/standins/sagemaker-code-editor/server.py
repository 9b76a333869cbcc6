#!/usr/bin/env python3
"""Stand-in for the ``sagemaker-code-editor`` server (conda-forge package, a Code-OSS server).

STANDS IN FOR: the ``sagemaker-code-editor`` command that the conda-forge package of the
same name installs into ``$CONDA_PREFIX/bin`` (a bash wrapper around
``node .../out/server-main.js``). The real package cannot be installed here (conda-forge is
out of reach), so the stand-in images install this script under that name instead.

REPRODUCES (the parts of the real command line that images and Studio rely on):
- ``--host`` / ``--port`` (defaults ``localhost`` / ``8000``), ``--base-path`` (alias
  ``--server-base-path``): HTTP is served only under the base path, anything else is 404.
- ``--without-connection-token``; without it every request needs ``?tkn=<token>`` (then a
  ``vscode-tkn`` cookie) or gets 403. The token is ``--connection-token``, the content of
  ``--connection-token-file``, or a random one printed in the "Web UI available" line.
- ``--server-data-dir``, ``--user-data-dir`` and ``--extensions-dir``: created at start-up
  like the real server does; when that is not permitted the server exits 1, as the real one
  crashes. The effective extensions dir is ``--extensions-dir``, else
  ``<server-data-dir>/extensions``.
- ``--install-extension X`` (repeatable, with ``--force``): X is a ``.vsix`` file (a zip whose
  ``extension/`` folder is extracted to ``<extensions-dir>/<publisher>.<name>-<version>``,
  lower-cased like Code-OSS) or an Open VSX id ``publisher.name[@version]``; the CLI then
  exits without serving. Also ``--uninstall-extension ID``, ``--list-extensions
  [--show-versions]`` and ``--version``.
- Which extensions load, as Code-OSS decides it (microsoft/vscode, extensionsWatcher.ts and
  the extensions scanner; checked against code-server 4.100.3 by
  tests/test_extension_linking.py): the ones ``extensions.json`` in the extensions folder
  lists. That file is built from a scan of the folder (less the names marked true in
  ``.obsolete``) only when it is missing, by ``--list-extensions`` or at start-up. At
  start-up the server first deletes the folders marked in ``.obsolete`` ("Deleted marked for
  removal extension from disk ID PATH"), then marks every folder the file does not list
  ("Marked extension as removed KEY"). ``--uninstall-extension`` only drops the entry.
- Options it does not know are reported as a warning and ignored (Code-OSS does the same,
  e.g. with the misspelt ``--extension-dir`` in the real ``start-code-editor``).
- SIGTERM (and SIGINT) end the server with exit code 0.

DEVIATIONS (on purpose): no editor UI (``GET <base-path>/`` answers a small HTML page);
Open VSX ids are "installed" offline as a folder holding only ``package.json`` (version
``0.0.0-standin`` when none is given); ``GET <base-path>/standin/state`` reports what the
server sees (uid, gid, argv, cwd, extensions) so tests can check how an image started it.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sys
import urllib.parse
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

STANDIN_VERSION = "0.0.0-standin"
COMMIT = "0000000000000000000000000000000000000000"
#: Where the real server keeps its data when no --server-data-dir is given (a guess).
DEFAULT_SERVER_DATA_FOLDER = ".sagemaker-code-editor-server"
#: Environment variables reported by the state endpoint.
REPORTED_ENV = (
    "PATH",
    "HOME",
    "USER",
    "CONDA_PREFIX",
    "CONDA_DEFAULT_ENV",
    "MAMBA_USER",
    "MAMBA_ROOT_PREFIX",
    "SAGEMAKER_APP_TYPE",
    "SAGEMAKER_APP_TYPE_LOWERCASE",
)
_OPEN_VSX_ID = re.compile(
    r"(?P<publisher>[a-z0-9][a-z0-9-]*)\.(?P<name>[a-z0-9][a-z0-9-]*)(?:@(?P<version>[\w.+-]+))?",
    re.IGNORECASE,
)
_VALUE_OPTIONS = {
    "--host",
    "--port",
    "--base-path",
    "--server-base-path",
    "--server-data-dir",
    "--user-data-dir",
    "--extensions-dir",
    "--connection-token",
    "--connection-token-file",
    "--install-extension",
    "--uninstall-extension",
    "--socket-path",
    "--log",
    "--locale",
    "--default-folder",
    "--default-workspace",
}
_FLAG_OPTIONS = {
    "--without-connection-token",
    "--force",
    "--list-extensions",
    "--show-versions",
    "--version",
    "--help",
    "--accept-server-license-terms",
    "--disable-telemetry",
    "--disable-workspace-trust",
    "--verbose",
}


class CliError(Exception):
    """A command-line or installation error: message for stderr, exit code 1."""


@dataclass
class Options:
    """The parsed command line."""

    host: str = "localhost"
    port: int = 8000
    base_path: str = ""
    server_data_dir: str | None = None
    user_data_dir: str | None = None
    extensions_dir: str | None = None
    connection_token: str | None = None
    connection_token_file: str | None = None
    without_connection_token: bool = False
    install: list[str] = field(default_factory=list)
    uninstall: list[str] = field(default_factory=list)
    force: bool = False
    list_extensions: bool = False
    show_versions: bool = False
    version: bool = False
    help: bool = False

    def effective_server_data_dir(self) -> Path:
        """``--server-data-dir``, else the default folder in the home directory."""
        if self.server_data_dir:
            return Path(self.server_data_dir)
        return Path.home() / DEFAULT_SERVER_DATA_FOLDER

    def effective_extensions_dir(self) -> Path:
        """``--extensions-dir``, else ``<server-data-dir>/extensions``."""
        if self.extensions_dir:
            return Path(self.extensions_dir)
        return self.effective_server_data_dir() / "extensions"


def parse_args(argv: list[str]) -> Options:
    """Parse Code-OSS style options (``--opt value`` and ``--opt=value``)."""
    opts = Options()
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        name, eq, inline = arg.partition("=")
        if name in _VALUE_OPTIONS:
            if eq:
                value = inline
            elif i < len(argv):
                value = argv[i]
                i += 1
            else:
                raise CliError(f"Option '{name}' requires a value.")
            _set_value(opts, name, value)
        elif name in _FLAG_OPTIONS and not eq:
            attr = name[2:].replace("-", "_")
            if hasattr(opts, attr):
                setattr(opts, attr, True)
        else:
            # Code-OSS warns about unknown options and goes on.
            print(
                f"Warning: '{arg.lstrip('-')}' is not in the list of known options, "
                "but still passed to Electron/Chromium.",
                file=sys.stderr,
            )
    return opts


def _set_value(opts: Options, name: str, value: str) -> None:
    if name == "--port":
        try:
            opts.port = int(value)
        except ValueError:
            raise CliError(f"Invalid port: {value!r}") from None
    elif name in ("--base-path", "--server-base-path"):
        opts.base_path = value
    elif name == "--install-extension":
        opts.install.append(value)
    elif name == "--uninstall-extension":
        opts.uninstall.append(value)
    elif name in ("--socket-path", "--log", "--locale", "--default-folder", "--default-workspace"):
        pass
    else:
        setattr(opts, name[2:].replace("-", "_"), value)


def normalize_base_path(base_path: str) -> str:
    """``/codeeditor/default/`` -> ``/codeeditor/default``; empty stays empty (root)."""
    stripped = base_path.strip().strip("/")
    return f"/{stripped}" if stripped else ""


def own_version() -> str:
    """The version recorded by the stand-in micromamba, else the stand-in version."""
    meta = Path(sys.argv[0]).resolve().parent.parent / "conda-meta" / "sagemaker-code-editor.json"
    try:
        version = json.loads(meta.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        return STANDIN_VERSION
    return str(version) if version else STANDIN_VERSION


# ---------------------------------------------------------------- extensions


def _read_registry(ext_dir: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads((ext_dir / "extensions.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []


def _write_registry(ext_dir: Path, ext_id: str, version: str, folder: str) -> None:
    entries = [e for e in _read_registry(ext_dir) if e.get("identifier", {}).get("id") != ext_id]
    entries.append(
        {
            "identifier": {"id": ext_id},
            "version": version,
            "location": {"$mid": 1, "path": str(ext_dir / folder), "scheme": "file"},
            "relativeLocation": folder,
        }
    )
    (ext_dir / "extensions.json").write_text(json.dumps(entries), encoding="utf-8")


def _already_installed(ext_dir: Path, folder: str, ext_id: str, version: str, force: bool) -> bool:
    if (ext_dir / folder).exists() and not force:
        print(
            f"Extension '{ext_id}' v{version} is already installed. "
            "Use '--force' option to update to latest version or provide "
            "'@<version>' to install a specific version, for example: "
            f"'{ext_id}@1.2.3'."
        )
        return True
    return False


def install_vsix(path: Path, ext_dir: Path, force: bool) -> None:
    """Extract ``extension/`` of a .vsix into ``<ext_dir>/<publisher>.<name>-<version>``."""
    if not path.is_file():
        raise CliError(f"Extension '{path}' not found.")
    try:
        with zipfile.ZipFile(path) as vsix:
            manifest = json.loads(vsix.read("extension/package.json"))
            publisher, name, version = (
                str(manifest["publisher"]),
                str(manifest["name"]),
                str(manifest["version"]),
            )
            ext_id = f"{publisher}.{name}".lower()
            folder = f"{ext_id}-{version}"
            if _already_installed(ext_dir, folder, ext_id, version, force):
                return
            target = ext_dir / folder
            ext_dir.mkdir(parents=True, exist_ok=True)
            for member in vsix.infolist():
                if not member.filename.startswith("extension/") or member.is_dir():
                    continue
                relative = Path(member.filename[len("extension/") :])
                if relative.is_absolute() or ".." in relative.parts:
                    raise CliError(f"Corrupt vsix: unsafe path {member.filename!r}")
                dest = target / relative
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(vsix.read(member))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as err:
        raise CliError(f"Failed Installing Extensions: file://{path} ({err})") from None
    _write_registry(ext_dir, ext_id, version, folder)
    print(f"Extension '{path.name}' was successfully installed.")


def install_open_vsx(spec: str, ext_dir: Path, force: bool) -> None:
    """Offline stand-in for an Open VSX download: a folder with only ``package.json``."""
    match = _OPEN_VSX_ID.fullmatch(spec)
    if not match:
        raise CliError(f"Extension '{spec}' not found.")
    publisher, name = match["publisher"].lower(), match["name"].lower()
    version = match["version"] or STANDIN_VERSION
    ext_id = f"{publisher}.{name}"
    folder = f"{ext_id}-{version}"
    if _already_installed(ext_dir, folder, ext_id, version, force):
        return
    target = ext_dir / folder
    target.mkdir(parents=True, exist_ok=True)
    manifest = {
        "publisher": publisher,
        "name": name,
        "version": version,
        # What a real Code-OSS server needs to accept the folder as an extension.
        "engines": {"vscode": "^1.60.0"},
        "description": "Offline stand-in for an Open VSX extension (byoi tests).",
    }
    (target / "package.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    _write_registry(ext_dir, ext_id, version, folder)
    print(f"Extension '{ext_id}' v{version} was successfully installed.")


def install_extensions(opts: Options) -> None:
    """``--install-extension`` for each argument; raises CliError on the first failure."""
    ext_dir = opts.effective_extensions_dir()
    print("Installing extensions...")
    for spec in opts.install:
        try:
            if spec.lower().endswith(".vsix"):
                install_vsix(Path(spec).absolute(), ext_dir, opts.force)
            else:
                install_open_vsx(spec, ext_dir, opts.force)
        except OSError as err:
            raise CliError(f"Failed Installing Extensions: {spec} ({err})") from None


def _read_obsolete(ext_dir: Path) -> dict[str, bool]:
    try:
        data = json.loads((ext_dir / ".obsolete").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): v is True for k, v in data.items()} if isinstance(data, dict) else {}


def _write_obsolete(ext_dir: Path, marked: dict[str, bool]) -> None:
    (ext_dir / ".obsolete").write_text(json.dumps(marked, separators=(",", ":")), encoding="utf-8")


def _scan(ext_dir: Path) -> dict[str, tuple[str, str]]:
    """Extension folders (links count): folder name -> (id, version) from its package.json."""
    found: dict[str, tuple[str, str]] = {}
    try:
        folders = sorted(p for p in ext_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return found
    for folder in folders:
        try:
            manifest = json.loads((folder / "package.json").read_text(encoding="utf-8"))
            found[folder.name] = (f"{manifest['publisher']}.{manifest['name']}".lower(), str(manifest["version"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


def _initialize_profile(ext_dir: Path) -> None:
    """Without ``extensions.json``: write it from a scan, less what ``.obsolete`` marks."""
    if (ext_dir / "extensions.json").exists() or not ext_dir.is_dir():
        return
    marked = _read_obsolete(ext_dir)
    for folder, (ext_id, version) in _scan(ext_dir).items():
        if not marked.get(f"{ext_id}-{version}"):
            _write_registry(ext_dir, ext_id, version, folder)
    if not (ext_dir / "extensions.json").exists():
        (ext_dir / "extensions.json").write_text("[]", encoding="utf-8")


def start_extension_management(ext_dir: Path) -> None:
    """What Code-OSS does with the extensions folder at start-up (see the docstring)."""
    marked = _read_obsolete(ext_dir)
    scanned = _scan(ext_dir)
    for folder, (ext_id, version) in scanned.items():
        key = f"{ext_id}-{version}"
        if marked.get(key):
            path = ext_dir / folder
            if path.is_symlink():
                path.unlink()
            else:
                shutil.rmtree(path)
            del marked[key]
            print(f"Deleted marked for removal extension from disk {ext_id} {path}", file=sys.stderr, flush=True)
    if (ext_dir / ".obsolete").exists():
        _write_obsolete(ext_dir, marked)
    _initialize_profile(ext_dir)
    listed = {(e.get("identifier", {}).get("id"), e.get("version")) for e in _read_registry(ext_dir)}
    for ext_id, version in _scan(ext_dir).values():
        key = f"{ext_id}-{version}"
        if (ext_id, version) not in listed and not marked.get(key):
            marked[key] = True
            _write_obsolete(ext_dir, marked)
            print(f"Marked extension as removed {key}", file=sys.stderr, flush=True)


def loaded_extensions(ext_dir: Path) -> list[str]:
    """Sorted folder names of the extensions ``extensions.json`` lists (what the server loads)."""
    return sorted(str(e.get("relativeLocation", "")) for e in _read_registry(ext_dir))


def list_extensions(opts: Options) -> None:
    """``--list-extensions``: one id a line (``id@version`` with ``--show-versions``)."""
    ext_dir = opts.effective_extensions_dir()
    _initialize_profile(ext_dir)
    for entry in _read_registry(ext_dir):
        ext_id, version = entry.get("identifier", {}).get("id"), entry.get("version")
        print(f"{ext_id}@{version}" if opts.show_versions else ext_id)


def uninstall_extensions(opts: Options) -> None:
    """``--uninstall-extension ID``: drop its entry from ``extensions.json`` (the folder stays)."""
    ext_dir = opts.effective_extensions_dir()
    _initialize_profile(ext_dir)
    for ext_id in opts.uninstall:
        entries = _read_registry(ext_dir)
        kept = [e for e in entries if e.get("identifier", {}).get("id") != ext_id.lower()]
        if len(kept) == len(entries):
            raise CliError(f"Extension '{ext_id}' is not installed.")
        (ext_dir / "extensions.json").write_text(json.dumps(kept), encoding="utf-8")
        print(f"Extension '{ext_id}' was successfully uninstalled!")


# ---------------------------------------------------------------- serving


def make_handler(opts: Options, token: str | None, argv: list[str]) -> type[http.server.BaseHTTPRequestHandler]:
    """The request handler, closed over the server's options."""
    base = normalize_base_path(opts.base_path)

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "sagemaker-code-editor-standin"

        def log_message(self, format: str, *args: Any) -> None:
            sys.stderr.write(f"[standin] {self.address_string()} {format % args}\n")

        def do_HEAD(self) -> None:
            self._answer(head=True)

        def do_GET(self) -> None:
            self._answer(head=False)

        def _answer(self, *, head: bool) -> None:
            url = urllib.parse.urlsplit(self.path)
            path = url.path
            if base and path != base and not path.startswith(base + "/"):
                self._send(404, "text/plain", b"Not found.\n", head)
                return
            relative = path[len(base) :] or "/"
            cookie = None
            if token is not None:
                query = urllib.parse.parse_qs(url.query)
                cookies = dict(
                    part.strip().split("=", 1) for part in self.headers.get("Cookie", "").split(";") if "=" in part
                )
                if query.get("tkn", [None])[0] == token:
                    cookie = f"vscode-tkn={token}; Path=/; HttpOnly; SameSite=Lax"
                elif cookies.get("vscode-tkn") != token:
                    self._send(403, "text/plain", b"Forbidden.\n", head)
                    return
            if relative == "/standin/state":
                body = json.dumps(self._state(), indent=2).encode()
                self._send(200, "application/json", body, head, cookie)
            elif relative == "/":
                page = (
                    "<!DOCTYPE html><html><head><title>Code Editor (stand-in)</title></head>"
                    "<body><h1>sagemaker-code-editor stand-in</h1>"
                    f"<p>base path: {base or '/'}</p></body></html>\n"
                )
                self._send(200, "text/html; charset=utf-8", page.encode(), head, cookie)
            else:
                self._send(404, "text/plain", b"Not found.\n", head)

        def _state(self) -> dict[str, Any]:
            ext_dir = opts.effective_extensions_dir()
            return {
                "uid": os.getuid(),
                "gid": os.getgid(),
                "groups": sorted(os.getgroups()),
                "argv": argv,
                "cwd": os.getcwd(),
                "base_path": base,
                "server_data_dir": str(opts.effective_server_data_dir()),
                "user_data_dir": opts.user_data_dir,
                "extensions_dir": str(ext_dir),
                "extensions": loaded_extensions(ext_dir),
                "env": {k: os.environ[k] for k in REPORTED_ENV if k in os.environ},
                "version": own_version(),
            }

        def _send(self, status: int, ctype: str, body: bytes, head: bool, cookie: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if cookie:
                self.send_header("Set-Cookie", cookie)
            self.end_headers()
            if not head:
                self.wfile.write(body)

    return Handler


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def _on_signal(signum: int, frame: object) -> NoReturn:
    raise SystemExit(0)


def serve(opts: Options, argv: list[str]) -> None:
    """Create the data folders like the real server, then serve until SIGTERM."""
    token: str | None = None
    if not opts.without_connection_token:
        if opts.connection_token:
            token = opts.connection_token
        elif opts.connection_token_file:
            token = Path(opts.connection_token_file).read_text(encoding="utf-8").strip()
        else:
            token = secrets.token_hex(16)
    folders = [opts.effective_server_data_dir() / "data" / "logs", opts.effective_extensions_dir()]
    if opts.user_data_dir:
        folders.append(Path(opts.user_data_dir))
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise CliError(f"Error: cannot create {folder}: {err}") from None
    start_extension_management(opts.effective_extensions_dir())
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    host = "" if opts.host in ("0.0.0.0", "") else opts.host
    server_cls: type[_Server] = _Server
    if ":" in host:
        server_cls = type("_Server6", (_Server,), {"address_family": socket.AF_INET6})
    try:
        httpd = server_cls((host, opts.port), make_handler(opts, token, argv))
    except OSError as err:
        raise CliError(f"Error: cannot listen on {opts.host}:{opts.port}: {err}") from None
    base = normalize_base_path(opts.base_path)
    print(f"Server bound to {opts.host}:{opts.port} (IPv4)", flush=True)
    print(f"Extension host agent listening on {opts.port}", flush=True)
    query = f"?tkn={token}" if token else ""
    print(f"Web UI available at http://{opts.host}:{opts.port}{base}/{query}", flush=True)
    with httpd:
        httpd.serve_forever()


def main(argv: list[str]) -> int:
    """Entry point: install/list extensions, print the version, or serve."""
    try:
        opts = parse_args(argv)
        if opts.version:
            print(f"{own_version()}\n{COMMIT}\nx64")
            return 0
        if opts.help:
            print("sagemaker-code-editor (stand-in for byoi tests); see the script's docstring.")
            return 0
        if opts.install:
            install_extensions(opts)
            return 0
        if opts.uninstall:
            uninstall_extensions(opts)
            return 0
        if opts.list_extensions:
            list_extensions(opts)
            return 0
        serve(opts, ["sagemaker-code-editor", *argv])
    except CliError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
