"""Benchmark: key drivers on the real airline passenger survey (38,847 rows, 14 aspects).

Times, in a fresh process each (best of ``--repeat``): reading the survey with its shipped
map (``read_survey``) and ``key_drivers`` with its defaults (relative weights and exact
Shapley values over 16,383 subsets, 200 bootstrap resamples of both, penalty/reward), and
the split of that time. Prints the load average before and after, wall and CPU seconds, and
the top three drivers. A number to read, never an assertion on time (the goal of issue 16:
under 10 s on the 2-core machine).

    .venv/bin/python benchmarks/drivers.py [--file PATH] [--repeat 3] [--resamples 200]
        [--shapley-resamples N]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

DEFAULT = (
    Path(os.environ.get("CYCLEANALYTICS_REAL_DATA", "/work/shared/data/real"))
    / "airline_passenger_satisfaction_sample/airline_passenger_satisfaction_30pct_sample.csv"
)


def run_once(path: Path, resamples: int, shapley_resamples: int | None) -> dict[str, object]:
    start, cpu = time.perf_counter(), time.process_time()
    import cycleanalytics as ca
    from cycleanalytics.surveys import read_survey

    imported = time.perf_counter()
    table = read_survey(path)
    read = time.perf_counter()
    df = ca.metrics.key_drivers(table, resamples=resamples, shapley_resamples=shapley_resamples)
    done = time.perf_counter()
    return {
        "import_s": imported - start,
        "read_s": read - imported,
        "key_drivers_s": done - read,
        "total_s": done - start,
        "cpu_s": time.process_time() - cpu,
        "rows_used": df.attrs["definition"]["rows_used"],
        "drivers": len(df),
        "top": df.attrs["top_drivers"],
        "r2": float(df["r2"].iloc[0]),
    }


def _worker(path: str, resamples: int, shapley: int | None, queue) -> None:  # type: ignore[no-untyped-def]
    queue.put(run_once(Path(path), resamples, shapley))


def main() -> None:
    import multiprocessing as mp

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--resamples", type=int, default=200)
    parser.add_argument("--shapley-resamples", type=int, default=None)
    args = parser.parse_args()
    if not args.file.exists():
        raise SystemExit(f"the airline survey is not at {args.file}; pass --file PATH")
    print(f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    context = mp.get_context("spawn")  # a fresh interpreter: imports are part of the time
    runs = []
    for _ in range(args.repeat):
        queue = context.Queue()
        proc = context.Process(
            target=_worker, args=(str(args.file), args.resamples, args.shapley_resamples, queue)
        )
        proc.start()
        runs.append(queue.get())
        proc.join()
        r = runs[-1]
        print(
            f"  total {r['total_s']:.2f} s (import {r['import_s']:.2f}, read "
            f"{r['read_s']:.2f}, key_drivers {r['key_drivers_s']:.2f}), CPU {r['cpu_s']:.2f} s"
        )
    best = min(runs, key=lambda r: r["total_s"])
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"best of {args.repeat}: {best['total_s']:.2f} s wall ({best['key_drivers_s']:.2f} s in "
        f"key_drivers) on {best['rows_used']:,} complete rows x {best['drivers']} drivers, "
        f"R² {best['r2']:.3f}; top three: {', '.join(best['top'])}"
    )


if __name__ == "__main__":
    main()
