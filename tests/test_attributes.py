"""A mapping's ``[attributes]`` in every metric (issue #13): as a breakdown (``by``), as the
shared ``where`` filter, from Python, the CLI and on Spark, against counts made by hand (the
small files below) and by pandas over a real complaints export."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd
import pytest

import cycleanalytics as ca
from cycleanalytics.errors import DataWarning, MetricError

REAL = Path(os.environ.get("CYCLEANALYTICS_REAL_DATA", "/work/shared/data/real"))
CFPB2014 = REAL / "cfpb_consumer_complaints" / "complaints_2014-10_to_2014-11.csv"
MAPPINGS = Path(__file__).parent.parent / "examples" / "mappings"

# Five complaints: Acme has p1 and p2, Bolt p3 and p5, p4 has no company; p1 and p2 belong
# to cases k1 and k2 of the interactions below.
COMPLAINTS = (
    "id,case,cust,opened,Company,Product\n"
    "p1,k1,u1,2026-01-05T10:00:00Z,Acme,Loan\n"
    "p2,k2,u2,2026-01-06T10:00:00Z,Acme,Card\n"
    "p3,,u3,2026-01-07T10:00:00Z,Bolt,Card\n"
    "p4,,u4,2026-02-07T10:00:00Z,,Loan\n"
    "p5,k5,u5,2026-02-08T10:00:00Z,Bolt,\n"
)
COMPLAINTS_MAPPING = """
kind = "complaints"
[columns]
complaint_id = "id"
customer_id = "cust"
case_id = "case"
opened_at = "opened"
[attributes]
company = "Company"
product = "Product"
"""
# Four cases: k1 has a red and a blue event, k2 a blue one, k3 none, k4 a red one.
INTERACTIONS = (
    "id,case,cust,when,what,Team\n"
    "e1,k1,u1,2026-01-01T10:00:00Z,Call,red\n"
    "e2,k1,u1,2026-01-01T11:00:00Z,Call,blue\n"
    "e3,k2,u2,2026-01-02T10:00:00Z,Call,blue\n"
    "e4,k3,u3,2026-01-03T10:00:00Z,Call,\n"
    "e5,k3,u3,2026-01-03T12:00:00Z,Call,\n"
    "e6,k4,u4,2026-01-04T10:00:00Z,Call,red\n"
)
INTERACTIONS_MAPPING = """
kind = "interactions"
[columns]
interaction_id = "id"
case_id = "case"
customer_id = "cust"
ts = "when"
activity = "what"
[attributes]
team = "Team"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def fill(store: ca.Store, folder: Path) -> None:
    ca.load(
        store,
        write(folder, "complaints.csv", COMPLAINTS),
        mapping=write(folder, "complaints.toml", COMPLAINTS_MAPPING),
    )
    ca.load(
        store,
        write(folder, "interactions.csv", INTERACTIONS),
        mapping=write(folder, "interactions.toml", INTERACTIONS_MAPPING),
    )


@pytest.fixture
def store(tmp_path):
    with ca.Store() as s:
        fill(s, tmp_path)
        yield s


def counts(df: pd.DataFrame, column: str, measure: str = "complaints") -> dict[str, int]:
    """``{group: count}``, the missing group as ``"(none)"``."""
    return {
        ("(none)" if pd.isna(k) else k): int(v)
        for k, v in df.groupby(column, dropna=False)[measure].sum().items()
    }


def test_complaints_by_an_attribute_count_each_value_and_the_rows_without_it(store):
    df = ca.metrics.complaints(store, by="company")
    assert counts(df, "company") == {"Acme": 2, "Bolt": 2, "(none)": 1}
    assert df.attrs["filters"]["by"] == ["company"]


def test_the_explicit_form_names_the_same_attribute(store):
    df = ca.metrics.complaints(store, by=["attr.company", "month"])
    rows = df[["attr.company", "month", "complaints"]].itertuples(index=False)
    got = {(k if pd.notna(k) else "(none)", str(m)): int(n) for k, m, n in rows}
    assert got == {
        ("Acme", "2026-01"): 2,
        ("Bolt", "2026-01"): 1,
        ("Bolt", "2026-02"): 1,
        ("(none)", "2026-02"): 1,
    }


def test_where_keeps_the_complaints_with_that_value(store):
    df = ca.metrics.complaints(store, by="company", where={"product": "Card"})
    assert counts(df, "company") == {"Acme": 1, "Bolt": 1}  # p2 and p3
    assert df.attrs["filters"]["where"] == {"product": ["Card"]}
    both = ca.metrics.complaints(store, where={"company": ["Acme", "Bolt"]})
    assert int(both["complaints"].sum()) == 4
    # several attributes must hold on the same complaint: Acme and Loan is p1 only
    one = ca.metrics.complaints(store, where={"company": "Acme", "product": "Loan"})
    assert int(one["complaints"].sum()) == 1


def test_where_keeps_whole_cases_of_the_events_or_complaints_that_carry_it(store):
    # team red: k1 (one red event of two) and k4; every event of those cases stays
    red = ca.metrics.case_duration(store, where={"team": "red"})
    assert int(red["cases"].sum()) == 2
    # company Acme is on complaints p1 and p2, of cases k1 and k2
    acme = ca.metrics.case_duration(store, where={"company": "Acme"})
    assert int(acme["cases"].sum()) == 2
    everything = ca.metrics.case_duration(store)
    assert int(everything["cases"].sum()) == 4


def test_an_event_attribute_breaks_down_by_the_value_at_the_case_start(store):
    df = ca.metrics.case_duration(store, by="team")
    # k1 starts with red, k4 is red, k2 blue, k3 has none
    assert counts(df, "team", "cases") == {"red": 2, "blue": 1, "(none)": 1}


def test_an_unknown_name_lists_the_columns_and_the_attributes(store):
    with pytest.raises(MetricError) as caught:
        ca.metrics.complaints(store, by="compny")
    text = str(caught.value)
    assert "cannot break down complaints by 'compny'" in text
    assert "Columns you can use: complaint_id" in text
    assert "Attributes (a mapping's [attributes]): company, product, team" in text
    unknown = (
        r"where: no attribute 'compny' in the data \(did you mean 'company'\?\)\. "
        r"Attributes present: company, product, team"
    )
    with pytest.raises(MetricError, match=unknown):
        ca.metrics.complaints(store, where={"compny": "Acme"})
    with pytest.raises(MetricError) as caught:  # the map column itself is bookkeeping
        ca.metrics.complaints(store, by="attributes")
    assert "attributes," not in str(caught.value).split("Attributes (")[0]
    with pytest.raises(MetricError, match=r"by: no attribute 'colour' in the data"):
        ca.metrics.complaints(store, by="attr.colour")
    with pytest.raises(MetricError, match="where is a mapping of attribute names to values"):
        ca.metrics.complaints(store, where="company=Acme")
    table = store.table("complaints")
    with pytest.raises(MetricError, match="where need a store: pass a Store or a SparkStore"):
        ca.metrics.complaints(table, where={"company": "Acme"})


def test_a_value_that_matches_nothing_warns_with_the_closest_value(store):
    close = r"company 'acme' \(did you mean 'Acme'\?\) matches no row"
    with pytest.warns(DataWarning, match=close):
        df = ca.metrics.complaints(store, where={"company": "acme"})
    assert df.empty or int(df["complaints"].sum()) == 0


def test_a_store_without_attributes_says_so(tmp_path):
    with ca.Store() as s:
        ca.load(s, ca.sample_dir())
        with pytest.raises(MetricError, match=r"Attributes present: none"):
            ca.metrics.complaints(s, where={"company": "Acme"})


def test_the_command_line_takes_by_and_where(store, tmp_path):
    from click.testing import CliRunner

    from cycleanalytics.cli import main

    db = tmp_path / "a.duckdb"
    with ca.Store(db) as s:
        fill(s, tmp_path)
    args = ["metric", "complaints", "--db", str(db), "--by", "company", "--format", "csv"]
    args += ["--where", "product=Card", "--where", "product=Loan"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        run = CliRunner().invoke(main, args, catch_exceptions=False)
    assert run.exit_code == 0, run.output
    from io import StringIO

    df = pd.read_csv(StringIO(run.stdout), keep_default_na=False)
    assert dict(zip(df["company"], df["complaints"], strict=True)) == {"Acme": 2, "Bolt": 1, "": 1}
    bad = CliRunner().invoke(main, [*args[:4], "--where", "company"])
    assert bad.exit_code != 0 and "write NAME=VALUE" in bad.output


def test_cfpb_complaints_by_company_equal_a_pandas_count():
    if not CFPB2014.exists():
        pytest.skip(
            f"real log {CFPB2014} is not on this machine (set CYCLEANALYTICS_REAL_DATA to the "
            "folder of the shared real logs to run this test)"
        )
    raw = pd.read_csv(CFPB2014, dtype=str, keep_default_na=False)
    expected = raw["Company"].str.strip().value_counts()
    with ca.Store() as store:
        ca.load(store, CFPB2014, mapping=MAPPINGS / "cfpb_2014.toml")
        df = ca.metrics.complaints(store, by="company")
        got = df.groupby("company")["complaints"].sum()
        assert got.sort_index().to_dict() == expected.sort_index().to_dict()
        boa = ca.metrics.complaints(store, where={"company": "Bank of America"})
        assert int(boa["complaints"].sum()) == int(expected["Bank of America"])
        mortgage = ca.metrics.complaints(
            store, where={"company": "Bank of America", "product": "Mortgage"}
        )
        both = (raw["Company"] == "Bank of America") & (raw["Product"] == "Mortgage")
        assert int(mortgage["complaints"].sum()) == int(both.sum()) > 0


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning:pyspark")
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")
def test_spark_gives_the_same_breakdown_and_filter(store, recovery_store, tmp_path):
    import shutil

    pytest.importorskip("pyspark", reason="pyspark is not installed")
    if shutil.which("java") is None:
        pytest.skip("needs Java 17+ (openjdk-17-jre-headless) for Spark")
    from cycleanalytics.errors import StoreError
    from cycleanalytics.spark import from_store, local_session

    try:
        session = local_session(2)
    except StoreError as exc:
        pytest.skip(str(exc))
    lake = from_store(store, tmp_path / "lake", session)
    cards = ["Card", "Loan"]
    recovery_lake = from_store(recovery_store, tmp_path / "recovery_lake", session)
    calls = [
        (store, lake, "complaints", "complaints", {"by": "company", "where": {"product": cards}}),
        (store, lake, "complaints", "complaints", {"by": ["attr.company", "month"]}),
        (store, lake, "case_duration", "cases", {"by": "team", "where": {"company": "Acme"}}),
        (recovery_store, recovery_lake, "recovery", "dissatisfied", {"by": "team"}),
    ]  # fmt: skip
    for duck_store, spark_store, name, measure, kwargs in calls:
        metric = getattr(ca.metrics, name)
        duck, spark = metric(duck_store, **kwargs), metric(spark_store, **kwargs)
        by = kwargs["by"] if isinstance(kwargs["by"], list) else [kwargs["by"]]
        assert len(spark) == len(duck) > 0, name
        key = [*by, measure]
        pd.testing.assert_frame_equal(
            spark[key].astype(str).sort_values(key).reset_index(drop=True),
            duck[key].astype(str).sort_values(key).reset_index(drop=True),
        )


#: Team of each event of the recovery fixture (tests/data), by line: cases k1 and k2 are
#: north, k3 and k4 south, k5 has none, k6 is north from its second event only.
TEAMS = ["north"] * 6 + ["south", "south", "", "", "north"]


@pytest.fixture
def recovery_store(tmp_path):
    """The recovery fixture (tests/data) with a ``Team`` column kept as attribute ``team``."""
    data = Path(__file__).parent / "data"
    lines = (data / "recovery_interactions.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    assert len(rows) == len(TEAMS)
    text = "\n".join([f"{header},Team", *(f"{r},{t}" for r, t in zip(rows, TEAMS, strict=True))])
    columns = "".join(f'{c} = "{c}"\n' for c in header.split(","))
    mapping = f'kind = "interactions"\n[columns]\n{columns}[attributes]\nteam = "Team"\n'
    with ca.Store() as s:
        ca.load(
            s,
            write(tmp_path, "events.csv", text + "\n"),
            mapping=write(tmp_path, "m.toml", mapping),
        )
        ca.load(s, data / "recovery_complaints.csv")
        yield s


def test_a_case_takes_the_attribute_of_its_first_event(recovery_store):
    df = ca.metrics.case_duration(recovery_store, by="team")
    # k6's first event has no team: the case has none, though a later event has one
    assert counts(df, "team", "cases") == {"north": 2, "south": 2, "(none)": 2}
    kept = ca.metrics.case_duration(recovery_store, where={"team": "north"})
    assert int(kept["cases"].sum()) == 3  # k1, k2, and k6 through its second event


@pytest.mark.parametrize(
    ("name", "measures"),
    [
        ("recovery", ("dissatisfied", "recovered")),
        ("recovery_cost", ("recovered_cases",)),
        ("loop_closure", ("items", "due")),
    ],
)
def test_case_level_metrics_split_their_whole_by_an_attribute(recovery_store, name, measures):
    metric = getattr(ca.metrics, name)
    whole, parts = metric(recovery_store), metric(recovery_store, by="team")
    assert len(parts) > 1
    for measure in measures:
        assert int(parts[measure].sum()) == int(whole[measure].sum()), measure


def test_a_report_takes_where_as_text_or_a_table():
    from cycleanalytics.errors import ParameterError
    from cycleanalytics.reports import _coerce

    text = "company=Bank of America; product=Mortgage; company=Citibank"
    assert _coerce("complaints", "where", text, None) == {
        "company": ["Bank of America", "Citibank"],
        "product": ["Mortgage"],
    }
    table = {"company": ["A", "B"], "product": "Card"}  # as reports.toml gives it
    assert _coerce("complaints", "where", table, None) == {
        "company": ["A", "B"],
        "product": ["Card"],
    }
    assert _coerce("complaints", "where", "None", None) is None
    with pytest.raises(ParameterError, match="parameter 'where' of report 'complaints'"):
        _coerce("complaints", "where", "company", None)


def test_where_source_narrows_as_the_metrics_where_does(store):
    from cycleanalytics.metrics._sources import where_source

    narrowed = where_source(store, {"company": "Acme"})
    assert int(ca.metrics.complaints(narrowed)["complaints"].sum()) == 2
    assert where_source(store, None) is store
    with pytest.raises(MetricError, match="no attribute 'colour'"):
        where_source(store, {"colour": "red"})
