"""The ``byoi`` console script: start the command with as few imports as it needs.

``byoi check`` and ``byoi rules`` run on every commit (pre-commit, CI), so they skip
the full command line (argparse, and the answer and target modules behind ``byoi
new``) when their arguments are plain; see :mod:`generator.checkcmd`. ``byoi targets``
skips argparse too. Everything else, and every help or error message, comes from
:func:`generator.cli.main`.
"""

from __future__ import annotations

import signal
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


class _Stopped(BaseException):
    """SIGINT or SIGTERM arrived during a check (which writes nothing)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, frame: object) -> None:
    raise _Stopped(signum)


def list_targets() -> int:
    """``byoi targets``: each target ``byoi new`` writes, with its summary."""
    from generator.targets import TARGETS

    width = max(len(n) for n in TARGETS)
    for target in TARGETS.values():
        print(f"{target.name:<{width}}  {target.summary}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``byoi`` command; return its exit status."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words == ["targets"]:
        return list_targets()  # without building the whole command line
    if words and words[0] in ("check", "rules"):
        from generator.checkcmd import fast

        # As generator.cli.main does: one line and 128 + the signal's number.
        held = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            status = fast(words)
        except _Stopped as stop:
            print(f"byoi: stopped by {signal.Signals(stop.signum).name}; nothing was changed", file=sys.stderr)
            return 128 + stop.signum
        finally:
            for s, handler in held.items():
                signal.signal(s, handler)
        if status is not None:
            return status
    from generator.cli import main as full

    return full(words)
