"""Which variable names suggest a secret: shared by answer validation and the checker.

A module of its own so that ``byoi check`` need not import the answers machinery.
"""

from __future__ import annotations

import re

SECRET_WORDS = ("TOKEN", "PASSWORD", "PASSWD", "SECRET", "KEY", "CREDENTIAL", "CREDENTIALS")


def looks_secret(name: str) -> bool:
    """True when a variable name has a word that suggests a secret (e.g. API_KEY)."""
    return any(part in SECRET_WORDS for part in re.split(r"[^A-Z0-9]+", name.upper()))
