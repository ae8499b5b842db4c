"""Metrics: one module each, all with the same arguments and tidy DataFrames out."""

from cycleanalytics.metrics._common import Period, parse_duration
from cycleanalytics.metrics.funnel import FUNNEL_COLUMNS, funnel, funnel_expr

__all__ = ["FUNNEL_COLUMNS", "Period", "funnel", "funnel_expr", "parse_duration"]
