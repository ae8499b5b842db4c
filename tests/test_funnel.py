"""The ordered funnel against the hand-computed fixture in tests/data/funnel_cases.csv.

The eleven cases, with stages P(re-interaction), I(nitial), D(elivery), F(ollow-up):
c01 P I D F (web)            c02 P I D (web)              c03 P I (web)        c04 P (web)
c05 P I F: delivery skipped  c06 P I D I F: backward move c07 P D I F: D before I, so
c08 P P I I I D D F F: repeats, a timestamp tie          only P and I count
c09 I D F: no pre-interaction (enters only with entry_within=2)
c10 P I D F in February      c11 P and I at the same second, an unmapped "Wait", recovery;
                             entry channel phone, later events by e-mail.
Expected numbers below were counted by hand from that table.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cycleanalytics as ca
from cycleanalytics.metrics import FUNNEL_COLUMNS, funnel_expr

JANUARY = "2026-01"
STAGES = ["pre_interaction", "initial_interaction", "service_delivery", "follow_up"]


def reached(df: pd.DataFrame) -> list[int]:
    return df["reached"].tolist()


def test_hand_counted_january(funnel_store):
    df = ca.funnel(funnel_store, period=JANUARY)
    assert list(df.columns) == list(FUNNEL_COLUMNS)
    assert df["stage"].tolist() == STAGES
    assert reached(df) == [9, 8, 4, 3]
    assert df["dropped"].tolist() == [0, 1, 4, 1]
    np.testing.assert_allclose(df["conversion"], [1, 8 / 9, 4 / 8, 3 / 4])
    np.testing.assert_allclose(df["from_entry"], [1, 8 / 9, 4 / 9, 3 / 9])
    np.testing.assert_allclose(df["dropped_share"], [0, 1 / 9, 4 / 8, 1 / 4])
    assert df.attrs["cases_entered"] == 9
    assert df.attrs["cases_total"] == 10  # c09 started in January but never entered
    assert df.attrs["period"] == "2026-01-01 to 2026-01-31"


def test_wilson_interval_of_conversion_hand_computed(funnel_store):
    # 8 of 9, z = 1.959964: centre (8/9 + z²/18) / (1 + z²/9), half-width by Wilson's formula,
    # worked out by hand: 0.5650 .. 0.9801.
    df = ca.funnel(funnel_store, period=JANUARY)
    row = df.iloc[1]
    assert row["conversion_lo"] == pytest.approx(0.5650, abs=1e-4)
    assert row["conversion_hi"] == pytest.approx(0.9801, abs=1e-4)


def test_all_data_includes_the_february_case(funnel_store):
    assert reached(ca.funnel(funnel_store)) == [10, 9, 5, 4]


def test_entry_at_stage_two_counts_case_without_pre_interaction(funnel_store):
    df = ca.funnel(funnel_store, period=JANUARY, entry_within=2)
    assert reached(df) == [10, 9, 5, 4]


def test_channel_filter_uses_channel_at_entry(funnel_store):
    # c11 entered by phone and continued by e-mail: it is a phone case.
    assert reached(ca.funnel(funnel_store, period=JANUARY, channel="phone")) == [5, 5, 2, 2]
    assert reached(ca.funnel(funnel_store, period=JANUARY, channel="email")) == [0, 0, 0, 0]


def test_breakdown_by_channel(funnel_store):
    df = ca.funnel(funnel_store, period=JANUARY, by="channel")
    assert list(df.columns) == ["channel", *FUNNEL_COLUMNS]
    got = {ch: reached(part) for ch, part in df.groupby("channel")}
    assert got == {"phone": [5, 5, 2, 2], "web": [4, 3, 2, 1]}


def test_breakdown_by_customer_segment_and_month(funnel_store):
    seg = ca.funnel(funnel_store, period=JANUARY, by="segment")
    assert {s: reached(p) for s, p in seg.groupby("segment")} == {
        "business": [5, 5, 2, 2],
        "consumer": [4, 3, 2, 1],
    }
    month = ca.funnel(funnel_store, by="month")
    got = {str(m)[:7]: reached(p) for m, p in month.groupby("month")}
    assert got == {"2026-01": [9, 8, 4, 3], "2026-02": [1, 1, 1, 1]}


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (timedelta(days=3), [9, 8, 4, 2]),  # c01's follow-up comes 97 h after its first event
        (timedelta(days=1), [9, 8, 2, 0]),  # deliveries at exactly +24 h (c06, c08) still count
    ],
)
def test_conversion_window_from_first_event(funnel_store, window, expected):
    assert reached(ca.funnel(funnel_store, period=JANUARY, window=window)) == expected


def test_period_with_no_cases_gives_zero_rows_not_an_error(funnel_store):
    df = ca.funnel(funnel_store, period="2025-01")
    assert reached(df) == [0, 0, 0, 0]
    assert df["conversion"].isna().all()
    assert df["conversion_lo"].isna().all()


def test_unknown_breakdown_column_suggests_the_closest(funnel_store):
    with pytest.raises(ca.MetricError, match="did you mean 'channel'"):
        ca.funnel(funnel_store, by="chanel")


def test_bad_options_are_rejected(funnel_store):
    with pytest.raises(ca.MetricError, match="entry_within"):
        ca.funnel(funnel_store, entry_within=7)
    with pytest.raises(ca.MetricError, match="window"):
        ca.funnel(funnel_store, window=timedelta(0))
    with pytest.raises(ca.MetricError, match="period"):
        ca.funnel(funnel_store, period="last tuesday")


def test_accepts_an_ibis_table(funnel_store):
    table = funnel_store.table("interactions")
    assert reached(ca.funnel(table, period=JANUARY)) == [9, 8, 4, 3]


def test_expression_compiles_to_sql(funnel_store):
    sql = ibis.to_sql(funnel_expr(funnel_store, by="channel"), dialect="duckdb")
    assert "ROW_NUMBER" in sql.upper()


def test_plot_funnel_has_one_bar_series_per_group(funnel_store):
    fig = ca.plot_funnel(ca.funnel(funnel_store, period=JANUARY))
    # the entry stage's bar and the others' share one bar slot (one series, two hovers)
    assert len({t.offsetgroup for t in fig.data}) == 1
    assert [x for t in fig.data for x in t.x] == [9, 8, 4, 3]
    fig = ca.plot_funnel(ca.funnel(funnel_store, period=JANUARY, by="channel"))
    assert sorted(t.name for t in fig.data if t.showlegend) == ["phone", "web"]
    assert sorted({t.offsetgroup for t in fig.data}) == ["phone", "web"]


# -- properties ---------------------------------------------------------------------------

event = st.tuples(
    st.integers(0, 5),  # case
    st.integers(0, 40),  # hour
    st.sampled_from([*STAGES, "service_recovery", None]),
    st.sampled_from(["web", "phone"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=st.lists(event, min_size=1, max_size=40), entry_within=st.integers(1, 2))
def test_ordered_funnel_invariants(events, entry_within):
    frame = pd.DataFrame(
        {
            "interaction_id": [f"e{i:03d}" for i in range(len(events))],
            "case_id": [f"c{c}" for c, *_ in events],
            "customer_id": [f"u{c}" for c, *_ in events],
            "ts": [
                pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(hours=h)
                for _, h, _, _ in events
            ],
            "stage": [s for *_, s, _ in events],
            "channel": [ch for *_, ch in events],
        }
    )
    table = ibis.memtable(frame)
    df = ca.funnel(table, entry_within=entry_within, by="channel")
    for _, part in df.groupby("channel"):
        counts = part["reached"].to_numpy()
        assert (np.diff(counts) <= 0).all(), "reached counts never increase along the funnel"
        assert (part["dropped"] >= 0).all()
    shares = df[["conversion", "from_entry", "dropped_share"]].to_numpy()
    shares = shares[~np.isnan(shares)]
    assert ((shares >= 0) & (shares <= 1)).all()
    ok = df["conversion"].notna()
    assert (df.loc[ok, "conversion_lo"] <= df.loc[ok, "conversion"]).all()
    assert (df.loc[ok, "conversion"] <= df.loc[ok, "conversion_hi"]).all()
    assert (df.loc[ok, "from_entry_lo"] <= df.loc[ok, "from_entry"]).all()
    assert (df.loc[ok, "from_entry"] <= df.loc[ok, "from_entry_hi"]).all()
    # Each case is counted once: the entries per group add up to the cases that entered (at
    # the first stage the data records, which need not be the model's first: issue 13).
    entered = df[df["stage"] == df.attrs["entry_stage"]]["reached"].sum()
    assert entered == df.attrs["cases_entered"]


def test_recovers_the_sample_generators_true_conversions(tmp_path):
    """truth.json states the conversion the ordered funnel should measure, per channel."""
    info = ca.generate_sample(tmp_path, customers=3000, months=6, seed=11)
    truth = json.loads(info.files["truth"].read_text())["funnel_conversion"]
    with ca.Store() as store:
        ca.load(store, [p for kind, p in info.files.items() if kind != "truth"])
        overall = ca.funnel(store, confidence=0.999)
        by_channel = ca.funnel(store, by="channel", confidence=0.999)
    for row in overall[overall["stage_index"] > 1].itertuples():
        assert row.conversion_lo <= truth["overall"][row.stage] <= row.conversion_hi, row
    for row in by_channel[by_channel["stage_index"] > 1].itertuples():
        expected = truth["by_channel"][row.channel][row.stage]
        assert row.conversion_lo <= expected <= row.conversion_hi, row


# -- funnel options (issue 4) ---------------------------------------------------------------
# Hand counts from the table at the top of this file.


def test_strict_mode_counts_only_unbroken_prefixes(funnel_store):
    # Collapsed sequences from entry: c05 P I F (F breaks after I), c06 P I D I F (breaks after
    # D), c07 P D I F (breaks after P), c11 P I R (recovery breaks after I); c08 collapses to
    # P I D F. Stage 2: c01 c02 c03 c05 c06 c08 c11; stage 3: c01 c02 c06 c08; stage 4: c01 c08.
    df = ca.funnel(funnel_store, period=JANUARY, mode="strict")
    assert reached(df) == [9, 7, 4, 2]
    assert df.attrs["mode"] == "strict"


def test_any_order_mode_counts_any_later_event_of_the_stage(funnel_store):
    # D: c01 c02 c06 c07 c08; F: c01 c05 c06 c07 c08. Of the 5 with D, 4 also have F (not c02);
    # of the 8 with I, all 5 with D have it.
    df = ca.funnel(funnel_store, period=JANUARY, mode="any_order")
    assert reached(df) == [9, 8, 5, 5]
    np.testing.assert_allclose(df["conversion"], [1, 8 / 9, 5 / 8, 4 / 5])
    assert df["dropped"].tolist() == [0, 1, 3, 1]


def test_time_to_convert_hand_computed(funnel_store):
    # P->I hours: c01 1, c02 2, c03 0.5, c05 1, c06 1, c07 2, c08 1, c11 0 -> median 1,
    # p90 (linear, position 6.3 of 0..7) 2. I->D: 24, 24, 23, 23 -> median 23.5, p90 24.
    # D->F: c01 72, c06 6, c08 24 -> median 24, p90 = 24 + 0.8 * 48 = 62.4.
    df = ca.funnel(funnel_store, period=JANUARY)
    assert np.isnan(df["hours_to_convert_median"].iloc[0])
    np.testing.assert_allclose(df["hours_to_convert_median"].iloc[1:], [1, 23.5, 24])
    np.testing.assert_allclose(df["hours_to_convert_p90"].iloc[1:], [2, 24, 62.4])


def test_window_from_entry_differs_from_first_event():
    # One case: an unmapped "Wait" two days before pre-interaction, initial interaction one day
    # after it. A 2-day window from the first event closes at the entry; from the entry, the
    # initial interaction (at +1 day) is inside it.
    start = pd.Timestamp("2026-03-01", tz="UTC")
    frame = pd.DataFrame(
        {
            "interaction_id": ["e1", "e2", "e3"],
            "case_id": ["k1"] * 3,
            "customer_id": ["u1"] * 3,
            "ts": [start, start + pd.Timedelta(days=2), start + pd.Timedelta(days=3)],
            "stage": [None, "pre_interaction", "initial_interaction"],
            "channel": ["web"] * 3,
        }
    )
    table = ibis.memtable(frame)
    late = "2026-04-01"
    first = ca.funnel(table, window="2d", as_of=late)
    entry = ca.funnel(table, window="2d", window_from="entry", as_of=late)
    assert reached(first) == [1, 0, 0, 0]
    assert reached(entry) == [1, 1, 0, 0]


def test_incomplete_cases_are_left_out_and_counted(funnel_store):
    # as-of = the latest event, 2026-02-04 10:00. With a 3-day window only c10 (start
    # 2026-02-02 09:00) has not had its window elapse.
    df = ca.funnel(funnel_store, window="3d")
    assert reached(df) == [9, 8, 4, 2]
    assert df.attrs["cases_incomplete"] == 1
    both = ca.funnel(funnel_store, window="3d", include_incomplete=True)
    assert reached(both) == [10, 9, 5, 3]
    # As of 2026-01-06 only c01 and c02 (started 1 and 2 January) are complete; c01's
    # follow-up came 97 h after its start, outside 3 days.
    early = ca.funnel(funnel_store, window="3d", as_of="2026-01-06")
    assert reached(early) == [2, 2, 2, 0]
    assert early.attrs["cases_incomplete"] == 8


def test_cohorts_by_entry_month(funnel_store):
    df = ca.funnel(funnel_store, cohort="month", entry_within=2)
    assert list(df.columns[:2]) == ["cohort", "stage"]
    got = {str(c)[:7]: reached(p) for c, p in df.groupby("cohort")}
    assert got == {"2026-01": [10, 9, 5, 4], "2026-02": [1, 1, 1, 1]}


def test_dropouts_at_delivery_with_time_in_cycle(funnel_store):
    # Reached initial interaction, not delivery: c03 (0.5 h in the cycle), c05 (49 h),
    # c07 (3 h: its delivery came before the initial interaction), c11 (48 h).
    df = ca.metrics.funnel_dropouts(funnel_store, stage="service_delivery", period=JANUARY)
    assert df["case_id"].tolist() == ["c05", "c11", "c07", "c03"]
    np.testing.assert_allclose(df["hours_in_cycle"], [49, 48, 3, 0.5])
    assert set(df["last_reached"]) == {"initial_interaction"}
    with pytest.raises(ca.MetricError, match="first stage"):
        ca.metrics.funnel_dropouts(funnel_store, stage="pre_interaction")
    with pytest.raises(ca.MetricError, match="not a funnel stage"):
        ca.metrics.funnel_dropouts(funnel_store, stage="service_recovery")


def test_bad_new_options_are_rejected(funnel_store):
    with pytest.raises(ca.MetricError, match="mode"):
        ca.funnel(funnel_store, mode="loose")
    with pytest.raises(ca.MetricError, match="window_from"):
        ca.funnel(funnel_store, window="1d", window_from="start")
    with pytest.raises(ca.MetricError, match="cohort"):
        ca.funnel(funnel_store, cohort="fortnight")


@pytest.mark.slow
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=st.lists(event, min_size=1, max_size=30))
def test_strict_within_ordered_within_any_order(events):
    """A strict prefix is an ordered path, and an ordered path's events come after the entry."""
    frame = pd.DataFrame(
        {
            "interaction_id": [f"e{i:03d}" for i in range(len(events))],
            "case_id": [f"c{c}" for c, *_ in events],
            "customer_id": [f"u{c}" for c, *_ in events],
            "ts": [
                pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(hours=h)
                for _, h, _, _ in events
            ],
            "stage": [s for *_, s, _ in events],
            "channel": [ch for *_, ch in events],
        }
    )
    table = ibis.memtable(frame)
    strict, ordered, anyorder = (
        ca.funnel(table, mode=m)["reached"].to_numpy() for m in ("strict", "ordered", "any_order")
    )
    assert (strict <= ordered).all() and (ordered <= anyorder).all()
    assert (np.diff(strict) <= 0).all()
    assert strict[0] == ordered[0] == anyorder[0]


# -- entry that fits the data (issue 13) ------------------------------------------------------


def _without_pre_interaction(store: ca.Store):
    t = store.table("interactions")
    return t.filter(t.stage != "pre_interaction")


def test_a_log_without_the_first_stage_enters_at_the_first_recorded_one(funnel_store):
    # Without pre-interaction: c04 is gone (it had only that), the ten others enter at I.
    # Then D after I: c01 c02 c06 c08 c09 c10 (c03 none, c05 none, c07 delivered before
    # its first contact, c11 recovered instead) = 6; F after D: c01 c06 c08 c09 c10 = 5.
    df = ca.funnel(_without_pre_interaction(funnel_store))
    assert list(df["stage"]) == ["initial_interaction", "service_delivery", "follow_up"]
    assert list(df["stage_index"]) == [2, 3, 4]  # the place in the model's funnel
    assert list(df["reached"]) == [10, 6, 5]
    assert df.attrs["entry_stage"] == "initial_interaction"
    assert df.attrs["unrecorded_stages"] == ["pre_interaction"]
    assert df.attrs["entry_note"] == (
        "The data never records Pre-interaction: journeys enter the funnel at Initial "
        "interaction, the first stage it does record."
    )
    assert df.attrs["cases_total"] == 10 and df.attrs["rows_used"] == 10
    # entering at the model's first stage, as before: nobody enters
    strict = ca.funnel(_without_pre_interaction(funnel_store), entry="model")
    assert list(strict["reached"]) == [0, 0, 0, 0] and strict.attrs["entry_note"] is None
    # a log that records the first stage is untouched
    whole = ca.funnel(funnel_store)
    assert whole.attrs["entry_note"] is None and whole["stage"].iloc[0] == "pre_interaction"


def test_time_between_stages_enters_where_the_funnel_does(funnel_store):
    df = ca.metrics.time_between_stages(_without_pre_interaction(funnel_store))
    assert list(df["from_stage"]) == ["initial_interaction", "service_delivery"]
    assert list(df["cases"]) == [6, 5]
    assert df.attrs["entry_note"].startswith("The data never records Pre-interaction")


def test_entry_within_on_the_command_line_and_report_parameters():
    from cycleanalytics.reports import notebook_parameters

    for report in ("stage_funnel", "executive_summary"):
        assert notebook_parameters(report)["entry_within"] == 1


BPIC2014 = (
    Path(os.environ.get("CYCLEANALYTICS_REAL_DATA", "/work/shared/data/real"))
    / "bpic2014_rabobank_incidents/incident_activity_events.csv.gz"
)


@pytest.mark.slow
def test_bpic2014_funnel_and_kpis_are_not_empty(tmp_path):
    if not BPIC2014.exists():
        pytest.skip(f"real BPIC 2014 log not found at {BPIC2014}; set CYCLEANALYTICS_REAL_DATA")
    from cycleanalytics.kpis import kpi_table

    mapping = Path(__file__).parents[1] / "examples/mappings/bpic2014_incidents.toml"
    with ca.Store(tmp_path / "b.duckdb", memory_limit="1GB") as store:
        ca.load(store, BPIC2014, mapping=mapping)
        df = ca.funnel(store)
        kpis = kpi_table(store)
    assert df["stage"].iloc[0] == "initial_interaction"
    assert df["reached"].iloc[0] == df.attrs["cases_total"] > 40_000
    assert "never records Pre-interaction" in df.attrs["entry_note"]
    drops = kpis[kpis["kpi"] == "dropoff"]
    assert len(drops) and (drops["n"] > 0).all()
