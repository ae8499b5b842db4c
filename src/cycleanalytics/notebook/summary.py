"""The executive summary's wording: KPI sentences, the funnel's entry note, what stands out, and
how the tiles are counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cycleanalytics.notebook.context import ReportContext
from cycleanalytics.notebook.tiles import format_kpi, kpi_label, tile_label
from cycleanalytics.notebook.words import group_text

if TYPE_CHECKING:
    import pandas as pd

    from cycleanalytics.model import CycleModel
    from cycleanalytics.store import Store


def kpi_sentences(
    table: pd.DataFrame, *, period: str, language: str = "en", model: CycleModel | None = None
) -> list[str]:
    """Plain-language sentences generated from a KPI table (see :func:`kpi_tiles_html`); the
    drop-off sentence names stages as the cycle ``model`` does.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"kpi": ["cases", "csat"], "stage": [None, None],
    ...     "value": [1200.0, 0.62], "unit": ["count", "share"], "n": [1200, 400],
    ...     "previous": [1000.0, 0.55], "change": [200.0, 0.07], "significant": [pd.NA, True]})
    >>> for s in kpi_sentences(table, period="March 2026"): print(s)
    1,200 customer journeys started in March 2026.
    CSAT (satisfied, 4-5 of 5) was 62.0%, up from 55.0% in the comparison period. This change is larger than chance would explain.
    """  # noqa: E501
    import pandas as pd
    from babel.lists import format_list

    from cycleanalytics.i18n import check_language, fmt_number, fmt_share, nt, stage_label, t

    rows = {
        (r["kpi"], r["stage"] if r["stage"] == r["stage"] else None): r for _, r in table.iterrows()
    }
    cases = rows.get(("cases", None))
    known = cases is not None and cases["value"] == cases["value"]
    if known and int(cases["value"]) == 0:
        return [t("say.no_data", language, period=period)]
    said = []
    if known:
        n = fmt_number(cases["value"], language)
        said.append(nt("say.cases", cases["value"], language, n=n, period=period))
    for (kpi, _stage), row in rows.items():
        if kpi in ("cases", "dropoff") or row["value"] != row["value"]:
            continue
        label = tile_label(row, language, model)
        value = format_kpi(row["value"], row["unit"], language)
        previous = row.get("previous")
        if previous is None or previous != previous:
            said.append(t("say.value", language, kpi=label, value=value))
            continue
        before = format_kpi(previous, row["unit"], language)
        if value == before:
            said.append(t("say.same", language, kpi=label, value=value))
            continue
        direction = t("say.up" if row["change"] > 0 else "say.down", language)
        sentence = t(
            "say.change", language, kpi=label, value=value, direction=direction, before=before
        )
        significant = row.get("significant")
        if significant is not None and not pd.isna(significant):
            sentence += " " + t(
                "say.significant" if significant else "say.not_significant", language
            )
        elif row.get("test", "none") != "none":
            sentence += " " + t("say.few", language)
        said.append(sentence)
    drops = [r for (kpi, _), r in rows.items() if kpi == "dropoff" and r["value"] == r["value"]]
    if drops:
        worst = max(drops, key=lambda r: r["value"])
        if worst["value"] > 0:
            order = list(table.loc[table["kpi"] == "dropoff", "stage"])
            position = order.index(worst["stage"])
            before_stage = (
                table.attrs.get("first_stage", "pre_interaction")
                if position == 0
                else order[position - 1]
            )
            said.append(
                t(
                    "say.dropoff",
                    language,
                    stage=stage_label(str(worst["stage"]), language, model),
                    share=fmt_share(worst["value"], language, decimals=0),
                    before=stage_label(str(before_stage), language, model),
                )
            )
    # What this data cannot measure, in one sentence after what it can: on a service-desk log
    # with no survey, complaint or cost, eight lines of "not measured" buried the one finding.
    unmeasured = [
        kpi_label(rows[(kpi, None)], language, model)
        for kpi in table.attrs.get("missing", {})
        if (kpi, None) in rows
    ]
    if unmeasured:
        kpis = format_list(unmeasured, locale=check_language(language))
        said.append(t("say.not_measured", language, kpis=kpis))
    return said


def entry_note(
    funnel: pd.DataFrame, language: str = "en", model: CycleModel | None = None
) -> str | None:
    """The funnel's entry note in ``language`` (stages named as the cycle ``model`` does),
    when the data never records the model's first stage(s) (``attrs["unrecorded_stages"]``),
    else None.

    >>> import pandas as pd
    >>> df = pd.DataFrame()
    >>> df.attrs.update(unrecorded_stages=["pre_interaction"], entry_stage="initial_interaction")
    >>> entry_note(df, "id")
    'Data tidak pernah mencatat Pra-interaksi: perjalanan masuk ke corong pada Interaksi awal, tahap pertama yang dicatat.'
    >>> entry_note(pd.DataFrame()) is None
    True
    """  # noqa: E501
    from cycleanalytics.i18n import stage_label, t

    unrecorded = funnel.attrs.get("unrecorded_stages") or []
    if not unrecorded:
        return None
    return t(
        "funnel.entry_note",
        language,
        unrecorded=", ".join(stage_label(s, language, model) for s in unrecorded),
        entry=stage_label(funnel.attrs["entry_stage"], language, model),
    )


def standout_sentences(
    found: pd.DataFrame, language: str = "en", model: CycleModel | None = None
) -> list[str]:
    """One sentence per group finding of :func:`cycleanalytics.insights.what_stands_out`
    (changes of the KPIs are said by :func:`kpi_sentences`); stages named as the cycle
    ``model`` does.

    >>> import pandas as pd
    >>> found = pd.DataFrame({"kind": ["group"], "measure": ["reach"], "group": ["email"],
    ...     "stage": ["initial_interaction"], "value": [0.1047], "reference": [0.3473]})
    >>> standout_sentences(found)
    ['Journeys that start through email reach Initial interaction in 10.5% of cases, against 34.7% for the other channels.']
    >>> standout_sentences(found.assign(measure="reopen_rate", group="complaint_handling"), "id")
    ['Keluhan tentang penanganan keluhan dibuka kembali 10,5%, dibandingkan 34,7% untuk area lain.']
    """  # noqa: E501
    from cycleanalytics.i18n import fmt_share, stage_label, t

    said = []
    for _, row in found[found["kind"] == "group"].iterrows():
        group = group_text(row["group"], language)
        if language == "en":
            group = group.replace("_", " ")
        stage = row.get("stage")
        said.append(
            t(
                f"standout.{row['measure']}",
                language,
                group=group,
                stage=stage_label(stage, language, model) if isinstance(stage, str) else "",
                value=fmt_share(row["value"], language),
                reference=fmt_share(row["reference"], language),
            )
        )
    return said


def executive_kpis(store: Store, ctx: ReportContext) -> pd.DataFrame:
    """The executive summary's KPI table for a context (:func:`cycleanalytics.kpis.kpi_table`:
    every KPI from its metric, with the report's period, channel and segment), compared with
    the comparison period (:func:`cycleanalytics.kpis.compare_kpis`).
    """
    from cycleanalytics.kpis import compare_kpis, kpi_table

    source = ctx.attributes(store)

    def one(period: str | None) -> pd.DataFrame:
        return kpi_table(
            source, period=period, channel=ctx.channel, segment=ctx.segment, model=ctx.model
        )

    now = one(ctx.metric_period)
    before = one(ctx.comparison_metric_period) if ctx.comparison else None
    table = compare_kpis(now, before)
    table.attrs.update(now.attrs, period=ctx.period_label)
    return table


def executive_history(store: Store, ctx: ReportContext, periods: int = 6) -> pd.DataFrame | None:
    """The KPI tiles' trend: :func:`cycleanalytics.kpis.kpi_history` over the report's period
    and the ``periods - 1`` before it, with the report's filters; None for a report on all the
    data (no period to walk back from). The same on DuckDB and on Spark."""
    if ctx.period is None:
        return None
    from cycleanalytics.kpis import kpi_history

    return kpi_history(
        ctx.attributes(store),
        period=ctx.period,
        periods=periods,
        channel=ctx.channel,
        segment=ctx.segment,
        model=ctx.model,
    )


def show_kpi_basis(table: pd.DataFrame, language: str = "en") -> None:
    """Show :func:`kpi_basis_lines` folded under "How the tiles are counted" (escaped)."""
    from IPython.display import HTML, display

    from cycleanalytics.i18n import t
    from cycleanalytics.templating import fragment

    lines = kpi_basis_lines(table, language)
    display(HTML(fragment("basis", summary=t("counted.kpis", language), lines=lines)))


def kpi_basis_lines(table: pd.DataFrame, language: str = "en") -> list[str]:
    """One line per KPI of an executive table: what it counts and by which day, from the
    declaration of the metric each KPI comes from (the ``metric`` column).

    >>> import pandas as pd
    >>> table = pd.DataFrame({"kpi": ["cases", "csat"], "stage": [None, None],
    ...                       "metric": ["complaints", "satisfaction"]})
    >>> for line in kpi_basis_lines(table): print(line)
    Cases: customer journeys, by the day the journey started
    CSAT (satisfied, 4-5 of 5): answers to surveys, by the day of each contact or answer
    """
    from cycleanalytics.i18n import t
    from cycleanalytics.metrics import REGISTRY

    lines = []
    said = set()
    for _, row in table.iterrows():
        if row["kpi"] in said:  # one line for the drop-off of every stage
            continue
        said.add(row["kpi"])
        definition = REGISTRY[row["metric"]].definition()
        counts = definition["counts"]
        if row["kpi"] == "cases":
            counts, time = "cases", "case_start"
        else:
            time = definition["time_key"]
        lines.append(
            t(
                "counted.kpi",
                language,
                kpi=t("exec.funnel", language)
                if row["kpi"] == "dropoff"
                else kpi_label(row, language),
                population=t(f"counted.population.{counts}", language),
                time=t(f"counted.time.{time}", language),
            )
        )
    return lines
