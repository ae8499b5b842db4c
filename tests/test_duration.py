"""Case duration against the hand-computed fixture of tests/data (funnel_cases.csv, the
eleven cases of test_funnel.py). First to last event, in hours:

c01 97    (1 Jan 09:00 -> 5 Jan 10:00)   c07 3      (6 Jan 09:00 -> 12:00)
c02 26    (2 Jan 09:00 -> 3 Jan 11:00)   c08 48 1/12 (6 Jan 09:00 -> 8 Jan 09:05)
c03 0.5                                  c09 50     (10 Jan 10:00 -> 12 Jan 12:00)
c04 0     (one event)                    c10 49     (2 Feb 09:00 -> 4 Feb 10:00)
c05 49    (5 Jan 09:00 -> 7 Jan 10:00)   c11 48     (20 Jan 09:00 -> 22 Jan 09:00, Wait included)
c06 30    (3 Jan 09:00 -> 4 Jan 15:00)

Sorted: 0, 0.5, 3, 26, 30, 48, 48 1/12, 49, 49, 50, 97; type-7 quantiles by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cycleanalytics as ca
from cycleanalytics.metrics.duration import DURATION_COLUMNS

DATA = Path(__file__).parent / "data"

HOURS = [0, 0.5, 3, 26, 30, 48, 48 + 1 / 12, 49, 49, 50, 97]


def test_hand_computed_case_duration(funnel_store):
    df = ca.metrics.case_duration(funnel_store)
    assert list(df.columns) == list(DURATION_COLUMNS)
    row = df.iloc[0]
    assert (row["cases"], row["single_event"]) == (11, 1)  # c04
    assert row["median_hours"] == pytest.approx(48)  # the 6th of 11
    assert row["p25_hours"] == pytest.approx(14.5)  # 3 + 0.5 * (26 - 3)
    assert row["p75_hours"] == pytest.approx(49)
    assert row["p90_hours"] == pytest.approx(50)  # position 9 of 0..10
    assert row["mean_hours"] == pytest.approx(sum(HOURS) / 11)
    assert row["mean_hours_lo"] < row["mean_hours"] < row["mean_hours_hi"]
    assert df.attrs["rows_used"] == 11
    assert df.attrs["definition"]["time_key"] == "case_start"


def test_case_duration_by_month_and_period(funnel_store):
    df = ca.metrics.case_duration(funnel_store, by="month")
    jan, feb = df.iloc[0], df.iloc[1]
    assert (jan["cases"], feb["cases"]) == (10, 1)
    assert jan["median_hours"] == pytest.approx((30 + 48) / 2)  # 10 cases: 5th and 6th
    assert feb["median_hours"] == pytest.approx(49) and feb["mean_hours"] == pytest.approx(49)
    assert pd_isna(feb["mean_hours_lo"])  # one case: no interval
    only_feb = ca.metrics.case_duration(funnel_store, period="2026-02")
    assert only_feb.iloc[0]["cases"] == 1
    assert only_feb.iloc[0]["median_hours"] == pytest.approx(49)


def test_case_duration_of_nothing_is_missing_not_zero(funnel_store):
    df = ca.metrics.case_duration(funnel_store, period="2030")
    assert df.iloc[0]["cases"] == 0 and pd_isna(df.iloc[0]["median_hours"])


def test_plot_case_duration(funnel_store):
    fig = ca.metrics.plot_case_duration(ca.metrics.case_duration(funnel_store, by="month"))
    assert fig.data[0].type == "box" and len(fig.data[0].x) == 2


def test_case_duration_on_the_command_line(tmp_path):
    from click.testing import CliRunner

    from cycleanalytics.cli import main

    db = tmp_path / "f.duckdb"
    with ca.Store(db) as store:
        ca.load(store, [DATA / "funnel_customers.csv", DATA / "funnel_cases.csv"], kind=None)
    result = CliRunner().invoke(
        main, ["metric", "case_duration", "--db", str(db), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].startswith("11,1,14.5,48.0,49.0,50.0,")


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))
