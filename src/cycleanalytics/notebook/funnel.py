"""The stage-funnel report's wording: funnel tables, takeaway and basis."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cycleanalytics.notebook.words import (
    column_header,
    count_text,
    group_text,
    is_all_data,
    label_stages,
    pct_text,
)

if TYPE_CHECKING:
    import pandas as pd

    from cycleanalytics.model import CycleModel


def funnel_table(
    df: pd.DataFrame, language: str = "en", model: CycleModel | None = None
) -> pd.DataFrame:
    """The funnel as a plain table for managers: stage, journeys reached, share continuing,
    journeys lost. Counts are written with thousands separators, shares as whole percents;
    headers and stage names in ``language`` (the cycle ``model``'s own names first, see
    :func:`label_stages`)."""
    import pandas as pd

    from cycleanalytics.i18n import t

    df = label_stages(df, language, model)
    first = df["stage_index"].min()
    return pd.DataFrame(
        {
            t("col.stage", language): df["label"].astype(str),
            t("funnel.col.reached", language): [count_text(n, language) for n in df["reached"]],
            t("funnel.col.continuing", language): [
                "–" if k == first else pct_text(s, language)
                for k, s in zip(df["stage_index"], df["conversion"], strict=True)
            ],
            t("funnel.col.lost", language): [
                "–" if k == first else count_text(n, language)
                for k, n in zip(df["stage_index"], df["dropped"], strict=True)
            ],
        }
    )


def funnel_by_table(
    df: pd.DataFrame, by: str, language: str = "en", model: CycleModel | None = None
) -> pd.DataFrame:
    """A funnel broken down by ``by`` as one row per group: journeys entering, then for each
    later stage the journeys reaching it with their share of the group's entries."""
    import pandas as pd

    df = label_stages(df, language, model)
    rows = []
    for group, part in df.groupby(by, sort=False, dropna=False):
        part = part.sort_values("stage_index")
        row: dict[str, str] = {column_header(by, language): group_text(group, language)}
        first = part["stage_index"].min()
        for stage in part.itertuples(index=False):
            share = (
                "" if stage.stage_index == first else f" ({pct_text(stage.from_entry, language)})"
            )
            row[str(stage.label)] = f"{count_text(stage.reached, language)}{share}"
        rows.append(row)
    return pd.DataFrame(rows)


def funnel_takeaway(df: pd.DataFrame, language: str = "en", model: CycleModel | None = None) -> str:
    """One sentence naming the largest drop between consecutive stages of a funnel.

    ``df`` is the table :func:`~cycleanalytics.funnel` returns, without a breakdown.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"stage_index": [1, 2, 3], "label": ["Looking", "Contact", "Service"],
    ...                    "reached": [200, 150, 60], "conversion": [float("nan"), 0.75, 0.4],
    ...                    "dropped": [0, 50, 90]})
    >>> print(funnel_takeaway(df))  # doctest: +NORMALIZE_WHITESPACE
    The largest drop is between Contact and Service: 60% of journeys that reached Contact
    (90 of 150) did not reach Service.
    """
    from cycleanalytics.i18n import t

    rows = label_stages(df, language, model).sort_values("stage_index").reset_index(drop=True)
    if rows.empty or int(rows["reached"].iloc[0]) == 0:
        return t("funnel.say.empty", language)
    best = None
    for k in range(1, len(rows)):
        before, after = rows.iloc[k - 1], rows.iloc[k]
        if int(before["reached"]) == 0:
            continue
        lost = int(before["reached"]) - int(after["reached"])
        share = lost / int(before["reached"])
        if best is None or share > best[0]:
            best = (share, lost, before, after)
    if best is None or best[1] <= 0:
        return t("funnel.say.no_loss", language)
    share, lost, before, after = best
    return t(
        "funnel.say.largest",
        language,
        before=before["label"],
        after=after["label"],
        share=pct_text(share, language),
        lost=count_text(lost, language),
        reached=count_text(before["reached"], language),
    )


def funnel_basis(
    df: pd.DataFrame,
    language: str = "en",
    *,
    period: str | None = None,
    model: CycleModel | None = None,
) -> str:
    """What a funnel's numbers are based on: journeys counted, period, channel, and how many
    journeys of the period were left out (they did not start at the first stage, or came
    through another channel). ``period`` is the period as the report names it (default: the
    funnel's own label).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"stage_index": [1, 2], "label": ["Looking", "Contact"]})
    >>> df.attrs.update(cases_entered=1200, cases_total=1500, period="2026-01-01 to 2026-03-31",
    ...                 channel="chat")
    >>> print(funnel_basis(df))  # doctest: +NORMALIZE_WHITESPACE
    Based on 1,200 customer journeys that started from 2026-01-01 to 2026-03-31 and entered
    through chat. 300 other journeys of the period are not counted: they did not start with
    Looking or came through another channel.
    """
    from cycleanalytics.i18n import nt, t

    attrs = df.attrs
    entered = int(attrs.get("cases_entered", 0))
    total = attrs.get("cases_total")
    period = period if period is not None else (attrs.get("period") or "all data")
    channel = attrs.get("channel") or "all"
    everything = is_all_data(period)
    if everything:
        text = nt("funnel.basis.all", entered, language, n=count_text(entered, language))
    else:
        text = nt(
            "funnel.basis.period", entered, language, n=count_text(entered, language), period=period
        )
    text += "." if channel == "all" else t("funnel.basis.channel", language, channel=channel) + "."
    if total is not None and int(total) > entered:
        labelled = label_stages(df, language, model)
        first = (
            labelled.sort_values("stage_index")["label"].iloc[0] if len(df) else "the first stage"
        )
        key = "funnel.basis.left_out_all" if everything else "funnel.basis.left_out_period"
        left_out = int(total) - entered
        why = nt(key, left_out, language, n=count_text(left_out, language), first=first)
        why += "." if channel == "all" else t("funnel.basis.other_channel", language) + "."
        text += f" {why}"
    return text
