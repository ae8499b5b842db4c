"""Kernel set-up and display: offline plotly, the report stylesheet, text, tables and figures in
the report's language.
"""

from __future__ import annotations

import functools
import html
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


RENDERER_NAME = "cycleanalytics"


#: The trace types of the package's report bundle of plotly.js (``assets/``, built by
#: ``tools/plotly-bundle``: plotly.js's cartesian partial bundle and sankey; scatter is in
#: its core). A figure with another type brings plotly's full bundle onto its page.
REPORT_TRACES = frozenset(
    {
        "bar",
        "box",
        "contour",
        "heatmap",
        "histogram",
        "histogram2d",
        "histogram2dcontour",
        "pie",
        "sankey",
        "scatter",
        "scatterternary",
        "violin",
    }
)


def plotly_bundle() -> tuple[str, str]:
    """plotly.js for report pages, and its header line (what finds it in a page).

    The package's report bundle (1.7 MB, against 4.8 MB for plotly's full bundle: a page
    opens and draws three to four times faster) when it was built from the plotly.js that the
    installed plotly writes figures for; otherwise plotly's full bundle, so that a newer plotly
    never meets an older plotly.js (the pages are only heavier until the bundle is rebuilt).
    """
    bundle = _report_bundle() or _full_bundle()
    return bundle, bundle.split("\n", 2)[1] + "\n"


def plotly_bundle_name() -> str:
    """The file name of :func:`plotly_bundle` in a report folder's ``assets``, with plotly.js's
    version in it (a page written by an older plotly keeps its own file when a newer one is
    written beside it); the report bundle is ``plotly-<version>-report.min.js``.

    >>> plotly_bundle_name().startswith("plotly-") and plotly_bundle_name().endswith(".min.js")
    True
    """
    import plotly.offline

    version = plotly.offline.get_plotlyjs_version()
    return f"plotly-{version}-report.min.js" if _report_bundle() else f"plotly-{version}.min.js"


@functools.cache
def _report_bundle() -> str | None:
    """The package's report bundle for the installed plotly's plotly.js version, or None."""
    import plotly.offline

    from cycleanalytics._resources import bundled

    version = plotly.offline.get_plotlyjs_version()
    try:
        path = bundled("assets") / f"plotly-{version}-report.min.js"
    except FileNotFoundError:
        return None
    return path.read_text(encoding="utf-8") if path.is_file() else None


@functools.cache
def _full_bundle() -> str:
    import plotly.offline

    return plotly.offline.get_plotlyjs()


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
.ca-tile-spark { margin: 0.2em 0; line-height: 0; }
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
#: Long axis and chart titles wrap at word boundaries instead of running off the chart.
_NARROW_SCRIPT = """
function caWrap(text, width) {
  if (typeof text !== "string" || text.length <= width || text.indexOf("<br>") >= 0) {
    return null;
  }
  var lines = [""];
  text.split(" ").forEach(function (word) {
    var line = lines[lines.length - 1];
    if (line && (line + " " + word).length > width) { lines.push(word); }
    else { lines[lines.length - 1] = line ? line + " " + word : word; }
  });
  return lines.join("<br>");
}
function caCategories(chart, letter) {  // the text categories of a chart's bars on an axis
  var seen = [];
  (chart.data || []).forEach(function (trace) {
    if (trace.type !== "bar" || (trace.xaxis || "x") !== "x" || (trace.yaxis || "y") !== "y") {
      return;
    }
    var along = trace.orientation === "h" ? "y" : "x";
    if (along !== letter || !trace[letter]) { return; }
    Array.prototype.forEach.call(trace[letter], function (value) {
      if (typeof value === "string" && seen.indexOf(value) < 0) { seen.push(value); }
    });
  });
  return seen;
}
window.addEventListener("load", function () {
  if (window.innerWidth > 640 || !window.Plotly) { return; }
  document.querySelectorAll(".js-plotly-plot").forEach(function (chart) {
    if (!chart.layout) { return; }
    var update = {}, extra = 0;  // extra: lines the x axis title gained
    Object.keys(chart.layout).forEach(function (key) {
      var title = /^[xy]axis[0-9]*$/.test(key) && chart.layout[key].title;
      var wrapped = title && caWrap(title.text, 32);
      if (wrapped) {
        update[key + ".title.text"] = wrapped;
        if (key.charAt(0) === "x") { extra = Math.max(extra, wrapped.split("<br>").length - 1); }
      }
    });
    var size = chart._fullLayout ? chart._fullLayout._size : {w: 300, t: 40, b: 40};
    ["x", "y"].forEach(function (letter) {  // long bar categories wrap too (rules, areas)
      var categories = caCategories(chart, letter);
      // a row label gets 20 characters; a column label what its column's width holds
      var width = letter === "y" ? 20 : Math.max(6, Math.floor(size.w / categories.length / 7));
      var longest = Math.max.apply(null, categories.map(function (c) { return c.length; }));
      if (!categories.length || longest <= width) { return; }
      var text = categories.map(function (c) { return caWrap(c, width) || c; });
      update[letter + "axis.tickmode"] = "array";
      update[letter + "axis.tickvals"] = categories;
      update[letter + "axis.ticktext"] = text;
      if (letter === "x") { update["xaxis.tickangle"] = 0; return; }
      var lines = Math.max.apply(null, text.map(function (t) { return t.split("<br>").length; }));
      var needed = categories.length * (lines * 15 + 10) + size.t + size.b;
      if (chart._fullLayout && needed > chart._fullLayout.height) { update.height = needed; }
    });
    var heading = chart.layout.title && caWrap(chart.layout.title.text, 36);
    if (heading) { update["title.text"] = heading; }
    if (chart.layout.showlegend !== false) {  // below the chart, under the axis title
      var plotHeight = (update.height || (chart._fullLayout || {}).height || 450) - size.t - size.b;
      Object.assign(update, {"legend.orientation": "h", "legend.x": 0, "legend.xanchor": "left",
        "legend.y": -(75 + 30 * extra) / Math.max(plotHeight, 100), "legend.yanchor": "top"});
      if (extra && chart._fullLayout) {
        update["margin.b"] = chart._fullLayout.margin.b + 30 * extra;
      }
    }
    if (update.height && chart.parentElement) {  // the page makes room for a taller chart
      chart.parentElement.style.height = update.height + "px";
    }
    if (Object.keys(update).length) { Plotly.relayout(chart, update); }
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
    global _setup_done, _full_bundle_shown
    if _setup_done:
        return
    _full_bundle_shown = False  # a new page
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
            fragment = _full_bundle_if_needed(fig_dict) + pio.to_html(
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


_full_bundle_shown = False


def _full_bundle_if_needed(fig_dict: dict) -> str:
    """plotly's full bundle, inline and once per kernel, before the first figure whose trace
    types the page's report bundle lacks (an analyst's map, say); else nothing."""
    global _full_bundle_shown
    types = {trace.get("type") or "scatter" for trace in fig_dict.get("data", [])}
    if _full_bundle_shown or types <= REPORT_TRACES or _report_bundle() is None:
        return ""
    _full_bundle_shown = True
    return f'<script type="text/javascript">{_full_bundle()}</script>'


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


#: The label of the bar or row that gathers the rest of a top N (``plots.top_groups``,
#: ``variants(top=N, other=True)``, the Pareto chart's areas).
_OTHER = re.compile(r"other \((?P<n>[\d,]+) (?P<what>variants|areas|groups)\)")


def localize_figure(fig: Any, language: str = "en") -> Any:
    """``fig`` with its English labels in ``language``: axis and legend titles, colour-bar
    titles, trace names and category labels (stage names, complaint areas, recovery actions,
    the metrics' own words; see :func:`cycleanalytics.i18n.chart_text`), hover text
    (:func:`~cycleanalytics.i18n.hover_text`) and, in Indonesian, numbers written with a
    decimal comma. In English only identifiers change (``complaint_handling`` becomes
    "complaint handling", ``follow_up`` "Follow-up").

    >>> import plotly.graph_objects as go
    >>> fig = go.Figure(go.Bar(x=["product", "image"], y=[3, 1], name="complaints"))
    >>> fig = localize_figure(fig.update_yaxes(title="complaints"), "ms")
    >>> list(fig.data[0].x), fig.data[0].name, fig.layout.yaxis.title.text
    (['produk', 'imej'], 'aduan', 'aduan')
    >>> list(localize_figure(go.Figure(go.Bar(y=["other (1,202 variants)"])), "id").data[0].y)
    ['1.202 jalur lainnya']
    """
    from cycleanalytics.i18n import (
        chart_text,
        check_language,
        fmt_number,
        hover_text,
        localize_number,
        move_text,
        nt,
    )
    from cycleanalytics.plots import localize_periods, map_labels

    check_language(language)  # English too: identifiers in the data get display names

    def swap(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        other = _OTHER.fullmatch(value)  # "other (202 variants)": the rest of a top N
        if other:
            n = int(other["n"].replace(",", ""))
            return nt(f"chart.other_{other['what']}", n, language, n=fmt_number(n, language))
        return chart_text(value, language)

    def swap_all(values: Any) -> Any:
        return map_labels(values, swap)

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
    for note in fig.layout.annotations or ():  # small multiples' panel titles: group names
        if isinstance(note.text, str):
            note.text = swap(note.text)
    localize_periods(fig, language)  # "Aug 2026" -> "Agu 2026", "(to date)" -> "(sejauh ini)"
    separators = plotly_separators(language)
    if separators != ".,":  # plotly's own number formats, e.g. Indonesian 1.234,5 and 62,1%
        fig.layout.separators = separators
    return fig


def plotly_separators(language: str = "en") -> str:
    """Plotly's ``layout.separators`` for ``language``: its decimal then group symbol, from
    Babel's locale data.

    >>> plotly_separators("en"), plotly_separators("id"), plotly_separators("ms")
    ('.,', ',.', '.,')
    """
    from babel.numbers import get_decimal_symbol, get_group_symbol

    from cycleanalytics.i18n import check_language

    return get_decimal_symbol(check_language(language)) + get_group_symbol(language)


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
