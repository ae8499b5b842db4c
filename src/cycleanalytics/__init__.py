"""cycleanalytics: customer-satisfaction analytics over the customer service cycle.

>>> import cycleanalytics as ca
>>> with ca.Store() as store:                      # an in-memory DuckDB database
...     _ = ca.load(store, ca.sample_dir())        # the bundled sample exports
...     table = ca.funnel(store)                   # a tidy pandas DataFrame
>>> list(table["stage"])
['pre_interaction', 'initial_interaction', 'service_delivery', 'follow_up']
"""

__version__ = "0.1.0"

from cycleanalytics.errors import (
    CycleAnalyticsError,
    DataWarning,
    LoadError,
    MetricError,
    ModelError,
    ParameterError,
    ReportError,
    StoreError,
)

#: Every registered metric, by the module of cycleanalytics.metrics that defines it, and
#: whether it has an Ibis expression ``NAME_expr``: each is ``ca.NAME`` with its figure
#: ``ca.plot_NAME`` (and ``ca.NAME_expr``). tests/test_toplevel.py holds this list equal to
#: ``metrics.REGISTRY``, so that a new metric cannot be left out.
_METRICS = (
    ("complaints", "complaints", True),
    ("complaints", "complaint_backlog", False),
    ("conformance", "conformance", False),
    ("conformance", "conformance_rules", False),
    ("conformance", "directly_follows", True),
    ("conformance", "model_comparison", False),
    ("conformance", "variants", True),
    ("cost", "cost", True),
    ("cost", "recovery_cost", False),
    ("duration", "case_duration", True),
    ("drivers", "key_drivers", False),
    ("followup", "loop_closure", False),
    ("funnel", "funnel", True),
    ("recovery", "recovery", False),
    ("recovery", "recovery_paradox", False),
    ("resolution", "resolution_time", True),
    ("satisfaction", "satisfaction", True),
    ("satisfaction", "satisfaction_change", False),
    ("timing", "time_between_stages", True),
)

# Imported on first use, so that `import cycleanalytics` (and the command line) does not pay
# for DuckDB, Ibis, SciPy, pandas and plotly before a store or a metric is asked for.
_LAZY = {
    "Store": "cycleanalytics.store",
    "CycleModel": "cycleanalytics.model",
    "Stage": "cycleanalytics.model",
    "default_model": "cycleanalytics.model",
    "BusinessCalendar": "cycleanalytics.calendar",
    "classify_complaints": "cycleanalytics.classify",
    "as_store": "cycleanalytics.frames",
    "LoadResult": "cycleanalytics.ingest",
    "load": "cycleanalytics.ingest",
    "Period": "cycleanalytics.metrics",
    "generate_sample": "cycleanalytics.sample",
    "sample_dir": "cycleanalytics.sample",
    "save_figure": "cycleanalytics.plots",
    "use_notebook_renderer": "cycleanalytics.plots",
    "what_stands_out": "cycleanalytics.insights",
}
for _module, _name, _has_expr in _METRICS:
    for _attribute in (_name, f"plot_{_name}", *([f"{_name}_expr"] if _has_expr else [])):
        _LAZY[_attribute] = f"cycleanalytics.metrics.{_module}"
del _module, _name, _has_expr, _attribute

_SUBMODULES = (
    "calendar", "classify", "frames", "ingest", "insights", "kpis", "metrics", "notebook",
    "periods", "plots", "reports", "sample", "spark", "stats", "importance", "surveys",
    "model", "store",
)  # fmt: skip


def __getattr__(name: str) -> object:
    import importlib

    if name in _LAZY:  # a metric's module imports cycleanalytics.metrics (every metric) first
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:  # `ca.metrics.variants(...)` without importing it first
        value = importlib.import_module(f"cycleanalytics.{name}")
    else:
        raise AttributeError(f"module 'cycleanalytics' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names (tab completion): classes, errors, every metric and figure, the
    submodules; not the module's own machinery."""
    return sorted({*__all__, *_SUBMODULES})


__all__ = [
    "BusinessCalendar",
    "CycleAnalyticsError",
    "CycleModel",
    "DataWarning",
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
    "as_store",
    "classify_complaints",
    "default_model",
    "generate_sample",
    "load",
    "sample_dir",
    "save_figure",
    "use_notebook_renderer",
    "what_stands_out",
    *sorted(name for name, module in _LAZY.items() if module.startswith("cycleanalytics.metrics.")),
]
