"""One definition per measure (issue 12): every registered metric declares its scope and returns
the same result contract; filters are honoured or refused by name; what was not measured is
missing, never 0; recovery and its cost filter the same cases in numerator and denominator."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import cycleanalytics as ca
from cycleanalytics.metrics import REGISTRY
from cycleanalytics.metrics.definitions import CONTRACT_KEYS, definitions_markdown

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
AS_OF = "2026-06-30T00:00:00Z"


@pytest.fixture(scope="module")
def sample():
    with ca.Store() as store:
        ca.load(store, ca.sample_dir())
        yield store


def _plain(value: object) -> bool:
    """Text, numbers, lists and dicts only: no DataFrame, no timedelta, no datetime."""
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def _check_contract(name: str, df: pd.DataFrame) -> None:
    attrs = df.attrs
    missing = [k for k in CONTRACT_KEYS if k not in attrs]
    assert not missing, f"{name}: no {missing} in attrs"
    definition = attrs["definition"]
    for key in ("name", "unit", "time_basis", "channel_basis", "population"):
        assert definition[key], f"{name}: empty definition {key}"
    assert definition["name"] == name
    assert isinstance(attrs["rows_used"], int) and attrs["rows_used"] >= 0, name
    assert all(isinstance(v, int) and v >= 0 for v in attrs["rows_excluded"].values()), name
    assert all(isinstance(v, str) for v in attrs["missing"].values()), name
    assert _plain(attrs["filters"]), f"{name}: filters are not plain values"
    for key, value in attrs.items():
        assert not isinstance(value, pd.DataFrame | pd.Series), f"{name}: attrs[{key!r}]"
    json.dumps({k: attrs[k] for k in CONTRACT_KEYS})  # the contract is plain data


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_metric_returns_the_contract(sample, name):
    df = REGISTRY[name].compute(sample)
    _check_contract(name, df)
    assert df.attrs["filters"]["period"] == "all data"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_metric_honours_or_refuses_each_shared_filter(sample, name):
    spec = REGISTRY[name]
    filters = {"period": "2026-03", "channel": "web", "segment": "consumer"}
    df = spec.compute(sample, **filters)
    _check_contract(name, df)
    applied = df.attrs["filters"]
    assert applied["period"] == "2026-03-01 to 2026-03-31"
    assert applied["channel"] == ["web"] and applied["segment"] == ["consumer"]
    for key, why in spec.refuses.items():
        with pytest.raises(ca.MetricError, match=f"{name} does not take {key}"):
            spec.compute(sample, **{key: "month"})
        assert why


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_options_are_recorded_after_defaults(sample, name):
    spec = REGISTRY[name]
    df = spec.compute(sample)
    for option in spec.options:
        assert option.name in df.attrs["filters"], f"{name}: option {option.name} not recorded"


def test_durations_are_numbers_with_a_unit(sample):
    df = ca.metrics.recovery(sample, horizon="30d")
    assert df.attrs["filters"]["horizon"] == {"value": 720.0, "unit": "hours"}


def test_a_metric_with_two_bases_says_which(sample):
    event = ca.metrics.satisfaction(sample, period="2026-06")
    case = ca.metrics.satisfaction(sample, period="2026-06", basis="case")
    assert event.attrs["definition"]["time_basis"].startswith("event time")
    assert case.attrs["definition"]["time_basis"].startswith("case start")
    assert event.attrs["definition"]["basis"] == "event"
    with pytest.raises(ca.MetricError, match="basis must be one of event, case"):
        ca.metrics.satisfaction(sample, basis="journey")


def test_definitions_page_is_current():
    assert (ROOT / "docs" / "generate_definitions.py").exists()
    actual = (ROOT / "docs" / "definitions.md").read_text(encoding="utf-8")
    assert actual == definitions_markdown(), (
        "docs/definitions.md is stale: run .venv/bin/python docs/generate_definitions.py"
    )
    for name, metric in REGISTRY.items():
        assert f"## `{name}`" in actual
        for scope in metric.scopes.values():
            assert scope.population in actual


# -- recovery and its cost, per channel, by hand -------------------------------------------------

# k7 (u9) enters by phone: CSAT 1, a Refund (30.00) a day later, recovery survey CSAT 4 two
# days later: recovered, success. Every case of tests/data/recovery_*.csv entered on the web.
PHONE_CASE = """interaction_id,case_id,customer_id,ts,stage,activity,channel,agent_id,duration_s,cost,csat,nps,ces
r12,k7,u9,2026-02-01T10:00:00Z,follow_up,Satisfaction survey,phone,,10,0.10,1,,
r13,k7,u9,2026-02-02T10:00:00Z,service_recovery,Refund,phone,A3,300,30.00,,,
r14,k7,u9,2026-02-03T10:00:00Z,service_recovery,Recovery survey,phone,,10,0.10,4,,
"""  # noqa: E501


@pytest.fixture
def channels_store(store, tmp_path):
    (tmp_path / "phone_case.csv").write_text(PHONE_CASE)
    files = [DATA / "recovery_interactions.csv", DATA / "recovery_complaints.csv"]
    ca.load(store, [*files, tmp_path / "phone_case.csv"], kind=None)
    return store


def test_recovery_cost_per_channel_by_hand(channels_store):
    def one(**filters):
        df = ca.metrics.recovery_cost(channels_store, as_of=AS_OF, **filters)
        return df.iloc[0]

    # web: k1 (40.00 + 0.10), k2 (2.00 + 0.10), k6 (15.00), q2 (no events): 57.20 spent over
    # the customers whose recovery succeeded, u1 (k1) and u6 (k6)
    web = one(channel="web")
    assert (web["recovered_cases"], web["recovered_customers"]) == (4, 2)
    assert web["recovery_cost"] == pytest.approx(57.20)
    assert web["cost_per_recovered_customer"] == pytest.approx(28.60)
    # phone: k7 alone, 30.00 + 0.10 for u9
    phone = one(channel="phone")
    assert (phone["recovered_cases"], phone["recovered_customers"]) == (1, 1)
    assert phone["cost_per_recovered_customer"] == pytest.approx(30.10)
    everything = one()
    assert everything["cost_per_recovered_customer"] == pytest.approx(87.30 / 3)
    # a one-day horizon drops k1's recovery survey (two days after its Refund): 57.10
    assert one(channel="web", horizon="1d")["recovery_cost"] == pytest.approx(57.10)


def test_recovery_per_channel_by_hand(channels_store):
    web = ca.metrics.recovery(channels_store, as_of=AS_OF, channel="web").iloc[0]
    assert (web["dissatisfied"], web["recovered"], web["successes"]) == (6, 4, 2)
    phone = ca.metrics.recovery(channels_store, as_of=AS_OF, channel="phone").iloc[0]
    assert (phone["dissatisfied"], phone["recovered"], phone["successes"]) == (1, 1, 1)
    assert phone.recovery_rate == 1.0
    frame = ca.metrics.recovery(channels_store, as_of=AS_OF, channel="phone")
    assert frame.attrs["definition"]["channel_basis"].startswith("entry channel")
    assert frame.attrs["rows_used"] == 1


# -- nothing measured, nothing shown ---------------------------------------------------------


def test_cost_without_a_cost_column_is_missing(store, tmp_path):
    (tmp_path / "i.csv").write_text(
        "interaction_id,case_id,customer_id,ts,stage,channel\n"
        "I1,K1,C1,2026-03-02T10:00:00Z,pre_interaction,chat\n"
    )
    ca.load(store, [tmp_path / "i.csv"])
    df = ca.metrics.cost(store)
    assert df["cases"].iloc[0] == 1 and pd.isna(df["cost_per_case"].iloc[0])
    assert "no event records a cost" in df.attrs["missing"]["cost"]


def test_resolution_with_nothing_resolved_has_no_mean(store, tmp_path):
    (tmp_path / "c.csv").write_text(
        "complaint_id,customer_id,opened_at,channel,category,text\n"
        "P1,C1,2026-03-04T09:00:00Z,chat,communication,x\n"
        "P2,C2,2026-03-20T09:00:00Z,phone,image,y\n"
    )
    ca.load(store, [tmp_path / "c.csv"])
    df = ca.metrics.resolution_time(store, as_of="2026-06-30")
    assert df["complaints"].iloc[0] == 2 and df["resolved"].iloc[0] == 0
    assert pd.isna(df["restricted_mean_h"].iloc[0]) and pd.isna(df["median_h"].iloc[0])
    assert "resolved" in df.attrs["missing"]["resolution_time"]


def test_complaints_on_a_store_without_complaints_say_so(store, tmp_path):
    (tmp_path / "i.csv").write_text(
        "interaction_id,case_id,customer_id,ts,stage,channel\n"
        "I1,K1,C1,2026-03-02T10:00:00Z,pre_interaction,chat\n"
    )
    ca.load(store, [tmp_path / "i.csv"])
    df = ca.metrics.complaints(store)
    assert df.empty and df.attrs["cases"] == 1
    assert df.attrs["missing"]["complaints"] == "no complaints were loaded"
