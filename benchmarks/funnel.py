"""Benchmark: the ordered funnel through cycleanalytics against hand-written DuckDB SQL.

Generates sample data of growing size, loads it, and times ``ca.funnel`` (Ibis -> DuckDB, plus
the pandas finishing) beside one hand-written SQL query computing the same counts, in the same
run and the same database. Both results are compared before any figure is printed.

    .venv/bin/python benchmarks/funnel.py [--customers 20000 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import cycleanalytics as ca

HAND_SQL = """
WITH ev AS (
    SELECT case_id, ts,
           CASE stage WHEN 'pre_interaction' THEN 1 WHEN 'initial_interaction' THEN 2
                      WHEN 'service_delivery' THEN 3 WHEN 'follow_up' THEN 4 END AS k
    FROM interactions
    WHERE stage IN ('pre_interaction', 'initial_interaction', 'service_delivery', 'follow_up')
),
r1 AS (SELECT case_id, min(ts) AS t FROM ev WHERE k = 1 GROUP BY case_id),
r2 AS (SELECT r.case_id, min(e.ts) AS t FROM r1 r JOIN ev e
       ON e.case_id = r.case_id AND e.k = 2 AND e.ts >= r.t GROUP BY r.case_id),
r3 AS (SELECT r.case_id, min(e.ts) AS t FROM r2 r JOIN ev e
       ON e.case_id = r.case_id AND e.k = 3 AND e.ts >= r.t GROUP BY r.case_id),
r4 AS (SELECT r.case_id, min(e.ts) AS t FROM r3 r JOIN ev e
       ON e.case_id = r.case_id AND e.k = 4 AND e.ts >= r.t GROUP BY r.case_id)
SELECT (SELECT count(*) FROM r1), (SELECT count(*) FROM r2),
       (SELECT count(*) FROM r3), (SELECT count(*) FROM r4)
"""


def best_of(repeat: int, fn) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'events':>10} {'load s':>8} {'SQL s':>8} {'funnel s':>9} {'ratio':>6}")
    for customers in args.customers:
        with tempfile.TemporaryDirectory() as tmp:
            data = ca.generate_sample(Path(tmp) / "data", customers=customers, months=12, seed=1)
            with ca.Store(Path(tmp) / "bench.duckdb") as store:
                start = time.perf_counter()
                ca.load(store, [p for k, p in data.files.items() if k != "truth"])
                load_s = time.perf_counter() - start
                events = store.counts()["interactions"]
                sql_s, sql = best_of(args.repeat, lambda: store.con.execute(HAND_SQL).fetchone())
                lib_s, df = best_of(args.repeat, lambda: ca.funnel(store))
                assert tuple(df["reached"]) == tuple(sql), (tuple(df["reached"]), sql)
                ratio = lib_s / sql_s
                print(f"{events:>10,} {load_s:>8.2f} {sql_s:>8.3f} {lib_s:>9.3f} {ratio:>6.2f}")
    print(f"(best of {args.repeat}; ratio = funnel / hand-written SQL, same run, same database)")


if __name__ == "__main__":
    main()
