"""What the outcome metrics (satisfaction, complaints, resolution, recovery, cost) share:
finding their tables in a source, checking breakdown columns, the data's as-of time, and the
small formatting helpers of their terminal tables."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import ibis
import pandas as pd

from cycleanalytics.errors import CycleAnalyticsError, MetricError
from cycleanalytics.metrics._common import CUSTOMER_COLUMNS, TIME_GRAINS, to_instant
from cycleanalytics.schema import BOOKKEEPING

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cycleanalytics.store import Store

DAY_US = 86_400 * 1_000_000
HOUR_US = 3_600 * 1_000_000


@dataclass(frozen=True)
class Tables:
    """The canonical tables a metric reads; ``None`` where the source has none."""

    interactions: ir.Table | None
    complaints: ir.Table | None
    customers: ir.Table | None
    store: Store | None = None


def tables(source: Store | ir.Table) -> Tables:
    """The tables of a store (anything with ``.table(name)``: a DuckDB ``Store``, a Spark
    store), or one Ibis table recognised by its id column."""
    if isinstance(source, ibis.expr.types.Table):
        if "complaint_id" in source.columns:
            return Tables(None, source, None)
        if "interaction_id" in source.columns:
            return Tables(source, None, None)
        raise MetricError(
            "the table given has neither interaction_id nor complaint_id; pass a Store or an "
            "Ibis table with the canonical interactions or complaints columns"
        )
    if callable(getattr(source, "table", None)):

        def get(name: str) -> ir.Table | None:
            try:
                return source.table(name)
            except CycleAnalyticsError:
                return None

        return Tables(get("interactions"), get("complaints"), get("customers"), source)
    raise MetricError(
        f"metrics take a cycleanalytics Store or an Ibis table, not {type(source).__name__}"
    )


def need(table: ir.Table | None, name: str, metric: str) -> ir.Table:
    if table is None:
        raise MetricError(
            f"{metric} needs the {name} table; pass a Store (or an Ibis table of canonical {name})"
        )
    return table


def check_by(
    by: list[str], table: ir.Table, customers: ir.Table | None, what: str | None = None
) -> None:
    """Fail early, naming the closest valid column, on an unknown breakdown column: the one
    breakdown check of every metric (``what`` names the measure in the message)."""
    if "text" in by:
        raise MetricError("complaint texts hold personal data and cannot be a breakdown")
    from cycleanalytics.metrics._sources import breakdown_attributes

    # bookkeeping (load, source row, the attributes map itself) is no breakdown; an
    # attribute is, by its own name (breakdown_attributes)
    hidden = ("text", *BOOKKEEPING)
    valid = [c for c in table.columns if c not in hidden] + list(TIME_GRAINS)
    valid += [c for c in breakdown_attributes() if c not in valid]  # by a mapping's attributes
    if customers is not None:
        valid += [c for c in CUSTOMER_COLUMNS if c not in valid]
    for name in by:
        if name not in valid:
            close = difflib.get_close_matches(name, valid, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            measure = f" {what}" if what else ""
            raise MetricError(
                f"cannot break down{measure} by {name!r}{hint} Columns you can use: "
                f"{', '.join(valid)}"
            )


# Per-case columns of the outcome tables that make sense as breakdowns (the others are working
# columns of the computation).
CASE_BREAKDOWNS = ("recovery_action", "category", "severity")

#: The ``rows_excluded`` reason of complaints closed by a status with no resolution date
#: (``complaints.closed``): they count as resolved, but have no time to resolve or be open.
CLOSED_UNDATED = "closed by a status, no resolution time"


def attach_case_breakdown(
    cases: ir.Table, by: list[str], customers: ir.Table | None, what: str
) -> ir.Table:
    """Check ``by`` against a per-case table and add what it names: time grains of the case's
    ``start`` and customer columns (joined by ``customer_id``)."""
    public = [c for c in CASE_BREAKDOWNS if c in cases.columns]
    check_by(by, cases.select(*public), customers, what)
    from cycleanalytics.metrics._sources import attach_case_attributes

    grains = {b: cases.start.truncate(TIME_GRAINS[b]) for b in by if b in TIME_GRAINS}
    if grains:
        cases = cases.mutate(**grains)
    cases = attach_case_attributes(cases, by)
    wanted = [b for b in by if b not in cases.columns]
    if wanted and customers is not None:
        extra = customers.select("customer_id", *wanted)
        cases = cases.left_join(extra, "customer_id").drop("customer_id_right")
    return cases


def resolve_as_of(src: Tables, as_of: str | datetime | None) -> datetime:
    """The as-of time: given, or the latest timestamp in the data (interactions' ``ts``,
    complaints' opening, first response and resolution), computed through Ibis so that it
    works on every engine."""
    if as_of is not None:
        value = to_instant(as_of)
        assert value is not None
        return value
    from cycleanalytics.metrics._sources import AttributeSource, SegmentSource, unwrapped

    if isinstance(src.store, SegmentSource | AttributeSource):  # the data's end, whatever is kept
        src = tables(unwrapped(src.store))
    remembered = getattr(src.store, "remembered", None)  # a read-only Store: asked once
    if callable(remembered):
        return remembered(("as_of",), lambda: _latest_time(src))
    return _latest_time(src)


def _latest_time(src: Tables) -> datetime:
    """The latest timestamp of the tables of ``src`` (see :func:`resolve_as_of`)."""
    # One query for every table's latest time (one compile, one round trip).
    parts = []
    if src.complaints is not None:
        c = src.complaints
        parts.append(
            c.aggregate(_a=c.opened_at.max(), _b=c.first_response_at.max(), _c=c.resolved_at.max())
        )
    if src.interactions is not None:
        parts.append(src.interactions.aggregate(_d=src.interactions.ts.max()))
    times = []
    if parts:
        latest = parts[0] if len(parts) == 1 else parts[0].cross_join(parts[1])
        times = latest.execute().iloc[0].tolist()
    times = [t for t in times if t is not None and not pd.isna(t)]
    if not times:
        raise MetricError(
            "there is no data to compute on: the tables hold no timestamps; load exports first "
            "(cycleanalytics load) or give as_of explicitly"
        )
    return to_instant(max(times).to_pydatetime())  # type: ignore[arg-type]


def is_resolved(c: ir.Table, cutoff: ir.TimestampScalar | datetime) -> ir.BooleanColumn:
    """Whether each complaint counts as resolved at ``cutoff``: its ``resolved_at`` is at or
    before it, or, with no ``resolved_at``, a status closed it (``closed``, e.g. a complaint
    registry's company response; such a complaint has no resolution time).

    The one definition every outcome metric uses (reopen, recovery, backlog, follow-ups)."""
    dated = c.resolved_at.notnull() & (c.resolved_at <= cutoff).fill_null(False)
    if "closed" not in c.columns:  # an Ibis table or an older lake without the column
        return dated
    return dated | (c.resolved_at.isnull() & c.closed.fill_null(False))


def closed_without_date(c: ir.Table) -> ir.BooleanColumn:
    """Complaints a status closed that have no ``resolved_at``: resolved, time unknown."""
    if "closed" not in c.columns:
        return ibis.literal(False)
    return c.resolved_at.isnull() & c.closed.fill_null(False)


def ts_literal(value: datetime) -> ir.TimestampScalar:
    return ibis.literal(value, type="timestamp('UTC')")


def pct(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.1%}"


def with_interval(value: float, lo: float, hi: float, fmt: str = "{:.1%}") -> str:
    if pd.isna(value):
        return "–"
    if pd.isna(lo) or pd.isna(hi):
        return fmt.format(value)
    return f"{fmt.format(value)} ({fmt.format(lo)}–{fmt.format(hi)})"
