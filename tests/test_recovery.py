"""Recovery against the hand-computed fixture tests/data/recovery_*.csv (as-of 2026-06-30).

k1 (u1): CSAT 1, Refund, recovery survey CSAT 5: recovered, success; u1 comes back (k4) 30 days
later. k2 (u2): NPS 3, Apology, recovery CSAT 2: recovered, failed. k3 (u3): CSAT 2, no
recovery. k4 (u1), k5 (u5): satisfied, no failure. k6 (u6): CSAT 3 but complaint q1 (discount,
resolved, not reopened), a Discount event: recovered, success (no score after, complaint
resolved). q2 (u7, no case): action replacement, resolved but reopened: recovered (no
interactions: the action counts), failed. q3 (u8, no case): action none, open: not recovered.
Dissatisfied: k1 k2 k3 k6 q2 q3 (6); recovered 4; judged 4, successes 2 (k1, k6); score after
recovery for k1 (5) and k2 (2); retention: only k1 of the 4 recovered.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import cycleanalytics as ca
from cycleanalytics.metrics.recovery import (
    RECOVERY_COLUMNS,
    plot_recovery,
    plot_recovery_paradox,
    readable_recovery,
    recovery,
    recovery_paradox,
    verdict,
)
from cycleanalytics.stats import mann_whitney_counts, two_proportion_z

DATA = Path(__file__).parent / "data"
AS_OF = "2026-06-30T00:00:00Z"


@pytest.fixture
def r_store(store):
    ca.load(
        store, [DATA / "recovery_interactions.csv", DATA / "recovery_complaints.csv"], kind=None
    )
    return store


def test_overall_hand_counted(r_store):
    df = recovery(r_store, as_of=AS_OF)
    assert list(df.columns) == list(RECOVERY_COLUMNS)
    row = df.iloc[0]
    assert (row.dissatisfied, row.recovered) == (6, 4)
    assert (row.success_judged, row.successes) == (4, 2)
    assert (row.top_box_after_n, row.top_box_after) == (2, 1)
    assert (row.retention_judged, row.retained) == (4, 1)
    assert row.recovery_rate == pytest.approx(4 / 6)
    # Wilson 4 of 6, by hand: 0.3000 .. 0.9032
    assert (row.recovery_rate_lo, row.recovery_rate_hi) == pytest.approx((0.3000, 0.9032), abs=1e-4)


def test_by_action_hand_counted(r_store):
    df = recovery(r_store, by="recovery_action", as_of=AS_OF)
    got = {
        (a if isinstance(a, str) else None): (d, r, s, j)
        for a, d, r, s, j in zip(
            df["recovery_action"],
            df["dissatisfied"],
            df["recovered"],
            df["successes"],
            df["success_judged"],
            strict=True,
        )
    }
    assert got == {
        "refund": (1, 1, 1, 1),
        "apology": (1, 1, 0, 1),
        "discount": (1, 1, 1, 1),
        "replacement": (1, 1, 0, 1),
        None: (2, 0, 0, 0),
    }


def test_by_area_and_period(r_store):
    df = recovery(r_store, by="category", as_of=AS_OF).set_index("category")
    assert df.loc["product", ["dissatisfied", "recovered"]].tolist() == [2, 1]  # q1/k6, q3
    assert df.loc["communication", ["dissatisfied", "recovered"]].tolist() == [1, 1]
    january = recovery(r_store, period="2026-01", as_of=AS_OF).iloc[0]
    assert january.dissatisfied == 6


def test_retention_needs_a_full_horizon(r_store):
    # As of 2026-03-01 a 90-day horizon has not ended for anyone: nothing is judged.
    row = recovery(r_store, as_of="2026-03-01").iloc[0]
    assert row.retention_judged == 0 and np.isnan(row.retention_rate)
    # A 20-day horizon: k1's next case comes 30 days after its recovery: not retained.
    assert recovery(r_store, as_of=AS_OF, horizon="20d").iloc[0].retained == 0


def test_paradox_groups_and_a_cautious_verdict(r_store):
    df = recovery_paradox(r_store, as_of=AS_OF).set_index("group")
    assert df.loc["no_failure", "cases"] == 2  # k4, k5
    assert df.loc["recovered", "cases"] == 2  # k1, k6
    assert df.loc["failed_recovery", "cases"] == 2  # k2, q2
    assert df.loc["not_recovered", "cases"] == 2  # k3, q3
    assert df.loc["recovered", "later_csat_n"] == 1  # k1's next case k4 rated 5
    assert df.attrs["verdict"].startswith("Too few later ratings")


def test_verdict_wording_follows_the_tests():
    # 60 vs 60 ratings, clearly higher: a paradox is "consistent", never "proven".
    higher = mann_whitney_counts([1, 5], [40, 20], [10, 50])
    same_retention = two_proportion_z(40, 50, 41, 50)
    text = verdict((higher, same_retention), min_n=30)
    assert "consistent with a service recovery paradox" in text
    assert "not proof" in text and "n = 60 recovered and 60" in text
    unclear = mann_whitney_counts([1, 5], [30, 30], [29, 31])
    assert "neither shows nor rules out" in verdict((unclear, same_retention))
    lower = mann_whitney_counts([1, 5], [10, 50], [40, 20])
    assert "no service recovery paradox" in verdict((lower, same_retention))


def test_errors_and_figures(r_store):
    with pytest.raises(ca.MetricError, match="horizon"):
        recovery(r_store, horizon="0d")
    with pytest.raises(ca.MetricError, match="breakdown"):
        recovery_paradox(r_store, by="category")
    assert len(plot_recovery(recovery(r_store, as_of=AS_OF)).data) == 3
    assert len(plot_recovery_paradox(recovery_paradox(r_store, as_of=AS_OF)).data) == 2
    assert (
        readable_recovery(recovery(r_store, as_of=AS_OF))["recovered"].iloc[0].startswith("66.7%")
    )


@pytest.mark.slow
def test_recovers_the_generators_failure_by_action(tmp_path):
    """truth.json recovery.failure_by_action: the score after an offered recovery is top box
    exactly when it did not fail, so the top-box share after recovery estimates 1 - failure
    (apology 0.79, extra service 0.89, refund 0.93)."""
    info = ca.generate_sample(tmp_path, customers=4000, months=6, seed=2)
    truth = json.loads(info.files["truth"].read_text())
    failure = truth["recovery"]["failure_by_action"]
    with ca.Store() as store:
        ca.load(store, [p for kind, p in info.files.items() if kind != "truth"])
        df = recovery(store, by="recovery_action", confidence=0.999)
    df = df.dropna(subset=["recovery_action"]).set_index("recovery_action")
    for action in ("apology", "extra_service", "refund"):
        row = df.loc[action]
        assert row.top_box_after_rate_lo <= 1 - failure[action] <= row.top_box_after_rate_hi
    # The gradient of DESIGN §5: refunds fail less often than apologies.
    assert df.loc["refund", "top_box_after_rate"] > df.loc["apology", "top_box_after_rate"]


CFPB = Path("/work/shared/data/real/cfpb_consumer_complaints/complaints_2014-10_to_2014-11.csv")


@pytest.mark.skipif(not CFPB.exists(), reason=f"the CFPB subset is not at {CFPB}")
def test_cfpb_complaints_give_a_recovery_success_by_company_response(store):
    """The CFPB file of 2014-10/11 (see the data README): company responses map to recovery
    actions (monetary relief -> refund, non-monetary relief -> extra_service, explanation ->
    apology, "Closed" -> none); a dispute is a reopening; "In progress" is open. The README
    measured 17.8% disputed after "Closed with explanation", so success is about 0.822."""
    store.con.execute(
        """
        INSERT INTO complaints (complaint_id, customer_id, opened_at, resolved_at, category,
                                channel, recovery_action, reopened)
        SELECT CAST("Complaint ID" AS VARCHAR), 'cfpb-' || CAST("Complaint ID" AS VARCHAR),
               CAST(strptime("Date received", '%m/%d/%Y') AS TIMESTAMPTZ),
               CASE WHEN "Company response" IN ('In progress', 'Untimely response') THEN NULL
                    ELSE CAST(strptime("Date sent to company", '%m/%d/%Y') AS TIMESTAMPTZ) END,
               'other', lower("Submitted via"),
               CASE "Company response"
                    WHEN 'Closed with monetary relief' THEN 'refund'
                    WHEN 'Closed with non-monetary relief' THEN 'extra_service'
                    WHEN 'Closed with explanation' THEN 'apology'
                    ELSE 'none' END,
               coalesce("Consumer disputed?" = 'Yes', false)
        FROM read_csv(?, null_padding = true, header = true, all_varchar = true)
        """,
        [str(CFPB)],
    )
    df = recovery(store, by="recovery_action").set_index("recovery_action")
    apology = df.loc["apology"]
    assert apology.recovered == apology.dissatisfied > 4000
    assert apology.success_rate_lo <= 1 - 0.178 <= apology.success_rate_hi
    assert df.loc["refund", "success_rate"] > apology.success_rate  # monetary relief fails less
    overall = recovery(store).iloc[0]
    assert 0 < overall.recovery_rate < 1
    assert np.isnan(overall.retention_rate)  # no interactions: retention is not computable
