"""Start-up time (issue #15, first goal): what a user waits for before the first number.

Each step is a new Python process, timed as a whole (wall clock, and the CPU time the kernel
accounts to it, which a busy machine disturbs less). The steps run in turn, round after
round (A B C A B C ...), so that a machine whose speed drifts disturbs them alike; the median
of each is printed as a ratio to the floor measured in the same run: a bare ``python -c``
that imports DuckDB, opens the database and counts the interactions.

    .venv/bin/python benchmarks/startup.py                  # makes a 100k-event database
    .venv/bin/python benchmarks/startup.py --db big.duckdb --rounds 7 --metric satisfaction
    .venv/bin/python benchmarks/startup.py --before ../main/src   # another tree, same run

With ``--before``, every cycleanalytics step is also timed on that source tree (marked
"before"), in the same rounds, so that a change is measured against what it replaces under
the same load.

Goals: the ``cycleanalytics metric`` command at most 3x the floor; ``import cycleanalytics``
plus a first metric call under 1 s. The load average is printed before and after: quote
ratios from a quiet run (load average well under the number of processors).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
SRC = str(Path(__file__).resolve().parents[1] / "src")


def steps(db: Path, metric: str) -> dict[str, list[str]]:
    """The processes to time, by name; the first is the floor."""
    count = "select count(*) from interactions"
    return {
        "bare duckdb (floor)": [
            PYTHON,
            "-c",
            f"import duckdb; duckdb.connect({str(db)!r}, read_only=True).sql({count!r}).fetchall()",
        ],
        "python -c pass": [PYTHON, "-c", "pass"],
        "import cycleanalytics": [PYTHON, "-c", "import cycleanalytics"],
        "cycleanalytics --help": [PYTHON, "-m", "cycleanalytics", "--help"],
        f"cycleanalytics metric {metric} --db": [
            PYTHON,
            "-m",
            "cycleanalytics",
            "metric",
            metric,
            "--db",
            str(db),
            "--format",
            "csv",
        ],
        f"import + ca.{metric}(store)": [
            PYTHON,
            "-c",
            "import cycleanalytics as ca\n"
            f"with ca.Store({str(db)!r}, read_only=True) as s: ca.{metric}(s)",
        ],
    }


def with_before(
    todo: dict[str, list[str]], before: Path | None
) -> dict[str, tuple[list[str], str]]:
    """Each step with the source tree it imports; with ``before``, every cycleanalytics step
    a second time on that tree, right after its own."""
    out = {}
    for name, command in todo.items():
        out[name] = (command, SRC)
        if before is not None and "cycleanalytics" in " ".join(command):
            out[f"{name} (before)"] = (command, str(before.resolve()))
    return out


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def make_database(folder: Path) -> Path:
    """A database of about 100k interactions (the sample generator, 11,000 customers)."""
    env = {**os.environ, "PYTHONPATH": SRC}
    exports, db = folder / "exports", folder / "startup.duckdb"
    run = [PYTHON, "-m", "cycleanalytics"]
    subprocess.run(
        [*run, "sample", "--out", str(exports), "--customers", "11000"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [*run, "load", str(exports), "--db", str(db)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="an existing database (default: make one)")
    parser.add_argument("--metric", default="funnel", help="the metric to time (funnel)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (5)")
    parser.add_argument(
        "--before", type=Path, help="another source tree (a src folder) to time alongside"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ca-startup-") as tmp:
        db = args.db or make_database(Path(tmp))
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            events = con.sql("select count(*) from interactions").fetchall()[0][0]
        todo = with_before(steps(db, args.metric), args.before)
        load_before = os.getloadavg()
        for command, src in todo.values():  # warm-up: file cache, .pyc files
            timed(command, {**os.environ, "PYTHONPATH": src})
        walls: dict[str, list[float]] = {name: [] for name in todo}
        cpus: dict[str, list[float]] = {name: [] for name in todo}
        for _ in range(args.rounds):
            for name, (command, src) in todo.items():
                wall, cpu = timed(command, {**os.environ, "PYTHONPATH": src})
                walls[name].append(wall)
                cpus[name].append(cpu)
        load_after = os.getloadavg()
    floor = next(iter(todo))
    wall0, cpu0 = statistics.median(walls[floor]), statistics.median(cpus[floor])
    print(
        f"start-up, {events:,} interactions, {args.rounds} rounds, {os.cpu_count()} processors, "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; "
        f"medians, ratios to {floor}"
    )
    print(f"{'step':<48} {'wall s':>7} {'x floor':>8} {'cpu s':>7} {'x floor':>8}")
    for name in todo:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"{name:<48} {wall:7.3f} {wall / wall0:8.2f} {cpu:7.3f} {cpu / cpu0:8.2f}")


if __name__ == "__main__":
    main()
