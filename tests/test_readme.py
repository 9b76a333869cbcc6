"""README.md starts with the two commands a newcomer runs, and CI runs the second."""

from __future__ import annotations

from support import REPO


def readme_commands() -> list[str]:
    lines = (REPO / "README.md").read_text().splitlines()
    return [line.strip() for line in lines if line.startswith("    ")][:2]


def test_readme_starts_with_install_and_generate_then_install_and_test() -> None:
    generate, test = readme_commands()
    assert "pip install ." in generate and "byoi new" in generate and "--no-input" in generate
    assert "pip install -e '.[test]'" in test and test.endswith("pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in [line.strip() for line in ci]
