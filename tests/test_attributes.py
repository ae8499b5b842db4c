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
    with pytest.raises(MetricError, match=r"by: no attribute 'colour' in the data"):
        ca.metrics.complaints(store, by="attr.colour")
    with pytest.raises(MetricError, match="where is a mapping of attribute names to values"):
        ca.metrics.complaints(store, where="company=Acme")


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
