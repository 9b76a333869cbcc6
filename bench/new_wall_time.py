"""Wall time of ``byoi new`` (the non-interactive path), end to end, as a user runs it.

Usage: python bench/new_wall_time.py [RUNS]   (default 10)
Prints the median and minimum for each target's defaults, and the modules that take
longest to import (from ``python -X importtime``), so a regression has a suspect.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BYOI = [sys.executable, "-m", "generator"]


def targets() -> list[str]:
    out = subprocess.run([*BYOI, "targets"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def time_new(target: str, runs: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            start = time.perf_counter()
            subprocess.run(
                [*BYOI, "new", target, "-o", str(Path(tmp) / str(i)), "--no-input"], check=True, capture_output=True
            )
            times.append(time.perf_counter() - start)
    return times


def slowest_imports(target: str, count: int = 8) -> list[tuple[int, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [
                sys.executable,
                "-X",
                "importtime",
                "-m",
                "generator",
                "new",
                target,
                "-o",
                str(Path(tmp) / "p"),
                "--no-input",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    top_level = [(us, name.strip()) for us, name in rows if not name.startswith("   ")]
    return sorted(top_level, reverse=True)[:count]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    print(f"byoi new TARGET --no-input, {runs} runs each (seconds)")
    for target in targets():
        times = time_new(target, runs)
        print(f"  {target:<24} median {statistics.median(times):.3f}  min {min(times):.3f}")
    print("slowest top-level imports (cumulative ms), sagemaker-code-editor:")
    for us, name in slowest_imports("sagemaker-code-editor"):
        print(f"  {us / 1000:7.1f}  {name}")


if __name__ == "__main__":
    main()
