"""DataFrames in (frames.py): a frame of canonical rows in place of a store, loaded through the
same door as an export. The expected numbers are counted by hand from the frames below."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

import cycleanalytics as ca
from cycleanalytics.frames import as_store

UTC_TIMES = ["2026-01-05 09:00", "2026-01-05 10:00", "2026-01-06 09:00", "2026-01-07 09:00",
             "2026-01-07 12:00"]  # fmt: skip


@pytest.fixture
def events() -> pd.DataFrame:
    """Three cases: k1 and k3 reach the initial interaction after 1 h and 3 h, k2 does not."""
    return pd.DataFrame(
        {
            "interaction_id": ["e1", "e2", "e3", "e4", "e5"],
            "case_id": ["k1", "k1", "k2", "k3", "k3"],
            "customer_id": ["c1", "c1", "c2", "c3", "c3"],
            "ts": pd.to_datetime(UTC_TIMES, utc=True),
            "stage": [
                "pre_interaction",
                "initial_interaction",
                "pre_interaction",
                "pre_interaction",
                "initial_interaction",
            ],
            "channel": ["web", "phone", "web", "chat", "chat"],
        }
    )


def test_funnel_of_a_three_case_frame_counts_by_hand(events):
    df = ca.funnel(events)
    assert df["reached"].tolist() == [3, 2, 0, 0]
    assert df["dropped"].tolist() == [0, 1, 2, 0]
    assert df.loc[1, "hours_to_convert_median"] == pytest.approx(2.0)  # (1 h + 3 h) / 2


def test_a_dict_of_frames_an_arrow_table_and_a_store_agree(events):
    pa = pytest.importorskip("pyarrow")
    expected = ca.funnel(events)["reached"].tolist()
    assert ca.funnel({"interactions": events})["reached"].tolist() == expected
    assert ca.funnel(pa.Table.from_pandas(events))["reached"].tolist() == expected
    with as_store(events) as store:
        assert ca.funnel(store)["reached"].tolist() == expected


def test_a_polars_frame_is_accepted(events):
    pl = pytest.importorskip("polars")
    assert ca.funnel(pl.from_pandas(events))["reached"].tolist() == [3, 2, 0, 0]


def test_timestamps_as_text_are_read_as_a_load_reads_them(events):
    text = events.assign(ts=[t.replace(" ", "T") + ":00Z" for t in UTC_TIMES])
    assert ca.funnel(text)["reached"].tolist() == [3, 2, 0, 0]


def test_text_in_the_timestamp_column_is_refused_naming_column_and_type(events):
    bad = events.assign(ts=["yesterday", "soon", "later", "never", "2026-01-07 12:00"])
    with pytest.raises(ca.LoadError) as caught:
        ca.funnel(bad)
    message = str(caught.value)
    assert "the interactions frame" in message
    assert "column 'ts'" in message and "expected a timestamp" in message
    assert "/tmp" not in message and ".parquet" not in message


def test_a_missing_required_column_is_named(events):
    with pytest.raises(ca.LoadError, match="case_id"):
        ca.funnel(events.drop(columns="case_id"))


def test_a_few_bad_rows_are_quarantined_and_reported_as_in_a_load(events):
    bad = events.assign(ts=["yesterday", *events["ts"].astype(str).tolist()[1:]])
    with warnings.catch_warnings(record=True) as caught:  # pytest.warns would show Ibis's own
        warnings.simplefilter("always", UserWarning)
        df = ca.funnel(bad)
    mine = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(mine) == 1, mine
    assert re.match(r"1 row\(s\) of the interactions frame .*column 'ts'", mine[0])
    # e1 (k1's pre-interaction) is set aside: k1 no longer enters; k2 and k3 do, k3 goes on
    assert df["reached"].tolist() == [2, 1, 0, 0]


def test_complaints_beside_interactions_and_an_unknown_table_name(events):
    complaints = pd.DataFrame(
        {
            "complaint_id": ["q1", "q2"],
            "customer_id": ["c1", "c2"],
            "opened_at": pd.to_datetime(["2026-01-05 11:00", "2026-01-06 10:00"], utc=True),
            "category": ["billing", "billing"],
        }
    )
    with as_store({"interactions": events, "complaints": complaints}) as store:
        assert store.counts()["complaints"] == 2 and store.counts()["interactions"] == 5
    with as_store(complaints) as store:  # recognised by its id column
        assert store.counts()["complaints"] == 2
    with pytest.raises(ca.LoadError, match="unknown table 'events'"):
        as_store({"events": events})
    with pytest.raises(ca.LoadError, match=r"complaints entry .* is a list"):
        as_store({"interactions": events, "complaints": [1, 2]})


def test_other_sources_pass_through(store):
    assert as_store(store) is store
    assert as_store("not a frame") == "not a frame"


def test_a_clean_frame_warns_nothing(events):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        as_store(events).close()
