"""Resolution time (DESIGN §3): from a complaint's opening to its resolution, Kaplan-Meier.

Definition (a contract). The time runs from ``opened_at`` to ``resolved_at``. A complaint still
open at the data's as-of time (``resolved_at`` empty, or later than as-of) is right-censored
there: it counts as "not resolved for at least this long", never as resolved. The Kaplan-Meier
curve (``scipy.stats.ecdf`` on ``CensoredData``) gives the median and the 75th and 90th
percentiles with Brookmeyer-Crowley intervals (log-log band); a percentile the curve never
reaches is NaN, shown as "not reached". The restricted mean is the mean time to resolution
within the horizon (default: the longest observed time). ``period`` keeps complaints opened in
it; ``channel`` is the complaint's channel; breakdowns: any complaints column (``category``,
``severity``, ``channel``...), a time grain of the opening, or a customers column.

The engine computes each complaint's time in microseconds (epoch difference) and returns one
row per distinct (group, time, resolved) with its count; scipy works on those.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycleanalytics.metrics._common import (
    Period,
    as_list,
    attach_breakdown,
    microseconds_between,
    parse_duration,
)
from cycleanalytics.metrics._frames import SharedColumns
from cycleanalytics.metrics._outcomes import (
    CLOSED_UNDATED,
    HOUR_US,
    check_by,
    closed_without_date,
    need,
    resolve_as_of,
    tables,
    ts_literal,
)
from cycleanalytics.metrics._registry import Option, register
from cycleanalytics.metrics.definitions import COMPLAINT_CHANNEL, COMPLAINT_OPENED, Scope
from cycleanalytics.model import resolve_model
from cycleanalytics.plots import PALETTE, breakdown_columns, finish_layout, require_columns
from cycleanalytics.stats import kaplan_meier

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import timedelta
    from pathlib import Path

    import ibis.expr.types as ir

    from cycleanalytics.model import CycleModel
    from cycleanalytics.store import Store

RESOLUTION_COLUMNS = (
    "complaints",
    "resolved",
    "censored",
    "median_h",
    "median_lo",
    "median_hi",
    "p75_h",
    "p75_lo",
    "p75_hi",
    "p90_h",
    "p90_lo",
    "p90_hi",
    "restricted_mean_h",
    "restricted_mean_lo",
    "restricted_mean_hi",
    "horizon_h",
)


def resolution_time_expr(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    as_of: str | datetime | None = None,
) -> ir.Table:
    """Counts of complaints per (group, time in microseconds, resolved), an Ibis expression."""
    by = as_list(by)
    period = Period.parse(period)
    src = tables(source)
    complaints = need(src.complaints, "complaints", "resolution_time")
    check_by(by, complaints, src.customers, "resolution time")
    cutoff = ts_literal(resolve_as_of(src, as_of))
    c = complaints.filter(complaints.opened_at <= cutoff)
    if not period.is_open:
        c = c.filter(period.contains(c.opened_at))
    channels = as_list(channel)
    if channels:
        c = c.filter(c.channel.isin(channels))
    c = attach_breakdown(c, by, src.customers, "opened_at")
    resolved = c.resolved_at.notnull() & (c.resolved_at <= cutoff)
    end = ibis.ifelse(resolved, c.resolved_at, cutoff)
    # Closed by a status with no resolved_at: resolved, but at no known time (NULL here).
    unknown = closed_without_date(c)
    c = c.mutate(
        duration_us=ibis.ifelse(
            unknown, ibis.null("int64"), microseconds_between(c.opened_at, end).cast("int64")
        ),
        is_resolved=ibis.ifelse(unknown, ibis.null("boolean"), resolved),
    )
    return (
        c.group_by([*by, "duration_us", "is_resolved"])
        .aggregate(n=c.count())
        .order_by([*by, "duration_us", "is_resolved"])
    )


@register(
    "resolution_time",
    unit="hours from opening to resolution (Kaplan-Meier)",
    scopes=Scope(
        COMPLAINT_OPENED,
        COMPLAINT_CHANNEL,
        "complaints opened in the period up to the as-of time; those still open then are "
        "censored at it",
        counts="complaints",
    ),
    options=(
        Option("as_of", str, "Censor open complaints at this time (default: the data's end)."),
        Option("horizon", str, "Restrict the mean to this time, e.g. 30d (default: longest)."),
    ),
)
def resolution_time(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    as_of: str | datetime | None = None,
    horizon: str | timedelta | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Time from complaint to resolution (Kaplan-Meier, open complaints censored): median,
    p75, p90 and restricted mean in hours, with intervals.

    Parameters
    ----------
    source
        A :class:`~cycleanalytics.Store`, or an Ibis table of canonical complaints.
    by
        Column(s) to break down by: ``category`` (area), ``severity``, ``channel``, any other
        complaints column, a time grain of the opening, or ``segment``/``region``.
    period
        Keep complaints opened in this period.
    channel
        Keep complaints received through this channel (or these channels).
    model
        Accepted for the shared metric signature; unused.
    as_of
        The time open complaints are censored at (default: the latest time in the data).
    horizon
        The restricted mean's horizon (``"30d"``); default the longest observed time.
    confidence
        Level of the intervals.

    Returns
    -------
    DataFrame
        One row per group: the ``by`` columns, then ``RESOLUTION_COLUMNS`` (times in hours;
        NaN percentile = not reached). ``df.attrs["curve"]`` holds the Kaplan-Meier curves
        (``by`` columns, ``hours``, ``open_share``, ``open_share_lo``, ``open_share_hi``) and,
        with a breakdown, ``attrs["overall_curve"]`` the curve of all groups together
        (``hours``, ``open_share``); ``df.attrs`` also has ``as_of``, ``complaints``,
        ``censored`` and ``period``.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.resolution_time(store)
    >>> bool(100 < df["median_h"].iloc[0] < 200)
    True
    """
    resolve_model(model)
    by = as_list(by)
    period = Period.parse(period)
    src = tables(source)
    cutoff = resolve_as_of(src, as_of)
    counts = resolution_time_expr(
        source, by=by, period=period, channel=channel, as_of=cutoff
    ).execute()
    span = parse_duration(horizon)
    horizon_h = span.total_seconds() / 3600 if span is not None else None
    rows, curves = [], []
    undated = counts["is_resolved"].isna()
    closed_undated = int(counts.loc[undated, "n"].sum())
    counts = counts[~undated]
    groups = counts.groupby(by, sort=True, dropna=False) if by else [((), counts)]
    for key, part in groups:
        keys = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True))
        hours = np.repeat(part["duration_us"].to_numpy(dtype=float) / HOUR_US, part["n"])
        done = np.repeat(part["is_resolved"].to_numpy(dtype=bool), part["n"])
        km = kaplan_meier(hours, done, horizon=horizon_h, confidence=confidence)
        row = {**keys, "complaints": km.n, "resolved": km.events, "censored": km.censored}
        for q, name in ((0.5, "median"), (0.75, "p75"), (0.9, "p90")):
            value, lo, hi = km.quantiles[q]
            row[f"{name}_h"], row[f"{name}_lo"], row[f"{name}_hi"] = value, lo, hi
        # With nothing resolved, the "mean" is only the longest wait: not a resolution time.
        known = km.events > 0
        row["restricted_mean_h"] = km.restricted_mean if known else np.nan
        row["restricted_mean_lo"] = km.restricted_mean_lo if known else np.nan
        row["restricted_mean_hi"] = km.restricted_mean_hi if known else np.nan
        row["horizon_h"] = km.horizon
        rows.append(row)
        curves.append(
            pd.DataFrame(
                {
                    **{k: [v] * (len(km.times) + 1) for k, v in keys.items()},
                    "hours": np.concatenate([[0.0], km.times]),
                    "open_share": np.concatenate([[1.0], km.survival]),
                    "open_share_lo": np.concatenate([[1.0], km.survival_lo]),
                    "open_share_hi": np.concatenate([[1.0], km.survival_hi]),
                }
            )
        )
    if not rows and not by:
        rows = [{"complaints": 0, "resolved": 0, "censored": 0}]
    overall: dict[str, np.ndarray] = {}
    if by and len(counts):  # the curve of all groups together: the figure's reference line
        hours = np.repeat(counts["duration_us"].to_numpy(dtype=float) / HOUR_US, counts["n"])
        done = np.repeat(counts["is_resolved"].to_numpy(dtype=bool), counts["n"])
        km = kaplan_meier(hours, done, horizon=horizon_h, confidence=confidence)
        overall = {
            "hours": np.concatenate([[0.0], km.times]),
            "open_share": np.concatenate([[1.0], km.survival]),
        }
    table = pd.DataFrame(rows).reindex(columns=[*by, *RESOLUTION_COLUMNS])
    curve = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame()
    n = int(table["complaints"].sum())
    censored = int(table["censored"].sum())
    missing = {}
    if closed_undated and n == censored:
        still = f"; {censored:,} still open" if censored else ""
        missing["resolution_time"] = (
            f"no resolution time was recorded: {closed_undated:,} complaints were closed by a "
            f"status without a date{still}"
        )
    elif n and n == censored:
        missing["resolution_time"] = "no complaint in scope was resolved by the as-of time"
    elif n == 0:
        missing["resolution_time"] = "no complaints in scope"
    excluded = {CLOSED_UNDATED: closed_undated} if closed_undated else {}
    table.attrs.update(
        metric="resolution_time",
        as_of=cutoff.isoformat(),
        complaints=n,
        censored=censored,
        period=period.label(),
        channel=", ".join(as_list(channel)) or "all",
        confidence=confidence,
        # Shared read-only columns, not a DataFrame: attrs are copied with every operation.
        curve=SharedColumns({name: curve[name].to_numpy() for name in curve.columns}),
        overall_curve=SharedColumns(overall),
        rows_used=n,
        rows_excluded=excluded,
        missing=missing,
    )
    return table


def plot_resolution_time(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """The Kaplan-Meier curves: share of complaints still open after each number of days,
    with the pointwise 95% band. One curve draws in one panel (in ``fig`` when given); a
    breakdown draws small multiples, one panel per group on shared axes, each with the curve
    of all complaints (``attrs["overall_curve"]``) as a light reference line.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.metrics.plot_resolution_time(ca.metrics.resolution_time(store))
    >>> fig.data[-1].line.shape
    'hv'
    """
    require_columns(df, ("median_h", "complaints"), "plot_resolution_time")
    curve = pd.DataFrame(df.attrs.get("curve") or {})
    by = breakdown_columns(df, "complaints")
    if len(curve) == 0:
        fig = fig if fig is not None else go.Figure()
        return finish_layout(fig, title=title or "no complaints", height=360)
    parts = list(curve.groupby(by, sort=False, dropna=False)) if by else [("all complaints", curve)]
    names = [" / ".join(map(str, k)) if isinstance(k, tuple) else str(k) for k, _ in parts]
    if len(parts) == 1:
        fig = fig if fig is not None else go.Figure()
        _km_panel(fig, parts[0][1], names[0], PALETTE[0])
        fig.update_xaxes(title="days since the complaint was opened")
        fig.update_yaxes(title="share still open", tickformat=".0%", range=[0, 1.02])
        return finish_layout(fig, title=title, df=df, height=380)
    return _km_small_multiples(df, parts, names, title)


#: Panels per row of the Kaplan-Meier small multiples.
KM_COLUMNS = 3


def _km_small_multiples(
    df: pd.DataFrame, parts: list[tuple[object, pd.DataFrame]], names: list[str], title: str | None
) -> go.Figure:
    """One panel per group on shared axes, each with the overall curve in light grey."""
    from plotly.subplots import make_subplots

    columns = min(KM_COLUMNS, len(parts))
    rows = -(-len(parts) // columns)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        shared_xaxes="all",
        shared_yaxes="all",
        subplot_titles=names,
        horizontal_spacing=0.04,
        vertical_spacing=0.12 / rows + 0.04,
    )
    overall = pd.DataFrame(df.attrs.get("overall_curve") or {})
    for i, ((_, part), name) in enumerate(zip(parts, names, strict=True)):
        row, col = i // columns + 1, i % columns + 1
        if len(overall):
            days = overall["hours"] / 24
            fig.add_trace(
                go.Scatter(
                    x=days,
                    y=overall["open_share"],
                    mode="lines",
                    line={"shape": "hv", "color": KM_REFERENCE, "width": 1.5},
                    name="all complaints",
                    legendgroup="all complaints",
                    showlegend=i == 0,
                    hovertemplate=KM_HOVER,
                ),
                row=row,
                col=col,
            )
        _km_panel(fig, part, name, PALETTE[0], row=row, col=col, legend=False)
    fig.update_xaxes(showticklabels=True)
    fig.update_xaxes(title="days since the complaint was opened", row=rows)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    fig.update_yaxes(title="share still open", col=1)
    fig.update_annotations(font_size=13)  # the panel titles, under the figure's own
    legend = {"orientation": "h", "x": 0, "y": -0.06 - 0.1 / rows, "yanchor": "top"}
    fig = finish_layout(fig, title=title, df=df, height=160 + 240 * rows, legend=legend)
    return fig.update_layout(margin={"t": 90, "b": 70})


#: The overall curve behind each panel of the small multiples.
KM_REFERENCE = "#c8c8c8"
KM_HOVER = "%{x:.1f} days: %{y:.0%} still open<extra>%{fullData.name}</extra>"


def _km_panel(
    fig: go.Figure,
    part: pd.DataFrame,
    name: str,
    colour: str,
    *,
    row: int | None = None,
    col: int | None = None,
    legend: bool = True,
) -> None:
    """One Kaplan-Meier curve as a step line over its pointwise band."""
    days = part["hours"] / 24
    where = {"row": row, "col": col} if row is not None else {}
    fig.add_trace(
        go.Scatter(
            x=pd.concat([days, days[::-1]]),
            y=pd.concat([part["open_share_hi"], part["open_share_lo"][::-1]]),
            fill="toself",
            line={"width": 0, "shape": "hv"},
            fillcolor=colour,
            opacity=0.15,
            hoverinfo="skip",
            showlegend=False,
        ),
        **where,
    )
    fig.add_trace(
        go.Scatter(
            x=days,
            y=part["open_share"],
            mode="lines",
            line={"shape": "hv", "color": colour},
            name=name,
            showlegend=legend,
            hovertemplate=KM_HOVER,
        ),
        **where,
    )


def _hours(value: float, lo: float, hi: float) -> str:
    if pd.isna(value):
        return "not reached"
    upper = "not reached" if pd.isna(hi) else f"{hi:.0f}"
    return f"{value:.0f} h ({lo:.0f}–{upper})"


def readable_resolution_time(df: pd.DataFrame) -> pd.DataFrame:
    """Percentiles in hours with intervals, "not reached" where the curve stays above."""
    by = breakdown_columns(df, "complaints")
    shown = df[[*by, "complaints", "resolved", "censored"]].copy()
    for name in ("median", "p75", "p90"):
        shown[name] = [
            _hours(*v)
            for v in zip(df[f"{name}_h"], df[f"{name}_lo"], df[f"{name}_hi"], strict=True)
        ]
    shown["restricted mean"] = [
        f"{v:.0f} h (to {h:.0f} h)" if not pd.isna(v) else "–"
        for v, h in zip(df["restricted_mean_h"], df["horizon_h"], strict=True)
    ]
    return shown
