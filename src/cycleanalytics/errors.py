"""One exception family for everything cycleanalytics raises on purpose.

Each subclass also inherits the builtin it refines, so ``except ValueError`` keeps working
for callers who do not know our types. The CLI turns any ``CycleAnalyticsError`` into a
one-line message and an exit code (see ``EXIT_CODES``); anything else is a bug.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


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


def engine_fault(
    exc: BaseException, database: str | Path | None = None, outcome: str = "nothing was changed"
) -> CycleAnalyticsError | None:
    """The error to show for a DuckDB error that is the machine's, not the data's: out of
    memory (exit 6, naming the setting to raise), a full disk or a file-size limit (exit 4,
    naming the folder and its disk), a damaged database file (exit 5). ``None`` for any
    other error. ``database`` is the database file, named when it is damaged; ``outcome``
    says what became of the work (a load: "nothing was loaded").

    Such an error is never a file's fault, so it must not be reported as "cannot read the
    file"; and it is never a bug, so a command shows it as one line, not a traceback.

    >>> import duckdb
    >>> engine_fault(duckdb.OutOfMemoryException("Out of Memory Error: no")).exit_code
    6
    >>> damaged = engine_fault(duckdb.IOException("Corrupt database file: checksum"), "x.db")
    >>> damaged.exit_code, str(damaged).split(";")[0]
    (5, 'the database file x.db is damaged (Corrupt database file: checksum)')
    >>> engine_fault(ValueError("x")) is None
    True
    """
    duckdb = sys.modules.get("duckdb")
    if duckdb is None or not isinstance(exc, duckdb.Error):
        return None
    text = str(exc).strip()
    message = text.splitlines()[0] if text else type(exc).__name__
    lower = message.lower()
    if isinstance(exc, duckdb.OutOfMemoryException):
        return OutOfMemoryError(
            f"DuckDB ran out of memory ({message}); {outcome}. Raise --memory-limit "
            "(e.g. --memory-limit 2GB, or the environment variable CYCLEANALYTICS_MEMORY_LIMIT)"
        )
    if "corrupt database file" in lower or "checksum" in lower:
        where = f"the database file {database}" if database else "the database file"
        return StoreError(
            f"{where} is damaged ({message}); {outcome}. Restore it from a copy, or load the "
            "exports again into a new database"
        )
    if any(sign in lower for sign in _NO_ROOM):
        return LoadError(f"{_no_room(message, database)}; {outcome}. {message}")
    return None


_NO_ROOM = ("no space left on device", "disk full", "file too large", "disk quota exceeded")


def _no_room(message: str, database: str | Path | None) -> str:
    """Which folder could not be written, on which disk, with how much room left."""
    import re
    import shutil

    written = re.search(r'file "([^"]+)"', message)
    path = Path(written.group(1)) if written else Path(database) if database else None
    if path is None:
        return "the disk is full: there is no room left to write"
    folder = path.parent.resolve()
    mount = folder
    while not mount.exists() and mount != mount.parent:  # a spill folder never made
        mount = mount.parent
    while not os.path.ismount(mount) and mount != mount.parent:
        mount = mount.parent
    try:
        free = f"{shutil.disk_usage(mount).free / 2**20:,.1f} MiB free"
    except OSError:
        free = "free space unknown"
    if "file too large" in message.lower():
        return (
            f"{path.name} in {folder} reached the largest file this process may write "
            f"(a file-size limit, `ulimit -f`; the disk mounted at {mount} has {free})"
        )
    return f"the disk is full: no room to write in {folder} (the disk mounted at {mount}, {free})"


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
    5: "database unavailable (missing, busy, damaged or not a cycleanalytics database)",
    6: "metric cannot be computed with the given options, or DuckDB ran out of memory",
    7: "report failed; the partly executed notebook is kept",
}
