"""What every figure shares: the palette, the look, and the check of its input.

Each metric module has its figure beside it (``plot_<metric>(df, *, fig=None) -> go.Figure``).
Figures take the metric's tidy DataFrame as it comes, so an analyst can filter or reorder it
first. They use no LaTeX and no map tiles, so reports render offline.

plotly renders a subset of HTML in every text it draws (``<b>``, ``<br>``, ``<a href>``,
``<span style>``), so a channel named ``<a href="https://evil.example">`` would become a live
link, and a ``style`` with ``url(...)`` a network fetch. :func:`escape_figure` writes ``<``,
``>`` and ``&`` in every string of a figure as entities (plotly shows them as the characters),
except in the templates (``hovertemplate``, ``texttemplate``): they are ours, and keep their
``<br>`` and ``<b>``; values reach them through ``%{...}`` from the escaped data. Every
``plot_*`` function escapes its figure (:func:`finish_layout`), and reports escape every figure
again as it is shown: escaping is idempotent.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycleanalytics.errors import MetricError

PALETTE = ("#1f5f8b", "#e07b39", "#3a9d5d", "#b8475a", "#7b62a3", "#8c8c8c", "#c9a227")


def require_columns(df: pd.DataFrame, columns: tuple[str, ...], plot: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise MetricError(
            f"{plot} needs the columns {missing}, which this table lacks; pass the DataFrame "
            "returned by the metric"
        )


def breakdown_columns(df: pd.DataFrame, first_metric_column: str) -> list[str]:
    """The breakdown columns of a tidy metric table: those before its first metric column."""
    return list(df.columns[: list(df.columns).index(first_metric_column)])


def group_labels(df: pd.DataFrame, by: list[str], *, default: str = "all") -> pd.Series:
    """One label per row naming its breakdown group ("web / enterprise"); a missing value is
    shown as "(none)", and a table without breakdown gets ``default`` on every row."""
    if not by:
        return pd.Series([default] * len(df), index=df.index)
    return df[by].astype(object).fillna("(none)").astype(str).agg(" / ".join, axis=1)


def finish_layout(fig: go.Figure, *, title: str | None, **layout: object) -> go.Figure:
    """The house style: white template, tight margins, optional title; then every string of
    the figure is escaped (:func:`escape_figure`), so data never renders as markup."""
    fig.update_layout(
        title=title,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 40},
        **layout,
    )
    return escape_figure(fig)


# -- data is text, never markup ------------------------------------------------------------------

#: ``&`` that does not already start an entity plotly decodes (so escaping twice is escaping once)
_BARE_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt|quot|#[0-9]+|#x[0-9a-fA-F]+);)")


def escape_text(text: str) -> str:
    """``text`` with ``<``, ``>`` and ``&`` written as entities, for plotly to show as text.

    Idempotent: an ``&`` that already starts ``&amp;``, ``&lt;``, ``&gt;``, ``&quot;`` or a
    numeric entity is kept (plotly shows the character it names, as text).

    >>> escape_text('<a href="https://evil.example">R&D</a>')
    '&lt;a href="https://evil.example"&gt;R&amp;D&lt;/a&gt;'
    >>> escape_text(escape_text("<b>")) == escape_text("<b>")
    True
    """
    if "<" not in text and ">" not in text and "&" not in text:
        return text
    return _BARE_AMPERSAND.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def _is_template(key: str) -> bool:
    """Our own strings with markup: trace templates, and the layout's theme (``template``)."""
    return key.endswith("template") or key.endswith("templatefallback")


def _escaped(value: Any) -> Any:
    """``value`` (a figure's property tree) with every string escaped, or the same object when
    nothing in it changes."""
    if isinstance(value, str):
        return escape_text(value)
    if isinstance(value, dict):
        changed = {
            k: new
            for k, v in value.items()
            if not _is_template(str(k)) and (new := _escaped(v)) is not v
        }
        return {**value, **changed} if changed else value
    if isinstance(value, list | tuple):
        items = [_escaped(v) for v in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":
        items = [_escaped(v) for v in value.ravel().tolist()]
        flat = value.ravel().tolist()
        if all(a is b or a == b for a, b in zip(items, flat, strict=True)):
            return value
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(value.shape)
    return value


def _changes(tree: dict[str, Any]) -> dict[str, Any]:
    """The part of a property tree that escaping changes (for ``update``), nested."""
    patch: dict[str, Any] = {}
    for key, value in tree.items():
        if _is_template(key):
            continue
        if isinstance(value, dict):
            inner = _changes(value)
            if inner:
                patch[key] = inner
        elif (new := _escaped(value)) is not value:
            patch[key] = new
    return patch


def escape_figure(fig: go.Figure) -> go.Figure:
    """``fig``, changed in place, with every string shown by plotly escaped
    (:func:`escape_text`): trace names, category and text arrays, hover text, custom data,
    Sankey labels, titles, tick texts, annotations. Templates keep their markup.

    >>> fig = go.Figure(go.Bar(x=["<b>web</b>", "phone"], y=[1, 2], name="<i>x</i>",
    ...                        hovertemplate="<b>%{x}</b><br>%{y}"))
    >>> fig = escape_figure(fig)
    >>> list(fig.data[0].x), fig.data[0].name, fig.data[0].hovertemplate
    (['&lt;b&gt;web&lt;/b&gt;', 'phone'], '&lt;i&gt;x&lt;/i&gt;', '<b>%{x}</b><br>%{y}')
    """
    for trace in fig.data:
        patch = _changes(trace.to_plotly_json())
        if patch:
            trace.update(patch)
    patch = _changes(fig.layout.to_plotly_json())
    if patch:
        fig.layout.update(patch)
    for frame in fig.frames or ():
        for trace in frame.data or ():
            patch = _changes(trace.to_plotly_json())
            if patch:
                trace.update(patch)
    return fig


def escape_figure_dict(fig: dict[str, Any]) -> dict[str, Any]:
    """A figure given as a dict (what plotly's renderers receive), escaped like
    :func:`escape_figure`; the dict given is not changed."""
    return _escaped(fig)
