"""Report periods: explicit days or rolling names, resolved against an as-of date.

A report period is a range of whole days, both ends included. It is written as

- a rolling name, resolved against an as-of date (the day the report is about, by default
  today): ``last_7_days`` (the seven complete days before the as-of day), ``last_month`` and
  ``last_quarter`` (the previous complete calendar month or quarter), ``month_to_date`` (the
  first of the as-of day's month up to and including the as-of day);
- explicit days: ``2026-01-01..2026-03-31`` (both included), a month ``2026-03``, a quarter
  ``2026-Q1``, a year ``2026`` or one day ``2026-03-15``.

Resolving the same text against the same as-of date always gives the same days, so re-running a
scheduled report set with a fixed ``--as-of`` reproduces its numbers.

Examples
--------
>>> from datetime import date
>>> p = resolve_period("last_month", as_of=date(2026, 3, 15))
>>> p.label()
'2026-02-01 to 2026-02-28'
>>> p.metric_period()
'2026-02-01..2026-02-28'
>>> comparison_period(p, "previous").label()
'2026-01-01 to 2026-01-31'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cycleanalytics.errors import ParameterError

__all__ = [
    "COMPARISONS",
    "ROLLING",
    "ReportPeriod",
    "comparison_period",
    "parse_as_of",
    "resolve_period",
]

ROLLING = ("last_7_days", "last_month", "last_quarter", "month_to_date")
COMPARISONS = ("previous", "previous_year", "none")


@dataclass(frozen=True)
class ReportPeriod:
    """Whole days from ``first`` to ``last``, both included; ``name`` is how it was asked for."""

    first: date
    last: date
    name: str = ""

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ParameterError(
                f"period ends ({self.last}) before it starts ({self.first}); both days are "
                "included, so the end must be on or after the start"
            )

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def label(self, to: str = "to") -> str:
        """``2026-02-01 to 2026-02-28`` (one day: just the day); ``to`` is the joining word."""
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()} {to} {self.last.isoformat()}"

    def metric_period(self) -> str:
        """The metrics' ``period`` text for these days: ``FIRST..LAST``, both included."""
        return self.text()

    def text(self) -> str:
        """Explicit, inclusive text that resolves to the same days: ``FIRST..LAST``."""
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    def is_month(self) -> bool:
        return self.first.day == 1 and self.last == _month_end(self.first)

    def is_quarter(self) -> bool:
        return (
            self.first.day == 1
            and self.first.month % 3 == 1
            and self.last == _month_end(_add_months(self.first, 2))
        )


def _add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(day: date) -> date:
    return _add_months(day, 1) - timedelta(days=1)


def parse_as_of(value: str | date | datetime | None) -> date:
    """The as-of day: a date, ``YYYY-MM-DD`` text, or today (UTC) when None or ``"today"``.

    >>> parse_as_of("2026-06-30")
    datetime.date(2026, 6, 30)
    """
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "today")):
        from datetime import UTC

        return datetime.now(UTC).date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ParameterError(
            f"as-of date {value!r} is not a date; write it YYYY-MM-DD (or 'today')"
        ) from None


def _day(text: str, whole: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ParameterError(_bad_period(whole)) from None


def _bad_period(text: object) -> str:
    return (
        f"cannot read period {text!r}; use one of {', '.join(ROLLING)}, or days written "
        "FIRST..LAST (e.g. 2026-01-01..2026-03-31, both included), a month 2026-03, "
        "a quarter 2026-Q1, a year 2026 or a day 2026-03-15"
    )


def resolve_period(text: str | ReportPeriod, *, as_of: str | date | None = None) -> ReportPeriod:
    """Resolve a period's text (rolling or explicit) into days; see the module's docstring.

    Examples
    --------
    >>> from datetime import date
    >>> resolve_period("last_7_days", as_of=date(2026, 3, 1)).label()
    '2026-02-22 to 2026-02-28'
    >>> resolve_period("last_quarter", as_of=date(2026, 1, 10)).label()
    '2025-10-01 to 2025-12-31'
    >>> resolve_period("month_to_date", as_of=date(2026, 3, 1)).label()
    '2026-03-01'
    >>> resolve_period("2026-Q2").label()
    '2026-04-01 to 2026-06-30'
    """
    if isinstance(text, ReportPeriod):
        return text
    if not isinstance(text, str):
        raise ParameterError(_bad_period(text))
    raw = text.strip()
    key = raw.lower()
    if key in ROLLING:
        day = parse_as_of(as_of)
        if key == "last_7_days":
            return ReportPeriod(day - timedelta(days=7), day - timedelta(days=1), key)
        if key == "last_month":
            first = _add_months(day, -1)
            return ReportPeriod(first, _month_end(first), key)
        if key == "last_quarter":
            this_quarter = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
            first = _add_months(this_quarter, -3)
            return ReportPeriod(first, _month_end(_add_months(first, 2)), key)
        return ReportPeriod(day.replace(day=1), day, key)  # month_to_date
    if ".." in raw:
        start, _, end = raw.partition("..")
        if not start.strip() or not end.strip():
            raise ParameterError(_bad_period(text))
        return ReportPeriod(_day(start, text), _day(end, text), "")
    if re.fullmatch(r"\d{4}", raw):
        return ReportPeriod(date(int(raw), 1, 1), date(int(raw), 12, 31), "")
    match = re.fullmatch(r"(\d{4})-[Qq]([1-4])", raw)
    if match:
        first = date(int(match.group(1)), 3 * int(match.group(2)) - 2, 1)
        return ReportPeriod(first, _month_end(_add_months(first, 2)), "")
    if re.fullmatch(r"\d{4}-\d{2}", raw):
        first = _day(raw + "-01", text)
        return ReportPeriod(first, _month_end(first), "")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        day = _day(raw, text)
        return ReportPeriod(day, day, "")
    raise ParameterError(_bad_period(text))


def comparison_period(period: ReportPeriod, how: str = "previous") -> ReportPeriod | None:
    """The period a report compares against, or None for ``"none"``.

    ``previous``: the calendar month or quarter before when the period is one, else the same
    number of days just before it. ``previous_year``: the same days one year earlier
    (29 February becomes 28 February).

    Examples
    --------
    >>> from datetime import date
    >>> comparison_period(ReportPeriod(date(2026, 3, 1), date(2026, 3, 10)), "previous").label()
    '2026-02-19 to 2026-02-28'
    >>> comparison_period(ReportPeriod(date(2026, 4, 1), date(2026, 6, 30))).label()
    '2026-01-01 to 2026-03-31'
    >>> march = ReportPeriod(date(2026, 3, 1), date(2026, 3, 31))
    >>> comparison_period(march, "previous_year").label()
    '2025-03-01 to 2025-03-31'
    """
    if how not in COMPARISONS:
        raise ParameterError(f"comparison {how!r} is not one of: {', '.join(COMPARISONS)}")
    if how == "none":
        return None
    if how == "previous_year":

        def back(day: date) -> date:
            try:
                return day.replace(year=day.year - 1)
            except ValueError:  # 29 February
                return day.replace(year=day.year - 1, day=28)

        return ReportPeriod(back(period.first), back(period.last), "previous_year")
    if period.is_quarter():
        first = _add_months(period.first, -3)
        return ReportPeriod(first, _month_end(_add_months(first, 2)), "previous")
    if period.is_month():
        first = _add_months(period.first, -1)
        return ReportPeriod(first, _month_end(first), "previous")
    last = period.first - timedelta(days=1)
    return ReportPeriod(last - timedelta(days=period.days - 1), last, "previous")
