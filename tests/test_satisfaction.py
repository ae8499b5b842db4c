"""Satisfaction against the hand-computed fixture tests/data/satisfaction_interactions.csv.

Ten interactions of seven cases. January: k1 (web) survey CSAT 5, NPS 10, CES 7 and an
unscored first contact; k2 (web) 4/9/6; k3 (phone) a contact rating CSAT 3 and a survey
2/3/2; k4 (phone) an unanswered survey. February: k5 (web) 1/6/-; k6 (phone) 5/8/5; k7 (web)
an unscored browse and a survey CSAT 4. Customers u1, u2, u5 are consumers; u3, u4, u6 business.
Every expected number below was counted by hand from that table.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cycleanalytics as ca
from cycleanalytics.metrics.satisfaction import (
    SATISFACTION_COLUMNS,
    plot_satisfaction,
    plot_satisfaction_change,
    readable_satisfaction,
    satisfaction,
    satisfaction_change,
    satisfaction_expr,
)
from cycleanalytics.stats import wilson_interval

DATA = Path(__file__).parent / "data"

T_975_2 = 4.302653  # t table, 2 degrees of freedom
Z = 1.959964
JAN15 = pd.Timestamp("2026-01-15", tz="UTC")


@pytest.fixture
def sat_store(store):
    ca.load(
        store,
        [DATA / "satisfaction_customers.csv", DATA / "satisfaction_interactions.csv"],
        kind=None,
    )
    return store


def test_overall_scores_hand_counted(sat_store):
    df = satisfaction(sat_store)
    assert list(df.columns) == list(SATISFACTION_COLUMNS)
    row = df.iloc[0]
    assert (row.interactions, row.responses) == (10, 7)
    assert row.response_rate == pytest.approx(0.7)
    assert (row.csat_n, row.csat_top) == (7, 4)  # 5 4 3 2 1 5 4
    assert row.csat == pytest.approx(4 / 7)
    assert (row.nps_n, row.promoters, row.passives, row.detractors) == (5, 2, 1, 2)
    assert row.nps == pytest.approx(0.0)
    assert row.ces_n == 4 and row.ces == pytest.approx(5.0)  # 7 6 2 5
    assert bool(row.low_n)  # 7 < 30


def test_january_intervals_hand_computed(sat_store):
    row = satisfaction(sat_store, period="2026-01").iloc[0]
    assert (row.interactions, row.responses, row.csat_n, row.csat_top) == (6, 4, 4, 2)
    # CSAT 2/4 Wilson: centre (0.5 + z²/8)/(1 + z²/4) = 0.5, half-width
    # z sqrt(0.25/4 + z²/64)/(1 + z²/4) = 0.3498: 0.1500 .. 0.8500.
    assert (row.csat_lo, row.csat_hi) == pytest.approx((0.1500, 0.8500), abs=1e-4)
    # NPS: promoters 2 of 3, detractors 1 of 3: 33.33; var (1 - 1/9)/3 = 0.2963.
    assert row.nps == pytest.approx(100 / 3)
    half = 100 * Z * math.sqrt((1 - 1 / 9) / 3)
    assert row.nps_lo == pytest.approx(max(-100, 100 / 3 - half))
    assert row.nps_hi == pytest.approx(min(100, 100 / 3 + half))
    # CES 7, 6, 2: mean 5, SD sqrt(14/2), t interval with 2 df.
    half = T_975_2 * math.sqrt(7) / math.sqrt(3)
    assert (row.ces_lo, row.ces_hi) == pytest.approx((5 - half, 5 + half), abs=1e-5)


def test_breakdowns_by_channel_segment_stage_and_month(sat_store):
    by_channel = satisfaction(sat_store, by="channel").set_index("channel")
    assert by_channel.loc["web", ["interactions", "csat_n", "csat_top"]].tolist() == [6, 4, 3]
    assert by_channel.loc["phone", ["interactions", "csat_n", "csat_top"]].tolist() == [4, 3, 1]
    by_segment = satisfaction(sat_store, by="segment").set_index("segment")
    assert by_segment.loc["consumer", ["interactions", "csat_n", "csat_top"]].tolist() == [5, 4, 3]
    assert by_segment.loc["business", ["interactions", "csat_n", "csat_top"]].tolist() == [5, 3, 1]
    by_stage = satisfaction(sat_store, by="stage").set_index("stage")
    assert by_stage.loc["follow_up", ["interactions", "csat_n", "csat_top"]].tolist() == [7, 6, 4]
    assert by_stage.loc["initial_interaction", ["csat_n", "csat_top"]].tolist() == [1, 0]
    assert by_stage.loc["pre_interaction", "responses"] == 0
    assert np.isnan(by_stage.loc["pre_interaction", "csat"])
    by_month = satisfaction(sat_store, by="month")
    assert by_month["csat_top"].tolist() == [2, 2] and by_month["csat_n"].tolist() == [4, 3]
    assert by_month["nps"].tolist() == pytest.approx([100 / 3, -50.0])
    by_agent = satisfaction(sat_store, by="agent_id")
    assert by_agent["interactions"].sum() == 10


def test_channel_filter_and_top_box(sat_store):
    row = satisfaction(sat_store, channel="phone", top_box=3).iloc[0]
    assert (row.csat_n, row.csat_top) == (3, 2)  # 3, 2, 5 with top box 3-5


def test_change_january_to_february_hand_computed(sat_store):
    # 2/4 -> 2/3: pooled 4/7, se = sqrt(4/7 x 3/7 x (1/4 + 1/3)) = 0.377964, z = 0.440958.
    df = satisfaction_change(sat_store, min_n=1)
    assert len(df) == 1
    row = df.iloc[0]
    assert row.change == pytest.approx(2 / 3 - 1 / 2)
    assert row.statistic == pytest.approx(0.440958, abs=1e-6)
    assert row.p_value == pytest.approx(0.659241, abs=1e-5)
    assert not row.flagged
    # The default minimum n (30) is never met here: the flag cannot fire.
    assert not satisfaction_change(sat_store)["enough_n"].any()


def test_nps_change_hand_computed(sat_store):
    # Jan 2/0/1 of 3 (NPS 33.3), Feb 0/1/1 of 2 (NPS -50): change -83.3 points;
    # variances (1 - 1/9)/3 and (0.5 - 0.25)/2.
    row = satisfaction_change(sat_store, score="nps", min_n=1).iloc[0]
    se = math.sqrt((1 - 1 / 9) / 3 + 0.25 / 2)
    assert row.change == pytest.approx(-50 - 100 / 3)
    assert row.statistic == pytest.approx((-0.5 - 1 / 3) / se)


def _scores(csat: list[int], month: str) -> pd.DataFrame:
    n = len(csat)
    return pd.DataFrame(
        {
            "interaction_id": [f"{month}-{i}" for i in range(n)],
            "case_id": [f"{month}-{i}" for i in range(n)],
            "customer_id": [f"{month}-{i}" for i in range(n)],
            "ts": pd.Timestamp(f"2026-{month}-10", tz="UTC"),
            "stage": "follow_up",
            "channel": "web",
            "agent_id": None,
            "csat": csat,
            "nps": pd.array([None] * n, dtype="Int8"),
            "ces": pd.array([None] * n, dtype="Int8"),
        }
    )


def test_flag_fires_on_a_large_clear_change_only():
    # 30 of 100 top box, then 70 of 100: z = 0.4 / sqrt(0.5 x 0.5 x 0.02) = 5.657.
    frame = pd.concat([_scores([5] * 30 + [2] * 70, "01"), _scores([5] * 70 + [2] * 30, "02")])
    df = satisfaction_change(ibis.memtable(frame))
    assert df["statistic"].iloc[0] == pytest.approx(0.4 / math.sqrt(0.005))
    assert bool(df["flagged"].iloc[0])
    # The same shares on 10 responses each are not flagged (below the minimum n).
    frame = pd.concat([_scores([5] * 3 + [2] * 7, "01"), _scores([5] * 7 + [2] * 3, "02")])
    assert not satisfaction_change(ibis.memtable(frame))["flagged"].iloc[0]


def test_errors_name_the_option(sat_store):
    with pytest.raises(ca.MetricError, match="did you mean 'channel'"):
        satisfaction(sat_store, by="chanel")
    with pytest.raises(ca.MetricError, match="top_box"):
        satisfaction(sat_store, top_box=6)
    with pytest.raises(ca.MetricError, match="score"):
        satisfaction_change(sat_store, score="ces")


def test_expression_compiles_and_figures_draw(sat_store):
    sql = ibis.to_sql(satisfaction_expr(sat_store, by="channel"), dialect="duckdb")
    assert "GROUP BY" in sql.upper()
    assert plot_satisfaction(satisfaction(sat_store, by="month")).data[0].type == "scatter"
    assert plot_satisfaction(satisfaction(sat_store, by="channel")).data[0].type == "bar"
    assert len(plot_satisfaction_change(satisfaction_change(sat_store, min_n=1)).data) == 1
    shown = readable_satisfaction(satisfaction(sat_store))
    assert shown["CSAT"].iloc[0].startswith("57.1%")


def test_registered_for_the_cli():
    assert {"satisfaction", "satisfaction_change"} <= set(ca.metrics.REGISTRY)


# -- properties ---------------------------------------------------------------------------

row = st.tuples(
    st.integers(0, 3),  # month offset
    st.sampled_from(["web", "phone", "chat"]),
    st.one_of(st.none(), st.integers(1, 5)),
    st.one_of(st.none(), st.integers(0, 10)),
    st.one_of(st.none(), st.integers(1, 7)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row, min_size=1, max_size=50))
def test_satisfaction_invariants(rows):
    n = len(rows)
    frame = pd.DataFrame(
        {
            "interaction_id": [f"e{i}" for i in range(n)],
            "case_id": [f"c{i}" for i in range(n)],
            "customer_id": [f"u{i}" for i in range(n)],
            "ts": [
                pd.Timestamp("2026-01-15", tz="UTC") + pd.DateOffset(months=m) for m, *_ in rows
            ],
            "stage": "follow_up",
            "channel": [r[1] for r in rows],
            "csat": pd.array([r[2] for r in rows], dtype="Int8"),
            "nps": pd.array([r[3] for r in rows], dtype="Int8"),
            "ces": pd.array([r[4] for r in rows], dtype="Int8"),
        }
    )
    df = satisfaction(ibis.memtable(frame), by=["channel", "month"])
    assert df["interactions"].sum() == n
    for col in ("csat", "response_rate"):
        ok = df[col].notna()
        assert ((df.loc[ok, col] >= 0) & (df.loc[ok, col] <= 1)).all()
    for col in ("csat", "nps", "ces", "response_rate"):
        ok = df[col].notna() & df[f"{col}_lo"].notna()
        assert (df.loc[ok, f"{col}_lo"] <= df.loc[ok, col] + 1e-9).all()
        assert (df.loc[ok, col] <= df.loc[ok, f"{col}_hi"] + 1e-9).all()
    ok = df["nps"].notna()
    assert ((df.loc[ok, "nps"] >= -100) & (df.loc[ok, "nps"] <= 100)).all()
    assert (df["promoters"] + df["passives"] + df["detractors"] == df["nps_n"]).all()
    change = satisfaction_change(ibis.memtable(frame), by="channel")
    assert (~change["flagged"] | change["enough_n"]).all()


@pytest.mark.slow
def test_recovers_the_generators_survey_response_rates(tmp_path):
    """truth.json, satisfaction.survey: a follow-up "Satisfaction survey" is answered (CSAT)
    with probability response_rate, and an answer includes NPS and CES with probabilities
    nps_given_response and ces_given_response."""
    info = ca.generate_sample(tmp_path, customers=2000, months=6, seed=5)
    survey = json.loads(info.files["truth"].read_text())["satisfaction"]["survey"]
    with ca.Store() as store:
        ca.load(store, [p for kind, p in info.files.items() if kind != "truth"])
        df = satisfaction(store, by="activity", confidence=0.999).set_index("activity")
    row = df.loc["Satisfaction survey"]
    assert row.response_rate_lo <= survey["response_rate"] <= row.response_rate_hi
    assert row.responses == row.csat_n
    for column, key in (("nps_n", "nps_given_response"), ("ces_n", "ces_given_response")):
        lo, hi = wilson_interval(row[column], row.csat_n, confidence=0.999)
        assert lo <= survey[key] <= hi, column


@pytest.mark.parametrize("by", [None, "channel"])
def test_the_expression_sql_returns_the_shares_the_function_returns(sample_db, by):
    """ibis.to_sql(ca.satisfaction_expr(store)) is what the numbers are: run as plain SQL on
    the database, it gives the same response rate, CSAT, NPS and CES, to the last bit."""
    import ibis

    with ca.Store(sample_db, read_only=True) as store:
        sql = ibis.to_sql(ca.satisfaction_expr(store, by=by, period="2026-06"))
        raw = store.con.execute(str(sql)).df()
        table = ca.satisfaction(store, by=by, period="2026-06")
    keys = [by] if by else []
    raw = raw.sort_values(keys).reset_index(drop=True) if keys else raw
    for column in ("response_rate", "csat", "nps", "ces"):
        assert raw[column].tolist() == table[column].tolist(), column
