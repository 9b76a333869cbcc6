"""Rendering a byoi template folder with Jinja, the way cookiecutter renders it.

The templates in ``templates/`` are cookiecutter templates, and plain cookiecutter can
render them (see :mod:`generator.cookiecutter_ext`). ``byoi new`` renders them itself
with this module: the same Jinja settings and the same rules for file names, newlines
and file modes as cookiecutter's ``generate_files``, without importing cookiecutter or
running its hooks in other processes. The equivalence tests run the real cookiecutter
command on the same answers and require byte-identical output.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, pass_context
from jinja2.bccache import Bucket
from jinja2.ext import Extension
from jinja2.runtime import Context

#: The template folder inside each target's template (cookiecutter's project folder).
PROJECT_DIR_TEMPLATE = "{{cookiecutter.project_slug}}"
#: Jinja settings every template uses (the ``_jinja2_env_vars`` of each cookiecutter.json).
JINJA_SETTINGS: dict[str, Any] = {"trim_blocks": True, "lstrip_blocks": True}


#: For tests only: a copy of ``templates/`` the test owns, to play a newer byoi's templates.
TEMPLATES_ENV = "BYOI_TEMPLATES_DIR"


def templates_dir() -> Path:
    """The templates: inside the installed package, else the source tree.

    ``BYOI_TEMPLATES_DIR`` overrides it; it exists for the tests of ``byoi upgrade``,
    which need "a changed template" without editing the repository's.
    """
    if os.environ.get(TEMPLATES_ENV):
        return Path(os.environ[TEMPLATES_ENV])
    here = Path(__file__).resolve().parent
    packaged = here / "templates"
    return packaged if packaged.is_dir() else here.parent / "templates"


class ByoiExtension(Extension):
    """Jinja helpers every byoi template uses.

    ``answers()`` gives the validated answers (the target's ``context()``);
    ``answers_file()`` the text of the project's ``byoi.yaml``; ``partial(NAME)`` renders
    a snippet shared by all targets from ``templates/_partials``; ``shell_quote``,
    ``json`` and ``dockerfile_quote`` quote values for the shell, JSON and Dockerfiles.
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals["answers"] = _answers
        environment.globals["answers_file"] = _answers_file
        environment.globals["partial"] = _partial
        environment.filters["shell_quote"] = shell_quote
        environment.filters["json"] = json.dumps
        environment.filters["dockerfile_quote"] = dockerfile_quote


@pass_context
def _answers(ctx: Context) -> Any:
    return _rendered(ctx)["context"]


@pass_context
def _answers_file(ctx: Context) -> str:
    return str(_rendered(ctx)["file"])


def _rendered(ctx: Context) -> dict[str, Any]:
    """The answers a render works from: given by byoi, or (plain cookiecutter) derived from its flat answers."""
    cc = ctx["cookiecutter"]
    given = cc.get("_byoi")
    if given:
        return dict(given)
    from generator.cookiecutter_answers import answers_from_cookiecutter

    return render_data(answers_from_cookiecutter(cc))


def render_data(answers: Any) -> dict[str, Any]:
    """What the templates read: the answers' template context and the answers file text."""
    from generator.answersfile import answers_file_text

    return {"context": answers.context(), "file": answers_file_text(answers)}


@pass_context
def _partial(ctx: Context, name: str) -> str:
    env = ctx.environment
    template: Any
    if isinstance(env.loader, FileSystemLoader) and env.loader.searchpath == [str(templates_dir())]:
        template = env.get_template(f"_partials/{name}")  # byoi's own environment: compiled once, cached
    else:
        # cookiecutter's environment, whose loader looks elsewhere: compiled once per environment.
        cache: dict[str, Any] = env.__dict__.setdefault("_byoi_partials", {})
        template = cache.get(name)
        if template is None:
            source = (templates_dir() / "_partials" / name).read_text(encoding="utf-8")
            template = cache[name] = env.from_string(source)
    return str(template.render(ctx.get_all()))


class _CompiledTemplates(FileSystemBytecodeCache):
    """Compiled templates kept between runs (Jinja checks each against its source).

    Compiling the templates is most of what ``byoi new`` would otherwise spend its time
    on. The cache is an optimisation only: where it cannot be read or written, byoi
    compiles the templates again.
    """

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> _CompiledTemplates | None:
    """``$XDG_CACHE_HOME/byoi/templates`` (default ``~/.cache``), or None where it cannot be made."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    directory = os.path.join(base, "byoi", "templates")
    if not os.path.isabs(directory):
        return None  # no home to speak of: never a cache in the current folder
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return _CompiledTemplates(directory)


def shell_quote(value: Any) -> str:
    """Single-quote a value for POSIX shells."""
    return "'" + str(value).replace("'", "'\"'\"'") + "'"


def dockerfile_quote(value: Any) -> str:
    """Double-quote a value for a Dockerfile ``ENV``/``ARG`` (no variable expansion)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{text}"'


def _newline(path: Path) -> str | None:
    """The first line ending of a file, as cookiecutter detects it (None: universal)."""
    with path.open(encoding="utf-8") as fh:
        fh.readline()
        newlines = fh.newlines
    return newlines[0] if isinstance(newlines, tuple) else newlines


def render_tree(template: Path, cookiecutter: dict[str, Any], dest: Path) -> list[Path]:
    """Render ``template``'s project folder into the new folder ``dest``, as cookiecutter does.

    File and folder names are templates too; a file whose name renders empty is left
    out (cookiecutter's rule), which is how a template drops files some answers do not
    use. Each file keeps its template's first line ending and permission bits.
    Returns the files written, relative to ``dest``.
    """
    env = Environment(
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        extensions=[ByoiExtension],
        loader=FileSystemLoader(str(templates_dir())),
        bytecode_cache=_bytecode_cache(),
        **JINJA_SETTINGS,
    )
    context = {"cookiecutter": cookiecutter}
    source_root = template / PROJECT_DIR_TEMPLATE
    dest.mkdir()
    written: list[Path] = []
    names: dict[str, str] = {}

    def render_name(name: str) -> str:
        if "{" not in name:
            return name
        if name not in names:
            names[name] = env.from_string(name).render(context)
        return names[name]

    for root, dirs, files in os.walk(source_root):
        dirs.sort()
        rel_root = Path(root).relative_to(source_root)
        out_root = dest.joinpath(*(render_name(part) for part in rel_root.parts))
        for d in dirs:
            (out_root / render_name(d)).mkdir(exist_ok=True)
        for f in sorted(files):
            name = render_name(f)
            if not name:
                continue
            infile = Path(root) / f
            text = env.get_template(infile.relative_to(templates_dir()).as_posix()).render(context)
            outfile = out_root / name
            with outfile.open("w", encoding="utf-8", newline=_newline(infile)) as fh:
                fh.write(text)
            shutil.copymode(infile, outfile)
            written.append(outfile.relative_to(dest))
    _remove_empty_folders(dest)
    return written


def _remove_empty_folders(root: Path) -> None:
    """Folders whose files all rendered empty names go (``.github/workflows`` without ``--ci github``).

    cookiecutter cannot leave a folder out, so it keeps them empty; git does not track an
    empty folder, so a committed project is the same either way.
    """
    for folder, _dirs, _files in os.walk(root, topdown=False):
        if Path(folder) != root and not os.listdir(folder):
            os.rmdir(folder)
