"""Loaded by cookiecutter (``_extensions`` in cookiecutter.json) from this template's folder.

It puts the folder that holds byoi's ``generator`` package first on sys.path (the
repository root, or site-packages in an installed byoi), so the template validates
and renders its answers with byoi's own rules where only cookiecutter is installed.
"""

import sys
from pathlib import Path

_HOME = str(Path(__file__).resolve().parents[2])
if _HOME not in sys.path:
    sys.path.insert(0, _HOME)

from generator.cookiecutter_ext import CookiecutterExtension  # noqa: E402

__all__ = ["CookiecutterExtension"]
