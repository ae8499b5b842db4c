"""cycleanalytics: customer-satisfaction analytics over the customer service cycle.

>>> import cycleanalytics as ca
>>> with ca.Store() as store:                      # an in-memory DuckDB database
...     _ = ca.load(store, ca.sample_dir())        # the bundled sample exports
...     table = ca.funnel(store)                   # a tidy pandas DataFrame
>>> list(table["stage"])
['pre_interaction', 'initial_interaction', 'service_delivery', 'follow_up']
"""

from __future__ import annotations

__version__ = "0.1.0"

from cycleanalytics.calendar import BusinessCalendar
from cycleanalytics.errors import (
    CycleAnalyticsError,
    LoadError,
    MetricError,
    ModelError,
    ParameterError,
    ReportError,
    StoreError,
)
from cycleanalytics.ingest import LoadResult, load
from cycleanalytics.metrics import Period, funnel, plot_funnel
from cycleanalytics.model import CycleModel, Stage, default_model
from cycleanalytics.sample import generate_sample, sample_dir
from cycleanalytics.store import Store

__all__ = [
    "BusinessCalendar",
    "CycleAnalyticsError",
    "CycleModel",
    "LoadError",
    "LoadResult",
    "MetricError",
    "ModelError",
    "ParameterError",
    "Period",
    "ReportError",
    "Stage",
    "Store",
    "StoreError",
    "__version__",
    "default_model",
    "funnel",
    "generate_sample",
    "load",
    "plot_funnel",
    "sample_dir",
]
