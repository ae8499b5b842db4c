"""Metrics: one module each, all with the same arguments and tidy DataFrames out.

Every metric is ``metric(source, *, by=None, period=None, channel=None, **options)`` returning a
tidy DataFrame, with ``plot_metric(df)`` beside it, and is listed in :data:`REGISTRY`.
"""

from cycleanalytics.metrics._common import Period, parse_duration
from cycleanalytics.metrics._registry import REGISTRY, MetricSpec, Option
from cycleanalytics.metrics.funnel import FUNNEL_COLUMNS, funnel, funnel_expr, plot_funnel

__all__ = [
    "FUNNEL_COLUMNS",
    "REGISTRY",
    "MetricSpec",
    "Option",
    "Period",
    "funnel",
    "funnel_expr",
    "parse_duration",
    "plot_funnel",
]
