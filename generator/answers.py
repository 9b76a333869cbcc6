"""Answers: from flags and answers files to one validated, typed object.

Each target declares its answers as a frozen dataclass whose fields carry an
:class:`Option` in their metadata (see :func:`option`). That one declaration gives the
command-line flags, the answers-file keys, the cookiecutter variables and (later) the
wizard's questions. Every raw value goes through the option's ``parse`` function, then
the dataclass's ``check`` method makes the checks that span several answers.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from generator.secretnames import looks_secret


class AnswerError(ValueError):
    """An answer is invalid; the message says what is wrong and how to fix it."""


@dataclass(frozen=True)
class When:
    """The condition under which a question applies: another answer has one of some values.

    The wizard asks the question only then (right after the answer it depends on), and
    ``--help`` says when it applies. With ``refuse`` (the default), an answer given
    otherwise is refused, since it would be ignored; without, it is only not asked.
    """

    name: str
    values: tuple[Any, ...]
    refuse: bool = True

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """True when ``answers`` (parsed values by field name) give the question a reason to be asked."""
        return answers.get(self.name) in self.values

    @property
    def flag(self) -> str:
        """The flag of the answer this depends on."""
        return "--" + self.name.replace("_", "-")

    def __str__(self) -> str:
        return f"{'only ' if self.refuse else 'asked only '}with {self.flag} {' or '.join(str(v) for v in self.values)}"


@dataclass(frozen=True)
class Option:
    """One question a target asks: a flag, an answers-file key, a cookiecutter variable, a wizard question."""

    help: str
    parse: Callable[[Any], Any]
    flag: str | None = None
    multiple: bool = False
    choices: tuple[str, ...] | None = None
    metavar: str | None = None
    boolean: bool = False
    path: bool = False
    when: When | None = None


def option(
    default: Any,
    help: str,
    parse: Callable[[Any], Any] | None = None,
    *,
    flag: str | None = None,
    multiple: bool = False,
    choices: Sequence[str] | None = None,
    metavar: str | None = None,
    path: bool = False,
    when: When | None = None,
) -> Any:
    """Declare a dataclass field that is also a question.

    ``parse`` turns one raw value (a string from a flag, or a YAML scalar) into its
    typed value, raising :class:`AnswerError`. With ``multiple``, the field holds a
    tuple and ``parse`` is applied to each item. ``path`` marks file answers, which an
    answers file gives relative to itself. ``when`` says when the question applies.
    """
    boolean = isinstance(default, bool)
    if parse is None:
        parse = parse_bool if boolean else str
    if choices is not None:
        parse = _choice_parser(tuple(choices), parse)
    meta = Option(
        help=help,
        parse=parse,
        flag=flag,
        multiple=multiple,
        choices=tuple(choices) if choices is not None else None,
        metavar=metavar,
        boolean=boolean,
        path=path,
        when=when,
    )
    if multiple:
        return field(default=tuple(default), metadata={"option": meta})
    return field(default=default, metadata={"option": meta})


def _choice_parser(choices: tuple[str, ...], inner: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        text = str(value)
        if text not in choices:
            raise AnswerError(f"{text!r} is not one of {', '.join(choices)}")
        return inner(text)

    return parse


@dataclass(frozen=True)
class Question:
    """An option bound to its field name (the answers-file key)."""

    name: str
    default: Any
    option: Option

    @property
    def flag(self) -> str:
        """The command-line flag, e.g. ``--conda-package``."""
        return self.option.flag or "--" + self.name.replace("_", "-")


def questions(cls: type) -> list[Question]:
    """The questions an answers class declares, in declaration order."""
    found = []
    for f in dataclasses.fields(cls):
        meta = f.metadata.get("option")
        if meta is None:
            continue
        default = f.default if f.default is not dataclasses.MISSING else None
        found.append(Question(f.name, default, meta))
    return found


A = TypeVar("A")


def build_answers(cls: type[A], raw: Mapping[str, Any]) -> A:
    """Parse raw values into ``cls``; unknown keys and bad values raise AnswerError."""
    by_name = {q.name: q for q in questions(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        q = by_name.get(name)
        if q is None:
            known = ", ".join(sorted(by_name))
            raise AnswerError(f"unknown answer {key!r}; known answers: {known}")
        try:
            if q.option.multiple:
                items = value if isinstance(value, (list, tuple)) else [value]
                values[name] = tuple(q.option.parse(item) for item in items)
            elif value is None:
                continue
            else:
                values[name] = q.option.parse(value)
        except AnswerError as err:
            raise AnswerError(f"{q.flag}: {err}") from None
    answers = cls(**values)
    check = getattr(answers, "check", None)
    if check is not None:
        check()
    check_conditions(answers)
    return answers


def check_conditions(answers: Any) -> None:
    """Refuse an answer given where its ``when`` condition does not hold (it would be ignored)."""
    for q in questions(type(answers)):
        when = q.option.when
        if when is None or not when.refuse or getattr(answers, q.name) == q.default:
            continue
        if not when.holds({when.name: getattr(answers, when.name)}):
            raise AnswerError(f"{q.flag} applies {when}; drop {q.flag}, or add {when.flag} {when.values[0]}")


def load_answers_file(path: Path) -> dict[str, Any]:
    """Read an answers file (a YAML mapping of answer: value)."""
    from generator.yamlfile import read_mapping

    return read_mapping(path, "answers file", "answer", AnswerError)


def merge_sources(
    cls: type, file_values: Mapping[str, Any], file_dir: Path, flags: Mapping[str, Any]
) -> dict[str, Any]:
    """Answers-file values overridden by flags; file paths in the file made relative to it."""
    paths = {q.name for q in questions(cls) if q.option.path}
    merged: dict[str, Any] = {}
    for key, value in file_values.items():
        name = key.replace("-", "_")
        if name in paths and value is not None:
            items = value if isinstance(value, (list, tuple)) else [value]
            value = [str(file_dir / str(item)) for item in items]
        merged[name] = value
    merged.update({k.replace("-", "_"): v for k, v in flags.items()})
    return merged


# --- parsers shared by the targets -------------------------------------------------

_BOOL = {"true": True, "yes": True, "1": True, "on": True, "false": False, "no": False, "0": False, "off": False}


def parse_bool(value: Any) -> bool:
    """A YAML boolean or one of yes/no/true/false/on/off/1/0."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in _BOOL:
        raise AnswerError(f"{value!r} is not a boolean; use true or false")
    return _BOOL[text]


_NAME = re.compile(r"^[a-z0-9]([-.]?[a-z0-9]){0,62}$")


def parse_name(value: Any) -> str:
    """An image name SageMaker, ECR and Foundry all accept."""
    text = str(value)
    if not _NAME.match(text):
        raise AnswerError(
            f"{text!r} is not a valid image name; use lower-case letters, digits, '-' and '.', "
            "starting and ending with a letter or digit, at most 63 characters"
        )
    return text


_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def parse_tag(value: Any) -> str:
    """An image tag that is valid and is not ``latest``."""
    text = str(value)
    if text.lower() == "latest":
        raise AnswerError("'latest' is refused: it names no fixed image; use a version such as 0.1.0 or a git revision")
    if not _TAG.match(text):
        raise AnswerError(
            f"{text!r} is not a valid image tag; use letters, digits, '_', '.', '-' (at most 128, "
            "not starting with '.' or '-')"
        )
    return text


_IMAGE_REF = re.compile(
    # A registry's :port is followed by a path; "debian:12" is a repository and its tag.
    r"^(?P<name>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+(?=/))?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


def parse_image_ref(value: Any) -> str:
    """A pinned image reference: ``repo:tag`` (not latest) or ``repo@sha256:...``."""
    text = str(value).strip()
    m = _IMAGE_REF.match(text)
    if not m:
        raise AnswerError(
            f"{text!r} is not an image reference; use REGISTRY/REPOSITORY:TAG or REPOSITORY@sha256:DIGEST"
        )
    tag, digest = m.group("tag"), m.group("digest")
    if tag is None and digest is None:
        raise AnswerError(f"{text!r} has no tag; pin a version, e.g. {text}:1.2.3, or a digest")
    if tag is not None and digest is None and (tag.lower() == "latest" or tag.lower().startswith("latest-")):
        raise AnswerError(f"{text!r} uses the moving tag {tag!r}; pin a version or a digest")
    return text


_PY = re.compile(r"^3\.[0-9]{1,2}(\.[0-9]{1,2})?$")


def parse_python_version(value: Any) -> str:
    """A Python 3 version such as 3.12 or 3.12.7."""
    text = str(value)
    if not _PY.match(text):
        raise AnswerError(f"{text!r} is not a Python version; use e.g. 3.12")
    return text


_VERSION = re.compile(r"^[0-9]+(\.[0-9]+){0,3}$")


def parse_version(value: Any) -> str:
    """A plain version such as 1.5 or 1.5.2."""
    text = str(value)
    if not _VERSION.match(text):
        raise AnswerError(f"{text!r} is not a version; use digits and dots, e.g. 1.5")
    return text


_SPEC_SAFE = re.compile(r"^[A-Za-z0-9_.\-\[\],=<>!~*+: ]+$")
_CONDA_SPEC = re.compile(
    r"^(?:[A-Za-z0-9_.\-]+::)?[A-Za-z0-9_][A-Za-z0-9_.\-]*"
    r"(?:\s*(?:==|>=|<=|!=|~=|=|>|<)\s*[A-Za-z0-9_.*+!\-]+(?:\s*,\s*(?:==|>=|<=|!=|~=|>|<)\s*[A-Za-z0-9_.*+!\-]+)*)?"
    r"(?:=[A-Za-z0-9_.*+\-]+)?$"
)
_PIP_SPEC = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9._\-]*[A-Za-z0-9])?"
    r"(?:\[[A-Za-z0-9._\-]+(?:\s*,\s*[A-Za-z0-9._\-]+)*\])?"
    r"(?:\s*(?:===|==|>=|<=|!=|~=|>|<)\s*[A-Za-z0-9_.*+!\-]+(?:\s*,\s*(?:===|==|>=|<=|!=|~=|>|<)\s*[A-Za-z0-9_.*+!\-]+)*)?$"
)


def _shell_safe(text: str, kind: str, example: str) -> None:
    bad = sorted({c for c in text if not _SPEC_SAFE.match(c)})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise AnswerError(f"{kind} {text!r} contains {shown}; give one package spec such as {example}")


def parse_conda_spec(value: Any) -> str:
    """A conda match spec such as ``numpy``, ``numpy=1.26`` or ``conda-forge::numpy>=1.26``."""
    text = str(value).strip()
    _shell_safe(text, "conda package", "numpy=1.26")
    if not _CONDA_SPEC.match(text):
        raise AnswerError(f"conda package {text!r} is not a match spec; use e.g. numpy or numpy=1.26")
    return text


def parse_pip_spec(value: Any) -> str:
    """A pip requirement such as ``requests``, ``requests==2.32.3`` or ``pkg[extra]>=1,<2``."""
    text = str(value).strip()
    _shell_safe(text, "pip package", "requests==2.32.3")
    if not _PIP_SPEC.match(text):
        raise AnswerError(f"pip package {text!r} is not a requirement; use e.g. requests==2.32.3")
    return text


_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class EnvVar:
    """One ``KEY=VALUE`` baked into the image."""

    key: str
    value: str

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


def parse_env(value: Any) -> EnvVar:
    """``KEY=VALUE``: a valid name, a single-line value, and no secret-looking name."""
    text = str(value)
    key, sep, val = text.partition("=")
    if not sep or not _ENV_KEY.match(key):
        raise AnswerError(f"{text!r} is not KEY=VALUE with KEY made of letters, digits and '_'")
    if "\n" in val or "\r" in val:
        raise AnswerError(f"the value of {key} spans several lines; give a single-line value")
    if looks_secret(key):
        raise AnswerError(
            f"{key} looks like a secret; images are readable by anyone who can pull them, "
            "so pass secrets at run time instead"
        )
    return EnvVar(key, val)


def parse_file(value: Any) -> Path:
    """An existing, readable file, kept as an absolute path."""
    path = Path(str(value)).expanduser()
    if not path.is_file():
        raise AnswerError(f"{value} is not a file")
    return path.resolve()


_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----")


def parse_ca_cert(value: Any) -> Path:
    """A PEM file holding at least one X.509 certificate (and no private key)."""
    path = parse_file(value)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise AnswerError(f"cannot read {value}: {err.strerror}") from None
    if b"PRIVATE KEY-----" in data:
        raise AnswerError(f"{value} holds a private key; give only the CA certificate (PEM)")
    if not _PEM.search(data):
        raise AnswerError(f"{value} is not a PEM certificate; convert it with: openssl x509 -in FILE -out FILE.pem")
    return path
