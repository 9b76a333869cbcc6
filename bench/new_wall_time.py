"""Wall time of ``byoi new TARGET --no-input`` against the cookiecutter command on the same template.

Usage: python bench/new_wall_time.py [PAIRS] [TARGET ...]   (default 15 pairs, every target)

Both write the same project (the equivalence tests in tests/test_cookiecutter.py
compare them byte for byte) from the template's default answers. Each pair runs byoi
and cookiecutter one after the other, alternating which goes first, so both see the
same machine load. Prints, for each, the median and min-max, the ratio of medians (the goal is at most
0.5) and the median of each pair's ratio, then the modules byoi spends longest importing.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BYOI = [sys.executable, "-m", "generator"]
COOKIECUTTER = str(Path(sys.executable).parent / "cookiecutter")
TARGETS = ["sagemaker-code-editor", "foundry-sidecar", "foundry-byoc", "foundry-model"]


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def pairs(target: str, count: int) -> tuple[list[float], list[float]]:
    byoi_times: list[float] = []
    cc_times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        # cookiecutter writes a replay file under HOME: give it one of its own. Both run as
        # installed code does, from compiled bytecode (pip compiles on install): a warm-up
        # run of each writes it where PYTHONDONTWRITEBYTECODE would have stopped it.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["HOME"] = tmp
        for i in range(-1, count):
            byoi = [*BYOI, "new", target, "-o", f"{tmp}/byoi-{i}", "--no-input"]
            cc = [COOKIECUTTER, "--no-input", str(REPO / "templates" / target), "-o", f"{tmp}/cc-{i}"]
            runs = [(byoi, byoi_times), (cc, cc_times)]
            for command, times in runs if i % 2 == 0 else reversed(runs):
                elapsed = timed(command, env)
                if i >= 0:
                    times.append(elapsed)
    return byoi_times, cc_times


def slowest_imports(target: str, count: int = 8) -> list[tuple[int, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", *BYOI[1:], "new", target, "-o", f"{tmp}/p", "--no-input"],
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


def describe(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f}  min-max {min(times):.3f}-{max(times):.3f}"


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    targets = sys.argv[2:] or TARGETS
    print(f"byoi new TARGET --no-input vs cookiecutter --no-input templates/TARGET, {count} alternating pairs (s)")
    for target in targets:
        byoi_times, cc_times = pairs(target, count)
        ratio = statistics.median(byoi_times) / statistics.median(cc_times)
        # The two runs of a pair are back to back, so their ratio cancels slow drifts in load.
        per_pair = statistics.median(b / c for b, c in zip(byoi_times, cc_times, strict=True))
        print(f"  {target}")
        print(f"    byoi new      {describe(byoi_times)}")
        print(f"    cookiecutter  {describe(cc_times)}")
        print(f"    ratio of medians {ratio:.2f}  (median of the pairs' ratios {per_pair:.2f})")
    print("slowest top-level imports of byoi new (cumulative ms), sagemaker-code-editor:")
    for us, name in slowest_imports("sagemaker-code-editor"):
        print(f"  {us / 1000:7.1f}  {name}")


if __name__ == "__main__":
    main()
