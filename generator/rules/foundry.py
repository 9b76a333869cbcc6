"""Rules for Palantir Foundry images (every ``foundry-*`` target).

Every value comes from :mod:`generator.platforms.foundry`: the required uid for
bring-your-own-container transforms, the shell-less bases, the sidecar's shared volume.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from generator.platforms.foundry import FOUNDRY, SHELL_LESS_BASES
from generator.rules import FOUNDRY_BYOC, FOUNDRY_SIDECAR
from generator.rules.base import (
    FOUNDRY_TARGETS,
    Context,
    Hit,
    final_chain_steps,
    final_line,
    instruction_commands,
    program,
    recommended_user,
    rule,
    split_image,
    word_value,
)
from generator.rules.users import declared, identity


@rule("FD301", "error", FOUNDRY_TARGETS, "USER is not a numeric uid")
def non_numeric_user(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Checks that the final stage's ``USER`` (after variable substitution) is a number.

    ## Why is this bad?
    Foundry refuses images whose user is not numeric: a name can map to root in the
    image's ``/etc/passwd``, and Foundry does not look inside to find out.

    ## Example
    ```dockerfile
    RUN useradd --uid 5001 app
    USER app
    ```

    ## Fix
    ```dockerfile
    RUN useradd --uid 5001 app
    USER 5001
    ```
    """
    final = ctx.final
    user = final.user if final is not None else None
    if user is None or user.value is None or user.is_root or user.instruction is None or user.uid is not None:
        return
    who = identity(ctx)
    number = str(who.uid) if who is not None and who.uid is not None else recommended_user(ctx.target)
    yield Hit(
        user.instruction.start_line,
        f"USER {user.raw} is a name; Foundry only runs images whose USER is a numeric uid: write USER {number}",
    )


@rule("FD302", "error", frozenset({FOUNDRY_BYOC}), "Bring-your-own-container user is not 5001")
def byoc_uid(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Checks that a bring-your-own-container transform image runs as uid 5001.

    ## Why is this bad?
    Foundry runs bring-your-own-container (lightweight) transforms as user 5001 and
    refuses images built for another uid.

    ## Example
    ```dockerfile
    USER 1000
    ```

    ## Fix
    ```dockerfile
    RUN useradd --uid 5001 --create-home user
    USER 5001
    ```
    """
    who = identity(ctx)
    if who is not None and who.uid is not None and who.uid != FOUNDRY.byoc_uid:
        yield Hit(
            who.line,
            f"USER {who.raw} runs as uid {who.uid}; bring-your-own-container transforms must run as "
            f"{FOUNDRY.byoc_uid}: write USER {FOUNDRY.byoc_uid}",
        )


def _shell_less(image: str) -> bool:
    repo, tag, _ = split_image(image)
    if tag is not None and "debug" in tag:
        # Distroless :debug images carry a BusyBox shell.
        return False
    # Entries ending in "/" name a family of repositories; the others, one repository.
    return any(repo == base or (base.endswith("/") and repo.startswith(base)) for base in SHELL_LESS_BASES)


@rule("FD303", "warning", FOUNDRY_TARGETS, "No /bin/sh: Foundry cannot collect telemetry")
def no_shell(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Finds a final image built ``FROM scratch`` or a distroless base (directly or
    through earlier stages).

    ## Why is this bad?
    Foundry's telemetry (the container's logs in the platform) runs
    ``/bin/sh -c 'set -a && tee -a ...'`` inside the container; without a shell that
    has ``set`` and ``tee``, the container runs but its logs are not collected.

    ## Example
    ```dockerfile
    FROM gcr.io/distroless/python3-debian12:nonroot
    ```

    ## Fix
    Use a small base that has a shell, e.g. ``python:3.12.12-slim-bookworm``, or a
    distroless ``:debug`` tag (BusyBox).
    """
    final = ctx.final
    image = final.image if final is not None else None
    if image is not None and _shell_less(image):
        yield Hit(
            final_line(ctx),
            f"{image} has no {FOUNDRY.telemetry_shell}, so Foundry cannot collect the container's logs; "
            f"use a base with {FOUNDRY.telemetry_shell}, {' and '.join(FOUNDRY.telemetry_commands)}",
        )


_WORLD_WRITABLE = ("777", "1777", "o+w", "a+w", "a+rwx")


def _covers(path: str, target: str, recursive: bool) -> bool:
    path = posixpath.normpath(path)
    return path == target or (recursive and target.startswith(path.rstrip("/") + "/"))


@rule("FD304", "error", frozenset({FOUNDRY_SIDECAR}), "Shared volume folder not owned by the image's user")
def shared_volume(ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Checks that a sidecar image creates the shared volume folder
    (``/opt/palantir/sidecars/shared-volumes/shared``) and gives it to its user
    (``chown``, ``chown -R`` of a parent, ``install -d -o``), with the same uid as
    ``USER``.

    ## Why is this bad?
    The transform and the sidecar exchange files (inputs, outputs, the start, done
    and close flags) in that folder. Owned by root, it is read-only to the
    container's user: the sidecar cannot write its output or flags, and the
    transform waits for them until it times out.

    ## Example
    ```dockerfile
    RUN mkdir -p /opt/palantir/sidecars/shared-volumes/shared
    USER 5001
    ```

    ## Fix
    ```dockerfile
    RUN mkdir -p /opt/palantir/sidecars/shared-volumes/shared \\
     && chown 5001 /opt/palantir/sidecars/shared-volumes/shared
    USER 5001
    ```
    """
    final = ctx.final
    if final is None:
        return
    shared = FOUNDRY.shared_dir
    who = identity(ctx)
    users, _ = declared(final)
    owners: list[tuple[int, str | None]] = []
    for step in final_chain_steps(ctx):
        if step.instruction.cmd != "RUN":
            continue
        for command in instruction_commands(step.instruction):
            name, args = program(command)
            values = [word_value(w, step.vars) for w in args]
            options = [v for v in values if v is not None and v.startswith("-")]
            operands = [v for v in values if v is None or not v.startswith("-")]
            if name == "chown" and len(operands) >= 2:
                recursive = any(o in ("-R", "--recursive") or (o[1:2] != "-" and "R" in o) for o in options)
                if any(p is not None and _covers(p, shared, recursive) for p in operands[1:]):
                    owners.append((command.line, operands[0]))
            elif name == "install" and "-d" in options:
                owner = next((values[i + 1] for i, v in enumerate(values[:-1]) if v in ("-o", "--owner")), None)
                if owner is not None and any(p is not None and _covers(p, shared, False) for p in operands):
                    owners.append((command.line, owner))
            elif (
                name == "chmod"
                and len(operands) >= 2
                and operands[0] in _WORLD_WRITABLE
                and any(p is not None and _covers(p, shared, "-R" in options) for p in operands[1:])
            ):
                # Writable by everyone works as well as owned by the user.
                owners.append((command.line, None))
    if not owners:
        uid = str(who.uid) if who is not None and who.uid is not None else recommended_user(ctx.target)
        yield Hit(
            final_line(ctx),
            f"the image does not give {shared} to its user, so the sidecar cannot write there; add "
            f"RUN mkdir -p {shared} && chown {uid} {shared}",
        )
        return
    if who is None or who.uid is None:
        return
    for _, owner in owners:
        if owner is None:
            return
        name = owner.partition(":")[0]
        owner_uid = int(name) if name.isdecimal() else users.get(name, (None, None))[0]
        if owner_uid is None or owner_uid == who.uid:
            return
    line, owner = owners[-1]
    yield Hit(line, f"{shared} is given to {owner}, but the image runs as {who.uid}: chown {who.uid} {shared}")
