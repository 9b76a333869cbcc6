#!/usr/bin/env python3
"""Stand-in for ``/bin/micromamba`` in the ``mambaorg/micromamba`` image (installed there).

STANDS IN FOR: the micromamba binary (mamba-org/mamba) as the image ships it, with
``MAMBA_ROOT_PREFIX=/opt/conda``. conda-forge is out of reach here, so nothing is downloaded.

REPRODUCES:
- the command line the generated Dockerfiles and the images' entry scripts use:
  ``install``/``create`` (``-y``, ``-n|--name``, ``-p|--prefix``, ``-r|--root-prefix``,
  ``-c|--channel``..., ``-f|--file`` env YAML or spec list, and more), ``remove``,
  ``clean`` (``--all --yes``, ``-a -y``, ``-ay``), ``list``, ``info``, ``env list``, ``config``,
  ``shell hook --shell bash`` / ``-s bash`` / ``--shell=bash`` (prints a ``micromamba`` shell
  function; its ``activate`` puts ``<prefix>/bin`` first on PATH and sets CONDA_PREFIX),
  ``shell activate|deactivate|reactivate``, ``run -n ENV CMD...``, ``--version``; options
  it does not know are refused, as the real CLI refuses them;
- ``micromamba activate`` run as a program fails the way the real one does (the shell must
  be initialised first);
- permissions: an install writes into ``<prefix>/conda-meta``, ``bin`` and ``lib``
  (created when missing) and fails with "Permission denied" when the current user cannot,
  exactly where the real one fails, e.g. when a user renumbered after an install tries
  to install more into a prefix the old UID owns. Files it creates belong to the user
  who runs it, as with the real one;
- without ``-y`` it asks for confirmation on stdin and aborts on end-of-file.

PACKAGES (what "installing" does):
- ``python[=ver]`` and ``pip``: make the prefix a real Python environment with pip
  (``python3 -m venv`` of Debian's Python, hidden in /usr/libexec/byoi-standin so it is
  not on PATH, like the real image which has no Python outside the environment).
  DEVIATION: it is Debian 12's Python 3.11 whatever version is asked; the asked one is
  recorded in conda-meta.
- ``sagemaker-code-editor[=ver]``: the stand-in server (tests/standins/sagemaker-code-editor)
  as ``<prefix>/bin/sagemaker-code-editor``.
- ``jupyterlab``, ``ipykernel``, ``jupyter-collaboration`` (conda-forge names, the same on PyPI):
  installed for real **from PyPI** with the environment's pip, ``name=X.Y`` as ``name==X.Y.*``
  (conda's ``=`` is a prefix match). DEVIATION: PyPI's wheels, not conda-forge's builds.
- anything else: recorded as ``<prefix>/conda-meta/<name>.json`` so tests can assert it
  was "installed"; pip dependencies of an env file are installed with the env's pip.
- a spec that does not parse as a conda MatchSpec: exit 1 with an error.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

STANDIN_DIR = Path("/usr/libexec/byoi-standin")
#: Debian's interpreter, moved off PATH by the image build.
HIDDEN_PYTHON = STANDIN_DIR / "python3"
#: The stand-in server, copied into an environment by ``install sagemaker-code-editor``.
SERVER_SOURCE = STANDIN_DIR / "sagemaker-code-editor"
VERSION_FILE = STANDIN_DIR / "micromamba-version"
FALLBACK_VERSION = "2.3.0"
#: Packages that make an environment a Python environment (pip depends on python).
PYTHON_PACKAGES = {"python", "pip"}
#: conda-forge packages installed for real from PyPI (same names there): JupyterLab and its kernel.
FROM_PYPI = {"jupyterlab", "ipykernel", "jupyter-collaboration"}


class MambaError(Exception):
    """An error the real micromamba would report; printed as ``critical libmamba ...``."""


def fail(message: str) -> NoReturn:
    """Raise the error the real CLI would print."""
    raise MambaError(message)


def version() -> str:
    """The micromamba version this stand-in pretends to be (the base image's tag)."""
    try:
        return VERSION_FILE.read_text(encoding="utf-8").strip() or FALLBACK_VERSION
    except OSError:
        return FALLBACK_VERSION


# ---------------------------------------------------------------- match specs

_NAME = r"[A-Za-z0-9_][A-Za-z0-9_.\-]*"
_SPEC = re.compile(rf"(?:(?P<channel>[A-Za-z0-9_.\-/:]+)::)?(?P<name>{_NAME})(?P<brackets>\[[^\[\]]*\])?(?P<rest>.*)")
_VERSION = re.compile(r"(?:\d+!)?[A-Za-z0-9_.*+]+")
_CONSTRAINT = re.compile(r"\s*(==|>=|<=|!=|~=|>|<|=)?\s*(?:\d+!)?[A-Za-z0-9_.*+]+\s*")
_BRACKETS = re.compile(r"\[\s*\w+\s*=\s*(['\"]?)[^'\"\[\]]*\1(\s*,\s*\w+\s*=\s*(['\"]?)[^'\"\[\]]*\3)*\s*\]")


@dataclass(frozen=True)
class Spec:
    """A parsed conda MatchSpec (only what the stand-in needs)."""

    text: str
    name: str
    version: str = ""
    build: str = ""
    channel: str = ""


def parse_spec(text: str) -> Spec:
    """Parse ``name``, ``name=1.2``, ``name==1.2=build``, ``name>=1,<2``, ``ch::name[...]``."""
    stripped = text.strip()
    if stripped.endswith((".conda", ".tar.bz2")):
        base = stripped.rsplit("/", 1)[-1].removesuffix(".conda").removesuffix(".tar.bz2")
        parts = base.rsplit("-", 2)
        if len(parts) == 3:
            return Spec(text, parts[0].lower(), parts[1], parts[2])
        fail(f'Failed to parse package file name "{text}"')
    match = _SPEC.fullmatch(stripped)
    if not match:
        fail(f'Invalid spec, could not parse MatchSpec "{text}"')
    if match["brackets"] and not _BRACKETS.fullmatch(match["brackets"]):
        fail(f'Invalid spec, could not parse brackets in MatchSpec "{text}"')
    rest = match["rest"].strip()
    ver = build = ""
    if rest.startswith("=") and not rest.startswith("=="):
        pieces = rest[1:].split("=")
        if len(pieces) > 2 or not all(_VERSION.fullmatch(p) for p in pieces):
            fail(f'Invalid spec, could not parse version in MatchSpec "{text}"')
        ver, build = pieces[0], pieces[1] if len(pieces) == 2 else ""
    elif rest[:1] in ("<", ">", "!", "~", "="):
        if not all(_CONSTRAINT.fullmatch(c) for c in re.split(r"[,|]", rest)):
            fail(f'Invalid spec, could not parse version in MatchSpec "{text}"')
        ver = rest
    elif rest:
        pieces = rest.split()
        if len(pieces) > 2 or not all(_VERSION.fullmatch(p) for p in pieces):
            fail(f'Invalid spec, could not parse MatchSpec "{text}"')
        ver, build = pieces[0], pieces[1] if len(pieces) == 2 else ""
    return Spec(text, match["name"].lower(), ver, build, match["channel"] or "")


# ---------------------------------------------------------------- env files


@dataclass
class EnvFile:
    """What an environment file asks for."""

    name: str | None
    channels: list[str]
    specs: list[str]
    pip: list[str]


def read_env_file(path: Path) -> EnvFile:
    """A conda environment YAML (block style), or a spec list / explicit lock file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        fail(f"Cannot read environment file {path}: {err.strerror}")
    if path.suffix not in (".yml", ".yaml"):
        specs = []
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("@"):
                specs.append(line.rsplit("/", 1)[-1] if "://" in line else line)
        return EnvFile(None, [], specs, [])
    env = EnvFile(None, [], [], [])
    section = ""
    in_pip = False
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        item = line.strip()
        if indent == 0 and not item.startswith("-"):
            key, _, value = item.partition(":")
            section, in_pip = key.strip(), False
            if section == "name":
                env.name = value.strip().strip("'\"") or None
            continue
        if not item.startswith("-"):
            fail(f"Cannot parse environment file {path}: {raw!r}")
        value = item[1:].strip().strip("'\"")
        if section == "channels":
            env.channels.append(value)
        elif section == "dependencies":
            if value.rstrip(":") == "pip" and value.endswith(":"):
                in_pip = True
            elif in_pip and indent > 2:
                env.pip.append(value)
            else:
                in_pip = False
                env.specs.append(value)
    return env


# ---------------------------------------------------------------- prefixes


def root_prefix(args: argparse.Namespace) -> Path:
    """``-r``, else ``$MAMBA_ROOT_PREFIX``, else the real default ``~/.local/share/mamba``."""
    explicit = getattr(args, "root_prefix", None)
    value = explicit or os.environ.get("MAMBA_ROOT_PREFIX")
    return Path(value) if value else Path.home() / ".local" / "share" / "mamba"


def env_prefix(name: str, root: Path) -> Path:
    """``base`` is the root prefix; other names live in ``<root>/envs``."""
    return root if name == "base" else root / "envs" / name


def target_prefix(args: argparse.Namespace, env_name: str | None = None) -> tuple[Path, str]:
    """(prefix, display name) from ``-p``, ``-n``, an env file's name, or the active env."""
    root = root_prefix(args)
    if getattr(args, "prefix", None):
        prefix = Path(args.prefix)
        return prefix, str(prefix)
    name = getattr(args, "name", None) or env_name
    if name:
        return env_prefix(name, root), name
    active = os.environ.get("CONDA_PREFIX")
    if active:
        return Path(active), os.environ.get("CONDA_DEFAULT_ENV", active)
    fail("No active target prefix.\n\nRun 'micromamba activate <PATH_TO_MY_ENV>'\nor use -n or -p.")


def _writable(path: Path) -> bool:
    """Whether the current user may create entries in ``path`` (or its nearest parent)."""
    probe = path
    while not probe.exists():
        probe = probe.parent
    return os.access(probe, os.W_OK | os.X_OK)


def require_writable(paths: Sequence[Path]) -> None:
    """Fail like the real linker when any of ``paths`` cannot be written."""
    for path in paths:
        if not _writable(path):
            where = path if path.exists() else path.parent
            fail(
                f"filesystem error: cannot create directories: Permission denied [{path}]\n"
                f"(stand-in: uid {os.getuid()} cannot write {where}, "
                f"owned by uid {_owner(where)})"
            )


def _owner(path: Path) -> str:
    probe = path
    while not probe.exists():
        probe = probe.parent
    return str(probe.stat().st_uid)


def make_dirs(paths: Sequence[Path]) -> None:
    """Create folders; a refusal is reported like the real one."""
    for path in paths:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except PermissionError:
            fail(f"filesystem error: cannot create directories: Permission denied [{path}]")


def installed(prefix: Path) -> dict[str, dict[str, str]]:
    """The packages recorded in ``<prefix>/conda-meta``, by name."""
    records: dict[str, dict[str, str]] = {}
    for meta in sorted((prefix / "conda-meta").glob("*.json")):
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and "name" in data:
            records[str(data["name"])] = {k: str(v) for k, v in data.items()}
    return records


# ---------------------------------------------------------------- commands


def confirm(args: argparse.Namespace) -> None:
    """Ask like the real CLI unless ``-y`` (or MAMBA/CONDA_ALWAYS_YES) says yes."""
    always = os.environ.get("MAMBA_ALWAYS_YES", os.environ.get("CONDA_ALWAYS_YES", ""))
    if args.yes or always.lower() in ("1", "true", "yes"):
        return
    print("Confirm changes: [Y/n] ", end="", flush=True)
    answer = sys.stdin.readline()
    if not answer or answer.strip().lower() not in ("", "y", "yes"):
        print("\nAborted.")
        raise SystemExit(1)


def do_install(args: argparse.Namespace, *, create: bool) -> int:
    """``install`` and ``create``."""
    env_files = [read_env_file(Path(f)) for f in args.file or []]
    file_name = next((e.name for e in env_files if e.name), None)
    prefix, _ = target_prefix(args, file_name)
    root = root_prefix(args)
    texts = [*args.specs, *(s for e in env_files for s in e.specs)]
    specs = [parse_spec(t) for t in texts]
    pip_specs = [p for e in env_files for p in e.pip]
    channels = [*(args.channel or []), *(c for e in env_files for c in e.channels)]
    if create:
        if prefix == root:
            fail("Overwriting root prefix is not permitted - use a different name or prefix")
        if prefix.exists() and (prefix / "conda-meta").exists() and not args.yes:
            confirm(args)
    elif not prefix.is_dir():
        fail(
            f"No prefix found at: {prefix}\nEnvironment must first be created with "
            f'"micromamba create -n {{env_name}} ..."'
        )
    names = {s.name for s in specs}
    wants_python = bool(names & (PYTHON_PACKAGES | FROM_PYPI)) or bool(pip_specs)
    has_python = (prefix / "pyvenv.cfg").exists()
    # Where a real install links files; all must be writable before anything is touched.
    targets = [prefix / "conda-meta"]
    if specs or pip_specs:
        targets += [prefix / "bin", prefix / "lib"]
    if wants_python and not has_python:
        targets += [prefix / "pyvenv.cfg", prefix / "include"]
    require_writable(targets)

    _print_transaction(prefix, specs, channels)
    if not specs and not pip_specs and not create:
        print("Nothing to do.")
        return 0
    if args.dry_run:
        print("Dry run. Not executing the transaction.")
        return 0
    confirm(args)
    make_dirs([prefix / "conda-meta"])
    _touch_pkgs_cache(root)
    if specs or pip_specs:
        make_dirs([prefix / "bin", prefix / "lib"])
    if wants_python and not has_python:
        _make_python_env(prefix)
    for spec in specs:
        if spec.name == "sagemaker-code-editor":
            _install_server(prefix)
        _record(prefix, spec, channels)
    from_pypi = [_pypi_requirement(s) for s in specs if s.name in FROM_PYPI]
    if from_pypi:
        _pip_install(prefix, from_pypi)
    if pip_specs:
        _pip_install(prefix, pip_specs)
    _history(prefix)
    print("\nTransaction finished\n")
    return 0


def _print_transaction(prefix: Path, specs: list[Spec], channels: list[str]) -> None:
    print("\nTransaction\n")
    print(f"  Prefix: {prefix}\n")
    if specs:
        print("  Updating specs:\n")
        for spec in specs:
            print(f"   - {spec.text}")
        print()
    print(f"  Channels: {', '.join(channels) or 'conda-forge'} (stand-in: nothing downloaded)\n")


def _touch_pkgs_cache(root: Path) -> None:
    """The real CLI writes its package cache to <root>/pkgs, else ~/.mamba/pkgs."""
    for cache in (root / "pkgs", Path.home() / ".mamba" / "pkgs"):
        try:
            cache.mkdir(parents=True, exist_ok=True)
            with (cache / "urls.txt").open("a", encoding="utf-8"):
                pass
            return
        except OSError:
            continue


def _make_python_env(prefix: Path) -> None:
    python = HIDDEN_PYTHON if HIDDEN_PYTHON.exists() else Path(sys.executable)
    proc = subprocess.run([str(python), "-m", "venv", str(prefix)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        fail(f"Could not create the Python environment in {prefix}:\n{proc.stdout}{proc.stderr}")


def _install_server(prefix: Path) -> None:
    python = HIDDEN_PYTHON if HIDDEN_PYTHON.exists() else Path(sys.executable)
    # In the image the server sits in STANDIN_DIR; run from the repository, beside this folder.
    here = Path(__file__).resolve().parent.parent / "sagemaker-code-editor" / "server.py"
    source = (SERVER_SOURCE if SERVER_SOURCE.exists() else here).read_text(encoding="utf-8").split("\n", 1)[1]
    target = prefix / "bin" / "sagemaker-code-editor"
    try:
        target.write_text(f"#!{python} -I\n{source}", encoding="utf-8")
        target.chmod(0o755)
    except PermissionError:
        fail(f"filesystem error: Permission denied [{target}]")


def _record(prefix: Path, spec: Spec, channels: list[str]) -> None:
    record = {
        "name": spec.name,
        "version": spec.version.lstrip("=<>!~") or "0.0.0-standin",
        "build": spec.build or "standin",
        "channel": spec.channel or (channels[0] if channels else "conda-forge"),
        "requested_spec": spec.text,
        "standin": True,
    }
    if spec.name == "python":
        record["actual_python"] = sys.version.split()[0]
    path = prefix / "conda-meta" / f"{spec.name}.json"
    try:
        path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    except PermissionError:
        fail(f"filesystem error: Permission denied [{path}]")


def _pypi_requirement(spec: Spec) -> str:
    """A conda spec as a pip requirement: ``name=4.5`` (conda: 4.5 or 4.5.x) is ``name==4.5.*``."""
    version = spec.version
    if not version:
        return spec.name
    if version.startswith("=") and not version.startswith("=="):
        version = version[1:]
    if version[0].isdigit():
        return f"{spec.name}=={version}" if version.count(".") >= 2 else f"{spec.name}=={version}.*"
    return f"{spec.name}{version}"


def _pip_install(prefix: Path, pip_specs: list[str]) -> None:
    print(f"Installing pip packages: {', '.join(pip_specs)}")
    proc = subprocess.run([str(prefix / "bin" / "python"), "-m", "pip", "install", *pip_specs], check=False)
    if proc.returncode != 0:
        fail("pip failed to install packages")


def _history(prefix: Path) -> None:
    stamp = datetime.datetime.now(tz=datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    line = f"==> {stamp} <==\n# cmd: micromamba {shlex.join(sys.argv[1:])}\n"
    try:
        with (prefix / "conda-meta" / "history").open("a", encoding="utf-8") as history:
            history.write(line)
    except OSError:
        pass


def do_remove(args: argparse.Namespace) -> int:
    """``remove``: forget the packages (and the server's script)."""
    prefix, _ = target_prefix(args)
    specs = [parse_spec(t) for t in args.specs]
    require_writable([prefix / "conda-meta"])
    confirm(args)
    for spec in specs:
        (prefix / "conda-meta" / f"{spec.name}.json").unlink(missing_ok=True)
        if spec.name == "sagemaker-code-editor":
            (prefix / "bin" / "sagemaker-code-editor").unlink(missing_ok=True)
    return 0


def do_clean(args: argparse.Namespace) -> int:
    """``clean``: empty the package cache like ``--all`` does."""
    if not any((args.all, args.index_cache, args.packages, args.tarballs, args.locks, args.force_pkgs_dirs)):
        print("Nothing to clean. Use --all or one of the cache options.")
        return 0
    confirm(args)
    cache = root_prefix(args) / "pkgs"
    if cache.is_dir():
        for entry in cache.iterdir():
            try:
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
            except PermissionError:
                fail(f"filesystem error: Permission denied [{entry}]")
    print("Cleaned the package cache (stand-in).")
    return 0


def do_list(args: argparse.Namespace) -> int:
    """``list``: the recorded packages, as a table."""
    prefix, _ = target_prefix(args)
    if not (prefix / "conda-meta").is_dir():
        fail(f"Expected environment not found at prefix: {prefix}")
    print(f'List of packages in environment: "{prefix}"\n')
    print("  Name  Version  Build  Channel")
    print("─" * 40)
    pattern = re.compile(args.regex) if args.regex else None
    for name, record in installed(prefix).items():
        if pattern is None or pattern.search(name):
            print(f"  {name}  {record.get('version', '')}  {record.get('build', '')}  {record.get('channel', '')}")
    return 0


def do_info(args: argparse.Namespace) -> int:
    """``info``: the settings that matter."""
    root = root_prefix(args)
    active = os.environ.get("CONDA_PREFIX", "None")
    print(f"       libmamba version : {version()}\n     micromamba version : {version()} (stand-in)")
    print(f"          env location : {active}\n     base environment : {root}\n             platform : linux-64")
    return 0


def do_env(args: argparse.Namespace) -> int:
    """``env list``."""
    if args.env_command != "list":
        fail(f"env {args.env_command} is not supported by the stand-in")
    root = root_prefix(args)
    print("  Name  Active  Path\n" + "─" * 40)
    envs = [("base", root)] + [(p.name, p) for p in sorted((root / "envs").glob("*")) if p.is_dir()]
    for name, path in envs:
        star = "*" if os.environ.get("CONDA_PREFIX") == str(path) else " "
        print(f"  {name}  {star}  {path}")
    return 0


def do_config(args: argparse.Namespace) -> int:
    """``config append|prepend|set|list``: written to ~/.mambarc or <prefix>/.mambarc."""
    if args.config_command == "list":
        rc = Path.home() / ".mambarc"
        print(rc.read_text(encoding="utf-8") if rc.exists() else "")
        return 0
    target = (target_prefix(args)[0] if args.env else Path.home()) / ".mambarc"
    if len(args.values) < 2:
        fail(f"config {args.config_command} needs a key and a value")
    key, *values = args.values
    try:
        with target.open("a", encoding="utf-8") as handle:
            for value in values:
                handle.write(f"# {args.config_command}\n{key}: {value}\n")
    except PermissionError:
        fail(f"filesystem error: Permission denied [{target}]")
    return 0


# ---------------------------------------------------------------- shell integration


def _hook(shell: str, root: Path) -> str:
    exe = os.environ.get("MAMBA_EXE") or "/bin/micromamba"
    return f"""# micromamba shell hook (byoi stand-in), shell: {shell}
export MAMBA_EXE={shlex.quote(exe)};
export MAMBA_ROOT_PREFIX={shlex.quote(str(root))};
__mamba_exe() {{ "$MAMBA_EXE" "$@"; }}
__mamba_activate() {{
    local __out
    __out="$("$MAMBA_EXE" shell "$@" --shell {shell})" || return $?
    eval "$__out"
}}
micromamba() {{
    case "${{1:-}}" in
        activate|reactivate|deactivate)
            __mamba_activate "$@"
            ;;
        install|update|upgrade|remove|uninstall|create)
            __mamba_exe "$@" || return $?
            __mamba_activate reactivate
            ;;
        *)
            __mamba_exe "$@"
            ;;
    esac
}}
"""


def _without_env_bin(path: str, prefix: str | None) -> list[str]:
    parts = [p for p in path.split(os.pathsep) if p]
    if prefix:
        parts = [p for p in parts if p != f"{prefix}/bin"]
    return parts


def activation(prefix: Path, name: str) -> dict[str, str]:
    """The variables ``activate`` sets for ``prefix``."""
    if not prefix.is_dir():
        fail(f"Cannot activate, prefix does not exist at: '{prefix}'")
    parts = _without_env_bin(os.environ.get("PATH", ""), os.environ.get("CONDA_PREFIX"))
    level = int(os.environ.get("CONDA_SHLVL", "0") or 0)
    return {
        "PATH": os.pathsep.join([f"{prefix}/bin", *parts]),
        "CONDA_PREFIX": str(prefix),
        "CONDA_DEFAULT_ENV": name,
        "CONDA_PROMPT_MODIFIER": f"({name}) ",
        "CONDA_SHLVL": str(level + 1 if not os.environ.get("CONDA_PREFIX") else level),
    }


def _exports(values: dict[str, str], prefix: Path | None) -> str:
    lines = [f"export {k}={shlex.quote(v)};" for k, v in values.items()]
    if prefix is not None:
        for script in sorted((prefix / "etc" / "conda" / "activate.d").glob("*.sh")):
            lines.append(f". {shlex.quote(str(script))};")
    return "\n".join(lines) + "\n"


def do_shell(args: argparse.Namespace) -> int:
    """``shell hook|activate|reactivate|deactivate|init``."""
    root = root_prefix(args)
    shell = args.shell or "bash"
    if shell not in ("bash", "zsh", "posix", "sh"):
        fail(f"Shell {shell!r} is not supported by the stand-in (bash, zsh, posix)")
    if args.shell_command == "hook":
        print(_hook(shell, root), end="")
    elif args.shell_command in ("activate", "reactivate"):
        target = args.env_name or ("base" if args.shell_command == "activate" else None)
        if args.prefix:
            prefix, name = Path(args.prefix), args.prefix
        elif target:
            prefix, name = env_prefix(target, root), target
        elif os.environ.get("CONDA_PREFIX"):
            prefix = Path(os.environ["CONDA_PREFIX"])
            name = os.environ.get("CONDA_DEFAULT_ENV", str(prefix))
        else:
            return 0
        if target and "/" in target:
            prefix, name = Path(target), target
        print(_exports(activation(prefix, name), prefix), end="")
    elif args.shell_command == "deactivate":
        active = os.environ.get("CONDA_PREFIX")
        if active:
            path = os.pathsep.join(_without_env_bin(os.environ.get("PATH", ""), active))
            print(f"export PATH={shlex.quote(path)};")
            print("unset CONDA_PREFIX CONDA_DEFAULT_ENV CONDA_PROMPT_MODIFIER;\nexport CONDA_SHLVL=0;")
    elif args.shell_command == "init":
        rc = Path.home() / (".zshrc" if shell == "zsh" else ".bashrc")
        exe = os.environ.get("MAMBA_EXE", "/bin/micromamba")
        hook = f'eval "$("{exe}" shell hook --shell {shell})"'
        block = f"\n# >>> mamba initialize >>>\n{hook}\n# <<< mamba initialize <<<\n"
        with rc.open("a", encoding="utf-8") as handle:
            handle.write(block)
    return 0


def do_run(args: argparse.Namespace) -> int:
    """``run -n ENV CMD...``: CMD with the environment activated."""
    if not args.command:
        fail("Please provide a command to run.")
    root = root_prefix(args)
    if args.prefix:
        prefix, name = Path(args.prefix), args.prefix
    else:
        name = args.name or os.environ.get("CONDA_DEFAULT_ENV") or "base"
        prefix = env_prefix(name, root)
    env = dict(os.environ) | activation(prefix, name)
    for item in args.env or []:
        key, _, value = item.partition("=")
        env[key] = value
    if args.cwd:
        os.chdir(args.cwd)
    command = args.command[1:] if args.command[0] == "--" else args.command
    try:
        os.execvpe(command[0], command, env)
    except FileNotFoundError:
        fail(f"Failed to run '{command[0]}': command not found")
    except PermissionError:
        fail(f"Failed to run '{command[0]}': permission denied")


# ---------------------------------------------------------------- command line


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"{message}\nRun with --help for more information.", file=sys.stderr)
        raise SystemExit(109)


def _common(p: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's default must not hide the value given before the subcommand.
    hide = argparse.SUPPRESS
    p.add_argument("-r", "--root-prefix", default=hide)
    p.add_argument("-q", "--quiet", action="store_true", default=hide)
    p.add_argument("-v", "--verbose", action="count", default=hide)
    p.add_argument("--log-level", default=hide)
    p.add_argument("--no-rc", action="store_true", default=hide)
    p.add_argument("--rc-file", action="append", default=hide)
    p.add_argument("--json", action="store_true", default=hide)


def _target(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", "--name")
    p.add_argument("-p", "--prefix")


def build_parser() -> argparse.ArgumentParser:
    """The stand-in's command line (a subset of the real one)."""
    parser = _Parser(prog="micromamba", allow_abbrev=False, add_help=True)
    parser.add_argument("--version", action="store_true")
    _common(parser)
    sub = parser.add_subparsers(dest="cmd", parser_class=_Parser)
    for cmd in ("install", "create", "update", "remove", "uninstall"):
        p = sub.add_parser(cmd, allow_abbrev=False)
        _common(p)
        _target(p)
        p.add_argument("specs", nargs="*")
        p.add_argument("-y", "--yes", action="store_true")
        p.add_argument("-c", "--channel", action="append")
        p.add_argument("-f", "--file", action="append")
        p.add_argument("--override-channels", action="store_true")
        p.add_argument("--strict-channel-priority", action="store_true")
        p.add_argument("--channel-priority")
        p.add_argument("--freeze-installed", action="store_true")
        p.add_argument("--no-deps", action="store_true")
        p.add_argument("--only-deps", action="store_true")
        p.add_argument("--no-pin", action="store_true")
        p.add_argument("--no-py-pin", action="store_true")
        p.add_argument("--dry-run", action="store_true")
        p.add_argument("--download-only", action="store_true")
        p.add_argument("--platform")
        p.add_argument("-a", "--all", action="store_true")
        p.add_argument("--force", action="store_true")
    p = sub.add_parser("clean", allow_abbrev=False)
    _common(p)
    p.add_argument("-a", "--all", action="store_true")
    p.add_argument("-y", "--yes", action="store_true")
    p.add_argument("-i", "--index-cache", action="store_true")
    p.add_argument("-p", "--packages", action="store_true")
    p.add_argument("-t", "--tarballs", action="store_true")
    p.add_argument("-l", "--locks", action="store_true")
    p.add_argument("-f", "--force-pkgs-dirs", action="store_true")
    p = sub.add_parser("list", allow_abbrev=False)
    _common(p)
    _target(p)
    p.add_argument("regex", nargs="?")
    p = sub.add_parser("info", allow_abbrev=False)
    _common(p)
    _target(p)
    p = sub.add_parser("env", allow_abbrev=False)
    _common(p)
    p.add_argument("env_command", choices=["list"])
    p = sub.add_parser("config", allow_abbrev=False)
    _common(p)
    _target(p)
    p.add_argument("config_command", choices=["append", "prepend", "set", "list"])
    p.add_argument("values", nargs="*")
    p.add_argument("--env", action="store_true")
    p = sub.add_parser("shell", allow_abbrev=False)
    _common(p)
    p.add_argument("shell_command", choices=["hook", "activate", "reactivate", "deactivate", "init"])
    p.add_argument("env_name", nargs="?")
    p.add_argument("-s", "--shell")
    p.add_argument("-p", "--prefix")
    p = sub.add_parser("run", allow_abbrev=False)
    _common(p)
    _target(p)
    p.add_argument("-a", "--attach", default="")
    p.add_argument("--cwd")
    p.add_argument("-e", "--env", action="append")
    p.add_argument("--clean-env", action="store_true")
    p.add_argument("command", nargs=argparse.REMAINDER)
    for cmd in ("activate", "deactivate"):
        p = sub.add_parser(cmd, allow_abbrev=False)
        p.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str]) -> int:
    """Dispatch a command; errors are printed the way the real CLI prints them."""
    args = build_parser().parse_args(argv)
    try:
        if args.version:
            print(version())
            return 0
        if args.cmd in ("install", "update"):
            return do_install(args, create=False)
        if args.cmd == "create":
            return do_install(args, create=True)
        if args.cmd in ("remove", "uninstall"):
            return do_remove(args)
        if args.cmd == "clean":
            return do_clean(args)
        if args.cmd == "list":
            return do_list(args)
        if args.cmd == "info":
            return do_info(args)
        if args.cmd == "env":
            return do_env(args)
        if args.cmd == "config":
            return do_config(args)
        if args.cmd == "shell":
            return do_shell(args)
        if args.cmd == "run":
            return do_run(args)
        if args.cmd in ("activate", "deactivate"):
            print(
                "'micromamba' is running as a subprocess and can't modify the parent shell.\n"
                "Thus you must initialize your shell before using activate and deactivate.\n\n"
                '    eval "$(micromamba shell hook --shell bash)"',
                file=sys.stderr,
            )
            return 1
        build_parser().print_help()
        return 0
    except MambaError as err:
        print(f"critical libmamba {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
