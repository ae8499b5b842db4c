"""DataFrames in: a pandas, polars or Arrow frame of canonical rows, used where a store is.

Every metric accepts, in place of a store, a frame of interactions (or of complaints), or a
dict of frames by table (``{"interactions": events, "complaints": complaints}``). The frames
go through the same door as an export: they are written as Parquet to a temporary folder and
loaded with :func:`cycleanalytics.load` into a new in-memory store, so the same rules apply
(required columns, types, scales, duplicate ids, stages of the cycle model), a frame that
breaks them fails with the load's message (the column, the expected type, the fix), and rows
that break them are quarantined and reported in a warning, as in a load.

>>> import pandas as pd, cycleanalytics as ca
>>> events = pd.DataFrame({
...     "interaction_id": ["e1", "e2", "e3"],
...     "case_id": ["k1", "k1", "k2"],
...     "customer_id": ["c1", "c1", "c2"],
...     "ts": pd.to_datetime(["2026-01-05 09:00", "2026-01-05 10:00", "2026-01-06 09:00"],
...                          utc=True),
...     "stage": ["pre_interaction", "initial_interaction", "pre_interaction"],
... })
>>> ca.funnel(events)["reached"].tolist()[:2]
[2, 1]
"""

from __future__ import annotations

import re
import sys
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cycleanalytics import errors
from cycleanalytics.errors import LoadError
from cycleanalytics.store import Store

__all__ = ["FRAME_TABLES", "as_store", "is_frame"]

#: The tables a frame can feed (the keys of a dict of frames).
FRAME_TABLES = ("interactions", "complaints", "customers")

_WARNING = errors.DataWarning  # the library's warning for usable but suspect data


def is_frame(obj: object) -> bool:
    """Whether ``obj`` is a table of rows this module converts: a pandas or polars DataFrame
    or a pyarrow Table (or a subclass). Nothing is imported to find out: a frame's library
    is loaded already."""
    for module, name in (("pandas", "DataFrame"), ("polars", "DataFrame"), ("pyarrow", "Table")):
        library = sys.modules.get(module)
        if library is not None and isinstance(obj, getattr(library, name)):
            return True
    return False


def as_store(
    obj: Any,
    *,
    model: Any = None,
    max_quarantined: float | None = None,
) -> Any:
    """A store holding ``obj``'s rows; any other source (a store, an Ibis table) is
    returned as it is.

    Parameters
    ----------
    obj
        A DataFrame (pandas, polars) or pyarrow Table of canonical interactions, or of
        complaints when it has ``complaint_id`` and no ``interaction_id``; or a dict of them
        by table name (``interactions``, ``complaints``, ``customers``).
    model
        The cycle model whose stage ids the ``stage`` column uses (default: the five stages).
    max_quarantined
        As in :func:`cycleanalytics.load`: the largest share of a frame's rows that may be
        set aside before the frame is refused (default 0.5).

    Returns
    -------
    Store
        A new in-memory store (``obj`` itself when it is not a frame or a dict of frames).

    Raises
    ------
    LoadError
        A frame that a load would refuse: a required column missing, most rows of the wrong
        type (the message names the column, the type expected and the value found).

    Warns
    -----
    DataWarning
        Rows set aside (quarantined), with how many and the commonest reason.

    Examples
    --------
    >>> import pandas as pd, cycleanalytics as ca
    >>> store = ca.as_store(pd.read_csv(ca.sample_dir() / "interactions.csv"))
    >>> store.counts()["interactions"] > 0
    True
    """
    if isinstance(obj, Mapping) and any(is_frame(v) for v in obj.values()):
        frames = dict(obj)
        unknown = [str(k) for k in frames if k not in FRAME_TABLES]
        if unknown:
            raise LoadError(
                f"unknown table {', '.join(map(repr, unknown))} in the dict of frames; the keys "
                f"are table names: {', '.join(FRAME_TABLES)}"
            )
        for kind, frame in frames.items():
            if not is_frame(frame):
                raise LoadError(
                    f"the {kind} entry of the dict of frames is a {type(frame).__name__}; give "
                    "a pandas or polars DataFrame or a pyarrow Table"
                )
    elif is_frame(obj):
        frames = {_kind_of(obj): obj}
    else:
        return obj
    from cycleanalytics.ingest import load

    store = Store()
    try:
        with tempfile.TemporaryDirectory(prefix="cycleanalytics-frames-") as tmp:
            paths = {kind: _write_parquet(frame, Path(tmp) / f"{kind}.parquet", kind)
                     for kind, frame in frames.items()}  # fmt: skip
            try:
                result = load(
                    store,
                    [paths[k] for k in FRAME_TABLES if k in paths],  # customers need no order
                    model=model,
                    progress=False,
                    max_quarantined=max_quarantined,
                )
            except LoadError as exc:
                raise LoadError(_plain_names(str(exc), paths)) from None
            if result.rows_quarantined:
                _warn_quarantined(store, paths)
    except BaseException:
        store.close()
        raise
    return store


def _kind_of(frame: Any) -> str:
    """A single frame feeds interactions, or complaints when it has their id and no event's."""
    columns = set(_columns(frame))
    if "complaint_id" in columns and "interaction_id" not in columns:
        return "complaints"
    return "interactions"


def _columns(frame: Any) -> list[str]:
    return [
        str(c) for c in (frame.column_names if hasattr(frame, "column_names") else frame.columns)
    ]


def _write_parquet(frame: Any, path: Path, kind: str) -> Path:
    """``frame`` as a Parquet file, its values as they are: the load types and checks them
    (text in a timestamp column is read as a load reads text)."""
    import duckdb

    module = type(frame).__module__.split(".")[0]
    if module == "polars":
        frame = frame.to_arrow()
    elif module == "pandas":
        frame = _pandas_for_duckdb(frame)
    repeated = sorted({c for c in _columns(frame) if _columns(frame).count(c) > 1})
    if repeated:
        raise LoadError(
            f"the {kind} frame has column {repeated[0]!r} more than once; keep one of them"
        )
    con = duckdb.connect()
    try:
        relation = con.from_arrow(frame) if module != "pandas" else con.from_df(frame)
        relation.write_parquet(str(path))
    except duckdb.Error as exc:
        raise LoadError(
            f"the {kind} frame cannot be read: {str(exc).splitlines()[0]}; give each column "
            "one type (text, numbers or timestamps)"
        ) from None
    finally:
        con.close()
    return path


def _pandas_for_duckdb(frame: Any) -> Any:
    """A pandas frame DuckDB reads whatever its columns hold: the index is dropped, column
    names are text, and a column of Python objects (a date among strings) becomes text,
    which the load then reads as it reads any export's text."""
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    mixed = [c for c in frame.columns if frame[c].dtype == object]
    return frame.astype({c: "string" for c in mixed}) if mixed else frame


def _plain_names(message: str, paths: Mapping[str, Path]) -> str:
    """A load's message about the temporary files, about the frames instead."""
    for kind, path in paths.items():
        message = message.replace(str(path), f"the {kind} frame")
        message = re.sub(rf"\b{re.escape(path.name)}\b", f"the {kind} frame", message)
    return message


def _warn_quarantined(store: Store, paths: Mapping[str, Path]) -> None:
    rows = store.con.execute(
        "SELECT file, count(*), mode(reason) FROM quarantine GROUP BY file ORDER BY file"
    ).fetchall()
    for file, count, reason in rows:
        kind = Path(file).stem
        warnings.warn(
            _plain_names(
                f"{count:,} row(s) of the {kind} frame were set aside (quarantined), so the "
                f"result leaves them out; commonest reason: {reason}. See them with "
                "ca.ingest.quarantined(store) on ca.as_store(frame)",
                paths,
            ),
            _WARNING,
            stacklevel=4,
        )
