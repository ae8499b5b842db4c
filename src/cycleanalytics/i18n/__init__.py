"""Labels and generated text of manager reports, in every language that has a catalogue.

Every text a report shows to a manager comes from a gettext catalogue
(``cycleanalytics/locale/<lang>/LC_MESSAGES/cycleanalytics.po``) through :func:`t` (or
:func:`nt` for a count), so a language is one file. Numbers, shares, money and dates are
written the local way by Babel (:func:`fmt_number`, :func:`fmt_share`, :func:`fmt_money`,
:func:`date_words`).

- :mod:`~cycleanalytics.i18n.catalogue`: reading the catalogues, :func:`t`, :func:`nt`;
- :mod:`~cycleanalytics.i18n.formatting`: numbers, shares, money, dates and periods;
- :mod:`~cycleanalytics.i18n.names`: stage, value, chart and hover names.

Examples
--------
>>> t("kpi.cases", "id")
'Kasus'
>>> fmt_number(1234.5, "id", decimals=1)
'1.234,5'
>>> fmt_share(0.4567, "en")
'45.7%'
"""

from __future__ import annotations

from cycleanalytics.i18n.catalogue import (
    CHART_TEXTS,
    HOVER_TEXTS,
    LANGUAGES,
    MOVE_WORDS,
    PLURALS,
    STAGE_LABELS,
    TEXTS,
    VALUE_LABELS,
    check_language,
    nt,
    t,
)
from cycleanalytics.i18n.formatting import (
    date_words,
    fmt_money,
    fmt_number,
    fmt_share,
    localize_number,
    period_words,
)
from cycleanalytics.i18n.names import chart_text, hover_text, move_text, stage_label, value_label

__all__ = [
    "CHART_TEXTS",
    "HOVER_TEXTS",
    "LANGUAGES",
    "MOVE_WORDS",
    "PLURALS",
    "STAGE_LABELS",
    "TEXTS",
    "VALUE_LABELS",
    "chart_text",
    "check_language",
    "date_words",
    "fmt_money",
    "fmt_number",
    "fmt_share",
    "hover_text",
    "localize_number",
    "move_text",
    "nt",
    "period_words",
    "stage_label",
    "t",
    "value_label",
]
