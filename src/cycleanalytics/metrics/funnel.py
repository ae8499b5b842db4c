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

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycleanalytics.errors import MetricError
from cycleanalytics.metrics._common import (
    CUSTOMER_COLUMNS,
    TIME_GRAINS,
    Period,
    as_list,
    attach_breakdown,
    check_breakdown,
    microseconds_between,
    parse_duration,
    source_tables,
)
from cycleanalytics.metrics._registry import Option, register
from cycleanalytics.metrics._sequences import event_order
from cycleanalytics.metrics.definitions import CASE_START, FUNNEL_ENTRY_CHANNEL, Scope
from cycleanalytics.model import CycleModel, resolve_model
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
    "hours_to_convert_median",
    "hours_to_convert_p90",
)
MODES = ("ordered", "strict", "any_order")
#: Where the funnel starts: the first funnel stage the data records, or always the model's.
ENTRIES = ("recorded", "model")
WINDOW_FROM = ("first_event", "entry")
_MICROS_PER_HOUR = 3_600_000_000


def recorded_entry(
    source: Store | ir.Table, model: CycleModel
) -> tuple[CycleModel, dict[str, object] | None]:
    """The model whose funnel starts at the first funnel stage the data records, and a note
    saying so (``None`` when the data records the model's first stage, or no funnel stage).

    Service-desk logs never record pre-interaction: entering at it, no journey enters and the
    funnel is all zeros. The leading funnel stages that no event of ``source`` has (over all
    its data, not only the period asked for) are left out of the funnel, so journeys enter at
    the first stage the data does record.

    Most logs record the model's first stage: one event of it settles the question, and the
    engine stops at the first it finds (at 1M events 2 ms of SQL instead of the 70-100 ms a
    scan of every stage takes). Only a log without it pays for that scan."""
    stages = model.funnel_stages
    events, _ = source_tables(source)
    first_seen = events.filter(events.stage == stages[0]).select("stage").limit(1).count()
    if first_seen.execute():
        return model, None
    seen = events.filter(events.stage.isin(stages)).select("stage").distinct().execute()
    found = {str(s) for s in seen["stage"]}
    if not found or stages[0] in found:
        return model, None
    first = next(s for s in stages if s in found)
    unrecorded = list(stages[: stages.index(first)])
    data = model.to_dict()
    data["order"] = [s for s in model.order if s not in unrecorded]
    data["stages"] = {k: v for k, v in data["stages"].items() if k not in unrecorded}
    data["transitions"] = {
        k: [t for t in v if t not in unrecorded]
        for k, v in data["transitions"].items()
        if k not in unrecorded
    }
    trimmed = CycleModel.from_dict(data, source=f"{model.name} (from {first})")
    names = ", ".join(model.stage(s).label for s in unrecorded)
    message = (
        f"The data never records {names}: journeys enter the funnel at "
        f"{model.stage(first).label}, the first stage it does record."
    )
    return trimmed, {"stage": first, "unrecorded": unrecorded, "message": message}


def _check_options(
    stages: Sequence[str],
    entry_within: int,
    window: timedelta | None,
    mode: str,
    window_from: str,
    cohort: str | None,
) -> None:
    if not 1 <= entry_within <= len(stages):
        raise MetricError(f"entry_within must be between 1 and {len(stages)}, not {entry_within}")
    if window is not None and window <= timedelta(0):
        raise MetricError(f"the conversion window must be positive, not {window}")
    if mode not in MODES:
        raise MetricError(f"unknown funnel mode {mode!r}; use one of: {', '.join(MODES)}")
    if window_from not in WINDOW_FROM:
        raise MetricError(
            f"unknown window_from {window_from!r}; use one of: {', '.join(WINDOW_FROM)}"
        )
    if cohort is not None and cohort not in TIME_GRAINS:
        raise MetricError(f"unknown cohort grain {cohort!r}; use one of: {', '.join(TIME_GRAINS)}")


def reach_table(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    entry_within: int = 1,
    window: timedelta | str | None = None,
    model: CycleModel | str | Path | None = None,
    mode: str = "ordered",
    window_from: str = "first_event",
    cohort: str | None = None,
    as_of: datetime | str | None = None,
    with_span: bool = False,
    entry_event: bool = True,
    gaps: bool = False,
) -> ir.Table:
    """One row per entered case: when it first reached each funnel stage (``t_1`` .. ``t_n``,
    NULL when not reached), its entry, start and last event, whether its conversion window
    had elapsed by the as-of time (``complete``), and its breakdown columns.

    The building block of :func:`funnel`, :func:`funnel_dropouts` and the time between stages;
    an Ibis expression, nothing is executed. With ``entry_event=False`` the columns of the
    entry event (``customer_id``, ``entry_channel``) are left out unless a filter or breakdown
    needs them.

    Without them the entry is one aggregate per case (first time per entry stage) instead of a
    window ranking every entry-stage event: the same ``entry_ts`` and ``entry_index``
    (earliest event, ties to the lower stage), at a fraction of the cost on large logs.

    With ``gaps=True`` (ordered mode only) it returns, instead of one row per case, the rows
    of :func:`_ordered_gaps`: what the funnel and the time between stages aggregate, without
    pivoting the stage times back onto every case.
    """
    model = resolve_model(model)
    stages = model.funnel_stages
    by = as_list(by)
    period = Period.parse(period)
    window = parse_duration(window)
    _check_options(stages, entry_within, window, mode, window_from, cohort)

    events, customers = source_tables(source)
    check_breakdown(by, events, customers)
    carried = [c for c in by if c in events.columns and c not in ("case_id", "customer_id")]
    channels = as_list(channel)

    index = ibis.cases(*((events.stage == s, i) for i, s in enumerate(stages, start=1)))
    staged = events.filter(events.stage.isin(stages)).mutate(stage_index=index)

    # The case's first (and last) event, when something needs it.
    needs_start = (
        not period.is_open
        or (window is not None and window_from == "first_event")
        or any(g in TIME_GRAINS for g in by)
        or with_span
    )
    span_columns = ["case_start"] if needs_start else []
    span_columns += ["case_end"] if with_span else []
    spans = case_spans(events, stages, entry_within)
    # The entry event: earliest among stages 1..N; ties go to the lower stage, then the id.
    candidates = staged.filter(staged.stage_index <= entry_within)
    needs_customer = any(c in CUSTOMER_COLUMNS or c == "customer_id" for c in by)
    if entry_event or carried or channels or needs_customer:
        order = ibis.row_number().over(
            group_by=candidates.case_id,
            order_by=event_order(candidates, after_ts=[candidates.stage_index]),
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
        if span_columns:
            cases = cases.join(spans.select("case_id", *span_columns), "case_id")
    else:
        cases = spans.filter(spans.entry_ts.notnull()).select(
            "case_id", "entry_ts", *span_columns, entry_index=_entry_index(spans, entry_within)
        )
    if not period.is_open:
        cases = cases.filter(period.contains(cases.case_start))
    if channels:
        cases = cases.filter(cases.entry_channel.isin(channels))
    if window is not None:
        opens = cases.case_start if window_from == "first_event" else cases.entry_ts
        cases = cases.mutate(deadline=opens + ibis.interval(seconds=window.total_seconds()))
        if as_of is None:
            # A one-row table joined in: a bare ``events.ts.max()`` here would be rewritten
            # by Ibis into the per-case ``case_end`` column.
            cases = cases.cross_join(events.aggregate(_as_of=events.ts.max()))
        else:
            instant = ibis.literal(_common_instant(as_of), type="timestamp('UTC')")
            cases = cases.mutate(_as_of=instant)
        limit = cases._as_of
        cases = cases.mutate(complete=cases.deadline <= limit)
    else:
        cases = cases.mutate(complete=ibis.literal(True))

    if gaps:
        if mode != "ordered":
            raise ValueError("gaps=True is for the ordered mode")
        if cohort is not None:
            cases = cases.mutate(cohort=cases.entry_ts.truncate(TIME_GRAINS[cohort]))
        cases = attach_breakdown(cases, by, customers, "case_start")
        keys = (["cohort"] if cohort is not None else []) + by
        return _ordered_gaps(cases, staged, len(stages), window is not None, entry_within, keys)
    if mode == "ordered":
        times = _ordered_times(cases, staged, len(stages), window is not None, entry_within)
    elif mode == "strict":
        times = _strict_times(cases, events, model, window is not None)
    else:
        times = _any_order_times(cases, staged, len(stages), window is not None)

    reach = cases.mutate(t_1=cases.entry_ts)
    reach = reach.left_join(times, "case_id").drop("case_id_right")
    # Stages before the entry stage count as reached (unrecorded) at the entry time.
    reach = reach.mutate(
        **{
            f"t_{k}": ibis.ifelse(reach.entry_index >= k, reach.entry_ts, reach[f"t_{k}"])
            for k in range(2, len(stages) + 1)
        }
    )
    if cohort is not None:
        reach = reach.mutate(cohort=reach.entry_ts.truncate(TIME_GRAINS[cohort]))
    return attach_breakdown(reach, by, customers, "case_start")


def case_spans(events: ir.Table, stages: Sequence[str], entry_within: int) -> ir.Table:
    """One row per case of ``events`` (one aggregate, no window): its first and last event
    (``case_start``, ``case_end``) and its entry time among funnel stages 1..``entry_within``
    (``entry_ts``, NULL for a case that never entered), with the first time of each of those
    stages (``_m<k>``) when more than one can be the entry.

    The funnel's cases, its period filter and its count of cases that started in the period
    all come from this one table; built with the same arguments it is the same Ibis node, so
    the engine computes it once per query."""
    index = ibis.cases(*((events.stage == s, i) for i, s in enumerate(stages, start=1)))
    per_stage = (
        {f"_m{k}": events.ts.min(where=index == k) for k in range(1, entry_within + 1)}
        if entry_within > 1
        else {}
    )
    return events.group_by("case_id").aggregate(
        case_start=events.ts.min(),
        case_end=events.ts.max(),
        entry_ts=events.ts.min(where=index <= entry_within),
        **per_stage,
    )


def _entry_index(spans: ir.Table, entry_within: int) -> ir.IntegerValue:
    """The entry stage: the lowest stage among the events at the entry time (the window's
    tie-break)."""
    if entry_within == 1:
        return ibis.literal(1, type="int8")
    return ibis.cases(
        *((spans[f"_m{k}"] == spans.entry_ts, k) for k in range(1, entry_within + 1))
    ).cast("int8")


def _ordered_times(
    cases: ir.Table, staged: ir.Table, n: int, windowed: bool, entry_within: int
) -> ir.Table:
    """Ordered mode: stage k is reached at its first event at or after reaching k-1.

    A chain of small per-case tables: each link joins the stage-k events to the previous link
    only, so the query grows linearly with stages. The links are stacked and pivoted by one
    aggregation (cheaper than joining each link to the cases)."""
    if n < 2:
        return cases.select("case_id")
    extra = ["deadline"] if windowed else []
    link = cases.filter(cases.entry_index < 2).select("case_id", *extra, t="entry_ts")
    starts = cases.select("case_id", *extra, "entry_index", "entry_ts")
    found = []
    for k in range(2, n + 1):
        # Cases that entered at stage k-1 start their chain there (none past entry_within).
        if 2 < k <= entry_within + 1:
            entered = starts.filter(starts.entry_index == k - 1).select(
                "case_id", *extra, t="entry_ts"
            )
            nullable = {c: t.copy(nullable=True) for c, t in link.schema().items()}
            link = link.cast(nullable).union(entered.select(*link.columns).cast(nullable))
        later = staged.filter(staged.stage_index == k).select("case_id", "ts")
        joined = later.join(link, "case_id").filter(lambda t: t.ts >= t.t)
        if windowed:
            joined = joined.filter(lambda t: t.ts <= t.deadline)
        link = joined.group_by("case_id", *extra).aggregate(t=joined.ts.min())
        found.append(link.select("case_id", "t", k=ibis.literal(k, type="int8")))
    stacked = ibis.union(*found) if len(found) > 1 else found[0]
    return stacked.group_by("case_id").aggregate(
        **{f"t_{k}": stacked.t.min(where=stacked.k == k) for k in range(2, n + 1)}
    )


def _ordered_gaps(
    cases: ir.Table,
    staged: ir.Table,
    n: int,
    windowed: bool,
    entry_within: int,
    keys: list[str],
) -> ir.Table:
    """Ordered mode as rows to aggregate: one row per entered case with ``k = 1`` and one per
    case and stage k >= 2 it reached, with ``gap``, the microseconds from first reaching k-1
    to first reaching k; each row carries the case's ``keys`` and ``complete``.

    The same chain of links as :func:`_ordered_times` (same times, same entry rules: stages
    before the entry stage are reached at the entry time, a gap of 0), but each link keeps its
    gap and the links are stacked: counts and quantiles per stage are one aggregation of this
    table, with no join back to every case."""
    carried = list(dict.fromkeys([*keys, "complete"]))
    extra = [c for c in (["deadline", *carried] if windowed else carried) if c != "case_id"]
    null_gap = ibis.null("int64")
    rows = [
        cases.select(*carried, k=ibis.literal(1, type="int8"), gap=null_gap),
    ]
    # Stages before the entry stage: reached at the entry time.
    for k in range(2, entry_within + 1):
        early = cases.filter(cases.entry_index >= k)
        rows.append(
            early.select(*carried, k=ibis.literal(k, type="int8"), gap=ibis.literal(0, "int64"))
        )
    link = cases.filter(cases.entry_index < 2).select("case_id", *extra, t="entry_ts")
    starts = cases.select("case_id", *extra, "entry_index", "entry_ts")
    for k in range(2, n + 1):
        # Cases that entered at stage k-1 start their chain there (none past entry_within).
        if 2 < k <= entry_within + 1:
            entered = starts.filter(starts.entry_index == k - 1).select(
                "case_id", *extra, t="entry_ts"
            )
            nullable = {c: t.copy(nullable=True) for c, t in link.schema().items()}
            link = link.cast(nullable).union(entered.select(*link.columns).cast(nullable))
        later = staged.filter(staged.stage_index == k).select("case_id", _ts="ts")
        joined = later.join(link, "case_id").filter(lambda t: t._ts >= t.t)
        if windowed:
            joined = joined.filter(lambda t: t._ts <= t.deadline)
        found = joined.group_by("case_id", *extra).aggregate(
            reached=joined._ts.min(), since=joined.t.min()
        )
        rows.append(
            found.select(
                *carried,
                k=ibis.literal(k, type="int8"),
                gap=microseconds_between(found.since, found.reached),
            )
        )
        link = found.select("case_id", *extra, t="reached")
    schema = {c: t.copy(nullable=True) for c, t in rows[0].schema().items()}
    return ibis.union(*(r.cast(schema) for r in rows))


def _any_order_times(cases: ir.Table, staged: ir.Table, n: int, windowed: bool) -> ir.Table:
    """Any-order mode: stage k is reached at its first event at or after the entry event."""
    extra = ["deadline"] if windowed else []
    joined = staged.join(cases.select("case_id", "entry_ts", *extra), "case_id")
    joined = joined.filter(joined.ts >= joined.entry_ts)
    if windowed:
        joined = joined.filter(joined.ts <= joined.deadline)
    return joined.group_by("case_id").aggregate(
        **{f"t_{k}": joined.ts.min(where=joined.stage_index == k) for k in range(2, n + 1)}
    )


def _strict_times(cases: ir.Table, events: ir.Table, model: CycleModel, windowed: bool) -> ir.Table:
    """Strict mode: from its entry, the case's stage sequence (repeats collapsed, events of
    every stage of the model including conditional ones) must run k, k+1, ... with no other
    stage in between; stage k is reached at its first event in that unbroken prefix."""
    stages = model.funnel_stages
    funnel_index = ibis.cases(*((events.stage == s, i) for i, s in enumerate(stages, start=1)))
    order_index = ibis.cases(*((events.stage == s, i) for i, s in enumerate(model.order, start=1)))
    mapped = events.filter(events.stage.isin(model.order)).mutate(
        k=funnel_index.fill_null(0), o=order_index
    )
    extra = ["deadline"] if windowed else []
    seq = mapped.join(cases.select("case_id", "entry_ts", "entry_index", *extra), "case_id")
    seq = seq.filter(
        (seq.ts > seq.entry_ts) | ((seq.ts == seq.entry_ts) & (seq.k >= seq.entry_index))
    )
    if windowed:
        seq = seq.filter(seq.ts <= seq.deadline)
    w = ibis.window(group_by=seq.case_id, order_by=event_order(seq, after_ts=[seq.o]))
    seq = seq.mutate(_changed=ibis.ifelse(seq.stage.lag().over(w) == seq.stage, 0, 1))
    cumulative = ibis.window(
        group_by=seq.case_id, order_by=event_order(seq, after_ts=[seq.o]), rows=(None, 0)
    )
    seq = seq.mutate(pos=seq._changed.sum().over(cumulative))
    seq = seq.mutate(ok=(seq.k > 0) & (seq.k == seq.entry_index + seq.pos - 1))
    seq = seq.mutate(
        first_bad=ibis.ifelse(seq.ok, ibis.null("int64"), seq.pos)
        .min()
        .over(ibis.window(group_by=seq.case_id))
    )
    good = seq.ok & (seq.first_bad.isnull() | (seq.pos < seq.first_bad))
    return seq.group_by("case_id").aggregate(
        **{f"t_{k}": seq.ts.min(where=good & (seq.k == k)) for k in range(2, len(stages) + 1)}
    )


def _common_instant(value: datetime | str) -> datetime:
    """An as-of time as an aware UTC datetime (text as in ``Period``)."""
    return Period(value, None).start


def funnel_expr(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    entry_within: int = 1,
    window: timedelta | str | None = None,
    model: CycleModel | str | Path | None = None,
    mode: str = "ordered",
    window_from: str = "first_event",
    cohort: str | None = None,
    include_incomplete: bool = False,
    as_of: datetime | str | None = None,
) -> ir.Table:
    """The funnel's Ibis expression: one row per breakdown group with ``cases``,
    ``incomplete``, ``reached_<k>`` and the median and p90 time to convert (microseconds,
    ``median_<k>``, ``p90_<k>``) for each funnel stage k (1-based). :func:`funnel` executes
    it and finishes the table; use this to see the SQL (``ibis.to_sql``) or run it elsewhere."""
    model = resolve_model(model)
    n = len(model.funnel_stages)
    by = as_list(by)
    reach = reach_table(
        source,
        by=by,
        period=period,
        channel=channel,
        entry_within=entry_within,
        window=window,
        model=model,
        mode=mode,
        window_from=window_from,
        cohort=cohort,
        as_of=as_of,
        entry_event=False,
        gaps=mode == "ordered",
    )
    keys = (["cohort"] if cohort is not None else []) + by
    if mode == "ordered":
        return _ordered_funnel_counts(reach, keys, n, include_incomplete)
    counted = ibis.literal(True) if include_incomplete else reach.complete
    aggs = {
        "cases": _count_rows(reach, counted),
        "incomplete": _count_rows(reach, ~reach.complete),
    }
    for k in range(1, n + 1):
        aggs[f"reached_{k}"] = reach[f"t_{k}"].count(where=counted)
        if k > 1:
            both = counted & reach[f"t_{k - 1}"].notnull()
            aggs[f"both_{k}"] = reach[f"t_{k}"].count(where=both)
            since = reach.entry_ts if mode == "any_order" else reach[f"t_{k - 1}"]
            gap = microseconds_between(since, reach[f"t_{k}"])
            aggs[f"median_{k}"] = gap.quantile(0.5, where=counted)
            aggs[f"p90_{k}"] = gap.quantile(0.9, where=counted)
    if keys:
        return reach.group_by(keys).aggregate(**aggs).order_by(keys)
    return reach.aggregate(**aggs)


def _ordered_funnel_counts(
    rows: ir.Table, keys: list[str], n: int, include_incomplete: bool
) -> ir.Table:
    """:func:`funnel_expr`'s table in ordered mode, from the rows of :func:`_ordered_gaps`
    (one aggregation; a case that reached k reached k-1, so ``both_k`` is ``reached_k``)."""
    counted = ibis.literal(True) if include_incomplete else rows.complete
    first = rows.k == 1
    aggs = {
        "cases": _count_rows(rows, first & counted),
        "incomplete": _count_rows(rows, first & ~rows.complete),
        "reached_1": _count_rows(rows, first & counted),
    }
    for k in range(2, n + 1):
        at = (rows.k == k) & counted
        aggs[f"reached_{k}"] = _count_rows(rows, at)
        aggs[f"both_{k}"] = _count_rows(rows, at)
        aggs[f"median_{k}"] = rows.gap.quantile(0.5, where=at)
        aggs[f"p90_{k}"] = rows.gap.quantile(0.9, where=at)
    if keys:
        return rows.group_by(keys).aggregate(**aggs).order_by(keys)
    return rows.aggregate(**aggs)


def _count_rows(table: ir.Table, where: ir.BooleanValue) -> ir.IntegerValue:
    """The rows of ``table`` where ``where`` holds: 0, never NULL, on every engine.

    Ibis 12 compiles ``table.count(where=...)`` to ``COUNT(*) FILTER (WHERE ...)`` on DuckDB
    but to ``SUM(CAST(... AS BIGINT))`` on Spark, and a SUM over no rows is NULL: the funnel of
    a period without cases (a month before the data starts) came back from Spark as NULL counts,
    which pandas turned into garbage integers (``successes must lie between 0 and n``)."""
    return table.count(where=where).fill_null(0)


_FUNNEL_OPTIONS = (
    Option("entry_within", int, "Let cases enter at the earliest of their first N stages.", 1),
    Option(
        "window",
        str,
        "Count only stages reached within this time of the window start, e.g. 30d.",
    ),
    Option("mode", MODES, "ordered, strict (no other stage in between) or any_order.", "ordered"),
    Option(
        "window_from",
        WINDOW_FROM,
        "Where the conversion window starts: the case's first event or its entry.",
        "first_event",
    ),
    Option("cohort", tuple(TIME_GRAINS), "Break down by the period of the case's entry."),
    Option(
        "include_incomplete",
        bool,
        "Also count cases whose conversion window had not elapsed by the as-of time.",
        False,
    ),
    Option("as_of", str, "The data's as-of time (default: its latest event)."),
    Option(
        "entry",
        ENTRIES,
        "recorded: when the data never records the model's first stage(s), start the funnel "
        "at the first stage it does record (and say so); model: always at the model's first.",
        "recorded",
    ),
)


@register(
    "funnel",
    unit="cases reaching each stage; shares of the stage before",
    scopes=Scope(
        CASE_START,
        FUNNEL_ENTRY_CHANNEL,
        "cases that started in the period and entered at the model's first stage (or one of "
        "its first entry_within stages)",
    ),
    options=_FUNNEL_OPTIONS,
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
    mode: str = "ordered",
    window_from: str = "first_event",
    cohort: str | None = None,
    include_incomplete: bool = False,
    as_of: datetime | str | None = None,
    entry: str = "recorded",
) -> pd.DataFrame:
    """The stage funnel: per stage, the journeys that reached it, those lost, and how long
    they took.

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
        Only count stages reached within this time of the window start (a ``timedelta`` or
        text such as ``"30d"``).
    model
        The cycle model (default: the five-stage model); its required stages form the funnel.
    confidence
        Level of the Wilson intervals.
    mode
        ``"ordered"`` (default, DESIGN §3): stage k is reached at its first event at or after
        reaching stage k-1. ``"strict"``: the case's stage sequence from its entry (repeats
        collapsed, conditional stages included) must run k-1, k with no other stage in
        between. ``"any_order"``: stage k is reached at its first event at or after the entry,
        whatever came before (counts may then rise along the funnel).
    window_from
        ``"first_event"`` (default, the DESIGN §3 contract): the window opens at the case's
        first event; ``"entry"``: at its entry event.
    cohort
        A time grain (``"month"``, ...): adds a leading ``cohort`` column, the period of the
        case's entry.
    include_incomplete
        With a ``window``, cases whose window had not yet elapsed at the as-of time are left
        out (their outcome is unknown) and counted in ``attrs["cases_incomplete"]``; set this
        to count them anyway.
    as_of
        The data's as-of time for completeness (default: the latest event in the source).
    entry
        ``"recorded"`` (default): when no event of the source has the model's first funnel
        stage (a service-desk log without pre-interaction), the funnel starts at the first
        funnel stage the data records: the stages before it are left out (not counted as
        reached) and ``attrs["entry_note"]`` says so in one line (:func:`recorded_entry`).
        ``"model"``: always enter at the model's first stage (all zeros on such a log).
        ``entry_within`` counts from the stage the funnel starts at (at most the stages left).

    Returns
    -------
    DataFrame
        One row per (breakdown group, stage) with the columns in ``FUNNEL_COLUMNS`` after the
        ``by`` columns (``stage_index`` is the stage's place in the model's funnel, so it
        starts above 1 when the funnel starts later). ``hours_to_convert_median`` and
        ``hours_to_convert_p90`` are exact quantiles of the time from first reaching the
        previous stage to first reaching this one (from the entry in any-order mode), over
        the cases that reached it.
        ``df.attrs`` says what it was computed on: ``cases_total`` (cases that started in the
        period), ``cases_entered`` (those of them that entered the funnel, passed the filters
        and were counted), ``cases_incomplete``, ``period``, ``channel``, ``mode``, ``model``,
        ``entry_stage`` (the stage journeys enter at), ``unrecorded_stages`` and
        ``entry_note`` (the one-line explanation, or None).

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.funnel(store, by="channel")
    ...     strict = ca.funnel(store, mode="strict", window="30d", cohort="month")
    >>> sorted(df["channel"].unique())[:2]
    ['chat', 'email']
    >>> bool((strict.groupby("cohort")["reached"].diff().dropna() <= 0).all())
    True
    """
    model = resolve_model(model)
    by = as_list(by)
    period = Period.parse(period)
    if entry not in ENTRIES:
        raise MetricError(f"unknown entry {entry!r}; use one of: {', '.join(ENTRIES)}")
    whole = model
    model, note = recorded_entry(source, model) if entry == "recorded" else (model, None)
    if note is not None:  # fewer stages left: enter at the earliest of those there are
        entry_within = min(entry_within, len(model.funnel_stages))
    expr = funnel_expr(
        source,
        by=by,
        period=period,
        channel=channel,
        entry_within=entry_within,
        window=window,
        model=model,
        mode=mode,
        window_from=window_from,
        cohort=cohort,
        include_incomplete=include_incomplete,
        as_of=as_of,
    )
    keys = (["cohort"] if cohort is not None else []) + by
    # The cases that started in the period ride along in the same query (one scan, one
    # compile), as a one-row table joined to every group.
    events, _ = source_tables(source)
    starts = case_spans(events, model.funnel_stages, entry_within)
    total = starts.filter(period.contains(starts.case_start)).aggregate(_cases_total=ibis._.count())
    combined = expr.cross_join(total)
    counts = (combined.order_by(keys) if keys else combined).execute()
    if len(counts):
        cases_total = int(counts["_cases_total"].iloc[0])
    else:  # no group at all: the total still counts cases that started in the period
        cases_total = int(total.execute()["_cases_total"].iloc[0])
    counts = counts.drop(columns="_cases_total")
    table = _finish(counts, keys, model, confidence)
    place = {s: k for k, s in enumerate(whole.funnel_stages, start=1)}
    table["stage_index"] = table["stage"].map(place).astype(table["stage_index"].dtype)
    entered = int(counts["cases"].sum()) if len(counts) else 0
    incomplete = int(counts["incomplete"].sum()) if len(counts) else 0
    excluded = {"did not enter at the first stage": cases_total - entered}
    if not include_incomplete:
        excluded["did not enter at the first stage"] -= incomplete
        excluded["window still open at the as-of time"] = incomplete
    table.attrs.update(
        metric="funnel",
        rows_used=entered,
        rows_excluded=excluded,
        cases_total=cases_total,
        cases_entered=entered,
        cases_incomplete=incomplete,
        incomplete_counted=bool(include_incomplete),
        period=period.label(),
        channel=", ".join(as_list(channel)) or "all",
        entry_within=entry_within,
        window=str(parse_duration(window)) if window else None,
        window_from=window_from,
        mode=mode,
        model=whole.name,
        entry_stage=model.funnel_stages[0],
        unrecorded_stages=list(note["unrecorded"]) if note else [],
        entry_note=note["message"] if note else None,
    )
    return table


def funnel_dropouts(
    source: Store | ir.Table,
    *,
    stage: str,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    entry_within: int = 1,
    window: timedelta | str | None = None,
    model: CycleModel | str | Path | None = None,
    mode: str = "ordered",
    window_from: str = "first_event",
    include_incomplete: bool = False,
    as_of: datetime | str | None = None,
) -> pd.DataFrame:
    """Drill-down: the cases that reached the stage before ``stage`` but not ``stage``.

    Same options as :func:`funnel`. One row per case, longest in the cycle first:
    ``case_id``, ``customer_id``, the breakdown columns, ``entered_at``, ``last_reached``
    (the stage it dropped after), ``last_reached_at``, ``last_event_at``, and
    ``hours_in_cycle`` (from its first event to its last event).

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     lost = ca.metrics.funnel_dropouts(store, stage="service_delivery")
    >>> list(lost.columns[:3])
    ['case_id', 'customer_id', 'entered_at']
    """
    model = resolve_model(model)
    stages = model.funnel_stages
    if stage not in stages:
        raise MetricError(
            f"{stage!r} is not a funnel stage of model {model.name!r}; "
            f"use one of: {', '.join(stages)}"
        )
    k = stages.index(stage) + 1
    if k == 1:
        raise MetricError(
            f"nobody drops at the first stage {stage!r}; use one of: {', '.join(stages[1:])}"
        )
    by = as_list(by)
    reach = reach_table(
        source,
        by=by,
        period=period,
        channel=channel,
        entry_within=entry_within,
        window=window,
        model=model,
        mode=mode,
        window_from=window_from,
        as_of=as_of,
        with_span=True,
    )
    lost = reach.filter(reach[f"t_{k - 1}"].notnull() & reach[f"t_{k}"].isnull())
    if not include_incomplete:
        lost = lost.filter(lost.complete)
    hours = microseconds_between(lost.case_start, lost.case_end) / _MICROS_PER_HOUR
    lost = lost.select(
        "case_id",
        "customer_id",
        *by,
        entered_at="entry_ts",
        last_reached_at=f"t_{k - 1}",
        last_event_at="case_end",
        hours_in_cycle=hours,
    ).order_by([ibis.desc("hours_in_cycle"), "case_id"])
    df = lost.execute()
    df.insert(3 + len(by), "last_reached", stages[k - 2])
    df.attrs.update(metric="funnel_dropouts", stage=stage, cases=len(df), mode=mode)
    return df


def _finish(
    counts: pd.DataFrame, by: list[str], model: CycleModel, confidence: float
) -> pd.DataFrame:
    """Turn one row of counts per group into the tidy per-stage table, with intervals."""
    stages = model.funnel_stages
    n = len(stages)
    if counts.empty and not by:
        counts = pd.DataFrame(
            {
                "cases": [0],
                "incomplete": [0],
                **{f"reached_{k}": [0] for k in range(1, n + 1)},
                **{f"both_{k}": [0] for k in range(2, n + 1)},
            }
        )
    rows = []
    for k, stage in enumerate(stages, start=1):
        part = counts[by].copy() if by else pd.DataFrame(index=counts.index)
        reached = counts[f"reached_{k}"].to_numpy(dtype="int64")
        entered = counts["cases"].to_numpy(dtype="int64")
        if k > 1:
            previous = counts[f"reached_{k - 1}"].to_numpy(dtype="int64")
            # Cases that reached both stages: the same as ``reached`` except in any-order mode.
            continued = counts[f"both_{k}"].to_numpy(dtype="int64")
            median = _hours(counts.get(f"median_{k}"), len(counts))
            p90 = _hours(counts.get(f"p90_{k}"), len(counts))
        else:
            previous = continued = entered
            median = p90 = np.full(len(counts), np.nan)
        conv_lo, conv_hi = wilson_interval(continued, previous, confidence=confidence)
        entry_lo, entry_hi = wilson_interval(reached, entered, confidence=confidence)
        part["stage"] = stage
        part["stage_index"] = k
        part["label"] = model.stage(stage).label
        part["reached"] = reached
        part["conversion"] = safe_ratio(continued, previous)
        part["conversion_lo"] = conv_lo
        part["conversion_hi"] = conv_hi
        part["from_entry"] = safe_ratio(reached, entered)
        part["from_entry_lo"] = entry_lo
        part["from_entry_hi"] = entry_hi
        part["dropped"] = previous - continued
        part["dropped_share"] = safe_ratio(previous - continued, previous)
        part["hours_to_convert_median"] = median
        part["hours_to_convert_p90"] = p90
        part["_order"] = np.arange(len(part))
        rows.append(part)
    table = pd.concat(rows, ignore_index=True)
    table = table.sort_values(["_order", "stage_index"], kind="stable").drop(columns="_order")
    return table.reset_index(drop=True)[[*by, *FUNNEL_COLUMNS]]


def _hours(micros: pd.Series | None, length: int) -> np.ndarray:
    if micros is None:
        return np.full(length, np.nan)
    return pd.to_numeric(micros, errors="coerce").to_numpy(dtype=float) / _MICROS_PER_HOUR


def plot_funnel(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """Horizontal bars of journeys reached per stage, with the share of the previous stage that
    continued and its 95% interval in the hover text. A breakdown (any extra column before
    ``stage``) gives one bar series per group, as shares of each group's entries.

    The first stage has no stage before it: its bar is a trace of its own (same colour, same
    bar slot) whose hover says it is the stage journeys enter by, with no "continued" share.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.plot_funnel(ca.funnel(store))
    >>> fig.data[0].type, list(fig.data[0].y), fig.data[0].showlegend
    ('bar', ['Pre-interaction'], False)
    """
    require_columns(df, ("stage", "label", "reached", "conversion", "from_entry"), "plot_funnel")
    fig = fig if fig is not None else go.Figure()
    by = breakdown_columns(df, "stage")
    df = top_groups(df, by, "reached")
    custom = ["reached", "from_entry", "conversion", "conversion_lo", "conversion_hi"]
    first_index = df["stage_index"].min() if "stage_index" in df.columns else None

    def bars(part: pd.DataFrame, name: str, colour: str, x: str, text: bool) -> None:
        """The group's bars: the entry stage's, then the others', in one bar slot."""
        first = (
            part["stage_index"] == first_index
            if first_index is not None
            else pd.Series([i == 0 for i in range(len(part))], index=part.index)
        )
        for rows, hover, legend in ((part[first], FIRST_STAGE_HOVER, False),
                                    (part[~first], STAGE_HOVER, True)):  # fmt: skip
            if rows.empty:
                continue
            labels = [
                f"{r:,}  ({p:.0%})"
                for r, p in zip(rows["reached"], rows["from_entry"].fillna(0), strict=True)
            ]
            fig.add_trace(
                go.Bar(
                    x=rows[x],
                    y=rows["label"],
                    orientation="h",
                    name=name,
                    legendgroup=name,
                    offsetgroup=name,
                    showlegend=legend or len(rows) == len(part),
                    marker_color=colour,
                    text=labels if text else None,
                    textposition="auto" if text else None,
                    customdata=rows[custom],
                    hovertemplate=hover,
                )
            )

    if not by:
        bars(df, "all journeys", PALETTE[0], "reached", text=True)
        xaxis = "journeys reaching the stage"
    else:
        groups = df.groupby(by, sort=False, dropna=False)
        for i, (key, part) in enumerate(groups):
            name = " / ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
            bars(part, name, PALETTE[i % len(PALETTE)], "from_entry", text=False)
        fig.update_layout(barmode="group")
        fig.update_xaxes(tickformat=".0%")
        xaxis = "share of entering journeys that reached the stage"
    fig.update_yaxes(
        autorange="reversed",
        title=None,
        categoryorder="array",
        categoryarray=list(dict.fromkeys(df.sort_values("stage_index")["label"]))
        if "stage_index" in df.columns
        else list(dict.fromkeys(df["label"])),
    )
    fig.update_xaxes(title=xaxis)
    finish_layout(
        fig,
        title=title,
        df=df,
        showlegend=bool(by),
        legend_title_text=", ".join(by) if by else None,
        height=max(300, 80 + 40 * len(df)) if by else 360,
    )
    return fig


#: The hover of a stage after the first: how many reached it, and the share of the stage
#: before that continued to it, with its interval.
STAGE_HOVER = (
    "<b>%{y}</b><br>%{customdata[0]:,} journeys (%{customdata[1]:.1%} of entries)"
    "<br>%{customdata[2]:.1%} of the previous stage continued"
    " (95% interval %{customdata[3]:.1%} to %{customdata[4]:.1%})"
    "<extra>%{fullData.name}</extra>"
)
#: The hover of the first stage: there is no stage before it to continue from.
FIRST_STAGE_HOVER = (
    "<b>%{y}</b>: the stage journeys enter by<br>%{customdata[0]:,} journeys "
    "(%{customdata[1]:.1%} of entries)<extra>%{fullData.name}</extra>"
)


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
    if "hours_to_convert_median" in df.columns:
        shown["median h"] = df["hours_to_convert_median"].map(
            lambda h: "–" if pd.isna(h) else f"{h:,.1f}"
        )
    return shown
