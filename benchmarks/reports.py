"""Benchmark: the full report suite, split into kernel start and computation.

For each database size it runs every report once (sequentially, as ``cycleanalytics report
--all`` does) and, in the same run, a baseline notebook that only starts a kernel and calls
``setup_notebook()`` (imports, plotly.js). Kernel start is the baseline's time; a report's
computation is its time beyond the baseline. Figures are printed as seconds and as ratios to
the baseline, so they compare across machines.

    .venv/bin/python benchmarks/reports.py                         # sample + ~1M events
    .venv/bin/python benchmarks/reports.py --customers 1500        # the sample only
    .venv/bin/python benchmarks/reports.py --customers 1500 110000 1100000   # up to ~10M
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[1500, 110_000])
    parser.add_argument("--months", type=int, default=6)
    args = parser.parse_args()
    names = reports.available_reports()
    print(
        f"{'events':>10} {'kernel s':>9} "
        + " ".join(f"{n[:18]:>18}" for n in names)
        + f" {'suite s':>8} {'compute s':>9}"
    )
    for customers in args.customers:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            data = ca.generate_sample(folder / "data", customers=customers, months=args.months)
            db = folder / "bench.duckdb"
            with ca.Store(db) as store:
                ca.load(store, [p for k, p in data.files.items() if k != "truth"])
                events = store.counts()["interactions"]
            kernel = _baseline(folder, db)
            times = []
            start = time.perf_counter()
            for name in names:
                one = time.perf_counter()
                parameters = {"period": "2026-03"} if name == "executive_summary" else {}
                reports.run_report(name, db=db, out=folder / "out", parameters=parameters)
                times.append(time.perf_counter() - one)
            suite = time.perf_counter() - start
            compute = suite - kernel * len(names)
            cells = " ".join(f"{t:8.1f} s {t / kernel:5.1f}x" for t in times)
            print(f"{events:>10,} {kernel:9.1f} {cells} {suite:8.1f} {compute:9.1f}")
    print("kernel s: a notebook that only starts a kernel and sets up plotly (the baseline);")
    print("report columns: seconds and ratio to the baseline; compute s: suite minus one")
    print("baseline per report (the time spent computing and exporting).")


if __name__ == "__main__":
    main()
