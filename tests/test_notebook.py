"""The notebook helpers: report context, KPI tiles, generated sentences in en/id/ms, wording."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

import cycleanalytics as ca
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


def _tile_attributes(html: str) -> dict[str, dict[str, str]]:
    found = {}
    for attrs in re.findall(r'<div class="ca-tile[^"]*" ([^>]*)>', html):
        values = dict(re.findall(r'data-([a-z]+)="([^"]*)"', attrs))
        found[values["kpi"] + (":" + values["stage"] if values["stage"] else "")] = values
    return found


def test_tiles_carry_an_arrow_coloured_by_whether_up_is_good_for_the_measure():
    table = pd.DataFrame(
        {
            "kpi": ["cases", "csat", "complaints_per_1000", "median_resolution_h", "cost_per_case"],
            "stage": [None] * 5,
            "value": [1200.0, 0.62, 95.0, 172.4, 11.29],
            "unit": ["count", "share", "rate", "hours", "money"],
            "n": [1200, 400, 1200, 85, 1200],
            "test": ["none"] * 5,
            "previous": [1000.0, 0.55, 90.0, 142.0, 12.01],
            "change": [200.0, 0.07, 5.0, 30.4, -0.72],
            "significant": pd.array([pd.NA] * 5, dtype="boolean"),
        }
    )
    html = kpi_tiles_html(table)
    tiles = _tile_attributes(html)
    # CSAT up: good; complaints up: bad; resolution time up: bad; cost down: good; cases: neither
    assert tiles["csat"]["direction"] == "up" and tiles["csat"]["judgement"] == "good"
    assert tiles["complaints_per_1000"]["judgement"] == "bad"
    assert tiles["median_resolution_h"]["direction"] == "up"
    assert tiles["median_resolution_h"]["judgement"] == "bad"
    assert tiles["cost_per_case"]["direction"] == "down"
    assert tiles["cost_per_case"]["judgement"] == "good"
    assert tiles["cases"]["judgement"] == "neutral" and tiles["cases"]["direction"] == "up"
    assert '<span class="ca-arrow ca-good" aria-hidden="true">▲</span>' in html
    assert '<span class="ca-arrow ca-bad" aria-hidden="true">▲</span>' in html
    # 172.4 h is 7.2 days (172.4 / 24 by hand); the change of 30.4 h is 1.3 days
    assert ">7.2 days<" in html and "+1.3 days vs 5.9 days before" in html
    assert "Median time to resolve a complaint" in html
    assert ">11.29<" in html  # no currency known: the number alone
    assert "€11.29" in kpi_tiles_html(table, currency="EUR")
    assert "7,2 hari" in kpi_tiles_html(table, "id")


def test_targets_give_red_amber_green_by_the_measures_direction():
    table = _table()
    targets = {"csat": 0.6, "nps": {"target": 13.0, "amber": 0.1}}
    tiles = _tile_attributes(kpi_tiles_html(table, targets=targets))
    assert tiles["csat"]["status"] == "green"  # 62% against 60%: met
    assert tiles["nps"]["status"] == "amber"  # 12.5 against 13: within 10% of it
    assert tiles["cases"]["status"] == ""  # no target
    red = _tile_attributes(kpi_tiles_html(table, targets={"csat": 0.7}))
    assert red["csat"]["status"] == "red"  # 62% against 70%: more than 5% short
    html = kpi_tiles_html(table, "id", targets={"csat": 0.6})
    assert "target 60,0% · sesuai target" in html


def test_targets_are_checked():
    from cycleanalytics.notebook import Target, parse_targets, target_status

    assert parse_targets(None) == {} and parse_targets("") == {}
    assert parse_targets("csat=0.6, cost_per_case=12") == {
        "csat": Target(0.6),
        "cost_per_case": Target(12.0),
    }
    with pytest.raises(ParameterError, match=r"no KPI 'csatt'.*csat"):
        parse_targets({"csatt": 0.6})
    with pytest.raises(ParameterError, match="must be a number"):
        parse_targets({"csat": "high"})
    with pytest.raises(ParameterError, match="target = "):
        parse_targets({"csat": {"goal": 0.6}})
    with pytest.raises(ParameterError, match="KPI=VALUE"):
        parse_targets("csat")
    # lower is better for cost: 12.5 against 12 misses by 4% (amber), 13 by 8% (red)
    assert target_status("cost_per_case", 11.0, Target(12.0)) == "green"
    assert target_status("cost_per_case", 12.5, Target(12.0)) == "amber"
    assert target_status("cost_per_case", 13.0, Target(12.0)) == "red"


def test_what_the_data_cannot_measure_has_no_tile_and_one_sentence():
    table = _table()
    table.loc[2, ["value", "n"]] = [float("nan"), 0]  # NPS: nobody answered
    table.attrs["missing"] = {"nps": "no NPS answers in scope"}
    html = kpi_tiles_html(table)
    assert 'data-kpi="nps"' not in html and 'data-kpi="csat"' in html
    said = kpi_sentences(table, period="March 2026")
    assert said[-1] == "Not measured in this data: NPS."
    assert not any(s.startswith("NPS was") for s in said)
    indonesian = kpi_sentences(table, period="Maret 2026", language="id")
    assert indonesian[-1] == "Tidak terukur dalam data ini: NPS."


def test_everything_the_data_cannot_measure_is_said_in_one_sentence():
    table = _table()
    table.loc[1, ["value", "n"]] = [float("nan"), 0]
    table.loc[2, ["value", "n"]] = [float("nan"), 0]
    table.attrs["missing"] = {"csat": "no answers", "nps": "no NPS answers in scope"}
    said = kpi_sentences(table, period="March 2026")
    assert said[-1] == "Not measured in this data: CSAT (satisfied, 4-5 of 5) and NPS."
    assert sum("not measured" in s.lower() for s in said) == 1
    assert kpi_sentences(table, period="Maret 2026", language="id")[-1] == (
        "Tidak terukur dalam data ini: CSAT (puas, 4-5 dari 5) dan NPS."
    )


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
        assert all(text.strip() for text in texts.values()), key


def test_every_chart_label_and_data_value_has_indonesian_and_malay():
    from cycleanalytics.i18n import CHART_TEXTS, VALUE_LABELS

    for english, texts in CHART_TEXTS.items():
        assert set(texts) == {"id", "ms"}, english
        assert all(text.strip() for text in texts.values()), english
    for value, texts in VALUE_LABELS.items():  # data identifiers: an English name too
        assert set(texts) == {"en", "id", "ms"}, value
        assert all(text.strip() and "_" not in text for text in texts.values()), value


def test_every_text_a_notebook_names_exists():
    """Every key a bundled notebook passes to t(), show_section() or show_how_to_read()
    exists, so a report never shows a key instead of a text."""
    import re

    import nbformat

    from cycleanalytics import reports

    folder = reports._notebooks_dir()
    for name in reports.available_reports():
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        for key in re.findall(r'\bt\("([\w.]+)"', source):
            assert key in TEXTS, (name, key)
        for key in re.findall(r'show_section\("([\w.]+)"', source):
            assert any(k.startswith(f"{key}.") for k in TEXTS), (name, key)
        for prefix in re.findall(r'show_how_to_read\("([\w.]+)"', source):
            assert f"{prefix}.read.1" in TEXTS, (name, prefix)
        title_key = nb.metadata["cycleanalytics"].get("title_key")
        assert title_key is None or title_key in TEXTS, name


def test_figures_are_labelled_in_the_report_language():
    import plotly.graph_objects as go

    from cycleanalytics.notebook import localize_figure

    fig = go.Figure(go.Bar(x=["product", "complaint_handling"], y=[3, 1], name="complaints"))
    fig.update_yaxes(title="complaints").update_xaxes(title="days since the complaint was opened")
    fig.update_layout(legend_title_text="channel")
    malay = localize_figure(go.Figure(fig), "ms")
    assert list(malay.data[0].x) == ["produk", "pengendalian aduan"]
    assert malay.data[0].name == "aduan" and malay.layout.yaxis.title.text == "aduan"
    assert malay.layout.xaxis.title.text == "hari sejak aduan dibuka"
    assert malay.layout.legend.title.text == "saluran"
    english = localize_figure(fig, "en")  # only identifiers change in English
    assert list(english.data[0].x) == ["product", "complaint handling"]
    assert english.data[0].name == "complaints" and english.layout.separators is None


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
    assert ctx.comparison_metric_period == "2025-10-01..2025-12-31"
    assert report_context().metric_period is None and report_context().comparison is None
    assert report_context(period_start="2026-01-01").metric_period == "2026-01-01.."
    assert report_context(period="2026-03", comparison="none").comparison is None


# -- helpers of the conformance, satisfaction, complaints and recovery reports ----------------


def test_conformance_table_and_takeaway_by_hand():
    from cycleanalytics.notebook import conformance_table, conformance_takeaway

    row = {
        "events": 1000, "events_mapped": 900, "coverage": 0.9, "coverage_lo": 0.88,
        "coverage_hi": 0.92, "cases": 200, "conforming_cases": 50, "conforming_share": 0.25,
        "conforming_share_lo": 0.2, "conforming_share_hi": 0.31, "skipped_cases": 80,
        "skipped_share": 0.4, "skipped_share_lo": 0.33, "skipped_share_hi": 0.47,
        "backward_cases": 10, "backward_share": 0.05, "backward_share_lo": 0.03,
        "backward_share_hi": 0.09, "repeats_cases": 60, "repeats_share": 0.3,
        "repeats_share_lo": 0.24, "repeats_share_hi": 0.37, "recovery_cases": 8,
        "recovery_without_dissatisfaction": 2, "recovery_without_dissatisfaction_share": 0.25,
        "transitions": 400, "transitions_allowed": 300, "transition_fitness": 0.75,
        "token_fitness": 0.8125,
    }  # fmt: skip
    df = pd.DataFrame([row])
    table = conformance_table(df)
    assert table.iloc[1].tolist() == [
        "Journeys that follow the model exactly",
        "25.0% (20.0–31.0%)",
        "50 of 200",
    ]
    assert table.iloc[6].tolist()[1:] == ["0.750", "300 of 400"]  # 300 / 400 steps allowed
    assert table.iloc[7].tolist()[1] == "0.812"  # 0.8125 to three decimals (half to even)
    # skipping (40%) beats repeating (30%) and going back (5%)
    assert conformance_takeaway(df) == (
        "50 of 200 journeys (25%) follow the cycle model exactly. "
        "The commonest deviation is skipping a stage (40% of journeys)."
    )


def test_variants_and_rules_tables_use_stage_names_and_counts():
    from cycleanalytics.notebook import rules_table, variants_table

    variants = pd.DataFrame(
        {
            "variant": ["pre_interaction > initial_interaction", "follow_up"],
            "cases": [30, 10],
            "share": [0.75, 0.25],
            "share_lo": [0.6, 0.14],
            "share_hi": [0.86, 0.4],
            "conforming": [True, False],
            "fitness": [1.0, 0.0],
        }
    )
    table = variants_table(variants, top=1)
    assert table.to_dict("records") == [
        {
            "Path": "Pre-interaction → Initial interaction",
            "Journeys": "30",
            "Share (95% interval)": "75.0% (60.0–86.0%)",
            "Allowed by the model": "yes",
            "Fitness": "1.00",
        }
    ]
    # Indonesian: headers, stage names, yes/no and the decimal comma
    table = variants_table(variants, top=1, language="id")
    assert table.to_dict("records") == [
        {
            "Jalur": "Pra-interaksi → Interaksi awal",
            "Perjalanan": "30",
            "Bagian (interval 95%)": "75,0% (60,0–86,0%)",
            "Diizinkan model": "ya",
            "Kecocokan": "1,00",
        }
    ]
    rules = pd.DataFrame(
        {"description": ["the journey starts with x"], "cases": [4122], "passing": [2710],
         "share": [2710 / 4122], "share_lo": [0.6428], "share_hi": [0.6718]}
    )  # fmt: skip
    assert rules_table(rules).iloc[0].tolist() == [
        "The journey starts with x",
        "2,710 of 4,122",
        "65.7% (64.3–67.2%)",  # 2710 / 4122 = 0.65745
    ]


def test_satisfaction_table_marks_few_answers_and_formats_intervals():
    from cycleanalytics.notebook import satisfaction_table

    df = pd.DataFrame(
        {
            "month": [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")],
            "responses": [1200, 12], "response_rate": [0.06, 0.05],
            "response_rate_lo": [0.055, 0.03], "response_rate_hi": [0.065, 0.08],
            "csat": [0.5, 0.75], "csat_lo": [0.47, 0.47], "csat_hi": [0.53, 0.91],
            "nps": [3.75, -10.0], "nps_lo": [-1.25, -40.0], "nps_hi": [8.75, 20.0],
            "ces": [4.4, float("nan")], "ces_lo": [4.2, float("nan")],
            "ces_hi": [4.6, float("nan")], "low_n": [False, True],
        }
    )  # fmt: skip
    table = satisfaction_table(df, "month")
    assert table.iloc[0].tolist() == [
        "2026-01", "1,200", "6.0% (5.5–6.5%)", "50.0% (47.0–53.0%)",
        "3.8 (-1.2 to 8.8)", "4.40 (4.20 to 4.60)",
    ]  # fmt: skip
    assert table.iloc[1, 0] == "2026-02 (few answers)" and table.iloc[1, 5] == "–"


def test_change_table_marks_only_flagged_changes_and_names_too_few_answers():
    from cycleanalytics.notebook import change_table, change_takeaway

    df = pd.DataFrame(
        {
            "period": [pd.Timestamp("2026-02-01"), pd.Timestamp("2026-03-01")],
            "n": [100, 20], "previous_n": [100, 100], "value": [0.6, 0.5],
            "previous_value": [0.45, 0.6], "change": [0.15, -0.1],
            "change_lo": [0.01, -0.33], "change_hi": [0.28, 0.14],
            "p_value": [0.03367, 0.41], "enough_n": [True, False], "flagged": [True, False],
        }
    )  # fmt: skip
    table = change_table(df)
    assert table.iloc[0].tolist() == [
        "2026-02", "60.0% (100)", "45.0% (100)", "15.0 (1.0 to 28.0)", "0.034", "● significant",
    ]  # fmt: skip
    assert table.iloc[1, -1] == "too few answers"
    assert change_takeaway(df) == (
        "In 2026-03, 50.0% were satisfied, down 10.0 points from 60.0% the period before; "
        "there are too few answers to tell whether it is real."
    )
    assert change_takeaway(df.head(1)).endswith("larger than chance would explain.")
    assert "no change to show" in change_takeaway(df.iloc[0:0])


def test_complaints_table_and_pareto_by_hand():
    from cycleanalytics.notebook import complaints_table, pareto_takeaway

    df = pd.DataFrame(
        {
            "category": ["product", "image", None],
            "complaints": [50, 30, 20], "cumulative_share": [0.5, 0.8, 1.0],
            "rate_per_1000_cases": [25.0, 15.0, 10.0],
            "first_response_median_h": [7.25, 8.0, float("nan")],
            "reopen_rate": [0.1, 0.0, 0.05], "reopen_rate_lo": [0.04, 0.0, 0.01],
            "reopen_rate_hi": [0.21, 0.11, 0.24], "recurrence_rate": [0.2, float("nan"), 0.0],
            "recurrence_rate_lo": [0.1, float("nan"), 0.0],
            "recurrence_rate_hi": [0.35, float("nan"), 0.3],
        }
    )  # fmt: skip
    table = complaints_table(df)
    assert table.iloc[0].tolist() == [
        "product",
        "50",
        "25.0",
        "50%",
        "7.2",
        "10.0% (4.0–21.0%)",
        "20.0% (10.0–35.0%)",
    ]  # fmt: skip  (7.25 rounds half to even)
    assert table.iloc[2, 0] == "not recorded" and table.iloc[1, 6] == "–"
    # 50 + 30 = 80 of 100 reaches 80%
    assert pareto_takeaway(df) == (
        "2 of 3 areas (product, image) account for 80% of the 100 complaints."
    )
    assert pareto_takeaway(df, share=0.5).startswith("1 of 3 areas (product)")
    assert (
        pareto_takeaway(df.assign(complaints=0)) == "No complaints were opened in this selection."
    )


def test_resolution_takeaway_when_the_median_is_not_reached():
    from cycleanalytics.notebook import resolution_takeaway

    df = pd.DataFrame(
        {"complaints": [10], "censored": [6], "median_h": [float("nan")],
         "median_lo": [float("nan")], "median_hi": [float("nan")]}
    )  # fmt: skip
    assert resolution_takeaway(df) == (
        "Fewer than half of the 10 complaints have been resolved so far. 6 complaints are "
        "still open; they count as unresolved up to the end of the data."
    )
    done = df.assign(censored=0, median_h=36.0, median_lo=24.0, median_hi=float("nan"))
    assert resolution_takeaway(done) == (
        "Half of the 10 complaints were resolved within 36 hours (1.5 days)."
    )


def test_recovery_and_paradox_tables_by_hand():
    from cycleanalytics.notebook import fill_group, paradox_table, recovery_table

    nan = float("nan")
    df = pd.DataFrame(
        {
            "recovery_action": ["refund", None], "dissatisfied": [4, 2], "recovered": [4, 0],
            "recovery_rate": [1.0, 0.0], "recovery_rate_lo": [0.51, 0.0],
            "recovery_rate_hi": [1.0, 0.66], "success_judged": [4, 0], "successes": [3, 0],
            "success_rate": [0.75, nan], "success_rate_lo": [0.3, nan],
            "success_rate_hi": [0.95, nan], "retention_judged": [2, 0],
            "retention_rate": [0.5, nan], "retention_rate_lo": [0.09, nan],
            "retention_rate_hi": [0.91, nan],
        }
    )  # fmt: skip
    table = recovery_table(fill_group(df, "recovery_action", "no recovery step"), "recovery_action")
    assert table.iloc[0].tolist() == [
        "refund", "4", "100.0% (51.0–100.0%)", "75.0% (30.0–95.0%) of 4", "50.0% (9.0–91.0%) of 2",
    ]  # fmt: skip
    assert table.iloc[1].tolist()[0::3] == ["no recovery step", "– of 0"]
    paradox = pd.DataFrame(
        {"group": ["no_failure", "recovered"], "cases": [3597, 276], "later_csat_n": [322, 21],
         "later_top_box": [0.4, 0.6], "later_top_box_lo": [0.35, 0.4],
         "later_top_box_hi": [0.46, 0.79], "retention_judged": [1229, 103],
         "retention": [0.8, 0.9], "retention_lo": [0.78, 0.8], "retention_hi": [0.82, 0.95]}
    )  # fmt: skip
    assert paradox_table(paradox).iloc[1].tolist() == [
        "Failure, recovered", "276", "60.0% (40.0–79.0%) of 21", "90.0% (80.0–95.0%) of 103",
    ]  # fmt: skip


def test_segment_is_a_metric_filter_with_a_bound_value(tmp_path, store):
    import cycleanalytics as ca
    from cycleanalytics.notebook import outcome_source

    (tmp_path / "complaints.csv").write_text(
        "complaint_id,customer_id,opened_at,channel,category,text\n"
        "P1,C1,2026-03-04T09:00:00Z,chat,communication,x\n"
        "P2,C2,2026-03-20T09:00:00Z,phone,image,y\n"
        "P3,C3,2026-02-10T09:00:00Z,email,other,z\n"
    )
    (tmp_path / "customers.csv").write_text("customer_id,segment\nC1,a\nC2,b\nC3,a\n")
    ca.load(store, sorted(tmp_path.glob("*.csv")))
    assert outcome_source(store, None) is store
    view = outcome_source(store, "a")
    assert sorted(view.table("complaints").complaint_id.to_pandas()) == ["P1", "P3"]
    assert view.table("customers").count().to_pandas() == 2  # C1 and C3
    probe = outcome_source(store, "a' OR '1'='1")
    assert probe.table("complaints").count().to_pandas() == 0
    assert int(ca.metrics.complaints(view)["complaints"].sum()) == 2  # P1 and P3
    direct = ca.metrics.complaints(store, segment="a")
    assert int(direct["complaints"].sum()) == 2
    assert direct.attrs["filters"]["segment"] == ["a"]
    assert int(ca.metrics.complaints(store, segment=["a", "b"])["complaints"].sum()) == 3


def test_basis_and_chart_helpers():
    from cycleanalytics.notebook import basis_text, number_text, share_text

    assert basis_text("contacts", 1200, "2026-03-01 to 2026-03-31", channel="web") == (
        "Based on 1,200 contacts, from 2026-03-01 to 2026-03-31, through web."
    )
    assert share_text(0.25, float("nan"), 0.3) == "25.0%"
    assert number_text(-2.25, -3.0, -1.5, decimals=2) == "-2.25 (-3.00 to -1.50)"


@pytest.mark.parametrize(
    ("p_value", "effect", "n_recovered"),
    [(0.001, 0.64, 120), (0.002, 0.38, 120), (0.4, 0.52, 120), (0.001, 0.7, 12)],
)
def test_paradox_verdict_in_english_is_the_metrics_own_word_for_word(p_value, effect, n_recovered):
    from cycleanalytics.metrics.recovery import verdict
    from cycleanalytics.notebook import paradox_verdict
    from cycleanalytics.stats import TestResult

    mw = TestResult(
        "Mann-Whitney U", 2.0, p_value, effect, effect - 0.1, effect + 0.1, "P", (1229, n_recovered)
    )
    tz = TestResult("two-proportion z", 1.4, 0.153, 0.056, -0.024, 0.112, "d", (1229, 103))
    df = pd.DataFrame({"group": ["no_failure", "recovered"]})
    df.attrs["tests"] = {"recovered": (mw.as_dict(), tz.as_dict())}
    assert paradox_verdict(df) == verdict((mw, tz))
    for language in ("id", "ms"):
        text = paradox_verdict(df, language)
        assert text != verdict((mw, tz)) and f"n = {n_recovered}" in text
    assert (
        paradox_verdict(pd.DataFrame(), "ms")
        == "Tiada pelanggan yang dipulihkan untuk dibandingkan."
    )


def test_open_store_checks_the_engine_and_what_db_names(tmp_path, monkeypatch):
    from cycleanalytics.errors import StoreError
    from cycleanalytics.notebook import open_store, spark_session

    with pytest.raises(ParameterError, match=r"engine 'sqlite'.*duckdb, spark"):
        open_store(tmp_path / "x.duckdb", "sqlite")
    database = tmp_path / "service.duckdb"
    database.write_bytes(b"")
    with pytest.raises(StoreError, match=r"is a file; write the folder with Store\.export_parquet"):
        open_store(database, "spark", publish=False)  # refused before any session starts
    pytest.importorskip("pyspark")
    import cycleanalytics.spark

    started = []
    monkeypatch.setattr(cycleanalytics.spark, "local_session", lambda cores: started.append(cores))
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    spark_session(None)
    spark_session("local[4]")
    assert started == [2, 4]


def _sample_figures(sample_db):
    """Every figure the metrics draw, from the sample (one per plot function and shape)."""
    from cycleanalytics import metrics as m

    with ca.Store(sample_db, read_only=True) as s:
        return [
            m.plot_funnel(m.funnel(s)),
            m.plot_funnel(m.funnel(s, by="channel")),
            m.plot_directly_follows(m.directly_follows(s)),
            m.plot_stage_flows(m.directly_follows(s, collapse=True)),
            m.plot_variants(m.variants(s)),
            m.plot_conformance(m.conformance(s)),
            m.plot_conformance_rules(m.conformance_rules(s)),
            m.plot_resolution_time(m.resolution_time(s)),
            m.plot_satisfaction(m.satisfaction(s)),
            m.plot_satisfaction(m.satisfaction(s, by="month")),
            m.plot_complaints(m.complaints(s)),
            m.plot_recovery(m.recovery(s)),
            m.plot_cost(m.cost(s)),
            m.plot_time_between_stages(m.time_between_stages(s)),
        ]


@pytest.mark.parametrize("language", ["id", "ms"])
def test_hover_text_and_numbers_of_figures_are_in_the_report_language(sample_db, language):
    import copy

    from cycleanalytics.i18n import HOVER_TEXTS
    from cycleanalytics.notebook import localize_figure

    placeholders = re.compile(r"%\{[^}]*\}|<[^>]*>|CSAT|[^A-Za-z]")
    for fig in _sample_figures(sample_db):
        local = localize_figure(copy.deepcopy(fig), language)
        for english, trace in zip(fig.data, local.data, strict=True):
            template = getattr(english, "hovertemplate", None)
            if template and placeholders.sub("", template):  # it has words
                assert template in HOVER_TEXTS, f"no translation of hover text {template!r}"
                assert trace.hovertemplate == HOVER_TEXTS[template][language]
            if trace.type == "heatmap":
                cells = [v for row in trace.text for v in row if v]
                assert cells and all(" jam" in v and "median" in v for v in cells)
                assert not any("allowed" in v or "not in the model" in v for v in cells)
        assert local.layout.separators == (",." if language == "id" else None)


def test_indonesian_figures_write_numbers_the_indonesian_way(sample_db):
    from cycleanalytics import metrics as m
    from cycleanalytics.notebook import localize_figure

    with ca.Store(sample_db, read_only=True) as s:
        fig = m.plot_funnel(m.funnel(s))
    english = list(fig.data[0].text)
    assert english[0] == "2,710  (100%)"  # journeys entering the sample's funnel
    local = localize_figure(fig, "id")
    assert local.data[0].text[0] == "2.710  (100%)"


def test_localized_figures_translate_panel_titles_and_period_labels():
    from plotly.subplots import make_subplots

    from cycleanalytics.notebook import localize_figure

    fig = make_subplots(rows=1, cols=2, subplot_titles=["product", "image"])
    fig.add_bar(x=["Aug 2026", "Dec 2026 (to date)"], y=[1, 2], row=1, col=1)
    fig = localize_figure(fig, "id")
    assert [a.text for a in fig.layout.annotations] == ["produk", "citra"]
    assert list(fig.data[0].x) == ["Agu 2026", "Des 2026 (sejauh ini)"]


def test_tiles_draw_the_kpi_history_as_sparklines():
    table = _table()
    history = pd.DataFrame(
        {
            "period": ["jan", "feb", "mar", "jan", "feb", "mar"],
            "kpi": ["csat", "csat", "csat", "nps", "nps", "nps"],
            "stage": [None] * 6,
            "value": [0.50, 0.55, 0.62, float("nan"), float("nan"), 12.5],
        }
    )
    html = kpi_tiles_html(table, history=history)
    tiles = {t.split('"')[0]: t for t in html.split('data-kpi="')[1:]}
    assert tiles["csat"].count("<svg") == 1  # three months: a line
    assert "Trend over the last 3 periods" in tiles["csat"]
    assert "<svg" not in tiles["nps"]  # one value is no trend
    assert "<svg" not in tiles["cases"]  # not in the history
    assert "<svg" not in kpi_tiles_html(table)  # no history, no sparkline
    assert "Tren 3 periode terakhir" in kpi_tiles_html(table, "id", history=history)
