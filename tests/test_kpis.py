"""Executive-summary KPIs on a hand-computed fixture, and the tests behind the markers.

Every KPI is asked of its metric (issue 12: one definition per measure), so the fixture's
hand counts hold for the KPI table and for the metrics alike.

The fixture (written below) has four cases and three complaints:

- K1 (customer C1, segment a, entered by chat) 2026-03-02/03: costs 1.0 + 2.0, CSAT 5, NPS 10
- K2 (C2, segment b, phone) 2026-03-05/06: costs 0.5 + 1.5, CSAT 2, NPS 3
- K3 (C1, segment a, chat) 2026-03-10: cost 3.0, CSAT 4, NPS 8
- K4 (C3, segment a, email) 2026-02-27: cost 10, CSAT 1, NPS 0 (starts in February)
- complaints: C1 by chat on 2026-03-04, C2 by phone on 2026-03-20, C3 on 2026-02-10
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import cycleanalytics as ca
from cycleanalytics.kpis import compare_kpis, funnel_kpis, kpi_table
from cycleanalytics.stats import nps_difference_z, poisson_rate_ratio, two_proportion_z

MARCH = "2026-03-01..2026-03-31"

INTERACTIONS = """interaction_id,case_id,customer_id,ts,stage,channel,cost,csat,nps
I1,K1,C1,2026-03-02T10:00:00Z,pre_interaction,chat,1.0,,
I2,K1,C1,2026-03-03T10:00:00Z,initial_interaction,chat,2.0,5,10
I3,K2,C2,2026-03-05T10:00:00Z,pre_interaction,phone,0.5,,
I4,K2,C2,2026-03-06T10:00:00Z,follow_up,phone,1.5,2,3
I5,K3,C1,2026-03-10T10:00:00Z,initial_interaction,chat,3.0,4,8
I6,K4,C3,2026-02-27T10:00:00Z,pre_interaction,email,10.0,1,0
"""
COMPLAINTS = """complaint_id,customer_id,opened_at,channel,category,text
P1,C1,2026-03-04T09:00:00Z,chat,communication,private words
P2,C2,2026-03-20T09:00:00Z,phone,image,more private words
P3,C3,2026-02-10T09:00:00Z,email,other,old words
"""
CUSTOMERS = """customer_id,segment
C1,a
C2,b
C3,a
"""


@pytest.fixture
def kpi_store(tmp_path, store):
    for name, text in (
        ("interactions.csv", INTERACTIONS),
        ("complaints.csv", COMPLAINTS),
        ("customers.csv", CUSTOMERS),
    ):
        (tmp_path / name).write_text(text)
    ca.load(store, sorted(tmp_path.glob("*.csv")))
    return store


def _values(df: pd.DataFrame) -> dict[str, float]:
    return dict(zip(df["kpi"], df["value"], strict=True))


def test_march_kpis_by_hand(kpi_store):
    df = kpi_table(kpi_store, period=MARCH)
    values = _values(df)
    assert values["cases"] == 3  # K1, K2, K3
    assert values["csat"] == pytest.approx(2 / 3)  # answers 5, 2, 4: two in the top box
    assert values["nps"] == pytest.approx(0.0)  # 10, 3, 8: one promoter, one detractor
    assert values["complaints_per_1000"] == pytest.approx(1000 * 2 / 3)  # P1, P2
    assert values["cost_per_case"] == pytest.approx(8 / 3)  # 1 + 2 + 0.5 + 1.5 + 3
    nps = df.set_index("kpi").loc["nps"]
    assert (nps["n"], nps["hits"], nps["misses"]) == (3, 1, 1)
    assert df.set_index("kpi").loc["csat", "metric"] == "satisfaction"
    # nothing resolved and no recovery judged: missing, with the reason, never 0
    assert math.isnan(values["median_resolution_h"]) and math.isnan(values["recovery_success"])
    assert "resolved" in df.attrs["missing"]["median_resolution_h"]
    assert "judged" in df.attrs["missing"]["recovery_success"]


def test_the_kpis_are_the_metrics_numbers(kpi_store):
    df = kpi_table(kpi_store, period=MARCH, channel="chat").set_index("kpi")
    scores = ca.metrics.satisfaction(kpi_store, period=MARCH, channel="chat").iloc[0]
    assert df.loc["csat", "value"] == scores["csat"] and df.loc["nps", "value"] == scores["nps"]
    assert df.loc["csat", "n"] == scores["csat_n"]
    spent = ca.metrics.cost(kpi_store, period=MARCH, channel="chat")
    assert df.loc["cost_per_case", "value"] == spent["cost_per_case"].iloc[0]


def test_segment_and_channel_filters_by_hand(kpi_store):
    a = _values(kpi_table(kpi_store, period=MARCH, segment="a"))
    # K1 and K3 (C1); K4 is C3's but started in February
    assert (a["cases"], a["csat"], a["nps"]) == (2, 1.0, 50.0)
    assert a["complaints_per_1000"] == pytest.approx(500.0)  # P1 of 2 cases
    assert a["cost_per_case"] == pytest.approx(3.0)  # (1 + 2 + 3) / 2
    chat = _values(kpi_table(kpi_store, period=MARCH, channel="chat"))
    # K1 and K3 entered by chat; P1 came by chat; answers given on chat: 5 and 4; chat events
    # cost 1 + 2 + 3 over those two cases
    assert (chat["cases"], chat["complaints_per_1000"], chat["csat"]) == (2, 500.0, 1.0)
    assert chat["cost_per_case"] == pytest.approx(3.0)


def test_nothing_measured_is_missing_not_zero(tmp_path, store):
    (tmp_path / "interactions.csv").write_text(
        "interaction_id,case_id,customer_id,ts,stage,channel,csat\n"
        "I1,K1,C1,2026-03-02T10:00:00Z,pre_interaction,chat,5\n"
    )
    ca.load(store, [tmp_path / "interactions.csv"])
    df = kpi_table(store, period=MARCH)
    values = _values(df)
    assert values["cases"] == 1 and values["csat"] == 1.0
    # no complaints were loaded and no event records a cost
    assert math.isnan(values["complaints_per_1000"]) and math.isnan(values["cost_per_case"])
    assert df.attrs["missing"]["complaints_per_1000"] == "no complaints were loaded"
    assert "no event records a cost" in df.attrs["missing"]["cost_per_case"]


def test_a_filter_value_is_bound_not_pasted(kpi_store):
    probe = "a' OR '1'='1"
    values = _values(kpi_table(kpi_store, period=MARCH, segment=probe))
    assert values["cases"] == 0
    assert math.isnan(values["csat"]) and math.isnan(values["cost_per_case"])


def test_funnel_kpis_are_the_share_lost_before_each_stage():
    df = pd.DataFrame(
        {"stage": ["s1", "s2", "s3"], "stage_index": [1, 2, 3], "reached": [200, 150, 60]}
    )
    out = funnel_kpis(df)
    assert list(out["stage"]) == ["s2", "s3"]
    assert list(out["value"]) == [0.25, 0.6]  # 50 of 200, 90 of 150
    assert list(out["n"]) == [200, 150]


def test_two_proportion_z_by_hand():
    # pooled p = 105/200 = 0.525; se = sqrt(0.525 * 0.475 * (1/100 + 1/100)) = 0.070622;
    # z = 0.15 / 0.070622 = 2.1240; two-sided p = 0.03367 (normal table)
    assert two_proportion_z(45, 100, 60, 100).p_value == pytest.approx(0.03367, abs=5e-5)
    assert math.isnan(two_proportion_z(0, 0, 1, 10).p_value)
    # 0 of 50 against 0 of 50: no difference at all, p = 1 (one answer, wherever it is asked)
    assert two_proportion_z(0, 50, 0, 50).p_value == 1.0


def test_nps_difference_z_by_hand():
    # period 1: 50% promoters, 20% detractors, n 100: NPS 0.3, var (0.7 - 0.09)/100 = 0.0061
    # period 2: 30% and 30%, n 100: NPS 0, var 0.6/100 = 0.006; z = 0.3 / 0.11 = 2.7273
    # two-sided p = 2 * (1 - Phi(2.7273)) = 0.00639
    assert nps_difference_z((50, 30, 20), (30, 40, 30)).p_value == pytest.approx(0.00639, abs=5e-5)


def test_rate_ratio_exact_by_hand():
    # 0 of 10 complaints in the first of two equal exposures: 2 * 0.5**10
    assert poisson_rate_ratio(0, 100, 10, 100).p_value == pytest.approx(2 * 0.5**10)
    assert poisson_rate_ratio(10, 100, 10, 100).p_value == pytest.approx(1.0)
    assert poisson_rate_ratio(10, 100, 10, 100).effect == pytest.approx(1.0)


def _kpi(kpi, value, n, hits, misses, test, unit="share"):
    return {
        "kpi": kpi,
        "stage": None,
        "value": value,
        "unit": unit,
        "n": n,
        "hits": hits,
        "misses": misses,
        "test": test,
        "metric": "satisfaction",
    }


def test_significance_is_marked_only_with_enough_answers():
    now = pd.DataFrame(
        [
            _kpi("csat", 0.60, 100, 60, 40, "two_proportion_z"),
            _kpi("nps", 0.0, 20, 5, 5, "nps_difference_z", "score"),
            _kpi("cases", 100.0, 100, 100, 0, "none", "count"),
        ]
    )
    before = pd.DataFrame(
        [
            _kpi("csat", 0.45, 100, 45, 55, "two_proportion_z"),
            _kpi("nps", 50.0, 20, 10, 0, "nps_difference_z", "score"),
            _kpi("cases", 80.0, 80, 80, 0, "none", "count"),
        ]
    )
    out = compare_kpis(now, before).set_index("kpi")
    assert out.loc["csat", "change"] == pytest.approx(0.15)
    assert out.loc["csat", "p_value"] == pytest.approx(0.03367, abs=5e-5)
    assert bool(out.loc["csat", "significant"])
    assert pd.isna(out.loc["nps", "significant"])  # 20 answers: too few to test
    assert pd.isna(out.loc["cases", "significant"])  # no test for a count
    assert out.loc["cases", "previous"] == 80.0
    stricter = compare_kpis(now, before, alpha=0.01).set_index("kpi")
    assert not bool(stricter.loc["csat", "significant"])


def test_without_a_comparison_nothing_is_compared():
    now = pd.DataFrame([_kpi("csat", 0.6, 100, 60, 40, "two_proportion_z")])
    out = compare_kpis(now, None)
    assert math.isnan(out["previous"].iloc[0]) and pd.isna(out["significant"].iloc[0])


# -- outcome KPIs: median resolution time and recovery success ---------------------------------

DATA = __import__("pathlib").Path(__file__).parent / "data"


@pytest.fixture
def outcome_store(store):
    """tests/data/recovery_*.csv (hand counts in tests/test_recovery.py's docstring)."""
    ca.load(
        store,
        [DATA / "recovery_interactions.csv", DATA / "recovery_complaints.csv"],
        kind=None,
    )
    return store


def test_outcome_kpis_by_hand(outcome_store):
    df = kpi_table(outcome_store).set_index("kpi")
    # complaints q1 (2026-01-15 12:00 -> 01-20 00:00: 108 h), q2 (01-18 -> 01-20: 48 h) and
    # q3 (open, censored at the data's end, weeks later): Kaplan-Meier S(48) = 2/3,
    # S(108) = 1/3, so the median is 108 h
    resolution = df.loc["median_resolution_h"]
    assert resolution["value"] == pytest.approx(108.0)
    assert (resolution["unit"], resolution["n"], resolution["test"]) == ("hours", 3, "none")
    # recoveries judged: k1 (success), k2 (failed), k6 (success), q2 (failed, reopened)
    success = df.loc["recovery_success"]
    assert success["value"] == pytest.approx(2 / 4)
    assert (success["n"], success["hits"], success["misses"]) == (4, 2, 2)
    assert success["test"] == "two_proportion_z"


def test_outcome_kpis_follow_the_period_and_the_channel(outcome_store):
    # from 2026-01-16 on: q2 (48 h) and q3 (open, censored): S(48) = 1/2, so the median is
    # 48 h; k1..k6 all started before 2026-01-16
    later = kpi_table(outcome_store, period="2026-01-16..2026-01-31").set_index("kpi")
    assert later.loc["median_resolution_h", "value"] == pytest.approx(48.0)
    assert later.loc["median_resolution_h", "n"] == 2
    assert later.loc["recovery_success", "value"] == pytest.approx(0 / 1)  # q2 failed
    empty = kpi_table(outcome_store, channel="store").set_index("kpi")
    assert empty.loc["median_resolution_h", "n"] == 0
    assert math.isnan(empty.loc["median_resolution_h", "value"])
    assert empty.loc["recovery_success", "n"] == 0


def test_few_recoveries_are_never_marked_significant(outcome_store):
    now = kpi_table(outcome_store)
    before = now.copy()
    before.loc[before["kpi"] == "recovery_success", ["value", "hits", "misses"]] = [0.0, 0, 4]
    out = compare_kpis(now, before).set_index("kpi")
    assert out.loc["recovery_success", "change"] == pytest.approx(0.5)
    assert pd.isna(out.loc["recovery_success", "significant"])  # 4 judged: below 30
    assert pd.isna(out.loc["median_resolution_h", "significant"])  # no test on a median


# -- one definition: the executive summary and the satisfaction report agree ----------------


@pytest.fixture(scope="module")
def sample_store():
    with ca.Store() as store:
        ca.load(store, ca.sample_dir())
        yield store


@pytest.mark.parametrize("month", [f"2026-{m:02d}" for m in range(1, 7)])
def test_executive_summary_and_satisfaction_report_agree_every_month(sample_store, month):
    from cycleanalytics.notebook import executive_kpis, report_context

    ctx = report_context(period=month)
    table = executive_kpis(sample_store, ctx).set_index("kpi")
    report = ca.metrics.satisfaction(sample_store, period=ctx.metric_period).iloc[0]
    assert table.loc["csat", "value"] == report["csat"]
    assert table.loc["csat", "n"] == report["csat_n"]
    assert table.loc["nps", "value"] == report["nps"]
    change = ca.metrics.satisfaction_change(sample_store, score="csat")
    row = change[change["period"].dt.strftime("%Y-%m") == month]
    if len(row):
        assert table.loc["csat", "change"] == pytest.approx(float(row["change"].iloc[0]))


# -- the KPIs over the last periods, for the tiles' sparklines (#14) ---------------------------


def _same_tables(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    """Equal KPI tables: the same rows and counts, values equal to rounding (NaN where NaN)."""
    from cycleanalytics.kpis import KPI_COLUMNS

    exact = [c for c in KPI_COLUMNS if c != "value"]
    a, b = fast.reset_index(drop=True), slow.reset_index(drop=True)
    assert a[exact].astype(object).fillna("-").equals(b[exact].astype(object).fillna("-"))
    assert a["value"].isna().tolist() == b["value"].isna().tolist()
    known = a["value"].notna()
    assert a.loc[known, "value"].to_numpy() == pytest.approx(
        b.loc[known, "value"].to_numpy(), rel=1e-12
    )


def test_kpi_history_by_hand(kpi_store):
    from cycleanalytics.kpis import kpi_history, kpi_trend

    history = kpi_history(kpi_store, period="2026-03", periods=3)
    assert history.attrs["periods"] == [
        "2026-01-01..2026-01-31",
        "2026-02-01..2026-02-28",
        "2026-03-01..2026-03-31",
    ]
    csat = history[history["kpi"] == "csat"]
    assert csat["label"].tolist() == ["Jan 2026", "Feb 2026", "Mar 2026"]
    # January: nothing; February: K4 alone (CSAT 1, not top box); March: 5, 2, 4 -> 2 of 3
    values = kpi_trend(history, "csat")
    assert math.isnan(values[0]) and values[1:] == [0.0, pytest.approx(2 / 3)]
    assert kpi_trend(history, "cases")[1:] == [1, 3]  # K4; K1, K2, K3
    # February: P3 over K4's one case; March: P1 and P2 over three cases
    assert kpi_trend(history, "complaints_per_1000")[1:] == [1000.0, pytest.approx(2000 / 3)]
    assert kpi_trend(history, "cost_per_case")[1:] == [10.0, pytest.approx(8 / 3)]
    # each period's rows are the KPI table of that period
    for period in history.attrs["periods"]:
        _same_tables(history[history["period"] == period], kpi_table(kpi_store, period=period))


def test_kpi_history_in_one_call_per_metric_equals_one_kpi_table_per_month(sample_store):
    from cycleanalytics import kpis

    calls = []
    real = kpis._measure

    def counted(store, **options):
        calls.append(options.get("period"))
        return real(store, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kpis, "_measure", counted)
        history = kpis.kpi_history(sample_store, period="2026-06", periods=8)
    # each metric asked once, by month; and once for November, before the sample starts,
    # whose table December (empty too) shares
    assert calls == ["2025-11-01..2026-06-30", "2025-11-01..2025-11-30"]
    assert history["label"].unique().tolist() == [
        "Nov 2025",
        "Dec 2025",
        "Jan 2026",
        "Feb 2026",
        "Mar 2026",
        "Apr 2026",
        "May 2026",
        "Jun 2026",
    ]
    for period in history.attrs["periods"]:
        _same_tables(history[history["period"] == period], kpi_table(sample_store, period=period))


def test_kpi_history_of_other_periods_walks_back_as_the_report_compares(sample_store):
    from cycleanalytics.kpis import kpi_history

    history = kpi_history(sample_store, period="2026-06-01..2026-06-10", periods=2)
    # the ten days before: the report's "previous" comparison period
    assert history.attrs["periods"] == ["2026-05-22..2026-05-31", "2026-06-01..2026-06-10"]
    assert history["label"].unique().tolist() == [
        "2026-05-22 to 2026-05-31",
        "2026-06-01 to 2026-06-10",
    ]
    _same_tables(
        history[history["period"] == "2026-05-22..2026-05-31"],
        kpi_table(sample_store, period="2026-05-22..2026-05-31"),
    )
    with pytest.raises(ca.CycleAnalyticsError, match="at least 1"):
        kpi_history(sample_store, period="2026-06", periods=0)


def test_kpi_history_of_a_complaint_registry_equals_one_kpi_table_per_month(tmp_path):
    """Complaints and no journeys (the CFPB's shape): a month's complaint rate has no cases
    to divide by; the history asks that month on its own and agrees with kpi_table."""
    from pathlib import Path

    from cycleanalytics import kpis

    data = Path(__file__).parent / "data" / "complaints_small.csv"
    with ca.Store(tmp_path / "registry.duckdb") as store:
        ca.load(store, [data], kind="complaints")
        history = kpis.kpi_history(store, period="2026-02", periods=2)
        assert history["label"].unique().tolist() == ["Jan 2026", "Feb 2026"]
        for period in history.attrs["periods"]:
            _same_tables(history[history["period"] == period], kpi_table(store, period=period))
