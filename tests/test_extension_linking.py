"""The extension-linking function against a real Code-OSS server (code-server), no image.

byoi links the extensions baked into an image into the space's extensions folder on the
EBS home, at every start (``templates/_partials/link-image-extensions.sh``, used by
``start-code-editor`` on the micromamba base and by the activation hook on the SageMaker
Distribution base). Whether an extension then loads is decided by the server, from
``extensions.json`` and ``.obsolete`` (see ``tests/codeoss.py``). This runs the scenario of
issue 7 in bash against temporary folders: each "start" runs the function, then the real
server until its extension management has run, then asks the server what it loads
(``--list-extensions --show-versions``). The engine tests run the same scenario in the
generated images (tests/test_sagemaker_images.py).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import codeoss
import pytest

REPO = Path(__file__).resolve().parent.parent
LINK_FUNCTION = REPO / "templates" / "_partials" / "link-image-extensions.sh"

#: The image's extensions, by image version (any ids and versions: hand-made VSIX files).
IMAGE_V1 = [("test.alpha", "1.0.0"), ("test.gamma", "1.0.0")]
IMAGE_V2 = [*IMAGE_V1, ("test.beta", "1.0.0")]
IMAGE_V3 = [("test.alpha", "1.1.0"), ("test.gamma", "1.0.0"), ("test.beta", "1.0.0")]
USER_SETTINGS = '{"editor.fontSize": 17}\n'


@dataclass
class Space:
    """A space's home kept across image versions, and the image's extensions folder."""

    root: Path
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

    def bake(self, extensions: list[tuple[str, str]]) -> None:
        """A new image version: its extensions folder holds exactly these, installed by the server."""
        shutil.rmtree(self.image, ignore_errors=True)
        for extension_id, version in extensions:
            vsix = codeoss.make_vsix(self.root / "vsix", extension_id, version)
            codeoss.install_extension(vsix, self.image, scratch=self.scratch)

    def start(self, link_function: Path) -> list[str]:
        """One start of the space: link, run the server, return what it loads."""
        self.extensions.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["bash", "-c", 'set -euo pipefail; source "$1"; __byoi_link_image_extensions "$2" "$3"', "link",
             str(link_function), str(self.image), str(self.extensions)],
            check=True,
            timeout=60,
        )
        self.logs.append(codeoss.serve_once(self.extensions, self.user_data, scratch=self.scratch))
        return codeoss.list_extensions(self.extensions, scratch=self.scratch)

    def state(self) -> dict[str, str]:
        """The extensions folder as the server sees it: names (links marked) and its two files."""
        names = sorted(p.name + (" -> image" if p.is_symlink() else "") for p in self.extensions.iterdir())
        files = {name: (self.extensions / name).read_text() for name in ("extensions.json", ".obsolete")
                 if (self.extensions / name).exists()}
        return {"entries": "\n".join(names), **files}


def run_scenario(root: Path, link_function: Path) -> list[tuple[str, list[str], list[str]]]:
    """Issue 7's scenario; returns (step, what the server loads, its removal log lines) per start."""
    space = Space(root)
    seen: list[tuple[str, list[str], list[str]]] = []

    def start(step: str) -> list[str]:
        loaded = space.start(link_function)
        seen.append((step, loaded, codeoss.extension_log_lines(space.logs[-1])))
        return loaded

    space.bake(IMAGE_V1)
    start("v1, start 1")
    # The user installs an extension of their own, uninstalls an image extension from the
    # command line and changes a setting.
    codeoss.install_extension(codeoss.make_vsix(root / "vsix", "user.own", "2.0.0"), space.extensions,
                              scratch=space.scratch)
    proc = codeoss.run_cli("--uninstall-extension", "test.gamma", "--extensions-dir", str(space.extensions),
                           scratch=space.scratch)
    assert proc.returncode == 0, proc.stdout + proc.stderr
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


@pytest.mark.slow
def test_image_extensions_load_across_image_versions_with_code_server(tmp_path: Path) -> None:
    codeoss.require_code_server()
    seen = run_scenario(tmp_path, LINK_FUNCTION)
    assert [(step, loaded) for step, loaded, _ in seen] == EXPECTED, seen
    # The server never had to mark an image extension removed behind the user's back.
    assert not [line for _, _, lines in seen for line in lines if "test.alpha" in line or "test.beta" in line], seen
