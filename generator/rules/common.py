"""Rules for every target: syntax, root, pinned bases, platform, ports, secrets."""

from __future__ import annotations

import re
from collections.abc import Iterator

from generator.dockerfile.parser import INSTRUCTIONS, Instruction
from generator.platforms.foundry import FOUNDRY
from generator.platforms.sagemaker import BASES
from generator.rules.base import (
    ALL,
    Context,
    Hit,
    base_facts,
    final_chain_steps,
    final_line,
    recommended_user,
    required_platform,
    rule,
    split_image,
)
from generator.secretnames import looks_secret

# --- the Dockerfile itself (BY0xx) -------------------------------------------------


@rule("BY001", "error", ALL, "BuildKit cannot parse the Dockerfile", on_syntax_error=True)
def syntax_error(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports what makes BuildKit refuse to parse the Dockerfile: an unterminated
    heredoc, an invalid ``# escape=`` directive, a directive given twice, an ``ENV``
    without a value, a JSON array of something other than strings, or a file with no
    instructions at all.

    ## Why is this bad?
    ``docker build`` stops before it builds anything. Nothing else can be checked
    either: the other rules need a Dockerfile they can read.

    ## Example
    ```dockerfile
    RUN <<EOF
    echo hello
    ```

    ## Fix
    ```dockerfile
    RUN <<EOF
    echo hello
    EOF
    ```
    """
    err = ctx.syntax_error
    if err is not None:
        hint = ""
        if "heredoc" in err.message:
            hint = ": end it with a line holding only the heredoc's name"
        elif "escape" in err.message:
            hint = ": use # escape=\\ or # escape=`"
        yield Hit(max(err.line, 1), f"BuildKit cannot parse this Dockerfile: {err.message}{hint}")


@rule("BY002", "error", ALL, "Unknown instruction")
def unknown_instruction(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds lines BuildKit reads as an instruction it does not know.

    ## Why is this bad?
    The parser accepts them, but the build fails with ``unknown instruction``. The
    usual cause is a missing line continuation: the line was meant to continue the
    ``RUN`` above it.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y
        curl
    ```

    ## Fix
    ```dockerfile
    RUN apt-get update && apt-get install -y \\
        curl
    ```
    """
    assert ctx.dockerfile is not None
    for ins in ctx.dockerfile.instructions:
        for item in (ins, ins.sub):
            if item is None or item.known:
                continue
            import difflib  # only when there is something to suggest

            near = difflib.get_close_matches(item.keyword.upper(), INSTRUCTIONS, n=1)
            guess = f"did you mean {near[0]}? " if near else ""
            yield Hit(
                item.start_line,
                f"unknown instruction {item.keyword!r}: the build fails here; {guess}"
                f"if the line continues the one above, end that one with {ctx.escape}",
            )


_JSON_FORMS = ("RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME")


@rule("BY003", "warning", ALL, "Exec form that is not valid JSON runs as a shell command")
def broken_exec_form(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds ``CMD``/``ENTRYPOINT``/``RUN``/``COPY``... arguments that start with ``[``
    but are not a valid JSON array of strings (single quotes, a missing comma or
    bracket).

    ## Why is this bad?
    BuildKit then takes the text as the shell form: ``CMD ['server']`` runs
    ``/bin/sh -c "['server']"``, which fails when the container starts, not when the
    image is built.

    ## Example
    ```dockerfile
    ENTRYPOINT ['/usr/local/bin/start-code-editor']
    ```

    ## Fix
    ```dockerfile
    ENTRYPOINT ["/usr/local/bin/start-code-editor"]
    ```
    """
    assert ctx.dockerfile is not None
    for ins in ctx.dockerfile.instructions:
        item = ins.sub or ins
        if item.cmd not in _JSON_FORMS or item.json or not item.args:
            continue
        text = " ".join(item.args)
        if text.lstrip().startswith("["):
            yield Hit(
                item.start_line,
                f"{item.cmd} {text} is not a valid JSON array, so it runs as a shell command; "
                'write the exec form with double quotes and commas: ["a", "b"]',
            )


@rule("BY004", "error", ALL, "Instruction BuildKit refuses when it builds")
def invalid_instruction(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds instructions that parse but cannot be built: anything but ``ARG`` before
    the first ``FROM``, or a ``FROM`` with other arguments than an image and
    ``AS name``.

    ## Why is this bad?
    The build fails at that instruction.

    ## Example
    ```dockerfile
    ENV LANG=C.UTF-8
    FROM debian:12
    ```

    ## Fix
    ```dockerfile
    FROM debian:12
    ENV LANG=C.UTF-8
    ```
    """
    assert ctx.model is not None
    for ins, message in ctx.model.errors:
        yield Hit(ins.start_line, message)


# --- the image (BY1xx) -------------------------------------------------------------


@rule("BY101", "error", ALL, "The image runs as root")
def root_user(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Works out the user the final stage runs as, after ``ARG``/``ENV`` substitution
    (``${VAR:-default}`` forms included), per stage (``USER`` does not carry across a
    ``FROM`` of another image, and does carry into a stage built on an earlier one),
    and reports ``root``, ``0``, ``0:<group>``, or no ``USER`` at all.

    ## Why is this bad?
    Foundry refuses to run containers as root. SageMaker Studio expects the user
    1000:100 and maps it onto your identity; files written as root on the home
    volume become unwritable for you. With no ``USER``, a container runs as root
    unless the base image names another user.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    USER root
    RUN pip install flask
    ```

    ## Fix
    Install as root, then switch to the platform's user (numeric, as Foundry needs):
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install flask
    USER 5001
    ```
    """
    final = ctx.final
    if final is None:
        return
    fix = f"add USER {recommended_user(ctx.target)} after the steps that need root"
    user = final.user
    if user is None:
        facts = base_facts(final.image)
        if facts is None or facts.user is None:
            yield Hit(final_line(ctx), f"the final stage sets no USER, so the container runs as root; {fix}")
        return
    if user.value is not None and user.is_root and user.instruction is not None:
        yield Hit(user.instruction.start_line, f"USER {user.raw} runs the container as root; {fix}")


def _moving(tag: str) -> bool:
    forbidden = FOUNDRY.forbidden_tag
    return tag.lower() == forbidden or tag.lower().startswith(forbidden + "-")


@rule("BY102", "warning", ALL, "Base image not pinned to a version")
def unpinned_base(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds ``FROM`` lines whose image has no tag, or a moving tag such as ``latest`` or
    ``latest-cpu``. Stage names and ``scratch`` are not images and are left alone; an
    image pinned by digest is fine.

    ## Why is this bad?
    The same Dockerfile builds a different image next month: a new Python, a new
    Code Editor, a changed default user. Foundry never runs images tagged
    ``latest``, and a rebuild that silently changes the base is the hardest kind of
    failure to explain after a twenty-minute push.

    ## Example
    ```dockerfile
    FROM public.ecr.aws/sagemaker/sagemaker-distribution:latest-cpu
    ```

    ## Fix
    ```dockerfile
    FROM public.ecr.aws/sagemaker/sagemaker-distribution:4.3.0-cpu
    ```
    """
    assert ctx.model is not None
    for stage in ctx.model.stages:
        if stage.base is None or stage.parent is not None or stage.base == "scratch":
            continue
        repo, tag, digest = split_image(stage.base)
        if digest is not None:
            continue
        known = {b.repository: b for b in BASES.values()}.get(repo)
        example = known.reference() if known is not None else f"{repo}:<version>"
        if tag is None:
            yield Hit(stage.from_.start_line, f"FROM {stage.base} has no tag, so it means latest; pin it: {example}")
        elif _moving(tag):
            yield Hit(stage.from_.start_line, f"FROM {stage.base} uses the moving tag {tag!r}; pin it: {example}")


_BUILD_PLATFORM = re.compile(r"\$\{?BUILD(PLATFORM|OS|ARCH|VARIANT)\b")


@rule("BY103", "error", ALL, "FROM --platform is not linux/amd64")
def wrong_platform(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Checks ``FROM --platform=...`` against the only platform the target runs,
    ``linux/amd64``. ``--platform=$BUILDPLATFORM`` is accepted on build stages (a
    cross-compiling pattern) but not on the final stage, where it means "whatever
    machine builds this".

    ## Why is this bad?
    An arm64 image (built on Apple Silicon, say) starts with ``exec format error`` on
    SageMaker and Foundry, after the push.

    ## Example
    ```dockerfile
    FROM --platform=linux/arm64 python:3.12-slim
    ```

    ## Fix
    ```dockerfile
    FROM --platform=linux/amd64 python:3.12-slim
    ```
    or drop the flag and build with ``docker build --platform linux/amd64``.
    """
    assert ctx.model is not None
    required = required_platform(ctx.target)
    final = ctx.final
    chain = final.chain() if final is not None else []
    for stage in ctx.model.stages:
        raw = stage.platform_raw
        if raw is None:
            continue
        line = stage.from_.start_line
        if _BUILD_PLATFORM.search(raw):
            if stage in chain:
                yield Hit(line, f"--platform={raw} builds the final image for the building machine; use {required}")
            continue
        if stage.platform is not None and stage.platform != required:
            yield Hit(line, f"--platform={stage.platform} is not {required}, the only platform the target runs")


_PORT = re.compile(r"([0-9]+)(?:-([0-9]+))?(?:/([a-zA-Z]+))?")


@rule("BY104", "error", ALL, "Exposed port outside 1024-65535")
def port_range(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Checks every port (and port range) the final image ``EXPOSE``s, after variable
    substitution, against 1024-65535.

    ## Why is this bad?
    Ports below 1024 are reserved for root, and the platforms do not run containers
    as root: Foundry refuses such images, and a server as a non-root user cannot
    bind there.

    ## Example
    ```dockerfile
    EXPOSE 80
    ```

    ## Fix
    ```dockerfile
    EXPOSE 8080
    ```
    """
    low, high = FOUNDRY.min_port, FOUNDRY.max_port
    for step in final_chain_steps(ctx):
        ins = step.instruction
        if ins.cmd != "EXPOSE":
            continue
        for word in ins.args:
            value = step.expand(word, ctx.escape)
            if value is None:
                continue
            m = _PORT.fullmatch(value)
            if m is None:
                yield Hit(ins.start_line, f"EXPOSE {value} is not a port; give a number from {low} to {high}")
                continue
            first = int(m.group(1))
            last = int(m.group(2) or first)
            if first < low or last > high:
                yield Hit(ins.start_line, f"EXPOSE {value} is outside {low}-{high}; use a port from {low} to {high}")


def _variable_names(ins: Instruction) -> list[str]:
    if ins.cmd == "ENV":
        return list(ins.args[::2])
    if ins.cmd == "ARG":
        return [word.partition("=")[0] for word in ins.args]
    return []


@rule("BY105", "warning", ALL, "ENV or ARG name suggests a secret")
def secret_name(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds ``ENV`` and ``ARG`` names with TOKEN, PASSWORD, SECRET, KEY (or PASSWD,
    CREDENTIAL) as one of their words: ``API_KEY``, ``GITHUB_TOKEN``.

    ## Why is this bad?
    ``ENV`` values are stored in the image, and ``ARG`` values in its history: anyone
    who can pull the image can read them. Neither platform needs credentials baked
    in: Foundry and SageMaker inject what the container may use at run time.

    ## Example
    ```dockerfile
    ARG PIP_INDEX_TOKEN
    RUN pip install --index-url https://user:${PIP_INDEX_TOKEN}@pypi.example.com/simple foo
    ```

    ## Fix
    ```dockerfile
    RUN --mount=type=secret,id=pip_token \\
        pip install --index-url "https://user:$(cat /run/secrets/pip_token)@pypi.example.com/simple" foo
    ```
    """
    assert ctx.dockerfile is not None
    for ins in ctx.dockerfile.instructions:
        for name in _variable_names(ins):
            if looks_secret(name):
                yield Hit(
                    ins.start_line,
                    f"{ins.cmd} {name} looks like a secret, and images keep {ins.cmd} values readable; "
                    "pass it with RUN --mount=type=secret at build time or inject it at run time",
                )
