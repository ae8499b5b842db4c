"""The complaints report's wording: areas, the Pareto takeaway and resolution times."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cycleanalytics.notebook.words import (
    column_header,
    count_text,
    group_text,
    number_text,
    pct_text,
    share_text,
)

if TYPE_CHECKING:
    import pandas as pd


def complaints_table(df: pd.DataFrame, by: str = "category", language: str = "en") -> pd.DataFrame:
    """A :func:`~cycleanalytics.metrics.complaints` table by ``by`` in words: complaints, per
    1,000 cases, cumulative share (Pareto), median first response in hours, reopen and
    recurrence rates with their 95% intervals. Never any complaint text."""
    import pandas as pd

    from cycleanalytics.i18n import t

    group = t("col.area", language) if by == "category" else column_header(by, language)
    rows = []
    for r in df.to_dict("records"):
        rows.append(
            {
                group: group_text(r[by], language),
                t("compl.col.complaints", language): count_text(r["complaints"], language),
                t("compl.col.per_1000", language): number_text(
                    r["rate_per_1000_cases"], language=language
                ),
                t("compl.col.cumulative", language): pct_text(r["cumulative_share"], language),
                t("compl.col.first_response", language): number_text(
                    r["first_response_median_h"], language=language
                ),
                t("compl.col.reopened", language): share_text(
                    r["reopen_rate"], r["reopen_rate_lo"], r["reopen_rate_hi"], language
                ),
                t("compl.col.again", language): share_text(
                    r["recurrence_rate"], r["recurrence_rate_lo"], r["recurrence_rate_hi"], language
                ),
            }
        )
    return pd.DataFrame(rows)


def pareto_takeaway(
    df: pd.DataFrame, by: str = "category", *, share: float = 0.8, language: str = "en"
) -> str:
    """Which few groups make up ``share`` of the complaints (the Pareto reading), from a
    :func:`~cycleanalytics.metrics.complaints` table sorted by complaints.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"category": ["product", "communication", "image"],
    ...     "complaints": [60, 25, 15]})
    >>> print(pareto_takeaway(df))  # doctest: +NORMALIZE_WHITESPACE
    2 of 3 areas (product, communication) account for 85% of the 100 complaints.
    """
    from cycleanalytics.i18n import chart_text, t

    ordered = df.sort_values("complaints", ascending=False, kind="stable")
    total = int(ordered["complaints"].sum())
    if total == 0:
        return t("compl.say.none", language)
    running, names = 0, []
    for r in ordered.to_dict("records"):
        running += int(r["complaints"])
        names.append(group_text(r[by], language))
        if running / total >= share:
            break
    if by == "category":
        word = t("compl.say.areas", language)
    else:
        word = t("compl.say.groups", language, by=chart_text(by, language))
    return t(
        "compl.say.pareto",
        language,
        k=count_text(len(names), language),
        n=count_text(len(ordered), language),
        groups=word,
        names=", ".join(names),
        share=pct_text(running / total, language),
        total=count_text(total, language),
    )


def resolution_takeaway(df: pd.DataFrame, language: str = "en") -> str:
    """One sentence from the overall :func:`~cycleanalytics.metrics.resolution_time` row.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"complaints": [392], "censored": [38], "median_h": [153.01],
    ...     "median_lo": [133.5], "median_hi": [173.2]})
    >>> print(resolution_takeaway(df))  # doctest: +NORMALIZE_WHITESPACE
    Half of the 392 complaints were resolved within 153 hours (6.4 days; between 134 and
    173 hours with 95% confidence). 38 complaints are still open; they count as unresolved
    up to the end of the data.
    >>> df.attrs["rows_excluded"] = {"closed by a status, no resolution time": 6581}
    >>> print(resolution_takeaway(df).split(". ")[-1])  # doctest: +NORMALIZE_WHITESPACE
    6,581 more complaints were closed by a status without a date (such as the company's
    response), so their time to resolve is unknown and they are left out here.
    """
    from cycleanalytics.i18n import fmt_number, nt, t
    from cycleanalytics.metrics._outcomes import CLOSED_UNDATED

    r = df.iloc[0]
    n = int(r["complaints"])
    if n == 0:
        return t("compl.say.none", language)
    if r["median_h"] != r["median_h"]:
        text = nt("compl.say.unresolved", n, language, n=count_text(n, language))
    else:
        text = t(
            "compl.say.half",
            language,
            n=count_text(n, language),
            hours=fmt_number(r["median_h"], language),
            days=fmt_number(r["median_h"] / 24, language, decimals=1),
        )
        if r["median_lo"] == r["median_lo"] and r["median_hi"] == r["median_hi"]:
            text += t(
                "compl.say.interval",
                language,
                lo=fmt_number(r["median_lo"], language),
                hi=fmt_number(r["median_hi"], language),
            )
        text += ")."
    if int(r["censored"]):
        text += nt(
            "compl.say.open", int(r["censored"]), language, n=count_text(r["censored"], language)
        )
    undated = int(df.attrs.get("rows_excluded", {}).get(CLOSED_UNDATED, 0))
    if undated:  # a registry closes by a status (CFPB's company response), with no date
        text += " " + nt(
            "compl.say.closed_undated", undated, language, n=count_text(undated, language)
        )
    return text
