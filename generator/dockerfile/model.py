"""What a Dockerfile builds: stages, their variables, user, working folder and files.

:func:`build` walks the parsed instructions the way BuildKit evaluates them, without
building anything: ``ARG``s before the first ``FROM`` are global (usable in ``FROM``
only, unless a stage declares them again); each stage has its own ``ARG``/``ENV``
scope, ``ENV`` winning over ``ARG``; ``USER``, ``WORKDIR``, ``ENV``, ``ENTRYPOINT`` and
``CMD`` carry into a stage built ``FROM`` an earlier stage, and never across a ``FROM``
of another image. Values that depend on a ``--build-arg`` without a default cannot be
known statically; they are None here, and the rules say nothing about them.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field

from generator.dockerfile.parser import Dockerfile, Heredoc, Instruction
from generator.dockerfile.shell import expand

#: ARGs BuildKit defines for every build; their values depend on how it is run.
PLATFORM_ARGS = (
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
)

Vars = Mapping[str, "str | None"]


@dataclass(frozen=True)
class User:
    """The ``USER`` a stage runs as: ``user[:group]`` as written and as expanded."""

    raw: str
    #: Expanded ``user[:group]``; None when it depends on an unknown build argument.
    value: str | None
    #: The ``USER`` instruction (None when the user comes from a base image's facts).
    instruction: Instruction | None = None

    @property
    def name(self) -> str | None:
        """The user part (a name or a numeric uid)."""
        return None if self.value is None else self.value.partition(":")[0]

    @property
    def group(self) -> str | None:
        """The group part, or None when ``USER`` names no group (or is unknown)."""
        if self.value is None or ":" not in self.value:
            return None
        return self.value.partition(":")[2]

    @property
    def uid(self) -> int | None:
        """The numeric uid, when the user part is a number."""
        name = self.name
        return int(name) if name is not None and name.isdecimal() and name.isascii() else None

    @property
    def gid(self) -> int | None:
        """The numeric gid, when the group part is a number."""
        group = self.group
        return int(group) if group is not None and group.isdecimal() and group.isascii() else None

    @property
    def is_root(self) -> bool:
        """True for ``root``, ``0`` and ``0:<any group>``."""
        return self.name == "root" or self.uid == 0


@dataclass(frozen=True)
class Copy:
    """A ``COPY`` or ``ADD``: where its files come from and where they go."""

    instruction: Instruction
    #: Sources, expanded where possible (raw text where not).
    sources: tuple[str, ...]
    #: Absolute destination in the image; None when it cannot be known.
    dest: str | None
    #: ``--from`` (a stage name or index, or an image); None for the build context.
    from_: str | None = None
    chown: str | None = None
    #: Sources given inline as heredocs, by marker name.
    heredocs: Mapping[str, Heredoc] = field(default_factory=dict)

    @property
    def from_context(self) -> bool:
        """True when the sources are files of the build context (not another stage or an URL)."""
        return self.from_ is None

    def target_of(self, source: str) -> str | None:
        """Where ``source`` lands in the image (destination folder or file)."""
        if self.dest is None:
            return None
        if len(self.sources) > 1 or self.instruction.args[-1].endswith("/") or self.dest == "/":
            return posixpath.join(self.dest, posixpath.basename(source.rstrip("/")) or source)
        return self.dest


@dataclass(frozen=True)
class Step:
    """An instruction of a stage with the state in force just before it."""

    instruction: Instruction
    #: ARG and ENV values in scope (ENV wins); None where unknown.
    vars: Mapping[str, str | None]
    #: ENV values only: what a running container inherits.
    env: Mapping[str, str | None]
    workdir: str | None

    def expand(self, text: str, escape: str = "\\") -> str | None:
        """``text`` as BuildKit would expand it at this point of the build."""
        return expand(text, self.vars, escape=escape)


@dataclass
class Stage:
    """One ``FROM`` and the instructions up to the next."""

    index: int
    from_: Instruction
    #: The base image as written and expanded (None when unknown).
    base_raw: str
    base: str | None
    alias: str | None
    #: ``--platform`` as written, and expanded (None when absent or unknown).
    platform_raw: str | None
    platform: str | None
    #: The earlier stage this one is built on, if any.
    parent: Stage | None = None
    steps: list[Step] = field(default_factory=list)
    #: State at the end of the stage, inherited state included.
    vars: dict[str, str | None] = field(default_factory=dict)
    env: dict[str, str | None] = field(default_factory=dict)
    workdir: str | None = "/"
    #: The last ``WORKDIR`` in this stage or the stages it is built on.
    workdir_instruction: Instruction | None = None
    user: User | None = None
    entrypoint: Instruction | None = None
    cmd: Instruction | None = None
    copies: list[Copy] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The alias, or the stage's index as BuildKit numbers it."""
        return self.alias or str(self.index)

    @property
    def root(self) -> Stage:
        """The first stage of the chain of stages this one is built on."""
        stage = self
        while stage.parent is not None:
            stage = stage.parent
        return stage

    @property
    def image(self) -> str | None:
        """The image at the bottom of the chain (``scratch`` included); None when unknown."""
        return self.root.base

    def chain(self) -> list[Stage]:
        """This stage and the stages it is built on, oldest first."""
        stages: list[Stage] = []
        stage: Stage | None = self
        while stage is not None:
            stages.append(stage)
            stage = stage.parent
        return stages[::-1]


@dataclass
class Model:
    """A Dockerfile as a sequence of stages."""

    dockerfile: Dockerfile
    global_args: dict[str, str | None]
    stages: list[Stage]
    #: Instructions BuildKit would refuse while building stages: (instruction, message).
    errors: list[tuple[Instruction, str]] = field(default_factory=list)

    @property
    def final(self) -> Stage | None:
        """The stage the image is made of (the last one, unless ``--target`` says otherwise)."""
        return self.stages[-1] if self.stages else None

    def stage(self, ref: str) -> Stage | None:
        """The stage named ``ref`` (an alias, case-insensitive, or an index)."""
        lowered = ref.lower()
        for stage in self.stages:
            if stage.alias is not None and stage.alias.lower() == lowered:
                return stage
        if ref.isdecimal() and ref.isascii() and int(ref) < len(self.stages):
            return self.stages[int(ref)]
        return None


def _join(workdir: str | None, path: str) -> str | None:
    if path.startswith("/"):
        return posixpath.normpath(path).replace("//", "/")
    if workdir is None:
        return None
    return posixpath.normpath(posixpath.join(workdir, path)).replace("//", "/")


def _arg_words(ins: Instruction) -> list[tuple[str, str | None]]:
    """``ARG`` words as (name, default as written)."""
    out: list[tuple[str, str | None]] = []
    for word in ins.args:
        name, sep, default = word.partition("=")
        out.append((name, default if sep else None))
    return out


def build(df: Dockerfile) -> Model:
    """Evaluate the stages of a parsed Dockerfile."""
    escape = df.escape
    model = Model(df, {}, [])
    global_args: dict[str, str | None] = dict.fromkeys(PLATFORM_ARGS)
    stage: Stage | None = None
    for ins in df.instructions:
        cmd = ins.cmd
        if cmd == "FROM":
            stage = _start_stage(model, ins, global_args, escape)
            model.stages.append(stage)
            continue
        if stage is None:
            if cmd == "ARG":
                for name, default in _arg_words(ins):
                    global_args[name] = None if default is None else expand(default, global_args, escape=escape)
            elif ins.known:
                model.errors.append((ins, f"{cmd} before the first FROM: every instruction but ARG needs a stage"))
            continue
        _apply(stage, ins, global_args, escape)
    model.global_args = {k: v for k, v in global_args.items() if k not in PLATFORM_ARGS}
    return model


def _start_stage(model: Model, ins: Instruction, global_args: Vars, escape: str) -> Stage:
    args = ins.args
    alias: str | None = None
    if len(args) == 3 and args[1].lower() == "as":
        alias = args[2]
    elif len(args) != 1:
        model.errors.append((ins, "FROM takes an image and, optionally, AS name"))
    base_raw = args[0] if args else ""
    base = expand(base_raw, global_args, escape=escape) if base_raw else None
    platform_raw = ins.flag("platform")
    platform = expand(platform_raw, global_args, escape=escape) if platform_raw else None
    parent = model.stage(base) if base else None
    stage = Stage(len(model.stages), ins, base_raw, base, alias, platform_raw, platform, parent)
    if parent is not None:
        stage.env = dict(parent.env)
        stage.vars = dict(parent.env)
        stage.workdir = parent.workdir
        stage.workdir_instruction = parent.workdir_instruction
        stage.user = parent.user
        stage.entrypoint = parent.entrypoint
        stage.cmd = parent.cmd
    return stage


def _apply(stage: Stage, ins: Instruction, global_args: Vars, escape: str) -> None:
    cmd = ins.cmd
    step = Step(ins, dict(stage.vars), dict(stage.env), stage.workdir)
    stage.steps.append(step)
    if cmd == "ARG":
        for name, default in _arg_words(ins):
            # Without a default, a global ARG of that name gives its value.
            value = global_args.get(name) if default is None else expand(default, stage.vars, escape=escape)
            if name not in stage.env:
                stage.vars[name] = value
    elif cmd == "ENV":
        pairs = list(zip(ins.args[::2], ins.args[1::2], strict=False))
        for key, raw in pairs:
            value = step.expand(raw, escape)
            stage.env[key] = value
            stage.vars[key] = value
    elif cmd == "USER" and ins.args:
        stage.user = User(ins.args[0], step.expand(ins.args[0], escape), ins)
    elif cmd == "WORKDIR" and ins.args:
        value = step.expand(ins.args[0], escape)
        stage.workdir = None if value is None else _join(stage.workdir, value)
        stage.workdir_instruction = ins
    elif cmd == "ENTRYPOINT":
        stage.entrypoint = ins
        # An ENTRYPOINT resets a CMD inherited from the base (Dockerfile reference).
        if stage.cmd is not None and stage.cmd.start_line < stage.from_.start_line:
            stage.cmd = None
    elif cmd == "CMD":
        stage.cmd = ins
    elif cmd in ("COPY", "ADD") and ins.args:
        stage.copies.append(_copy(step, ins, escape))


def _copy(step: Step, ins: Instruction, escape: str) -> Copy:
    words = list(ins.args)
    docs = {f"<<{h.name}": h for h in ins.heredocs}
    docs.update({f"<<-{h.name}": h for h in ins.heredocs})
    sources: list[str] = []
    heredocs: dict[str, Heredoc] = {}
    for word in words[:-1]:
        if not ins.json and word in docs:
            heredocs[word] = docs[word]
            sources.append(word)
            continue
        sources.append(step.expand(word, escape) or word)
    dest_raw = words[-1] if len(words) > 1 else ""
    dest_value = step.expand(dest_raw, escape)
    dest = _join(step.workdir, dest_value) if dest_value else None
    chown = ins.flag("chown")
    return Copy(
        instruction=ins,
        sources=tuple(sources),
        dest=dest,
        from_=ins.flag("from") or None,
        chown=step.expand(chown, escape) if chown else None,
        heredocs=heredocs,
    )


__all__ = ["Copy", "Model", "Stage", "Step", "User", "build", "expand"]
