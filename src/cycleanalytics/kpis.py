"""Headline numbers for the executive summary, asked of the metrics: no formula of their own.

Every KPI is one registered metric's number, computed with the same arguments a report or the
CLI would pass, so the executive summary, the satisfaction report and ``cycleanalytics metric``
show the same CSAT for the same month:

========================  =====================================================================
KPI                       metric (and what it counts)
========================  =====================================================================
``cases``                 :func:`~cycleanalytics.metrics.complaints` ``attrs["cases"]``: cases
                          that started in the period (with a channel: entered through it)
``csat``, ``nps``         :func:`~cycleanalytics.metrics.satisfaction`: answers given in the
                          period (``basis="event"``)
``complaints_per_1000``   :func:`~cycleanalytics.metrics.complaints`: complaints opened in the
                          period per 1,000 of those cases
``median_resolution_h``   :func:`~cycleanalytics.metrics.resolution_time`: Kaplan-Meier median
``recovery_success``      :func:`~cycleanalytics.metrics.recovery`: successes among judged
                          recoveries of cases that started in the period
``loop_closure``          :func:`~cycleanalytics.metrics.loop_closure`: follow-ups made within
                          48 h among those due, of answers and complaints in the period
``cost_per_case``         :func:`~cycleanalytics.metrics.cost`
``dropoff``               :func:`~cycleanalytics.funnel`: share of a stage's cases that did not
                          reach the next one
========================  =====================================================================

A KPI whose inputs are absent (no complaints loaded, no cost recorded, nothing resolved) has a
missing value and its reason in ``attrs["missing"]``, never a 0. :func:`compare_kpis` adds the
comparison period's value, the change and, where a test applies and both periods have enough
answers, its p-value from :mod:`cycleanalytics.stats`.

Examples
--------
>>> import cycleanalytics as ca
>>> with ca.Store() as store:
...     _ = ca.load(store, sorted(ca.sample_dir().glob("*.csv")))
...     now = kpi_table(store, period="2026-03")
...     before = kpi_table(store, period="2026-02")
...     csat = ca.metrics.satisfaction(store, period="2026-03")
>>> list(now["kpi"])[:4]
['cases', 'csat', 'nps', 'complaints_per_1000']
>>> bool(now.set_index("kpi").loc["csat", "value"] == csat["csat"].iloc[0])
True
>>> table = compare_kpis(now, before)
>>> bool(table.loc[table["kpi"] == "cases", "significant"].isna().all())
True
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from pathlib import Path

    from cycleanalytics.metrics import Period
    from cycleanalytics.model import CycleModel
    from cycleanalytics.store import Store

__all__ = ["GOOD_DIRECTION", "KPI_COLUMNS", "MIN_N", "compare_kpis", "funnel_kpis", "kpi_table"]

#: Columns of every KPI table. ``n`` is the base (responses, cases); ``hits`` and ``misses`` are
#: the counts a test needs (top-box answers; promoters and detractors; complaints); ``metric``
#: names the registered metric the value comes from.
KPI_COLUMNS = ("kpi", "stage", "value", "unit", "n", "hits", "misses", "test", "metric")
#: A change is tested only when both periods have at least this many answers (or cases).
MIN_N = 30
#: Whether a rise is good (+1) or bad (-1) for a KPI; 0: neither (a count of cases).
GOOD_DIRECTION = {
    "cases": 0,
    "csat": 1,
    "nps": 1,
    "complaints_per_1000": -1,
    "median_resolution_h": -1,
    "recovery_success": 1,
    "loop_closure": 1,
    "cost_per_case": -1,
    "dropoff": -1,
}


def kpi_table(
    store: Store,
    *,
    period: Period | str | None = None,
    channel: str | None = None,
    segment: str | None = None,
    model: CycleModel | str | Path | None = None,
) -> pd.DataFrame:
    """The executive summary's KPIs for one period, each from its metric (module docstring).

    Returns
    -------
    DataFrame
        One row per KPI with :data:`KPI_COLUMNS`; ``attrs["missing"]`` maps a KPI without a
        value to the reason, ``attrs["first_stage"]`` is the funnel's first stage.
    """
    from cycleanalytics.metrics import (
        complaints,
        cost,
        funnel,
        loop_closure,
        recovery,
        resolution_time,
    )
    from cycleanalytics.metrics import satisfaction as satisfaction_metric

    filters: dict[str, Any] = {"period": period, "channel": channel, "segment": segment}
    missing: dict[str, str] = {}
    rows: list[tuple[Any, ...]] = []

    def add(kpi: str, value: float, unit: str, n: int, hits: int, misses: int, test: str,
            metric: str, stage: str | None = None) -> None:  # fmt: skip
        rows.append((kpi, stage, value, unit, n, hits, misses, test, metric))

    raised = complaints(store, **filters)
    cases = raised.attrs.get("cases")
    if cases is None:
        missing["cases"] = raised.attrs["missing"].get(
            "rate_per_1000_cases", "the cases are unknown"
        )
    add("cases", _number(cases), "count", cases or 0, cases or 0, 0, "none", "complaints")

    scores = satisfaction_metric(store, **filters)
    row = scores.iloc[0]
    csat_n, top = int(row["csat_n"]), int(row["csat_top"])
    add("csat", row["csat"], "share", csat_n, top, csat_n - top, "two_proportion_z", "satisfaction")
    nps_n, pro, det = int(row["nps_n"]), int(row["promoters"]), int(row["detractors"])
    add("nps", row["nps"], "score", nps_n, pro, det, "nps_difference_z", "satisfaction")
    for kpi, n in (("csat", csat_n), ("nps", nps_n)):
        if n == 0:
            missing[kpi] = "no answers in scope"

    opened = int(raised["complaints"].sum())
    rate = 1000 * opened / cases if cases else math.nan
    if "complaints" in raised.attrs["missing"]:
        rate = math.nan
        missing["complaints_per_1000"] = raised.attrs["missing"]["complaints"]
    add("complaints_per_1000", rate, "rate", cases or 0, opened, 0, "rate_ratio", "complaints")

    waited = resolution_time(store, **filters)
    done = waited.iloc[0]
    if "resolution_time" in waited.attrs["missing"]:
        missing["median_resolution_h"] = waited.attrs["missing"]["resolution_time"]
    n = int(done["complaints"])
    add("median_resolution_h", done["median_h"], "hours", n, n, 0, "none", "resolution_time")

    recovered = recovery(store, **filters).iloc[0]
    judged, won = int(recovered["success_judged"]), int(recovered["successes"])
    if judged == 0:
        missing["recovery_success"] = "no recovery in scope could be judged yet"
    add("recovery_success", recovered["success_rate"], "share", judged, won, judged - won,
        "two_proportion_z", "recovery")  # fmt: skip

    closed = loop_closure(store, **filters)
    due, done = int(closed["due"].sum()), int(closed["closed_in_time"].sum())
    if closed.attrs["missing"]:
        missing["loop_closure"] = closed.attrs["missing"]["loop_closure"]
    add("loop_closure", closed["loop_closure"].iloc[0] if due else math.nan, "share", due, done,
        due - done, "two_proportion_z", "loop_closure")  # fmt: skip

    spent = cost(store, **filters)
    if spent.attrs["missing"]:
        missing["cost_per_case"] = "; ".join(spent.attrs["missing"].values())
    n = int(spent["cases"].iloc[0])
    add("cost_per_case", spent["cost_per_case"].iloc[0], "money", n, 0, 0, "none", "cost")

    stages = funnel(store, model=model, **filters)
    drops = funnel_kpis(stages)
    table = pd.DataFrame(rows, columns=list(KPI_COLUMNS))
    table = pd.concat([table, drops], ignore_index=True)
    table.attrs["missing"] = missing
    table.attrs["first_stage"] = str(stages.sort_values("stage_index")["stage"].iloc[0])
    return table


def _number(value: int | None) -> float:
    return math.nan if value is None else float(value)


def funnel_kpis(funnel: pd.DataFrame) -> pd.DataFrame:
    """Drop-off before each stage after the first, from :func:`~cycleanalytics.funnel`'s table
    (no breakdown): ``value`` is the share of the stage before that did not reach it.

    >>> df = pd.DataFrame({"stage": ["a", "b"], "stage_index": [1, 2],
    ...                    "reached": [200, 150], "dropped": [0, 50]})
    >>> funnel_kpis(df)[["kpi", "stage", "value", "n", "hits"]].to_dict("records")
    [{'kpi': 'dropoff', 'stage': 'b', 'value': 0.25, 'n': 200, 'hits': 50}]
    """
    rows = []
    ordered = funnel.sort_values("stage_index").reset_index(drop=True)
    for k in range(1, len(ordered)):
        before, stage = ordered.iloc[k - 1], ordered.iloc[k]
        n, lost = int(before["reached"]), int(before["reached"]) - int(stage["reached"])
        value = lost / n if n else math.nan
        row = ("dropoff", str(stage["stage"]), value, "share", n, lost, n - lost)
        rows.append((*row, "two_proportion_z", "funnel"))
    return pd.DataFrame(rows, columns=list(KPI_COLUMNS))


def _p_value(now: pd.Series, before: pd.Series) -> float:
    """The comparison's p-value, from the test :mod:`cycleanalytics.stats` has for the KPI."""
    from cycleanalytics.stats import nps_difference_z, poisson_rate_ratio, two_proportion_z

    test = now["test"]
    n1, n2 = int(before["n"]), int(now["n"])
    if test == "two_proportion_z":
        return two_proportion_z(int(before["hits"]), n1, int(now["hits"]), n2).p_value
    if test == "nps_difference_z":
        groups = [
            (int(r["hits"]), int(r["n"]) - int(r["hits"]) - int(r["misses"]), int(r["misses"]))
            for r in (before, now)
        ]
        return nps_difference_z(*groups).p_value
    if test == "rate_ratio":
        return poisson_rate_ratio(int(before["hits"]), n1, int(now["hits"]), n2).p_value
    return math.nan


def compare_kpis(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    *,
    alpha: float = 0.05,
    min_n: int = MIN_N,
) -> pd.DataFrame:
    """``current`` with the comparison period's ``previous`` value, the ``change`` and, where a
    test applies and both periods have at least ``min_n`` answers, ``p_value`` and
    ``significant`` (p < ``alpha``). ``significant`` is missing (NA) where no test was made."""
    out = current.copy()
    out["previous"] = math.nan
    out["change"] = math.nan
    out["p_value"] = math.nan
    out["significant"] = pd.array([pd.NA] * len(out), dtype="boolean")
    if previous is None or previous.empty:
        return out
    keyed = {(r["kpi"], r["stage"]): r for _, r in previous.iterrows()}
    for i, now in out.iterrows():
        before = keyed.get((now["kpi"], now["stage"]))
        if before is None:
            continue
        out.at[i, "previous"] = before["value"]
        out.at[i, "change"] = now["value"] - before["value"]
        if now["test"] == "none" or min(int(now["n"]), int(before["n"])) < min_n:
            continue
        p = _p_value(now, before)
        if not math.isnan(p):
            out.at[i, "p_value"] = p
            out.at[i, "significant"] = p < alpha
    return out
