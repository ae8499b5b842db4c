"""Complaints against the hand-computed fixture tests/data/complaints_small.csv.

Seven complaints, as-of 2026-06-30T00:00Z, cases from tests/data/satisfaction_interactions.csv
(7 cases). product: p1 (u1, Jan 10, response 2 h, resolved), p2 (u1, Feb 10, 31 days after p1,
4 h, resolved, reopened), p3 (u1, Jun 1, 111 days after p2, 6 h, open), p5 (u2, Jan 20, no
response, resolved). communication: p4 (u2, Jan 5, 1 h, resolved), p6 (u3, Mar 1 12:00, 10 h,
resolved Mar 2), p7 (u3, May 15, 74.5 days after p6, 3 h, open).
Recurrence within 90 days: p1 (by p2) and p6 (by p7); judged only for complaints opened at
least 90 days before as-of (not p3, p7). Every number below was counted by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cycleanalytics as ca
from cycleanalytics.metrics.complaints import (
    COMPLAINTS_COLUMNS,
    complaint_backlog,
    complaints,
    complaints_expr,
    period_ends,
    plot_complaint_backlog,
    plot_complaints,
    readable_complaints,
)

DATA = Path(__file__).parent / "data"
AS_OF = "2026-06-30T00:00:00Z"


@pytest.fixture
def c_store(store):
    ca.load(
        store,
        [
            DATA / "satisfaction_customers.csv",
            DATA / "satisfaction_interactions.csv",
            DATA / "complaints_small.csv",
        ],
        kind=None,
    )
    return store


def test_counts_pareto_and_rate_hand_counted(c_store):
    df = complaints(c_store, as_of=AS_OF)
    assert list(df.columns) == ["category", *COMPLAINTS_COLUMNS]
    assert df["category"].tolist() == ["product", "communication"]  # Pareto order
    assert df["complaints"].tolist() == [4, 3]
    assert df["cumulative_share"].tolist() == pytest.approx([4 / 7, 1.0])
    assert df["cases"].tolist() == [7, 7]
    assert df["rate_per_1000_cases"].tolist() == pytest.approx([4000 / 7, 3000 / 7])


def test_first_response_reopen_and_recurrence_hand_counted(c_store):
    df = complaints(c_store, as_of=AS_OF).set_index("category")
    # Exact percentiles with linear interpolation: product 2, 4, 6 h; communication 1, 3, 10 h.
    assert df.loc["product", "first_response_median_h"] == pytest.approx(4.0)
    assert df.loc["product", "first_response_p90_h"] == pytest.approx(4 + 0.8 * 2)
    assert df.loc["communication", "first_response_median_h"] == pytest.approx(3.0)
    assert df.loc["communication", "first_response_p90_h"] == pytest.approx(3 + 0.8 * 7)
    assert df.loc["product", "awaiting_response"] == 1
    assert df.loc["product", ["resolved", "reopened"]].tolist() == [3, 1]
    assert df.loc["communication", ["resolved", "reopened"]].tolist() == [2, 0]
    assert df.loc["product", ["recurrence_eligible", "recurred"]].tolist() == [3, 1]
    assert df.loc["communication", ["recurrence_eligible", "recurred"]].tolist() == [2, 1]
    # Wilson 1 of 3 (Newcombe 1998 style, by hand): 0.0615 .. 0.7923
    assert df.loc["product", "reopen_rate_lo"] == pytest.approx(0.0615, abs=1e-4)
    assert df.loc["product", "reopen_rate_hi"] == pytest.approx(0.7923, abs=1e-4)


def test_a_shorter_horizon_changes_recurrence(c_store):
    # p1 -> p2 is 31 days and p6 -> p7 74.5 days: neither within 30 days.
    df = complaints(c_store, as_of=AS_OF, horizon="30d")
    assert df["recurred"].sum() == 0
    # With 28 days even p3 (Jun 1 08:00 + 28 d = Jun 29 08:00) and p7 are judged.
    assert complaints(c_store, as_of=AS_OF, horizon="28d")["recurrence_eligible"].sum() == 7


def test_breakdowns_and_filters(c_store):
    by_month = complaints(c_store, as_of=AS_OF, by="month")
    jan = by_month[by_month["month"].astype(str).str.startswith("2026-01")]
    assert dict(zip(jan["category"], jan["complaints"], strict=True)) == {
        "product": 2,
        "communication": 1,
    }
    assert jan["cases"].tolist() == [4, 4]  # k1-k4 started in January
    by_severity = complaints(c_store, as_of=AS_OF, by="severity")
    assert by_severity["complaints"].sum() == 7
    assert (by_severity["cases"] == 7).all()  # a complaint column: the period's total cases
    web = complaints(c_store, as_of=AS_OF, channel="web")
    assert web["complaints"].sum() == 4


def test_backlog_at_each_month_end(c_store):
    df = complaint_backlog(c_store, as_of=AS_OF)
    ends = [t.strftime("%Y-%m-%d") for t in df["period_end"]]
    month_ends = ["2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"]
    assert ends == [*month_ends, "2026-06-30"]  # and the as-of time itself
    assert df["open"].tolist() == [0, 0, 0, 0, 1, 2]  # p7 from May 15, p3 from Jun 1
    by_area = complaint_backlog(c_store, as_of=AS_OF, by="category")
    assert by_area.groupby("period_end")["open"].sum().tolist() == [0, 0, 0, 0, 1, 2]


def test_period_ends_helper():
    ends = period_ends(datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC), "month")
    assert [e.day for e in ends] == [1, 1] and ends[-1].month == 3


def test_errors_expression_figures(c_store):
    with pytest.raises(ca.MetricError, match="horizon"):
        complaints(c_store, horizon="0d")
    with pytest.raises(ca.MetricError, match="personal data"):
        complaints(c_store, by="text")
    sql = ibis.to_sql(complaints_expr(c_store, as_of=AS_OF))
    assert "JOIN" in sql.upper()
    assert [t.type for t in plot_complaints(complaints(c_store, as_of=AS_OF)).data] == [
        "bar",
        "scatter",
    ]
    assert len(plot_complaint_backlog(complaint_backlog(c_store, as_of=AS_OF)).data) == 1
    assert readable_complaints(complaints(c_store, as_of=AS_OF))["share"].iloc[0] == "57.1%"


row = st.tuples(
    st.integers(0, 3),  # customer
    st.sampled_from(["product", "communication", "image"]),
    st.integers(0, 200),  # day opened
    st.booleans(),  # reopened
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row, min_size=1, max_size=30))
def test_complaints_invariants(rows):
    start = pd.Timestamp("2026-01-01", tz="UTC")
    frame = pd.DataFrame(
        {
            "complaint_id": [f"p{i:03d}" for i in range(len(rows))],
            "customer_id": [f"u{r[0]}" for r in rows],
            "opened_at": [start + pd.Timedelta(days=r[2]) for r in rows],
            "first_response_at": [start + pd.Timedelta(days=r[2], hours=2) for r in rows],
            "resolved_at": [start + pd.Timedelta(days=r[2] + 3) for r in rows],
            "category": [r[1] for r in rows],
            "channel": "web",
            "reopened": [r[3] for r in rows],
        }
    )
    df = complaints(ibis.memtable(frame), as_of="2026-09-01")
    assert df["complaints"].sum() == len(rows)
    assert df["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert (np.diff(df["complaints"]) <= 0).all()
    for name in ("reopen_rate", "recurrence_rate"):
        ok = df[name].notna()
        assert ((df.loc[ok, name] >= 0) & (df.loc[ok, name] <= 1)).all()
        assert (df.loc[ok, f"{name}_lo"] <= df.loc[ok, name] + 1e-12).all()
        assert (df.loc[ok, name] <= df.loc[ok, f"{name}_hi"] + 1e-12).all()
    assert (df["recurred"] <= df["recurrence_eligible"]).all()
