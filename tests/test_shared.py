"""Results shared between equal calls on one read-only database file (metrics._shared).

Expected counts are those of the hand-counted funnel fixture (tests/test_funnel.py: all data
reaches 10, 9, 5, 4; entering by web, January 4, 3, 2, 1, plus c10 in February: 5, 4, 3, 2)
and of one case added here by hand.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import cycleanalytics as ca
from cycleanalytics.errors import DataWarning
from cycleanalytics.metrics import _registry, _shared

DATA = Path(__file__).parent / "data"
HEADER = "interaction_id,case_id,customer_id,ts,stage,activity,channel"
#: One more case that passes all four funnel stages.
EXTRA_CASE = [
    "x1,c90,u01,2026-01-20T09:00:00Z,pre_interaction,Visit website,web",
    "x2,c90,u01,2026-01-20T10:00:00Z,initial_interaction,First contact,web",
    "x3,c90,u01,2026-01-21T10:00:00Z,service_delivery,Deliver service,web",
    "x4,c90,u01,2026-01-22T10:00:00Z,follow_up,Satisfaction survey,web",
]


@pytest.fixture
def funnel_db(tmp_path) -> Path:
    """A database file holding the funnel fixture (written, then closed)."""
    db = tmp_path / "funnel.duckdb"
    with ca.Store(db) as store:
        ca.load(store, [DATA / "funnel_customers.csv", DATA / "funnel_cases.csv"], kind=None)
    return db


@pytest.fixture
def computed(monkeypatch) -> list[str]:
    """The metrics actually computed (not taken from what is shared)."""
    _shared.forget()
    names: list[str] = []
    original = _registry._with_attributes

    def spy(func, call, source):
        names.append(func.__name__)
        return original(func, call, source)

    monkeypatch.setattr(_registry, "_with_attributes", spy)
    yield names
    _shared.forget()


def reached(df: pd.DataFrame) -> list[int]:
    return df["reached"].tolist()


def test_an_equal_call_on_a_read_only_store_is_computed_once(funnel_db, computed):
    with ca.Store(funnel_db, read_only=True) as store:
        first = ca.funnel(store)
        again = ca.funnel(store, by=None, period=None)  # the defaults, written out
    assert reached(first) == reached(again) == [10, 9, 5, 4]
    assert computed == ["funnel"]
    pd.testing.assert_frame_equal(first, again)
    assert type(again) is type(first) and again.attrs == first.attrs


def test_reports_opening_the_file_again_share_it(funnel_db, computed):
    for _ in range(2):  # each report opens its own store
        with ca.Store(funnel_db, read_only=True) as store:
            assert reached(ca.funnel(store)) == [10, 9, 5, 4]
    assert computed == ["funnel"]


def test_other_arguments_are_other_results(funnel_db, computed):
    with ca.Store(funnel_db, read_only=True) as store:
        assert reached(ca.funnel(store)) == [10, 9, 5, 4]
        assert reached(ca.funnel(store, channel="web")) == [5, 4, 3, 2]
        assert reached(ca.funnel(store, channel=["web"])) == [5, 4, 3, 2]  # a list: another key
    assert computed == ["funnel", "funnel", "funnel"]


def test_a_load_between_two_reads_gives_the_new_result(funnel_db, tmp_path, computed):
    with ca.Store(funnel_db, read_only=True) as store:
        assert reached(ca.funnel(store)) == [10, 9, 5, 4]
    extra = tmp_path / "extra_cases.csv"
    extra.write_text("\n".join([HEADER, *EXTRA_CASE]) + "\n")
    with ca.Store(funnel_db) as store:
        ca.load(store, [extra], kind=None)
    with ca.Store(funnel_db, read_only=True) as store:
        assert reached(ca.funnel(store)) == [11, 10, 6, 5]  # the case added by hand counts
    assert computed == ["funnel", "funnel"]


def test_a_writable_store_is_computed_every_time(funnel_db, computed):
    with ca.Store(funnel_db) as store:
        assert reached(ca.funnel(store)) == [10, 9, 5, 4]
        store.con.execute("DELETE FROM interactions WHERE case_id = 'c01'")  # P I D F
        assert reached(ca.funnel(store)) == [9, 8, 4, 3]
    assert computed == ["funnel", "funnel"]


def test_a_changed_copy_does_not_change_what_is_shared(funnel_db, computed):
    with ca.Store(funnel_db, read_only=True) as store:
        first = ca.funnel(store)
        first.loc[:, "reached"] = 0
        first.attrs["definition"]["name"] = "changed"
        again = ca.funnel(store)
    assert reached(again) == [10, 9, 5, 4]
    assert again.attrs["definition"]["name"] == "funnel"
    assert computed == ["funnel"]


def test_the_warnings_are_given_again(funnel_db, computed):
    with ca.Store(funnel_db, read_only=True) as store:
        for _ in range(2):
            with pytest.warns(DataWarning, match="channel 'fxa'"):
                assert reached(ca.funnel(store, channel="fxa")) == [0, 0, 0, 0]
    assert computed == ["funnel"]


def test_a_model_object_or_an_in_memory_store_is_not_shared(funnel_db, computed):
    model = ca.default_model()
    with ca.Store(funnel_db, read_only=True) as store:
        ca.funnel(store, model=model)
        ca.funnel(store, model=model)
    with ca.Store() as memory:
        ca.load(memory, [DATA / "funnel_customers.csv", DATA / "funnel_cases.csv"], kind=None)
        with warnings.catch_warnings():
            warnings.simplefilter("error", DataWarning)
            assert reached(ca.funnel(memory)) == reached(ca.funnel(memory)) == [10, 9, 5, 4]
    assert computed == ["funnel"] * 4


def test_the_plain_form_tells_types_apart():
    assert _shared._plain(1) != _shared._plain(1.0) != _shared._plain(True)
    assert _shared._plain(["a"]) != _shared._plain(("a",))
    assert _shared._plain({"b": 1, "a": [2]}) == _shared._plain({"a": [2], "b": 1})
    with pytest.raises(_shared._NotPlain):
        _shared._plain(object())


def test_at_most_its_size_is_kept(funnel_db, computed, monkeypatch):
    monkeypatch.setattr(_shared, "SHARED_SIZE", 2)
    with ca.Store(funnel_db, read_only=True) as store:
        for channel in ("web", "phone", "email", "web"):
            ca.funnel(store, channel=channel)
    assert len(_shared._KEPT) == 2
    assert computed == ["funnel"] * 4  # web was dropped before it was asked again
