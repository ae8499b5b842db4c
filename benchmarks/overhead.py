"""Per-call overhead (issue #15, "every metric at 100k: overhead under 50 ms per call"): a warm
metric call beside ONE hand-written DuckDB query for the same numbers, in the same process.

The difference ``metric - hand SQL`` is what cycleanalytics adds to a call (building and
compiling the Ibis expression, the data checks, the result contract and tidying, pandas); at
100k events DuckDB's own work is a few milliseconds, so the overhead is most of a call. Each
source tree is timed in fresh worker processes (import, open the store, two warm-up calls of
every task, then the best of ``--repeat`` calls, the metric and its query in turn); with
``--before`` another tree (e.g. the code before a change) is timed in the same rounds, tree
after tree (A B A B ...), so that a machine whose load drifts disturbs both alike. The results
of the metric and of its query are checked equal before anything is printed.

The store is opened read-only, as reports and the CLI open it, so an equal call would be
served from the results shared on that file (``metrics._shared``) without computing anything:
the workers turn that off, to time what a call computes, unless ``--shared`` is given.

    .venv/bin/python benchmarks/overhead.py                       # makes a 100k-event database
    .venv/bin/python benchmarks/overhead.py --db big.duckdb --metrics satisfaction cost
    .venv/bin/python benchmarks/overhead.py --before /tmp/base/src --rounds 3

Figures are wall-clock milliseconds (best of the rounds) and CPU milliseconds of the process
(all threads) for the same calls. Quote them with the load average printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = str(HERE.parent / "src")
#: The small metrics of docs/benchmarks.md's table, each with a hand-written query.
DEFAULT_METRICS = (
    "satisfaction",
    "cost",
    "resolution_time",
    "complaints",
    "complaint_backlog",
    "funnel",
)


def worker(
    db: Path, metrics: list[str], repeat: int, shared: bool = False
) -> dict[str, dict[str, float]]:
    """In this process: per metric, the best wall and CPU seconds of a warm call of the metric
    (through its comparable task) and of its hand-written query, checked equal."""
    sys.path.insert(0, str(HERE))
    import run  # benchmarks/run.py: the tasks and their hand-written queries

    import cycleanalytics as ca

    try:
        from cycleanalytics.metrics import _shared
    except ImportError:  # a tree before shared results
        _shared = None
    if _shared is not None and not shared:
        _shared.SHARED_SIZE = 0  # nothing is kept

    tasks = run.baseline_tasks()
    found: dict[str, dict[str, float]] = {}
    with ca.Store(db, read_only=True) as store:
        for name in metrics:
            lib, peers, equal = tasks[name]
            sql = peers["hand SQL"]
            for _ in range(2):  # warm-up: imports, first compilation, DuckDB's caches
                got, want = lib(store), sql(store)
            if not equal(got, want):
                raise SystemExit(f"{name}: the metric and its hand-written query differ")
            best = {"lib": float("inf"), "sql": float("inf")}
            cpu = {"lib": float("inf"), "sql": float("inf")}
            for _ in range(repeat):
                for kind, task in (("lib", lib), ("sql", sql)):
                    wall0, cpu0 = time.perf_counter(), time.process_time()
                    task(store)
                    best[kind] = min(best[kind], time.perf_counter() - wall0)
                    cpu[kind] = min(cpu[kind], time.process_time() - cpu0)
            found[name] = {**best, "cpu_lib": cpu["lib"], "cpu_sql": cpu["sql"]}
    return found


def run_tree(
    src: str, db: Path, metrics: list[str], repeat: int, shared: bool
) -> dict[str, dict[str, float]]:
    """:func:`worker` in a fresh process that imports cycleanalytics from ``src``."""
    env = {**os.environ, "PYTHONPATH": src}
    command = [sys.executable, __file__, "--worker", "--db", str(db), "--repeat", str(repeat)]
    command += ["--shared"] if shared else []
    out = subprocess.run(
        [*command, "--metrics", *metrics], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_db(folder: Path, events: int) -> Path:
    """A store of ``events`` synthetic events (benchmarks/run.py's generator), loaded."""
    sys.path.insert(0, str(HERE))
    import run

    import cycleanalytics as ca

    files = run.generate(folder / "exports", events)
    db = folder / "overhead.duckdb"
    with ca.Store(db) as store:
        ca.load(store, list(files.values()))
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None, help="an existing store to time")
    parser.add_argument("--events", default="100k", help="size of the generated store (100k)")
    parser.add_argument("--metrics", nargs="+", default=list(DEFAULT_METRICS))
    parser.add_argument("--repeat", type=int, default=10, help="calls per process (best of)")
    parser.add_argument("--rounds", type=int, default=3, help="worker processes per tree")
    parser.add_argument("--before", default=None, help="another source tree, timed alike")
    parser.add_argument(
        "--shared", action="store_true", help="let equal calls share one result (metrics._shared)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.db, args.metrics, args.repeat, args.shared)))
        return
    sys.path.insert(0, str(HERE))
    from run import parse_size

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or make_db(Path(tmp), parse_size(args.events))
        trees = {"after": SRC} if args.before is None else {"before": args.before, "after": SRC}
        print(f"load average {os.getloadavg()[0]:.1f} at start; {args.rounds} rounds")
        best: dict[str, dict[str, dict[str, float]]] = {tree: {} for tree in trees}
        for _ in range(args.rounds):
            for tree, src in trees.items():
                found = run_tree(src, db, args.metrics, args.repeat, args.shared)
                for name, times in found.items():
                    kept = best[tree].setdefault(name, dict(times))
                    for key, value in times.items():
                        kept[key] = min(kept[key], value)
    print(_table(best))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


def _table(best: dict[str, dict[str, dict[str, float]]]) -> str:
    """One line per metric and tree: ms of the metric, of its query, the overhead, CPU ms."""
    lines = [
        f"{'metric':<20} {'tree':<7} {'metric ms':>9} {'SQL ms':>7} {'overhead':>9} "
        f"{'CPU ms':>7} {'CPU SQL':>8} {'vs before':>9}"
    ]
    for name in next(iter(best.values())):
        base: dict[str, Any] | None = best.get("before", {}).get(name)
        for tree, results in best.items():
            t = results[name]
            ratio = f"{t['lib'] / base['lib']:>9.2f}" if base and tree == "after" else " " * 9
            lines.append(
                f"{name:<20} {tree:<7} {t['lib'] * 1e3:>9.1f} {t['sql'] * 1e3:>7.1f} "
                f"{(t['lib'] - t['sql']) * 1e3:>9.1f} {t['cpu_lib'] * 1e3:>7.1f} "
                f"{t['cpu_sql'] * 1e3:>8.1f} {ratio}"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
