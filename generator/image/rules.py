"""Rules for built images (codes IM4xx), checked by ``byoi check-image``.

Each rule is a small function over an :class:`ImageContext` that yields messages; its
docstring is its documentation (What it does / Why is this bad? / Example / Fix), which
``byoi rules CODE`` prints, as for the Dockerfile rules. They are :class:`Rule` objects
too, so the report's renderers describe them the same way, but they are not in
``generator.rules.registry.RULES``: the Dockerfile checker never runs them, and never
imports this module.
"""

from __future__ import annotations

import json
import posixpath
import re
import textwrap
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from generator.platforms.foundry import FOUNDRY
from generator.platforms.sagemaker import CODE_EDITOR
from generator.rules import (
    FOUNDRY_BYOC,
    FOUNDRY_COMPUTE_MODULE,
    FOUNDRY_MODEL,
    FOUNDRY_SIDECAR,
    LEVELS,
    SAGEMAKER_CODE_EDITOR,
    SAGEMAKER_JUPYTERLAB,
    TARGETS,
)
from generator.rules.base import Context, Hit, Rule

if TYPE_CHECKING:
    # Only for annotations: ``byoi rules`` imports this module for the rules' documentation,
    # and the image reader (tarfile, subprocess, dataclasses) is not needed for that.
    from generator.image.archive import Entry, Image
    from generator.image.tree import Found, Tree
    from generator.image.users import User

ALL = frozenset(TARGETS)
#: Both Studio apps share the user, home, port and reserved-path rules.
SAGEMAKER = frozenset({SAGEMAKER_CODE_EDITOR, SAGEMAKER_JUPYTERLAB})
#: Rules about the Code Editor server itself.
CODE_EDITOR_TARGETS = frozenset({SAGEMAKER_CODE_EDITOR})
FOUNDRY_TARGETS = frozenset({FOUNDRY_SIDECAR, FOUNDRY_BYOC, FOUNDRY_MODEL, FOUNDRY_COMPUTE_MODULE})
#: Foundry's size limits are "about" 10 and 22 GB: decimal gigabytes, as registries count.
GB = 1000**3
#: Studio remaps user and group ids into a 16-bit range (see IM415).
MAX_ID = 65535
#: Where baked extensions live: the server data folder of the image (platform-facts.md).
EXTENSIONS_DIR = f"{CODE_EDITOR.image_server_data_dir}/extensions"
#: Programs that run the rest of their arguments as a command (``exec "$@"``).
_WRAPPERS = ("env", "tini", "dumb-init", "_entrypoint.sh")
_SHELLS = ("sh", "bash", "dash", "ash", "zsh", "ksh")
_INTERPRETER = re.compile(r"^(python[0-9.]*|node|perl|ruby|sh|bash|dash)$")


class ImageContext:
    """Everything an image rule may look at, computed once."""

    def __init__(self, target: str, image: Image, tree: Tree) -> None:
        self.target = target
        self.image = image
        self.tree = tree
        self.memo: dict[str, Any] = {}

    @property
    def user(self) -> User:
        """The effective user, resolved in the image."""
        if "user" not in self.memo:
            from generator.image.users import resolve_user

            self.memo["user"] = resolve_user(self.tree, str(self.image.runtime.get("User") or ""))
        user: User = self.memo["user"]
        return user

    def may(self, entry: Entry, bits: int) -> bool:
        """Whether the effective user may read (4) or execute (1) ``entry``."""
        from generator.image.users import may

        return may(self.user, entry, bits)

    @property
    def argv(self) -> list[str]:
        """What a container runs: ``Entrypoint`` followed by ``Cmd``."""
        config = self.image.runtime
        return [str(w) for w in (config.get("Entrypoint") or [])] + [str(w) for w in (config.get("Cmd") or [])]

    @property
    def path_variable(self) -> str | None:
        """The config's PATH (None: Docker's default)."""
        return self.image.env.get("PATH")

    @property
    def workdir(self) -> str:
        """The working folder (``/`` when the config sets none)."""
        return str(self.image.runtime.get("WorkingDir") or "/")


ImageCheck = Callable[[ImageContext], Iterable[str]]


def _dockerfile_free(ctx: Context) -> Iterator[Hit]:
    """Image rules look at built images, not at Dockerfiles."""
    return iter(())


class ImageRule(Rule):
    """A rule over a built image; ``inspect`` is its check, and its docstring its documentation."""

    __slots__ = ("inspect",)

    def __init__(self, code: str, level: str, targets: frozenset[str], summary: str, inspect: ImageCheck) -> None:
        super().__init__(code, level, targets, summary, _dockerfile_free)
        self.inspect = inspect

    @property
    def name(self) -> str:
        """The check function's name with dashes."""
        return getattr(self.inspect, "__name__", self.code).replace("_", "-")

    @property
    def doc(self) -> str:
        """The check function's docstring."""
        return textwrap.dedent(self.inspect.__doc__ or self.summary).strip()

    def messages(self, ctx: ImageContext) -> Iterable[str]:
        """Run the check on an image."""
        return self.inspect(ctx)


_CODE = re.compile(r"IM4[0-9]{2}")


def image_rule(code: str, level: str, targets: frozenset[str], summary: str) -> Callable[[ImageCheck], ImageRule]:
    """Declare an image rule: ``@image_rule("IM401", "error", ALL, "...")`` above its check."""
    if not _CODE.fullmatch(code) or level not in LEVELS:
        raise ValueError(f"image rule {code!r}: code must look like IM401 and level be one of {LEVELS}")

    def wrap(check: ImageCheck) -> ImageRule:
        return ImageRule(code, level, targets, summary, check)

    return wrap


def _ids(user: User) -> str:
    return f"{user.uid}:{user.gid}"


# --------------------------------------------------------------------------- config


@image_rule("IM401", "error", ALL, "The image is not linux/amd64")
def wrong_architecture(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Reads ``os`` and ``architecture`` from the image config.

    ## Why is this bad?
    SageMaker Studio and Foundry run only linux/amd64. An image built on Apple Silicon
    without ``--platform`` is linux/arm64: its programs fail with
    ``exec format error`` when the space or the transform starts.

    ## Example
    ```sh
    docker build -t app:0.1.0 .          # on an arm64 Mac
    ```

    ## Fix
    ```sh
    docker build --platform linux/amd64 -t app:0.1.0 .
    ```
    """
    wanted = CODE_EDITOR.platform if ctx.target in SAGEMAKER else FOUNDRY.platform
    if ctx.image.platform != wanted:
        yield f"the image is {ctx.image.platform}; the platform runs only {wanted}: rebuild with --platform {wanted}"


@image_rule("IM402", "error", ALL, "The image's user is not in its /etc/passwd or /etc/group")
def unknown_user(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Resolves the config's ``User`` through the image's own ``/etc/passwd`` and
    ``/etc/group``, as the container runtime does.

    ## Why is this bad?
    A user or group name the image does not define stops the container before it
    starts (``unable to find user``).

    ## Example
    ```dockerfile
    USER app
    ```
    with no ``app`` in ``/etc/passwd``.

    ## Fix
    Create the user (``useradd --uid 5001 app``) before ``USER``, or give numbers.
    """
    if ctx.user.error:
        yield f"User {ctx.user.raw!r}: {ctx.user.error}, so the container cannot start; create it or use numeric ids"


@image_rule("IM403", "error", SAGEMAKER, "The image does not run as 1000:100")
def sagemaker_ids(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Checks that the effective user, resolved in the image, is uid 1000 and gid 100.

    ## Why is this bad?
    Studio mounts the space's home volume for 1000:100; another user cannot write its
    own home, and the space fails to start or loses settings.

    ## Example
    ```dockerfile
    USER mambauser      # 57439:57439 in micromamba's image
    ```

    ## Fix
    ```dockerfile
    USER 1000:100
    ```
    with a user 1000 whose primary group is 100 (``users``).
    """
    user = ctx.user
    if user.error or (user.uid, user.gid) == (CODE_EDITOR.uid, CODE_EDITOR.gid):
        return
    yield (
        f"User {user.raw or '(none)'!r} runs as {_ids(user)}; SageMaker Studio runs spaces as "
        f"{CODE_EDITOR.uid}:{CODE_EDITOR.gid}: set USER {CODE_EDITOR.uid}:{CODE_EDITOR.gid}"
    )


@image_rule("IM404", "error", FOUNDRY_TARGETS, "The image runs as root or as a user name")
def foundry_user(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Checks that the config's ``User`` is a number and does not resolve to uid 0.

    ## Why is this bad?
    Foundry refuses images that run as root, and images whose user is a name (a name
    can map to root in the image's ``/etc/passwd``).

    ## Example
    ```dockerfile
    USER app
    ```

    ## Fix
    ```dockerfile
    USER 5001
    ```
    """
    user = ctx.user
    if user.uid == FOUNDRY.forbidden_uid:
        shown = user.raw or "(none)"
        yield f"the image runs as root (User {shown!r}); Foundry refuses it: set USER {FOUNDRY.default_uid}"
    elif not user.numeric:
        number = user.uid if user.uid is not None else FOUNDRY.default_uid
        yield f"User {user.raw!r} is a name; Foundry runs only numeric users: set USER {number}"


@image_rule("IM405", "error", frozenset({FOUNDRY_BYOC}), "Bring-your-own-container image does not run as 5001")
def byoc_user(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Checks that a bring-your-own-container transform image runs as uid 5001.

    ## Why is this bad?
    Foundry runs bring-your-own-container transforms as user 5001 and refuses
    images built for another.

    ## Example
    ```dockerfile
    USER 1000
    ```

    ## Fix
    ```dockerfile
    USER 5001
    ```
    """
    user = ctx.user
    if user.uid is not None and user.uid not in (FOUNDRY.byoc_uid, FOUNDRY.forbidden_uid):
        yield (
            f"the image runs as uid {user.uid}; bring-your-own-container transforms run as {FOUNDRY.byoc_uid}: "
            f"set USER {FOUNDRY.byoc_uid}"
        )


@image_rule("IM406", "error", SAGEMAKER, "The working folder is not in /home/sagemaker-user")
def workdir_outside_home(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Checks the config's ``WorkingDir`` against the space's home.

    ## Why is this bad?
    Studio mounts the space's volume at ``/home/sagemaker-user`` and requires the
    working folder to be that folder or inside it; elsewhere, files the user saves
    from a terminal are lost when the space stops.

    ## Example
    ```dockerfile
    WORKDIR /app
    ```

    ## Fix
    ```dockerfile
    WORKDIR /home/sagemaker-user
    ```
    """
    workdir = posixpath.normpath(ctx.workdir)
    home = CODE_EDITOR.home
    if workdir != home and not workdir.startswith(home + "/"):
        yield f"WorkingDir is {workdir}; SageMaker requires {home} or a folder in it: set WORKDIR {home}"


def _ports(ctx: ImageContext) -> list[tuple[str, int | None]]:
    exposed = ctx.image.runtime.get("ExposedPorts") or {}
    out = []
    for key in exposed:
        number = str(key).partition("/")[0]
        out.append((str(key), int(number) if number.isdigit() else None))
    return out


@image_rule("IM407", "error", FOUNDRY_TARGETS, "Exposed port outside 1024-65535")
def foundry_ports(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Checks each port in the config's ``ExposedPorts``.

    ## Why is this bad?
    Foundry makes only ports 1024-65535 available to its containers (lower ports need
    root).

    ## Example
    ```dockerfile
    EXPOSE 80
    ```

    ## Fix
    ```dockerfile
    EXPOSE 8080
    ```
    """
    for key, number in _ports(ctx):
        if number is None or not FOUNDRY.port_ok(number):
            yield f"exposed port {key} is outside {FOUNDRY.min_port}-{FOUNDRY.max_port}; listen on a port in that range"


@image_rule("IM408", "warning", SAGEMAKER, "Exposes ports but not 8888")
def sagemaker_port(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Checks that an image that declares ``ExposedPorts`` declares 8888 among them.

    ## Why is this bad?
    Studio's health check calls the Code Editor server on port 8888; an image that
    documents another port most likely starts its server there, and the space fails.

    ## Example
    ```dockerfile
    EXPOSE 8080
    ```

    ## Fix
    ```dockerfile
    EXPOSE 8888
    ```
    and start the server with ``--port 8888``.
    """
    ports = _ports(ctx)
    if ports and CODE_EDITOR.port not in [n for _, n in ports]:
        shown = ", ".join(k for k, _ in ports)
        port = CODE_EDITOR.port
        yield f"the image exposes {shown} but not {port}, where Studio expects the server: EXPOSE {port}"


# --------------------------------------------------------------------------- programs


def _only_a_shell(argv: list[str]) -> bool:
    return len(argv) == 1 and posixpath.basename(argv[0]) in _SHELLS


def _after_wrappers(argv: list[str]) -> list[str]:
    """``argv`` without leading exec wrappers (``env VAR=1``, ``tini --``, micromamba's entrypoint)."""
    while argv and posixpath.basename(argv[0]) in _WRAPPERS:
        argv = argv[1:]
        while argv and (argv[0].startswith("-") or ("=" in argv[0] and not argv[0].startswith("/"))):
            argv = argv[1:]
    return argv


@image_rule(
    "IM409",
    "error",
    SAGEMAKER | frozenset({FOUNDRY_SIDECAR, FOUNDRY_MODEL, FOUNDRY_COMPUTE_MODULE}),
    "Nothing starts: no Entrypoint or Cmd, or only a shell",
)
def no_start_command(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Checks that ``Entrypoint`` and ``Cmd`` start something other than an interactive
    shell (bring-your-own-container images are exempt: Foundry runs their code
    itself).

    ## Why is this bad?
    A container that runs ``/bin/bash`` with no terminal exits at once. An image built
    on the SageMaker Distribution without ``ENTRYPOINT ["entrypoint-code-editor"]``
    inherits micromamba's ``CMD ["/bin/bash"]``: the space waits for a server that
    never starts and fails after about fifteen minutes. A Foundry sidecar or model
    with nothing to run exits before the transform or model calls it.

    ## Example
    ```dockerfile
    FROM public.ecr.aws/sagemaker/sagemaker-distribution:4.3.0-cpu
    RUN micromamba install -y -n base -c conda-forge scrapy
    ```

    ## Fix
    ```dockerfile
    ENTRYPOINT ["entrypoint-code-editor"]
    ```
    """
    argv = _after_wrappers(ctx.argv)
    if not argv:
        yield "the image has no Entrypoint or Cmd, so nothing starts: set ENTRYPOINT to the program that serves"
    elif _only_a_shell(argv):
        yield (
            f"the container runs {' '.join(ctx.argv)}, a shell that exits at once without a terminal: "
            "set ENTRYPOINT to the program that serves"
        )


def _runnable(ctx: ImageContext, program: str, what: str, path_variable: str | None) -> Iterator[str]:
    """Problems running ``program``: missing, not executable by the user, or its interpreter missing."""
    found = ctx.tree.which(program, path_variable, ctx.workdir)
    where = f"in PATH ({path_variable or 'the default PATH'})" if "/" not in program else "in the image"
    if found is None or found.entry.kind != "file":
        yield f"{what} runs {program}, which is not {where}: install it, or fix the path"
        return
    if not ctx.may(found.entry, 1):
        yield f"{what} runs {program} (/{found.path}), which user {_ids(ctx.user)} may not execute: chmod a+rx it"
        return
    yield from _interpreter(ctx, found, program, what, path_variable)


def _interpreter(ctx: ImageContext, found: Found, program: str, what: str, path_variable: str | None) -> Iterator[str]:
    head = found.entry.data or b""
    if not head.startswith(b"#!"):
        return
    words = head[2:].split(b"\n", 1)[0].decode("utf-8", "replace").split()
    if not words:
        return
    interpreter = words[0]
    if posixpath.basename(interpreter) == "env" and len(words) > 1:
        target = [w for w in words[1:] if not w.startswith("-")]
        if not target:
            return
        if ctx.tree.which(interpreter, None) is None:
            yield f"{what} runs {program}, whose interpreter {interpreter} is not in the image"
        elif ctx.tree.which(target[0], path_variable) is None:
            yield f"{what} runs {program}, whose interpreter {target[0]} is not in PATH: install it"
        return
    if ctx.tree.resolve(interpreter) is None:
        yield f"{what} runs {program}, whose interpreter {interpreter} is not in the image: install it"


@image_rule("IM410", "error", ALL, "The program Entrypoint or Cmd runs is missing or not executable")
def missing_program(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Looks up the program the container runs (the first word of ``Entrypoint``, else of
    ``Cmd``; through ``env``, ``tini`` and micromamba's ``_entrypoint.sh`` to the
    program they run) in the image: by its path, or in the config's ``PATH``,
    following symlinks inside the image. It must be a file the user may execute; a
    script's ``#!`` interpreter must be there too, and so must the script an
    interpreter (``python3 /app/server.py``) is given.

    ## Why is this bad?
    The container fails at once (``executable file not found in $PATH``), e.g. a
    ``CMD ["python3", ...]`` on a base without Python.

    ## Example
    ```dockerfile
    FROM ubuntu:24.04
    CMD ["python3", "/app/server.py"]
    ```

    ## Fix
    Install what it runs (``apt-get install -y python3``) or use a base that has it.
    """
    argv = ctx.argv
    if not argv:
        return
    path_variable = ctx.path_variable
    what = "Entrypoint" if ctx.image.runtime.get("Entrypoint") else "Cmd"
    yield from _runnable(ctx, argv[0], what, path_variable)
    rest = _after_wrappers(argv)
    if rest and rest[0] != argv[0]:
        if posixpath.basename(argv[0]) == "_entrypoint.sh":
            # micromamba's entrypoint activates its environment first: its bin is on PATH.
            prefix = ctx.image.env.get("MAMBA_ROOT_PREFIX", "/opt/conda")
            path_variable = f"{prefix}/bin:{path_variable or ''}"
        yield from _runnable(ctx, rest[0], f"{what} ({' '.join(argv[: -len(rest)])})", path_variable)
    if len(rest) >= 2 and _INTERPRETER.fullmatch(posixpath.basename(rest[0])) and not rest[1].startswith("-"):
        script = rest[1]
        if script.startswith("/") or script.endswith((".py", ".sh", ".js")):
            found = ctx.tree.resolve(posixpath.join(ctx.workdir, script))
            if found is None or found.entry.kind != "file":
                yield f"{what} runs {rest[0]} {script}, and {script} is not in the image: COPY it in"


def _shell_and_tee(ctx: ImageContext) -> Iterator[str]:
    shell = ctx.tree.resolve(FOUNDRY.telemetry_shell)
    if shell is None or shell.entry.kind != "file":
        yield f"no {FOUNDRY.telemetry_shell}"
    elif not ctx.may(shell.entry, 1):
        yield f"{FOUNDRY.telemetry_shell} (/{shell.path}) is not executable by the user"
    tee = ctx.tree.which("tee", ctx.path_variable)
    if tee is None:
        yield "no tee in PATH"
    elif not ctx.may(tee.entry, 1):
        yield f"tee (/{tee.path}) is not executable by the user"


@image_rule("IM411", "warning", FOUNDRY_TARGETS, "No /bin/sh or tee: Foundry cannot collect telemetry")
def no_telemetry(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Looks for ``/bin/sh`` and ``tee`` (in the config's ``PATH``) in the image,
    following symlinks inside it (Debian's ``/bin -> usr/bin``, BusyBox applet links).

    ## Why is this bad?
    Foundry collects a container's logs by running
    ``/bin/sh -c 'set -a && tee -a ...'`` in it; without them the container runs but
    its logs never reach the platform.

    ## Example
    A distroless or ``scratch`` image, or one whose ``tee`` was removed.

    ## Fix
    Use a base with a shell and coreutils or BusyBox (e.g. ``python:3.12-slim``), and
    check with ``docker run --entrypoint /bin/sh IMAGE -c 'set -a && tee -a'``.
    """
    problems = list(_shell_and_tee(ctx))
    if problems:
        yield f"{'; '.join(problems)}: Foundry cannot collect this container's logs; use a base with /bin/sh and tee"


# --------------------------------------------------------------------------- layers and files


@image_rule("IM412", "error", FOUNDRY_TARGETS, "A layer is 10 GB or more")
def layer_too_big(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Adds up the sizes of each layer's files (its uncompressed size, as
    ``docker history`` shows it).

    ## Why is this bad?
    Foundry strongly recommends layers under about 10 GB: larger ones fail or time
    out when pushed to its registry.

    ## Example
    ```dockerfile
    COPY models/ /models/      # 14 GB in one step
    ```

    ## Fix
    Split the step (several ``COPY`` of parts), or load big files at run time.
    """
    limit = FOUNDRY.max_layer_gb * GB
    for layer in ctx.image.layers:
        if layer.size >= limit:
            yield (
                f"layer {layer.number} ({layer.name}) holds {layer.size / GB:.1f} GB; Foundry needs each layer "
                f"under {FOUNDRY.max_layer_gb} GB: split the step that makes it"
            )


@image_rule("IM413", "warning", FOUNDRY_TARGETS, "The image is over 22 GB")
def image_too_big(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Adds up the sizes of all layers.

    ## Why is this bad?
    Pushes of images above about 22 GB to Foundry usually time out (Foundry's FAQ).

    ## Example
    A CUDA base with several model checkpoints baked in.

    ## Fix
    Use a slimmer base, and load models at run time instead of baking them in.
    """
    total = sum(layer.size for layer in ctx.image.layers)
    if total > FOUNDRY.max_image_gb * GB:
        yield f"the image holds {total / GB:.1f} GB; pushes above about {FOUNDRY.max_image_gb} GB usually time out"


@image_rule("IM414", "error", SAGEMAKER, "Files in a path SageMaker reserves")
def reserved_files(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Looks for anything but empty folders under ``/opt/ml``, ``/opt/.sagemakerinternal``
    and ``/var/log/studio``.

    ## Why is this bad?
    SageMaker mounts its metadata there and Code Editor writes its logs there: what
    the image puts there is hidden or breaks the platform's view of the space.

    ## Example
    ```dockerfile
    COPY config.json /opt/ml/config.json
    ```

    ## Fix
    Put it elsewhere, e.g. ``/opt/my-app/config.json``.
    """
    for reserved in CODE_EDITOR.reserved_paths:
        files = sorted("/" + e.path for e in ctx.tree.below(reserved) if e.kind != "dir")
        if files:
            more = f" and {len(files) - 3} more" if len(files) > 3 else ""
            yield f"{', '.join(files[:3])}{more} under {reserved}, which SageMaker reserves: move them elsewhere"


@image_rule("IM415", "error", SAGEMAKER, "Files owned by a uid or gid above 65535")
def high_ids(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Looks for files whose owner or group id is above 65535.

    ## Why is this bad?
    Studio remaps the ids of a space's container into a 16-bit range; files owned by
    larger ids cannot be mapped, and the space fails to start.

    ## Example
    A layer unpacked from a tarball made on a machine whose users have large ids
    (``ADD release.tar.gz /opt/``).

    ## Fix
    ```dockerfile
    ADD --chown=1000:100 release.tar.gz /opt/
    ```
    or ``tar --numeric-owner --owner=0 --group=0`` when making the tarball.
    """
    found = sorted("/" + e.path for e in ctx.tree.entries.values() if e.uid > MAX_ID or e.gid > MAX_ID)
    if found:
        more = f" and {len(found) - 3} more" if len(found) > 3 else ""
        yield f"{', '.join(found[:3])}{more} owned by ids above {MAX_ID}, which Studio cannot remap: chown them"


@image_rule("IM416", "error", CODE_EDITOR_TARGETS, "A baked extension has no readable package.json")
def broken_extension(ctx: ImageContext) -> Iterator[str]:
    """
    ## What it does
    Checks each folder in the image's extensions folder,
    ``/opt/amazon/sagemaker/sagemaker-code-editor-server-data/extensions``: it must
    hold a ``package.json`` that the user may read and that is a JSON object.

    ## Why is this bad?
    Code Editor skips an extension whose manifest it cannot read, and the extension
    the image was built for is silently missing in every space.

    ## Example
    An extension folder copied in without its files, or made readable only by root.

    ## Fix
    Install extensions with ``sagemaker-code-editor --install-extension FILE.vsix
    --extensions-dir /opt/amazon/sagemaker/sagemaker-code-editor-server-data/extensions``
    and ``chown`` the folder to the user.
    """
    top = ctx.tree.resolve(EXTENSIONS_DIR)
    if top is None:
        return
    prefix = top.path + "/"
    for path, entry in sorted(ctx.tree.entries.items()):
        name = path[len(prefix) :] if path.startswith(prefix) else ""
        if not name or "/" in name or name.startswith(".") or entry.kind not in ("dir", "symlink"):
            continue
        found = ctx.tree.resolve(f"{path}/package.json")
        if found is None or found.entry.kind != "file":
            yield f"extension {name} has no package.json in {EXTENSIONS_DIR}/{name}: reinstall it"
        elif not ctx.may(found.entry, 4):
            yield f"{EXTENSIONS_DIR}/{name}/package.json is not readable by {_ids(ctx.user)}: chmod a+r it"
        elif not _json_object(found.entry.data):
            yield f"{EXTENSIONS_DIR}/{name}/package.json is not a JSON object: reinstall the extension"


def _json_object(data: bytes | None) -> bool:
    try:
        return isinstance(json.loads(data or b""), dict)
    except ValueError:
        return False


IMAGE_RULES: dict[str, ImageRule] = {
    r.code: r
    for r in (
        wrong_architecture,
        unknown_user,
        sagemaker_ids,
        foundry_user,
        byoc_user,
        workdir_outside_home,
        foundry_ports,
        sagemaker_port,
        no_start_command,
        missing_program,
        no_telemetry,
        layer_too_big,
        image_too_big,
        reserved_files,
        high_ids,
        broken_extension,
    )
}


def image_rules_for(target: str) -> list[ImageRule]:
    """The image rules that apply to ``target``, in code order."""
    return [IMAGE_RULES[code] for code in sorted(IMAGE_RULES) if target in IMAGE_RULES[code].targets]


def keep(path: str, mode: int) -> int:
    """How much of a file the rules read: account files and extension manifests whole, a script's ``#!`` line."""
    manifest = path.endswith("/package.json") and posixpath.basename(posixpath.dirname(posixpath.dirname(path)))
    if path in ("etc/passwd", "etc/group") or manifest == "extensions":
        return 1 << 20
    return 256 if mode & 0o111 else 0
