"""A real Code-OSS server for the tests: code-server, installed by .ci/install-code-server.sh.

sagemaker-code-editor (conda-forge) cannot be had here; code-server 4.100.3 is Code-OSS
1.100.3 (and 4.90.3 is Code-OSS 1.90.2, see ``VERSIONS``) with its own extension management
(``extensions.json``, ``.obsolete``, the extensions watcher), which is what the SageMaker
tests need to be real. See the team's code-oss notes for why a stand-in that lists folders
cannot show the behaviour.

Helpers: :func:`require_code_server` (skip with the reason, or fail when ``CI=true``),
:func:`make_vsix` (a minimal extension package with any id and version),
:func:`list_extensions` (what the server will load from an extensions folder) and
:func:`serve_once` (start the server on a loopback port until its extension management
has run, then stop it, returning its log).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

#: The code-server versions installed by .ci/install-code-server.sh, each carrying the Code-OSS
#: release in the comment (its ``--version`` says "with Code 1.X.Y"): 1.100 as the newest
#: sagemaker-code-editor, 1.90 as AWS shipped it for most of 2025 (aws/sagemaker-code-editor #100).
VERSIONS = (
    "4.100.3",  # Code-OSS 1.100.3
    "4.90.3",  # Code-OSS 1.90.2
)
#: The one the engine tests mount into images.
VERSION = VERSIONS[0]
#: Where .ci/install-code-server.sh puts them (machine cache); BYOI_CODE_SERVER_ROOT overrides.
ROOT = Path(os.environ.get("BYOI_CODE_SERVER_ROOT", "/var/tmp/byoi-code-server"))


def install_dir(version: str = VERSION) -> Path:
    """The install folder of code-server ``version``."""
    return ROOT / version


def binary(version: str = VERSION) -> Path:
    """The ``code-server`` command of ``version``."""
    return install_dir(version) / "node_modules" / ".bin" / "code-server"


INSTALL_DIR = install_dir()
BINARY = binary()


def code_server_unavailable_reason(version: str = VERSION) -> str | None:
    """Why code-server ``version`` cannot be used here, or None when it can."""
    if not (binary(version).is_file() and (install_dir(version) / ".byoi-complete").is_file()):
        return f"code-server {version} is not installed in {install_dir(version)} (run .ci/install-code-server.sh)"
    return None


def require_code_server(version: str = VERSION) -> None:
    """Skip the calling test when code-server ``version`` is missing; fail instead when ``CI=true``."""
    reason = code_server_unavailable_reason(version)
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def scratch_env(scratch: Path) -> dict[str, str]:
    """The environment for a code-server command: its config and data go to ``scratch``, not ~."""
    scratch.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "XDG_CONFIG_HOME": str(scratch / "config"), "XDG_DATA_HOME": str(scratch / "data")}


def run_cli(
    *args: str, scratch: Path, timeout: float = 120, version: str = VERSION
) -> subprocess.CompletedProcess[str]:
    """Run ``code-server ARGS`` (of ``version``) to completion (not raising on failure)."""
    return subprocess.run(
        [str(binary(version)), *args],
        env=scratch_env(scratch),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def make_vsix(folder: Path, extension_id: str, version: str) -> Path:
    """A minimal VSIX for ``publisher.name`` at ``version``: enough for ``--install-extension``."""
    publisher, name = extension_id.split(".", 1)
    path = folder / f"{extension_id}-{version}.vsix"
    manifest = json.dumps({"name": name, "publisher": publisher, "version": version, "engines": {"vscode": "^1.60.0"}})
    vsixmanifest = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011">'
        f'<Metadata><Identity Language="en-US" Id="{name}" Version="{version}" Publisher="{publisher}"/>'
        f"<DisplayName>{name}</DisplayName><Description>test extension</Description></Metadata>"
        '<Installation><InstallationTarget Id="Microsoft.VisualStudio.Code"/></Installation>'
        "<Dependencies/><Assets>"
        '<Asset Type="Microsoft.VisualStudio.Code.Manifest" Path="extension/package.json" Addressable="true"/>'
        "</Assets></PackageManifest>"
    )
    content_types = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension=".json" ContentType="application/json"/>'
        '<Default Extension=".vsixmanifest" ContentType="text/xml"/></Types>'
    )
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as vsix:
        vsix.writestr("[Content_Types].xml", content_types)
        vsix.writestr("extension.vsixmanifest", vsixmanifest)
        vsix.writestr("extension/package.json", manifest)
    return path


def install_extension(vsix: Path, extensions_dir: Path, *, scratch: Path) -> None:
    """``code-server --install-extension VSIX --extensions-dir DIR``; AssertionError on failure."""
    proc = run_cli("--install-extension", str(vsix), "--extensions-dir", str(extensions_dir), scratch=scratch)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def list_extensions(extensions_dir: Path, *, scratch: Path) -> list[str]:
    """``--list-extensions --show-versions``: the ``publisher.name@version`` the server loads."""
    proc = run_cli("--list-extensions", "--show-versions", "--extensions-dir", str(extensions_dir), scratch=scratch)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return sorted(line.strip() for line in proc.stdout.splitlines() if "@" in line)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_once(
    extensions_dir: Path, user_data_dir: Path, *, scratch: Path, timeout: float = 60, version: str = VERSION
) -> str:
    """Start the server on a free loopback port until its extension management has run; stop it.

    At start-up Code-OSS deletes the extensions marked removed in ``.obsolete``, builds
    ``extensions.json`` when it is missing, and then (the extensions watcher) marks every
    extension folder that file does not list as removed. This waits for the watcher to
    watch ``extensions.json`` (it marks right after), gives it a moment, and returns the
    server's log, where those steps print ``Deleted marked for removal extension from
    disk …`` and ``Marked extension as removed …``.
    """
    for attempt in (1, 2):
        try:
            return _serve_once(extensions_dir, user_data_dir, scratch=scratch, timeout=timeout, version=version)
        except _NotStarted:
            # Seen once in a full CI run: the server stopped logging right after "Session
            # server listening" and never started Code-OSS, so none of its extension steps
            # ran. Starting it once more is what a user's restart of the space would do.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


class _NotStarted(AssertionError):
    """code-server did not get as far as its extension management."""


def _serve_once(extensions_dir: Path, user_data_dir: Path, *, scratch: Path, timeout: float, version: str) -> str:
    log_file = scratch / f"serve-{time.monotonic_ns()}.log"
    port = free_port()
    watched = f"Started watching: '{extensions_dir / 'extensions.json'}'"
    with log_file.open("w") as log:
        proc = subprocess.Popen(
            [
                str(binary(version)),
                "--auth",
                "none",
                "--bind-addr",
                f"127.0.0.1:{port}",
                "--extensions-dir",
                str(extensions_dir),
                "--user-data-dir",
                str(user_data_dir),
                "--log",
                "trace",
            ],
            env=scratch_env(scratch),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        # code-server starts Code-OSS's server (and its extension management) on the first request.
        while not _answers(f"http://127.0.0.1:{port}/"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise _NotStarted(f"code-server did not answer:\n{log_file.read_text()}")
            time.sleep(0.2)
        asked = time.monotonic()
        while watched not in log_file.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise _NotStarted(f"code-server did not start its extension management:\n{log_file.read_text()}")
            if time.monotonic() - asked > 10:
                # Seen with 4.90.3 on a loaded machine (about one start in ten): the first
                # answer came, Code-OSS never started. A browser asks again; so does this.
                _answers(f"http://127.0.0.1:{port}/")
                asked = time.monotonic()
            time.sleep(0.2)
        time.sleep(1.5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return log_file.read_text(errors="replace")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status) < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


def extension_log_lines(log: str) -> list[str]:
    """The lines of a server log that say an extension was marked removed or deleted.

    Code-OSS 1.100 logs "Marked extension as removed" and "Deleted marked for removal extension
    from disk"; 1.90 says "uninstalled" for the same steps ("Marked extension as uninstalled",
    "Deleted uninstalled extension from disk"), seen in code-server 4.90.3's log.
    """
    keys = (
        "Marked extension as removed",
        "Deleted marked for removal extension from disk",
        "Marked extension as uninstalled",
        "Deleted uninstalled extension from disk",
    )
    return [line.split("] ", 1)[-1].strip() for line in log.splitlines() if any(k in line for k in keys)]
