"""Results shared between equal metric calls on the same read-only database file.

The reports of a run share one warm kernel (``reports.WarmKernel``), and several of them ask
for the same numbers: the conformance and explore pages both want the variants and the case
durations, the executive summary and the funnel page the same funnels. Each report opens the
database anew (``notebook.data.open_store``), so what is shared is keyed by the database file
itself, not by a store object.

A result is kept only when its data cannot have changed since: the store is opened
``read_only`` (DuckDB lets no process write to a file that another holds open, and a
read-only connection cannot write), and the file is the same file in the same state when it
is opened again: same device and inode, same size and headers (DuckDB's headers carry its
checkpoint counter), same write-ahead log. A writable or in-memory store, a DataFrame source,
a model given as a file (it may change), or an argument that is not a plain value (text,
number, date, list or mapping of them) is computed every time. The warnings of the first call
are given again with a kept result; a failed call keeps nothing. A kept result is copied on
the way in and on the way out, so a caller that changes its frame changes only its own copy.
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections import OrderedDict
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import pandas as pd

#: How many results a process keeps (the least recently used go first); 0 keeps none.
SHARED_SIZE = 64
_KEPT: OrderedDict[tuple[Any, ...], tuple[tuple[str, ...], pd.DataFrame]] = OrderedDict()


class _NotPlain(Exception):
    """An argument without a plain, comparable value: the call is not shared."""


def shared_key(metric: str, arguments: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """What identifies a call (the database file and its state, the metric, every argument
    with its default, and today's date for rolling periods), or None when it is not shared.
    ``arguments`` are the bound arguments, the source first."""
    values = iter(arguments.items())
    _, source = next(values)
    identity = data_identity(source)
    if identity is None or arguments.get("model") is not None:
        return None
    try:
        rest = tuple((name, _plain(value)) for name, value in values)
    except _NotPlain:
        return None
    return (identity, metric, rest, date.today())


def data_identity(source: Any) -> tuple[Any, ...] | None:
    """The database file of a read-only :class:`~cycleanalytics.Store` and its state (asked
    once per store), or None for any other source."""
    from cycleanalytics.store import Store

    if type(source) is not Store or not source.read_only or source.path is None:
        return None
    return source.remembered(("data identity",), lambda: _file_state(source))


def _file_state(store: Any) -> tuple[Any, ...] | None:
    mark = store.file_mark()
    if mark is None:  # the headers cannot be read without disturbing DuckDB: not shared
        return None
    path = store.path.resolve()
    stat = os.stat(path)
    wal = path.with_name(path.name + ".wal")
    log = (wal.stat().st_size, wal.stat().st_mtime_ns) if wal.exists() else None
    return (str(path), stat.st_dev, stat.st_ino, mark, log)


def _plain(value: Any) -> Any:
    """``value`` as a hashable, comparable plain value (lists as tuples, mappings as sorted
    pairs), raising :class:`_NotPlain` for anything else."""
    if value is None or isinstance(value, str | bool | int | float | date | timedelta):
        return (type(value).__name__, value)  # 1, 1.0 and True are not one argument
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_plain(v) for v in value))
    if isinstance(value, Mapping):
        return ("mapping", tuple(sorted((str(k), _plain(v)) for k, v in value.items())))
    from cycleanalytics.metrics._common import Period

    if isinstance(value, Period):
        return ("Period", _plain(value.start), _plain(value.end))
    raise _NotPlain(type(value).__name__)


def kept(key: tuple[Any, ...] | None) -> tuple[tuple[str, ...], pd.DataFrame] | None:
    """The warnings and a copy of the result kept for ``key``, or None."""
    entry = None if key is None else _KEPT.get(key)
    if entry is None:
        return None
    with contextlib.suppress(KeyError):  # another thread may have dropped it meanwhile
        _KEPT.move_to_end(key)
    return entry[0], _copy(entry[1])


def keep(key: tuple[Any, ...] | None, found: list[str], df: Any) -> None:
    """Keep a copy of a call's result (a DataFrame) and the warnings it gave, under ``key``."""
    if key is None or SHARED_SIZE <= 0 or not isinstance(df, pd.DataFrame):
        return
    _KEPT[key] = (tuple(found), _copy(df))
    while len(_KEPT) > SHARED_SIZE:
        with contextlib.suppress(KeyError):
            _KEPT.popitem(last=False)


def _copy(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a metric's frame of the same class, its values and ``attrs`` copied."""
    out = type(df)(df.copy(deep=True))
    out.attrs = copy.deepcopy(df.attrs)
    return out


def forget() -> None:
    """Drop every kept result (for tests and long sessions)."""
    _KEPT.clear()
