"""The extension-linking function against a real Code-OSS server (code-server), no image.

byoi links the extensions baked into an image into the space's extensions folder on the
EBS home, at every start (``templates/_partials/link-image-extensions.sh``, used by
``start-code-editor`` on the micromamba base and by the activation hook on the SageMaker
Distribution base). Whether an extension then loads is decided by the server, from
``extensions.json`` and ``.obsolete`` (see ``tests/codeoss.py``). This runs the scenario of
issue 7 in bash against temporary folders, on each code-server of ``codeoss.VERSIONS`` (Code-OSS
1.100 and 1.90): each "start" runs the function, then the real
server until its extension management has run, then asks the server what it loads
(``--list-extensions --show-versions``). The engine tests run the same scenario in the
generated images (tests/test_sagemaker_images.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import codeoss
import pytest
from support import run_byoi

REPO = Path(__file__).resolve().parent.parent
LINK_FUNCTION = REPO / "templates" / "_partials" / "link-image-extensions.sh"
STANDIN_SERVER = Path(__file__).resolve().parent / "standins" / "sagemaker-code-editor" / "server.py"


class CodeServer:
    """code-server: Code-OSS's own extension management, in one of codeoss.VERSIONS."""

    def __init__(self, scratch: Path, version: str = codeoss.VERSION) -> None:
        self.scratch = scratch
        self.version = version

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return codeoss.run_cli(*args, scratch=self.scratch, version=self.version)

    def serve_once(self, extensions: Path, server_data: Path) -> str:
        return codeoss.serve_once(extensions, server_data, scratch=self.scratch, version=self.version)


class StandinServer:
    """The hand-written stand-in (tests/standins/sagemaker-code-editor/server.py), run on the host."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(STANDIN_SERVER), *args], capture_output=True, text=True, timeout=60, check=False
        )

    def serve_once(self, extensions: Path, server_data: Path) -> str:
        """Start it until it answers (it manages extensions before it listens); stop it."""
        port = codeoss.free_port()
        self.scratch.mkdir(parents=True, exist_ok=True)
        log = self.scratch / f"standin-{time.monotonic_ns()}.log"
        args = ["--host", "127.0.0.1", "--port", str(port), "--without-connection-token"]
        args += ["--extensions-dir", str(extensions), "--server-data-dir", str(server_data)]
        with log.open("w") as out:
            proc = subprocess.Popen(
                [sys.executable, str(STANDIN_SERVER), *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + 30
            while "Web UI available" not in log.read_text():
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        return log.read_text()


Server = CodeServer | StandinServer

#: The image's extensions, by image version (any ids and versions: hand-made VSIX files).
IMAGE_V1 = [("test.alpha", "1.0.0"), ("test.gamma", "1.0.0")]
IMAGE_V2 = [*IMAGE_V1, ("test.beta", "1.0.0")]
IMAGE_V3 = [("test.alpha", "1.1.0"), ("test.gamma", "1.0.0"), ("test.beta", "1.0.0")]
USER_SETTINGS = '{"editor.fontSize": 17}\n'


@dataclass
class Space:
    """A space's home kept across image versions, and the image's extensions folder."""

    root: Path
    server: Server
    logs: list[str] = field(default_factory=list)

    @property
    def image(self) -> Path:
        return self.root / "image-extensions"

    @property
    def extensions(self) -> Path:
        return self.root / "home" / "server-data" / "extensions"

    @property
    def user_data(self) -> Path:
        return self.root / "home" / "server-data"

    @property
    def scratch(self) -> Path:
        return self.root / "scratch"

    def cli(self, *args: str) -> None:
        proc = self.server.cli(*args)
        assert proc.returncode == 0, proc.stdout + proc.stderr

    def bake(self, extensions: list[tuple[str, str]]) -> None:
        """A new image version: its extensions folder holds exactly these, installed by the server."""
        shutil.rmtree(self.image, ignore_errors=True)
        for extension_id, version in extensions:
            vsix = codeoss.make_vsix(self.root / "vsix", extension_id, version)
            self.cli("--install-extension", str(vsix), "--extensions-dir", str(self.image))

    def loaded(self) -> list[str]:
        """``--list-extensions --show-versions``: what the server loads."""
        proc = self.server.cli("--list-extensions", "--show-versions", "--extensions-dir", str(self.extensions))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return sorted(line.strip() for line in proc.stdout.splitlines() if "@" in line)

    def start(self, link_function: Path) -> list[str]:
        """One start of the space: link, run the server, return what it loads."""
        self.extensions.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "bash",
                "-c",
                'set -euo pipefail; source "$1"; __byoi_link_image_extensions "$2" "$3"',
                "link",
                str(link_function),
                str(self.image),
                str(self.extensions),
            ],
            check=True,
            timeout=60,
        )
        self.logs.append(self.server.serve_once(self.extensions, self.user_data))
        return self.loaded()

    def state(self) -> dict[str, str]:
        """The extensions folder as the server sees it: names (links marked) and its two files."""
        names = sorted(p.name + (" -> image" if p.is_symlink() else "") for p in self.extensions.iterdir())
        files = {
            name: (self.extensions / name).read_text()
            for name in ("extensions.json", ".obsolete")
            if (self.extensions / name).exists()
        }
        return {"entries": "\n".join(names), **files}


def run_scenario(root: Path, link_function: Path, server: Server) -> list[tuple[str, list[str], list[str]]]:
    """Issue 7's scenario; returns (step, what the server loads, its removal log lines) per start."""
    space = Space(root, server)
    seen: list[tuple[str, list[str], list[str]]] = []

    def start(step: str) -> list[str]:
        loaded = space.start(link_function)
        seen.append((step, loaded, codeoss.extension_log_lines(space.logs[-1])))
        return loaded

    space.bake(IMAGE_V1)
    start("v1, start 1")
    # The user installs an extension of their own, uninstalls an image extension from the
    # command line and changes a setting.
    own = codeoss.make_vsix(root / "vsix", "user.own", "2.0.0")
    space.cli("--install-extension", str(own), "--extensions-dir", str(space.extensions))
    space.cli("--uninstall-extension", "test.gamma", "--extensions-dir", str(space.extensions))
    settings = space.user_data / "User" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(USER_SETTINGS)
    start("v1, start 2")
    space.bake(IMAGE_V2)
    start("v2, start 1")
    start("v2, start 2")
    start("v2, start 3")
    space.bake(IMAGE_V3)
    start("v3, start 1")
    start("v3, start 2")
    before = space.state()
    start("v3, start 3")
    assert space.state() == before, "a restart changed the extensions folder"
    assert settings.read_text() == USER_SETTINGS
    return seen


#: What the server must load at each start (issue 7, "Fix the linking on both bases").
EXPECTED = [
    ("v1, start 1", ["test.alpha@1.0.0", "test.gamma@1.0.0"]),
    ("v1, start 2", ["test.alpha@1.0.0", "user.own@2.0.0"]),
    ("v2, start 1", ["test.alpha@1.0.0", "test.beta@1.0.0", "user.own@2.0.0"]),
    ("v2, start 2", ["test.alpha@1.0.0", "test.beta@1.0.0", "user.own@2.0.0"]),
    ("v2, start 3", ["test.alpha@1.0.0", "test.beta@1.0.0", "user.own@2.0.0"]),
    ("v3, start 1", ["test.alpha@1.1.0", "test.beta@1.0.0", "user.own@2.0.0"]),
    ("v3, start 2", ["test.alpha@1.1.0", "test.beta@1.0.0", "user.own@2.0.0"]),
    ("v3, start 3", ["test.alpha@1.1.0", "test.beta@1.0.0", "user.own@2.0.0"]),
]


Run = list[tuple[str, list[str], list[str]]]


@pytest.fixture(scope="module")
def code_server_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], tuple[Path, Run]]]:
    """The scenario against code-server ``version``, run at most once per version for this module."""
    runs: dict[str, tuple[Path, Run]] = {}

    def run(version: str) -> tuple[Path, Run]:
        codeoss.require_code_server(version)
        if version not in runs:
            root = tmp_path_factory.mktemp(f"code-server-{version}")
            runs[version] = root, run_scenario(root, LINK_FUNCTION, CodeServer(root / "scratch", version))
        return runs[version]

    yield run


@pytest.fixture(params=codeoss.VERSIONS)
def code_server_run(
    request: pytest.FixtureRequest, code_server_runs: Callable[[str], tuple[Path, Run]]
) -> tuple[Path, Run]:
    """The scenario on each code-server version: the Code-OSS releases AWS's Code Editor was
    built on, 1.100 and 1.90."""
    return code_server_runs(str(request.param))


@pytest.mark.slow
def test_image_extensions_load_across_image_versions_with_code_server(code_server_run: tuple[Path, Run]) -> None:
    _, seen = code_server_run
    assert [(step, loaded) for step, loaded, _ in seen] == EXPECTED, seen
    # The server never had to mark an image extension removed behind the user's back; it did
    # remove the one the user uninstalled (so the log lines are read in this version's words).
    removals = [line for _, _, lines in seen for line in lines]
    assert not [line for line in removals if "test.alpha" in line or "test.beta" in line], seen
    assert any("test.gamma" in line for line in removals), seen
    # AWS's sagemaker-extensions-sync compares the image's extensions (publisher.name@version
    # from each package.json) with `--list-extensions --show-versions` of the space and
    # prompts for the difference (aws/sagemaker-code-editor, sagemaker-extensions-sync.patch):
    # after byoi's linking, only the one the user uninstalled.
    assert {f"{i}@{v}" for i, v in IMAGE_V3} - set(seen[-1][1]) == {"test.gamma@1.0.0"}


def test_image_extensions_load_across_image_versions_with_the_standin_server(tmp_path: Path) -> None:
    """The same scenario with the hand-written stand-in server (fast: no code-server), so that a
    broken link function fails the fast suite; the test below proves the stand-in gives
    code-server's results for it."""
    seen = run_scenario(tmp_path, LINK_FUNCTION, StandinServer(tmp_path / "scratch"))
    assert [(step, loaded) for step, loaded, _ in seen] == EXPECTED, seen
    assert not [line for _, _, lines in seen for line in lines if "test.alpha" in line or "test.beta" in line], seen


@pytest.mark.slow
def test_standin_server_treats_the_scenario_as_code_server_does(
    code_server_runs: Callable[[str], tuple[Path, Run]], tmp_path: Path
) -> None:
    """The hand-written stand-in (kept for the other image tests and the fast test above) gives
    the results of code-server 4.100.3, the version the engine tests run in images. (With
    Code-OSS 1.90 the same extensions load at every start, the test above; its log words the
    removal of the uninstalled extension differently.)"""
    real_root, real = code_server_runs(codeoss.VERSION)
    standin = run_scenario(tmp_path, LINK_FUNCTION, StandinServer(tmp_path / "scratch"))
    assert [(step, loaded) for step, loaded, _ in standin] == [(step, loaded) for step, loaded, _ in real]

    def removals(run: Run, root: Path) -> tuple[list[set[str]], set[str]]:
        """Per start, what was deleted from disk; and what was ever marked removed."""
        deleted = [{line.replace(str(root), "ROOT") for line in lines if "Deleted" in line} for _, _, lines in run]
        marked = {line for _, _, lines in run for line in lines if "Marked" in line}
        return deleted, marked

    # The extension the user uninstalled is marked, then deleted at the same start. (code-server
    # may mark it once more at that start: its watcher scans while the folder is deleted.)
    assert removals(standin, tmp_path) == removals(real, real_root)


def test_unreadable_extensions_json_never_stops_a_start(tmp_path: Path) -> None:
    """A damaged extensions.json: a warning, exit 0 (the server still starts), the file untouched."""
    image = tmp_path / "image"
    (image / "test.alpha-1.0.0").mkdir(parents=True)
    (image / "test.alpha-1.0.0" / "package.json").write_text(
        '{"name": "alpha", "publisher": "test", "version": "1.0.0", "engines": {"vscode": "^1.60.0"}}'
    )
    home = tmp_path / "extensions"
    home.mkdir()
    (home / "extensions.json").write_text("[{not json")
    script = 'set -euo pipefail; source "$1"; __byoi_link_image_extensions "$2" "$3"; echo started'
    proc = subprocess.run(
        ["bash", "-c", script, "link", str(LINK_FUNCTION), str(image), str(home)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout == "started\n", proc.stdout + proc.stderr
    assert "could not update" in proc.stderr
    assert (home / "extensions.json").read_text() == "[{not json"


def test_the_entry_added_to_extensions_json_is_one_code_oss_1_90_and_1_100_keep(tmp_path: Path) -> None:
    """What Code-OSS requires of an extensions.json entry, the same at 1.90.2 and 1.100.3 (read in
    extensionsProfileScannerService, as code-server 4.90.3 and 4.100.3 ship it: the entry check
    ``isStoredProfileExtension`` and the reader are identical but for 1.100 also taking
    ``metadata.id`` as the identifier's uuid): an object; ``identifier.id`` a string;
    ``location`` a URI object with string ``path`` and ``scheme``; ``relativeLocation`` a
    string naming the folder inside the extensions folder (preferred to ``location`` when
    set); ``version`` a non-empty string. An entry that fails the check makes the whole file
    invalid (ERROR_INVALID_CONTENT). Code-OSS writes ids lower-case (publisher.name)."""
    image = tmp_path / "image"
    (image / "Test.Alpha-1.0.0").mkdir(parents=True)
    (image / "Test.Alpha-1.0.0" / "package.json").write_text(
        '{"name": "Alpha", "publisher": "Test", "version": "1.0.0", "engines": {"vscode": "^1.60.0"}}'
    )
    home = tmp_path / "extensions"
    home.mkdir()
    (home / "extensions.json").write_text("[]")
    before = int(time.time() * 1000)
    script = 'set -euo pipefail; source "$1"; __byoi_link_image_extensions "$2" "$3"'
    subprocess.run(["bash", "-c", script, "link", str(LINK_FUNCTION), str(image), str(home)], check=True, timeout=60)
    [entry] = json.loads((home / "extensions.json").read_text())
    assert before <= entry["metadata"].pop("installedTimestamp") <= time.time() * 1000
    assert entry == {
        "identifier": {"id": "test.alpha"},
        "version": "1.0.0",
        "location": {"$mid": 1, "path": str(home / "Test.Alpha-1.0.0"), "scheme": "file"},
        "relativeLocation": "Test.Alpha-1.0.0",
        "metadata": {"source": "vsix"},
    }


def test_the_generated_readme_names_the_versions_proven_here(tmp_path: Path) -> None:
    """The project README says which Code-OSS versions the linking is proven on: exactly the
    code-server versions this module runs the scenario on."""
    out = tmp_path / "project"
    run_byoi("new", "sagemaker-code-editor", "-o", str(out), "--no-input", check=True)
    readme = " ".join((out / "README.md").read_text().split())
    named = re.findall(r"code-server (\d+\.\d+\.\d+) \(Code-OSS (\d+\.\d+)", readme)
    named += re.findall(r"and (\d+\.\d+\.\d+) \(Code-OSS (\d+\.\d+)\)", readme)
    # code-server 4.X.Y carries Code-OSS 1.X (its --version: "4.90.3 ... with Code 1.90.2").
    assert sorted(named) == sorted((v, "1." + v.split(".")[1]) for v in codeoss.VERSIONS), readme
