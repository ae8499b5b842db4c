"""What every figure shares: the palette, the look, and the check of its input.

Each metric module has its figure beside it (``plot_<metric>(df, *, fig=None) -> go.Figure``).
Figures take the metric's tidy DataFrame as it comes, so an analyst can filter or reorder it
first. They use no LaTeX and no map tiles, so reports render offline.
"""

from __future__ import annotations

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
    """The house style: white template, tight margins, optional title."""
    fig.update_layout(
        title=title,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 40},
        **layout,
    )
    return fig
