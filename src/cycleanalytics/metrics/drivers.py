"""Key drivers (DESIGN §6): which stage or aspect of the cycle moves overall satisfaction,
recommendation or retention.

Definitions (contracts). The unit is the case (a journey) or, for a wide survey table, the
respondent. **Drivers** are ratings: on a store, the mean CSAT of each stage's events of the
case (``level="stage"``) or of each activity's (``level="activity"``); on a survey table,
the aspect columns (``level="aspect"``), or per stage the mean of the stage's rated aspects
(``level="stage"``). The **outcome** is, on a store, the case's last NPS answer
(``outcome="nps"``, 0-10), its last CSAT in the ``outcome_stage`` (``outcome="csat"``,
default the follow-up survey; that stage's events then rate no driver) or retention
(``outcome="retention"``: 1 when the customer's next case starts within ``horizon``, 90 days,
of the case's last event; not judged, so no outcome, until the horizon has passed at the
as-of time); on a survey table, an outcome column (overall score, a 0/1 satisfied or
recommend flag). A driver missing for more than ``max_missing`` of the cases with an outcome
is left out (named in
``attrs["drivers_excluded"]``); then cases missing any remaining driver are left out (listwise
deletion; counted per reason in ``attrs["rows_excluded"]``).

On the complete cases: the R² of the least-squares regression of the outcome on the drivers
(a linear probability model for a 0/1 outcome); Johnson's (2000) **relative weights** and the
**Shapley decomposition of R²** (exact over all subsets, up to 15 drivers), both summing to
R², with percentile-bootstrap intervals (``resamples`` draws of the cases, ``seed`` fixed);
the **importance share** (weight / R²); the **penalty** and **reward** of each driver (the
outcome's shift when the rating is in the bottom box, ``<= low``, or the top box, ``>= high``,
rather than in between, from one regression on all the dummies) and its class
(``dissatisfier``, ``delighter``, ``hybrid``, ``weak``: see
:func:`cycleanalytics.importance.classify`);
**performance** (mean rating and top-box share) and the importance-performance **quadrant**
(split at the drivers' mean share and mean rating). Analyses with fewer than ``min_n``
complete cases, or fewer than two drivers, give no weights (NaN) and say why in
``attrs["reason"]``.

On a store the engine builds the per-case table (one Ibis expression, integer sums and counts
of the ratings); numpy does the statistics on it. ``period`` and time grains use the case's
first event (case start); ``channel`` and a ``channel`` breakdown its entry channel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycleanalytics.errors import MetricError
from cycleanalytics.metrics._common import (
    Period,
    as_list,
    attach_breakdown,
    microseconds_between,
    parse_duration,
)
from cycleanalytics.metrics._outcomes import (
    check_by,
    need,
    resolve_as_of,
    tables,
    ts_literal,
    with_interval,
)
from cycleanalytics.metrics._registry import Option, register
from cycleanalytics.metrics._sequences import event_order
from cycleanalytics.metrics.definitions import CASE_START, ENTRY_CHANNEL, NOT_FILTERED, Scope
from cycleanalytics.model import resolve_model
from cycleanalytics.plots import PALETTE, finish_layout, require_columns

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime, timedelta
    from pathlib import Path

    import ibis.expr.types as ir

    from cycleanalytics.model import CycleModel
    from cycleanalytics.store import Store

OUTCOMES = ("nps", "csat", "retention")
LEVELS = ("stage", "activity", "aspect")
DRIVER_COLUMNS = (
    "driver",
    "label",
    "stage",
    "n",
    "mean",
    "top_box",
    "importance",
    "importance_lo",
    "importance_hi",
    "importance_share",
    "importance_share_lo",
    "importance_share_hi",
    "shapley",
    "shapley_lo",
    "shapley_hi",
    "penalty",
    "penalty_se",
    "reward",
    "reward_se",
    "effect",
    "quadrant",
    "rank",
    "r2",
    "r2_lo",
    "r2_hi",
)
QUADRANTS = ("fix_first", "keep_up", "low_priority", "possible_overkill")
CSAT_SCALE = (1.0, 5.0)


# -- the per-case table on the engine ---------------------------------------------------------


def driver_table_expr(
    source: Store | ir.Table,
    *,
    outcome: str = "nps",
    level: str = "stage",
    drivers: Sequence[str] | None = None,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    outcome_stage: str = "follow_up",
    horizon: str | timedelta = "90d",
    as_of: str | datetime | None = None,
) -> tuple[ir.Table, list[str]]:
    """The per-case table behind :func:`key_drivers` on a store (an Ibis expression) and the
    driver names: one row per case with an outcome, with ``case_id``, the ``by`` columns,
    ``outcome`` and, per driver ``i``, ``sum_i`` and ``n_i`` (the sum and count of its CSAT
    answers in the case), ordered by ``case_id``. With ``outcome="retention"`` every case has
    a row; ``outcome`` is NULL while its ``horizon`` has not passed at ``as_of``."""
    if outcome not in OUTCOMES:
        raise MetricError(
            f"on a store the outcome is one of {', '.join(OUTCOMES)}, not {outcome!r}; for "
            "a survey table pass the DataFrame (see read_survey)"
        )
    if level not in ("stage", "activity"):
        raise MetricError(f"on a store level is 'stage' or 'activity', not {level!r}")
    by = as_list(by)
    period = Period.parse(period)
    model = resolve_model(model)
    src = tables(source)
    e = need(src.interactions, "interactions", "key_drivers")
    check_by(by, e.select("channel"), src.customers, "key_drivers")
    key = e.stage if level == "stage" else e.activity
    rated = e.filter(e.csat.notnull() & key.notnull())
    if outcome == "csat":
        rated = rated.filter((rated.stage != outcome_stage).fill_null(True))
    if drivers is None or not list(drivers):
        if level == "stage":
            drivers = [s.id for s in model.stages]
        else:
            found = rated.select(d=rated.activity).distinct().order_by("d").execute()
            drivers = [str(v) for v in found["d"]]
        if outcome == "csat":
            drivers = [d for d in drivers if d != outcome_stage]
    drivers = list(dict.fromkeys(drivers))
    if not drivers:
        raise MetricError("key_drivers found no drivers: no CSAT answers outside the outcome")
    rated_key = rated.stage if level == "stage" else rated.activity
    csat = rated.csat.cast("int64")
    sums = {}
    for i, d in enumerate(drivers):
        sums[f"sum_{i}"] = csat.sum(where=rated_key == d)
        sums[f"n_{i}"] = rated.csat.count(where=rated_key == d)
    ratings = rated.group_by(d_case=rated.case_id).aggregate(**sums)
    entry = e.mutate(_r=ibis.row_number().over(group_by=e.case_id, order_by=event_order(e)))
    entry = entry.filter(entry._r == 0).select("case_id", "customer_id", "channel", start="ts")
    if outcome == "retention":
        last = _retention(e, src, horizon, as_of)
    else:
        if outcome == "nps":
            scored = e.filter(e.nps.notnull())
            value = scored.nps
        else:
            scored = e.filter(e.csat.notnull() & (e.stage == outcome_stage))
            value = scored.csat
        last = scored.mutate(
            _v=value.cast("int64"),
            _r=ibis.row_number().over(
                group_by=scored.case_id,
                order_by=event_order(scored, descending=True),
            ),
        )
        last = last.filter(last._r == 0).select(o_case="case_id", outcome="_v")
    cases = entry.join(last, entry.case_id == last.o_case).drop("o_case")
    if not period.is_open:
        cases = cases.filter(period.contains(cases.start))
    channels = as_list(channel)
    if channels:
        cases = cases.filter(cases.channel.isin(channels))
    cases = attach_breakdown(cases, by, src.customers, "start")
    cases = cases.left_join(ratings, cases.case_id == ratings.d_case).drop("d_case")
    columns = ["case_id", *by, "outcome"]
    columns += [c for i in range(len(drivers)) for c in (f"sum_{i}", f"n_{i}")]
    return cases.select(*columns).order_by("case_id"), drivers


def _retention(
    e: ir.Table, src: Any, horizon: str | timedelta, as_of: str | datetime | None
) -> ir.Table:
    """Per case: 1 when the customer's next case starts within ``horizon`` of this case's last
    event, 0 when not, NULL while the horizon has not passed at the as-of time (as
    :func:`~cycleanalytics.metrics.recovery`'s retention)."""
    span = parse_duration(horizon)
    if span is None or span.total_seconds() <= 0:
        raise MetricError(f"the retention horizon must be positive, e.g. 90d, not {horizon!r}")
    horizon_us = int(span.total_seconds() * 1_000_000)
    cutoff = ts_literal(resolve_as_of(src, as_of))
    per = e.group_by(r_case=e.case_id).aggregate(
        r_customer=e.customer_id.min(), r_start=e.ts.min(), r_end=e.ts.max()
    )
    other = per.select(n_case="r_case", n_customer="r_customer", n_start="r_start")
    pairs = per.join(other, per.r_customer == other.n_customer)
    pairs = pairs.filter((pairs.n_start > pairs.r_end) & (pairs.n_case != pairs.r_case))
    nxt = pairs.group_by(x_case=pairs.r_case).aggregate(next_start=pairs.n_start.min())
    j = per.left_join(nxt, per.r_case == nxt.x_case)
    judged = microseconds_between(j.r_end, cutoff) >= horizon_us
    within = ibis.ifelse(
        j.next_start.isnull(),
        ibis.literal(0, type="int64"),
        ibis.ifelse(
            microseconds_between(j.r_end, j.next_start) <= horizon_us,
            ibis.literal(1, type="int64"),
            ibis.literal(0, type="int64"),
        ),
    )
    return j.select(o_case=j.r_case, outcome=ibis.ifelse(judged, within, ibis.null("int64")))


def _store_frame(
    source: Any, *, by: list[str], **options: Any
) -> tuple[pd.DataFrame, list[str], str]:
    expr, drivers = driver_table_expr(source, by=by, **options)
    raw = expr.execute()
    frame = raw[["case_id", *by]].copy()
    frame["outcome"] = raw["outcome"].astype("float64")
    for i, d in enumerate(drivers):
        n = raw[f"n_{i}"].fillna(0).to_numpy(dtype="float64")
        total = raw[f"sum_{i}"].fillna(0).to_numpy(dtype="float64")
        with np.errstate(divide="ignore", invalid="ignore"):
            frame[d] = np.where(n > 0, total / n, np.nan)
    return frame, drivers, "outcome"


# -- the metric -------------------------------------------------------------------------------


@register(
    "key_drivers",
    unit="shares of R² (relative weights and Shapley values), with R²",
    scopes={
        "cases": Scope(
            CASE_START,
            ENTRY_CHANNEL,
            "cases that started in the period with an outcome and every kept driver rated",
        ),
        "survey": Scope(
            NOT_FILTERED,
            NOT_FILTERED,
            "respondents of the survey table with an outcome and every kept driver rated",
            counts="respondents",
        ),
    },
    options=(
        Option(
            "outcome",
            OUTCOMES,
            "The outcome: the case's last NPS, its last CSAT in --outcome-stage, or "
            "retention (another case within --horizon).",
            "nps",
        ),
        Option(
            "outcome_stage",
            str,
            "Stage whose CSAT is the outcome with --outcome csat.",
            "follow_up",
        ),
        Option(
            "level", ("stage", "activity"), "Drivers: mean CSAT per stage or per activity.", "stage"
        ),
        Option(
            "drivers",
            str,
            "Only these stages (or activities) as drivers; repeatable.",
            multiple=True,
        ),
        Option("horizon", str, "Retention window with --outcome retention, e.g. 90d.", "90d"),
        Option("as_of", str, "The data's as-of time (default: its latest timestamp)."),
        Option("resamples", int, "Bootstrap resamples for the intervals.", 200),
        Option("seed", int, "Seed of the bootstrap draws.", 0),
        Option("min_n", int, "Fewest complete cases an analysis needs.", 30),
        Option(
            "max_missing",
            float,
            "Leave out drivers unrated in a larger share of the cases with an outcome.",
            0.5,
        ),
    ),
)
def key_drivers(
    source: Store | ir.Table | pd.DataFrame,
    *,
    outcome: str | None = None,
    drivers: Sequence[str] | None = None,
    level: str | None = None,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    outcome_stage: str = "follow_up",
    horizon: str | timedelta = "90d",
    as_of: str | datetime | None = None,
    stages: dict[str, str | None] | None = None,
    labels: dict[str, str] | None = None,
    resamples: int = 200,
    shapley_resamples: int | None = None,
    seed: int = 0,
    min_n: int = 30,
    max_missing: float = 0.5,
    low: float = 2,
    high: float = 5,
    scale: tuple[float, float] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Which stages or aspects drive the outcome: relative weights and Shapley values of R²
    with bootstrap intervals, penalty/reward effects and importance-performance quadrants.

    Parameters
    ----------
    source
        A :class:`~cycleanalytics.Store` (or Ibis table of interactions): drivers are CSAT per
        stage (or activity) of each case. Or a pandas DataFrame with one row per respondent,
        e.g. from :func:`cycleanalytics.surveys.read_survey`.
    outcome
        Store: ``"nps"`` (the case's last NPS, default), ``"csat"`` (its last CSAT in
        ``outcome_stage``) or ``"retention"`` (1 when the customer's next case starts within
        ``horizon`` of this one's last event; cases whose horizon has not passed at ``as_of``
        have no outcome yet). DataFrame: the outcome column (default ``df.attrs["outcome"]``).
    drivers
        The drivers to use (stage ids, activities, or columns); default all.
    level
        Store: ``"stage"`` (default) or ``"activity"``. DataFrame: ``"aspect"`` (default,
        every column a driver) or ``"stage"`` (per row, the mean of each stage's aspects).
    by
        Breakdown: store ``channel`` (entry), ``segment``/``region`` or a time grain of the
        case start; DataFrame any column. Each group gets its own analysis.
    period, channel
        Store only: cases that started in the period / entered through the channel(s).
    stages, labels
        DataFrame only: the stage and display name of each driver (default from ``df.attrs``:
        ``driver_stages``, ``driver_labels``, as :func:`read_survey` sets them).
    resamples, shapley_resamples, seed
        Bootstrap resamples (0: no intervals), of which the first ``shapley_resamples``
        (default all) also recompute the Shapley values; the seed of the draws.
    min_n
        Fewest complete cases an analysis needs (and at least two more than drivers).
    max_missing
        Drivers missing for a larger share of the rows with an outcome are left out.
    low, high
        Bottom-box (``<= low``) and top-box (``>= high``) ratings for penalty/reward and the
        top-box share (default 2 and 5 on a 1-5 scale).
    scale
        Lowest and highest rating (default ``df.attrs["scale"]``, or 1-5 for CSAT).

    Returns
    -------
    DataFrame
        One row per (group, driver): the ``by`` columns, then ``DRIVER_COLUMNS``. ``rank`` 1 is
        the largest relative weight. ``attrs`` holds ``definition`` (time and channel basis,
        population, filters, rows used and excluded by reason, confidence), ``outcome``,
        ``drivers_excluded``, ``coverage`` (per candidate driver, the share of the rows with an
        outcome that rate it), ``scale``, ``reason`` (why there are no weights, or ``None``),
        and ``top_drivers`` (the three largest, first group).

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame(rng.integers(1, 6, size=(300, 3)), columns=["booking", "staff", "food"])
    >>> df["overall"] = df["staff"] * 2 + df["booking"] + rng.normal(0, 1, 300)
    >>> out = ca.metrics.key_drivers(df, outcome="overall", resamples=50)
    >>> out.sort_values("rank")["driver"].tolist()
    ['staff', 'booking', 'food']
    >>> bool(abs(out["importance"].sum() - out["r2"].iloc[0]) < 1e-9)
    True
    """
    by = as_list(by)
    if isinstance(source, pd.DataFrame):
        if period is not None or as_list(channel):
            raise MetricError(
                "period and channel filter a store's cases; filter the DataFrame itself"
            )
        frame, driver_names, outcome_name, stages, labels, scale = _survey_frame(
            source, outcome, drivers, level or "aspect", by, stages, labels, scale
        )
        level = level or "aspect"
        scope = "survey"
    else:
        level = level or "stage"
        if level == "aspect":
            raise MetricError("level='aspect' is for survey tables (a DataFrame)")
        frame, driver_names, outcome_name = _store_frame(
            source,
            by=by,
            outcome=outcome or "nps",
            level=level,
            drivers=drivers,
            period=period,
            channel=channel,
            model=model,
            outcome_stage=outcome_stage,
            horizon=horizon,
            as_of=as_of,
        )
        stages = {d: d for d in driver_names} if level == "stage" else {}
        labels = labels or {}
        scale = scale or CSAT_SCALE
        scope = "cases"
    with_outcome = frame[frame[outcome_name].notna()]
    excluded_drivers = {}
    coverage = {d: float("nan") for d in driver_names}
    if len(with_outcome):
        share = with_outcome[driver_names].isna().mean()
        coverage = {d: float(1 - share[d]) for d in driver_names}
        for d in driver_names:
            if share[d] > max_missing:
                excluded_drivers[d] = (
                    f"missing for {share[d]:.0%} of the rows with an outcome "
                    f"(more than max_missing {max_missing:.0%})"
                )
    kept = [d for d in driver_names if d not in excluded_drivers]
    complete = with_outcome.dropna(subset=kept) if kept else with_outcome.iloc[0:0]
    rows_excluded = {}
    if len(frame) > len(with_outcome):
        rows_excluded["no outcome"] = len(frame) - len(with_outcome)
    missing_any = with_outcome[kept].isna() if kept else pd.DataFrame()
    for d in kept:
        first = missing_any[d] & ~missing_any[kept[: kept.index(d)]].any(axis=1)
        if first.any():
            rows_excluded[f"no rating for {d}"] = int(first.sum())
    options = {
        "resamples": resamples,
        "shapley_resamples": shapley_resamples,
        "seed": seed,
        "min_n": min_n,
        "low": low,
        "high": high,
        "confidence": confidence,
    }
    rows: list[dict[str, Any]] = []
    reasons: list[str] = []
    groups = complete.groupby(by, sort=True, dropna=False) if by else [((), complete)]
    if by and complete.empty:
        groups = []
    for key, part in groups:
        keys = key if isinstance(key, tuple) else (key,)
        group = dict(zip(by, keys, strict=True))
        part_rows, reason = _analyse(part, kept, outcome_name, stages, labels, **options)
        if reason:
            reasons.append(f"{_group_name(group)}{reason}")
        rows += [{**group, **row} for row in part_rows]
    if not by and not kept:
        reasons.append(_reason_no_drivers(excluded_drivers))
    out = pd.DataFrame(rows, columns=[*by, *DRIVER_COLUMNS])
    for column in ("n", "rank"):
        out[column] = out[column].astype("Int64")
    first = out[out["rank"].notna()]
    if by and not first.empty:
        first = first[(first[by] == first[by].iloc[0]).all(axis=1)]
    top = first.sort_values("rank")["driver"].head(3).tolist()
    out.attrs.update(
        metric="key_drivers",
        outcome=outcome_name if isinstance(source, pd.DataFrame) else (outcome or "nps"),
        level=level,
        drivers=kept,
        drivers_excluded=excluded_drivers,
        coverage=coverage,
        scale=tuple(float(v) for v in scale),
        reason="; ".join(reasons) or None,
        period=Period.parse(period).label() if period is not None else "all data",
        top_drivers=top,
        resamples=resamples,
        shapley_resamples=resamples if shapley_resamples is None else shapley_resamples,
        seed=seed,
        scope=scope,
        rows_used=len(complete),
        rows_excluded=rows_excluded,
        missing={"key_drivers": "; ".join(reasons)} if reasons else {},
    )
    return out


def _group_name(group: dict[str, Any]) -> str:
    return f"{', '.join(f'{k}={v}' for k, v in group.items())}: " if group else ""


def _reason_no_drivers(excluded: dict[str, str]) -> str:
    if excluded:
        return "no driver is rated often enough: " + "; ".join(
            f"{d} {why}" for d, why in excluded.items()
        )
    return "no drivers"


def _survey_frame(
    df: pd.DataFrame,
    outcome: str | None,
    drivers: Sequence[str] | None,
    level: str,
    by: list[str],
    stages: dict[str, str | None] | None,
    labels: dict[str, str] | None,
    scale: tuple[float, float] | None,
) -> tuple[pd.DataFrame, list[str], str, dict[str, Any], dict[str, str], tuple[float, float]]:
    if level not in ("aspect", "stage"):
        raise MetricError(f"on a survey table level is 'aspect' or 'stage', not {level!r}")
    attrs = dict(df.attrs)
    df = df.copy(deep=False)
    df.attrs = {}  # pandas copies attrs into every intermediate result: keep them out
    outcome = outcome or attrs.get("outcome")
    if outcome is None:
        raise MetricError("name the outcome column: key_drivers(df, outcome='overall', ...)")
    stages = dict(stages if stages is not None else attrs.get("driver_stages", {}))
    labels = dict(labels if labels is not None else attrs.get("driver_labels", {}))
    scale = tuple(scale if scale is not None else attrs.get("scale", CSAT_SCALE))
    if drivers is None or not list(drivers):
        drivers = [d for d in stages if d in df.columns] or [
            c
            for c in df.columns
            if c != outcome
            and c not in by
            and c not in attrs.get("outcomes", {})
            and pd.api.types.is_numeric_dtype(df[c])
        ]
    drivers = list(dict.fromkeys(drivers))
    missing = [c for c in [outcome, *drivers, *by] if c not in df.columns]
    if missing:
        raise MetricError(
            f"the table has no column(s) {missing}; columns are: {', '.join(map(str, df.columns))}"
        )
    frame = df[by].copy()
    frame[outcome] = pd.to_numeric(df[outcome], errors="coerce").astype("float64")
    if level == "aspect":
        for d in drivers:
            frame[d] = pd.to_numeric(df[d], errors="coerce").astype("float64")
        return frame, drivers, outcome, stages, labels, scale  # type: ignore[return-value]
    unplaced = [d for d in drivers if not stages.get(d)]
    if unplaced:
        raise MetricError(
            f"level='stage' needs the stage of every driver; {unplaced} have none (pass stages=)"
        )
    order = list(dict.fromkeys(stages[d] for d in drivers))
    for stage in order:
        members = [d for d in drivers if stages[d] == stage]
        frame[stage] = df[members].apply(pd.to_numeric, errors="coerce").mean(axis=1)
    return frame, order, outcome, {s: s for s in order}, {}, scale  # type: ignore[return-value]


def _analyse(
    part: pd.DataFrame,
    drivers: list[str],
    outcome: str,
    stages: dict[str, Any],
    labels: dict[str, str],
    *,
    resamples: int,
    shapley_resamples: int | None,
    seed: int,
    min_n: int,
    low: float,
    high: float,
    confidence: float,
) -> tuple[list[dict[str, Any]], str | None]:
    """The rows of one group's analysis, and why it has no weights (or None)."""
    from cycleanalytics.importance import MAX_SHAPLEY_DRIVERS, driver_importance, penalty_reward

    x = part[drivers].to_numpy(dtype="float64")
    y = part[outcome].to_numpy(dtype="float64")
    n, p = x.shape
    need_n = max(min_n, p + 2)
    reason = None
    if p < 2:
        reason = (
            f"needs ratings of at least two drivers on the same cases; only {p} "
            f"({', '.join(drivers) or 'none'}) is rated often enough"
        )
    elif n < need_n:
        reason = f"{n:,} complete cases; at least {need_n:,} are needed for {p} drivers"
    elif np.nanstd(y) == 0:
        reason = "the outcome does not vary"
    nan = np.full(p, np.nan)
    with np.errstate(invalid="ignore"):
        means = x.mean(axis=0) if n else nan
        tops = (x >= high).mean(axis=0) if n else nan
    base = {
        "driver": drivers,
        "label": [labels.get(d, d) for d in drivers],
        "stage": [stages.get(d) for d in drivers],
        "n": [n] * p,
        "mean": means,
        "top_box": tops,
    }
    if reason:
        rows = pd.DataFrame(base).assign(effect=None, quadrant=None).to_dict("records")
        return rows, reason
    imp = driver_importance(
        x,
        y,
        resamples=resamples,
        shapley_resamples=shapley_resamples if p <= MAX_SHAPLEY_DRIVERS else 0,
        confidence=confidence,
        seed=seed,
    )
    pr = penalty_reward(x, y, low=low, high=high)
    share = imp.weights / imp.r2 if imp.r2 > 0 else nan
    quadrant = _quadrants(share, means)
    order = np.argsort(-imp.weights, kind="stable")
    rank = np.empty(p, dtype=int)
    rank[order] = np.arange(1, p + 1)
    table = pd.DataFrame(
        {
            **base,
            "importance": imp.weights,
            "importance_lo": imp.weights_lo,
            "importance_hi": imp.weights_hi,
            "importance_share": share,
            "importance_share_lo": imp.shares_lo,
            "importance_share_hi": imp.shares_hi,
            "shapley": imp.shapley,
            "shapley_lo": imp.shapley_lo,
            "shapley_hi": imp.shapley_hi,
            "penalty": pr.penalty,
            "penalty_se": pr.penalty_se,
            "reward": pr.reward,
            "reward_se": pr.reward_se,
            "effect": pr.kind,
            "quadrant": quadrant,
            "rank": rank,
            "r2": imp.r2,
            "r2_lo": imp.r2_lo,
            "r2_hi": imp.r2_hi,
        }
    )
    return table.to_dict("records"), None


def _quadrants(share: np.ndarray, performance: np.ndarray) -> list[str | None]:
    if not np.isfinite(share).all() or not np.isfinite(performance).all():
        return [None] * len(share)
    imp_cut, perf_cut = share.mean(), performance.mean()
    out = []
    for s, m in zip(share, performance, strict=True):
        if s >= imp_cut:
            out.append("fix_first" if m < perf_cut else "keep_up")
        else:
            out.append("low_priority" if m < perf_cut else "possible_overkill")
    return out


# -- which stage to fix first -------------------------------------------------------------------


def stage_priorities(df: pd.DataFrame) -> pd.DataFrame:
    """Which stage to fix first: the drivers of :func:`key_drivers` summed per stage.

    Relative weights add up, so a stage's importance is the sum of its drivers' weights (and
    its share of R² the sum of their shares); its performance is the mean of its drivers'
    mean ratings. ``gap`` is how far that performance is below the top of the scale (0-1),
    and ``priority = importance_share x gap``: an important stage that is rated low comes
    first. One row per (group, stage), ``priority_rank`` 1 = fix first.

    >>> table = pd.DataFrame({"driver": ["a", "b", "c"], "stage": ["s1", "s1", "s2"],
    ...     "n": 100, "mean": [4.0, 3.0, 2.0], "importance": [0.1, 0.1, 0.2],
    ...     "importance_share": [0.25, 0.25, 0.5], "shapley": [0.1, 0.1, 0.2], "r2": 0.4})
    >>> table.attrs["scale"] = (1.0, 5.0)
    >>> stage_priorities(table)[["stage", "priority", "priority_rank"]].values.tolist()
    [['s2', 0.375, 1], ['s1', 0.1875, 2]]
    """
    require_columns(df, ("driver", "stage", "mean", "importance", "importance_share"), "stages")
    by = list(df.columns[: list(df.columns).index("driver")])
    low, high = df.attrs.get("scale", CSAT_SCALE)
    known = df[df["stage"].notna() & df["importance"].notna()]
    columns = [*by, "stage", "drivers", "importance", "importance_share", "shapley", "mean"]
    columns += ["gap", "priority", "priority_rank"]
    if known.empty:
        return pd.DataFrame(columns=columns)
    keys = [*by, "stage"]
    out = known.groupby(keys, sort=False, dropna=False).agg(
        drivers=("driver", "count"),
        importance=("importance", "sum"),
        importance_share=("importance_share", "sum"),
        shapley=("shapley", "sum"),
        mean=("mean", "mean"),
    )
    out = out.reset_index()
    out["gap"] = ((high - out["mean"]) / (high - low)).clip(0, 1)
    out["priority"] = out["importance_share"] * out["gap"]
    groups = out.groupby(by, sort=False, dropna=False)["priority"] if by else out["priority"]
    out["priority_rank"] = groups.rank(ascending=False, method="first").astype(int)
    return out.sort_values([*by, "priority_rank"]).reset_index(drop=True)[columns]


# -- figure and terminal table --------------------------------------------------------------------


def _escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plot_key_drivers(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """The importance-performance figure: each driver's importance (share of R², with its
    bootstrap interval) against its performance (mean rating), with quadrant lines at the
    drivers' means and labelled points. "Fix first" is top left: important and rated low.

    >>> t = pd.DataFrame({"driver": ["a", "b"], "label": ["A", "B"], "stage": ["s", "s"],
    ...     "mean": [3.0, 4.0], "importance_share": [0.7, 0.3],
    ...     "importance_share_lo": [0.6, 0.2], "importance_share_hi": [0.8, 0.4]})
    >>> plot_key_drivers(t).data[0].mode
    'markers+text'
    """
    require_columns(df, ("driver", "mean", "importance_share"), "plot_key_drivers")
    fig = fig if fig is not None else go.Figure()
    shown = df[df["importance_share"].notna() & df["mean"].notna()]
    by = list(df.columns[: list(df.columns).index("driver")])
    parts = shown.groupby(by, sort=False, dropna=False) if by else [("", shown)]
    for i, (key, part) in enumerate(parts):
        name = " / ".join(map(str, key)) if isinstance(key, tuple) else str(key)
        labels = part["label"] if "label" in part else part["driver"]
        stages = part["stage"].fillna("") if "stage" in part else [""] * len(part)
        error = None
        if "importance_share_lo" in part:
            error = {
                "type": "data",
                "symmetric": False,
                "array": (part["importance_share_hi"] - part["importance_share"]).clip(lower=0),
                "arrayminus": (part["importance_share"] - part["importance_share_lo"]).clip(
                    lower=0
                ),
                "thickness": 1,
            }
        fig.add_trace(
            go.Scatter(
                x=part["mean"],
                y=part["importance_share"],
                mode="markers+text",
                text=[_escape(v) for v in labels],
                textposition="top center",
                name=_escape(name) or "drivers",
                marker={"size": 10, "color": PALETTE[i % len(PALETTE)]},
                error_y=error,
                customdata=[_escape(s) for s in stages],
                hovertemplate="%{text} (%{customdata})<br>mean rating %{x:.2f}<br>"
                "share of R² %{y:.1%}<extra></extra>",
                showlegend=bool(by),
            )
        )
    if not shown.empty:
        fig.add_vline(x=float(shown["mean"].mean()), line_dash="dot", line_color=PALETTE[5])
        fig.add_hline(
            y=float(shown["importance_share"].mean()), line_dash="dot", line_color=PALETTE[5]
        )
        fig.add_annotation(
            xref="paper", yref="paper", x=0.01, y=0.99, text="fix first", showarrow=False,
            font={"color": PALETTE[3]}, xanchor="left", yanchor="top",
        )  # fmt: skip
    fig.update_xaxes(title="performance: mean rating")
    fig.update_yaxes(title="importance: share of R² (relative weight)", tickformat=".0%")
    return finish_layout(fig, title=title, df=df, height=440)


def readable_key_drivers(df: pd.DataFrame) -> pd.DataFrame:
    """Drivers by importance with intervals, performance and their class, for a terminal."""
    by = list(df.columns[: list(df.columns).index("driver")])
    df = df.sort_values([*by, "rank"], na_position="last")
    shown = df[[*by, "rank", "driver", "stage", "n"]].copy()
    shown["share of R²"] = [
        with_interval(*v)
        for v in zip(
            df["importance_share"],
            df["importance_share_lo"],
            df["importance_share_hi"],
            strict=True,
        )
    ]
    shown["relative weight"] = [
        with_interval(*v, fmt="{:.3f}")
        for v in zip(df["importance"], df["importance_lo"], df["importance_hi"], strict=True)
    ]
    shown["Shapley"] = [
        with_interval(*v, fmt="{:.3f}")
        for v in zip(df["shapley"], df["shapley_lo"], df["shapley_hi"], strict=True)
    ]
    shown["mean rating"] = df["mean"].round(2)
    shown["effect"] = df["effect"]
    shown["quadrant"] = df["quadrant"].str.replace("_", " ")
    reason = df.attrs.get("reason")
    if reason:
        shown["note"] = [reason if pd.isna(v) else "" for v in df["importance"]]
    shown["R²"] = [
        with_interval(*v, fmt="{:.3f}")
        for v in zip(df["r2"], df["r2_lo"], df["r2_hi"], strict=True)
    ]
    return shown


__all__ = [
    "DRIVER_COLUMNS",
    "QUADRANTS",
    "driver_table_expr",
    "key_drivers",
    "plot_key_drivers",
    "readable_key_drivers",
    "stage_priorities",
]
