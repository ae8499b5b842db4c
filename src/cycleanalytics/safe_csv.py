"""CSV a spreadsheet opens as data, never as formulas: the one helper every CSV writer uses.

A spreadsheet (Excel, LibreOffice, Google Sheets) runs a cell as a formula when its text starts
with ``=``, ``+``, ``-`` or ``@``, and some also after a leading tab or carriage return: a value
``=cmd|' /C calc'!A0`` in a complaint's category would run when a manager opens the export.
Following OWASP's rule, such a text cell is written with a single quote in front
(``'=cmd|...``), which spreadsheets show as the text itself.

Numbers stay numbers: numeric, boolean and date columns are written as they are, and a text cell
that is a plain number (``-2``, ``+3.5``, ``-1e-3``) is left alone, because a spreadsheet reads
it as that number and nothing else. ``-2+3+cmd|...`` is not a plain number and is quoted.
Column names are checked like cells.

Examples
--------
>>> safe_cell("=1+1"), safe_cell("-2"), safe_cell("-2+3"), safe_cell(-2), safe_cell("web")
("'=1+1", '-2', "'-2+3", -2, 'web')
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMULA_STARTS", "SafeWriter", "frame_to_csv", "safe_cell", "safe_frame"]

#: A text cell starting with one of these is read as a formula by some spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_KEPT_TYPES = (int, float, Decimal, bool, datetime, date, time, timedelta)


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell a spreadsheet shows as data: text that would start a formula
    gets a leading ``'``; numbers, dates, missing values and plain-number text are unchanged.
    Other objects are judged by their text (what the CSV will hold)."""
    if value is None or isinstance(value, _KEPT_TYPES):
        return value
    if type(value).__module__.startswith(("numpy", "pandas")) and not isinstance(value, str):
        return value  # numpy numbers, pandas Timestamp, NA and NaT
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names are :func:`safe_cell`; numeric,
    boolean, date and duration columns are kept as they are (and keep their dtype)."""
    import pandas as pd

    out = df.copy()
    for position in range(len(df.columns)):
        values = df.iloc[:, position]
        dtype = values.dtype
        if (
            pd.api.types.is_numeric_dtype(dtype)
            or pd.api.types.is_bool_dtype(dtype)
            or pd.api.types.is_datetime64_any_dtype(dtype)
            or pd.api.types.is_timedelta64_dtype(dtype)
        ):
            continue
        cells = [safe_cell(v) for v in values.astype(object)]
        out.isetitem(position, pd.Series(cells, index=df.index, dtype=object))
    out.columns = [safe_cell(c) if isinstance(c, str) else c for c in df.columns]
    return out


def frame_to_csv(df: pd.DataFrame, path: Any = None, **options: Any) -> str | None:
    """``df.to_csv`` (without the index unless asked, lines ending in ``\\n``) after
    :func:`safe_frame`: the text when ``path`` is None, else written there (UTF-8).

    pandas formats the values; a cell holding a carriage return is quoted (pandas quotes only
    its line ending's characters, and a bare ``\\r`` would start a new row, and a formula, in
    a spreadsheet)."""
    options.setdefault("index", False)
    terminator = options.pop("lineterminator", "\n")
    text = safe_frame(df).to_csv(None, lineterminator="\r\n", **options)
    out = io.StringIO()
    writer = _QuotingWriter(out, lineterminator=terminator)
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow(row)
    if path is None:
        return out.getvalue()
    Path(path).write_text(out.getvalue(), encoding="utf-8", newline="")
    return None


class _QuotingWriter:
    r"""A :func:`csv.writer` that quotes a cell holding a carriage return or a newline whatever
    its line ending (the plain writer quotes only the characters of its own
    ``lineterminator``, so a ``\r`` would otherwise split a row for readers)."""

    def __init__(self, handle: IO[str], *, lineterminator: str = "\r\n", **options: Any) -> None:
        self._handle = handle
        self._terminator = lineterminator
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n", **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(self._cells(row))
        self._handle.write(self._buffer.getvalue()[:-2] + self._terminator)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)

    def _cells(self, row: Iterable[Any]) -> list[Any]:
        return list(row)


class SafeWriter(_QuotingWriter):
    r"""A :func:`csv.writer` whose rows pass through :func:`safe_cell`; a cell holding a
    carriage return or a newline is always quoted.

    >>> import io
    >>> buffer = io.StringIO()
    >>> SafeWriter(buffer, lineterminator="\n").writerow(["@SUM(A1)", -2, "ok", "a\rb"])
    >>> buffer.getvalue()
    '\'@SUM(A1),-2,ok,"a\rb"\n'
    """

    def _cells(self, row: Iterable[Any]) -> list[Any]:
        return [safe_cell(v) for v in row]
