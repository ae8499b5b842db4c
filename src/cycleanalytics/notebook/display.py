"""Kernel set-up and display: offline plotly, the report stylesheet, text, tables and figures in
the report's language. The markup (and the stylesheet) is in ``templates/fragments``, rendered
autoescaped by :func:`cycleanalytics.templating.fragment`.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from cycleanalytics.templating import fragment

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
    from markupsafe import Markup
    from plotly.io._base_renderers import MimetypeRenderer

    from cycleanalytics.plots import escape_figure_dict

    class ReportRenderer(MimetypeRenderer):
        """Charts as HTML fragments; plotly.js is on the page once, from setup_notebook. Every
        string of every figure shown is escaped first, however the figure was made."""

        def to_mimebundle(self, fig_dict: dict) -> dict[str, str]:
            chart = _full_bundle_if_needed(fig_dict) + pio.to_html(
                escape_figure_dict(fig_dict),
                full_html=False,
                include_plotlyjs=False,
                include_mathjax=False,
                config={"displaylogo": False, "responsive": True},
                validate=False,
            )
            return {"text/html": chart}

    warnings.filterwarnings("ignore")
    pio.renderers[RENDERER_NAME] = ReportRenderer()
    pio.renderers.default = RENDERER_NAME
    pd.set_option("display.max_rows", 100)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)
    pd.set_option("display.precision", 2)
    bundle, _ = plotly_bundle()
    display(HTML(fragment("setup", plotly=Markup(bundle))))  # plotly.js: code, not text
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

    display(HTML(fragment("text", kind=kind, text=text)))


def show_heading(text: str, level: int = 2) -> None:
    """Show a heading (level 1-3) in a report, HTML-escaped; for headings in the report's
    language, which markdown cells cannot switch."""
    from IPython.display import HTML, display

    display(HTML(fragment("heading", level=level, text=text)))


def show_list(items: list[str]) -> None:
    """Show sentences as a bulleted list, HTML-escaped."""
    from IPython.display import HTML, display

    display(HTML(fragment("list", items=items)))


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

    display(HTML(fragment("sql", sql=sql)))


def show_table(df: pd.DataFrame) -> None:
    """Show a table in a report: no index, numbers right-aligned, text escaped; nothing for a
    table without rows (the section's sentence says why)."""
    from IPython.display import HTML, display

    if df.empty:
        return

    kinds = ["num" if _numeric_column(df[c]) else "text" for c in df.columns]  # once a column
    columns = list(zip(kinds, map(str, df.columns), strict=True))
    rows = [[str(v) for v in values] for values in df.itertuples(index=False)]
    display(HTML(fragment("table", columns=columns, rows=rows)))


def _numeric_column(column: pd.Series) -> bool:
    values = column.astype(str)
    return bool(values.str.fullmatch(r"[-\d,.]+%?( \(.*\))?|–").all())
