"""Plotly figures, one beside each metric: ``plot_<metric>(df, *, fig=None) -> go.Figure``.

Figures take the metric's tidy DataFrame as it comes, so an analyst can filter or reorder it
first. They use no LaTeX and no map tiles, so reports render offline.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from cycleanalytics.errors import MetricError

PALETTE = ("#1f5f8b", "#e07b39", "#3a9d5d", "#b8475a", "#7b62a3", "#8c8c8c", "#c9a227")


def _require(df: pd.DataFrame, columns: tuple[str, ...], plot: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise MetricError(
            f"{plot} needs the columns {missing}, which this table lacks; pass the DataFrame "
            "returned by the metric"
        )


def plot_funnel(
    df: pd.DataFrame, *, fig: go.Figure | None = None, title: str | None = None
) -> go.Figure:
    """Horizontal bars of journeys reached per stage, with the share of the previous stage that
    continued and its 95% interval in the hover text. A breakdown (any extra column before
    ``stage``) gives one bar series per group, as shares of each group's entries.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     fig = ca.plot_funnel(ca.funnel(store))
    >>> fig.data[0].type
    'bar'
    """
    _require(df, ("stage", "label", "reached", "conversion", "from_entry"), "plot_funnel")
    fig = fig if fig is not None else go.Figure()
    by = list(df.columns[: list(df.columns).index("stage")])
    hover = (
        "<b>%{y}</b><br>%{customdata[0]:,} journeys (%{customdata[1]:.1%} of entries)"
        "<br>%{customdata[2]:.1%} of the previous stage continued"
        " (95% interval %{customdata[3]:.1%} to %{customdata[4]:.1%})"
        "<extra>%{fullData.name}</extra>"
    )
    if not by:
        fig.add_trace(
            go.Bar(
                x=df["reached"],
                y=df["label"],
                orientation="h",
                name="all journeys",
                marker_color=PALETTE[0],
                text=[
                    f"{r:,}  ({p:.0%})"
                    for r, p in zip(df["reached"], df["from_entry"].fillna(0), strict=True)
                ],
                textposition="auto",
                customdata=df[
                    ["reached", "from_entry", "conversion", "conversion_lo", "conversion_hi"]
                ],
                hovertemplate=hover,
            )
        )
        xaxis = "journeys reaching the stage"
    else:
        groups = df.groupby(by, sort=False, dropna=False)
        for i, (key, part) in enumerate(groups):
            name = " / ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
            fig.add_trace(
                go.Bar(
                    x=part["from_entry"],
                    y=part["label"],
                    orientation="h",
                    name=name,
                    marker_color=PALETTE[i % len(PALETTE)],
                    customdata=part[
                        ["reached", "from_entry", "conversion", "conversion_lo", "conversion_hi"]
                    ],
                    hovertemplate=hover,
                )
            )
        fig.update_layout(barmode="group")
        fig.update_xaxes(tickformat=".0%")
        xaxis = "share of entering journeys that reached the stage"
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=xaxis)
    fig.update_layout(
        title=title,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 40},
        legend_title_text=", ".join(by) if by else None,
        height=max(300, 80 + 40 * len(df)) if by else 360,
    )
    return fig
