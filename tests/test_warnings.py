"""Loud emptiness (#18): a filter that matches nothing, a period outside the data and an empty
store warn with a DataWarning naming what the data holds; a filter that matches gives none.

The expected values come from the committed sample (data/sample): its interaction channels are
chat, email, phone, store and web; its complaint channels fax, phone, postal_mail, referral and
web; its segments consumer, enterprise and small_business; its interactions run from
2026-01-01 to 2026-06-30.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator

import pytest

import cycleanalytics as ca
from cycleanalytics.errors import DataWarning, MetricError
from cycleanalytics.metrics import REGISTRY
from cycleanalytics.metrics._sources import closest_values


@pytest.fixture(scope="module")
def sample() -> Iterator[ca.Store]:
    with ca.Store() as store:
        ca.load(store, ca.sample_dir())
        yield store


def test_data_warning_is_a_user_warning():
    assert issubclass(DataWarning, UserWarning)


def test_a_misspelt_channel_names_the_closest_one(sample):
    with pytest.warns(DataWarning, match=r"channel 'phnoe' \(did you mean 'phone'\?\)"):
        df = ca.metrics.satisfaction(sample, channel="phnoe")
    assert df["interactions"].iloc[0] == 0  # the warning changes no result


def test_a_channel_in_another_case_names_the_data_s_spelling(sample):
    with pytest.warns(DataWarning, match=r"'Chat' \(did you mean 'chat'\?\).*chat, email, phone"):
        ca.metrics.satisfaction(sample, channel="Chat")


def test_only_the_unmatched_value_of_several_is_named(sample):
    with pytest.warns(DataWarning, match=r"channel 'emial' \(did you mean 'email'\?\) matches"):
        ca.metrics.cost(sample, channel=["chat", "emial"])


def test_a_complaint_metric_checks_the_complaint_channels(sample):
    with pytest.warns(DataWarning, match=r"no complaints.*fax, phone, postal_mail, referral, web"):
        ca.metrics.complaints(sample, channel="chat")


def test_an_unknown_segment_names_the_segments(sample):
    with pytest.warns(DataWarning, match=r"segment 'consumers' \(did you mean 'consumer'\?\)"):
        ca.metrics.funnel(sample, segment="consumers")


def test_a_period_outside_the_data_names_the_data_s_range(sample):
    with pytest.warns(
        DataWarning,
        match="no interactions in the period 2010-01-01 to 2010-12-31; the interactions run "
        "from 2026-01-01 to 2026-06-30",
    ):
        ca.metrics.satisfaction(sample, period="2010")


def test_an_empty_store_says_so(store):
    with pytest.warns(DataWarning, match="the store holds no interactions; load exports first"):
        ca.funnel(store)


def test_a_complaint_metric_on_an_empty_store_says_there_is_no_data_not_as_of(store):
    with (
        pytest.warns(DataWarning, match="holds no complaints"),
        pytest.raises(MetricError, match="there is no data: the store holds no complaints"),
    ):
        ca.metrics.complaints(store)


def test_matching_filters_give_no_warning(sample):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        ca.metrics.satisfaction(sample, channel="chat", period="2026-03", segment="consumer")
        ca.metrics.complaints(sample, channel="phone", period="2026-Q1")
        ca.metrics.recovery(sample, channel="web")
        ca.metrics.loop_closure(sample, channel="phone")


def test_no_registered_metric_warns_on_the_sample_without_filters(sample):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        for name in ("satisfaction", "funnel", "complaints", "conformance", "recovery"):
            REGISTRY[name].compute(sample)


def test_the_warning_points_at_the_caller(sample):
    with pytest.warns(DataWarning) as record:
        ca.metrics.satisfaction(sample, channel="phnoe")
    assert record[0].filename == __file__


def test_closest_values_prefer_the_same_letters_in_another_case():
    assert closest_values("WEB", ["web", "wed"]) == ["web"]
    assert closest_values("phnoe", ["phone", "email"]) == ["phone"]
    assert closest_values("zzz", ["phone", "email"]) == []


def test_the_checks_cost_a_few_milliseconds(sample):
    """Measured: about 1-3 ms on the sample (one query per table read); the bound is loose
    for a shared CI machine."""
    from cycleanalytics.metrics._sources import check_data

    arguments = {"channel": "chat", "period": "2026-03", "segment": "consumer"}
    check_data("satisfaction", "event_time", "event_channel", "", sample, arguments)
    start = time.perf_counter()
    for _ in range(20):
        found, empty = check_data(
            "satisfaction", "event_time", "event_channel", "", sample, arguments
        )
    per_call = (time.perf_counter() - start) / 20
    assert (found, empty) == ([], None)
    assert per_call < 0.05
