"""Display names in the report's language: stages, data values, figure labels and hovers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cycleanalytics.i18n.catalogue import (
    CHART_TEXTS,
    HOVER_TEXTS,
    MOVE_WORDS,
    STAGE_LABELS,
    VALUE_LABELS,
    check_language,
)
from cycleanalytics.i18n.formatting import localize_number

if TYPE_CHECKING:
    from cycleanalytics.model import CycleModel

_MOVE_CELL = re.compile(
    r"(?P<count>[\d,]+) \((?P<kind>allowed|✗ not in the model)\); median (?P<hours>[\d.]+) h"
)


def stage_label(
    stage: str,
    language: str = "en",
    model: CycleModel | None = None,
    *,
    default: str | None = None,
) -> str:
    """A stage's name in ``language``, from the first that names it: the cycle ``model``'s own
    name in that language (its TOML's ``labels.<language>``, or ``label`` in English), the
    message catalogue (the five stages of the default model), the model's English ``label``,
    ``default``, the id made readable.

    >>> stage_label("follow_up", "ms"), stage_label("triage")
    ('Susulan', 'Triage')
    >>> from cycleanalytics.model import CycleModel
    >>> model = CycleModel.from_dict({"order": ["triage", "follow_up"], "stages": {
    ...     "triage": {"label": "Triage desk", "labels": {"id": "Triase"}}}})
    >>> [stage_label("triage", lang, model) for lang in ("en", "id", "ms")]
    ['Triage desk', 'Triase', 'Triage desk']
    >>> stage_label("follow_up", "id", model)
    'Tindak lanjut'
    """
    language = check_language(language)
    own = next((s for s in model.stages if s.id == stage), None) if model is not None else None
    if own is not None and (name := own.label_in(language)):
        return name
    if stage in STAGE_LABELS[language]:
        return STAGE_LABELS[language][stage]
    if own is not None:
        return own.label
    return default if default is not None else stage.replace("_", " ").capitalize()


def value_label(value: str, language: str = "en") -> str:
    """A data value's name in ``language`` (complaint areas, recovery actions; see
    :data:`VALUE_LABELS`); English, and values without a name, show the value itself.

    >>> value_label("complaint_handling", "ms"), value_label("complaint_handling", "en")
    ('pengendalian aduan', 'complaint handling')
    >>> value_label("Bank of America", "en")
    'Bank of America'
    """
    return VALUE_LABELS.get(value, {}).get(check_language(language), value)


def chart_text(text: str, language: str = "en") -> str:
    """A figure's English label in ``language`` (:data:`CHART_TEXTS`, then stage names and
    :data:`VALUE_LABELS`); unknown text is returned as it is.

    >>> chart_text("share still open", "id"), chart_text("product", "ms")
    ('bagian yang masih terbuka', 'produk')
    >>> chart_text("customer_psychology"), chart_text("follow_up"), chart_text("complaints")
    ('customer psychology', 'Follow-up', 'complaints')
    """
    if check_language(language) == "en":  # the figures' own words are English already;
        if text in STAGE_LABELS["en"]:  # identifiers get their display names
            return STAGE_LABELS["en"][text]
        return VALUE_LABELS.get(text, {}).get("en", text)
    if text in CHART_TEXTS:
        return CHART_TEXTS[text].get(language, text)
    for stage, english in STAGE_LABELS["en"].items():
        if text in (stage, english):
            return STAGE_LABELS[language].get(stage, text)
    key = text.replace(" ", "_")
    if key in VALUE_LABELS:
        return VALUE_LABELS[key].get(language, text)
    return text


def hover_text(template: str, language: str = "en") -> str:
    """A figure's English hover template in ``language`` (:data:`HOVER_TEXTS`); a template
    with no translation is returned as it is."""
    if check_language(language) == "en":
        return template
    return HOVER_TEXTS.get(template, {}).get(language, template)


def move_text(text: str, language: str = "en") -> str:
    """A directly-follows cell (``"1,234 (allowed); median 2.5 h"``) in ``language``.

    >>> move_text("1,234 (✗ not in the model); median 2.5 h", "id")
    '1.234 (✗ tidak ada dalam model); median 2,5 jam'
    """
    match = _MOVE_CELL.fullmatch(text)
    if check_language(language) == "en" or not match:
        return text
    words = {english: names.get(language, english) for english, names in MOVE_WORDS.items()}
    count = localize_number(match["count"], language)
    hours = localize_number(match["hours"], language)
    return f"{count} ({words[match['kind']]}); {words['median']} {hours} {words['h']}"
