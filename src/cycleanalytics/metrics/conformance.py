"""Conformance of real journeys to a :class:`~cycleanalytics.model.CycleModel` (DESIGN §3).

Definitions (contracts). A case's *stage sequence* is its mapped events ordered by time, then
``interaction_id``; events without a stage are left out (and lower the coverage).

- **coverage**: share of events that map to a stage of the model.
- **conforming**: the sequence, repeats collapsed, starts with the model's first stage and
  every move between different stages is an allowed transition of the model.
- **skipped**: a move forward in the model's order that the model does not allow (e.g.
  pre-interaction straight to delivery); **backward**: a move to an earlier stage that the model
  does not allow; **repeats**: the same stage twice in a row.
- **late start**: the sequence does not start at the model's first stage (a service-desk log
  that never records pre-interaction: every journey starts late, whatever else it does);
  **open end**: it does not end at the model's last required stage (the one
  :func:`default_rules` expects it to end with). Deviations of their own, counted apart from
  the moves between stages.
- **recovery without prior dissatisfaction**: the case has an event of a conditional stage
  (service recovery) and neither an earlier event with ``csat <= 2`` or ``nps <= 6`` nor a
  complaint on the case.
- **transition fitness**: allowed moves / all moves between different stages (repeats
  collapsed), pooled over the cases.
- **token-replay fitness**: pm4py's ``½(1 − missing/consumed) + ½(1 − remaining/produced)`` on
  the model's Petri net (:mod:`cycleanalytics.metrics._replay`), per case (mean over cases) and
  for the log (from the summed counts); replayed once per variant and weighted by its cases.
- **alignment fitness**: pm4py's optimal-alignment fitness on the same net
  (:mod:`cycleanalytics.metrics._alignment`): per case ``1 − deviations / (events + shortest
  run)`` (mean over cases) and for the log ``1 − Σ cost / Σ worst cost``; aligned once per
  variant, exact (equal to pm4py's A* alignments).
- **directly-follows**: pairs of consecutive mapped events (repeats kept), with counts and the
  median time between them; the counts sum to events minus cases.
- **variants**: distinct stage sequences with their cases and share of cases.

The engine computes, in one Ibis expression, each selected case's stage sequence with its event
counts (one aggregation over the events, no window: :func:`case_codes`) and returns the cases per
variant; every measure above is a function of the sequence, so the moves, flags, replay and
alignment run once per variant (few) in Python (:func:`sequence_moves`,
:func:`deviation_flags`) and are weighted by the variant's cases.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import ibis
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycleanalytics.errors import MetricError
from cycleanalytics.metrics._alignment import (
    MOVE_COST,
    Alignment,
    alignment_costs,
    best_worst_cost,
)
from cycleanalytics.metrics._common import Period, as_list, microseconds_between, source_tables
from cycleanalytics.metrics._registry import Option, register
from cycleanalytics.metrics._replay import model_net, replay
from cycleanalytics.metrics._sequences import (
    LEVELS,
    Vocabulary,
    activity_events,
    activity_vocabulary,
    case_codes,
    case_table,
    check_level,
    keeps_every_case,
    mapped_events,
    stage_events,
    variant_codes,
)
from cycleanalytics.metrics.definitions import CASE_START, ENTRY_CHANNEL, THRESHOLDS, Scope
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

_MICROS_PER_HOUR = 3_600_000_000
CONFORMANCE_SHARES = ("conforming", "skipped", "backward", "repeats", "late_start", "open_end")


def _dissatisfied_before(source: Store | ir.Table, events: ir.Table, model: CycleModel) -> ir.Table:
    """Per case with a conditional-stage event: ``first_recovery`` and ``dissatisfied`` (an
    earlier low score, or a complaint on the case)."""
    conditional = [s.id for s in model.stages if s.conditional]
    recovery = (
        events.filter(events.stage.isin(conditional))
        .group_by("case_id")
        .aggregate(first_recovery=lambda t: t.ts.min())
    )
    scored = events.join(recovery, "case_id")
    low = (scored.csat <= THRESHOLDS.csat_dissatisfied) | (scored.nps <= THRESHOLDS.nps_detractor)
    earlier = scored.ts < scored.first_recovery
    flags = scored.group_by("case_id", "first_recovery").aggregate(
        low_before=(low & earlier).fill_null(False).any()
    )
    # Any store (DuckDB or Spark) has a complaints table; a bare Ibis table has none.
    is_store = not isinstance(source, ibis.expr.types.Table) and callable(
        getattr(source, "table", None)
    )
    if is_store:
        complaints = source.table("complaints")
        complained = complaints.filter(complaints.case_id.notnull()).select("case_id").distinct()
        complained = complained.mutate(has_complaint=ibis.literal(True))
        flags = flags.left_join(complained, "case_id").drop("case_id_right")
        flags = flags.mutate(dissatisfied=flags.low_before | flags.has_complaint.fill_null(False))
    else:
        flags = flags.mutate(dissatisfied=flags.low_before)
    return flags.select("case_id", "dissatisfied")


def level_codes(
    source: Store | ir.Table, model: CycleModel, level: str = "stage"
) -> CycleModel | Vocabulary:
    """What sequences are coded over at ``level``: the model's stages, or the activities of
    the source's events (:func:`~cycleanalytics.metrics._sequences.activity_vocabulary`)."""
    if check_level(level) == "stage":
        return model
    return activity_vocabulary(source_tables(source)[0])


def _level_view(
    events: ir.Table, codes: CycleModel | Vocabulary
) -> tuple[ir.Table, CycleModel | Vocabulary]:
    """``events`` as the sequence helpers read them for ``codes`` (activities in ``stage``)."""
    if isinstance(codes, Vocabulary):
        return activity_events(events, codes)
    return events, codes


def variants_expr(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    collapse: bool = False,
    codes: Vocabulary | None = None,
) -> ir.Table:
    """Cases per variant (and breakdown group): ``variant`` is an array of stage codes (of
    the activity codes of ``codes``, from :func:`level_codes`, at activity level)."""
    model = resolve_model(model)
    by = as_list(by)
    events, cases = case_table(source, by=by, period=period, channel=channel)
    if codes is not None:
        events, model = _level_view(events, codes)
    if collapse:
        per_case = variant_codes(stage_events(events, model, collapse=True, neighbours=False))
    else:
        per_case = variant_codes(mapped_events(events, model), keys=None)
    if keeps_every_case(by, period, channel):
        joined = per_case.filter(per_case.case_id.notnull())
    else:
        joined = per_case.join(cases.select("case_id", *by), "case_id")
    return joined.group_by([*by, "variant"]).aggregate(cases=joined.count())


def variant_cases_expr(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
) -> ir.Table:
    """Cases per (breakdown group, variant) with their ``events``, ``mapped`` events,
    ``recovery_cases`` and ``recovery_without_dissatisfaction``: all :func:`conformance` asks
    of the engine, in one query (``variant`` as :func:`case_codes` gives it, NULL or empty for
    cases without a mapped event). Every other measure is a function of the variant and is
    computed once per variant (:func:`deviation_flags`, replay, alignment)."""
    model = resolve_model(model)
    by = as_list(by)
    events, cases = case_table(source, by=by, period=period, channel=channel)
    per_case = case_codes(events, model)
    if keeps_every_case(by, period, channel):
        per_case = per_case.filter(per_case.case_id.notnull())
    else:
        per_case = cases.select("case_id", *by).join(per_case, "case_id")
    rec = _dissatisfied_before(source, events, model)
    t = per_case.left_join(rec, "case_id").drop("case_id_right")
    recovered = t.dissatisfied.notnull()
    return t.group_by([*by, "variant"]).aggregate(
        cases=t.count(),
        events=t.events.sum(),
        mapped=t.mapped.sum(),
        recovery_cases=recovered.sum(),
        recovery_without_dissatisfaction=(recovered & ~t.dissatisfied).sum(),
    )


def _decode(codes: Sequence[int] | None, order: Sequence[str]) -> tuple[str, ...]:
    """The labels of an array of 1-based codes (``()`` for a case without a mapped event)."""
    if codes is None or (isinstance(codes, float) and np.isnan(codes)):
        return ()
    return tuple(order[int(c) - 1] for c in codes)


def _replay_variants(variants: pd.DataFrame, model: CycleModel) -> pd.DataFrame:
    """Token counts per variant row (columns ``produced`` .. ``remaining``, ``fitness``)."""
    net = model_net(model)
    cache: dict[tuple[str, ...], tuple[int, int, int, int, float]] = {}
    out = []
    for stages in variants["stages"]:
        if stages not in cache:
            r = replay(net, stages)
            cache[stages] = (r.produced, r.consumed, r.missing, r.remaining, r.fitness)
        out.append(cache[stages])
    return pd.DataFrame(
        out,
        columns=["produced", "consumed", "missing", "remaining", "fitness"],
        index=variants.index,
    )


def _token_fitness(
    source: Store | ir.Table,
    by: list[str],
    period: Period,
    channel: str | Sequence[str] | None,
    model: CycleModel,
) -> pd.DataFrame:
    """Per group: log fitness and mean case fitness by token replay and by alignments."""
    raw = variant_cases_expr(source, by=by, period=period, channel=channel, model=model).execute()
    raw["stages"] = [_decode(v, model.order) for v in raw["variant"]]
    return _fitness(raw, by, model)


def _fitness(raw: pd.DataFrame, by: list[str], model: CycleModel) -> pd.DataFrame:
    """Per group of ``raw`` (cases per variant, ``stages`` decoded): the measures of
    :data:`FITNESS_COLUMNS`, one replay and one alignment per variant, weighted by its cases.
    Cases without a mapped event have no trace and are left out."""
    raw = raw[[len(s) > 0 for s in raw["stages"]]]
    if raw.empty:
        return pd.DataFrame(columns=[*by, *FITNESS_COLUMNS])
    raw = pd.concat([raw, _replay_variants(raw, model), _align_variants(raw, model)], axis=1)
    w = raw["cases"]
    summed = ["produced", "consumed", "missing", "remaining", "fitness", "cost", "bwc", "aligned"]
    for col in summed:
        raw[col] = raw[col] * w
    sums = (
        raw.groupby(by, dropna=False)[["cases", *summed]].sum().reset_index()
        if by
        else raw[["cases", *summed]].sum().to_frame().T
    )
    sums["token_fitness"] = 0.5 * (1 - sums["missing"] / sums["consumed"]) + 0.5 * (
        1 - sums["remaining"] / sums["produced"]
    )
    sums["token_fitness_cases"] = sums["fitness"] / sums["cases"]
    sums["alignment_fitness"] = 1 - sums["cost"] / sums["bwc"]
    sums["alignment_fitness_cases"] = sums["aligned"] / sums["cases"]
    return sums[[*by, *FITNESS_COLUMNS]]


#: The fitness measures of :func:`conformance`, by token replay and by optimal alignments.
FITNESS_COLUMNS = (
    "token_fitness",
    "token_fitness_cases",
    "alignment_fitness",
    "alignment_fitness_cases",
)


def _align_variants(variants: pd.DataFrame, model: CycleModel) -> pd.DataFrame:
    """Optimal alignment per variant row (pm4py's costs): ``cost``, ``bwc`` (the worst cost it
    is measured against) and ``aligned`` (the trace's alignment fitness); each distinct
    sequence is aligned once (a variant comes back once per breakdown group it occurs in), by
    :func:`~cycleanalytics.metrics._alignment.alignment_costs` (the costs alone)."""
    net = model_net(model)
    distinct = list(dict.fromkeys(variants["stages"]))
    empty = best_worst_cost(net)
    found = {}
    for stages, cost in zip(distinct, alignment_costs(net, distinct), strict=True):
        aligned = Alignment(cost, empty + MOVE_COST * len(stages), moves=())
        found[stages] = (aligned.cost, aligned.bwc, aligned.fitness)
    return pd.DataFrame(
        [found[s] for s in variants["stages"]],
        columns=["cost", "bwc", "aligned"],
        index=variants.index,
    )


# -- moves of a sequence -------------------------------------------------------------------


@dataclass(frozen=True)
class Moves:
    """The moves of one stage sequence against a model (the module docstring's definitions):
    ``repeats`` (the same stage twice in a row), ``moves`` (between different stages), of
    which ``allowed``, ``skips`` (forward, not allowed) and ``backward`` (not allowed)."""

    repeats: int
    moves: int
    allowed: int
    skips: int
    backward: int


def sequence_moves(stages: Sequence[str], model: CycleModel) -> Moves:
    """Count the moves of ``stages`` (stage ids in order).

    >>> from cycleanalytics.model import default_model
    >>> sequence_moves(["pre_interaction", "service_delivery", "service_delivery",
    ...                 "initial_interaction"], default_model())
    Moves(repeats=1, moves=2, allowed=0, skips=1, backward=1)
    """
    rank = {s: i for i, s in enumerate(model.order)}
    repeats = moves = allowed = skips = backward = 0
    for a, b in itertools.pairwise(stages):
        if a == b:
            repeats += 1
            continue
        moves += 1
        if model.allows(a, b):
            allowed += 1
        elif rank[b] > rank[a]:
            skips += 1
        else:
            backward += 1
    return Moves(repeats, moves, allowed, skips, backward)


def deviation_flags(stages: Sequence[str], model: CycleModel) -> dict[str, bool]:
    """The case flags of :data:`CONFORMANCE_SHARES` for one stage sequence. A case without a
    mapped event (``stages`` empty) neither conforms nor deviates: every flag is False."""
    if not stages:
        return dict.fromkeys(CONFORMANCE_SHARES, False)
    moves = sequence_moves(stages, model)
    starts = stages[0] == model.order[0]
    return {
        "conforming": starts and moves.allowed == moves.moves,
        "skipped": moves.skips > 0,
        "backward": moves.backward > 0,
        "repeats": moves.repeats > 0,
        "late_start": not starts,
        "open_end": stages[-1] != model.funnel_stages[-1],
    }


CONFORMANCE_COLUMNS = (
    "events",
    "events_mapped",
    "coverage",
    "coverage_lo",
    "coverage_hi",
    "cases",
    *(
        f"{name}{suffix}"
        for name in CONFORMANCE_SHARES
        for suffix in ("_cases", "_share", "_share_lo", "_share_hi")
    ),
    "recovery_cases",
    "recovery_without_dissatisfaction",
    "recovery_without_dissatisfaction_share",
    "transitions",
    "transitions_allowed",
    "transition_fitness",
    *FITNESS_COLUMNS,
)


#: The process-mining metrics count whole cases, selected by their start and entry channel.
CASES = Scope(
    CASE_START,
    ENTRY_CHANNEL,
    "cases that started in the period, with all their events",
)


@register("conformance", unit="shares of cases and events; fitness 0..1", scopes=CASES)
def conformance(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Conformance to the cycle model: coverage, conforming cases, skips, backward moves,
    repeats, recovery without prior dissatisfaction, transition, token-replay and alignment
    fitness.

    Parameters
    ----------
    source
        A :class:`~cycleanalytics.Store` (complaints then count as dissatisfaction), or an
        Ibis table of canonical interactions.
    by
        Breakdown column(s): interactions columns (value at the case's first event), customer
        columns, or a time grain of the case's start.
    period, channel
        Keep cases whose first event lies in the period / came through the channel(s).
    model
        The cycle model to check against (default: the five-stage model).
    confidence
        Level of the Wilson intervals of the shares.

    Returns
    -------
    DataFrame
        One row per breakdown group with the columns in ``CONFORMANCE_COLUMNS`` (see the module
        docstring for the definitions). ``df.attrs`` names the model and the period.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.conformance(store)
    >>> bool(0 < df.loc[0, "coverage"] < 1), bool(0 < df.loc[0, "conforming_share"] < 1)
    (True, True)
    """
    model = resolve_model(model)
    by = as_list(by)
    period = Period.parse(period)
    raw = variant_cases_expr(source, by=by, period=period, channel=channel, model=model).execute()
    raw["stages"] = [_decode(v, model.order) for v in raw["variant"]]
    counts = _conformance_counts(raw, by, model)
    table = counts[by].copy() if by else pd.DataFrame(index=counts.index)
    events = counts["events"].to_numpy(dtype="int64")
    mapped = counts["events_mapped"].to_numpy(dtype="int64")
    cases = counts["cases"].to_numpy(dtype="int64")
    table["events"] = events
    table["events_mapped"] = mapped
    table["coverage"] = safe_ratio(mapped, events)
    table["coverage_lo"], table["coverage_hi"] = wilson_interval(
        mapped, events, confidence=confidence
    )
    table["cases"] = cases
    for name in CONFORMANCE_SHARES:
        x = counts[f"{name}_cases"].to_numpy(dtype="int64")
        table[f"{name}_cases"] = x
        table[f"{name}_share"] = safe_ratio(x, cases)
        lo, hi = wilson_interval(x, cases, confidence=confidence)
        table[f"{name}_share_lo"], table[f"{name}_share_hi"] = lo, hi
    rec = counts["recovery_cases"].to_numpy(dtype="int64")
    rwd = counts["recovery_without_dissatisfaction"].to_numpy(dtype="int64")
    table["recovery_cases"] = rec
    table["recovery_without_dissatisfaction"] = rwd
    table["recovery_without_dissatisfaction_share"] = safe_ratio(rwd, rec)
    moves = counts["transitions"].to_numpy(dtype="int64")
    allowed = counts["transitions_allowed"].to_numpy(dtype="int64")
    table["transitions"] = moves
    table["transitions_allowed"] = allowed
    table["transition_fitness"] = safe_ratio(allowed, moves)
    fitness = _fitness(raw, by, model)
    if by:
        table = table.merge(fitness, on=by, how="left")
    else:
        for column in FITNESS_COLUMNS:
            table[column] = fitness[column].to_numpy()[:1] if len(fitness) else np.nan
    table = table[[*by, *CONFORMANCE_COLUMNS]]
    table.attrs.update(
        rows_used=int(table["cases"].sum()),
        rows_excluded={},
        metric="conformance",
        period=period.label(),
        channel=", ".join(as_list(channel)) or "all",
        model=model.name,
    )
    return table


def _conformance_counts(raw: pd.DataFrame, by: list[str], model: CycleModel) -> pd.DataFrame:
    """Per group (sorted, missing values last), from cases per variant: the counts of
    :func:`conformance`, each variant's flags and moves counted once and weighted by its cases.
    One row of zeros without a breakdown and without cases."""
    distinct = list(dict.fromkeys(raw["stages"]))
    flags = {s: deviation_flags(s, model) for s in distinct}
    moves = {s: sequence_moves(s, model) for s in distinct}
    cases = raw["cases"].to_numpy(dtype="int64")
    per_row = raw[by].copy() if by else pd.DataFrame(index=raw.index)
    for column, name in (("events", "events"), ("events_mapped", "mapped")):
        per_row[column] = raw[name].fillna(0).to_numpy(dtype="int64")  # NULL: no stage column
    per_row["cases"] = cases
    for name in CONFORMANCE_SHARES:
        per_row[f"{name}_cases"] = cases * np.array([flags[s][name] for s in raw["stages"]], int)
    for column in ("recovery_cases", "recovery_without_dissatisfaction"):
        per_row[column] = raw[column].fillna(0).to_numpy(dtype="int64")
    per_row["transitions"] = cases * np.array([moves[s].moves for s in raw["stages"]], int)
    per_row["transitions_allowed"] = cases * np.array(
        [moves[s].allowed for s in raw["stages"]], int
    )
    if not by:
        return per_row.sum().to_frame().T.astype("int64")
    return per_row.groupby(by, dropna=False, sort=True).sum().reset_index()


def plot_conformance(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """Bars of the share of cases that conform, skip, move backward and repeat, with their
    intervals; one series per row (breakdown group or model).

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.metrics.plot_conformance(ca.metrics.conformance(store))
    >>> fig.data[0].type
    'bar'
    """
    require_columns(df, tuple(f"{n}_share" for n in CONFORMANCE_SHARES), "plot_conformance")
    fig = fig if fig is not None else go.Figure()
    by = breakdown_columns(df, "events") if "events" in df.columns else []
    df = top_groups(df, by, "cases")
    labels = [
        "conforming",
        "skipped a stage",
        "moved backward",
        "repeated a stage",
        "did not start at the first stage",
        "did not end at the last stage",
    ]
    for i, (_, row) in enumerate(df.iterrows()):
        name = " / ".join(str(row[c]) for c in by) if by else "all journeys"
        values = [row[f"{n}_share"] for n in CONFORMANCE_SHARES]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=values,
                name=name,
                marker_color=PALETTE[i % len(PALETTE)],
                customdata=[
                    [row[f"{n}_share_lo"], row[f"{n}_share_hi"]] for n in CONFORMANCE_SHARES
                ],
                hovertemplate="%{fullData.name}: %{y:.1%} of journeys %{x}<br>interval "
                "%{customdata[0]:.1%}–%{customdata[1]:.1%}<extra></extra>",
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [row[f"{n}_share_hi"] - row[f"{n}_share"] for n in CONFORMANCE_SHARES],
                    "arrayminus": [
                        row[f"{n}_share"] - row[f"{n}_share_lo"] for n in CONFORMANCE_SHARES
                    ],
                },
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%", title="share of journeys", range=[0, 1])
    return finish_layout(fig, title=title, df=df, legend_title_text=", ".join(by) if by else None)


# -- directly-follows ------------------------------------------------------------------------

DFG_COLUMNS = ("source", "target", "count", "share", "median_hours", "allowed")


def directly_follows_expr(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    collapse: bool = False,
    sorted_median: bool = False,
    codes: Vocabulary | None = None,
) -> ir.Table:
    """Counts and median microseconds per (breakdown group, stage code, next stage code); of
    activity codes with the vocabulary ``codes`` of :func:`level_codes` (activity level).

    The median is DuckDB's / Spark's exact quantile aggregate, which keeps every gap of a group
    in memory. With ``sorted_median`` it is read off a sort of the gaps instead (the middle one
    or two of each group): the same value, slower, but a sort spills to disk, so it completes
    on more pairs than fit in memory.
    """
    model = resolve_model(model)
    by = as_list(by)
    events, cases = case_table(source, by=by, period=period, channel=channel)
    if codes is not None:
        events, model = _level_view(events, codes)
    seq = stage_events(events, model, collapse=collapse).filter(lambda t: t.next_code.notnull())
    if by:
        seq = seq.join(cases.select("case_id", *by), "case_id")
    keys = [*by, "code", "next_code"]
    pairs = seq.select(*keys, gap=microseconds_between(seq.ts, seq.next_ts))
    if not sorted_median:
        return pairs.group_by(keys).aggregate(count=pairs.count(), median=pairs.gap.quantile(0.5))
    ranked = pairs.mutate(
        _rank=ibis.row_number().over(group_by=keys, order_by=pairs.gap),  # from 0
        _n=pairs.gap.count().over(group_by=keys),
    )
    middle = ranked.filter(
        (ranked._rank == (ranked._n - 1) // 2) | (ranked._rank == ranked._n // 2)
    )
    return middle.group_by(keys).aggregate(count=middle._n.max(), median=middle.gap.mean())


@register(
    "directly_follows",
    unit="transitions between consecutive events' stages (or activities), with median hours",
    scopes=CASES,
    options=(
        Option("collapse", bool, "Collapse repeats of a stage before counting.", False),
        Option(
            "level",
            LEVELS,
            "Sequences of stages (the model's) or of the raw activities of the events.",
            "stage",
        ),
    ),
)
def directly_follows(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    collapse: bool = False,
    level: str = "stage",
) -> pd.DataFrame:
    """The directly-follows matrix: how often one stage (or activity) is directly followed by
    another, the median time between them, and whether the model allows the move.

    Parameters
    ----------
    source, by, period, channel, model
        As for :func:`conformance`.
    collapse
        Collapse repeats first (then no stage follows itself).
    level
        ``"stage"`` (default): the model's stages; events without a stage are left out.
        ``"activity"``: the events' raw ``activity`` labels (events without one are left out),
        in the same event order; ``allowed`` is then missing (the model speaks of stages).

    Returns
    -------
    DataFrame
        One row per (breakdown group, source stage, target stage) observed, with the columns
        in ``DFG_COLUMNS``; ``share`` is of all pairs in the group. Without ``collapse`` the
        counts sum to the mapped events minus the cases that have any. The medians are exact;
        ``attrs["median_plan"]`` is ``"sort"`` when they did not fit in DuckDB's memory limit
        and were read off a sort (slower, spills to disk), else ``"aggregate"``.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     dfg = ca.metrics.directly_follows(store)
    >>> top = dfg.sort_values("count").iloc[-1]
    >>> top["source"], bool(top["allowed"])
    ('pre_interaction', True)
    """
    model = resolve_model(model)
    by = as_list(by)
    codes = level_codes(source, model, level)
    activity = isinstance(codes, Vocabulary)
    options = {"by": by, "period": period, "channel": channel, "model": model, "collapse": collapse}
    options["codes"] = codes if activity else None
    median_plan = "aggregate"
    try:
        raw = directly_follows_expr(source, **options).execute()
    except duckdb.OutOfMemoryException:
        # the medians' in-memory state outgrew DuckDB's memory_limit: sort instead (spills)
        median_plan = "sort"
        raw = directly_follows_expr(source, **options, sorted_median=True).execute()
    table = raw[by].copy() if by else pd.DataFrame(index=raw.index)
    table["source"] = [codes.order[int(c) - 1] for c in raw["code"]]
    table["target"] = [codes.order[int(c) - 1] for c in raw["next_code"]]
    table["count"] = raw["count"].to_numpy(dtype="int64")
    totals = raw.groupby(by, dropna=False)["count"].transform("sum") if by else raw["count"].sum()
    table["share"] = safe_ratio(raw["count"], totals)
    table["median_hours"] = pd.to_numeric(raw["median"]).to_numpy(dtype=float) / _MICROS_PER_HOUR
    if activity:
        table["allowed"] = pd.array([pd.NA] * len(table), dtype="boolean")
    else:
        table["allowed"] = pd.array(
            [model.allows(a, b) for a, b in zip(table["source"], table["target"], strict=True)],
            dtype=bool,
        )
    rank = {s: i for i, s in enumerate(codes.order)}
    table["_a"] = table["source"].map(rank)
    table["_b"] = table["target"].map(rank)
    table = table.sort_values([*by, "_a", "_b"]).drop(columns=["_a", "_b"]).reset_index(drop=True)
    table = table[[*by, *DFG_COLUMNS]]
    table.attrs.update(
        metric="directly_follows",
        model=model.name,
        level=level,
        collapse=collapse,
        median_plan=median_plan,
        rows_used=int(table["count"].sum()) if "count" in table else 0,
        rows_excluded={},
    )
    return table


def plot_directly_follows(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """A heatmap of the directly-follows counts (rows: from, columns: to); moves the model
    does not allow are marked with a cross in the hover text.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.metrics.plot_directly_follows(ca.metrics.directly_follows(store))
    >>> fig.data[0].type
    'heatmap'
    """
    require_columns(df, DFG_COLUMNS, "plot_directly_follows")
    fig = fig if fig is not None else go.Figure()
    pooled = df.groupby(["source", "target"], sort=False, as_index=False).agg(
        count=("count", "sum"), allowed=("allowed", "first"), median_hours=("median_hours", "first")
    )
    order = list(dict.fromkeys([*pooled["source"], *pooled["target"]]))
    grid = pooled.pivot(index="source", columns="target", values="count").reindex(
        index=order, columns=order
    )
    note = (
        pooled.assign(
            text=lambda d: [
                f"{c:,} ({_judged(a)}); median {m:.1f} h"
                for c, a, m in zip(d["count"], d["allowed"], d["median_hours"], strict=True)
            ]
        )
        .pivot(index="source", columns="target", values="text")
        .reindex(index=order, columns=order)
    )
    fig.add_trace(
        go.Heatmap(
            z=grid.to_numpy(dtype=float),
            x=order,
            y=order,
            text=note.astype(object).where(note.notna(), "").to_numpy(),
            hovertemplate="%{y} → %{x}<br>%{text}<extra></extra>",
            colorscale="Blues",
            colorbar={"title": "moves"},
        )
    )
    fig.update_xaxes(title="to")
    fig.update_yaxes(title="from", autorange="reversed")
    return finish_layout(fig, title=title, df=df)


def _judged(allowed: object) -> str:
    """A move as the model judges it (not judged at activity level)."""
    if pd.isna(allowed):
        return "activities: not judged by the model"
    return "allowed" if allowed else "✗ not in the model"


def plot_stage_flows(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """A Sankey diagram of the flows between stages, from a :func:`directly_follows` table
    (best with ``collapse=True``, so that repeats do not loop back).

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.metrics.plot_stage_flows(ca.metrics.directly_follows(store, collapse=True))
    >>> fig.data[0].type
    'sankey'
    """
    require_columns(df, DFG_COLUMNS, "plot_stage_flows")
    fig = fig if fig is not None else go.Figure()
    pooled = df.groupby(["source", "target", "allowed"], sort=False, as_index=False, dropna=False)[
        "count"
    ].sum()
    nodes = list(dict.fromkeys([*pooled["source"], *pooled["target"]]))
    index = {n: i for i, n in enumerate(nodes)}
    fig.add_trace(
        go.Sankey(
            node={"label": nodes, "color": PALETTE[0]},
            link={
                "source": [index[s] for s in pooled["source"]],
                "target": [index[t] for t in pooled["target"]],
                "value": pooled["count"].tolist(),
                "color": [
                    "rgba(120,120,120,0.35)"
                    if pd.isna(a)
                    else ("rgba(31,95,139,0.35)" if a else "rgba(184,71,90,0.55)")
                    for a in pooled["allowed"]
                ],
            },
        )
    )
    return finish_layout(fig, title=title, df=df)


# -- variants --------------------------------------------------------------------------------

VARIANT_COLUMNS = (
    "variant",
    "length",
    "cases",
    "share",
    "share_lo",
    "share_hi",
    "conforming",
    "fitness",
)


@register(
    "variants",
    unit="cases per stage sequence (variant); shares of cases",
    scopes=Scope(
        CASE_START,
        ENTRY_CHANNEL,
        "cases that started in the period with at least one event mapped to a stage (at "
        "activity level: with at least one event with an activity)",
    ),
    options=(
        Option("collapse", bool, "Collapse repeats of a stage before comparing journeys.", False),
        Option("top", int, "Show only the N most frequent variants per group."),
        Option(
            "other",
            bool,
            "With --top: gather the variants beyond the top N into one row per group, "
            "'other (K variants)', so the shares add up to 1.",
            False,
        ),
        Option(
            "level",
            LEVELS,
            "Sequences of stages (the model's) or of the raw activities of the events.",
            "stage",
        ),
    ),
)
def variants(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    collapse: bool = False,
    top: int | None = None,
    other: bool = False,
    level: str = "stage",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Variants: the distinct stage sequences of the journeys, with their cases and shares.

    Parameters
    ----------
    source, by, period, channel, model
        As for :func:`conformance`.
    collapse
        Collapse repeats of a stage before comparing sequences.
    top
        Keep only the N most frequent variants per group (shares stay of all cases).
    other
        With ``top``: add one row per group, ``"other (K variants)"``, with the cases of the
        variants beyond the top N (its ``length``, ``conforming`` and ``fitness`` missing), so
        that the cases add up to the group's. Without it they are left out and counted in
        ``attrs["rows_excluded"]``.
    level
        ``"stage"`` (default): sequences of the model's stages. ``"activity"``: sequences of
        the events' raw ``activity`` labels, in the same event order (``conforming`` and
        ``fitness`` are then missing: the model speaks of stages).
    confidence
        Level of the Wilson interval of the share.

    Returns
    -------
    DataFrame
        One row per (breakdown group, variant), most frequent first, with the columns in
        ``VARIANT_COLUMNS``: ``variant`` as ``"pre_interaction > initial_interaction > ..."``,
        ``conforming`` per the conformance definition and ``fitness`` its token-replay
        fitness. ``df.attrs["cases"]`` is the number of cases with a mapped event.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     v = ca.metrics.variants(store, collapse=True, top=3)
    >>> len(v)
    3
    """
    model = resolve_model(model)
    by = as_list(by)
    if top is not None and top < 1:
        raise MetricError(f"top must be at least 1, not {top}")
    if other and top is None:
        raise MetricError("other gathers the variants beyond the top N: give top as well")
    codes = level_codes(source, model, level)
    activity = isinstance(codes, Vocabulary)
    raw = variants_expr(
        source,
        by=by,
        period=period,
        channel=channel,
        model=model,
        collapse=collapse,
        codes=codes if activity else None,
    ).execute()
    raw["stages"] = [_decode(v, codes.order) for v in raw["variant"]]
    table = raw[by].copy() if by else pd.DataFrame(index=raw.index)
    table["variant"] = [" > ".join(s) for s in raw["stages"]]
    table["length"] = [len(s) for s in raw["stages"]]
    table["cases"] = raw["cases"].to_numpy(dtype="int64")
    totals = (
        raw.groupby(by, dropna=False)["cases"].transform("sum").to_numpy(dtype="int64")
        if by
        else np.full(len(raw), int(raw["cases"].sum()))
    )
    table["share"] = safe_ratio(table["cases"], totals)
    table["share_lo"], table["share_hi"] = wilson_interval(
        table["cases"], totals, confidence=confidence
    )
    if activity:
        table["conforming"] = pd.array([pd.NA] * len(table), dtype="boolean")
        table["fitness"] = np.full(len(table), np.nan)
    else:
        table["conforming"] = [deviation_flags(s, model)["conforming"] for s in raw["stages"]]
        table["fitness"] = _replay_variants(raw, model)["fitness"] if len(raw) else []
    table = table.sort_values(
        [*by, "cases", "variant"], ascending=[*([True] * len(by)), False, True]
    )
    shown = table
    if top is not None:
        shown = table.groupby(by, sort=False, dropna=False).head(top) if by else table.head(top)
    if other and len(shown) < len(table):
        shown = _with_other(table, shown, by, confidence)
    table = shown.reset_index(drop=True)[[*by, *VARIANT_COLUMNS]]
    cases = int(raw["cases"].sum())
    hidden = cases - int(table["cases"].sum())
    table.attrs.update(
        metric="variants",
        model=model.name,
        level=level,
        collapse=collapse,
        cases=cases,
        variants=len(raw),
        rows_used=cases,
        rows_excluded={"in variants beyond the top": hidden} if top is not None else {},
    )
    return table


def _with_other(
    table: pd.DataFrame, shown: pd.DataFrame, by: list[str], confidence: float
) -> pd.DataFrame:
    """``shown`` (the top rows of ``table``) with one row per group for the rest."""
    rest = table.drop(index=shown.index)
    if by:
        totals = table.groupby(by, dropna=False)["cases"].sum().rename("_total").reset_index()
        grouped = rest.groupby(by, dropna=False, sort=False)
        others = grouped.agg(cases=("cases", "sum"), _k=("cases", "size")).reset_index()
        others = others.merge(totals, on=by, how="left")
    else:
        others = pd.DataFrame(
            {
                "cases": [int(rest["cases"].sum())],
                "_k": [len(rest)],
                "_total": [int(table["cases"].sum())],
            }
        )
    others["variant"] = [f"other ({k:,} variants)" for k in others["_k"]]
    others["share"] = safe_ratio(others["cases"], others["_total"])
    others["share_lo"], others["share_hi"] = wilson_interval(
        others["cases"], others["_total"], confidence=confidence
    )
    others["fitness"] = np.nan
    out = pd.concat([shown, others.drop(columns=["_k", "_total"])], ignore_index=True)
    out["length"] = out["length"].astype("Int64")
    out["conforming"] = out["conforming"].astype("boolean")
    out["cases"] = out["cases"].astype("int64")
    if by:  # each group's rest right after its top variants
        position = {key: i for i, key in enumerate(dict.fromkeys(map(tuple, shown[by].to_numpy())))}
        out["_g"] = [position.get(tuple(row), len(position)) for row in out[by].to_numpy()]
        out = out.sort_values("_g", kind="stable").drop(columns="_g")
    return out


def plot_variants(
    df: pd.DataFrame,
    *,
    fig: go.Figure | None = None,
    title: str | None = None,
    top: int = 10,
) -> go.Figure:
    """Horizontal bars of the ``top`` most frequent variants (share of cases), the rest
    gathered into one "other (K variants)" bar (per group, with a breakdown); conforming ones
    in the first colour, the others in the second, the gathered rest in grey. The height stays
    bounded whatever the number of variants in the table.

    A table that already gathers its rest (``variants(top=N, other=True)``) is drawn as it is.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.metrics.plot_variants(ca.metrics.variants(store), top=5)
    >>> sum(len(t.y) for t in fig.data), fig.data[-1].y[-1].startswith("other (")
    (6, True)
    """
    from cycleanalytics.plots import group_labels

    require_columns(df, VARIANT_COLUMNS, "plot_variants")
    if top < 1:
        raise MetricError(f"top must be at least 1, not {top}")
    fig = fig if fig is not None else go.Figure()
    by = breakdown_columns(df, "variant")
    df = _top_variants(df, by, top)
    labels = (group_labels(df, by) + ": " + df["variant"].astype(str)) if by else df["variant"]
    df = df.assign(_label=labels.to_numpy())
    judged = df["conforming"].astype("boolean")
    other = df["length"].isna().to_numpy(dtype=bool)  # the rows that gather the rest
    series = [
        (judged.fillna(False).to_numpy(dtype=bool), "follows the model", PALETTE[0]),
        ((~judged).fillna(False).to_numpy(dtype=bool), "deviates", PALETTE[3]),
        (other, "other paths", PALETTE[5]),
        (judged.isna().to_numpy(dtype=bool) & ~other, "not judged by the model", PALETTE[1]),
    ]
    for mask, name, colour in series:
        part = df[mask]
        if part.empty and name in ("other paths", "not judged by the model"):
            continue
        fig.add_trace(
            go.Bar(
                x=part["share"],
                y=part["_label"],
                orientation="h",
                name=name,
                marker_color=colour,
                customdata=part[["cases", "share_lo", "share_hi"]],
                hovertemplate="%{y}<br>%{customdata[0]:,} journeys, %{x:.1%}"
                " (95% interval %{customdata[1]:.1%} to %{customdata[2]:.1%})<extra></extra>",
            )
        )
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=list(df["_label"]))
    fig.update_xaxes(tickformat=".0%", title="share of journeys")
    height = min(MAX_VARIANT_BARS, len(df)) * 28 + 60
    return finish_layout(fig, title=title, df=df, height=max(300, height))


#: Bars the paths chart grows for; with more (a breakdown into many groups) the bars get thinner
#: and the figure stays at most 60 + 28 x this many pixels tall.
MAX_VARIANT_BARS = 33


def _top_variants(df: pd.DataFrame, by: list[str], top: int) -> pd.DataFrame:
    """The ``top`` variants of each group and one "other (K variants)" row for the rest,
    through :func:`_with_other` (the metric's own gathering, with its interval), unless the
    table already has its "other" rows."""
    if df["length"].isna().any():  # variants(top=N, other=True) gathered it already
        return df
    table = df.sort_values(
        [*by, "cases", "variant"], ascending=[*([True] * len(by)), False, True], kind="stable"
    ).reset_index(drop=True)
    shown = table.groupby(by, sort=False, dropna=False).head(top) if by else table.head(top)
    if len(shown) == len(table):
        return df
    confidence = float((df.attrs.get("filters") or {}).get("confidence") or 0.95)
    out = _with_other(table, shown, by, confidence)
    out.attrs = dict(df.attrs)
    return out


# -- per-case deviations ------------------------------------------------------------------------


def case_deviations(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    only_deviating: bool = True,
) -> pd.DataFrame:
    """Per case: what deviates from the model (skips, backward moves, repeats, a recovery with
    no prior dissatisfaction, a late start, an open end) and its token-replay fitness.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     dev = ca.metrics.case_deviations(store)
    >>> bool((~dev["conforming"] | dev["repeats"] | dev["recovery_without_dissatisfaction"]).all())
    True
    """
    model = resolve_model(model)
    by = as_list(by)
    events, cases = case_table(source, by=by, period=period, channel=channel)
    per_case = cases.select("case_id", "customer_id", *by)
    per_case = per_case.join(case_codes(events, model), "case_id")
    rec = _dissatisfied_before(source, events, model)
    t = per_case.left_join(rec, "case_id").drop("case_id_right")
    t = t.mutate(recovery_without_dissatisfaction=t.dissatisfied.notnull() & ~t.dissatisfied)
    df = t.drop("dissatisfied").order_by("case_id").execute()
    df["stages"] = [_decode(v, model.order) for v in df["variant"]]
    distinct = list(dict.fromkeys(df["stages"]))
    flags = {s: deviation_flags(s, model) for s in distinct}
    moves = {s: sequence_moves(s, model) if s else None for s in distinct}
    for name in CONFORMANCE_SHARES:
        df[name] = np.array([flags[s][name] for s in df["stages"]], dtype=bool)
    counted = (("n_skips", "skips"), ("n_backward", "backward"), ("n_repeats", "repeats"))
    for column, field in counted:
        # missing for a case without a mapped event: it has no moves to count
        df[column] = pd.Series(
            [None if moves[s] is None else getattr(moves[s], field) for s in df["stages"]],
            index=df.index,
            dtype=object,
        ).infer_objects()
    if only_deviating:
        df = df[~df["conforming"] | df["repeats"] | df["recovery_without_dissatisfaction"]]
    df["fitness"] = _replay_variants(df, model)["fitness"] if len(df) else []
    df["sequence"] = [" > ".join(s) for s in df["stages"]]
    keep = [
        "case_id",
        "customer_id",
        *by,
        "sequence",
        "events",
        "mapped",
        "conforming",
        "late_start",
        "open_end",
        "n_skips",
        "n_backward",
        "n_repeats",
        "skipped",
        "backward",
        "repeats",
        "recovery_without_dissatisfaction",
        "fitness",
    ]
    out = df[list(dict.fromkeys(keep))].reset_index(drop=True)
    for col in ("conforming", "skipped", "backward", "repeats", "late_start", "open_end"):
        out[col] = out[col].fillna(False).astype(bool)
    out.attrs.update(metric="case_deviations", model=model.name)
    return out


# -- declarative rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A declarative rule checked per case, in the spirit of bupaR's processcheckR.

    Build with :func:`starts_with`, :func:`ends_with`, :func:`response`, :func:`precedence`
    or :func:`recovery_after_dissatisfaction`."""

    kind: str
    a: str | None = None
    b: str | None = None

    @property
    def name(self) -> str:
        args = ", ".join(x for x in (self.a, self.b) if x)
        return f"{self.kind}({args})"

    @property
    def description(self) -> str:
        return {
            "starts_with": f"the journey starts with {self.a}",
            "ends_with": f"the journey ends with {self.a}",
            "response": f"every {self.a} is eventually followed by {self.b}",
            "precedence": f"every {self.b} is preceded by some {self.a}",
            "recovery_after_dissatisfaction": "recovery only after dissatisfaction",
        }[self.kind]


def starts_with(stage: str) -> Rule:
    """The case's first mapped event is of ``stage``."""
    return Rule("starts_with", stage)


def ends_with(stage: str) -> Rule:
    """The case's last mapped event is of ``stage``."""
    return Rule("ends_with", stage)


def response(a: str, b: str) -> Rule:
    """Every event of ``a`` is followed, later in the case, by an event of ``b``."""
    return Rule("response", a, b)


def precedence(a: str, b: str) -> Rule:
    """Every event of ``b`` has an event of ``a`` before it in the case."""
    return Rule("precedence", a, b)


def recovery_after_dissatisfaction() -> Rule:
    """A case with a recovery event had a low score before it, or a complaint."""
    return Rule("recovery_after_dissatisfaction")


def default_rules(model: CycleModel) -> tuple[Rule, ...]:
    """The rules a model implies: starts with its first stage, ends with an end stage's
    required one, each required stage preceded by the one before, recovery only after
    dissatisfaction."""
    stages = model.funnel_stages
    rules = [starts_with(model.order[0]), ends_with(stages[-1])]
    rules += [precedence(a, b) for a, b in itertools.pairwise(stages)]
    rules += [response(stages[0], stages[1])] if len(stages) > 1 else []
    if any(s.conditional for s in model.stages):
        rules.append(recovery_after_dissatisfaction())
    return tuple(rules)


def _rule_checks(
    source: Store | ir.Table,
    events: ir.Table,
    model: CycleModel,
    rules: Sequence[Rule],
    codes: Vocabulary | None = None,
) -> ir.Table:
    """One row per case with a boolean column per rule (``r0``, ``r1``, ...); the rules name
    activities of ``codes`` (activity level) instead of stages when it is given."""
    if codes is None:
        seq = stage_events(events, model)
        for rule in rules:
            for stage in (rule.a, rule.b):
                if stage is not None:
                    model.stage(stage)  # raises ModelError naming the valid stages
    else:
        seq = stage_events(*_level_view(events, codes))
        _check_activity_rules(rules, codes)
    order = model.order if codes is None else codes.order
    code = {s: i for i, s in enumerate(order, start=1)}
    n = seq.group_by("case_id").aggregate(_n=seq.count())
    seq = seq.join(n, "case_id")
    aggs: dict[str, ir.Value] = {}
    base = seq.group_by("case_id")
    firsts: dict[str, ir.Value] = {}
    for i, rule in enumerate(rules):
        if rule.kind == "starts_with":
            aggs[f"r{i}"] = ((seq.pos == 0) & (seq.code == code[rule.a])).any()
        elif rule.kind == "ends_with":
            aggs[f"r{i}"] = ((seq.pos == seq._n - 1) & (seq.code == code[rule.a])).any()
        elif rule.kind == "response":
            firsts[f"last_a{i}"] = seq.pos.max(where=seq.code == code[rule.a])
            firsts[f"last_b{i}"] = seq.pos.max(where=seq.code == code[rule.b])
        elif rule.kind == "precedence":
            firsts[f"first_a{i}"] = seq.pos.min(where=seq.code == code[rule.a])
            firsts[f"first_b{i}"] = seq.pos.min(where=seq.code == code[rule.b])
    table = (
        base.aggregate(**aggs, **firsts) if (aggs or firsts) else seq.select("case_id").distinct()
    )
    checks = {}
    for i, rule in enumerate(rules):
        if rule.kind == "response":
            la, lb = table[f"last_a{i}"], table[f"last_b{i}"]
            checks[f"r{i}"] = la.isnull() | (lb.notnull() & (lb > la))
        elif rule.kind == "precedence":
            fa, fb = table[f"first_a{i}"], table[f"first_b{i}"]
            checks[f"r{i}"] = fb.isnull() | (fa.notnull() & (fa < fb))
    if checks:
        table = table.mutate(**checks)
    if any(r.kind == "recovery_after_dissatisfaction" for r in rules):
        rec = _dissatisfied_before(source, events, model)
        table = table.left_join(rec, "case_id").drop("case_id_right")
        for i, rule in enumerate(rules):
            if rule.kind == "recovery_after_dissatisfaction":
                table = table.mutate(**{f"r{i}": table.dissatisfied.fill_null(True)})
    return table.select("case_id", *(f"r{i}" for i in range(len(rules))))


def _check_activity_rules(rules: Sequence[Rule], codes: Vocabulary) -> None:
    known = set(codes.order)
    for rule in rules:
        if rule.kind == "recovery_after_dissatisfaction":
            raise MetricError(
                "recovery_after_dissatisfaction is a rule on the model's stages; check it at "
                "level='stage'"
            )
        for name in (rule.a, rule.b):
            if name is not None and name not in known:
                shown = ", ".join(repr(a) for a in codes.order[:20])
                more = f" (and {len(codes.order) - 20} more)" if len(codes.order) > 20 else ""
                raise MetricError(
                    f"rule {rule.name} names activity {name!r}, which no event has; the "
                    f"activities are: {shown}{more}"
                )


RULE_COLUMNS = ("rule", "description", "cases", "passing", "share", "share_lo", "share_hi")


@register(
    "conformance_rules",
    unit="share of cases passing each rule",
    scopes=CASES,
    options=(
        Option(
            "level",
            LEVELS,
            "Rules on the model's stages, or on the raw activities of the events (then give "
            "the rules in Python).",
            "stage",
        ),
    ),
)
def conformance_rules(
    source: Store | ir.Table,
    *,
    rules: Sequence[Rule] | None = None,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    confidence: float = 0.95,
    level: str = "stage",
) -> pd.DataFrame:
    """Declarative rules (starts with, ends with, response, precedence, recovery only after
    dissatisfaction) checked per case, with the share of cases passing each.

    Parameters
    ----------
    rules
        The rules to check (default: :func:`default_rules` of the model).
    source, by, period, channel, model
        As for :func:`conformance`; only cases with a mapped event are checked.
    confidence
        Level of the Wilson interval of the share.
    level
        ``"stage"`` (default): the rules name stages of the model. ``"activity"``: they name
        the events' raw activities (e.g. ``starts_with("Insert ticket")``) and are checked on
        the activity sequences (events without an activity left out, the same event order);
        there are no default rules and ``recovery_after_dissatisfaction`` is refused.

    Returns
    -------
    DataFrame
        One row per (breakdown group, rule) with the columns in ``RULE_COLUMNS``.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> from cycleanalytics.metrics.conformance import precedence
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.conformance_rules(
    ...         store, rules=[precedence("initial_interaction", "service_delivery")]
    ...     )
    >>> df["rule"].tolist()
    ['precedence(initial_interaction, service_delivery)']
    """
    model = resolve_model(model)
    by = as_list(by)
    codes = level_codes(source, model, level)
    activity = isinstance(codes, Vocabulary)
    if activity and rules is None:
        raise MetricError(
            "at level='activity' there are no default rules (the model's are on stages); pass "
            "rules naming activities, e.g. rules=[starts_with('Insert ticket')]"
        )
    rules = tuple(rules) if rules is not None else default_rules(model)
    if not rules:
        raise MetricError("no rules given; pass at least one, e.g. starts_with('pre_interaction')")
    events, cases = case_table(source, by=by, period=period, channel=channel)
    checks = _rule_checks(source, events, model, rules, codes if activity else None)
    checks = checks.join(cases.select("case_id", *by), "case_id")
    aggs = {"cases": checks.count()}
    aggs.update({f"r{i}": checks[f"r{i}"].sum() for i in range(len(rules))})
    expr = checks.group_by(by).aggregate(**aggs).order_by(by) if by else checks.aggregate(**aggs)
    counts = expr.execute()
    counts = counts.fillna({c: 0 for c in aggs})
    rows = []
    for i, rule in enumerate(rules):
        part = counts[by].copy() if by else pd.DataFrame(index=counts.index)
        n = counts["cases"].to_numpy(dtype="int64")
        x = counts[f"r{i}"].to_numpy(dtype="int64")
        part["rule"] = rule.name
        part["description"] = rule.description
        part["cases"] = n
        part["passing"] = x
        part["share"] = safe_ratio(x, n)
        part["share_lo"], part["share_hi"] = wilson_interval(x, n, confidence=confidence)
        part["_order"] = np.arange(len(part))
        rows.append(part)
    table = pd.concat(rows, ignore_index=True).sort_values("_order", kind="stable")
    table = table.drop(columns="_order").reset_index(drop=True)[[*by, *RULE_COLUMNS]]
    table.attrs.update(
        metric="conformance_rules",
        model=model.name,
        level=level,
        rows_used=int(counts["cases"].sum()),
        rows_excluded={},
    )
    return table


def plot_conformance_rules(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """Horizontal bars: the share of journeys passing each rule, with its interval.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.metrics.plot_conformance_rules(ca.metrics.conformance_rules(store))
    >>> fig.data[0].type
    'bar'
    """
    require_columns(df, RULE_COLUMNS, "plot_conformance_rules")
    fig = fig if fig is not None else go.Figure()
    fig.add_trace(
        go.Bar(
            x=df["share"],
            y=df["description"],
            orientation="h",
            marker_color=PALETTE[0],
            customdata=np.column_stack([df["passing"], df["cases"]]),
            hovertemplate="%{y}: %{x:.1%} of journeys pass (%{customdata[0]:,} of "
            "%{customdata[1]:,})<extra></extra>",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": df["share_hi"] - df["share"],
                "arrayminus": df["share"] - df["share_lo"],
            },
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickformat=".0%", range=[0, 1], title="share of journeys passing")
    return finish_layout(fig, title=title, df=df)


# -- comparing models ---------------------------------------------------------------------------


@register(
    "model_comparison",
    unit="conformance measures per model",
    scopes=CASES,
    options=(
        Option("models", str, "A model TOML file to compare (repeat the option).", multiple=True),
    ),
)
def model_comparison(
    source: Store | ir.Table,
    *,
    models: Sequence[CycleModel | str | Path] | None = None,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Two or more cycle models side by side on the same journeys: one conformance row per
    model (and breakdown group), with a leading ``model`` column.

    ``model`` (the shared option) is included first when given; with neither, the default
    model is compared with itself only. Models need distinct names.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> from cycleanalytics.model import CycleModel, default_model
    >>> loose = CycleModel.from_dict({**default_model().to_dict(), "name": "loose",
    ...     "transitions": {"pre_interaction": ["initial_interaction", "service_delivery"],
    ...                     "initial_interaction": ["service_delivery"],
    ...                     "service_delivery": ["follow_up", "service_recovery"],
    ...                     "follow_up": ["service_recovery"],
    ...                     "service_recovery": ["follow_up"]}})
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.model_comparison(store, models=[default_model(), loose])
    >>> bool(df.loc[1, "transition_fitness"] >= df.loc[0, "transition_fitness"])
    True
    """
    chosen = [*([model] if model is not None else []), *(models or [])]
    resolved = [resolve_model(m) for m in chosen] or [resolve_model(None)]
    names = [m.name for m in resolved]
    if len(set(names)) != len(names):
        raise MetricError(
            f"the models to compare need distinct names, got {names}; set 'name' in each TOML"
        )
    parts = []
    for m in resolved:
        df = conformance(
            source, by=by, period=period, channel=channel, model=m, confidence=confidence
        )
        df.insert(0, "model", m.name)
        parts.append(df)
    table = pd.concat(parts, ignore_index=True)
    table.attrs.update(
        metric="model_comparison",
        models=names,
        rows_used=int(parts[0]["cases"].sum()),
        rows_excluded={},
    )
    return table


def plot_model_comparison(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """The conformance bars with one series per model.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.metrics.plot_model_comparison(ca.metrics.model_comparison(store))
    >>> fig.data[0].name
    'five-stage service cycle'
    """
    return plot_conformance(df, fig=fig, title=title)


_READABLE = (
    ("coverage", "events with a stage", "{:.1%}"),
    ("conforming_share", "journeys following the model", "{:.1%}"),
    ("skipped_share", "journeys skipping a stage", "{:.1%}"),
    ("backward_share", "journeys moving backward", "{:.1%}"),
    ("repeats_share", "journeys repeating a stage", "{:.1%}"),
    ("late_start_share", "journeys not starting at the model's first stage", "{:.1%}"),
    ("open_end_share", "journeys not ending at the model's last stage", "{:.1%}"),
    (
        "recovery_without_dissatisfaction_share",
        "recoveries without prior dissatisfaction",
        "{:.1%}",
    ),
    ("transition_fitness", "transition fitness", "{:.3f}"),
    ("token_fitness", "token-replay fitness (log)", "{:.3f}"),
    ("token_fitness_cases", "token-replay fitness (mean per journey)", "{:.3f}"),
)


def readable_conformance(df: pd.DataFrame) -> pd.DataFrame:
    """The conformance table as a person reads it in a terminal: one line per measure."""
    keys = breakdown_columns(df, "events")
    rows = []
    for _, row in df.iterrows():
        for column, label, fmt in _READABLE:
            value = row[column]
            shown = "–" if pd.isna(value) else fmt.format(value)
            if column.endswith("_share") and f"{column}_lo" in df.columns and not pd.isna(value):
                shown += f" ({row[f'{column}_lo']:.1%}–{row[f'{column}_hi']:.1%})"
            rows.append({**{k: row[k] for k in keys}, "measure": label, "value": shown})
    return pd.DataFrame(rows)


def readable_model_comparison(df: pd.DataFrame) -> pd.DataFrame:
    """The model comparison as a person reads it: one line per measure, one column per model."""
    long = readable_conformance(df)
    keys = [c for c in long.columns if c not in ("model", "measure", "value")]
    wide = long.pivot_table(
        index=[*keys, "measure"], columns="model", values="value", aggfunc="first", sort=False
    )
    return wide.reset_index().rename_axis(columns=None)
