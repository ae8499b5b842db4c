from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cycleanalytics as ca
from cycleanalytics.schema import TABLES

EXPECTED_TYPES = {
    "interactions": {
        "interaction_id": "VARCHAR",
        "case_id": "VARCHAR",
        "ts": "TIMESTAMP WITH TIME ZONE",
        "stage": "VARCHAR",
        "cost": "DOUBLE",
        "csat": "TINYINT",
        "nps": "TINYINT",
        "ces": "TINYINT",
        "load_id": "BIGINT",
    },
    "complaints": {
        "opened_at": "TIMESTAMP WITH TIME ZONE",
        "resolved_at": "TIMESTAMP WITH TIME ZONE",
        "reopened": "BOOLEAN",
        "csat_after": "TINYINT",
    },
    "customers": {"customer_id": "VARCHAR", "churned_at": "TIMESTAMP WITH TIME ZONE"},
    "loads": {"sha256": "VARCHAR", "rows_read": "BIGINT"},
    "quarantine": {"line": "BIGINT", "reason": "VARCHAR"},
}


def test_creates_canonical_tables_with_types(store):
    for table, expected in EXPECTED_TYPES.items():
        rows = store.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?",
            [table],
        ).fetchall()
        types = dict(rows)
        assert list(types) == list(TABLES[table].column_names)
        for column, sql_type in expected.items():
            assert types[column] == sql_type, (table, column)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "INSERT INTO interactions (interaction_id, case_id, customer_id, ts, csat) "
            "VALUES ('e1', 'c1', 'u1', now(), 6)",
            "CHECK",
        ),
        (
            "INSERT INTO interactions (interaction_id, case_id, customer_id) "
            "VALUES ('e1', 'c1', 'u1')",
            "NOT NULL",
        ),
        (
            "INSERT INTO complaints (complaint_id, customer_id, opened_at, resolved_at) "
            "VALUES ('p1', 'u1', '2026-01-02', '2026-01-01')",
            "CHECK",
        ),
        (
            "INSERT INTO complaints (complaint_id, customer_id, opened_at, recovery_action) "
            "VALUES ('p1', 'u1', '2026-01-02', 'voucher')",
            "CHECK",
        ),
    ],
)
def test_constraints_hold(store, sql, message):
    with pytest.raises(Exception, match=message):
        store.con.execute(sql)


def test_ibis_tables_and_utc(store):
    table = store.table("interactions")
    ts = table.schema()["ts"]
    assert ts.is_timestamp() and ts.timezone == "UTC" and not ts.nullable
    assert store.con.execute("SELECT current_setting('TimeZone')").fetchone()[0] == "UTC"
    with pytest.raises(ca.StoreError, match="unknown table"):
        store.table("tickets")


def test_no_extension_downloads(store):
    setting = store.con.execute("SELECT current_setting('autoinstall_known_extensions')").fetchone()
    assert setting[0] is False


def test_file_store_persists_and_reopens_read_only(tmp_path):
    path = tmp_path / "x.duckdb"
    with ca.Store(path) as store:
        store.con.execute("INSERT INTO customers (customer_id) VALUES ('u1')")
    with ca.Store(path, read_only=True) as store:
        assert store.counts()["customers"] == 1


def test_read_only_needs_an_existing_cycleanalytics_database(tmp_path):
    with pytest.raises(ca.StoreError, match="does not exist"):
        ca.Store(tmp_path / "missing.duckdb", read_only=True)
    import duckdb

    duckdb.connect(str(tmp_path / "other.duckdb")).close()
    with pytest.raises(ca.StoreError, match="not a cycleanalytics database"):
        ca.Store(tmp_path / "other.duckdb", read_only=True)


@pytest.mark.slow
def test_second_writer_gets_database_busy(tmp_path):
    path = tmp_path / "busy.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import cycleanalytics as ca, sys, time; s = ca.Store({str(path)!r}); "
            "print('ready', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(ca.StoreError, match="busy"):
            ca.Store(path)
    finally:
        holder.communicate("", timeout=30)


def test_out_of_core_settings_reach_duckdb(tmp_path):
    with ca.Store(memory_limit="1GB", temp_directory=tmp_path / "spill") as store:
        limit, temp = store.con.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchall()[0]
    assert limit == "953.6 MiB"  # 10^9 bytes, as DuckDB reports it
    assert temp == str(tmp_path / "spill")


def test_scalar_queries_leave_the_connection_usable(funnel_store):
    # DuckDB 2.0 blocks a connection with a partly fetched result; the store must not leave one.
    assert funnel_store.as_of() is not None
    assert funnel_store.counts()["interactions"] == 42
    assert ca.funnel(funnel_store)["reached"].iloc[0] == 10


def test_a_new_database_in_a_new_folder_creates_the_folder(tmp_path):
    path = tmp_path / "some" / "new" / "folder" / "x.duckdb"
    with ca.Store(path) as store:
        assert store.counts()["interactions"] == 0
    assert path.is_file()


def test_a_read_only_database_in_a_missing_folder_is_refused_without_making_it(tmp_path):
    path = tmp_path / "missing" / "x.duckdb"
    with pytest.raises(ca.StoreError, match="does not exist"):
        ca.Store(path, read_only=True)
    assert not path.parent.exists()


def test_a_store_without_a_path_stays_in_memory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with ca.Store() as store:
        assert store.path is None and repr(store) == "Store(':memory:')"
    assert list(tmp_path.iterdir()) == []


# -- what a read-only store remembers (issue #15: a warm call asks the data once) --------------
COMPLAINTS_HEADER = (
    "complaint_id,customer_id,case_id,opened_at,first_response_at,resolved_at,category,"
    "severity,channel,recovery_action,reopened,csat_after,text"
)
#: A complaint later than every time in tests/data/complaints_small.csv (p3's first response,
#: 2026-06-01 14:00, is the latest there).
LATER_COMPLAINT = "p8,u4,,2026-07-01T00:00:00Z,2026-07-01T05:00:00Z,,product,low,web,none,false,,"


def _as_of(store: ca.Store) -> str:
    return ca.metrics.complaints(store).attrs["as_of"]


def test_a_writable_store_asks_its_as_of_again_after_a_load(store, tmp_path):
    data = Path(__file__).parent / "data"
    ca.load(store, [data / "complaints_small.csv"], kind=None)
    assert _as_of(store) == "2026-06-01T14:00:00+00:00"
    later = tmp_path / "later_complaints.csv"
    later.write_text(f"{COMPLAINTS_HEADER}\n{LATER_COMPLAINT}\n")
    ca.load(store, [later], kind=None)
    assert _as_of(store) == "2026-07-01T05:00:00+00:00"


def test_a_read_only_store_asks_its_as_of_once(tmp_path, monkeypatch):
    from cycleanalytics.metrics import _outcomes

    db = tmp_path / "complaints.duckdb"
    with ca.Store(db) as writable:
        ca.load(writable, [Path(__file__).parent / "data" / "complaints_small.csv"], kind=None)
    asked = []
    latest = _outcomes._latest_time
    monkeypatch.setattr(_outcomes, "_latest_time", lambda src: asked.append(1) or latest(src))
    with ca.Store(db, read_only=True) as store:
        assert _as_of(store) == _as_of(store) == "2026-06-01T14:00:00+00:00"
        assert ca.metrics.complaints(store, segment=None, channel="web").attrs["as_of"] == (
            "2026-06-01T14:00:00+00:00"
        )
    assert len(asked) == 1


def test_remembered_computes_each_time_on_a_writable_store(store):
    calls = []
    assert store.remembered(("k",), lambda: calls.append(1) or len(calls)) == 1
    assert store.remembered(("k",), lambda: calls.append(1) or len(calls)) == 2
