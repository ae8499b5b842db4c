"""Cost against the hand-computed fixtures tests/data/satisfaction_interactions.csv (ten events,
seven cases) and tests/data/recovery_*.csv. Every expected number was added up by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import cycleanalytics as ca
from cycleanalytics.metrics.cost import (
    COST_COLUMNS,
    cost,
    plot_cost,
    plot_recovery_cost,
    recovery_cost,
)

DATA = Path(__file__).parent / "data"
T_975_6 = 2.446912  # t table, 6 degrees of freedom


@pytest.fixture
def sat_store(store):
    ca.load(
        store,
        [DATA / "satisfaction_customers.csv", DATA / "satisfaction_interactions.csv"],
        kind=None,
    )
    return store


def test_cost_per_case_hand_computed(sat_store):
    # Per case: k1 1.10, k2 0.10, k3 5.10, k4 0.10, k5 0.10, k6 0.10, k7 0.15; total 6.75.
    costs = [1.10, 0.10, 5.10, 0.10, 0.10, 0.10, 0.15]
    df = cost(sat_store)
    assert list(df.columns) == list(COST_COLUMNS)
    row = df.iloc[0]
    assert (row.cases, row.events) == (7, 10)
    assert row.total_cost == pytest.approx(6.75)
    mean = 6.75 / 7
    sd = math.sqrt(sum((c - mean) ** 2 for c in costs) / 6)
    assert row.cost_per_case == pytest.approx(mean)
    assert row.cost_per_case_hi == pytest.approx(mean + T_975_6 * sd / math.sqrt(7), abs=1e-5)
    assert row.cost_per_event == pytest.approx(0.675)


def test_cost_by_stage_and_channel(sat_store):
    by_stage = cost(sat_store, by="stage").set_index("stage")
    # initial_interaction: k1 1.00 and k3 5.00; follow_up: seven surveys at 0.10.
    assert by_stage.loc["initial_interaction", "cases"] == 2
    assert by_stage.loc["initial_interaction", "cost_per_case"] == pytest.approx(3.0)
    assert by_stage.loc["follow_up", "total_cost"] == pytest.approx(0.70)
    by_channel = cost(sat_store, by="channel").set_index("channel")
    assert by_channel.loc["phone", "total_cost"] == pytest.approx(5.30)  # 5.00 + 3 x 0.10
    assert by_channel.loc["web", "cases"] == 4
    assert cost(sat_store, period="2026-02").iloc[0].cases == 3
    assert len(plot_cost(by_channel.reset_index()).data) == 1


def test_recovery_cost_per_recovered_customer(store):
    ca.load(
        store, [DATA / "recovery_interactions.csv", DATA / "recovery_complaints.csv"], kind=None
    )
    # Recovery-stage costs: k1 40.00 + 0.10, k2 2.00 + 0.10, k6 15.00; q2 has no events.
    # Successful recoveries: k1 (u1) and k6 (u6): 57.20 / 2.
    row = recovery_cost(store, as_of="2026-06-30").iloc[0]
    assert row.recovered_cases == 4
    assert row.recovery_cost == pytest.approx(57.20)
    assert row.recovered_customers == 2
    assert row.cost_per_recovered_customer == pytest.approx(28.60)
    by_action = recovery_cost(store, by="recovery_action", as_of="2026-06-30")
    by_action = by_action.set_index("recovery_action")
    assert by_action.loc["refund", "cost_per_recovered_customer"] == pytest.approx(40.10)
    assert len(plot_recovery_cost(by_action.reset_index()).data) == 1
