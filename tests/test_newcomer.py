"""What a newcomer reads: the help says what byoi does, the project's README is true however it was written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support import REPO, run_byoi

COOKIECUTTER = str(Path(sys.executable).parent / "cookiecutter")


def cookiecutter(out: Path, target: str, *answers: str) -> subprocess.CompletedProcess[str]:
    """The real cookiecutter command on one of the repository's templates, with a home of its own."""
    home = out.parent / "home"
    home.mkdir(exist_ok=True)
    return subprocess.run(
        [COOKIECUTTER, "--no-input", str(REPO / "templates" / target), "-o", str(out), *answers],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "HOME": str(home)},
    )


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_force_help_says_what_force_does(tmp_path: Path) -> None:
    help_text = one_line(run_byoi("new", "foundry-byoc", "--help", check=True).stdout)
    # What --force does, as the README's "Writes, the record and upgrades" section states it.
    assert "replacing files" not in help_text
    assert "a file you changed (or byoi did not write) is kept" in help_text
    assert "byoi's new version of it, if different, is written beside it as NAME.byoi-new" in help_text
    assert "files byoi wrote and you did not change are updated" in help_text
    # ... and it is what byoi does: an edited file kept, byoi's version beside it, the rest updated
    out = tmp_path / "p"
    run_byoi("new", "foundry-byoc", "-o", str(out), "--no-input", check=True)
    (out / "README.md").write_text("mine\n")
    run_byoi("new", "foundry-byoc", "-o", str(out), "--no-input", "--force", "--image-tag", "0.2.0", check=True)
    assert (out / "README.md").read_text() == "mine\n"
    assert "0.2.0" in (out / "README.md.byoi-new").read_text()
    assert "image_tag: 0.2.0" in (out / "byoi.yaml").read_text()  # an untouched file updated


def test_the_readme_on_byoi_record_is_true_for_a_project_cookiecutter_wrote(tmp_path: Path) -> None:
    proc = cookiecutter(tmp_path / "cc", "foundry-byoc", "name=readme-check")
    assert proc.returncode == 0, proc.stderr
    project = next((tmp_path / "cc").iterdir())
    readme = one_line((project / "README.md").read_text())
    # the words issue 20 asks for: byoi new and upgrade keep .byoi/, a cookiecutter project gets it at its first upgrade
    assert "`byoi new` and `byoi upgrade` keep `.byoi/` here" in readme
    assert "A project cookiecutter wrote has no `.byoi/` yet: its first `byoi upgrade` writes it." in readme
    assert "`.byoi/` records what byoi wrote here" not in readme
    # ... which is so: none now, one after the first upgrade, which says why there was none
    assert not (project / ".byoi").exists()
    upgraded = run_byoi("upgrade", str(project))
    assert upgraded.returncode == 0, upgraded.stderr
    assert "(cookiecutter wrote it, or a byoi from before the record)" in upgraded.stderr
    assert (project / ".byoi" / "record.json").is_file()
    # and byoi new writes it from the start
    run_byoi("new", "foundry-byoc", "-o", str(tmp_path / "byoi"), "--no-input", check=True)
    assert (tmp_path / "byoi" / ".byoi" / "record.json").is_file()


def test_a_new_option_takes_its_place_in_the_asking_order_from_its_declaration() -> None:
    # Options other work adds (a new flag, a new target's answers) are placed by what they declare, with no
    # change to the ordering: undeclared means advanced; a section without a rank comes after the ranked ones.
    from dataclasses import dataclass

    from generator.answers import CONTENTS, KIND, asking_order, option
    from generator.targets.foundry_common import FoundryAnswers

    @dataclass(frozen=True)
    class Extended(FoundryAnswers):
        notify: bool = option(False, "send a notification")
        flavour: str = option("a", "flavour", choices=("a", "b"), group=KIND)
        models: tuple[str, ...] = option((), "model to bundle", multiple=True, group=CONTENTS)

    names = [q.name for q in asking_order(Extended)]
    assert names[0] == "flavour"
    assert names.index("apt_packages") < names.index("pip_packages") < names.index("models") < names.index("name")
    assert names[-2:] == ["notify", "ci"]  # ci: declared to come after every other question
    assert names.index("image_tag") < names.index("env") < names.index("ca_certs") < names.index("base_image")


# --- the same kind of slip elsewhere (issue 20: "read every help text and every error message") ---


def test_a_boolean_default_is_shown_as_its_flag_not_as_python_true_or_false() -> None:
    sagemaker = one_line(run_byoi("new", "sagemaker-code-editor", "--help", check=True).stdout)
    foundry = one_line(run_byoi("new", "foundry-byoc", "--help", check=True).stdout)
    assert "(default: --no-gpu)" in sagemaker
    assert "(default: --telemetry)" in foundry
    assert "(default: False)" not in sagemaker + foundry and "(default: True)" not in sagemaker + foundry


def test_new_target_help_lists_the_answers_in_the_wizard_order() -> None:
    from test_wizard import ORDER

    for target, order in ORDER.items():
        help_text = run_byoi("new", target, "--help", check=True).stdout.split("answers (in the order", 1)[1]
        listed = [
            line.split()[0].removeprefix("--").rstrip(",") for line in help_text.splitlines()[1:] if line[2:4] == "--"
        ]
        assert [f for f in listed if f in order] == order  # conditional questions included where they apply


def test_an_unknown_flag_points_at_the_help_that_lists_the_flags(tmp_path: Path) -> None:
    proc = run_byoi("new", "foundry-byoc", "-o", str(tmp_path / "p"), "--colour", "blue")
    assert (proc.returncode, proc.stderr) == (
        2,
        "byoi new foundry-byoc: error: unrecognized arguments: --colour blue (see 'byoi new foundry-byoc --help')\n",
    )
    assert list(tmp_path.iterdir()) == []
    # and byoi new's own help says where the answers are
    assert "byoi new TARGET --help" in one_line(run_byoi("new", "--help", check=True).stdout)


def test_upgrade_help_does_not_claim_the_declared_defaults(tmp_path: Path) -> None:
    # byoi upgrade keeps the project's answers: "default: my-code-editor" would be false for every other project
    help_text = one_line(run_byoi("upgrade", "--help", check=True).stdout)
    assert "(default: my-code-editor)" not in help_text and "(default: 0.1.0)" not in help_text
    assert "a flag not given keeps the answer in byoi.yaml" in help_text
    # and a folder that is not a project says what to do
    proc = run_byoi("upgrade", str(tmp_path))
    assert proc.returncode == 2
    assert (
        proc.stderr.endswith("give the project's folder: byoi upgrade DIR\n")
        and "(or name its folder)" not in proc.stderr
    )


def test_cookiecutter_prompts_speak_of_one_list_and_say_what_needs_byoi() -> None:
    import json

    for target in ("sagemaker-code-editor", "foundry-sidecar", "foundry-byoc", "foundry-model"):
        prompts = json.loads((REPO / "templates" / target / "cookiecutter.json").read_text())["__prompts__"]
        # a cookiecutter answer is one JSON list, never "repeatable"; no byoi option named (-o, --flags)
        assert not [p for p in prompts.values() if "repeatable" in p or " -o" in p or "--" in p]
        assert prompts["ca_certs"].endswith("(only with byoi new, which copies the files in: leave empty)")


def test_every_target_including_new_ones_asks_in_the_issue_order() -> None:
    # Holds for whatever targets exist (one added later too): name and tag after the contents, conda before
    # pip before extensions, env then CA certificates then the base image override after the name and tag.
    from generator.answers import asking_order
    from generator.targets import TARGETS

    for target in TARGETS.values():
        names = [q.name for q in asking_order(target.answers)]
        at = {n: i for i, n in enumerate(names)}
        contents = [n for n in ("apt_packages", "conda_packages", "pip_packages", "extensions") if n in at]
        assert [at[n] for n in contents] == sorted(at[n] for n in contents), target.name
        assert all(at[n] < at["name"] for n in contents), target.name
        assert at["name"] + 1 == at["image_tag"], target.name
        assert at["image_tag"] < at["env"] < at["ca_certs"] < at["base_image"], target.name


def test_check_without_a_target_asks_for_a_target_in_its_own_words(tmp_path: Path) -> None:
    # --target takes a target (byoi targets), not a platform: the message says which option and where to look
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\nUSER 5001\n")
    proc = run_byoi("check", str(tmp_path / "Dockerfile"), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--target TARGET" in proc.stderr and "byoi targets" in proc.stderr
    assert "platform" not in proc.stderr
