"""What report notebooks call: kernel set-up for offline charts, and small presentation helpers.

Notebooks stay thin: they compute with the metrics and present with the functions here, which
are plain, tested Python. Nothing here runs a notebook; that is :mod:`cycleanalytics.reports`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from cycleanalytics.periods import ReportPeriod

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from cycleanalytics.store import Store

RENDERER_NAME = "cycleanalytics"


def plotly_bundle() -> tuple[str, str]:
    import plotly.offline

    bundle = plotly.offline.get_plotlyjs()
    return bundle, f"* plotly.js v{plotly.offline.get_plotlyjs_version()}\n"


_REPORT_CSS = """
<style>
.ca-note { color: #444; font-size: 0.95em; margin: 0.2em 0 0.8em 0; padding-left: 0.2em; }
.ca-tiles { display: flex; flex-wrap: wrap; gap: 0.8em; margin: 0.6em 0 1.2em 0; }
.ca-tile { border: 1px solid #d8e2ea; border-radius: 6px; padding: 0.6em 0.9em; min-width: 11em;
  flex: 1 1 11em; background: #fbfdfe; }
.ca-tile-label { color: #1f5f8b; font-size: 0.85em; font-weight: 600; }
.ca-tile-value { font-size: 1.7em; font-weight: 600; margin: 0.1em 0; }
.ca-tile-change, .ca-tile-n { color: #555; font-size: 0.8em; }
.ca-significant { color: #8a4b00; font-size: 0.8em; font-weight: 600; }
.ca-takeaway { border-left: 4px solid #1f5f8b; background: #f3f7fa; padding: 0.7em 1em;
  margin: 0.6em 0 1em 0; font-size: 1.05em; }
table.ca-table { border-collapse: collapse; margin: 0.4em 0 1.2em 0; font-size: 0.95em; }
table.ca-table th { text-align: left; border-bottom: 2px solid #1f5f8b; padding: 0.35em 0.9em; }
table.ca-table td { border-bottom: 1px solid #ddd; padding: 0.3em 0.9em; }
table.ca-table td.num, table.ca-table th.num { text-align: right; }
table.ca-table td.text, table.ca-table th.text { text-align: left; }
</style>
"""

_setup_done = False


def setup_notebook() -> None:
    """Prepare a report notebook's kernel; call it in the first code cell.

    Registers a plotly renderer that writes each chart as HTML without its own copy of
    plotly.js (and without MathJax), makes it the default, shows plotly.js inline once so the
    charts work offline, silences warnings in the report, and sets readable pandas display
    options. Calling it again in the same kernel does nothing.
    """
    global _setup_done
    if _setup_done:
        return
    import warnings

    import pandas as pd
    import plotly.io as pio
    from IPython.display import HTML, display
    from plotly.io._base_renderers import MimetypeRenderer

    class ReportRenderer(MimetypeRenderer):
        """Charts as HTML fragments; plotly.js is on the page once, from setup_notebook."""

        def to_mimebundle(self, fig_dict: dict) -> dict[str, str]:
            fragment = pio.to_html(
                fig_dict,
                full_html=False,
                include_plotlyjs=False,
                include_mathjax=False,
                config={"displaylogo": False, "responsive": True},
                validate=False,
            )
            return {"text/html": fragment}

    warnings.filterwarnings("ignore")
    pio.renderers[RENDERER_NAME] = ReportRenderer()
    pio.renderers.default = RENDERER_NAME
    pd.set_option("display.max_rows", 100)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)
    pd.set_option("display.precision", 2)
    bundle, _ = plotly_bundle()
    display(HTML(f'{_REPORT_CSS}<script type="text/javascript">{bundle}</script>'))
    _setup_done = True


def show_text(text: str, *, kind: str = "note") -> None:
    """Show a sentence in a report (``kind`` is ``"note"`` or ``"takeaway"``), HTML-escaped."""
    from IPython.display import HTML, display

    display(HTML(f'<p class="ca-{kind}">{html.escape(text)}</p>'))


def show_heading(text: str, level: int = 2) -> None:
    """Show a heading (level 1-3) in a report, HTML-escaped; for headings in the report's
    language, which markdown cells cannot switch."""
    from IPython.display import HTML, display

    display(HTML(f"<h{level}>{html.escape(text)}</h{level}>"))


def show_sql(sql: str) -> None:
    """Show SQL (or any code-like text) as preformatted, escaped text."""
    from IPython.display import HTML, display

    display(HTML(f'<pre class="ca-sql">{html.escape(sql)}</pre>'))


def show_table(df: pd.DataFrame) -> None:
    """Show a table in a report: no index, numbers right-aligned, text escaped."""
    from IPython.display import HTML, display

    head = "".join(
        f'<th class="{"num" if _numeric_column(df[c]) else "text"}">{html.escape(str(c))}</th>'
        for c in df.columns
    )
    rows = []
    for values in df.itertuples(index=False):
        cells = "".join(
            f'<td class="{"num" if _numeric_column(df[c]) else "text"}">{html.escape(str(v))}</td>'
            for c, v in zip(df.columns, values, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    display(
        HTML(
            f'<table class="ca-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    )


def _numeric_column(column: pd.Series) -> bool:
    values = column.astype(str)
    return bool(values.str.fullmatch(r"[-\d,.]+%?( \(.*\))?|–").all())


# -- funnel wording ------------------------------------------------------------------------


def _pct(share: float) -> str:
    return "–" if share != share else f"{share:.0%}"  # NaN (nothing to divide) shows a dash


def funnel_table(df: pd.DataFrame) -> pd.DataFrame:
    """The funnel as a plain table for managers: stage, journeys reached, share continuing,
    journeys lost. Counts are written with thousands separators, shares as whole percents."""
    import pandas as pd

    first = df["stage_index"].min()
    return pd.DataFrame(
        {
            "Stage": df["label"].astype(str),
            "Journeys reaching it": [f"{int(n):,}" for n in df["reached"]],
            "Share continuing from the stage before": [
                "–" if k == first else _pct(s)
                for k, s in zip(df["stage_index"], df["conversion"], strict=True)
            ],
            "Journeys lost before it": [
                "–" if k == first else f"{int(n):,}"
                for k, n in zip(df["stage_index"], df["dropped"], strict=True)
            ],
        }
    )


def funnel_by_table(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """A funnel broken down by ``by`` as one row per group: journeys entering, then for each
    later stage the journeys reaching it with their share of the group's entries."""
    import pandas as pd

    rows = []
    for group, part in df.groupby(by, sort=False, dropna=False):
        part = part.sort_values("stage_index")
        label = "not recorded" if group is None or group != group else str(group)
        row: dict[str, str] = {by.replace("_", " ").capitalize(): label}
        first = part["stage_index"].min()
        for stage in part.itertuples(index=False):
            share = "" if stage.stage_index == first else f" ({_pct(stage.from_entry)})"
            row[str(stage.label)] = f"{int(stage.reached):,}{share}"
        rows.append(row)
    return pd.DataFrame(rows)


def funnel_takeaway(df: pd.DataFrame) -> str:
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
    rows = df.sort_values("stage_index").reset_index(drop=True)
    if rows.empty or int(rows["reached"].iloc[0]) == 0:
        return "No journeys entered the cycle in this selection, so there is nothing to compare."
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
        return "No journeys were lost between the stages in this selection."
    share, lost, before, after = best
    return (
        f"The largest drop is between {before['label']} and {after['label']}: "
        f"{share:.0%} of journeys that reached {before['label']} "
        f"({lost:,} of {int(before['reached']):,}) did not reach {after['label']}."
    )


def funnel_basis(df: pd.DataFrame) -> str:
    """What a funnel's numbers are based on: journeys counted, period, channel, and how many
    journeys of the period were left out (they did not start at the first stage, or came
    through another channel).

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
    attrs = df.attrs
    entered = int(attrs.get("cases_entered", 0))
    total = attrs.get("cases_total")
    period = attrs.get("period") or "all data"
    channel = attrs.get("channel") or "all"
    if period == "all data":
        text = f"Based on {entered:,} customer journeys, from all the data available"
    else:
        text = f"Based on {entered:,} customer journeys that started from {period}"
    text += "." if channel == "all" else f" and entered through {channel}."
    if total is not None and int(total) > entered:
        first = df.sort_values("stage_index")["label"].iloc[0] if len(df) else "the first stage"
        where = "in the data" if period == "all data" else "of the period"
        why = f"they did not start with {first}"
        why += "." if channel == "all" else " or came through another channel."
        text += f" {int(total) - entered:,} other journeys {where} are not counted: {why}"
    return text


def period_text(start: str | date | None, end: str | date | None) -> str | None:
    """The metrics' ``period`` from a report's ``period_start`` and ``period_end``, both days
    included (the metrics' periods end before their end).

    >>> period_text("2026-01-01", "2026-03-31")
    '2026-01-01..2026-04-01'
    >>> period_text(None, None) is None
    True
    """
    from datetime import timedelta

    if not start and not end:
        return None
    first = date.fromisoformat(str(start)).isoformat() if start else ""
    last = (date.fromisoformat(str(end)) + timedelta(days=1)).isoformat() if end else ""
    return f"{first}..{last}"


# -- report context: parameters resolved once ------------------------------------------------


@dataclass(frozen=True)
class ReportContext:
    """A report's resolved parameters: period and comparison period (whole days), filters,
    cycle model and language. Build it with :func:`report_context` from the parameters cell.

    Examples
    --------
    >>> ctx = report_context(period="2026-03", comparison="previous", language="ms")
    >>> ctx.metric_period, ctx.comparison_metric_period
    ('2026-03-01..2026-04-01', '2026-02-01..2026-03-01')
    >>> ctx.period_label
    '2026-03-01 hingga 2026-03-31'
    """

    period: ReportPeriod | None
    comparison: ReportPeriod | None
    segment: str | None
    channel: str | None
    model: str | None
    language: str
    open_period: str | None = None  # a period open at one end (period_start or period_end only)

    @property
    def metric_period(self) -> str | None:
        return self.period.metric_period() if self.period else self.open_period

    @property
    def comparison_metric_period(self) -> str | None:
        return self.comparison.metric_period() if self.comparison else None

    @property
    def period_label(self) -> str:
        from cycleanalytics.i18n import t

        if self.period is None:
            if self.open_period:
                from cycleanalytics.metrics import Period

                return Period.parse(self.open_period).label()
            return t("header.all_data", self.language)
        return self.period.label(t("word.to", self.language))

    def source(self, store: Store) -> Store | ir.Table:
        """What metrics read: the store, or its interactions of the chosen segment."""
        from cycleanalytics.kpis import segment_interactions

        return segment_interactions(store, self.segment)


def report_context(
    *,
    period: str | None = None,
    as_of: str | date | None = None,
    comparison: str = "previous",
    segment: str | None = None,
    channel: str | None = None,
    model: str | None = None,
    language: str = "en",
    period_start: str | None = None,
    period_end: str | None = None,
) -> ReportContext:
    """Resolve a report's parameters (as the driver injects them, or as typed in JupyterLab).

    ``period`` may be rolling (``last_month``...; resolved against ``as_of``, default today)
    or explicit; ``period_start``/``period_end`` are the older explicit form. Without a
    period, the report covers all data and compares with nothing.
    """
    from cycleanalytics.i18n import check_language
    from cycleanalytics.periods import comparison_period, resolve_period

    check_language(language)
    resolved: ReportPeriod | None = None
    if period:
        resolved = resolve_period(period, as_of=as_of)
    elif period_start and period_end:
        resolved = ReportPeriod(
            date.fromisoformat(str(period_start)), date.fromisoformat(str(period_end))
        )
    before = comparison_period(resolved, comparison) if resolved else None
    open_period = None if resolved else period_text(period_start, period_end)
    return ReportContext(resolved, before, segment, channel, model, language, open_period)


# -- KPI tiles and generated sentences ----------------------------------------------------------


def _kpi_label(row: Any, language: str) -> str:
    from cycleanalytics.i18n import stage_label, t

    if row["kpi"] == "dropoff":
        return t("kpi.dropoff", language, stage=stage_label(str(row["stage"]), language))
    return t(f"kpi.{row['kpi']}", language)


def format_kpi(value: float, unit: str, language: str = "en") -> str:
    """A KPI value the way a tile shows it (counts whole, shares as percents, NPS and rates
    with one decimal, money with two).

    >>> format_kpi(0.4567, "share"), format_kpi(1234, "count", "id"), format_kpi(-12.34, "score")
    ('45.7%', '1.234', '-12.3')
    """
    from cycleanalytics.i18n import fmt_number, fmt_share

    if unit == "share":
        return fmt_share(value, language)
    if unit == "count":
        return fmt_number(value, language)
    if unit == "money":
        return fmt_number(value, language, decimals=2)
    return fmt_number(value, language, decimals=1)


def format_change(change: float, unit: str, language: str = "en") -> str:
    """A change with its sign; shares change by percentage points.

    >>> format_change(0.023, "share"), format_change(-5, "count"), format_change(0.0, "score")
    ('+2.3 points', '-5', '±0.0')
    """
    from cycleanalytics.i18n import fmt_number, t

    if change != change:  # NaN
        return "–"
    size = 100 * change if unit == "share" else change
    decimals = 0 if unit == "count" else (2 if unit == "money" else 1)
    text = fmt_number(abs(size), language, decimals=decimals)
    sign = "±" if round(size, decimals) == 0 else ("+" if size > 0 else "-")
    suffix = f" {t('tile.points', language)}" if unit == "share" else ""
    return f"{sign}{text}{suffix}"


def kpi_tiles_html(table: pd.DataFrame, language: str = "en") -> str:
    """KPI tiles as HTML: label, value, change against the comparison period and a
    significance marker (only where a test was made and found p < 0.05). Text is escaped;
    each tile carries ``data-kpi`` and ``data-stage`` so tests can find it."""
    import pandas as pd

    from cycleanalytics.i18n import fmt_number, t

    tiles = []
    for _, row in table.iterrows():
        value = format_kpi(row["value"], row["unit"], language)
        if row.get("previous") is not None and row["previous"] == row["previous"]:
            change = f"{format_change(row['change'], row['unit'], language)} " + t(
                "tile.vs", language, value=format_kpi(row["previous"], row["unit"], language)
            )
        else:
            change = t("tile.no_comparison", language)
        marker = ""
        significant = row.get("significant")
        if significant is not None and not pd.isna(significant) and bool(significant):
            sign = html.escape(t("tile.significant", language))
            marker = f'<span class="ca-significant">● {sign}</span>'
        base = t("tile.n", language, n=fmt_number(row["n"], language))
        stage = "" if row["stage"] is None or row["stage"] != row["stage"] else str(row["stage"])
        tiles.append(
            f'<div class="ca-tile" data-kpi="{html.escape(str(row["kpi"]), quote=True)}" '
            f'data-stage="{html.escape(stage, quote=True)}">'
            f'<div class="ca-tile-label">{html.escape(_kpi_label(row, language))}</div>'
            f'<div class="ca-tile-value">{html.escape(value)}</div>'
            f'<div class="ca-tile-change">{html.escape(change)}</div>{marker}'
            f'<div class="ca-tile-n">{html.escape(base)}</div></div>'
        )
    return f'<div class="ca-tiles">{"".join(tiles)}</div>'


def show_kpi_tiles(table: pd.DataFrame, language: str = "en") -> None:
    """Show :func:`kpi_tiles_html` in a report."""
    from IPython.display import HTML, display

    display(HTML(kpi_tiles_html(table, language)))


def kpi_sentences(table: pd.DataFrame, *, period: str, language: str = "en") -> list[str]:
    """Plain-language sentences generated from a KPI table (see :func:`kpi_tiles_html`).

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

    from cycleanalytics.i18n import fmt_number, fmt_share, stage_label, t

    rows = {
        (r["kpi"], r["stage"] if r["stage"] == r["stage"] else None): r for _, r in table.iterrows()
    }
    cases = rows.get(("cases", None))
    if cases is not None and int(cases["value"]) == 0:
        return [t("say.no_data", language, period=period)]
    said = []
    if cases is not None:
        said.append(t("say.cases", language, n=fmt_number(cases["value"], language), period=period))
    for (kpi, _stage), row in rows.items():
        if kpi in ("cases", "dropoff") or row["value"] != row["value"]:
            continue
        label = _kpi_label(row, language)
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
                    stage=stage_label(str(worst["stage"]), language),
                    share=fmt_share(worst["value"], language, decimals=0),
                    before=stage_label(str(before_stage), language),
                )
            )
    return said


def executive_kpis(store: Store, ctx: ReportContext) -> pd.DataFrame:
    """The executive summary's KPI table for a context: the basic KPIs and the funnel's
    drop-off per stage, each compared with the comparison period.

    The cycle and outcome metrics (median resolution time, recovery success) add their rows
    here as they land, with the same columns (:data:`cycleanalytics.kpis.KPI_COLUMNS`).
    """
    import pandas as pd

    from cycleanalytics.kpis import basic_kpis, compare_kpis, funnel_kpis
    from cycleanalytics.metrics import funnel

    def one(period: str | None) -> pd.DataFrame:
        basic = basic_kpis(store, period=period, channel=ctx.channel, segment=ctx.segment)
        stages = funnel(ctx.source(store), period=period, channel=ctx.channel, model=ctx.model)
        drops = funnel_kpis(stages)
        table = pd.concat([basic, drops], ignore_index=True)
        table.attrs["first_stage"] = str(stages.sort_values("stage_index")["stage"].iloc[0])
        return table

    now = one(ctx.metric_period)
    before = one(ctx.comparison_metric_period) if ctx.comparison else None
    table = compare_kpis(now, before)
    table.attrs.update(now.attrs, period=ctx.period_label)
    return table
