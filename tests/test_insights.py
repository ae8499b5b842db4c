"""What stands out (insights.py): group-versus-rest tests, KPI changes, Holm's adjustment."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cycleanalytics as ca
from cycleanalytics import kpis
from cycleanalytics.insights import FINDING_COLUMNS, GroupMeasure, what_stands_out
from cycleanalytics.stats import holm_adjust, two_proportion_z


def test_holm_hand_computed():
    # sorted: 0.01 (x4) 0.03 (x3) 0.04 (x2) 0.5 (x1) -> 0.04 0.09 0.08->0.09 0.5
    got = holm_adjust([0.04, 0.01, float("nan"), 0.5, 0.03])
    assert got[[1, 4, 0, 3]] == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert math.isnan(got[2])
    assert holm_adjust([]).size == 0


@given(st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_holm_is_never_below_the_raw_p_value_and_keeps_the_order(ps):
    adjusted = holm_adjust(ps)
    raw = np.asarray(ps)
    assert (adjusted >= raw - 1e-15).all() and (adjusted <= 1).all()
    order = np.argsort(raw, kind="stable")
    assert (np.diff(adjusted[order]) >= -1e-15).all()


def test_group_findings_are_the_funnel_metrics_counts(sample_db):
    with ca.Store(sample_db, read_only=True) as store:
        found = what_stands_out(store, limit=None)
        reach = ca.funnel(store, by="channel")
    assert list(found.columns) == list(FINDING_COLUMNS)
    email = found[(found["measure"] == "reach") & (found["group"] == "email")].iloc[0]
    # by hand, from the funnel's own counts: email's reach of the stage against the rest's
    counts = reach.pivot_table(index="channel", columns="stage", values="reached", observed=True)
    entry = counts["pre_interaction"]
    hits = counts[email["stage"]]
    test = two_proportion_z(
        int(hits.sum() - hits["email"]),
        int(entry.sum() - entry["email"]),
        int(hits["email"]),
        int(entry["email"]),
    )
    assert email["value"] == pytest.approx(hits["email"] / entry["email"])
    assert email["difference"] == pytest.approx(test.effect)
    assert email["p_value"] == pytest.approx(test.p_value)
    assert email["better"] is False or email["better"] == False  # noqa: E712 - numpy bool
    # each group once, kept findings all significant after adjustment, strongest first
    groups = found[found["kind"] == "group"]
    assert not groups.duplicated(["measure", "dimension", "group"]).any()
    assert (found["p_adjusted"] < 0.05).all()
    assert found["p_adjusted"].is_monotonic_increasing
    assert found.attrs["tests"] >= len(found)


def test_changes_come_from_compare_kpis(sample_db):
    with ca.Store(sample_db, read_only=True) as store:
        now = kpis.kpi_table(store, period="2026-06")
        before = kpis.kpi_table(store, period="2026-01")
        compared = kpis.compare_kpis(now, before)
        found = what_stands_out(
            store, period="2026-06", compared=compared, measures=(), alpha=None, limit=None
        )
    tested = compared[compared["p_value"].notna()]
    assert len(found) == len(tested) == found.attrs["tests"]
    csat = found.set_index("measure").loc["csat"]
    row = tested.set_index("kpi").loc["csat"]
    assert (csat["value"], csat["reference"], csat["p_value"]) == pytest.approx(
        (row["value"], row["previous"], row["p_value"])
    )
    assert csat["better"] == (row["change"] > 0)


def test_equal_groups_stand_out_nowhere():
    # two channels with the same CSAT (30 of 60 top-box each): nothing to report
    rows = []
    for channel in ("web", "phone"):
        for k in range(60):
            rows.append(
                {
                    "interaction_id": f"{channel}{k}",
                    "case_id": f"{channel}{k}",
                    "customer_id": f"c{channel}{k}",
                    "ts": pd.Timestamp("2026-03-01", tz="UTC") + pd.Timedelta(k, "h"),
                    "stage": "follow_up",
                    "channel": channel,
                    "csat": 5 if k % 2 else 1,
                }
            )
    measure = GroupMeasure("csat", "satisfaction", "channel", "csat_top", "csat_n", True)
    with ca.Store() as store:
        store.con.register("frame", pd.DataFrame(rows))
        names = ", ".join(rows[0])
        store.con.execute(f"INSERT INTO interactions ({names}) SELECT {names} FROM frame")
        found = what_stands_out(store, measures=(measure,), alpha=None, limit=None)
    assert len(found) == 2  # each channel against the other, both p = 1
    assert found["difference"].tolist() == [0.0, 0.0]
    assert found["p_value"].tolist() == pytest.approx([1.0, 1.0])
