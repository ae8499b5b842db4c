"""Business-hours calendars: hand-computed business time and validation.

Most pairs use tests/data/calendar_berlin.toml: Monday to Friday 09:00-17:00 in Europe/Berlin,
New Year's Day 2026 (a Thursday) closed. Berlin is UTC+1 in winter and UTC+2 from Sunday
2026-03-29 (02:00 -> 03:00) to Sunday 2026-10-25 (03:00 -> 02:00) (EU summer-time rule:
last Sunday of March and October). Each test spells out the local times and the hours.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cycleanalytics.calendar import WEEKDAYS, BusinessCalendar, resolve_calendar
from cycleanalytics.errors import MetricError

DATA = Path(__file__).parent / "data"
BERLIN = DATA / "calendar_berlin.toml"
OFFICE = {day: ("09:00", "17:00") for day in WEEKDAYS[:5]}


def hours(calendar: BusinessCalendar, start: str, end: str) -> float:
    """Business hours from ``start`` to ``end`` (UTC instants)."""
    s = pd.Series(pd.to_datetime([start], utc=True))
    e = pd.Series(pd.to_datetime([end], utc=True))
    return float(calendar.business_hours(s, e)[0])


@pytest.fixture
def berlin() -> BusinessCalendar:
    return BusinessCalendar.from_toml(BERLIN)


def test_file_reads_as_written(berlin):
    assert berlin == BusinessCalendar(OFFICE, ["2026-01-01"], "Europe/Berlin")
    assert berlin.hours["mon"] == ("09:00", "17:00") and "sat" not in berlin.hours
    assert resolve_calendar(str(BERLIN)) == berlin
    assert resolve_calendar(None) is None


def test_same_day(berlin):
    # Tue 2026-01-06, 10:00 -> 15:30 local (09:00 -> 14:30 UTC): 5.5 h.
    assert hours(berlin, "2026-01-06 09:00", "2026-01-06 14:30") == 5.5


def test_start_and_end_outside_working_hours(berlin):
    # Tue 07:00 -> 20:00 local: the whole day, 8 h; Sat -> Sun: nothing.
    assert hours(berlin, "2026-01-06 06:00", "2026-01-06 19:00") == 8
    assert hours(berlin, "2026-01-10 10:00", "2026-01-11 10:00") == 0
    # Mon 18:00 local -> Tue 08:00 local: the night, nothing.
    assert hours(berlin, "2026-01-05 17:00", "2026-01-06 07:00") == 0


def test_weekend(berlin):
    # Fri 2026-01-09 15:00 local -> Mon 2026-01-12 11:00 local: 2 h Friday + 2 h Monday
    # (66 h elapsed).
    assert hours(berlin, "2026-01-09 14:00", "2026-01-12 10:00") == 4


def test_holiday(berlin):
    # Wed 2025-12-31 16:00 -> Fri 2026-01-02 10:00 local: 1 h, Thursday closed, 1 h.
    assert hours(berlin, "2025-12-31 15:00", "2026-01-02 09:00") == 2
    # The same span without the holiday: 1 + 8 + 1.
    plain = BusinessCalendar(OFFICE, timezone="Europe/Berlin")
    assert hours(plain, "2025-12-31 15:00", "2026-01-02 09:00") == 10


def test_two_weeks(berlin):
    # Mon 2026-01-05 09:00 -> Mon 2026-01-19 09:00 local: 10 working days of 8 h.
    assert hours(berlin, "2026-01-05 08:00", "2026-01-19 08:00") == 80


def test_dst_switch_moves_working_hours_with_the_wall_clock(berlin):
    # Fri 2026-03-27 16:00 UTC is 17:00 CET (closing time); Mon 2026-03-30 08:00 UTC is
    # 10:00 CEST: 1 h (09:00-10:00 local). A fixed UTC+1 offset would give 0 h.
    assert hours(berlin, "2026-03-27 16:00", "2026-03-30 08:00") == 1
    # Fri 2026-10-23 14:00 UTC = 16:00 CEST -> Mon 2026-10-26 09:00 UTC = 10:00 CET: 1 + 1.
    assert hours(berlin, "2026-10-23 14:00", "2026-10-26 09:00") == 2


def test_dst_day_is_23_or_25_hours_long():
    sundays = BusinessCalendar({"sun": ("00:00", "24:00")}, timezone="Europe/Berlin")
    assert hours(sundays, "2026-03-27", "2026-04-01") == 23
    assert hours(sundays, "2026-10-23", "2026-10-28") == 25


def test_working_day_across_utc_midnight():
    # Tokyo is UTC+9 (no DST): 09:00-17:00 JST is 00:00-08:00 UTC. Mon 2026-01-05 23:00 UTC
    # (Tue 08:00 JST) -> Tue 02:00 UTC (Tue 11:00 JST): 2 h.
    tokyo = BusinessCalendar(OFFICE, timezone="Asia/Tokyo")
    assert hours(tokyo, "2026-01-05 23:00", "2026-01-06 02:00") == 2


def test_missing_and_reversed_pairs(berlin):
    start = pd.Series(pd.to_datetime(["2026-01-06 10:00", None], utc=True))
    end = pd.Series(pd.to_datetime(["2026-01-06 09:00", "2026-01-06 10:00"], utc=True))
    got = berlin.business_hours(start, end)
    assert got[0] == -1 and pd.isna(got[1])


@pytest.mark.parametrize(
    ("hours_", "holidays", "zone", "message"),
    [
        ({"mnday": ("09:00", "17:00")}, (), "UTC", "unknown weekday 'mnday'"),
        ({"mon": ("9am", "17:00")}, (), "UTC", "cannot read '9am' as a time of day"),
        ({"mon": ("09:00", "24:30")}, (), "UTC", "cannot read '24:30'"),
        ({"mon": ("17:00", "09:00")}, (), "UTC", "start 17:00 is not before end 09:00"),
        ({"mon": "09:00-17:00"}, (), "UTC", "give [start, end]"),
        (OFFICE, ("2026-13-01",), "UTC", "cannot read holiday '2026-13-01'"),
        (OFFICE, (), "Europe/Berlln", "'Europe/Berlln' is not an IANA time-zone name"),
    ],
)
def test_invalid_calendars_say_what_to_fix(hours_, holidays, zone, message):
    with pytest.raises(MetricError) as info:
        BusinessCalendar(hours_, holidays, zone)
    assert message in str(info.value)


def test_long_weekday_names_are_accepted():
    assert BusinessCalendar({"Monday": ("09:00", "17:00")}).hours == {"mon": ("09:00", "17:00")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('timezone = "UTC"\n', "no [hours] table"),
        ('zone = "UTC"\n[hours]\nmon = ["09:00", "17:00"]\n', "unknown key(s) ['zone']"),
        ('[hours]\nmon = ["09:00", "17:00"\n', "not valid TOML"),
        ('[hours]\nmon = ["09:00", "17:00"]\nfri = ["18:00", "17:00"]\n', "hours.fri: start"),
        ('holidays = "2026-01-01"\n[hours]\nmon = ["09:00", "17:00"]\n', "list of dates"),
    ],
)
def test_bad_files_are_named(tmp_path, text, message):
    path = tmp_path / "office.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MetricError) as info:
        BusinessCalendar.from_toml(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(MetricError, match="calendar file not found"):
        resolve_calendar(tmp_path / "nowhere.toml")


zones = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Jakarta"])
clock = st.integers(0, 24 * 4).map(lambda q: f"{q // 4:02d}:{q % 4 * 15:02d}")
spans = st.tuples(clock, clock).filter(lambda s: s[0] < s[1])
calendars = st.builds(
    BusinessCalendar,
    st.dictionaries(st.sampled_from(WEEKDAYS), spans, max_size=7),
    st.lists(st.dates(pd.Timestamp("2026-01-01").date(), pd.Timestamp("2026-12-31").date())),
    zones,
)
instants = st.integers(0, 365 * 86_400_000_000).map(
    lambda us: pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(microseconds=us)
)
pairs = st.lists(st.tuples(instants, instants).map(sorted), min_size=1, max_size=20)


@settings(max_examples=60, deadline=None)
@given(calendar=calendars, pairs=pairs)
def test_business_time_is_between_zero_and_elapsed(calendar, pairs):
    start = pd.Series([a for a, _ in pairs])
    end = pd.Series([b for _, b in pairs])
    elapsed = ((end - start) // pd.Timedelta(microseconds=1)).to_numpy()  # exact integers
    got = calendar.business_micros(start, end)
    assert (got >= 0).all() and (got <= elapsed).all()


@settings(max_examples=40, deadline=None)
@given(zone=zones, pairs=pairs)
def test_always_open_calendar_gives_elapsed_time(zone, pairs):
    """24/7 with no holidays: every microsecond counts, DST switches included."""
    start = pd.Series([a for a, _ in pairs])
    end = pd.Series([b for _, b in pairs])
    elapsed = ((end - start) // pd.Timedelta(microseconds=1)).to_numpy()
    got = BusinessCalendar.always_open(zone).business_micros(start, end)
    assert (got == elapsed).all()


@settings(max_examples=40, deadline=None)
@given(calendar=calendars, a=instants, b=instants, c=instants)
def test_business_time_adds_up(calendar, a, b, c):
    """Business time from a to c is the time from a to b plus the time from b to c."""
    a, b, c = sorted([a, b, c])
    s = pd.Series([a, b, a])
    e = pd.Series([b, c, c])
    ab, bc, ac = calendar.business_micros(s, e)
    assert ab + bc == ac
