"""Resolution time against a published Kaplan-Meier example.

tests/data/resolution_freireich.csv holds the remission times of Freireich et al. (1963),
Blood 21:699, as tabulated in Kleinbaum & Klein, *Survival Analysis: A Self-Learning Text*
(3rd ed., 2012), ch. 2, turned into complaints: one week of remission is one week until
resolution. Category ``product`` is the 6-MP group (21 patients, 12 censored: 6+ 9+ 10+ 11+
17+ 19+ 20+ 25+ 32+ 32+ 34+ 35+), category ``communication`` the placebo group (21, none
censored). Censored complaints are open (empty ``resolved_at``) and were opened exactly their
censoring time before the as-of time 2026-12-31T00:00Z; resolved ones opened in January 2026.
Kleinbaum & Klein give S(t) for 6-MP .857 .807 .753 .690 .627 .538 .448 at 6 7 10 13 16 22 23
weeks, median 23 weeks (6-MP) and 8 weeks (placebo), placebo mean 8.67 weeks.
"""

from __future__ import annotations

import json
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cycleanalytics as ca
from cycleanalytics.metrics.resolution import (
    RESOLUTION_COLUMNS,
    plot_resolution_time,
    readable_resolution_time,
    resolution_time,
    resolution_time_expr,
)

DATA = Path(__file__).parent / "data"
AS_OF = "2026-12-31T00:00:00Z"
WEEK_H = 168.0


@pytest.fixture
def km_store(store):
    ca.load(store, [DATA / "resolution_freireich.csv"], kind="complaints")
    return store


def test_6mp_median_and_survival_match_kleinbaum_klein(km_store):
    df = resolution_time(km_store, by="category", as_of=AS_OF).set_index("category")
    assert list(df.reset_index().columns) == ["category", *RESOLUTION_COLUMNS]
    six = df.loc["product"]
    assert (six.complaints, six.resolved, six.censored) == (21, 9, 12)
    assert six.median_h == pytest.approx(23 * WEEK_H)
    assert six.median_lo == pytest.approx(13 * WEEK_H)  # log-log band (see test_stats.py)
    assert np.isnan(six.median_hi) and np.isnan(six.p75_h)  # not reached
    curve = pd.DataFrame(df.attrs["curve"])
    six_curve = curve[curve["category"] == "product"].set_index("hours")["open_share"]
    for weeks, s in {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538}.items():
        assert six_curve.loc[weeks * WEEK_H] == pytest.approx(s, abs=5e-4)
    placebo = df.loc["communication"]
    assert placebo.median_h == pytest.approx(8 * WEEK_H)
    assert placebo.restricted_mean_h == pytest.approx(182 / 21 * WEEK_H)
    assert placebo.p90_h == pytest.approx(17 * WEEK_H)  # S(17) = 2/21 <= 0.10


def test_open_complaints_are_censored_never_resolved(km_store):
    # As of 2026-01-05 nothing is resolved yet (the quickest took one week from January 1):
    # every complaint opened by then is open, so no percentile is reached.
    df = resolution_time(km_store, by="category", as_of="2026-01-05").set_index("category")
    assert df.loc["communication", "resolved"] == 0
    assert np.isnan(df.loc["communication", "median_h"])
    # Complaints opened after the as-of time are left out, not counted as open.
    # The 12 censored 6-MP complaints opened later in 2026; the other 9 + 21 in January.
    assert df["complaints"].sum() == 30
    assert df.attrs["censored"] == df["complaints"].sum()


def test_readable_table_says_not_reached(km_store):
    shown = readable_resolution_time(resolution_time(km_store, by="category", as_of=AS_OF))
    six = shown[shown["category"] == "product"].iloc[0]
    assert six["median"] == "3864 h (2184–not reached)"
    assert six["p75"] == "not reached"


def test_horizon_restricts_the_mean(km_store):
    # Placebo to 4 weeks: 1 + 19/21 + 17/21 + 16/21 weeks (S = 1, 19/21, 17/21, 16/21).
    df = resolution_time(km_store, by="category", as_of=AS_OF, horizon="28d")
    row = df.set_index("category").loc["communication"]
    assert row.restricted_mean_h == pytest.approx((1 + 19 / 21 + 17 / 21 + 16 / 21) * WEEK_H)


def test_filters_expression_and_figure(km_store):
    assert resolution_time(km_store, as_of=AS_OF, channel="fax")["complaints"].iloc[0] == 0
    assert resolution_time(km_store, as_of=AS_OF, period="2026-01")["complaints"].iloc[0] == 30
    sql = ibis.to_sql(resolution_time_expr(km_store, by="severity", as_of=AS_OF))
    assert "GROUP BY" in sql.upper()
    fig = plot_resolution_time(resolution_time(km_store, by="category", as_of=AS_OF))
    # small multiples: one panel per area, titled with it, the curve of all behind each
    assert [a.text for a in fig.layout.annotations] == ["communication", "product"]
    assert sorted({t.name for t in fig.data if t.hovertemplate}) == [
        "all complaints",
        "communication",
        "product",
    ]
    with pytest.raises(ca.MetricError, match="did you mean 'severity'"):
        resolution_time(km_store, by="severty")


complaint = st.tuples(st.integers(0, 2000), st.one_of(st.none(), st.integers(1, 3000)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(complaint, min_size=1, max_size=40))
def test_resolution_invariants(rows):
    start = pd.Timestamp("2026-01-01", tz="UTC")
    frame = pd.DataFrame(
        {
            "complaint_id": [f"p{i}" for i in range(len(rows))],
            "customer_id": "u",
            "opened_at": [start + pd.Timedelta(hours=o) for o, _ in rows],
            "resolved_at": [
                start + pd.Timedelta(hours=o + d) if d is not None else pd.NaT for o, d in rows
            ],
            "category": "product",
            "channel": "web",
        }
    )
    as_of = start + pd.Timedelta(hours=2500)
    df = resolution_time(ibis.memtable(frame), as_of=as_of.isoformat())
    row = df.iloc[0]
    opened = sum(1 for o, _ in rows if o <= 2500)
    really_resolved = sum(1 for o, d in rows if d is not None and o + d <= 2500)
    assert row.complaints == opened
    assert row.resolved == really_resolved  # censored complaints are never counted resolved
    for name in ("median", "p75", "p90"):
        if not np.isnan(row[f"{name}_h"]):
            assert row[f"{name}_lo"] <= row[f"{name}_h"]
    assert row.median_h <= row.p75_h or np.isnan(row.p75_h) or np.isnan(row.median_h)


@pytest.mark.slow
def test_recovers_the_generators_lognormal_resolution(tmp_path):
    """truth.json: resolution is lognormal from opened_at with median 144 h and sigma 0.9,
    censored at as_of; so p75 = 144 e^(0.6745 x 0.9) and p90 = 144 e^(1.2816 x 0.9)."""
    info = ca.generate_sample(tmp_path, customers=3000, months=6, seed=3)
    truth = json.loads(info.files["truth"].read_text())
    median, sigma = (
        truth["complaints"]["resolution_median_hours"],
        truth["complaints"]["resolution_sigma"],
    )
    with ca.Store() as store:
        ca.load(store, [p for kind, p in info.files.items() if kind != "truth"])
        row = resolution_time(store, as_of=truth["as_of"], confidence=0.999).iloc[0]
    assert row.censored > 0
    assert row.median_lo <= median <= row.median_hi
    assert row.p75_lo <= median * np.exp(0.674490 * sigma) <= row.p75_hi
    assert row.p90_lo <= median * np.exp(1.281552 * sigma) <= row.p90_hi
