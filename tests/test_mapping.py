from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import duckdb
import pytest

import cycleanalytics as ca
from cycleanalytics.ingest.mapping import mapping_from_dict
from cycleanalytics.ingest.preview import check_mapping, draft_mapping

REPO = Path(__file__).resolve().parents[1]
MAPPINGS = REPO / "examples" / "mappings"
REAL = REPO.parent / "shared" / "data" / "real"
needs_real = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"the real data sets are not here ({REAL} is absent)"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


EXPORT = (
    "Ticket,Client,Created,Step,Rating\n"
    "T1,Ann,31/01/2026 10:00,New ticket,Very satisfied\n"
    "T1,Ann,31/01/2026 11:30,RESOLVE now,3\n"
    "T2,Bob,01/02/2026 09:00,Survey sent,Unhappy\n"
)
MAPPING = {
    "kind": "interactions",
    "columns": {
        "interaction_id": {"generate": True},
        "case_id": "Ticket",
        "customer_id": "Client",
        "ts": "Created",
        "activity": "Step",
        "csat": "Rating",
    },
    "constants": {"channel": "email"},
    "timestamps": {"format": "%d/%m/%Y %H:%M", "timezone": "Europe/Rome"},
    "values": {"csat": {"Very satisfied": 5}},
    "stages": [
        {"match": "New ticket", "stage": "initial_interaction"},
        {"match": "resolve NOW", "ignore_case": True, "stage": "service_delivery"},
        {"regex": "^Survey", "stage": "follow_up"},
        {"regex": ".*", "stage": "pre_interaction"},  # never reached for the rows above
    ],
}


def test_mapping_columns_constants_formats_values_and_rules(store, tmp_path):
    path = write(tmp_path, "tickets.csv", EXPORT)
    result = ca.load(store, path, mapping=mapping_from_dict(MAPPING))
    f = result.files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 2, 1)
    rows = store.con.execute(
        "SELECT case_id, customer_id, strftime(ts, '%Y-%m-%d %H:%M'), stage, channel, csat "
        "FROM interactions ORDER BY ts"
    ).fetchall()
    # Rome is UTC+1 in winter: 10:00 and 11:30 local are 09:00 and 10:30 UTC.
    assert rows == [
        ("T1", "Ann", "2026-01-31 09:00", "initial_interaction", "email", 5),
        ("T1", "Ann", "2026-01-31 10:30", "service_delivery", "email", 3),
    ]
    reason = store.con.execute("SELECT reason FROM quarantine").fetchone()[0]
    assert reason == "line 4, column 'csat': found 'Unhappy', expected a whole number"


def test_rescale_a_declared_scale(store, tmp_path):
    """1..10 onto 1..5: 1 -> 1, 10 -> 5, 7 -> 1 + 6 * 4 / 9 = 3.67 -> 4 (hand computed)."""
    path = write(
        tmp_path,
        "s.csv",
        "id,case,who,when,score\ne1,c,u,2026-01-01,1\ne2,c,u,2026-01-01,10\ne3,c,u,2026-01-01,7\n"
        "e4,c,u,2026-01-01,11\n",
    )
    mapping = mapping_from_dict(
        {
            "kind": "interactions",
            "columns": {
                "interaction_id": "id",
                "case_id": "case",
                "customer_id": "who",
                "ts": "when",
                "csat": "score",
            },
            "rescale": {"csat": {"from": [1, 10]}},
        }
    )
    f = ca.load(store, path, mapping=mapping).files[0]
    assert (f.rows_loaded, f.rows_quarantined) == (3, 1)
    got = store.con.execute("SELECT csat FROM interactions ORDER BY interaction_id").fetchall()
    assert got == [(1,), (5,), (4,)]
    reason = store.con.execute("SELECT reason FROM quarantine").fetchone()[0]
    assert "found '11', expected a number from 1 to 10 (rescaled to csat)" in reason


def test_pseudonymized_ids_are_python_hmac_sha256(store, tmp_path, monkeypatch):
    monkeypatch.setenv("CA_TEST_KEY", "s3cret")
    path = write(tmp_path, "c.csv", "customer_id,segment\nAnn,vip\n")
    mapping = mapping_from_dict(
        {
            "kind": "customers",
            "pseudonymize": {"columns": ["customer_id"], "key_env": "CA_TEST_KEY"},
        }
    )
    ca.load(store, path, mapping=mapping)
    expected = hmac.new(b"s3cret", b"Ann", hashlib.sha256).hexdigest()
    assert store.con.execute("SELECT customer_id FROM customers").fetchone() == (expected,)
    # The key is nowhere in the database.
    dump = store.con.execute("SELECT * FROM loads").fetchall()
    assert "s3cret" not in repr(dump)
    monkeypatch.delenv("CA_TEST_KEY")
    with pytest.raises(ca.LoadError, match="environment variable CA_TEST_KEY"):
        ca.load(store, write(tmp_path, "d.csv", "customer_id\nBob\n"), mapping=mapping)


def test_sessionized_case_ids_by_gap(store, tmp_path):
    """Gap 30 minutes: u1 at 10:00, 10:20, 11:00 -> cases 1, 1, 2; u2 -> its own case 1."""
    path = write(
        tmp_path,
        "e.csv",
        "interaction_id,customer_id,ts\n"
        "a,u1,2026-01-01T10:00:00Z\nb,u1,2026-01-01T10:20:00Z\nc,u1,2026-01-01T11:00:00Z\n"
        "d,u2,2026-01-01T10:10:00Z\n",
    )
    mapping = mapping_from_dict({"kind": "interactions", "cases": {"gap": "30 minutes"}})
    ca.load(store, path, mapping=mapping)
    got = store.con.execute(
        "SELECT interaction_id, case_id FROM interactions ORDER BY 1"
    ).fetchall()
    assert got == [("a", "u1#1"), ("b", "u1#1"), ("c", "u1#2"), ("d", "u2#1")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "tickets"}, "kind 'tickets' unknown; use one of: interactions"),
        ({"kind": "interactions", "columns": {"chanel": "x"}}, "Did you mean 'channel'"),
        ({"colums": {}}, r"unknown section\(s\) \['colums'\]"),
        ({"stages": [{"stage": "follow_up"}]}, "stages rule 1 needs `match` or `regex`"),
        ({"areas": {"Billing": "money"}}, "areas maps 'Billing' to 'money'; areas are"),
        ({"load": {"duplicates": "drop"}}, r"\[load\] duplicates: 'drop': use one of quarantine"),
        (
            {
                "kind": "interactions",
                "columns": {"interaction_id": "id"},
                "load": {"duplicates": "keep"},
            },
            r"\[load\] duplicates: \"keep\" needs ids generated from the record "
            r"\(interaction_id = \{ generate = true \}",
        ),
        ({"load": {"duplicate": "keep"}}, r"\[load\] duplicate: unknown key; use duplicates"),
        ({"order": {"column": 3}}, r"\[order\] column: must be a text value"),
    ],
)
def test_mapping_mistakes_are_explained(data, message):
    with pytest.raises(ca.LoadError, match=message):
        mapping_from_dict(data)


def test_mapping_reads_a_column_the_file_lacks(store, tmp_path):
    path = write(tmp_path, "x.csv", "Ticket,Client,Created\nT1,A,2026-01-01\n")
    mapping = mapping_from_dict(
        {
            "kind": "interactions",
            "columns": {
                "interaction_id": "Ticket",
                "case_id": "Tiket",
                "customer_id": "Client",
                "ts": "Created",
            },
        }
    )
    with pytest.raises(ca.LoadError, match=r"reads column 'Tiket'.* Did you mean 'Ticket'"):
        ca.load(store, path, mapping=mapping)


def test_draft_and_check(tmp_path):
    path = write(tmp_path, "tickets.csv", EXPORT)
    draft = draft_mapping(path, kind="interactions")
    assert 'case_id = "Ticket"' in draft  # "ticket" is a known synonym of case_id
    assert '# customer_id = ""  # required' in draft  # no guess: left for the person
    check = check_mapping(path, mapping_from_dict(MAPPING))
    assert (check.rows_read, check.rows_loaded, check.rows_quarantined) == (3, 2, 1)
    assert check.coverage == 1.0


# -- the real logs in ../shared/data/real (row counts from its README) -------------------------
# (file, mapping, kind, rows in the file, loaded, quarantined): every example mapping of a
# real log; only exact duplicate records are quarantined (their generated ids collide).
REAL_LOADS = [
    ("helpdesk/helpdesk_events.csv", "helpdesk.toml", "interactions", 21_348, 21_221, 127),
    (
        "bpic2013_vinst/incidents_events.csv",
        "bpic2013_incidents.toml",
        "interactions",
        65_533,
        65_533,
        0,
    ),
    (
        "bpic2013_vinst/closed_problems_events.csv",
        "bpic2013_closed_problems.toml",
        "interactions",
        6_660,
        6_660,
        0,
    ),
    (
        "bpic2013_vinst/open_problems_events.csv",
        "bpic2013_open_problems.toml",
        "interactions",
        2_351,
        2_351,
        0,
    ),
    (
        "bpic2014_rabobank_incidents/incident_activity_events.csv.gz",
        "bpic2014_incidents.toml",
        "interactions",
        369_485,
        369_480,
        5,
    ),
    (
        "cfpb_consumer_complaints/complaints_2014-10_to_2014-11.csv",
        "cfpb_2014.toml",
        "complaints",
        8_340,
        8_340,
        0,
    ),
    (
        "cfpb_consumer_complaints/complaints_2013_and_2016_sample.csv",
        "cfpb_2016.toml",
        "complaints",
        3_186,
        3_175,
        11,  # README: "11 rows are exact duplicates of another row"
    ),
    (
        "olist_marketing_funnel/olist_marketing_qualified_leads_dataset.csv",
        "olist_leads.toml",
        "interactions",
        8_000,
        8_000,
        0,
    ),
    (
        "olist_marketing_funnel/olist_closed_deals_dataset.csv",
        "olist_closed_deals.toml",
        "interactions",
        842,
        842,
        0,
    ),
]


@needs_real
@pytest.mark.slow
@pytest.mark.parametrize(
    ("file", "mapping", "kind", "rows", "loaded", "quarantined"),
    REAL_LOADS,
    ids=[m.removesuffix(".toml") for _, m, *_ in REAL_LOADS],
)
def test_real_logs_load_with_their_mappings(store, file, mapping, kind, rows, loaded, quarantined):
    path = REAL / file
    f = ca.load(store, path, mapping=MAPPINGS / mapping).files[0]
    assert f.kind == kind
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_skipped) == (
        rows,
        loaded,
        quarantined,
        0,
    )
    # the rows loaded are the distinct records, counted with DuckDB over the raw file
    opts = ", null_padding = true" if "2014-11" in file else ""
    con = duckdb.connect()
    distinct = con.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT * FROM read_csv(?, all_varchar = true{opts}))",
        [str(path)],
    ).fetchone()[0]
    assert f.rows_loaded == distinct


@needs_real
def test_real_cfpb_recovery_mapping(store):
    ca.load(
        store,
        REAL / "cfpb_consumer_complaints/complaints_2013_and_2016_sample.csv",
        mapping=MAPPINGS / "cfpb_2016.toml",
    )
    # README section 5: dispute rate after explanation-only closures 21.3 % (525 / 2,468),
    # counted over all rows; the exact duplicate rows are in quarantine, so add them back.
    loaded = store.con.execute(
        "SELECT count(*) FILTER (reopened), count(reopened) FROM complaints "
        "WHERE recovery_action = 'apology'"
    ).fetchone()
    dupes = store.con.execute(
        "SELECT count(*) FILTER (record->>'$.\"Consumer disputed?\"' = 'Yes'), "
        "count(*) FILTER (record->>'$.\"Consumer disputed?\"' IN ('Yes', 'No')) "
        "FROM quarantine WHERE record->>'$.\"Company response to consumer\"' "
        "= 'Closed with explanation'"
    ).fetchone()
    assert (loaded[0] + dupes[0], loaded[1] + dupes[1]) == (525, 2468)


@needs_real
@pytest.mark.slow
def test_real_helpdesk_xes_gives_the_same_events_as_its_csv_conversion(store):
    xes = ca.load(
        store, REAL / "helpdesk/Helpdesk.xes.gz", mapping=MAPPINGS / "helpdesk_xes.toml"
    ).files[0]
    assert xes.rows_read == 21_348  # README: 21,348 events
    from_xes = store.con.execute(
        "SELECT case_id, activity, ts, stage FROM interactions ORDER BY ALL"
    ).fetchall()
    with ca.Store() as other:
        ca.load(other, REAL / "helpdesk/helpdesk_events.csv", mapping=MAPPINGS / "helpdesk.toml")
        from_csv = other.con.execute(
            "SELECT case_id, activity, ts, stage FROM interactions ORDER BY ALL"
        ).fetchall()
    assert xes.rows_loaded == len(from_csv) and from_xes == from_csv
    cases = store.con.execute("SELECT count(DISTINCT case_id) FROM interactions").fetchone()
    assert cases == (4_580,)  # README: 4,580 tickets


# -- the worked examples of docs/mappings.md do what the text says ----------------------------
DOCS = REPO / "docs" / "mappings.md"


def doc_example(tmp_path: Path, heading: str) -> tuple[Path, Path]:
    """The first ```text (an export) and ```toml (its mapping) blocks of a section of
    docs/mappings.md, written to files."""
    import re

    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index(f"\n## {heading}") :]
    section = section[: section.find("\n## ", 1)]
    data = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    mapping = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    return write(tmp_path, "export.csv", data), write(tmp_path, "export.toml", mapping)


def test_docs_order_example(store, tmp_path):
    data, mapping = doc_example(tmp_path, "Event order")
    ca.load(store, data, mapping=mapping)
    rows = store.con.execute(
        "SELECT activity, source_row FROM interactions ORDER BY activity"
    ).fetchall()
    assert rows == [("Closed", 3), ("Insert ticket", 1), ("Resolve ticket", 2)]
    v = ca.metrics.variants(store, level="activity")
    assert v["variant"].tolist() == ["Insert ticket > Resolve ticket > Closed"]


def test_docs_duplicates_example(tmp_path):
    data, mapping = doc_example(tmp_path, "Duplicates")
    with ca.Store() as store:
        f = ca.load(store, data, mapping=mapping).files[0]
        assert (f.rows_loaded, f.rows_quarantined, f.duplicates) == (3, 0, 1)
        ids = [
            r[0] for r in store.con.execute("SELECT interaction_id FROM interactions").fetchall()
        ]
        assert sorted(i.split(":", 1)[1] for i in ids) == [
            "export.csv:2",
            "export.csv:3",
            "export.csv:4",
        ]
        assert len({i.split(":")[0] for i in ids}) == 2  # lines 3 and 4: one record
        v = ca.metrics.variants(store, level="activity")
        assert v["variant"].tolist() == ["Insert ticket > Resolve ticket > Resolve ticket"]
    without = write(tmp_path, "default.toml", mapping.read_text().split("[load]")[0])
    with ca.Store() as store:
        f = ca.load(store, data, mapping=without).files[0]
        assert (f.rows_loaded, f.rows_quarantined) == (2, 1)
        (reason,) = store.con.execute("SELECT reason FROM quarantine").fetchone()
        assert reason.startswith("lines 3 and 4: interaction_id '")
        assert reason.endswith("' appears more than once; line 3 was kept")


def test_docs_attributes_example(store, tmp_path):
    data, mapping = doc_example(tmp_path, "Attributes")
    ca.load(store, data, mapping=mapping)
    kept = store.con.execute(
        "SELECT complaint_id, attributes['company'], attributes['state'] FROM complaints ORDER BY 1"
    ).fetchall()
    assert kept == [
        ("1001", "Acme Bank", "NY"),
        ("1002", "Acme Bank", None),
        ("1003", "Beta Loans", "TX"),
    ]


def test_docs_unpivot_example(store, tmp_path):
    data, mapping = doc_example(tmp_path, "Unpivot")
    f = ca.load(store, data, mapping=mapping).files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (6, 6, 0)
    rows = store.con.execute(
        "SELECT interaction_id, activity, stage, csat, source_row FROM interactions ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("p1:001", "Booking", "pre_interaction", 4, 2),
        ("p1:002", "Check-in", "initial_interaction", 5, 2),
        ("p1:003", "Flight", "service_delivery", None, 2),
        ("p2:001", "Booking", "pre_interaction", 2, 3),
        ("p2:002", "Check-in", "initial_interaction", 1, 3),
        ("p2:003", "Flight", "service_delivery", 3, 3),
    ]
