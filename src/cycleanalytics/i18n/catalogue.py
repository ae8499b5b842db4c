"""The message catalogues: one gettext ``.po`` file per language, read at run time with Babel.

``src/cycleanalytics/locale/<lang>/LC_MESSAGES/cycleanalytics.po`` holds every text of the
reports in that language, so a new language is a new catalogue and no code change. Messages
without a context are report texts keyed by a dotted id (``kpi.cases``); the contexts
``stage``, ``chart``, ``hover``, ``value`` and ``move`` hold stage names, figure labels, hover
templates, data values and directly-follows words keyed by their English (or id) text. A
message missing from a catalogue falls back to its English id, as gettext does.

Plural forms follow the ``Plural-Forms`` header of each catalogue (English two forms,
Indonesian and Malay one): :func:`nt` picks the form for a count.

The catalogues are read once per process (Babel's ``read_po``) and compiled in memory to
:class:`gettext.GNUTranslations`, which evaluates the header's plural rule; nothing is built
at install time, so an editable install and a wheel read the same files.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from cycleanalytics.errors import ParameterError

DOMAIN = "cycleanalytics"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"

#: The languages that have a catalogue, English first (the language of the message ids).
LANGUAGES: tuple[str, ...] = (
    "en",
    *sorted(
        p.name
        for p in LOCALE_DIR.iterdir()
        if p.name != "en" and (p / "LC_MESSAGES" / f"{DOMAIN}.po").exists()
    ),
)


def check_language(language: str) -> str:
    """``language`` if it is one of :data:`LANGUAGES`, else a :class:`ParameterError`."""
    if language not in LANGUAGES:
        raise ParameterError(
            f"language {language!r} is not available; choose one of: {', '.join(LANGUAGES)}"
        )
    return language


@functools.cache
def catalogue(language: str) -> Catalog:
    """The parsed ``.po`` catalogue of ``language`` (read once per process)."""
    path = LOCALE_DIR / check_language(language) / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as fh:
        return read_po(fh, locale=language, domain=DOMAIN)


@functools.cache
def translations(language: str) -> gettext.GNUTranslations:
    """``language``'s catalogue compiled in memory, with its header's plural rule."""
    buffer = io.BytesIO()
    write_mo(buffer, catalogue(language))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _messages(context: str | None) -> dict[str, dict[str, str | tuple[str, ...]]]:
    """``{msgid: {language: msgstr}}`` of one context across the catalogues (translated
    messages only; a plural message gives the tuple of its forms)."""
    table: dict[str, dict[str, str | tuple[str, ...]]] = {}
    for language in LANGUAGES:
        for message in catalogue(language):
            if not message.id or message.context != context:
                continue
            forms = message.string
            if not (all(forms) if isinstance(forms, tuple) else forms):
                continue
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            table.setdefault(msgid, {})[language] = forms
    return table


def _plain(table: dict) -> dict[str, dict[str, str]]:
    """A table whose plural messages read as their last (general) form."""
    return {
        msgid: {lang: s[-1] if isinstance(s, tuple) else s for lang, s in texts.items()}
        for msgid, texts in table.items()
    }


_REPORT = _messages(None)
#: Plural messages: ``{msgid: {language: (form, ...)}}``; :func:`nt` picks a form.
PLURALS: dict[str, dict[str, tuple[str, ...]]] = {
    msgid: texts for msgid, texts in _REPORT.items() if isinstance(texts["en"], tuple)
}
#: Every report text by key and language (plural messages by their general form).
TEXTS: dict[str, dict[str, str]] = _plain(_REPORT)
#: Stage labels (DESIGN §1) by language and stage id.
STAGE_LABELS: dict[str, dict[str, str]] = {
    language: {stage: texts[language] for stage, texts in _plain(_messages("stage")).items()}
    for language in LANGUAGES
}
#: Chart labels (axis titles, legend entries, category names) the metrics' figures write in
#: English, with their translations; keys are the exact English text of the figure.
CHART_TEXTS: dict[str, dict[str, str]] = _plain(_messages("chart"))
#: Hover text of the metrics' figures (plotly ``hovertemplate``), keyed by the exact English
#: template. Numbers are formatted by plotly with the figure's separators.
HOVER_TEXTS: dict[str, dict[str, str]] = _plain(_messages("hover"))
#: Values from the data that have a name in each language (complaint areas, recovery
#: actions). English shows the value as the data holds it.
VALUE_LABELS: dict[str, dict[str, str]] = _plain(_messages("value"))
#: The words of a directly-follows cell (``"1,234 (allowed); median 2.5 h"``).
MOVE_WORDS: dict[str, dict[str, str]] = _plain(_messages("move"))


def t(key: str, language: str = "en", **values: object) -> str:
    """The text ``key`` in ``language``, with ``{placeholders}`` filled from ``values``.

    >>> t("kpi.cases", "id")
    'Kasus'
    """
    text = TEXTS[key][check_language(language)]
    return text.format(**values) if values else text


def nt(key: str, count: float, language: str = "en", **values: object) -> str:
    """The plural message ``key`` in the form ``language``'s catalogue header picks for
    ``count``, with ``{placeholders}`` filled from ``values`` (``n`` defaults to ``count``
    written the language's way).

    >>> nt("unit.days", 1, "en"), nt("unit.days", 2, "en"), nt("unit.days", 1, "id")
    ('1 day', '2 days', '1 hari')
    >>> nt("basis.complaints", 1_200, "en")
    'complaints'
    """
    if key not in PLURALS:
        raise KeyError(f"{key!r} is not a plural message")
    text = translations(check_language(language)).ngettext(key, key, _plural_count(count))
    if "n" not in values:
        from cycleanalytics.i18n.formatting import fmt_number

        values["n"] = fmt_number(count, language, decimals=0 if count == int(count) else 1)
    return text.format(**values)


def _plural_count(count: float) -> int:
    """The integer gettext's plural rules take: ``1`` only for exactly one (``1.0`` too), so
    a fractional count such as 1.5 reads as plural, as English writes it."""
    return 1 if count == 1 else 2 if 0 < abs(count) < 2 else int(abs(count))
