"""Stopping byoi on SIGINT or SIGTERM: one line, 128 + the signal's number, nothing half-done.

Both ways in (the fast path of :mod:`generator.entry` and the full command line of
:mod:`generator.cli`) run their command through :func:`stoppable`.
"""

from __future__ import annotations

import signal
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


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
