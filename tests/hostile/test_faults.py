"""Faults of the machine, not of the data (#17): a full disk, a damaged database, too little
memory. Each is one line and an exit code, never a traceback, and a load that meets one
leaves the database file as it was.

The full disk is a file-size limit (``RLIMIT_FSIZE``, what ``ulimit -f`` sets) on a child
process: writing past it fails with EFBIG exactly where a full disk fails with ENOSPC,
with no root, loop device or small file system needed (SIGXFSZ is ignored so that the
write fails instead of killing the process).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import cycleanalytics as ca
from cycleanalytics.cli import main
from cycleanalytics.errors import engine_fault

HEADER = "interaction_id,case_id,customer_id,ts,activity,cost"
SRC = str(Path(ca.__file__).resolve().parents[1])


def _sample_db(db: Path) -> dict[str, int]:
    with ca.Store(db) as store:
        ca.load(store, ca.sample_dir())
        return store.counts()


def _big_csv(path: Path, rows: int) -> Path:
    """Enough rows that DuckDB writes their blocks to the database file before the commit
    (more than a row group of 122,880)."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER + "\n")
        for i in range(rows):
            fh.write(f"x{i},c{i % 700},u{i % 50},2026-01-05T10:00:00Z,Kontak awal {i},1.5\n")
    return path


def _limit_file_size(limit: int):
    def apply() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # inherited: writes fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    return apply


def test_a_full_disk_names_the_folder_and_leaves_the_database_as_it_was(tmp_path):
    db = tmp_path / "t.duckdb"
    before_counts = _sample_db(db)
    before = db.read_bytes()
    big = _big_csv(tmp_path / "interactions_big.csv", 300_000)
    run = subprocess.run(
        [sys.executable, "-m", "cycleanalytics", "load", str(big), "--db", str(db)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
        preexec_fn=_limit_file_size(len(before) + (1 << 20)),
        timeout=600,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 4, output
    assert "Traceback" not in output and "aborted" not in output
    assert "cannot read it as CSV" not in output  # the file is not to blame
    assert f"t.duckdb in {tmp_path}" in output and "the disk mounted at" in output
    assert "nothing was loaded" in output
    # the blocks DuckDB wrote for the load before it failed are given back: byte for byte
    assert db.read_bytes() == before
    assert not db.with_name("t.duckdb.wal").exists()
    with ca.Store(db) as store:
        assert store.counts() == before_counts
        ca.load(store, big)  # and with room again, the load goes through
        assert store.counts()["interactions"] == before_counts["interactions"] + 300_000


def test_a_disk_full_at_the_checkpoint_keeps_the_committed_load_in_its_log(tmp_path):
    """A small load whose log fits but whose checkpoint (when the store closes) cannot grow
    the file: the load is committed in the write-ahead log, exit 0, and the next open
    applies it; nothing is lost and nothing is trimmed."""
    db = tmp_path / "t.duckdb"
    before = _sample_db(db)
    small = _big_csv(tmp_path / "interactions_small.csv", 3_000)
    run = subprocess.run(
        [sys.executable, "-m", "cycleanalytics", "load", str(small), "--db", str(db)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
        preexec_fn=_limit_file_size(db.stat().st_size),
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert db.with_name("t.duckdb.wal").stat().st_size > 0
    with ca.Store(db, read_only=True) as store:
        assert store.counts()["interactions"] == before["interactions"] + 3_000


def test_a_failed_load_gives_back_only_when_nothing_else_was_written(tmp_path):
    """The tail is cut only when the file's headers are those of the mark: after a later
    load commits (and the close checkpoints it), the grown file is left whole."""
    db = tmp_path / "t.duckdb"
    counts = _sample_db(db)
    big = _big_csv(tmp_path / "interactions_big.csv", 200_000)
    with ca.Store(db) as store:
        store.trim_on_close(store.file_mark())  # as a failed load does
        ca.load(store, big)  # then a load that commits
    with ca.Store(db, read_only=True) as store:
        assert store.counts()["interactions"] == counts["interactions"] + 200_000
        assert store.con.execute("SELECT count(DISTINCT activity) FROM interactions").fetchone()


def test_no_space_left_names_the_folder_and_its_disk(tmp_path):
    error = engine_fault(
        duckdb.IOException(
            f'IO Error: Could not write file "{tmp_path}/x.duckdb.tmp/spill.block": '
            "No space left on device"
        ),
        tmp_path / "x.duckdb",
        "nothing was loaded",
    )
    assert error.exit_code == 4
    assert str(error).startswith(f"the disk is full: no room to write in {tmp_path}/x.duckdb.tmp")
    assert "the disk mounted at" in str(error) and "MiB free" in str(error)


def test_a_database_under_a_file_is_exit_5_and_nothing_is_made(tmp_path):
    (tmp_path / "afile").write_text("mine", encoding="utf-8")
    export = tmp_path / "interactions.csv"
    export.write_text(HEADER + "\ne1,c1,u1,2026-01-05T10:00:00Z,x,1\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["load", str(export), "--db", str(tmp_path / "afile" / "x.duckdb")]
    )
    assert result.exit_code == 5, result.output
    assert "cannot create the folder of database" in result.output
    assert "a folder on its path is a file" in result.output
    assert "Traceback" not in result.output
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "mine"


# -- out of memory --------------------------------------------------------------------------------
def test_a_metric_out_of_memory_is_exit_6_with_the_setting_to_raise(tmp_path):
    db = tmp_path / "t.duckdb"
    _sample_db(db)
    result = CliRunner().invoke(
        main, ["metric", "directly_follows", "--db", str(db), "--memory-limit", "1MB"]
    )
    assert result.exit_code == 6, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "DuckDB ran out of memory" in result.output
    assert "Raise --memory-limit" in result.output
    assert "CYCLEANALYTICS_MEMORY_LIMIT" in result.output
    # the same with room is a result
    assert CliRunner().invoke(main, ["metric", "directly_follows", "--db", str(db)]).exit_code == 0


def test_a_metric_memory_limit_that_is_not_an_amount_is_exit_2(tmp_path):
    db = tmp_path / "t.duckdb"
    _sample_db(db)
    result = CliRunner().invoke(
        main, ["metric", "funnel", "--db", str(db), "--memory-limit", "lots"]
    )
    assert result.exit_code == 2
    assert "--memory-limit 'lots' is not an amount of memory" in result.output


# -- damaged databases ----------------------------------------------------------------------------
def _zero_block_of(db: Path, table: str, column: str) -> int:
    """Zero the block holding ``table.column``'s data in ``db``; returns its id. The block is
    asserted not to hold the columns a load reads (ids, load ids)."""
    with duckdb.connect(str(db), read_only=True) as con:
        blocks = dict(
            con.execute(
                "SELECT column_name, list(DISTINCT block_id) FROM pragma_storage_info($t) "
                "WHERE block_id >= 0 GROUP BY column_name",
                {"t": table},
            ).fetchall()
        )
        size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
    (block,) = blocks[column]
    assert block not in blocks.get("interaction_id", []) + blocks.get("load_id", [])
    data = bytearray(db.read_bytes())
    start = 3 * 4096 + block * size  # after DuckDB's three 4 KiB headers
    data[start : start + size] = bytes(size)
    db.write_bytes(bytes(data))
    return block


def test_a_damaged_block_is_exit_5_in_one_line_where_it_is_read(tmp_path):
    """A zeroed block of old rows' costs: a load that does not read it goes through and
    reads back what it committed; the first command that reads it says the file is damaged
    (exit 5, one line), where it used to print a traceback."""
    db = tmp_path / "t.duckdb"
    _sample_db(db)
    _zero_block_of(db, "interactions", "cost")
    export = tmp_path / "new" / "interactions_new.csv"
    export.parent.mkdir()
    export.write_text(HEADER + "\nn1,c1,u1,2026-01-05T10:00:00Z,x,1\n", encoding="utf-8")
    loaded = CliRunner().invoke(main, ["load", str(export), "--db", str(db)])
    assert loaded.exit_code == 0, loaded.output
    result = CliRunner().invoke(main, ["metric", "cost", "--db", str(db)])
    assert result.exit_code == 5, result.output
    assert result.output.startswith("Error: the database file is damaged (Corrupt database file")
    assert len(result.output.strip().splitlines()) == 1
    assert "Restore it from a copy" in result.output


def test_a_load_reads_back_what_it_committed(tmp_path):
    """The read-back compares the counts a load reports with what the database holds under
    its load id; a difference is exit 5."""
    from cycleanalytics.ingest.load import _check_committed

    with ca.Store(tmp_path / "t.duckdb") as store:
        result = ca.load(store, ca.sample_dir())
        _check_committed(store, list(result.files))  # as the load did: all equal
        f = result.files[0]
        wrong = dataclasses.replace(f, rows_loaded=f.rows_loaded + 1)
        with pytest.raises(ca.StoreError, match=f"does not hold what load {f.load_id}") as info:
            _check_committed(store, [wrong])
        assert info.value.exit_code == 5
        assert f"{f.rows_loaded + 1:,} rows and 0 quarantined were written" in str(info.value)


def test_the_read_back_allows_for_rows_a_later_file_updated(tmp_path):
    """Policy update across two files of one call: e1 of the first file is replaced by the
    second's, so one row of load 1 is left under its id. Not damage."""
    head = HEADER + "\n"
    first = tmp_path / "interactions_1.csv"
    first.write_text(
        head + "e1,c1,u1,2026-01-05T10:00:00Z,a,1\ne2,c1,u1,2026-01-05T11:00:00Z,a,1\n"
    )
    second = tmp_path / "interactions_2.csv"
    second.write_text(
        head + "e1,c1,u1,2026-01-05T10:00:00Z,b,2\ne3,c1,u1,2026-01-05T12:00:00Z,a,1\n"
    )
    with ca.Store() as store:
        result = ca.load(store, [first, second], policy="update")
        assert [(f.rows_loaded, f.rows_updated) for f in result.files] == [(2, 0), (2, 1)]
        assert store.con.execute(
            "SELECT interaction_id, activity, load_id FROM interactions ORDER BY 1"
        ).fetchall() == [("e1", "b", 2), ("e2", "a", 1), ("e3", "a", 2)]


# -- the load summary -----------------------------------------------------------------------------
def test_the_summary_says_which_earlier_load_a_file_replaced(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("id,case,who,when\ne1,c1,u1,2026-01-05T10:00:00Z\n", encoding="utf-8")
    head = 'kind = "interactions"\n[columns]\ninteraction_id = "id"\ncase_id = "case"\n'
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(head + 'customer_id = "case"\nts = "when"\n', encoding="utf-8")
    right = tmp_path / "right.toml"
    right.write_text(head + 'customer_id = "who"\nts = "when"\n', encoding="utf-8")
    db = str(tmp_path / "t.duckdb")
    first = CliRunner().invoke(main, ["load", str(path), "--mapping", str(wrong), "--db", db])
    assert first.exit_code == 0 and "replaced" not in first.output
    again = CliRunner().invoke(main, ["load", str(path), "--mapping", str(right), "--db", db])
    assert again.exit_code == 0, again.output
    assert f"{path}: replaced what load(s) 1 stored from the same file" in again.output


def test_the_summary_counts_local_times_said_twice(tmp_path):
    path = tmp_path / "export.csv"
    rows = [f"e{i},c1,u1,2026-10-25 0{i}:30:00,x,1" for i in range(4)]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        'kind = "interactions"\n[columns]\ninteraction_id = "interaction_id"\n'
        '[timestamps]\nformat = "%Y-%m-%d %H:%M:%S"\ntimezone = "Europe/Rome"\n'
        'ambiguous = "earlier"\n',
        encoding="utf-8",
    )
    db = str(tmp_path / "t.duckdb")
    result = CliRunner().invoke(main, ["load", str(path), "--mapping", str(mapping), "--db", db])
    assert result.exit_code == 0, result.output
    assert (
        f"{path}: 1 row(s) with a local time said twice (summer time ending) read as the "
        'earlier instant ([timestamps] ambiguous = "earlier"' in result.output
    )


def test_the_tail_is_not_cut_while_another_process_holds_the_database(tmp_path):
    """The trim takes DuckDB's own lock: a database another process has open is left as it
    is, even when its headers match."""
    from cycleanalytics.store import _HEADERS, _give_back

    db = tmp_path / "t.duckdb"
    _sample_db(db)
    size = db.stat().st_size
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb\n"
            f"con = duckdb.connect({str(db)!r})\n"
            "print('open', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with db.open("rb") as fh:  # (this test's own descriptor holds no DuckDB lock)
            headers = fh.read(_HEADERS)
        _give_back(db, size - 4096, headers)
        assert db.stat().st_size == size
    finally:
        holder.communicate("", timeout=60)
    _give_back(db, size - 4096, headers)  # once let go, the same call cuts
    assert db.stat().st_size == size - 4096
