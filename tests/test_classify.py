"""Complaint areas from text, against the hand-made fixture tests/data/classify_complaints.csv.

Ten complaints, written for these tests (none is in the seed set). Without a recorded area and
with a text whose area is unambiguous: c01 (English, dirty toilets: image), c02 (Indonesian,
complaint not followed up: complaint_handling), c03 (Malay, complaint not handled:
complaint_handling), c04 (English, charged twice: other), c05 (Malay, washing machine broken:
product). Without an area and with a text that names no area: c06 ("Hello") and c07 ("Thanks
for everything"): the model must abstain. c08 has the recorded area product and a text about
dirty toilets: its area must stay product. c09 has neither an area nor a text; c10 has an area
and no text.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import cycleanalytics as ca
from cycleanalytics.classify import (
    AREAS,
    UNCLASSIFIED,
    area_sources,
    evaluate_classifier,
    load_classifier,
    read_labels,
    seed_classifier,
    seed_labels,
    train_classifier,
    uncertain_complaints,
)
from cycleanalytics.cli import main
from cycleanalytics.errors import LoadError, ParameterError

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
EXPECTED = {
    "c01": ("image", "en"),
    "c02": ("complaint_handling", "id"),
    "c03": ("complaint_handling", "ms"),
    "c04": ("other", "en"),
    "c05": ("product", "ms"),
}


@pytest.fixture
def complaints_store(store: ca.Store) -> ca.Store:
    ca.load(store, DATA / "classify_complaints.csv", kind="complaints")
    return store


def _predictions(store: ca.Store) -> pd.DataFrame:
    return store.con.execute("SELECT * FROM complaint_predictions ORDER BY complaint_id").df()


# -- the seed set ------------------------------------------------------------------------------


def test_seed_set_has_30_complaints_per_area_in_each_language():
    labels = seed_labels()
    counts = labels.groupby(["language", "area"]).size()
    assert set(labels["area"]) == set(AREAS)
    assert set(labels["language"]) == {"en", "id", "ms"}
    assert (counts == 30).all() and len(counts) == 18
    assert not labels["text"].duplicated().any()


def test_the_malay_and_indonesian_seeds_use_their_own_words():
    """Malay: aduan, kakitangan, tidak berpuas hati; Indonesian: keluhan, petugas, kecewa
    (whole words: Indonesian "pengaduan" is not Malay "aduan")."""
    labels = seed_labels()

    def words(language: str) -> str:
        text = " ".join(labels.loc[labels["language"] == language, "text"]).lower()
        return " " + " ".join(re.findall(r"\w+", text)) + " "

    malay, indonesian = words("ms"), words("id")
    for word in ("aduan", "kakitangan", "berpuas hati", "rosak", "boleh", "wang"):
        assert f" {word} " in malay and f" {word} " not in indonesian, word
    for word in ("keluhan", "petugas", "rusak", "bisa", "uang", "kecewa"):
        assert f" {word} " in indonesian and f" {word} " not in malay, word


# -- predictions on the hand-made fixture ------------------------------------------------------


def test_unambiguous_complaints_get_their_area_and_language(complaints_store):
    table = ca.classify_complaints(complaints_store).set_index("complaint_id")
    for complaint, (area, language) in EXPECTED.items():
        assert table.loc[complaint, "predicted_area"] == area, complaint
        assert table.loc[complaint, "language"] == language, complaint
        assert table.loc[complaint, "probability"] >= 0.4, complaint


def test_the_model_abstains_on_texts_that_name_no_area(complaints_store):
    table = ca.classify_complaints(complaints_store).set_index("complaint_id")
    for complaint in ("c06", "c07"):
        assert table.loc[complaint, "predicted_area"] == UNCLASSIFIED
        assert table.loc[complaint, "probability"] < 0.4


def test_the_threshold_decides_abstention(complaints_store):
    everything = ca.classify_complaints(complaints_store, threshold=0.0)
    assert UNCLASSIFIED not in set(everything["predicted_area"])
    nothing = ca.classify_complaints(complaints_store, threshold=1.0)
    assert set(nothing["predicted_area"]) == {UNCLASSIFIED}
    with pytest.raises(ParameterError, match="between 0 and 1"):
        ca.classify_complaints(complaints_store, threshold=1.5)


def test_a_recorded_area_is_never_overwritten_nor_predicted(complaints_store):
    before = complaints_store.con.execute("SELECT * FROM complaints ORDER BY complaint_id").df()
    table = ca.classify_complaints(complaints_store, threshold=0.0)
    after = complaints_store.con.execute("SELECT * FROM complaints ORDER BY complaint_id").df()
    pd.testing.assert_frame_equal(before, after)
    # c08 (product, text about toilets) and c10 keep their area; c09 has no text.
    assert sorted(table["complaint_id"]) == ["c01", "c02", "c03", "c04", "c05", "c06", "c07"]
    assert list(_predictions(complaints_store)["complaint_id"]) == sorted(table["complaint_id"])


def test_a_rerun_replaces_the_earlier_predictions(complaints_store):
    ca.classify_complaints(complaints_store, threshold=1.0)
    complaints_store.con.execute(
        "UPDATE complaints SET category = 'image' WHERE complaint_id = 'c01'"
    )
    complaints_store.con.execute(
        "UPDATE complaints SET text = 'Mesin basuh itu rosak lagi.' WHERE complaint_id = 'c09'"
    )
    ca.classify_complaints(complaints_store)
    stored = _predictions(complaints_store)
    assert not stored["complaint_id"].duplicated().any()
    assert "c01" not in set(stored["complaint_id"]), "a recorded area drops its prediction"
    assert stored.set_index("complaint_id").loc["c09", "predicted_area"] == "product"
    assert set(stored["threshold"]) == {0.4}, "nothing is left of the first run"
    assert set(stored["model_id"]) == {seed_classifier().model_id}


def test_a_failed_run_leaves_the_stored_predictions(complaints_store, monkeypatch):
    """The new rows break the table's CHECK (a probability of 1.5) after the old rows were
    deleted: the transaction must give the old rows back."""
    from cycleanalytics.classify import AreaClassifier

    ca.classify_complaints(complaints_store)
    before = _predictions(complaints_store)
    predict = AreaClassifier.predict

    def impossible(self, texts, **options):
        return predict(self, texts, **options).assign(probability=1.5)

    monkeypatch.setattr(AreaClassifier, "predict", impossible)
    with pytest.raises(Exception, match=r"(?i)constraint"):
        ca.classify_complaints(complaints_store, threshold=0.0)
    pd.testing.assert_frame_equal(_predictions(complaints_store), before)


def test_classifying_needs_a_writable_store(tmp_path, complaints_store):
    path = tmp_path / "c.duckdb"
    with ca.Store(path) as store:
        ca.load(store, DATA / "classify_complaints.csv", kind="complaints")
    with ca.Store(path, read_only=True) as store, pytest.raises(ca.StoreError, match="writing"):
        ca.classify_complaints(store)


# -- the queue of complaints to label next -----------------------------------------------------


def test_the_queue_lists_the_least_certain_complaints_first(complaints_store):
    queue = uncertain_complaints(complaints_store, n=4)
    assert len(queue) == 4
    assert set(queue["complaint_id"][:2]) == {"c06", "c07"}, "the greetings name no area"
    assert queue["probability"].is_monotonic_increasing
    full = uncertain_complaints(complaints_store, n=100)
    assert sorted(full["complaint_id"]) == ["c01", "c02", "c03", "c04", "c05", "c06", "c07"]
    expected = seed_classifier().predict(full["text"])
    assert list(full["probability"]) == sorted(expected["probability"])
    assert list(full.columns[-2:]) == ["text", "area"] and (full["area"] == "").all()


# -- evaluation ---------------------------------------------------------------------------------


def test_evaluation_reports_macro_f1_per_language_on_held_out_folds():
    table = evaluate_classifier(folds=3)
    assert list(table["language"]) == ["en", "id", "ms", "all"]
    assert list(table["examples"]) == [180, 180, 180, 540]
    assert table["macro_f1"].between(0, 1).all()
    # six areas: chance is about 1/6; a model that only memorised would not be judged here
    assert (table["macro_f1"] > 0.3).all()
    assert table.attrs["definition"]["grouped_by_scenario"] is True
    assert table.attrs["confusion"].to_numpy().sum() == 540


def test_the_documented_figures_are_what_evaluate_prints():
    """docs/classify.md records the 5-fold figures; they must be the ones the code gives."""
    table = evaluate_classifier().set_index("language")
    doc = (ROOT / "docs" / "classify.md").read_text(encoding="utf-8")
    for language in ("en", "id", "ms", "all"):
        row = re.search(rf"^\| `{language}` \| (\d+) \| ([\d.]+) \|", doc, re.M)
        assert row, f"no row for {language} in docs/classify.md"
        assert int(row.group(1)) == table.loc[language, "examples"]
        assert float(row.group(2)) == round(table.loc[language, "macro_f1"], 2), language


# -- own labels, saved models, no network -----------------------------------------------------


def test_own_labels_train_a_model_that_saves_and_loads_the_same(tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "text,area\n"
        "The screen is cracked,product\n"
        "Broken on arrival,product\n"
        "Never told about the delay,communication\n"
        "No answer to my emails,communication\n",
        encoding="utf-8",
    )
    model = train_classifier(labels)
    assert model.areas == ("communication", "product")
    assert model.model_id.startswith("labels-")
    path = model.save(tmp_path / "model.json")
    again = load_classifier(path)
    assert again.model_id == model.model_id
    texts = ["The phone is cracked", "Nobody answered my email"]
    pd.testing.assert_frame_equal(model.predict(texts), again.predict(texts))
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == "cycleanalytics-area-model"


def test_bad_labels_and_model_files_say_what_is_wrong(tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("text,area\nDirty floor,image\nRude staff,rudeness\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"line 3: unknown area 'rudeness'; areas are"):
        read_labels(labels)
    labels.write_text("text,area\nDirty floor,\n", encoding="utf-8")
    with pytest.raises(LoadError, match="no labelled rows"):
        read_labels(labels)
    labels.write_text(
        "text,area,complaint_id\nDirty floor,image,c1\nRude,,c2\nCharged twice,other,c3\n",
        encoding="utf-8",
    )
    assert list(read_labels(labels)["text"]) == ["Dirty floor", "Charged twice"]
    labels.write_text("complaint,area\nDirty floor,image\n", encoding="utf-8")
    with pytest.raises(LoadError, match="no column text"):
        read_labels(labels)
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(LoadError, match="not a cycleanalytics model file"):
        load_classifier(other)


def test_the_model_trains_and_predicts_with_the_network_off(monkeypatch):
    def no_network(*args, **kwargs):
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    seed_classifier.cache_clear()
    try:
        row = seed_classifier().predict(["Mesin basuh itu rosak selepas seminggu."]).iloc[0]
    finally:
        seed_classifier.cache_clear()
    assert (row["area"], row["language"]) == ("product", "ms")


def test_importing_the_package_and_the_cli_does_not_import_scikit_learn():
    code = (
        "import sys, cycleanalytics, cycleanalytics.classify, cycleanalytics.cli; "
        "assert 'sklearn' not in sys.modules, 'sklearn imported at start-up'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- the report's numbers -----------------------------------------------------------------------


def test_area_sources_counts_recorded_predicted_and_unclassified(complaints_store):
    before = area_sources(complaints_store)
    assert before.attrs["predicted"] == 0 and before.attrs["recorded"] == 2
    assert before.attrs["not_classified"] == 8
    ca.classify_complaints(complaints_store)
    table = area_sources(complaints_store).set_index("area")
    assert table.attrs["complaints"] == 10
    assert (table.attrs["recorded"], table.attrs["predicted"]) == (2, 5)
    assert (table.attrs["unclassified"], table.attrs["not_classified"]) == (2, 1)
    assert table.loc["complaint_handling", "predicted"] == 2
    assert table.loc["product", "recorded"] == 1 and table.loc["product", "predicted"] == 1
    assert table.loc[UNCLASSIFIED, "predicted"] == 2
    assert table.attrs["models"] == [seed_classifier().model_id]
    march = area_sources(complaints_store, period="2026-03", channel="phone").set_index("area")
    assert march["complaints"].sum() == 2  # c02 and c05


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: object) -> tuple[int, str, str]:
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "c.duckdb"
    with ca.Store(path) as store:
        ca.load(store, DATA / "classify_complaints.csv", kind="complaints")
        store.con.execute(
            "UPDATE complaints SET text = '=HYPERLINK(\"http://x\") [bold]refund[/bold]' "
            "WHERE complaint_id = 'c09'"
        )
    return path


def test_cli_run_prints_the_counts_and_stores_predictions(run, db):
    code, stdout, _ = run("classify", "run", "--db", db, "--format", "csv")
    assert code == 0
    summary = pd.read_csv(pd.io.common.StringIO(stdout))
    assert summary["complaints"].sum() == 8
    with ca.Store(db, read_only=True) as store:
        assert len(_predictions(store)) == 8


def test_cli_queue_csv_cannot_run_formulas_and_shows_texts_as_written(run, db):
    code, stdout, _ = run("classify", "queue", "--db", db, "--n", "10", "--format", "csv")
    assert code == 0
    assert "'=HYPERLINK" in stdout and "\n=HYPERLINK" not in stdout
    code, stdout, _ = run("classify", "queue", "--db", db, "--n", "10")
    assert code == 0 and "[bold]refund[/bold]" in stdout


def test_cli_evaluate_prints_macro_f1_per_language(run):
    code, stdout, _ = run("classify", "evaluate", "--folds", "3", "--format", "csv")
    assert code == 0
    table = pd.read_csv(pd.io.common.StringIO(stdout))
    assert list(table["language"]) == ["en", "id", "ms", "all"]
    assert "macro_f1" in table.columns


def test_cli_train_writes_a_model_that_run_uses(run, db, tmp_path):
    labels = tmp_path / "mine.csv"
    rows = ["text,area"]
    rows += [f"The device number {i} is broken,product" for i in range(5)]
    rows += [f"Staff member {i} was rude to me,customer_psychology" for i in range(5)]
    labels.write_text("\n".join(rows) + "\n", encoding="utf-8")
    model = tmp_path / "model.json"
    code, stdout, _ = run("classify", "train", "--labels", labels, "--out", model)
    assert code == 0 and "mine-" in stdout and "macro_f1" in stdout
    code, _, _ = run("classify", "run", "--db", db, "--model", model)
    assert code == 0
    with ca.Store(db, read_only=True) as store:
        areas = set(_predictions(store)["predicted_area"])
        assert areas <= {"product", "customer_psychology", UNCLASSIFIED}


def test_cli_bad_labels_exit_4_with_the_line(run, tmp_path):
    labels = tmp_path / "bad.csv"
    labels.write_text("text,area\nDirty,imagery\n", encoding="utf-8")
    code, _, stderr = run("classify", "evaluate", "--labels", labels)
    assert code == 4 and "line 2: unknown area 'imagery'" in stderr


# -- the complaints report -----------------------------------------------------------------------


def test_without_predictions_the_report_says_how_to_get_them(complaints_store):
    from cycleanalytics.classify import predicted_areas_takeaway

    text = predicted_areas_takeaway(area_sources(complaints_store))
    assert text == (
        "8 of the 10 complaints have no recorded area and no predicted one yet. To predict "
        "their areas from the complaint texts, run: cycleanalytics classify run --db <database>"
    )


def test_the_report_table_marks_predicted_areas_in_the_language(complaints_store):
    from cycleanalytics.classify import predicted_areas_table, predicted_areas_takeaway

    ca.classify_complaints(complaints_store)
    table = area_sources(complaints_store)
    words = predicted_areas_table(table, "ms")
    assert list(words.columns) == ["Bidang", "Direkodkan", "Ramalan (model)", "Semua"]
    assert words.iloc[-1].tolist() == ["tidak dikelaskan", "0", "2", "2"]
    assert predicted_areas_takeaway(table) == (
        "Of the 10 complaints, 2 (20%) have a recorded area, 5 (50%) a predicted area and "
        "2 (20%) are unclassified (the model was not sure enough). 1 (10%) has neither: no "
        "text, or recorded after the last classification."
    )


@pytest.mark.slow
def test_the_complaints_report_shows_predicted_areas_and_no_text(tmp_path):
    from cycleanalytics.reports import run_report

    db = tmp_path / "s.duckdb"
    with ca.Store(db) as store:
        ca.load(store, ca.sample_dir())
        store.con.execute("UPDATE complaints SET category = NULL WHERE complaint_id < 'P000100'")
        ca.classify_complaints(store)
        texts = [r[0] for r in store.con.execute("SELECT DISTINCT text FROM complaints").fetchall()]
    result = run_report("complaints", db=db, out=tmp_path / "out", parameters={"language": "ms"})
    page = result.html.read_text(encoding="utf-8")
    assert "Bidang direkodkan dan bidang ramalan" in page
    assert "Ramalan (model)" in page and "tidak dikelaskan" in page
    assert re.search(r"Daripada 392 aduan, 293 \(75%\) mempunyai bidang yang direkodkan", page)
    assert not [text for text in texts if text and text in page], "a complaint text is shown"
