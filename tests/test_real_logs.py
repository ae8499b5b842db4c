"""The real, public logs of ``/work/shared/data/real`` (see its README) loaded with the mappings
of ``examples/mappings``, against counts made independently of cycleanalytics: pandas over the
raw file, in the file's order (issue #13).

Every test skips, saying why, when the logs are not on this machine.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

import cycleanalytics as ca

REAL = Path(os.environ.get("CYCLEANALYTICS_REAL_DATA", "/work/shared/data/real"))
MAPPINGS = Path(__file__).parent.parent / "examples" / "mappings"

HELPDESK = REAL / "helpdesk" / "helpdesk_events.csv"
BPIC2014 = REAL / "bpic2014_rabobank_incidents" / "incident_activity_events.csv.gz"
CFPB2016 = REAL / "cfpb_consumer_complaints" / "complaints_2013_and_2016_sample.csv"


def needs(path: Path) -> None:
    if not path.exists():
        pytest.skip(
            f"real log {path} is not on this machine (set CYCLEANALYTICS_REAL_DATA to the "
            "folder of the shared real logs to run this test)"
        )


def keeping_duplicates(mapping: Path, tmp_path: Path) -> Path:
    """The example mapping with ``[load] duplicates = "keep"`` added."""
    path = tmp_path / mapping.name
    path.write_text(mapping.read_text() + '\n[load]\nduplicates = "keep"\n', encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bpic2014() -> ca.Store:
    needs(BPIC2014)
    with ca.Store() as store:
        ca.load(store, BPIC2014, mapping=MAPPINGS / "bpic2014_incidents.toml")
        yield store


# -- order ------------------------------------------------------------------------------------
def bpic2014_stage(activity: str) -> str | None:
    """The stage rules of examples/mappings/bpic2014_incidents.toml, written again in Python."""
    if activity == "Open":
        return "initial_interaction"
    if re.fullmatch(
        r"Assignment|Reassignment|Operator Update|Update|Status Change|Caused By CI", activity
    ):
        return "service_delivery"
    if activity == "Closed":
        return "follow_up"
    if activity == "Quality Indicator Fixed":
        return "service_recovery"
    return None


def file_order_flows(frame: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Directly-follows counts of stages, events ordered by time and then by their row in the
    file (a stable sort keeps the file's order among events of the same time)."""
    frame = frame.assign(ts=pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601"))
    frame = frame.dropna(subset=["stage"]).sort_values(["case_id", "ts"], kind="stable")
    following = frame["stage"].shift(-1)
    same_case = frame["case_id"].eq(frame["case_id"].shift(-1))
    pairs = pd.DataFrame({"source": frame["stage"][same_case], "target": following[same_case]})
    return {k: int(v) for k, v in pairs.value_counts().items()}


def test_bpic2014_stage_flows_follow_the_file_order_as_pandas_counts_them(bpic2014):
    raw = pd.read_csv(BPIC2014, dtype=str)
    raw = raw[~raw.duplicated()]  # the load quarantines exact repeats, the first one kept
    expected = file_order_flows(raw.assign(stage=raw["activity"].map(bpic2014_stage)))
    got = ca.metrics.directly_follows(bpic2014)
    flows = {(r.source, r.target): int(r.count) for r in got.itertuples()}
    assert flows == expected
    # the figure in the file's order (11,869 when ties went by a hash of the record)
    assert flows[("follow_up", "service_delivery")] == 14_414


def test_bpic2014_keeps_the_row_of_every_event(bpic2014):
    rows, distinct, first, last = bpic2014.con.execute(
        "SELECT count(*), count(DISTINCT source_row), min(source_row), max(source_row) "
        "FROM interactions"
    ).fetchone()
    # 369,485 rows, header is line 1; five exact repeats went to the quarantine
    assert (rows, distinct, first, last) == (369_480, 369_480, 2, 369_486)


# -- duplicates -------------------------------------------------------------------------------
DUPLICATES = [
    pytest.param(HELPDESK, "helpdesk.toml", 127, id="helpdesk"),
    pytest.param(BPIC2014, "bpic2014_incidents.toml", 5, id="bpic2014", marks=pytest.mark.slow),
    pytest.param(CFPB2016, "cfpb_2016.toml", 11, id="cfpb2016"),
]


@pytest.mark.parametrize(("path", "mapping", "count"), DUPLICATES)
def test_exact_duplicates_are_counted_and_quarantined_by_default(tmp_path, path, mapping, count):
    needs(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert int(raw.duplicated().sum()) == count  # the file's own count, by pandas
    with ca.Store() as store:
        result = ca.load(store, path, mapping=MAPPINGS / mapping)
        f = result.files[0]
        assert f.duplicates == count and not f.duplicates_kept
        assert f.rows_quarantined == count
        assert f.rows_loaded == len(raw) - count
        assert f"{count:,} exact duplicate record(s) found and quarantined" in (
            f.duplicates_summary()
        )


@pytest.mark.parametrize(("path", "mapping", "count"), DUPLICATES)
def test_exact_duplicates_are_kept_as_events_when_the_mapping_says_so(
    tmp_path, path, mapping, count
):
    needs(path)
    rows = len(pd.read_csv(path, dtype=str, keep_default_na=False))
    with ca.Store() as store:
        result = ca.load(store, path, mapping=keeping_duplicates(MAPPINGS / mapping, tmp_path))
        f = result.files[0]
        assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (rows, rows, 0)
        assert f.duplicates == count and f.duplicates_kept
        assert "kept as events of their own" in f.duplicates_summary()


# -- unpivoted surveys: rows in = loaded + quarantined ---------------------------------------
AIRLINE = (
    REAL
    / "airline_passenger_satisfaction_sample"
    / ("airline_passenger_satisfaction_30pct_sample.csv")
)
SKYTRAX = REAL / "skytrax_airline_reviews" / "reviews.csv"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "mapping", "rows", "aspects"),
    [
        (AIRLINE, "airline_passenger_satisfaction.toml", 38_847, 14),
        (SKYTRAX, "skytrax_reviews.toml", 8_319, 7),
    ],
    ids=["airline", "skytrax"],
)
def test_surveys_load_as_journeys_of_rated_events(path, mapping, rows, aspects):
    needs(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(raw) == rows  # the README's count
    with ca.Store() as store:
        f = ca.load(store, path, mapping=MAPPINGS / mapping).files[0]
        assert f.rows_read == rows * aspects
        assert f.rows_read == f.rows_loaded + f.rows_quarantined
        # ratings: every non-zero answer, counted by pandas over the aspect columns
        spec = ca.ingest.read_mapping(MAPPINGS / mapping).unpivot
        answered = sum(int((raw[e.column] != "0").sum()) for e in spec.events)
        rated = store.con.execute("SELECT count(csat) FROM interactions").fetchone()[0]
        assert rated == answered
        # one journey per row, its events in the listed order
        top = ca.metrics.variants(store).iloc[0]
        assert top["cases"] == rows
        assert top["length"] == aspects


# -- the Olist marketing funnel: two files, one journey per lead -----------------------------
OLIST = REAL / "olist_marketing_funnel"


def test_olist_leads_and_won_deals_make_a_funnel_by_channel():
    leads_file = OLIST / "olist_marketing_qualified_leads_dataset.csv"
    deals_file = OLIST / "olist_closed_deals_dataset.csv"
    needs(leads_file)
    needs(deals_file)
    leads = pd.read_csv(leads_file, dtype=str, keep_default_na=False)
    deals = pd.read_csv(deals_file, dtype=str, keep_default_na=False)
    won = deals.merge(leads, on="mql_id")
    assert (len(leads), len(deals), len(won)) == (8_000, 842, 842)  # the README's counts
    # the ordered funnel counts a deal won on or after its lead's first contact: 841, as one
    # deal (the README's quirk) is won two days before its first contact
    in_order = won[pd.to_datetime(won["won_date"]) >= pd.to_datetime(won["first_contact_date"])]
    assert len(in_order) == 841
    expected = in_order["origin"].replace("", None).value_counts(dropna=False)
    with ca.Store() as store:
        ca.load(store, leads_file, mapping=MAPPINGS / "olist_leads.toml")
        ca.load(store, deals_file, mapping=MAPPINGS / "olist_closed_deals.toml")
        overall = ca.metrics.funnel(store)
        by_channel = ca.metrics.funnel(store, by="channel")
        kept = store.con.execute(
            "SELECT count(*) FROM interactions WHERE attributes['business_segment'] = 'pet'"
        ).fetchone()[0]
    delivery = overall.set_index("stage").loc["service_delivery"]
    assert (int(delivery["reached"]), int(overall["reached"].iloc[0])) == (841, 8_000)
    assert "never records Pre-interaction" in overall.attrs["entry_note"]
    got = by_channel[by_channel["stage"] == "service_delivery"]
    reached = {
        (None if pd.isna(c) else c): int(n)
        for c, n in zip(got["channel"], got["reached"], strict=True)
    }
    assert reached == {(None if pd.isna(c) else c): int(n) for c, n in expected.items()}
    assert reached["paid search"] == 195  # 12.3% of 1,586 (README)
    assert kept == int((deals["business_segment"] == "pet").sum())  # attributes are kept
