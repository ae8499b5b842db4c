"""SparkStore: canonical tables from Parquet, Delta-style folders and the catalog, on Spark.

Tests that need no Spark session (argument checks, the Delta log reader, the export) run
everywhere; the others skip with the reason when pyspark or Java is missing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import cycleanalytics as ca
from cycleanalytics.errors import MetricError, StoreError
from cycleanalytics.metrics._common import source_table, source_tables
from cycleanalytics.spark import SparkStore, delta_files, local_session

DATA = Path(__file__).parent / "data"
HAVE_SPARK = shutil.which("java") is not None
try:
    import pyspark  # noqa: F401
except ImportError:
    HAVE_SPARK = False
needs_spark = pytest.mark.skipif(
    not HAVE_SPARK,
    reason="needs pyspark ('pyspark>=4.0,<4.1') and Java 17+ (openjdk-17-jre-headless)",
)
pytestmark = [  # pyspark 4.0's own use of pandas 3 (not ours)
    pytest.mark.filterwarnings("ignore::DeprecationWarning:pyspark"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


@pytest.fixture(scope="session")
def spark_session():
    """One small local Spark session, shared by every Spark test of the run."""
    try:
        return local_session(2)
    except StoreError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def funnel_lake(tmp_path_factory) -> Path:
    """The hand-computed funnel fixture (tests/data) exported to Parquet."""
    folder = tmp_path_factory.mktemp("funnel_lake")
    with ca.Store() as store:
        ca.load(store, [DATA / "funnel_customers.csv", DATA / "funnel_cases.csv"], kind=None)
        store.export_parquet(folder)
    return folder


# -- without a Spark session ------------------------------------------------------------------
def test_needs_to_know_where_the_tables_are():
    with pytest.raises(StoreError, match="folder=, tables= or database="):
        SparkStore(session=object())


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        SparkStore(session=object(), folder=tmp_path / "nope")


def test_unknown_table_name_lists_the_canonical_ones():
    with pytest.raises(StoreError, match="canonical tables are: interactions, complaints"):
        SparkStore(session=object(), tables={"interaction": "x"})


def test_export_parquet_writes_every_row(funnel_lake):
    # 11 cases of tests/data/funnel_cases.csv: 42 event rows (`wc -l` says 43 lines with the header)
    rows = duckdb.execute(
        "SELECT count(*) FROM read_parquet(?)", [str(funnel_lake / "interactions.parquet")]
    ).fetchall()
    assert rows == [(42,)]


def _write_delta(folder: Path, commits: list[list[dict]]) -> None:
    log = folder / "_delta_log"
    log.mkdir(parents=True)
    for version, actions in enumerate(commits):
        lines = "\n".join(json.dumps(a) for a in actions)
        (log / f"{version:020d}.json").write_text(lines + "\n")


def test_delta_log_replay_keeps_added_minus_removed(tmp_path):
    _write_delta(
        tmp_path,
        [
            [{"protocol": {}}, {"add": {"path": "a.parquet", "partitionValues": {}}}],
            [{"add": {"path": "b.parquet", "partitionValues": {}}}],
            [{"remove": {"path": "a.parquet"}}, {"add": {"path": "c.parquet"}}],
        ],
    )
    assert delta_files(tmp_path) == [tmp_path / "b.parquet", tmp_path / "c.parquet"]


def test_delta_with_checkpoints_asks_for_delta_spark(tmp_path):
    _write_delta(tmp_path, [[{"add": {"path": "a.parquet"}}]])
    (tmp_path / "_delta_log" / "_last_checkpoint").write_text("{}")
    with pytest.raises(StoreError, match="pip install delta-spark"):
        delta_files(tmp_path)


def test_delta_with_partitions_asks_for_delta_spark(tmp_path):
    _write_delta(tmp_path, [[{"add": {"path": "a.parquet", "partitionValues": {"m": "1"}}}]])
    with pytest.raises(StoreError, match="partitions"):
        delta_files(tmp_path)


def test_source_table_refuses_a_bare_table(funnel_store):
    with pytest.raises(MetricError, match="needs the 'complaints' table"):
        source_table(funnel_store.table("interactions"), "complaints")


def test_source_tables_takes_any_object_with_table(funnel_store):
    class Lake:  # the TableSource protocol: .table(name) only, no customers
        def table(self, name):
            if name == "customers":
                raise StoreError("no customers here")
            return funnel_store.table(name)

    _, customers = source_tables(Lake())
    assert customers is None
    assert ca.funnel(Lake(), period="2026-01")["reached"].tolist() == [9, 8, 4, 3]


# -- on a local Spark session -----------------------------------------------------------------
@needs_spark
@pytest.mark.slow
def test_funnel_hand_counted_on_spark(spark_session, funnel_lake):
    # The numbers of tests/test_funnel.py::test_hand_counted_january, counted by hand.
    spark = SparkStore(spark_session, folder=funnel_lake)
    df = ca.funnel(spark, period="2026-01")
    assert df["reached"].tolist() == [9, 8, 4, 3]
    assert df.attrs["cases_total"] == 10
    by = ca.funnel(spark, period="2026-01", by="channel")
    got = {ch: part["reached"].tolist() for ch, part in by.groupby("channel")}
    assert got == {"phone": [5, 5, 2, 2], "web": [4, 3, 2, 1]}


@needs_spark
@pytest.mark.slow
def test_schema_is_canonical_on_spark(spark_session, funnel_lake, tmp_path):
    # A lake table with only the required columns: the rest appear as typed NULLs.
    spark_session.read.parquet(str(funnel_lake / "interactions.parquet")).select(
        "interaction_id", "case_id", "customer_id", "ts"
    ).write.parquet(str(tmp_path / "slim"))
    spark = SparkStore(spark_session, tables={"interactions": tmp_path / "slim"})
    table = spark.table("interactions")
    assert str(table.schema()["ts"]) == "timestamp('UTC')"
    assert str(table.schema()["csat"]) == "int8"
    assert int(table.stage.notnull().sum().execute()) == 0
    assert spark.has_table("customers") is False
    with pytest.raises(MetricError, match="cannot break down by 'segment'"):
        ca.funnel(spark, by="segment")


@needs_spark
@pytest.mark.slow
def test_missing_required_column_is_named(spark_session, funnel_lake, tmp_path):
    spark_session.read.parquet(str(funnel_lake / "interactions.parquet")).drop("ts").write.parquet(
        str(tmp_path / "no_ts")
    )
    spark = SparkStore(spark_session, tables={"interactions": tmp_path / "no_ts"})
    with pytest.raises(StoreError, match=r"no column\(s\) ts"):
        spark.table("interactions")


@needs_spark
@pytest.mark.slow
def test_catalog_and_delta_sources(spark_session, funnel_lake, tmp_path):
    frame = spark_session.read.parquet(str(funnel_lake / "interactions.parquet"))
    frame.createOrReplaceGlobalTempView("interactions")
    catalog = SparkStore(spark_session, database="global_temp")
    # 42 rows in tests/data/funnel_cases.csv (see test_export_parquet_writes_every_row)
    assert catalog.counts()["interactions"] == 42
    # A Delta-style folder: version 0 adds one file, version 1 adds the real data and removes
    # the first; only the real rows count.
    delta = tmp_path / "delta"
    frame.limit(5).write.parquet(str(delta / "old"))
    frame.write.parquet(str(delta / "new"))
    old = sorted(p.relative_to(delta) for p in (delta / "old").glob("*.parquet"))
    new = sorted(p.relative_to(delta) for p in (delta / "new").glob("*.parquet"))
    _write_delta(
        delta,
        [
            [{"add": {"path": str(p)}} for p in old],
            [{"add": {"path": str(p)}} for p in new] + [{"remove": {"path": str(p)}} for p in old],
        ],
    )
    lake = SparkStore(spark_session, tables={"interactions": delta})
    assert lake.counts() == {"interactions": 42}


@needs_spark
@pytest.mark.slow
def test_missing_table_says_where_it_looked(spark_session, funnel_lake):
    spark = SparkStore(spark_session, tables={"interactions": funnel_lake / "interactions.parquet"})
    with pytest.raises(StoreError, match="table 'complaints' not found"):
        spark.table("complaints")


@needs_spark
@pytest.mark.slow
def test_as_of_matches_duckdb(spark_session, tmp_path):
    with ca.Store() as store:
        ca.load(store, sorted(ca.sample_dir().glob("*.csv")))
        store.export_parquet(tmp_path)
        expected = store.as_of()
    assert SparkStore(spark_session, folder=tmp_path).as_of() == expected


# -- periods without journeys, the funnel by month and the KPI trend on Spark ---------------------
# Ibis compiles ``table.count(where=...)`` to ``SUM(CAST(... AS BIGINT))`` on Spark: NULL, not 0,
# over no rows. The funnel of a period without an entered journey came back as NULL counts
# (``successes must lie between 0 and n``), which kept the KPI trend off Spark.
@pytest.fixture(scope="module")
def sample_lake(sample_db, tmp_path_factory) -> Path:
    """The committed sample's canonical tables as a Parquet lake folder."""
    folder = tmp_path_factory.mktemp("sample_lake")
    with ca.Store(sample_db, read_only=True) as store:
        store.export_parquet(folder)
    return folder


@needs_spark
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:funnel. no interactions in the period")
@pytest.mark.parametrize(
    ("period", "cases_total"),
    [
        ("2025-12", 0),  # before tests/data/funnel_cases.csv starts: no case at all
        ("2026-01-10..2026-01-10", 1),  # only c09, which starts at first contact: none enters
    ],
)
def test_funnel_of_a_period_without_entries_is_zeros_on_spark(
    spark_session, funnel_lake, period, cases_total
):
    df = ca.funnel(SparkStore(spark_session, folder=funnel_lake), period=period)
    assert df["reached"].tolist() == [0, 0, 0, 0]
    assert df["dropped"].tolist() == [0, 0, 0, 0]
    assert df["conversion"].isna().all()  # 0 of 0: no share, not a garbage integer
    assert df.attrs["cases_total"] == cases_total
    assert df.attrs["cases_entered"] == 0
    assert df.attrs["rows_excluded"]["did not enter at the first stage"] == cases_total


@needs_spark
@pytest.mark.slow
def test_funnel_by_month_hand_counted_on_spark(spark_session, funnel_lake):
    # January as in test_funnel_hand_counted_on_spark; February is c10 alone, every stage.
    df = ca.funnel(SparkStore(spark_session, folder=funnel_lake), by="month")
    got = {str(m): part["reached"].tolist() for m, part in df.groupby("month")}
    assert got == {"2026-01": [9, 8, 4, 3], "2026-02": [1, 1, 1, 1]}


def _same_funnel(duck, spark) -> None:
    """Counts equal exactly, every other column within float noise, the same attrs."""
    assert spark[["reached", "dropped"]].equals(duck[["reached", "dropped"]])
    pd.testing.assert_frame_equal(spark, duck, check_exact=False, rtol=1e-9)
    assert spark.attrs == duck.attrs


@needs_spark
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:funnel. no interactions in the period")
def test_funnel_by_month_and_of_an_empty_month_equal_duckdb_on_the_sample(
    spark_session, sample_db, sample_lake
):
    spark = SparkStore(spark_session, folder=sample_lake)
    with ca.Store(sample_db, read_only=True) as store:
        for options in ({"by": "month"}, {"period": "2025-12"}):
            _same_funnel(ca.funnel(store, **options), ca.funnel(spark, **options))


@needs_spark
@pytest.mark.slow
def test_kpi_history_on_spark_equals_duckdb(spark_session, sample_db, sample_lake):
    # December 2025 is before the sample starts (every metric asked on its own), January and
    # February come from one call of each metric by month.
    from cycleanalytics.kpis import kpi_history

    spark = SparkStore(spark_session, folder=sample_lake)
    with ca.Store(sample_db, read_only=True) as store:
        duck = kpi_history(store, period="2026-02", periods=3)
    history = kpi_history(spark, period="2026-02", periods=3)
    assert history["label"].unique().tolist() == ["Dec 2025", "Jan 2026", "Feb 2026"]
    assert history[["n", "hits", "misses"]].equals(duck[["n", "hits", "misses"]])
    pd.testing.assert_frame_equal(history, duck, check_exact=False, rtol=1e-9)
    assert history.attrs == duck.attrs
