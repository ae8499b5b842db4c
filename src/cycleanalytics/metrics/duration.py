"""Case duration (issue 13): how long journeys last, from their first event to their last.

Definition (a contract). A case's duration is the time from its first event to its last
event, whatever their stages or activities (events without a stage count: the clock runs
from the first thing recorded to the last). A case with one event lasts 0 hours; such cases
are counted and reported (``single_event``), never dropped. Per breakdown group: the cases,
exact percentiles (25th, median, 75th, 90th) and the mean with a t interval, in hours.

``period`` keeps cases whose first event lies in it (the case start), ``channel`` the cases
whose first event came through it; a breakdown column takes its value at the first event
(customer columns from the customers table; ``month``/``week``/... group by the case start).

The data does not say whether a case is over: a case still open at the data's last event
counts with its duration so far. Compare periods whose cases have had time to close.

The per-case durations are differences of epoch microseconds and every aggregate, including
the exact quantiles, is one Ibis expression run by the engine; only the mean's t interval is
computed afterwards, from count, mean and standard deviation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycleanalytics.metrics._common import Period, as_list, microseconds_between
from cycleanalytics.metrics._registry import register
from cycleanalytics.metrics._sequences import case_table
from cycleanalytics.metrics.definitions import CASE_START, ENTRY_CHANNEL, Scope
from cycleanalytics.plots import PALETTE, breakdown_columns, finish_layout, require_columns
from cycleanalytics.stats import scipy_stats as stats

if TYPE_CHECKING:
    from collections.abc import Sequence

    import ibis.expr.types as ir

    from cycleanalytics.store import Store

__all__ = ["DURATION_COLUMNS", "case_duration", "case_duration_expr", "plot_case_duration"]

DURATION_COLUMNS = (
    "cases",
    "single_event",
    "p25_hours",
    "median_hours",
    "p75_hours",
    "p90_hours",
    "mean_hours",
    "mean_hours_lo",
    "mean_hours_hi",
)
_QUANTILES = {"p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}
_MICROS_PER_HOUR = 3_600_000_000


def case_duration_expr(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
) -> ir.Table:
    """The Ibis expression: one row per breakdown group with ``n``, ``single``, ``mean``,
    ``sd`` and the quantiles, all durations in microseconds."""
    by = as_list(by)
    events, cases = case_table(source, by=by, period=period, channel=channel)
    spans = events.group_by("case_id").aggregate(
        _first=events.ts.min(), _last=events.ts.max(), _events=events.count()
    )
    per = cases.join(spans, "case_id")
    per = per.mutate(_d=microseconds_between(per._first, per._last))
    aggs = {
        "n": per.count(),
        "single": (per._events == 1).sum(),
        "mean": per._d.mean(),
        "sd": per._d.std(),
        **{name: per._d.quantile(q) for name, q in _QUANTILES.items()},
    }
    if by:
        return per.group_by(by).aggregate(**aggs).order_by(by)
    return per.aggregate(**aggs)


@register(
    "case_duration",
    unit="hours from a case's first event to its last",
    scopes=Scope(
        CASE_START,
        ENTRY_CHANNEL,
        "cases that started in the period, from their first to their last event (one-event "
        "cases last 0 hours)",
    ),
)
def case_duration(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Case duration: percentiles and mean of the hours from each case's first event to its
    last.

    Parameters
    ----------
    source
        A :class:`~cycleanalytics.Store` (or SparkStore), or an Ibis table of canonical
        interactions.
    by
        Breakdown column(s): interactions columns (value at the case's first event), customer
        columns, or a time grain of the case's start.
    period, channel
        Keep cases whose first event lies in the period / came through the channel(s).
    confidence
        Level of the t interval of the mean.

    Returns
    -------
    DataFrame
        One row per breakdown group with the columns in ``DURATION_COLUMNS`` after the ``by``
        columns: ``cases``, ``single_event`` (cases with one event, 0 hours), exact
        percentiles and the mean with its interval, in hours.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.case_duration(store, by="channel")
    >>> bool((df["median_hours"] <= df["p90_hours"]).all())
    True
    """
    by = as_list(by)
    period = Period.parse(period)
    counts = case_duration_expr(source, by=by, period=period, channel=channel).execute()
    if counts.empty and not by:
        counts = pd.DataFrame({"n": [0], "single": [0]})
    table = counts[by].copy() if by else pd.DataFrame(index=counts.index)
    n = counts["n"].to_numpy(dtype="int64")
    table["cases"] = n
    table["single_event"] = counts["single"].fillna(0).to_numpy(dtype="int64")
    for name in _QUANTILES:
        table[f"{name}_hours"] = _hours(counts.get(name), len(counts))
    mean, sd = _hours(counts.get("mean"), len(counts)), _hours(counts.get("sd"), len(counts))
    table["mean_hours"] = mean
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = np.where(n > 1, half, np.nan)
    table["mean_hours_lo"] = mean - half
    table["mean_hours_hi"] = mean + half
    table = table.reset_index(drop=True)[[*by, *DURATION_COLUMNS]]
    table.attrs.update(
        metric="case_duration",
        rows_used=int(n.sum()),
        rows_excluded={},
        period=period.label(),
        channel=", ".join(as_list(channel)) or "all",
        unit="hours",
    )
    return table


def _hours(micros: pd.Series | None, length: int) -> np.ndarray:
    if micros is None:
        return np.full(length, np.nan)
    return pd.to_numeric(micros, errors="coerce").to_numpy(dtype=float) / _MICROS_PER_HOUR


def plot_case_duration(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """How long journeys last: per group, a box from the 25th to the 75th percentile with the
    median, a whisker up to the 90th percentile and the mean dashed.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.metrics.plot_case_duration(ca.metrics.case_duration(store))
    >>> fig.data[0].type
    'box'
    """
    require_columns(df, DURATION_COLUMNS, "plot_case_duration")
    fig = fig if fig is not None else go.Figure()
    by = breakdown_columns(df, "cases")
    names = (
        [" / ".join(str(row[c]) for c in by) for _, row in df.iterrows()]
        if by
        else ["all journeys"] * len(df)
    )
    fig.add_trace(
        go.Box(
            x=names,
            q1=df["p25_hours"],
            median=df["median_hours"],
            q3=df["p75_hours"],
            lowerfence=df["p25_hours"],
            upperfence=df["p90_hours"],
            mean=df["mean_hours"],
            marker_color=PALETTE[0],
            boxmean=True,
            name="case duration",
            customdata=np.column_stack([df["cases"].to_numpy(), df["median_hours"].to_numpy()]),
            hovertemplate="%{x}: half of %{customdata[0]:,} journeys took at most "
            "%{customdata[1]:,.1f} hours from first to last event<extra></extra>",
        )
    )
    fig.update_yaxes(title="hours from first to last event (box: 25th-75th; whisker: 90th)")
    return finish_layout(fig, title=title, df=df, legend_title_text=", ".join(by) if by else None)
