"""The ``byoi check`` and ``byoi rules`` commands, behind either command line.

``byoi check`` is a pre-commit hook and a CI step: it must start about as fast as
hadolint. :func:`fast` reads the common, well-formed command lines by hand, so the
check path never imports argparse (nor the answers and targets modules ``byoi new``
needs); anything else (``--help``, a mistake, an abbreviated option) returns None and
goes to the full argparse command line in :mod:`generator.cli`, which prints the usual
help and errors and then calls the same :func:`run_check` and :func:`run_rules`.
"""

from __future__ import annotations

import os
import stat
import sys

from generator.rules import TARGETS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from generator.checkconfig import CheckConfig

FORMATS = ("text", "json", "sarif", "gitlab")
#: The checker's settings file (the answers file ``byoi.yaml`` has no dot), and the
#: other file settings may be in (as ``[tool.byoi]``); see generator.checkconfig.
CONFIG_FILE = ".byoi.yaml"
PYPROJECT = "pyproject.toml"
#: Options of ``byoi check`` that take a value, and the values they accept (None: any).
_CHECK_OPTIONS: dict[str, tuple[str, ...] | None] = {"--target": TARGETS, "--format": FORMATS, "--config": None}


def fast(words: list[str]) -> int | None:
    """Run ``byoi check ...`` or ``byoi rules ...`` if the command line is plain; None otherwise."""
    if words[0] == "check":
        options = _options(words[1:], _CHECK_OPTIONS, ("--no-fail",))
        if options is None:
            return None
        paths, values = options
        return run_check(
            paths,
            target=values.get("--target"),
            fmt=values.get("--format") or "text",
            config=values.get("--config"),
            no_fail="--no-fail" in values,
        )
    if words[0] == "rules":
        options = _options(words[1:], {"--target": TARGETS}, ())
        if options is None or len(options[0]) > 1:
            return None
        codes, values = options
        return run_rules(codes[0] if codes else None, values.get("--target"))
    return None


def _options(
    words: list[str], valued: dict[str, tuple[str, ...] | None], switches: tuple[str, ...]
) -> tuple[list[str], dict[str, str]] | None:
    """Positional words and ``{--option: value}``, or None for anything argparse must judge."""
    positional: list[str] = []
    values: dict[str, str] = {}
    positional_open = False
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--":
            if positional:
                return None  # where argparse puts words on both sides of --, let it say
            positional += words[i:]
            break
        if not word.startswith("-") or word == "-":
            if values and positional and not positional_open:
                return None  # paths on both sides of an option: argparse refuses the second group
            positional.append(word)
            positional_open = True
            continue
        positional_open = False
        name, eq, value = word.partition("=")
        if name in switches and not eq:
            values[name] = ""
            continue
        if name not in valued:
            return None  # --help, an abbreviation, a typo: argparse says what to do
        if not eq:
            if i == len(words) or words[i].startswith("-"):
                return None
            value = words[i]
            i += 1
        allowed = valued[name]
        if allowed is not None and value not in allowed:
            return None
        values[name] = value
    return positional, values


def run_check(paths: list[str], *, target: str | None, fmt: str, config: str | None, no_fail: bool) -> int:
    """``byoi check``: print the findings; exit status 0, 1 (error-level findings) or 2 (bad input)."""
    from generator.check import CheckError, check_paths, failed
    from generator.report import render
    from generator.rules.registry import RULES, rules_for

    settings: CheckConfig | None = None
    try:
        if config == "":
            raise CheckError("--config needs a file name (.byoi.yaml or pyproject.toml)")
        found = config if config is not None else find_settings(os.getcwd())
        if found is not None:
            # Their reader is imported only when there are settings (YAML only for .byoi.yaml).
            from generator.checkconfig import ConfigError, load_config

            try:
                from generator.rules import IMAGE_RULE_CODES

                # One settings file serves byoi check-image too: its codes are known here.
                settings = load_config(found, frozenset(RULES) | frozenset(IMAGE_RULE_CODES))
            except ConfigError as err:
                raise CheckError(str(err)) from None
        chosen = target or (settings.target if settings is not None else None)
        if chosen is None:
            raise CheckError(
                "name the target to check for: --target TARGET (byoi targets lists them; or target: in .byoi.yaml)"
            )
        findings = check_paths(paths or ["."], chosen, settings)
    except CheckError as err:
        print(f"byoi: error: {err}", file=sys.stderr)
        return 2
    color = fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    write(render(findings, fmt, rules_for(chosen), color=color))
    return 0 if no_fail or not failed(findings, settings) else 1


def find_settings(start: str) -> str | None:
    """The nearest ``.byoi.yaml`` or ``pyproject.toml`` with ``[tool.byoi]``, from ``start``
    up to the repository root (the folder holding ``.git``)."""
    folder = os.path.realpath(start)
    while True:
        # lexists, not isfile: a FIFO or a folder of that name is reported, not skipped.
        candidate = os.path.join(folder, CONFIG_FILE)
        if os.path.lexists(candidate):
            return candidate
        pyproject = os.path.join(folder, PYPROJECT)
        if os.path.lexists(pyproject):
            try:
                regular = stat.S_ISREG(os.stat(pyproject).st_mode)
            except OSError:
                regular = False
            if not regular:
                return pyproject  # a FIFO or a broken link: reported when read, never waited on
            from generator.checkconfig import ConfigError, has_byoi_table

            try:
                if has_byoi_table(pyproject):
                    return pyproject
            except ConfigError:
                return pyproject  # reported when it is read
        parent = os.path.dirname(folder)
        if os.path.lexists(os.path.join(folder, ".git")) or parent == folder:
            return None
        folder = parent


def run_rules(code: str | None, target: str | None) -> int:
    """``byoi rules [CODE] [--target T]``: list the rules (Dockerfile and built-image ones), or explain one."""
    from generator.image.rules import IMAGE_RULES, image_rules_for
    from generator.rules.base import Rule
    from generator.rules.registry import RULES, rules_for

    def scope(targets: frozenset[str]) -> str:
        if targets == frozenset(TARGETS):
            return "all targets"
        return ", ".join(t for t in TARGETS if t in targets)

    every: dict[str, Rule] = {**RULES, **IMAGE_RULES}
    if code is not None:
        rule = every.get(code.upper())
        if rule is None:
            print(f"byoi: error: no rule {code!r}; 'byoi rules' lists them", file=sys.stderr)
            return 2
        write(f"{rule.code} {rule.name}: {rule.summary}\nlevel: {rule.level}; {scope(rule.targets)}\n\n{rule.doc}\n")
        return 0
    listed = [*rules_for(target), *image_rules_for(target)] if target else [every[c] for c in sorted(every)]
    width = max(len(scope(r.targets)) for r in listed)
    write("".join(f"{r.code}  {r.level:<7}  {scope(r.targets):<{width}}  {r.summary}\n" for r in listed))
    return 0


def write(text: str) -> None:
    """Print ``text``; a reader that stops early (``| head``) is not an error."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
