"""Load exports into a store: read, map, validate, quarantine, insert; one transaction.

The load is a pipeline with one module per concern:

1. *read*: a file becomes a relation of text columns numbered by record (:mod:`.readers`);
   CSV, Parquet and JSON are scanned in place, XES and xlsx are staged first;
2. *recognise* which canonical table it feeds, from the mapping, its name or its header;
3. *map* source columns and values to canonical ones (:mod:`.mapping`);
4. *validate and insert*: one scan types and checks every row and inserts the accepted ones
   straight into their table; a second scan keeps only the rejected rows, with their line,
   raw record and reason, for ``quarantine`` (:mod:`.validate`). Nothing else is
   materialised, so memory stays well below the size of a large file;
5. *settle ids*: a repeat of an id within the file is quarantined (the first row is kept);
   an id stored by an earlier load keeps the stored row (policy ``keep``, counted as
   skipped) or is replaced (policy ``update``); the load is recorded in ``loads`` with rows
   read = loaded + quarantined + skipped.

A call to :func:`load` is one transaction over all its files. File-level problems (unknown
kind, a required column no mapping supplies, an unreadable file) raise :class:`LoadError` and
change nothing. A file whose content (SHA-256) was loaded before is skipped.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from cycleanalytics.errors import (
    CycleAnalyticsError,
    LoadError,
    OptionError,
    StoreError,
    engine_fault,
)
from cycleanalytics.ingest import validate
from cycleanalytics.ingest.mapping import (
    Compiled,
    Mapping,
    compile_raw,
    read_mapping,
    unpivot_relation,
)
from cycleanalytics.ingest.readers import (
    FORMATS,
    GAPS,
    REJECTS,
    STAGING,
    Source,
    finish,
    magic_format,
    stage,
)
from cycleanalytics.model import CycleModel, resolve_model
from cycleanalytics.schema import EXPORT_TABLES, Table
from cycleanalytics.store import first_row

if TYPE_CHECKING:
    import pandas as pd

    from cycleanalytics.store import Store

POLICIES = ("keep", "update")
BY_TABLE_COLUMNS = (
    "table",
    "files",
    "rows_read",
    "rows_loaded",
    "rows_skipped",
    "rows_quarantined",
)
_SCRATCH = (
    STAGING,
    validate.TYPED,
    validate.REJECTED,
    validate.CANDIDATES,
    validate.SETTLED,
    *validate.REPEATS,
    REJECTS,
    GAPS,
    "_ca_csv_rejects",
    "_ca_csv_scans",
)

_SCAN_SETTINGS = ("preserve_insertion_order", "disabled_optimizers")


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
    rows_updated: int = 0
    rows_kept: int | None = None
    """For a file already loaded: how many rows that earlier load stored."""
    ambiguous_times: int = 0
    """Rows loaded with a local time the clocks went through twice (summer time ending),
    read as ``[timestamps] ambiguous`` says (the later instant by default)."""
    replaced_loads: tuple[int, ...] = ()
    """Earlier loads of the same file into the same table, with another mapping or model,
    whose rows this load replaced."""
    duplicates: int = 0
    """Rows that repeat an earlier record of the file exactly (counted where event ids are
    generated from the record: an id read from the file decides by itself)."""
    duplicates_kept: bool = False
    """Whether those duplicates were loaded as events of their own (``[load] duplicates =
    "keep"``) or quarantined, the first of each kept (the default)."""

    def duplicates_summary(self) -> str:
        """How many exact duplicates were found and what was done with them, in a line."""
        if self.duplicates_kept:
            return (
                f"{self.duplicates:,} exact duplicate record(s) found, kept as events of their "
                'own ([load] duplicates = "keep")'
            )
        return (
            f"{self.duplicates:,} exact duplicate record(s) found and quarantined (the first of "
            'each was loaded); to count them as events, set [load] duplicates = "keep" in the '
            "mapping"
        )


@dataclass(frozen=True)
class LoadResult:
    """What a call to :func:`load` did, file by file."""

    files: tuple[FileLoad, ...] = field(default_factory=tuple)
    skipped: tuple[tuple[Path, str], ...] = field(default_factory=tuple)
    """Files of the folders given that were not loaded, with why (not a table's name, a
    symbolic link out of the folder, a FIFO...)."""

    def by_table(self) -> pd.DataFrame:
        """Rows read, loaded, skipped (already present) and quarantined per table."""
        import pandas as pd

        return pd.DataFrame(self.table_rows(), columns=list(BY_TABLE_COLUMNS))

    def table_rows(self) -> list[tuple[str, int, int, int, int, int]]:
        """:meth:`by_table` as plain tuples, in table order (no pandas needed)."""
        totals: dict[str, list[int]] = {}
        for f in self.files:
            counts = (1, f.rows_read, f.rows_loaded, f.rows_skipped, f.rows_quarantined)
            total = totals.setdefault(f.kind, [0] * len(counts))
            total[:] = [a + b for a, b in zip(total, counts, strict=True)]
        return [(name, *totals[name]) for name in sorted(totals)]  # type: ignore[misc]

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

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

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)


def load(
    store: Store,
    paths: str | Path | Iterable[str | Path],
    *,
    kind: str | None = None,
    model: CycleModel | str | Path | None = None,
    mapping: Mapping | str | Path | None = None,
    policy: str = "keep",
    progress: Callable[[Path], None] | bool | None = None,
    strict: bool = False,
    max_quarantined: float | None = None,
) -> LoadResult:
    """Load exports (files, or folders of them) into ``store``, quarantining bad rows.

    Parameters
    ----------
    store
        The store to load into.
    paths
        Files or folders; a folder contributes, in name order, its CSV files and the files of
        other formats named after a table (``complaints_2026.parquet``).
    kind
        The table every file feeds (``interactions``, ``complaints``, ``customers``). By
        default the mapping's ``kind``, else recognised from the file name
        (``complaints_2026.csv``) or the header.
    model
        Cycle model whose stage ids the ``stage`` column must use; when a file has no
        ``stage`` column, stages are derived from ``activity`` by the mapping's rules and the
        model's aliases.
    mapping
        A mapping file (or :class:`~cycleanalytics.ingest.mapping.Mapping`) for exports that
        are not in the canonical format; see ``docs/mappings.md``.
    policy
        What to do with rows whose id is already in the store: ``keep`` the stored row
        (counted as skipped) or ``update`` it with the new one (counted as loaded and updated).
    progress
        Called with each file before it is loaded (the CLI draws a progress bar with it).
        By default (``None``) a load in a Jupyter kernel shows its progress, as a widget when
        ipywidgets is installed and as one line of text otherwise, and is silent elsewhere;
        ``True`` shows it outside a kernel too (as text), ``False`` nowhere.
    strict
        Fail (and change nothing) at the first row that would be quarantined, instead of
        quarantining it.
    max_quarantined
        The largest share of a file's rows that may be quarantined (default 0.5, or the
        environment variable ``CYCLEANALYTICS_MAX_QUARANTINED``): a file with more, or with
        every row quarantined, fails the load (nothing is loaded) with the commonest reason
        and the mapping setting that fixes it. ``1`` lets every file through.

    Returns
    -------
    LoadResult
        Per file: rows read, loaded, quarantined and skipped (rows read = loaded +
        quarantined + skipped).

    Raises
    ------
    LoadError
        For a file that cannot be loaded at all, or with more than ``max_quarantined`` of
        its rows quarantined, with the file and the fix; the database is left unchanged.
    OutOfMemoryError
        When DuckDB runs out of the memory it may use (the database is left unchanged).

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     result = ca.load(store, ca.sample_dir())
    ...     again = ca.load(store, ca.sample_dir())
    >>> result.rows_loaded > 0, result.rows_quarantined, again.rows_loaded
    (True, 0, 0)
    """
    if store.read_only:
        raise LoadError("the store is open read-only; open it for writing to load data")
    if kind is not None and kind not in EXPORT_TABLES:
        raise LoadError(f"unknown kind {kind!r}; use one of: {', '.join(EXPORT_TABLES)}")
    if policy not in POLICIES:
        raise LoadError(f"unknown policy {policy!r}; use one of: {', '.join(POLICIES)}")
    model = resolve_model(model)
    if mapping is None:
        mapping = Mapping()
    elif not isinstance(mapping, Mapping):
        mapping = read_mapping(mapping, model)
    share = _share(max_quarantined, mapping.max_quarantined)
    identity = load_identity(mapping, model)
    files, skipped = _expand(paths)
    done: list[FileLoad] = []
    mark = store.file_mark()
    restore = {
        name: first_row(store.con, "SELECT current_setting($name)", {"name": name})[0]
        for name in _SCAN_SETTINGS
    }
    try:
        with (
            _query_tracking(store.con),
            _progress_display(progress, store.con, len(files)) as announce,
            store.transaction() as con,
        ):
            for path in files:
                if announce is not None:
                    announce(path)
                done.append(
                    _load_file(con, path, kind, model, mapping, policy, strict, identity, share)
                )
    except duckdb.Error as exc:
        store.trim_on_close(mark)  # the file as it was, once closed: a full disk is freed
        raise engine_error(exc, store) from None
    except BaseException:
        store.trim_on_close(mark)
        raise
    finally:
        for name, value in restore.items():  # a failed scan cannot restore them itself
            with suppress(duckdb.Error):
                store.con.execute(f"SET {name} = $value", {"value": value})
        for scratch in _SCRATCH:
            store.con.execute(f"DROP TABLE IF EXISTS {scratch}")
    _check_committed(store, done)
    return LoadResult(tuple(done), skipped=tuple(skipped))


def _check_committed(store: Store, done: list[FileLoad]) -> None:
    """Read back what the load committed: per file, the rows its table and the quarantine
    hold under its load id, and its ``loads`` row, must be the counts the load reports.

    (A file's rows that a later file of the same call updated, with policy ``update``, are
    gone from under its load id: for such a file, fewer rows, never more, are expected.)
    This is what DuckDB can tell after a commit: reading the ``load_id`` column of each
    table checks the checksum of every block of it that comes from the file, so damage met
    there is reported now, not by a later metric. A damaged block the load never reads (an
    old row's text, say) is found by the first command that reads it (exit 5, one line).
    """
    new = [f for f in done if not f.already_loaded]
    if not new:
        return
    ids = [f.load_id for f in new]
    try:
        stored: dict[int, int] = {}
        for table in sorted({f.kind for f in new}):
            stored.update(
                store.con.execute(
                    f"SELECT load_id, count(*) FROM {table} WHERE load_id IN ? GROUP BY load_id",
                    [ids],
                ).fetchall()
            )
        quarantined = dict(
            store.con.execute(
                "SELECT load_id, count(*) FROM quarantine WHERE load_id IN ? GROUP BY load_id",
                [ids],
            ).fetchall()
        )
        recorded = {
            r[0]: r[1:]
            for r in store.con.execute(
                "SELECT load_id, rows_loaded, rows_quarantined FROM loads WHERE load_id IN ?",
                [ids],
            ).fetchall()
        }
    except duckdb.Error as exc:
        fault = engine_fault(exc, store.path, "the load was committed, but cannot be read back")
        raise fault or engine_error(exc, store) from None
    for i, f in enumerate(new):
        found = (stored.get(f.load_id, 0), quarantined.get(f.load_id, 0))
        expected = (f.rows_loaded, f.rows_quarantined)
        # a later file of the call with policy update may have replaced some of these rows
        updated_later = any(g.kind == f.kind and g.rows_updated for g in new[i + 1 :])
        if updated_later and found[0] <= expected[0]:
            found = (expected[0], found[1])
        if found != expected or recorded.get(f.load_id) != expected:
            raise StoreError(
                f"the database {store.path or '(in memory)'} does not hold what load "
                f"{f.load_id} of {f.file} committed: {expected[0]:,} rows and {expected[1]:,} "
                f"quarantined were written, {found[0]:,} and {found[1]:,} are read back. The "
                "database file may be damaged; check it with a copy of the exports"
            )


def engine_error(exc: duckdb.Error, store: Store | None = None) -> CycleAnalyticsError:
    """The error to raise for a DuckDB error that stopped a load: its root cause, in one
    line (DuckDB's further lines may quote the file), with the setting, disk or database to
    look at (:func:`~cycleanalytics.errors.engine_fault`).

    The transaction has been rolled back, so the database is as it was.
    """
    database = store.path if store is not None else None
    fault = engine_fault(exc, database, "nothing was loaded")
    if fault is not None:
        return fault
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return LoadError(f"load failed, nothing was loaded: {message}")


DEFAULT_MAX_QUARANTINED = 0.5


def _share(value: float | None, mapped: float | None = None) -> float:
    """The largest share of a file's rows that may be quarantined, checked: the option, else
    ``CYCLEANALYTICS_MAX_QUARANTINED``, else the mapping's ``[load] max_quarantined``, else
    :data:`DEFAULT_MAX_QUARANTINED`."""
    if value is None:
        text = os.environ.get("CYCLEANALYTICS_MAX_QUARANTINED")
        if not text:
            return DEFAULT_MAX_QUARANTINED if mapped is None else float(mapped)
        try:
            value = float(text)
        except ValueError:
            raise OptionError(
                f"CYCLEANALYTICS_MAX_QUARANTINED={text!r} is not a number; use a share from 0 "
                "to 1, e.g. 0.5"
            ) from None
    if isinstance(value, bool) or not 0 <= value <= 1:
        raise OptionError(f"max_quarantined {value!r} is not a share from 0 to 1")
    return float(value)


def load_identity(mapping: Mapping, model: CycleModel) -> str:
    """What, besides a file's content, decides what a load of it stores: the mapping's
    content (not its path), the model's stages and aliases, the pseudonym key. SHA-256."""
    import json

    described = {
        "mapping": None if mapping.is_identity else _plain(dataclasses.asdict(mapping)),
        "model": [model.name, list(model.order), sorted(model.alias_map().items())],
    }
    if mapping.pseudonymize:
        key = os.environ.get(mapping.key_env, "")
        described["key"] = hashlib.sha256(key.encode("utf-8")).hexdigest()
    text = json.dumps(described, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(data: dict[str, object]) -> dict[str, object]:
    data = dict(data)
    data.pop("source", None)  # the same mapping moved elsewhere is the same mapping
    return data


def _loadable(path: Path) -> bool:
    """In a folder: CSV files, and files of any format named after a table
    (``complaints_2026.parquet``); other files (``truth.json``, ``README.md``) are left alone."""
    name = path.name.lower()
    if not any(name.endswith(ending) for ending in FORMATS):
        return False
    return name.endswith((".csv", ".csv.gz")) or _kind_from_name(path) is not None


def _expand(
    paths: str | Path | Iterable[str | Path],
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The files to load, and the files of the folders given that were left out, with why.

    A folder contributes its regular files that :func:`_loadable` accepts; symbolic links
    are followed only to files inside the folder; FIFOs, sockets, devices and sub-folders
    are never opened. Nothing is read from a skipped file but its first bytes' magic number.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for item in map(Path, items):
        if item.is_dir():
            found = []
            root = item.resolve()
            for entry in sorted(item.iterdir()):
                why = _skip_reason(entry, root)
                if why is None:
                    found.append(entry)
                elif not entry.name.startswith("."):
                    skipped.append((entry, why))
            if not found:
                listed = "; ".join(f"{p.name}: {why}" for p, why in skipped[-10:])
                raise LoadError(
                    f"folder {item} holds no files to load ({', '.join(FORMATS)})"
                    + (f"; skipped {listed}" if listed else "")
                )
            files.extend(found)
        elif item.is_file():
            files.append(item)
        elif item.exists():
            raise LoadError(f"{item}: not a regular file ({_file_type(item)}); nothing was read")
        else:
            raise LoadError(f"{item}: no such file or folder")
    if not files:
        raise LoadError("no files given to load")
    return files, skipped


def _file_type(path: Path) -> str:
    import stat

    mode = path.lstat().st_mode
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a broken symbolic link"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _skip_reason(entry: Path, root: Path) -> str | None:
    """Why a folder's ``entry`` is not loaded, or None to load it."""
    if entry.is_symlink():
        target = entry.resolve()
        if not target.is_relative_to(root):
            return "a symbolic link to a file outside the folder, not followed"
    if entry.is_dir():
        return "a folder (folders are not searched)"
    if not entry.is_file():
        return _file_type(entry) + ", not read"
    if _loadable(entry):
        return None
    name = entry.name.lower()
    if any(name.endswith(ending) for ending in FORMATS):
        return (
            "not named after a table (interactions*, complaints*, customers*); load it by "
            "name with --kind to include it"
        )
    looks = magic_format(entry)
    hint = f"; it looks like {looks}: add the extension, or load it by name" if looks else ""
    return f"not a supported file name ending ({', '.join(FORMATS)}){hint}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    kind: str | None,
    model: CycleModel,
    mapping: Mapping,
) -> tuple[str, list[str], list[str], list[str]]:
    """Read, map and validate one file into the scratch tables, without inserting anything.

    Returns the table name, the canonical columns, the header and the unused source columns.
    Used by the load and by ``mapping check``.
    """
    source = stage(con, path, mapping.read)
    try:
        header = source.header
        table = EXPORT_TABLES[kind or mapping.kind or _kind_of(path, header)]
        compiled, unused = compile_raw(mapping, table, header, path)
        if mapping.unpivot and table.name == "interactions":
            source.relation = unpivot_relation(source.relation, mapping)
        columns = validate.build_typed(con, source, compiled, table, mapping, model)
        validate.mark_duplicates(con, table.primary_key)
        validate.collect_rejects(con, source, table.primary_key, compiled)
    finally:
        source.close()
    return table.name, columns, header, unused


def _load_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    kind: str | None,
    model: CycleModel,
    mapping: Mapping,
    policy: str,
    strict: bool = False,
    identity: str | None = None,
    share: float = 1.0,
) -> FileLoad:
    sha = _sha256(path)
    started = datetime.now(UTC)
    identity = identity or load_identity(mapping, model)
    # The same content loaded before with the same mapping and model (into the same table,
    # when the kind is known): nothing to do, and no need to read the file again. Loads
    # recorded before identities were kept match by mapping file.
    previous = first_row(
        con,
        "SELECT load_id, kind, rows_read, rows_loaded FROM loads WHERE sha256 = $sha "
        "AND ($kind IS NULL OR kind = $kind) AND (identity = $identity OR (identity IS NULL "
        "AND mapping IS NOT DISTINCT FROM $mapping)) ORDER BY load_id LIMIT 1",
        {"sha": sha, "kind": kind or mapping.kind, "identity": identity, "mapping": mapping.source},
    )
    if previous is not None:
        load_id, name, rows_read, rows_loaded = previous
        return FileLoad(
            path,
            name,
            rows_read,
            0,
            rows_skipped=rows_read,
            load_id=load_id,
            already_loaded=True,
            rows_kept=rows_loaded,
        )
    load_id = first_row(con, "SELECT coalesce(max(load_id), 0) + 1 FROM loads")[0]
    source = stage(con, path, mapping.read)
    try:
        if mapping.pseudonymize:
            # raw text of records set aside before mapping could hold what is pseudonymised
            source.withhold_raw = True
            con.execute(f"UPDATE {REJECTS} SET record = NULL")
        table = EXPORT_TABLES[kind or mapping.kind or _kind_of(path, source.header)]
        compiled, _ = compile_raw(mapping, table, source.header, path)
        if mapping.unpivot and table.name == "interactions":
            source.relation = unpivot_relation(source.relation, mapping)
        replaced = _replace_earlier(con, sha, table.name)
        stored = first_row(con, f"SELECT count(*) FROM {table.name}")[0]
        if mapping.session_gap and "case_id" not in compiled.raw:
            rows_read, inserted, repeats = _insert_sessionized(
                con, source, compiled, table, mapping, model, load_id
            )
        else:
            rows_read, inserted, repeats = _insert_streamed(
                con, source, compiled, table, mapping, model, load_id
            )
        rows_read += source.rejected_early
    finally:
        source.close()
    quarantined = first_row(con, f"SELECT count(*) FROM {REJECTS}")[0]
    if strict and quarantined:
        first = first_row(con, f"SELECT reason FROM {REJECTS} ORDER BY _line LIMIT 1")[0]
        raise LoadError(
            f"{path}, {first} ({quarantined} row(s) would be quarantined; without --strict "
            "they are set aside in the quarantine table and the rest loads)"
        )
    if quarantined and quarantined > share * rows_read:
        raise LoadError(_too_many_rejected(con, path, quarantined, rows_read, share, mapping))
    con.execute(
        f"INSERT INTO quarantine SELECT ?, ?, _line, record, reason FROM {REJECTS}",
        [load_id, str(path)],
    )
    # Ids already stored by earlier loads: the new rows went in beside them; now keep one.
    key = table.primary_key
    skipped = updated = 0
    if stored and inserted:
        new, old = "load_id = $ca_load", "load_id IS DISTINCT FROM $ca_load"
        if policy == "update":  # the stored rows go
            updated = _count(
                con,
                f"DELETE FROM {table.name} WHERE {old} AND {key} IN "
                f"(SELECT {key} FROM {table.name} WHERE {new})",
                {"ca_load": load_id},
            )
        else:  # the new rows go
            skipped = _count(
                con,
                f"DELETE FROM {table.name} WHERE {new} AND {key} IN "
                f"(SELECT {key} FROM {table.name} WHERE {old})",
                {"ca_load": load_id},
            )
    ambiguous = _count_ambiguous(con, table, compiled, mapping, load_id)
    duplicates = _count_duplicates(con, table, compiled, mapping, load_id)
    loaded = inserted - repeats - skipped
    skipped = rows_read - loaded - quarantined
    con.execute(
        "INSERT INTO loads (load_id, file, sha256, kind, mapping, rows_read, rows_loaded, "
        "rows_quarantined, rows_skipped, rows_updated, policy, started_at, finished_at, "
        "identity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            str(path),
            sha,
            table.name,
            mapping.source,
            rows_read,
            loaded,
            quarantined,
            skipped,
            updated,
            policy,
            started,
            datetime.now(UTC),
            identity,
        ],
    )
    return FileLoad(
        path,
        table.name,
        rows_read,
        loaded,
        rows_skipped=skipped,
        rows_quarantined=quarantined,
        load_id=load_id,
        rows_updated=updated,
        replaced_loads=replaced,
        ambiguous_times=ambiguous,
        duplicates=duplicates,
        duplicates_kept=mapping.duplicates == "keep",
    )


def _count_duplicates(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    compiled: Compiled,
    mapping: Mapping,
    load_id: int,
) -> int:
    """How many rows of load ``load_id`` repeat an earlier record of their file exactly.

    Only ids generated from the record tell: quarantined repeats of such an id are exact
    duplicates; kept ones (``[load] duplicates = "keep"``) share their ids but for the row."""
    key = table.primary_key
    if key not in compiled.generated:
        return 0
    if mapping.duplicates == "keep":
        # the id without its row (…:<file>:<row>, then :<event> when unpivoted, counting the
        # first event of each row alone)
        first = f"AND suffix({key}, ':001')" if mapping.unpivot else ""
        record = f"regexp_replace({key}, ':[0-9]+(:[0-9]{{3}})?$', '')"
        return first_row(
            con,
            f"SELECT count(*) - count(DISTINCT {record}) FROM {table.name} "
            f"WHERE load_id = $id {first}",
            {"id": load_id},
        )[0]
    return first_row(
        con, f"SELECT count(*) FROM {REJECTS} WHERE contains(reason, ' appears more than once')"
    )[0]


def _count_ambiguous(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    compiled: Compiled,
    mapping: Mapping,
    load_id: int,
) -> int:
    """How many rows of load ``load_id`` hold a time read from a repeated local time: the
    instants of the hour after (read the later way) or before (the earlier way) each time the
    mapping's zone puts its clocks back."""
    if not mapping.timezone or mapping.ambiguous == "reject":
        return 0
    columns = [
        c.name for c in table.data_columns if c.type == "TIMESTAMPTZ" and c.name in compiled.raw
    ]
    spans = validate.folds(mapping.timezone)
    if not columns or not spans:
        return 0
    earlier = mapping.ambiguous == "earlier"
    starts = [t - by if earlier else t for t, by in spans]
    ends = [t if earlier else t + by for t, by in spans]
    # the UTC hours those instants fall in: a cheap test before the spans are compared
    hours = sorted({(start + timedelta(minutes=m)).hour for start in starts for m in (0, 59)})
    utc_hours = ", ".join(map(str, hours))
    inside = " OR ".join(
        f"((epoch_us(t.{c}) // 3600000000) % 24 IN ({utc_hours}) AND EXISTS (SELECT 1 FROM "
        f"(SELECT unnest($lo) AS lo, unnest($hi) AS hi) r WHERE t.{c} >= r.lo AND t.{c} < r.hi))"
        for c in columns
    )
    return first_row(
        con,
        f"SELECT count(*) FROM {table.name} t WHERE load_id = $id AND ({inside})",
        {"id": load_id, "lo": starts, "hi": ends},
    )[0]


def _replace_earlier(con: duckdb.DuckDBPyConnection, sha: str, table: str) -> tuple[int, ...]:
    """Remove what earlier loads of the same content into ``table`` stored (they used another
    mapping or model: loads with the same identity were found before reading the file).
    Returns their load ids; this runs inside the load's transaction."""
    earlier = tuple(
        r[0]
        for r in con.execute(
            "SELECT load_id FROM loads WHERE sha256 = $sha AND kind = $kind ORDER BY load_id",
            {"sha": sha, "kind": table},
        ).fetchall()
    )
    if earlier:
        ids = {"ids": list(earlier)}
        con.execute(f"DELETE FROM {table} WHERE list_contains($ids, load_id)", ids)
        con.execute("DELETE FROM quarantine WHERE list_contains($ids, load_id)", ids)
        con.execute("DELETE FROM loads WHERE list_contains($ids, load_id)", ids)
    return earlier


_FIXES = (
    ("expected a timestamp in the format", "check `format` under [timestamps] in the mapping"),
    (
        "expected a timestamp",
        "set the timestamps' format under [timestamps] in a mapping "
        '(format = "%d/%m/%Y %H:%M", strptime codes)',
    ),
    ("does not exist in", "check `timezone` under [timestamps] (a clock change skips it)"),
    ("is empty, but it is required", "map a source column to it under [columns]"),
    ("is not a stage of the model", "add [[stages]] rules to the mapping, or pass --model"),
    ("not valid UTF-8", "set `encoding` under [read] (e.g. cp1252)"),
    ("wrong number of fields", "set `delimiter` and `quote` under [read]"),
    ("expected a whole number", "map its values under [values.<column>] or [rescale.<column>]"),
    ("expected a number", "map its values under [values.<column>]"),
    ("expected a value with", "map its values under [values.<column>] or [rescale.<column>]"),
    (
        "appears more than once",
        "map the id under [columns] to a column that is unique, or, for exact duplicate "
        'records of an id generated from the record, set [load] duplicates = "keep"',
    ),
)


def _too_many_rejected(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    quarantined: int,
    rows_read: int,
    share: float,
    mapping: Mapping,
) -> str:
    """The message of a load stopped because too many rows would be quarantined."""
    # The same problem on many lines: the reason without its line and value.
    pattern = (
        "regexp_replace(regexp_replace(reason, '^lines? [0-9]+( and [0-9]+)?(: |, )', ''), "
        "'found ''.*'', expected', 'found ..., expected')"
    )
    reason, count, line, example = first_row(
        con,
        f"SELECT {pattern} AS p, count(*) AS n, min(_line), arg_min(reason, _line) "
        f"FROM {REJECTS} GROUP BY p ORDER BY n DESC, min(_line) LIMIT 1",
    )
    fix = next((f for text, f in _FIXES if text in reason), "fix the file or the mapping")
    every = "every row" if quarantined == rows_read else f"{quarantined:,} of {rows_read:,} rows"
    return (
        f"{path}: {every} would be quarantined (the limit is {share:.0%}), so nothing was "
        f"loaded. Commonest reason ({count:,} {'row' if count == 1 else 'rows'}, first at line "
        f"{line}): {example}. "
        f"Fix: {fix}. To load the rest anyway, allow more with --max-quarantined, "
        "CYCLEANALYTICS_MAX_QUARANTINED=1 or the mapping's [load] max_quarantined"
    )


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: object = None) -> int:
    """Run an INSERT or DELETE and return how many rows it changed."""
    row = first_row(con, sql, params)
    return int(row[0]) if row else 0


def _insert_streamed(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    compiled: Compiled,
    table: Table,
    mapping: Mapping,
    model: CycleModel,
    load_id: int,
) -> tuple[int, int, int]:
    """Insert the accepted rows straight from the file, in one parallel scan that hands the
    rejected ones over as it goes (:func:`~cycleanalytics.ingest.validate.rejected_rows`).

    Nothing is materialised besides the table itself, and no rule is evaluated twice. Only
    when rows were rejected from a file that does not number its rows (CSV, JSON) is it
    read once more, in order, to find their lines. Repeated ids are found afterwards by one
    aggregate over the new rows' id hashes; only when there are some is the file read
    again, for those ids alone.

    Returns rows read, rows inserted and how many of them were repeats, removed again.
    """
    q = validate.typed_query(source, compiled, table, mapping, model)
    cols = ", ".join(q.columns)
    key = _sifting_column(mapping, table, source.header)
    # Row order does not matter in the table (repeats are found by line, below), and letting
    # DuckDB write in any order lets it fill whole row groups instead of merging small ones
    # again at the next checkpoint. The filter stays where it is written, above the typed
    # values: pushed down, it would recompute the typed values it checks (timestamps in a
    # time zone, scores) once for the check and again for the insert.
    with (
        validate.rejected_rows(con) as handed_over,
        _setting(con, "preserve_insertion_order", False),
        _setting(con, "disabled_optimizers", "filter_pushdown"),
    ):
        inserted = validate.run_scan(
            con,
            source,
            f"INSERT INTO {table.name} ({cols}, load_id) SELECT {cols}, $ca_load "
            f"FROM {q.relation} WHERE {q.accepted(source, key)}",
            {**q.params, "ca_load": load_id},
        )
    # records DuckDB could not split, and the line shifts they (and blank lines) cause
    finish(con, source, lines=bool(handed_over.batches or handed_over.overflow))
    rejected = validate.quarantine_rejected(con, source, handed_over, q, key)
    gaps = first_row(con, f"SELECT count(*) FROM {GAPS} WHERE NOT blank")[0]
    repeats = validate.remove_repeats(con, source, q, table, load_id) if inserted > 1 else 0
    return inserted + rejected + gaps, inserted, repeats


def _sifting_column(mapping: Mapping, table: Table, header: list[str]) -> str:
    """The source column most likely to tell records apart: the one the table's id is read
    from, else the first."""
    spec = mapping.columns.get(table.primary_key, table.primary_key)
    if isinstance(spec, dict):
        spec = spec.get("column")
    return spec if spec in header else header[0]


# -- progress ------------------------------------------------------------------------------
#: DuckDB's progress settings, in the order they are changed: printing off first, so that
#: tracking never draws DuckDB's own bar (on a terminal or, in a kernel, as a widget).
_PROGRESS_SETTINGS = (("enable_progress_bar_print", False), ("enable_progress_bar", True))


@contextmanager
def _query_tracking(con: duckdb.DuckDBPyConnection) -> Iterator[bool]:
    """Have DuckDB track the running query's progress (``con.query_progress()``, which the
    CLI and the notebook widget follow) without drawing anything itself, for a block; then
    the settings are as they were. Yields whether tracking is on.

    DuckDB refuses any change to these settings on a connection opened in a Jupyter kernel
    without ipywidgets; the load then goes on untracked (progress per file only), and the
    connection is left exactly as it was, so the store keeps working.
    """
    before = {
        name: first_row(con, "SELECT current_setting($name)", {"name": name})[0]
        for name, _ in _PROGRESS_SETTINGS
    }
    changed = []
    try:
        for name, value in _PROGRESS_SETTINGS:
            con.execute(f"SET {name} = $value", {"value": value})
            changed.append(name)
    except duckdb.InvalidInputException:  # "Could not change the progress bar setting"
        pass
    try:
        yield len(changed) == len(_PROGRESS_SETTINGS)
    finally:
        for name in reversed(changed):  # a failed transaction cannot SET: nothing to hide
            with suppress(duckdb.Error):
                con.execute(f"SET {name} = $value", {"value": before[name]})


def in_notebook() -> bool:
    """Whether this is a Jupyter kernel (a notebook, JupyterLab, VS Code's notebooks)."""
    if "ipykernel" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


@contextmanager
def _progress_display(
    progress: Callable[[Path], None] | bool | None, con: duckdb.DuckDBPyConnection, files: int
) -> Iterator[Callable[[Path], None] | None]:
    """The function a load announces each file to: the caller's ``progress``; by default in a
    Jupyter kernel a widget (ipywidgets) or a line of text that is cleared at the end; else
    none."""
    if progress is not None and progress is not True and progress is not False:
        yield progress
        return
    if progress is False or (progress is None and not in_notebook()) or files == 0:
        yield None
        return
    try:
        import ipywidgets
    except ImportError:
        ipywidgets = None
    if ipywidgets is None:
        with _text_progress(files) as announce:
            yield announce
        return
    with _widget_progress(ipywidgets, con, files) as announce:
        yield announce


@contextmanager
def _text_progress(files: int) -> Iterator[Callable[[Path], None]]:
    """One line of plain text, rewritten for each file (``\\r``) and cleared at the end."""
    shown = [0, 0]  # files announced, width of the line

    def announce(path: Path) -> None:
        shown[0] += 1
        line = f"loading {path.name} ({shown[0]} of {files})"
        print(f"\r{line:<{shown[1]}}", end="", flush=True)
        shown[1] = max(shown[1], len(line))

    try:
        yield announce
    finally:
        if shown[0]:
            print("\r" + " " * shown[1] + "\r", end="", flush=True)


@contextmanager
def _widget_progress(
    ipywidgets: object, con: duckdb.DuckDBPyConnection, files: int
) -> Iterator[Callable[[Path], None]]:
    """A progress bar widget: the file being loaded, and the share of it DuckDB has scanned
    (followed from a thread); closed at the end."""
    from IPython.display import display

    bar = ipywidgets.FloatProgress(min=0, max=100, value=0)  # type: ignore[attr-defined]
    label = ipywidgets.Label("loading")  # type: ignore[attr-defined]
    box = ipywidgets.HBox([label, bar])  # type: ignore[attr-defined]
    display(box)
    shown = [0, 0.0]  # files announced, the running file's share scanned
    stop = threading.Event()

    def announce(path: Path) -> None:
        shown[0] += 1
        shown[1] = 0.0
        label.value = f"loading {path.name} ({shown[0]} of {files})"
        bar.value = 100 * (shown[0] - 1) / files

    def follow() -> None:
        while not stop.wait(0.25):
            with suppress(duckdb.Error):
                done = con.query_progress()
                if done > shown[1]:  # -1: no query running, or too early to tell
                    shown[1] = done
                    bar.value = 100 * (shown[0] - 1 + done / 100) / files

    thread = threading.Thread(target=follow, name="load-progress", daemon=True)
    thread.start()
    try:
        yield announce
    finally:
        stop.set()
        thread.join()
        box.close()


@contextmanager
def _setting(con: duckdb.DuckDBPyConnection, name: str, value: bool | str) -> Iterator[None]:
    """DuckDB setting ``name`` set to ``value`` for a block, then as it was."""
    before = first_row(con, "SELECT current_setting($name)", {"name": name})[0]
    con.execute(f"SET {name} = $value", {"value": value})
    try:
        yield
    except BaseException:
        # In a failed transaction the SET would fail too, and hide the error that matters.
        with suppress(duckdb.Error):
            con.execute(f"SET {name} = $value", {"value": before})
        raise
    con.execute(f"SET {name} = $value", {"value": before})


def _insert_sessionized(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    compiled: Compiled,
    table: Table,
    mapping: Mapping,
    model: CycleModel,
    load_id: int,
) -> tuple[int, int, int]:
    """Case ids derived by sessionizing need every event of a customer first: type and check
    the rows into a scratch table, then insert the accepted ones from it."""
    columns = validate.build_typed(con, source, compiled, table, mapping, model)
    validate.mark_duplicates(con, table.primary_key)
    validate.collect_rejects(con, source, table.primary_key, compiled)
    rows_read = first_row(
        con,
        f"SELECT (SELECT count(*) FROM {validate.TYPED}) "
        f"+ (SELECT count(*) FROM {GAPS} WHERE NOT blank)",
    )[0]
    cols = ", ".join(columns)
    inserted = _count(
        con,
        f"INSERT INTO {table.name} ({cols}, load_id) SELECT {cols}, ? "
        f"FROM {validate.TYPED} WHERE _reason = ''",
        [load_id],
    )
    return rows_read, inserted, 0


def _kind_from_name(path: Path) -> str | None:
    stem = path.name.lower()
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
        "id columns; rename the file, pass --kind, or set `kind` in a mapping file"
    )
