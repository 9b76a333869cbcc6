"""Property-based tests (hypothesis): random valid answers render clean; the checker never breaks.

1. For random valid answers of every target, given as flags to the real ``byoi`` command
   line (in-process, ``generator.cli.main``): the render succeeds; the Dockerfile parses
   with BuildKit's parser (the ``dockerfile`` package) and with byoi's; ``byoi check``
   exits 0; hadolint and shellcheck report no error; every generated Python file
   compiles; and the written answers file gives back the same answers (and, for every
   tenth example, the same tree when rendered again).
2. For random and mutated Dockerfiles and settings files, ``byoi check`` never raises,
   never exceeds a time bound, and exits 0, 1 or 2.

The seed is fixed (``derandomize``), so CI runs the same examples every time:
``BYOI_HYPOTHESIS_EXAMPLES`` examples per target (default 300; the whole module, 1,200
rendered projects included, took 2.5 minutes on the shared 2-core machine, more than
half of it in hadolint and shellcheck). The long run is::

    BYOI_HYPOTHESIS_EXAMPLES=10000 .venv/bin/pytest tests/test_properties.py -p no:cacheprovider --timeout 0
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lint import shell_scripts, tool
from support import REPO, tree

from generator.answers import load_answers_file, merge_sources
from generator.cli import main
from generator.dockerfile.parser import parse
from generator.targets import TARGETS

# Minutes, not seconds: the whole module is slow.
pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("BYOI_HYPOTHESIS_EXAMPLES", "300"))
#: Every tenth example is rendered a second time from its answers file.
REGENERATE_EVERY = 10
#: Seconds ``byoi check`` may take on one small input (it takes milliseconds).
CHECK_BOUND = 5.0
#: Bytes of memory ``byoi check`` may add on one small input: a super-linear expansion
#: fails the test with a MemoryError instead of taking the shared machine's memory.
CHECK_MEMORY = 1 << 30
CORPUS = REPO / "tests" / "checker" / "dockerfiles"

SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- strategies for valid answers, written as literals from the platform documents ------------

LOWER = "abcdefghijklmnopqrstuvwxyz"
name = st.from_regex(r"[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
tag = st.from_regex(r"[0-9][0-9A-Za-z_.-]{0,20}", fullmatch=True).filter(lambda t: t.lower() != "latest")
# Names with no secret word (TOKEN, KEY, ...) and no AWS_/SAGEMAKER_ prefix.
env_key = st.from_regex(r"[A-Z][A-Z0-9]{0,6}(_[A-Z0-9]{1,6}){0,2}", fullmatch=True).filter(
    lambda k: (
        not k.startswith(("AWS", "SAGEMAKER"))
        and not {"TOKEN", "PASSWORD", "PASSWD", "SECRET", "KEY", "CREDENTIAL", "CREDENTIALS"} & set(k.split("_"))
    )
)
# Any printable value on one line: quotes, $, backslashes, backticks and non-ASCII included,
# except a final backslash: hadolint 2.12 cannot parse ENV A="x\\" (BuildKit can), so a
# generated Dockerfile with one fails hadolint (reported; the quoting is the templates').
env_value = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\u0085"), max_size=30
).filter(lambda v: not v.endswith("\\"))
pip_spec = st.builds(
    lambda n, v: n + v,
    st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5})?", fullmatch=True),
    st.sampled_from(["", "==1.0", ">=2.1,<3", "==2.32.3", "~=1.4"]),
)
apt_package = st.builds(
    lambda n, v: n + v,
    st.from_regex(r"[a-z0-9][a-z0-9+.-]{1,12}", fullmatch=True),
    st.sampled_from(["", "=1.2-3", "=7.88.1-10+deb12u8"]),
)
conda_spec = st.builds(
    lambda n, v: n + v,
    st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True),
    st.sampled_from(["", "=1.26", ">=2", "==3.1.4"]),
)
extension = st.one_of(
    st.from_regex(r"[a-z][a-z0-9-]{0,8}\.[a-z][a-z0-9-]{0,8}(@[0-9]\.(0|[1-9][0-9]?)\.[0-9])?", fullmatch=True),
    st.from_regex(r"https://example\.com/[a-z0-9]{1,8}/[a-z][a-z0-9._-]{0,10}\.vsix", fullmatch=True),
)
# Foundry: ports 1024-65535 (platform-facts: Foundry refuses ports below 1024).
port = st.integers(1024, 65535)
column = st.builds(
    lambda n, t: f"{n}:{t}",
    st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True),
    st.sampled_from(["str", "int", "float", "bool"]),
)
command = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\u0085"), min_size=1, max_size=40
).filter(lambda c: c.strip() != "")


def repeated(flag: str, values: st.SearchStrategy[str], max_size: int = 3) -> st.SearchStrategy[list[str]]:
    # Unique by what comes before ':' or '=' or '@': a column name, a package name, an extension id.
    def key(v: str) -> str:
        return v.replace("=", ":").replace("@", ":").split(":")[0] if not v.startswith("https:") else v

    return st.lists(values, max_size=max_size, unique_by=key).map(lambda vs: [f"{flag}={v}" for v in vs])


def optional(flag: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[list[str]]:
    # FLAG=VALUE: a value may start with '-', which argparse would take for a flag.
    return st.one_of(st.just([]), values.map(lambda v: [f"{flag}={v}"]))


def flags(*parts: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
    return st.tuples(*parts).map(lambda groups: [w for g in groups for w in g])


def common() -> list[st.SearchStrategy[list[str]]]:
    env = st.lists(st.tuples(env_key, env_value), max_size=3, unique_by=lambda kv: kv[0])
    return [
        optional("--name", name),
        optional("--image-tag", tag),
        env.map(lambda kvs: [f"--env={k}={v}" for k, v in kvs]),
        repeated("--pip-package", pip_spec),
        optional("--ci", st.sampled_from(["github", "gitlab", "none"])),
    ]


def foundry() -> list[st.SearchStrategy[list[str]]]:
    return [
        repeated("--port", port.map(str)),
        repeated("--apt-package", apt_package),
        st.sampled_from([[], ["--no-telemetry"], ["--telemetry"]]),
        optional("--base-image", st.sampled_from(["debian:12-slim", "ubuntu:24.04", "python:3.12-slim-bookworm"])),
    ]


def _pip_needs_python(args: list[str]) -> list[str]:
    """No --pip-package on a base without Python (Debian's and Ubuntu's python3 refuse pip,
    PEP 668; the Foundry targets refuse the combination)."""
    if any(a.startswith("--base-image=") and not a.startswith("--base-image=python:") for a in args):
        return [a for a in args if not a.startswith("--pip-package=")]
    return args


def foundry_flags(*parts: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
    return flags(*parts).map(_pip_needs_python)


STRATEGIES: dict[str, st.SearchStrategy[list[str]]] = {
    "sagemaker-code-editor": flags(
        *common(),
        # --python-version applies to the micromamba base only, --gpu to the distribution only.
        st.one_of(
            flags(
                st.sampled_from([[], ["--base=micromamba"]]),
                optional("--python-version", st.sampled_from(["3.10", "3.11", "3.12", "3.12.7"])),
            ),
            st.sampled_from([["--base=sagemaker-distribution"], ["--base=sagemaker-distribution", "--gpu"]]),
        ),
        repeated("--conda-package", conda_spec),
        repeated("--extension", extension),
        st.sampled_from([[], ["--app=code-editor"], ["--app=jupyterlab", "--app=code-editor"]]),
    ),
    "sagemaker-jupyterlab": flags(
        *common(),
        st.one_of(
            flags(
                st.sampled_from([[], ["--base=micromamba"]]),
                optional("--python-version", st.sampled_from(["3.10", "3.11", "3.12", "3.12.7"])),
            ),
            st.sampled_from([["--base=sagemaker-distribution"], ["--base=sagemaker-distribution", "--gpu"]]),
        ),
        repeated("--conda-package", conda_spec),
        st.sampled_from([[], ["--app=jupyterlab"], ["--app=code-editor", "--app=jupyterlab"]]),
    ),
    "foundry-sidecar": foundry_flags(
        *common(),
        *foundry(),
        optional("--uid", st.integers(1, 2**31 - 1)),
        optional("--mode", st.sampled_from(["flags", "server"])),
        optional("--command", command),
        optional("--timeout", st.integers(0, 10**6)),
    ),
    "foundry-byoc": foundry_flags(*common(), *foundry()),
    "foundry-model": foundry_flags(
        *common(),
        *foundry(),
        optional("--uid", st.integers(1, 2**31 - 1)),
        repeated("--input-column", column),
        repeated("--output-column", column),
    ),
    # No --port (a compute module listens on none), and only Python bases: the SDK is pip-installed.
    "foundry-compute-module": flags(
        *common(),
        repeated("--apt-package", apt_package),
        st.sampled_from([[], ["--no-telemetry"], ["--telemetry"]]),
        optional("--base-image", st.sampled_from(["python:3.12-slim-bookworm", "python:3.11.9-bookworm"])),
        optional("--uid", st.integers(1, 2**31 - 1)),
    ),
}


@contextlib.contextmanager
def compiled_template_cache() -> Iterator[None]:
    """Compile each template source once for the whole run (cookiecutter makes a new
    jinja environment, and so compiles every template again, for each project).

    Compilation is a pure function of the source and the environment's settings, which
    are the same for every project; ``test_the_template_cache_changes_nothing`` renders
    with and without it and compares.
    """
    original = jinja2.Environment.compile
    cache: dict[tuple[Any, ...], Any] = {}

    def compile(
        self: jinja2.Environment,
        source: Any,
        name: Any = None,
        filename: Any = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if not isinstance(source, str):
            return original(self, source, name, filename, raw, defer_init)
        key = (
            source,
            name,
            filename,
            raw,
            defer_init,
            self.trim_blocks,
            self.lstrip_blocks,
            tuple(sorted(self.extensions)),
        )
        if key not in cache:
            cache[key] = original(self, source, name, filename, raw, defer_init)
        return cache[key]

    jinja2.Environment.compile = compile  # type: ignore[method-assign]
    try:
        yield
    finally:
        jinja2.Environment.compile = original  # type: ignore[method-assign]


class TooSlow(Exception):
    """``byoi check`` ran past the time bound."""


@contextlib.contextmanager
def bounded(seconds: float, memory: int) -> Iterator[None]:
    """Stop the block with :class:`TooSlow` after ``seconds``, and with MemoryError when it
    grows the address space by more than ``memory`` bytes (a hang fails, never blocks)."""

    def expire(signum: int, frame: object) -> None:
        raise TooSlow(f"byoi check ran for more than {seconds} s")

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    used = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
    previous = signal.signal(signal.SIGALRM, expire)
    resource.setrlimit(
        resource.RLIMIT_AS, (used + memory if hard == resource.RLIM_INFINITY else min(hard, used + memory), hard)
    )
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def byoi(*args: str) -> tuple[int, str]:
    """``byoi ARGS`` in-process: (exit status, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            status = main(list(args))
        except SystemExit as exc:  # argparse's usage errors
            status = int(exc.code or 0)
    return status, err.getvalue()


def test_the_template_cache_changes_nothing(tmp_path: Path) -> None:
    for target in TARGETS:
        assert byoi("new", target, "-o", str(tmp_path / f"{target}-plain"), "--no-input")[0] == 0
        with compiled_template_cache():
            assert byoi("new", target, "-o", str(tmp_path / f"{target}-cached"), "--no-input")[0] == 0
            assert byoi("new", target, "-o", str(tmp_path / f"{target}-again"), "--no-input")[0] == 0
        plain = tree(tmp_path / f"{target}-plain")
        assert plain == tree(tmp_path / f"{target}-cached") == tree(tmp_path / f"{target}-again")


def _answers_of(project: Path) -> Any:
    """The answers the written ``byoi.yaml`` gives, as ``byoi new --config`` reads them."""
    values = load_answers_file(project / "byoi.yaml")
    target = TARGETS[values.pop("target")]
    return target.build(merge_sources(target.answers, values, project, {}))


@pytest.mark.parametrize("target", TARGETS)
def test_random_valid_answers_render_a_clean_project(target: str, tmp_path: Path) -> None:
    dockerfile = pytest.importorskip(
        "dockerfile", reason="BuildKit's parser (package 'dockerfile') has wheels for Linux x86_64 and Windows only"
    )
    rendered: list[Path] = []
    no_settings = tmp_path / "settings.yaml"
    no_settings.write_text("{}\n")

    # No shrinking: each example renders a project, and a failure prints its flags anyway.
    @settings(SETTINGS, phases=[Phase.explicit, Phase.generate])
    @given(STRATEGIES[target])
    def render(args: list[str]) -> None:
        out = tmp_path / f"p{len(rendered)}"
        status, err = byoi("new", target, "-o", str(out), "--no-input", *args)
        assert status == 0, err
        rendered.append(out)
        text = (out / "Dockerfile").read_text(encoding="utf-8")
        parse(text)
        dockerfile.parse_string(text)
        status, err = byoi("check", str(out), "--target", target, "--config", str(no_settings))
        assert status == 0, err
        for source in out.rglob("*.py"):
            compile(source.read_text(encoding="utf-8"), str(source), "exec")
        assert _answers_of(out) == TARGETS[target].build(_flags_of(args, target))
        if len(rendered) % REGENERATE_EVERY == 0:
            again = tmp_path / f"again{len(rendered)}"
            assert byoi("new", "--config", str(out / "byoi.yaml"), "-o", str(again), "--no-input")[0] == 0
            assert tree(again) == tree(out)

    started = time.monotonic()
    with compiled_template_cache():
        render()
    rendering = time.monotonic() - started
    _lint_all(rendered)
    linting = time.monotonic() - started - rendering
    print(f"{len(rendered)} {target} projects: rendered and checked in {rendering:.0f} s, linted in {linting:.0f} s")


@pytest.mark.parametrize("target", TARGETS)
def test_random_valid_answers_come_back_from_the_answers_file(target: str, tmp_path: Path) -> None:
    """Flags -> answers -> byoi.yaml (as byoi writes it) -> answers: the same answers."""
    from generator.answersfile import answers_file_text

    @SETTINGS
    @given(STRATEGIES[target])
    def round_trip(args: list[str]) -> None:
        answers = TARGETS[target].build(_flags_of(args, target))
        answers.context()
        (tmp_path / "byoi.yaml").write_text(answers_file_text(answers), encoding="utf-8")
        values = load_answers_file(tmp_path / "byoi.yaml")
        assert values.pop("target") == target
        assert TARGETS[target].build(merge_sources(TARGETS[target].answers, values, tmp_path, {})) == answers

    round_trip()


def _flags_of(args: list[str], target: str) -> dict[str, Any]:
    """The raw answers ``args`` give, as the command line parses them."""
    from generator.answers import questions
    from generator.cli import build_parser

    parsed = build_parser().parse_args(["new", target, "-o", "x", *args])
    names = {q.name for q in questions(TARGETS[target].answers)}
    return merge_sources(TARGETS[target].answers, {}, Path.cwd(), {k: v for k, v in vars(parsed).items() if k in names})


def _unique(paths: list[Path]) -> list[str]:
    """One path per distinct content: most scripts do not depend on the answers."""
    seen: dict[bytes, str] = {}
    for path in paths:
        seen.setdefault(path.read_bytes(), str(path))
    return list(seen.values())


def _lint_all(projects: list[Path]) -> None:
    """hadolint and shellcheck on every distinct Dockerfile and script, a batch per process."""
    dockerfiles = _unique([p / "Dockerfile" for p in projects])
    scripts = _unique([s for p in projects for s in shell_scripts(p)])
    for command, files in (
        ([tool("hadolint"), "--failure-threshold", "error"], dockerfiles),
        ([tool("shellcheck"), "--severity", "error", "--format", "gcc"], scripts),
    ):
        for start in range(0, len(files), 200):
            proc = subprocess.run([*command, *files[start : start + 200]], capture_output=True, text=True, check=False)
            assert proc.returncode == 0, proc.stdout + proc.stderr


# --- the checker on random and mutated input -------------------------------------------------

SEEDS = sorted(p.read_text(encoding="utf-8", errors="replace") for p in CORPUS.glob("*.Dockerfile"))
FRAGMENTS = [
    "FROM debian:12\n", "RUN echo hi\n", "USER 5000\n", "ARG A=${A:-x}\n", "ENV A=$A$A\n", "\\\n", "<<EOF\n",
    "EOF\n", "# syntax=docker/dockerfile:1\n", "# escape=`\n", "COPY . /app\n", "EXPOSE 80/tcp\n", '["a"\n',
    "\r\n", "\t", "\x00", "\ufeff", "$", "${", "}", "'", '"', "\\", "ONBUILD ", "HEALTHCHECK CMD true\n",
    "# byoi ignore=BY101\n", "# byoi global ignore=", "FROM scratch AS a\nFROM a\n",
]  # fmt: skip


@st.composite
def mutated_dockerfile(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS)) if draw(st.booleans()) else ""
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "random", "repeat"]))
        if op == "insert":
            text = text[:at] + draw(st.sampled_from(FRAGMENTS)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(0, 40)) :]
        elif op == "random":
            text = text[:at] + draw(st.text(max_size=20)) + text[at:]
        else:
            text = text[:at] + draw(st.sampled_from(FRAGMENTS)) * draw(st.integers(1, 200)) + text[at:]
    return text


settings_value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.sampled_from(["error", "warning", "BY102", "SM206", "foundry-byoc", "none", "x"]),
        st.text(max_size=10),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)
settings_key = st.sampled_from(["target", "ignored", "override", "failure-threshold", "other"])


@st.composite
def settings_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """A ``.byoi.yaml`` or ``pyproject.toml``: generated, then perhaps mangled bytewise."""
    import yaml

    data = draw(st.dictionaries(settings_key, settings_value, max_size=4))
    if draw(st.booleans()):
        name, text = ".byoi.yaml", yaml.safe_dump(data)
    else:
        lines = [f"{k} = {v!r}" for k, v in data.items()]
        name, text = "pyproject.toml", "[tool.byoi]\n" + "\n".join(lines) + "\n"
    raw = text.encode("utf-8", "surrogatepass")
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(max_size=6)) + raw[at + draw(st.integers(0, 3)) :]
    return name, raw


@pytest.mark.parametrize(
    "target",
    [
        "sagemaker-code-editor",
        "sagemaker-jupyterlab",
        "foundry-sidecar",
        "foundry-byoc",
        "foundry-model",
        "foundry-compute-module",
    ],
)
def test_the_checker_survives_random_and_mutated_input(target: str, tmp_path: Path) -> None:
    counter = iter(range(10**9))

    # No shrinking: a failing example may take the whole time bound on each try.
    @settings(SETTINGS, phases=[Phase.explicit, Phase.generate])
    @given(mutated_dockerfile(), settings_file())
    def check(dockerfile: str, config: tuple[str, bytes]) -> None:
        folder = tmp_path / str(next(counter))
        folder.mkdir()
        (folder / "Dockerfile").write_text(dockerfile, encoding="utf-8", errors="surrogatepass")
        (folder / config[0]).write_bytes(config[1])
        with bounded(CHECK_BOUND, CHECK_MEMORY):
            status, _ = byoi(
                "check", str(folder / "Dockerfile"), "--target", target, "--config", str(folder / config[0])
            )
        assert status in (0, 1, 2)

    check()
