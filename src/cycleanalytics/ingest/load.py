"""Load exports in the canonical format (DESIGN §2) into a store.

The load is a pipeline with one step per concern, so mappings, quarantine and other readers
slot in without changing its shape:

1. *read* a file into a staging table of text columns, numbered by line (``_read_csv``);
2. *recognise* which canonical table it feeds, from its name or its header (``_kind_of``);
3. *check* header, types, required values and constraints, stopping at the first bad value
   with its file, line, column, what was expected and what was found (``_check``);
4. *insert* the rows whose id is not yet in the store and record the load in ``loads``.

A call to :func:`load` is one transaction over all its files: it loads everything, or, when
anything fails, leaves the database exactly as it was. A file whose content (SHA-256) was
loaded before is skipped, so loading the same export twice adds nothing.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from cycleanalytics.errors import LoadError
from cycleanalytics.model import CycleModel, resolve_model
from cycleanalytics.schema import EXPORT_TABLES, Table

if TYPE_CHECKING:
    from cycleanalytics.store import Store

SUPPORTED_SUFFIXES = (".csv",)
_STAGING = "_ca_staging"  # the file as text, with line numbers
_TYPED = "_ca_typed"  # the same rows with canonical names and types
_TYPE_WORDS = {
    "TIMESTAMPTZ": "a timestamp such as 2026-01-31T14:05:00Z",
    "DOUBLE": "a number",
    "TINYINT": "a whole number",
    "BIGINT": "a whole number",
    "BOOLEAN": "true or false",
}


@dataclass(frozen=True)
class FileLoad:
    """What happened to one file."""

    file: Path
    kind: str
    rows_read: int
    rows_loaded: int
    rows_skipped: int = 0
    rows_quarantined: int = 0
    load_id: int | None = None
    already_loaded: bool = False


@dataclass(frozen=True)
class LoadResult:
    """What a call to :func:`load` did, file by file."""

    files: tuple[FileLoad, ...] = field(default_factory=tuple)

    def by_table(self) -> pd.DataFrame:
        """Rows read, loaded, skipped (already present) and quarantined per table."""
        frame = self.to_frame()
        if frame.empty:
            return pd.DataFrame(
                columns=[
                    "table",
                    "files",
                    "rows_read",
                    "rows_loaded",
                    "rows_skipped",
                    "rows_quarantined",
                ]
            )
        return (
            frame.groupby("table", sort=True)
            .agg(
                files=("file", "count"),
                rows_read=("rows_read", "sum"),
                rows_loaded=("rows_loaded", "sum"),
                rows_skipped=("rows_skipped", "sum"),
                rows_quarantined=("rows_quarantined", "sum"),
            )
            .reset_index()
        )

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "file": str(f.file),
                    "table": f.kind,
                    "load_id": f.load_id,
                    "rows_read": f.rows_read,
                    "rows_loaded": f.rows_loaded,
                    "rows_skipped": f.rows_skipped,
                    "rows_quarantined": f.rows_quarantined,
                    "already_loaded": f.already_loaded,
                }
                for f in self.files
            ]
        )

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)


def load(
    store: Store,
    paths: str | Path | Iterable[str | Path],
    *,
    kind: str | None = None,
    model: CycleModel | str | Path | None = None,
) -> LoadResult:
    """Load canonical-format CSV exports (files, or folders of them) into ``store``.

    Parameters
    ----------
    store
        The store to load into.
    paths
        Files or folders; a folder contributes its ``*.csv`` files in name order.
    kind
        The table every file feeds (``interactions``, ``complaints``, ``customers``). By
        default it is recognised from the file name (``complaints_2026.csv``) or the header.
    model
        Cycle model whose stage ids the ``stage`` column must use; when a file has no
        ``stage`` column, stages are derived from ``activity`` by the model's aliases.

    Returns
    -------
    LoadResult
        Per file: rows read, loaded and skipped because their id was already loaded.

    Raises
    ------
    LoadError
        With the file, line, column and the fix; the database is left unchanged.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     result = ca.load(store, ca.sample_dir())
    ...     again = ca.load(store, ca.sample_dir())
    >>> result.rows_loaded > 0, again.rows_loaded
    (True, 0)
    """
    if store.read_only:
        raise LoadError("the store is open read-only; open it for writing to load data")
    if kind is not None and kind not in EXPORT_TABLES:
        raise LoadError(f"unknown kind {kind!r}; use one of: {', '.join(EXPORT_TABLES)}")
    model = resolve_model(model)
    files = _expand(paths)
    done: list[FileLoad] = []
    try:
        with store.transaction() as con:
            for path in files:
                done.append(_load_file(con, path, kind, model))
    except duckdb.Error as exc:
        raise LoadError(f"load failed, nothing was loaded: {exc}") from None
    finally:
        for scratch in (_STAGING, _TYPED):
            store.con.execute(f"DROP TABLE IF EXISTS {scratch}")
    return LoadResult(tuple(done))


def _expand(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    files: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            found = sorted(p for p in item.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
            if not found:
                raise LoadError(
                    f"folder {item} holds no {'/'.join(SUPPORTED_SUFFIXES)} files to load"
                )
            files.extend(found)
        elif item.is_file():
            if item.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise LoadError(
                    f"{item}: cannot load {item.suffix or 'extension-less'} files yet; "
                    f"supported: {', '.join(SUPPORTED_SUFFIXES)}"
                )
            files.append(item)
        else:
            raise LoadError(f"{item}: no such file or folder")
    if not files:
        raise LoadError("no files given to load")
    return files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _load_file(
    con: duckdb.DuckDBPyConnection, path: Path, kind: str | None, model: CycleModel
) -> FileLoad:
    sha = _sha256(path)
    started = datetime.now(UTC)
    header = _read_csv(con, path)
    rows_read = con.execute(f"SELECT count(*) FROM {_STAGING}").fetchone()[0]
    table = EXPORT_TABLES[kind or _kind_of(path, header)]
    previous = con.execute(
        "SELECT load_id FROM loads WHERE sha256 = ? AND kind = ?", [sha, table.name]
    ).fetchone()
    if previous is not None:
        return FileLoad(
            path,
            table.name,
            rows_read,
            0,
            rows_skipped=rows_read,
            load_id=previous[0],
            already_loaded=True,
        )
    columns = _check(con, path, header, table, model)
    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()[0]
    key = table.primary_key
    before = con.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]
    con.execute(
        f"INSERT INTO {table.name} ({', '.join(columns)}, load_id) "
        f"SELECT {', '.join(columns)}, ? FROM {_TYPED} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table.name} t WHERE t.{key} = s.{key}) ORDER BY s._line",
        [load_id],
    )
    loaded = con.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0] - before
    con.execute(
        "INSERT INTO loads VALUES (?, ?, ?, ?, NULL, ?, ?, 0, ?, ?, ?)",
        [
            load_id,
            str(path),
            sha,
            table.name,
            rows_read,
            loaded,
            rows_read - loaded,
            started,
            datetime.now(UTC),
        ],
    )
    return FileLoad(
        path, table.name, rows_read, loaded, rows_skipped=rows_read - loaded, load_id=load_id
    )


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """Stage the file as text, one row per record with its line number; return the header."""
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_STAGING} AS "
            "SELECT row_number() OVER () + 1 AS _line, * FROM "
            "read_csv(?, header = true, all_varchar = true, auto_detect = true)",
            [str(path)],
        )
    except duckdb.Error as exc:
        raise LoadError(f"{path}: cannot read it as CSV: {exc}") from None
    return [r[0] for r in con.execute(f"DESCRIBE {_STAGING}").fetchall() if r[0] != "_line"]


def _kind_from_name(path: Path) -> str | None:
    stem = path.stem.lower()
    for name in EXPORT_TABLES:
        if stem.startswith(name) or stem.startswith(name.rstrip("s")):
            return name
    return None


def _kind_of(path: Path, header: Sequence[str]) -> str:
    by_name = _kind_from_name(path)
    if by_name:
        return by_name
    for table in EXPORT_TABLES.values():
        if table.primary_key in header:
            return table.name
    raise LoadError(
        f"{path}: cannot tell which table this file feeds: its name does not start with "
        f"{', '.join(EXPORT_TABLES)} and its header ({', '.join(header[:8])}) has none of their "
        "id columns; rename the file or pass --kind"
    )


def _check(
    con: duckdb.DuckDBPyConnection, path: Path, header: list[str], table: Table, model: CycleModel
) -> list[str]:
    """Check the staged file against ``table`` and build the typed table ``_TYPED`` from it.

    Returns the canonical columns the typed table holds (those in the file, plus ``stage``
    when it is derived from ``activity``). Stops at the first problem with a LoadError.
    """
    known = {c.name for c in table.data_columns}
    for column in table.data_columns:
        if column.required and column.name not in header:
            candidates = [h for h in header if table.closest_column(h) == column.name]
            hint = (
                f" The file has {candidates[0]!r}: rename it to {column.name!r}."
                if candidates
                else ""
            )
            raise LoadError(
                f"{path}: required column {column.name!r} is missing.{hint} The file's "
                f"columns are: {', '.join(header)}"
            )
    for name in header:
        if name not in known:
            close = table.closest_column(name)
            hint = f" Did you mean {close!r}?" if close else ""
            raise LoadError(
                f"{path}: column {name!r} is not a column of {table.name}.{hint} Expected "
                f"columns: {', '.join(c.name for c in table.data_columns)}. Rename it in the "
                "file (mapping files for other column names are coming)"
            )

    exprs: dict[str, str] = {}
    for column in table.data_columns:
        if column.name in header:
            _check_values(con, path, column.name, column.type, column.required)
            raw = f"nullif(trim(s.{column.name}), '')"
            exprs[column.name] = (
                raw if column.type == "VARCHAR" else f"CAST({raw} AS {column.type})"
            )
    if table.name == "interactions" and "stage" not in header and "activity" in header:
        exprs["stage"] = _stage_case(model)
    select = ", ".join(f"{expr} AS {name}" for name, expr in exprs.items())
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_TYPED} AS SELECT s._line, {select} FROM {_STAGING} s"
    )

    for name in exprs:
        check = table.column(name).check
        if check is None:
            continue
        line = con.execute(f"SELECT min(_line) FROM {_TYPED} WHERE NOT ({check})").fetchone()[0]
        if line is not None:
            found = con.execute(
                f"SELECT {name} FROM {_STAGING} WHERE _line = ?", [line]
            ).fetchone()[0]
            raise LoadError(
                f"{path}, line {line}, column {name!r}: found {found!r}, expected a value "
                f"with {check}"
            )
    if "stage" in header and table.name == "interactions":
        bad = con.execute(
            f"SELECT _line, stage FROM {_TYPED} WHERE stage IS NOT NULL "
            "AND NOT list_contains(?, stage) ORDER BY _line LIMIT 1",
            [list(model.order)],
        ).fetchone()
        if bad:
            close = difflib.get_close_matches(bad[1], model.order, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise LoadError(
                f"{path}, line {bad[0]}, column 'stage': {bad[1]!r} is not a stage of the model "
                f"{model.name!r}{hint}. Stages are: {', '.join(model.order)}; leave it empty for "
                "activities that belong to no stage"
            )
    key = table.primary_key
    dupe = con.execute(
        f"SELECT {key}, min(_line), max(_line) FROM {_TYPED} GROUP BY {key} "
        "HAVING count(*) > 1 ORDER BY 2 LIMIT 1"
    ).fetchone()
    if dupe:
        raise LoadError(
            f"{path}, lines {dupe[1]} and {dupe[2]}: {key} {dupe[0]!r} appears more than once; "
            "each row needs its own id"
        )
    return list(exprs)


def _check_values(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, sql_type: str, required: bool
) -> None:
    """Stop at the first empty required value or value that does not parse to the type."""
    raw = f"nullif(trim({name}), '')"
    if required:
        line = con.execute(f"SELECT min(_line) FROM {_STAGING} WHERE {raw} IS NULL").fetchone()[0]
        if line is not None:
            raise LoadError(
                f"{path}, line {line}, column {name!r}: the value is empty, but it is required"
            )
    if sql_type == "VARCHAR":
        return
    bad = con.execute(
        f"SELECT _line, {name} FROM {_STAGING} WHERE {raw} IS NOT NULL "
        f"AND TRY_CAST({raw} AS {sql_type}) IS NULL ORDER BY _line LIMIT 1"
    ).fetchone()
    if bad:
        raise LoadError(
            f"{path}, line {bad[0]}, column {name!r}: found {bad[1]!r}, expected "
            f"{_TYPE_WORDS.get(sql_type, sql_type)}"
        )


def _stage_case(model: CycleModel) -> str:
    """SQL mapping ``activity`` to a stage id by the model's aliases (NULL when none match).

    Aliases are normalised model data, so they are safe to inline as SQL string literals once
    single quotes are doubled.
    """
    whens = " ".join(
        "WHEN {} THEN '{}'".format("'" + alias.replace("'", "''") + "'", stage)
        for alias, stage in sorted(model.alias_map().items())
    )
    return f"CASE lower(regexp_replace(trim(s.activity), '\\s+', ' ', 'g')) {whens} ELSE NULL END"
