"""What report notebooks call: opening the data on either engine (:func:`open_store`), kernel
set-up for offline charts, and small presentation helpers that write in the report's language.

Notebooks stay thin: they open the data with :func:`open_store`, compute with the metrics and
present with the functions here, which are plain, tested Python. Their headings and prose come
from :mod:`cycleanalytics.i18n` (:func:`show_section`), because markdown cells cannot switch
language. Nothing here runs a notebook; that is :mod:`cycleanalytics.reports`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cycleanalytics.periods import ReportPeriod

if TYPE_CHECKING:
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
.ca-empty { color: #444; font-size: 0.95em; margin: 0.6em 0 1em 0; padding: 1.2em 1em;
  border: 1px dashed #c7d3dc; border-radius: 6px; background: #fafbfc; }
.ca-basis { color: #444; font-size: 0.9em; margin: -0.4em 0 1.2em 0; }
.ca-basis summary { cursor: pointer; color: #1f5f8b; }
.ca-tiles { display: grid; gap: 0.8em; margin: 0.6em 0 1.2em 0;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 9.5em), 1fr)); }
.ca-tile { border: 1px solid #d8e2ea; border-radius: 6px; padding: 0.6em 0.9em;
  background: #fbfdfe; min-width: 0; }
.ca-tile.ca-status-green { border-left: 5px solid #1a7f37; }
.ca-tile.ca-status-amber { border-left: 5px solid #b26a00; }
.ca-tile.ca-status-red { border-left: 5px solid #c62828; }
.ca-arrow { font-size: 0.95em; }
.ca-tile-change.ca-good, .ca-arrow.ca-good { color: #1a7f37; }
.ca-tile-change.ca-bad, .ca-arrow.ca-bad { color: #c62828; }
.ca-tile-target { font-size: 0.8em; margin: 0.15em 0; }
.ca-dot { display: inline-block; width: 0.7em; height: 0.7em; border-radius: 50%;
  vertical-align: baseline; }
.ca-green .ca-dot { background: #1a7f37; } .ca-amber .ca-dot { background: #b26a00; }
.ca-red .ca-dot { background: #c62828; }
.ca-tile-label { color: #1f5f8b; font-size: 0.85em; font-weight: 600; }
.ca-tile-value { font-size: 1.7em; font-weight: 600; margin: 0.1em 0; }
.ca-tile-change, .ca-tile-n { color: #555; font-size: 0.8em; }
.ca-significant { color: #8a4b00; font-size: 0.8em; font-weight: 600; }
.ca-list { color: #444; margin: 0.2em 0 1em 0; }
.ca-takeaway { border-left: 4px solid #1f5f8b; background: #f3f7fa; padding: 0.7em 1em;
  margin: 0.6em 0 1em 0; font-size: 1.05em; }
table.ca-table { border-collapse: collapse; margin: 0.4em 0 1.2em 0; font-size: 0.95em; }
table.ca-table th { text-align: left; border-bottom: 2px solid #1f5f8b; padding: 0.35em 0.9em; }
table.ca-table td { border-bottom: 1px solid #ddd; padding: 0.3em 0.9em; }
table.ca-table td.num, table.ca-table th.num { text-align: right; }
table.ca-table td.text, table.ca-table th.text { text-align: left; }
table.ca-table { display: block; max-width: 100%; overflow-x: auto; }
@media (max-width: 640px) {
  .js-plotly-plot .modebar-container { display: none; }
  table.ca-table { font-size: 0.85em; }
  table.ca-table th, table.ca-table td { padding: 0.3em 0.5em; }
}
@media print {
  .ca-back, .js-plotly-plot .modebar-container { display: none !important; }
  .ca-tile, .ca-takeaway, .js-plotly-plot, table.ca-table, tr { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
  table.ca-table { display: table; overflow: visible; }
}
@page { size: A4; margin: 14mm; }
</style>
"""

#: On a narrow screen (a phone), legends go below the charts instead of squeezing the plot.
_NARROW_SCRIPT = """
window.addEventListener("load", function () {
  if (window.innerWidth > 640 || !window.Plotly) { return; }
  document.querySelectorAll(".js-plotly-plot").forEach(function (chart) {
    if (chart.layout && chart.layout.showlegend !== false) {
      Plotly.relayout(chart, {"legend.orientation": "h", "legend.x": 0, "legend.xanchor": "left",
        "legend.y": -0.25, "legend.yanchor": "top"});
    }
  });
});
"""

_setup_done = False


def setup_notebook() -> None:
    """Prepare a report notebook's kernel; call it in the first code cell.

    Registers a plotly renderer that writes each chart as HTML without its own copy of
    plotly.js (and without MathJax), with every string of the figure escaped (data never
    renders as markup: :func:`cycleanalytics.plots.escape_figure`), makes it the default,
    shows plotly.js inline once so the charts work offline, silences warnings in the report,
    and sets readable pandas display options. Calling it again in the same kernel does nothing.
    """
    global _setup_done
    if _setup_done:
        return
    import warnings

    import pandas as pd
    import plotly.io as pio
    from IPython.display import HTML, display
    from plotly.io._base_renderers import MimetypeRenderer

    from cycleanalytics.plots import escape_figure_dict

    class ReportRenderer(MimetypeRenderer):
        """Charts as HTML fragments; plotly.js is on the page once, from setup_notebook. Every
        string of every figure shown is escaped first, however the figure was made."""

        def to_mimebundle(self, fig_dict: dict) -> dict[str, str]:
            fragment = pio.to_html(
                escape_figure_dict(fig_dict),
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
    display(
        HTML(
            f'{_REPORT_CSS}<script type="text/javascript">{bundle}</script>'
            f'<script type="text/javascript">{_NARROW_SCRIPT}</script>'
        )
    )
    _setup_done = True


def show_text(text: str, *, kind: str = "note") -> None:
    """Show a sentence in a report, HTML-escaped. ``kind`` is ``"note"``, ``"takeaway"`` or
    ``"empty"`` (a chart's place, saying why it has nothing to draw: the driver counts it as
    the chart it stands for)."""
    from IPython.display import HTML, display

    display(HTML(f'<p class="ca-{kind}">{html.escape(text)}</p>'))


def show_heading(text: str, level: int = 2) -> None:
    """Show a heading (level 1-3) in a report, HTML-escaped; for headings in the report's
    language, which markdown cells cannot switch."""
    from IPython.display import HTML, display

    display(HTML(f"<h{level}>{html.escape(text)}</h{level}>"))


def show_list(items: list[str]) -> None:
    """Show sentences as a bulleted list, HTML-escaped."""
    from IPython.display import HTML, display

    rows = "".join(f'<li class="ca-item">{html.escape(item)}</li>' for item in items)
    display(HTML(f'<ul class="ca-list">{rows}</ul>'))


def show_section(key: str, language: str = "en", *, level: int = 2) -> None:
    """Show a section of a report's prose from the i18n tables: the heading ``<key>.heading``
    (or ``<key>.title`` at level 1), the paragraph ``<key>.text`` and the bullets
    ``<key>.1``, ``<key>.2``... whichever exist, in ``language``.

    Markdown cells cannot switch language, so report notebooks keep their headings and prose
    in :data:`cycleanalytics.i18n.TEXTS` and show them with this.
    """
    from cycleanalytics.i18n import TEXTS, check_language, t

    check_language(language)
    for suffix in ("title", "heading"):
        if f"{key}.{suffix}" in TEXTS:
            show_heading(t(f"{key}.{suffix}", language), level)
            break
    if f"{key}.text" in TEXTS:
        show_text(t(f"{key}.text", language))
    bullets = []
    while f"{key}.{len(bullets) + 1}" in TEXTS:
        bullets.append(t(f"{key}.{len(bullets) + 1}", language))
    if bullets:
        show_list(bullets)


def show_how_to_read(prefix: str, language: str = "en") -> None:
    """The closing "How to read these numbers" section: a heading and the bullets
    ``<prefix>.read.1``, ``<prefix>.read.2``..."""
    from cycleanalytics.i18n import t

    show_heading(t("word.how_to_read", language))
    show_section(f"{prefix}.read", language)


_NUMBERS = re.compile(r"[\d,.%()\s–-]+")
"""Text that is only numbers (bar labels such as ``1,234  (56%)``)."""


def localize_figure(fig: Any, language: str = "en") -> Any:
    """``fig`` with its English labels in ``language``: axis and legend titles, colour-bar
    titles, trace names and category labels (stage names, complaint areas, recovery actions,
    the metrics' own words; see :func:`cycleanalytics.i18n.chart_text`), hover text
    (:func:`~cycleanalytics.i18n.hover_text`) and, in Indonesian, numbers written with a
    decimal comma. English returns ``fig`` unchanged.

    >>> import plotly.graph_objects as go
    >>> fig = go.Figure(go.Bar(x=["product", "image"], y=[3, 1], name="complaints"))
    >>> fig = localize_figure(fig.update_yaxes(title="complaints"), "ms")
    >>> list(fig.data[0].x), fig.data[0].name, fig.layout.yaxis.title.text
    (['produk', 'imej'], 'aduan', 'aduan')
    """
    from cycleanalytics.i18n import (
        chart_text,
        check_language,
        hover_text,
        localize_number,
        move_text,
    )

    if check_language(language) == "en":
        return fig

    def swap(value: Any) -> Any:
        return chart_text(value, language) if isinstance(value, str) else value

    def swap_all(values: Any) -> Any:
        if values is None or isinstance(values, str):
            return values
        items = list(values)
        if not items or not all(isinstance(v, str) for v in items):
            return values
        return [swap(v) for v in items]

    for trace in fig.data:
        if getattr(trace, "name", None):
            trace.name = swap(trace.name)
        for axis in ("x", "y", "labels"):
            if axis in trace and trace[axis] is not None:
                trace[axis] = swap_all(trace[axis])
        if trace.type == "sankey":
            trace.node.label = swap_all(trace.node.label)
        if "colorbar" in trace and trace.colorbar.title.text:
            trace.colorbar.title.text = swap(trace.colorbar.title.text)
        if getattr(trace, "hovertemplate", None):
            trace.hovertemplate = hover_text(trace.hovertemplate, language)
        if trace.type == "heatmap" and trace.text is not None:
            trace.text = [[move_text(str(v), language) for v in row] for row in trace.text]
        elif getattr(trace, "text", None) is not None and not isinstance(trace.text, str):
            trace.text = [
                localize_number(v, language) if isinstance(v, str) and _NUMBERS.fullmatch(v) else v
                for v in trace.text
            ]
    fig.for_each_xaxis(lambda ax: ax.update(title_text=swap(ax.title.text)))
    fig.for_each_yaxis(lambda ax: ax.update(title_text=swap(ax.title.text)))
    if fig.layout.legend.title.text:
        fig.layout.legend.title.text = swap(fig.layout.legend.title.text)
    if fig.layout.title.text:
        fig.layout.title.text = swap(fig.layout.title.text)
    if language == "id":  # plotly's own number formats: 1.234,5 and 62,1%
        fig.layout.separators = ",."
    return fig


def show_figure(fig: Any, language: str = "en") -> None:
    """Show a figure with its labels in ``language`` (:func:`localize_figure`), every string
    escaped (:func:`cycleanalytics.plots.escape_figure`)."""
    from IPython.display import display

    from cycleanalytics.plots import escape_figure

    display(escape_figure(localize_figure(fig, language)))


def show_sql(sql: str) -> None:
    """Show SQL (or any code-like text) as preformatted, escaped text."""
    from IPython.display import HTML, display

    display(HTML(f'<pre class="ca-sql">{html.escape(sql)}</pre>'))


def show_table(df: pd.DataFrame) -> None:
    """Show a table in a report: no index, numbers right-aligned, text escaped; nothing for a
    table without rows (the section's sentence says why)."""
    from IPython.display import HTML, display

    if df.empty:
        return

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


def _pct(share: float, language: str = "en") -> str:
    from cycleanalytics.i18n import fmt_share

    return "–" if share != share else fmt_share(share, language, decimals=0)  # NaN: a dash


def _count(n: Any, language: str = "en") -> str:
    from cycleanalytics.i18n import fmt_number

    return fmt_number(int(n), language)


def _column(by: str, language: str = "en") -> str:
    """A breakdown column's header: ``col.<by>`` in ``language``, else the name itself."""
    from cycleanalytics.i18n import TEXTS, t

    if f"col.{by}" in TEXTS:
        return t(f"col.{by}", language)
    return by.replace("_", " ").capitalize()


def label_stages(df: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """A copy of a funnel table whose ``label`` column names the stages in ``language``
    (DESIGN §1); English keeps the model's own labels.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"stage": ["follow_up"], "label": ["Follow-up"]})
    >>> label_stages(df, "ms")["label"].tolist()
    ['Susulan']
    """
    from cycleanalytics.i18n import STAGE_LABELS, check_language

    out = df.copy()
    if check_language(language) == "en" or "stage" not in out:
        return out
    names = STAGE_LABELS[language]
    labels = out["label"] if "label" in out else out["stage"]
    out["label"] = [
        names.get(str(s), str(old)) for s, old in zip(out["stage"], labels, strict=True)
    ]
    return out


def _is_all_data(period: str | None) -> bool:
    from cycleanalytics.i18n import LANGUAGES, t

    return not period or period in {t("header.all_data", lang) for lang in LANGUAGES}


def funnel_table(df: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The funnel as a plain table for managers: stage, journeys reached, share continuing,
    journeys lost. Counts are written with thousands separators, shares as whole percents;
    headers and stage names in ``language``."""
    import pandas as pd

    from cycleanalytics.i18n import t

    df = label_stages(df, language)
    first = df["stage_index"].min()
    return pd.DataFrame(
        {
            t("col.stage", language): df["label"].astype(str),
            t("funnel.col.reached", language): [_count(n, language) for n in df["reached"]],
            t("funnel.col.continuing", language): [
                "–" if k == first else _pct(s, language)
                for k, s in zip(df["stage_index"], df["conversion"], strict=True)
            ],
            t("funnel.col.lost", language): [
                "–" if k == first else _count(n, language)
                for k, n in zip(df["stage_index"], df["dropped"], strict=True)
            ],
        }
    )


def funnel_by_table(df: pd.DataFrame, by: str, language: str = "en") -> pd.DataFrame:
    """A funnel broken down by ``by`` as one row per group: journeys entering, then for each
    later stage the journeys reaching it with their share of the group's entries."""
    import pandas as pd

    df = label_stages(df, language)
    rows = []
    for group, part in df.groupby(by, sort=False, dropna=False):
        part = part.sort_values("stage_index")
        row: dict[str, str] = {_column(by, language): group_text(group, language)}
        first = part["stage_index"].min()
        for stage in part.itertuples(index=False):
            share = "" if stage.stage_index == first else f" ({_pct(stage.from_entry, language)})"
            row[str(stage.label)] = f"{_count(stage.reached, language)}{share}"
        rows.append(row)
    return pd.DataFrame(rows)


def funnel_takeaway(df: pd.DataFrame, language: str = "en") -> str:
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

    rows = label_stages(df, language).sort_values("stage_index").reset_index(drop=True)
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
        share=_pct(share, language),
        lost=_count(lost, language),
        reached=_count(before["reached"], language),
    )


def funnel_basis(df: pd.DataFrame, language: str = "en", *, period: str | None = None) -> str:
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
    everything = _is_all_data(period)
    if everything:
        text = nt("funnel.basis.all", entered, language, n=_count(entered, language))
    else:
        text = nt(
            "funnel.basis.period", entered, language, n=_count(entered, language), period=period
        )
    text += "." if channel == "all" else t("funnel.basis.channel", language, channel=channel) + "."
    if total is not None and int(total) > entered:
        labelled = label_stages(df, language)
        first = (
            labelled.sort_values("stage_index")["label"].iloc[0] if len(df) else "the first stage"
        )
        key = "funnel.basis.left_out_all" if everything else "funnel.basis.left_out_period"
        left_out = int(total) - entered
        why = nt(key, left_out, language, n=_count(left_out, language), first=first)
        why += "." if channel == "all" else t("funnel.basis.other_channel", language) + "."
        text += f" {why}"
    return text


def period_text(start: str | date | None, end: str | date | None) -> str | None:
    """The metrics' ``period`` from a report's ``period_start`` and ``period_end``, both days
    included (as the metrics read them).

    >>> period_text("2026-01-01", "2026-03-31")
    '2026-01-01..2026-03-31'
    >>> period_text(None, None) is None
    True
    """
    if not start and not end:
        return None
    first = date.fromisoformat(str(start)).isoformat() if start else ""
    last = date.fromisoformat(str(end)).isoformat() if end else ""
    return f"{first}..{last}"


# -- opening the data: one function for every engine ------------------------------------------

#: Engines a report can run on (the ``engine`` report parameter).
ENGINES = ("duckdb", "spark")
#: MIME type of the output in which a report kernel records the data's as-of time and load ids
#: for the page header (:func:`publish_provenance`); the HTML export drops it.
PROVENANCE_MIME = "application/vnd.cycleanalytics.provenance+json"


def spark_session(master: str | None = None) -> Any:
    """The Spark session a report runs on.

    - ``master`` None and no ``SPARK_REMOTE`` in the environment: a small local session
      (:func:`cycleanalytics.spark.local_session`, ``local[2]``);
    - ``local[N]``: a local session with N cores;
    - ``sc://host:15002``: Spark Connect; ``spark://...``, ``yarn``, ``k8s://...``: that
      cluster manager (settings such as executor memory come from ``spark-defaults.conf`` in
      ``SPARK_CONF_DIR``, or ``PYSPARK_SUBMIT_ARGS``, as for any pyspark program);
    - ``master`` None with ``SPARK_REMOTE`` set: pyspark's own default, a Spark Connect session
      to that address.

    The session runs in UTC (``spark.sql.session.timeZone``), as the metrics expect.
    """
    import os
    import re

    from cycleanalytics.spark import _pyspark, local_session

    local = re.fullmatch(r"local\[(\d+)\]", master or "")
    if local:
        return local_session(int(local[1]))
    if master is None and not os.environ.get("SPARK_REMOTE"):
        return local_session(2)
    builder = _pyspark().sql.SparkSession.builder.appName("cycleanalytics-report")
    if master is not None and master.startswith("sc://"):
        builder = builder.remote(master)
    elif master is not None:
        builder = builder.master(master)
    return builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()


def open_store(
    db: str | Path,
    engine: str = "duckdb",
    *,
    spark_master: str | None = None,
    publish: bool = True,
) -> Any:
    """Open what a report reads: the DuckDB database ``db`` (read only), or with
    ``engine="spark"`` the lake ``db`` on Spark (a :class:`cycleanalytics.spark.SparkStore`:
    a folder of Parquet or Delta tables, or, when no such folder exists, the name of a Spark
    catalog database). Every report notebook opens its data with this, so the metric calls
    are the same on both engines.

    In a report kernel (``publish``), the data's as-of time and load ids are recorded for the
    page header (:func:`publish_provenance`). Use it as a context manager.

    >>> from cycleanalytics.reports import sample_database
    >>> with open_store(sample_database(), publish=False) as store:
    ...     type(store).__name__
    'Store'
    """
    from cycleanalytics.errors import ParameterError, StoreError

    if engine not in ENGINES:
        raise ParameterError(f"engine {engine!r} is not available; choose one of: duckdb, spark")
    if engine == "duckdb":
        from cycleanalytics.store import Store

        store: Any = Store(db, read_only=True)
    else:
        from cycleanalytics.spark import SparkStore

        path = Path(str(db)).expanduser()
        if path.is_file():
            raise StoreError(
                f"engine 'spark' reads a lake folder or a catalog database, and {path} is a "
                "file; write the folder with Store.export_parquet(folder) (or run the report "
                "with engine='duckdb' on the database file)"
            )
        session = spark_session(spark_master)
        if path.is_dir():
            store = SparkStore(session, folder=path)
        else:
            store = SparkStore(session, database=str(db))
    if publish:
        publish_provenance(store)
    return store


def data_provenance(store: Any) -> dict[str, Any]:
    """The data's as-of time (latest timestamp, UTC, ISO text or None) and the ids of the
    loads it came from, through Ibis so that every engine answers: a DuckDB store lists its
    ``loads`` table, a lake (which has none) the load ids its tables carry.

    >>> from cycleanalytics.reports import sample_database
    >>> from cycleanalytics.store import Store
    >>> with Store(sample_database(), read_only=True) as store:
    ...     data_provenance(store)
    {'as_of': '2026-06-30T23:57:14+00:00', 'loads': [1, 2, 3]}
    """
    import ibis

    from cycleanalytics.errors import StoreError
    from cycleanalytics.store import Store, latest_time

    as_of = latest_time(store)
    if isinstance(store, Store):
        ids = store.table("loads").select("load_id").execute()["load_id"]
    else:
        parts = []
        for name in ("interactions", "complaints", "customers"):
            try:
                table = store.table(name)
            except StoreError:  # customers are optional
                continue
            parts.append(table.select(load_id=table.load_id.cast("int64")))
        ids = ibis.union(*parts, distinct=True).execute()["load_id"] if parts else []
    loads = sorted({int(i) for i in ids if i is not None and i == i})
    return {"as_of": None if as_of is None else as_of.isoformat(), "loads": loads}


#: MIME type of the output in which a report kernel records the figures it shows (the
#: headline numbers of :func:`publish_figures`); the HTML export drops it.
FIGURES_MIME = "application/vnd.cycleanalytics.figures+json"


def report_figures(**frames: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The headline figures a report shows, by name, each with its value, base, metric and
    scope (time and channel basis), from the frames it shows them from. Two reports showing a
    figure of the same name and scope must show the same value (tests/test_consistency.py).

    ``frames`` by role: ``kpis`` (:func:`executive_kpis`), ``satisfaction``, ``complaints``
    (any breakdown: counts are summed), ``resolution``, ``recovery``, ``funnel`` (no
    breakdown).

    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     figures = report_figures(satisfaction=ca.metrics.satisfaction(store, period="2026-06"))
    >>> figures["csat"]["n"], figures["csat"]["metric"], figures["csat"]["basis"]
    (212, 'satisfaction', 'event_time/event_channel')
    """
    from cycleanalytics.kpis import funnel_kpis
    from cycleanalytics.metrics import REGISTRY

    def basis(definition: dict[str, str]) -> str:
        return f"{definition['time_key']}/{definition['channel_key']}"

    def number(value: Any) -> float | None:
        return None if value is None or value != value else float(value)

    out: dict[str, dict[str, Any]] = {}

    def add(name: str, value: Any, n: Any, metric: str, definition: dict[str, str]) -> None:
        out[name] = {"value": number(value), "n": int(n), "metric": metric}
        out[name]["basis"] = basis(definition)

    kpis = frames.get("kpis")
    if kpis is not None:
        for _, row in kpis.iterrows():
            name = row["kpi"] if row["kpi"] != "dropoff" else f"dropoff:{row['stage']}"
            definition = REGISTRY[row["metric"]].definition()
            if row["kpi"] == "cases":
                definition = {**definition, "time_key": "case_start"}
            add(name, row["value"], row["n"], row["metric"], definition)
            if row["kpi"] == "complaints_per_1000" and row["value"] == row["value"]:
                add("complaints", row["hits"], row["hits"], row["metric"], definition)
    scores = frames.get("satisfaction")
    if scores is not None and len(scores):
        first, definition = scores.iloc[0], scores.attrs["definition"]
        add("csat", first["csat"], first["csat_n"], "satisfaction", definition)
        add("nps", first["nps"], first["nps_n"], "satisfaction", definition)
    raised = frames.get("complaints")
    if raised is not None and "complaints" not in raised.attrs.get("missing", {}):
        total = int(raised["complaints"].sum())
        add("complaints", total, total, "complaints", raised.attrs["definition"])
    waited = frames.get("resolution")
    if waited is not None and len(waited):
        first = waited.iloc[0]
        add("median_resolution_h", first["median_h"], first["complaints"], "resolution_time",
            waited.attrs["definition"])  # fmt: skip
    recovered = frames.get("recovery")
    if recovered is not None and len(recovered):
        first = recovered.iloc[0]
        add("recovery_success", first["success_rate"], first["success_judged"], "recovery",
            recovered.attrs["definition"])  # fmt: skip
    stages = frames.get("funnel")
    if stages is not None and len(stages):
        for _, row in funnel_kpis(stages).iterrows():
            add(f"dropoff:{row['stage']}", row["value"], row["n"], "funnel",
                stages.attrs["definition"])  # fmt: skip
    return out


def publish_figures(**frames: pd.DataFrame) -> None:
    """Record :func:`report_figures` as an output of the running report kernel (read back with
    :func:`read_figures`). Does nothing outside IPython."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is None:
        return
    display({FIGURES_MIME: report_figures(**frames)}, raw=True)


def read_figures(notebook: str | Path) -> dict[str, dict[str, Any]]:
    """The figures an executed report notebook recorded with :func:`publish_figures`."""
    import nbformat

    found: dict[str, dict[str, Any]] = {}
    for cell in nbformat.read(str(notebook), as_version=4).cells:
        for output in cell.get("outputs", []):
            found.update(output.get("data", {}).get(FIGURES_MIME, {}))
    return found


def publish_provenance(store: Any) -> None:
    """Record :func:`data_provenance` as an output of the running report kernel, for the
    driver's page header (which therefore states what the report itself read, on any engine).
    Does nothing outside IPython."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is None:
        return
    display({PROVENANCE_MIME: data_provenance(store)}, raw=True)


# -- report context: parameters resolved once ------------------------------------------------


@dataclass(frozen=True)
class ReportContext:
    """A report's resolved parameters: period and comparison period (whole days), filters,
    cycle model and language. Build it with :func:`report_context` from the parameters cell.

    Examples
    --------
    >>> ctx = report_context(period="2026-03", comparison="previous", language="ms")
    >>> ctx.metric_period, ctx.comparison_metric_period
    ('2026-03-01..2026-03-31', '2026-02-01..2026-02-28')
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

    def source(self, store: Store) -> Any:
        """What metrics read: the store, or the store narrowed to the chosen segment."""
        return outcome_source(store, self.segment)


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


def duration_text(hours: float, language: str = "en") -> str:
    """A duration as managers read it: in days (one decimal) above 48 hours, else in hours.

    >>> duration_text(172.4), duration_text(30.25, "id"), duration_text(50, "ms")
    ('7.2 days', '30,2 jam', '2.1 hari')
    """
    from cycleanalytics.i18n import fmt_number, nt, t

    if hours > 48:
        days = round(hours / 24, 1)
        return nt("unit.days", days, language, n=fmt_number(days, language, decimals=1))
    return t("unit.hours", language, n=fmt_number(hours, language, decimals=1))


#: How far (relative to the target) a KPI may miss its target and still be amber, not red.
AMBER_BAND = 0.05


@dataclass(frozen=True)
class Target:
    """A KPI's target (in the KPI's own unit: shares as fractions, resolution in hours) and the
    band, relative to the target, within which missing it is amber rather than red."""

    value: float
    amber: float = AMBER_BAND


def parse_targets(targets: Any) -> dict[str, Target]:
    """KPI targets from a ``[targets]`` table (or a report's ``targets`` parameter).

    Each key is a KPI (``csat``, ``nps``, ``complaints_per_1000``, ``median_resolution_h``,
    ``recovery_success``, ``loop_closure``, ``cost_per_case``); each value a number in the
    KPI's unit (``csat = 0.6`` is 60%), or a table ``{ target = 0.6, amber = 0.1 }`` whose
    ``amber`` is how far, relative to the target, a miss is amber instead of red (default 5%).
    Text ``"csat=0.6, cost_per_case=12"`` (or ``csat:0.6``; a CLI parameter) is read the
    same way.

    >>> parse_targets({"csat": 0.6, "cost_per_case": {"target": 12, "amber": 0.1}})
    {'csat': Target(value=0.6, amber=0.05), 'cost_per_case': Target(value=12.0, amber=0.1)}
    >>> parse_targets("nps=10")
    {'nps': Target(value=10.0, amber=0.05)}
    """
    from cycleanalytics.errors import ParameterError

    if targets is None or targets == "":
        return {}
    if isinstance(targets, str):
        pairs = {}
        for item in targets.split(","):
            key, sep, value = item.partition("=") if "=" in item else item.partition(":")
            if not sep:
                raise ParameterError(
                    f"target {item.strip()!r} must look like KPI=VALUE, e.g. csat=0.6"
                )
            pairs[key.strip()] = value.strip()
        targets = pairs
    if not isinstance(targets, dict):
        raise ParameterError(f"targets must be a table of KPI = value, not {targets!r}")
    from cycleanalytics.kpis import GOOD_DIRECTION  # whether a rise is good, per KPI

    known = sorted(k for k in GOOD_DIRECTION if k not in ("cases", "dropoff"))
    out = {}
    for key, given in targets.items():
        if key not in known:
            raise ParameterError(
                f"there is no KPI {key!r} to set a target for; KPIs with targets are: "
                f"{', '.join(known)}"
            )
        amber: Any = AMBER_BAND
        value: Any = given
        if isinstance(given, dict):
            extra = sorted(set(given) - {"target", "amber"})
            if "target" not in given or extra:
                raise ParameterError(
                    f"target {key!r} must be a number or {{ target = ..., amber = ... }}, "
                    f"not {given!r}"
                )
            value, amber = given["target"], given.get("amber", AMBER_BAND)
        try:
            number, band = float(value), float(amber)
        except (TypeError, ValueError):
            raise ParameterError(
                f"target {key!r} must be a number in the KPI's unit (shares as 0.6 for 60%), "
                f"not {value!r}"
            ) from None
        if number != number or band < 0 or band != band:
            raise ParameterError(f"target {key!r}: {value!r} (amber {amber!r}) is not usable")
        out[key] = Target(number, band)
    return out


def target_status(kpi: str, value: float, target: Target) -> str:
    """``green`` when the value meets the target (above it where up is good, below where up
    is bad), ``amber`` when it misses by at most the target's band, else ``red``.

    >>> target_status("csat", 0.61, Target(0.6)), target_status("csat", 0.58, Target(0.6))
    ('green', 'amber')
    >>> target_status("cost_per_case", 14.0, Target(12.0))
    'red'
    """
    from cycleanalytics.kpis import GOOD_DIRECTION

    good = GOOD_DIRECTION.get(kpi, 0) or 1
    miss = (target.value - value) * good  # > 0: on the wrong side of the target
    if miss <= 0:
        return "green"
    return "amber" if miss <= abs(target.value) * target.amber else "red"


def tile_value(value: float, unit: str, language: str = "en", currency: str | None = None) -> str:
    """A KPI value as its tile shows it: :func:`format_kpi`, durations in days above 48 hours
    and money with the currency when one is known.

    >>> tile_value(172.4, "hours"), tile_value(11.29, "money", currency="EUR")
    ('7.2 days', '€11.29')
    """
    if value != value:
        return "–"
    if unit == "hours":
        return duration_text(value, language)
    if unit == "money" and currency:
        return money_text(value, currency, language)
    return format_kpi(value, unit, language)


def money_text(value: float, currency: str, language: str = "en") -> str:
    """Money with its currency, as the language writes it (Babel's currency patterns; see
    :func:`cycleanalytics.i18n.fmt_money`).

    >>> money_text(11.29, "EUR", "en")
    '€11.29'
    """
    from cycleanalytics.i18n import fmt_money

    return fmt_money(value, currency, language)


def _tile_change(row: Any, language: str) -> tuple[str, str, str]:
    """(arrow, judgement, text) of a tile's change: ▲ or ▼ (– when unchanged), good, bad or
    neutral by the KPI's direction, and the change against the comparison period."""
    from cycleanalytics.i18n import fmt_number, nt, t

    previous = row.get("previous")
    if previous is None or previous != previous or row["change"] != row["change"]:
        return "", "neutral", t("tile.no_comparison", language)
    unit, change = str(row["unit"]), float(row["change"])
    if unit == "hours":
        before = duration_text(previous, language)
        if max(abs(float(row["value"])), abs(float(previous))) > 48:
            days = round(abs(change) / 24, 1)
            amount = nt("unit.days", days, language, n=fmt_number(days, language, decimals=1))
        else:
            amount = t("unit.hours", language, n=fmt_number(abs(change), language, decimals=1))
        flat = round(abs(change), 1) == 0
    else:
        before = format_kpi(previous, unit, language)
        shown = format_change(change, unit, language)
        amount, flat = shown.lstrip("+-±"), shown.startswith("±")
    vs = t("tile.vs", language, value=before)
    if flat:
        return "–", "neutral", f"±{amount} {vs}"
    direction = 1 if change > 0 else -1
    from cycleanalytics.kpis import GOOD_DIRECTION

    good = GOOD_DIRECTION.get(str(row["kpi"]), 0)
    judgement = "neutral" if good == 0 else ("good" if direction == good else "bad")
    return (
        ("▲" if direction > 0 else "▼"),
        judgement,
        f"{'+' if direction > 0 else '-'}{amount} {vs}",
    )


def _tile_label(row: Any, language: str) -> str:
    from cycleanalytics.i18n import t

    if row["kpi"] == "median_resolution_h":
        return t("tile.median_resolution_h", language)
    return _kpi_label(row, language)


def kpi_tiles_html(
    table: pd.DataFrame,
    language: str = "en",
    *,
    targets: Any = None,
    currency: str | None = None,
) -> str:
    """KPI tiles as HTML: label, value, a ▲/▼ arrow coloured by whether that direction is good
    for the KPI (CSAT up is good, complaints up are bad), the change against the comparison
    period, a significance marker (only where a test was made and found p < 0.05) and, with
    ``targets`` (:func:`parse_targets`), the target and a red, amber or green mark. Durations
    are in days above 48 hours; money carries ``currency`` when given. Text is escaped; each
    tile carries ``data-kpi``, ``data-stage``, ``data-direction`` (up, down, flat, none),
    ``data-judgement`` (good, bad, neutral) and ``data-status`` (the target's colour) for tests.
    """
    import pandas as pd

    from cycleanalytics.i18n import fmt_number, t

    goals = parse_targets(targets)
    tiles = []
    missing = table.attrs.get("missing", {})
    for _, row in table.iterrows():
        if row["kpi"] in missing or (row["value"] != row["value"] and int(row["n"]) == 0):
            continue  # not measured in this data: the sentences say so, a tile would show "–"
        kpi = str(row["kpi"])
        value = tile_value(row["value"], row["unit"], language, currency)
        arrow, judgement, change = _tile_change(row, language)
        direction = {"▲": "up", "▼": "down", "–": "flat"}.get(arrow, "none")
        marker = ""
        significant = row.get("significant")
        if significant is not None and not pd.isna(significant) and bool(significant):
            sign = html.escape(t("tile.significant", language))
            marker = f'<span class="ca-significant">● {sign}</span>'
        base = t("tile.n", language, n=fmt_number(row["n"], language))
        stage = "" if row["stage"] is None or row["stage"] != row["stage"] else str(row["stage"])
        status, goal = "", ""
        target = goals.get(kpi)
        if target is not None and row["value"] == row["value"]:
            status = target_status(kpi, float(row["value"]), target)
            goal_value = tile_value(target.value, row["unit"], language, currency)
            goal = (
                f'<div class="ca-tile-target ca-{status}">'
                f'<span class="ca-dot" aria-hidden="true"></span> '
                f"{html.escape(t('tile.target', language, value=goal_value))} · "
                f"{html.escape(t(f'tile.status.{status}', language))}</div>"
            )
        arrow_html = (
            f'<span class="ca-arrow ca-{judgement}" aria-hidden="true">{arrow}</span> '
            if arrow
            else ""
        )
        tiles.append(
            f'<div class="ca-tile{" ca-status-" + status if status else ""}" '
            f'data-kpi="{html.escape(kpi, quote=True)}" '
            f'data-stage="{html.escape(stage, quote=True)}" data-direction="{direction}" '
            f'data-judgement="{judgement}" data-status="{status}">'
            f'<div class="ca-tile-label">{html.escape(_tile_label(row, language))}</div>'
            f'<div class="ca-tile-value">{html.escape(value)}</div>'
            f'<div class="ca-tile-change ca-{judgement}">{arrow_html}{html.escape(change)}</div>'
            f'{goal}{marker}<div class="ca-tile-n">{html.escape(base)}</div></div>'
        )
    return f'<div class="ca-tiles">{"".join(tiles)}</div>'


def show_kpi_tiles(
    table: pd.DataFrame,
    language: str = "en",
    *,
    targets: Any = None,
    currency: str | None = None,
) -> None:
    """Show :func:`kpi_tiles_html` in a report."""
    from IPython.display import HTML, display

    display(HTML(kpi_tiles_html(table, language, targets=targets, currency=currency)))


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

    from cycleanalytics.i18n import fmt_number, fmt_share, nt, stage_label, t

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
    for kpi in table.attrs.get("missing", {}):  # what this data cannot measure, said once
        row = rows.get((kpi, None))
        if row is not None:
            said.append(t("say.not_measured", language, kpi=_kpi_label(row, language)))
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


def entry_note(funnel: pd.DataFrame, language: str = "en") -> str | None:
    """The funnel's entry note in ``language``, when the data never records the model's
    first stage(s) (``attrs["unrecorded_stages"]``), else None.

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
        unrecorded=", ".join(stage_label(s, language) for s in unrecorded),
        entry=stage_label(funnel.attrs["entry_stage"], language),
    )


def standout_sentences(found: pd.DataFrame, language: str = "en") -> list[str]:
    """One sentence per group finding of :func:`cycleanalytics.insights.what_stands_out`
    (changes of the KPIs are said by :func:`kpi_sentences`).

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
                stage=stage_label(stage, language) if isinstance(stage, str) else "",
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

    def one(period: str | None) -> pd.DataFrame:
        return kpi_table(
            store, period=period, channel=ctx.channel, segment=ctx.segment, model=ctx.model
        )

    now = one(ctx.metric_period)
    before = one(ctx.comparison_metric_period) if ctx.comparison else None
    table = compare_kpis(now, before)
    table.attrs.update(now.attrs, period=ctx.period_label)
    return table


# -- shared wording for the researcher and outcome reports --------------------------------------


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
    ("coverage", "coverage", "events_mapped", "events"),
    ("conforming", "conforming_share", "conforming_cases", "cases"),
    ("skipped", "skipped_share", "skipped_cases", "cases"),
    ("backward", "backward_share", "backward_cases", "cases"),
    ("repeats", "repeats_share", "repeats_cases", "cases"),
)


def conformance_table(df: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The one-row :func:`~cycleanalytics.metrics.conformance` table as a plain table:
    measure, share with its 95% interval, and the count behind it ("n of N"); then the
    recoveries without a dissatisfied answer and the two fitness values."""
    import pandas as pd

    from cycleanalytics.i18n import localize_number, t

    def n_of(n: Any, total: Any) -> str:
        return t("word.n_of", language, n=_count(n, language), total=_count(total, language))

    row = df.iloc[0]
    rows = [
        (
            t(f"conf.row.{key}", language),
            share_text(row[share], row[f"{share}_lo"], row[f"{share}_hi"], language),
            n_of(row[hits], row[base]),
        )
        for key, share, hits, base in _CONFORMANCE_ROWS
    ]
    rows.append(
        (
            t("conf.row.recovery", language),
            share_text(row["recovery_without_dissatisfaction_share"], language=language),
            n_of(row["recovery_without_dissatisfaction"], row["recovery_cases"]),
        )
    )
    rows.append(
        (
            t("conf.row.transition_fitness", language),
            localize_number(f"{row['transition_fitness']:.3f}", language),
            n_of(row["transitions_allowed"], row["transitions"]),
        )
    )
    rows.append(
        (
            t("conf.row.token_fitness", language),
            localize_number(f"{row['token_fitness']:.3f}", language),
            "–",
        )
    )
    columns = [t(f"conf.col.{c}", language) for c in ("measure", "value", "count")]
    return pd.DataFrame(rows, columns=columns)


def conformance_takeaway(df: pd.DataFrame, language: str = "en") -> str:
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
    from cycleanalytics.i18n import t

    row = df.iloc[0]
    cases = int(row["cases"])
    if cases == 0:
        return t("conf.say.empty", language)
    text = t(
        "conf.say.conforming",
        language,
        n=_count(row["conforming_cases"], language),
        cases=_count(cases, language),
        share=_pct(row["conforming_share"], language),
    )
    deviations = {
        "skipped": row["skipped_share"],
        "backward": row["backward_share"],
        "repeats": row["repeats_share"],
        "late_start": row.get("late_start_share", 0),
    }
    name, share = max(deviations.items(), key=lambda kv: kv[1])
    if share > 0:
        text += t(
            "conf.say.deviation",
            language,
            name=t(f"conf.say.{name}", language),
            share=_pct(share, language),
        )
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

    from cycleanalytics.i18n import localize_number, stage_label, t

    part = df.head(top)
    return pd.DataFrame(
        {
            t("conf.col.path", language): [
                " → ".join(stage_label(s, language) for s in str(v).split(" > "))
                for v in part["variant"]
            ],
            t("conf.col.journeys", language): [_count(n, language) for n in part["cases"]],
            t("conf.col.share", language): [
                share_text(s, lo, hi, language)
                for s, lo, hi in zip(part["share"], part["share_lo"], part["share_hi"], strict=True)
            ],
            t("conf.col.allowed", language): [
                t("word.yes" if c else "word.no", language) for c in part["conforming"]
            ],
            t("conf.col.fitness", language): [
                localize_number(f"{f:.2f}", language) for f in part["fitness"]
            ],
        }
    )


def rule_text(rule: str, description: str, language: str = "en") -> str:
    """A conformance rule in words: its description (English), or its kind and stages named
    in ``language``.

    >>> rule_text("precedence(pre_interaction, follow_up)", "every follow_up is preceded ...", "id")
    'Setiap Tindak lanjut didahului oleh Pra-interaksi'
    """
    import re

    from cycleanalytics.i18n import TEXTS, check_language, stage_label, t

    if check_language(language) == "en":
        return str(description).capitalize()
    match = re.fullmatch(r"(\w+)\((.*)\)", str(rule).strip())
    if not match or f"conf.rule.{match[1]}" not in TEXTS:
        return str(description).capitalize()
    args = [a.strip() for a in match[2].split(",") if a.strip()]
    names = dict(zip("ab", (stage_label(a, language) for a in args), strict=False))
    try:
        return (
            t(f"conf.rule.{match[1]}", language, **names)
            if names
            else t(f"conf.rule.{match[1]}", language)
        )
    except (KeyError, IndexError):
        return str(description).capitalize()


def with_path_labels(df: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """A copy of a :func:`~cycleanalytics.metrics.variants` table whose paths name their
    stages in ``language`` (for its chart); English keeps the table as it is.

    >>> import pandas as pd
    >>> with_path_labels(pd.DataFrame({"variant": ["pre_interaction > follow_up"]}), "ms")[
    ...     "variant"].tolist()
    ['Pra-interaksi → Susulan']
    """
    from cycleanalytics.i18n import check_language, stage_label

    out = df.copy()
    if check_language(language) != "en":
        out["variant"] = [
            " → ".join(stage_label(s, language) for s in str(v).split(" > "))
            for v in out["variant"]
        ]
    return out


def with_rule_texts(df: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """A copy of a :func:`~cycleanalytics.metrics.conformance_rules` table whose
    ``description`` is the rule in ``language`` (:func:`rule_text`), for its chart."""
    from cycleanalytics.i18n import check_language

    out = df.copy()
    if check_language(language) != "en" and "rule" in out:
        out["description"] = [
            rule_text(r, d, language) for r, d in zip(out["rule"], out["description"], strict=True)
        ]
    return out


def rules_table(df: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """A :func:`~cycleanalytics.metrics.conformance_rules` table in words: rule, journeys
    passing ("n of N") and share passing (95% interval)."""
    import pandas as pd

    from cycleanalytics.i18n import t

    rules = df["rule"] if "rule" in df else df["description"]
    return pd.DataFrame(
        {
            t("conf.col.rule", language): [
                rule_text(r, d, language) for r, d in zip(rules, df["description"], strict=True)
            ],
            t("conf.col.passing", language): [
                t("word.n_of", language, n=_count(p, language), total=_count(n, language))
                for p, n in zip(df["passing"], df["cases"], strict=True)
            ],
            t("conf.col.share_passing", language): [
                share_text(s, lo, hi, language)
                for s, lo, hi in zip(df["share"], df["share_lo"], df["share_hi"], strict=True)
            ],
        }
    )


# -- satisfaction -------------------------------------------------------------------------------


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
                _column(by, language): group_text(r[by], language) + few,
                t("sat.col.responses", language): _count(r["responses"], language),
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
        csat=_pct(r["csat"], language),
        n=_count(r["csat_n"], language),
        lo=_pct(r["csat_lo"], language),
        hi=_pct(r["csat_hi"], language),
    )
    if r["nps"] == r["nps"]:
        text += t("sat.say.nps", language, nps=fmt_number(r["nps"], language, decimals=1))
    share = int(r["responses"]) / int(r["interactions"]) if int(r["interactions"]) else 0.0
    text += t(
        "sat.say.responses",
        language,
        responses=_count(r["responses"], language),
        contacts=_count(r["interactions"], language),
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
        return f"{fmt_share(v, language)} ({_count(n, language)})"

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


# -- complaints ---------------------------------------------------------------------------------


def complaints_table(df: pd.DataFrame, by: str = "category", language: str = "en") -> pd.DataFrame:
    """A :func:`~cycleanalytics.metrics.complaints` table by ``by`` in words: complaints, per
    1,000 cases, cumulative share (Pareto), median first response in hours, reopen and
    recurrence rates with their 95% intervals. Never any complaint text."""
    import pandas as pd

    from cycleanalytics.i18n import t

    group = t("col.area", language) if by == "category" else _column(by, language)
    rows = []
    for r in df.to_dict("records"):
        rows.append(
            {
                group: group_text(r[by], language),
                t("compl.col.complaints", language): _count(r["complaints"], language),
                t("compl.col.per_1000", language): number_text(
                    r["rate_per_1000_cases"], language=language
                ),
                t("compl.col.cumulative", language): _pct(r["cumulative_share"], language),
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
        k=_count(len(names), language),
        n=_count(len(ordered), language),
        groups=word,
        names=", ".join(names),
        share=_pct(running / total, language),
        total=_count(total, language),
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
    """
    from cycleanalytics.i18n import fmt_number, nt, t

    r = df.iloc[0]
    n = int(r["complaints"])
    if n == 0:
        return t("compl.say.none", language)
    if r["median_h"] != r["median_h"]:
        text = nt("compl.say.unresolved", n, language, n=_count(n, language))
    else:
        text = t(
            "compl.say.half",
            language,
            n=_count(n, language),
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
            "compl.say.open", int(r["censored"]), language, n=_count(r["censored"], language)
        )
    return text


# -- recovery -----------------------------------------------------------------------------------


def recovery_table(df: pd.DataFrame, by: str, language: str = "en") -> pd.DataFrame:
    """A :func:`~cycleanalytics.metrics.recovery` table by ``by`` in words: dissatisfied
    cases, recovery rate, success and retention, each "share (95% interval), n"."""
    import pandas as pd

    from cycleanalytics.i18n import t

    label = {"recovery_action": t("col.action", language), "category": t("col.area", language)}
    header = label.get(by, _column(by, language))
    rows = []
    for r in df.to_dict("records"):
        group = r[by]
        missing = group_text(group) == "not recorded" or group == "no recovery step"
        rows.append(
            {
                header: t("rec.no_step", language)
                if by == "recovery_action" and missing
                else group_text(group, language),
                t("rec.col.dissatisfied", language): _count(r["dissatisfied"], language),
                t("rec.col.recovered", language): share_text(
                    r["recovery_rate"], r["recovery_rate_lo"], r["recovery_rate_hi"], language
                ),
                t("rec.col.succeeded", language): share_text(
                    r["success_rate"], r["success_rate_lo"], r["success_rate_hi"], language
                )
                + t("word.of_n", language, n=_count(r["success_judged"], language)),
                t("rec.col.stayed", language): share_text(
                    r["retention_rate"], r["retention_rate_lo"], r["retention_rate_hi"], language
                )
                + t("word.of_n", language, n=_count(r["retention_judged"], language)),
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
        n=_count(r["dissatisfied"], language),
        k=_count(r["recovered"], language),
        share=_pct(r["recovery_rate"], language),
    )
    if int(r["success_judged"]):
        text += nt(
            "rec.say.succeeded",
            int(r["success_judged"]),
            language,
            k=_count(r["successes"], language),
            n=_count(r["success_judged"], language),
            share=_pct(r["success_rate"], language),
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
        return share + t("word.of_n", language, n=_count(n, language))

    return pd.DataFrame(
        {
            t("rec.col.group", language): [group(g) for g in df["group"]],
            t("rec.col.cases", language): [_count(n, language) for n in df["cases"]],
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
    sizes = t("rec.verdict.sizes", language, n1=_count(n1, language), n0=_count(n0, language))
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
        n1=_count(tz["n_2"], language),
        n0=_count(tz["n_1"], language),
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


def outcome_source(store: Store, segment: str | None) -> Any:
    """What the metrics read for a report: the store, or the store narrowed to one customer
    segment (the metrics' own ``segment`` filter,
    :func:`cycleanalytics.metrics._sources.segment_source`)."""
    from cycleanalytics.metrics._sources import segment_source

    return segment_source(store, segment)


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


def show_kpi_basis(table: pd.DataFrame, language: str = "en") -> None:
    """Show :func:`kpi_basis_lines` folded under "How the tiles are counted" (escaped)."""
    from IPython.display import HTML, display

    from cycleanalytics.i18n import t

    items = "".join(f"<li>{html.escape(line)}</li>" for line in kpi_basis_lines(table, language))
    summary = html.escape(t("counted.kpis", language))
    display(
        HTML(f'<details class="ca-basis"><summary>{summary}</summary><ul>{items}</ul></details>')
    )


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
                else _kpi_label(row, language),
                population=t(f"counted.population.{counts}", language),
                time=t(f"counted.time.{time}", language),
            )
        )
    return lines


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
    if _is_all_data(period):
        text = t("basis.all", language, n=_count(n, language), what=what)
    else:
        text = t("basis.period", language, n=_count(n, language), what=what, period=period)
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
