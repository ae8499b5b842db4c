"""Stage sequences per case, as Ibis expressions: the common ground of the conformance metrics.

Stages are encoded as small integers (their 1-based position in the model's order), never as
ordered strings: variants are arrays of those codes, built portably by collecting
``(position, code)`` structs, sorting the array and keeping the codes (ENGINE.md: no ordered
``group_concat``). Events are ordered within a case by :data:`EVENT_ORDER`: time, then the
order the source wrote them in (``load_id``, ``source_row``), then ``interaction_id`` (a total
order, so ties give the same answer on every engine); every metric that orders events uses
:func:`event_order`. Events without a stage are left out of the sequences (they count against
coverage).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis

from cycleanalytics.metrics._common import (
    TIME_GRAINS,
    Period,
    as_list,
    attach_breakdown,
    check_breakdown,
    source_tables,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import ibis.expr.types as ir

    from cycleanalytics.model import CycleModel
    from cycleanalytics.store import Store


EVENT_ORDER = ("ts", "load_id", "source_row", "interaction_id")
"""The order of events within a case, on every engine: time; for events of the same time the
order of their source (the file, by ``load_id``, then the record's position in it, or the
mapping's ``[order]`` column, by ``source_row``); then the id, so that the order is total."""

_SOURCE_ORDER = ("load_id", "source_row")


def event_order(
    t: ir.Table, *, after_ts: Sequence[ir.Value] = (), descending: bool = False
) -> list[ir.Value]:
    """Sort keys for :data:`EVENT_ORDER` over table ``t``, for ``order_by`` of a window or of
    a query (``descending`` for the latest event first).

    ``after_ts`` are keys that go between the time and the source order (the funnel orders
    events of the same time by their stage). ``load_id`` and ``source_row`` count as 0 when
    NULL (events loaded before ``source_row`` was kept) and are left out when ``t`` lacks them
    (an Ibis table of another origin), so the same keys sort alike in a window and in a sorted
    array of structs on DuckDB and Spark."""
    keys = [t.ts, *after_ts]
    keys += [t[c].fill_null(0) for c in _SOURCE_ORDER if c in t.columns]
    keys.append(t.interaction_id)
    return [ibis.desc(k) for k in keys] if descending else keys


def order_fields(t: ir.Table) -> dict[str, ir.Value]:
    """:data:`EVENT_ORDER` as named values, for the struct fields of an array sorted to put
    a case's events in order (:func:`variant_codes`)."""
    return {f"_o{i}": k for i, k in enumerate(event_order(t))}


def order_columns(t: ir.Table) -> list[str]:
    """The columns of :data:`EVENT_ORDER` that ``t`` has: what a selection must keep for its
    events to be ordered later."""
    return [c for c in EVENT_ORDER if c in t.columns]


def stage_code(column: ir.StringValue, model: CycleModel) -> ir.IntegerValue:
    """The stage's 1-based position in the model's order (NULL for other labels)."""
    return ibis.cases(*((column == s, i) for i, s in enumerate(model.order, start=1)))


def case_table(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
) -> tuple[ir.Table, ir.Table]:
    """``(events, cases)``: all events of the selected cases, and one row per selected case
    with ``case_id``, ``customer_id``, ``case_start`` and the breakdown columns.

    A case is selected when its first event lies in ``period`` and that event's channel is
    one of ``channel``; interaction breakdown columns take their value at the first event
    (in :data:`EVENT_ORDER`)."""
    by = as_list(by)
    period = Period.parse(period)
    events, customers = source_tables(source)
    check_breakdown(by, events, customers)
    carried = [c for c in by if c in events.columns and c not in ("case_id", "customer_id")]
    channels = as_list(channel)
    first = ibis.row_number().over(group_by=events.case_id, order_by=event_order(events))
    cases = (
        events.mutate(_rank=first)
        .filter(lambda t: t._rank == 0)
        .select(
            "case_id",
            "customer_id",
            case_start="ts",
            first_channel="channel",
            **{c: c for c in carried},
        )
    )
    if not period.is_open:
        cases = cases.filter(period.contains(cases.case_start))
    if channels:
        cases = cases.filter(cases.first_channel.isin(channels))
    cases = attach_breakdown(cases, by, customers, "case_start")
    keep = ["case_id", "customer_id", "case_start", *by]
    cases = cases.select(*dict.fromkeys(keep))
    if not period.is_open or channels:
        events = events.semi_join(cases.select("case_id"), "case_id")
    return events, cases


def keeps_every_case(
    by: str | Sequence[str] | None,
    period: Period | str | None,
    channel: str | Sequence[str] | None,
) -> bool:
    """Whether :func:`case_table` would keep every case as it is: no period, no channel and
    no breakdown. A per-case result over its events then needs no join with its cases (which
    ranks every event to find each case's first: half the time of the variants at 1M events);
    only cases without an id are left out, as that join leaves them out."""
    return not as_list(by) and Period.parse(period).is_open and not as_list(channel)


def stage_events(
    events: ir.Table, model: CycleModel, *, collapse: bool = False, neighbours: bool = True
) -> ir.Table:
    """Mapped events in case order with ``code``, ``pos`` (0-based) and, with ``neighbours``,
    the previous and next codes (``prev_code``, ``next_code``, NULL at the ends) and the next
    event's time (``next_ts``).

    With ``collapse``, runs of the same stage are collapsed to their first event."""
    mapped = mapped_events(events, model)
    w = ibis.window(group_by=mapped.case_id, order_by=event_order(mapped))
    if collapse:
        mapped = mapped.mutate(_prev=mapped.code.lag().over(w))
        mapped = mapped.filter(mapped._prev.isnull() | (mapped._prev != mapped.code)).drop("_prev")
        w = ibis.window(group_by=mapped.case_id, order_by=event_order(mapped))
    if not neighbours:
        return mapped.mutate(pos=ibis.row_number().over(w))
    return mapped.mutate(
        pos=ibis.row_number().over(w),
        prev_code=mapped.code.lag().over(w),
        next_code=mapped.code.lead().over(w),
        next_ts=mapped.ts.lead().over(w),
    )


def mapped_events(events: ir.Table, model: CycleModel) -> ir.Table:
    """Events with a stage of the model: ``case_id``, the :data:`EVENT_ORDER` columns
    (``interaction_id``, ``ts``, ``load_id``, ``source_row``, those ``events`` has) and
    ``code``."""
    mapped = events.filter(events.stage.isin(model.order))
    keep = [
        "case_id",
        "interaction_id",
        *(c for c in order_columns(mapped) if c != "interaction_id"),
    ]
    return mapped.select(*keep, code=stage_code(mapped.stage, model))


def variant_codes(sequence: ir.Table, keys: Sequence[str] | None = ("pos",)) -> ir.Table:
    """One row per case: ``case_id`` and ``variant``, the array of its stage codes in order.

    ``keys`` are the columns that order the events within a case: ``pos`` of
    :func:`stage_events`, or ``None`` for :data:`EVENT_ORDER` straight on
    :func:`mapped_events` (no window function: the array of structs of the order keys and the
    code is sorted instead, which is faster; ids are unique, so the order is total)."""
    fields = order_fields(sequence) if keys is None else {k: sequence[k] for k in keys}
    return (
        sequence.group_by("case_id")
        .aggregate(_v=ibis.struct({**fields, "code": sequence.code}).collect())
        .select("case_id", variant=lambda t: _in_order(t._v))
    )


def case_codes(events: ir.Table, model: CycleModel) -> ir.Table:
    """One row per case of ``events``: ``case_id``, ``events`` (all its events), ``mapped``
    (those with a stage of ``model``) and ``variant``, as :func:`variant_codes` gives it for
    :func:`mapped_events` (NULL or empty, by engine, for a case without a mapped event).

    One aggregation over the events gives the counts and the sequence together: the stage
    sequence is all conformance needs per case (its moves, replay and alignment are functions
    of it), so no window over the events runs."""
    mapped = events.stage.isin(model.order)
    fields = {**order_fields(events), "code": stage_code(events.stage, model)}
    return (
        events.group_by("case_id")
        .aggregate(
            events=events.count(),
            mapped=mapped.sum(),
            _v=ibis.struct(fields).collect(where=mapped),
        )
        .select("case_id", "events", "mapped", variant=lambda t: _in_order(t._v))
    )


def _in_order(structs: ir.ArrayValue) -> ir.ArrayValue:
    """The codes of an array of ``(order keys..., code)`` structs, sorted by the keys."""
    return structs.sort().map(lambda s: s.code)


__all__ = [
    "EVENT_ORDER",
    "TIME_GRAINS",
    "case_codes",
    "case_table",
    "event_order",
    "keeps_every_case",
    "mapped_events",
    "order_columns",
    "order_fields",
    "stage_code",
    "stage_events",
    "variant_codes",
]


# -- activity level (issue 13) ----------------------------------------------------------------

#: What a sequence is made of: the model's stages, or the raw activities of the events.
LEVELS = ("stage", "activity")


class Vocabulary:
    """The labels a sequence is coded over, in code order (code = 1-based position).

    At activity level it stands in for the model in :func:`stage_events`,
    :func:`mapped_events` and :func:`variant_codes`, which read only ``order``: activities are
    then coded, filtered and ordered by exactly the same code as stages (one event order for
    both levels, whatever that order is)."""

    def __init__(self, labels: Sequence[str], level: str = "activity") -> None:
        self.order = tuple(labels)
        self.level = level

    def __repr__(self) -> str:
        return f"Vocabulary({len(self.order)} {self.level} labels)"


def check_level(level: str) -> str:
    from cycleanalytics.errors import MetricError

    if level not in LEVELS:
        raise MetricError(f"unknown level {level!r}; use one of: {', '.join(LEVELS)}")
    return level


def activity_vocabulary(events: ir.Table) -> Vocabulary:
    """The distinct activities of ``events``, sorted by name (one small query)."""
    labels = events.filter(events.activity.notnull()).select("activity").distinct().execute()
    return Vocabulary(sorted(str(a) for a in labels["activity"]))


def activity_events(
    events: ir.Table, vocabulary: Vocabulary | None = None
) -> tuple[ir.Table, Vocabulary]:
    """``events`` seen at activity level (the ``activity`` label in the ``stage`` column; events
    without an activity are left out like unmapped stages) and the vocabulary of their codes
    (:func:`activity_vocabulary` of ``events`` when not given)."""
    vocabulary = vocabulary if vocabulary is not None else activity_vocabulary(events)
    view = events.mutate(stage=events.activity)
    if not vocabulary.order:  # nothing to code: a vocabulary no event matches
        return view.filter(ibis.literal(False)), Vocabulary(("",))
    return view, vocabulary


__all__ += ["LEVELS", "Vocabulary", "activity_events", "activity_vocabulary", "check_level"]
