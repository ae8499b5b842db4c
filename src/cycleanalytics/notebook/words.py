"""Wording shared by every report: counts and shares in words, group and stage names, what a
section is based on and how a metric counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cycleanalytics.notebook.display import show_figure, show_text

if TYPE_CHECKING:
    import pandas as pd

    from cycleanalytics.model import CycleModel


def pct_text(share: float, language: str = "en") -> str:
    """A share as a whole percent in ``language``; a dash when it is missing.

    >>> pct_text(0.456, "id"), pct_text(float("nan"))
    ('46%', '–')
    """
    from cycleanalytics.i18n import fmt_share

    return "–" if share != share else fmt_share(share, language, decimals=0)  # NaN: a dash


def count_text(n: Any, language: str = "en") -> str:
    """A count as a whole number with the language's group symbol.

    >>> count_text(12345.0, "id")
    '12.345'
    """
    from cycleanalytics.i18n import fmt_number

    return fmt_number(int(n), language)


def column_header(by: str, language: str = "en") -> str:
    """A breakdown column's header: ``col.<by>`` in ``language``, else the name itself."""
    from cycleanalytics.i18n import TEXTS, t

    if f"col.{by}" in TEXTS:
        return t(f"col.{by}", language)
    return by.replace("_", " ").capitalize()


def label_stages(
    df: pd.DataFrame, language: str = "en", model: CycleModel | None = None
) -> pd.DataFrame:
    """A copy of a funnel table whose ``label`` column names the stages in ``language``
    (:func:`~cycleanalytics.i18n.stage_label`: the cycle ``model``'s own names first, then
    the catalogue's); without a model, English keeps the table's labels (the model's own).

    >>> import pandas as pd
    >>> df = pd.DataFrame({"stage": ["follow_up"], "label": ["Follow-up"]})
    >>> label_stages(df, "ms")["label"].tolist()
    ['Susulan']
    """
    from cycleanalytics.i18n import check_language, stage_label

    out = df.copy()
    if "stage" not in out or (model is None and check_language(language) == "en"):
        return out
    labels = out["label"] if "label" in out else out["stage"]
    out["label"] = [
        stage_label(str(s), language, model, default=str(old))
        for s, old in zip(out["stage"], labels, strict=True)
    ]
    return out


def is_all_data(period: str | None) -> bool:
    """Whether ``period`` (a report's period label) means all the data, in any language."""
    from cycleanalytics.i18n import LANGUAGES, t

    return not period or period in {t("header.all_data", lang) for lang in LANGUAGES}


def share_text(
    value: float, lo: float | None = None, hi: float | None = None, language: str = "en"
) -> str:
    """A share as a whole-number-and-one-decimal percent, with its interval when known.

    >>> share_text(0.6211, 0.6061, 0.6357), share_text(0.5), share_text(float("nan"))
    ('62.1% (60.6–63.6%)', '50.0%', '–')
    >>> share_text(0.6211, 0.6061, 0.6357, "id")
    '62,1% (60,6–63,6%)'
    """
    from cycleanalytics.i18n import localize_number

    if value is None or value != value:
        return "–"
    if lo is None or hi is None or lo != lo or hi != hi:
        return localize_number(f"{value:.1%}", language)
    return localize_number(f"{value:.1%} ({100 * lo:.1f}–{hi:.1%})", language)


def number_text(
    value: float,
    lo: float | None = None,
    hi: float | None = None,
    *,
    decimals: int = 1,
    language: str = "en",
) -> str:
    """A number with one decimal (or ``decimals``), with its interval when known.

    >>> number_text(3.7698, -4.0106, 11.5502), number_text(153.0114, 133.5, None, decimals=0)
    ('3.8 (-4.0 to 11.6)', '153')
    >>> number_text(3.7698, -4.0106, 11.5502, language="ms")
    '3.8 (-4.0 hingga 11.6)'
    """
    from cycleanalytics.i18n import localize_number, t

    if value is None or value != value:
        return "–"
    text = localize_number(f"{value:,.{decimals}f}", language)
    if lo is None or hi is None or lo != lo or hi != hi:
        return text
    low = localize_number(f"{lo:,.{decimals}f}", language)
    high = localize_number(f"{hi:,.{decimals}f}", language)
    return f"{text} ({low} {t('word.to', language)} {high})"


def group_text(value: Any, language: str = "en") -> str:
    """A breakdown value as text: months as ``2026-03``, missing values as ``not recorded``,
    complaint areas and recovery actions named in ``language``.

    >>> import pandas as pd
    >>> group_text(pd.Timestamp("2026-03-01")), group_text(None), group_text("chat")
    ('2026-03', 'not recorded', 'chat')
    >>> group_text(None, "id"), group_text("complaint_handling", "ms")
    ('tidak tercatat', 'pengendalian aduan')
    """
    import pandas as pd

    from cycleanalytics.i18n import t, value_label

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return t("word.not_recorded", language)
    if value == "not recorded":  # a missing group already named by fill_group
        return t("word.not_recorded", language)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m")
    return value_label(str(value), language)


def with_stage_labels(
    df: pd.DataFrame,
    columns: tuple[str, ...],
    language: str = "en",
    model: CycleModel | None = None,
) -> pd.DataFrame:
    """A copy of ``df`` whose stage-id ``columns`` show the stages' names in ``language``
    (:func:`~cycleanalytics.i18n.stage_label`, the cycle ``model``'s own names first).

    >>> import pandas as pd
    >>> with_stage_labels(pd.DataFrame({"source": ["follow_up"]}), ("source",))["source"][0]
    'Follow-up'
    """
    from cycleanalytics.i18n import stage_label

    out = df.copy()
    for column in columns:
        out[column] = [stage_label(str(s), language, model) for s in out[column]]
    return out


def show_chart(
    plot: Any,
    df: pd.DataFrame,
    *,
    empty: str,
    language: str = "en",
    measure: str | None = None,
    **options: Any,
) -> None:
    """Show ``plot(df, **options)`` with its labels in ``language`` and, under it, how the
    metric counted (:func:`counted_text`), or the sentence ``empty`` when there is nothing to
    draw: no rows (a short period), or no value of the plotted ``measure`` column (a log that
    records no scores)."""
    if df.empty or (measure is not None and df[measure].isna().all()):
        show_text(empty, kind="empty")
    else:
        show_figure(plot(df, **options), language)
        show_counted(df, language)


def counted_text(df: pd.DataFrame, language: str = "en") -> str | None:
    """How a metric's numbers are counted, from its declared scope (``attrs["definition"]``):
    what is counted, and what its period and channel filters select on. None for a frame that
    does not come from a metric.

    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.satisfaction(store, period="2026-06")
    >>> print(counted_text(df))  # doctest: +NORMALIZE_WHITESPACE
    How this is counted: answers to surveys; the period by the day of each contact or answer,
    the channel by the channel of each contact.
    >>> print(counted_text(df, "id"))  # doctest: +NORMALIZE_WHITESPACE
    Cara menghitung: jawaban survei; periode menurut hari setiap kontak atau jawaban, saluran
    menurut saluran setiap kontak.
    """
    from cycleanalytics.i18n import t

    definition = df.attrs.get("definition")
    if not definition:
        return None
    return t(
        "counted.line",
        language,
        population=t(f"counted.population.{definition['counts']}", language),
        time=t(f"counted.time.{definition['time_key']}", language),
        channel=t(f"counted.channel.{definition['channel_key']}", language),
    )


def show_counted(df: pd.DataFrame, language: str = "en") -> None:
    """Show :func:`counted_text` as a note (nothing for a frame without a definition)."""
    text = counted_text(df, language)
    if text:
        show_text(text)


def basis_text(
    what: str,
    n: int,
    period: str,
    *,
    channel: str | None = None,
    segment: str | None = None,
    ignored_channel: bool = False,
    language: str = "en",
) -> str:
    """What a report section is based on, in one sentence.

    >>> print(basis_text("complaints", 392, "all data", segment="enterprise"))
    Based on 392 complaints, from all the data available, of customers in segment enterprise.
    >>> print(basis_text("dissatisfied cases", 12, "2026-05-01 to 2026-05-31", channel="chat",
    ...                  ignored_channel=True))  # doctest: +NORMALIZE_WHITESPACE
    Based on 12 dissatisfied cases, from 2026-05-01 to 2026-05-31, through every channel (this
    measure cannot be split by channel yet, so the channel filter chat is not applied).

    ``what`` may be a plural message of the catalogue (``"basis.complaints"``), written in
    the form ``n`` needs:

    >>> print(basis_text("basis.complaints", 1, "all data"))
    Based on 1 complaint, from all the data available.
    >>> print(basis_text("keluhan", 392, "semua data", language="id"))
    Berdasarkan 392 keluhan, dari semua data yang tersedia.
    """
    from cycleanalytics.i18n import PLURALS, nt, t

    if what in PLURALS:
        what = nt(what, n, language)
    if is_all_data(period):
        text = t("basis.all", language, n=count_text(n, language), what=what)
    else:
        text = t("basis.period", language, n=count_text(n, language), what=what, period=period)
    if segment is not None:
        text += t("basis.segment", language, segment=segment)
    if channel is not None and ignored_channel:
        text += t("basis.channel_ignored", language, channel=channel)
    elif channel is not None:
        text += t("basis.channel", language, channel=channel)
    return text + "."


def fill_group(df: pd.DataFrame, by: str, label: str = "not recorded") -> pd.DataFrame:
    """A copy of ``df`` whose missing ``by`` values read ``label`` (charts need names).

    >>> import pandas as pd
    >>> fill_group(pd.DataFrame({"recovery_action": ["refund", None]}), "recovery_action",
    ...            "no recovery step")["recovery_action"].tolist()
    ['refund', 'no recovery step']
    """
    out = df.copy()
    out[by] = [label if group_text(v) == "not recorded" else v for v in out[by]]
    return out


#: What each "nothing loaded" note looks for: the table, and columns of which at least one
#: must hold a value (none: any row will do).
_LOADED = {
    "complaints": ("complaints", ()),
    "answers": ("interactions", ("csat", "nps", "ces")),
}


def nothing_loaded(store: Any, what: str, language: str = "en") -> str | None:
    """One sentence saying the database holds no ``what`` ("complaints" or "answers": survey
    scores) at all, or None when it holds some.

    A report on such data (a service-desk log has no complaint table and no survey) would
    otherwise repeat "No complaints in this selection" in every section, as if a filter had
    emptied it; this says once what is missing and that loading it fills the report.

    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     print(nothing_loaded(store, "complaints"))
    No complaints are loaded in this database, so this report is empty; it fills once a complaints export is loaded.
    """  # noqa: E501
    import functools
    import operator

    from cycleanalytics.i18n import t

    table_name, columns = _LOADED[what]
    table = store.table(table_name)
    if columns:
        recorded = [table[c].notnull() for c in columns if c in table.columns]
        if not recorded:
            return t(f"report.nothing_loaded.{what}", language)
        table = table.filter(functools.reduce(operator.or_, recorded))
    if int(table.select(table.columns[0]).limit(1).count().execute()) > 0:
        return None
    return t(f"report.nothing_loaded.{what}", language)
