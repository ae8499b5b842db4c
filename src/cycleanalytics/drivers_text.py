"""Words and tables of the "Which stage to fix first" report (notebooks/drivers.ipynb) and of
the loop-closure section of the recovery report, in English, Indonesian and Malay.

Every sentence comes from :mod:`cycleanalytics.i18n` (keys ``drv.*`` and ``loop.*``); the
numbers come from :func:`~cycleanalytics.metrics.key_drivers`,
:func:`~cycleanalytics.metrics.stage_priorities` and
:func:`~cycleanalytics.metrics.loop_closure`. Manager-facing: rates and counts only, never a
customer id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from cycleanalytics.i18n import TEXTS, fmt_number, fmt_share, nt, stage_label, t

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from cycleanalytics.model import CycleModel


def _join(items: list[str], language: str) -> str:
    word = {"en": "and", "id": "dan", "ms": "dan"}[language]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def outcome_text(df: pd.DataFrame, language: str = "en") -> str:
    """The outcome of a key-driver table in words (``drv.outcome.<name>``, else its name)."""
    name = str(df.attrs.get("outcome", "nps"))
    key = f"drv.outcome.{name}"
    return t(key, language) if key in TEXTS else name.replace("_", " ")


def driver_label(row: Any, language: str = "en", model: CycleModel | None = None) -> str:
    """A driver's name: a stage in the language (the cycle ``model``'s own names first), an
    aspect by its survey label."""
    if row["driver"] == row.get("stage"):
        return stage_label(str(row["driver"]), language, model)
    return str(row.get("label") or row["driver"])


def has_weights(df: pd.DataFrame) -> bool:
    """Whether the analysis produced weights (enough complete cases and drivers)."""
    return bool(len(df)) and bool(df["importance"].notna().any())


def drivers_takeaway(
    df: pd.DataFrame, stages: pd.DataFrame, language: str = "en", model: CycleModel | None = None
) -> list[str]:
    """The report's opening sentences: the three strongest drivers and the stage to fix
    first; or, without weights, one sentence on what data would enable the analysis.

    >>> table = pd.DataFrame({"driver": ["a", "b"], "label": ["A", "B"], "stage": [None] * 2,
    ...     "importance": [float("nan")] * 2, "n": [12, 12]})
    >>> table.attrs.update(outcome="nps", drivers=["follow_up"])
    >>> drivers_takeaway(table, pd.DataFrame())[0][:42]
    'Not enough ratings to tell which stage dri'
    """
    outcome = outcome_text(df, language)
    if not has_weights(df):
        kept = [stage_label(d, language, model) for d in df.attrs.get("drivers", [])]
        n = int(df["n"].max()) if len(df) and df["n"].notna().any() else 0
        rated = _join(kept, language) or t("drv.say.no_rating", language)
        return [nt("drv.say.none", n, language, outcome=outcome, drivers=rated)]
    ranked = df[df["rank"].notna()].sort_values("rank").head(3)
    names = [driver_label(row, language, model) for _, row in ranked.iterrows()]
    share = float(ranked["importance_share"].sum())
    sentences = [
        t(
            "drv.say.top",
            language,
            outcome=outcome,
            drivers=_join(names, language),
            share=fmt_share(share, language, decimals=0),
            r2=fmt_number(float(df["r2"].iloc[0]), language, decimals=2),
        )
    ]
    if len(stages):
        first = stages.sort_values("priority_rank").iloc[0]
        top = df.attrs.get("scale", (1.0, 5.0))[1]
        sentences.append(
            t(
                "drv.say.fix",
                language,
                stage=stage_label(str(first["stage"]), language, model),
                share=fmt_share(float(first["importance_share"]), language, decimals=0),
                mean=fmt_number(float(first["mean"]), language, decimals=1),
                top=fmt_number(top, language),
            )
        )
    return sentences


def drivers_basis(df: pd.DataFrame, language: str = "en", *, survey: str | None = None,
                  period: str = "") -> str:  # fmt: skip
    """What the analysis rests on, in one sentence."""
    n = int(df.attrs.get("definition", {}).get("rows_used", 0))
    if survey:
        return nt("drv.basis.survey", n, language, survey=survey)
    return nt("drv.basis.cases", n, language, outcome=outcome_text(df, language), period=period)


def drivers_table(
    df: pd.DataFrame, language: str = "en", model: CycleModel | None = None
) -> pd.DataFrame:
    """Every driver by rank: share of the explained variation with its interval, mean rating,
    effect and quadrant, with headers in the language."""
    shown = df[df["rank"].notna()].sort_values("rank")
    rows = []
    for _, row in shown.iterrows():
        share = fmt_share(row["importance_share"], language)
        lo, hi = row["importance_share_lo"], row["importance_share_hi"]
        if pd.notna(lo) and pd.notna(hi):
            share += f" ({fmt_share(lo, language)}–{fmt_share(hi, language)})"
        rows.append(
            {
                t("drv.col.rank", language): int(row["rank"]),
                t("drv.col.driver", language): driver_label(row, language, model),
                t("drv.col.stage", language): stage_label(str(row["stage"]), language, model)
                if pd.notna(row["stage"])
                else "–",
                t("drv.col.share", language): share,
                t("drv.col.mean", language): fmt_number(row["mean"], language, decimals=2),
                t("drv.col.effect", language): t(f"drv.effect.{row['effect']}", language),
                t("drv.col.quadrant", language): t(f"drv.quadrant.{row['quadrant']}", language),
            }
        )
    return pd.DataFrame(rows)


def stages_table(
    stages: pd.DataFrame, language: str = "en", model: CycleModel | None = None
) -> pd.DataFrame:
    """Stages by priority (:func:`~cycleanalytics.metrics.stage_priorities`), for managers."""
    rows = []
    for _, row in stages.sort_values("priority_rank").iterrows():
        rows.append(
            {
                t("drv.col.priority", language): int(row["priority_rank"]),
                t("drv.col.stage", language): stage_label(str(row["stage"]), language, model),
                t("drv.col.drivers", language): int(row["drivers"]),
                t("drv.col.share", language): fmt_share(row["importance_share"], language),
                t("drv.col.mean", language): fmt_number(row["mean"], language, decimals=2),
            }
        )
    return pd.DataFrame(rows)


def quadrant_figure(
    df: pd.DataFrame, language: str = "en", model: CycleModel | None = None
) -> go.Figure:
    """The importance-performance figure with driver names and the quadrant note in the
    language (the rest is localised by :func:`~cycleanalytics.notebook.show_figure`)."""
    from cycleanalytics.metrics.drivers import plot_key_drivers

    labelled = df.copy()
    labelled["label"] = [driver_label(row, language, model) for _, row in df.iterrows()]
    labelled["stage"] = [
        stage_label(str(s), language, model) if pd.notna(s) else "" for s in df["stage"]
    ]
    fig = plot_key_drivers(labelled)
    fig.for_each_annotation(lambda a: a.update(text=t("drv.quadrant.fix_first", language)))
    return fig


def coverage_figure(
    df: pd.DataFrame, language: str = "en", model: CycleModel | None = None
) -> go.Figure:
    """How many of the cases with an outcome rate each candidate driver: the figure beside
    the sentence saying the data cannot be weighed yet (it shows what is missing)."""
    import plotly.graph_objects as go

    from cycleanalytics.plots import PALETTE, finish_layout

    coverage = df.attrs.get("coverage", {})
    stages = model.order if model is not None else _STAGES
    names = [stage_label(d, language, model) if d in stages else d for d in coverage]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=list(coverage.values()),
            marker_color=PALETTE[0],
            name="rated",
            hovertemplate="%{x}: %{y:.0%}<extra></extra>",
        )
    )
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05], title="cases with the outcome that rate it")
    return finish_layout(fig, title=None, height=320)


_STAGES = (
    "pre_interaction",
    "initial_interaction",
    "service_delivery",
    "follow_up",
    "service_recovery",
)


# -- the loop-closure section of the recovery report -----------------------------------------


def loop_takeaway(df: pd.DataFrame, language: str = "en") -> str:
    """One sentence on the loop-closure rate of a one-row :func:`loop_closure` table.

    >>> row = pd.DataFrame({"due": [6], "closed_in_time": [3], "open_overdue": [2],
    ...     "loop_closure": [0.5]})
    >>> loop_takeaway(row)
    '3 of the 6 follow-ups that were due (50%) were made in time; 2 are still overdue.'
    """
    due = int(df["due"].sum()) if len(df) else 0
    if due == 0:
        return t("loop.say.none", language)
    closed = int(df["closed_in_time"].sum())
    return t(
        "loop.say",
        language,
        closed=fmt_number(closed, language),
        due=fmt_number(due, language),
        share=fmt_share(closed / due, language, decimals=0),
        overdue=fmt_number(int(df["open_overdue"].sum()), language),
    )


def loop_intro(sla_hours: float, language: str = "en") -> str:
    """The section's explanation, with the SLA in hours."""
    return t("loop.text", language, sla=fmt_number(sla_hours, language))


def loop_table(df: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Loop closure by reason: follow-ups due and the share made in time (rates only)."""
    rows = []
    for _, row in df.iterrows():
        rate = fmt_share(row["loop_closure"], language)
        if pd.notna(row["loop_closure_lo"]):
            lo, hi = (
                fmt_share(row["loop_closure_lo"], language),
                fmt_share(row["loop_closure_hi"], language),
            )
            rate += f" ({lo}–{hi})"
        rows.append(
            {
                t("loop.col.reason", language): t(f"loop.reason.{row['reason']}", language),
                t("loop.col.due", language): fmt_number(int(row["due"]), language),
                t("loop.col.in_time", language): rate,
            }
        )
    return pd.DataFrame(rows)
