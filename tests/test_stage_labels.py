"""A cycle model's own stage names in the report languages (issue #14): the model's name in the
language first, then the message catalogue's, then the model's English label.

The data is the hand-counted funnel fixture of tests/data (see test_funnel.py) with its
``initial_interaction`` stage renamed ``triage``, a stage the catalogue does not know, named
"Triage" in English and "Triase" in Indonesian by the model below (no Malay name). Over all
data its funnel reaches 10, 9, 5 and 4 journeys: the largest drop is from triage to delivery,
4 of 9 (44%).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cycleanalytics as ca
from cycleanalytics.i18n import stage_label
from cycleanalytics.model import CycleModel
from cycleanalytics.notebook import (
    funnel_table,
    funnel_takeaway,
    label_stages,
    localize_figure,
    with_stage_labels,
)
from cycleanalytics.notebook.conformance import path_text, rule_text

DATA = Path(__file__).parent / "data"

TRIAGE_MODEL = """
name = "triage desk"
order = ["pre_interaction", "triage", "service_delivery", "follow_up", "service_recovery"]

[stages.triage]
label = "Triage"
labels.id = "Triase"
aliases.en = ["first contact"]

[stages.service_recovery]
conditional = true

[transitions]
pre_interaction = ["triage"]
triage = ["service_delivery"]
service_delivery = ["follow_up", "service_recovery"]
follow_up = ["service_recovery"]
service_recovery = ["follow_up"]
"""


@pytest.fixture(scope="module")
def triage(tmp_path_factory) -> tuple[Path, Path]:
    """The model file, and a database of the funnel fixture loaded with it."""
    folder = tmp_path_factory.mktemp("triage")
    model = folder / "triage.toml"
    model.write_text(TRIAGE_MODEL, encoding="utf-8")
    cases = pd.read_csv(DATA / "funnel_cases.csv", dtype=str, keep_default_na=False)
    cases["stage"] = cases["stage"].replace("initial_interaction", "triage")
    cases.to_csv(folder / "interactions.csv", index=False)
    db = folder / "triage.duckdb"
    with ca.Store(db) as store:
        ca.load(store, [DATA / "funnel_customers.csv", folder / "interactions.csv"], model=model)
    return model, db


def test_the_models_name_in_the_language_comes_first_then_the_catalogue_then_its_label(triage):
    model = CycleModel.from_toml(triage[0])
    names = {lang: stage_label("triage", lang, model) for lang in ("en", "id", "ms")}
    assert names == {"en": "Triage", "id": "Triase", "ms": "Triage"}
    # stages the model does not name in Indonesian: the catalogue's name
    assert stage_label("service_delivery", "id", model) == "Penyampaian layanan"
    # without the model: the id made readable, as before
    assert stage_label("triage", "id") == "Triage"


def test_funnel_table_and_takeaway_name_the_models_stage(triage):
    model_path, db = triage
    model = CycleModel.from_toml(model_path)
    with ca.Store(db, read_only=True) as store:
        funnel = ca.funnel(store, model=model_path)
    assert funnel["reached"].tolist() == [10, 9, 5, 4]
    table = funnel_table(funnel, "id", model)
    assert table.iloc[:, 0].tolist() == [
        "Pra-interaksi",
        "Triase",
        "Penyampaian layanan",
        "Tindak lanjut",
    ]
    assert funnel_takeaway(funnel, "id", model).startswith(
        "Penurunan terbesar terjadi antara Triase dan Penyampaian layanan: 44%"
    )
    assert label_stages(funnel, "ms", model)["label"].tolist()[1] == "Triage"


def test_chart_text_names_the_models_stage(triage):
    """The funnel chart (bars and their category order) and the conformance charts' stage
    names, once localized for the page, are the model's Indonesian names."""
    model_path, db = triage
    model = CycleModel.from_toml(model_path)
    with ca.Store(db, read_only=True) as store:
        funnel = ca.funnel(store, model=model_path)
        follows = ca.metrics.directly_follows(store, model=model_path)
    fig = localize_figure(ca.plot_funnel(label_stages(funnel, "id", model)), "id")
    bars = [name for trace in fig.data for name in trace.y]
    assert bars == ["Pra-interaksi", "Triase", "Penyampaian layanan", "Tindak lanjut"]
    assert list(fig.layout.yaxis.categoryarray) == bars
    named = with_stage_labels(follows, ("source", "target"), "id", model)
    heat = localize_figure(ca.metrics.plot_directly_follows(named), "id")
    assert "Triase" in heat.data[0].x and "Triase" in heat.data[0].y
    assert "triage" not in [*heat.data[0].x, *heat.data[0].y]
    assert path_text("pre_interaction > triage", "id", model) == "Pra-interaksi → Triase"
    assert rule_text("precedence(triage, follow_up)", "", "id", model) == (
        "Setiap Tindak lanjut didahului oleh Triase"
    )


def _text(page: str) -> str:
    """A page's words without its scripts and styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", "\n", page)


def _figures(page: str) -> str:
    """The figures' JSON of a page (the plotly calls), without the plotly bundle."""
    return "\n".join(re.findall(r"Plotly\.newPlot\((.*?)\)\s*}", page, flags=re.DOTALL))


@pytest.mark.slow
def test_an_indonesian_funnel_report_names_the_models_stages(triage, tmp_path):
    from cycleanalytics.reports import run_report

    model_path, db = triage
    result = run_report(
        "stage_funnel",
        db=db,
        out=tmp_path,
        parameters={"model": str(model_path), "language": "id"},
    )
    page = result.html.read_text(encoding="utf-8")
    text = _text(page)
    assert "Penurunan terbesar terjadi antara Triase dan Penyampaian layanan" in text
    assert re.search(r"<td class=\"text\">Triase</td>", page), "the funnel table's row"
    figures = _figures(page)
    assert figures.count('"Triase"') >= 2, "both funnel charts name the stage"
    assert '"Triage"' not in figures and '"triage"' not in figures


def test_the_drivers_report_names_the_models_stage(triage):
    from cycleanalytics.drivers_text import coverage_figure, stages_table

    model = CycleModel.from_toml(triage[0])
    stages = pd.DataFrame(
        {"stage": ["triage"], "priority_rank": [1], "drivers": [1],
         "importance_share": [0.6], "mean": [3.2]}
    )  # fmt: skip
    assert stages_table(stages, "id", model).iloc[0].tolist() == [1, "Triase", 1, "60,0%", "3,20"]
    coverage = pd.DataFrame()
    coverage.attrs["coverage"] = {"triage": 0.4, "Reset password": 0.1}
    assert list(coverage_figure(coverage, "id", model).data[0].x) == ["Triase", "Reset password"]


@pytest.mark.slow
def test_an_indonesian_conformance_report_names_the_models_stages(triage, tmp_path):
    from cycleanalytics.reports import run_report

    model_path, db = triage
    result = run_report(
        "conformance",
        db=db,
        out=tmp_path,
        parameters={"model": str(model_path), "language": "id"},
    )
    page = result.html.read_text(encoding="utf-8")
    # c01's path, in the table of paths; a rule of the model, in the table of rules
    path = "Pra-interaksi → Triase → Penyampaian layanan → Tindak lanjut"
    assert f'<td class="text">{path}</td>' in page
    assert '<td class="text">Setiap Penyampaian layanan didahului oleh Triase</td>' in page
    figures = _figures(page)
    assert '"Triase"' in figures, "the directly-follows and flow charts name the stage"
    assert '"Triage"' not in figures and '"triage"' not in figures


def test_the_summarys_sentences_name_the_models_stage(triage):
    from cycleanalytics.notebook import entry_note, kpi_sentences, standout_sentences

    model = CycleModel.from_toml(triage[0])
    kpis = pd.DataFrame(
        {"kpi": ["cases", "dropoff"], "stage": [None, "triage"], "value": [100.0, 0.25],
         "unit": ["count", "share"], "n": [100, 80]}
    )  # fmt: skip
    kpis.attrs["first_stage"] = "pre_interaction"
    said = kpi_sentences(kpis, period="Maret 2026", language="id", model=model)
    assert said[-1] == (
        "Perjalanan paling banyak hilang sebelum Triase: 25% dari yang mencapai Pra-interaksi "
        "tidak sampai ke sana."
    )
    funnel = pd.DataFrame()
    funnel.attrs.update(unrecorded_stages=["pre_interaction"], entry_stage="triage")
    assert entry_note(funnel, "id", model).endswith("pada Triase, tahap pertama yang dicatat.")
    found = pd.DataFrame(
        {"kind": ["group"], "measure": ["reach"], "group": ["email"], "stage": ["triage"],
         "value": [0.1047], "reference": [0.3473]}
    )  # fmt: skip
    assert "Triase" in standout_sentences(found, "id", model)[0]


def test_the_drop_off_tile_and_the_index_headline_name_the_models_stage(triage):
    from cycleanalytics.notebook import kpi_tiles_html
    from cycleanalytics.reports import _model_of, headline

    model = CycleModel.from_toml(triage[0])
    kpis = pd.DataFrame(
        {"kpi": ["dropoff"], "stage": ["triage"], "value": [0.25], "unit": ["share"], "n": [80],
         "previous": [float("nan")], "change": [float("nan")], "significant": [pd.NA],
         "metric": ["funnel"]}
    )  # fmt: skip
    tiles = kpi_tiles_html(kpis, "id", model=model)
    assert ">Hilang sebelum Triase<" in tiles
    assert ">Hilang sebelum Triage<" in kpi_tiles_html(kpis, "id"), "no model: the id readable"
    # the index finds the model a report was run with in the run's record
    entry = {"parameters": {"model": str(triage[0])}}
    figures = {"dropoff:triage": {"value": 0.44}, "dropoff:follow_up": {"value": 0.2}}
    assert headline("stage_funnel", figures, "id", _model_of(entry)) == (
        "Hilang sebelum Triase 44,0%"
    )
    assert _model_of({"parameters": {"model": str(triage[0]) + ".gone"}}) is None
    assert _model_of({"parameters": {}}) is None


@given(
    stage=st.sampled_from(["triage", "follow_up", "pre_interaction"]),
    names=st.dictionaries(
        st.sampled_from(["id", "ms"]), st.sampled_from(["Nama A", "Nama B"]), max_size=2
    ),
    language=st.sampled_from(["en", "id", "ms"]),
)
def test_a_name_the_model_gives_always_wins_and_english_is_its_label(stage, names, language):
    from cycleanalytics.i18n import STAGE_LABELS

    model = CycleModel.from_dict(
        {"order": [stage], "stages": {stage: {"label": "Own label", "labels": names}}}
    )
    expected = (
        "Own label"
        if language == "en"
        else names.get(language) or STAGE_LABELS[language].get(stage, "Own label")
    )
    assert stage_label(stage, language, model) == expected
