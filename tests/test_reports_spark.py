"""Reports on Apache Spark (the ``engine`` report parameter): the committed sample exported to
Parquet and read by a local Spark session (``local[2]``) in the report's own kernel must give
the same page as the DuckDB database it came from: the same KPI tiles, sentences, tables and
header (data as-of, load ids).

Each Spark report starts its own kernel and JVM and runs its metrics as Spark jobs: about two
minutes for the executive summary on two busy cores, so these tests are ``slow``. Every
report runs on Spark here; each is compared with its DuckDB run. They skip
with the reason when pyspark or Java is missing.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import cycleanalytics as ca
from cycleanalytics.notebook import data_provenance, open_store
from cycleanalytics.reports import run_report

pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'pyspark>=4.0,<4.1'")
if shutil.which("java") is None:
    pytest.skip(
        "Java is not installed: Spark needs Java 17+ (apt-get install openjdk-17-jre-headless)",
        allow_module_level=True,
    )

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:pyspark"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


@pytest.fixture(scope="module")
def lake(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample database's canonical tables as a Parquet lake folder."""
    folder = tmp_path_factory.mktemp("lake")
    with ca.Store(sample_db, read_only=True) as store:
        store.export_parquet(folder)
    return folder


def _tiles(page: str) -> list[tuple[str, str, str]]:
    """Every KPI tile: its KPI, stage and what is inside (label, value, change, marker, the
    sparkline of its trend, n)."""
    return re.findall(
        r'<div class="ca-tile[^"]*"[^>]*? data-kpi="([^"]+)" data-stage="([^"]*)"[^>]*>'
        r'(.*?<div class="ca-tile-n">[^<]*)</div></div>',
        page,
    )


def _sentences(page: str) -> list[str]:
    return re.findall(r'<p class="ca-(?:takeaway|note)">([^<]*)</p>', page)


def _header(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-key="([^"]*)">([^<]*)<', page))


def test_the_lake_has_the_same_provenance_as_the_database(sample_db, lake):
    """As-of time and load ids through Ibis: the database's loads table, the lake's load_id
    columns (the header's two sources), equal on the sample."""
    with ca.Store(sample_db, read_only=True) as store:
        expected = data_provenance(store)
    with open_store(lake, "spark", publish=False) as spark:
        assert type(spark).__name__ == "SparkStore"
        assert data_provenance(spark) == expected
    assert expected["loads"] and expected["as_of"]


def test_executive_summary_on_spark_equals_the_duckdb_run(sample_db, lake, tmp_path):
    parameters = {"period": "2026-05"}
    duckdb_run = run_report(
        "executive_summary", db=sample_db, out=tmp_path / "duckdb", parameters=parameters
    )
    spark_run = run_report(
        "executive_summary",
        db=lake,
        out=tmp_path / "spark",
        parameters={**parameters, "engine": "spark"},
    )
    duckdb_page = duckdb_run.html.read_text(encoding="utf-8")
    spark_page = spark_run.html.read_text(encoding="utf-8")
    tiles = _tiles(duckdb_page)
    assert len(tiles) == 11, (
        "cases, CSAT, NPS, complaints, resolution, recovery, loop closure, cost, 3 drops"
    )
    assert all('class="ca-tile-spark"' in inside for _, _, inside in tiles), (
        "every tile draws its six-month trend"
    )
    assert _tiles(spark_page) == tiles  # sparklines included
    assert _sentences(spark_page) == _sentences(duckdb_page)
    assert spark_run.charts == duckdb_run.charts
    duckdb_header, spark_header = _header(duckdb_page), _header(spark_page)
    assert spark_header.pop("Engine") == "Spark (local)"
    assert duckdb_header.pop("Run") and spark_header.pop("Run")  # the run times differ
    assert spark_header == duckdb_header  # period, comparison, filters, as-of, loads, version


# One more report besides the executive summary: the metrics themselves are compared on both
# engines by test_parity.py; this checks the report plumbing (tables, sentences, language).
@pytest.mark.parametrize(("name", "language"), [("stage_funnel", "ms")])
def test_other_reports_on_spark_show_the_same_tables(sample_db, lake, tmp_path, name, language):
    parameters = {"language": language}
    duckdb_page = run_report(name, db=sample_db, out=tmp_path / "duckdb", parameters=parameters)
    spark_page = run_report(
        name, db=lake, out=tmp_path / "spark", parameters={**parameters, "engine": "spark"}
    )
    cells = re.compile(r'<t[dh] class="(?:num|text)">([^<]*)</t[dh]>')
    expected = cells.findall(duckdb_page.html.read_text(encoding="utf-8"))
    assert expected
    assert cells.findall(spark_page.html.read_text(encoding="utf-8")) == expected
    assert _sentences(spark_page.html.read_text(encoding="utf-8")) == _sentences(
        duckdb_page.html.read_text(encoding="utf-8")
    )


def test_explore_on_spark_shows_spark_sql(lake, tmp_path):
    result = run_report("explore", db=lake, out=tmp_path, parameters={"engine": "spark"})
    page = result.html.read_text(encoding="utf-8")
    assert '<pre class="ca-sql">' in page
    assert "`" in page.split('<pre class="ca-sql">', 1)[1].split("</pre>", 1)[0], (
        "Spark SQL quotes names with backticks"
    )
