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
from bisect import bisect_right
from collections.abc import Iterator, Mapping

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

TYPE_CHECKING = False
if TYPE_CHECKING:
    Vars = Mapping[str, str | None]

# Plain classes with __slots__ rather than dataclasses: see generator.dockerfile.parser.


class Scope:
    """The variables of a stage as they change, instruction by instruction.

    Every step of a stage sees the variables in force just before it. Copying them for
    each step is quadratic (20,000 ``ARG`` lines took gigabytes); a scope records each
    name's values with the step they were set at instead, and :meth:`at` gives a
    read-only view of any point. ``base`` is what the stage starts with (the variables
    of the stage it is built on, or nothing).
    """

    __slots__ = ("_base", "_history", "clock")

    def __init__(self, base: Mapping[str, str | None] | None = None) -> None:
        self._base: Mapping[str, str | None] = base if base is not None else {}
        #: name -> ([clock when set, ...], [value, ...])
        self._history: dict[str, tuple[list[int], list[str | None]]] = {}
        self.clock = 0

    def set(self, name: str, value: str | None) -> None:
        """Set ``name`` from now on."""
        clocks, values = self._history.setdefault(name, ([], []))
        if clocks and clocks[-1] == self.clock:
            values[-1] = value
        else:
            clocks.append(self.clock)
            values.append(value)

    def tick(self) -> int:
        """Move on to the next instruction; returns the clock of the state before it."""
        self.clock += 1
        return self.clock - 1

    def at(self, clock: int) -> ScopeView:
        """The variables as they were at ``clock`` (see :meth:`tick`)."""
        return ScopeView(self, clock)

    def now(self) -> ScopeView:
        """The variables as they are."""
        return ScopeView(self, self.clock)

    def lookup(self, name: str, clock: int) -> str | None:
        """The value of ``name`` at ``clock``; KeyError when it is not set."""
        entry = self._history.get(name)
        if entry is not None:
            i = bisect_right(entry[0], clock)
            if i:
                return entry[1][i - 1]
        return self._base[name]

    def names(self, clock: int) -> Iterator[str]:
        """The names set at ``clock``."""
        for name, (clocks, _) in self._history.items():
            if clocks[0] <= clock:
                yield name
        for name in self._base:
            entry = self._history.get(name)
            if entry is None or entry[0][0] > clock:
                yield name


class ScopeView(Mapping[str, "str | None"]):
    """A read-only mapping of a :class:`Scope` at one point of the build."""

    __slots__ = ("_clock", "_scope")

    def __init__(self, scope: Scope, clock: int) -> None:
        self._scope = scope
        self._clock = clock

    def __getitem__(self, name: str) -> str | None:
        return self._scope.lookup(name, self._clock)

    def __iter__(self) -> Iterator[str]:
        return self._scope.names(self._clock)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        # Without it, truth would count every name (len): quadratic over a stage.
        return next(iter(self), None) is not None

    def __repr__(self) -> str:
        return f"ScopeView({dict(self)!r})"


class User:
    """The ``USER`` a stage runs as: ``user[:group]`` as written (``raw``) and as
    expanded (``value``: None when it depends on an unknown build argument), and the
    ``USER`` instruction (None when the user comes from a base image's facts)."""

    __slots__ = ("instruction", "raw", "value")

    def __init__(self, raw: str, value: str | None, instruction: Instruction | None = None) -> None:
        self.raw = raw
        self.value = value
        self.instruction = instruction

    def __repr__(self) -> str:
        return f"User({self.raw!r}, {self.value!r})"

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


class Copy:
    """A ``COPY`` or ``ADD``: where its files come from and where they go.

    ``sources`` are expanded where possible (raw text where not); ``dest`` is the
    absolute destination in the image (None when it cannot be known); ``from_`` the
    ``--from`` stage or image (None for the build context); ``heredocs`` the sources
    given inline, by marker name.
    """

    __slots__ = ("chown", "dest", "from_", "heredocs", "instruction", "sources")

    def __init__(
        self,
        instruction: Instruction,
        sources: tuple[str, ...],
        dest: str | None,
        from_: str | None = None,
        chown: str | None = None,
        heredocs: Mapping[str, Heredoc] | None = None,
    ) -> None:
        self.instruction = instruction
        self.sources = sources
        self.dest = dest
        self.from_ = from_
        self.chown = chown
        self.heredocs: Mapping[str, Heredoc] = heredocs if heredocs is not None else {}

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


class Step:
    """An instruction of a stage with the state in force just before it: ``vars`` the
    ARG and ENV values in scope (ENV wins; None where unknown), ``env`` the ENV values
    only (what a running container inherits), and the working folder."""

    __slots__ = ("env", "instruction", "vars", "workdir")

    def __init__(
        self,
        instruction: Instruction,
        vars: Mapping[str, str | None],
        env: Mapping[str, str | None],
        workdir: str | None,
    ) -> None:
        self.instruction = instruction
        self.vars = vars
        self.env = env
        self.workdir = workdir

    def expand(self, text: str, escape: str = "\\") -> str | None:
        """``text`` as BuildKit would expand it at this point of the build."""
        return expand(text, self.vars, escape=escape)


class Stage:
    """One ``FROM`` and the instructions up to the next.

    ``base_raw``/``base`` are the base image as written and expanded (None when
    unknown), ``platform_raw``/``platform`` the ``--platform`` likewise, ``parent`` the
    earlier stage this one is built on. ``vars`` and ``env`` are the state at the end
    of the stage, inherited state included; ``workdir_instruction`` the last ``WORKDIR``
    in this stage or the stages it is built on.
    """

    __slots__ = (
        "_env",
        "_vars",
        "alias",
        "base",
        "base_raw",
        "cmd",
        "copies",
        "entrypoint",
        "from_",
        "index",
        "parent",
        "platform",
        "platform_raw",
        "steps",
        "user",
        "workdir",
        "workdir_instruction",
    )

    def __init__(
        self,
        index: int,
        from_: Instruction,
        base_raw: str,
        base: str | None,
        alias: str | None,
        platform_raw: str | None,
        platform: str | None,
        parent: Stage | None = None,
    ) -> None:
        self.index = index
        self.from_ = from_
        self.base_raw = base_raw
        self.base = base
        self.alias = alias
        self.platform_raw = platform_raw
        self.platform = platform
        self.parent = parent
        self.steps: list[Step] = []
        inherited = parent.env if parent is not None else None
        self._vars = Scope(inherited)
        self._env = Scope(inherited)
        self.workdir: str | None = "/"
        self.workdir_instruction: Instruction | None = None
        self.user: User | None = None
        self.entrypoint: Instruction | None = None
        self.cmd: Instruction | None = None
        self.copies: list[Copy] = []

    def __repr__(self) -> str:
        return f"Stage({self.index}, {self.base_raw!r}, alias={self.alias!r})"

    @property
    def vars(self) -> Mapping[str, str | None]:
        """ARG and ENV values in scope at the end of the stage (ENV wins)."""
        return self._vars.now()

    @property
    def env(self) -> Mapping[str, str | None]:
        """ENV values at the end of the stage (what a running container inherits)."""
        return self._env.now()

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


class Model:
    """A Dockerfile as a sequence of stages; ``errors`` are the instructions BuildKit
    would refuse while building stages, with a message."""

    __slots__ = ("_aliases", "dockerfile", "errors", "global_args", "stages")

    def __init__(
        self,
        dockerfile: Dockerfile,
        global_args: dict[str, str | None],
        stages: list[Stage],
        errors: list[tuple[Instruction, str]] | None = None,
    ) -> None:
        self.dockerfile = dockerfile
        self.global_args = global_args
        self.stages = stages
        self.errors: list[tuple[Instruction, str]] = errors if errors is not None else []
        self._aliases: dict[str, Stage] = {}
        for stage in stages:
            self._index(stage)

    def add(self, stage: Stage) -> None:
        """Append the next stage."""
        self.stages.append(stage)
        self._index(stage)

    def _index(self, stage: Stage) -> None:
        # A dict, not a scan per FROM: thousands of stages stay linear.
        if stage.alias is not None:
            self._aliases.setdefault(stage.alias.lower(), stage)

    @property
    def final(self) -> Stage | None:
        """The stage the image is made of (the last one, unless ``--target`` says otherwise)."""
        return self.stages[-1] if self.stages else None

    def stage(self, ref: str) -> Stage | None:
        """The stage named ``ref`` (an alias, case-insensitive, or an index)."""
        stage = self._aliases.get(ref.lower())
        if stage is not None:
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
            model.add(stage)
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
        stage.workdir = parent.workdir
        stage.workdir_instruction = parent.workdir_instruction
        stage.user = parent.user
        stage.entrypoint = parent.entrypoint
        stage.cmd = parent.cmd
    return stage


def _apply(stage: Stage, ins: Instruction, global_args: Vars, escape: str) -> None:
    cmd = ins.cmd
    variables, env = stage._vars, stage._env
    step = Step(ins, variables.at(variables.tick()), env.at(env.tick()), stage.workdir)
    stage.steps.append(step)
    if cmd == "ARG":
        for name, default in _arg_words(ins):
            # Without a default, a global ARG of that name gives its value.
            value = global_args.get(name) if default is None else expand(default, variables.now(), escape=escape)
            if name not in stage.env:
                variables.set(name, value)
    elif cmd == "ENV":
        pairs = list(zip(ins.args[::2], ins.args[1::2], strict=False))
        for key, raw in pairs:
            value = step.expand(raw, escape)
            env.set(key, value)
            variables.set(key, value)
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
