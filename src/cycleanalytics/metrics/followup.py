"""Closing the loop (DESIGN §6): which cases need a follow-up, who owns it, when it is due,
and the share followed up in time.

Definitions (contracts). A case **needs a follow-up** when it has a trigger, the earliest of:

- ``detractor``: an NPS answer ``<= nps_max`` (6), at the time of the answer;
- ``low_csat``: a CSAT answer ``<= csat_max`` (2), at the time of the answer;
- ``open_complaint``: a complaint still unresolved at the as-of time, at its opening;
- ``failed_recovery``: a complaint resolved but reopened, or with ``csat_after <= csat_max``,
  at its resolution.

(ties in time: in this order, then by event id). A complaint without a case id is a case of
its own (``complaint:<id>``), as in :func:`~cycleanalytics.metrics.recovery`. The case is
**followed up** at its first *contact* at or after the trigger time, other than the trigger
itself: an event of the ``follow_up`` stage or of the model's conditional (recovery) stage,
or a complaint's first response. It is **closed in time** when that contact is within
``sla`` (default 48 h) of the trigger; the item is **due** at trigger + ``sla``.

The **loop-closure rate** is closed-in-time items / items already due at the as-of time.
Items not yet due are right-censored: they are neither successes nor failures (they are
counted in ``not_yet_due``), so a recent period is not penalised for follow-ups that may
still come. Only data up to the as-of time (default: the data's latest timestamp) is seen.
The **owner** is the agent of the case's last event that names one. ``period`` and time
grains use the trigger time; ``channel`` is the trigger's channel (the answer's interaction or
the complaint's).

The engine builds one row per case needing a follow-up (one Ibis expression); counts and
Wilson intervals follow in pandas. The worklist is an analyst output: customer ids are
pseudonymised by default (HMAC-SHA256, as the ingest's ``[pseudonymize]``), and manager
reports show only the rates.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd
import plotly.graph_objects as go

from cycleanalytics.errors import MetricError
from cycleanalytics.metrics._common import (
    TIME_GRAINS,
    Period,
    as_list,
    attach_breakdown,
    microseconds_between,
    parse_duration,
)
from cycleanalytics.metrics._outcomes import (
    check_by,
    is_resolved,
    resolve_as_of,
    tables,
    ts_literal,
)
from cycleanalytics.metrics._registry import Option, register
from cycleanalytics.metrics._sequences import event_order
from cycleanalytics.metrics.definitions import THRESHOLDS, TRIGGER_CHANNEL, TRIGGER_TIME, Scope
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

REASONS = ("detractor", "low_csat", "open_complaint", "failed_recovery")
STATUSES = ("overdue", "open", "closed_late", "closed_in_time")
KEY_ENV = "CYCLEANALYTICS_PSEUDONYM_KEY"
LOOP_CLOSURE_COLUMNS = (
    "items",
    "due",
    "closed_in_time",
    "closed_late",
    "open_overdue",
    "not_yet_due",
    "loop_closure",
    "loop_closure_lo",
    "loop_closure_hi",
    "low_n",
)
# Breakdown columns of the per-item table besides time grains and customer columns.
ITEM_BREAKDOWNS = ("reason", "channel", "owner")


def _sla_us(sla: str | timedelta) -> int:
    span = parse_duration(sla)
    if span is None or span.total_seconds() <= 0:
        raise MetricError(f"the follow-up SLA must be a positive duration, e.g. 48h, not {sla!r}")
    return int(span.total_seconds() * 1_000_000)


def followup_items_expr(
    source: Store | ir.Table,
    *,
    sla: str | timedelta = "48h",
    as_of: str | datetime | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    nps_max: int = THRESHOLDS.nps_detractor,
    csat_max: int = THRESHOLDS.csat_dissatisfied,
    by: Sequence[str] = (),
) -> ir.Table:
    """One row per case needing a follow-up (an Ibis expression): ``case_id``,
    ``customer_id``, ``reason`` (of the first trigger), one ``has_<reason>`` flag per reason,
    ``triggered_at``, ``channel``, ``owner``, ``trigger_id``, ``followed_up_at`` (NULL: not
    yet), ``in_time`` (followed up within the SLA), ``due`` (the SLA has run out at the as-of
    time), and the ``by`` columns."""
    sla_us = _sla_us(sla)
    period = Period.parse(period)
    model = resolve_model(model)
    contact_stages = ["follow_up", *(s.id for s in model.stages if s.conditional)]
    src = tables(source)
    if src.interactions is None and src.complaints is None:
        raise MetricError("follow-up needs interactions or complaints; pass a Store")
    cutoff = ts_literal(resolve_as_of(src, as_of))
    text, stamp = "string", "timestamp('UTC')"

    def trig(rows: ir.Table, **columns: Any) -> ir.Table:
        return rows.select(**columns).cast(
            {
                "case_id": text,
                "customer_id": text,
                "t": stamp,
                "reason": text,
                "prec": "int64",
                "channel": text,
                "tid": text,
            }
        )

    parts, contacts = [], []
    e = src.interactions
    if e is not None:
        e = e.filter(e.ts <= cutoff)
        for name, rule in (("detractor", e.nps <= nps_max), ("low_csat", e.csat <= csat_max)):
            hit = e.filter(rule.fill_null(False))
            parts.append(
                trig(
                    hit,
                    case_id=hit.case_id,
                    customer_id=hit.customer_id,
                    t=hit.ts,
                    reason=ibis.literal(name),
                    prec=ibis.literal(REASONS.index(name)),
                    channel=hit.channel,
                    tid=hit.interaction_id,
                )
            )
        k = e.filter(e.stage.isin(contact_stages).fill_null(False))
        contacts.append(k.select(k_case=k.case_id, k_ts=k.ts, k_id=k.interaction_id))
    c = src.complaints
    if c is not None:
        c = c.filter(c.opened_at <= cutoff)
        case = c.case_id.fill_null(ibis.literal("complaint:") + c.complaint_id)
        c = c.mutate(_case=case, _cid=ibis.literal("complaint:") + c.complaint_id)
        resolved = is_resolved(c, cutoff)
        # a failed recovery starts its follow-up clock when it was resolved: a complaint
        # closed by a status alone has no such time and cannot be followed up on time
        failed = (
            resolved
            & c.resolved_at.notnull()
            & (c.reopened.fill_null(False) | (c.csat_after <= csat_max).fill_null(False))
        )
        for name, rows, when in (
            ("open_complaint", c.filter(~resolved), "opened_at"),
            ("failed_recovery", c.filter(failed), "resolved_at"),
        ):
            parts.append(
                trig(
                    rows,
                    case_id=rows._case,
                    customer_id=rows.customer_id,
                    t=rows[when],
                    reason=ibis.literal(name),
                    prec=ibis.literal(REASONS.index(name)),
                    channel=rows.channel,
                    tid=rows._cid,
                )
            )
        r = c.filter(c.first_response_at.notnull() & (c.first_response_at <= cutoff))
        contacts.append(
            r.select(
                k_case=r._case,
                k_ts=r.first_response_at.cast(stamp),
                k_id=ibis.literal("response:") + r.complaint_id,
            )
        )
    triggers = parts[0]
    for more in parts[1:]:
        triggers = triggers.union(more)
    flags = triggers.group_by(f_case=triggers.case_id).aggregate(
        **{f"has_{name}": (triggers.reason == name).cast("int64").sum() > 0 for name in REASONS}
    )
    ranked = triggers.mutate(
        _r=ibis.row_number().over(
            group_by=triggers.case_id, order_by=[triggers.t, triggers.prec, triggers.tid]
        )
    )
    first = ranked.filter(ranked._r == 0).select(
        "case_id", "customer_id", "reason", "channel", triggered_at="t", trigger_id="tid"
    )
    first = first.join(flags, first.case_id == flags.f_case).drop("f_case")
    contact = contacts[0].cast({"k_case": text, "k_ts": stamp, "k_id": text})
    for more in contacts[1:]:
        contact = contact.union(more.cast({"k_case": text, "k_ts": stamp, "k_id": text}))
    pairs = first.select("case_id", "triggered_at", "trigger_id").join(
        contact, first.case_id == contact.k_case
    )
    pairs = pairs.filter((pairs.k_ts >= pairs.triggered_at) & (pairs.k_id != pairs.trigger_id))
    done = pairs.group_by(d_case=pairs.case_id).aggregate(followed_up_at=pairs.k_ts.min())
    items = first.left_join(done, first.case_id == done.d_case).drop("d_case")
    if e is not None:
        agents = e.filter(e.agent_id.notnull())
        agents = agents.mutate(
            _r=ibis.row_number().over(
                group_by=agents.case_id,
                order_by=event_order(agents, descending=True),
            )
        )
        owners = agents.filter(agents._r == 0).select(o_case="case_id", owner="agent_id")
        items = items.left_join(owners, items.case_id == owners.o_case).drop("o_case")
    else:
        items = items.mutate(owner=ibis.null("string"))
    items = items.mutate(
        in_time=(
            items.followed_up_at.notnull()
            & (microseconds_between(items.triggered_at, items.followed_up_at) <= sla_us)
        ).fill_null(False),
        due=microseconds_between(items.triggered_at, cutoff) >= sla_us,
    )
    if not period.is_open:
        items = items.filter(period.contains(items.triggered_at))
    channels = as_list(channel)
    if channels:
        items = items.filter(items.channel.isin(channels))
    by = [b for b in by if b not in items.columns]
    if by:
        items = attach_breakdown(items, list(by), src.customers, "triggered_at")
    return items


def _check_by(by: list[str], source: Any) -> None:
    src = tables(source)
    probe = ibis.table({name: "string" for name in ITEM_BREAKDOWNS}, name="items")
    if "agent_id" in by:
        raise MetricError("the owner of a follow-up is its agent: break down by 'owner'")
    check_by(by, probe, src.customers, "loop_closure")


@register(
    "loop_closure",
    unit="share of due follow-ups made within the SLA",
    scopes=Scope(
        TRIGGER_TIME,
        TRIGGER_CHANNEL,
        "cases with a detractor NPS, a low CSAT, an open complaint or a failed recovery "
        "(earliest trigger each); the rate counts those whose SLA ran out by the as-of time",
    ),
    options=(
        Option("sla", str, "Time allowed for the follow-up, e.g. 48h or 2d.", "48h"),
        Option("as_of", str, "The data's as-of time (default: its latest timestamp)."),
        Option("min_n", int, "Flag groups with fewer due items than this (low_n).", 30),
    ),
)
def loop_closure(
    source: Store | ir.Table,
    *,
    by: str | Sequence[str] | None = None,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    sla: str | timedelta = "48h",
    as_of: str | datetime | None = None,
    nps_max: int = THRESHOLDS.nps_detractor,
    csat_max: int = THRESHOLDS.csat_dissatisfied,
    min_n: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Loop-closure rate: the share of cases needing a follow-up (detractors, low CSAT, open
    complaints, failed recoveries) that were followed up within the SLA, with its interval.

    Parameters
    ----------
    source
        A :class:`~cycleanalytics.Store` (interactions and/or complaints).
    by
        Breakdown: ``reason``, ``channel`` (of the trigger), ``owner``, ``segment``/``region``,
        or a time grain of the trigger time (``day`` ... ``year``: the trend).
    period, channel
        Items triggered in the period / on the channel(s).
    model
        The cycle model: its conditional (recovery) stage counts as a follow-up contact.
    sla
        Time allowed from trigger to follow-up (``"48h"``).
    as_of
        The as-of time (default: the latest timestamp in the data).
    nps_max, csat_max
        Answers at or below these trigger a follow-up (6 and 2).
    min_n
        Groups with fewer due items are flagged in ``low_n``.

    Returns
    -------
    DataFrame
        One row per group: the ``by`` columns, then ``LOOP_CLOSURE_COLUMNS``: ``items``
        (cases needing a follow-up), ``due`` (their SLA has run out), ``closed_in_time``,
        ``closed_late`` and ``open_overdue`` (these three add up to ``due``),
        ``not_yet_due`` (right-censored, not in the rate), ``loop_closure`` =
        closed_in_time / due with its Wilson interval. ``attrs["definition"]`` states the
        basis, population, filters, rows used and excluded, and as-of time.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.loop_closure(store, by="reason")
    >>> sorted(df["reason"])
    ['detractor', 'failed_recovery', 'low_csat', 'open_complaint']
    >>> bool((df["closed_in_time"] + df["closed_late"] + df["open_overdue"] == df["due"]).all())
    True
    """
    by = as_list(by)
    _check_by(by, source)
    period = Period.parse(period)
    cutoff = resolve_as_of(tables(source), as_of)
    items = followup_items_expr(
        source,
        sla=sla,
        as_of=cutoff,
        period=period,
        channel=channel,
        model=model,
        nps_max=nps_max,
        csat_max=csat_max,
        by=by,
    )
    followed = items.followed_up_at.notnull()
    counts = {
        "items": items.count(),
        "due": items.due.cast("int64").sum(),
        "closed_in_time": (items.due & items.in_time).cast("int64").sum(),
        "closed_late": (items.due & followed & ~items.in_time).cast("int64").sum(),
        "open_overdue": (items.due & ~followed).cast("int64").sum(),
    }
    expr = items.group_by(by).aggregate(**counts).order_by(by) if by else items.aggregate(**counts)
    raw = expr.execute()
    out = raw[by].copy() if by else pd.DataFrame(index=raw.index)
    if raw.empty and not by:
        raw = pd.DataFrame({k: [0] for k in counts})
        out = pd.DataFrame(index=raw.index)
    for column in counts:
        out[column] = raw[column].fillna(0).astype("int64")
    out["not_yet_due"] = out["items"] - out["due"]
    out["loop_closure"] = safe_ratio(out["closed_in_time"], out["due"])
    out["loop_closure_lo"], out["loop_closure_hi"] = wilson_interval(
        out["closed_in_time"], out["due"], confidence=confidence
    )
    out["low_n"] = out["due"] < min_n
    out = out.reset_index(drop=True)[[*by, *LOOP_CLOSURE_COLUMNS]]
    out.attrs.update(
        metric="loop_closure",
        as_of=cutoff.isoformat(),
        period=period.label(),
        channel=", ".join(as_list(channel)) or "all",
        confidence=confidence,
        rows_used=int(out["due"].sum()),
        rows_excluded={"not yet due (right-censored)": int(out["not_yet_due"].sum())},
        missing=_loop_missing(int(out["due"].sum()), _no_events(tables(source).interactions)),
    )
    if out.attrs["missing"]:  # never a 0% that means "not measured"
        out[["loop_closure", "loop_closure_lo", "loop_closure_hi"]] = float("nan")
    return out


def _no_events(events: ir.Table | None) -> bool:
    return events is None or int(events.limit(1).count().execute()) == 0


def _loop_missing(due: int, no_contacts: bool) -> dict[str, str]:
    if no_contacts:  # a complaint registry alone: a follow-up contact could not be seen
        return {"loop_closure": "no interactions loaded: follow-up contacts are not recorded"}
    return {} if due else {"loop_closure": "no follow-up in scope is due"}


# -- the worklist (analyst output) -----------------------------------------------------------


def pseudonymize(values: pd.Series, key: str | bytes | None = None) -> tuple[pd.Series, str]:
    """HMAC-SHA256 (hex) of each value under ``key``, the same pseudonym the ingest's
    ``[pseudonymize]`` gives with the same key; missing values stay missing.

    The key is ``key``, else the environment variable ``CYCLEANALYTICS_PSEUDONYM_KEY``, else a
    random key for this call only (pseudonyms then cannot be linked across runs). Returns the
    pseudonyms and which key was used (``"given"``, ``"environment"``, ``"random"``).

    >>> ids, how = pseudonymize(pd.Series(["C1", None]), key="secret")
    >>> ids[0] == hmac.new(b"secret", b"C1", hashlib.sha256).hexdigest(), ids[1], how
    (True, None, 'given')
    """
    if key is not None:
        how = "given"
    elif os.environ.get(KEY_ENV):
        key, how = os.environ[KEY_ENV], "environment"
    else:
        key, how = secrets.token_bytes(32), "random"
    raw = key.encode("utf-8") if isinstance(key, str) else key

    def one(value: object) -> object:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        return hmac.new(raw, str(value).encode("utf-8"), hashlib.sha256).hexdigest()

    return pd.Series([one(v) for v in values], index=values.index, dtype=object), how


WORKLIST_COLUMNS = (
    "case_id",
    "customer",
    "reason",
    "reasons",
    "owner",
    "channel",
    "triggered_at",
    "due_at",
    "followed_up_at",
    "status",
    "overdue",
    "hours_overdue",
)


def followup_worklist(
    source: Store | ir.Table,
    *,
    period: Period | str | None = None,
    channel: str | Sequence[str] | None = None,
    model: CycleModel | str | Path | None = None,
    sla: str | timedelta = "48h",
    as_of: str | datetime | None = None,
    nps_max: int = THRESHOLDS.nps_detractor,
    csat_max: int = THRESHOLDS.csat_dissatisfied,
    include_closed: bool = False,
    pseudonymize_ids: bool = True,
    key: str | bytes | None = None,
) -> pd.DataFrame:
    """The cases that need a follow-up, with reason, owner and due time: an analyst's list.

    Parameters
    ----------
    source, period, channel, model, sla, as_of, nps_max, csat_max
        As for :func:`loop_closure` (the same items).
    include_closed
        Also list items already followed up (``closed_in_time``, ``closed_late``); by
        default only ``overdue`` and ``open`` ones.
    pseudonymize_ids
        Replace customer ids by their keyed hash (default; see :func:`pseudonymize`). Turn it
        off only where the reader may see customer ids.
    key
        The pseudonym key (default: ``CYCLEANALYTICS_PSEUDONYM_KEY``, else a random one).

    Returns
    -------
    DataFrame
        ``WORKLIST_COLUMNS``, overdue items first, then by due time. ``reason`` is the first
        trigger's; ``reasons`` every reason of the case (``;``-separated). ``status`` is
        ``overdue``, ``open`` (not yet due), ``closed_late`` or ``closed_in_time``;
        ``hours_overdue`` how long past due an open item is. ``attrs`` holds ``as_of``,
        ``sla`` and ``pseudonyms`` (which key was used, or ``"off"``).

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     todo = followup_worklist(store, key="k")
    >>> set(todo["status"]) <= {"overdue", "open"}, len(todo["customer"].iloc[0])
    (True, 64)
    """
    cutoff = resolve_as_of(tables(source), as_of)
    items = followup_items_expr(
        source,
        sla=sla,
        as_of=cutoff,
        period=period,
        channel=channel,
        model=model,
        nps_max=nps_max,
        csat_max=csat_max,
    )
    raw = items.order_by("case_id").execute()
    span = pd.Timedelta(microseconds=_sla_us(sla))
    now = pd.Timestamp(cutoff)
    out = pd.DataFrame({"case_id": raw["case_id"].astype(object)})
    if pseudonymize_ids:
        out["customer"], how = pseudonymize(raw["customer_id"], key)
    else:
        out["customer"], how = raw["customer_id"].astype(object), "off"
    out["reason"] = raw["reason"]
    out["reasons"] = [
        ";".join(r for r in REASONS if bool(row[f"has_{r}"]))
        for _, row in raw[[f"has_{r}" for r in REASONS]].iterrows()
    ]
    out["owner"] = raw["owner"]
    out["channel"] = raw["channel"]
    out["triggered_at"] = raw["triggered_at"]
    out["due_at"] = raw["triggered_at"] + span
    out["followed_up_at"] = raw["followed_up_at"]
    followed = raw["followed_up_at"].notna()
    due = raw["due"].astype(bool)
    in_time = raw["in_time"].astype(bool)
    status = pd.Series("open", index=raw.index, dtype=object)
    status[~followed & due] = "overdue"
    status[followed & ~in_time] = "closed_late"
    status[followed & in_time] = "closed_in_time"
    out["status"] = status
    out["overdue"] = (~followed & due).to_numpy()
    late = (now - out["due_at"]).dt.total_seconds() / 3600
    out["hours_overdue"] = late.where(out["overdue"]).round(1)
    if not include_closed:
        out = out[~followed.to_numpy()]
    out = out.sort_values(["overdue", "due_at", "case_id"], ascending=[False, True, True])
    out = out.reset_index(drop=True)[list(WORKLIST_COLUMNS)]
    out.attrs.update(
        as_of=cutoff.isoformat(), sla=str(parse_duration(sla)), pseudonyms=how, rows=len(out)
    )
    return out


#: The first characters that make a spreadsheet read a CSV cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: object) -> object:
    """A text cell a spreadsheet will not run: a leading ``'`` before ``= + - @``, tab or CR.

    >>> formula_safe("=HYPERLINK(1)"), formula_safe("-3"), formula_safe("ok"), formula_safe(3)
    ("'=HYPERLINK(1)", "'-3", 'ok', 3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def formula_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells are :func:`formula_safe` (numbers and times are
    left as they are), for writing to CSV."""
    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(formula_safe)
    return out


# -- figure and terminal table -----------------------------------------------------------------


def plot_loop_closure(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """Loop-closure rate with its 95% interval: a line over time when a time grain is the
    breakdown (the trend), bars per group otherwise.

    >>> t = pd.DataFrame({"month": pd.to_datetime(["2026-01-01", "2026-02-01"]), "items": 5,
    ...     "due": [4, 5], "loop_closure": [0.5, 0.6], "loop_closure_lo": [0.2, 0.3],
    ...     "loop_closure_hi": [0.8, 0.9]})
    >>> plot_loop_closure(t).data[0].type
    'scatter'
    """
    require_columns(df, ("loop_closure", "loop_closure_lo", "loop_closure_hi"), "plot")
    fig = fig if fig is not None else go.Figure()
    by = breakdown_columns(df, "items")
    df = top_groups(df, by, "items")
    grains = [c for c in by if c in TIME_GRAINS]
    error = {
        "type": "data",
        "symmetric": False,
        "array": df["loop_closure_hi"] - df["loop_closure"],
        "arrayminus": df["loop_closure"] - df["loop_closure_lo"],
    }
    hover = "followed up in time %{y:.1%}<br>%{customdata:,} due<extra></extra>"
    if grains:
        fig.add_trace(
            go.Scatter(
                x=df[grains[0]],
                y=df["loop_closure"],
                mode="lines+markers",
                line_color=PALETTE[0],
                error_y=error,
                customdata=df["due"],
                hovertemplate=hover,
                name="loop closure",
            )
        )
    else:
        labels = (
            df[by].astype(object).fillna("(none)").astype(str).agg(" / ".join, axis=1)
            if by
            else ["all"] * len(df)
        )
        fig.add_trace(
            go.Bar(
                x=[str(v).replace("_", " ") for v in labels],
                y=df["loop_closure"],
                marker_color=PALETTE[0],
                error_y=error,
                customdata=df["due"],
                hovertemplate=hover,
                name="loop closure",
            )
        )
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05], title="followed up within the SLA")
    return finish_layout(fig, title=title, df=df, height=360)


def readable_loop_closure(df: pd.DataFrame) -> pd.DataFrame:
    """Rates with intervals and their counts, for a terminal."""
    from cycleanalytics.metrics._outcomes import with_interval

    by = breakdown_columns(df, "items")
    shown = df[[*by, "items", "due", "closed_in_time", "closed_late", "open_overdue"]].copy()
    shown["not yet due"] = df["not_yet_due"]
    shown["loop closure"] = [
        with_interval(*v)
        for v in zip(df["loop_closure"], df["loop_closure_lo"], df["loop_closure_hi"], strict=True)
    ]
    shown["few"] = df["low_n"].map({True: "yes", False: ""})
    return shown
