"""The recovery report's wording: recovery tables, the takeaway and the recovery-paradox verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cycleanalytics.notebook.words import (
    column_header,
    count_text,
    group_text,
    pct_text,
    share_text,
)

if TYPE_CHECKING:
    import pandas as pd


def recovery_table(df: pd.DataFrame, by: str, language: str = "en") -> pd.DataFrame:
    """A :func:`~cycleanalytics.metrics.recovery` table by ``by`` in words: dissatisfied
    cases, recovery rate, success and retention, each "share (95% interval), n"."""
    import pandas as pd

    from cycleanalytics.i18n import t

    label = {"recovery_action": t("col.action", language), "category": t("col.area", language)}
    header = label.get(by, column_header(by, language))
    rows = []
    for r in df.to_dict("records"):
        group = r[by]
        missing = group_text(group) == "not recorded" or group == "no recovery step"
        rows.append(
            {
                header: t("rec.no_step", language)
                if by == "recovery_action" and missing
                else group_text(group, language),
                t("rec.col.dissatisfied", language): count_text(r["dissatisfied"], language),
                t("rec.col.recovered", language): share_text(
                    r["recovery_rate"], r["recovery_rate_lo"], r["recovery_rate_hi"], language
                ),
                t("rec.col.succeeded", language): share_text(
                    r["success_rate"], r["success_rate_lo"], r["success_rate_hi"], language
                )
                + t("word.of_n", language, n=count_text(r["success_judged"], language)),
                t("rec.col.stayed", language): share_text(
                    r["retention_rate"], r["retention_rate_lo"], r["retention_rate_hi"], language
                )
                + t("word.of_n", language, n=count_text(r["retention_judged"], language)),
            }
        )
    return pd.DataFrame(rows)


def recovery_takeaway(df: pd.DataFrame, language: str = "en") -> str:
    """One sentence from the overall :func:`~cycleanalytics.metrics.recovery` row.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"dissatisfied": [558], "recovered": [378], "recovery_rate": [0.6774],
    ...     "success_judged": [329], "successes": [276], "success_rate": [0.8389]})
    >>> print(recovery_takeaway(df))  # doctest: +NORMALIZE_WHITESPACE
    Of 558 dissatisfied cases, 378 (68%) got a recovery step; 276 of the 329 recoveries that
    could be judged (84%) succeeded.
    """
    from cycleanalytics.i18n import nt, t

    r = df.iloc[0]
    if int(r["dissatisfied"]) == 0:
        return t("rec.say.none", language)
    text = nt(
        "rec.say.recovered",
        int(r["dissatisfied"]),
        language,
        n=count_text(r["dissatisfied"], language),
        k=count_text(r["recovered"], language),
        share=pct_text(r["recovery_rate"], language),
    )
    if int(r["success_judged"]):
        text += nt(
            "rec.say.succeeded",
            int(r["success_judged"]),
            language,
            k=count_text(r["successes"], language),
            n=count_text(r["success_judged"], language),
            share=pct_text(r["success_rate"], language),
        )
    else:
        text += t("rec.say.not_judged", language)
    return text


def paradox_table(df: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """A :func:`~cycleanalytics.metrics.recovery_paradox` table in words: group, cases,
    satisfied with the next case (share with 95% interval, of how many ratings) and came
    back within the horizon (share with 95% interval, of how many judged)."""
    import pandas as pd

    from cycleanalytics.i18n import TEXTS, t

    def group(g: Any) -> str:
        key = f"rec.group.{g}"
        return t(key, language) if key in TEXTS else str(g)

    def of(share: str, n: Any) -> str:
        return share + t("word.of_n", language, n=count_text(n, language))

    return pd.DataFrame(
        {
            t("rec.col.group", language): [group(g) for g in df["group"]],
            t("rec.col.cases", language): [count_text(n, language) for n in df["cases"]],
            t("rec.col.next_satisfied", language): [
                of(share_text(s, lo, hi, language), n)
                for s, lo, hi, n in zip(
                    df["later_top_box"],
                    df["later_top_box_lo"],
                    df["later_top_box_hi"],
                    df["later_csat_n"],
                    strict=True,
                )
            ],
            t("rec.col.came_back", language): [
                of(share_text(s, lo, hi, language), n)
                for s, lo, hi, n in zip(
                    df["retention"],
                    df["retention_lo"],
                    df["retention_hi"],
                    df["retention_judged"],
                    strict=True,
                )
            ],
        }
    )


def paradox_verdict(df: pd.DataFrame, language: str = "en", *, min_n: int = 30) -> str:
    """The plain-language verdict on the service recovery paradox in ``language``, from the
    tests a :func:`~cycleanalytics.metrics.recovery_paradox` table carries in its attrs (in
    English it is the metric's own ``attrs["verdict"]``, word for word).

    ``min_n`` must be the one the metric was run with (its default is 30).
    """
    import math

    from cycleanalytics.i18n import localize_number, t

    tests = df.attrs.get("tests", {}).get("recovered")
    if not tests:
        return t("rec.verdict.nothing", language)
    mw, tz = tests
    n0, n1 = int(mw["n_1"]), int(mw["n_2"])
    sizes = t(
        "rec.verdict.sizes", language, n1=count_text(n1, language), n0=count_text(n0, language)
    )
    if min(n0, n1) < min_n:
        return t("rec.verdict.too_few", language, sizes=sizes, min_n=min_n)

    def num(value: float, spec: str) -> str:
        return localize_number(format(value, spec), language)

    effect = t(
        "rec.verdict.effect",
        language,
        effect=num(mw["effect"], ".2f"),
        lo=num(mw["effect_lo"], ".2f"),
        hi=num(mw["effect_hi"], ".2f"),
        p=num(mw["p_value"], ".3f"),
    )
    retention = t(
        "rec.verdict.retention",
        language,
        effect=num(tz["effect"], "+.1%"),
        lo=num(tz["effect_lo"], "+.1%"),
        hi=num(tz["effect_hi"], "+.1%"),
        n1=count_text(tz["n_2"], language),
        n0=count_text(tz["n_1"], language),
        p=num(tz["p_value"], ".3f"),
    )
    p = float(mw["p_value"])
    significant = math.isfinite(p) and p < 0.05
    if significant and float(mw["effect"]) > 0.5:
        head = t("rec.verdict.paradox", language)
    elif significant:
        head = t("rec.verdict.lower", language)
    else:
        head = t("rec.verdict.unclear", language)
    return t(
        "rec.verdict.full", language, head=head, sizes=sizes, effect=effect, retention=retention
    )
