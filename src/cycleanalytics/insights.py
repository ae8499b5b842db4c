"""What stands out: the largest significant changes and the groups that differ from the rest.

A manager reading a report wants the two or three facts worth acting on, not every number.
:func:`what_stands_out` finds them by testing, never by wording written in advance:

- **changes**: each KPI of :func:`~cycleanalytics.kpis.kpi_table` against the comparison
  period, with the test :func:`~cycleanalytics.kpis.compare_kpis` applies;
- **groups**: each group of a breakdown against all the other groups together (the same
  measure, the same period and filters), by a two-proportion z test:

  ==============================  ========================  ==================================
  measure                         breakdown                 counts (from the metric)
  ==============================  ========================  ==================================
  CSAT (top-box share)            channel of the answer     ``csat_top`` of ``csat_n``
  reach of each stage from entry  entry channel             ``reached`` of the entry stage's
  reopen rate                     complaint area            ``reopened`` of ``resolved``
  repeat-complaint rate           complaint area            ``recurred`` of
                                                            ``recurrence_eligible``
  recovery success                complaint area            ``successes`` of ``success_judged``
  ==============================  ========================  ==================================

Every count comes from the registered metric (one definition per measure). With many tests
some are "significant" by chance, so the p-values are adjusted for the whole family (Holm's
step-down method, :func:`~cycleanalytics.stats.holm_adjust`); a finding is kept when its
adjusted p-value is below ``alpha`` and both sides have at least ``min_n`` answers or cases.
Findings come ordered by adjusted p-value, then by the size of the difference; a group that
stands out at several funnel stages is reported once, at its strongest.

Examples
--------
>>> import cycleanalytics as ca
>>> with ca.Store() as store:
...     _ = ca.load(store, ca.sample_dir())
...     found = what_stands_out(store, period="2026-06", compare_to="2026-05")
>>> set(found["kind"]) <= {"change", "group"}
True
>>> bool((found["p_adjusted"] < 0.05).all())
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from pathlib import Path

    from cycleanalytics.metrics import Period
    from cycleanalytics.model import CycleModel
    from cycleanalytics.store import Store

__all__ = ["FINDING_COLUMNS", "GROUP_MEASURES", "GroupMeasure", "what_stands_out"]

#: Columns of :func:`what_stands_out`'s table. ``value`` is the group's (or the period's) share
#: or score, ``reference`` the rest's (or the comparison period's), ``difference`` their
#: difference; ``better`` says whether that difference goes the good way for the measure;
#: ``n`` and ``reference_n`` are the answers or cases behind each side.
FINDING_COLUMNS = (
    "kind",
    "measure",
    "metric",
    "dimension",
    "group",
    "stage",
    "value",
    "reference",
    "difference",
    "better",
    "n",
    "reference_n",
    "p_value",
    "p_adjusted",
)


@dataclass(frozen=True)
class GroupMeasure:
    """A share whose groups are compared with the rest: ``hits`` of ``n`` per ``by`` group in
    the result of ``metric``. The funnel (``metric="funnel"``) is read per stage instead."""

    measure: str
    metric: str
    by: str
    hits: str
    n: str
    higher_is_better: bool


GROUP_MEASURES = (
    GroupMeasure("csat", "satisfaction", "channel", "csat_top", "csat_n", True),
    GroupMeasure("reach", "funnel", "channel", "reached", "reached", True),
    GroupMeasure("reopen_rate", "complaints", "category", "reopened", "resolved", False),
    GroupMeasure(
        "recurrence_rate", "complaints", "category", "recurred", "recurrence_eligible", False
    ),
    GroupMeasure("recovery_success", "recovery", "category", "successes", "success_judged", True),
)


def what_stands_out(
    store: Store,
    *,
    period: Period | str | None = None,
    compare_to: Period | str | None = None,
    compared: pd.DataFrame | None = None,
    channel: str | None = None,
    segment: str | None = None,
    model: CycleModel | str | Path | None = None,
    alpha: float | None = 0.05,
    min_n: int | None = None,
    limit: int | None = 5,
    measures: tuple[GroupMeasure, ...] = GROUP_MEASURES,
) -> pd.DataFrame:
    """The significant changes and group differences of ``period`` (module docstring).

    Parameters
    ----------
    store
        The data.
    period, channel, segment, model
        The filters of the report; a breakdown by channel is skipped when ``channel`` is set.
    compare_to
        The comparison period for changes (none: no changes, only groups).
    compared
        The changes already computed by :func:`~cycleanalytics.kpis.compare_kpis` for these
        filters (a report passes its KPI table instead of computing it again).
    alpha
        Level of the adjusted p-value below which a finding is kept (None: every test made,
        for an analyst who wants to see them all).
    min_n
        Fewest answers or cases on each side of a test (default: ``kpis.MIN_N``).
    limit
        Most findings returned (None: all).
    measures
        The group comparisons to make (default: :data:`GROUP_MEASURES`).

    Returns
    -------
    DataFrame
        :data:`FINDING_COLUMNS`, one row per finding; ``attrs["tests"]`` is the number of tests
        made (the family adjusted for), ``attrs["alpha"]`` the level.
    """
    from cycleanalytics import kpis
    from cycleanalytics.stats import holm_adjust

    min_n = kpis.MIN_N if min_n is None else min_n
    filters: dict[str, Any] = {"period": period, "channel": channel, "segment": segment}
    rows: list[dict[str, Any]] = []
    if compared is None and compare_to is not None:
        now = kpis.kpi_table(store, model=model, **filters)
        before = kpis.kpi_table(store, model=model, **(filters | {"period": compare_to}))
        compared = kpis.compare_kpis(now, before, min_n=min_n)
    if compared is not None:
        rows.extend(_changes(compared))
    computed: dict[tuple[str, str], pd.DataFrame] = {}  # each metric once per breakdown
    for spec in measures:
        if spec.by == "channel" and channel is not None:
            continue
        key = (spec.metric, spec.by)
        if key not in computed:
            computed[key] = _compute(store, spec, filters, model)
        rows.extend(_groups(computed[key], spec, min_n))
    table = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    table["p_adjusted"] = holm_adjust(table["p_value"].to_numpy(dtype=float))
    tests = len(table)
    if alpha is not None:
        table = table[table["p_adjusted"] < alpha]
    table = table.assign(_size=table["difference"].abs())
    table = table.sort_values(["p_adjusted", "_size"], ascending=[True, False]).drop(
        columns="_size"
    )
    # A group that stands out at several stages is one finding: its strongest.
    again = table.duplicated(["kind", "measure", "dimension", "group"]) & table["kind"].eq("group")
    table = table[~again]
    if limit is not None:
        table = table.head(limit)
    table = table.reset_index(drop=True)
    table.attrs.update(tests=tests, alpha=alpha, min_n=min_n)
    return table


def _changes(compared: pd.DataFrame) -> list[dict[str, Any]]:
    from cycleanalytics.kpis import GOOD_DIRECTION

    rows = []
    for _, r in compared.iterrows():
        if not math.isfinite(r["p_value"]):
            continue
        good = GOOD_DIRECTION.get(str(r["kpi"]), 0)
        rows.append(
            {
                "kind": "change",
                "measure": r["kpi"],
                "metric": r["metric"],
                "dimension": None,
                "group": None,
                "stage": r["stage"],
                "value": float(r["value"]),
                "reference": float(r["previous"]),
                "difference": float(r["change"]),
                "better": bool(good * r["change"] > 0) if good else None,
                "n": int(r["n"]),
                "reference_n": None,
                "p_value": float(r["p_value"]),
            }
        )
    return rows


def _compute(
    store: Store,
    spec: GroupMeasure,
    filters: dict[str, Any],
    model: CycleModel | str | Path | None,
) -> pd.DataFrame:
    from cycleanalytics import metrics

    options = {"model": model} if spec.metric == "funnel" else {}
    return getattr(metrics, spec.metric)(store, by=spec.by, **filters, **options)


def _groups(table: pd.DataFrame, spec: GroupMeasure, min_n: int) -> list[dict[str, Any]]:
    if table.empty:
        return []
    if spec.metric == "funnel":
        return _funnel_groups(table, spec, min_n)
    counts = (
        table.assign(
            _hits=pd.to_numeric(table[spec.hits]).fillna(0),
            _n=pd.to_numeric(table[spec.n]).fillna(0),
        )
        .groupby(spec.by, observed=True, dropna=True)[["_hits", "_n"]]
        .sum()
    )
    return _versus_rest(counts, spec, None, min_n)


def _funnel_groups(table: pd.DataFrame, spec: GroupMeasure, min_n: int) -> list[dict[str, Any]]:
    """Reach of each stage after the entry, from the entry stage, per group against the rest."""
    order = table.sort_values("stage_index")
    stages = list(dict.fromkeys(str(s) for s in order["stage"]))
    reached = order.pivot_table(
        index=spec.by, columns="stage", values="reached", aggfunc="sum", observed=True
    ).fillna(0)
    entry = reached[stages[0]]
    rows = []
    for stage in stages[1:]:
        counts = pd.DataFrame({"_hits": reached[stage], "_n": entry})
        rows.extend(_versus_rest(counts, spec, stage, min_n))
    return rows


def _versus_rest(
    counts: pd.DataFrame, spec: GroupMeasure, stage: str | None, min_n: int
) -> list[dict[str, Any]]:
    from cycleanalytics.stats import two_proportion_z

    total_hits, total_n = float(counts["_hits"].sum()), float(counts["_n"].sum())
    rows = []
    for group, (hits, n) in counts[["_hits", "_n"]].iterrows():
        rest_hits, rest_n = total_hits - hits, total_n - n
        if len(counts) < 2 or n < min_n or rest_n < min_n:
            continue
        test = two_proportion_z(int(rest_hits), int(rest_n), int(hits), int(n))
        if not math.isfinite(test.p_value):
            continue
        rows.append(
            {
                "kind": "group",
                "measure": spec.measure,
                "metric": spec.metric,
                "dimension": spec.by,
                "group": str(group),
                "stage": stage,
                "value": hits / n,
                "reference": rest_hits / rest_n,
                "difference": test.effect,
                "better": (test.effect > 0) == spec.higher_is_better,
                "n": int(n),
                "reference_n": int(rest_n),
                "p_value": test.p_value,
            }
        )
    return rows
