"""Satisfaction (DESIGN §3): CSAT, NPS and CES with their intervals and response rates, and
their period-over-period change with a significance test.

Definitions (contracts). Every interaction row that carries a score is a response.
**CSAT** is the share of CSAT responses in the top box (4-5 on 1-5) with a Wilson interval.
**NPS** is % promoters (9-10) minus % detractors (0-6), -100 to 100, with the Wald interval of
the multinomial variance. **CES** is the mean effort score (1-7, 7 = very easy) with a Student-t
interval. The **response rate** (interactions with any score / interactions) stands beside every
score, because non-response biases CSAT. Two scopes, chosen by ``basis``:

- ``"event"`` (the default): the answers given in the period; ``period`` and time-grain
  breakdowns use the time of the interaction, ``channel`` its own channel;
- ``"case"``: the answers within journeys that started in the period, whenever given;
  ``period`` and time grains use the case's start, ``channel`` its entry channel.

Other interaction columns (``stage``, ``agent_id``) group by their own value; ``segment`` and
``region`` come from the customers table. Thresholds are
:data:`~cycleanalytics.metrics.definitions.THRESHOLDS`.

The engine counts (one Ibis expression: responses, top-box answers, promoters, detractors, sums
of CES and of its squares per group); the intervals are arithmetic on those counts.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycleanalytics.errors import MetricError
from cycleanalytics.metrics._common import TIME_GRAINS, Period, as_list, attach_breakdown
from cycleanalytics.metrics._outcomes import check_by, need, tables, with_interval
from cycleanalytics.metrics._registry import Option, register
from cycleanalytics.metrics._sequences import event_order
from cycleanalytics.metrics.definitions import (
    CASE_START,
    ENTRY_CHANNEL,
    EVENT_CHANNEL,
    EVENT_TIME,
    THRESHOLDS,
    Scope,
)
from cycleanalytics.model import resolve_model
from cycleanalytics.plots import (
    PALETTE,
    breakdown_columns,
    finish_layout,
    group_labels,
    require_columns,
    top_groups,
)
from cycleanalytics.stats import (
    mean_interval,
    nps_difference_z,
    nps_interval,
    two_proportion_z,
    wilson_interval,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import ibis.expr.types as ir

    from cycleanalytics.model import CycleModel
    from cycleanalytics.store import Store

SATISFACTION_COLUMNS = (
    "interactions",
    "responses",
    "response_rate",
    "response_rate_lo",
    "response_rate_hi",
    "csat_n",
    "csat_top",
    "csat",
    "csat_lo",
    "csat_hi",
    "nps_n",
    "promoters",
    "passives",
    "detractors",
    "nps",
    "nps_lo",
    "nps_hi",
    "ces_n",
    "ces",
    "ces_lo",
    "ces_hi",
    "low_n",
)
SCORES = ("csat", "nps", "ces")
BASES = ("event", "case")
SCOPES = {
    "event": Scope(
        EVENT_TIME,
        EVENT_CHANNEL,
        "interactions in the period; scores from those that carry one (responses)",
        counts="answers",
    ),
    "case": Scope(
        CASE_START,
        ENTRY_CHANNEL,
        "interactions of cases that started in the period, whenever answered; scores from "
        "those that carry one (responses)",
        counts="answers",
    ),
}


def satisfaction_expr(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    top_box: int = THRESHOLDS.csat_top_box,
    basis: str = "event",
) -> ir.Table:
    """:func:`satisfaction`'s table without the intervals, one row per group (an Ibis
    expression): the counts, and the shares and scores computed from them in the engine
    (``response_rate``, ``csat``, ``nps``, ``ces``; NULL where nothing was answered), the same
    numbers the function returns, so ``ibis.to_sql`` shows what a number is."""
    by = as_list(by)
    period = Period.parse(period)
    src = tables(source)
    events = need(src.interactions, "interactions", "satisfaction")
    check_by(by, events, src.customers, "satisfaction")
    if not 1 <= top_box <= 5:
        raise MetricError(f"top_box must be a CSAT value between 1 and 5, not {top_box}")
    if basis not in BASES:
        raise MetricError(f"basis must be one of {', '.join(BASES)}, not {basis!r}")
    channels = as_list(channel)
    time = "ts"
    if basis == "case":
        events = _with_case_start(events)
        time = "case_start"
        if channels:
            events = events.filter(events.entry_channel.isin(channels))
    elif channels:
        events = events.filter(events.channel.isin(channels))
    if not period.is_open:
        events = events.filter(period.contains(events[time]))
    events = attach_breakdown(events, by, src.customers, time)
    ces = events.ces.cast("int64")
    answered = events.csat.notnull() | events.nps.notnull() | events.ces.notnull()
    counts = {
        "interactions": events.count(),
        "responses": answered.sum().cast("int64"),
        "csat_n": events.csat.count(),
        "csat_top": (events.csat >= top_box).sum().cast("int64"),
        "nps_n": events.nps.count(),
        "promoters": (events.nps >= THRESHOLDS.nps_promoter).sum().cast("int64"),
        "detractors": (events.nps <= THRESHOLDS.nps_detractor).sum().cast("int64"),
        "ces_n": events.ces.count(),
        "ces_sum": ces.sum(),
        "ces_sumsq": (ces * ces).sum(),
    }
    table = events.group_by(by).aggregate(**counts) if by else events.aggregate(**counts)
    table = table.mutate(**_scores(table))
    return table.order_by(by) if by else table


def _scores(t: ir.Table) -> dict[str, ir.FloatingValue]:
    """Shares and scores from the counts, with the arithmetic :func:`stats.nps_interval` and
    :func:`stats.safe_ratio` use (so the engine's numbers equal theirs to the last bit)."""

    def ratio(x: ir.NumericValue, n: ir.NumericValue) -> ir.FloatingValue:
        return x.cast("float64") / n.nullif(0).cast("float64")

    return {
        "response_rate": ratio(t.responses, t.interactions),
        "csat": ratio(t.csat_top, t.csat_n),
        "nps": 100 * (ratio(t.promoters, t.nps_n) - ratio(t.detractors, t.nps_n)),
        "ces": ratio(t.ces_sum, t.ces_n),
    }


def _with_case_start(events: ir.Table) -> ir.Table:
    """``events`` with their case's start and entry channel (its first event's, ties broken
    by the interaction id)."""
    first = ibis.window(group_by="case_id", order_by=event_order(events))
    return events.mutate(
        case_start=events.ts.min().over(group_by="case_id"),
        entry_channel=events.channel.first().over(first),
    )


BASIS_OPTION = Option(
    "basis",
    BASES,
    "event: answers given in the period (their own channel); case: answers within journeys "
    "that started in the period (their entry channel).",
    "event",
)


@register(
    "satisfaction",
    unit="share of responses (CSAT), points -100..100 (NPS), mean 1-7 (CES)",
    scopes=SCOPES,
    options=(
        BASIS_OPTION,
        Option("top_box", int, "Lowest CSAT value counted as satisfied (1-5).", 4),
        Option("min_n", int, "Flag groups with fewer CSAT responses than this (low_n).", 30),
    ),
)
def satisfaction(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    basis: str = "event",
    top_box: int = THRESHOLDS.csat_top_box,
    min_n: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """CSAT, NPS and CES with intervals, and the response rate beside them.

    Parameters
    ----------
    source
        A :class:`~cycleanalytics.Store`, or an Ibis table of canonical interactions.
    by
        Column(s) to break down by: ``stage``, ``channel``, ``agent_id`` or any interactions
        column, ``segment``/``region`` (customers), or a time grain of the interaction
        (``day``, ``week``, ``month``, ``quarter``, ``year``: the trend).
    period
        Keep the interactions of this period (``basis="event"``) or of the cases that started
        in it (``basis="case"``): ``"2026-06"``, ``"2026-06-01..2026-06-30"``, ``last_month``.
    channel
        Keep interactions on this channel, or cases that entered through it (``"case"``).
    model
        Accepted for the shared metric signature; scores do not depend on the cycle model.
    basis
        ``"event"`` (answers given in the period) or ``"case"`` (answers within journeys that
        started in the period); see the module's docstring.
    top_box
        Lowest CSAT value counted as satisfied (default 4: 4-5 on 1-5).
    min_n
        Groups with fewer CSAT responses are flagged in ``low_n``: read them with care.
    confidence
        Level of every interval.

    Returns
    -------
    DataFrame
        One row per group: the ``by`` columns, then ``SATISFACTION_COLUMNS``. ``nps`` is in
        points (-100 to 100). ``df.attrs`` holds ``interactions``, ``responses``, ``period``,
        ``channel``, ``top_box`` and ``min_n``.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.satisfaction(store, by="channel")
    >>> bool(((df["csat_lo"] <= df["csat"]) & (df["csat"] <= df["csat_hi"])).all())
    True
    """
    resolve_model(model)
    by = as_list(by)
    period = Period.parse(period)
    counts = satisfaction_expr(
        source, by=by, period=period, channel=channel, top_box=top_box, basis=basis
    ).execute()
    table = _finish(counts, by, min_n, confidence)
    interactions = int(table["interactions"].sum())
    responses = int(table["responses"].sum())
    table.attrs.update(
        metric="satisfaction",
        interactions=interactions,
        responses=responses,
        period=period.label(),
        channel=", ".join(as_list(channel)) or "all",
        top_box=top_box,
        min_n=min_n,
        confidence=confidence,
        rows_used=responses,
        rows_excluded={"no score": interactions - responses},
        as_of=None,
        missing={
            score: f"no {score.upper()} answers in scope (none recorded, or no {score} column "
            "mapped)"
            for score in SCORES
            if int(table[f"{score}_n"].sum()) == 0
        },
    )
    return table


def _finish(counts: pd.DataFrame, by: list[str], min_n: int, confidence: float) -> pd.DataFrame:
    """The intervals beside the engine's counts and scores (:func:`satisfaction_expr`)."""
    if counts.empty and not by:
        counts = pd.DataFrame({c: [0] for c in counts.columns})
        counts[["response_rate", "csat", "nps", "ces"]] = np.nan
    out = counts[by].copy() if by else pd.DataFrame(index=counts.index)
    n = counts["interactions"].to_numpy(dtype="int64")
    responses = counts["responses"].fillna(0).to_numpy(dtype="int64")
    out["interactions"] = n
    out["responses"] = responses
    out["response_rate"] = counts["response_rate"].to_numpy(dtype=float)
    out["response_rate_lo"], out["response_rate_hi"] = wilson_interval(
        responses, n, confidence=confidence
    )
    csat_n = counts["csat_n"].to_numpy(dtype="int64")
    top = counts["csat_top"].fillna(0).to_numpy(dtype="int64")
    out["csat_n"] = csat_n
    out["csat_top"] = top
    out["csat"] = counts["csat"].to_numpy(dtype=float)
    out["csat_lo"], out["csat_hi"] = wilson_interval(top, csat_n, confidence=confidence)
    nps_n = counts["nps_n"].to_numpy(dtype="int64")
    pro = counts["promoters"].fillna(0).to_numpy(dtype="int64")
    det = counts["detractors"].fillna(0).to_numpy(dtype="int64")
    out["nps_n"] = nps_n
    out["promoters"] = pro
    out["passives"] = nps_n - pro - det
    out["detractors"] = det
    _, out["nps_lo"], out["nps_hi"] = nps_interval(
        pro, nps_n - pro - det, det, confidence=confidence
    )
    out["nps"] = counts["nps"].to_numpy(dtype=float)
    ces_n = counts["ces_n"].to_numpy(dtype="float")
    total = counts["ces_sum"].fillna(0).to_numpy(dtype="float")
    squares = counts["ces_sumsq"].fillna(0).to_numpy(dtype="float")
    mean = counts["ces"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(ces_n > 1, (squares - total * total / ces_n) / (ces_n - 1), np.nan)
    out["ces_n"] = ces_n.astype("int64")
    out["ces"] = mean
    out["ces_lo"], out["ces_hi"] = mean_interval(
        mean, np.sqrt(np.maximum(var, 0)), ces_n, confidence=confidence
    )
    out["low_n"] = csat_n < min_n
    return out.reset_index(drop=True)[[*by, *SATISFACTION_COLUMNS]]


@register(
    "satisfaction_change",
    unit="change from the previous period: share points (CSAT), NPS points",
    scopes=SCOPES,
    options=(
        BASIS_OPTION,
        Option("score", SCORES[:2], "The score to compare between periods.", "csat"),
        Option("grain", tuple(TIME_GRAINS), "Length of a period.", "month"),
        Option("min_n", int, "Never flag a change when a period has fewer responses.", 30),
        Option("alpha", float, "Significance level of the flag.", 0.05),
    ),
)
def satisfaction_change(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    basis: str = "event",
    score: str = "csat",
    grain: str = "month",
    min_n: int = 30,
    alpha: float = 0.05,
    top_box: int = THRESHOLDS.csat_top_box,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Period-over-period change of CSAT or NPS, with its test and a flag that never fires on
    small samples.

    Each period (``grain``) is compared with the one before it, within each ``by`` group:
    CSAT with the two-proportion z test (the same p-value as the 2x2 chi-square) and
    Newcombe's interval of the difference; NPS with a z test on the difference of the two
    NPS values (multinomial variances). ``flagged`` is true only when both periods have at
    least ``min_n`` responses and ``p_value < alpha``.

    Returns
    -------
    DataFrame
        One row per (group, period) from the second period on: ``by`` columns, ``period``,
        ``previous``, ``n``, ``previous_n``, ``value``, ``previous_value``, ``change``,
        ``change_lo``, ``change_hi``, ``statistic``, ``p_value``, ``test``, ``enough_n``,
        ``flagged``. CSAT changes are in share points (0.05 = 5 points), NPS in NPS points.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.satisfaction_change(store, score="csat")
    >>> len(df), bool(df["flagged"].dtype == bool)
    (5, True)
    """
    if score not in SCORES[:2]:
        raise MetricError(f"score must be 'csat' or 'nps', not {score!r}")
    if grain not in TIME_GRAINS:
        raise MetricError(f"grain must be one of {', '.join(TIME_GRAINS)}, not {grain!r}")
    by = [c for c in as_list(by) if c != grain]
    table = satisfaction(
        source,
        by=[*by, grain],
        period=period,
        channel=channel,
        model=model,
        basis=basis,
        top_box=top_box,
        min_n=min_n,
        confidence=confidence,
    )
    rows = []
    groups = table.groupby(by, sort=False, dropna=False) if by else [((), table)]
    for key, part in groups:
        part = part.sort_values(grain)
        records = part.to_dict("records")
        for before, now in itertools.pairwise(records):
            if score == "csat":
                n0, n1 = int(before["csat_n"]), int(now["csat_n"])
                top0, top1 = int(before["csat_top"]), int(now["csat_top"])
                result = two_proportion_z(top0, n0, top1, n1, confidence=confidence)
            else:
                n0, n1 = int(before["nps_n"]), int(now["nps_n"])
                result = nps_difference_z(
                    (before["promoters"], before["passives"], before["detractors"]),
                    (now["promoters"], now["passives"], now["detractors"]),
                    confidence=confidence,
                )
            enough = min(n0, n1) >= min_n
            keys = key if isinstance(key, tuple) else (key,)
            rows.append(
                {
                    **dict(zip(by, keys, strict=True)),
                    "period": now[grain],
                    "previous": before[grain],
                    "n": n1,
                    "previous_n": n0,
                    "value": now[score],
                    "previous_value": before[score],
                    "change": result.effect,
                    "change_lo": result.effect_lo,
                    "change_hi": result.effect_hi,
                    "statistic": result.statistic,
                    "p_value": result.p_value,
                    "test": result.test,
                    "enough_n": enough,
                    "flagged": bool(enough and result.significant(alpha)),
                }
            )
    columns = [*by, "period", "previous", "n", "previous_n", "value", "previous_value"]
    columns += ["change", "change_lo", "change_hi", "statistic", "p_value", "test"]
    columns += ["enough_n", "flagged"]
    out = pd.DataFrame(rows, columns=columns)
    out["enough_n"] = out["enough_n"].astype(bool)
    out["flagged"] = out["flagged"].astype(bool)
    out.attrs.update({**table.attrs, "metric": "satisfaction_change", "score": score})
    out.attrs.update(grain=grain, alpha=alpha)
    answers = int(table[f"{score}_n"].sum())
    out.attrs.update(
        rows_used=answers,
        rows_excluded={f"no {score.upper()} score": int(table["interactions"].sum()) - answers},
    )
    return out


def plot_satisfaction(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """CSAT with its 95% interval: a line over time when a time grain is the breakdown (the
    trend), bars per group otherwise.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.metrics.plot_satisfaction(ca.metrics.satisfaction(store, by="month"))
    >>> fig.data[0].type
    'scatter'
    """
    require_columns(df, ("csat", "csat_lo", "csat_hi", "csat_n"), "plot_satisfaction")
    fig = fig if fig is not None else go.Figure()
    by = breakdown_columns(df, "interactions")
    df = top_groups(df, by, "interactions")
    grains = [c for c in by if c in TIME_GRAINS]
    hover = "CSAT %{y:.1%}<br>%{customdata:,} responses<extra>%{fullData.name}</extra>"
    if grains:
        x = grains[0]
        rest = [c for c in by if c != x]
        parts = df.groupby(rest, sort=False, dropna=False) if rest else [("all", df)]
        for i, (key, part) in enumerate(parts):
            part = part.sort_values(x)
            fig.add_trace(
                go.Scatter(
                    x=part[x],
                    y=part["csat"],
                    mode="lines+markers",
                    name=" / ".join(map(str, key)) if isinstance(key, tuple) else str(key),
                    line_color=PALETTE[i % len(PALETTE)],
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": part["csat_hi"] - part["csat"],
                        "arrayminus": part["csat"] - part["csat_lo"],
                    },
                    customdata=part["csat_n"],
                    hovertemplate=hover,
                )
            )
    else:
        labels = group_labels(df, by)
        fig.add_trace(
            go.Bar(
                x=labels,
                y=df["csat"],
                name="CSAT",
                marker_color=PALETTE[0],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": df["csat_hi"] - df["csat"],
                    "arrayminus": df["csat"] - df["csat_lo"],
                },
                customdata=df["csat_n"],
                hovertemplate=hover,
            )
        )
    fig.update_yaxes(tickformat=".0%", title="CSAT (top-box share, 95% interval)")
    return finish_layout(fig, title=title, df=df, height=380)


def plot_satisfaction_change(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """The change from the previous period with its interval, in points as the report's table
    gives it (CSAT: percentage points, 0.05 drawn as +5.0; NPS: NPS points); one labelled
    tick per period ("Feb 2026"); flagged changes in a second colour (with a breakdown: one
    bar series per group, flagged bars solid, the others pale).

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.metrics.plot_satisfaction_change(ca.metrics.satisfaction_change(store))
    >>> list(fig.data[0].x)[:2], fig.layout.xaxis.type
    (['Feb 2026', 'Mar 2026'], 'category')
    """
    from cycleanalytics.plots import period_axis, period_label

    require_columns(df, ("period", "change", "change_lo", "change_hi", "flagged"), "plot")
    fig = fig if fig is not None else go.Figure()
    score = str(df.attrs.get("score") or (df.attrs.get("filters") or {}).get("score") or "csat")
    grain = str(df.attrs.get("grain") or "month")
    points = 100.0 if score == "csat" else 1.0  # a CSAT change of 0.05 is 5 points
    by = breakdown_columns(df, "period")
    df = df.sort_values("period", kind="stable")
    labels = [period_label(p, None if isinstance(p, pd.Period) else grain) for p in df["period"]]
    df = df.assign(_label=labels)
    hover = (
        f"%{{x}}: {score.upper()} changed by %{{y:+.1f}} points from the previous period<br>"
        "interval %{customdata[0]:+.1f} to %{customdata[1]:+.1f} points<extra></extra>"
    )
    parts = df.groupby(by, sort=False, dropna=False) if by else [((), df)]
    for i, (key, part) in enumerate(parts):
        change = points * part["change"].to_numpy(dtype=float)
        lo = points * part["change_lo"].to_numpy(dtype=float)
        hi = points * part["change_hi"].to_numpy(dtype=float)
        flagged = part["flagged"].to_numpy(dtype=bool)
        if by:
            name = " / ".join(map(str, key)) if isinstance(key, tuple) else str(key)
            colour: object = PALETTE[i % len(PALETTE)]
            opacity: object = [1.0 if f else 0.45 for f in flagged]
        else:
            name = "change from the previous period"
            colour = [PALETTE[1] if f else PALETTE[5] for f in flagged]
            opacity = 1.0
        fig.add_trace(
            go.Bar(
                x=part["_label"],
                y=change,
                customdata=np.column_stack([lo, hi]),
                hovertemplate=hover,
                marker={"color": colour, "opacity": opacity},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": hi - change,
                    "arrayminus": change - lo,
                },
                name=name,
            )
        )
    period_axis(fig, labels)
    fig.update_yaxes(title="change from the previous period (points)", zeroline=True)
    if by:
        fig.update_layout(barmode="group")
    return finish_layout(fig, title=title, df=df, height=360)


def readable_satisfaction(df: pd.DataFrame) -> pd.DataFrame:
    """Scores with intervals and response rates, as a person reads them in a terminal."""
    by = breakdown_columns(df, "interactions")
    shown = df[by].copy()
    shown["responses"] = df["responses"]
    shown["response rate"] = [
        with_interval(*v)
        for v in zip(
            df["response_rate"], df["response_rate_lo"], df["response_rate_hi"], strict=True
        )
    ]
    shown["CSAT"] = [
        with_interval(*v) for v in zip(df["csat"], df["csat_lo"], df["csat_hi"], strict=True)
    ]
    shown["NPS"] = [
        with_interval(*v, fmt="{:+.0f}")
        for v in zip(df["nps"], df["nps_lo"], df["nps_hi"], strict=True)
    ]
    shown["CES"] = [
        with_interval(*v, fmt="{:.2f}")
        for v in zip(df["ces"], df["ces_lo"], df["ces_hi"], strict=True)
    ]
    shown["few"] = df["low_n"].map({True: "yes", False: ""})
    return shown
