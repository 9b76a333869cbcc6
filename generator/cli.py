"""The ``byoi`` command: parse, call, print. Nothing else lives here.

Exit status: 0 success; 1 findings (``check``), conflicts or an outdated project
(``upgrade``); 2 bad usage or bad input, with a one-line message and nothing written;
130 and 143 when stopped by SIGINT or SIGTERM, which change nothing either. Flags of
``byoi new TARGET`` are generated from the target's answers class, so a new question
needs no change here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from generator import __version__

# The answers module (and the dataclasses behind it) is imported where it is used:
# `byoi --help` and `byoi check` need none of it.
if TYPE_CHECKING:
    from generator.answers import Question


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _add_question(parser: argparse._ActionsContainer, q: Question, *, show_default: bool = True) -> None:
    """One answer as a flag; ``show_default=False`` where the default is not the declared one (upgrade)."""
    opt = q.option
    kwargs: dict[str, Any] = {"dest": q.name, "default": argparse.SUPPRESS}
    if not show_default or q.default in (None, ()):
        default = ""
    elif opt.boolean:  # the flag that stands for the default, not Python's True/False
        default = f" (default: {q.flag if q.default else '--no-' + q.flag.removeprefix('--')})"
    else:
        default = f" (default: {q.default})"
    if opt.when is not None:
        default += f"; {opt.when}"
    if opt.boolean:
        parser.add_argument(q.flag, action=argparse.BooleanOptionalAction, help=opt.help + default, **kwargs)
        return
    if opt.multiple:
        kwargs["action"] = "append"
    if opt.choices:
        kwargs["metavar"] = "|".join(opt.choices)
    elif opt.metavar:
        kwargs["metavar"] = opt.metavar
    parser.add_argument(q.flag, help=opt.help + default, **kwargs)


def _add_new_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("-o", "--output", metavar="DIR", default=default, help="folder to write the project into")
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=default,
        help="answers file (YAML, e.g. a project's byoi.yaml); flags override it",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        default=default or False,
        help="write into a folder that has files: files byoi wrote and you did not change are updated; a file you "
        "changed (or byoi did not write) is kept, and byoi's new version of it, if different, is written beside it as "
        "NAME.byoi-new",
    )
    parser.add_argument(
        "--no-input",
        action="store_true",
        default=default or False,
        help="ask nothing (the default without a terminal): use flags, answers file and defaults",
    )


def _add_targets(targets: argparse._SubParsersAction[Any]) -> None:
    from generator.answers import asking_order
    from generator.targets import TARGETS

    for target in TARGETS.values():
        sub = targets.add_parser(target.name, help=target.summary, description=target.summary)
        _add_new_options(sub, suppress=True)
        group = sub.add_argument_group("answers (in the order the wizard asks them)")
        for q in asking_order(target.answers):
            _add_question(group, q)


def _add_upgrade_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", nargs="?", default=".", metavar="DIR", help="the project (default: .)")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if an upgrade would change anything"
    )
    parser.add_argument(
        "--diff", action="store_true", help="write nothing; print what an upgrade would change, as a unified diff"
    )


#: The title of upgrade's answer flags: each one left out keeps the project's answer.
UPGRADE_ANSWERS = "answers (the project's target's; a flag not given keeps the answer in byoi.yaml)"


def _add_all_answer_flags(parser: argparse.ArgumentParser) -> None:
    """Every target's answer flags, once each: enough to find DIR before the target is known."""
    from generator.answers import questions
    from generator.targets import TARGETS

    seen: set[str] = set()
    group = parser.add_argument_group(UPGRADE_ANSWERS)
    for target in TARGETS.values():
        for q in questions(target.answers):
            if q.flag not in seen:
                seen.add(q.flag)
                _add_question(group, q, show_default=False)


def build_parser(with_targets: bool = True) -> argparse.ArgumentParser:
    """The whole command line; ``with_targets=False`` skips the per-target ``new`` flags,
    which need every target module and are only parsed by ``byoi new``."""
    parser = _Parser(prog="byoi", description="Write container images SageMaker Studio and Palantir Foundry accept.")
    parser.add_argument("--version", action="version", version=f"byoi {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    new = commands.add_parser(
        "new",
        help="write a new image project",
        description="Write a new image project. Each target's answers: byoi new TARGET --help.",
    )
    _add_new_options(new, suppress=False)
    targets = new.add_subparsers(dest="target", metavar="TARGET", parser_class=_Parser)
    if with_targets:
        _add_targets(targets)

    upgrade = commands.add_parser(
        "upgrade",
        help="re-render a project with this byoi, keeping your edits",
        description="Re-render a project with this byoi and its recorded answers (plus any given here), merging "
        "each file three ways with your edits. Exit status: 0 done or up to date, 1 conflicts to resolve (or, "
        "with --check/--diff, an upgrade would change something), 2 bad usage or input (nothing written).",
    )
    _add_upgrade_options(upgrade)
    if with_targets:
        _add_all_answer_flags(upgrade)

    commands.add_parser(
        "targets", help="list the targets 'byoi new' can write", description="List the targets 'byoi new' can write."
    )

    from generator.rules import TARGETS as CHECK_TARGETS

    check_targets = "|".join(CHECK_TARGETS)
    check = commands.add_parser(
        "check",
        help="check Dockerfiles against a platform's rules",
        description="Check Dockerfiles, and the scripts they copy in, against a platform's rules. Exit status: "
        "0 no error-level finding, 1 error-level findings, 2 bad usage or unreadable input.",
    )
    check.add_argument("paths", nargs="*", metavar="PATH", help="a Dockerfile or a build-context folder (default: .)")
    check.add_argument(
        "--target",
        choices=CHECK_TARGETS,
        metavar=check_targets,
        help="the target whose platform rules apply (default: target: in .byoi.yaml)",
    )
    check.add_argument(
        "--format",
        choices=("text", "json", "sarif", "gitlab"),
        default="text",
        help="output (default: text; gitlab: GitLab code quality)",
    )
    check.add_argument(
        "--config",
        metavar="FILE",
        help="settings: .byoi.yaml or pyproject.toml with [tool.byoi] (default: the nearest, from here up)",
    )
    check.add_argument("--no-fail", action="store_true", help="exit 0 even when there are error-level findings")
    _add_image_commands(commands, check_targets, CHECK_TARGETS)
    explain = "list the checker's rules, or explain one"
    rules = commands.add_parser("rules", help=explain, description=explain.capitalize() + ".")
    rules.add_argument("code", nargs="?", metavar="CODE", help="a rule code, e.g. BY101")
    rules.add_argument("--target", choices=CHECK_TARGETS, metavar=check_targets, help="only this target's rules")
    return parser


def _add_image_commands(commands: argparse._SubParsersAction[Any], metavar: str, targets: Sequence[str]) -> None:
    """``check-image`` and ``verify``: the built image, read and run."""
    check = commands.add_parser(
        "check-image",
        help="check a built image against a platform's rules",
        description="Read a built image (docker-archive or OCI archive, OCI layout folder, or a local image that "
        "podman or docker exports) without running it, and check it against a platform's rules. Exit status: "
        "0 no error-level finding, 1 error-level findings, 2 bad usage or unreadable input.",
    )
    check.add_argument("image", metavar="IMAGE", help="image archive, OCI layout folder, or local image reference")
    check.add_argument(
        "--target",
        choices=targets,
        metavar=metavar,
        help="the target whose platform rules apply (default: target: in .byoi.yaml)",
    )
    check.add_argument(
        "--format",
        choices=("text", "json", "sarif", "gitlab"),
        default="text",
        help="output (default: text; gitlab: GitLab code quality)",
    )
    check.add_argument("--config", metavar="FILE", help="settings, as for byoi check (default: the nearest .byoi.yaml)")
    check.add_argument("--no-fail", action="store_true", help="exit 0 even when there are error-level findings")
    check.add_argument(
        "--engine",
        choices=("podman", "docker"),
        help="export an image reference with it (default: podman, else docker)",
    )
    verify = commands.add_parser(
        "verify",
        help="run a built image the way the platform does",
        description="Run a local image with podman or docker the way the platform runs it, and report each step. "
        "Exit status: 0 every step passed, 1 a step failed, 2 bad usage or no engine.",
    )
    verify.add_argument("image", metavar="IMAGE", help="local image reference")
    verify.add_argument(
        "--target", choices=targets, metavar=metavar, required=True, help="the target the image was written for"
    )
    verify.add_argument(
        "--upgrade-from", metavar="OLD_IMAGE", help="SageMaker: start OLD_IMAGE first, then IMAGE on the same home"
    )
    verify.add_argument(
        "--request", metavar="JSON", help="foundry-model: the prediction request body (default: one row of text)"
    )
    verify.add_argument("--timeout", type=float, default=120, metavar="SECONDS", help="budget per step (default: 120)")
    verify.add_argument(
        "--engine", choices=("podman", "docker"), help="engine to run with (default: podman, else docker)"
    )


def _check_image(args: argparse.Namespace) -> int:
    import os

    from generator.check import failed
    from generator.checkcmd import find_settings, write
    from generator.checkconfig import CheckConfig, ConfigError, load_config
    from generator.image.archive import ImageError
    from generator.image.check import ImageCheckError, check_image
    from generator.image.rules import IMAGE_RULES, image_rules_for
    from generator.report import render
    from generator.rules.registry import RULES

    try:
        found = args.config if args.config else find_settings(os.getcwd())
        known = frozenset(RULES) | frozenset(IMAGE_RULES)
        config = load_config(Path(found), known) if found is not None else CheckConfig()
        target = args.target or config.target
        if target is None:
            raise ImageCheckError(
                "name the target to check for: --target TARGET (byoi targets lists them; or target: in .byoi.yaml)"
            )
        findings = check_image(args.image, target, config, engine=args.engine)
    except (ImageError, ImageCheckError, ConfigError) as err:
        print(f"byoi: error: {err}", file=sys.stderr)
        return 2
    color = args.format == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    write(render(findings, args.format, image_rules_for(target), color=color))
    return 0 if args.no_fail or not failed(findings, config) else 1


def _verify(args: argparse.Namespace) -> int:
    from generator.image.verify import VerifyError, verify

    try:
        steps = verify(
            args.image,
            args.target,
            upgrade_from=args.upgrade_from,
            request=args.request,
            timeout=args.timeout,
            engine=args.engine,
            report=lambda line: print(line, flush=True),
        )
    except VerifyError as err:
        print(f"byoi: error: {err}", file=sys.stderr)
        return 2
    failed = [s for s in steps if not s.ok]
    print(f"verify {args.image} for {args.target}: {len(steps) - len(failed)}/{len(steps)} steps passed")
    return 1 if failed else 0


def _interactive(args: argparse.Namespace) -> bool:
    """The wizard runs on a terminal (both ends: not in a pipe or a script's capture) without --no-input."""
    return not args.no_input and sys.stdin.isatty() and sys.stdout.isatty()


def _new(args: argparse.Namespace) -> int:
    from generator.answers import AnswerError, load_answers_file, merge_sources, questions
    from generator.render import write_project
    from generator.targets import TARGETS, Target

    file_values: dict[str, Any] = {}
    file_dir = Path.cwd()
    if args.config is not None:
        file_values = load_answers_file(args.config)
        file_dir = Path(args.config).resolve().parent
    file_target = file_values.pop("target", None)
    name = args.target or file_target
    if file_target is not None and args.target is not None and file_target != args.target:
        raise AnswerError(f"{args.config} is for target {file_target}, not {args.target}")
    if name is not None and name not in TARGETS:
        raise AnswerError(f"unknown target {name!r}; choose one of {', '.join(TARGETS)}")

    def raw_for(target: Target) -> dict[str, Any]:
        answer_names = {q.name for q in questions(target.answers)}
        flags = {k: v for k, v in vars(args).items() if k in answer_names}
        return merge_sources(target.answers, file_values, file_dir, flags)

    if _interactive(args):
        from generator import wizard

        try:
            plan = wizard.run(name, raw_for, args.output, force=args.force)
        except wizard.Declined:
            print("byoi: nothing written", file=sys.stderr)
            return 1
        except EOFError:
            # Ctrl-D at a question: the input ended before the answers did.
            print("\nbyoi: input ended; nothing written", file=sys.stderr)
            return 1
        target, answers, out = plan.target, plan.answers, plan.output
    else:
        if name is None:
            raise AnswerError(f"name a target: byoi new TARGET (one of {', '.join(TARGETS)})")
        if not args.output:
            raise AnswerError("say where to write the project: -o DIR")
        target = TARGETS[name]
        answers = target.build(raw_for(target))
        out = Path(args.output)
    written = write_project(target, answers, out, force=args.force)
    for note in written.notes:
        print(f"byoi: note: {note}", file=sys.stderr)
    print(f"wrote {target.name} project '{answers.name}' to {out} ({len(written.files)} files, checked by byoi check)")
    for line in written.report:
        print(f"  {line}")
    return 0


def _upgrade(args: argparse.Namespace, words: list[str]) -> int:
    from generator import upgrade
    from generator.answers import questions
    from generator.checkcmd import write
    from generator.project import RECORD_DIR

    loaded = upgrade.load(Path(args.directory))
    # Parse again with the flags of the project's own target only.
    strict = _Parser(prog="byoi upgrade")
    _add_upgrade_options(strict)
    group = strict.add_argument_group(UPGRADE_ANSWERS)
    for q in questions(loaded.target.answers):
        _add_question(group, q, show_default=False)
    args = strict.parse_args(words[1:])
    names = {q.name for q in questions(loaded.target.answers)}
    flags = {k: v for k, v in vars(args).items() if k in names}
    dry = args.check or args.diff
    outcome = upgrade.run(loaded, flags, dry=dry)
    for note in outcome.notes:
        print(f"byoi: note: {note}", file=sys.stderr)
    if args.diff:
        write(outcome.diff)
    lines = [line for c in outcome.changes if (line := c.report()) is not None]
    where = args.directory
    # The version the record names (None: a project written before byoi kept a record).
    written_by = loaded.record.byoi_version if loaded.record is not None else None
    span = f"from byoi {written_by} to {__version__}" if written_by not in (None, __version__) else ""
    if dry:
        if not outcome.changed:
            print(f"{where} is up to date with byoi {__version__}")
            return 0
        if not args.diff:
            for line in lines:
                print(f"  {line}")
            if outcome.record_changes and not any(c.changes_project for c in outcome.changes):
                print(f"  record    {RECORD_DIR}/ (what byoi wrote, for later upgrades)")
        written = f" (written by byoi {written_by})" if span else ""
        print(f"{where} is not up to date with byoi {__version__}{written}: run byoi upgrade {where}")
        return 1
    if not outcome.changed:
        print(f"{where} is up to date with byoi {__version__}; nothing to do")
        return 0
    print(f"upgraded {where} {span or f'with byoi {__version__}'}")
    for line in lines:
        print(f"  {line}")
    if outcome.conflicts:
        print(f"resolve {len(outcome.conflicts)} file(s) by hand: {', '.join(outcome.conflicts)}")
        return 1
    return 0


def _targets() -> int:
    from generator.targets_catalog import print_targets

    return print_targets()


def _check(args: argparse.Namespace) -> int:
    from generator.checkcmd import run_check

    return run_check(args.paths, target=args.target, fmt=args.format, config=args.config, no_fail=args.no_fail)


def _rules(args: argparse.Namespace) -> int:
    from generator.checkcmd import run_rules

    return run_rules(args.code, args.target)


def _with_target_from_config(argv: list[str]) -> list[str]:
    """``byoi new --config F [flags]``: take TARGET from F, so answer flags parse too."""
    if not argv or argv[0] != "new":
        return argv
    from generator.targets import TARGETS

    if any(a in TARGETS for a in argv[1:]):
        return argv
    for i, arg in enumerate(argv):
        path = argv[i + 1] if arg == "--config" and i + 1 < len(argv) else arg.partition("=")[2]
        if arg == "--config" or arg.startswith("--config="):
            from generator.answers import AnswerError, load_answers_file

            try:
                target = load_answers_file(Path(path)).get("target")
            except AnswerError:
                return argv  # reported properly once parsed
            if isinstance(target, str) and target in TARGETS:
                return ["new", target, *argv[1:]]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``byoi`` command; return its exit status."""
    from generator.stopping import stoppable

    words = list(sys.argv[1:] if argv is None else argv)
    status = stoppable(lambda: _main(words))
    assert status is not None
    return status


def _main(words: list[str]) -> int:
    parser = build_parser(with_targets=bool(words) and words[0] in ("new", "upgrade"))
    args, unknown = parser.parse_known_args(_with_target_from_config(words))
    if unknown:
        # Said by the command that would take them, so the hint names the help that lists its flags.
        prog = " ".join(["byoi", *(w for w in (args.command, getattr(args, "target", None)) if w)])
        _Parser(prog=prog).error(f"unrecognized arguments: {' '.join(unknown)}")
    from generator.answers import AnswerError

    try:
        if args.command == "new":
            return _new(args)
        if args.command == "upgrade":
            return _upgrade(args, words)
        if args.command == "targets":
            return _targets()
        if args.command == "check":
            return _check(args)
        if args.command == "check-image":
            return _check_image(args)
        if args.command == "verify":
            return _verify(args)
        if args.command == "rules":
            return _rules(args)
    except AnswerError as err:
        print(f"byoi: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Ctrl-C in the wizard (or while writing, which stages everything first).
        print("\nbyoi: cancelled; nothing written", file=sys.stderr)
        return 130
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
