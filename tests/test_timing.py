"""Time between stages against the hand-computed fixture of tests/data/funnel_cases.csv
(the eleven cases are described in test_funnel.py). Hours between first reaching consecutive
stages (ordered funnel), January cases:

P -> I: c01 1, c02 2, c03 0.5, c05 1, c06 1, c07 2, c08 1, c11 0     (8 cases)
I -> D: c01 24, c02 24, c06 23, c08 23                               (4 cases)
D -> F: c01 72, c06 6, c08 24                                        (3 cases)

Quantiles are linear interpolation between order statistics (type 7, numpy's default), worked
out by hand below.
"""

from __future__ import annotations

import io
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cycleanalytics as ca
from cycleanalytics.calendar import BusinessCalendar
from cycleanalytics.metrics.timing import TIMING_COLUMNS

JANUARY = "2026-01"


def test_hand_computed_counts_and_quantiles(funnel_store):
    df = ca.metrics.time_between_stages(funnel_store, period=JANUARY)
    assert list(df.columns) == list(TIMING_COLUMNS)
    assert df["to_stage"].tolist() == ["initial_interaction", "service_delivery", "follow_up"]
    assert df["cases"].tolist() == [8, 4, 3]
    # P -> I sorted: 0, .5, 1, 1, 1, 1, 2, 2. p10 at position 0.7: 0.35; p25 at 1.75: 0.875;
    # median 1; p75 at 5.25: 1.25; p90 at 6.3: 2; mean 8.5 / 8.
    first = df.iloc[0]
    np.testing.assert_allclose(
        first[["p10_hours", "p25_hours", "median_hours", "p75_hours", "p90_hours"]].astype(float),
        [0.35, 0.875, 1, 1.25, 2],
    )
    assert first["mean_hours"] == pytest.approx(1.0625)
    np.testing.assert_allclose(df["median_hours"], [1, 23.5, 24])
    np.testing.assert_allclose(df["mean_hours"], [1.0625, 23.5, 34])
    np.testing.assert_allclose(df["p90_hours"], [2, 24, 62.4])


def test_mean_interval_hand_computed(funnel_store):
    # D -> F: 6, 24, 72; sd = sqrt(2328 / 2) = 34.1174; se = 19.6977; t(0.975, 2) = 4.302653
    # (textbook t table: 4.303); half-width 84.752.
    df = ca.metrics.time_between_stages(funnel_store, period=JANUARY)
    last = df.iloc[2]
    assert last["mean_hours_lo"] == pytest.approx(34 - 84.752, abs=0.01)
    assert last["mean_hours_hi"] == pytest.approx(34 + 84.752, abs=0.01)


def test_breakdown_by_channel(funnel_store):
    df = ca.metrics.time_between_stages(funnel_store, period=JANUARY, by="channel")
    web = df[df["channel"] == "web"]
    # Web cases: c01, c02, c03 (c04 never reached I). P -> I: 1, 2, 0.5.
    assert web["cases"].tolist() == [3, 2, 1]
    assert web["median_hours"].iloc[0] == pytest.approx(1)


def test_plot_has_one_box_per_group(funnel_store):
    fig = ca.metrics.plot_time_between_stages(
        ca.metrics.time_between_stages(funnel_store, by="channel")
    )
    # c09, the only chat case, has no pre-interaction and does not enter.
    assert sorted(t.name for t in fig.data) == ["phone", "web"]
    assert fig.data[0].type == "box"


stage = st.sampled_from(
    ["pre_interaction", "initial_interaction", "service_delivery", "follow_up", None]
)


@pytest.mark.slow
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    events=st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 10_000_000), stage), min_size=1, max_size=30
    )
)
def test_quantiles_are_ordered_and_match_numpy(events):
    """Percentiles are non-decreasing and equal numpy's (type 7) on the per-case gaps, to the
    microsecond."""
    frame = pd.DataFrame(
        {
            "interaction_id": [f"e{i:03d}" for i in range(len(events))],
            "case_id": [f"c{c}" for c, _, _ in events],
            "customer_id": "u",
            "ts": [
                pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(seconds=s) for _, s, _ in events
            ],
            "stage": [s for *_, s in events],
            "channel": "web",
        }
    )
    table = ibis.memtable(frame)
    # the model's own entry, as reach_table has it (a log without pre-interaction would
    # otherwise enter at the first stage it records)
    df = ca.metrics.time_between_stages(table, entry="model")
    reach = ca.metrics.reach_table(table).execute()
    for k, row in enumerate(df.itertuples(), start=2):
        gaps = (reach[f"t_{k}"] - reach[f"t_{k - 1}"]).dropna().dt.total_seconds() / 3600
        assert row.cases == len(gaps)
        if len(gaps):
            expected = np.percentile(gaps, [10, 25, 50, 75, 90])
            got = [row.p10_hours, row.p25_hours, row.median_hours, row.p75_hours, row.p90_hours]
            np.testing.assert_allclose(got, expected, atol=1e-9)
            assert (np.diff(got) >= -1e-12).all()
            assert row.mean_hours == pytest.approx(gaps.mean())


# Business hours: tests/data/calendar_berlin.toml (Mon-Fri 09:00-17:00 Europe/Berlin, UTC+1 in
# January; 2026-01-01 closed). Three cases, local times in the comments:
#   c1 (web):   P Fri 01-09 16:00, I Mon 01-12 10:00 -> 1 h Friday + 1 h Monday = 2 h (66 h elapsed)
#   c2 (web):   P Tue 01-06 10:00, I Tue 01-06 14:00 -> 4 h
#   c3 (phone): P Wed 12-31 16:00, I Fri 01-02 11:00 -> 1 h + holiday + 2 h = 3 h (43 h elapsed);
#               D Fri 01-02 18:00 (after closing)   -> 11:00-17:00 = 6 h (7 h elapsed)
# P -> I sorted 2, 3, 4: median 3, mean 3, p10 at position 0.2: 2.2, p90 at 1.8: 3.8.
BUSINESS_EVENTS = [
    ("e1", "c1", "2026-01-09T15:00:00Z", "pre_interaction", "web"),
    ("e2", "c1", "2026-01-12T09:00:00Z", "initial_interaction", "web"),
    ("e3", "c2", "2026-01-06T09:00:00Z", "pre_interaction", "web"),
    ("e4", "c2", "2026-01-06T13:00:00Z", "initial_interaction", "web"),
    ("e5", "c3", "2025-12-31T15:00:00Z", "pre_interaction", "phone"),
    ("e6", "c3", "2026-01-02T10:00:00Z", "initial_interaction", "phone"),
    ("e7", "c3", "2026-01-02T17:00:00Z", "service_delivery", "phone"),
]
CALENDAR = Path(__file__).parent / "data" / "calendar_berlin.toml"


@pytest.fixture
def business_events() -> ibis.Table:
    frame = pd.DataFrame(
        BUSINESS_EVENTS, columns=["interaction_id", "case_id", "ts", "stage", "channel"]
    )
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    frame["customer_id"] = frame["case_id"]
    return ibis.memtable(frame)


def test_business_hours_hand_computed(business_events):
    elapsed = ca.metrics.time_between_stages(business_events)
    df = ca.metrics.time_between_stages(business_events, calendar=CALENDAR)
    assert list(df.columns) == list(TIMING_COLUMNS)
    assert df["cases"].tolist() == [3, 1, 0] == elapsed["cases"].tolist()
    first = df.iloc[0]
    np.testing.assert_allclose(
        first[["p10_hours", "median_hours", "p90_hours", "mean_hours"]].astype(float),
        [2.2, 3, 3.8, 3],
    )
    # Elapsed: 66, 4, 43 -> mean 37.667; the calendar must change the answer.
    assert elapsed["mean_hours"].iloc[0] == pytest.approx(113 / 3)
    assert df["median_hours"].iloc[1] == 6 and elapsed["median_hours"].iloc[1] == 7
    # One case: no interval.
    assert np.isnan(df["mean_hours_lo"].iloc[1]) and np.isnan(df["mean_hours"].iloc[2])
    # t interval of 2, 3, 4: sd 1, se 1/sqrt(3), t(0.975, 2) = 4.302653 -> half 2.48414.
    assert first["mean_hours_lo"] == pytest.approx(3 - 2.48414, abs=1e-4)
    assert df.attrs["unit"] == "business hours" and "Europe/Berlin" in df.attrs["time"]
    assert elapsed.attrs["time"] == "elapsed"


def test_business_hours_by_channel(business_events):
    df = ca.metrics.time_between_stages(business_events, by="channel", calendar=CALENDAR)
    assert df["channel"].tolist() == ["phone"] * 3 + ["web"] * 3
    assert df["cases"].tolist() == [1, 1, 0, 2, 0, 0]
    # phone P -> I: 3 h; web: 2 and 4 h.
    np.testing.assert_allclose(df["median_hours"].iloc[[0, 1, 3]], [3, 6, 3])


def test_business_hours_from_the_command_line(sample_db):
    from click.testing import CliRunner

    from cycleanalytics.cli import main

    runner = CliRunner()
    args = ["metric", "time_between_stages", "--db", str(sample_db), "--format", "csv"]
    result = runner.invoke(main, [*args, "--calendar", str(CALENDAR)])
    assert result.exit_code == 0, result.output
    elapsed = runner.invoke(main, args)
    got = pd.read_csv(io.StringIO(result.output))
    plain = pd.read_csv(io.StringIO(elapsed.output))
    assert got["cases"].tolist() == plain["cases"].tolist()
    assert (got["mean_hours"] < plain["mean_hours"]).all()

    missing = runner.invoke(main, [*args, "--calendar", "nowhere.toml"])
    assert missing.exit_code == 6
    assert "calendar file not found: nowhere.toml" in missing.output


@pytest.mark.slow
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    events=st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 30_000_000), stage), min_size=1, max_size=30
    )
)
def test_always_open_calendar_equals_elapsed_time(events):
    """A 24/7 calendar without holidays, even in a zone with DST switches (the events span
    January to December 2026), gives exactly the engine's elapsed-time answer."""
    frame = pd.DataFrame(
        {
            "interaction_id": [f"e{i:03d}" for i in range(len(events))],
            "case_id": [f"c{c}" for c, _, _ in events],
            "customer_id": "u",
            "ts": [
                pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(seconds=s) for _, s, _ in events
            ],
            "stage": [s for *_, s in events],
            "channel": "web",
        }
    )
    table = ibis.memtable(frame)
    elapsed = ca.metrics.time_between_stages(table)
    always = ca.metrics.time_between_stages(
        table, calendar=BusinessCalendar.always_open("Europe/Berlin")
    )
    pd.testing.assert_frame_equal(always, elapsed, check_exact=False, rtol=1e-9, atol=1e-9)
