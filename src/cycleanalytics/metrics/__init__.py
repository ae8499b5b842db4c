"""Metrics: one module each, all with the same arguments and tidy DataFrames out.

Every metric is ``metric(source, *, by=None, period=None, channel=None, **options)`` returning a
tidy DataFrame, with ``plot_metric(df)`` beside it, and is listed in :data:`REGISTRY`.
"""

from cycleanalytics.metrics._common import Period, parse_duration
from cycleanalytics.metrics._registry import REGISTRY, MetricSpec, Option
from cycleanalytics.metrics.complaints import (  # noqa: F401 (outcome metrics, issue 5)
    complaint_backlog,
    complaints,
    plot_complaint_backlog,
    plot_complaints,
)
from cycleanalytics.metrics.conformance import (
    case_deviations,
    conformance,
    conformance_rules,
    directly_follows,
    model_comparison,
    plot_conformance,
    plot_conformance_rules,
    plot_directly_follows,
    plot_model_comparison,
    plot_stage_flows,
    plot_variants,
    variants,
)
from cycleanalytics.metrics.cost import cost, plot_cost, plot_recovery_cost, recovery_cost  # noqa: F401
from cycleanalytics.metrics.drivers import (  # noqa: F401 (key drivers, issue 16)
    key_drivers,
    plot_key_drivers,
    stage_priorities,
)
from cycleanalytics.metrics.duration import case_duration, plot_case_duration
from cycleanalytics.metrics.followup import (  # noqa: F401 (closing the loop, issue 16)
    followup_worklist,
    loop_closure,
    plot_loop_closure,
)
from cycleanalytics.metrics.funnel import (
    FUNNEL_COLUMNS,
    funnel,
    funnel_dropouts,
    funnel_expr,
    plot_funnel,
    reach_table,
)
from cycleanalytics.metrics.recovery import (  # noqa: F401
    plot_recovery,
    plot_recovery_paradox,
    recovery,
    recovery_paradox,
)
from cycleanalytics.metrics.resolution import plot_resolution_time, resolution_time  # noqa: F401
from cycleanalytics.metrics.satisfaction import (  # noqa: F401
    plot_satisfaction,
    plot_satisfaction_change,
    satisfaction,
    satisfaction_change,
)
from cycleanalytics.metrics.timing import plot_time_between_stages, time_between_stages

__all__ = [
    "FUNNEL_COLUMNS",
    "REGISTRY",
    "MetricSpec",
    "Option",
    "Period",
    "case_deviations",
    "case_duration",
    "conformance",
    "conformance_rules",
    "directly_follows",
    "funnel",
    "funnel_dropouts",
    "funnel_expr",
    "model_comparison",
    "parse_duration",
    "plot_case_duration",
    "plot_conformance",
    "plot_conformance_rules",
    "plot_directly_follows",
    "plot_funnel",
    "plot_model_comparison",
    "plot_stage_flows",
    "plot_time_between_stages",
    "plot_variants",
    "reach_table",
    "time_between_stages",
    "variants",
]
