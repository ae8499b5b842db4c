"""Benchmark: the full report suite, split into kernel start and computation.

For each database size it runs every report once, as ``cycleanalytics report --all --jobs N``
does, and, in the same run, a baseline notebook that only starts a kernel and calls
``setup_notebook()`` (imports, plotly.js). Kernel start is the baseline's time; a report's
computation is its time beyond the baseline. Figures are printed as seconds and as ratios to
the baseline, so they compare across machines. ``suite s`` is the wall-clock time of the whole
set; with ``--jobs 2`` two reports run at once, so it is less than the sum of the reports.

    .venv/bin/python benchmarks/reports.py                         # sample + ~1M events
    .venv/bin/python benchmarks/reports.py --customers 1500        # the sample only
    .venv/bin/python benchmarks/reports.py --customers 1500 110000 1100000   # up to ~10M
    .venv/bin/python benchmarks/reports.py --jobs 1 2              # one at a time, then two
    .venv/bin/python benchmarks/reports.py --db big.duckdb --jobs 2   # an existing database
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import nbformat

import cycleanalytics as ca
from cycleanalytics import reports


def _baseline(folder: Path, db: Path) -> float:
    """Seconds to run a notebook that starts a kernel and sets up a report, nothing else."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["cycleanalytics"] = {"min_charts": 0}
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import cycleanalytics as ca\n"
            "from cycleanalytics.notebook import setup_notebook\nsetup_notebook()"
        ),
        nbformat.v4.new_code_cell('db = "x"', metadata={"tags": ["parameters"]}),
    ]
    nbformat.write(nb, folder / "baseline.ipynb")
    original = reports._notebooks_dir
    reports._notebooks_dir = lambda: folder  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        reports.run_report("baseline", db=db, out=folder / "out")
        return time.perf_counter() - start
    finally:
        reports._notebooks_dir = original  # type: ignore[assignment]


def _sample_database(folder: Path, customers: int, months: int) -> Path:
    """Generate the sample with ``customers`` and load it (not timed)."""
    started = time.perf_counter()
    data = ca.generate_sample(folder / "data", customers=customers, months=months)
    db = folder / "bench.duckdb"
    with ca.Store(db) as store:
        ca.load(store, [p for k, p in data.files.items() if k != "truth"])
    print(
        f"{customers:>10,} customers generated and loaded in "
        f"{time.perf_counter() - started:.0f} s (not timed)",
        flush=True,
    )
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[1500, 110_000])
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1], help="reports at once")
    parser.add_argument("--db", type=Path, nargs="+", default=[], help="existing databases")
    args = parser.parse_args()
    names = reports.available_reports()
    print(
        f"{'events':>10} {'jobs':>4} {'kernel s':>9} "
        + " ".join(f"{n[:18]:>18}" for n in names)
        + f" {'suite s':>8} {'compute s':>9}",
        flush=True,
    )
    sizes = [("db", db) for db in args.db] or [("customers", n) for n in args.customers]
    for kind, size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            if kind == "db":
                db = Path(size).resolve()
            else:
                db = _sample_database(folder, int(size), args.months)
            with ca.Store(db, read_only=True) as store:
                events = store.counts()["interactions"]
            kernel = _baseline(folder, db)
            jobs = [
                reports.ReportJob(n, {"period": "2026-03"} if n == "executive_summary" else {})
                for n in names
            ]
            for at_once in args.jobs:
                start = time.perf_counter()
                run = reports.run_reports(
                    jobs, db=db, out=folder / f"out{at_once}", jobs_at_once=at_once
                )
                suite = time.perf_counter() - start
                failed = [f"{o.job.report}: {o.error}" for o in run.outcomes if not o.ok]
                if failed:
                    raise SystemExit("reports failed:\n" + "\n".join(failed))
                times = [o.result.seconds for o in run.outcomes if o.result]
                compute = sum(times) - kernel * len(names)
                cells = " ".join(f"{t:8.1f} s {t / kernel:5.1f}x" for t in times)
                print(
                    f"{events:>10,} {at_once:>4} {kernel:9.1f} {cells} {suite:8.1f} {compute:9.1f}",
                    flush=True,
                )
    print("kernel s: a notebook that only starts a kernel and sets up plotly (the baseline);")
    print("report columns: seconds and ratio to the baseline; suite s: wall clock of the set;")
    print("compute s: the reports' seconds minus one baseline per report.")


if __name__ == "__main__":
    main()
