#!/usr/bin/env python3
"""Stand-in for /usr/local/bin/merge-settings-util.py of the SageMaker Distribution image.

REPRODUCES: ``merge-settings-util.py PERSISTENT DEFAULT`` merges the image's default Code
Editor machine settings into the ones on the EBS home, the defaults winning (start-code-editor
calls it when the space already has a settings file). Plain JSON only (no comments).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(persistent: str, default: str) -> int:
    """Write DEFAULT's keys over PERSISTENT's and save PERSISTENT."""
    target = Path(persistent)
    try:
        current = json.loads(target.read_text(encoding="utf-8") or "{}")
    except ValueError:
        current = {}
    current.update(json.loads(Path(default).read_text(encoding="utf-8")))
    target.write_text(json.dumps(current, indent=4) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
