"""Loads stay within the CLI's default memory limit, compressed files included.

DuckDB's CSV reader sizes its buffer from the line limit (16 times it); with the loader's
8 MiB line limit that was 128 MiB per thread, and a gzip CSV of a few hundred rows failed
under `cycleanalytics load`'s default 256MB with "Out of Memory Error". BPIC 2014 (a 2.4 MB
gzip export) hit it first.
"""

from __future__ import annotations

import gzip

import duckdb
from click.testing import CliRunner

from cycleanalytics.cli import main

CSV = "interaction_id,case_id,customer_id,ts,stage,channel\n" + "".join(
    f"i{n},k{n % 80},c{n % 50},2026-01-{1 + n % 28:02d} 10:00:00,initial_interaction,phone\n"
    for n in range(500)
)


def test_a_gzip_csv_loads_under_the_default_memory_limit(tmp_path):
    source = tmp_path / "interactions.csv.gz"
    source.write_bytes(gzip.compress(CSV.encode()))
    db = tmp_path / "cx.duckdb"
    result = CliRunner().invoke(main, ["load", str(source), "--db", str(db)])
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM interactions").fetchone() == (500,)
