"""Versions mean something: CHANGELOG.md, ``byoi --version``, and the version a project records.

The expected values come from CHANGELOG.md (the document users read) and from the real
command's output, never from ``generator.__version__``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from support import REPO, VERSION_MARK, byoi_version, run_byoi, versionless

#: An entry's heading: "## 0.3.0 - 2026-12-06" (Keep a Changelog's form, without brackets).
HEADING = re.compile(r"^## (\d+)\.(\d+)\.(\d+) - (\d{4}-\d{2}-\d{2})$")
#: Keep a Changelog 1.1.0's kinds of change.
KINDS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
OLDER = "0.2.0"  # an older release, from CHANGELOG.md


def entries() -> list[tuple[tuple[int, int, int], str, list[str]]]:
    """CHANGELOG.md's entries in file order: (version, date, the entry's lines)."""
    found: list[tuple[tuple[int, int, int], str, list[str]]] = []
    for line in (REPO / "CHANGELOG.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            match = HEADING.match(line)
            assert match, f"CHANGELOG.md: {line!r} is not '## X.Y.Z - YYYY-MM-DD'"
            version = (int(match[1]), int(match[2]), int(match[3]))
            found.append((version, match[4], []))
        elif found:
            found[-1][2].append(line)
    return found


def test_the_newest_changelog_entry_is_byoi_version() -> None:
    newest = entries()[0][0]
    assert ".".join(map(str, newest)) == byoi_version()
    assert run_byoi("--version", check=True).stdout == f"byoi {byoi_version()}\n"


def test_changelog_entries_are_newest_first_each_with_its_changes() -> None:
    found = entries()
    versions = [version for version, _, _ in found]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)
    dates = [date for _, date, _ in found]
    assert dates == sorted(dates, reverse=True)
    assert versions[-1] == (0, 1, 0) and (0, 2, 0) in versions  # the releases before the changelog
    for version, _, lines in found:
        kinds = [line[4:] for line in lines if line.startswith("### ")]
        assert kinds and set(kinds) <= KINDS, (version, kinds)
        assert any(line.startswith("- ") for line in lines), version
    assert "Unreleased" not in (REPO / "CHANGELOG.md").read_text(encoding="utf-8")


def test_a_new_project_names_the_byoi_that_wrote_it(tmp_path: Path) -> None:
    out = tmp_path / "p"
    run_byoi("new", "foundry-byoc", "-o", str(out), "--no-input", check=True)
    version = byoi_version()
    assert json.loads((out / ".byoi/record.json").read_text())["byoi_version"] == version
    assert (
        f"Written by [byoi](https://pypi.org/project/byoi/) {version} from `byoi.yaml`"
        in (out / "README.md").read_text()
    )


def _as_if_written_by(out: Path, older: str) -> None:
    """Make a project byoi wrote now look as the older byoi ``older`` would have written it.

    Every place the project names byoi's version says ``older`` instead, in the files and
    in the record (with each changed file's checksum): what an older byoi whose templates
    differed only in the version would have left.
    """
    now = byoi_version()
    record_path = out / ".byoi/record.json"
    record = json.loads(record_path.read_text())
    text = record_path.read_text().replace(f'"byoi_version": "{now}"', f'"byoi_version": "{older}"')
    for rel, entry in record["files"].items():
        path = out / rel
        body = path.read_text()
        if f"byoi {now}" in body or f"byoi/) {now}" in body:
            old_body = body.replace(f"byoi {now}", f"byoi {older}").replace(f"byoi/) {now}", f"byoi/) {older}")
            path.write_text(old_body)
            text = text.replace(entry["sha256"], hashlib.sha256(old_body.encode()).hexdigest())
    text = text.replace(f"byoi {now}", f"byoi {older}").replace(f"byoi/) {now}", f"byoi/) {older}")
    record_path.write_text(text)


def test_upgrade_says_from_which_byoi_to_which(tmp_path: Path) -> None:
    out = tmp_path / "sidecar"
    run_byoi("new", "foundry-sidecar", "-o", str(out), "--no-input", check=True)
    _as_if_written_by(out, OLDER)
    assert json.loads((out / ".byoi/record.json").read_text())["byoi_version"] == OLDER
    assert f"byoi/) {OLDER} from" in (out / "README.md").read_text()
    mine = "#!/bin/sh\n# my own work\n"
    (out / "work.sh").write_text(mine)
    version = byoi_version()

    check = run_byoi("upgrade", str(out), "--check")
    assert check.returncode == 1, check.stdout + check.stderr
    assert check.stdout.splitlines()[-1] == (
        f"{out} is not up to date with byoi {version} (written by byoi {OLDER}): run byoi upgrade {out}"
    )
    proc = run_byoi("upgrade", str(out), check=True)
    assert proc.stdout.splitlines()[0] == f"upgraded {out} from byoi {OLDER} to {version}"
    assert "README.md" in proc.stdout
    assert json.loads((out / ".byoi/record.json").read_text())["byoi_version"] == version
    readme = (out / "README.md").read_text()
    assert f"byoi/) {version} from" in readme and f"byoi/) {OLDER}" not in readme
    assert (out / "work.sh").read_text() == mine
    # Upgraded: the same byoi has nothing more to do, and says so without a "from".
    again = run_byoi("upgrade", str(out), check=True)
    assert again.stdout == f"{out} is up to date with byoi {version}; nothing to do\n"


def test_snapshots_leave_out_only_where_a_project_names_byoi_version() -> None:
    """The snapshot tests compare projects with byoi's version left out, and nothing else."""
    v = byoi_version()
    files = {
        "Dockerfile": f"# image, written by byoi {v}.\nARG TAG={v}\n",
        "README.md": f"Written by [byoi](https://pypi.org/project/byoi/) {v} from `byoi.yaml`\n",
        "ci.yml": f"pip install byoi=={v}\nimage: app:{v}\nbyoi {v}.1\n",
        "ci-pin.yml": f'  BYOI_VERSION: "{v}"\n# the release tag `v{v}` of byoi\nIMAGE_TAG: "{v}"\n',
    }
    assert versionless(files) == {
        "ci-pin.yml": f'  BYOI_VERSION: "{VERSION_MARK}"\n# the release tag `v{VERSION_MARK}` of byoi\n'
        f'IMAGE_TAG: "{v}"\n',
        "Dockerfile": f"# image, written by byoi {VERSION_MARK}.\nARG TAG={v}\n",
        "README.md": f"Written by [byoi](https://pypi.org/project/byoi/) {VERSION_MARK} from `byoi.yaml`\n",
        "ci.yml": f"pip install byoi=={VERSION_MARK}\nimage: app:{v}\nbyoi {v}.1\n",
    }
