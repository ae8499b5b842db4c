"""Numbers, shares, money and dates as each language writes them, from Babel's locale data.

Nothing here swaps separators by hand: a language's decimal and group symbols, its percent
pattern, its currency placement and its month names come from the CLDR data Babel ships, so
a new catalogue needs no code here either.
"""

from __future__ import annotations

import calendar
import math
from datetime import date

from babel.dates import format_date
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_decimal_symbol,
    get_group_symbol,
)

from cycleanalytics.i18n.catalogue import check_language, t

#: What a missing number shows.
MISSING = "–"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def fmt_number(value: float | None, language: str = "en", *, decimals: int = 0) -> str:
    """A number with ``decimals`` digits after the language's decimal symbol; a dash when it
    is missing (None or NaN).

    >>> fmt_number(1234.5, "id", decimals=1), fmt_number(1234.5, "ms", decimals=1)
    ('1.234,5', '1,234.5')
    """
    if _missing(value):
        return MISSING
    return format_decimal(value, _pattern(decimals), locale=check_language(language))


def fmt_share(value: float | None, language: str = "en", *, decimals: int = 1) -> str:
    """A share (0.4567) as a percentage the language's way (``45.7%``; Indonesian ``45,7%``).

    >>> fmt_share(0.4567, "en"), fmt_share(0.4567, "id")
    ('45.7%', '45,7%')
    """
    if _missing(value):
        return MISSING
    return format_percent(value, _pattern(decimals) + "%", locale=check_language(language))


def fmt_money(value: float | None, currency: str, language: str = "en") -> str:
    """An amount with its currency, placed and spelled as the language writes it; an unknown
    currency code still shows the number and the code.

    >>> fmt_money(11.29, "EUR"), fmt_money(1234.6, "IDR", "id"), fmt_money(5, "MYR", "ms")
    ('€11.29', 'Rp1.235', 'RM5.00')
    """
    if _missing(value):
        return MISSING
    language = check_language(language)
    try:
        return format_currency(value, currency, locale=language)
    except Exception:  # an unknown currency code: still the number and the code
        return f"{fmt_number(value, language, decimals=2)} {currency}"


def localize_number(text: str, language: str = "en") -> str:
    """Number text written the English way (``1,234.5``) with ``language``'s decimal and group
    symbols (text a figure or a metric wrote already).

    >>> localize_number("62.1% (60.6–63.6%)", "id")
    '62,1% (60,6–63,6%)'
    """
    decimal = get_decimal_symbol(check_language(language))
    group = get_group_symbol(language)
    if (decimal, group) == (".", ","):
        return text
    return text.replace(",", "\x00").replace(".", decimal).replace("\x00", group)


def date_words(day: date, language: str = "en") -> str:
    """A day in words: ``1 March 2026`` (``1 Maret 2026``, ``1 Mac 2026``).

    >>> date_words(date(2026, 3, 1), "id")
    '1 Maret 2026'
    """
    return format_date(day, "d MMMM y", locale=check_language(language))


def _month(day: date, language: str) -> str:
    """The month's name standing alone (``LLLL``), as a period name uses it."""
    return format_date(day, "LLLL", locale=language)


def period_words(first: date | None, last: date | None, language: str = "en") -> str:
    """Whole days from ``first`` to ``last`` in words: a month is ``March 2026``, a year
    ``2026``, months ``January to March 2026``, other days ``1 March 2026 to 15 March 2026``;
    no period is "all data".

    >>> period_words(date(2026, 3, 1), date(2026, 3, 31)), period_words(None, None, "id")
    ('March 2026', 'semua data')
    >>> period_words(date(2026, 1, 1), date(2026, 3, 31), "ms")
    'Januari hingga Mac 2026'
    """
    if first is None or last is None:
        return t("header.all_data", language)
    language = check_language(language)
    to = t("word.to", language)
    whole_months = first.day == 1 and last.day == calendar.monthrange(last.year, last.month)[1]
    if whole_months and (first.year, first.month) == (last.year, last.month):
        return f"{_month(first, language)} {first.year}"
    if whole_months and first.year == last.year:
        if (first.month, last.month) == (1, 12):
            return str(first.year)
        return f"{_month(first, language)} {to} {_month(last, language)} {last.year}"
    if first == last:
        return date_words(first, language)
    return f"{date_words(first, language)} {to} {date_words(last, language)}"
