from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cycleanalytics import CycleModel, ModelError, default_model
from cycleanalytics.model import normalize_label


def test_default_model_has_the_five_stages_in_order():
    model = default_model()
    assert model.order == (
        "pre_interaction",
        "initial_interaction",
        "service_delivery",
        "follow_up",
        "service_recovery",
    )
    assert model.stage("service_recovery").conditional
    assert model.funnel_stages == model.order[:4]
    assert model.index("follow_up") == 4


@pytest.mark.parametrize(
    ("label", "stage"),
    [
        ("Pra-interaksi", "pre_interaction"),  # Indonesian, seed 000
        ("interaksi awal", "initial_interaction"),
        ("  Penyampaian   Layanan ", "service_delivery"),  # spacing and case do not matter
        ("Susulan", "follow_up"),  # Malay
        ("pemulihan perkhidmatan", "service_recovery"),
        ("Satisfaction survey", "follow_up"),
        ("follow_up", "follow_up"),  # the id itself
        ("Internal note", None),
        (None, None),
    ],
)
def test_aliases_in_three_languages(label, stage):
    assert default_model().stage_of(label) == stage


def test_transitions():
    model = default_model()
    assert model.allows("service_delivery", "service_recovery")
    assert model.allows("follow_up", "follow_up")  # repeats
    assert not model.allows("follow_up", "pre_interaction")


def test_toml_round_trip(tmp_path):
    model = default_model()
    path = tmp_path / "model.toml"
    model.to_toml(path)
    assert CycleModel.from_toml(path) == model


def _model(**changes):
    data = default_model().to_dict()
    data.update(changes)
    return data


def test_unknown_stage_in_transition_is_rejected():
    data = _model(transitions={"follow_up": ["complaint"]})
    with pytest.raises(ModelError, match="unknown stage 'complaint'"):
        CycleModel.from_dict(data)


def test_duplicate_alias_across_stages_is_rejected():
    data = _model()
    data["stages"]["follow_up"]["aliases"]["en"].append("First Contact")
    with pytest.raises(ModelError, match="claimed by both 'initial_interaction' and 'follow_up'"):
        CycleModel.from_dict(data)


def test_empty_order_is_rejected():
    with pytest.raises(ModelError, match="non-empty"):
        CycleModel.from_dict({"order": [], "stages": {}})


def test_stage_described_but_not_ordered_is_rejected():
    data = _model(order=["pre_interaction", "initial_interaction"], transitions={})
    with pytest.raises(ModelError, match="missing from 'order'"):
        CycleModel.from_dict(data)


def test_unknown_language_and_bad_id_are_rejected():
    data = _model()
    data["stages"]["follow_up"]["aliases"]["fr"] = ["suivi"]
    with pytest.raises(ModelError, match="unknown language"):
        CycleModel.from_dict(data)
    with pytest.raises(ModelError, match="not valid"):
        CycleModel.from_dict({"order": ["Follow Up"]})


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("order = [", encoding="utf-8")
    with pytest.raises(ModelError, match=r"broken\.toml: not valid TOML"):
        CycleModel.from_toml(path)
    with pytest.raises(ModelError, match="not found"):
        CycleModel.from_toml(tmp_path / "missing.toml")


stage_ids = st.lists(
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=6, unique=True
)
labels = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(lambda s: normalize_label(s))


@given(ids=stage_ids, data=st.data())
def test_any_valid_model_survives_a_toml_round_trip(tmp_path_factory, ids, data):
    stages = {}
    used = {normalize_label(i) for i in ids}
    for stage_id in ids:
        label = data.draw(labels.filter(lambda s: normalize_label(s) not in used))
        used.add(normalize_label(label))
        stages[stage_id] = {"label": label, "labels": {}}
        for language in data.draw(st.sets(st.sampled_from(["id", "ms"]))):
            name = data.draw(labels.filter(lambda s: normalize_label(s) not in used))
            used.add(normalize_label(name))
            stages[stage_id]["labels"][language] = name
    targets = {ids[i]: [ids[i + 1]] for i in range(len(ids) - 1)}
    model = CycleModel.from_dict(
        {"name": "m", "order": ids, "stages": stages, "transitions": targets}
    )
    path = tmp_path_factory.mktemp("m") / "m.toml"
    model.to_toml(path)
    assert CycleModel.from_toml(path) == model


# -- a stage's names in the report languages (issue #14) ---------------------------------------

TRIAGE = """
name = "triage desk"
order = ["triage", "follow_up"]

[stages.triage]
label = "Triage"
labels.id = "Triase"
"""


def _triage_file(tmp_path, extra: str = "", *, triage: str = TRIAGE):
    path = tmp_path / "triage.toml"
    path.write_text(triage + extra, encoding="utf-8")
    return path


def test_a_stage_is_named_in_each_language_the_model_gives():
    model = CycleModel.from_dict(
        {"order": ["triage"], "stages": {"triage": {"label": "Triage", "labels": {"id": "Triase"}}}}
    )
    stage = model.stage("triage")
    assert stage.labels == {"id": "Triase"}
    assert (stage.label_in("en"), stage.label_in("id"), stage.label_in("ms")) == (
        "Triage",
        "Triase",
        None,
    )
    assert model.stage_of("TRIASE") == "triage"  # its names are aliases too, like its label


def test_the_default_models_names_are_the_catalogues():
    """One source of truth checked in pairs: default.toml's label, labels.id and labels.ms
    are the message catalogue's names of the five stages."""
    from cycleanalytics.i18n import LANGUAGES, STAGE_LABELS

    model = default_model()
    for language in LANGUAGES:
        assert {s.id: s.label_in(language) for s in model.stages} == STAGE_LABELS[language]


def test_labels_survive_a_toml_round_trip(tmp_path):
    model = CycleModel.from_toml(_triage_file(tmp_path))
    again = tmp_path / "again.toml"
    model.to_toml(again)
    assert CycleModel.from_toml(again) == model
    assert CycleModel.from_toml(again).stage("triage").labels == {"id": "Triase"}


def test_a_label_in_an_unknown_language_names_the_file_the_stage_and_the_languages(tmp_path):
    path = _triage_file(tmp_path, 'labels.fr = "Triage"\n')
    with pytest.raises(ModelError) as error:
        CycleModel.from_toml(path)
    message = str(error.value)
    assert message.startswith(f"{path}: stage 'triage' has labels for unknown language(s) ['fr']")
    assert message.endswith("the languages supported are en, id, ms")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('labels.ms = "  "', r"stage 'triage' has an empty label in 'ms' \(labels.ms\)"),
        ("labels.ms = 3", r"stages.triage.labels must be a table of language = name"),
        ('labels.en = "Triage desk"', r"label 'Triage' and labels.en 'Triage desk'"),
    ],
)
def test_a_bad_label_is_refused_with_the_file_and_the_stage(tmp_path, extra, message):
    path = _triage_file(tmp_path, extra + "\n")
    with pytest.raises(ModelError, match=rf"^{re.escape(str(path))}: .*{message}"):
        CycleModel.from_toml(path)


def test_an_empty_english_label_is_refused(tmp_path):
    path = _triage_file(tmp_path, triage=TRIAGE.replace('label = "Triage"', 'label = ""'))
    with pytest.raises(ModelError, match=r"triage\.toml: stage 'triage' has an empty label; give"):
        CycleModel.from_toml(path)


def test_labels_en_alone_is_the_english_label(tmp_path):
    path = _triage_file(tmp_path, triage=TRIAGE.replace('label = "Triage"', 'labels.en = "Triage"'))
    stage = CycleModel.from_toml(path).stage("triage")
    assert (stage.label, stage.labels) == ("Triage", {"id": "Triase"})


def test_a_name_that_is_another_stages_alias_is_refused(tmp_path):
    path = _triage_file(tmp_path, '\n[stages.follow_up]\naliases.id = ["triase"]\n')
    with pytest.raises(
        ModelError, match="alias 'triase' is claimed by both 'triage' and 'follow_up'"
    ):
        CycleModel.from_toml(path)


def test_the_documented_example_model_is_valid():
    """docs/model.md's example reads as it is documented: names in three languages."""
    import tomllib
    from pathlib import Path

    doc = (Path(__file__).parent.parent / "docs" / "model.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", doc, flags=re.DOTALL)[1]
    triage = CycleModel.from_dict(tomllib.loads(example)).stage("triage")
    names = [triage.label_in(lang) for lang in ("en", "id", "ms")]
    assert names == ["Triage", "Triase", "Saringan"]
