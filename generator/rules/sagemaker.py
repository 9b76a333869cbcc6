"""Rules for SageMaker Studio Code Editor images (target ``sagemaker-code-editor``).

Every value comes from :mod:`generator.platforms.sagemaker`: the user and group, the
home volume, the reserved folders, the server's host, port, token flag and base path.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping

from generator.dockerfile.model import Stage
from generator.dockerfile.parser import Instruction
from generator.dockerfile.script import Command, Word, assignments, command_words, commands, expand_word, literal
from generator.platforms.sagemaker import CODE_EDITOR, JUPYTERLAB, SAGEMAKER_DISTRIBUTION
from generator.rules import SAGEMAKER_JUPYTERLAB
from generator.rules.base import (
    CODE_EDITOR_TARGETS,
    JUPYTERLAB_TARGETS,
    SAGEMAKER,
    Context,
    Hit,
    base_facts,
    final_chain_steps,
    final_line,
    instruction_commands,
    memoized,
    program,
    rule,
    split_image,
)
from generator.rules.users import identity

_IDS = f"{CODE_EDITOR.uid}:{CODE_EDITOR.gid}"

# --- user and group ----------------------------------------------------------------


@rule("SM201", "error", SAGEMAKER, "The image's user is not UID 1000")
def wrong_uid(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Checks the uid the final stage runs as, when it can be known: a numeric ``USER``,
    a name the Dockerfile creates with ``useradd -u``/``usermod --uid``, or the
    documented user of a known base image (micromamba's ``mambauser`` is 57439).

    ## Why is this bad?
    Studio supports UID 1000 (and GID 100) for custom images: with another uid the
    files on the space's home volume belong to someone else, and the space cannot
    write its own settings.

    ## Example
    ```dockerfile
    FROM mambaorg/micromamba:2.5.0-debian12-slim
    USER 57439
    ```

    ## Fix
    Renumber the image's user and switch to it:
    ```dockerfile
    USER root
    RUN usermod --login sagemaker-user --home /home/sagemaker-user --move-home \\
            --uid 1000 --gid 100 mambauser
    USER 1000:100
    ```
    """
    who = identity(ctx)
    if who is not None and who.uid is not None and who.uid != CODE_EDITOR.uid:
        where = f"the base image's user {who.raw}" if who.from_base else f"USER {who.raw}"
        yield Hit(who.line, f"{where} runs as uid {who.uid}; Studio runs custom images as {_IDS}: use USER {_IDS}")


@rule("SM202", "error", SAGEMAKER, "The image's group is not GID 100")
def wrong_gid(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Checks the gid the final stage runs as, when it can be known: ``USER uid:gid``,
    ``USER uid:users``, or the primary group the Dockerfile gives the user.

    ## Why is this bad?
    Studio supports GID 100. Files created with another group, on the home volume in
    particular, are not writable by the group Studio uses.

    ## Example
    ```dockerfile
    USER 1000:1000
    ```

    ## Fix
    ```dockerfile
    USER 1000:100
    ```
    """
    who = identity(ctx)
    if who is not None and who.gid is not None and who.gid != CODE_EDITOR.gid:
        where = f"the base image's user {who.raw}" if who.from_base else f"USER {who.raw}"
        yield Hit(who.line, f"{where} runs with gid {who.gid}; Studio expects GID {CODE_EDITOR.gid}: use USER {_IDS}")


@rule("SM203", "warning", SAGEMAKER, "USER gives no group, and the user's group cannot be known")
def no_group(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds a ``USER`` without ``:group`` whose primary group the Dockerfile does not
    show (the user is not created or renumbered in it).

    ## Why is this bad?
    Without a group, the container runs with the user's primary group from
    ``/etc/passwd``, and with group 0 (root's) when the uid has no entry there, as
    after ``USER 1000`` in an image that has no user 1000.

    ## Example
    ```dockerfile
    USER 1000
    ```

    ## Fix
    ```dockerfile
    USER 1000:100
    ```
    """
    who = identity(ctx)
    if who is None or who.from_base or who.group_given or who.gid is not None or (who.named and who.uid is None):
        return
    yield Hit(
        who.line,
        f"USER {who.raw} names no group, so the group is whatever /etc/passwd says (0 if uid {who.uid} has no "
        f"entry); write USER {who.uid}:{CODE_EDITOR.gid}",
    )


@rule("SM204", "warning", SAGEMAKER, "USER is a name whose uid cannot be checked")
def named_user(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds a ``USER`` that names a user the Dockerfile does not create or renumber
    and that is not a known base image's user, so its uid cannot be checked.

    ## Why is this bad?
    The uid behind a name depends on the base image's ``/etc/passwd``; Studio needs
    1000:100, and a name hides whether the image gets it.

    ## Example
    ```dockerfile
    USER coder
    ```

    ## Fix
    ```dockerfile
    USER 1000:100
    ```
    """
    who = identity(ctx)
    if who is not None and who.named and who.uid is None:
        yield Hit(
            who.line,
            f"USER {who.raw} is a name whose uid this Dockerfile does not show; Studio needs {_IDS}: write USER {_IDS}",
        )


# --- file system -------------------------------------------------------------------


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


@rule("SM205", "error", SAGEMAKER, "WORKDIR outside /home/sagemaker-user")
def workdir_outside_home(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Checks the final stage's working folder (the last ``WORKDIR``, relative ones
    resolved, variables expanded) against the space's home volume.

    ## Why is this bad?
    Studio mounts the space's EBS volume at ``/home/sagemaker-user`` and the AWS
    specification asks for ``WORKDIR`` to be that folder or inside it: Code Editor
    opens there, and what users save elsewhere is lost when the space stops.

    ## Example
    ```dockerfile
    WORKDIR /app
    ```

    ## Fix
    ```dockerfile
    WORKDIR /home/sagemaker-user
    ```
    """
    final = ctx.final
    if final is None or final.workdir_instruction is None or final.workdir is None:
        return
    if not _inside(final.workdir, CODE_EDITOR.home):
        yield Hit(
            final.workdir_instruction.start_line,
            f"WORKDIR {final.workdir} is outside {CODE_EDITOR.home}, the space's home volume; "
            f"use WORKDIR {CODE_EDITOR.home} or a folder inside it",
        )


@rule("SM206", "warning", SAGEMAKER, "No WORKDIR, and the base image's is not known to be the home")
def no_workdir(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds a final stage with no ``WORKDIR`` (in it or the stages it is built on) on
    a base image not known to work in ``/home/sagemaker-user``.

    ## Why is this bad?
    The working folder is then the base image's (``/`` or ``/tmp`` for most), not
    the space's home volume the AWS specification asks for.

    ## Example
    ```dockerfile
    FROM mambaorg/micromamba:2.5.0-debian12-slim
    CMD ["start-code-editor"]
    ```

    ## Fix
    ```dockerfile
    WORKDIR /home/sagemaker-user
    ```
    """
    final = ctx.final
    if final is None or final.workdir_instruction is not None:
        return
    facts = base_facts(final.image)
    if facts is not None and facts.workdir is not None and _inside(facts.workdir, CODE_EDITOR.home):
        return
    yield Hit(final_line(ctx), f"the image sets no WORKDIR; add WORKDIR {CODE_EDITOR.home} (the space's home volume)")


#: Commands that write to every path they are given, and those whose last path is the destination.
_WRITE_ALL = frozenset({"mkdir", "touch", "tee", "rm", "rmdir", "truncate", "mkfifo", "chown", "chmod", "chgrp"})
_WRITE_LAST = frozenset({"cp", "mv", "install", "ln", "rsync"})
_OWNER_FIRST = frozenset({"chown", "chmod", "chgrp"})
_WRITE_OPTIONS = {
    "curl": ("-o", "--output"),
    "wget": ("-O", "-P", "--output-document", "--directory-prefix"),
    "tar": ("-C", "--directory"),
    "unzip": ("-d",),
}
_REDIRECTS = frozenset({">", ">>", ">|", "&>", "&>>", "<>"})


def _reserved(path: str) -> str | None:
    return next((r for r in CODE_EDITOR.reserved_paths if _inside(path, r)), None)


def _writes(cmds: list[Command], variables: Mapping[str, str | None], cwd: str | None) -> Iterator[tuple[int, str]]:
    """(line, path) for each path the commands write to, where it can be known."""

    def resolve(word: Word) -> str | None:
        value = expand_word(word.raw, variables)
        if value is None:
            return None
        if value.startswith("/"):
            return posixpath.normpath(value)
        return posixpath.normpath(posixpath.join(cwd, value)) if cwd else None

    for command in cmds:
        for op, target in command.redirects:
            if op in _REDIRECTS:
                path = resolve(target)
                if path is not None:
                    yield target.line, path
        name, args = program(command)
        if name is None:
            continue
        targets: list[Word] = []
        if name == "dd":
            targets = [Word(w.raw.partition("=")[2], w.line) for w in args if w.raw.startswith("of=")]
        elif name in _WRITE_OPTIONS:
            options = _WRITE_OPTIONS[name]
            for i, word in enumerate(args):
                key, sep, _ = word.raw.partition("=")
                if key in options and sep:
                    targets.append(Word(word.raw.partition("=")[2], word.line))
                elif word.raw in options and i + 1 < len(args):
                    targets.append(args[i + 1])
        else:
            operands = [w for w in args if not w.raw.startswith("-")]
            if name in _OWNER_FIRST:
                operands = operands[1:]
            if name in _WRITE_ALL or (name == "install" and any(w.raw == "-d" for w in args)):
                targets = operands
            elif name in _WRITE_LAST and len(operands) >= 2:
                targets = operands[-1:]
        for word in targets:
            path = resolve(word)
            if path is not None:
                yield word.line, path


def _runtime_env(stage: Stage) -> dict[str, str | None]:
    """What a running container's processes see: the image's ENV plus what Studio injects."""
    return {**stage.env, CODE_EDITOR.app_type_env: CODE_EDITOR.app_type_default}


@rule("SM207", "error", SAGEMAKER, "Writes to a folder SageMaker reserves")
def reserved_path(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds writes under ``/opt/ml``, ``/opt/.sagemakerinternal`` and
    ``/var/log/studio``: ``COPY``/``ADD`` destinations, ``WORKDIR``, ``VOLUME``,
    redirections and commands such as ``mkdir``, ``cp``, ``tee`` in ``RUN`` steps,
    in the start command and in the scripts the image copies in. Reading is fine.

    ## Why is this bad?
    SageMaker mounts its metadata (``/opt/ml/metadata/resource-metadata.json``) and
    its own files there, and Code Editor writes its logs to ``/var/log/studio``: what
    the image puts there is hidden or breaks the platform's view of the space.

    ## Example
    ```dockerfile
    COPY config.json /opt/ml/config.json
    ```

    ## Fix
    ```dockerfile
    COPY config.json /opt/my-app/config.json
    ```
    """
    final = ctx.final
    if final is None:
        return

    def hit(line: int, path: str, what: str, file: str | None = None) -> Hit:
        reserved = _reserved(path)
        return Hit(
            line,
            f"{what} writes to {path}, under {reserved}, which SageMaker reserves for its own metadata and logs; "
            "use another folder (e.g. /opt/<your-app>)",
            file,
        )

    copies = {id(c.instruction): c for stage in final.chain() for c in stage.copies}
    for step in final_chain_steps(ctx):
        ins = step.instruction
        cmd = ins.cmd
        if cmd == "WORKDIR" and ins.args:
            value = step.expand(ins.args[0], ctx.escape)
            path = posixpath.normpath(posixpath.join(step.workdir or "/", value)) if value else None
            if path is not None and _reserved(path):
                yield hit(ins.start_line, path, "WORKDIR")
        elif cmd in ("COPY", "ADD"):
            copy = copies.get(id(ins))
            if copy is not None and copy.dest is not None and _reserved(copy.dest):
                yield hit(ins.start_line, copy.dest, cmd)
        elif cmd == "VOLUME":
            for word in ins.args:
                value = step.expand(word, ctx.escape)
                if value is not None and _reserved(posixpath.normpath(value)):
                    yield hit(ins.start_line, value, "VOLUME")
        elif cmd == "RUN":
            for line, path in _writes(instruction_commands(ins), step.vars, step.workdir):
                if _reserved(path):
                    yield hit(line, path, "RUN")
    env = _runtime_env(final)
    for start in (final.entrypoint, final.cmd):
        if start is not None:
            for line, path in _writes(instruction_commands(start), env, final.workdir):
                if _reserved(path):
                    yield hit(line, path, start.cmd)
    for script in ctx.scripts:
        for line, path in _writes(commands(script.text, script.first_line), env, None):
            if _reserved(path):
                yield hit(line, path, "the script", script.file)


# --- starting the server -------------------------------------------------------------


@rule("SM208", "error", SAGEMAKER, "No ENTRYPOINT or CMD: the space never starts")
def no_entrypoint(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Checks that the final stage (or a stage it is built on) has an ``ENTRYPOINT`` or
    a ``CMD``: its own start script, or the SageMaker Distribution's
    ``entrypoint-code-editor``.

    ## Why is this bad?
    The SageMaker Distribution image has no entrypoint of its own, and micromamba's
    runs a shell: without one, the space waits for a server that never starts and
    fails after about fifteen minutes.

    ## Example
    ```dockerfile
    FROM public.ecr.aws/sagemaker/sagemaker-distribution:4.3.0-cpu
    RUN micromamba install -y -n base -c conda-forge scrapy
    ```

    ## Fix
    ```dockerfile
    ENTRYPOINT ["entrypoint-code-editor"]
    ```
    (Setting ``ContainerEntrypoint`` in the AppImageConfig works too; then silence
    this rule with ``# byoi ignore=SM208``.)
    """
    final = ctx.final
    if final is None or final.entrypoint is not None or final.cmd is not None:
        return
    repo = split_image(final.image or "")[0]
    if ctx.target == SAGEMAKER_JUPYTERLAB:
        fix = (
            f'ENTRYPOINT ["{JUPYTERLAB.distribution_entrypoint}"]'
            if repo == SAGEMAKER_DISTRIBUTION.repository
            else f"an ENTRYPOINT that runs {JUPYTERLAB.server} {JUPYTERLAB.server_subcommand} "
            f"--ip {JUPYTERLAB.host} --port {JUPYTERLAB.port} ..."
        )
    else:
        fix = (
            f'ENTRYPOINT ["{CODE_EDITOR.distribution_entrypoint}"]'
            if repo == SAGEMAKER_DISTRIBUTION.repository
            else f"an ENTRYPOINT that runs {CODE_EDITOR.server} --host {CODE_EDITOR.host} --port {CODE_EDITOR.port} ..."
        )
    yield Hit(final_line(ctx), f"the image has no ENTRYPOINT or CMD, so the space never starts; add {fix}")


#: Server options that take a value (the others are switches).
_VALUE_OPTIONS = frozenset(
    (
        "--host",
        "--port",
        "--base-path",
        "--server-base-path",
        "--server-data-dir",
        "--extensions-dir",
        "--user-data-dir",
        "--socket-path",
        "--connection-token",
        "--connection-token-file",
        "--log",
        "--locale",
        "--default-folder",
        "--default-workspace",
        "--cli-data-dir",
    )
)
#: Switches that make the server command manage extensions or print something, not serve.
_NOT_SERVING = frozenset(
    (
        "--install-extension",
        "--uninstall-extension",
        "--list-extensions",
        "--show-versions",
        "--version",
        "--help",
        "-h",
        "-v",
        "--update-extensions",
        "--locate-extension",
    )
)
_NOT_RUNNING = frozenset({"echo", "printf", "which", "type", "command", "test", "["})


class ServerCall:
    """A visible ``sagemaker-code-editor`` command line that starts the server.

    ``options`` maps ``--option`` to (value, or None when it cannot be known; line of
    the value).
    """

    __slots__ = ("file", "line", "options", "switches")

    def __init__(self, file: str | None, line: int) -> None:
        self.file = file
        self.line = line
        self.options: dict[str, tuple[str | None, int]] = {}
        self.switches: set[str] = set()


def _call(command: Command, variables: Mapping[str, str | None], file: str | None) -> ServerCall | None:
    words = command_words(command)
    values = [expand_word(w.raw, variables) for w in words]
    if not words or values[0] in _NOT_RUNNING:
        return None
    at = next((i for i, v in enumerate(values) if v is not None and v.rsplit("/", 1)[-1] == CODE_EDITOR.server), None)
    if at is None:
        return None
    call = ServerCall(file, words[at].line)
    i = at + 1
    while i < len(words):
        value, word = values[i], words[i]
        i += 1
        if value is None or not value.startswith("-"):
            continue
        if value in _NOT_SERVING:
            return None
        key, sep, inline = value.partition("=")
        if sep:
            call.options[key] = (inline, word.line)
        elif key in _VALUE_OPTIONS and i < len(words):
            call.options[key] = (values[i], words[i].line)
            i += 1
        else:
            call.switches.add(key)
    return call


def _calls_in(cmds: list[Command], variables: Mapping[str, str | None], file: str | None) -> Iterator[ServerCall]:
    scope = dict(variables)
    for command in cmds:
        assigned = assignments(command)
        if assigned:
            for name, raw in assigned:
                scope[name] = None if raw is None else expand_word(raw, scope)
            continue
        call = _call(command, scope, file)
        if call is not None:
            yield call


def _start_commands(ins_entrypoint: Instruction | None, ins_cmd: Instruction | None) -> list[Command]:
    """The start command: ENTRYPOINT and CMD (exec forms combine into one command line)."""
    if ins_entrypoint is not None and ins_cmd is not None and ins_entrypoint.json and ins_cmd.json:
        line = ins_entrypoint.start_line
        words = [literal(a, line) for a in ins_entrypoint.args] + [literal(a, ins_cmd.start_line) for a in ins_cmd.args]
        if ins_entrypoint.args and ins_entrypoint.args[0].rsplit("/", 1)[-1] == CODE_EDITOR.server:
            return [Command(tuple(words))]
    found: list[Command] = []
    for ins in (ins_entrypoint, ins_cmd):
        if ins is not None:
            found += instruction_commands(ins)
    return found


def server_calls(ctx: Context) -> list[ServerCall]:
    """Every visible server start: in ENTRYPOINT/CMD and in the scripts the image copies in."""
    return memoized(ctx, "server_calls", _server_calls)


def _server_calls(ctx: Context) -> list[ServerCall]:
    final = ctx.final
    if final is None:
        return []
    env = _runtime_env(final)
    calls = list(_calls_in(_start_commands(final.entrypoint, final.cmd), env, None))
    for script in ctx.scripts:
        calls += _calls_in(commands(script.text, script.first_line), env, script.file)
    return calls


def _shown(value: str | None) -> str:
    return "a value known only at run time" if value is None else value


@rule("SM209", "error", CODE_EDITOR_TARGETS, "The server does not listen on 0.0.0.0")
def server_host(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds a visible ``sagemaker-code-editor`` start (in ``ENTRYPOINT``/``CMD`` or a
    script the image copies in) without ``--host 0.0.0.0``.

    ## Why is this bad?
    Studio's health check connects to the container on 0.0.0.0:8888. The server's
    default host is ``localhost``, which nothing outside the container reaches: the
    space never becomes healthy.

    ## Example
    ```bash
    exec sagemaker-code-editor --port 8888 --without-connection-token --base-path /codeeditor/default
    ```

    ## Fix
    ```bash
    exec sagemaker-code-editor --host 0.0.0.0 --port 8888 --without-connection-token \\
        --base-path /codeeditor/default
    ```
    """
    for call in server_calls(ctx):
        if "--host" not in call.options:
            yield Hit(
                call.line,
                f"{CODE_EDITOR.server} has no --host, so it listens on localhost only; add --host {CODE_EDITOR.host}",
                call.file,
            )
            continue
        value, line = call.options["--host"]
        if value is not None and value != CODE_EDITOR.host:
            yield Hit(line, f"--host {value}: Studio's health check needs --host {CODE_EDITOR.host}", call.file)


@rule("SM210", "error", CODE_EDITOR_TARGETS, "The server does not listen on port 8888")
def server_port(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds a visible ``sagemaker-code-editor`` start without ``--port 8888``.

    ## Why is this bad?
    Studio sends its health check and every request to port 8888; a server on any
    other port is never found, and the space fails to start.

    ## Example
    ```bash
    sagemaker-code-editor --host 0.0.0.0 --port 8080 --without-connection-token
    ```

    ## Fix
    ```bash
    sagemaker-code-editor --host 0.0.0.0 --port 8888 --without-connection-token
    ```
    """
    port = str(CODE_EDITOR.port)
    for call in server_calls(ctx):
        if "--port" not in call.options:
            yield Hit(call.line, f"{CODE_EDITOR.server} has no --port; add --port {port}", call.file)
            continue
        value, line = call.options["--port"]
        if value is not None and value != port:
            yield Hit(line, f"--port {value}: Studio connects to port {port}; use --port {port}", call.file)


@rule("SM211", "error", CODE_EDITOR_TARGETS, "The server asks for a connection token")
def server_token(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds a visible ``sagemaker-code-editor`` start without
    ``--without-connection-token``.

    ## Why is this bad?
    Studio authenticates users itself and opens the editor without a token; a server
    that expects one answers every request from Studio with an error.

    ## Example
    ```bash
    sagemaker-code-editor --host 0.0.0.0 --port 8888 --connection-token secret
    ```

    ## Fix
    ```bash
    sagemaker-code-editor --host 0.0.0.0 --port 8888 --without-connection-token
    ```
    """
    flag = CODE_EDITOR.auth_flag
    for call in server_calls(ctx):
        if flag not in call.switches:
            yield Hit(
                call.line,
                f"{CODE_EDITOR.server} has no {flag}; Studio authenticates users itself: add {flag}",
                call.file,
            )


@rule("SM212", "error", CODE_EDITOR_TARGETS, "The server's base path is not /codeeditor/default")
def server_base_path(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Works out the ``--base-path`` of a visible ``sagemaker-code-editor`` start: a
    literal, or a value built in the script from ``SAGEMAKER_APP_TYPE`` (Studio sets
    it to ``CodeEditor``), with ``${VAR:-default}`` and ``${VAR,,}`` evaluated.

    ## Why is this bad?
    Studio serves the app under ``/codeeditor/default``, lower-case, as the
    specification and the Studio URLs say. ``/CodeEditor/default`` (as in an AWS
    example) or a missing base path makes every page and asset 404.

    ## Example
    ```bash
    sagemaker-code-editor ... --base-path "/CodeEditor/default"
    ```

    ## Fix
    ```bash
    app_type="${SAGEMAKER_APP_TYPE:-CodeEditor}"
    sagemaker-code-editor ... --base-path "/${app_type,,}/default"
    ```
    """
    wanted = CODE_EDITOR.base_path
    for call in server_calls(ctx):
        option = call.options.get("--base-path") or call.options.get("--server-base-path")
        if option is None:
            yield Hit(call.line, f"{CODE_EDITOR.server} has no --base-path; add --base-path {wanted}", call.file)
            continue
        value, line = option
        if value is None or value.rstrip("/") == wanted:
            continue
        why = (
            "Studio's URL path is lower-case" if value.rstrip("/").lower() == wanted else "Studio serves the app there"
        )
        yield Hit(line, f"--base-path {_shown(value)} is not {wanted} ({why}); use --base-path {wanted}", call.file)


@rule("SM213", "warning", SAGEMAKER, "ENV sets a variable Studio injects (AWS_*, SAGEMAKER_*)")
def platform_variable(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds ``ENV`` names in the ``AWS_`` and ``SAGEMAKER_`` namespaces.

    ## Why is this bad?
    Studio sets these at run time (``AWS_REGION``, ``SAGEMAKER_APP_TYPE``,
    ``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI``...) and overrides the image's values:
    an image that relies on its own value gets Studio's, and a wrong credentials
    variable can break every AWS call.

    ## Example
    ```dockerfile
    ENV AWS_REGION=eu-west-1
    ```

    ## Fix
    Use a name of your own (``MY_APP_REGION``), or read Studio's value at run time.
    """
    prefixes = CODE_EDITOR.platform_env_prefixes
    for step in final_chain_steps(ctx):
        ins = step.instruction
        if ins.cmd != "ENV":
            continue
        for name in ins.args[::2]:
            if name.startswith(prefixes):
                yield Hit(ins.start_line, f"ENV {name}: Studio sets and overrides {name} at run time; use another name")


# --- starting JupyterLab ----------------------------------------------------------------

#: ``jupyter lab`` aliases that take a value (jupyter_server's ``--ip``, ``--port``); every
#: ``--Class.trait`` option takes one too.
_JUPYTER_VALUE_ALIASES = frozenset(("--ip", "--port", "--notebook-dir", "--config", "--log-level", "--keyfile"))
#: Subcommands or switches that make ``jupyter lab`` do something other than serve.
_JUPYTER_NOT_SERVING = frozenset(("build", "clean", "path", "paths", "workspace", "workspaces", "extension",
                                  "--version", "--help", "-h", "--help-all", "list"))  # fmt: skip
#: Where each setting can be given (the Identity Provider took the token from ServerApp in jupyter_server 2).
_JUPYTER_TRAITS = {
    "ip": ("--ip", "--ServerApp.ip", "--NotebookApp.ip"),
    "port": ("--port", "--ServerApp.port", "--NotebookApp.port"),
    "base_url": ("--ServerApp.base_url", "--NotebookApp.base_url"),
    "token": ("--ServerApp.token", "--IdentityProvider.token", "--NotebookApp.token"),
    "password": ("--ServerApp.password", "--PasswordIdentityProvider.hashed_password", "--NotebookApp.password"),
    "allow_origin": ("--ServerApp.allow_origin", "--NotebookApp.allow_origin"),
}


def _jupyter_call(command: Command, variables: Mapping[str, str | None], file: str | None) -> ServerCall | None:
    words = command_words(command)
    values = [expand_word(w.raw, variables) for w in words]
    if not words or values[0] in _NOT_RUNNING:
        return None
    names = [None if v is None else v.rsplit("/", 1)[-1] for v in values]
    at = None
    for i, name in enumerate(names):
        if name == "jupyter-lab":
            at = i
            break
        if name == JUPYTERLAB.server and i + 1 < len(names) and names[i + 1] == "lab":
            at = i + 1
            break
    if at is None:
        return None
    call = ServerCall(file, words[at].line)
    i = at + 1
    while i < len(words):
        value, word = values[i], words[i]
        i += 1
        if value in _JUPYTER_NOT_SERVING:
            return None
        if value is None or not value.startswith("-"):
            continue
        key, sep, inline = value.partition("=")
        if sep:
            call.options[key] = (inline, word.line)
        elif (key in _JUPYTER_VALUE_ALIASES or "." in key) and i < len(words):
            call.options[key] = (values[i], words[i].line)
            i += 1
        else:
            call.switches.add(key)
    return call


def jupyter_calls(ctx: Context) -> list[ServerCall]:
    """Every visible ``jupyter lab`` start: in ENTRYPOINT/CMD and in the scripts the image copies in."""
    return memoized(ctx, "jupyter_calls", _jupyter_calls)


def _jupyter_calls(ctx: Context) -> list[ServerCall]:
    final = ctx.final
    if final is None:
        return []
    # Studio sets SAGEMAKER_APP_TYPE to JupyterLab in a JupyterLab space.
    env = {**final.env, JUPYTERLAB.app_type_env: JUPYTERLAB.app_type_default}
    found: list[Command] = []
    for ins in (final.entrypoint, final.cmd):
        if ins is not None:
            found += instruction_commands(ins)
    cmds = [(found, None)] + [(commands(s.text, s.first_line), s.file) for s in ctx.scripts]
    calls: list[ServerCall] = []
    for cmd_list, file in cmds:
        scope = dict(env)
        for command in cmd_list:
            assigned = assignments(command)
            if assigned:
                for name, raw in assigned:
                    scope[name] = None if raw is None else expand_word(raw, scope)
                continue
            call = _jupyter_call(command, scope, file)
            if call is not None:
                calls.append(call)
    return calls


def _trait(call: ServerCall, trait: str) -> tuple[str | None, int] | None:
    """The value (None: known only at run time) and line of a setting, or None when not given."""
    for option in _JUPYTER_TRAITS[trait]:
        if option in call.options:
            return call.options[option]
    return None


def _unquoted(value: str) -> str:
    # --ServerApp.token="''" reaches traitlets as '' , which it reads as the empty string.
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"" else value


@rule("SM214", "error", JUPYTERLAB_TARGETS, "JupyterLab does not listen on 0.0.0.0:8888")
def jupyter_address(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds a visible ``jupyter lab`` start (in ``ENTRYPOINT``/``CMD`` or a script the
    image copies in) without ``--ip 0.0.0.0``, or with a ``--port`` other than 8888.

    ## Why is this bad?
    Studio's health check and every request reach the container on 0.0.0.0:8888.
    JupyterLab listens on ``localhost`` by default, which nothing outside the container
    reaches: the space never becomes healthy.

    ## Example
    ```bash
    exec jupyter lab --port 8888 --ServerApp.base_url=/jupyterlab/default
    ```

    ## Fix
    ```bash
    exec jupyter lab --ip 0.0.0.0 --port 8888 --ServerApp.base_url=/jupyterlab/default
    ```
    """
    port = str(JUPYTERLAB.port)
    for call in jupyter_calls(ctx):
        ip = _trait(call, "ip")
        if ip is None:
            yield Hit(
                call.line,
                f"jupyter lab has no --ip, so it listens on localhost only; add --ip {JUPYTERLAB.host}",
                call.file,
            )
        elif ip[0] is not None and ip[0] != JUPYTERLAB.host:
            yield Hit(ip[1], f"--ip {ip[0]}: Studio's health check needs --ip {JUPYTERLAB.host}", call.file)
        given = _trait(call, "port")
        if given is not None and given[0] is not None and given[0] != port:
            yield Hit(given[1], f"--port {given[0]}: Studio connects to port {port}; use --port {port}", call.file)


@rule("SM215", "error", JUPYTERLAB_TARGETS, "JupyterLab asks for a token or password")
def jupyter_token(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds a visible ``jupyter lab`` start without ``--ServerApp.token=''`` (or
    ``--IdentityProvider.token=''``), or with a password.

    ## Why is this bad?
    Studio authenticates users itself and opens JupyterLab without a token. JupyterLab
    makes up a random token when none is given, so every request from Studio is
    refused and the space shows a login page.

    ## Example
    ```bash
    exec jupyter lab --ip 0.0.0.0 --port 8888 --ServerApp.base_url=/jupyterlab/default
    ```

    ## Fix
    ```bash
    exec jupyter lab --ip 0.0.0.0 --port 8888 --ServerApp.base_url=/jupyterlab/default \\
        --ServerApp.token='' --ServerApp.password=''
    ```
    """
    for call in jupyter_calls(ctx):
        token = _trait(call, "token")
        if token is None:
            yield Hit(
                call.line,
                "jupyter lab has no --ServerApp.token='': it makes up a token Studio does not send; "
                "add --ServerApp.token=''",
                call.file,
            )
        elif token[0] is not None and _unquoted(token[0]) != "":
            yield Hit(
                token[1],
                "jupyter lab is given a token; Studio authenticates users itself: use --ServerApp.token=''",
                call.file,
            )
        password = _trait(call, "password")
        if password is not None and password[0] is not None and _unquoted(password[0]) != "":
            yield Hit(
                password[1],
                "jupyter lab is given a password; Studio authenticates users itself: use --ServerApp.password=''",
                call.file,
            )


@rule("SM216", "error", JUPYTERLAB_TARGETS, "JupyterLab's base URL is not /jupyterlab/default")
def jupyter_base_url(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Works out the ``--ServerApp.base_url`` of a visible ``jupyter lab`` start: a
    literal, or a value built in the script from ``SAGEMAKER_APP_TYPE`` (Studio sets
    it to ``JupyterLab``), with ``${VAR:-default}`` and ``${VAR,,}`` evaluated.

    ## Why is this bad?
    Studio serves the app under ``/jupyterlab/default``, lower-case (the SageMaker
    Distribution's ``start-jupyter-server`` lower-cases ``SAGEMAKER_APP_TYPE``).
    Without it, or with ``/JupyterLab/default``, every page and asset is 404.

    ## Example
    ```bash
    exec jupyter lab --ip 0.0.0.0 --port 8888 --ServerApp.token=''
    ```

    ## Fix
    ```bash
    app_type="${SAGEMAKER_APP_TYPE:-JupyterLab}"
    exec jupyter lab ... "--ServerApp.base_url=/${app_type,,}/default"
    ```
    """
    wanted = JUPYTERLAB.base_path
    for call in jupyter_calls(ctx):
        given = _trait(call, "base_url")
        if given is None:
            yield Hit(
                call.line, f"jupyter lab has no --ServerApp.base_url; add --ServerApp.base_url={wanted}", call.file
            )
            continue
        value, line = given
        if value is None or _unquoted(value).rstrip("/") == wanted:
            continue
        value = _unquoted(value)
        why = (
            "Studio's URL path is lower-case" if value.rstrip("/").lower() == wanted else "Studio serves the app there"
        )
        yield Hit(
            line, f"--ServerApp.base_url={value} is not {wanted} ({why}); use --ServerApp.base_url={wanted}", call.file
        )


@rule("SM217", "error", JUPYTERLAB_TARGETS, "JupyterLab refuses other origins")
def jupyter_allow_origin(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds a visible ``jupyter lab`` start without ``--ServerApp.allow_origin='*'``.

    ## Why is this bad?
    Studio's page reaches the server through Studio's proxy, from another origin than
    the server's own. JupyterLab blocks cross-origin API requests and websockets unless
    ``allow_origin`` lets them in, so kernels and the file browser fail. The SageMaker
    Distribution starts JupyterLab with ``--ServerApp.allow_origin='*'``.

    ## Example
    ```bash
    exec jupyter lab --ip 0.0.0.0 --port 8888 --ServerApp.token=''
    ```

    ## Fix
    ```bash
    exec jupyter lab --ip 0.0.0.0 --port 8888 --ServerApp.token='' --ServerApp.allow_origin='*'
    ```
    """
    for call in jupyter_calls(ctx):
        given = _trait(call, "allow_origin")
        if given is None:
            yield Hit(
                call.line,
                "jupyter lab has no --ServerApp.allow_origin='*'; Studio's page is another origin: add it",
                call.file,
            )
        elif given[0] is not None and _unquoted(given[0]) != "*":
            yield Hit(
                given[1],
                f"--ServerApp.allow_origin={_unquoted(given[0])}: Studio's page is another origin; use '*'",
                call.file,
            )
