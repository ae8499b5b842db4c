"""The ordered stage funnel (DESIGN §3): how many journeys reach each stage of the cycle.

Definition (a contract). Over the model's required stages in order (stages 1-4 of the default
model), a case *reaches* stage k when it has an event of stage k at or after the time it first
reached stage k-1. It *enters* at its first event of stage 1 or, with ``entry_within=N``, at its
earliest event among stages 1..N (for logs where pre-interaction is not recorded); stages before
its entry stage count as reached. With a ``window``, only events within that time from the case's
first event count. ``period`` keeps cases whose first event falls in it; ``channel`` and every
breakdown column take their value at the case's entry event (customer columns such as
``segment`` come from the customers table, and ``month``/``week``/… group by the case's start).

Per stage: cases reached; conversion from the previous stage with a Wilson 95% interval;
conversion from entry with its interval; drop-off (cases that reached the previous stage but
not this one) as a count and a share of the previous stage.

All counting happens in the engine (one Ibis expression); only the handful of resulting counts
come back to pandas for the interval arithmetic.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycleanalytics.errors import MetricError
from cycleanalytics.metrics._common import (
    TIME_GRAINS,
    Period,
    as_list,
    attach_breakdown,
    check_breakdown,
    parse_duration,
    source_tables,
)
from cycleanalytics.metrics._registry import Option, register
from cycleanalytics.model import CycleModel, resolve_model
from cycleanalytics.plots import PALETTE, breakdown_columns, finish_layout, require_columns
from cycleanalytics.stats import safe_ratio, wilson_interval

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import ibis.expr.types as ir

    from cycleanalytics.store import Store

FUNNEL_COLUMNS = (
    "stage",
    "stage_index",
    "label",
    "reached",
    "conversion",
    "conversion_lo",
    "conversion_hi",
    "from_entry",
    "from_entry_lo",
    "from_entry_hi",
    "dropped",
    "dropped_share",
)


def funnel_expr(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    entry_within: int = 1,
    window: timedelta | str | None = None,
    model: CycleModel | str | Path | None = None,
) -> ir.Table:
    """The funnel's Ibis expression: one row per breakdown group with ``cases`` and
    ``reached_<k>`` for each funnel stage k (1-based). :func:`funnel` executes it and
    finishes the table; use this to see the SQL (``ibis.to_sql``) or run it elsewhere."""
    model = resolve_model(model)
    stages = model.funnel_stages
    by = as_list(by)
    period = Period.parse(period)
    window = parse_duration(window)
    if not 1 <= entry_within <= len(stages):
        raise MetricError(f"entry_within must be between 1 and {len(stages)}, not {entry_within}")
    if window is not None and window <= timedelta(0):
        raise MetricError(f"the conversion window must be positive, not {window}")

    events, customers = source_tables(source)
    check_breakdown(by, events, customers)
    carried = [c for c in by if c in events.columns and c not in ("case_id", "customer_id")]
    channels = as_list(channel)

    needs_start = not period.is_open or window is not None or any(g in TIME_GRAINS for g in by)
    index = ibis.cases(*((events.stage == s, i) for i, s in enumerate(stages, start=1)))
    staged = events.filter(events.stage.isin(stages)).mutate(stage_index=index)

    # The entry event: earliest among stages 1..N; ties go to the lower stage, then the id.
    candidates = staged.filter(staged.stage_index <= entry_within)
    order = ibis.row_number().over(
        group_by=candidates.case_id,
        order_by=[candidates.ts, candidates.stage_index, candidates.interaction_id],
    )
    cases = (
        candidates.mutate(_rank=order)
        .filter(lambda t: t._rank == 0)
        .select(
            "case_id",
            "customer_id",
            entry_ts="ts",
            entry_index="stage_index",
            entry_channel="channel",
            **{c: c for c in carried if c != "channel"},
            **({"channel": "channel"} if "channel" in carried else {}),
        )
    )
    if needs_start:
        first_event = events.group_by("case_id").aggregate(case_start=events.ts.min())
        cases = cases.join(first_event, "case_id")
    if not period.is_open:
        cases = cases.filter(period.contains(cases.case_start))
    if channels:
        cases = cases.filter(cases.entry_channel.isin(channels))
    if window is not None:
        seconds = window.total_seconds()
        cases = cases.mutate(deadline=cases.case_start + ibis.interval(seconds=seconds))

    # A chain of small per-case tables: when each case first reached stage k. Each link joins
    # the stage-k events to the previous link only, so the query grows linearly with stages.
    # Cases that entered at stage k or later reached k (unrecorded) at their entry time.
    extra = ["deadline"] if window is not None else []
    link = cases.select("case_id", "entry_index", *extra, t="entry_ts")
    links = []
    for k in range(2, len(stages) + 1):
        later = staged.filter(staged.stage_index == k).select("case_id", "ts")
        pending = link.filter(link.entry_index < k)
        joined = later.join(pending, "case_id").filter(lambda t: t.ts >= t.t)
        if window is not None:
            joined = joined.filter(lambda t: t.ts <= t.deadline)
        found = joined.group_by("case_id", "entry_index", *extra).aggregate(t=joined.ts.min())
        entered_here = link.filter(link.entry_index >= k)
        nullable = {c: t.copy(nullable=True) for c, t in found.schema().items()}
        link = found.cast(nullable).union(entered_here.select(*found.columns).cast(nullable))
        links.append(link.select("case_id", **{f"t_{k}": "t"}))

    reach = cases.mutate(t_1=cases.entry_ts)
    for table in links:
        reach = reach.left_join(table, "case_id").drop("case_id_right")

    reach = attach_breakdown(reach, by, customers, "case_start")
    counts = {f"reached_{k}": reach[f"t_{k}"].count() for k in range(1, len(stages) + 1)}
    if by:
        return reach.group_by(by).aggregate(cases=reach.count(), **counts).order_by(by)
    return reach.aggregate(cases=reach.count(), **counts)


@register(
    "funnel",
    options=(
        Option("entry_within", int, "Let cases enter at the earliest of their first N stages.", 1),
        Option(
            "window",
            str,
            "Count only stages reached within this time of the case's first event, e.g. 30d.",
        ),
    ),
)
def funnel(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    entry_within: int = 1,
    window: timedelta | str | None = None,
    model: CycleModel | str | Path | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The ordered stage funnel: per stage, the journeys that reached it and those lost.

    Parameters
    ----------
    source
        A :class:`~cycleanalytics.Store`, or an Ibis table of canonical interactions.
    by
        Column(s) to break down by: any interactions column (value at the case's entry), a
        customers column (``segment``, ``region``) or a time grain of the case's start
        (``day``, ``week``, ``month``, ``quarter``, ``year``).
    period
        Keep cases whose first event lies in this period (``Period`` or ``"START..END"``).
    channel
        Keep cases whose entry event came through this channel (or any of these channels).
    entry_within
        Let a case enter at the earliest of its first N stages (default 1: stage 1 only).
    window
        Only count stages reached within this time of the case's first event (a
        ``timedelta`` or text such as ``"30d"``).
    model
        The cycle model (default: the five-stage model); its required stages form the funnel.
    confidence
        Level of the Wilson intervals.

    Returns
    -------
    DataFrame
        One row per (breakdown group, stage) with the columns in ``FUNNEL_COLUMNS`` after the
        ``by`` columns. ``df.attrs`` says what it was computed on: ``cases_total`` (cases
        that started in the period), ``cases_entered`` (those of them that entered the funnel
        and passed the filters), ``period``, ``channel``, ``model``.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.funnel(store, by="channel")
    >>> sorted(df["channel"].unique())[:2]
    ['chat', 'email']
    """
    model = resolve_model(model)
    by = as_list(by)
    period = Period.parse(period)
    expr = funnel_expr(
        source,
        by=by,
        period=period,
        channel=channel,
        entry_within=entry_within,
        window=window,
        model=model,
    )
    counts = expr.execute()
    table = _finish(counts, by, model, confidence)
    events, _ = source_tables(source)
    starts = events.group_by("case_id").aggregate(case_start=events.ts.min())
    table.attrs.update(
        metric="funnel",
        cases_total=int(starts.filter(period.contains(starts.case_start)).count().execute()),
        cases_entered=int(counts["cases"].sum()) if len(counts) else 0,
        period=period.label(),
        channel=", ".join(as_list(channel)) or "all",
        entry_within=entry_within,
        window=str(parse_duration(window)) if window else None,
        model=model.name,
    )
    return table


def _finish(
    counts: pd.DataFrame, by: list[str], model: CycleModel, confidence: float
) -> pd.DataFrame:
    """Turn one row of counts per group into the tidy per-stage table, with intervals."""
    stages = model.funnel_stages
    if counts.empty and not by:
        counts = pd.DataFrame(
            {"cases": [0], **{f"reached_{k}": [0] for k in range(1, len(stages) + 1)}}
        )
    rows = []
    for k, stage in enumerate(stages, start=1):
        part = counts[by].copy() if by else pd.DataFrame(index=counts.index)
        reached = counts[f"reached_{k}"].to_numpy(dtype="int64")
        previous = (
            counts[f"reached_{k - 1}"].to_numpy(dtype="int64")
            if k > 1
            else counts["cases"].to_numpy(dtype="int64")
        )
        entered = counts["cases"].to_numpy(dtype="int64")
        conv_lo, conv_hi = wilson_interval(reached, previous, confidence=confidence)
        entry_lo, entry_hi = wilson_interval(reached, entered, confidence=confidence)
        part["stage"] = stage
        part["stage_index"] = k
        part["label"] = model.stage(stage).label
        part["reached"] = reached
        part["conversion"] = safe_ratio(reached, previous)
        part["conversion_lo"] = conv_lo
        part["conversion_hi"] = conv_hi
        part["from_entry"] = safe_ratio(reached, entered)
        part["from_entry_lo"] = entry_lo
        part["from_entry_hi"] = entry_hi
        part["dropped"] = previous - reached
        part["dropped_share"] = safe_ratio(previous - reached, previous)
        part["_order"] = np.arange(len(part))
        rows.append(part)
    table = pd.concat(rows, ignore_index=True)
    table = table.sort_values(["_order", "stage_index"], kind="stable").drop(columns="_order")
    return table.reset_index(drop=True)[[*by, *FUNNEL_COLUMNS]]


def plot_funnel(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """Horizontal bars of journeys reached per stage, with the share of the previous stage that
    continued and its 95% interval in the hover text. A breakdown (any extra column before
    ``stage``) gives one bar series per group, as shares of each group's entries.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.plot_funnel(ca.funnel(store))
    >>> fig.data[0].type
    'bar'
    """
    require_columns(df, ("stage", "label", "reached", "conversion", "from_entry"), "plot_funnel")
    fig = fig if fig is not None else go.Figure()
    by = breakdown_columns(df, "stage")
    hover = (
        "<b>%{y}</b><br>%{customdata[0]:,} journeys (%{customdata[1]:.1%} of entries)"
        "<br>%{customdata[2]:.1%} of the previous stage continued"
        " (95% interval %{customdata[3]:.1%} to %{customdata[4]:.1%})"
        "<extra>%{fullData.name}</extra>"
    )
    if not by:
        fig.add_trace(
            go.Bar(
                x=df["reached"],
                y=df["label"],
                orientation="h",
                name="all journeys",
                marker_color=PALETTE[0],
                text=[
                    f"{r:,}  ({p:.0%})"
                    for r, p in zip(df["reached"], df["from_entry"].fillna(0), strict=True)
                ],
                textposition="auto",
                customdata=df[
                    ["reached", "from_entry", "conversion", "conversion_lo", "conversion_hi"]
                ],
                hovertemplate=hover,
            )
        )
        xaxis = "journeys reaching the stage"
    else:
        groups = df.groupby(by, sort=False, dropna=False)
        for i, (key, part) in enumerate(groups):
            name = " / ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
            fig.add_trace(
                go.Bar(
                    x=part["from_entry"],
                    y=part["label"],
                    orientation="h",
                    name=name,
                    marker_color=PALETTE[i % len(PALETTE)],
                    customdata=part[
                        ["reached", "from_entry", "conversion", "conversion_lo", "conversion_hi"]
                    ],
                    hovertemplate=hover,
                )
            )
        fig.update_layout(barmode="group")
        fig.update_xaxes(tickformat=".0%")
        xaxis = "share of entering journeys that reached the stage"
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=xaxis)
    finish_layout(
        fig,
        title=title,
        legend_title_text=", ".join(by) if by else None,
        height=max(300, 80 + 40 * len(df)) if by else 360,
    )
    return fig


def _pct(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.1%}"


def readable_funnel(df: pd.DataFrame) -> pd.DataFrame:
    """The funnel as a person reads it in a terminal: labels, counts, shares with intervals."""
    by = list(df.columns[: list(df.columns).index("stage")])
    shown = df[by].copy()
    shown["stage"] = df["label"]
    shown["reached"] = df["reached"]
    shown["continued"] = [
        f"{_pct(c)} ({_pct(lo)}–{_pct(hi)})" if not pd.isna(c) else "–"
        for c, lo, hi in zip(
            df["conversion"], df["conversion_lo"], df["conversion_hi"], strict=True
        )
    ]
    shown["of entries"] = df["from_entry"].map(_pct)
    shown["dropped"] = df["dropped"]
    return shown
