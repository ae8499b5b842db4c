"""Report periods: rolling names against an as-of date, explicit days, comparison periods.
Expected days are read off a calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cycleanalytics.errors import MetricError, ParameterError
from cycleanalytics.metrics import Period
from cycleanalytics.periods import (
    ROLLING,
    ReportPeriod,
    comparison_period,
    parse_as_of,
    resolve_period,
)


@pytest.mark.parametrize(
    ("text", "as_of", "first", "last"),
    [
        # the seven complete days before the as-of day
        ("last_7_days", date(2026, 3, 1), date(2026, 2, 22), date(2026, 2, 28)),
        ("last_7_days", date(2026, 1, 3), date(2025, 12, 27), date(2026, 1, 2)),
        # the previous calendar month, across a year and a leap February
        ("last_month", date(2026, 1, 15), date(2025, 12, 1), date(2025, 12, 31)),
        ("last_month", date(2024, 3, 31), date(2024, 2, 1), date(2024, 2, 29)),
        ("last_month", date(2026, 3, 1), date(2026, 2, 1), date(2026, 2, 28)),
        # the previous calendar quarter
        ("last_quarter", date(2026, 1, 1), date(2025, 10, 1), date(2025, 12, 31)),
        ("last_quarter", date(2026, 6, 30), date(2026, 1, 1), date(2026, 3, 31)),
        ("last_quarter", date(2026, 8, 10), date(2026, 4, 1), date(2026, 6, 30)),
        # the as-of day's month so far, the day included
        ("month_to_date", date(2026, 3, 17), date(2026, 3, 1), date(2026, 3, 17)),
        ("month_to_date", date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 1)),
        # explicit forms ignore the as-of day
        ("2026-01-01..2026-03-31", date(2030, 1, 1), date(2026, 1, 1), date(2026, 3, 31)),
        ("2024-02", None, date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-Q4", None, date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-03-15", None, date(2026, 3, 15), date(2026, 3, 15)),
        (" Last_Month ", date(2026, 5, 5), date(2026, 4, 1), date(2026, 4, 30)),
    ],
)
def test_periods_resolve_to_the_days_on_the_calendar(text, as_of, first, last):
    period = resolve_period(text, as_of=as_of)
    assert (period.first, period.last) == (first, last)


def test_metric_period_names_both_days_and_reads_back_to_the_same_instants():
    period = resolve_period("2026-02")
    assert period.metric_period() == "2026-02-01..2026-02-28"
    metric = Period.parse(period.metric_period())
    assert (metric.start, metric.end) == (
        datetime(2026, 2, 1, tzinfo=UTC),
        datetime(2026, 3, 1, tzinfo=UTC),
    )
    assert Period.parse(period) == metric
    assert period.text() == "2026-02-01..2026-02-28"
    assert period.label() == "2026-02-01 to 2026-02-28"
    assert period.label("hingga") == "2026-02-01 hingga 2026-02-28"
    assert period.days == 28


@pytest.mark.parametrize(
    ("first", "last", "how", "expected"),
    [
        # a calendar month compares with the month before, whatever its length
        ((2026, 3, 1), (2026, 3, 31), "previous", ((2026, 2, 1), (2026, 2, 28))),
        ((2026, 1, 1), (2026, 1, 31), "previous", ((2025, 12, 1), (2025, 12, 31))),
        # a calendar quarter with the quarter before
        ((2026, 4, 1), (2026, 6, 30), "previous", ((2026, 1, 1), (2026, 3, 31))),
        # any other span with the same number of days just before it
        ((2026, 3, 1), (2026, 3, 10), "previous", ((2026, 2, 19), (2026, 2, 28))),
        ((2026, 3, 8), (2026, 3, 14), "previous", ((2026, 3, 1), (2026, 3, 7))),
        # the same days a year earlier; 29 February becomes 28 February
        ((2024, 2, 1), (2024, 2, 29), "previous_year", ((2023, 2, 1), (2023, 2, 28))),
    ],
)
def test_comparison_periods(first, last, how, expected):
    before = comparison_period(ReportPeriod(date(*first), date(*last)), how)
    assert (before.first, before.last) == (date(*expected[0]), date(*expected[1]))


def test_no_comparison():
    assert comparison_period(resolve_period("2026-03"), "none") is None


@pytest.mark.parametrize("bad", ["last week", "2026-13", "2026-02-30", "2026-01-01..", "..x", 7])
def test_unreadable_periods_are_rejected_with_the_forms_that_work(bad):
    with pytest.raises(ParameterError, match=r"cannot read period .*last_month.*2026-Q1"):
        resolve_period(bad, as_of=date(2026, 1, 1))


def test_a_period_ending_before_it_starts_is_rejected():
    with pytest.raises(ParameterError, match="before it starts"):
        resolve_period("2026-03-10..2026-03-01")


def test_bad_comparison_and_as_of_are_rejected():
    with pytest.raises(ParameterError, match="previous, previous_year, none"):
        comparison_period(resolve_period("2026-03"), "last_year")
    with pytest.raises(ParameterError, match="YYYY-MM-DD"):
        parse_as_of("yesterday")
    assert parse_as_of("2026-06-30") == date(2026, 6, 30)
    assert isinstance(parse_as_of(None), date)


days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))


@given(as_of=days, name=st.sampled_from(ROLLING))
def test_rolling_periods_never_reach_past_the_as_of_day(as_of, name):
    period = resolve_period(name, as_of=as_of)
    if name == "month_to_date":
        assert period.last == as_of and period.first == as_of.replace(day=1)
    elif name == "last_7_days":
        assert period.last == as_of - timedelta(days=1) and period.days == 7
    elif name == "last_month":
        assert period.is_month() and period.last == as_of.replace(day=1) - timedelta(days=1)
    else:
        assert period.is_quarter() and 90 <= period.days <= 92
        assert period.last < as_of <= period.last + timedelta(days=92)
    assert resolve_period(name, as_of=as_of) == period  # same as-of, same days


@given(first=days, length=st.integers(min_value=0, max_value=400))
def test_previous_period_ends_the_day_before_and_never_overlaps(first, length):
    period = ReportPeriod(first, first + timedelta(days=length))
    before = comparison_period(period, "previous")
    assert before.last == period.first - timedelta(days=1)
    if not (period.is_month() or period.is_quarter()):
        assert before.days == period.days


# -- the metrics' Period: as people write it (issue 12) ------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        # A range of typed days includes its last day: all of June.
        ("2026-06-01..2026-06-30", (2026, 6, 1), (2026, 7, 1), "2026-06-01 to 2026-06-30"),
        ("2026-06", (2026, 6, 1), (2026, 7, 1), "2026-06-01 to 2026-06-30"),
        ("2026-Q2", (2026, 4, 1), (2026, 7, 1), "2026-04-01 to 2026-06-30"),
        ("2026", (2026, 1, 1), (2027, 1, 1), "2026-01-01 to 2026-12-31"),
        ("2026-01..2026-03", (2026, 1, 1), (2026, 4, 1), "2026-01-01 to 2026-03-31"),
        ("2026-06-15", (2026, 6, 15), (2026, 6, 16), "2026-06-15"),
        ("2026-06-01..", (2026, 6, 1), None, "2026-06-01 to the end of the data"),
        ("..2026-06-30", None, (2026, 7, 1), "the start of the data to 2026-06-30"),
    ],
)
def test_period_text_means_whole_days_both_ends_included(text, start, end, label):
    period = Period.parse(text)
    assert period.start == (datetime(*start, tzinfo=UTC) if start else None)
    assert period.end == (datetime(*end, tzinfo=UTC) if end else None)
    assert period.label() == label
    assert Period.parse(period.text()) == period


def test_the_three_ways_of_writing_june_count_the_same_days():
    june = {Period.parse(t) for t in ("2026-06-01..2026-06-30", "2026-06")}
    june.add(Period.parse("last_month", as_of=date(2026, 7, 1)))
    assert len(june) == 1


def test_instants_keep_a_half_open_range_and_say_so():
    period = Period.parse("2026-06-01T08:00..2026-06-01T12:00")
    assert period.end == datetime(2026, 6, 1, 12, tzinfo=UTC)
    assert "end excluded" in period.label()
    assert Period.parse(period.text()) == period


@pytest.mark.parametrize("text", ["June", "2026-13", "2026-06-31..2026-07-01", "2026-Q5..2026"])
def test_unreadable_periods_say_which_forms_work(text):
    with pytest.raises(MetricError, match=r"FIRST\.\.LAST"):
        Period.parse(text)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    st.integers(min_value=0, max_value=400),
)
def test_a_typed_day_range_counts_exactly_its_days(first, length):
    last = first + timedelta(days=length)
    period = Period.parse(f"{first}..{last}")
    assert (period.end - period.start).days == length + 1
    assert period.label().endswith(str(last))
