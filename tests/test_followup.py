"""Closing the loop (metrics/followup.py): the hand-made fixture in tests/data/followup_*.csv.

As of 2026-03-10 00:00 UTC with a 48 h SLA, counted by hand:

- K1 detractor (NPS 3, 03-01 10:00); call back 03-02 09:00 (23 h): closed in time; owner A2.
- K2 low CSAT (1, 03-02 12:00); call back 03-05 12:00 (72 h): closed late; owner A3.
- K3 detractor (NPS 5, 03-03); nothing after: overdue (due 03-05), 120 h overdue.
- K4 promoter, CSAT 5, complaint resolved without reopening, CSAT after 5: no item.
- K5 detractor (NPS 6, 03-09 12:00): due 03-11 12:00, after the as-of time: open, not counted.
- K6 complaint open at the as-of time (opened 03-04), first response 03-04 10:00: in time.
- K7 complaint reopened after its resolution (03-06); its first response came before: overdue.
- K8 NPS 2 and CSAT 1 on one event (03-01 00:00): reason detractor (first in the order),
  reasons detractor and low CSAT; an apology (recovery stage) at the same instant: in time.
- K9 detractor after the as-of time: not seen.

Items 7, due 6, closed in time 3 (K1, K6, K8), closed late 1 (K2), open overdue 2 (K3, K7),
not yet due 1 (K5): loop closure 3 / 6 = 50 %.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import cycleanalytics as ca
from cycleanalytics.cli import main
from cycleanalytics.errors import MetricError
from cycleanalytics.metrics.followup import (
    followup_worklist,
    formula_safe,
    formula_safe_frame,
    loop_closure,
    plot_loop_closure,
    pseudonymize,
    readable_loop_closure,
)

DATA = Path(__file__).parent / "data"
AS_OF = "2026-03-10"


@pytest.fixture
def loop_store(store: ca.Store) -> ca.Store:
    ca.load(store, [DATA / "followup_interactions.csv", DATA / "followup_complaints.csv"])
    return store


@pytest.fixture
def loop_db(tmp_path) -> str:
    path = tmp_path / "loop.duckdb"
    with ca.Store(path) as s:
        ca.load(s, [DATA / "followup_interactions.csv", DATA / "followup_complaints.csv"])
    return str(path)


def test_loop_closure_equals_the_hand_count(loop_store):
    row = loop_closure(loop_store, as_of=AS_OF).iloc[0]
    assert (row["items"], row["due"], row["not_yet_due"]) == (7, 6, 1)
    assert (row["closed_in_time"], row["closed_late"], row["open_overdue"]) == (3, 1, 2)
    assert row["loop_closure"] == pytest.approx(0.5)
    # Wilson 95 % for 3 of 6 (Newcombe 1998 method 3 formula): 0.188 to 0.812
    assert row["loop_closure_lo"] == pytest.approx(0.1876, abs=1e-4)
    assert row["loop_closure_hi"] == pytest.approx(0.8124, abs=1e-4)
    assert bool(row["low_n"])


def test_loop_closure_by_reason_equals_the_hand_count(loop_store):
    df = loop_closure(loop_store, as_of=AS_OF, by="reason").set_index("reason")
    assert df.loc["detractor", ["items", "due", "closed_in_time"]].tolist() == [4, 3, 2]
    assert df.loc["low_csat", ["due", "closed_late"]].tolist() == [1, 1]
    assert df.loc["open_complaint", "loop_closure"] == 1.0
    assert df.loc["failed_recovery", "loop_closure"] == 0.0


def test_a_longer_sla_closes_the_late_item_and_a_later_as_of_makes_k5_due(loop_store):
    row = loop_closure(loop_store, as_of=AS_OF, sla="3d").iloc[0]
    assert (row["closed_in_time"], row["closed_late"]) == (4, 0)
    later = loop_closure(loop_store, as_of="2026-03-12T00:00:00Z").iloc[0]
    assert (later["items"], later["due"], later["open_overdue"]) == (8, 7, 3), (
        "K5 now overdue; K9 seen, not yet due"
    )


def test_trend_period_and_channel(loop_store):
    by_day = loop_closure(loop_store, as_of=AS_OF, by="day")
    assert by_day["items"].sum() == 7
    first = by_day[by_day["day"].astype(str) == "2026-03-01"].iloc[0]
    assert (first["items"], first["closed_in_time"]) == (2, 2), "K1 and K8"
    assert (
        loop_closure(loop_store, as_of=AS_OF, period="2026-03-03..2026-03-05")["items"][0] == 2
    ), "K3, K6"
    assert loop_closure(loop_store, as_of=AS_OF, channel="phone")["items"][0] == 1, "K7"
    with pytest.raises(MetricError, match="owner"):
        loop_closure(loop_store, by="agent_id")


def test_definition_is_stated(loop_store):
    df = loop_closure(loop_store, as_of=AS_OF)
    definition = df.attrs["definition"]
    assert definition["time_basis"].startswith("trigger time")
    assert df.attrs["rows_used"] == 6
    assert df.attrs["rows_excluded"] == {"not yet due (right-censored)": 1}
    assert df.attrs["filters"]["sla"] == {"value": 48.0, "unit": "hours"}


def test_worklist_lists_open_items_with_reason_owner_and_due_time(loop_store):
    todo = followup_worklist(loop_store, as_of=AS_OF, pseudonymize_ids=False)
    assert todo["case_id"].tolist() == ["K3", "K7", "K5"], "overdue first, then by due time"
    assert todo["status"].tolist() == ["overdue", "overdue", "open"]
    assert todo["hours_overdue"].tolist()[:2] == [120.0, 48.0]
    assert todo["due_at"].iloc[0] == pd.Timestamp("2026-03-05", tz="UTC")
    everything = followup_worklist(
        loop_store, as_of=AS_OF, include_closed=True, pseudonymize_ids=False
    ).set_index("case_id")
    assert len(everything) == 7
    assert everything.loc["K1", "owner"] == "A2" and everything.loc["K2", "owner"] == "A3"
    assert everything.loc["K8", "reasons"] == "detractor;low_csat"
    assert everything.loc["K2", "status"] == "closed_late"


def test_worklist_pseudonymises_customers_with_the_ingest_hmac(loop_store, monkeypatch):
    monkeypatch.setenv("CYCLEANALYTICS_PSEUDONYM_KEY", "team-key")
    todo = followup_worklist(loop_store, as_of=AS_OF)
    expected = hmac.new(b"team-key", b"U3", hashlib.sha256).hexdigest()
    assert todo["customer"].iloc[0] == expected
    assert todo.attrs["pseudonyms"] == "environment"
    monkeypatch.delenv("CYCLEANALYTICS_PSEUDONYM_KEY")
    a = followup_worklist(loop_store, as_of=AS_OF)
    assert a.attrs["pseudonyms"] == "random" and not a["customer"].str.startswith("U").any()


def test_worklist_pseudonyms_equal_the_ingest_pseudonyms(tmp_path, monkeypatch):
    """The same key gives the same pseudonym at load ([pseudonymize]) and in the worklist."""
    monkeypatch.setenv("CYCLEANALYTICS_PSEUDONYM_KEY", "team-key")
    mapping = tmp_path / "m.toml"
    mapping.write_text('kind = "interactions"\n[pseudonymize]\ncolumns = ["customer_id"]\n')
    with ca.Store() as store:
        ca.load(store, DATA / "followup_interactions.csv", mapping=mapping)
        stored = store.con.execute(
            "SELECT customer_id FROM interactions WHERE case_id = 'K3'"
        ).fetchall()[0][0]
    ids, _ = pseudonymize(pd.Series(["U3"]))
    assert stored == ids[0]


def test_formula_cells_get_a_leading_quote():
    assert [formula_safe(v) for v in ["=1+1", "+1", "-1", "@A", "\tx", "\rx", "ok", 5]] == [
        "'=1+1", "'+1", "'-1", "'@A", "'\tx", "'\rx", "ok", 5,
    ]  # fmt: skip
    frame = formula_safe_frame(pd.DataFrame({"a": ["=x", None], "n": [1, 2]}))
    assert frame["a"].tolist()[0] == "'=x" and frame["n"].tolist() == [1, 2]


def test_kpi_row_for_the_executive_summary(loop_store):
    from cycleanalytics.kpis import kpi_table

    table = kpi_table(loop_store).set_index("kpi")
    row = table.loc["loop_closure"]
    metric = loop_closure(loop_store).iloc[0]  # the KPI is the metric's number, same defaults
    assert (row["value"], row["n"], row["hits"]) == (
        metric["loop_closure"],
        metric["due"],
        metric["closed_in_time"],
    )
    assert row["misses"] == row["n"] - row["hits"] and row["metric"] == "loop_closure"


def test_figure_and_terminal_table(loop_store):
    df = loop_closure(loop_store, as_of=AS_OF, by="reason")
    assert plot_loop_closure(df).data[0].type == "bar"
    assert readable_loop_closure(df)["loop closure"].iloc[2] == "0.0% (0.0%–79.3%)"
    trend = loop_closure(loop_store, as_of=AS_OF, by="week")
    assert plot_loop_closure(trend).data[0].type == "scatter"


# -- the command line ------------------------------------------------------------------------


def test_cli_followup_writes_formula_safe_pseudonymised_csv(loop_db, tmp_path):
    out = tmp_path / "todo.csv"
    result = CliRunner().invoke(
        main,
        [
            "followup",
            "--db",
            loop_db,
            "--as-of",
            AS_OF,
            "--all",
            "--format",
            "csv",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 7
    k8 = next(r for r in rows if r["case_id"] == "K8")
    assert k8["channel"].startswith("'="), "a formula in the data is defused"
    assert not any(r["customer"].startswith("U") for r in rows), "customers are pseudonymised"


def test_cli_followup_parquet_needs_out_and_table_prints(loop_db, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["followup", "--db", loop_db, "--format", "parquet"])
    assert result.exit_code == 2 and "--out" in result.output
    out = tmp_path / "todo.parquet"
    args = ["followup", "--db", loop_db, "--as-of", AS_OF, "--format", "parquet", "--out", str(out)]
    assert runner.invoke(main, args).exit_code == 0
    assert pd.read_parquet(out)["case_id"].tolist() == ["K3", "K7", "K5"]
    shown = runner.invoke(main, ["followup", "--db", loop_db, "--as-of", AS_OF])
    assert shown.exit_code == 0 and "K3" in shown.output and "overdue" in shown.output


def test_cli_metric_loop_closure(loop_db):
    result = CliRunner().invoke(
        main, ["metric", "loop_closure", "--db", loop_db, "--as-of", AS_OF, "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert pd.read_csv(io.StringIO(result.output))["loop_closure"].tolist() == [0.5]
