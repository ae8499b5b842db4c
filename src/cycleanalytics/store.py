"""The store: one object that owns a DuckDB database and hands out Ibis tables."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb

from cycleanalytics.errors import OptionError, StoreError
from cycleanalytics.schema import ADDED_COLUMNS, TABLES

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends.duckdb import Backend

T = TypeVar("T")


class Store:
    """A cycleanalytics database: a DuckDB file, or an in-memory database when ``path`` is None.

    Opening a store creates the canonical tables when they are missing. Timestamps are read
    and written in UTC. DuckDB never downloads extensions from a store (no network at run
    time).

    Parameters
    ----------
    path
        Database file; created when missing, with its folder. ``None`` or ``":memory:"`` for
        an in-memory one.
    read_only
        Open an existing file for reading only (several readers may share it).
    memory_limit, temp_directory
        DuckDB's own settings, for data larger than memory (e.g. ``"4GB"``).

    Examples
    --------
    >>> with Store() as store:
    ...     sorted(store.counts())
    ['complaints', 'customers', 'interactions', 'loads', 'quarantine']
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        read_only: bool = False,
        memory_limit: str | None = None,
        temp_directory: str | Path | None = None,
    ) -> None:
        self.path = None if path in (None, ":memory:") else Path(path)
        if self.path is not None and read_only and not self.path.exists():
            raise StoreError(
                f"database {self.path} does not exist; create it with `cycleanalytics load`"
            )
        config: dict[str, str | bool] = {
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": True,
        }
        if memory_limit:
            config["memory_limit"] = _memory_limit(memory_limit)
        if temp_directory:
            config["temp_directory"] = str(temp_directory)
        if self.path is not None and self.path.exists() and not self.path.is_file():
            raise StoreError(f"database {self.path} is not a file")
        if self.path is not None and not read_only and not self.path.parent.is_dir():
            try:  # a new database in a new folder: the folder is made too
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                why = exc.strerror or str(exc)
                if isinstance(exc, FileExistsError | NotADirectoryError):
                    why = "a file is in the way: a folder on its path is a file"
                raise StoreError(
                    f"cannot create the folder of database {self.path} ({why}); "
                    "choose a path in a folder you can write to"
                ) from None
        try:
            self.con = duckdb.connect(
                str(self.path) if self.path else ":memory:", read_only=read_only, config=config
            )
        except duckdb.Error as exc:
            message = _first_line(exc)
            if isinstance(exc, duckdb.IOException) and "lock" in message.lower():
                raise StoreError(
                    f"database {self.path} is busy: another process is writing to it; "
                    "wait for it to finish and try again"
                ) from None
            raise StoreError(
                f"cannot open database {self.path}: it is not a readable DuckDB database "
                f"({message})"
            ) from None
        self.read_only = read_only
        self._backend: Backend | None = None
        self._tables: dict[str, ir.Table] = {}  # canonical tables' schemas are fixed
        self._remembered: dict[tuple[object, ...], object] = {}
        self._trim: tuple[int, bytes] | None = None
        try:
            self.con.execute("SET TimeZone = 'UTC'")
            if read_only:
                self._check_tables()
            else:
                self._check_foreign()
                self._create_tables()
        except duckdb.Error as exc:
            self.con.close()
            raise StoreError(
                f"cannot use database {self.path}: it is damaged or not a cycleanalytics "
                f"database ({_first_line(exc)})"
            ) from None
        except StoreError:
            self.con.close()
            raise

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()
        if self._trim is not None:
            _give_back(self.path, *self._trim)  # type: ignore[arg-type]
            self._trim = None

    # -- what a failed write leaves behind --------------------------------------------------
    def file_mark(self) -> tuple[int, bytes] | None:
        """The database file's size and headers now (None in memory, or where they cannot be
        read without disturbing DuckDB): see :meth:`trim_on_close`."""
        if self.path is None:
            return None
        fd = _open_fd(self.path)
        if fd is None:
            return None
        try:
            return os.fstat(fd).st_size, os.pread(fd, _HEADERS, 0)
        except OSError:
            return None

    def trim_on_close(self, mark: tuple[int, bytes] | None) -> None:
        """After a failed write (rolled back) that began at ``mark``: when the store closes,
        give back the blocks DuckDB added to the file for it.

        DuckDB writes a large insert's blocks to the file before it commits and, on rollback,
        only marks them free: a load that failed on a full disk left the file grown to fill
        it. The tail is cut off only when it is certainly unused: the file's headers (which
        say what the database holds) are byte for byte those of ``mark`` after DuckDB closed
        it, and no write-ahead log is left to replay. Then the file is as it was at ``mark``.
        """
        if mark is None:
            return
        if self._trim is None or self._trim[1] != mark[1]:
            self._trim = mark  # the earliest mark since the last checkpoint

    def __repr__(self) -> str:
        return f"Store({str(self.path) if self.path else ':memory:'!r})"

    # -- schema ----------------------------------------------------------------------------
    def _create_tables(self) -> None:
        with self.transaction():
            for table in TABLES.values():
                self.con.execute(table.ddl())
            # databases made before a column was added to a table: add it (NULL in old rows)
            for name, column in ADDED_COLUMNS:
                ddl = TABLES[name].column(column).ddl()
                self.con.execute(f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS {ddl}")

    def _check_foreign(self) -> None:
        """Refuse, before writing anything, a database that holds tables but is not a
        cycleanalytics database (another application's file)."""
        present = {
            r[0]: r[1]
            for r in self.con.execute(
                "SELECT table_name, list(column_name ORDER BY column_index) "
                "FROM duckdb_columns() WHERE NOT internal AND database_name = current_database() "
                "GROUP BY table_name"
            ).fetchall()
        }
        if not present:
            return  # new or empty: ours to create
        missing = [name for name in TABLES if name not in present]
        wrong = [
            name
            for name, table in TABLES.items()
            if name in present
            and not set(present[name])
            >= {c.name for c in table.columns if (name, c.name) not in ADDED_COLUMNS}
        ]
        if missing or wrong:
            found = ", ".join(sorted(present)[:8])
            raise StoreError(
                f"{self.path} is not a cycleanalytics database (it holds {found}"
                f"{'...' if len(present) > 8 else ''}"
                + (f"; {', '.join(wrong)} with other columns" if wrong else "")
                + "); nothing was written. Load into a new file with --db"
            )
        # tables of the user's own, beside ours, are left alone

    def _check_tables(self) -> None:
        present = {
            r[0] for r in self.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        missing = [name for name in TABLES if name not in present]
        if missing:
            raise StoreError(
                f"{self.path} is not a cycleanalytics database (missing tables: "
                f"{', '.join(missing)}); create one with `cycleanalytics load`"
            )

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block in one transaction: all of it is committed, or none of it."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- access ----------------------------------------------------------------------------
    @property
    def ibis(self) -> Backend:
        """The Ibis backend over this store's connection (compiling each query once:
        :mod:`cycleanalytics._backend`)."""
        if self._backend is None:
            from cycleanalytics._backend import backend_of

            self._backend = backend_of(self.con)
        return self._backend

    def table(self, name: str) -> ir.Table:
        """A canonical table as an Ibis expression, for metrics."""
        if name not in TABLES:
            raise StoreError(f"unknown table {name!r}; tables are: {', '.join(TABLES)}")
        if name not in self._tables:  # Ibis asks the database for the schema: once per store
            self._tables[name] = self.ibis.table(name)
        return self._tables[name]

    def remembered(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """``compute()``, asked once per read-only store and ``key``; every time otherwise.

        A store opened ``read_only`` holds data that cannot change while it is open: DuckDB
        lets no process write to a database file that another holds open, and this store's
        own connection cannot write. So what is computed from its data (the as-of time) is
        computed once. A writable store may change between two calls (a load, or SQL on
        ``store.con``), so it is asked again each time.
        """
        if not self.read_only:
            return compute()
        if key not in self._remembered:
            self._remembered[key] = compute()
        return self._remembered[key]  # type: ignore[return-value]

    def counts(self) -> dict[str, int]:
        """Number of rows in each canonical table."""
        return {name: first_row(self.con, f"SELECT count(*) FROM {name}")[0] for name in TABLES}

    def export_parquet(
        self,
        folder: str | Path,
        tables: tuple[str, ...] = ("interactions", "complaints", "customers"),
    ) -> dict[str, Path]:
        """Write canonical tables as Parquet files ``folder/<table>.parquet`` (UTC timestamps).

        This is how the same data reaches another engine: :class:`cycleanalytics.spark.SparkStore`
        reads such a folder as it is.

        Examples
        --------
        >>> import tempfile, cycleanalytics as ca
        >>> with ca.Store() as store, tempfile.TemporaryDirectory() as tmp:
        ...     _ = ca.load(store, ca.sample_dir())
        ...     sorted(p.name for p in store.export_parquet(tmp).values())
        ['complaints.parquet', 'customers.parquet', 'interactions.parquet']
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = {}
        for name in tables:
            if name not in TABLES:
                raise StoreError(f"unknown table {name!r}; tables are: {', '.join(TABLES)}")
            path = folder / f"{name}.parquet"
            self.con.table(name).write_parquet(str(path))
            written[name] = path
        return written

    def as_of(self) -> object:
        """The data's as-of time: the latest timestamp in interactions and complaints."""
        return first_row(
            self.con,
            """
            SELECT greatest(
                (SELECT max(ts) FROM interactions),
                (SELECT max(greatest(opened_at, first_response_at, resolved_at)) FROM complaints)
            )""",
        )[0]


_HEADERS = 3 * 4096
"""DuckDB's file starts with its main header and two database headers of 4 KiB each; a
checkpoint rewrites one of the latter, so equal headers mean the same checkpointed state."""


def _open_fd(path: Path) -> int | None:
    """A descriptor of ``path`` this process already holds open (DuckDB's), found in
    /proc/self/fd; None when there is none or no /proc.

    The file must not be opened and closed again while DuckDB holds it: closing any
    descriptor of a file drops every POSIX lock the process holds on it, DuckDB's
    included, and a second writer could then open the database.
    """
    target = str(path.resolve())
    try:
        entries = os.listdir("/proc/self/fd")
    except OSError:
        return None
    for name in entries:
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{name}") == target:
                return int(name)
    return None


def _give_back(path: Path, size: int, headers: bytes) -> None:
    """Cut ``path`` back to ``size`` bytes if it grew and its headers are still ``headers``
    with no write-ahead log beside it (see :meth:`Store.trim_on_close`). Only once DuckDB
    has let go of the file (no descriptor of it left open in this process), and under the
    lock DuckDB takes itself, so that no other process opens the database meanwhile."""
    import fcntl

    wal = path.with_name(path.name + ".wal")
    try:
        if _open_fd(path) is not None or (wal.exists() and wal.stat().st_size):
            return
        with path.open("r+b") as fh:
            fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another process has it: leave it
            if fh.read(len(headers)) != headers or os.fstat(fh.fileno()).st_size <= size:
                return
            fh.truncate(size)
    except OSError:  # gone, locked, or not ours to write: leave it
        return


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _memory_limit(value: str) -> str:
    """A DuckDB memory limit (``4GB``, ``512MiB``, ``80%``), checked before it reaches DuckDB."""
    import re

    text = str(value).strip()
    if not re.fullmatch(r"(?i)\d+(\.\d+)?\s*(b|bytes?|[kmgt]i?b?|%)?", text):
        raise OptionError(
            f"--memory-limit {value!r} is not an amount of memory; write it as 4GB, 512MB "
            "or 80% (of the machine's memory)"
        )
    return text


def first_row(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    parameters: list[object] | dict[str, object] | None = None,
) -> tuple | None:
    """The first row of a query, with the result fully consumed.

    DuckDB 2.0 keeps a partly fetched result open and refuses other work on the connection
    until it is finished, so ``execute(...).fetchone()`` must not be used on a shared
    connection: this reads the whole (small) result instead.
    """
    rows = con.execute(sql, parameters or []).fetchall()
    return rows[0] if rows else None


def latest_time(source: object) -> datetime | None:
    """The as-of time of any table source (a Store, a SparkStore): the latest timestamp in
    interactions and complaints, computed through Ibis so that every engine agrees.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     latest_time(store) == store.as_of()
    True
    """
    events = source.table("interactions")  # type: ignore[attr-defined]
    complaints = source.table("complaints")  # type: ignore[attr-defined]
    row = (
        events.aggregate(a=events.ts.max())
        .cross_join(
            complaints.aggregate(
                b=complaints.opened_at.max(),
                c=complaints.first_response_at.max(),
                d=complaints.resolved_at.max(),
            )
        )
        .execute()
    )
    import pandas as pd

    values = [v for v in row.iloc[0].tolist() if v is not None and not pd.isna(v)]
    if not values:
        return None
    latest = pd.Timestamp(max(values))
    latest = latest.tz_localize("UTC") if latest.tzinfo is None else latest.tz_convert("UTC")
    return latest.to_pydatetime()
