"""The store's Ibis backend compiles each distinct query once (cycleanalytics._backend): the
SQL is kept, never the data, so a load or an update between two calls gives the new numbers.

Expected counts are those of the hand-counted funnel fixture (tests/test_funnel.py: all data
reaches 10, 9, 5, 4; January 9, 8, 4, 3) and of one case added here by hand.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.operations as ops
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ibis.backends.duckdb import Backend

import cycleanalytics as ca
from cycleanalytics import _backend

DATA = Path(__file__).parent / "data"
HEADER = "interaction_id,case_id,customer_id,ts,stage,activity,channel"
#: One more case that passes all four funnel stages in January.
EXTRA_CASE = [
    "x1,c90,u01,2026-01-20T09:00:00Z,pre_interaction,Visit website,web",
    "x2,c90,u01,2026-01-20T10:00:00Z,initial_interaction,First contact,web",
    "x3,c90,u01,2026-01-21T10:00:00Z,service_delivery,Deliver service,web",
    "x4,c90,u01,2026-01-22T10:00:00Z,follow_up,Satisfaction survey,web",
]


@pytest.fixture
def compiles(monkeypatch) -> list[str]:
    """The operations Ibis's own compiler is asked to compile (a cache miss each)."""
    asked: list[str] = []
    original = Backend.compile

    def spy(self, expr, /, **kwargs):
        asked.append(type(expr.op()).__name__)
        return original(self, expr, **kwargs)

    monkeypatch.setattr(Backend, "compile", spy)
    return asked


def reached(store: ca.Store, **filters) -> list[int]:
    return ca.funnel(store, **filters)["reached"].tolist()


def test_the_store_backend_is_the_compiling_one(funnel_store):
    assert isinstance(funnel_store.ibis, _backend.CompilingOnce)


def test_a_second_equal_call_is_not_compiled_again(funnel_store, compiles):
    assert reached(funnel_store) == [10, 9, 5, 4]
    first = len(compiles)
    assert first > 0
    assert reached(funnel_store) == [10, 9, 5, 4]
    assert len(compiles) == first  # every query of the second call came from the cache


def test_other_arguments_are_other_queries(funnel_store, compiles):
    assert reached(funnel_store) == [10, 9, 5, 4]
    before = len(compiles)
    assert reached(funnel_store, period="2026-01") == [9, 8, 4, 3]
    assert len(compiles) > before  # a new literal, a new query
    assert reached(funnel_store) == [10, 9, 5, 4]


def test_a_load_between_two_calls_gives_the_new_result(funnel_store, tmp_path, compiles):
    assert reached(funnel_store) == [10, 9, 5, 4]
    extra = tmp_path / "extra_cases.csv"
    extra.write_text("\n".join([HEADER, *EXTRA_CASE]) + "\n")
    ca.load(funnel_store, [extra], kind=None)
    asked = len(compiles)
    assert reached(funnel_store) == [11, 10, 6, 5]  # the case added by hand counts
    assert len(compiles) == asked  # same SQL, new data


def test_an_update_between_two_calls_gives_the_new_result(funnel_store):
    assert reached(funnel_store, period="2026-01") == [9, 8, 4, 3]
    # c10 (P I D F in February) moved into January: one more case at every stage
    funnel_store.con.execute(
        "UPDATE interactions SET ts = ts - INTERVAL 31 DAY WHERE case_id = 'c10'"
    )
    assert reached(funnel_store, period="2026-01") == [10, 9, 5, 4]


def test_in_memory_tables_are_registered_and_not_kept(funnel_store):
    backend = funnel_store.ibis
    for values in ([1, 2, 3], [10, 20]):  # a fresh memtable each time, as metrics make them
        t = ibis.memtable(pd.DataFrame({"x": values}))
        assert backend.execute(t.x.sum()) == sum(values)
    assert not any(key[0].find(ops.InMemoryTable) for key in backend._compiled)


def test_python_udfs_are_registered_every_time(funnel_store):
    @ibis.udf.scalar.python
    def twice(x: int) -> int:
        return 2 * x

    t = funnel_store.table("interactions")
    expr = t.filter(t.case_id == "c01").select(n=twice(t.duration_s.cast("int64"))).n.sum()
    assert funnel_store.ibis.execute(expr) == 2 * (30 + 120 + 600 + 60)  # c01's durations
    assert funnel_store.ibis.execute(expr) == 2 * (30 + 120 + 600 + 60)


def test_the_cache_keeps_at_most_its_size(funnel_store, monkeypatch):
    monkeypatch.setattr(_backend, "CACHE_SIZE", 3)
    t = funnel_store.table("interactions")
    for n in range(6):
        funnel_store.ibis.execute(t.filter(t.duration_s > n).count())
    assert len(funnel_store.ibis._compiled) == 3
    assert len(funnel_store.ibis._plain) == 3


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    calls=st.lists(
        st.tuples(
            st.sampled_from(["funnel", "cost", "satisfaction"]),
            st.sampled_from(["", "2026-01", "2026-02", "2026-01-03..2026-01-05"]),
            st.sampled_from([None, "web", "phone"]),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_cached_results_equal_those_of_a_fresh_compiler(funnel_store, calls):
    """In any order, a metric through the cache equals the same metric compiled from scratch
    (Ibis's plain DuckDB backend over the same connection)."""
    plain = ca.Store()  # a second door to the same connection, without the cache
    plain.con.close()
    plain.con = funnel_store.con
    plain._backend = ibis.duckdb.from_connection(funnel_store.con)
    for name, period, channel in calls:
        metric = getattr(ca.metrics, name)
        got = metric(funnel_store, period=period or None, channel=channel)
        want = metric(plain, period=period or None, channel=channel)
        pd.testing.assert_frame_equal(got, want)
