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
import warnings
from typing import TYPE_CHECKING, Any

import pandas as pd

from cycleanalytics.errors import DataWarning, OptionError

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path

    from cycleanalytics.metrics import Period
    from cycleanalytics.model import CycleModel
    from cycleanalytics.periods import ReportPeriod
    from cycleanalytics.store import Store

__all__ = [
    "GOOD_DIRECTION",
    "KPI_COLUMNS",
    "MIN_N",
    "compare_kpis",
    "funnel_kpis",
    "kpi_history",
    "kpi_table",
    "kpi_trend",
]

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
    frames = _measure(store, period=period, channel=channel, segment=segment, model=model)
    return _kpis(frames)


#: The metrics the KPIs are asked of, in the order :func:`_kpis` reads them.
MEASURES = (
    "complaints",
    "satisfaction",
    "resolution_time",
    "recovery",
    "loop_closure",
    "cost",
    "funnel",
)


def _measure(
    store: Store,
    *,
    by: str | None = None,
    model: CycleModel | str | Path | None = None,
    names: tuple[str, ...] = MEASURES,
    **filters: Any,
) -> dict[str, pd.DataFrame]:
    """Each metric of :data:`MEASURES` (or of ``names``) with the same filters (and
    breakdown ``by``)."""
    from cycleanalytics import metrics

    frames = {}
    for name in names:
        options = {"model": model} if name == "funnel" else {}
        frames[name] = getattr(metrics, name)(store, by=by, **filters, **options)
    return frames


def _kpis(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The KPI table of one period from its metrics' tables (:func:`_measure`)."""
    missing: dict[str, str] = {}
    rows: list[tuple[Any, ...]] = []

    def add(kpi: str, value: float, unit: str, n: int, hits: int, misses: int, test: str,
            metric: str, stage: str | None = None) -> None:  # fmt: skip
        rows.append((kpi, stage, value, unit, n, hits, misses, test, metric))

    raised = frames["complaints"]
    cases = raised.attrs.get("cases")
    if cases is None:
        missing["cases"] = raised.attrs["missing"].get(
            "rate_per_1000_cases", "the cases are unknown"
        )
    add("cases", _number(cases), "count", cases or 0, cases or 0, 0, "none", "complaints")

    scores = frames["satisfaction"]
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

    waited = frames["resolution_time"]
    done = waited.iloc[0]
    if "resolution_time" in waited.attrs["missing"]:
        missing["median_resolution_h"] = waited.attrs["missing"]["resolution_time"]
    n = int(done["complaints"])
    add("median_resolution_h", done["median_h"], "hours", n, n, 0, "none", "resolution_time")

    recovered = frames["recovery"].iloc[0]
    judged, won = int(recovered["success_judged"]), int(recovered["successes"])
    if judged == 0:
        missing["recovery_success"] = "no recovery in scope could be judged yet"
    add("recovery_success", recovered["success_rate"], "share", judged, won, judged - won,
        "two_proportion_z", "recovery")  # fmt: skip

    closed = frames["loop_closure"]
    due, done = int(closed["due"].sum()), int(closed["closed_in_time"].sum())
    if closed.attrs["missing"]:
        missing["loop_closure"] = closed.attrs["missing"]["loop_closure"]
    add("loop_closure", closed["loop_closure"].iloc[0] if due else math.nan, "share", due, done,
        due - done, "two_proportion_z", "loop_closure")  # fmt: skip

    spent = frames["cost"]
    if spent.attrs["missing"]:
        missing["cost_per_case"] = "; ".join(spent.attrs["missing"].values())
    n = int(spent["cases"].iloc[0])
    add("cost_per_case", spent["cost_per_case"].iloc[0], "money", n, 0, 0, "none", "cost")

    stages = frames["funnel"]
    drops = funnel_kpis(stages)
    table = pd.DataFrame(rows, columns=list(KPI_COLUMNS))
    table = pd.concat([table, drops], ignore_index=True)
    table.attrs["missing"] = missing
    table.attrs["first_stage"] = str(stages.sort_values("stage_index")["stage"].iloc[0])
    return table


def kpi_history(
    store: Store,
    *,
    period: ReportPeriod | str,
    as_of: str | date | None = None,
    periods: int = 12,
    channel: str | None = None,
    segment: str | None = None,
    model: CycleModel | str | Path | None = None,
) -> pd.DataFrame:
    """Each KPI of :func:`kpi_table` in ``period`` and the ``periods - 1`` periods before it,
    oldest first: the trend a KPI tile draws (:func:`cycleanalytics.plots.sparkline_svg`).

    The periods are the report's own: ``period`` (rolling or explicit, resolved against
    ``as_of`` as a report does) and, walking back, each one's "previous" comparison period
    (:func:`cycleanalytics.periods.comparison_period`), so the last two rows of a KPI are the
    tile's value and the value it is compared with. Every number comes from the same metric
    calls as :func:`kpi_table` (:func:`_measure`, :func:`_kpis`): when the periods are calendar
    months (or quarters), each metric is asked once, by month (quarter), over all of them, and
    its table is split per period; a metric without a row in a period (nothing recorded that
    month) is asked for that period on its own, and a period in which no metric has a row is
    asked once for all such periods (their KPI tables are alike). ``tests/test_kpis.py``
    checks the two ways give the same table.

    Returns
    -------
    DataFrame
        ``period`` (the period's text, e.g. ``2026-03-01..2026-03-31``), ``label`` ("Mar
        2026"; other periods: ``2026-03-01 to 2026-03-10``), ``first`` and ``last`` (days),
        then :data:`KPI_COLUMNS`: one row per period and KPI (and funnel stage).

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     history = kpi_history(store, period="2026-06", periods=3)
    >>> history.loc[history["kpi"] == "csat", "label"].tolist()
    ['Apr 2026', 'May 2026', 'Jun 2026']
    """
    from cycleanalytics.periods import comparison_period, resolve_period

    if periods < 1:
        raise OptionError(f"periods must be at least 1, not {periods}")
    chain = [resolve_period(period, as_of=as_of)]
    while len(chain) < periods:
        before = comparison_period(chain[-1], "previous")
        assert before is not None  # "previous" always has one
        chain.append(before)
    chain.reverse()
    filters: dict[str, Any] = {"channel": channel, "segment": segment, "model": model}
    with warnings.catch_warnings():
        # A month before the data starts is a gap in the trend, not news: the tile's own
        # period is asked of kpi_table too, which warns about its data.
        warnings.simplefilter("ignore", DataWarning)
        tables, empty = _history_by_grain(store, chain, filters)
        nothing = None  # the KPI table of a period in which no metric has a row: all alike
        for p in chain:
            if p in tables:
                continue
            if p in empty and nothing is not None:
                tables[p] = nothing
                continue
            tables[p] = _kpis(_measure(store, period=p.metric_period(), **filters))
            if p in empty:
                nothing = tables[p]
    parts = []
    for p in chain:
        table = tables[p]
        part = table.copy()
        part.insert(0, "last", p.last)
        part.insert(0, "first", p.first)
        part.insert(0, "label", _period_text(p))
        part.insert(0, "period", p.metric_period())
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out.attrs["periods"] = [p.metric_period() for p in chain]
    return out


def kpi_trend(history: pd.DataFrame, kpi: str, stage: str | None = None) -> list[float]:
    """One KPI's values in a :func:`kpi_history`, oldest first (NaN where missing): what
    :func:`cycleanalytics.plots.sparkline_svg` draws.

    >>> history = pd.DataFrame({"period": ["a", "b", "a"], "kpi": ["csat", "csat", "nps"],
    ...                         "stage": [None, None, None], "value": [0.6, 0.7, 12.0]})
    >>> kpi_trend(history, "csat")
    [0.6, 0.7]
    """
    rows = history[history["kpi"] == kpi]
    if stage is not None:
        rows = rows[rows["stage"] == stage]
    return [float(v) for v in rows["value"]]


def _period_text(p: ReportPeriod) -> str:
    """A period as a tile names it: "Mar 2026", "Q1 2026", else its days."""
    from cycleanalytics.plots import period_label

    if p.is_month():
        return period_label(p.first, "month")
    if p.is_quarter():
        return period_label(p.first, "quarter")
    return p.label()


def _history_by_grain(
    store: Store, chain: list[ReportPeriod], filters: dict[str, Any]
) -> tuple[dict[ReportPeriod, pd.DataFrame], set[ReportPeriod]]:
    """The KPI tables of calendar-month (or quarter) periods from one call of each metric by
    that grain over all of them, and the periods in which no metric has a row (before the
    data starts, say); periods left out need a call of their own."""
    grain = (
        "month"
        if all(p.is_month() for p in chain)
        else "quarter"
        if all(p.is_quarter() for p in chain)
        else None
    )
    if grain is None or len(chain) < 2:
        return {}, set()
    span = f"{chain[0].first.isoformat()}..{chain[-1].last.isoformat()}"
    frames = _measure(store, by=grain, period=span, **filters)
    freq = {"month": "M", "quarter": "Q"}[grain]
    keys = {name: _period_keys(frame[grain], freq) for name, frame in frames.items()}
    tables, empty = {}, set()
    for p in chain:
        key = pd.Period(p.first, freq)
        split = {}
        for name, frame in frames.items():
            rows = frame[keys[name] == key].drop(columns=grain).reset_index(drop=True)
            rows.attrs = dict(frame.attrs)
            split[name] = rows
        lacking = tuple(name for name, rows in split.items() if rows.empty)
        if len(lacking) == len(split):
            empty.add(p)
            continue
        if lacking:  # no row in this period for these metrics: ask them for it on their own
            split.update(_measure(store, period=p.metric_period(), names=lacking, **filters))
        raised = split["complaints"]
        if "complaints" not in lacking and "rate_per_1000_cases" not in raised.attrs["missing"]:
            if pd.isna(raised["cases"].iloc[0]):  # no journey that month: ask the period
                split.update(
                    _measure(store, period=p.metric_period(), names=("complaints",), **filters)
                )
            else:
                raised.attrs["cases"] = int(raised["cases"].iloc[0])  # the period's own cases
        tables[p] = _kpis(split)
    return tables, empty


def _period_keys(values: pd.Series, freq: str) -> pd.Series:
    """A metric's time-grain column as pandas periods, whatever it holds (periods, instants)."""

    def key(value: Any) -> Any:
        if isinstance(value, pd.Period):
            return value.asfreq(freq, how="start")
        if value is None or pd.isna(value):
            return None
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_convert(None) if stamp.tzinfo is not None else stamp
        return stamp.to_period(freq)

    return pd.Series([key(v) for v in values], index=values.index, dtype=object)


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
