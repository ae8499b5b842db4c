"""The satisfaction report's wording: CSAT/NPS tables, month changes and takeaways."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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


def satisfaction_table(df: pd.DataFrame, by: str, language: str = "en") -> pd.DataFrame:
    """A :func:`~cycleanalytics.metrics.satisfaction` table broken down by ``by`` in words:
    responses, response rate, CSAT (share 4-5), NPS and CES, each with its 95% interval;
    groups with fewer answers than the metric's ``min_n`` are marked "(few answers)"."""
    import pandas as pd

    from cycleanalytics.i18n import t

    rows = []
    for r in df.to_dict("records"):
        few = t("word.few_answers", language) if bool(r.get("low_n", False)) else ""
        rows.append(
            {
                column_header(by, language): group_text(r[by], language) + few,
                t("sat.col.responses", language): count_text(r["responses"], language),
                t("sat.col.response_rate", language): share_text(
                    r["response_rate"], r["response_rate_lo"], r["response_rate_hi"], language
                ),
                t("sat.col.csat", language): share_text(
                    r["csat"], r["csat_lo"], r["csat_hi"], language
                ),
                t("sat.col.nps", language): number_text(
                    r["nps"], r["nps_lo"], r["nps_hi"], language=language
                ),
                t("sat.col.ces", language): number_text(
                    r["ces"], r["ces_lo"], r["ces_hi"], decimals=2, language=language
                ),
            }
        )
    return pd.DataFrame(rows)


def satisfaction_takeaway(df: pd.DataFrame, language: str = "en") -> str:
    """One sentence from the overall :func:`~cycleanalytics.metrics.satisfaction` row.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"interactions": [1000], "responses": [80], "csat_n": [80],
    ...     "csat": [0.55], "csat_lo": [0.44], "csat_hi": [0.65], "nps": [3.75]})
    >>> print(satisfaction_takeaway(df))  # doctest: +NORMALIZE_WHITESPACE
    55% of the 80 customers who rated their contact were satisfied (4 or 5 of 5; between 44%
    and 65% with 95% confidence). NPS was 3.8. Only 80 of 1,000 contacts (8.0%) got an answer.
    """
    from cycleanalytics.i18n import fmt_number, fmt_share, t

    r = df.iloc[0]
    if int(r["csat_n"]) == 0:
        return t("sat.say.none", language)
    text = t(
        "sat.say.csat",
        language,
        csat=pct_text(r["csat"], language),
        n=count_text(r["csat_n"], language),
        lo=pct_text(r["csat_lo"], language),
        hi=pct_text(r["csat_hi"], language),
    )
    if r["nps"] == r["nps"]:
        text += t("sat.say.nps", language, nps=fmt_number(r["nps"], language, decimals=1))
    share = int(r["responses"]) / int(r["interactions"]) if int(r["interactions"]) else 0.0
    text += t(
        "sat.say.responses",
        language,
        responses=count_text(r["responses"], language),
        contacts=count_text(r["interactions"], language),
        share=fmt_share(share, language),
    )
    return text


def change_table(df: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """A :func:`~cycleanalytics.metrics.satisfaction_change` table (CSAT) in words: period,
    value and answers, the period before, the change in points with its 95% interval, and
    the marker "● significant" only where the metric flagged the change."""
    import pandas as pd

    from cycleanalytics.i18n import fmt_share, localize_number, t

    def answers(v: float, n: Any) -> str:
        return f"{fmt_share(v, language)} ({count_text(n, language)})"

    return pd.DataFrame(
        {
            t("col.month", language): [group_text(p, language) for p in df["period"]],
            t("sat.col.csat_answers", language): [
                answers(v, n) for v, n in zip(df["value"], df["n"], strict=True)
            ],
            t("sat.col.before", language): [
                answers(v, n) for v, n in zip(df["previous_value"], df["previous_n"], strict=True)
            ],
            t("sat.col.change", language): [
                number_text(100 * c, 100 * lo, 100 * hi, language=language)
                for c, lo, hi in zip(df["change"], df["change_lo"], df["change_hi"], strict=True)
            ],
            t("sat.col.p_value", language): [
                localize_number(f"{p:.3f}", language) if p == p else "–" for p in df["p_value"]
            ],
            t("sat.col.marker", language): [
                t("word.significant", language)
                if f
                else ("" if e else t("word.too_few_answers", language))
                for f, e in zip(df["flagged"], df["enough_n"], strict=True)
            ],
        }
    )


def change_takeaway(df: pd.DataFrame, language: str = "en") -> str:
    """One sentence on the latest period of a CSAT
    :func:`~cycleanalytics.metrics.satisfaction_change` table.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"period": [pd.Timestamp("2026-06-01")], "value": [0.495],
    ...     "previous_value": [0.56], "change": [-0.065], "flagged": [False],
    ...     "enough_n": [True]})
    >>> print(change_takeaway(df))  # doctest: +NORMALIZE_WHITESPACE
    In 2026-06, 49.5% were satisfied, down 6.5 points from 56.0% the period before; this
    change could be chance.
    """
    from cycleanalytics.i18n import fmt_number, fmt_share, t

    if df.empty:
        return t("sat.say.one_period", language)
    r = df.iloc[-1]
    text = t(
        "sat.say.change",
        language,
        period=group_text(r["period"], language),
        value=fmt_share(r["value"], language),
        direction=t("say.up" if r["change"] > 0 else "say.down", language),
        points=fmt_number(abs(100 * r["change"]), language, decimals=1),
        before=fmt_share(r["previous_value"], language),
    )
    if bool(r["flagged"]):
        return text + t("sat.say.significant", language)
    if not bool(r["enough_n"]):
        return text + t("sat.say.few", language)
    return text + t("sat.say.chance", language)
