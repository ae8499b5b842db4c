"""Apache Spark as the engine: canonical tables on a Spark session, handed out as Ibis tables.

:class:`SparkStore` is the Spark counterpart of :class:`~cycleanalytics.Store`: it reads the
canonical tables (``interactions``, ``complaints``, ``customers``) from Parquet files or folders,
Delta-style folders or tables of the Spark catalog, and every metric accepts it in place of a
store, with the same results (see ``tests/test_parity.py`` and ``metrics/PORTABILITY.md``)::

    from cycleanalytics.spark import SparkStore, local_session
    spark = SparkStore(local_session(), folder="lake/service")   # lake/service/interactions/...
    ca.funnel(spark, by="channel")

pyspark (4.0, with Java 17 or newer) is needed only here; ``import cycleanalytics`` never
imports it.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cycleanalytics.errors import StoreError
from cycleanalytics.schema import EXPORT_TABLES

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends.pyspark import Backend
    from pyspark.sql import SparkSession

    from cycleanalytics.store import Store

# Canonical column types (schema.py's DuckDB names) as Ibis types, to normalise what a lake holds.
_IBIS_TYPES = {
    "VARCHAR": "string",
    "TIMESTAMPTZ": "timestamp('UTC')",
    "DOUBLE": "float64",
    "TINYINT": "int8",
    "BIGINT": "int64",
    "BOOLEAN": "boolean",
    "MAP(VARCHAR, VARCHAR)": "map<string, string>",
}
_SMALL_SESSION = {
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
}
_store_ids = itertools.count(1)


def local_session(cores: int = 2, *, memory: str = "1g", app_name: str = "cycleanalytics") -> Any:
    """A small local Spark session (``local[cores]``, 4 shuffle partitions, no UI, UTC).

    Returns the running session when there is one (Spark allows one per process).

    Raises
    ------
    StoreError
        When pyspark is not installed or Java cannot be started, with what to install.
    """
    SparkSession = _pyspark().sql.SparkSession
    builder = SparkSession.builder.master(f"local[{cores}]").appName(app_name)
    builder = builder.config("spark.driver.memory", memory)
    for key, value in _SMALL_SESSION.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # Java missing or too old: pyspark raises a bare RuntimeError
        raise StoreError(
            f"cannot start a local Spark session: {exc}; Spark needs Java 17 or newer "
            "(Debian: apt-get install openjdk-17-jre-headless) and JAVA_HOME pointing to it"
        ) from None
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkStore:
    """The canonical tables on a Spark session, as Ibis tables for the metrics.

    Each table is looked up, in this order, in ``tables`` (an explicit location), in
    ``folder`` (an entry named after the table: ``interactions/``, ``interactions.parquet``),
    and in the catalog ``database``. A location is a Parquet file or folder, a Delta-style
    folder (one with ``_delta_log/``), or a catalog table name such as ``lake.interactions``.
    Timestamps are read as UTC instants; canonical columns a table lacks are added as NULLs
    of their canonical type, so metrics see the same schema as on DuckDB.

    Parameters
    ----------
    session
        A ``pyspark.sql.SparkSession``; default :func:`local_session`.
    folder
        A folder with one Parquet file/folder or Delta folder per canonical table.
    tables
        Table name -> path or catalog table name, for tables stored elsewhere.
    database
        A Spark catalog database holding tables named ``interactions``, ``complaints``,
        ``customers``.

    Examples
    --------
    Export a DuckDB store to Parquet and read it on a local session (needs pyspark and Java)::

        with ca.Store("service.duckdb") as store:
            store.export_parquet("lake")
        spark = SparkStore(local_session(), folder="lake")
        ca.funnel(spark)
    """

    def __init__(
        self,
        session: SparkSession | None = None,
        *,
        folder: str | Path | None = None,
        tables: Mapping[str, str | Path] | None = None,
        database: str | None = None,
    ) -> None:
        unknown = sorted(set(tables or ()) - set(EXPORT_TABLES))
        if unknown:
            raise StoreError(
                f"unknown table(s) {', '.join(unknown)} in tables=; "
                f"canonical tables are: {', '.join(EXPORT_TABLES)}"
            )
        if folder is not None and not Path(folder).is_dir():
            raise StoreError(f"folder {folder} does not exist or is not a folder")
        if folder is None and not tables and database is None:
            raise StoreError("tell SparkStore where the tables are: folder=, tables= or database=")
        self.session = session if session is not None else local_session()
        self.folder = Path(folder) if folder is not None else None
        self.locations = dict(tables or {})
        self.database = database
        self._prefix = f"cycleanalytics_{next(_store_ids)}_"
        self._tables: dict[str, ir.Table] = {}
        self._backend: Backend | None = None

    def __enter__(self) -> SparkStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop this store's temporary views (the session keeps running)."""
        for name in self._tables:
            self.session.catalog.dropTempView(self._prefix + name)
        self._tables.clear()

    def __repr__(self) -> str:
        where = self.folder or self.database or self.locations
        return f"SparkStore({str(where)!r})"

    @property
    def ibis(self) -> Backend:
        """The Ibis backend over this store's Spark session."""
        if self._backend is None:
            import ibis

            self._backend = ibis.pyspark.connect(self.session)
        return self._backend

    # -- access (the same verbs as Store) --------------------------------------------------
    def table(self, name: str) -> ir.Table:
        """A canonical table as an Ibis expression, for metrics.

        Raises
        ------
        StoreError
            When ``name`` is not a canonical table or none of the places holds it.
        """
        if name not in EXPORT_TABLES:
            raise StoreError(f"unknown table {name!r}; tables are: {', '.join(EXPORT_TABLES)}")
        if name not in self._tables:
            frame = self._read(name)
            view = self._prefix + name
            frame.createOrReplaceTempView(view)
            self._tables[name] = _canonical(self.ibis.table(view), name)
        return self._tables[name]

    def has_table(self, name: str) -> bool:
        """Whether the table can be found (``customers`` is optional)."""
        try:
            self.table(name)
        except StoreError:
            return False
        return True

    def counts(self) -> dict[str, int]:
        """Number of rows in each canonical table that is present."""
        return {n: int(self.table(n).count().execute()) for n in EXPORT_TABLES if self.has_table(n)}

    def as_of(self) -> object:
        """The data's as-of time: the latest timestamp in interactions and complaints."""
        from cycleanalytics.store import latest_time

        return latest_time(self)

    # -- reading ---------------------------------------------------------------------------
    def _read(self, name: str) -> Any:
        location = self.locations.get(name)
        if location is None and self.folder is not None:
            location = _folder_entry(self.folder, name)
        if location is None and self.database is not None:
            location = f"{self.database}.{name}"
        if location is None:
            places = [f"tables={sorted(self.locations)}"] if self.locations else []
            if self.folder is not None:
                places.append(f"{self.folder}/{name}(/ or .parquet)")
            raise StoreError(
                f"table {name!r} not found (looked in {'; '.join(places) or 'nothing'}); "
                f"pass tables={{'{name}': PATH}} or write it to the folder"
            )
        path = Path(str(location))
        try:
            if path.exists():
                if (path / "_delta_log").is_dir():
                    return self._read_delta(path)
                return self.session.read.parquet(str(path))
            return self.session.table(str(location))
        except StoreError:
            raise
        except Exception as exc:  # pyspark's AnalysisException and friends
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(
                f"cannot read table {name!r} from {location}: {first}; give a Parquet file or "
                "folder, a Delta folder or a catalog table name"
            ) from None

    def _read_delta(self, path: Path) -> Any:
        """Delta through delta-spark when the session has it, else by replaying the log."""
        try:
            return self.session.read.format("delta").load(str(path))
        except Exception:  # no Delta data source on this session: read the active files
            files = delta_files(path)
            if not files:
                raise StoreError(f"Delta table {path} has no data files") from None
            return self.session.read.parquet(*(str(f) for f in files))


def delta_files(path: str | Path) -> list[Path]:
    """The Parquet files of the latest version of a simple Delta table, from its JSON log.

    Handles tables without checkpoints, partitions or deletion vectors (what small writers
    produce); anything else needs delta-spark on the session.

    Raises
    ------
    StoreError
        When the log has a feature this reader does not handle, with the fix.
    """
    path = Path(path)
    log = path / "_delta_log"
    need = (
        "; configure the Spark session with delta-spark (pip install delta-spark, "
        "configure_spark_with_delta_pip) to read it"
    )
    if (log / "_last_checkpoint").exists() or any(log.glob("*.checkpoint*.parquet")):
        raise StoreError(f"Delta table {path} has checkpoints{need}")
    active: dict[str, None] = {}
    for commit in sorted(log.glob("*.json")):
        for line in commit.read_text().splitlines():
            if not line.strip():
                continue
            action = json.loads(line)
            if "add" in action:
                add = action["add"]
                if add.get("partitionValues") or add.get("deletionVector"):
                    raise StoreError(
                        f"Delta table {path} uses partitions or deletion vectors{need}"
                    )
                active[add["path"]] = None
            elif "remove" in action:
                active.pop(action["remove"]["path"], None)
    return [path / p for p in active]


def _folder_entry(folder: Path, name: str) -> Path | None:
    for candidate in (folder / name, folder / f"{name}.parquet"):
        if candidate.exists():
            return candidate
    return None


def _canonical(table: ir.Table, name: str) -> ir.Table:
    """Cast canonical columns to their canonical types and add missing ones as NULLs."""
    import ibis

    spec = EXPORT_TABLES[name]
    missing_required = [c.name for c in spec.columns if c.required and c.name not in table.columns]
    if missing_required:
        raise StoreError(
            f"table {name!r} on Spark has no column(s) {', '.join(missing_required)}; "
            f"its columns are: {', '.join(table.columns)}; rename them to the canonical names "
            "(see cycleanalytics.schema)"
        )
    casts, added = {}, {}
    for column in spec.columns:
        wanted = ibis.dtype(_IBIS_TYPES[column.type])
        if column.name not in table.columns:
            added[column.name] = ibis.null(wanted)
        elif not _same_type(table[column.name].type(), wanted):
            casts[column.name] = table[column.name].cast(wanted)
    if casts or added:
        table = table.mutate(**casts, **added)
    return table


def _same_type(have: Any, wanted: Any) -> bool:
    return have.copy(nullable=True) == wanted.copy(nullable=True)


def _pyspark() -> Any:
    try:
        import pyspark
        import pyspark.sql
    except ImportError:
        raise StoreError(
            "Spark support needs pyspark: pip install 'pyspark>=4.0,<4.1' (and Java 17+)"
        ) from None
    return pyspark


def from_store(store: Store, folder: str | Path, session: SparkSession | None = None) -> SparkStore:
    """Export ``store``'s canonical tables to Parquet in ``folder`` and open them on Spark.

    The quickest way to run the same metrics on both engines (what the parity test does).
    """
    store.export_parquet(folder)
    return SparkStore(session, folder=folder)
