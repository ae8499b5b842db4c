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

import base64
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cycleanalytics.errors import MetricError, OptionError

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


#: How every figure names a missing breakdown value (a result frame keeps it missing: NaN/NA,
#: so ``isna`` and ``dropna`` work; :func:`with_missing_label` gives a frame the same label).
MISSING_LABEL = "(none)"
#: Groups drawn before the rest of a wide breakdown becomes one "other" group.
TOP_N = 12
#: The label of the group that gathers the groups after the first :data:`TOP_N`.
OTHER_LABEL = "other"
_TIME_GRAINS = ("day", "week", "month", "quarter", "year")


def group_labels(df: pd.DataFrame, by: list[str], *, default: str = "all") -> pd.Series:
    """One label per row naming its breakdown group ("web / enterprise"); a missing value is
    shown as :data:`MISSING_LABEL`, and a table without breakdown gets ``default`` on every
    row."""
    if not by:
        return pd.Series([default] * len(df), index=df.index)
    return df[by].astype(object).fillna(MISSING_LABEL).astype(str).agg(" / ".join, axis=1)


def with_missing_label(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A copy of ``df`` whose missing values in ``columns`` (default: its text and category
    columns) read :data:`MISSING_LABEL`, as the figures show them.

    >>> with_missing_label(pd.DataFrame({"recovery_action": ["refund", None]}))[
    ...     "recovery_action"].tolist()
    ['refund', '(none)']
    """
    out = df.copy()
    out.attrs = dict(df.attrs)
    if columns is None:
        columns = [
            c
            for c in df.columns
            if df[c].dtype == "category" or pd.api.types.is_string_dtype(df[c])
        ]
    for column in columns:
        values = out[column]
        if values.dtype == "category" and MISSING_LABEL not in values.cat.categories:
            values = values.cat.add_categories([MISSING_LABEL])
        out[column] = values.astype(object).where(values.notna(), MISSING_LABEL)
        if df[column].dtype == "category":
            out[column] = out[column].astype(values.dtype)
    return out


def top_groups(df: pd.DataFrame, by: list[str], weight: str, *, n: int = TOP_N) -> pd.DataFrame:
    """``df`` with the breakdown groups after the ``n`` largest (by the sum of ``weight``)
    gathered into one group labelled :data:`OTHER_LABEL` (``other (637 groups)``): its count
    columns (integers) are summed, its rates and intervals are left missing (they cannot be
    added up). A breakdown by a time grain, or with at most ``n`` groups, is returned as it is.

    >>> df = pd.DataFrame({"team": list("abcd"), "cases": [5, 1, 3, 2], "share": [.1] * 4})
    >>> top_groups(df, ["team"], "cases", n=2)[["team", "cases"]].values.tolist()
    [['a', 5], ['c', 3], ['other (2 groups)', 3]]
    """
    if not by or any(b in _TIME_GRAINS for b in by) or weight not in df.columns or len(df) <= n:
        return df  # (no more groups than rows)
    labels = group_labels(df, by)
    sizes = df[weight].groupby(labels, sort=False).sum().sort_values(ascending=False, kind="stable")
    if len(sizes) <= n:
        return df
    keep = set(sizes.index[:n])
    rest = df[~labels.isin(keep)]
    other = f"{OTHER_LABEL} ({len(sizes) - n} groups)"
    counts = [c for c in df.columns if c not in by and pd.api.types.is_integer_dtype(df[c])]
    keys = [
        c
        for c in df.columns
        if c not in by
        and c not in counts
        and not pd.api.types.is_numeric_dtype(df[c])
        and not pd.api.types.is_bool_dtype(df[c])
    ]
    if keys:
        gathered = rest.groupby(keys, sort=False, observed=True, dropna=False)[counts].sum()
        gathered = gathered.reset_index()
    else:
        gathered = rest[counts].sum().to_frame().T
    for column in by:
        gathered[column] = other
    kept = df[labels.isin(keep)].copy()
    kept[by] = kept[by].astype(object)
    order = {label: i for i, label in enumerate(sizes.index[:n])}
    kept = kept.iloc[labels[labels.isin(keep)].map(order).argsort(kind="stable")]
    out = pd.concat([kept, gathered.reindex(columns=df.columns)], ignore_index=True)
    for column in counts:
        out[column] = out[column].astype(df[column].dtype)
    out.attrs = dict(df.attrs)
    return out


def figure_title(df: pd.DataFrame) -> str | None:
    """A figure's title from its metric's ``attrs``: the metric, its breakdown and the filters
    that narrow it (period, channel, segment); None for a frame without them.

    >>> df = pd.DataFrame({"csat": [0.6]})
    >>> df.attrs = {"definition": {"name": "satisfaction"},
    ...             "filters": {"period": "2026-03-01 to 2026-03-31", "channel": ["chat"],
    ...                         "by": ["month"]}}
    >>> figure_title(df)
    'Satisfaction by month · 2026-03-01 to 2026-03-31 · channel chat'
    >>> df.attrs = {"definition": {"name": "recovery"}, "filters": {"by": ["recovery_action"]}}
    >>> figure_title(df)
    'Recovery by recovery action'
    """
    attrs = getattr(df, "attrs", None) or {}
    name = (attrs.get("definition") or {}).get("name") or attrs.get("metric")
    if not isinstance(name, str) or not name:
        return None
    filters = attrs.get("filters") or {}
    title = name.replace("_", " ").capitalize()
    by = _words(filters.get("by")).replace("_", " ")  # a column's name, in words
    if by:
        title += f" by {by}"
    parts = [title]
    period = filters.get("period")
    if isinstance(period, str) and period and period != "all data":
        parts.append(period)
    for key in ("channel", "segment"):
        value = _words(filters.get(key))
        if value:
            parts.append(f"{key} {value}")
    return " · ".join(parts)


def _words(value: object) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def finish_layout(
    fig: go.Figure, *, title: str | None, df: pd.DataFrame | None = None, **layout: object
) -> go.Figure:
    """The house style: white template, tight margins, a title (``title``; when None, the one
    :func:`figure_title` makes from ``df``'s metric and filters; ``""`` for none); then time
    periods become the instants plotly draws on a date axis, and every string of the figure is
    escaped (:func:`escape_figure`), so data never renders as markup."""
    if title is None and df is not None:
        title = figure_title(df)
    title = title or None
    fig.update_layout(
        title=title,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 40},
        **layout,
    )
    plain_periods(fig)
    return escape_figure(fig)


def plain_periods(fig: go.Figure) -> go.Figure:
    """``fig`` with pandas periods in its traces (a ``month`` column of a result frame) as the
    instant each starts, so plotly draws them on a date axis and can write the figure."""
    for trace in fig.data:
        for key in ("x", "y", "customdata", "text", "hovertext"):
            values = trace[key] if key in trace else None  # noqa: SIM401 (a trace has no get)
            if values is None or isinstance(values, str):
                continue
            array = np.asarray(values, dtype=object)
            flat = array.ravel()
            if not any(isinstance(v, pd.Period) for v in flat):
                continue
            if key in ("x", "y"):
                new = [v.start_time if isinstance(v, pd.Period) else v for v in flat]
            else:
                new = [str(v) if isinstance(v, pd.Period) else v for v in flat]
            out = np.empty(len(new), dtype=object)
            out[:] = new
            trace[key] = out.reshape(array.shape)
    return fig


# -- periods as a reader names them ---------------------------------------------------------------


def _months(language: str) -> tuple[str, ...]:
    """The month abbreviations of ``language`` ("Jan" ... "Dec"; Indonesian "Agu"), from
    Babel's locale data: a new language needs no list here."""
    from babel.dates import get_month_names

    names = get_month_names("abbreviated", context="stand-alone", locale=language)
    return tuple(names[m] for m in range(1, 13))


def _period_word(key: str, language: str) -> str:
    """A period label's word besides the month ("week of", "to date") in ``language``."""
    from cycleanalytics.i18n import t

    return t(f"period.{key}", language)


#: pandas' period frequencies for each time grain (weeks run Monday to Sunday).
PERIOD_FREQ = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}


def period_grain(value: object, default: str = "month") -> str:
    """The time grain of a pandas period (``"month"`` for ``Period("2026-01", "M")``), else
    ``default``."""
    if not isinstance(value, pd.Period):
        return default
    code = value.freqstr.split("-")[0].rstrip("E")
    return {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year", "A": "year"}.get(
        code, default
    )


def period_label(value: object, grain: str | None = None, language: str = "en") -> str:
    """A period as a reader names it, one label per period: ``Jan 2026``, ``Q1 2026``,
    ``2026``, ``week of 5 Jan 2026``, ``5 Jan 2026``. ``value`` is a pandas period (its own
    grain) or any instant inside the period (``grain``, default month).

    >>> period_label(pd.Period("2026-01", "M")), period_label(pd.Timestamp("2026-08-15"))
    ('Jan 2026', 'Aug 2026')
    >>> period_label("2026-08-15", "quarter"), period_label("2026-08-15", "month", "id")
    ('Q3 2026', 'Agu 2026')
    >>> period_label(pd.Period("2026-01-07", "W-SUN")), period_label("2026-01-07", "day")
    ('week of 5 Jan 2026', '7 Jan 2026')
    """
    grain = grain or period_grain(value)
    if grain not in PERIOD_FREQ:
        raise OptionError(f"grain must be one of {', '.join(PERIOD_FREQ)}, not {grain!r}")
    if isinstance(value, pd.Period):
        start = value.start_time
    else:
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_convert(None) if stamp.tzinfo is not None else stamp
        start = stamp.to_period(PERIOD_FREQ[grain]).start_time
    months = _months(language)
    if grain == "year":
        return f"{start.year}"
    if grain == "quarter":
        return f"Q{start.quarter} {start.year}"
    if grain == "month":
        return f"{months[start.month - 1]} {start.year}"
    day = f"{start.day} {months[start.month - 1]} {start.year}"
    return f"{_period_word('week_of', language)} {day}" if grain == "week" else day


_PERIOD_LABEL = re.compile(
    r"(?P<week>week of )?(?:(?:(?P<day>\d{1,2}) )?(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|"
    r"Sep|Oct|Nov|Dec) |Q[1-4] )?(?P<year>\d{4})(?P<partial> \(to date\))?"
)


def localize_period_label(text: str, language: str = "en") -> str:
    """An English :func:`period_label` (with its ``(to date)``) in ``language``; other text
    is returned as it is.

    >>> localize_period_label("Aug 2026", "id"), localize_period_label("Dec 2026 (to date)", "ms")
    ('Agu 2026', 'Dis 2026 (setakat ini)')
    >>> localize_period_label("week of 5 Oct 2026", "id"), localize_period_label("web", "id")
    ('minggu 5 Okt 2026', 'web')
    >>> localize_period_label("Q2 2026 (to date)", "id")
    'Q2 2026 (sejauh ini)'
    """
    match = _PERIOD_LABEL.fullmatch(text) if isinstance(text, str) else None
    if match is None or language == "en":
        return text
    out = text[: match.start("partial")] if match["partial"] else text
    if match["month"]:
        month = _months(language)[_months("en").index(match["month"])]
        out = f"{match['day']} " if match["day"] else ""
        out = f"{out}{month} {match['year']}"
        if match["week"]:
            out = f"{_period_word('week_of', language)} {out}"
    if match["partial"]:
        out += f" ({_period_word('to_date', language)})"
    return out


def map_labels(values: Any, change: Callable[[str], str]) -> Any:
    """``values`` with ``change`` applied to each, when they are a list of text labels (a
    trace's categories); anything else (numbers, one string, None) as it is.

    >>> map_labels(["a", "b"], str.upper), map_labels([1, 2], str), map_labels(None, str)
    (['A', 'B'], [1, 2], None)
    """
    if values is None or isinstance(values, str):
        return values
    items = list(values)
    if not items or not all(isinstance(v, str) for v in items):
        return values
    return [change(v) for v in items]


def localize_periods(fig: go.Figure, language: str = "en") -> go.Figure:
    """``fig``, changed in place, with the period labels of its category axes (the traces'
    ``x``, the axes' ``categoryarray`` and ``ticktext``) in ``language``
    (:func:`localize_period_label`); the month-change and backlog charts label their periods
    so. For the reports' ``localize_figure``.

    >>> fig = go.Figure(go.Bar(x=["Jul 2026", "Aug 2026"], y=[1, 2]))
    >>> list(localize_periods(fig, "ms").data[0].x)
    ['Jul 2026', 'Ogo 2026']
    """
    if language == "en":
        return fig

    def swap(values: Any) -> Any:
        return map_labels(values, lambda v: localize_period_label(v, language))

    for trace in fig.data:
        for axis in ("x", "y"):
            if axis in trace and trace[axis] is not None:
                trace[axis] = swap(trace[axis])
    for axis in (*fig.select_xaxes(), *fig.select_yaxes()):
        if axis.categoryarray is not None:
            axis.categoryarray = swap(axis.categoryarray)
        if axis.ticktext is not None:
            axis.ticktext = swap(axis.ticktext)
    return fig


def period_axis(fig: go.Figure, labels: list[str], **axis: object) -> go.Figure:
    """The x axis of a chart over periods: one category per period, in the order given
    (``labels``, from :func:`period_label`), and one tick per period up to
    :data:`MAX_PERIOD_TICKS` periods (beyond, plotly thins the labels so they stay legible)."""
    categories = list(dict.fromkeys(labels))
    ticks = {"tickmode": "linear", "tick0": 0, "dtick": 1}
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=categories,
        **(ticks if len(categories) <= MAX_PERIOD_TICKS else {}),
        **axis,
    )
    return fig


#: Periods up to which a period axis labels every period.
MAX_PERIOD_TICKS = 36


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


# -- sparklines ----------------------------------------------------------------------------------

#: Colours of a sparkline's last point: the latest change is good, bad, or neither.
SPARK_COLOURS = {"good": PALETTE[2], "bad": PALETTE[3], "neutral": PALETTE[5]}


def sparkline_svg(
    values: Any,
    *,
    good_direction: int,
    title: str | None = None,
    width: int = 96,
    height: int = 24,
) -> str:
    """A small inline SVG line of ``values`` (oldest first) for a KPI tile: no plotly, no
    script, nothing fetched, every text escaped, an accessible ``<title>`` (and
    ``aria-label``).

    Missing values (NaN, None) break the line; a value alone between gaps is a dot. The last
    value is marked with a dot coloured by whether its change from the value before is good
    (``good_direction`` +1: a rise is good; -1: a fall is good; 0: neither) in
    :data:`SPARK_COLOURS`. One value is one dot; no value gives an empty frame that says so.
    ``title`` defaults to "N periods, from FIRST to LAST".

    >>> svg = sparkline_svg([0.61, 0.64, float("nan"), 0.66], good_direction=1)
    >>> svg.count("<polyline"), svg.count("<circle"), "#3a9d5d" in svg
    (1, 1, True)
    >>> "<title>4 periods, from 0.61 to 0.66</title>" in svg
    True
    """
    numbers = [_finite(v) for v in values]
    known = [(i, v) for i, v in enumerate(numbers) if v is not None]
    if title is None:
        title = (
            "no value in these periods"
            if not known
            else f"1 period: {known[0][1]:.3g}"
            if len(numbers) == 1
            else f"{len(numbers)} periods, from {known[0][1]:.3g} to {known[-1][1]:.3g}"
        )
    label = html.escape(title, quote=True)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ca-spark" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{label}">'
        f"<title>{label}</title>"
    )
    if not known:
        return head + "</svg>"
    pad = 3.0
    low = min(v for _, v in known)
    high = max(v for _, v in known)
    steps = max(len(numbers) - 1, 1)

    def x(i: int) -> float:
        return width / 2 if len(numbers) == 1 else pad + (width - 2 * pad) * i / steps

    def y(v: float) -> float:
        if high == low:
            return height / 2
        return pad + (height - 2 * pad) * (high - v) / (high - low)

    parts = []
    last_i, last = known[-1]
    for run in _runs(numbers):
        if len(run) == 1:
            i = run[0]
            if i == last_i:
                continue  # the last point's own mark follows
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(numbers[i]):.1f}" r="1.2" '
                f'fill="{SPARK_COLOURS["neutral"]}"/>'
            )
        else:
            points = " ".join(f"{x(i):.1f},{y(numbers[i]):.1f}" for i in run)
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{PALETTE[0]}" '
                'stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/>'
            )
    change = last - known[-2][1] if len(known) > 1 else 0.0
    verdict = change * good_direction
    colour = SPARK_COLOURS["good" if verdict > 0 else "bad" if verdict < 0 else "neutral"]
    parts.append(
        f'<circle class="ca-spark-last" cx="{x(last_i):.1f}" cy="{y(last):.1f}" r="2.5" '
        f'fill="{colour}"/>'
    )
    return head + "".join(parts) + "</svg>"


def _finite(value: Any) -> float | None:
    """``value`` as a float, or None when it is missing or not finite."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _runs(numbers: list[float | None]) -> list[list[int]]:
    """The positions of ``numbers`` in runs of consecutive known values."""
    runs: list[list[int]] = []
    for i, v in enumerate(numbers):
        if v is None:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


# -- static export ------------------------------------------------------------------------------

#: Formats :func:`save_figure` writes: HTML always; images through Kaleido, else Chromium.
IMAGE_FORMATS = ("png", "svg", "pdf", "jpeg", "webp")
#: Where a system Chromium is looked for when neither ``BROWSER_PATH`` nor Kaleido names one.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def save_figure(
    fig: go.Figure,
    path: str | os.PathLike[str],
    *,
    width: int = 900,
    height: int | None = None,
    scale: float = 2.0,
) -> Path:
    """Write ``fig`` to ``path``, offline; the format is the file's suffix.

    - ``.html``: a page with plotly.js inside (no network, no MathJax), always;
    - ``.png``, ``.svg``, ``.pdf``, ``.jpeg``, ``.webp``: through Kaleido (``pip install
      kaleido``) using the system's Chromium (``BROWSER_PATH``, else the first of
      :data:`CHROMIUM_NAMES` on the PATH), with MathJax off so nothing is fetched;
    - without Kaleido, ``.png`` and ``.svg`` come from the system's Chromium directly
      (plotly.js's own ``toImage`` in a headless page).

    Every string of the figure is escaped first (:func:`escape_figure`). Returns the path.

    >>> import cycleanalytics as ca, tempfile, pathlib
    >>> with ca.Store() as store, tempfile.TemporaryDirectory() as tmp:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.metrics.plot_satisfaction(ca.metrics.satisfaction(store, by="channel"))
    ...     out = save_figure(fig, pathlib.Path(tmp) / "csat.html")
    ...     "Plotly.newPlot" in out.read_text(encoding="utf-8")
    True
    """
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".").replace("jpg", "jpeg")
    figure = escape_figure(go.Figure(fig))
    if fmt == "html":
        figure.write_html(target, include_plotlyjs=True, include_mathjax=False, full_html=True)
        return target
    if fmt not in IMAGE_FORMATS:
        raise OptionError(
            f"cannot save a figure as {target.suffix or 'a file without suffix'!r}; use one of "
            f".html, {', '.join('.' + f for f in IMAGE_FORMATS)}"
        )
    height = height or int(figure.layout.height or 500)
    browser = os.environ.get("BROWSER_PATH") or _system_chromium()
    try:
        import kaleido
    except ImportError:
        kaleido = None
    if kaleido is not None:
        if browser and "BROWSER_PATH" not in os.environ:
            os.environ["BROWSER_PATH"] = browser  # Kaleido's choreographer reads it
        options = {"format": fmt, "width": width, "height": height, "scale": scale}
        data = kaleido.calc_fig_sync(figure.to_dict(), opts=options, kopts={"mathjax": False})
    elif fmt in ("png", "svg") and browser:
        data = _chromium_image(figure, fmt, width, height, scale, browser)
    else:
        raise OptionError(
            f"saving a figure as .{fmt} needs Kaleido (pip install kaleido) and a Chromium "
            f"({browser or 'none found: apt-get install chromium, or set BROWSER_PATH'}); "
            "without Kaleido, .png and .svg need a Chromium; .html always works"
        )
    target.write_bytes(data)
    return target


def _system_chromium() -> str | None:
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def _chromium_image(
    fig: go.Figure, fmt: str, width: int, height: int, scale: float, browser: str
) -> bytes:
    """PNG or SVG bytes of ``fig`` from plotly.js's ``toImage`` in a headless Chromium page
    (plotly.js inline: nothing is fetched)."""
    import plotly

    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    options = json.dumps({"format": fmt, "width": width, "height": height, "scale": scale})
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><div id='f'></div>"
        "<pre id='out'></pre><script>"
        + plotly_js.read_text(encoding="utf-8")
        + "</script><script>const FIG = "
        + fig.to_json()
        + ";Plotly.newPlot('f', FIG.data, FIG.layout, {staticPlot: true})"
        + f".then(gd => Plotly.toImage(gd, {options}))"
        + ".then(url => { document.getElementById('out').textContent = url; });</script>"
        + "</body></html>"
    )
    with tempfile.TemporaryDirectory(prefix="cycleanalytics-") as tmp:
        html_file = Path(tmp) / "figure.html"
        html_file.write_text(page, encoding="utf-8")
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp}",
            "--virtual-time-budget=30000",
            "--dump-dom",
            html_file.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r"<pre id=\"out\">(data:[^<]*)</pre>", done.stdout)
    if not found:
        raise OptionError(
            f"{browser} did not draw the figure (exit {done.returncode}); install Kaleido "
            "(pip install kaleido) or save as .html"
        )
    url = html.unescape(found.group(1))
    head, _, body = url.partition(",")
    return base64.b64decode(body) if head.endswith(";base64") else unquote(body).encode("utf-8")


# -- notebooks ----------------------------------------------------------------------------------

#: The renderer :func:`use_notebook_renderer` sets: JupyterLab draws the plotly MIME output, and
#: every other reader (``jupyter nbconvert --to html``, GitHub, an emailed .html) the HTML one,
#: whose plotly.js the "notebook" half puts inline into the notebook once (no network).
NOTEBOOK_RENDERER = "plotly_mimetype+notebook"


def use_notebook_renderer(renderer: str = NOTEBOOK_RENDERER) -> str:
    """Make figures in this kernel survive ``jupyter nbconvert --to html`` and offline
    viewing: plotly's renderer becomes ``renderer`` (default :data:`NOTEBOOK_RENDERER`).
    Call it once, in the first cell; returns the renderer now in use.

    Plotly's default in JupyterLab writes only its own MIME type, which the HTML export drops;
    ``"notebook_connected"`` would load plotly.js from a CDN.
    """
    import plotly.io as pio

    pio.renderers.default = renderer
    return renderer


# -- hover texts in the report languages ---------------------------------------------------------
