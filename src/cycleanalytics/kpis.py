"""Headline numbers for the executive summary, with their change against a comparison period.

:func:`basic_kpis` computes, in one engine expression over the canonical tables, the simple
KPIs a manager starts with: cases, CSAT top-box share, NPS, complaints per 1,000 cases and cost
per case. :func:`funnel_kpis` turns a funnel into drop-off KPIs. :func:`compare_kpis` adds the
comparison period's value, the change and, where a test applies and both periods have enough
answers, its p-value and a significance flag.

Every KPI row has the same columns (:data:`KPI_COLUMNS`), so KPIs from the cycle and outcome
metrics (median resolution time, recovery success) join the same table when they land: add
rows with their own ``test`` (``"none"`` when no test applies).

Examples
--------
>>> import cycleanalytics as ca
>>> with ca.Store() as store:
...     _ = ca.load(store, sorted(ca.sample_dir().glob("*.csv")))
...     now = basic_kpis(store, period="2026-03-01..2026-04-01")
...     before = basic_kpis(store, period="2026-02-01..2026-03-01")
>>> list(now["kpi"])
['cases', 'csat', 'nps', 'complaints_per_1000', 'cost_per_case']
>>> table = compare_kpis(now, before)
>>> bool(table.loc[table["kpi"] == "cases", "significant"].isna().all())
True
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import ibis
import pandas as pd

from cycleanalytics.errors import MetricError
from cycleanalytics.metrics._common import Period

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cycleanalytics.store import Store

__all__ = [
    "KPI_COLUMNS",
    "MIN_N",
    "basic_kpis",
    "compare_kpis",
    "funnel_kpis",
    "nps_difference_test",
    "outcome_kpis",
    "rate_ratio_test",
    "segment_interactions",
    "two_proportion_test",
]

#: Columns of every KPI table. ``n`` is the base (responses, cases); ``hits`` and ``misses`` are
#: the counts a test needs (top-box answers; promoters and detractors; complaints).
KPI_COLUMNS = ("kpi", "stage", "value", "unit", "n", "hits", "misses", "test")
#: A change is tested only when both periods have at least this many answers (or cases).
MIN_N = 30


def segment_interactions(store: Store, segment: str | None) -> Store | ir.Table:
    """The store itself, or its interactions of customers in ``segment`` (a bound value)."""
    if segment is None:
        return store
    customers = store.table("customers")
    ids = customers.filter(customers.segment == ibis.literal(segment, type="string")).customer_id
    interactions = store.table("interactions")
    return interactions.filter(interactions.customer_id.isin(ids))


def _kpi_expr(store: Store, period: Period, channel: str | None, segment: str | None) -> ir.Table:
    interactions = store.table("interactions")
    complaints = store.table("complaints")
    if segment is not None:
        customers = store.table("customers")
        ids = customers.filter(
            customers.segment == ibis.literal(segment, type="string")
        ).customer_id
        interactions = interactions.filter(interactions.customer_id.isin(ids))
        complaints = complaints.filter(complaints.customer_id.isin(ids))
    order = ibis.window(group_by="case_id", order_by=["ts", "interaction_id"])
    entries = (
        interactions.mutate(_rank=ibis.row_number().over(order))
        .filter(lambda t: t._rank == 0)
        .select("case_id", start="ts", entry_channel="channel")
    )
    entries = entries.filter(period.contains(entries.start))
    if channel is not None:
        entries = entries.filter(entries.entry_channel == ibis.literal(channel, type="string"))
        complaints = complaints.filter(complaints.channel == ibis.literal(channel, type="string"))
    events = interactions.semi_join(entries, "case_id")
    zero = ibis.literal(0, type="int64")
    per_case = events.aggregate(
        cases=events.case_id.nunique(),
        csat_n=events.csat.count(),
        csat_top=(events.csat >= 4).cast("int64").sum().fill_null(zero),
        nps_n=events.nps.count(),
        promoters=(events.nps >= 9).cast("int64").sum().fill_null(zero),
        detractors=(events.nps <= 6).cast("int64").sum().fill_null(zero),
        cost=events.cost.sum(),
    )
    complaints = complaints.filter(period.contains(complaints.opened_at))
    opened = complaints.aggregate(complaints=complaints.count())
    return per_case.cross_join(opened)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def basic_kpis(
    store: Store,
    *,
    period: Period | str | None = None,
    channel: str | None = None,
    segment: str | None = None,
) -> pd.DataFrame:
    """Cases, CSAT top-box share, NPS, complaints per 1,000 cases and cost per case.

    Parameters
    ----------
    store
        The database: a :class:`~cycleanalytics.Store` or a
        :class:`~cycleanalytics.spark.SparkStore` (the same expression runs on both).
    period
        Cases whose first event lies in it (``Period`` or ``"START..END"``, end excluded);
        their answers and costs count, and the complaints opened in it.
    channel
        Only cases that entered through this channel, and complaints made through it.
    segment
        Only customers of this segment (from the customers table).

    Returns
    -------
    DataFrame
        One row per KPI with :data:`KPI_COLUMNS`: ``cases`` (count), ``csat`` (share of
        answers 4 or 5; ``n`` answers, ``hits`` top box), ``nps`` (% promoters minus %
        detractors, -100..100; ``hits`` promoters, ``misses`` detractors), ``complaints_per_1000``
        (``hits`` complaints, ``n`` cases) and ``cost_per_case``. ``df.attrs`` holds the
        period and filters.
    """
    if isinstance(store, ibis.expr.types.Table) or not callable(getattr(store, "table", None)):
        raise MetricError(
            "basic_kpis takes a cycleanalytics Store or a SparkStore (an object with "
            f".table(name)), not {type(store).__name__}"
        )
    span = Period.parse(period)
    row = _kpi_expr(store, span, channel, segment).to_pandas().iloc[0]
    cases = int(row["cases"])
    csat_n, nps_n = int(row["csat_n"]), int(row["nps_n"])
    promoters, detractors = int(row["promoters"]), int(row["detractors"])
    complaints = int(row["complaints"])
    cost = float(row["cost"]) if pd.notna(row["cost"]) else math.nan
    rows = [
        ("cases", None, float(cases), "count", cases, cases, 0, "none"),
        (
            "csat",
            None,
            _ratio(int(row["csat_top"]), csat_n),
            "share",
            csat_n,
            int(row["csat_top"]),
            csat_n - int(row["csat_top"]),
            "two_proportion_z",
        ),
        (
            "nps",
            None,
            100 * _ratio(promoters - detractors, nps_n),
            "score",
            nps_n,
            promoters,
            detractors,
            "nps_difference_z",
        ),
        (
            "complaints_per_1000",
            None,
            1000 * _ratio(complaints, cases),
            "rate",
            cases,
            complaints,
            0,
            "rate_ratio",
        ),
        ("cost_per_case", None, _ratio(cost, cases), "money", cases, 0, 0, "none"),
    ]
    df = pd.DataFrame(rows, columns=list(KPI_COLUMNS))
    df.attrs.update(period=span.label(), channel=channel or "all", segment=segment or "all")
    return df


def _segment_row(df: pd.DataFrame, segment: str | None) -> pd.Series | None:
    """The one row of a metric's table, or its row for ``segment`` (None when it has none)."""
    if segment is None:
        return df.iloc[0] if len(df) else None
    rows = df[df["segment"] == segment]
    return rows.iloc[0] if len(rows) else None


def outcome_kpis(
    store: Store,
    *,
    period: Period | str | None = None,
    channel: str | None = None,
    segment: str | None = None,
) -> pd.DataFrame:
    """Median resolution time and recovery success, as KPI rows (:data:`KPI_COLUMNS`).

    ``median_resolution_h`` is the Kaplan-Meier median time from complaint to resolution in
    hours (:func:`~cycleanalytics.metrics.resolution_time`, complaints opened in ``period``,
    open ones censored; ``n`` complaints). No test is made on it (``test`` is ``"none"``).
    ``recovery_success`` is the share of judged recoveries that succeeded
    (:func:`~cycleanalytics.metrics.recovery`, cases started in ``period``; ``n`` judged
    recoveries, ``hits`` successes), tested with the two-proportion z test. Recovery has no
    channel filter, so with ``channel`` the recovery row is left out rather than shown for
    all channels.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, sorted(ca.sample_dir().glob("*.csv")))
    ...     table = outcome_kpis(store, period="2026-05-01..2026-06-01")
    >>> list(table["kpi"]), list(table["n"])
    (['median_resolution_h', 'recovery_success'], [85, 74])
    """
    from cycleanalytics.metrics import recovery, resolution_time

    by = "segment" if segment is not None else None
    span = Period.parse(period)
    resolution = _segment_row(resolution_time(store, by=by, period=span, channel=channel), segment)
    n = int(resolution["complaints"]) if resolution is not None else 0
    median = float(resolution["median_h"]) if n else math.nan
    rows = [("median_resolution_h", None, median, "hours", n, n, 0, "none")]
    if channel is None:
        recovered = _segment_row(recovery(store, by=by, period=span), segment)
        judged = int(recovered["success_judged"]) if recovered is not None else 0
        successes = int(recovered["successes"]) if recovered is not None else 0
        rows.append(
            (
                "recovery_success",
                None,
                _ratio(successes, judged),
                "share",
                judged,
                successes,
                judged - successes,
                "two_proportion_z",
            )
        )
    df = pd.DataFrame(rows, columns=list(KPI_COLUMNS))
    df.attrs.update(period=span.label(), channel=channel or "all", segment=segment or "all")
    return df


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
        rows.append(
            (
                "dropoff",
                str(stage["stage"]),
                _ratio(lost, n),
                "share",
                n,
                lost,
                n - lost,
                "two_proportion_z",
            )
        )
    return pd.DataFrame(rows, columns=list(KPI_COLUMNS))


# -- tests on the small aggregates -----------------------------------------------------------


def two_proportion_test(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z test (NaN when it cannot be computed).

    >>> round(two_proportion_test(60, 100, 45, 100), 4)  # z = 2.1240
    0.0337
    """
    from scipy import stats

    if n1 == 0 or n2 == 0:
        return math.nan
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return math.nan
    z = (x1 / n1 - x2 / n2) / se
    return float(2 * stats.norm.sf(abs(z)))


def nps_difference_test(p1: int, d1: int, n1: int, p2: int, d2: int, n2: int) -> float:
    """Two-sided p-value of the z test on the difference of two NPS (multinomial variance:
    ``(P + D - (P - D)^2) / n`` per period, with P and D the promoter and detractor shares)."""
    from scipy import stats

    if n1 == 0 or n2 == 0:
        return math.nan
    variances = []
    scores = []
    for p, d, n in ((p1, d1, n1), (p2, d2, n2)):
        sp, sd = p / n, d / n
        scores.append(sp - sd)
        variances.append((sp + sd - (sp - sd) ** 2) / n)
    se = math.sqrt(sum(variances))
    if se == 0:
        return math.nan
    return float(2 * stats.norm.sf(abs(scores[0] - scores[1]) / se))


def rate_ratio_test(k1: int, exposure1: int, k2: int, exposure2: int) -> float:
    """Two-sided p-value that two Poisson rates are equal, conditional on ``k1 + k2`` (exact
    binomial test of ``k1`` out of ``k1 + k2`` with p = exposure1 / (exposure1 + exposure2))."""
    from scipy import stats

    if k1 + k2 == 0 or exposure1 == 0 or exposure2 == 0:
        return math.nan
    return float(stats.binomtest(k1, k1 + k2, exposure1 / (exposure1 + exposure2)).pvalue)


def _p_value(now: pd.Series, before: pd.Series) -> float:
    test = now["test"]
    n1, n2 = int(now["n"]), int(before["n"])
    if test == "two_proportion_z":
        return two_proportion_test(int(now["hits"]), n1, int(before["hits"]), n2)
    if test == "nps_difference_z":
        return nps_difference_test(
            int(now["hits"]), int(now["misses"]), n1, int(before["hits"]), int(before["misses"]), n2
        )
    if test == "rate_ratio":
        return rate_ratio_test(int(now["hits"]), n1, int(before["hits"]), n2)
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
