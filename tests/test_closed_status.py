"""Complaints closed by a status without a resolution date (complaint registries such as CFPB).

Hand fixture, five complaints of five customers, as of 2026-03-31:

=====  =========  ==========  ======  ========  ======  ===========================================
id     opened     resolved    closed  reopened  action  counts as
=====  =========  ==========  ======  ========  ======  ===========================================
k1     03-01      03-03       –       no        refund  resolved after 48 h
k2     03-02      –           true    yes       apology resolved (status), no time; recovery failed
k3     03-05      –           true    no        apology resolved (status), no time; recovery won
k4     03-10      –           false   –         –       open: censored at as-of
k5     03-12      –           –       –         –       open: censored at as-of
=====  =========  ==========  ======  ========  ======  ===========================================
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import cycleanalytics as ca

REAL = Path(os.environ.get("CYCLEANALYTICS_REAL_DATA", "/work/shared/data/real"))
CFPB = REAL / "cfpb_consumer_complaints/complaints_2014-10_to_2014-11.csv"
MAPPING = Path(__file__).parents[1] / "examples/mappings/cfpb_2014.toml"

ROWS = """complaint_id,customer_id,opened_at,resolved_at,closed,reopened,recovery_action,category
k1,c1,2026-03-01T00:00:00Z,2026-03-03T00:00:00Z,,false,refund,product
k2,c2,2026-03-02T00:00:00Z,,true,true,apology,product
k3,c3,2026-03-05T00:00:00Z,,true,false,apology,product
k4,c4,2026-03-10T00:00:00Z,,false,,,product
k5,c5,2026-03-12T00:00:00Z,,,,,product
"""
AS_OF = "2026-03-31T00:00:00Z"


@pytest.fixture
def registry(tmp_path, store):
    path = tmp_path / "complaints.csv"
    path.write_text(ROWS)
    ca.load(store, path, kind="complaints")
    return store


def test_a_status_resolves_a_complaint_for_reopen_rates(registry):
    row = ca.metrics.complaints(registry, as_of=AS_OF).iloc[0]
    assert (row["complaints"], row["resolved"], row["reopened"]) == (5, 3, 1)
    assert row["reopen_rate"] == pytest.approx(1 / 3)


def test_a_status_has_no_resolution_time(registry):
    df = ca.metrics.resolution_time(registry, as_of=AS_OF)
    row = df.iloc[0]
    # k1 resolved at 48 h; k4 and k5 censored; k2 and k3 left out with their reason
    assert (row["complaints"], row["resolved"], row["censored"]) == (3, 1, 2)
    assert df.attrs["rows_excluded"] == {"closed by a status, no resolution time": 2}


def test_recovery_success_is_judged_on_status_closed_complaints(registry):
    df = ca.metrics.recovery(registry, by="recovery_action", as_of=AS_OF)
    apology = df.set_index("recovery_action").loc["apology"]
    assert (apology["success_judged"], apology["successes"]) == (2, 1)  # k2 failed, k3 won


def test_backlog_leaves_out_what_closed_at_an_unknown_time(registry):
    df = ca.metrics.complaint_backlog(registry, as_of=AS_OF, grain="month")
    assert df["open"].iloc[-1] == 2  # k4 and k5; k1 resolved; k2, k3 unknown when
    assert df.attrs["rows_excluded"] == {"closed by a status, no resolution time": 2}


def test_without_interactions_loop_closure_is_not_measured(registry):
    df = ca.metrics.loop_closure(registry, as_of=AS_OF)
    assert df["loop_closure"].isna().all()
    assert "follow-up contacts are not recorded" in df.attrs["missing"]["loop_closure"]


@pytest.mark.slow
def test_cfpb_dispute_rates_by_company_response_equal_a_count_of_the_raw_file(store):
    if not CFPB.exists():
        pytest.skip(f"CFPB export not found at {CFPB}; set CYCLEANALYTICS_REAL_DATA")
    result = ca.load(store, CFPB, mapping=MAPPING)
    assert result.rows_loaded + result.rows_quarantined == 8340
    raw = store.con.execute(
        """
        SELECT "Company response" AS response,
               count(*) AS closed,
               count(*) FILTER (WHERE "Consumer disputed?" = 'Yes') AS disputed
        FROM read_csv(?, all_varchar = true, null_padding = true)
        WHERE "Company response" <> 'In progress'
        GROUP BY ALL
        """,
        [str(CFPB)],
    ).df()
    raw = raw.set_index("response")
    action = {
        "Closed with monetary relief": "refund",
        "Closed with non-monetary relief": "extra_service",
        "Closed with explanation": "apology",
    }
    got = ca.metrics.complaints(store, by="recovery_action")
    got = got.groupby("recovery_action")[["resolved", "reopened"]].sum()
    recovery = ca.metrics.recovery(store, by="recovery_action").set_index("recovery_action")
    for response, name in action.items():
        closed, disputed = int(raw.loc[response, "closed"]), int(raw.loc[response, "disputed"])
        assert (got.loc[name, "resolved"], got.loc[name, "reopened"]) == (closed, disputed)
        assert recovery.loc[name, "success_judged"] == closed
        assert recovery.loc[name, "success_rate"] == pytest.approx(1 - disputed / closed)
    # "Closed" and "Untimely response" are both closings without a recovery step
    plain = raw.loc[["Closed", "Untimely response"]].sum()
    assert (got.loc["none", "resolved"], got.loc["none", "reopened"]) == (
        plain["closed"],
        plain["disputed"],
    )
