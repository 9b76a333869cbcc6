"""The rule catalogue: stable codes, levels, documentation beside each check, all exercised."""

from __future__ import annotations

import re

import pytest
from checker_support import corpus_dockerfiles, expectations
from test_checker_generated import MUTATIONS

from generator.check import check_text
from generator.rules import LEVELS, TARGETS
from generator.rules.registry import RULES, rules_for

HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "## Fix")


def test_codes_follow_the_scheme() -> None:
    for code, rule in RULES.items():
        assert rule.code == code
        assert re.fullmatch(r"BY0[0-9]{2}|BY1[0-9]{2}|SM2[0-9]{2}|FD3[0-9]{2}", code), code
        assert rule.level in LEVELS
        assert rule.targets and rule.targets <= set(TARGETS)
        if code.startswith("SM"):
            assert rule.targets <= {"sagemaker-code-editor", "sagemaker-jupyterlab"}
        if code.startswith("FD"):
            assert rule.targets <= {"foundry-sidecar", "foundry-byoc", "foundry-model", "foundry-compute-module"}
        if code.startswith("BY"):
            assert rule.targets == set(TARGETS)


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_is_documented_beside_its_check(code: str) -> None:
    doc = RULES[code].doc
    positions = [doc.find(h) for h in HEADINGS]
    missing = [h for h in HEADINGS if h not in doc]
    assert missing == [], f"{code} lacks {missing}"
    assert positions == sorted(positions)
    assert RULES[code].summary and not RULES[code].summary.endswith(".")


def test_every_rule_is_exercised_by_the_corpus_or_a_mutation() -> None:
    seen = {m.code for m in MUTATIONS}
    for path in corpus_dockerfiles():
        for items in expectations(path).values():
            seen |= {item.split("@")[0] for item in items}
    assert set(RULES) - seen == set()


def test_rules_for_a_target() -> None:
    byoc = {r.code for r in rules_for("foundry-byoc")}
    assert "FD302" in byoc and "FD304" not in byoc and "SM201" not in byoc
    assert {r.code for r in rules_for("sagemaker-code-editor")} >= {"BY101", "SM212"}


def _codes(text: str, target: str) -> list[str]:
    return [f.code for f in check_text(text, target)]


def test_user_default_forms_are_resolved() -> None:
    # `ARG X` without a default is unset in a plain build: ${X:-default} gives the default.
    assert _codes("FROM python:3.12.12-slim-bookworm\nARG UID\nUSER ${UID:-1000}\n", "foundry-byoc") == ["FD302"]
    assert _codes("FROM python:3.12.12-slim-bookworm\nARG UID\nUSER ${UID:-5001}\n", "foundry-byoc") == []
    assert _codes("FROM python:3.12.12-slim-bookworm\nARG UID=0\nUSER $UID\n", "foundry-byoc") == ["BY101"]
    # Set only by --build-arg: not knowable, nothing said.
    assert _codes("FROM python:3.12.12-slim-bookworm\nARG UID\nUSER $UID\n", "foundry-byoc") == []


def test_user_does_not_carry_across_from_but_does_into_a_child_stage() -> None:
    base = "FROM python:3.12.12-slim-bookworm AS base\nUSER 5001\n"
    assert _codes(base + "FROM python:3.12.12-slim-bookworm\n", "foundry-model") == ["BY101"]
    assert _codes(base + "FROM base\nRUN true\n", "foundry-model") == []


def test_base_path_forms() -> None:
    head = "FROM debian:12.8-slim\nUSER 1000:100\nWORKDIR /home/sagemaker-user\n"
    server = "sagemaker-code-editor --host 0.0.0.0 --port 8888 --without-connection-token"
    ok = [
        "--base-path /codeeditor/default",
        '--base-path "/$(echo x)/default"',  # not knowable: nothing said
        "--base-path=/codeeditor/default/",
    ]
    for tail in ok:
        assert _codes(head + f"CMD {server} {tail}\n", "sagemaker-code-editor") == [], tail
    assert _codes(head + f"CMD {server} --base-path /CodeEditor/default\n", "sagemaker-code-editor") == ["SM212"]
    env = head + "ENV SAGEMAKER_APP_TYPE_LOWER=codeeditor\n"
    assert "SM212" not in _codes(
        env + f'CMD {server} --base-path "/$SAGEMAKER_APP_TYPE_LOWER/default"\n', "sagemaker-code-editor"
    )
    # Studio sets SAGEMAKER_APP_TYPE=CodeEditor: used as is, the case is wrong.
    assert _codes(head + f'CMD {server} --base-path "/$SAGEMAKER_APP_TYPE/default"\n', "sagemaker-code-editor") == [
        "SM212"
    ]


def test_extension_installs_are_not_server_starts() -> None:
    text = (
        "FROM public.ecr.aws/sagemaker/sagemaker-distribution:4.3.0-cpu\n"
        "RUN sagemaker-code-editor --install-extension ms-python.python --extensions-dir /opt/x\n"
        'CMD ["sagemaker-code-editor", "--version"]\n'
    )
    assert _codes(text, "sagemaker-code-editor") == []
