"""Complaints (DESIGN §3): counts and rates by area, Pareto, first response, recurrence,
reopening, and the backlog of open complaints.

Definitions (contracts). Complaints are counted by area (``category``: communication,
customer_psychology, complaint_handling, image, product, other) within each breakdown group.
The **rate per 1,000 cases** divides by the cases (journeys) that started in the period, from
the interactions table (per time grain and customer column when those are breakdowns; complaint
columns such as ``severity`` share their group's total). **Pareto**: areas in descending order
of count with the cumulative share. **First response**: ``first_response_at - opened_at``,
exact median and 90th percentile in hours over complaints that have one. **Reopen rate**:
reopened among resolved complaints. **Recurrence**: a complaint *recurs* when the same customer
opens another complaint of the same area after it and within ``horizon`` (90 days by default);
only complaints opened at least ``horizon`` before the as-of time are judged (the others could
still recur), so the rate is not biased low at the end of the data. **Backlog**: complaints open
at each period end (opened before it, not resolved by it).

The engine does the counting, the self-join for recurrence and the percentiles (one Ibis
expression per metric); Wilson intervals are computed on the counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import ibis
import pandas as pd
import plotly.graph_objects as go

from cycleanalytics.errors import MetricError
from cycleanalytics.metrics._common import (
    CUSTOMER_COLUMNS,
    TIME_GRAINS,
    Period,
    as_list,
    attach_breakdown,
    microseconds_between,
    parse_duration,
)
from cycleanalytics.metrics._outcomes import (
    CLOSED_UNDATED,
    HOUR_US,
    check_by,
    closed_without_date,
    is_resolved,
    need,
    pct,
    resolve_as_of,
    tables,
    ts_literal,
    with_interval,
)
from cycleanalytics.metrics._registry import Option, register
from cycleanalytics.metrics._sequences import event_order
from cycleanalytics.metrics.definitions import (
    COMPLAINT_CHANNEL,
    COMPLAINT_OPENED,
    PERIOD_END,
    Scope,
)
from cycleanalytics.model import resolve_model
from cycleanalytics.plots import (
    PALETTE,
    breakdown_columns,
    finish_layout,
    require_columns,
    top_groups,
)
from cycleanalytics.stats import safe_ratio, wilson_interval

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import timedelta
    from pathlib import Path

    import ibis.expr.types as ir

    from cycleanalytics.model import CycleModel
    from cycleanalytics.store import Store

AREA = "category"
COMPLAINTS_COLUMNS = (
    "complaints",
    "share",
    "cumulative_share",
    "cases",
    "rate_per_1000_cases",
    "first_response_median_h",
    "first_response_p90_h",
    "awaiting_response",
    "resolved",
    "reopened",
    "reopen_rate",
    "reopen_rate_lo",
    "reopen_rate_hi",
    "recurrence_eligible",
    "recurred",
    "recurrence_rate",
    "recurrence_rate_lo",
    "recurrence_rate_hi",
)


def complaints_expr(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    horizon: str | timedelta = "90d",
    as_of: str | datetime | None = None,
) -> ir.Table:
    """One row per (group, area) with the counts behind :func:`complaints` (Ibis)."""
    by = [c for c in as_list(by) if c != AREA]
    period = Period.parse(period)
    span = parse_duration(horizon)
    if span is None or span.total_seconds() <= 0:
        raise MetricError(f"the recurrence horizon must be positive, e.g. 90d, not {horizon!r}")
    src = tables(source)
    table = need(src.complaints, "complaints", "complaints")
    check_by(by, table, src.customers, "complaints")
    cutoff = ts_literal(resolve_as_of(src, as_of))
    horizon_us = int(span.total_seconds() * 1_000_000)

    c = table.filter(table.opened_at <= cutoff)
    if not period.is_open:
        c = c.filter(period.contains(c.opened_at))
    channels = as_list(channel)
    if channels:
        c = c.filter(c.channel.isin(channels))

    # Recurrence: a later complaint (ties broken by id) of the same customer and area.
    later = table.select(
        later_id="complaint_id",
        later_customer="customer_id",
        later_area=AREA,
        later_opened="opened_at",
    )
    base = c.select("complaint_id", "customer_id", AREA, "opened_at")
    pairs = base.join(
        later,
        [
            base.customer_id == later.later_customer,
            base[AREA] == later.later_area,
            (later.later_opened > base.opened_at)
            | ((later.later_opened == base.opened_at) & (later.later_id > base.complaint_id)),
        ],
    )
    pairs = pairs.filter(microseconds_between(pairs.opened_at, pairs.later_opened) <= horizon_us)
    recurred = pairs.select("complaint_id").distinct().mutate(recurs=ibis.literal(True))
    c = c.left_join(recurred, "complaint_id").drop("complaint_id_right")
    c = attach_breakdown(c, by, src.customers, "opened_at")

    response_h = microseconds_between(c.opened_at, c.first_response_at) / HOUR_US
    eligible = microseconds_between(c.opened_at, cutoff) >= horizon_us
    resolved = is_resolved(c, cutoff)
    keys = [*by, AREA]
    counts = c.group_by(keys).aggregate(
        complaints=c.count(),
        first_response_median_h=response_h.median(),
        first_response_p90_h=response_h.quantile(0.9),
        awaiting_response=c.first_response_at.isnull().sum().cast("int64"),
        resolved=resolved.sum().cast("int64"),
        reopened=(resolved & c.reopened.fill_null(False)).sum().cast("int64"),
        recurrence_eligible=eligible.sum().cast("int64"),
        recurred=(eligible & c.recurs.fill_null(False)).sum().cast("int64"),
    )

    # Cases that started in the period: the denominator of the rate per 1,000 cases.
    den_keys = [k for k in by if k in TIME_GRAINS or k in CUSTOMER_COLUMNS]
    if src.interactions is not None:
        cases = started_cases(src.interactions, period, channels)
        cases = attach_breakdown(cases, den_keys, src.customers, "case_start")
        if den_keys:
            den = cases.group_by(den_keys).aggregate(cases=cases.count())
            counts = counts.left_join(den, den_keys).drop(*(f"{k}_right" for k in den_keys))
        else:
            counts = counts.cross_join(cases.aggregate(cases=cases.count()))
    else:
        counts = counts.mutate(cases=ibis.null("int64"))
    return counts.order_by(keys)


def started_cases(events: ir.Table, period: Period, channels: list[str]) -> ir.Table:
    """The cases that started in ``period`` (and entered through one of ``channels``): one row
    each with ``case_id``, ``customer_id``, ``case_start`` and ``entry`` (the channel of its
    first event, ties broken by the interaction id). The denominator of complaint rates."""
    if not channels:
        cases = events.group_by("case_id").aggregate(
            customer_id=events.customer_id.min(), case_start=events.ts.min()
        )
    else:
        first = ibis.window(group_by="case_id", order_by=event_order(events))
        entries = events.mutate(_r=ibis.row_number().over(first)).filter(lambda t: t._r == 0)
        cases = entries.select("case_id", "customer_id", case_start="ts", entry="channel")
        cases = cases.filter(cases.entry.isin(channels))
    return cases.filter(period.contains(cases.case_start)) if not period.is_open else cases


@register(
    "complaints",
    unit="complaints; rate per 1,000 cases; shares",
    scopes=Scope(
        COMPLAINT_OPENED,
        COMPLAINT_CHANNEL,
        "complaints opened in the period (up to the as-of time); the rate per 1,000 cases "
        "divides them by the cases that started in the period (with a channel: that entered "
        "through it)",
        counts="complaints",
    ),
    options=(
        Option("horizon", str, "Recurrence window: same customer, same area within it.", "90d"),
        Option("as_of", str, "The data's as-of time (default: its latest timestamp)."),
    ),
)
def complaints(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    horizon: str | timedelta = "90d",
    as_of: str | datetime | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Complaints by area: counts, rate per 1,000 cases, Pareto shares, first response,
    reopen and recurrence rates.

    Parameters
    ----------
    source
        A :class:`~cycleanalytics.Store` (or an Ibis table of canonical complaints: then no
        rate per 1,000 cases).
    by
        Breakdowns besides the area: ``severity``, ``channel`` or any complaints column, a
        time grain of the opening (``month``...), ``segment``/``region``.
    period
        Keep complaints opened (and, for the rate, cases started) in this period.
    channel
        Keep complaints received through this channel (or these channels).
    model
        Accepted for the shared metric signature; unused.
    horizon
        Recurrence window (default ``"90d"``).
    as_of
        The data's as-of time (default: its latest timestamp).
    confidence
        Level of the Wilson intervals.

    Returns
    -------
    DataFrame
        One row per (group, area), areas in Pareto order within each group: the ``by``
        columns, ``category``, then ``COMPLAINTS_COLUMNS``. ``df.attrs`` holds the totals,
        ``horizon``, ``as_of`` and ``period``.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.complaints(store)
    >>> df["category"].iloc[0], round(float(df["cumulative_share"].iloc[-1]), 6)
    ('product', 1.0)
    """
    resolve_model(model)
    by = [c for c in as_list(by) if c != AREA]
    period = Period.parse(period)
    src = tables(source)
    cutoff = resolve_as_of(src, as_of)
    counts = complaints_expr(
        source, by=by, period=period, channel=channel, horizon=horizon, as_of=cutoff
    ).execute()
    table = _finish(counts, by, confidence)
    n = int(table["complaints"].sum())
    missing = {}
    if src.interactions is None:
        missing["rate_per_1000_cases"] = "no interactions table: the cases are unknown"
    elif not by and len(table):
        table.attrs["cases"] = int(table["cases"].iloc[0])
    elif not by:  # the denominator also when no complaint was opened
        started = started_cases(src.interactions, period, as_list(channel))
        table.attrs["cases"] = int(started.count().execute())
    if n == 0 and _loaded(src.complaints) == 0:
        missing["complaints"] = "no complaints were loaded"
    table.attrs.update(
        metric="complaints",
        complaints=n,
        as_of=cutoff.isoformat(),
        period=period.label(),
        channel=", ".join(as_list(channel)) or "all",
        confidence=confidence,
        rows_used=n,
        rows_excluded={},
        missing=missing,
    )
    return table


def _loaded(table: ir.Table | None) -> int:
    """How many rows a table holds (0 when absent)."""
    return 0 if table is None else int(table.count().execute())


def _finish(counts: pd.DataFrame, by: list[str], confidence: float) -> pd.DataFrame:
    df = counts.copy()
    for col in ("complaints", "awaiting_response", "resolved", "reopened"):
        df[col] = df[col].fillna(0).astype("int64")
    for col in ("recurrence_eligible", "recurred"):
        df[col] = df[col].fillna(0).astype("int64")
    group_total = df.groupby(by, dropna=False)["complaints"].transform("sum") if by else None
    total = group_total if group_total is not None else df["complaints"].sum()
    df["share"] = safe_ratio(df["complaints"], total)
    df = df.sort_values([*by, "complaints", AREA], ascending=[*([True] * len(by)), False, True])
    df["cumulative_share"] = (
        df.groupby(by, dropna=False)["share"].cumsum() if by else df["share"].cumsum()
    )
    df["cases"] = df["cases"].astype("Float64").astype(float)
    df["rate_per_1000_cases"] = 1000 * safe_ratio(df["complaints"], df["cases"])
    df["reopen_rate"] = safe_ratio(df["reopened"], df["resolved"])
    df["reopen_rate_lo"], df["reopen_rate_hi"] = wilson_interval(
        df["reopened"], df["resolved"], confidence=confidence
    )
    df["recurrence_rate"] = safe_ratio(df["recurred"], df["recurrence_eligible"])
    df["recurrence_rate_lo"], df["recurrence_rate_hi"] = wilson_interval(
        df["recurred"], df["recurrence_eligible"], confidence=confidence
    )
    return df.reset_index(drop=True)[[*by, AREA, *COMPLAINTS_COLUMNS]]


def plot_complaints(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """Pareto chart: complaints per area as bars, the cumulative share as a line on a 0-100%
    axis in quarters, aligned with the count axis (which spans all complaints, so a bar's
    height reads as its share too). Beyond the first 12 areas, the rest is one "other (K
    areas)" bar.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.metrics.plot_complaints(ca.metrics.complaints(store))
    >>> [t.type for t in fig.data]
    ['bar', 'scatter']
    """
    require_columns(df, (AREA, "complaints", "cumulative_share"), "plot_complaints")
    fig = fig if fig is not None else go.Figure()
    by = breakdown_columns(df, AREA)
    if by:  # one Pareto over all groups: sum the areas
        df = df.groupby(AREA, as_index=False)["complaints"].sum()
        df = df.sort_values("complaints", ascending=False)
        df["cumulative_share"] = df["complaints"].cumsum() / df["complaints"].sum()
    df = _top_areas(df)
    fig.add_trace(
        go.Bar(
            x=df[AREA],
            y=df["complaints"],
            name="complaints",
            marker_color=PALETTE[0],
            hovertemplate="%{x}: %{y:,} complaints<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=df[AREA],
            y=df["cumulative_share"],
            name="cumulative share",
            yaxis="y2",
            mode="lines+markers",
            line_color=PALETTE[1],
            hovertemplate="up to %{x}: %{y:.0%} of all complaints<extra></extra>",
        )
    )
    total = float(df["complaints"].sum()) or 1.0
    fig.update_layout(  # the count axis spans all complaints: a bar's height is its share
        yaxis={
            "title": "complaints",
            "range": [0, total],
            "tickmode": "array",
            "tickvals": [total * q for q in PARETO_TICKS],
            "tickformat": ",.0f",
        },
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
        yaxis2={
            "title": "cumulative share",
            "overlaying": "y",
            "side": "right",
            "range": [0, 1],
            "tickmode": "array",
            "tickvals": list(PARETO_TICKS),
            "tickformat": ".0%",
            "showgrid": False,
        },
    )
    fig.data[-1].cliponaxis = False  # the 100% marker sits on the top edge, drawn whole
    return finish_layout(fig, title=title, df=df, height=380)


#: Areas the Pareto chart draws before the rest becomes one "other" bar.
PARETO_AREAS = 12


def _top_areas(df: pd.DataFrame, n: int = PARETO_AREAS) -> pd.DataFrame:
    """The Pareto's first ``n`` areas (the table's own order and cumulative shares) and one
    bar "other (K areas)" with the complaints of the rest, which brings the share to 100%.

    >>> df = pd.DataFrame({"category": list("abc"), "complaints": [5, 3, 2],
    ...                    "cumulative_share": [0.5, 0.8, 1.0]})
    >>> _top_areas(df, 1).values.tolist()
    [['a', 5, 0.5], ['other (2 areas)', 5, 1.0]]
    """
    if len(df) <= n:
        return df
    shown = df.iloc[:n][[AREA, "complaints", "cumulative_share"]]
    rest = df.iloc[n:]
    other = pd.DataFrame(
        {
            AREA: [f"other ({len(rest)} areas)"],
            "complaints": [int(rest["complaints"].sum())],
            "cumulative_share": [1.0],
        }
    )
    out = pd.concat([shown.astype({AREA: object}), other], ignore_index=True)
    out.attrs = dict(df.attrs)
    return out


#: The cumulative axis of the Pareto chart: 0 to 100% in even steps.
PARETO_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


def readable_complaints(df: pd.DataFrame) -> pd.DataFrame:
    """Counts, rates and shares as a person reads them in a terminal."""
    by = breakdown_columns(df, "complaints")
    shown = df[by].copy()
    shown["complaints"] = df["complaints"]
    shown["share"] = df["share"].map(pct)
    shown["cumulative"] = df["cumulative_share"].map(pct)
    shown["per 1,000 cases"] = df["rate_per_1000_cases"].map(
        lambda v: "–" if pd.isna(v) else f"{v:.1f}"
    )
    shown["first response (median h)"] = df["first_response_median_h"].map(
        lambda v: "–" if pd.isna(v) else f"{v:.1f}"
    )
    shown["reopened"] = [
        with_interval(*v)
        for v in zip(df["reopen_rate"], df["reopen_rate_lo"], df["reopen_rate_hi"], strict=True)
    ]
    shown["recurred"] = [
        with_interval(*v)
        for v in zip(
            df["recurrence_rate"], df["recurrence_rate_lo"], df["recurrence_rate_hi"], strict=True
        )
    ]
    return shown


# -- backlog -------------------------------------------------------------------------------------

_FREQ = {"day": "D", "week": "W-MON", "month": "MS", "quarter": "QS", "year": "YS"}


def period_ends(first: datetime, as_of: datetime, grain: str) -> list[datetime]:
    """The ends of the periods of ``grain`` after ``first`` up to ``as_of``, and ``as_of``."""
    if grain not in _FREQ:
        raise MetricError(f"grain must be one of {', '.join(_FREQ)}, not {grain!r}")
    start = pd.Timestamp(first).tz_convert("UTC")
    end = pd.Timestamp(as_of).tz_convert("UTC")
    ends = pd.date_range(start, end, freq=_FREQ[grain], inclusive="right").normalize()
    stamps = [t.to_pydatetime() for t in ends if start < t <= end]
    if not stamps or stamps[-1] != end.to_pydatetime():
        stamps.append(end.to_pydatetime())
    return stamps


@register(
    "complaint_backlog",
    unit="open complaints at each period end",
    scopes=Scope(
        PERIOD_END,
        COMPLAINT_CHANNEL,
        "complaints opened before a period end and not resolved by it",
        counts="complaints",
    ),
    options=(
        Option("grain", tuple(_FREQ), "Length of a period.", "month"),
        Option("as_of", str, "The data's as-of time (default: its latest timestamp)."),
    ),
)
def complaint_backlog(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    grain: str = "month",
    as_of: str | datetime | None = None,
) -> pd.DataFrame:
    """Open complaints at each period end (opened before it and not resolved by it), and at
    the as-of time.

    ``by`` takes complaints columns (``category``, ``severity``...); ``period`` keeps the period
    ends inside it.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.complaint_backlog(store)
    >>> len(df), bool((df["open"] >= 0).all())
    (6, True)
    """
    resolve_model(model)
    by = as_list(by)
    period = Period.parse(period)
    src = tables(source)
    table = need(src.complaints, "complaints", "complaint_backlog")
    check_by(by, table, src.customers, "the backlog")
    if any(c in TIME_GRAINS for c in by):
        raise MetricError("the backlog is already by period end; use grain, not a time grain in by")
    cutoff = resolve_as_of(src, as_of)
    first = table.opened_at.min().execute()
    empty = pd.DataFrame(columns=[*by, "period_end", "open"])
    empty.attrs.update(rows_used=0, rows_excluded={}, as_of=cutoff.isoformat())
    if first is None or pd.isna(first):
        empty.attrs["missing"] = {"open": "no complaints were loaded"}
        return empty
    ends = [e for e in period_ends(first, cutoff, grain) if _in(period, e)]
    if not ends:
        return empty
    c = table
    channels = as_list(channel)
    if channels:
        c = c.filter(c.channel.isin(channels))
    c = attach_breakdown(c, by, src.customers, "opened_at")
    excluded = {}
    if "closed" in c.columns:  # closed by a status, no date: open until when is unknown
        undated = int(c.filter(closed_without_date(c)).count().execute())
        if undated:
            excluded[CLOSED_UNDATED] = undated
            c = c.filter(~closed_without_date(c))
    points = ibis.memtable(pd.DataFrame({"period_end": pd.to_datetime(ends, utc=True)}))
    joined = c.cross_join(points)
    still_open = (joined.opened_at < joined.period_end) & (
        joined.resolved_at.isnull() | (joined.resolved_at >= joined.period_end)
    )
    expr = (
        joined.group_by([*by, "period_end"])
        .aggregate(open=still_open.sum().cast("int64"))
        .order_by([*by, "period_end"])
    )
    out = expr.execute()
    out.attrs.update(
        metric="complaint_backlog",
        grain=grain,
        as_of=cutoff.isoformat(),
        rows_used=int(c.count().execute()),
        rows_excluded=excluded,
    )
    return out


def _in(period: Period, moment: datetime) -> bool:
    return (period.start is None or moment >= period.start) and (
        period.end is None or moment <= period.end
    )


def plot_complaint_backlog(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """Open complaints at each period end, one line per group; each point is labelled with
    the period it closes (the backlog at midnight on 1 February is "Jan 2026"), one tick per
    period, and the as-of point, when it falls inside a period, "Jun 2026 (to date)"; the
    hover names the last day counted.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.metrics.plot_complaint_backlog(ca.metrics.complaint_backlog(store))
    >>> list(fig.data[0].x)[:2], list(fig.data[0].x)[-1]
    (['Jan 2026', 'Feb 2026'], 'Jun 2026 (to date)')
    """
    from cycleanalytics.plots import period_axis

    require_columns(df, ("period_end", "open"), "plot_complaint_backlog")
    fig = fig if fig is not None else go.Figure()
    by = breakdown_columns(df, "period_end")
    df = top_groups(df, by, "open")
    grain = str(df.attrs.get("grain") or (df.attrs.get("filters") or {}).get("grain") or "month")
    labels, last_days = _closed_periods(df["period_end"], grain)
    df = df.assign(_label=labels, _day=last_days)
    parts = df.groupby(by, sort=False, dropna=False) if by else [("open complaints", df)]
    for i, (key, part) in enumerate(parts):
        part = part.sort_values("period_end", kind="stable")
        fig.add_trace(
            go.Scatter(
                x=part["_label"],
                y=part["open"],
                customdata=part["_day"],
                mode="lines+markers",
                name=" / ".join(map(str, key)) if isinstance(key, tuple) else str(key),
                line_color=PALETTE[i % len(PALETTE)],
                hovertemplate="%{x}: %{y:,} complaints open at the end of %{customdata}"
                "<extra>%{fullData.name}</extra>",
            )
        )
    ordered = df.sort_values("period_end", kind="stable")["_label"].tolist()
    period_axis(fig, ordered)
    fig.update_yaxes(title="open complaints at the period end", rangemode="tozero")
    return finish_layout(fig, title=title, df=df, height=360)


def _closed_periods(ends: pd.Series, grain: str) -> tuple[list[str], list[str]]:
    """For each backlog instant, the label of the period it closes and the last day counted.

    An instant on a period boundary (midnight, 1 February) closes the period before it
    ("Jan 2026", last day 2026-01-31); the as-of instant inside a period closes that period
    only in part ("Jun 2026 (to date)", its own day).

    >>> ends = pd.Series(pd.to_datetime(["2026-02-01 00:00", "2026-06-30 23:57"], utc=True))
    >>> _closed_periods(ends, "month")
    (['Jan 2026', 'Jun 2026 (to date)'], ['2026-01-31', '2026-06-30'])
    """
    from cycleanalytics.plots import PERIOD_FREQ, period_label

    labels, days = [], []
    for end in pd.to_datetime(ends, utc=True):
        instant = end.tz_convert(None)
        before = instant - pd.Timedelta(microseconds=1)
        closed = before.to_period(PERIOD_FREQ[grain])
        label = period_label(closed, grain)
        if closed.end_time.floor("us") + pd.Timedelta(microseconds=1) != instant:
            label += " (to date)"
            before = instant
        labels.append(label)
        days.append(before.date().isoformat())
    return labels, days


__all__ = [
    "COMPLAINTS_COLUMNS",
    "complaint_backlog",
    "complaints",
    "complaints_expr",
    "period_ends",
    "plot_complaint_backlog",
    "plot_complaints",
    "readable_complaints",
]
