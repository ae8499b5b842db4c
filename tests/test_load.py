from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cycleanalytics as ca

DATA = Path(__file__).parent / "data"
HEADER = "interaction_id,case_id,customer_id,ts,stage,activity,channel,csat\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_and_reports_rows_per_table(store):
    result = ca.load(store, [DATA / "funnel_cases.csv", DATA / "funnel_customers.csv"])
    by_table = result.by_table().set_index("table")
    assert by_table.loc["interactions", "rows_read"] == 42
    assert by_table.loc["interactions", "rows_loaded"] == 42
    assert by_table.loc["customers", "rows_loaded"] == 10
    assert store.counts()["interactions"] == 42
    loads = store.con.execute(
        "SELECT kind, rows_read, rows_loaded, rows_quarantined, rows_skipped "
        "FROM loads ORDER BY load_id"
    ).fetchall()
    assert loads == [("interactions", 42, 42, 0, 0), ("customers", 10, 10, 0, 0)]
    # Every loaded row says which load brought it.
    assert (
        store.con.execute("SELECT count(*) FROM interactions WHERE load_id = 1").fetchone()[0] == 42
    )


def test_values_are_typed_and_utc(store, tmp_path):
    path = write(
        tmp_path,
        "interactions.csv",
        HEADER + "e1,c1,u1,2026-03-29T02:30:00+02:00,follow_up,Survey,web,4\n",
    )
    ca.load(store, path)
    ts, csat, stage = store.con.execute("SELECT ts, csat, stage FROM interactions").fetchone()
    assert ts.isoformat() == "2026-03-29T00:30:00+00:00"
    assert csat == 4 and stage == "follow_up"


def test_loading_the_same_file_twice_adds_nothing(store):
    ca.load(store, DATA / "funnel_cases.csv")
    again = ca.load(store, DATA / "funnel_cases.csv")
    assert again.rows_loaded == 0
    assert again.files[0].already_loaded
    assert store.counts()["interactions"] == 42
    assert store.counts()["loads"] == 1


def test_overlapping_export_keeps_rows_already_loaded(store, tmp_path):
    first = write(
        tmp_path, "interactions_1.csv", HEADER + "e1,c1,u1,2026-01-01T00:00:00Z,,x,web,\n"
    )
    second = write(
        tmp_path,
        "interactions_2.csv",
        HEADER
        + "e1,c1,u1,2026-01-01T00:00:00Z,,changed,web,\ne2,c1,u1,2026-01-02T00:00:00Z,,y,web,\n",
    )
    ca.load(store, first)
    result = ca.load(store, second)
    f = result.files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_skipped) == (2, 1, 1)
    assert (
        store.con.execute(
            "SELECT activity FROM interactions WHERE interaction_id = 'e1'"
        ).fetchone()[0]
        == "x"
    )


def test_stage_is_derived_from_activity_when_absent(store, tmp_path):
    path = write(
        tmp_path,
        "interactions.csv",
        "interaction_id,case_id,customer_id,ts,activity\n"
        "e1,c1,u1,2026-01-01T00:00:00Z,Pra-interaksi\n"
        "e2,c1,u1,2026-01-01T01:00:00Z,  FIRST contact \n"
        "e3,c1,u1,2026-01-01T02:00:00Z,Internal note\n",
    )
    ca.load(store, path)
    stages = store.con.execute("SELECT stage FROM interactions ORDER BY interaction_id").fetchall()
    assert stages == [("pre_interaction",), ("initial_interaction",), (None,)]


ALIASES = sorted(ca.default_model().alias_map())
WHITE = st.text(alphabet=" \t\n\r\f", min_size=1, max_size=3)


@st.composite
def labels(draw: st.DrawFn) -> str:
    """An alias (or a word that is none) in random case, with white space around and inside."""
    words = draw(st.sampled_from([*ALIASES, "internal note", "wait"])).split(" ")
    words = ["".join(draw(st.sampled_from([c.lower(), c.upper()])) for c in w) for w in words]
    gaps = [draw(st.one_of(st.just(""), WHITE)) for _ in range(2)]
    inner = [draw(st.one_of(st.just(" "), WHITE)) for _ in words[1:]]
    return gaps[0] + "".join(w + g for w, g in zip(words, [*inner, ""], strict=True)) + gaps[1]


@settings(max_examples=40, deadline=None)
@given(activities=st.lists(labels(), min_size=1, max_size=20))
def test_derived_stages_agree_with_the_model(activities):
    """The SQL that derives stages on load classifies a label as CycleModel.stage_of does."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "interaction_id": [f"e{i}" for i in range(len(activities))],
            "case_id": "c1",
            "customer_id": "u1",
            "ts": "2026-01-01T00:00:00Z",
            "activity": activities,
        }
    )
    model = ca.default_model()
    with ca.Store() as store, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "interactions.parquet"
        frame.to_parquet(path)
        ca.load(store, path)
        got = store.con.execute("SELECT stage FROM interactions ORDER BY interaction_id").fetchall()
    expected = sorted(zip(frame["interaction_id"], map(model.stage_of, activities), strict=True))
    assert [g[0] for g in got] == [stage for _, stage in expected]


# Row-level problems: the row goes to quarantine with the same explanation that used to stop
# the load (line, column, what was expected, what was found); the other rows load.
ROW_PROBLEMS = [
    (
        HEADER + "e1,c1,u1,2026-01-01T00:00:00Z,,x,web,\ne2,c1,u1,yesterday,,x,web,\n",
        3,
        r"line 3, column 'ts': found 'yesterday', expected a timestamp",
    ),
    (
        HEADER + "e1,c1,u1,2026-01-01T00:00:00Z,,x,web,7\n",
        2,
        r"line 2, column 'csat': found '7', expected a value with csat BETWEEN 1 AND 5",
    ),
    (
        HEADER + "e1,c1,u1,2026-01-01T00:00:00Z,,x,web,good\n",
        2,
        r"line 2, column 'csat': found 'good', expected a whole number",
    ),
    (
        HEADER + "e1,,u1,2026-01-01T00:00:00Z,,x,web,\n",
        2,
        r"line 2, column 'case_id': the value is empty, but it is required",
    ),
    (
        HEADER + "e1,c1,u1,2026-01-01T00:00:00Z,folow_up,x,web,\n",
        2,
        r"line 2, column 'stage': 'folow_up' is not a stage .* did you mean 'follow_up'",
    ),
    (
        HEADER + "e1,c1,u1,2026-01-01T00:00:00Z,,x,web,\ne1,c1,u1,2026-01-02T00:00:00Z,,x,web,\n",
        3,
        r"lines 2 and 3: interaction_id 'e1' appears more than once; line 2 was kept",
    ),
]


@pytest.mark.parametrize(("body", "line", "message"), ROW_PROBLEMS)
def test_bad_rows_are_quarantined_with_line_column_and_reason(store, tmp_path, body, line, message):
    path = write(tmp_path, "interactions.csv", body)
    result = ca.load(store, path, max_quarantined=1)  # one row in two, or the only one
    f = result.files[0]
    rows = body.count("\n") - 1
    assert (f.rows_read, f.rows_quarantined, f.rows_loaded) == (rows, 1, rows - 1)
    file, got_line, record, reason = store.con.execute(
        "SELECT file, line, record, reason FROM quarantine"
    ).fetchone()
    assert file == str(path) and got_line == line
    assert re.search(message, reason), reason
    # The raw record is kept as it was in the file.
    raw = body.splitlines()[line - 1].split(",")
    assert list(json.loads(record).values()) == [v if v else None for v in raw]
    assert store.con.execute(
        "SELECT rows_read = rows_loaded + rows_quarantined + rows_skipped FROM loads"
    ).fetchone() == (True,)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "interaction_id,case_id,customer_id,timestamp\ne1,c1,u1,2026-01-01\n",
            r"required column 'ts' is missing. The file has 'timestamp': rename it to 'ts'",
        ),
        (
            "interaction_id,case_id,customer_id,ts,chanel\ne1,c1,u1,2026-01-01,web\n",
            r"column 'chanel' is not a column of interactions. Did you mean 'channel'\?",
        ),
    ],
)
def test_file_problems_stop_the_load_with_file_and_fix(store, tmp_path, body, message):
    path = write(tmp_path, "interactions.csv", body)
    with pytest.raises(ca.LoadError, match=message) as info:
        ca.load(store, path)
    assert "interactions.csv" in str(info.value)


def test_failed_load_leaves_the_database_unchanged(store, tmp_path):
    good = write(tmp_path, "customers.csv", "customer_id,segment\nu1,consumer\n")
    bad_row = write(tmp_path, "interactions_1.csv", HEADER + "e1,c1,u1,not a time,,x,web,\n")
    bad_file = write(tmp_path, "interactions_2.csv", "interaction_id,case_id\ne1,c1\n")
    ca.load(store, DATA / "funnel_cases.csv")
    before = store.counts()
    with pytest.raises(ca.LoadError, match="required column 'customer_id' is missing"):
        ca.load(store, [good, bad_row, bad_file], max_quarantined=1)
    assert store.counts() == before  # not even the quarantined row of the second file
    # Nothing half-done stays behind: the same good file loads normally afterwards.
    assert ca.load(store, good).rows_loaded == 1


def test_policy_keep_or_update_for_ids_already_present(store, tmp_path):
    """Hand-made: e1 is in both exports with a different activity; e2 only in the second."""
    first = write(
        tmp_path, "interactions_1.csv", HEADER + "e1,c1,u1,2026-01-01T00:00:00Z,,x,web,\n"
    )
    second = write(
        tmp_path,
        "interactions_2.csv",
        HEADER
        + "e1,c1,u1,2026-01-01T00:00:00Z,,changed,web,\ne2,c1,u1,2026-01-02T00:00:00Z,,y,web,\n",
    )
    ca.load(store, first)
    f = ca.load(store, second, policy="update").files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_updated, f.rows_skipped) == (2, 2, 1, 0)
    activity = "SELECT activity FROM interactions WHERE interaction_id = 'e1'"
    assert store.con.execute(activity).fetchone() == ("changed",)
    assert store.counts()["interactions"] == 2
    assert store.con.execute(
        "SELECT policy, rows_updated FROM loads WHERE load_id = 2"
    ).fetchone() == (
        "update",
        1,
    )
    with pytest.raises(ca.LoadError, match="unknown policy 'merge'; use one of: keep, update"):
        ca.load(store, second, policy="merge")


def test_kind_from_name_header_or_argument(store, tmp_path):
    by_header = write(
        tmp_path, "export.csv", "complaint_id,customer_id,opened_at\np1,u1,2026-01-01\n"
    )
    assert ca.load(store, by_header).files[0].kind == "complaints"
    unknown = write(tmp_path, "other.csv", "a,b\n1,2\n")
    with pytest.raises(ca.LoadError, match="cannot tell which table"):
        ca.load(store, unknown)
    forced = write(tmp_path, "people.csv", "customer_id\nu9\n")
    assert ca.load(store, forced, kind="customers").files[0].kind == "customers"


def test_paths_that_cannot_be_loaded(store, tmp_path):
    with pytest.raises(ca.LoadError, match="no such file"):
        ca.load(store, tmp_path / "missing.csv")
    with pytest.raises(ca.LoadError, match="holds no"):
        ca.load(store, tmp_path)
    (tmp_path / "x.docx").write_bytes(b"PK")
    with pytest.raises(ca.LoadError, match=r"cannot load \.docx files; supported: \.csv"):
        ca.load(store, tmp_path / "x.docx")


def big_interactions(path: Path, rows: int) -> Path:
    import duckdb

    duckdb.connect().execute(
        "COPY (SELECT 'e' || i AS interaction_id, 'c' || (i // 5) AS case_id, "
        "'u' || (i // 50) AS customer_id, TIMESTAMPTZ '2026-01-01 00:00:00+00' "
        "+ i * INTERVAL 1 SECOND AS ts, 'Browse' AS activity FROM range(?) t(i)) TO ? "
        "(HEADER, DELIMITER ',')",
        [rows, str(path)],
    )
    return path


@pytest.mark.slow
def test_sigkill_mid_load_leaves_the_database_as_before_and_busy_is_clean(tmp_path):
    import signal
    import subprocess
    import sys

    from click.testing import CliRunner

    from cycleanalytics.cli import main

    db = tmp_path / "kill.duckdb"
    with ca.Store(db) as store:
        ca.load(store, DATA / "funnel_cases.csv")
        before = store.counts()
    big = big_interactions(tmp_path / "interactions_big.csv", 1_500_000)
    loader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, cycleanalytics as ca\n"
            f"s = ca.Store({str(db)!r})\n"
            f"ca.load(s, {str(big)!r}, progress=lambda p: print('loading', flush=True))\n"
            "print('done', flush=True)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert loader.stdout.readline().strip() == "loading"
        # A second writer while the load runs: a clear message and exit code 5, no traceback.
        busy = CliRunner().invoke(
            main, ["load", str(DATA / "funnel_customers.csv"), "--db", str(db)]
        )
        assert busy.exit_code == 5 and "is busy" in busy.output
        assert "Traceback" not in busy.output
        assert loader.poll() is None, "the load finished before it could be killed"
        loader.send_signal(signal.SIGKILL)
    finally:
        loader.wait(timeout=60)
    assert loader.returncode == -signal.SIGKILL
    with ca.Store(db) as store:
        assert store.counts() == before
        # ... and the load can simply be run again.
        f = ca.load(store, big).files[0]
        assert (f.rows_read, f.rows_loaded) == (1_500_000, 1_500_000)


def test_repeats_in_a_file_and_ids_already_stored(store, tmp_path):
    """Hand-made: e1 is stored; the new file has e1 twice and e2 twice. The later repeats are
    quarantined (the first row of each id is kept), then e1 is skipped as already stored."""
    first = write(
        tmp_path, "interactions_1.csv", HEADER + "e1,c1,u1,2026-01-01T00:00:00Z,,x,web,\n"
    )
    second = write(
        tmp_path,
        "interactions_2.csv",
        HEADER
        + "e1,c1,u1,2026-01-01T00:00:00Z,,a,web,\n"
        + "e2,c1,u1,2026-01-02T00:00:00Z,,b,web,\n"
        + "e2,c1,u1,2026-01-03T00:00:00Z,,c,web,\n"
        + "e1,c1,u1,2026-01-04T00:00:00Z,,d,web,\n",
    )
    ca.load(store, first)
    f = ca.load(store, second).files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_skipped) == (4, 1, 2, 1)
    rows = store.con.execute(
        "SELECT interaction_id, activity FROM interactions ORDER BY interaction_id"
    ).fetchall()
    assert rows == [("e1", "x"), ("e2", "b")]
    reasons = store.con.execute("SELECT line, reason FROM quarantine ORDER BY line").fetchall()
    assert reasons == [
        (4, "lines 3 and 4: interaction_id 'e2' appears more than once; line 3 was kept"),
        (5, "lines 2 and 5: interaction_id 'e1' appears more than once; line 2 was kept"),
    ]


def test_a_load_leaves_duckdb_progress_settings_as_it_found_them(store):
    before = store.con.execute(
        "SELECT current_setting('enable_progress_bar'), "
        "current_setting('enable_progress_bar_print')"
    ).fetchall()
    ca.load(store, ca.sample_dir())
    after = store.con.execute(
        "SELECT current_setting('enable_progress_bar'), "
        "current_setting('enable_progress_bar_print')"
    ).fetchall()
    assert after == before


def test_the_command_line_follows_duckdb_progress_from_a_thread():
    """The load's progress bar reads DuckDB's progress of the running query from a thread:
    percentages are reported, DuckDB's -1 (no query, too early) is not, and the thread is
    gone when the block ends."""
    import threading
    import time

    from cycleanalytics.cli.data import _query_progress

    class Connection:  # answers as DuckDB's query_progress does during a load
        def __init__(self) -> None:
            self.answers = [-1.0, 12.5, 50.0, -1.0, 99.0]

        def query_progress(self) -> float:
            return self.answers.pop(0) if self.answers else -1.0

    con = Connection()
    reports: list[float] = []
    threads = threading.active_count()
    with _query_progress(con, reports.append):  # type: ignore[arg-type]
        deadline = time.monotonic() + 30
        while con.answers and time.monotonic() < deadline:
            time.sleep(0.05)
    assert threading.active_count() == threads
    assert reports == [12.5, 50.0, 99.0]


# -- source order (issue #13) ---------------------------------------------------------------------
def test_every_event_keeps_its_position_in_the_file(store, tmp_path):
    # Four events of one case at the same instant, written in an order that neither their
    # ids nor their stages follow; one bad row in the middle keeps its line for itself.
    body = (
        "z9,c1,u1,2026-01-01T10:00:00Z,initial_interaction,Open,web,\n"
        "a1,c1,u1,2026-01-01T10:00:00Z,service_delivery,Fix,web,\n"
        "m5,c1,u1,yesterday,service_delivery,Fix,web,\n"
        "b2,c1,u1,2026-01-01T10:00:00Z,follow_up,Survey,web,4\n"
    )
    ca.load(store, write(tmp_path, "interactions.csv", HEADER + body))
    rows = store.con.execute(
        "SELECT interaction_id, load_id, source_row FROM interactions ORDER BY source_row"
    ).fetchall()
    # source_row is the record's line, as the quarantine counts them (header is line 1)
    assert rows == [("z9", 1, 2), ("a1", 1, 3), ("b2", 1, 5)]
    assert store.con.execute("SELECT line FROM quarantine").fetchall() == [(4,)]


def test_ties_in_time_follow_the_file_in_every_ordered_metric(store, tmp_path):
    body = (
        "z9,c1,u1,2026-01-01T10:00:00Z,initial_interaction,Open,web,\n"
        "a1,c1,u1,2026-01-01T10:00:00Z,service_delivery,Fix,phone,\n"
        "b2,c1,u1,2026-01-01T10:00:00Z,follow_up,Survey,email,4\n"
    )
    ca.load(store, write(tmp_path, "interactions.csv", HEADER + body))
    flows = ca.metrics.directly_follows(store)
    pairs = {(r.source, r.target) for r in flows.itertuples() if r.count}
    # by id the order would be a1, b2, z9: service_delivery -> follow_up -> initial_interaction
    assert pairs == {
        ("initial_interaction", "service_delivery"),
        ("service_delivery", "follow_up"),
    }
    top = ca.metrics.variants(store).iloc[0]
    assert top["variant"].split(" > ")[0] == "initial_interaction"


def test_an_order_column_of_the_mapping_orders_events_of_the_same_time(store, tmp_path):
    data = write(
        tmp_path,
        "log.csv",
        "id,case,who,when,stage,seq\n"
        "e1,c1,u1,2026-01-01T10:00:00Z,follow_up,3\n"
        "e2,c1,u1,2026-01-01T10:00:00Z,initial_interaction,1\n"
        "e3,c1,u1,2026-01-01T10:00:00Z,service_delivery,2\n"
        "e4,c1,u1,2026-01-01T10:00:00Z,service_delivery,two\n",
    )
    mapping = write(
        tmp_path,
        "m.toml",
        'kind = "interactions"\n[columns]\ninteraction_id = "id"\ncase_id = "case"\n'
        'customer_id = "who"\nts = "when"\n[order]\ncolumn = "seq"\n',
    )
    result = ca.load(store, data, mapping=mapping, max_quarantined=1)
    assert result.rows_quarantined == 1
    reason = store.con.execute("SELECT reason FROM quarantine").fetchone()[0]
    assert "line 5" in reason and "'two'" in reason and "whole number" in reason
    rows = store.con.execute(
        "SELECT interaction_id FROM interactions ORDER BY ts, load_id, source_row"
    ).fetchall()
    assert [r[0] for r in rows] == ["e2", "e3", "e1"]


def test_an_order_column_is_checked_when_the_mapping_is_read(tmp_path):
    path = write(tmp_path, "m.toml", 'kind = "complaints"\n[order]\ncolumn = "seq"\n')
    with pytest.raises(ca.errors.MappingError, match=r"\[order\] column"):
        ca.ingest.read_mapping(path)
    path = write(tmp_path, "m.toml", '[order]\ncolumns = "seq"\n')
    with pytest.raises(ca.errors.MappingError, match=r"\[order\] columns: unknown key"):
        ca.ingest.read_mapping(path)


def test_a_database_made_before_source_order_was_kept_is_migrated(tmp_path):
    path = tmp_path / "old.duckdb"
    with ca.Store(path) as s:
        ca.load(s, DATA / "funnel_cases.csv")
        s.con.execute("ALTER TABLE interactions DROP COLUMN source_row")
    with ca.Store(path, read_only=True) as s:  # an old database still reads as it is
        assert "source_row" not in s.table("interactions").columns
        assert not ca.metrics.directly_follows(s).empty
    with ca.Store(path) as s:
        nulls, rows = s.con.execute(
            "SELECT count(*) FILTER (WHERE source_row IS NULL), count(*) FROM interactions"
        ).fetchone()
        assert nulls == rows == 42
        ca.load(
            s,
            write(
                tmp_path,
                "interactions_more.csv",
                HEADER + "x1,new,u1,2026-01-01T10:00:00Z,follow_up,Survey,web,4\n",
            ),
        )
        assert s.con.execute(
            "SELECT source_row FROM interactions WHERE interaction_id = 'x1'"
        ).fetchone() == (2,)


# -- exact duplicates (issue #13) -----------------------------------------------------------------
GENERATED = (
    'kind = "interactions"\n[columns]\ninteraction_id = { generate = true }\n'
    'case_id = "case"\ncustomer_id = "case"\nts = "when"\nactivity = "what"\n'
)


@pytest.mark.parametrize("keep", [False, True])
def test_exact_duplicates_are_quarantined_or_kept_as_the_mapping_says(store, tmp_path, keep):
    data = write(
        tmp_path,
        "log.csv",
        "case,when,what\n"
        "c1,2026-01-01T10:00:00Z,Open\n"
        "c1,2026-01-01T10:05:00Z,Update\n"
        "c1,2026-01-01T10:05:00Z,Update\n"
        "c1,2026-01-01T10:05:00Z,Update\n"
        "c1,2026-01-01T10:05:00Z,Closed\n",
    )
    text = GENERATED + ('[load]\nduplicates = "keep"\n' if keep else "")
    f = ca.load(store, data, mapping=write(tmp_path, "m.toml", text)).files[0]
    assert f.duplicates == 2 and f.duplicates_kept is keep
    assert (f.rows_loaded, f.rows_quarantined) == ((5, 0) if keep else (3, 2))
    updates = store.con.execute(
        "SELECT interaction_id FROM interactions WHERE activity = 'Update' ORDER BY source_row"
    ).fetchall()
    if keep:  # the record's hash, then the file and the row: one id per row
        assert [i.split(":", 1)[1] for (i,) in updates] == ["log.csv:3", "log.csv:4", "log.csv:5"]
        assert len({i.split(":")[0] for (i,) in updates}) == 1
    else:
        assert len(updates) == 1
        reasons = [r for (r,) in store.con.execute("SELECT reason FROM quarantine").fetchall()]
        assert all("appears more than once; line 3 was kept" in r for r in reasons)


def test_the_command_line_says_what_was_done_with_duplicates(tmp_path):
    from click.testing import CliRunner

    from cycleanalytics.cli import main

    rows = "c1,2026-01-01T10:00:00Z,Open\n" * 2 + "c1,2026-01-01T11:00:00Z,Closed\n"
    data = write(tmp_path, "log.csv", "case,when,what\n" + rows)
    mapping = write(tmp_path, "m.toml", GENERATED)
    db = tmp_path / "x.duckdb"
    args = ["load", str(data), "--db", str(db), "--mapping", str(mapping)]
    run = CliRunner().invoke(main, args, catch_exceptions=False)
    assert run.exit_code == 0, run.output
    text = " ".join(run.output.split())
    assert "1 exact duplicate record(s) found and quarantined" in text
    assert '[load] duplicates = "keep"' in text


# -- attributes (issue #13) ---------------------------------------------------------------------
ATTRIBUTED = GENERATED + '[attributes]\nteam = "Team"\nimpact = "Impact"\n'
ATTRIBUTED_LOG = (
    "case,when,what,Team,Impact\n"
    "c1,2026-01-01T10:00:00Z,Open,V30, High \n"
    "c1,2026-01-01T10:05:00Z,Update,G97,\n"
)


def test_attributes_keep_source_columns_by_name(store, tmp_path):
    data = write(tmp_path, "log.csv", ATTRIBUTED_LOG)
    ca.load(store, data, mapping=write(tmp_path, "m.toml", ATTRIBUTED))
    rows = store.con.execute("SELECT attributes FROM interactions ORDER BY source_row").fetchall()
    # values are text, trimmed, NULL when empty
    expected = [{"team": "V30", "impact": "High"}, {"team": "G97", "impact": None}]
    assert [r[0] for r in rows] == expected
    t = store.table("interactions")
    teams = t.group_by(team=t.attributes["team"]).aggregate(n=t.count()).execute()
    assert sorted(teams["team"]) == ["G97", "V30"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[attributes]\n"2nd team" = "Team"\n', r"\[attributes\] '2nd team': an attribute's name"),
        ("[attributes]\nteam = 3\n", r"\[attributes\] team: must be a text value"),
    ],
)
def test_attribute_mistakes_are_caught_when_the_mapping_is_read(tmp_path, text, message):
    with pytest.raises(ca.errors.MappingError, match=message):
        ca.ingest.read_mapping(write(tmp_path, "m.toml", text))


def test_an_attribute_of_a_column_the_file_lacks_names_it(store, tmp_path):
    data = write(tmp_path, "log.csv", "case,when,what\nc1,2026-01-01T10:00:00Z,Open\n")
    mapping = write(tmp_path, "m.toml", GENERATED + '[attributes]\nteam = "Taem"\n')
    with pytest.raises(ca.LoadError, match=r"reads column 'Taem' for '\[attributes\] team'"):
        ca.load(store, data, mapping=mapping)


@pytest.mark.slow
def test_attributes_reach_spark_as_a_map(tmp_path):
    pytest.importorskip("pyspark", reason="pyspark is not installed")
    from cycleanalytics.errors import StoreError
    from cycleanalytics.spark import from_store, local_session

    try:
        session = local_session(2)
    except StoreError as exc:
        pytest.skip(str(exc))
    with ca.Store() as store:
        data = write(tmp_path, "log.csv", ATTRIBUTED_LOG)
        ca.load(store, data, mapping=write(tmp_path, "m.toml", ATTRIBUTED))
        lake = from_store(store, tmp_path / "lake", session)
        t = lake.table("interactions")
        got = t.select("source_row", team=t.attributes["team"]).order_by("source_row").execute()
        assert list(got["team"]) == ["V30", "G97"] and list(got["source_row"]) == [2, 3]
        # a complaints export without attributes still reads: the column comes as NULLs
        assert lake.table("complaints").attributes.type().is_map()


# -- unpivot (issue #13) ------------------------------------------------------------------------
UNPIVOT = (
    'kind = "interactions"\n[columns]\ninteraction_id = "id"\ncase_id = "id"\n'
    'customer_id = "id"\nts = "date"\n[values.csat]\n"0" = ""\n'
    '[unpivot]\nvalue = "csat"\n'
    '[[unpivot.events]]\ncolumn = "booking"\nactivity = "Booking"\nstage = "pre_interaction"\n'
    '[[unpivot.events]]\ncolumn = "seat"\nactivity = "Seat"\nstage = "service_delivery"\n'
    '[[unpivot.events]]\ncolumn = "bags"\nactivity = "Baggage"\n'
)


def test_unpivot_turns_a_wide_row_into_events_in_the_listed_order(store, tmp_path):
    data = write(
        tmp_path,
        "survey.csv",
        "id,date,bags,seat,booking\n"
        "p1,2026-01-01T00:00:00Z,5,4,3\n"
        "p2,2026-01-02T00:00:00Z,0,9,1\n",  # 0: not rated; 9 is out of range
    )
    f = ca.load(store, data, mapping=write(tmp_path, "m.toml", UNPIVOT), max_quarantined=1).files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (6, 5, 1)  # 2 rows x 3 events
    rows = store.con.execute(
        "SELECT interaction_id, case_id, activity, stage, csat, source_row FROM interactions "
        "ORDER BY ts, load_id, source_row, interaction_id"
    ).fetchall()
    assert rows == [
        ("p1:001", "p1", "Booking", "pre_interaction", 3, 2),
        ("p1:002", "p1", "Seat", "service_delivery", 4, 2),
        ("p1:003", "p1", "Baggage", None, 5, 2),  # no stage given, none from the rules
        ("p2:001", "p2", "Booking", "pre_interaction", 1, 3),
        ("p2:003", "p2", "Baggage", None, None, 3),
    ]
    line, reason = store.con.execute("SELECT line, reason FROM quarantine").fetchone()
    assert line == 3 and "column 'csat': found '9'" in reason


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[unpivot]\nvalue = "stage"\n', r"\[unpivot\] value: 'stage': use one of"),
        ('[unpivot]\nvalue = "csat"\n', r"\[unpivot\]: needs its events"),
        (
            '[columns]\nactivity = "a"\n[unpivot]\nvalue = "csat"\n'
            '[[unpivot.events]]\ncolumn = "x"\n',
            r"do not map activity under \[columns\]",
        ),
        (
            '[unpivot]\nvalue = "csat"\n[[unpivot.events]]\ncolumn = "x"\nstage = "lunch"\n',
            r"has stage 'lunch', which is not a stage",
        ),
    ],
)
def test_unpivot_mistakes_are_caught_when_the_mapping_is_read(tmp_path, text, message):
    with pytest.raises(ca.errors.MappingError, match=message):
        ca.ingest.read_mapping(write(tmp_path, "m.toml", text), ca.default_model())
