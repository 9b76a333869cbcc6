"""The ``byoi`` console script: start the command with as few imports as it needs.

``byoi check`` and ``byoi rules`` run on every commit (pre-commit, CI), so they skip
the full command line (argparse, and the answer and target modules behind ``byoi
new``) when their arguments are plain; see :mod:`generator.checkcmd`. ``byoi targets``
skips argparse too. Everything else, and every help or error message, comes from
:func:`generator.cli.main`.
"""

from __future__ import annotations

import sys

from generator.stopping import stoppable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``byoi`` command; return its exit status."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words == ["targets"]:
        from generator.targets_catalog import print_targets

        return print_targets()  # without building the whole command line
    if words and words[0] in ("check", "rules"):
        from generator.checkcmd import fast

        status = stoppable(lambda: fast(words))
        if status is not None:
            return status
    from generator.cli import main as full

    return full(words)
