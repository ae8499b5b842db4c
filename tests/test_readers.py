from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

import cycleanalytics as ca

ROWS = [
    ("e1", "c1", "u1", "2026-01-01T10:00:00Z", "Pra-interaksi", "4"),
    ("e2", "c1", "u1", "2026-01-01T11:00:00Z", "Café visit", ""),
]
COLUMNS = ["interaction_id", "case_id", "customer_id", "ts", "activity", "csat"]
EXPECTED = [
    ("e1", "c1", "u1", "2026-01-01 10:00:00", "Pra-interaksi", "pre_interaction", 4),
    ("e2", "c1", "u1", "2026-01-01 11:00:00", "Café visit", None, None),
]


def loaded(store: ca.Store) -> list[tuple]:
    return store.con.execute(
        "SELECT interaction_id, case_id, customer_id, strftime(ts, '%Y-%m-%d %H:%M:%S'), "
        "activity, stage, csat FROM interactions ORDER BY interaction_id"
    ).fetchall()


def delimited(sep: str = ",") -> str:
    return "\n".join(sep.join(r) for r in [COLUMNS, *ROWS]) + "\n"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("interactions.csv", delimited().encode("utf-8")),
        ("interactions_bom.csv", b"\xef\xbb\xbf" + delimited().encode("utf-8")),
        ("interactions_crlf.csv", delimited().replace("\n", "\r\n").encode("utf-8")),
        ("interactions_semicolon.csv", delimited(";").encode("utf-8")),
        ("interactions.tsv", delimited("\t").encode("utf-8")),
        ("interactions_latin1.csv", delimited().encode("latin-1")),
        ("interactions_cp1252.csv", delimited().encode("cp1252")),
        ("interactions.csv.gz", gzip.compress(delimited().encode("utf-8"))),
        (
            "interactions.ndjson",
            "\n".join(json.dumps(dict(zip(COLUMNS, r, strict=True))) for r in ROWS).encode("utf-8"),
        ),
        (
            "interactions.json",
            json.dumps([dict(zip(COLUMNS, r, strict=True)) for r in ROWS]).encode("utf-8"),
        ),
    ],
)
def test_text_formats_give_the_same_rows(store, tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    f = ca.load(store, path).files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (2, 2, 0)
    assert loaded(store) == EXPECTED


def test_parquet(store, tmp_path):
    path = tmp_path / "interactions.parquet"
    frame = pd.DataFrame(ROWS, columns=COLUMNS).replace("", None)
    frame["csat"] = frame["csat"].astype("Int8")
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    frame.to_parquet(path)
    assert ca.load(store, path).files[0].rows_loaded == 2
    assert loaded(store) == EXPECTED


def test_xlsx_read_only_without_extensions(store, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    sheet.append(["e1", "c1", "u1", "2026-01-01T10:00:00Z", "Pra-interaksi", 4])
    sheet.append(["e2", "c1", "u1", "2026-01-01T11:00:00Z", "Café visit", None])
    path = tmp_path / "interactions.xlsx"
    book.save(path)
    assert ca.load(store, path).files[0].rows_loaded == 2
    assert loaded(store) == EXPECTED


def test_xlsx_rejected_rows_keep_their_sheet_rows(store, tmp_path):
    from openpyxl import Workbook

    from cycleanalytics.ingest.quarantine import quarantined

    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    sheet.append(["e1", "c1", "u1", "2026-01-01T10:00:00Z", "Pra-interaksi", 4])
    sheet.append(["e2", "c1", "u1", "yesterday", "Pra-interaksi", 4])
    sheet.append(["e3", "c1", "u1", "2026-01-01T11:00:00Z", "Pra-interaksi", 9])
    path = tmp_path / "interactions.xlsx"
    book.save(path)
    f = ca.load(store, path, max_quarantined=1).files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 1, 2)
    got = quarantined(store)
    assert list(got["line"]) == [3, 4]  # sheet rows: the header is row 1
    assert got["reason"][0] == (
        "line 3, column 'ts': found 'yesterday', expected a timestamp such as 2026-01-31T14:05:00Z"
    )
    assert got["reason"][1].startswith("line 4, column 'csat': found '9'")


XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <string key="concept:name" value="log"/>
  <trace>
    <string key="concept:name" value="c1"/>
    <event>
      <string key="concept:name" value="Pra-interaksi"/>
      <date key="time:timestamp" value="2026-01-01T11:00:00.000+01:00"/>
      <string key="org:resource" value="Ann"/>
    </event>
    <event>
      <string key="concept:name" value="Café visit"/>
      <date key="time:timestamp" value="2026-01-01T12:00:00.000+01:00"/>
    </event>
  </trace>
</log>
"""
XES_MAPPING = {
    "kind": "interactions",
    "columns": {
        "interaction_id": {"generate": True},
        "case_id": "case:concept:name",
        "customer_id": "case:concept:name",
        "ts": "time:timestamp",
        "activity": "concept:name",
        "agent_id": "org:resource",
    },
}


@pytest.mark.parametrize("gz", [False, True])
def test_xes_streamed(store, tmp_path, gz):
    from cycleanalytics.ingest.mapping import mapping_from_dict

    path = tmp_path / ("log.xes.gz" if gz else "log.xes")
    data = XES.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    f = ca.load(store, path, mapping=mapping_from_dict(XES_MAPPING)).files[0]
    assert (f.rows_read, f.rows_loaded) == (2, 2)
    rows = store.con.execute(
        "SELECT case_id, strftime(ts, '%H:%M'), activity, stage, agent_id FROM interactions "
        "ORDER BY ts"
    ).fetchall()
    assert rows == [
        ("c1", "10:00", "Pra-interaksi", "pre_interaction", "Ann"),
        ("c1", "11:00", "Café visit", None, None),
    ]


def test_embedded_newlines_and_quotes_are_kept(store, tmp_path):
    path = tmp_path / "complaints.csv"
    path.write_text(
        "complaint_id,customer_id,opened_at,text\n"
        'p1,u1,2026-01-01,"Line one\nline ""two"", with comma"\n'
        "p2,u1,2026-01-02,=SUM(A1)\n",
        encoding="utf-8",
    )
    f = ca.load(store, path).files[0]
    assert f.rows_loaded == 2
    texts = store.con.execute("SELECT text FROM complaints ORDER BY complaint_id").fetchall()
    assert texts == [('Line one\nline "two", with comma',), ("=SUM(A1)",)]


def test_transcoded_file_with_duplicates_keeps_raw_records(store, tmp_path):
    """cp1252 text is read from a UTF-8 copy; duplicate rows are read again for their record."""
    path = tmp_path / "interactions.csv"
    body = delimited() + "e1,c1,u1,2026-01-02T00:00:00Z,Crème,\n"
    path.write_bytes(body.encode("cp1252"))
    f = ca.load(store, path).files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 2, 1)
    record, reason = store.con.execute("SELECT record, reason FROM quarantine").fetchone()
    assert json.loads(record)["activity"] == "Crème"
    assert reason.startswith("lines 2 and 4: interaction_id 'e1' appears more than once")


def test_parquet_rejects_are_numbered_by_row(store, tmp_path):
    """Rows are numbered from 1 in file order, across row groups (two rows per group here)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    ids = ["e1", "e2", "e3", "e4", "e1"]
    table = pa.table(
        {
            "interaction_id": ids,
            "case_id": ["c1"] * 5,
            "customer_id": ["u1"] * 5,
            "ts": [f"2026-01-0{i + 1}T00:00:00Z" for i in range(5)],
            "csat": ["4", "5", "3", "9", "2"],
        }
    )
    path = tmp_path / "interactions.parquet"
    pq.write_table(table, path, row_group_size=2)
    f = ca.load(store, path).files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (5, 3, 2)
    assert store.con.execute("SELECT line, reason FROM quarantine ORDER BY line").fetchall() == [
        (4, "line 4, column 'csat': found '9', expected a value with csat BETWEEN 1 AND 5"),
        (5, "lines 1 and 5: interaction_id 'e1' appears more than once; line 1 was kept"),
    ]
