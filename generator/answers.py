"""Answers: from flags and answers files to one validated, typed object.

Each target declares its answers as a frozen dataclass whose fields carry an
:class:`Option` in their metadata (see :func:`option`). That one declaration gives the
command-line flags, the answers-file keys, the cookiecutter variables and (later) the
wizard's questions. Every raw value goes through the option's ``parse`` function, then
the dataclass's ``check`` method makes the checks that span several answers.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import typing
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


#: The sections of the questions, in the order the wizard (and cookiecutter) asks them:
#: what the image is built on (the base and its flavour), what goes into it (packages,
#: extensions: the reason it exists), what it is called, then the advanced settings
#: (environment, certificates, a base image override, user, ports ...). An option says
#: its section with ``group=``; one that does not is advanced.
KIND = "kind"
CONTENTS = "contents"
IDENTITY = "identity"
ADVANCED = "advanced"
GROUPS = (KIND, CONTENTS, IDENTITY, ADVANCED)

#: Ranks inside a section (lower first; equal ranks keep the declaration order). In the
#: contents: the system's packages, conda's, pip's, then editor extensions, then the rest.
RANK_APT_PACKAGES = 10
RANK_CONDA_PACKAGES = 20
RANK_PIP_PACKAGES = 30
RANK_EXTENSIONS = 40
RANK_DEFAULT = 100
#: After every other question: the CI system, a setting of the project rather than of the image.
RANK_LAST = 1000


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
    group: str = ADVANCED
    rank: int = RANK_DEFAULT

    @property
    def one_item_help(self) -> str:
        """The help for one item of the answer: without "repeatable", which only the flags are
        (the wizard asks one item at a time, cookiecutter takes a list)."""
        return self.help.replace(" (repeatable)", "").replace("(repeatable; ", "(")


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
    group: str = ADVANCED,
    rank: int = RANK_DEFAULT,
) -> Any:
    """Declare a dataclass field that is also a question.

    ``parse`` turns one raw value (a string from a flag, or a YAML scalar) into its
    typed value, raising :class:`AnswerError`. With ``multiple``, the field holds a
    tuple and ``parse`` is applied to each item. ``path`` marks file answers, which an
    answers file gives relative to itself. ``when`` says when the question applies.
    ``group`` (one of :data:`GROUPS`) and ``rank`` place the question in the order it is
    asked (see :func:`asking_order`).
    """
    if group not in GROUPS:
        raise ValueError(f"group {group!r} is not one of {', '.join(GROUPS)}")
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
        group=group,
        rank=rank,
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


def asking_order(cls: type) -> list[Question]:
    """The questions in the order the wizard and cookiecutter ask them.

    By section (:data:`GROUPS`), then rank, then declaration order; a question that
    depends on another's answer (``when``) comes right after that answer, whatever its
    own section, since it refines it (the GPU flavour right after the base).
    """
    qs = questions(cls)
    dependents: dict[str, list[Question]] = {}
    for q in qs:
        if q.option.when is not None:
            dependents.setdefault(q.option.when.name, []).append(q)
    roots = [q for q in qs if q.option.when is None]
    roots.sort(key=lambda q: (GROUPS.index(q.option.group), q.option.rank))
    result: list[Question] = []
    for q in roots:
        result.append(q)
        result.extend(dependents.get(q.name, []))
    return result


A = TypeVar("A")

#: Characters no answer may hold: C0 and C1 controls (newline, tab, NUL, ESC ...), lone
#: surrogates (what Python makes of bytes that are not UTF-8 in a command line) and the
#: Unicode line and paragraph separators. Every answer ends up on one line of a
#: Dockerfile, a shell script or Python source, where these break the line or the file.
_BAD_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _check_text(text: str) -> None:
    m = _BAD_CHARS.search(text)
    if m is None:
        return
    char = m.group()
    if "\ud800" <= char <= "\udfff":
        raise AnswerError(
            f"{text!r} holds {char!r}, which is not text: bytes that are not UTF-8, or a lone surrogate; "
            "give UTF-8 text"
        )
    what = "a line break" if char in "\n\r\u2028\u2029" else "a control character"
    raise AnswerError(f"{text!r} holds {what} ({char!r}); give a single line of printable text")


def _kind_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return f"a {type(value).__name__}"


#: Field types whose raw values may be YAML scalars of that type; the rest take text.
_NON_TEXT = (int, bool)


def _scalar_types(cls: type) -> dict[str, type]:
    """Field name -> the type of one raw item, for int and bool fields (``tuple[int, ...]`` -> int)."""
    try:
        hints = typing.get_type_hints(cls)
    except (NameError, TypeError):  # pragma: no cover - an annotation that cannot be resolved: text only
        return {}
    found: dict[str, type] = {}
    for name, hint in hints.items():
        if typing.get_origin(hint) is tuple:
            hint = typing.get_args(hint)[0]
        if hint in _NON_TEXT:
            found[name] = hint
    return found


def _got(value: Any) -> str:
    source = getattr(value, "source", None)
    if isinstance(value, (bool, int, float)):
        return f"{_kind_name(value)} ({source if isinstance(source, str) else value})"
    return _kind_name(value)


def check_raw(value: Any, expected: type | None = None) -> None:
    """Refuse a raw answer item of the wrong type, or text holding a control character.

    Flags give text; an answers file and cookiecutter can give YAML/JSON numbers,
    booleans, dates, lists and mappings, which are never turned into text silently.
    ``expected`` is the field's item type when it takes more than text (int or bool).
    """
    if isinstance(value, str):
        _check_text(value)
        return
    if expected is int and isinstance(value, int) and not isinstance(value, bool):
        return
    if expected is bool and isinstance(value, bool):
        return
    if expected is int:
        raise AnswerError(f"expected a whole number, got {_got(value)}")
    if expected is bool:
        raise AnswerError(f"expected true or false, got {_got(value)}")
    if isinstance(value, bool):
        raise AnswerError("expected text, got a boolean (YAML reads yes, no, on, off as booleans); quote it")
    source = getattr(value, "source", None)  # how YAML saw it written (generator.yamlfile)
    if isinstance(source, str):
        raise AnswerError(f'expected text, got a number ({source} is read as {value!r}); quote it: "{source}"')
    if isinstance(value, (int, float, datetime.date)):
        raise AnswerError(f'expected text, got {_kind_name(value)}; quote it: "{value}"')
    raise AnswerError(f"expected text, got {_kind_name(value)}")


def parse_answer(q: Question, value: Any, expected: type | None = None) -> Any:
    """One raw item (a flag's text or a YAML scalar) -> its typed value, or AnswerError.

    ``expected`` is the field's item type when it takes more than text (int or bool).
    """
    check_raw(value, expected)
    return q.option.parse(value)


def answer_keys(q: Question) -> tuple[str, ...]:
    """The names an answers file may use for ``q``: the field name and the flag's long name,
    each with ``_`` or ``-`` (``pip_packages``, ``pip-packages``, ``pip-package``, ``pip_package``)."""
    names = [q.name, q.name.replace("_", "-"), q.flag.removeprefix("--"), q.flag.removeprefix("--").replace("-", "_")]
    return tuple(dict.fromkeys(names))


def _resolve(cls: type) -> dict[str, Question]:
    """Every accepted spelling of every answer (flags with their ``--``) -> its question."""
    found: dict[str, Question] = {}
    for q in questions(cls):
        for key in (*answer_keys(q), q.flag):
            found[key] = q
    return found


def build_answers(cls: type[A], raw: Mapping[str, Any]) -> A:
    """Parse raw values into ``cls``; unknown keys and bad values raise AnswerError.

    A key is a field name, a flag (``--pip-package``) or a flag's long name
    (``pip-package``); messages name the answer by its flag, whatever the channel.
    """
    by_key = _resolve(cls)
    kinds = _scalar_types(cls)
    values: dict[str, Any] = {}
    given_as: dict[str, str] = {}
    for key, value in raw.items():
        q = by_key.get(key)
        if q is None:
            known = ", ".join(sorted(q.name for q in questions(cls)))
            raise AnswerError(f"unknown answer {key!r}; known answers: {known}")
        if q.name in given_as:
            raise AnswerError(f"{q.name} is given twice, as {given_as[q.name]} and {key}; keep one")
        given_as[q.name] = key
        expected = kinds.get(q.name)
        try:
            if value is None:
                continue
            if q.option.multiple:
                items = value if isinstance(value, (list, tuple)) else [value]
                values[q.name] = tuple(parse_answer(q, item, expected) for item in items)
            else:
                values[q.name] = parse_answer(q, value, expected)
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


def load_answers_file(path: Path | str) -> dict[str, Any]:
    """Read an answers file (a YAML mapping of answer: value)."""
    from generator.yamlfile import read_mapping

    if str(path) == "":
        raise AnswerError("--config: the path is empty; give the answers file's path")
    data = read_mapping(path, "answers file", "answer", AnswerError)
    target = data.get("target")
    if target is not None and not isinstance(target, str):
        raise AnswerError(f"target: expected text such as foundry-sidecar, got {_kind_name(target)}")
    if isinstance(target, str):
        try:
            _check_text(target)
        except AnswerError as err:
            raise AnswerError(f"target: {err}") from None
    return data


def merge_sources(
    cls: type, file_values: Mapping[str, Any], file_dir: Path, flags: Mapping[str, Any]
) -> dict[str, Any]:
    """Answers-file values overridden by flags, keyed by field name; file paths in the file
    made relative to it.

    A file key may be any spelling :func:`answer_keys` accepts; one answer given under
    two spellings is refused. Unknown keys are kept as written, for build_answers to report.
    """
    by_key = _resolve(cls)
    merged: dict[str, Any] = {}
    given_as: dict[str, str] = {}
    for key, value in file_values.items():
        q = by_key.get(key)
        if q is None:
            merged[key] = value
            continue
        if q.name in given_as:
            raise AnswerError(f"{q.name} is given twice, as {given_as[q.name]} and {key}; keep one")
        given_as[q.name] = key
        if q.option.path and value is not None:
            items = value if isinstance(value, (list, tuple)) else [value]
            value = [str(file_dir / item) if isinstance(item, str) else item for item in items]
        merged[q.name] = value
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


_NAME = re.compile(r"[a-z0-9]([-.]?[a-z0-9]){0,62}")


def parse_name(value: Any) -> str:
    """An image name SageMaker, ECR and Foundry all accept."""
    text = str(value)
    if not _NAME.fullmatch(text):
        raise AnswerError(
            f"{text!r} is not a valid image name; use lower-case letters, digits, '-' and '.', "
            "starting and ending with a letter or digit, at most 63 characters"
        )
    return text


_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


def parse_tag(value: Any) -> str:
    """An image tag that is valid and is not ``latest``."""
    text = str(value)
    if text.lower() == "latest":
        raise AnswerError("'latest' is refused: it names no fixed image; use a version such as 0.1.0 or a git revision")
    if not _TAG.fullmatch(text):
        raise AnswerError(
            f"{text!r} is not a valid image tag; use letters, digits, '_', '.', '-' (at most 128, "
            "not starting with '.' or '-')"
        )
    return text


_IMAGE_REF = re.compile(
    # A registry's :port is followed by a path; "debian:12" is a repository and its tag.
    r"(?P<name>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+(?=/))?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?"
)


def parse_image_ref(value: Any) -> str:
    """A pinned image reference: ``repo:tag`` (not latest) or ``repo@sha256:...``."""
    text = str(value).strip()
    m = _IMAGE_REF.fullmatch(text)
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


_PY = re.compile(r"3\.[0-9]{1,2}(\.[0-9]{1,2})?")


def parse_python_version(value: Any) -> str:
    """A Python 3 version such as 3.12 or 3.12.7."""
    text = str(value)
    if not _PY.fullmatch(text):
        raise AnswerError(f"{text!r} is not a Python version; use e.g. 3.12")
    return text


_VERSION = re.compile(r"[0-9]+(\.[0-9]+){0,3}")


def parse_version(value: Any) -> str:
    """A plain version such as 1.5 or 1.5.2."""
    text = str(value)
    if not _VERSION.fullmatch(text):
        raise AnswerError(f"{text!r} is not a version; use digits and dots, e.g. 1.5")
    return text


_SPEC_SAFE = re.compile(r"[A-Za-z0-9_.\-\[\],=<>!~*+: ]+")
_CONDA_SPEC = re.compile(
    r"(?:[A-Za-z0-9_.\-]+::)?[A-Za-z0-9_][A-Za-z0-9_.\-]*"
    r"(?:\s*(?:==|>=|<=|!=|~=|=|>|<)\s*[A-Za-z0-9_.*+!\-]+(?:\s*,\s*(?:==|>=|<=|!=|~=|>|<)\s*[A-Za-z0-9_.*+!\-]+)*)?"
    r"(?:=[A-Za-z0-9_.*+\-]+)?"
)
_PIP_SPEC = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9._\-]*[A-Za-z0-9])?"
    r"(?:\[[A-Za-z0-9._\-]+(?:\s*,\s*[A-Za-z0-9._\-]+)*\])?"
    r"(?:\s*(?:===|==|>=|<=|!=|~=|>|<)\s*[A-Za-z0-9_.*+!\-]+(?:\s*,\s*(?:===|==|>=|<=|!=|~=|>|<)\s*[A-Za-z0-9_.*+!\-]+)*)?"
)


def _shell_safe(text: str, kind: str, example: str) -> None:
    bad = sorted({c for c in text if not _SPEC_SAFE.fullmatch(c)})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise AnswerError(f"{kind} {text!r} contains {shown}; give one package spec such as {example}")


def parse_conda_spec(value: Any) -> str:
    """A conda match spec such as ``numpy``, ``numpy=1.26`` or ``conda-forge::numpy>=1.26``."""
    text = str(value).strip()
    _shell_safe(text, "conda package", "numpy=1.26")
    if not _CONDA_SPEC.fullmatch(text):
        raise AnswerError(f"conda package {text!r} is not a match spec; use e.g. numpy or numpy=1.26")
    return text


def parse_pip_spec(value: Any) -> str:
    """A pip requirement such as ``requests``, ``requests==2.32.3`` or ``pkg[extra]>=1,<2``."""
    text = str(value).strip()
    _shell_safe(text, "pip package", "requests==2.32.3")
    if not _PIP_SPEC.fullmatch(text):
        raise AnswerError(f"pip package {text!r} is not a requirement; use e.g. requests==2.32.3")
    return text


_ENV_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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
    if not sep or not _ENV_KEY.fullmatch(key):
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
    try:
        path = Path(str(value)).expanduser()
    except RuntimeError:  # ~name of a user who does not exist
        raise AnswerError(f"{value}: no such user's home folder; give the file's full path") from None
    if not path.is_file():
        raise AnswerError(f"{value} is not a file")
    return path.resolve()


# One whitespace, then one class: no two quantifiers compete for the same characters.
_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----\s[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----")
#: Largest certificate file accepted (a whole system bundle is about 200 KiB).
CA_CERT_LIMIT = 1024 * 1024


def parse_ca_cert(value: Any) -> Path:
    """A PEM file holding at least one X.509 certificate (and no private key)."""
    from generator.inputfile import read_input_bytes

    path = parse_file(value)
    data = read_input_bytes(path, "CA certificate", CA_CERT_LIMIT, AnswerError)
    if b"PRIVATE KEY-----" in data:
        raise AnswerError(f"{value} holds a private key; give only the CA certificate (PEM)")
    if not _PEM.search(data):
        raise AnswerError(f"{value} is not a PEM certificate; convert it with: openssl x509 -in FILE -out FILE.pem")
    return path
