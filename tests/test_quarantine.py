"""The bad-input corpus (tests/data/bad) with each file's expected outcome, the invariant
rows read = loaded + quarantined + skipped, and the `quarantine` listing."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cycleanalytics as ca
from cycleanalytics.ingest import validate
from cycleanalytics.ingest.quarantine import quarantined

BAD = Path(__file__).parent / "data" / "bad"


@pytest.fixture(autouse=True)
def any_share_quarantined(monkeypatch):
    """The corpus's files are small, and some are mostly bad rows: their reasons are what is
    tested here, so any share may be quarantined (the limit is tested in test_load.py)."""
    monkeypatch.setenv("CYCLEANALYTICS_MAX_QUARANTINED", "1")


COMPLAINTS = {"17", "18", "19", "20", "28", "29"}

# file -> (read, loaded, quarantined, reasons in line order); counts by reading each file.
COUNTS = {
    "01_wrong_delimiter.csv": (1, 1, 0, []),  # ';' is sniffed
    "02_pipe_delimiter_declared_wrongly.csv": (1, 1, 0, []),
    "03_bom.csv": (1, 1, 0, []),
    "04_latin1.csv": (1, 1, 0, []),
    "08_header_only.csv": (0, 0, 0, []),
    "10_unparseable_timestamps.csv": (
        3,
        1,
        2,
        [
            "line 3, column 'ts': found '31/02/2026', expected a timestamp",
            "line 4, column 'ts': found 'tomorrow', expected a timestamp",
        ],
    ),
    "11_mixed_offsets.csv": (3, 3, 0, []),
    "12_csat_out_of_range.csv": (
        3,
        1,
        2,
        [
            "line 3, column 'csat': found '0', expected a value with csat BETWEEN 1 AND 5",
            "line 4, column 'csat': found '6', expected a value with csat BETWEEN 1 AND 5",
        ],
    ),
    "13_nps_out_of_range.csv": (
        3,
        1,
        2,
        [
            "line 2, column 'nps': found '11', expected a value with nps BETWEEN 0 AND 10",
            "line 3, column 'nps': found '-1', expected a value with nps BETWEEN 0 AND 10",
        ],
    ),
    "14_ces_out_of_range.csv": (
        2,
        1,
        1,
        ["line 2, column 'ces': found '8', expected a value with ces BETWEEN 1 AND 7"],
    ),
    "15_score_not_a_number.csv": (
        2,
        0,
        2,
        [
            "line 2, column 'csat': found '4.5', expected a whole number",
            "line 3, column 'csat': found 'four', expected a whole number",
        ],
    ),
    "16_duplicate_ids.csv": (
        3,
        2,
        1,
        ["lines 2 and 3: interaction_id 'e1' appears more than once; line 2 was kept"],
    ),
    "17_resolved_before_opened.csv": (
        2,
        1,
        1,
        [
            "line 2, column 'resolved_at': found '2026-01-04', expected a value with "
            "resolved_at >= opened_at"
        ],
    ),
    "18_embedded_newlines_and_quotes.csv": (1, 1, 0, []),
    "19_very_long_field.csv": (1, 1, 0, []),
    "20_formula_cells.csv": (3, 3, 0, []),
    "21_invalid_utf8_bytes.csv": (
        3,
        2,
        1,
        ["line 3: bytes that are not valid UTF-8; save the file as UTF-8 or declare"],
    ),
    "22_too_many_fields.csv": (
        2,
        1,
        1,
        ["line 3: wrong number of fields (expected 8 fields, found 9)"],
    ),
    "23_too_few_fields.csv": (
        2,
        1,
        1,
        ["line 3: wrong number of fields (expected 8 fields, found 3)"],
    ),
    "24_empty_required_value.csv": (
        3,
        1,
        2,
        [
            "line 3, column 'case_id': the value is empty, but it is required",
            "line 4, column 'customer_id': the value is empty, but it is required",
        ],
    ),
    "25_blank_lines.csv": (2, 2, 0, []),
    "26_whitespace_values.csv": (1, 1, 0, []),
    "27_unknown_stage.csv": (
        2,
        1,
        1,
        ["line 2, column 'stage': 'folow_up' is not a stage of the model"],
    ),
    "28_unknown_recovery_action.csv": (
        2,
        1,
        1,
        ["line 2, column 'recovery_action': found 'voucher', expected a value with"],
    ),
    "29_not_a_boolean.csv": (
        2,
        1,
        1,
        ["line 2, column 'reopened': found 'maybe', expected true or false"],
    ),
    "31_negative_cost.csv": (
        1,
        0,
        1,
        ["line 2, column 'cost': found '-3.5', expected a value with cost >= 0"],
    ),
    # one malformed line of NDJSON is that line's problem, not the file's (#17)
    "37_ndjson_bad_line.ndjson": (
        2,
        1,
        1,
        ["line 2: not valid JSON; the line is cut short or malformed"],
    ),
}
ERRORS = {
    "05_missing_required_column.csv": "required column 'customer_id' is missing",
    "06_extra_column.csv": "column 'mood' is not a column of interactions",
    "07_duplicated_column.csv": "column 'ts' appears more than once in the header",
    "09_empty_file.csv": "the file is empty; it needs at least a header line",
    "30_unknown_kind.csv": "cannot tell which table this file feeds",
    "32_truncated.parquet": "cannot read it as PARQUET: .* Check that the file is complete",
    "33_malformed.xes": r"not a readable XES log \(mismatched tag",
    "34_csv_named_parquet.parquet": "cannot read it as PARQUET",
    "35_not_gzip.xes.gz": "not a readable XES log .*must be gzip-compressed",
    "36_not_xlsx.xlsx": r"not a readable \.xlsx workbook",
}


def kind_of(name: str) -> str | None:
    if name.startswith("30"):
        return None
    return "complaints" if name[:2] in COMPLAINTS else "interactions"


def test_the_corpus_is_complete():
    assert len(list(BAD.iterdir())) >= 30
    assert {p.name for p in BAD.iterdir()} == set(COUNTS) | set(ERRORS)


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_bad_rows_are_counted_and_explained(store, name):
    read, loaded, rejected, reasons = COUNTS[name]
    f = ca.load(store, BAD / name, kind=kind_of(name)).files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_skipped) == (
        read,
        loaded,
        rejected,
        0,
    )
    got = quarantined(store)
    assert len(got) == len(reasons)
    for reason, expected in zip(got["reason"], reasons, strict=True):
        assert expected in reason, reason
    assert store.con.execute(
        "SELECT rows_read, rows_loaded, rows_quarantined FROM loads"
    ).fetchone() == (read, loaded, rejected)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_bad_files_stop_with_the_file_and_change_nothing(store, name):
    before = store.counts()
    with pytest.raises(ca.LoadError, match=ERRORS[name]) as info:
        ca.load(store, BAD / name, kind=kind_of(name))
    assert name in str(info.value)
    assert store.counts() == before


def test_values_that_look_odd_are_kept_exactly(store):
    ca.load(store, BAD / "19_very_long_field.csv", kind="complaints")
    long = "SELECT length(text) FROM complaints WHERE text LIKE 'xxx%'"
    assert store.con.execute(long).fetchone() == (200_000,)
    store.con.execute("DELETE FROM complaints")
    ca.load(store, BAD / "20_formula_cells.csv", kind="complaints")
    texts = store.con.execute("SELECT text FROM complaints ORDER BY complaint_id").fetchall()
    assert texts == [('=HYPERLINK("x")',), ("+1",), ("@SUM(A1)",)]
    ca.load(store, BAD / "11_mixed_offsets.csv", kind="interactions")
    # 01:30+01:00, 02:30+02:00 and 00:30Z are the same instant (hand computed).
    got = store.con.execute("SELECT count(DISTINCT ts), min(ts) FROM interactions").fetchone()
    assert got[0] == 1 and got[1].isoformat() == "2026-03-29T00:30:00+00:00"


def test_quarantine_listing_by_load(store):
    ca.load(store, BAD / "12_csat_out_of_range.csv", kind="interactions")
    ca.load(store, BAD / "14_ces_out_of_range.csv", kind="interactions")
    second = quarantined(store, load_id=2)
    assert list(second["line"]) == [2]
    assert json.loads(second["record"][0])["ces"] == "8"
    assert len(quarantined(store)) == 3
    with pytest.raises(ca.LoadError, match="no load 9 in this database"):
        quarantined(store, load_id=9)


def test_cli_load_then_quarantine(tmp_path):
    from click.testing import CliRunner

    from cycleanalytics.cli import main

    db = tmp_path / "q.duckdb"
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["load", str(BAD / "12_csat_out_of_range.csv"), "--db", str(db), "--kind", "interactions"],
    )
    assert result.exit_code == 0
    assert "2 row(s) quarantined" in result.output
    result = runner.invoke(main, ["quarantine", "--db", str(db), "--format", "csv"])
    assert result.exit_code == 0
    assert "line 3, column 'csat': found '0'" in result.output
    result = runner.invoke(
        main,
        [
            "load",
            str(BAD / "13_nps_out_of_range.csv"),
            "--db",
            str(db),
            "--kind",
            "interactions",
            "--strict",
        ],
    )
    assert result.exit_code == 4
    assert "line 2, column 'nps': found '11'" in result.output


# -- property: random messy rows ---------------------------------------------------------------
cell = st.one_of(
    st.sampled_from(
        ["", " ", "x", "4", "11", "-1", "4.5", "2026-01-01", "2026-02-30", '"', ",", "\n"]
    ),
    st.text(alphabet=string.printable + "é€", max_size=6),
)
ids = st.sampled_from(["e1", "e2", "e3", "", "e1 "])
rows = st.lists(st.tuples(ids, cell, cell, cell, cell), min_size=0, max_size=12)


def csv_field(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows)
def test_invariant_holds_and_accepted_rows_are_unaltered(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("messy") / "interactions.csv"
    lines = ["interaction_id,case_id,customer_id,ts,csat"]
    lines += [",".join(csv_field(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with ca.Store() as store:
        f = ca.load(store, path).files[0]
        assert f.rows_read == len(rows)
        assert f.rows_read == f.rows_loaded + f.rows_quarantined + f.rows_skipped
        stored = store.con.execute(
            "SELECT interaction_id, case_id, customer_id, csat FROM interactions"
        ).fetchall()
    # Each stored row is one of the file's rows with its id, as it was but for surrounding
    # spaces (other white space, such as a quoted line break, is kept); the kept row is the
    # first valid one, which is not always the first row with that id.
    by_id: dict[str, list[tuple[str, ...]]] = {}
    for row in rows:
        by_id.setdefault(row[0].strip(" "), []).append(row)
    assert len({r[0] for r in stored}) == len(stored)  # no id twice
    for interaction_id, case_id, customer_id, csat in stored:
        assert any(
            (case_id, customer_id) == (source[1].strip(" "), source[2].strip(" "))
            and (csat is None or float(source[4]) == csat)
            for source in by_id[interaction_id]
        )


# -- rejected rows found by the parallel scan keep their lines --------------------------------
ROWS = 300_000  # enough for DuckDB to read the file on several threads
# row -> (id, csat); rows 1000, 150000 and 299990 are the very same record.
BROKEN = {
    1000: ("bad", "9"),
    3: ("e3", "9"),
    77_777: ("", "2"),
    150_000: ("bad", "9"),
    200_001: ("", "4"),
    250_000: ("e7", "9"),  # the id of an accepted row
    299_990: ("bad", "9"),
}


@pytest.mark.parametrize("hand_over", ["kept", "too many to keep"])
@pytest.mark.parametrize(("fmt", "first_line"), [("csv", 2), ("parquet", 1), ("ndjson", 1)])
def test_rejected_rows_of_a_large_file_keep_their_lines(
    tmp_path, monkeypatch, fmt, first_line, hand_over
):
    """Rejected rows found by the parallel scan get their lines, whether the scan hands them
    over or (past the memory limit for that) they are read again."""
    if hand_over != "kept":
        monkeypatch.setattr(validate, "HAND_OVER_LIMIT", 0)
    cases = " ".join(
        f"WHEN {i} THEN {{'id': '{v[0]}', 'csat': '{v[1]}', 'case_id': 'c0'}}"
        for i, v in BROKEN.items()
    )
    query = (
        "SELECT CASE WHEN r.v.id = '' THEN NULL ELSE r.v.id END AS interaction_id, "
        "coalesce(r.v.case_id, 'c' || (i // 5)) AS case_id, 'u1' AS customer_id, "
        "'2026-01-01T00:00:00Z' AS ts, r.v.csat AS csat FROM ("
        f"SELECT i, CASE i {cases} ELSE {{'id': 'e' || i, 'csat': '4', 'case_id': NULL}} END AS v "
        f"FROM range({ROWS}) t(i)) r"
    )
    path = tmp_path / f"interactions.{fmt}"
    options = {"csv": "HEADER", "parquet": "FORMAT parquet", "ndjson": "FORMAT json"}[fmt]
    with ca.Store() as store:
        store.con.execute(f"COPY ({query}) TO '{path}' ({options})")
        f = ca.load(store, path).files[0]
        got = quarantined(store)
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (ROWS, ROWS - 7, 7)
    assert list(got["line"]) == [row + first_line for row in sorted(BROKEN)]
    reasons = list(got["reason"])
    assert reasons[1] == (
        f"line {1000 + first_line}, column 'csat': found '9', "
        "expected a value with csat BETWEEN 1 AND 5"
    )
    assert reasons[2].startswith(
        f"line {77_777 + first_line}, column 'interaction_id': the value is empty"
    )
    records = [json.loads(r) for r in got["record"]]
    assert records[1] == records[3] == records[6]
    assert (records[5]["interaction_id"], records[5]["csat"]) == ("e7", "9")
    assert records[0]["interaction_id"] == "e3" and records[2]["interaction_id"] is None
