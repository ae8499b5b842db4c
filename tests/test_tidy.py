"""Tidy result frames (#18): stages in the model's order, whole counts as integers, time grains
as periods, a readable one-row display, and ``attrs`` (the result contract) kept.

Expected values come from the committed sample (data/sample, January to June 2026) and the
default five-stage model (pre_interaction, initial_interaction, service_delivery, follow_up,
then the conditional recovery stage).
"""

from __future__ import annotations

import pandas as pd
import pytest

import cycleanalytics as ca
from cycleanalytics.metrics import REGISTRY
from cycleanalytics.metrics._frames import MetricFrame, tidy
from cycleanalytics.model import default_model


@pytest.fixture(scope="module")
def sample():
    with ca.Store() as store:
        ca.load(store, ca.sample_dir())
        yield store


def test_stages_are_ordered_categoricals_in_the_model_s_order(sample):
    df = ca.funnel(sample)
    order = default_model().order
    assert isinstance(df["stage"].dtype, pd.CategoricalDtype) and df["stage"].cat.ordered
    assert tuple(df["stage"].cat.categories[: len(order)]) == order
    flows = ca.metrics.directly_follows(sample)
    assert tuple(flows["source"].cat.categories[: len(order)]) == order
    # a pivot follows the cycle, not the alphabet
    pivot = flows.pivot_table(index="source", columns="target", values="count", observed=True)
    assert list(pivot.index) == [s for s in order if s in set(flows["source"])]


def test_whole_float_counts_become_integers():
    """Hand-made: a count column that came back as floats (4122.0) and one with a gap."""
    df = pd.DataFrame({"cases": [4122.0, 3.0], "complaints": [1.0, None], "share": [0.5, 1.0]})
    out = tidy(df, {})
    assert out["cases"].dtype == "int64" and out["cases"].tolist() == [4122, 3]
    assert str(out["complaints"].dtype) == "Int64" and out["complaints"].isna().tolist() == [
        False,
        True,
    ]
    assert out["share"].dtype == "float64"


def test_complaints_cases_are_integers(sample):
    df = ca.metrics.complaints(sample)
    assert pd.api.types.is_integer_dtype(df["cases"])


@pytest.mark.parametrize(
    ("grain", "first"), [("month", "2026-01"), ("quarter", "2026Q1"), ("year", "2026")]
)
def test_time_grains_are_periods(sample, grain, first):
    df = ca.metrics.satisfaction(sample, by=grain)
    assert isinstance(df[grain].dtype, pd.PeriodDtype)
    assert str(df[grain].iloc[0]) == first


def test_the_change_table_names_its_periods(sample):
    df = ca.metrics.satisfaction_change(sample)
    assert [str(p) for p in df["period"][:2]] == ["2026-02", "2026-03"]
    assert str(df["previous"].iloc[0]) == "2026-01"


def test_a_one_row_result_shows_transposed_under_its_definition(sample):
    df = ca.metrics.conformance(sample)
    assert isinstance(df, MetricFrame) and len(df.columns) > 20
    page = df._repr_html_()
    assert page.startswith("<p><b>conformance</b>: Conformance to the cycle model")
    assert page.count("</tr>") == len(df.columns) + 1  # one line per measure, and the header
    # anything derived is a plain DataFrame with pandas' own display
    assert type(df.head()) is pd.DataFrame


def test_attrs_survive_tidying(sample):
    for name in ("funnel", "satisfaction", "complaints", "directly_follows"):
        df = REGISTRY[name].compute(sample, by="month")
        assert df.attrs["definition"]["name"] == name
        assert {"filters", "rows_used", "as_of"} <= set(df.attrs)


def test_json_writes_periods_as_their_labels(sample):
    """The CLI's --format json calls to_json; JSON has no period type."""
    text = ca.metrics.satisfaction(sample, by="quarter").to_json(orient="records")
    assert '"quarter":"2026Q1"' in text
