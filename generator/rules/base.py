"""What a rule is, what it sees, and the helpers several rules share.

A rule is a small function decorated with :func:`rule`, which gives it a stable code,
a level, the targets it applies to and a one-line summary; its docstring is its
documentation (What it does / Why is this bad? / Example / Fix), printed by
``byoi rules CODE``. The function receives a :class:`Context` and yields
:class:`Hit` objects: a line and a message that says how to fix the problem.
"""

from __future__ import annotations

import re

from generator.dockerfile.script import Command, command_words, commands, expand_word, literal
from generator.dockerfile.shell import GO_SPACE
from generator.platforms import sagemaker as sm
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

# Plain classes with __slots__, and typing only for the type checker: ``byoi check``
# imports this module on every run (see generator.dockerfile.parser).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from typing import Any, TypeVar

    from generator.dockerfile.model import Model, Stage, Step
    from generator.dockerfile.parser import Dockerfile, DockerfileSyntaxError, Heredoc, Instruction
    from generator.dockerfile.script import Word

    Check = Callable[["Context"], Iterable["Hit"]]
    T = TypeVar("T")

#: Both Studio apps share the user, home, port and reserved-path rules.
SAGEMAKER = frozenset({SAGEMAKER_CODE_EDITOR, SAGEMAKER_JUPYTERLAB})
#: Rules about the Code Editor server itself.
CODE_EDITOR_TARGETS = frozenset({SAGEMAKER_CODE_EDITOR})
#: Rules about the JupyterLab server itself.
JUPYTERLAB_TARGETS = frozenset({SAGEMAKER_JUPYTERLAB})
FOUNDRY_TARGETS = frozenset({FOUNDRY_SIDECAR, FOUNDRY_BYOC, FOUNDRY_MODEL, FOUNDRY_COMPUTE_MODULE})
ALL = frozenset(TARGETS)


def level_rank(level: str) -> int:
    """0 for error ... 3 for style: lower is more severe."""
    return LEVELS.index(level)


class Script:
    """A shell script the image gets: a copied file or a ``COPY <<EOF`` heredoc.

    ``file`` is what findings are reported against (the Dockerfile for a heredoc),
    ``dest`` where the script lands in the image (None when unknown), ``first_line``
    the line of ``file`` the script's first line is on.
    """

    __slots__ = ("dest", "file", "first_line", "text")

    def __init__(self, file: str, text: str, dest: str | None, first_line: int = 1) -> None:
        self.file = file
        self.text = text
        self.dest = dest
        self.first_line = first_line

    def __repr__(self) -> str:
        return f"Script({self.file!r}, dest={self.dest!r})"


class Hit:
    """One problem a rule found: where, and what to do about it (``file`` is set when
    it is not the Dockerfile itself but a copied script)."""

    __slots__ = ("file", "line", "message")

    def __init__(self, line: int, message: str, file: str | None = None) -> None:
        self.line = line
        self.message = message
        self.file = file

    def __repr__(self) -> str:
        return f"Hit({self.line}, {self.message!r}, {self.file!r})"


class Context:
    """Everything a rule may look at: the target, the Dockerfile as the user named it
    (``file``), its parse and model (None when it does not parse), the scripts the
    image gets, and ``memo``: results several rules share, computed once."""

    __slots__ = ("dockerfile", "file", "memo", "model", "scripts", "syntax_error", "target")

    def __init__(
        self,
        target: str,
        file: str,
        dockerfile: Dockerfile | None,
        model: Model | None,
        scripts: list[Script] | None = None,
        syntax_error: DockerfileSyntaxError | None = None,
    ) -> None:
        self.target = target
        self.file = file
        self.dockerfile = dockerfile
        self.model = model
        self.scripts: list[Script] = scripts if scripts is not None else []
        self.syntax_error = syntax_error
        self.memo: dict[str, Any] = {}

    @property
    def final(self) -> Stage | None:
        """The stage the image is made of."""
        return self.model.final if self.model is not None else None

    @property
    def escape(self) -> str:
        """The Dockerfile's escape character."""
        return self.dockerfile.escape if self.dockerfile is not None else "\\"


def memoized(ctx: Context, key: str, compute: Callable[[Context], T]) -> T:
    """``compute(ctx)``, computed once per context."""
    if key not in ctx.memo:
        ctx.memo[key] = compute(ctx)
    result: T = ctx.memo[key]
    return result


class Rule:
    """A check with its code, level, targets, summary and documentation;
    ``on_syntax_error`` rules run on files that do not parse (the others need a parsed
    Dockerfile)."""

    __slots__ = ("check", "code", "level", "on_syntax_error", "summary", "targets")

    def __init__(
        self, code: str, level: str, targets: frozenset[str], summary: str, check: Check, on_syntax_error: bool = False
    ) -> None:
        self.code = code
        self.level = level
        self.targets = targets
        self.summary = summary
        self.check = check
        self.on_syntax_error = on_syntax_error

    def __repr__(self) -> str:
        return f"Rule({self.code!r}, {self.level!r})"

    @property
    def name(self) -> str:
        """The rule's name: its function's name with dashes (``root-user``)."""
        return getattr(self.check, "__name__", self.code).replace("_", "-")

    @property
    def doc(self) -> str:
        """The rule's documentation (its function's docstring)."""
        import textwrap  # only `byoi rules` and SARIF output show documentation

        return textwrap.dedent(self.check.__doc__ or self.summary).strip()

    def __call__(self, ctx: Context) -> Iterable[Hit]:
        """Run the check."""
        return self.check(ctx)


_CODE = re.compile(r"(BY|SM|FD)[0-9]{3}")


def rule(
    code: str, level: str, targets: frozenset[str], summary: str, *, on_syntax_error: bool = False
) -> Callable[[Check], Rule]:
    """Declare a rule: ``@rule("BY101", "error", ALL, "...")`` above its check function."""
    if not _CODE.fullmatch(code):
        raise ValueError(f"rule code {code!r} must look like BY101, SM201 or FD301")
    if level not in LEVELS:
        raise ValueError(f"rule {code}: level {level!r} is not one of {LEVELS}")

    def wrap(check: Check) -> Rule:
        return Rule(code, level, targets, summary, check, on_syntax_error)

    return wrap


# --- shared helpers ------------------------------------------------------------------


def final_chain_steps(ctx: Context) -> Iterator[Step]:
    """The steps of the final stage and the stages it is built on, in build order."""
    final = ctx.final
    if final is None:
        return
    for stage in final.chain():
        yield from stage.steps


def final_line(ctx: Context) -> int:
    """The line of the final ``FROM`` (where stage-wide findings are reported)."""
    final = ctx.final
    return final.from_.start_line if final is not None else 1


def split_image(ref: str) -> tuple[str, str | None, str | None]:
    """``registry/repo:tag@digest`` -> (repository, tag, digest); docker.io prefixes dropped."""
    digest: str | None = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    tag: str | None = None
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        ref, tag = ref[:colon], ref[colon + 1 :]
    for prefix in ("docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"):
        if ref.startswith(prefix):
            ref = ref[len(prefix) :]
            break
    return ref, tag, digest


class BaseFacts:
    """What the checker knows about a base image it has no Dockerfile for: its default
    user (name, uid, gid) and working folder."""

    __slots__ = ("user", "workdir")

    def __init__(self, user: tuple[str, int, int] | None = None, workdir: str | None = None) -> None:
        self.user = user
        self.workdir = workdir


#: Base images whose user and working folder are documented (platform-facts.md):
#: the SageMaker Distribution runs as sagemaker-user 1000:100 in its home (the AWS
#: example built on it sets neither USER nor WORKDIR and "meets the specifications"),
#: micromamba as mambauser 57439:57439.
KNOWN_BASES: Mapping[str, BaseFacts] = {
    sm.SAGEMAKER_DISTRIBUTION.repository: BaseFacts(
        user=(CODE_EDITOR.user, CODE_EDITOR.uid, CODE_EDITOR.gid), workdir=CODE_EDITOR.home
    ),
    sm.MICROMAMBA.repository: BaseFacts(user=(sm.MAMBA_USER, sm.MAMBA_UID, sm.MAMBA_UID)),
}


def base_facts(image: str | None) -> BaseFacts | None:
    """What is known about the base image ``image`` (by repository), if anything."""
    if image is None:
        return None
    return KNOWN_BASES.get(split_image(image)[0])


def required_platform(target: str) -> str:
    """The only platform the target's runtime runs."""
    return CODE_EDITOR.platform if target in SAGEMAKER else FOUNDRY.platform


def recommended_user(target: str) -> str:
    """The ``USER`` line value the target's platform wants."""
    if target in SAGEMAKER:
        return f"{CODE_EDITOR.uid}:{CODE_EDITOR.gid}"
    if target == FOUNDRY_BYOC:
        return str(FOUNDRY.byoc_uid)
    return str(FOUNDRY.default_uid)


def instruction_commands(ins: Instruction) -> list[Command]:
    """Commands of a ``RUN``/``CMD``/``ENTRYPOINT``: shell text, ``sh -c`` scripts, heredocs.

    Computed once per instruction (several rules ask); callers must not change the list.
    """
    found = ins.memo.get("commands")
    if found is None:
        found = ins.memo["commands"] = _instruction_commands(ins)
    result: list[Command] = found
    return result


def _instruction_commands(ins: Instruction) -> list[Command]:
    found: list[Command] = []
    if ins.json:
        words = list(ins.args)
        script = _sh_c(words)
        if script is not None:
            found += commands(script, ins.start_line)
        elif words:
            found.append(Command(tuple(literal(w, ins.start_line) for w in words)))
    elif ins.args:
        text = ins.args[0]
        joined = ins.original.rstrip(GO_SPACE)
        offset = len(joined) - len(text) if joined.endswith(text) else None
        line_at = None if offset is None else (lambda at: ins.line_of(offset + at))
        found += commands(text, ins.start_line, line_at)
    if ins.cmd == "RUN":
        for doc, first in heredoc_lines(ins):
            found += commands(doc.text, first)
    return found


def _sh_c(words: list[str]) -> str | None:
    """The script of ``["sh", "-c", "script"]`` (any POSIX shell, ``-c`` among its options)."""
    if len(words) < 3 or words[0].rsplit("/", 1)[-1] not in ("sh", "bash", "dash", "zsh", "ash", "ksh"):
        return None
    for i, word in enumerate(words[1:], 1):
        if word.startswith("-") and "c" in word[1:] and i + 1 < len(words):
            return words[i + 1]
        if not word.startswith("-"):
            return None
    return None


def heredoc_lines(ins: Instruction) -> list[tuple[Heredoc, int]]:
    """Each heredoc of ``ins`` with the Dockerfile line its content starts on.

    Heredoc bodies close an instruction: each is its lines plus a terminator line,
    counted back from the instruction's last line.
    """
    docs = ins.heredocs or (ins.sub.heredocs if ins.sub is not None else ())
    line = ins.end_line - sum(doc.content.count("\n") + 1 for doc in docs) + 1
    out: list[tuple[Heredoc, int]] = []
    for doc in docs:
        out.append((doc, line))
        line += doc.content.count("\n") + 1
    return out


def word_value(word: Word, variables: Mapping[str, str | None]) -> str | None:
    """A word's value (see :func:`generator.dockerfile.script.expand_word`)."""
    return expand_word(word.raw, variables)


def program(command: Command) -> tuple[str | None, tuple[Word, ...]]:
    """The command name (its last path component) and its arguments."""
    words = command_words(command)
    if not words:
        return None, ()
    name = expand_word(words[0].raw, {})
    return (name.rsplit("/", 1)[-1] if name else None), words[1:]
