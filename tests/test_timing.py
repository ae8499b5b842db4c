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

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cycleanalytics as ca
from cycleanalytics.metrics.timing import TIMING_COLUMNS

JANUARY = "2026-01-01..2026-02-01"


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
    df = ca.metrics.time_between_stages(table)
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
