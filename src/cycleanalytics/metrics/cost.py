"""Service cost (DESIGN §3): cost per case, per stage and per channel, and the cost of recovery
per recovered customer.

Definitions (contracts). A case's cost is the sum of ``cost`` over its interactions (missing
costs count as 0 and are reported in ``df.attrs["events_without_cost"]``). With a breakdown
by an interactions column (``stage``, ``channel``, ``agent_id``...) a case contributes the cost
of its events in each group, so ``cost_per_case`` by stage is the mean cost a stage adds to a
case that reaches it; customer columns and time grains (of the case's start) group whole cases.
The interval is Student's t on the per-case costs. A group none of whose events records a cost
has no cost (missing, with the reason in ``attrs["missing"]``), never a cost of 0.
**Cost of recovery** is the cost of the recovery-stage events within ``horizon`` of the case's
first recovery event, over the recovered cases, divided by the customers whose recovery
succeeded (see :mod:`cycleanalytics.metrics.recovery`); ``channel`` selects the cases that
entered through it, in the numerator and the denominator alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycleanalytics.metrics._common import (
    TIME_GRAINS,
    Period,
    as_list,
    attach_breakdown,
    microseconds_between,
    parse_duration,
)
from cycleanalytics.metrics._outcomes import (
    attach_case_breakdown,
    check_by,
    need,
    resolve_as_of,
    tables,
)
from cycleanalytics.metrics._registry import Option, register
from cycleanalytics.metrics.definitions import CASE_START, EVENT_CHANNEL, Scope
from cycleanalytics.metrics.recovery import CASE_SCOPE, case_outcomes_expr
from cycleanalytics.model import resolve_model
from cycleanalytics.plots import (
    PALETTE,
    breakdown_columns,
    finish_layout,
    group_labels,
    require_columns,
    top_groups,
)
from cycleanalytics.stats import mean_interval, safe_ratio

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import timedelta
    from pathlib import Path

    import ibis.expr.types as ir

    from cycleanalytics.model import CycleModel
    from cycleanalytics.store import Store

COST_COLUMNS = (
    "cases",
    "events",
    "total_cost",
    "cost_per_case",
    "cost_per_case_lo",
    "cost_per_case_hi",
    "cost_per_event",
)


def cost_expr(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
) -> ir.Table:
    """Per group: cases, events, total cost and the sum of squared per-case costs (Ibis)."""
    by = as_list(by)
    period = Period.parse(period)
    src = tables(source)
    events = need(src.interactions, "interactions", "cost")
    check_by(by, events, src.customers, "cost")
    e = events
    if not period.is_open or any(b in TIME_GRAINS for b in by):
        # The case's start: only when the period or a time grain needs it (a second pass).
        starts = events.group_by("case_id").aggregate(case_start=events.ts.min())
        e = events.join(starts, "case_id")
    if not period.is_open:
        e = e.filter(period.contains(e.case_start))
    channels = as_list(channel)
    if channels:
        e = e.filter(e.channel.isin(channels))
    e = attach_breakdown(e, by, src.customers, "case_start")
    per_case = e.group_by(["case_id", *by]).aggregate(
        events=e.count(), cost=e.cost.fill_null(0).sum(), unknown=e.cost.isnull().sum()
    )
    aggs = {
        "cases": per_case.count(),
        "events": per_case.events.sum(),
        "total_cost": per_case.cost.sum(),
        "cost_sumsq": (per_case.cost * per_case.cost).sum(),
        "events_without_cost": per_case.unknown.sum().cast("int64"),
    }
    if by:
        return per_case.group_by(by).aggregate(**aggs).order_by(by)
    return per_case.aggregate(**aggs)


@register(
    "cost",
    unit="money per case (the data's currency)",
    scopes=Scope(
        CASE_START,
        EVENT_CHANNEL,
        "cases that started in the period, with the cost of their events (of that channel, "
        "with a channel filter); missing costs count as 0 and are reported",
        counts="events",
    ),
)
def cost(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Service cost per case (with a t interval) and per event, by stage, channel or any
    breakdown.

    Parameters
    ----------
    source
        A :class:`~cycleanalytics.Store`, or an Ibis table of canonical interactions.
    by
        ``stage``, ``channel``, ``agent_id`` (the events' own values), ``segment``/``region``,
        or a time grain of the case's start.
    period
        Keep cases that started in this period.
    channel
        Keep events on this channel (or these channels).
    model
        Accepted for the shared metric signature; unused.
    confidence
        Level of the interval.

    Returns
    -------
    DataFrame
        One row per group: ``by`` columns then ``COST_COLUMNS``.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.cost(store, by="channel")
    >>> bool((df["cost_per_case_lo"] <= df["cost_per_case"]).all())
    True
    """
    resolve_model(model)
    by = as_list(by)
    counts = cost_expr(source, by=by, period=period, channel=channel).execute()
    if counts.empty and not by:
        counts = pd.DataFrame({c: [0] for c in counts.columns})
    out = counts[by].copy() if by else pd.DataFrame(index=counts.index)
    n = counts["cases"].to_numpy(dtype=float)
    total = counts["total_cost"].fillna(0).to_numpy(dtype=float)
    squares = counts["cost_sumsq"].fillna(0).to_numpy(dtype=float)
    out["cases"] = n.astype("int64")
    out["events"] = counts["events"].fillna(0).astype("int64")
    out["total_cost"] = total
    mean = safe_ratio(total, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(n > 1, (squares - total * total / n) / (n - 1), np.nan)
    out["cost_per_case"] = mean
    out["cost_per_case_lo"], out["cost_per_case_hi"] = mean_interval(
        mean, np.sqrt(np.maximum(var, 0)), n, confidence=confidence
    )
    out["cost_per_event"] = safe_ratio(total, out["events"])
    unknown = counts["events_without_cost"].fillna(0).to_numpy(dtype="int64")
    nothing = (unknown == out["events"].to_numpy()) & (out["events"].to_numpy() > 0)
    for column in ("total_cost", "cost_per_case", "cost_per_case_lo", "cost_per_case_hi"):
        out.loc[nothing, column] = np.nan
    out.loc[nothing, "cost_per_event"] = np.nan
    out = out.reset_index(drop=True)[[*by, *COST_COLUMNS]]
    events = int(out["events"].sum())
    missing = {}
    if events == 0:
        missing["cost"] = "no interactions in scope"
    elif int(unknown.sum()) == events:
        missing["cost"] = "no event records a cost: map a cost column to measure it"
    elif nothing.any():
        missing["cost"] = f"{int(nothing.sum())} group(s) record no cost"
    out.attrs.update(
        metric="cost",
        events_without_cost=int(unknown.sum()),
        period=Period.parse(period).label(),
        confidence=confidence,
        rows_used=int(out["cases"].sum()),
        rows_excluded={},
        missing=missing,
    )
    return out


def plot_cost(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """Cost per case per group with its 95% interval."""
    require_columns(df, ("cost_per_case", "cost_per_case_lo", "cost_per_case_hi"), "plot_cost")
    fig = fig if fig is not None else go.Figure()
    by = breakdown_columns(df, "cases")
    df = top_groups(df, by, "cases")
    labels = group_labels(df, by)
    fig.add_trace(
        go.Bar(
            x=labels,
            y=df["cost_per_case"],
            marker_color=PALETTE[0],
            name="cost per case",
            customdata=np.column_stack(
                [df["cost_per_case_lo"], df["cost_per_case_hi"], df["cases"]]
            ),
            hovertemplate="%{x}: %{y:,.2f} per case over %{customdata[2]:,} cases<br>"
            "interval %{customdata[0]:,.2f}–%{customdata[1]:,.2f}<extra></extra>",
            error_y={
                "type": "data",
                "symmetric": False,
                "array": df["cost_per_case_hi"] - df["cost_per_case"],
                "arrayminus": df["cost_per_case"] - df["cost_per_case_lo"],
            },
        )
    )
    fig.update_yaxes(title="cost per case")
    return finish_layout(fig, title=title, df=df, height=360)


@register(
    "recovery_cost",
    unit="money per recovered customer (the data's currency)",
    scopes=CASE_SCOPE,
    options=(
        Option(
            "horizon",
            str,
            "Recovery spend counted within this time of the first recovery event, e.g. 90d.",
            "90d",
        ),
        Option("as_of", str, "The data's as-of time (default: its latest timestamp)."),
    ),
)
def recovery_cost(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    horizon: str | timedelta = "90d",
    as_of: str | datetime | None = None,
) -> pd.DataFrame:
    """Cost of recovery per recovered customer: the cost of recovery-stage events over the
    customers with a successful recovery, by recovery action or area.

    ``channel`` keeps the cases that entered through it (spend and customers alike);
    ``horizon`` bounds the spend counted after the case's first recovery event.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.recovery_cost(store, by="recovery_action")
    >>> bool((df["recovery_cost"] >= 0).all())
    True
    """
    model = resolve_model(model)
    by = as_list(by)
    src = tables(source)
    events = need(src.interactions, "interactions", "recovery_cost")
    recovery_stages = [s.id for s in model.stages if s.conditional]
    span = parse_duration(horizon)
    horizon_us = int(span.total_seconds() * 1_000_000) if span else 0
    cutoff = resolve_as_of(src, as_of)
    u = case_outcomes_expr(
        source,
        period=period,
        model=model,
        horizon=horizon,
        as_of=cutoff,
        channel=channel,
        activity="recovery_action" in by,
        retention=False,
    )
    u = attach_case_breakdown(u.filter(u.recovered), by, src.customers, "recovery_cost")
    rec = events.filter(events.stage.isin(recovery_stages))
    firsts = u.filter(u.rec_ts.notnull()).select(r_case="case_id", r_first="rec_ts")
    rec = rec.join(firsts, rec.case_id == firsts.r_case)
    rec = rec.filter(microseconds_between(rec.r_first, rec.ts) <= horizon_us)
    spent = rec.group_by("r_case").aggregate(spent=rec.cost.fill_null(0).sum())
    u = u.left_join(spent, u.case_id == spent.r_case).drop("r_case")
    expr = u.group_by(by) if by else u
    counts = expr.aggregate(
        recovered_cases=u.count(),
        recovery_cost=u.spent.fill_null(0).sum(),
        recovered_customers=u.customer_id.nunique(where=u.success),
    )
    out = (counts.order_by(by) if by else counts).execute()
    out["recovery_cost"] = out["recovery_cost"].fillna(0.0)
    out["cost_per_recovered_customer"] = safe_ratio(
        out["recovery_cost"], out["recovered_customers"]
    )
    out.attrs.update(
        metric="recovery_cost",
        period=Period.parse(period).label(),
        as_of=cutoff.isoformat(),
        rows_used=int(out["recovered_cases"].sum()),
        rows_excluded={},
    )
    return out.reset_index(drop=True)


def plot_recovery_cost(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """Cost of recovery per recovered customer, per group."""
    require_columns(df, ("cost_per_recovered_customer",), "plot_recovery_cost")
    fig = fig if fig is not None else go.Figure()
    by = breakdown_columns(df, "recovered_cases")
    df = top_groups(df, by, "recovered_cases")
    labels = group_labels(df, by)
    fig.add_trace(
        go.Bar(
            x=labels,
            y=df["cost_per_recovered_customer"],
            marker_color=PALETTE[2],
            name="recovery cost per recovered customer",
            customdata=df["recovered_customers"],
            hovertemplate="%{x}: %{y:,.2f} of recovery cost per recovered customer "
            "(%{customdata:,} customers)<extra></extra>",
        )
    )
    fig.update_yaxes(title="recovery cost per recovered customer")
    return finish_layout(fig, title=title, df=df, height=360)
