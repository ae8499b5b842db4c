"""Benchmark: `cycleanalytics load` (mapping + validation + quarantine) against DuckDB's own
``CREATE TABLE AS SELECT * FROM read_csv(...)`` / ``read_parquet(...)`` of the same file.

Generates interaction exports in a foreign layout (so the load goes through a mapping: renamed
columns, a value map, a timestamp format, activity -> stage rules), then runs, each in a fresh
subprocess on a fresh database so that peak memory (max RSS) is the child's own:

* baseline: ``CREATE TABLE t AS SELECT * FROM read_csv(file)`` (or ``read_parquet``);
* bare insert: DuckDB inserting the same rows into cycleanalytics' ``interactions`` table
  (14 columns, timestamps with time zone, its constraints) with no mapping and no checks:
  what the table alone costs, whatever the loader does;
* cycleanalytics: ``cycleanalytics load FILE --db ... --mapping ...``.

All are measured in the same run; the figure that matters is the ratio to the baseline.

    .venv/bin/python benchmarks/ingest.py [--rows 1000000 10000000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

MAPPING = """
kind = "interactions"
[columns]
interaction_id = "event"
case_id = "ticket"
customer_id = "client"
ts = "created"
activity = "step"
channel = "via"
csat = "rating"
[timestamps]
format = "%Y-%m-%d %H:%M:%S"
timezone = "Europe/Rome"
[values.csat]
"Very satisfied" = 5
[[stages]]
match = "New ticket"
stage = "initial_interaction"
[[stages]]
regex = "^Resolve"
stage = "service_delivery"
"""


def generate(folder: Path, rows: int) -> dict[str, Path]:
    con = duckdb.connect()
    query = f"""
        SELECT 'E' || i AS event, 'T' || (i // 6) AS ticket, 'C' || (i // 60) AS client,
               strftime(TIMESTAMP '2026-01-01' + i * INTERVAL 7 SECOND, '%Y-%m-%d %H:%M:%S')
                   AS created,
               CASE i % 4 WHEN 0 THEN 'New ticket' WHEN 1 THEN 'Resolve ticket'
                          WHEN 2 THEN 'Wait' ELSE 'Closed' END AS step,
               CASE i % 3 WHEN 0 THEN 'web' WHEN 1 THEN 'phone' ELSE 'email' END AS via,
               CASE WHEN i % 10 = 0 THEN 'Very satisfied' WHEN i % 10 = 1 THEN '3'
                    WHEN i % 100003 = 5 THEN 'nine' END AS rating
        FROM range({int(rows)}) t(i)
    """
    paths = {"csv": folder / f"interactions_{rows}.csv", "parquet": folder / f"i_{rows}.parquet"}
    con.execute(f"COPY ({query}) TO '{paths['csv']}' (HEADER, DELIMITER ',')")
    con.execute(f"COPY ({query}) TO '{paths['parquet']}' (FORMAT parquet)")
    return paths


def run_child(args: list[str]) -> tuple[float, float, float]:
    """Run a command; return (seconds, peak memory in MiB, CPU seconds) of that child alone.

    CPU seconds (user + system, all threads) say how much work was done; on a busy machine
    they vary less than the elapsed time does.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{args} failed: {proc.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def baseline(path: Path, fmt: str, db: Path) -> list[str]:
    reader = "read_csv" if fmt == "csv" else "read_parquet"
    code = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
        f'con.execute("CREATE TABLE t AS SELECT * FROM {reader}(?)", [sys.argv[2]])'
    )
    return [sys.executable, "-c", code, str(db), str(path)]


def bare(path: Path, fmt: str, db: Path) -> list[str]:
    reader = "read_csv(?, all_varchar = true)" if fmt == "csv" else "read_parquet(?)"
    code = (
        "import sys; from cycleanalytics.store import Store; store = Store(sys.argv[1]); "
        'store.con.execute("INSERT INTO interactions (interaction_id, case_id, customer_id, '
        "ts, activity, channel, load_id) SELECT event, ticket, client, "
        "strptime(created, '%Y-%m-%d %H:%M:%S')::TIMESTAMPTZ, step, via, 1 "
        f'FROM {reader}", [sys.argv[2]]); store.close()'
    )
    return [sys.executable, "-c", code, str(db), str(path)]


def ours(path: Path, mapping: Path, db: Path) -> list[str]:
    cli = Path(sys.executable).with_name("cycleanalytics")
    return [str(cli), "load", str(path), "--db", str(db), "--mapping", str(mapping)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        mapping = folder / "mapping.toml"
        mapping.write_text(MAPPING, encoding="utf-8")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(
            f"{'rows':>11} {'format':>8} {'file MiB':>9} {'duckdb s':>9} {'bare s':>7} "
            f"{'ours s':>7} {'bare ratio':>11} {'ratio':>6} {'duckdb MiB':>11} {'ours MiB':>9} "
            f"{'duckdb cpu':>11} {'ours cpu':>9} {'cpu ratio':>10}"
        )
        for rows in args.rows:
            paths = generate(folder, rows)
            for fmt, path in paths.items():
                best: dict[str, tuple[float, float, float]] = {}
                for i in range(args.repeat):
                    for name, cmd in (
                        ("duckdb", baseline(path, fmt, folder / f"b{i}.duckdb")),
                        ("bare", bare(path, fmt, folder / f"n{i}.duckdb")),
                        ("ours", ours(path, mapping, folder / f"o{i}.duckdb")),
                    ):
                        got = run_child(cmd)
                        if name not in best or got[0] < best[name][0]:
                            best[name] = got
                    for db in folder.glob("*.duckdb*"):
                        db.unlink()
                size = path.stat().st_size / 2**20
                duck, floor, load = best["duckdb"], best["bare"], best["ours"]
                print(
                    f"{rows:>11,} {fmt:>8} {size:>9.0f} {duck[0]:>9.2f} {floor[0]:>7.2f} "
                    f"{load[0]:>7.2f} {floor[0] / duck[0]:>11.2f} {load[0] / duck[0]:>6.2f} "
                    f"{duck[1]:>11.0f} {load[1]:>9.0f} {duck[2]:>11.2f} {load[2]:>9.2f} "
                    f"{load[2] / duck[2]:>10.2f}",
                    flush=True,
                )
            for path in paths.values():
                path.unlink()
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
