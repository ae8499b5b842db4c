"""Activity level (issue 13): directly-follows, variants, time between steps and rules on the
events' raw activities, against the hand-computed fixture of tests/data (funnel_cases.csv, the
eleven cases of test_funnel.py) and, on the real helpdesk log when present, against pm4py and an
independent SQL count on the same events in the store's order.

The fixture at activity level (ties in time: c08's e025/e026 and c11's e039/e040, ordered by id):

c01 VW FC DS SS      c05 VW FC SS          c09 FC DS SS
c02 VW FC DS         c06 VW FC DS CA SS    c10 VW FC DS SS
c03 RF FC            c07 VW DS FC SS       c11 VW FC Wait Refund
c04 VW               c08 VW RF FC Tr CA DS DS SS SS

(VW Visit website, RF Read FAQ, FC First contact, Tr Transfer, CA Call again, DS Deliver
service, SS Satisfaction survey.) 42 events, all with an activity (c11's Wait has no stage),
so 42 - 11 = 31 directly-follows pairs and 10 distinct variants.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import cycleanalytics as ca
from cycleanalytics.errors import MetricError
from cycleanalytics.metrics.conformance import ends_with, precedence, starts_with

REAL = Path(os.environ.get("CYCLEANALYTICS_REAL_DATA", "/work/shared/data/real"))
HELPDESK = REAL / "helpdesk/helpdesk_events.csv"
MAPPINGS = Path(__file__).parents[1] / "examples/mappings"


def _pairs(df: pd.DataFrame) -> dict[tuple[str, str], int]:
    return {(r.source, r.target): int(r.count) for r in df.itertuples()}


def test_hand_counted_activity_directly_follows(funnel_store):
    dfg = ca.metrics.directly_follows(funnel_store, level="activity")
    pairs = _pairs(dfg)
    assert sum(pairs.values()) == 31  # 42 events - 11 cases
    assert pairs[("Visit website", "First contact")] == 6  # c01 c02 c05 c06 c10 c11
    assert pairs[("First contact", "Deliver service")] == 5  # c01 c02 c06 c09 c10
    assert pairs[("First contact", "Transfer")] == 1  # c08's tie at 10:00, by id
    assert pairs[("Wait", "Refund issued")] == 1  # Wait has no stage: only at activity level
    assert pairs[("Deliver service", "Deliver service")] == 1  # c08, repeats kept
    # gaps VW -> FC: 1h 2h 1h 1h 1h 0h -> median 1h
    row = dfg[(dfg["source"] == "Visit website") & (dfg["target"] == "First contact")].iloc[0]
    assert row["median_hours"] == pytest.approx(1.0)
    assert dfg["allowed"].isna().all()  # the model judges stages, not activities
    assert dfg.attrs["level"] == "activity"
    assert dfg.attrs["filters"]["level"] == "activity"
    # stage level is unchanged: Wait is left out, so c11 goes I -> R
    stage = _pairs(ca.metrics.directly_follows(funnel_store))
    assert stage[("initial_interaction", "service_recovery")] == 1
    assert sum(stage.values()) == 41 - 11


def test_hand_counted_activity_directly_follows_collapsed(funnel_store):
    pairs = _pairs(ca.metrics.directly_follows(funnel_store, level="activity", collapse=True))
    # c08's DS DS and SS SS collapse: two pairs fewer
    assert sum(pairs.values()) == 29
    assert ("Deliver service", "Deliver service") not in pairs


def test_hand_counted_activity_variants(funnel_store):
    v = ca.metrics.variants(funnel_store, level="activity")
    assert len(v) == 10 and v.attrs["variants"] == 10 and int(v["cases"].sum()) == 11
    top = v.iloc[0]
    assert top["variant"] == "Visit website > First contact > Deliver service > Satisfaction survey"
    assert (top["cases"], top["length"]) == (2, 4)  # c01 c10
    assert top["share"] == pytest.approx(2 / 11)
    c08 = "Visit website > Read FAQ > First contact > Transfer > Call again > Deliver service"
    assert f"{c08} > Deliver service > Satisfaction survey > Satisfaction survey" in set(
        v["variant"]
    )
    assert v["conforming"].isna().all() and v["fitness"].isna().all()


def test_top_variants_with_the_rest_as_other(funnel_store):
    v = ca.metrics.variants(funnel_store, level="activity", top=3, other=True)
    assert list(v["cases"]) == [2, 1, 1, 7]
    last = v.iloc[-1]
    assert last["variant"] == "other (7 variants)"
    assert last["share"] == pytest.approx(7 / 11)
    assert pd.isna(last["length"]) and pd.isna(last["conforming"])
    assert v["share"].sum() == pytest.approx(1.0)
    # without other the rest is left out and counted as excluded
    plain = ca.metrics.variants(funnel_store, level="activity", top=3)
    assert plain.attrs["rows_excluded"] == {"in variants beyond the top": 7}
    # per group: each group's rest follows its top variants
    by = ca.metrics.variants(funnel_store, level="activity", by="channel", top=1, other=True)
    for _, part in by.groupby("channel"):
        assert part["variant"].iloc[-1].startswith("other (") or len(part) == 1
        assert part["share"].sum() == pytest.approx(1.0)
    with pytest.raises(MetricError, match="give top"):
        ca.metrics.variants(funnel_store, other=True)


def test_hand_computed_time_between_steps(funnel_store):
    df = ca.metrics.time_between_stages(funnel_store, level="activity")
    assert df.attrs["level"] == "activity" and int(df["moves"].sum()) == 31
    row = df[df["label"] == "Visit website → First contact"].iloc[0]
    # gaps 1 2 1 1 1 0 hours: type-7 quantiles of (0, 1, 1, 1, 1, 2)
    assert (row["cases"], row["moves"]) == (6, 6)
    assert row["median_hours"] == pytest.approx(1.0)
    assert row["p10_hours"] == pytest.approx(0.5)
    assert row["p90_hours"] == pytest.approx(1.5)
    assert row["mean_hours"] == pytest.approx(1.0)
    assert df.iloc[0]["label"] == "Visit website → First contact"  # most moves first
    row = df[df["label"] == "First contact → Deliver service"].iloc[0]
    # c01 24h, c02 24h, c06 23h, c09 2h, c10 24h
    assert row["median_hours"] == pytest.approx(24.0)
    assert row["mean_hours"] == pytest.approx(97 / 5)
    # a step repeated in a case counts each time: c08's Satisfaction survey twice, 5 minutes
    row = df[df["label"] == "Satisfaction survey → Satisfaction survey"].iloc[0]
    assert (row["cases"], row["moves"], row["median_hours"]) == (1, 1, pytest.approx(5 / 60))
    with pytest.raises(MetricError, match="funnel options"):
        ca.metrics.time_between_stages(funnel_store, level="activity", entry_within=2)


def test_time_between_steps_in_business_hours(funnel_store):
    from cycleanalytics.calendar import BusinessCalendar

    hours = {d: ("09:00", "17:00") for d in ("mon", "tue", "wed", "thu", "fri")}
    office = ca.metrics.time_between_stages(
        funnel_store, level="activity", calendar=BusinessCalendar(hours, [], "UTC")
    )
    row = office[office["label"] == "First contact → Deliver service"].iloc[0]
    # c01: Thu 1 Jan 10:00 -> Fri 2 Jan 10:00 is 8 working hours (7 + 1)
    elapsed = ca.metrics.time_between_stages(funnel_store, level="activity")
    assert row["moves"] == 5 and row["median_hours"] <= 8
    assert (office["mean_hours"] <= elapsed["mean_hours"] + 1e-9).all()


def test_hand_counted_activity_rules(funnel_store):
    rules = [
        starts_with("Visit website"),
        ends_with("Satisfaction survey"),
        precedence("First contact", "Deliver service"),
    ]
    df = ca.metrics.conformance_rules(funnel_store, rules=rules, level="activity")
    assert list(df["passing"]) == [9, 7, 10]  # c03 c09 start otherwise; c07 delivers first
    assert set(df["cases"]) == {11}
    with pytest.raises(MetricError, match="no default rules"):
        ca.metrics.conformance_rules(funnel_store, level="activity")
    with pytest.raises(MetricError, match="activities are: 'Call again'"):
        ca.metrics.conformance_rules(
            funnel_store, rules=[starts_with("pre_interaction")], level="activity"
        )


def test_unknown_level_is_refused(funnel_store):
    with pytest.raises(MetricError, match="unknown level 'case'"):
        ca.metrics.variants(funnel_store, level="case")


def test_activity_plots(funnel_store):
    v = ca.metrics.variants(funnel_store, level="activity", top=3, other=True)
    fig = ca.metrics.plot_variants(v)
    assert [t.name for t in fig.data][-2:] == ["other paths", "not judged by the model"]
    dfg = ca.metrics.directly_follows(funnel_store, level="activity")
    assert "not judged" in str(ca.metrics.plot_directly_follows(dfg).data[0].text)
    assert ca.metrics.plot_stage_flows(dfg).data[0].type == "sankey"


# -- the real helpdesk log: pm4py and SQL on the same events in the store's order -------------


@pytest.fixture(scope="module")
def helpdesk_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not HELPDESK.exists():
        pytest.skip(f"real helpdesk log not found at {HELPDESK}; set CYCLEANALYTICS_REAL_DATA")
    path = tmp_path_factory.mktemp("helpdesk") / "helpdesk.duckdb"
    with ca.Store(path) as store:
        ca.load(store, HELPDESK, mapping=MAPPINGS / "helpdesk.toml")
    return path


def _store_order(store: ca.Store) -> pd.DataFrame:
    """The store's events with an activity, in the order every sequence metric uses (the
    shared helpers of metrics/_sequences.py), as pm4py reads a log."""
    from cycleanalytics.metrics._sequences import activity_events, stage_events

    events = store.table("interactions")
    view, vocabulary = activity_events(events)
    ranked = stage_events(view, vocabulary, neighbours=False).execute()
    ranked["activity"] = [vocabulary.order[int(c) - 1] for c in ranked["code"]]
    return ranked.sort_values(["case_id", "pos"]).reset_index(drop=True)


def _sql_order(con: duckdb.DuckDBPyConnection) -> str:
    """The documented event order (metrics/_sequences.py), written out independently."""
    columns = {r[0] for r in con.execute("DESCRIBE interactions").fetchall()}
    keys = ["ts", *(c for c in ("load_id", "source_row") if c in columns), "interaction_id"]
    return ", ".join(f"coalesce({k}, 0)" if k in ("load_id", "source_row") else k for k in keys)


@pytest.mark.slow
def test_helpdesk_activity_level_equals_pm4py_and_sql(helpdesk_db):
    pm4py = pytest.importorskip("pm4py")
    with ca.Store(helpdesk_db) as store:
        ordered = _store_order(store)
        dfg = ca.metrics.directly_follows(store, level="activity")
        v = ca.metrics.variants(store, level="activity")
    log = pm4py.format_dataframe(
        ordered[["case_id", "activity", "ts"]].copy(),
        case_id="case_id",
        activity_key="activity",
        timestamp_key="ts",
    )
    theirs, _, _ = pm4py.discover_dfg(log)
    assert _pairs(dfg) == dict(theirs)
    variants = {tuple(k): n for k, n in pm4py.get_variants(log).items()}
    ours = {tuple(s.split(" > ")): int(n) for s, n in zip(v["variant"], v["cases"], strict=True)}
    assert ours == variants
    assert len(v) == len(variants)

    con = duckdb.connect(str(helpdesk_db), read_only=True)
    order = _sql_order(con)
    sql_pairs = con.execute(
        f"""
        SELECT activity, nxt, count(*) FROM (
          SELECT activity, lead(activity) OVER (PARTITION BY case_id ORDER BY {order}) AS nxt
          FROM interactions WHERE activity IS NOT NULL)
        WHERE nxt IS NOT NULL GROUP BY ALL
        """
    ).fetchall()
    assert _pairs(dfg) == {(a, b): n for a, b, n in sql_pairs}
    sql_variants = con.execute(
        f"""
        SELECT trace, count(*) FROM (
          SELECT case_id, string_agg(activity, ' > ' ORDER BY {order}) AS trace
          FROM interactions WHERE activity IS NOT NULL GROUP BY case_id)
        GROUP BY trace
        """
    ).fetchall()
    con.close()
    assert dict(zip(v["variant"], v["cases"].astype(int), strict=True)) == dict(sql_variants)


@pytest.mark.slow
def test_helpdesk_top_variants_stay_readable(helpdesk_db):
    with ca.Store(helpdesk_db) as store:
        v = ca.metrics.variants(store, level="activity", top=10, other=True)
    assert len(v) == 11 and v["variant"].iloc[-1].startswith("other (")
    assert int(v["cases"].sum()) == v.attrs["cases"]
