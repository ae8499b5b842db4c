"""Activity-level directly-follows and variants on every real event log of
``/work/shared/data/real``, loaded with its example mapping and exact duplicates kept, against
two oracles that never see the store (issue #13):

- pm4py, on a pandas frame read from the same file, stable-sorted by time so that events of
  the same time keep the file's order (``pm4py.format_dataframe`` then sorts by case, time and
  that position);
- DuckDB SQL over the raw file: the row's position in the file (one thread, so the scan is in
  file order) breaks ties in time.

Every test skips, saying why, when a log or pm4py is not on this machine. Each log is loaded
once per module (BPIC 2014 has 369,485 events).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_real_logs import MAPPINGS, REAL, keeping_duplicates, needs

import cycleanalytics as ca

BPIC2013 = REAL / "bpic2013_vinst"


@dataclass(frozen=True)
class Log:
    """One real event log: its file, its mapping, how its activity is written from the raw
    columns (as the mapping says, written again here), and figures from the data README."""

    path: Path
    mapping: str
    activity: tuple[str, ...]  # raw columns, joined with " - " (the mappings' concat)
    events: int
    cases: int
    variants: int  # activity variants in the file's order (Disco's count where it names them)
    disco_variant: str | None = None  # a column naming each case's variant (Disco exports)


LOGS = {
    "helpdesk": Log(
        REAL / "helpdesk" / "helpdesk_events.csv",
        "helpdesk.toml",
        ("activity",),
        21_348,
        4_580,
        226,
        "variant_index",
    ),
    "bpic2013_incidents": Log(
        BPIC2013 / "incidents_events.csv",
        "bpic2013_incidents.toml",
        ("status", "sub_status"),
        65_533,
        7_554,
        2_278,
    ),
    "bpic2013_closed_problems": Log(
        BPIC2013 / "closed_problems_events.csv",
        "bpic2013_closed_problems.toml",
        ("status", "sub_status"),
        6_660,
        1_487,
        327,
        "variant_index",
    ),
    "bpic2013_open_problems": Log(
        BPIC2013 / "open_problems_events.csv",
        "bpic2013_open_problems.toml",
        ("status", "sub_status"),
        2_351,
        819,
        182,
    ),
    "bpic2014_incidents": Log(
        REAL / "bpic2014_rabobank_incidents" / "incident_activity_events.csv.gz",
        "bpic2014_incidents.toml",
        ("activity",),
        369_485,
        41_353,
        14_948,  # the figure (15,827 when ties went by a hash)
    ),
}

Flows = dict[tuple[str, str], int]
Variants = dict[str, int]


@dataclass
class Mined:
    """Directly-follows counts and variants of one log, by cycleanalytics and both oracles."""

    log: Log
    ours: tuple[Flows, Variants]
    pm4py: tuple[Flows, Variants]
    sql: tuple[Flows, Variants]
    disco: Counter[int] | None  # cases per Disco variant, when the file names them


def ours(log: Log, mapping: Path) -> tuple[Flows, Variants]:
    with ca.Store() as store:
        f = ca.load(store, log.path, mapping=mapping).files[0]
        assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (log.events, log.events, 0)
        dfg = ca.metrics.directly_follows(store, level="activity")
        v = ca.metrics.variants(store, level="activity")
    flows = {(r.source, r.target): int(r.count) for r in dfg.itertuples()}
    return flows, dict(zip(v["variant"], v["cases"].astype(int), strict=True))


def by_pm4py(log: Log, raw: pd.DataFrame) -> tuple[Flows, Variants]:
    pm4py = pytest.importorskip("pm4py")
    frame = pd.DataFrame(
        {
            "case": raw["case_id"],
            "activity": raw[list(log.activity)].agg(" - ".join, axis=1),
            "ts": pd.to_datetime(raw["timestamp"], utc=True, format="ISO8601"),
        }
    ).sort_values("ts", kind="stable")  # ties keep the file's order
    frame = pm4py.format_dataframe(
        frame, case_id="case", activity_key="activity", timestamp_key="ts"
    )
    assert len(frame) == log.events  # pm4py dropped no event
    flows, _, _ = pm4py.discover_dfg(frame)
    variants = pm4py.get_variants(frame)
    return (
        {pair: int(n) for pair, n in flows.items()},
        {" > ".join(k): int(n) for k, n in variants.items()},
    )


def by_sql(log: Log) -> tuple[Flows, Variants]:
    activity = " || ' - ' || ".join(log.activity)
    con = duckdb.connect()
    con.execute("SET threads = 1")  # the scan, and so row_number(), in the file's order
    con.execute(
        f"""
        CREATE TABLE events AS
        SELECT case_id, {activity} AS activity, timestamp::TIMESTAMPTZ AS ts,
               row_number() OVER () AS file_row
        FROM read_csv($path, all_varchar = true, header = true)
        """,
        {"path": str(log.path)},
    )
    flows = con.execute(
        """
        SELECT activity, next, count(*) FROM (
          SELECT activity,
                 lead(activity) OVER (PARTITION BY case_id ORDER BY ts, file_row) AS next
          FROM events)
        WHERE next IS NOT NULL GROUP BY ALL
        """
    ).fetchall()
    variants = con.execute(
        """
        SELECT trace, count(*) FROM (
          SELECT string_agg(activity, ' > ' ORDER BY ts, file_row) AS trace
          FROM events GROUP BY case_id)
        GROUP BY trace
        """
    ).fetchall()
    con.close()
    return {(a, b): n for a, b, n in flows}, dict(variants)


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(name, marks=pytest.mark.slow) if name == "bpic2014_incidents" else name
        for name in LOGS
    ],
    ids=list(LOGS),
)
def mined(request, tmp_path_factory) -> Mined:
    log = LOGS[request.param]
    needs(log.path)
    pytest.importorskip("pm4py")
    mapping = keeping_duplicates(MAPPINGS / log.mapping, tmp_path_factory.mktemp("mapping"))
    raw = pd.read_csv(log.path, dtype=str, keep_default_na=False)
    assert (len(raw), raw["case_id"].nunique()) == (log.events, log.cases)  # the README's
    disco = None
    if log.disco_variant:
        disco = Counter(raw.groupby("case_id")[log.disco_variant].first().value_counts())
    return Mined(log, ours(log, mapping), by_pm4py(log, raw), by_sql(log), disco)


def test_activity_directly_follows_equals_pm4py_and_sql(mined):
    flows = mined.ours[0]
    assert flows == mined.pm4py[0]
    assert flows == mined.sql[0]
    # every event but a case's last is followed by one
    assert sum(flows.values()) == mined.log.events - mined.log.cases


def test_activity_variants_equal_pm4py_and_sql(mined):
    variants = mined.ours[1]
    assert variants == mined.pm4py[1]
    assert variants == mined.sql[1]
    assert sum(variants.values()) == mined.log.cases
    assert len(variants) == mined.log.variants
    if mined.disco is not None:
        # Disco's own variants (a column of the export) group the cases alike
        assert Counter(variants.values()) == mined.disco
