"""Service recovery (DESIGN §3): recovery rate, recovery success and retention after recovery,
and the service recovery paradox comparison.

Definitions (contracts). The unit is the case (journey); a complaint without a case id is a case
of its own. A case is **dissatisfied** when it has a CSAT <= 2 or an NPS <= 6 outside the
recovery stage, or a complaint. It got a **recovery step** when it has an event of the model's
conditional (recovery) stage, or, for a complaint with no recorded interactions, a
``recovery_action`` other than ``none``. The **recovery action** is the complaint's action,
else the first recovery event's activity when it names an action (Refund, Discount, Extra
service, Apology, Replacement). **Recovery success**: satisfaction after recovery (CSAT of the
recovery stage, else the complaint's ``csat_after``) in the top box when known, and every
complaint of the case resolved and none reopened; cases with neither a score after recovery nor
a complaint, or with a complaint still open, are not judged. **Retention after recovery**:
another case of the customer starts within ``horizon`` (90 days) of the recovery (or of the
case's end); judged only when the horizon ends before the as-of time.

The engine builds the per-case table and counts (one Ibis expression); intervals are Wilson's.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import ibis
import pandas as pd
import plotly.graph_objects as go

from cycleanalytics.errors import MetricError
from cycleanalytics.metrics._common import (
    Period,
    as_list,
    microseconds_between,
    parse_duration,
)
from cycleanalytics.metrics._outcomes import (
    attach_case_breakdown,
    resolve_as_of,
    tables,
    ts_literal,
    with_interval,
)
from cycleanalytics.metrics._registry import Option, register
from cycleanalytics.metrics.complaints import CLOSED_BY_OPTION, closed
from cycleanalytics.metrics.definitions import CASE_START, ENTRY_CHANNEL, THRESHOLDS, Scope
from cycleanalytics.model import resolve_model
from cycleanalytics.plots import (
    PALETTE,
    breakdown_columns,
    finish_layout,
    group_labels,
    require_columns,
)
from cycleanalytics.stats import (
    TestResult,
    mann_whitney_counts,
    safe_ratio,
    two_proportion_z,
    wilson_interval,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import timedelta
    from pathlib import Path

    import ibis.expr.types as ir

    from cycleanalytics.model import CycleModel
    from cycleanalytics.store import Store

ACTIONS = ("refund", "discount", "extra_service", "apology", "replacement")
CASE_COLUMNS = ("recovery_action", "category", "severity")
RECOVERY_COLUMNS = (
    "dissatisfied",
    "recovered",
    "recovery_rate",
    "recovery_rate_lo",
    "recovery_rate_hi",
    "success_judged",
    "successes",
    "success_rate",
    "success_rate_lo",
    "success_rate_hi",
    "top_box_after_n",
    "top_box_after",
    "top_box_after_rate",
    "top_box_after_rate_lo",
    "top_box_after_rate_hi",
    "retention_judged",
    "retained",
    "retention_rate",
    "retention_rate_lo",
    "retention_rate_hi",
)


# Per-case columns from the interactions that stay NULL for a case without events.
NULL_WHEN_NONE = ("rec_ts", "rec_activity")

# Complaint severities from most to least severe; any other value ranks below them (0).
# most severe first; "major" is above "high" as in BPIC 2013 (Low, Medium, High, Major)
SEVERITY_RANK = {"critical": 5, "major": 4, "high": 3, "medium": 2, "low": 1}


def _severity_rank(severity: ir.StringValue) -> ir.IntegerValue:
    return ibis.cases(
        *((severity == level, r) for level, r in SEVERITY_RANK.items()), else_=0
    ).cast("int8")


def _nullable(t: ir.Table) -> ir.Table:
    """``t`` with every column nullable and the times as ``timestamp('UTC')``: the schema of
    :func:`case_outcomes_expr` whichever tables the source has."""
    schema = {n: dt.copy(nullable=True) for n, dt in t.schema().items()}
    schema.update(start="timestamp('UTC')", end="timestamp('UTC')", rec_ts="timestamp('UTC')")
    return t.cast(schema)


def _first(a: ir.Value, b: ir.Value) -> ir.Value:
    """The smaller of two values, ignoring NULL (as ``min`` over both would)."""
    return ibis.ifelse(a.isnull() | (b < a).fill_null(False), b, a)


def _last(a: ir.Value, b: ir.Value) -> ir.Value:
    """The larger of two values, ignoring NULL (as ``max`` over both would)."""
    return ibis.ifelse(a.isnull() | (b > a).fill_null(False), b, a)


def case_outcomes_expr(
    source: Store | ir.Table,
    *,
    period: Period | str | None = None,
    model: CycleModel | str | Path | None = None,
    top_box: int = THRESHOLDS.csat_top_box,
    horizon: str | timedelta = "90d",
    as_of: str | datetime | None = None,
    channel: str | Sequence[str] | None = None,
    activity: bool = True,
    retention: bool = True,
    next_csat: bool = True,
    retention_of_recovered: bool = False,
    closed_by: str = "time",
) -> ir.Table:
    """One row per case with its dissatisfaction, recovery, success and retention flags, the
    CSAT of the customer's next case, and the breakdown columns (an Ibis expression).

    The options leave out the parts a metric does not read (each costs a
    pass over the events): with ``activity=False`` ``recovery_action`` is the complaint's only
    (no ranking of recovery events); with ``retention=False`` ``retained`` and ``next_csat``
    are NULL (no search for the next case); with ``next_csat=False`` only ``next_csat`` is
    NULL and the next case is found by one aggregate instead of a window; with
    ``retention_of_recovered=True`` the next case is looked for only after recovered cases
    (``retained`` is False for the others). The columns are the same either way; the values
    the metric reads are identical. ``channel`` keeps the cases that entered through it: the
    channel of the case's first interaction, or of its first complaint when it has none."""
    model = resolve_model(model)
    recovery_stages = [s.id for s in model.stages if s.conditional]
    period = Period.parse(period)
    span = parse_duration(horizon)
    if span is None or span.total_seconds() <= 0:
        raise MetricError(f"the retention horizon must be positive, e.g. 90d, not {horizon!r}")
    horizon_us = int(span.total_seconds() * 1_000_000)
    src = tables(source)
    if src.interactions is None and src.complaints is None:
        raise MetricError("recovery needs interactions or complaints; pass a Store")
    cutoff = ts_literal(resolve_as_of(src, as_of))
    null_s, null_t = ibis.null("string"), ibis.null("timestamp('UTC')")
    zero = ibis.literal(0, type="int64")
    # Each table is aggregated per case on its own and the two are put side by side with one
    # full outer join on the case (PORTABILITY.md): a case may have interactions, complaints or
    # both. Stacking the rows of both tables and grouping them by case instead costs about
    # twice as much on DuckDB (issue 7).
    ic = cc = None
    e = src.interactions
    if e is not None:
        in_rec = e.stage.isin(recovery_stages) if recovery_stages else ibis.literal(False)
        unhappy = (e.csat <= THRESHOLDS.csat_dissatisfied) | (e.nps <= THRESHOLDS.nps_detractor)
        low = (~in_rec.fill_null(False)) & unhappy.fill_null(False)
        # One row per case; a case with events of several customers belongs to the first
        # (as a complaint's case does below, and as the next-case search sees it).
        ic = e.group_by("case_id").aggregate(
            customer_id=e.customer_id.min(),
            start=e.ts.min(),
            end=e.ts.max(),
            events=e.count(),
            low=low.sum().cast("int64"),
            rec_ts=e.ts.min(where=in_rec),
            after_n=e.csat.count(where=in_rec),
            after_top=e.csat.count(where=in_rec & (e.csat >= top_box)),
        )
        per_case = ic
        if activity:
            rec = e.filter(in_rec)
            order = ibis.row_number().over(
                group_by=rec.case_id, order_by=[rec.ts, rec.interaction_id]
            )
            first_rec = (
                rec.mutate(_r=order)
                .filter(lambda t: t._r == 0)
                .select(a_case="case_id", rec_activity=rec.activity.lower().replace(" ", "_"))
            )
            ic = ic.left_join(first_rec, ic.case_id == first_rec.a_case).drop("a_case")
        else:
            ic = ic.mutate(rec_activity=null_s)
    c = src.complaints
    if c is not None:
        c = c.filter(c.opened_at <= cutoff)
        resolved = closed(c, cutoff, closed_by)
        rank = _severity_rank(c.severity)
        cc = c.group_by(
            c_case=c.case_id.fill_null(ibis.literal("complaint:") + c.complaint_id)
        ).aggregate(
            c_customer=c.customer_id.min(),
            c_start=c.opened_at.min(),
            c_end=c.opened_at.max(),
            c_n=c.count(),
            c_resolved=resolved.cast("int64").sum(),
            c_reopened=(resolved & c.reopened.fill_null(False)).cast("int64").sum(),
            c_after_n=c.csat_after.notnull().cast("int64").sum(),
            c_after_top=(c.csat_after >= top_box).fill_null(False).cast("int64").sum(),
            action=c.recovery_action.min(),
            category=c.category.min(),
            # The case's most severe complaint: critical > major > high > medium > low > any
            # other value (the first alphabetically among those).
            _severity_rank=rank.max(where=c.severity.notnull()),
            _severity_other=c.severity.min(where=rank == 0),
        )
        cc = cc.mutate(
            severity=ibis.cases(
                *((cc._severity_rank == r, level) for level, r in SEVERITY_RANK.items()),
                else_=cc._severity_other,
            )
        ).drop("_severity_rank", "_severity_other")
    no_events = {
        "events": zero,
        "low": zero,
        "rec_ts": null_t,
        "after_n": zero,
        "after_top": zero,
        "rec_activity": null_s,
    }
    no_complaints = {
        "c_n": zero,
        "c_resolved": zero,
        "c_reopened": zero,
        "c_after_n": zero,
        "c_after_top": zero,
        "action": null_s,
        "category": null_s,
        "severity": null_s,
    }
    if cc is None:
        u = ic.mutate(**no_complaints)
    elif ic is None:
        u = cc.select(
            case_id="c_case",
            customer_id="c_customer",
            start="c_start",
            end="c_end",
            **no_events,
            **{k: k for k in no_complaints},
        )
    else:
        j = ic.outer_join(cc, ic.case_id == cc.c_case)
        u = j.select(
            case_id=j.case_id.fill_null(j.c_case),
            customer_id=_first(j.customer_id, j.c_customer),
            start=_first(j.start, j.c_start),
            end=_last(j.end, j.c_end),
            **{k: j[k] if k in NULL_WHEN_NONE else j[k].fill_null(0) for k in no_events},
            **{k: j[k].fill_null(0) for k in no_complaints if k.startswith("c_")},
            action="action",
            category="category",
            severity="severity",
        )
    u = _nullable(u)
    if not period.is_open:
        u = u.filter(period.contains(u.start))
    channels = as_list(channel)
    if channels:
        u = _entered_through(u, e, src.complaints, channels)
    complaint_action = ibis.ifelse(u.action == "none", null_s, u.action)
    activity_action = ibis.ifelse(u.rec_activity.isin(ACTIONS), u.rec_activity, null_s)
    step = u.rec_ts.notnull() | ((u.events == 0) & complaint_action.notnull())
    sat_known = (u.after_n > 0) | (u.c_after_n > 0)
    top = ibis.ifelse(u.after_n > 0, u.after_top > 0, u.c_after_top > 0)
    judged = step & (sat_known | (u.c_n > 0)) & (u.c_resolved == u.c_n)
    success = judged & (~sat_known | top) & (u.c_reopened == 0)
    anchor = u.rec_ts.fill_null(u.end)
    u = u.mutate(
        dissatisfied=(u.low > 0) | (u.c_n > 0),
        recovered=step,
        recovery_action=complaint_action.fill_null(activity_action),
        judged=judged,
        success=success,
        sat_known=sat_known,
        top_after=sat_known & top,
        anchor=anchor,
        retention_judged=microseconds_between(anchor, cutoff) >= horizon_us,
    )
    if e is None or not retention:
        return u.mutate(retained=ibis.null("boolean"), next_csat=ibis.null("int64"))
    # The customer's next case (from interactions): whether it starts within the horizon,
    # and its first CSAT outside the recovery stage. The cases are the per-case aggregate
    # above (the same node: the engine groups the events once).
    cases = per_case.select("case_id", "customer_id", n_start="start")
    left = u.filter(u.recovered) if retention_of_recovered else u
    left = left.select("case_id", "customer_id", "anchor")
    if not next_csat:
        right = cases.rename(n_case_id="case_id", n_customer="customer_id")
        later = left.join(right, left.customer_id == right.n_customer)
        later = later.filter((later.n_start > later.anchor) & (later.n_case_id != later.case_id))
        first = later.group_by(x_case=later.case_id).aggregate(
            n_start=later.n_start.min(), x_anchor=later.anchor.min()
        )
        nxt = first.select(
            "x_case",
            next_within=microseconds_between(first.x_anchor, first.n_start) <= horizon_us,
            next_csat=ibis.null("int64"),
        )
        u = u.left_join(nxt, u.case_id == nxt.x_case).drop("x_case")
        return u.mutate(retained=u.next_within.fill_null(False))
    scored = e.filter(e.csat.notnull())
    if recovery_stages:
        scored = scored.filter(~scored.stage.isin(recovery_stages).fill_null(False))
    first_score = (
        scored.mutate(
            _r=ibis.row_number().over(
                group_by=scored.case_id, order_by=[scored.ts, scored.interaction_id]
            )
        )
        .filter(lambda t: t._r == 0)
        .select(n_case="case_id", n_csat=ibis._.csat.cast("int64"))
    )
    cases = cases.left_join(first_score, cases.case_id == first_score.n_case).drop("n_case")
    right = cases.rename(n_case_id="case_id", n_customer="customer_id")
    later = left.join(right, left.customer_id == right.n_customer)
    later = later.filter((later.n_start > later.anchor) & (later.n_case_id != later.case_id))
    rank = ibis.row_number().over(group_by=later.case_id, order_by=[later.n_start, later.n_case_id])
    first = later.mutate(_r=rank).filter(lambda t: t._r == 0)
    nxt = first.select(
        x_case=first.case_id,
        next_within=microseconds_between(first.anchor, first.n_start) <= horizon_us,
        next_csat=first.n_csat,
    )
    u = u.left_join(nxt, u.case_id == nxt.x_case).drop("x_case")
    return u.mutate(retained=u.next_within.fill_null(False))


def _entered_through(
    u: ir.Table, e: ir.Table | None, c: ir.Table | None, channels: list[str]
) -> ir.Table:
    """The cases of ``u`` whose entry channel is one of ``channels``: the channel of the case's
    first interaction (ties broken by id), else of its first complaint."""
    entries = []
    if e is not None:
        first = ibis.row_number().over(group_by=e.case_id, order_by=[e.ts, e.interaction_id])
        entries.append(
            e.mutate(_r=first).filter(lambda t: t._r == 0).select(x_case="case_id", x_ch="channel")
        )
    if c is not None:
        key = c.case_id.fill_null(ibis.literal("complaint:") + c.complaint_id)
        c = c.mutate(_key=key)
        first = ibis.row_number().over(group_by=c._key, order_by=[c.opened_at, c.complaint_id])
        entries.append(
            c.mutate(_r=first).filter(lambda t: t._r == 0).select(y_case="_key", y_ch="channel")
        )
    for entry in entries:
        key = entry.columns[0]
        u = u.left_join(entry, u.case_id == entry[key]).drop(key)
    entry = u.x_ch if "x_ch" in u.columns else ibis.null("string")
    if "y_ch" in u.columns:
        entry = entry.fill_null(u.y_ch) if "x_ch" in u.columns else u.y_ch
    wanted = [ibis.literal(ch, type="string") for ch in channels]
    return u.filter(entry.isin(wanted)).drop(*(k for k in ("x_ch", "y_ch") if k in u.columns))


#: What recovery, its paradox and its cost count: cases by their start and entry channel.
CASE_SCOPE = Scope(
    CASE_START,
    ENTRY_CHANNEL,
    "cases that started in the period (a complaint without a case is a case of its own); "
    "recovery counts the dissatisfied ones",
)


@register(
    "recovery",
    unit="shares of cases (recovery rate, success, retention)",
    scopes=CASE_SCOPE,
    options=(
        Option("horizon", str, "Retention window after the recovery, e.g. 90d.", "90d"),
        Option("top_box", int, "Lowest CSAT after recovery counted as satisfied.", 4),
        Option("as_of", str, "The data's as-of time (default: its latest timestamp)."),
        CLOSED_BY_OPTION,
    ),
)
def recovery(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    horizon: str | timedelta = "90d",
    top_box: int = THRESHOLDS.csat_top_box,
    as_of: str | datetime | None = None,
    confidence: float = 0.95,
    closed_by: str = "time",
) -> pd.DataFrame:
    """Among dissatisfied cases: the recovery rate, recovery success and retention after
    recovery, with Wilson intervals.

    Parameters
    ----------
    source
        A :class:`~cycleanalytics.Store` (interactions and/or complaints).
    by
        ``recovery_action``, ``category`` (area), ``severity``, a time grain of the case's
        start, or ``segment``/``region``.
    period
        Keep cases that started in this period.
    channel
        Keep cases that entered through this channel: the channel of the case's first
        interaction, or of its first complaint when it has no interactions.
    model
        The cycle model; its conditional stage is the recovery stage.
    horizon, top_box, as_of, confidence
        Retention window, top-box threshold, as-of time, interval level.
    closed_by
        What closes a complaint (:func:`~cycleanalytics.metrics.complaints.closed`):
        ``"time"`` (default) its ``resolved_at``; ``"response"`` also a recorded
        ``recovery_action`` without ``resolved_at`` (a complaint registry such as CFPB: a
        responded complaint not disputed is then a success).

    Returns
    -------
    DataFrame
        One row per group: ``by`` columns then ``RECOVERY_COLUMNS``. Recovery rate is over
        dissatisfied cases, success over judged recovered cases, retention over recovered
        cases whose horizon ended before as-of.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.recovery(store, by="recovery_action")
    >>> bool((df["recovered"] <= df["dissatisfied"]).all())
    True
    """
    by = as_list(by)
    src = tables(source)
    cutoff = resolve_as_of(src, as_of)
    u = case_outcomes_expr(
        source,
        period=period,
        model=model,
        top_box=top_box,
        horizon=horizon,
        as_of=cutoff,
        channel=channel,
        activity="recovery_action" in by,
        next_csat=False,
        retention_of_recovered=True,
        closed_by=closed_by,
    )
    u = attach_case_breakdown(u.filter(u.dissatisfied), by, src.customers, "recovery")
    rec = u.recovered
    expr = u.group_by(by) if by else u
    counts = expr.aggregate(
        dissatisfied=u.count(),
        recovered=rec.sum().cast("int64"),
        success_judged=(rec & u.judged).sum().cast("int64"),
        successes=(rec & u.success).sum().cast("int64"),
        top_box_after_n=(rec & u.sat_known).sum().cast("int64"),
        top_box_after=(rec & u.top_after).sum().cast("int64"),
        retention_judged=(rec & u.retention_judged).sum().cast("int64"),
        retained=(rec & u.retention_judged & u.retained.fill_null(False)).sum().cast("int64"),
    )
    counts = (counts.order_by(by) if by else counts).execute()
    out = counts[by].copy() if by else pd.DataFrame(index=counts.index)
    pairs = (
        ("recovery_rate", "recovered", "dissatisfied"),
        ("success_rate", "successes", "success_judged"),
        ("top_box_after_rate", "top_box_after", "top_box_after_n"),
        ("retention_rate", "retained", "retention_judged"),
    )
    for col in ("dissatisfied", "recovered", "success_judged", "successes"):
        out[col] = counts[col].fillna(0).astype("int64")
    for col in ("top_box_after_n", "top_box_after", "retention_judged", "retained"):
        out[col] = counts[col].fillna(0).astype("int64")
    for name, num, den in pairs:
        out[name] = safe_ratio(out[num], out[den])
        out[f"{name}_lo"], out[f"{name}_hi"] = wilson_interval(
            out[num], out[den], confidence=confidence
        )
    if src.interactions is None:
        for col in ("retention_rate", "retention_rate_lo", "retention_rate_hi"):
            out[col] = float("nan")
    out = out.reset_index(drop=True)[[*by, *RECOVERY_COLUMNS]]
    dissatisfied = int(out["dissatisfied"].sum())
    recovered = int(out["recovered"].sum())
    judged = int(out["success_judged"].sum())
    out.attrs.update(
        metric="recovery",
        dissatisfied=dissatisfied,
        period=Period.parse(period).label(),
        top_box=top_box,
        confidence=confidence,
        as_of=cutoff.isoformat(),
        rows_used=dissatisfied,
        rows_excluded={
            "no recovery step (counted in the recovery rate only)": dissatisfied - recovered,
            "recovered, success not yet judged (complaint open or no outcome)": recovered - judged,
        },
    )
    missing = {}
    if dissatisfied == 0:
        missing["recovery_rate"] = (
            "no dissatisfied case in scope: no low score (CSAT, NPS) and no complaint"
        )
    elif judged == 0:
        missing["success_rate"] = "no recovery in scope could be judged yet"
    if src.interactions is None:
        missing["retention_rate"] = "no interactions: later cases are unknown"
    out.attrs["missing"] = missing
    return out


def plot_recovery(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """Recovery rate, success rate and retention per group, with 95% intervals."""
    require_columns(df, ("recovery_rate", "success_rate", "retention_rate"), "plot_recovery")
    fig = fig if fig is not None else go.Figure()
    by = breakdown_columns(df, "dissatisfied")
    labels = group_labels(df, by)
    for i, (name, label) in enumerate(
        (
            ("recovery_rate", "got a recovery step"),
            ("success_rate", "recovered successfully"),
            ("retention_rate", "came back within the horizon"),
        )
    ):
        fig.add_trace(
            go.Bar(
                x=labels,
                y=df[name],
                name=label,
                marker_color=PALETTE[i],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": df[f"{name}_hi"] - df[name],
                    "arrayminus": df[name] - df[f"{name}_lo"],
                },
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05])
    return finish_layout(fig, title=title, height=380)


def readable_recovery(df: pd.DataFrame) -> pd.DataFrame:
    """Rates with intervals and their denominators, for a terminal."""
    by = breakdown_columns(df, "dissatisfied")
    shown = df[[*by, "dissatisfied"]].copy()
    for name, label in (
        ("recovery_rate", "recovered"),
        ("success_rate", "success"),
        ("retention_rate", "retained"),
    ):
        shown[label] = [
            with_interval(*v)
            for v in zip(df[name], df[f"{name}_lo"], df[f"{name}_hi"], strict=True)
        ]
    return shown


# -- the service recovery paradox ---------------------------------------------------------------

GROUPS = ("no_failure", "recovered", "failed_recovery", "not_recovered")
STRATA = ("severity",)
UNKNOWN_STRATUM = "unknown"


@register(
    "recovery_paradox",
    unit="later top-box share and retention by group; effect sizes with tests",
    scopes=CASE_SCOPE,
    refuses={"by": "it compares fixed groups (use stratify for severity)"},
    options=(
        Option("horizon", str, "Retention window, e.g. 90d.", "90d"),
        Option("min_n", int, "Give no verdict when a group has fewer customers' cases.", 30),
        Option("as_of", str, "The data's as-of time (default: its latest timestamp)."),
        Option("stratify", STRATA, "Compare the failure groups within each severity."),
    ),
)
def recovery_paradox(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    horizon: str | timedelta = "90d",
    top_box: int = THRESHOLDS.csat_top_box,
    min_n: int = 30,
    as_of: str | datetime | None = None,
    stratify: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The service recovery paradox: later satisfaction and retention of customers whose
    failure was recovered, against customers without a failure (and a failed recovery).

    Each case falls in one group: ``no_failure`` (not dissatisfied), ``recovered`` (recovery
    succeeded), ``failed_recovery`` (a recovery step that did not succeed) or
    ``not_recovered`` (dissatisfied, no step). *Later satisfaction* is the first CSAT of the
    customer's next case; *retention*, a next case within ``horizon``. Each group is compared
    with ``no_failure``: Mann-Whitney U on later CSAT (effect: probability that the group's
    score is higher, 0.5 = no difference) and a two-proportion z test on retention (effect:
    difference in retention). ``df.attrs["verdict"]`` says in plain words what the data
    shows, with the sample sizes; it never claims a paradox on small or unclear evidence.

    With ``stratify="severity"`` the three failure groups are split by the severity of the
    case's complaint (``unknown`` for a failure without a complaint, e.g. a low score), and
    each stratum's groups are compared with the one ``no_failure`` group (its ``severity``
    is missing: a case without a failure has none). The output then has a ``severity``
    column first and ``df.attrs["verdicts"]`` holds one verdict per stratum. Because every
    stratum shares the same reference group, no Mantel-Haenszel pooled estimate is given:
    the unstratified comparison (``attrs["verdict"]``) is the pooled view.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.recovery_paradox(store)
    ...     strata = ca.metrics.recovery_paradox(store, stratify="severity")
    >>> df["group"].tolist()[:2], "n =" in df.attrs["verdict"]
    (['no_failure', 'recovered'], True)
    >>> int(strata["cases"].sum()) == int(df["cases"].sum()), strata.columns[0]
    (True, 'severity')
    """
    if stratify is not None and stratify not in STRATA:
        raise MetricError(
            f"recovery_paradox cannot stratify by {stratify!r}; use one of {', '.join(STRATA)}"
        )
    cutoff = resolve_as_of(tables(source), as_of)
    u = case_outcomes_expr(
        source,
        period=period,
        model=model,
        top_box=top_box,
        horizon=horizon,
        as_of=cutoff,
        channel=channel,
        activity=False,
    )
    group = ibis.cases(
        (~u.dissatisfied, "no_failure"),
        (u.recovered & u.success, "recovered"),
        (u.recovered & u.judged, "failed_recovery"),
        (~u.recovered, "not_recovered"),
        else_="recovery_not_judged",
    )
    stratum = ibis.ifelse(
        u.dissatisfied, u.severity.fill_null(UNKNOWN_STRATUM), ibis.null("string")
    )
    u = u.mutate(group=group, stratum=stratum)
    counts = (
        u.group_by("group", "stratum", "next_csat")
        .aggregate(
            cases=u.count(),
            judged=u.retention_judged.sum().cast("int64"),
            retained=(u.retention_judged & u.retained.fill_null(False)).sum().cast("int64"),
        )
        .execute()
    )
    rows, results = _paradox_rows(counts, top_box=top_box, confidence=confidence)
    attrs = {
        "metric": "recovery_paradox",
        "verdict": verdict(results.get("recovered"), min_n=min_n),
        "tests": {g: (mw.as_dict(), tz.as_dict()) for g, (mw, tz) in results.items()},
        "confidence": confidence,
        "as_of": cutoff.isoformat(),
        "rows_used": int(counts.loc[counts["group"] != "recovery_not_judged", "cases"].sum()),
        "rows_excluded": {
            "recovery not yet judged": int(
                counts.loc[counts["group"] == "recovery_not_judged", "cases"].sum()
            )
        },
    }
    if stratify is None:
        out = pd.DataFrame(rows)
        out.attrs.update(attrs)
        return out
    failed = counts[counts["group"].isin(GROUPS[1:])]
    strata = sorted(failed["stratum"].dropna().unique(), key=_severity_order)
    out_rows, verdicts = [{stratify: None, **rows[0]}], {}
    for s in strata:
        part = pd.concat([counts[counts["group"] == "no_failure"], failed[failed.stratum == s]])
        s_rows, s_results = _paradox_rows(part, top_box=top_box, confidence=confidence)
        out_rows += [{stratify: s, **row} for row in s_rows[1:]]
        verdicts[s] = f"Severity {s}: " + verdict(s_results.get("recovered"), min_n=min_n)
    out = pd.DataFrame(out_rows)
    out.attrs.update(attrs, stratify=stratify, verdicts=verdicts, pooled="none (shared reference)")
    return out


def _severity_order(level: str) -> tuple[int, str]:
    """Known severities from mild to severe, then others alphabetically, ``unknown`` last."""
    known = {"low": 0, "medium": 1, "high": 2, UNKNOWN_STRATUM: 4}
    return known.get(level, 3), level


def _paradox_rows(
    counts: pd.DataFrame, *, top_box: int, confidence: float
) -> tuple[list[dict[str, object]], dict[str, tuple[TestResult, TestResult]]]:
    """One row per group (``GROUPS`` order) from counts by group and next CSAT, each failure
    group compared with ``no_failure``; also the tests by group."""
    scores = list(range(1, 6))
    rows, results = [], {}
    base = counts[counts["group"] == "no_failure"]
    base_csat = [int(base.loc[base["next_csat"] == s, "cases"].sum()) for s in scores]
    base_ret = (int(base["retained"].sum()), int(base["judged"].sum()))
    for g in GROUPS:
        part = counts[counts["group"] == g]
        csat = [int(part.loc[part["next_csat"] == s, "cases"].sum()) for s in scores]
        ret = (int(part["retained"].sum()), int(part["judged"].sum()))
        n_csat = sum(csat)
        top = sum(c for s, c in zip(scores, csat, strict=True) if s >= top_box)
        lo, hi = wilson_interval(top, n_csat, confidence=confidence)
        rlo, rhi = wilson_interval(ret[0], ret[1], confidence=confidence)
        row = {
            "group": g,
            "cases": int(part["cases"].sum()),
            "later_csat_n": n_csat,
            "later_top_box": float(safe_ratio(top, n_csat)),
            "later_top_box_lo": float(lo),
            "later_top_box_hi": float(hi),
            "retention_judged": ret[1],
            "retention": float(safe_ratio(ret[0], ret[1])),
            "retention_lo": float(rlo),
            "retention_hi": float(rhi),
        }
        if g != "no_failure":
            mw = mann_whitney_counts(scores, base_csat, csat, confidence=confidence)
            tz = two_proportion_z(*base_ret, *ret, confidence=confidence)
            results[g] = (mw, tz)
            row.update(
                csat_superiority=mw.effect,
                csat_superiority_lo=mw.effect_lo,
                csat_superiority_hi=mw.effect_hi,
                csat_p_value=mw.p_value,
                retention_difference=tz.effect,
                retention_difference_lo=tz.effect_lo,
                retention_difference_hi=tz.effect_hi,
                retention_p_value=tz.p_value,
            )
        rows.append(row)
    return rows, results


def verdict(results: tuple[TestResult, TestResult] | None, *, min_n: int = 30) -> str:
    """A plain-language reading of the recovered-versus-no-failure comparison that states the
    sample sizes and claims no more than the tests show."""
    if results is None:
        return "No recovered customers to compare."
    mw, tz = results
    n0, n1 = mw.n
    sizes = f"n = {n1:,} recovered and {n0:,} without a failure with a later rating"
    if min(n0, n1) < min_n:
        return (
            f"Too few later ratings to judge the recovery paradox ({sizes}; at least "
            f"{min_n} in each group are needed)."
        )
    effect = (
        f"probability that a recovered customer rates higher: {mw.effect:.2f} "
        f"({mw.effect_lo:.2f}–{mw.effect_hi:.2f}; 0.50 = no difference), p = {mw.p_value:.3f}"
    )
    retention = (
        f"retention difference {tz.effect:+.1%} ({tz.effect_lo:+.1%} to {tz.effect_hi:+.1%}, "
        f"n = {tz.n[1]:,} and {tz.n[0]:,}), p = {tz.p_value:.3f}"
    )
    if mw.significant() and mw.effect > 0.5:
        head = (
            "Recovered customers rated their next case higher than customers without a "
            "failure: consistent with a service recovery paradox in this data. It is an "
            "observational comparison, not proof that the recovery caused it."
        )
    elif mw.significant():
        head = (
            "Recovered customers rated their next case lower than customers without a "
            "failure: no service recovery paradox here."
        )
    else:
        head = (
            "No clear difference in later satisfaction between recovered customers and "
            "customers without a failure: this data neither shows nor rules out a paradox."
        )
    return f"{head} ({sizes}; {effect}; {retention}.)"


def plot_recovery_paradox(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """Later top-box CSAT and retention per group, with 95% intervals."""
    require_columns(df, ("group", "later_top_box", "retention"), "plot_recovery_paradox")
    fig = fig if fig is not None else go.Figure()
    for i, (name, label) in enumerate(
        (("later_top_box", "next case rated top box"), ("retention", "came back"))
    ):
        fig.add_trace(
            go.Bar(
                x=df["group"].str.replace("_", " "),
                y=df[name],
                name=label,
                marker_color=PALETTE[i],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": df[f"{name}_hi"] - df[name],
                    "arrayminus": df[name] - df[f"{name}_lo"],
                },
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05])
    return finish_layout(fig, title=title, height=380)
