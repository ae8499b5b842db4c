"""Time between stages (DESIGN §3): how long journeys take from one stage to the next.

Definition (a contract). Per consecutive pair of funnel stages (k-1, k): over the cases that
reached stage k, the time from first reaching stage k-1 to first reaching stage k, where
"reaching" is the ordered funnel's (:func:`~cycleanalytics.metrics.funnel.reach_table`): the
first event of stage k at or after the case reached k-1. Count, exact quantiles (10th, 25th,
median, 75th, 90th percentile), mean with a t interval, all in hours.

The per-case times are differences of epoch microseconds and every aggregate, including the
quantiles (exact, ``quantile_cont``), is one Ibis expression run by the engine; only the mean's
t interval is computed afterwards, from count, mean and standard deviation.

With a business-hours ``calendar`` (:class:`~cycleanalytics.calendar.BusinessCalendar`), the
time of each pair counts only working hours in the calendar's time zone. The engine still finds
when each case first reached each stage (the same reach table, one row per case); those
per-case timestamps come back and the business time is computed vectorised in numpy
(a binary search over the calendar's working intervals in UTC, see ``calendar.py``), then
aggregated with the same definitions (exact type-7 quantiles, sample standard deviation).
Why not in the engine: working hours live in a local time zone with DST, and converting
timestamps to an IANA zone is not among the operations known to agree on DuckDB and Spark
(PORTABILITY.md); a UTC calendar table joined by date would also have to be shipped to the
engine as a memtable. The numpy step is exact to the microsecond and costs about a second per
million cases.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycleanalytics.calendar import BusinessCalendar, resolve_calendar
from cycleanalytics.errors import MetricError
from cycleanalytics.metrics._common import Period, as_list, microseconds_between, source_tables
from cycleanalytics.metrics._registry import Option, register
from cycleanalytics.metrics._sequences import (
    LEVELS,
    activity_events,
    activity_vocabulary,
    case_table,
    check_level,
    stage_events,
)
from cycleanalytics.metrics.definitions import CASE_START, FUNNEL_ENTRY_CHANNEL, Scope
from cycleanalytics.metrics.funnel import ENTRIES, reach_table, recorded_entry
from cycleanalytics.model import CycleModel, resolve_model
from cycleanalytics.plots import (
    PALETTE,
    breakdown_columns,
    finish_layout,
    require_columns,
    top_groups,
)
from cycleanalytics.stats import scipy_stats as stats

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import ibis.expr.types as ir

    from cycleanalytics.store import Store

TIMING_COLUMNS = (
    "from_stage",
    "to_stage",
    "label",
    "cases",
    "p10_hours",
    "p25_hours",
    "median_hours",
    "p75_hours",
    "p90_hours",
    "mean_hours",
    "mean_hours_lo",
    "mean_hours_hi",
)
_QUANTILES = {"p10": 0.1, "p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}
_MICROS_PER_HOUR = 3_600_000_000


def time_between_stages_expr(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    entry_within: int = 1,
    window: timedelta | str | None = None,
    model: CycleModel | str | Path | None = None,
    as_of: datetime | str | None = None,
) -> ir.Table:
    """The Ibis expression: one row per breakdown group with, for each stage k >= 2,
    ``n_<k>``, ``mean_<k>``, ``sd_<k>`` and the quantiles ``<q>_<k>``, all in microseconds."""
    model = resolve_model(model)
    by = as_list(by)
    reach = reach_table(
        source,
        by=by,
        period=period,
        channel=channel,
        entry_within=entry_within,
        window=window,
        model=model,
        as_of=as_of,
        entry_event=False,
        gaps=True,
    )
    # One row per case and stage reached, with its gap (funnel._ordered_gaps): aggregated per
    # stage directly, without pivoting the stage times back onto every case.
    rows = reach.filter(reach.complete)
    aggs = {}
    for k in range(2, len(model.funnel_stages) + 1):
        at = rows.k == k
        aggs[f"n_{k}"] = rows.gap.count(where=at)
        aggs[f"mean_{k}"] = rows.gap.mean(where=at)
        aggs[f"sd_{k}"] = rows.gap.std(where=at)
        for name, q in _QUANTILES.items():
            aggs[f"{name}_{k}"] = rows.gap.quantile(q, where=at)
    if by:
        return rows.group_by(by).aggregate(**aggs).order_by(by)
    return rows.aggregate(**aggs)


@register(
    "time_between_stages",
    unit="hours (or business hours) between first reaching consecutive stages",
    scopes=Scope(
        CASE_START,
        FUNNEL_ENTRY_CHANNEL,
        "cases that started in the period and reached both stages of a pair, in order (at "
        "activity level: cases with one activity directly followed by the other; the channel "
        "is then that of the case's first event)",
    ),
    options=(
        Option("entry_within", int, "Let cases enter at the earliest of their first N stages.", 1),
        Option("window", str, "Count only stages reached within this time of the first event."),
        Option(
            "calendar",
            str,
            "Business-hours calendar (TOML file: hours per weekday, holidays, time zone); "
            "count only working time between stages.",
        ),
        Option(
            "level",
            LEVELS,
            "Between first reaching consecutive stages, or between an activity and the "
            "activity directly after it (time between steps).",
            "stage",
        ),
        Option(
            "entry",
            ENTRIES,
            "recorded: start at the first funnel stage the data records (as the funnel); "
            "model: always at the model's first stage.",
            "recorded",
        ),
    ),
)
def time_between_stages(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    entry_within: int = 1,
    window: timedelta | str | None = None,
    model: CycleModel | str | Path | None = None,
    confidence: float = 0.95,
    as_of: datetime | str | None = None,
    calendar: BusinessCalendar | str | Path | None = None,
    level: str = "stage",
    entry: str = "recorded",
) -> pd.DataFrame:
    """Time between consecutive stages: count, percentiles and mean of the hours from first
    reaching one stage to first reaching the next.

    Parameters
    ----------
    source, by, period, channel, entry_within, window, model, as_of
        As for :func:`~cycleanalytics.funnel` (the same cases reach the same stages; with a
        window, cases whose window had not elapsed by the as-of time are left out).
    confidence
        Level of the t interval of the mean.
    calendar
        A :class:`~cycleanalytics.calendar.BusinessCalendar` or the path of its TOML file:
        count only working hours (in the calendar's time zone, holidays closed) between the
        two stages instead of elapsed time. ``None`` (default): elapsed time.
    level
        ``"stage"`` (default): between first reaching consecutive funnel stages.
        ``"activity"``: the time between steps, from each event to the next event of its case
        (the directly-follows pairs of :func:`~cycleanalytics.metrics.directly_follows` at
        activity level, repeats kept, in the same event order): one row per pair of
        activities, ``cases`` the cases with the pair and ``moves`` its occurrences, over which
        the times are taken. ``entry_within`` and ``window`` are funnel options and are
        refused there.
    entry
        As for :func:`~cycleanalytics.funnel`: ``"recorded"`` (default) leaves out the leading
        funnel stages no event records (``attrs["entry_note"]`` says so), ``"model"`` keeps
        them (their pairs then count no case).

    Returns
    -------
    DataFrame
        One row per (breakdown group, consecutive stage pair) with the columns in
        ``TIMING_COLUMNS`` after the ``by`` columns (and ``moves`` after ``cases`` at activity
        level, most frequent pairs first); times in hours; percentiles exact.
        ``df.attrs`` names the model, the period and the level.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.time_between_stages(store)
    >>> df["to_stage"].tolist()
    ['initial_interaction', 'service_delivery', 'follow_up']
    >>> bool((df["p25_hours"] <= df["median_hours"]).all())
    True

    Working hours only (Monday to Friday, 09:00-17:00 in Jakarta, one holiday):

    >>> hours = {day: ("09:00", "17:00") for day in ["mon", "tue", "wed", "thu", "fri"]}
    >>> from cycleanalytics.calendar import BusinessCalendar
    >>> cal = BusinessCalendar(hours, ["2026-01-01"], "Asia/Jakarta")
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     office = ca.metrics.time_between_stages(store, calendar=cal)
    >>> bool((office["mean_hours"] < df["mean_hours"]).all())
    True
    >>> office.attrs["time"]  # doctest: +ELLIPSIS
    'business hours mon 09:00-17:00, ..., fri 09:00-17:00, 1 holiday(s), Asia/Jakarta'
    """
    model = resolve_model(model)
    by = as_list(by)
    period = Period.parse(period)
    business = resolve_calendar(calendar)
    if check_level(level) == "activity":
        if entry_within != 1 or window is not None:
            raise MetricError(
                "entry_within and window are funnel options: time between steps at "
                "level='activity' counts every step of the cases that started in the period"
            )
        table = _activity_steps(source, by, period, channel, business, confidence)
        table.attrs.update(
            period=period.label(),
            channel=", ".join(as_list(channel)) or "all",
            model=model.name,
            level=level,
            unit="business hours" if business else "hours",
            time=business.describe() if business else "elapsed",
        )
        return table
    if entry not in ENTRIES:
        raise MetricError(f"unknown entry {entry!r}; use one of: {', '.join(ENTRIES)}")
    model, note = recorded_entry(source, model) if entry == "recorded" else (model, None)
    if note is not None:  # as the funnel: at most the stages left
        entry_within = min(entry_within, len(model.funnel_stages))
    if len(model.funnel_stages) < 2:  # the data records one funnel stage: no step to time
        empty = pd.DataFrame(columns=[*by, *TIMING_COLUMNS])
        empty.attrs.update(
            rows_used=0,
            rows_excluded={},
            metric="time_between_stages",
            period=period.label(),
            channel=", ".join(as_list(channel)) or "all",
            model=model.name,
            unit="business hours" if business else "hours",
            time=business.describe() if business else "elapsed",
            level=level,
            entry_note=note["message"] if note else None,
            missing={"time_between_stages": "the data records only one stage of the funnel"},
        )
        return empty
    arguments = dict(
        by=by,
        period=period,
        channel=channel,
        entry_within=entry_within,
        window=window,
        model=model,
        as_of=as_of,
    )
    if business is None:
        counts = time_between_stages_expr(source, **arguments).execute()
    else:
        counts = _business_counts(source, business, arguments)
    stages = model.funnel_stages
    rows = []
    for k in range(2, len(stages) + 1):
        part = counts[by].copy() if by else pd.DataFrame(index=counts.index)
        n = counts[f"n_{k}"].to_numpy(dtype="int64")
        mean = _hours(counts[f"mean_{k}"])
        sd = _hours(counts[f"sd_{k}"])
        part["from_stage"] = stages[k - 2]
        part["to_stage"] = stages[k - 1]
        part["label"] = f"{model.stage(stages[k - 2]).label} → {model.stage(stages[k - 1]).label}"
        part["cases"] = n
        for name in _QUANTILES:
            part[f"{name}_hours"] = _hours(counts[f"{name}_{k}"])
        part["mean_hours"] = mean
        with np.errstate(invalid="ignore", divide="ignore"):
            half = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
        half = np.where(n > 1, half, np.nan)
        part["mean_hours_lo"] = mean - half
        part["mean_hours_hi"] = mean + half
        part["_order"] = np.arange(len(part))
        rows.append(part)
    table = pd.concat(rows, ignore_index=True)
    table = table.sort_values(["_order"], kind="stable").drop(columns="_order")
    table = table.reset_index(drop=True)[[*by, *TIMING_COLUMNS]]
    table.attrs.update(
        rows_used=int(table.loc[table["from_stage"] == stages[0], "cases"].sum()),
        rows_excluded={},
        metric="time_between_stages",
        period=period.label(),
        channel=", ".join(as_list(channel)) or "all",
        model=model.name,
        unit="business hours" if business else "hours",
        time=business.describe() if business else "elapsed",
        level=level,
        entry_note=note["message"] if note else None,
    )
    return table


def _activity_steps(
    source: Store | ir.Table,
    by: list[str],
    period: Period,
    channel: str | Sequence[str] | None,
    business: BusinessCalendar | None,
    confidence: float,
) -> pd.DataFrame:
    """Time between steps: per (breakdown group, activity, next activity), the cases, the
    moves and the hours from each event to the next (quantiles over the moves)."""
    events, cases = case_table(source, by=by, period=period, channel=channel)
    view, vocabulary = activity_events(events, activity_vocabulary(source_tables(source)[0]))
    seq = stage_events(view, vocabulary).filter(lambda t: t.next_code.notnull())
    if by:
        seq = seq.join(cases.select("case_id", *by), "case_id")
    keys = [*by, "code", "next_code"]
    if business is None:
        moves = seq.select(*keys, "case_id", gap=microseconds_between(seq.ts, seq.next_ts))
        aggs = {
            "n": moves.count(),
            "n_cases": moves.case_id.nunique(),
            "mean": moves.gap.mean(),
            "sd": moves.gap.std(),
            **{name: moves.gap.quantile(q) for name, q in _QUANTILES.items()},
        }
        counts = moves.group_by(keys).aggregate(**aggs).execute()
    else:
        raw = seq.select(*keys, "case_id", "ts", "next_ts").execute()
        raw["gap"] = business.business_micros(raw["ts"], raw["next_ts"])
        counts = _numpy_aggregates(raw, keys)
    table = counts[by].copy() if by else pd.DataFrame(index=counts.index)
    names = vocabulary.order
    table["from_stage"] = [names[int(c) - 1] for c in counts["code"]]
    table["to_stage"] = [names[int(c) - 1] for c in counts["next_code"]]
    table["label"] = [
        f"{a} → {b}" for a, b in zip(table["from_stage"], table["to_stage"], strict=True)
    ]
    n = counts["n"].to_numpy(dtype="int64")
    table["cases"] = counts["n_cases"].to_numpy(dtype="int64")
    table["moves"] = n
    for name in _QUANTILES:
        table[f"{name}_hours"] = _hours(counts[name])
    mean, sd = _hours(counts["mean"]), _hours(counts["sd"])
    table["mean_hours"] = mean
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = np.where(n > 1, half, np.nan)
    table["mean_hours_lo"] = mean - half
    table["mean_hours_hi"] = mean + half
    table = table.sort_values(
        [*by, "moves", "from_stage", "to_stage"],
        ascending=[*([True] * len(by)), False, True, True],
    ).reset_index(drop=True)
    columns = [*TIMING_COLUMNS]
    columns.insert(columns.index("cases") + 1, "moves")
    table = table[[*by, *columns]]
    table.attrs.update(
        rows_used=int(table["moves"].sum()),
        rows_excluded={},
        metric="time_between_stages",
    )
    return table


def _numpy_aggregates(raw: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group of ``keys``: the aggregates of :func:`_activity_steps` over ``gap``
    (microseconds), as the engine computes them (exact type-7 quantiles, sample sd)."""
    rows = []
    for key, part in raw.groupby(keys, sort=True, dropna=False):
        gaps = part["gap"].dropna().to_numpy(dtype=float)
        row = dict(zip(keys, key, strict=True))
        row.update(
            n=len(part),
            n_cases=part["case_id"].nunique(),
            mean=gaps.mean() if len(gaps) else np.nan,
            sd=gaps.std(ddof=1) if len(gaps) > 1 else np.nan,
            **{
                name: np.quantile(gaps, q) if len(gaps) else np.nan
                for name, q in _QUANTILES.items()
            },
        )
        rows.append(row)
    columns = [*keys, "n", "n_cases", "mean", "sd", *_QUANTILES]
    return pd.DataFrame(rows, columns=columns)


def _business_counts(
    source: Store | ir.Table, calendar: BusinessCalendar, arguments: dict
) -> pd.DataFrame:
    """The same frame as :func:`time_between_stages_expr` executes to, with business time:
    per-case reach times from the engine, business microseconds and aggregates in numpy."""
    by = arguments["by"]
    n = len(arguments["model"].funnel_stages)
    reach = reach_table(source, **arguments, entry_event=False)
    reach = reach.filter(reach.complete).select(*by, *(f"t_{k}" for k in range(1, n + 1)))
    cases = reach.execute()
    for k in range(2, n + 1):
        cases[f"gap_{k}"] = calendar.business_micros(cases[f"t_{k - 1}"], cases[f"t_{k}"])
    groups = cases.groupby(by, sort=True, dropna=False) if by else [((), cases)]
    rows = []
    for key, part in groups:
        row = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True))
        for k in range(2, n + 1):
            gaps = part[f"gap_{k}"].dropna().to_numpy(dtype=float)
            row[f"n_{k}"] = len(gaps)
            row[f"mean_{k}"] = gaps.mean() if len(gaps) else np.nan
            row[f"sd_{k}"] = gaps.std(ddof=1) if len(gaps) > 1 else np.nan
            for name, q in _QUANTILES.items():
                row[f"{name}_{k}"] = np.quantile(gaps, q) if len(gaps) else np.nan
        rows.append(row)
    columns = [*by, *(c for k in range(2, n + 1) for c in _aggregate_names(k))]
    return pd.DataFrame(rows, columns=columns)


def _aggregate_names(k: int) -> list[str]:
    return [f"n_{k}", f"mean_{k}", f"sd_{k}", *(f"{name}_{k}" for name in _QUANTILES)]


def _hours(micros: pd.Series) -> np.ndarray:
    return pd.to_numeric(micros, errors="coerce").to_numpy(dtype=float) / _MICROS_PER_HOUR


def plot_time_between_stages(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """The distribution of time between stages: one box per stage pair (box from the 25th to
    the 75th percentile, whiskers from the 10th to the 90th, the mean as a dashed line).

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.metrics.plot_time_between_stages(ca.metrics.time_between_stages(store))
    >>> fig.data[0].type
    'box'
    """
    require_columns(df, TIMING_COLUMNS, "plot_time_between_stages")
    fig = fig if fig is not None else go.Figure()
    by = breakdown_columns(df, "from_stage")
    df = top_groups(df, by, "cases")
    groups = df.groupby(by, sort=False, dropna=False) if by else [(("all journeys",), df)]
    for i, (key, part) in enumerate(groups):
        name = " / ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
        fig.add_trace(
            go.Box(
                x=part["label"],
                q1=part["p25_hours"],
                median=part["median_hours"],
                q3=part["p75_hours"],
                lowerfence=part["p10_hours"],
                upperfence=part["p90_hours"],
                mean=part["mean_hours"],
                name=name,
                marker_color=PALETTE[i % len(PALETTE)],
                boxmean=True,
                # one label per statistic, beside its line (the axis title names them)
                hovertemplate="%{x}: %{y:.1f} hours<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(boxmode="group")
    fig.update_yaxes(title="hours (box: 25th-75th percentile; whiskers: 10th-90th)")
    return finish_layout(fig, title=title, df=df, legend_title_text=", ".join(by) if by else None)
