"""The message catalogues (gettext .po files read with Babel), plural forms and Babel formats."""

from __future__ import annotations

import string
from datetime import date

import pytest

from cycleanalytics.errors import ParameterError
from cycleanalytics.i18n import (
    LANGUAGES,
    PLURALS,
    TEXTS,
    date_words,
    fmt_money,
    fmt_number,
    fmt_share,
    localize_number,
    nt,
    period_words,
    t,
)
from cycleanalytics.i18n.catalogue import LOCALE_DIR, catalogue
from cycleanalytics.notebook import basis_text, duration_text


def test_every_language_is_a_catalogue_file_with_its_plural_rule():
    assert LANGUAGES == ("en", "id", "ms")
    for language in LANGUAGES:
        assert (LOCALE_DIR / language / "LC_MESSAGES" / "cycleanalytics.po").is_file()
    # the header's Plural-Forms: English singular and plural; Indonesian and Malay one form
    assert catalogue("en").num_plurals == 2
    assert catalogue("id").num_plurals == 1
    assert catalogue("ms").num_plurals == 1


def test_unknown_language_and_unknown_key_fail_clearly():
    with pytest.raises(ParameterError, match="choose one of: en, id, ms"):
        t("kpi.cases", "fr")
    with pytest.raises(KeyError):
        t("no.such.key")
    with pytest.raises(KeyError, match="not a plural message"):
        nt("kpi.cases", 2)


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        (
            "en",
            "1 customer journey started in March 2026.",
            "2 customer journeys started in March 2026.",
        ),
        (
            "id",
            "1 perjalanan pelanggan dimulai pada Maret 2026.",
            "2 perjalanan pelanggan dimulai pada Maret 2026.",
        ),
        (
            "ms",
            "1 perjalanan pelanggan bermula dalam Mac 2026.",
            "2 perjalanan pelanggan bermula dalam Mac 2026.",
        ),
    ],
)
def test_count_sentence_with_one_and_two(language, one, two):
    period = period_words(date(2026, 3, 1), date(2026, 3, 31), language)
    assert nt("say.cases", 1, language, period=period) == one
    assert nt("say.cases", 2, language, period=period) == two


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", "Based on 1 complaint, from", "Based on 2 complaints, from"),
        ("id", "Berdasarkan 1 keluhan, dari", "Berdasarkan 2 keluhan, dari"),
        ("ms", "Berdasarkan 1 aduan, daripada", "Berdasarkan 2 aduan, daripada"),
    ],
)
def test_basis_line_counts_its_population_in_the_right_form(language, one, two):
    all_data = t("header.all_data", language)
    assert basis_text("basis.complaints", 1, all_data, language=language).startswith(one)
    assert basis_text("basis.complaints", 2, all_data, language=language).startswith(two)


def test_plural_forms_in_english_follow_the_count():
    assert nt("compl.say.open", 1) == (
        " 1 complaint is still open; it counts as unresolved up to the end of the data."
    )
    assert nt("compl.say.open", 2) == (
        " 2 complaints are still open; they count as unresolved up to the end of the data."
    )
    assert nt("basis.dissatisfied", 1) == "dissatisfied case"
    assert nt("basis.dissatisfied", 0) == "dissatisfied cases"
    # a fractional count reads as plural ("1.5 days"); exactly one as singular
    assert nt("unit.days", 1.5) == "1.5 days"
    assert nt("unit.days", 1) == "1 day"
    assert nt("unit.days", 1, "ms") == "1 hari" and nt("unit.days", 2, "ms") == "2 hari"
    assert duration_text(60) == "2.5 days" and duration_text(60, "id") == "2,5 hari"


def test_every_plural_message_has_each_languages_forms_and_placeholders():
    assert len(PLURALS) >= 15
    forms = {"en": 2, "id": 1, "ms": 1}
    for key, texts in PLURALS.items():
        assert set(texts) == set(LANGUAGES), key
        fields = set()
        for language, variants in texts.items():
            assert len(variants) == forms[language], (key, language)
            for text in variants:
                found = {f for _, f, _, _ in string.Formatter().parse(text) if f}
                fields = fields or found
                assert found == fields, (key, language, text)
        # t() still gives a plural message: its general form
        assert TEXTS[key]["en"] == texts["en"][1]


def test_numbers_and_shares_use_each_languages_symbols():
    assert [fmt_number(1234567.891, lang, decimals=2) for lang in LANGUAGES] == [
        "1,234,567.89",
        "1.234.567,89",
        "1,234,567.89",
    ]
    assert [fmt_share(0.0456, lang) for lang in LANGUAGES] == ["4.6%", "4,6%", "4.6%"]
    assert fmt_number(-3.25, "id", decimals=1) == "-3,2"  # half to even, as decimals round
    assert fmt_number(float("nan")) == "–" and fmt_share(None) == "–"
    assert localize_number("1,234.5 (2.5–3.0%)", "id") == "1.234,5 (2,5–3,0%)"
    assert localize_number("1,234.5", "ms") == "1,234.5"


def test_money_and_dates_come_from_babel():
    assert fmt_money(1234.5, "USD") == "$1,234.50"
    assert fmt_money(1234.5, "USD", "id") == "US$1.234,50"
    assert fmt_money(1234.5, "MYR", "ms") == "RM1,234.50"
    assert fmt_money(float("nan"), "EUR") == "–"
    assert [date_words(date(2026, 8, 17), lang) for lang in LANGUAGES] == [
        "17 August 2026",
        "17 Agustus 2026",
        "17 Ogos 2026",
    ]
    assert period_words(date(2026, 1, 1), date(2026, 12, 31), "id") == "2026"
    assert period_words(date(2026, 2, 1), date(2026, 4, 30), "id") == "Februari s.d. April 2026"
    assert period_words(date(2026, 2, 3), date(2026, 2, 3), "ms") == "3 Februari 2026"
