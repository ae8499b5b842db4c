"""One exception family for everything cycleanalytics raises on purpose.

Each subclass also inherits the builtin it refines, so ``except ValueError`` keeps working
for callers who do not know our types. The CLI turns any ``CycleAnalyticsError`` into a
one-line message and an exit code (see ``EXIT_CODES``); anything else is a bug.
"""

from __future__ import annotations


class CycleAnalyticsError(Exception):
    """Base class of every error cycleanalytics raises deliberately."""

    exit_code = 1


class ModelError(CycleAnalyticsError, ValueError):
    """A cycle model is invalid (unknown stage, duplicate alias, empty order...)."""

    exit_code = 3


class LoadError(CycleAnalyticsError, ValueError):
    """An export could not be loaded; the database was left as it was."""

    exit_code = 4


class MappingError(LoadError):
    """A mapping file is invalid (unknown key, value of the wrong type, invalid regex, time
    zone or timestamp format); found when the mapping is read, before any file is touched."""


class StoreError(CycleAnalyticsError, RuntimeError):
    """The database could not be opened or used (busy, wrong schema...)."""

    exit_code = 5


class MetricError(CycleAnalyticsError, ValueError):
    """A metric was asked for something it cannot compute (unknown column, bad period...)."""

    exit_code = 6


class ReportError(CycleAnalyticsError, RuntimeError):
    """A report could not be produced; the message says which cell failed and where
    the partly executed notebook is."""

    exit_code = 7


class ParameterError(CycleAnalyticsError, ValueError):
    """A report was given a parameter its notebook does not declare, or of the wrong type."""

    exit_code = 2


class OptionError(CycleAnalyticsError, ValueError):
    """An option has a value that cannot work (``--memory-limit lots``)."""

    exit_code = 2


class OutOfMemoryError(CycleAnalyticsError, MemoryError):
    """DuckDB ran out of the memory it may use; the message names the setting to raise."""

    exit_code = 6


class DataWarning(UserWarning):
    """The data cannot give the answer asked for, though nothing failed: a filter value that
    matches nothing (``channel="phnoe"``), a period outside the data, an empty store. The
    message names what the data holds (the closest values, its time range) and the remedy.

    The library never silences it; hide it yourself if you must::

        import warnings
        warnings.simplefilter("ignore", ca.DataWarning)
    """


EXIT_CODES = {
    0: "success",
    1: "unexpected error (a bug: please report it with the traceback)",
    2: "usage error: unknown command, option or report parameter",
    3: "invalid cycle model",
    4: "load failed; the database is unchanged",
    5: "database unavailable (missing, busy or not a cycleanalytics database)",
    6: "metric cannot be computed with the given options",
    7: "report failed; the partly executed notebook is kept",
}
