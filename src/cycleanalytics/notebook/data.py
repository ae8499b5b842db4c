"""Opening the data on either engine, and what a report kernel records for the page: data
provenance and headline figures.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from cycleanalytics.store import Store


#: Engines a report can run on (the ``engine`` report parameter).
ENGINES = ("duckdb", "spark")
#: MIME type of the output in which a report kernel records the data's as-of time and load ids
#: for the page header (:func:`publish_provenance`); the HTML export drops it.
PROVENANCE_MIME = "application/vnd.cycleanalytics.provenance+json"


def spark_session(master: str | None = None) -> Any:
    """The Spark session a report runs on.

    - ``master`` None and no ``SPARK_REMOTE`` in the environment: a small local session
      (:func:`cycleanalytics.spark.local_session`, ``local[2]``);
    - ``local[N]``: a local session with N cores;
    - ``sc://host:15002``: Spark Connect; ``spark://...``, ``yarn``, ``k8s://...``: that
      cluster manager (settings such as executor memory come from ``spark-defaults.conf`` in
      ``SPARK_CONF_DIR``, or ``PYSPARK_SUBMIT_ARGS``, as for any pyspark program);
    - ``master`` None with ``SPARK_REMOTE`` set: pyspark's own default, a Spark Connect session
      to that address.

    The session runs in UTC (``spark.sql.session.timeZone``), as the metrics expect.
    """
    import os

    from cycleanalytics.spark import _pyspark, local_session

    local = re.fullmatch(r"local\[(\d+)\]", master or "")
    if local:
        return local_session(int(local[1]))
    if master is None and not os.environ.get("SPARK_REMOTE"):
        return local_session(2)
    builder = _pyspark().sql.SparkSession.builder.appName("cycleanalytics-report")
    if master is not None and master.startswith("sc://"):
        builder = builder.remote(master)
    elif master is not None:
        builder = builder.master(master)
    return builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()


def open_store(
    db: str | Path,
    engine: str = "duckdb",
    *,
    spark_master: str | None = None,
    publish: bool = True,
) -> Any:
    """Open what a report reads: the DuckDB database ``db`` (read only), or with
    ``engine="spark"`` the lake ``db`` on Spark (a :class:`cycleanalytics.spark.SparkStore`:
    a folder of Parquet or Delta tables, or, when no such folder exists, the name of a Spark
    catalog database). Every report notebook opens its data with this, so the metric calls
    are the same on both engines.

    In a report kernel (``publish``), the data's as-of time and load ids are recorded for the
    page header (:func:`publish_provenance`). Use it as a context manager.

    >>> from cycleanalytics.reports import sample_database
    >>> with open_store(sample_database(), publish=False) as store:
    ...     type(store).__name__
    'Store'
    """
    from cycleanalytics.errors import ParameterError, StoreError

    if engine not in ENGINES:
        raise ParameterError(f"engine {engine!r} is not available; choose one of: duckdb, spark")
    if engine == "duckdb":
        from cycleanalytics.store import Store

        store: Any = Store(db, read_only=True)
    else:
        from cycleanalytics.spark import SparkStore

        path = Path(str(db)).expanduser()
        if path.is_file():
            raise StoreError(
                f"engine 'spark' reads a lake folder or a catalog database, and {path} is a "
                "file; write the folder with Store.export_parquet(folder) (or run the report "
                "with engine='duckdb' on the database file)"
            )
        session = spark_session(spark_master)
        if path.is_dir():
            store = SparkStore(session, folder=path)
        else:
            store = SparkStore(session, database=str(db))
    if publish:
        publish_provenance(store)
    return store


def data_provenance(store: Any) -> dict[str, Any]:
    """The data's as-of time (latest timestamp, UTC, ISO text or None) and the ids of the
    loads it came from, through Ibis so that every engine answers: a DuckDB store lists its
    ``loads`` table, a lake (which has none) the load ids its tables carry.

    >>> from cycleanalytics.reports import sample_database
    >>> from cycleanalytics.store import Store
    >>> with Store(sample_database(), read_only=True) as store:
    ...     data_provenance(store)
    {'as_of': '2026-06-30T23:57:14+00:00', 'loads': [1, 2, 3]}
    """
    import ibis

    from cycleanalytics.errors import StoreError
    from cycleanalytics.store import Store, latest_time

    as_of = latest_time(store)
    if isinstance(store, Store):
        ids = store.table("loads").select("load_id").execute()["load_id"]
    else:
        parts = []
        for name in ("interactions", "complaints", "customers"):
            try:
                table = store.table(name)
            except StoreError:  # customers are optional
                continue
            parts.append(table.select(load_id=table.load_id.cast("int64")))
        ids = ibis.union(*parts, distinct=True).execute()["load_id"] if parts else []
    loads = sorted({int(i) for i in ids if i is not None and i == i})
    return {"as_of": None if as_of is None else as_of.isoformat(), "loads": loads}


#: MIME type of the output in which a report kernel records the figures it shows (the
#: headline numbers of :func:`publish_figures`); the HTML export drops it.
FIGURES_MIME = "application/vnd.cycleanalytics.figures+json"


def report_figures(**frames: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The headline figures a report shows, by name, each with its value, base, metric and
    scope (time and channel basis), from the frames it shows them from. Two reports showing a
    figure of the same name and scope must show the same value (tests/test_consistency.py).

    ``frames`` by role: ``kpis`` (:func:`executive_kpis`), ``satisfaction``, ``complaints``
    (any breakdown: counts are summed), ``resolution``, ``recovery``, ``funnel`` (no
    breakdown).

    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     figures = report_figures(satisfaction=ca.metrics.satisfaction(store, period="2026-06"))
    >>> figures["csat"]["n"], figures["csat"]["metric"], figures["csat"]["basis"]
    (212, 'satisfaction', 'event_time/event_channel')
    """
    from cycleanalytics.kpis import funnel_kpis
    from cycleanalytics.metrics import REGISTRY

    def basis(definition: dict[str, str]) -> str:
        return f"{definition['time_key']}/{definition['channel_key']}"

    def number(value: Any) -> float | None:
        return None if value is None or value != value else float(value)

    out: dict[str, dict[str, Any]] = {}

    def add(name: str, value: Any, n: Any, metric: str, definition: dict[str, str]) -> None:
        out[name] = {"value": number(value), "n": int(n), "metric": metric}
        out[name]["basis"] = basis(definition)

    kpis = frames.get("kpis")
    if kpis is not None:
        for _, row in kpis.iterrows():
            name = row["kpi"] if row["kpi"] != "dropoff" else f"dropoff:{row['stage']}"
            definition = REGISTRY[row["metric"]].definition()
            if row["kpi"] == "cases":
                definition = {**definition, "time_key": "case_start"}
            add(name, row["value"], row["n"], row["metric"], definition)
            if row["kpi"] == "complaints_per_1000" and row["value"] == row["value"]:
                add("complaints", row["hits"], row["hits"], row["metric"], definition)
    scores = frames.get("satisfaction")
    if scores is not None and len(scores):
        first, definition = scores.iloc[0], scores.attrs["definition"]
        add("csat", first["csat"], first["csat_n"], "satisfaction", definition)
        add("nps", first["nps"], first["nps_n"], "satisfaction", definition)
    raised = frames.get("complaints")
    if raised is not None and "complaints" not in raised.attrs.get("missing", {}):
        total = int(raised["complaints"].sum())
        add("complaints", total, total, "complaints", raised.attrs["definition"])
    waited = frames.get("resolution")
    if waited is not None and len(waited):
        first = waited.iloc[0]
        add("median_resolution_h", first["median_h"], first["complaints"], "resolution_time",
            waited.attrs["definition"])  # fmt: skip
    recovered = frames.get("recovery")
    if recovered is not None and len(recovered):
        first = recovered.iloc[0]
        add("recovery_success", first["success_rate"], first["success_judged"], "recovery",
            recovered.attrs["definition"])  # fmt: skip
    stages = frames.get("funnel")
    if stages is not None and len(stages):
        for _, row in funnel_kpis(stages).iterrows():
            add(f"dropoff:{row['stage']}", row["value"], row["n"], "funnel",
                stages.attrs["definition"])  # fmt: skip
    return out


def publish_figures(**frames: pd.DataFrame) -> None:
    """Record :func:`report_figures` as an output of the running report kernel (read back with
    :func:`read_figures`). Does nothing outside IPython."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is None:
        return
    display({FIGURES_MIME: report_figures(**frames)}, raw=True)


def read_figures(notebook: str | Path) -> dict[str, dict[str, Any]]:
    """The figures an executed report notebook recorded with :func:`publish_figures`."""
    import nbformat

    found: dict[str, dict[str, Any]] = {}
    for cell in nbformat.read(str(notebook), as_version=4).cells:
        for output in cell.get("outputs", []):
            found.update(output.get("data", {}).get(FIGURES_MIME, {}))
    return found


def publish_provenance(store: Any) -> None:
    """Record :func:`data_provenance` as an output of the running report kernel, for the
    driver's page header (which therefore states what the report itself read, on any engine).
    Does nothing outside IPython."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is None:
        return
    display({PROVENANCE_MIME: data_provenance(store)}, raw=True)


def outcome_source(store: Store, segment: str | None) -> Any:
    """What the metrics read for a report: the store, or the store narrowed to one customer
    segment (the metrics' own ``segment`` filter,
    :func:`cycleanalytics.metrics._sources.segment_source`)."""
    from cycleanalytics.metrics._sources import segment_source

    return segment_source(store, segment)
