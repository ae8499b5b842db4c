"""The notebook helpers: report context, KPI tiles, generated sentences in en/id/ms, wording."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from cycleanalytics.errors import ParameterError
from cycleanalytics.i18n import LANGUAGES, TEXTS, fmt_number, fmt_share, stage_label, t
from cycleanalytics.notebook import (
    format_change,
    format_kpi,
    kpi_sentences,
    kpi_tiles_html,
    report_context,
)


def _table() -> pd.DataFrame:
    # 1,200 journeys (1,000 before); CSAT 62% of 400 answers (55% before, significant);
    # NPS 12.5 from 8.0 with too few answers to test; 25% lost before initial contact
    table = pd.DataFrame(
        {
            "kpi": ["cases", "csat", "nps", "dropoff"],
            "stage": [None, None, None, "initial_interaction"],
            "value": [1200.0, 0.62, 12.5, 0.25],
            "unit": ["count", "share", "score", "share"],
            "n": [1200, 400, 20, 200],
            "test": ["none", "two_proportion_z", "nps_difference_z", "two_proportion_z"],
            "previous": [1000.0, 0.55, 8.0, 0.25],
            "change": [200.0, 0.07, 4.5, 0.0],
            "significant": pd.array([pd.NA, True, pd.NA, False], dtype="boolean"),
        }
    )
    table.attrs["first_stage"] = "pre_interaction"
    return table


def test_sentences_in_english_from_the_numbers():
    assert kpi_sentences(_table(), period="March 2026") == [
        "1,200 customer journeys started in March 2026.",
        "CSAT (satisfied, 4-5 of 5) was 62.0%, up from 55.0% in the comparison period. "
        "This change is larger than chance would explain.",
        "NPS was 12.5, up from 8.0 in the comparison period. "
        "There are too few answers to tell whether this change is real.",
        "Most journeys are lost before Initial interaction: 25% of those who reached "
        "Pre-interaction did not get there.",
    ]


def test_sentences_in_indonesian_and_malay_use_their_words_and_numbers():
    indonesian = kpi_sentences(_table(), period="Maret 2026", language="id")
    assert indonesian[0] == "1.200 perjalanan pelanggan dimulai pada Maret 2026."
    assert indonesian[1].startswith("CSAT (puas, 4-5 dari 5) sebesar 62,0%, naik dari 55,0%")
    assert "Interaksi awal" in indonesian[-1] and "Pra-interaksi" in indonesian[-1]
    malay = kpi_sentences(_table(), period="Mac 2026", language="ms")
    assert malay[0] == "1,200 perjalanan pelanggan bermula dalam Mac 2026."
    assert "ialah 62.0%, naik daripada 55.0%" in malay[1]


def test_no_journeys_gives_one_plain_sentence():
    table = _table()
    table.loc[0, "value"] = 0.0
    assert kpi_sentences(table, period="March 2026") == [
        "No customer journeys started in March 2026."
    ]


def test_tiles_show_value_change_and_marker_only_where_significant():
    html = kpi_tiles_html(_table())
    tiles = html.split('<div class="ca-tile" ')[1:]
    assert len(tiles) == 4
    assert 'data-kpi="csat"' in tiles[1] and ">62.0%<" in tiles[1]
    assert "+7.0 points vs 55.0% before" in tiles[1]
    assert "significant change" in tiles[1]
    assert "significant" not in tiles[2].replace("ca-significant", "")  # too few answers
    assert "significant change" not in tiles[3]  # tested, not significant
    assert ">1,200<" in tiles[0] and "+200 vs 1,000 before" in tiles[0]
    assert "Lost before Initial interaction" in tiles[3] and "±0.0 points" in tiles[3]


def test_tiles_escape_text():
    table = _table()
    table.loc[3, "stage"] = "<script>alert(1)</script>"
    html = kpi_tiles_html(table)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_kpi_formats():
    assert format_kpi(0.4567, "share") == "45.7%"
    assert format_kpi(0.4567, "share", "id") == "45,7%"
    assert format_kpi(1234567, "count", "id") == "1.234.567"
    assert format_kpi(11.287, "money") == "11.29"
    assert format_kpi(float("nan"), "score") == "–"
    assert format_change(-0.0234, "share", "ms") == "-2.3 mata"
    assert format_change(float("nan"), "count") == "–"


def test_every_text_exists_in_every_language_with_the_same_placeholders():
    import string

    for key, texts in TEXTS.items():
        assert set(texts) == set(LANGUAGES), key
        fields = {
            lang: {f for _, f, _, _ in string.Formatter().parse(text) if f}
            for lang, text in texts.items()
        }
        assert fields["id"] == fields["en"] == fields["ms"], key


def test_stage_labels_follow_design_section_1():
    assert stage_label("follow_up", "id") == "Tindak lanjut"
    assert stage_label("service_delivery", "id") == "Penyampaian layanan"
    assert stage_label("initial_interaction", "ms") == "Interaksi awal"
    assert stage_label("my_stage") == "My stage"
    assert t("kpi.cases", "ms") == "Kes"
    assert fmt_number(1234.5, "en", decimals=1) == "1,234.5"
    assert fmt_share(None) == "–"
    with pytest.raises(ParameterError, match="en, id, ms"):
        t("kpi.cases", "fr")


def test_report_context_resolves_rolling_periods_against_as_of():
    ctx = report_context(period="last_quarter", as_of="2026-05-10")
    assert (ctx.period.first, ctx.period.last) == (date(2026, 1, 1), date(2026, 3, 31))
    assert ctx.comparison_metric_period == "2025-10-01..2026-01-01"
    assert report_context().metric_period is None and report_context().comparison is None
    assert report_context(period_start="2026-01-01").metric_period == "2026-01-01.."
    assert report_context(period="2026-03", comparison="none").comparison is None
