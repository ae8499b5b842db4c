"""Engine parity: every portable metric gives the same table on DuckDB and on Spark.

The metrics are taken from ``REGISTRY`` when the tests are collected, so a metric registered
tomorrow is checked tomorrow, with one test per (data set, metric) so that a half-written
metric fails alone. Each metric runs with its defaults and with the shared arguments (one
call breaks down by an interactions column, a customers column and a time grain together, one
applies a period and a channel filter together: each Spark query costs seconds), on two data
sets exported from the same DuckDB store to Parquet and read by Spark:

- the committed sample (``data/sample``);
- ``edge``, generated below: timestamp ties inside and across cases, NULL stages, channels,
  segments and scores, microsecond times, a month boundary at the last microsecond, and a
  daylight-saving switch (Europe/Berlin, 2026-03-29 01:00 UTC) in the exports' local offsets.

Counts (integer columns, strings, timestamps, ``df.attrs``) must be equal. Floats must agree
within ``rel=1e-9, abs=1e-12``: floating-point sums are not bit-identical across engines
(ENGINE.md); ratios built from integer counts agree exactly in practice. Metrics that cannot
be portable are declared ``portable=False`` and must be explained in
``metrics/PORTABILITY.md``; they are skipped with that reason, never silently.
"""

from __future__ import annotations

import csv
import math
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

import cycleanalytics as ca
from cycleanalytics.calendar import BusinessCalendar
from cycleanalytics.errors import CycleAnalyticsError
from cycleanalytics.metrics import REGISTRY

pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'pyspark>=4.0,<4.1'")
if shutil.which("java") is None:
    pytest.skip(
        "Java is not installed: Spark needs Java 17+ (apt-get install openjdk-17-jre-headless)",
        allow_module_level=True,
    )

from cycleanalytics.spark import SparkStore, local_session

pytestmark = [
    pytest.mark.slow,
    # pyspark 4.0's own use of pandas 3 (not ours): "The copy keyword is deprecated".
    pytest.mark.filterwarnings("ignore::DeprecationWarning:pyspark"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

REL, ABS = 1e-9, 1e-12
PORTABILITY = Path(ca.__file__).parent / "metrics" / "PORTABILITY.md"
BERLIN = ZoneInfo("Europe/Berlin")
DST_SWITCH = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:00 CET -> 03:00 CEST

# Shared-argument variants every metric is run with (those its signature accepts).
VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "breakdown": {"by": ["channel", "segment", "month"]},  # interactions, customers, time grain
    "filters": {"period": "2026-03", "channel": ["web", "phone"]},
}
# Metric options worth a run of their own (metric name -> list of keyword sets).
EXTRA: dict[str, list[dict[str, Any]]] = {
    "funnel": [{"entry_within": 2, "window": "2d", "by": "channel"}],
    # the weights themselves (the defaults keep too few drivers on both data sets to weigh)
    "key_drivers": [
        {"drivers": ["initial_interaction", "follow_up"], "max_missing": 1.0, "min_n": 5},
        {"outcome": "csat", "level": "activity", "max_missing": 1.0, "min_n": 5, "by": "channel"},
        {"outcome": "retention", "horizon": "30d", "max_missing": 1.0, "min_n": 5},
    ],
    "loop_closure": [
        {"by": ["reason", "owner"], "sla": "1d"},
        {"by": "week", "as_of": "2026-04-01"},
    ],
    "recovery_paradox": [{"stratify": "severity"}],
    "time_between_stages": [
        {"calendar": BusinessCalendar({"mon": ("09:00", "17:00")}, timezone="Europe/Berlin")},
        {"level": "activity", "by": "channel"},  # time between steps (issue 13)
    ],
    "directly_follows": [{"level": "activity", "by": "channel"}],
    "variants": [{"level": "activity", "top": 5, "other": True, "by": "channel"}],
}


# -- the edge-case data set -------------------------------------------------------------------
STAGES = [
    "pre_interaction",
    "initial_interaction",
    "service_delivery",
    "follow_up",
    "service_recovery",
    "",
]
CHANNELS = ["web", "phone", "email", "chat", ""]


def _local(moment: datetime) -> str:
    """ISO text in Berlin's local offset (so the DST switch shows up in the exports)."""
    return moment.astimezone(BERLIN).isoformat(timespec="microseconds")


def write_edge_exports(folder: Path, *, cases: int = 400, seed: int = 7) -> Path:
    """Canonical CSV exports with ties, NULLs, microsecond times and a DST switch."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    customers = [f"C{i:03d}" for i in range(120)]
    with (folder / "customers.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["customer_id", "segment", "region", "first_seen", "churned_at"])
        for i, cid in enumerate(customers):
            segment = ["consumer", "business", ""][i % 3]
            out.writerow([cid, segment, ["north", "south"][i % 2], "2026-01-01T00:00:00Z", ""])
    rows, complaints, event = [], [], 0
    for i in range(cases):
        cid = customers[i % len(customers)]
        # Cases start within 20 days of the DST switch; every 10th exactly on it; case 3 at
        # the last microsecond of March (a month boundary), case 4 right after it.
        start = DST_SWITCH + timedelta(microseconds=int(rng.integers(-20, 20) * 86_400e6))
        start += timedelta(microseconds=int(rng.integers(0, 86_400_000_000)))
        if i % 10 == 0:
            start = DST_SWITCH
        if i == 3:
            start = datetime(2026, 3, 31, 23, 59, 59, 999_999, tzinfo=UTC)
        if i == 4:
            start = datetime(2026, 4, 1, tzinfo=UTC)
        if i % 7 == 0:  # whole seconds: ties across cases
            start = start.replace(microsecond=0)
        moment, channel = start, CHANNELS[int(rng.integers(0, len(CHANNELS)))]
        for _ in range(int(rng.integers(1, 9))):
            stage = STAGES[int(rng.choice(len(STAGES), p=[0.25, 0.25, 0.2, 0.15, 0.05, 0.1]))]
            event += 1
            rows.append(
                [
                    f"E{event:05d}",
                    f"K{i:04d}",
                    cid,
                    _local(moment),
                    stage,
                    stage or "Internal note",
                    channel if rng.random() > 0.2 else CHANNELS[int(rng.integers(0, 5))],
                    f"A{int(rng.integers(0, 9))}" if rng.random() > 0.3 else "",
                    f"{rng.gamma(2, 60):.6f}" if rng.random() > 0.2 else "",
                    f"{rng.gamma(2, 1.5):.6f}" if rng.random() > 0.2 else "",
                    int(rng.integers(1, 6)) if rng.random() > 0.6 else "",
                    int(rng.integers(0, 11)) if rng.random() > 0.7 else "",
                    int(rng.integers(1, 8)) if rng.random() > 0.8 else "",
                ]
            )
            # a third of the gaps are zero (ties inside the case), some a single microsecond
            gap = [0, 1, int(rng.integers(1, 3 * 86_400_000_000))][int(rng.integers(0, 3))]
            moment += timedelta(microseconds=gap)
        if rng.random() < 0.3:
            opened = moment + timedelta(microseconds=int(rng.integers(0, 86_400_000_000)))
            first = opened + timedelta(microseconds=int(rng.integers(0, 86_400_000_000)))
            resolved = first + timedelta(days=float(rng.gamma(2, 2)))
            complaints.append(
                [
                    f"P{len(complaints) + 1:04d}",
                    cid,
                    f"K{i:04d}" if rng.random() > 0.2 else "",
                    _local(opened),
                    _local(first) if rng.random() > 0.1 else "",
                    _local(resolved) if rng.random() > 0.3 else "",
                    ["communication", "image", "product", "other", ""][int(rng.integers(0, 5))],
                    ["low", "medium", "high"][int(rng.integers(0, 3))],
                    channel,
                    ["refund", "discount", "apology", "none", ""][int(rng.integers(0, 5))],
                    ["true", "false", ""][int(rng.integers(0, 3))],
                    int(rng.integers(1, 6)) if rng.random() > 0.5 else "",
                    "",
                ]
            )
    with (folder / "interactions.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            [
                "interaction_id",
                "case_id",
                "customer_id",
                "ts",
                "stage",
                "activity",
                "channel",
                "agent_id",
                "duration_s",
                "cost",
                "csat",
                "nps",
                "ces",
            ]
        )
        out.writerows(rows)
    with (folder / "complaints.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            [
                "complaint_id",
                "customer_id",
                "case_id",
                "opened_at",
                "first_response_at",
                "resolved_at",
                "category",
                "severity",
                "channel",
                "recovery_action",
                "reopened",
                "csat_after",
                "text",
            ]
        )
        out.writerows(complaints)
    return folder


# -- fixtures: one DuckDB store and one SparkStore per data set --------------------------------
@pytest.fixture(scope="session")
def spark_session():
    """One small local Spark session for the whole test run (local[2], 4 partitions, no UI)."""
    try:
        session = local_session(2)
    except CycleAnalyticsError as exc:
        pytest.skip(str(exc))
    yield session


@pytest.fixture(scope="module", params=["sample", "edge"])
def engines(request, tmp_path_factory, spark_session):
    """(name, DuckDB store, SparkStore) over the same data."""
    root = tmp_path_factory.mktemp(f"parity_{request.param}")
    folder = ca.sample_dir() if request.param == "sample" else write_edge_exports(root / "exports")
    files = sorted(folder.glob("*.csv"))
    store = ca.Store()
    ca.load(store, files)
    spark = SparkStore(
        spark_session, folder=store.export_parquet(root / "lake")["interactions"].parent
    )
    yield request.param, store, spark
    spark.close()
    store.close()


# -- comparison ------------------------------------------------------------------------------
def _is_float(series: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(series.dtype)


def assert_same(duck: pd.DataFrame, spark: pd.DataFrame, where: str) -> None:
    """Equal columns, rows in the same order, equal counts, floats within tolerance."""
    assert list(spark.columns) == list(duck.columns), f"{where}: columns differ"
    assert len(spark) == len(duck), f"{where}: {len(duck)} rows on DuckDB, {len(spark)} on Spark"
    duck, spark = duck.reset_index(drop=True), spark.reset_index(drop=True)
    for column in duck.columns:
        a, b = duck[column], spark[column]
        if _is_float(a) or _is_float(b):
            a, b = a.astype("float64").to_numpy(), b.astype("float64").to_numpy()
            same = np.isclose(a, b, rtol=REL, atol=ABS, equal_nan=True)
            assert same.all(), f"{where}: column {column!r} differs: {a[~same]} vs {b[~same]}"
        else:
            left = [None if _missing(v) else v for v in a.tolist()]
            right = [None if _missing(v) else v for v in b.tolist()]
            assert left == right, f"{where}: column {column!r} differs"
    for key in set(duck.attrs) | set(spark.attrs):
        same_value(duck.attrs.get(key), spark.attrs.get(key), f"{where}: attrs[{key!r}]")


def same_value(a: object, b: object, where: str) -> None:
    """Recursive equality for ``df.attrs``: frames, mappings, sequences, floats with tolerance."""
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        assert_same(a, b, where)
    elif isinstance(a, pd.Series) and isinstance(b, pd.Series):
        assert_same(a.to_frame(), b.to_frame(), where)
    elif isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), f"{where}: keys {sorted(a)} vs {sorted(b)}"
        for key in a:
            same_value(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple | np.ndarray) and isinstance(b, list | tuple | np.ndarray):
        assert len(a) == len(b), f"{where}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same_value(x, y, f"{where}[{i}]")
    elif (
        a is not None
        and b is not None
        and (isinstance(a, float | np.floating) or isinstance(b, float | np.floating))
    ):
        x, y = float(a), float(b)  # type: ignore[arg-type]
        assert math.isclose(x, y, rel_tol=REL, abs_tol=ABS) or (math.isnan(x) and math.isnan(y)), (
            f"{where}: {x!r} on DuckDB, {y!r} on Spark"
        )
    else:
        assert a == b, f"{where}: {a!r} on DuckDB, {b!r} on Spark"


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# -- the parity tests ------------------------------------------------------------------------
def _declared_non_portable() -> dict[str, str]:
    """Metric name -> reason, from the list in metrics/PORTABILITY.md."""
    text = PORTABILITY.read_text(encoding="utf-8")
    section = text.split("## Non-portable metrics", 1)[-1]
    return dict(re.findall(r"^- `([a-z_0-9]+)`: (.+)$", section, flags=re.MULTILINE))


def _calls(name: str) -> list[tuple[str, dict[str, Any]]]:
    import inspect

    accepted = set(inspect.signature(REGISTRY[name].compute).parameters)
    calls = [(label, kw) for label, kw in VARIANTS.items() if set(kw) <= accepted]
    calls += [(f"option{i}", kw) for i, kw in enumerate(EXTRA.get(name, []))]
    return calls


def _run(compute, source, kwargs):
    """The metric's table, or the error it raised (both engines must agree on errors too)."""
    try:
        return compute(source, **kwargs)
    except CycleAnalyticsError as exc:
        return exc


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_metric_is_identical_on_duckdb_and_spark(engines, name):
    spec = REGISTRY[name]
    if not spec.portable:
        reason = _declared_non_portable().get(name)
        assert reason, (
            f"metric {name!r} is registered portable=False but metrics/PORTABILITY.md does not "
            "say why: add '- `NAME`: reason' under '## Non-portable metrics'"
        )
        pytest.skip(f"{name} is not portable: {reason}")
    data, store, spark = engines
    for label, kwargs in _calls(name):
        where = f"{name}[{label}] on {data}"
        duck = _run(spec.compute, store, kwargs)
        if isinstance(duck, CycleAnalyticsError):
            # A variant the metric rejects (e.g. no such breakdown): Spark must reject it too.
            other = _run(spec.compute, spark, kwargs)
            assert isinstance(other, type(duck)), f"{where}: DuckDB raised {duck}, Spark did not"
            continue
        assert_same(duck, spec.compute(spark, **kwargs), where)


def test_non_portable_list_names_registered_metrics_only():
    """PORTABILITY.md lists a metric as non-portable only if it is registered portable=False."""
    declared = _declared_non_portable()
    flagged = {n for n, s in REGISTRY.items() if not s.portable}
    stale = sorted(n for n in declared if n in REGISTRY and n not in flagged)
    assert not stale, f"PORTABILITY.md lists {stale} as non-portable but they are portable=True"


def test_edge_exports_have_the_promised_shapes(tmp_path):
    """The generated set really has ties, NULLs, microseconds and both sides of the switch."""
    with ca.Store() as store:
        ca.load(store, write_edge_exports(tmp_path))
        con = store.con
        ties = con.execute(
            "SELECT count(*) FROM (SELECT case_id, ts FROM interactions "
            "GROUP BY ALL HAVING count(*) > 1)"
        ).fetchone()[0]
        nulls = con.execute(
            "SELECT count(*) FILTER (stage IS NULL), count(*) FILTER (channel IS NULL) "
            "FROM interactions"
        ).fetchone()
        micro = con.execute(
            "SELECT count(*) FROM interactions WHERE microsecond(ts) % 1000000 <> 0"
        ).fetchone()[0]
        sides = con.execute(
            "SELECT count(*) FILTER (ts < ?), count(*) FILTER (ts >= ?) FROM interactions",
            [DST_SWITCH, DST_SWITCH],
        ).fetchone()
    assert ties > 0 and micro > 0
    assert min(nulls) > 0
    assert min(sides) > 0


def test_microseconds_between_is_exact_on_both_engines(engines):
    """The time-difference helper against pandas' own Timestamp subtraction (outside the code)."""
    from cycleanalytics.metrics._common import microseconds_between

    _, store, spark = engines
    got = []
    for source in (store, spark):
        t = source.table("interactions")
        span = t.group_by("case_id").aggregate(a=t.ts.min(), b=t.ts.max())
        got.append(
            span.mutate(d=microseconds_between(span.a, span.b)).order_by("case_id").execute()
        )
    duck, other = got
    expected = ((duck["b"] - duck["a"]) // pd.Timedelta(microseconds=1)).tolist()
    assert duck["d"].tolist() == expected
    assert other["d"].tolist() == expected
