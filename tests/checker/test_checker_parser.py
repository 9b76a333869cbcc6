"""The parser, the model of stages and the shell scanner, on the cases rules depend on."""

from __future__ import annotations

import pytest

from generator.dockerfile.model import build
from generator.dockerfile.parser import DockerfileSyntaxError, parse
from generator.dockerfile.script import assignments, commands, expand_word
from generator.dockerfile.shell import expand

# --- parser ------------------------------------------------------------------------------


def test_lines_span_continuations_comments_and_heredocs() -> None:
    df = parse(
        "# syntax=docker/dockerfile:1\n"
        "FROM debian:12 AS base\n"
        "RUN apt-get update \\\n"
        "    # a comment inside the continuation\n"
        "\n"
        " && apt-get install -y curl\n"
        "COPY <<EOF <<-EOT /etc/\n"
        "one\n"
        "EOF\n"
        "\ttwo\n"
        "\tEOT\n"
        "USER 5001\n"
    )
    assert [(i.cmd, i.start_line, i.end_line) for i in df.instructions] == [
        ("FROM", 2, 2),
        ("RUN", 3, 6),
        ("COPY", 7, 11),
        ("USER", 12, 12),
    ]
    assert df.directives[0].name == "syntax" and df.directives[0].line == 1
    run = df.instructions[1]
    assert run.args == ("apt-get update  && apt-get install -y curl",)
    assert run.line_of(run.original.index("&&")) == 6
    assert df.empty_continuations == [5]
    copy = df.instructions[2]
    assert copy.args == ("<<EOF", "<<-EOT", "/etc/")
    assert [(h.name, h.content, h.text, h.chomp) for h in copy.heredocs] == [
        ("EOF", "one\n", "one\n", False),
        ("EOT", "\ttwo\n", "two\n", True),
    ]


def test_escape_directive_changes_the_continuation_character() -> None:
    df = parse("# escape=`\nFROM windows\nRUN dir c:\\ `\n    && echo ok\n")
    assert df.escape == "`"
    assert df.instructions[1].args == ("dir c:\\     && echo ok",)


def test_json_and_shell_forms_and_flags() -> None:
    df = parse(
        "FROM --platform=linux/amd64 python:3.12 AS app\n"
        'COPY --from=build --chown="5001:5001" ["/out", "/app/"]\n'
        "run --mount=type=cache,target=/root/.cache pip install x\n"
        "CMD ['not', 'json']\n"
    )
    from_, copy, run, cmd = df.instructions
    assert from_.flag("platform") == "linux/amd64" and from_.args == ("python:3.12", "AS", "app")
    assert copy.json and copy.args == ("/out", "/app/") and copy.flag("chown") == "5001:5001"
    assert run.cmd == "RUN" and run.keyword == "run" and run.flags == ("--mount=type=cache,target=/root/.cache",)
    assert not cmd.json and cmd.args == ("['not', 'json']",)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("", "file with no instructions", 1),
        ("FROM a\nRUN <<EOF\nx\n", "unterminated heredoc", 2),
        ("# escape=x\nFROM a\n", "invalid escape token", 1),
        ("FROM a\nENV ONLY\n", "ENV must have two arguments", 2),
        ('FROM a\nCMD ["a", 1]\n', "arrays must be comprised of strings only", 2),
    ],
)
def test_syntax_errors_carry_their_line(text: str, message: str, line: int) -> None:
    with pytest.raises(DockerfileSyntaxError) as err:
        parse(text)
    assert message in err.value.message
    assert err.value.line == line


def test_unknown_instructions_parse_and_are_marked() -> None:
    df = parse("FROM a\nRUNN x\n")
    assert not df.instructions[1].known and df.instructions[0].known


# --- variable expansion --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("$A", "a"),
        ("${A}", "a"),
        ("${A:-x}", "a"),
        ("${EMPTY:-x}", "x"),
        ("${EMPTY-x}", ""),
        ("${UNSET-x}", "x"),
        ("${A:+x}", "x"),
        ("${EMPTY:+x}", ""),
        ("${EMPTY+x}", "x"),
        ("${UNSET+x}", ""),
        ("$UNSET", ""),
        ('"$A b"', "a b"),
        ("'$A'", "$A"),
        ("\\$A", "$A"),
        ("${NOVALUE:-d}", "d"),
        ("$NOVALUE", None),
        ("${A,,}", None),
    ],
)
def test_expand(word: str, expected: str | None) -> None:
    env = {"A": "a", "EMPTY": "", "NOVALUE": None}
    assert expand(word, env) == expected


def test_stages_scope_args_env_user_and_workdir() -> None:
    model = build(
        parse(
            "ARG BASE=python:3.12.12-slim-bookworm\n"
            "ARG UID=5001\n"
            "FROM $BASE AS build\n"
            "USER 1234\n"
            "WORKDIR /src\n"
            "ENV TOOL=/opt/tool\n"
            "FROM build AS child\n"
            "WORKDIR sub\n"
            "FROM $BASE\n"
            "ARG UID\n"
            "ENV HOME_DIR=/home/app UID=6000\n"
            "ENV COPY_OF_UID=$UID\n"
            "USER ${UID}\n"
            "COPY --from=child /src/sub/app ./\n"
        )
    )
    build_, child, final = model.stages
    assert build_.base == "python:3.12.12-slim-bookworm" and build_.alias == "build"
    # Built on an earlier stage: user, workdir and env carry over.
    assert child.parent is build_ and child.user is not None and child.user.value == "1234"
    assert child.workdir == "/src/sub" and child.env["TOOL"] == "/opt/tool"
    # A new image: nothing carries across FROM; a global ARG must be declared again.
    assert final.parent is None and final.workdir == "/"
    assert "TOOL" not in final.env
    # ENV wins over ARG, and an ENV value is expanded before its own instruction.
    assert final.env["COPY_OF_UID"] == "6000"
    assert final.user is not None and final.user.value == "6000"
    (copy,) = final.copies
    assert (copy.from_, copy.dest, copy.sources) == ("child", "/", ("/src/sub/app",))


def test_user_parts() -> None:
    model = build(parse("FROM a\nUSER 0:100\nFROM b\nUSER app:users\n"))
    root, named = (s.user for s in model.stages)
    assert root is not None and root.is_root and root.gid == 100
    assert named is not None and (named.name, named.group, named.uid) == ("app", "users", None)


# --- shell scripts -----------------------------------------------------------------------------


def test_script_commands_and_lines() -> None:
    text = (
        "#!/bin/bash\n"
        'app_type="${SAGEMAKER_APP_TYPE:-CodeEditor}"\n'
        'base_path="/${app_type,,}/default"\n'
        "cat > /tmp/x <<EOF\n"
        "exec this is not a command\n"
        "EOF\n"
        'if [ -n "$X" ]; then exec server \\\n'
        '    --base-path "$base_path" >> /var/log/x 2>&1; fi\n'
    )
    cmds = commands(text)
    assert [c.words[0].raw for c in cmds if c.words] == [
        'app_type="${SAGEMAKER_APP_TYPE:-CodeEditor}"',
        'base_path="/${app_type,,}/default"',
        "cat",
        "[",
        "exec",
    ]
    server = cmds[-1]
    assert [w.line for w in server.words] == [7, 7, 8, 8]
    assert [(op, t.raw) for op, t in server.redirects] == [(">>", "/var/log/x")]
    scope: dict[str, str | None] = {"SAGEMAKER_APP_TYPE": "CodeEditor"}
    for command in cmds[:2]:
        for name, raw in assignments(command):
            scope[name] = None if raw is None else expand_word(raw, scope)
    assert scope["base_path"] == "/codeeditor/default"
    assert expand_word('"$(pwd)/x"', scope) is None
    assert expand_word("${PORT:-8888}", scope) == "8888"
    assert expand_word("$UNKNOWN", scope) is None
