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
    """The executive summary's KPI table for a context: the basic KPIs, median resolution
    time and recovery success (:func:`cycleanalytics.kpis.outcome_kpis`, after complaints
    per 1,000 cases) and the funnel's drop-off per stage, each compared with the comparison
    period (columns :data:`cycleanalytics.kpis.KPI_COLUMNS` and those of
    :func:`cycleanalytics.kpis.compare_kpis`).
    """
    import pandas as pd

    from cycleanalytics.kpis import basic_kpis, compare_kpis, funnel_kpis, outcome_kpis
    from cycleanalytics.metrics import funnel

    def one(period: str | None) -> pd.DataFrame:
        basic = basic_kpis(store, period=period, channel=ctx.channel, segment=ctx.segment)
        outcomes = outcome_kpis(store, period=period, channel=ctx.channel, segment=ctx.segment)
        stages = funnel(ctx.source(store), period=period, channel=ctx.channel, model=ctx.model)
        drops = funnel_kpis(stages)
        split = int((basic["kpi"] == "complaints_per_1000").to_numpy().nonzero()[0][0]) + 1
        table = pd.concat(
            [basic.iloc[:split], outcomes, basic.iloc[split:], drops], ignore_index=True
        )
        table.attrs["first_stage"] = str(stages.sort_values("stage_index")["stage"].iloc[0])
        return table

    now = one(ctx.metric_period)
    before = one(ctx.comparison_metric_period) if ctx.comparison else None
    table = compare_kpis(now, before)
    table.attrs.update(now.attrs, period=ctx.period_label)
    return table


# -- shared wording for the researcher and outcome reports --------------------------------------


def share_text(value: float, lo: float | None = None, hi: float | None = None) -> str:
    """A share as a whole-number-and-one-decimal percent, with its interval when known.

    >>> share_text(0.6211, 0.6061, 0.6357), share_text(0.5), share_text(float("nan"))
    ('62.1% (60.6–63.6%)', '50.0%', '–')
    """
    if value is None or value != value:
        return "–"
    if lo is None or hi is None or lo != lo or hi != hi:
        return f"{value:.1%}"
    return f"{value:.1%} ({100 * lo:.1f}–{hi:.1%})"


def number_text(
    value: float, lo: float | None = None, hi: float | None = None, *, decimals: int = 1
) -> str:
    """A number with one decimal (or ``decimals``), with its interval when known.

    >>> number_text(3.7698, -4.0106, 11.5502), number_text(153.0114, 133.5, None, decimals=0)
    ('3.8 (-4.0 to 11.6)', '153')
    """
    if value is None or value != value:
        return "–"
    text = f"{value:,.{decimals}f}"
    if lo is None or hi is None or lo != lo or hi != hi:
        return text
    return f"{text} ({lo:,.{decimals}f} to {hi:,.{decimals}f})"


def group_text(value: Any) -> str:
    """A breakdown value as text: months as ``2026-03``, missing values as ``not recorded``.

    >>> import pandas as pd
    >>> group_text(pd.Timestamp("2026-03-01")), group_text(None), group_text("chat")
    ('2026-03', 'not recorded', 'chat')
    """
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "not recorded"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m")
    return str(value)


def with_stage_labels(
    df: pd.DataFrame, columns: tuple[str, ...], language: str = "en"
) -> pd.DataFrame:
    """A copy of ``df`` whose stage-id ``columns`` show the stages' names (DESIGN §1).

    >>> import pandas as pd
    >>> with_stage_labels(pd.DataFrame({"source": ["follow_up"]}), ("source",))["source"][0]
    'Follow-up'
    """
    from cycleanalytics.i18n import stage_label

    out = df.copy()
    for column in columns:
        out[column] = [stage_label(str(s), language) for s in out[column]]
    return out


# -- conformance --------------------------------------------------------------------------------

_CONFORMANCE_ROWS = (
    ("Events that belong to a stage of the model", "coverage", "events_mapped", "events"),
    ("Journeys that follow the model exactly", "conforming_share", "conforming_cases", "cases"),
    ("Journeys that skip a stage", "skipped_share", "skipped_cases", "cases"),
    ("Journeys that go back to an earlier stage", "backward_share", "backward_cases", "cases"),
    ("Journeys that repeat a stage", "repeats_share", "repeats_cases", "cases"),
)


def conformance_table(df: pd.DataFrame) -> pd.DataFrame:
    """The one-row :func:`~cycleanalytics.metrics.conformance` table as a plain table:
    measure, share with its 95% interval, and the count behind it ("n of N"); then the
    recoveries without a dissatisfied answer and the two fitness values."""
    import pandas as pd

    row = df.iloc[0]
    rows = [
        (
            label,
            share_text(row[share], row[f"{share}_lo"], row[f"{share}_hi"]),
            f"{int(row[hits]):,} of {int(row[base]):,}",
        )
        for label, share, hits, base in _CONFORMANCE_ROWS
    ]
    rows.append(
        (
            "Recoveries without a dissatisfied answer before",
            share_text(row["recovery_without_dissatisfaction_share"]),
            f"{int(row['recovery_without_dissatisfaction']):,} of {int(row['recovery_cases']):,}",
        )
    )
    rows.append(
        (
            "Transition fitness (steps the model allows)",
            f"{row['transition_fitness']:.3f}",
            f"{int(row['transitions_allowed']):,} of {int(row['transitions']):,}",
        )
    )
    rows.append(("Token-replay fitness", f"{row['token_fitness']:.3f}", "–"))
    return pd.DataFrame(rows, columns=["Measure", "Value (95% interval)", "Count"])


def conformance_takeaway(df: pd.DataFrame) -> str:
    """One sentence: how many journeys follow the model, and the commonest deviation.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"cases": [200], "conforming_cases": [120], "conforming_share": [0.6],
    ...     "skipped_share": [0.05], "backward_share": [0.1], "repeats_share": [0.3]})
    >>> print(conformance_takeaway(df))  # doctest: +NORMALIZE_WHITESPACE
    120 of 200 journeys (60%) follow the cycle model exactly. The commonest deviation is
    repeating a stage (30% of journeys).
    """
    row = df.iloc[0]
    cases = int(row["cases"])
    if cases == 0:
        return "No journeys in this selection, so there is nothing to compare with the model."
    text = (
        f"{int(row['conforming_cases']):,} of {cases:,} journeys "
        f"({row['conforming_share']:.0%}) follow the cycle model exactly."
    )
    deviations = {
        "skipping a stage": row["skipped_share"],
        "going back to an earlier stage": row["backward_share"],
        "repeating a stage": row["repeats_share"],
    }
    name, share = max(deviations.items(), key=lambda kv: kv[1])
    if share > 0:
        text += f" The commonest deviation is {name} ({share:.0%} of journeys)."
    return text


def variants_table(df: pd.DataFrame, *, top: int = 10, language: str = "en") -> pd.DataFrame:
    """The ``top`` commonest paths of a :func:`~cycleanalytics.metrics.variants` table, with
    stage names, journeys, share (95% interval), whether the model allows them and fitness.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"variant": ["pre_interaction > follow_up"], "cases": [1200],
    ...     "share": [0.25], "share_lo": [0.2], "share_hi": [0.3], "conforming": [False],
    ...     "fitness": [0.5]})
    >>> variants_table(df).iloc[0].tolist()
    ['Pre-interaction → Follow-up', '1,200', '25.0% (20.0–30.0%)', 'no', '0.50']
    """
    import pandas as pd

    from cycleanalytics.i18n import stage_label

    part = df.head(top)
    return pd.DataFrame(
        {
            "Path": [
                " → ".join(stage_label(s, language) for s in str(v).split(" > "))
                for v in part["variant"]
            ],
            "Journeys": [f"{int(n):,}" for n in part["cases"]],
            "Share (95% interval)": [
                share_text(s, lo, hi)
                for s, lo, hi in zip(part["share"], part["share_lo"], part["share_hi"], strict=True)
            ],
            "Allowed by the model": ["yes" if c else "no" for c in part["conforming"]],
            "Fitness": [f"{f:.2f}" for f in part["fitness"]],
        }
    )


def rules_table(df: pd.DataFrame) -> pd.DataFrame:
    """A :func:`~cycleanalytics.metrics.conformance_rules` table in words: rule, journeys
    passing ("n of N") and share passing (95% interval)."""
    import pandas as pd

    return pd.DataFrame(
        {
            "Rule": [str(d).capitalize() for d in df["description"]],
            "Journeys passing": [
                f"{int(p):,} of {int(n):,}" for p, n in zip(df["passing"], df["cases"], strict=True)
            ],
            "Share passing (95% interval)": [
                share_text(s, lo, hi)
                for s, lo, hi in zip(df["share"], df["share_lo"], df["share_hi"], strict=True)
            ],
        }
    )


# -- satisfaction -------------------------------------------------------------------------------


def satisfaction_table(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """A :func:`~cycleanalytics.metrics.satisfaction` table broken down by ``by`` in words:
    responses, response rate, CSAT (share 4-5), NPS and CES, each with its 95% interval;
    groups with fewer answers than the metric's ``min_n`` are marked "(few answers)"."""
    import pandas as pd

    rows = []
    for r in df.to_dict("records"):
        group = group_text(r[by]) + (" (few answers)" if bool(r.get("low_n", False)) else "")
        rows.append(
            {
                by.replace("_", " ").capitalize(): group,
                "Responses": f"{int(r['responses']):,}",
                "Response rate": share_text(
                    r["response_rate"], r["response_rate_lo"], r["response_rate_hi"]
                ),
                "CSAT, satisfied (4-5)": share_text(r["csat"], r["csat_lo"], r["csat_hi"]),
                "NPS": number_text(r["nps"], r["nps_lo"], r["nps_hi"]),
                "CES (1-7)": number_text(r["ces"], r["ces_lo"], r["ces_hi"], decimals=2),
            }
        )
    return pd.DataFrame(rows)


def satisfaction_takeaway(df: pd.DataFrame) -> str:
    """One sentence from the overall :func:`~cycleanalytics.metrics.satisfaction` row.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"interactions": [1000], "responses": [80], "csat_n": [80],
    ...     "csat": [0.55], "csat_lo": [0.44], "csat_hi": [0.65], "nps": [3.75]})
    >>> print(satisfaction_takeaway(df))  # doctest: +NORMALIZE_WHITESPACE
    55% of the 80 customers who rated their contact were satisfied (4 or 5 of 5; between 44%
    and 65% with 95% confidence). NPS was 3.8. Only 80 of 1,000 contacts (8.0%) got an answer.
    """
    r = df.iloc[0]
    if int(r["csat_n"]) == 0:
        return "No customer rated a contact in this selection."
    text = (
        f"{r['csat']:.0%} of the {int(r['csat_n']):,} customers who rated their contact were "
        f"satisfied (4 or 5 of 5; between {r['csat_lo']:.0%} and {r['csat_hi']:.0%} with 95% "
        "confidence)."
    )
    if r["nps"] == r["nps"]:
        text += f" NPS was {r['nps']:.1f}."
    share = int(r["responses"]) / int(r["interactions"]) if int(r["interactions"]) else 0.0
    text += (
        f" Only {int(r['responses']):,} of {int(r['interactions']):,} contacts ({share:.1%}) "
        "got an answer."
    )
    return text


def change_table(df: pd.DataFrame) -> pd.DataFrame:
    """A :func:`~cycleanalytics.metrics.satisfaction_change` table (CSAT) in words: period,
    value and answers, the period before, the change in points with its 95% interval, and
    the marker "● significant" only where the metric flagged the change."""
    import pandas as pd

    return pd.DataFrame(
        {
            "Month": [group_text(p) for p in df["period"]],
            "CSAT (answers)": [
                f"{v:.1%} ({int(n):,})" for v, n in zip(df["value"], df["n"], strict=True)
            ],
            "Before (answers)": [
                f"{v:.1%} ({int(n):,})"
                for v, n in zip(df["previous_value"], df["previous_n"], strict=True)
            ],
            "Change, points (95% interval)": [
                number_text(100 * c, 100 * lo, 100 * hi)
                for c, lo, hi in zip(df["change"], df["change_lo"], df["change_hi"], strict=True)
            ],
            "p-value": [f"{p:.3f}" if p == p else "–" for p in df["p_value"]],
            "Marker": [
                "● significant" if f else ("" if e else "too few answers")
                for f, e in zip(df["flagged"], df["enough_n"], strict=True)
            ],
        }
    )


def change_takeaway(df: pd.DataFrame) -> str:
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
    if df.empty:
        return "There is only one period in this selection, so there is no change to show."
    r = df.iloc[-1]
    direction = "up" if r["change"] > 0 else "down"
    text = (
        f"In {group_text(r['period'])}, {r['value']:.1%} were satisfied, {direction} "
        f"{abs(100 * r['change']):.1f} points from {r['previous_value']:.1%} the period before; "
    )
    if bool(r["flagged"]):
        return text + "this change is larger than chance would explain."
    if not bool(r["enough_n"]):
        return text + "there are too few answers to tell whether it is real."
    return text + "this change could be chance."


# -- complaints ---------------------------------------------------------------------------------


def complaints_table(df: pd.DataFrame, by: str = "category") -> pd.DataFrame:
    """A :func:`~cycleanalytics.metrics.complaints` table by ``by`` in words: complaints, per
    1,000 cases, cumulative share (Pareto), median first response in hours, reopen and
    recurrence rates with their 95% intervals. Never any complaint text."""
    import pandas as pd

    rows = []
    for r in df.to_dict("records"):
        rows.append(
            {
                "Area" if by == "category" else by.capitalize(): group_text(r[by]),
                "Complaints": f"{int(r['complaints']):,}",
                "Per 1,000 cases": number_text(r["rate_per_1000_cases"]),
                "Cumulative share": f"{r['cumulative_share']:.0%}",
                "First response, median hours": number_text(r["first_response_median_h"]),
                "Reopened (95% interval)": share_text(
                    r["reopen_rate"], r["reopen_rate_lo"], r["reopen_rate_hi"]
                ),
                "Complained again (95% interval)": share_text(
                    r["recurrence_rate"], r["recurrence_rate_lo"], r["recurrence_rate_hi"]
                ),
            }
        )
    return pd.DataFrame(rows)


def pareto_takeaway(df: pd.DataFrame, by: str = "category", *, share: float = 0.8) -> str:
    """Which few groups make up ``share`` of the complaints (the Pareto reading), from a
    :func:`~cycleanalytics.metrics.complaints` table sorted by complaints.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"category": ["product", "communication", "image"],
    ...     "complaints": [60, 25, 15]})
    >>> print(pareto_takeaway(df))  # doctest: +NORMALIZE_WHITESPACE
    2 of 3 areas (product, communication) account for 85% of the 100 complaints.
    """
    ordered = df.sort_values("complaints", ascending=False, kind="stable")
    total = int(ordered["complaints"].sum())
    if total == 0:
        return "No complaints were opened in this selection."
    running, names = 0, []
    for r in ordered.to_dict("records"):
        running += int(r["complaints"])
        names.append(group_text(r[by]))
        if running / total >= share:
            break
    word = "areas" if by == "category" else f"{by} groups"
    return (
        f"{len(names)} of {len(ordered)} {word} ({', '.join(names)}) account for "
        f"{running / total:.0%} of the {total:,} complaints."
    )


def resolution_takeaway(df: pd.DataFrame) -> str:
    """One sentence from the overall :func:`~cycleanalytics.metrics.resolution_time` row.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"complaints": [392], "censored": [38], "median_h": [153.01],
    ...     "median_lo": [133.5], "median_hi": [173.2]})
    >>> print(resolution_takeaway(df))  # doctest: +NORMALIZE_WHITESPACE
    Half of the 392 complaints were resolved within 153 hours (6.4 days; between 134 and
    173 hours with 95% confidence). 38 complaints are still open; they count as unresolved
    up to the end of the data.
    """
    r = df.iloc[0]
    n = int(r["complaints"])
    if n == 0:
        return "No complaints were opened in this selection."
    if r["median_h"] != r["median_h"]:
        text = f"Fewer than half of the {n:,} complaints have been resolved so far."
    else:
        text = (
            f"Half of the {n:,} complaints were resolved within {r['median_h']:,.0f} hours "
            f"({r['median_h'] / 24:.1f} days"
        )
        if r["median_lo"] == r["median_lo"] and r["median_hi"] == r["median_hi"]:
            text += (
                f"; between {r['median_lo']:,.0f} and {r['median_hi']:,.0f} hours with 95% "
                "confidence"
            )
        text += ")."
    if int(r["censored"]):
        text += (
            f" {int(r['censored']):,} complaints are still open; they count as unresolved up "
            "to the end of the data."
        )
    return text


# -- recovery -----------------------------------------------------------------------------------


def recovery_table(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """A :func:`~cycleanalytics.metrics.recovery` table by ``by`` in words: dissatisfied
    cases, recovery rate, success and retention, each "share (95% interval), n"."""
    import pandas as pd

    label = {"recovery_action": "Action", "category": "Area"}.get(by, by.capitalize())
    rows = []
    for r in df.to_dict("records"):
        group = r[by]
        rows.append(
            {
                label: "no recovery step"
                if by == "recovery_action" and group_text(group) == "not recorded"
                else group_text(group),
                "Dissatisfied cases": f"{int(r['dissatisfied']):,}",
                "Recovered": share_text(
                    r["recovery_rate"], r["recovery_rate_lo"], r["recovery_rate_hi"]
                ),
                "Recovery succeeded": share_text(
                    r["success_rate"], r["success_rate_lo"], r["success_rate_hi"]
                )
                + f" of {int(r['success_judged']):,}",
                "Customer stayed": share_text(
                    r["retention_rate"], r["retention_rate_lo"], r["retention_rate_hi"]
                )
                + f" of {int(r['retention_judged']):,}",
            }
        )
    return pd.DataFrame(rows)


def recovery_takeaway(df: pd.DataFrame) -> str:
    """One sentence from the overall :func:`~cycleanalytics.metrics.recovery` row.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"dissatisfied": [558], "recovered": [378], "recovery_rate": [0.6774],
    ...     "success_judged": [329], "successes": [276], "success_rate": [0.8389]})
    >>> print(recovery_takeaway(df))  # doctest: +NORMALIZE_WHITESPACE
    Of 558 dissatisfied cases, 378 (68%) got a recovery step; 276 of the 329 recoveries that
    could be judged (84%) succeeded.
    """
    r = df.iloc[0]
    if int(r["dissatisfied"]) == 0:
        return "No case was dissatisfied in this selection, so there was nothing to recover."
    text = (
        f"Of {int(r['dissatisfied']):,} dissatisfied cases, {int(r['recovered']):,} "
        f"({r['recovery_rate']:.0%}) got a recovery step"
    )
    if int(r["success_judged"]):
        text += (
            f"; {int(r['successes']):,} of the {int(r['success_judged']):,} recoveries that "
            f"could be judged ({r['success_rate']:.0%}) succeeded."
        )
    else:
        text += "; none could be judged yet."
    return text


_PARADOX_GROUPS = {
    "no_failure": "No failure",
    "recovered": "Failure, recovered",
    "failed_recovery": "Failure, recovery failed",
    "not_recovered": "Failure, no recovery step",
    "recovery_not_judged": "Failure, recovery not judged yet",
}


def paradox_table(df: pd.DataFrame) -> pd.DataFrame:
    """A :func:`~cycleanalytics.metrics.recovery_paradox` table in words: group, cases,
    satisfied with the next case (share with 95% interval, of how many ratings) and came
    back within the horizon (share with 95% interval, of how many judged)."""
    import pandas as pd

    return pd.DataFrame(
        {
            "Group": [_PARADOX_GROUPS.get(str(g), str(g)) for g in df["group"]],
            "Cases": [f"{int(n):,}" for n in df["cases"]],
            "Satisfied with the next case": [
                f"{share_text(s, lo, hi)} of {int(n):,}"
                for s, lo, hi, n in zip(
                    df["later_top_box"],
                    df["later_top_box_lo"],
                    df["later_top_box_hi"],
                    df["later_csat_n"],
                    strict=True,
                )
            ],
            "Came back": [
                f"{share_text(s, lo, hi)} of {int(n):,}"
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


class SegmentView:
    """A store seen through one customer segment: its ``interactions`` and ``complaints``
    tables keep only that segment's customers (the value is bound, never query text); every
    other table is the store's. Metrics that read a store read this the same way.

    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, sorted(ca.sample_dir().glob("*.csv")))
    ...     whole = int(ca.metrics.complaints(store)["complaints"].sum())
    ...     parts = sum(int(ca.metrics.complaints(SegmentView(store, s))["complaints"].sum())
    ...                 for s in ("consumer", "enterprise", "small_business"))
    >>> whole == parts
    True
    """

    def __init__(self, store: Store, segment: str) -> None:
        self.store = store
        self.segment = segment

    def table(self, name: str) -> ir.Table:
        import ibis

        table = self.store.table(name)
        if name not in ("interactions", "complaints"):
            return table
        customers = self.store.table("customers")
        ids = customers.filter(
            customers.segment == ibis.literal(self.segment, type="string")
        ).customer_id
        return table.filter(table.customer_id.isin(ids))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def outcome_source(store: Store, segment: str | None) -> Store | SegmentView:
    """What the outcome metrics (complaints, resolution, recovery) read for a report: the
    store, or a :class:`SegmentView` of it."""
    return store if segment is None else SegmentView(store, segment)


def show_chart(plot: Any, df: pd.DataFrame, *, empty: str, **options: Any) -> None:
    """Show ``plot(df, **options)``, or the sentence ``empty`` when ``df`` has no rows (a
    short period can leave a chart with nothing to draw)."""
    from IPython.display import display

    if df.empty:
        show_text(empty)
    else:
        display(plot(df, **options))


def basis_text(
    what: str,
    n: int,
    period: str,
    *,
    channel: str | None = None,
    segment: str | None = None,
    ignored_channel: bool = False,
) -> str:
    """What a report section is based on, in one sentence.

    >>> print(basis_text("complaints", 392, "all data", segment="enterprise"))
    Based on 392 complaints, from all the data available, of customers in segment enterprise.
    >>> print(basis_text("dissatisfied cases", 12, "2026-05-01 to 2026-05-31", channel="chat",
    ...                  ignored_channel=True))  # doctest: +NORMALIZE_WHITESPACE
    Based on 12 dissatisfied cases, from 2026-05-01 to 2026-05-31, through every channel (this
    measure cannot be split by channel yet, so the channel filter chat is not applied).
    """
    when = "from all the data available" if period in ("all data", "") else f"from {period}"
    text = f"Based on {n:,} {what}, {when}"
    if segment is not None:
        text += f", of customers in segment {segment}"
    if channel is not None and ignored_channel:
        text += (
            ", through every channel (this measure cannot be split by channel yet, so the "
            f"channel filter {channel} is not applied)"
        )
    elif channel is not None:
        text += f", through {channel}"
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
