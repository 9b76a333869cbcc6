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
    from collections.abc import Callable, Sequence


class _Stopped(BaseException):
    """SIGINT or SIGTERM: unwinds like an exception, so staging folders are removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, frame: object) -> None:
    # The first signal stops byoi; later ones must not cut short the cleanup it starts.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise _Stopped(signum)


def stoppable(run: Callable[[], int | None]) -> int | None:
    """Call ``run``; SIGINT or SIGTERM meanwhile stops it with one line and 128 + the signal's number.

    A signal byoi was started with ignored stays ignored: a shell runs a command of an
    asynchronous list (``byoi check &`` in a script, a CI runner's background job) with
    SIGINT and SIGQUIT ignored so that the terminal's Ctrl-C does not reach it, and shells
    themselves never catch a signal that was ignored when they started (POSIX ``trap``).
    """
    held = {
        s: signal.signal(s, _on_signal)
        for s in (signal.SIGINT, signal.SIGTERM)
        if signal.getsignal(s) is not signal.SIG_IGN
    }
    try:
        return run()
    except _Stopped as stop:
        print(f"byoi: stopped by {signal.Signals(stop.signum).name}; nothing was changed", file=sys.stderr)
        return 128 + stop.signum
    finally:
        for s, handler in held.items():
            signal.signal(s, handler)


def list_targets() -> int:
    """``byoi targets``: each target ``byoi new`` writes, with its summary."""
    from generator.targets_catalog import SUMMARIES

    width = max(len(n) for n in SUMMARIES)
    for name, summary in SUMMARIES.items():
        print(f"{name:<{width}}  {summary}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``byoi`` command; return its exit status."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words == ["targets"]:
        return list_targets()  # without building the whole command line
    if words and words[0] in ("check", "rules"):
        from generator.checkcmd import fast

        status = stoppable(lambda: fast(words))
        if status is not None:
            return status
    from generator.cli import main as full

    return full(words)
