"""Benchmark: the full report suite with warm kernels against one kernel per report.

For each database it runs every report twice in the same process, as ``cycleanalytics report
--all --jobs N`` does: first the baseline, one new kernel per report (``fresh_kernels=True``,
the runner before issue 15), then the default, one warm kernel per worker (each report starts
from a new kernel's state but finds the libraries imported). The two runs must give the same
charts and headline figures (to the last bits that DuckDB's parallel sums leave open) before a
ratio is printed. Each row carries the 1-minute load average at its start: the machine is
shared, so compare the ratio of a row, not seconds across rows.

    .venv/bin/python benchmarks/reports.py                           # the sample (13k events)
    .venv/bin/python benchmarks/reports.py --events 10M              # + benchmarks/run.py's log
    .venv/bin/python benchmarks/reports.py --customers 1500 110000   # the sample's generator
    .venv/bin/python benchmarks/reports.py --jobs 1 2                # one at a time, then two
    .venv/bin/python benchmarks/reports.py --db big.duckdb           # an existing database
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import cycleanalytics as ca
from cycleanalytics import reports

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/run.py's generator


def _sample_database(folder: Path, customers: int, months: int) -> Path:
    """Generate the sample with ``customers`` and load it (not timed)."""
    data = ca.generate_sample(folder / "data", customers=customers, months=months)
    db = folder / "bench.duckdb"
    with ca.Store(db) as store:
        ca.load(store, [p for k, p in data.files.items() if k != "truth"])
    return db


def _events_database(folder: Path, events: int) -> Path:
    """benchmarks/run.py's synthetic log of ``events`` events, loaded (not timed)."""
    from run import generate  # benchmarks/run.py

    files = generate(folder / "exports", events, "parquet")
    db = folder / "bench.duckdb"
    with ca.Store(db) as store:
        ca.load(store, [files[k] for k in ("customers", "interactions", "complaints")])
    return db


def _same_results(baseline: reports.RunSet, warm: reports.RunSet) -> None:
    """Raise unless both runs gave every report the same charts and headline figures."""
    for a, b in zip(baseline.outcomes, warm.outcomes, strict=True):
        if not (a.ok and b.ok):
            raise SystemExit(f"{a.job.report} failed: {a.error or b.error}")
        assert a.result is not None and b.result is not None
        if a.result.charts != b.result.charts or a.result.figures.keys() != b.result.figures.keys():
            raise SystemExit(f"{a.job.report}: different charts or figures")
        for key, figure in a.result.figures.items():
            for field, value in figure.items():
                other = b.result.figures[key].get(field)
                close = (
                    math.isclose(value, other, rel_tol=1e-9)
                    if isinstance(value, float) and isinstance(other, float)
                    else value == other
                )
                if not close:
                    raise SystemExit(f"{a.job.report}: {key}.{field} {value!r} != {other!r}")


def _suite(db: Path, out: Path, at_once: int, fresh: bool) -> tuple[float, reports.RunSet]:
    jobs = [
        reports.ReportJob(n, {"period": "last_month"} if n == "executive_summary" else {})
        for n in reports.available_reports()
    ]
    start = time.perf_counter()
    run = reports.run_reports(
        jobs, db=db, out=out, as_of="2026-07-01", jobs_at_once=at_once, fresh_kernels=fresh
    )
    return time.perf_counter() - start, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="*", default=[1500], help="sample sizes")
    parser.add_argument("--events", nargs="*", default=[], help="run.py log sizes, e.g. 10M")
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1], help="reports at once")
    parser.add_argument("--db", type=Path, nargs="+", default=[], help="existing databases")
    args = parser.parse_args()
    from run import parse_size  # benchmarks/run.py

    names = reports.available_reports()
    sizes = [("db", db) for db in args.db] or [
        *(("customers", n) for n in args.customers),
        *(("events", parse_size(e)) for e in args.events),
    ]
    print(
        f"{'events':>10} {'jobs':>4} {'load':>5} {'kernel each s':>13} {'warm s':>7} "
        f"{'ratio':>6}  per report, kernel each / warm (s): {', '.join(names)}",
        flush=True,
    )
    for kind, size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            started = time.perf_counter()
            if kind == "db":
                db = Path(size).resolve()
            elif kind == "customers":
                db = _sample_database(folder, int(size), args.months)
            else:
                db = _events_database(folder, int(size))
            with ca.Store(db, read_only=True) as store:
                events = store.counts()["interactions"]
            made = time.perf_counter() - started
            if kind != "db":
                print(f"{events:>10,} events generated and loaded in {made:.0f} s (not timed)")
            for at_once in args.jobs:
                load = os.getloadavg()[0]
                fresh_s, fresh = _suite(db, folder / f"fresh{at_once}", at_once, fresh=True)
                warm_s, warm = _suite(db, folder / f"warm{at_once}", at_once, fresh=False)
                _same_results(fresh, warm)
                each = ", ".join(
                    f"{a.result.seconds:.1f}/{b.result.seconds:.1f}"
                    for a, b in zip(fresh.outcomes, warm.outcomes, strict=True)
                    if a.result is not None and b.result is not None
                )
                print(
                    f"{events:>10,} {at_once:>4} {load:5.1f} {fresh_s:13.1f} {warm_s:7.1f} "
                    f"{warm_s / fresh_s:6.2f}  {each}",
                    flush=True,
                )
    print("kernel each s: the suite with a new kernel per report (the runner before issue 15);")
    print("warm s: one warm kernel per worker; ratio: warm / kernel each, in the same run;")
    print("load: the 1-minute load average when the pair started (2 cores).")


if __name__ == "__main__":
    main()
