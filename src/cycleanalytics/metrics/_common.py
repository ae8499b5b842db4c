"""What every metric shares: the period type, the source of tables, filters and breakdowns.

Every metric has the same shape (STYLE.md): ``metric(source, *, by=None, period=None,
channel=None, **options) -> DataFrame``. The helpers here resolve those shared arguments once,
so a new metric gets them right by construction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import ibis
import ibis.expr.datatypes as dt

from cycleanalytics.errors import MetricError, ParameterError, StoreError
from cycleanalytics.schema import CUSTOMERS, INTERACTIONS

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cycleanalytics.periods import ReportPeriod

TIME_GRAINS = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
CUSTOMER_COLUMNS = tuple(c for c in CUSTOMERS.column_names if c not in ("customer_id", "load_id"))


def _parse_instant(text: str) -> datetime:
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}", text):
            value = datetime.strptime(text, "%Y-%m")
        else:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise MetricError(
            f"cannot read {text!r} as a date; use YYYY-MM-DD, YYYY-MM or an ISO timestamp"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_instant(value: str | date | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return _parse_instant(str(value))


@dataclass(frozen=True)
class Period:
    """A half-open time range ``[start, end)`` in UTC; either end may be open (None).

    Build it with :meth:`parse` from the text a person types: days are whole and both ends of a
    range of days are included (``2026-06-01..2026-06-30`` is all of June), a month, quarter or
    year means all of it, and :meth:`label` always names the days that are counted.

    Examples
    --------
    >>> Period.parse("2026-01-01..2026-02-28").label()
    '2026-01-01 to 2026-02-28'
    >>> Period.parse("2026-02").end
    datetime.datetime(2026, 3, 1, 0, 0, tzinfo=datetime.timezone.utc)
    >>> Period.parse("2026-Q1").label(), Period.parse("2026").label()
    ('2026-01-01 to 2026-03-31', '2026-01-01 to 2026-12-31')
    >>> Period.parse("2026-06-01T08:00..2026-06-01T12:00").label()
    '2026-06-01 08:00 to 2026-06-01 12:00 (UTC, end excluded)'
    """

    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", to_instant(self.start))
        object.__setattr__(self, "end", to_instant(self.end))
        if self.start and self.end and self.end <= self.start:
            raise MetricError(
                f"period ends ({self.end:%Y-%m-%d}) before it starts ({self.start:%Y-%m-%d})"
            )

    @classmethod
    def parse(cls, text: str | Period | ReportPeriod | None, *, as_of: object = None) -> Period:
        """Read a period as people write it.

        - days, both ends included: ``2026-01-01..2026-03-31``, one day ``2026-03-15``, and
          open-ended ``2026-01-01..`` or ``..2026-03-31``;
        - a whole month ``2026-03``, quarter ``2026-Q1`` or year ``2026``; a range of months
          ``2026-01..2026-03`` (January to March, both included);
        - a rolling name (``last_month``, ``last_quarter``, ``last_7_days``,
          ``month_to_date``), resolved against ``as_of`` (default today);
        - instants with a time of day (``2026-03-01T08:00..2026-03-01T12:00``): start
          included, end excluded.
        """
        from cycleanalytics.periods import ReportPeriod, resolve_period

        if text is None:
            return cls()
        if isinstance(text, Period):
            return text
        if isinstance(text, ReportPeriod):
            return cls(text.first, text.last + timedelta(days=1))
        if not isinstance(text, str):
            raise MetricError(f"cannot read period {text!r}; {_PERIOD_FORMS}")
        raw = text.strip()
        if not raw:
            return cls()
        if ".." in raw:
            first, _, last = (part.strip() for part in raw.partition(".."))
            if not first and not last:
                return cls()
            return cls(_period_start(first, raw), _period_end(last, raw))
        if re.fullmatch(r"\d{4}", raw):
            return cls(_period_start(raw, raw), _period_end(raw, raw))
        try:
            return cls.parse(resolve_period(raw, as_of=as_of))
        except ParameterError:
            raise MetricError(f"cannot read period {text!r}; {_PERIOD_FORMS}") from None

    @property
    def is_open(self) -> bool:
        return self.start is None and self.end is None

    def contains(self, column: ir.TimestampValue) -> ir.BooleanValue:
        """An Ibis predicate: ``start <= column < end``."""
        condition = ibis.literal(True)
        if self.start is not None:
            condition &= column >= ibis.literal(self.start, type="timestamp('UTC')")
        if self.end is not None:
            condition &= column < ibis.literal(self.end, type="timestamp('UTC')")
        return condition

    def label(self) -> str:
        """The days counted, both named inclusively (or the instants, when not whole days)."""
        if self.is_open:
            return "all data"
        if not all(_is_midnight(t) for t in (self.start, self.end) if t is not None):
            start = f"{self.start:%Y-%m-%d %H:%M}" if self.start else "the start of the data"
            end = f"{self.end:%Y-%m-%d %H:%M}" if self.end else "the end of the data"
            return f"{start} to {end} (UTC, end excluded)"
        start = f"{self.start:%Y-%m-%d}" if self.start else "the start of the data"
        end = f"{self.end - timedelta(days=1):%Y-%m-%d}" if self.end else "the end of the data"
        return start if start == end else f"{start} to {end}"

    def text(self) -> str:
        """Text that :meth:`parse` reads back into this period (``""`` for all data)."""
        if self.is_open:
            return ""
        if all(_is_midnight(t) for t in (self.start, self.end) if t is not None):
            start = f"{self.start:%Y-%m-%d}" if self.start else ""
            end = f"{self.end - timedelta(days=1):%Y-%m-%d}" if self.end else ""
        else:
            start = self.start.isoformat() if self.start else ""
            end = self.end.isoformat() if self.end else ""
        return f"{start}..{end}"


_PERIOD_FORMS = (
    "use days FIRST..LAST (e.g. 2026-01-01..2026-03-31, both included), a month 2026-03, "
    "a quarter 2026-Q1, a year 2026, a day 2026-03-15 or a rolling name (last_month, "
    "last_quarter, last_7_days, month_to_date)"
)


def _is_midnight(value: datetime) -> bool:
    return value.hour == value.minute == value.second == value.microsecond == 0


def _whole_days(text: str, whole: str) -> tuple[date, date] | None:
    """The first and last day of a day, month, quarter or year written as text; None when
    the text is an instant with a time of day."""
    from cycleanalytics.periods import resolve_period

    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return date(year, 1, 1), date(year, 12, 31)
    if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?|\d{4}-[Qq][1-4]", text):
        try:
            days = resolve_period(text)
        except ParameterError:
            message = f"cannot read {text!r} in period {whole!r}; {_PERIOD_FORMS}"
            raise MetricError(message) from None
        return days.first, days.last
    return None


def _period_instant(text: str, whole: str) -> datetime:
    try:
        return _parse_instant(text)
    except MetricError:
        raise MetricError(f"cannot read {text!r} in period {whole!r}; {_PERIOD_FORMS}") from None


def _period_start(text: str, whole: str) -> datetime | None:
    if not text:
        return None
    days = _whole_days(text, whole)
    return to_instant(days[0]) if days else _period_instant(text, whole)


def _period_end(text: str, whole: str) -> datetime | None:
    if not text:
        return None
    days = _whole_days(text, whole)
    return to_instant(days[1] + timedelta(days=1)) if days else _period_instant(text, whole)


def as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


@runtime_checkable
class TableSource(Protocol):
    """Anything that hands out canonical tables as Ibis expressions by name: a DuckDB
    :class:`~cycleanalytics.Store`, a :class:`~cycleanalytics.spark.SparkStore`, or your own
    object over another Ibis backend. Metrics take any of them as ``source``."""

    def table(self, name: str) -> ir.Table: ...


def source_table(source: TableSource, name: str, *, optional: bool = False) -> ir.Table | None:
    """One canonical table from a table source; ``None`` for a missing ``optional`` table.

    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     source_table(store, "complaints").columns[:2]
    ('complaint_id', 'customer_id')
    """
    if isinstance(source, ibis.expr.types.Table) or not callable(getattr(source, "table", None)):
        raise MetricError(
            f"this metric needs the {name!r} table: pass a Store or a SparkStore (an object "
            f"with .table(name)), not {type(source).__name__}"
        )
    try:
        return source.table(name)
    except StoreError:
        if optional:
            return None
        raise


def source_tables(source: TableSource | ir.Table) -> tuple[ir.Table, ir.Table | None]:
    """The interactions table and, when the source is a store, the customers table.

    ``source`` is a :class:`TableSource` (a DuckDB ``Store``, a ``SparkStore``: anything with
    ``.table(name)`` returning an Ibis table) or an Ibis table of canonical interactions on
    any backend. Customers are ``None`` for a bare table or a store without that table. The
    tables come through the one resolver of every metric (``_outcomes.tables``).
    """
    from cycleanalytics.metrics._outcomes import tables

    if isinstance(source, ibis.expr.types.Table):
        missing = [c for c in ("case_id", "ts", "stage") if c not in source.columns]
        if missing:
            raise MetricError(
                f"the table given has no column(s) {missing}; pass a Store or an Ibis table with "
                "the canonical interactions columns"
            )
    src = tables(source)
    if src.interactions is None:
        raise MetricError("this metric needs the interactions table; pass a Store")
    return src.interactions, src.customers


def check_breakdown(by: list[str], interactions: ir.Table, customers: ir.Table | None) -> None:
    """Fail early, with the closest valid name, on a breakdown column that does not exist
    (``_outcomes.check_by`` over the interactions, without the raw time)."""
    from cycleanalytics.metrics._outcomes import check_by

    usable = interactions.drop("ts") if "ts" in interactions.columns else interactions
    check_by(by, usable, customers)


def attach_breakdown(
    cases: ir.Table, by: list[str], customers: ir.Table | None, start_column: str
) -> ir.Table:
    """Add time-grain and customer columns named in ``by`` to a per-case table.

    Interaction columns are expected on ``cases`` already (their value at entry); time grains
    truncate ``start_column``; customer columns come from ``customers`` by ``customer_id``;
    attributes named in ``by`` that ``cases`` lacks come by ``case_id``
    (:func:`~cycleanalytics.metrics._sources.attach_case_attributes`).
    """
    from cycleanalytics.metrics._sources import attach_case_attributes

    cases = attach_case_attributes(cases, by)
    grains = {
        name: cases[start_column].truncate(TIME_GRAINS[name]) for name in by if name in TIME_GRAINS
    }
    if grains:
        cases = cases.mutate(**grains)
    wanted = [c for c in by if c in CUSTOMER_COLUMNS and c not in cases.columns]
    if wanted and customers is not None:
        extra = customers.select("customer_id", *wanted)
        cases = cases.left_join(extra, "customer_id").drop("customer_id_right")
    return cases


INTERACTION_COLUMNS = INTERACTIONS.column_names


def microseconds_between(start: ir.TimestampValue, end: ir.TimestampValue) -> ir.IntegerValue:
    """``end - start`` as a whole number of microseconds, identical on DuckDB and Spark.

    Plain subtraction is not portable (Spark's intervals drop the fraction of a second) and
    neither is ``delta(unit="second")``; microseconds are exact on both (tests/test_parity.py).
    Divide in pandas (``/ 1e6`` for seconds) after the small result comes back.

    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     t = store.table("interactions")
    ...     span = t.aggregate(a=t.ts.min(), b=t.ts.max())
    ...     us = span.select(d=microseconds_between(span.a, span.b)).execute()["d"].iloc[0]
    >>> int(us) > 0
    True

    On DuckDB it compiles to ``epoch_us(end) - epoch_us(start)``: the same exact integer as
    ``date_diff('microsecond', ...)``, which on ``TIMESTAMPTZ`` goes through the ICU calendar
    and is about ten times slower (PORTABILITY.md). Other engines get Ibis's ``delta``.
    """
    if _on_duckdb(start, end):
        return _epoch_us(end) - _epoch_us(start)
    return end.delta(start, unit="microsecond")


@ibis.udf.scalar.builtin(name="epoch_us")
def _epoch_us(ts: dt.Timestamp(timezone="UTC")) -> dt.int64:  # type: ignore[empty-body]
    """DuckDB's ``epoch_us``: microseconds since 1970-01-01 UTC (used on DuckDB only)."""


def _on_duckdb(*values: ir.Value) -> bool:
    """Whether the expressions run on DuckDB (an in-memory table runs on Ibis's default
    backend, DuckDB); ``False`` when no backend can be told."""
    for value in values:
        if isinstance(value.op(), ibis.expr.operations.Literal):
            continue
        try:
            backend = value._find_backend(use_default=True)
        except Exception:
            return False
        return getattr(backend, "name", None) == "duckdb"
    return False


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(w|d|h|m|s)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str | timedelta | None) -> timedelta | None:
    """Read a duration such as ``30d``, ``12h``, ``90m`` or ``2w``.

    >>> parse_duration("36h")
    datetime.timedelta(days=1, seconds=43200)
    """
    if text is None or isinstance(text, timedelta):
        return text
    match = _DURATION.match(text)
    if not match:
        raise MetricError(
            f"cannot read duration {text!r}; use a number and a unit: 30d, 12h, 90m, 2w"
        )
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()])
