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

from typing import TYPE_CHECKING

from cycleanalytics.errors import (
    CycleAnalyticsError,
    LoadError,
    MetricError,
    ModelError,
    ParameterError,
    ReportError,
    StoreError,
)
from cycleanalytics.model import CycleModel, Stage, default_model
from cycleanalytics.store import Store

if TYPE_CHECKING:
    from cycleanalytics.calendar import BusinessCalendar
    from cycleanalytics.classify import classify_complaints
    from cycleanalytics.ingest import LoadResult, load
    from cycleanalytics.metrics import Period, funnel, plot_funnel
    from cycleanalytics.sample import generate_sample, sample_dir

# Imported on first use, so that `import cycleanalytics` (and the command line) does not pay
# for Ibis, SciPy and plotly before a metric is asked for.
_LAZY = {
    "BusinessCalendar": "cycleanalytics.calendar",
    "classify_complaints": "cycleanalytics.classify",
    "LoadResult": "cycleanalytics.ingest",
    "load": "cycleanalytics.ingest",
    "Period": "cycleanalytics.metrics",
    "funnel": "cycleanalytics.metrics",
    "plot_funnel": "cycleanalytics.metrics",
    "generate_sample": "cycleanalytics.sample",
    "sample_dir": "cycleanalytics.sample",
}


_SUBMODULES = (
    "calendar", "classify", "ingest", "kpis", "metrics", "notebook", "periods", "plots", "reports",
    "sample", "spark", "stats",
)  # fmt: skip


def __getattr__(name: str) -> object:
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:  # `ca.metrics.variants(...)` without importing it first
        value = importlib.import_module(f"cycleanalytics.{name}")
    else:
        raise AttributeError(f"module 'cycleanalytics' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))


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
    "classify_complaints",
    "default_model",
    "funnel",
    "generate_sample",
    "load",
    "plot_funnel",
    "sample_dir",
]
