"""Benchmark: the cycle metrics against hand-written DuckDB SQL, pandas and pm4py, in one run.

Builds event logs of 1M and 10M events by replicating the committed sample (13.5k events,
4.1k journeys) with fresh case ids and shifted times, into a DuckDB store. Then, per metric,
it times (best of ``--repeat``) and measures the peak memory (resident set growth of a fresh
worker process) of:

- the cycleanalytics metric (Ibis -> DuckDB, plus the pandas finishing and, for conformance,
  token replay per variant);
- the same result as ONE hand-written DuckDB SQL query (the baseline the ratios use);
- pandas on the events fetched from DuckDB (the fetch is included);
- polars (DFG, variants) on stage codes, the events already in its memory (fetched once from
  DuckDB, not timed: polars at its best), sorted and grouped per case each call; skipped with a
  message when polars is not installed (it is a benchmark peer, never a dependency);
- pm4py (DFG, variants, token-replay fitness, alignment fitness), its own data preparation
  included (fetch, ``format_dataframe``).

Results are compared before any figure is printed (counts equal; fitness to 1e-9: :func:`agree`).
Ratios are ``time / hand-written SQL`` of the same run; never assertions on time.

    .venv/bin/python benchmarks/metrics.py [--events 1000000 10000000] [--repeat 3]
        [--skip-pm4py] [--threads 2]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os

os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")  # before pm4py reads it
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from baselines import FUNNEL_SQL  # a sibling script module: run these from the repo root

import cycleanalytics as ca

STAGES = ("pre_interaction", "initial_interaction", "service_delivery", "follow_up")
ORDER = (*STAGES, "service_recovery")
CODE_SQL = "CASE stage " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(ORDER, 1)) + " END"

# -- hand-written SQL baselines ---------------------------------------------------------------

TIMING_SQL = (
    FUNNEL_SQL.split("SELECT (SELECT count(*)")[0]
    + """
SELECT count(r2.t), quantile_cont(epoch_us(r2.t) - epoch_us(r1.t), 0.5),
       count(r3.t), quantile_cont(epoch_us(r3.t) - epoch_us(r2.t), 0.5),
       count(r4.t), quantile_cont(epoch_us(r4.t) - epoch_us(r3.t), 0.5)
FROM r1 LEFT JOIN r2 USING (case_id) LEFT JOIN r3 USING (case_id) LEFT JOIN r4 USING (case_id)
"""
)

# The order of events within a case (cycleanalytics.metrics._sequences.EVENT_ORDER), written
# out by hand: time, then the source's order (file, row), then the id.
EVENT_ORDER = "ts, coalesce(load_id, 0), coalesce(source_row, 0), interaction_id"
EVENT_SORT = ["case_id", "ts", "load_id", "source_row", "interaction_id"]

DFG_SQL = f"""
SELECT stage, nxt, count(*) AS n
FROM (
    SELECT stage, lead(stage) OVER (PARTITION BY case_id ORDER BY {EVENT_ORDER}) AS nxt
    FROM interactions WHERE stage IS NOT NULL
) WHERE nxt IS NOT NULL
GROUP BY ALL
"""

# The idiom the issue measured: ordered string aggregation.
VARIANTS_SQL = f"""
SELECT v, count(*) AS n FROM (
    SELECT case_id, string_agg(stage, ',' ORDER BY {EVENT_ORDER}) AS v
    FROM interactions WHERE stage IS NOT NULL GROUP BY case_id
) GROUP BY v
"""


# -- measurement in a fresh worker --------------------------------------------------------------


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _worker(db: str, task: str, repeat: int, threads: int, queue: Any) -> None:
    start_rss = _rss_kb()
    store = ca.Store(db, read_only=True)
    store.con.execute(f"SET threads = {threads}")
    fn = TASKS[task]
    if task.endswith("/polars"):
        fn(store)  # the events into polars' memory, not timed
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn(store)
        best = min(best, time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    store.close()
    queue.put((best, max(peak - start_rss, 0) / 1024, result))


def measure(db: Path, task: str, repeat: int, threads: int) -> tuple[float, float, Any]:
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(str(db), task, repeat, threads, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


# -- the tasks: each returns something comparable --------------------------------------------------


def _lib_funnel(store: ca.Store) -> tuple:
    return tuple(int(x) for x in ca.funnel(store)["reached"])


def _sql_funnel(store: ca.Store) -> tuple:
    return tuple(int(x) for x in store.con.execute(FUNNEL_SQL).fetchall()[0])


def _lib_timing(store: ca.Store) -> tuple:
    df = ca.metrics.time_between_stages(store)
    return tuple(int(x) for x in df["cases"]), tuple(round(x, 6) for x in df["median_hours"])


def _sql_timing(store: ca.Store) -> tuple:
    row = store.con.execute(TIMING_SQL).fetchall()[0]
    return tuple(int(x) for x in row[0::2]), tuple(round(x / 3.6e9, 6) for x in row[1::2])


def _lib_dfg(store: ca.Store) -> dict:
    df = ca.metrics.directly_follows(store)
    return {(a, b): int(n) for a, b, n in zip(df["source"], df["target"], df["count"], strict=True)}


def _sql_dfg(store: ca.Store) -> dict:
    return {(a, b): int(n) for a, b, n in store.con.execute(DFG_SQL).fetchall()}


def _events_frame(store: ca.Store):
    return store.con.execute(
        "SELECT case_id, interaction_id, ts, coalesce(load_id, 0) AS load_id, "
        "coalesce(source_row, 0) AS source_row, stage FROM interactions WHERE stage IS NOT NULL"
    ).df()


def _pandas_dfg(store: ca.Store) -> dict:
    df = _events_frame(store).sort_values(EVENT_SORT)
    nxt = df["stage"].shift(-1)
    same = df["case_id"].eq(df["case_id"].shift(-1))
    counts = df.loc[same, "stage"].to_frame().assign(nxt=nxt[same]).value_counts()
    return {k: int(v) for k, v in counts.items()}


def _lib_variants(store: ca.Store) -> dict:
    df = ca.metrics.variants(store)
    return {tuple(v.split(" > ")): int(n) for v, n in zip(df["variant"], df["cases"], strict=True)}


def _sql_variants(store: ca.Store) -> dict:
    return {tuple(v.split(",")): int(n) for v, n in store.con.execute(VARIANTS_SQL).fetchall()}


def _pandas_variants(store: ca.Store) -> dict:
    df = _events_frame(store).sort_values(EVENT_SORT)
    per_case = df.groupby("case_id", sort=False)["stage"].agg(tuple)
    return {k: int(v) for k, v in per_case.value_counts().items()}


# -- polars: the events in memory as stage codes, sorted and grouped per case on each call ----
_POLARS_EVENTS: dict[int, Any] = {}


def polars_missing() -> str | None:
    """Why the polars peers cannot run (``None`` when they can)."""
    try:
        import polars  # noqa: F401
    except ImportError:
        return "polars is not installed (pip install polars: a benchmark peer only)"
    return None


def _polars_events(store: ca.Store) -> Any:
    """The mapped events as a polars frame (stage as a small integer code), fetched from DuckDB
    on the first call for ``store`` and kept: the timed calls start from polars' memory."""
    import polars as pl

    key = id(store)
    if key not in _POLARS_EVENTS:
        arrow = store.con.sql(
            f"SELECT case_id, ts, coalesce(load_id, 0) AS load_id, "
            f"coalesce(source_row, 0) AS source_row, interaction_id, "
            f"({CODE_SQL})::UTINYINT AS code FROM interactions WHERE stage IS NOT NULL"
        ).to_arrow_table()
        _POLARS_EVENTS[key] = pl.from_arrow(arrow)
    return _POLARS_EVENTS[key]


def _polars_sorted(store: ca.Store) -> Any:
    return _polars_events(store).sort(EVENT_SORT)


def _polars_dfg(store: ca.Store) -> dict:
    import polars as pl

    pairs = (
        _polars_sorted(store)
        .select(
            pl.col("code"),
            pl.col("code").shift(-1).alias("nxt"),
            (pl.col("case_id") == pl.col("case_id").shift(-1)).alias("same"),
        )
        .filter(pl.col("same"))
        .group_by("code", "nxt")
        .len()
    )
    return {
        (ORDER[a - 1], ORDER[b - 1]): int(n)
        for a, b, n in pairs.select("code", "nxt", "len").iter_rows()
    }


def _polars_variants(store: ca.Store) -> dict:
    """``group_by(case).agg(list)`` on the sorted stage codes, then the lists counted."""
    import polars as pl

    traces = _polars_sorted(store).group_by("case_id").agg(pl.col("code"))
    counted = traces.group_by("code").len()
    return {tuple(ORDER[c - 1] for c in codes): int(n) for codes, n in counted.iter_rows()}


def _lib_fitness(store: ca.Store) -> float:
    """Token-replay fitness alone: variants in the engine, one replay per variant."""
    from cycleanalytics.metrics._common import Period
    from cycleanalytics.metrics.conformance import _token_fitness

    return round(
        float(_token_fitness(store, [], Period(), None, _default())["token_fitness"][0]), 9
    )


def _lib_conformance(store: ca.Store) -> float:
    """The whole conformance table (every measure, token fitness included)."""
    return round(float(ca.metrics.conformance(store)["token_fitness"].iloc[0]), 9)


def _pm4py_log(store: ca.Store):
    import pm4py

    df = _events_frame(store).sort_values(EVENT_SORT)
    df = df.reset_index(drop=True)
    return pm4py.format_dataframe(df, case_id="case_id", activity_key="stage", timestamp_key="ts")


def _pm4py_dfg(store: ca.Store) -> dict:
    import pm4py

    dfg, _, _ = pm4py.discover_dfg(_pm4py_log(store))
    return {k: int(v) for k, v in dfg.items()}


def _pm4py_variants(store: ca.Store) -> dict:
    import pm4py

    return {tuple(k): int(v) for k, v in pm4py.get_variants(_pm4py_log(store)).items()}


def _pm4py_net() -> tuple[Any, Any, Any]:
    """The default model's Petri net as pm4py's, with its initial and final markings."""
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils import petri_utils

    from cycleanalytics.metrics._replay import model_net

    spec = model_net(_default())
    net = PetriNet("model")
    places = {p: PetriNet.Place(p) for p in spec.places}
    for p in places.values():
        net.places.add(p)
    for name, (pre, post, label) in spec.transitions.items():
        t = PetriNet.Transition(name, label)
        net.transitions.add(t)
        for p in pre:
            petri_utils.add_arc_from_to(places[p], t, net)
        for p in post:
            petri_utils.add_arc_from_to(t, places[p], net)
    return net, Marking({places["i"]: 1}), Marking({places["o"]: 1})


def _pm4py_fitness(store: ca.Store) -> float:
    import pm4py

    result = pm4py.fitness_token_based_replay(_pm4py_log(store), *_pm4py_net())
    return round(float(result["log_fitness"]), 9)


# -- conformance: the whole table, beside pm4py's token replay and its optimal alignments ----


def _lib_conformance_fitness(store: ca.Store) -> dict[str, float]:
    row = ca.metrics.conformance(store).iloc[0]
    return {m: round(float(row[m]), 9) for m in ("token_fitness", "alignment_fitness")}


def _pm4py_token_replay(store: ca.Store) -> dict[str, float]:
    return {"token_fitness": _pm4py_fitness(store)}


def _pm4py_alignments(store: ca.Store) -> dict[str, float]:
    import pm4py

    result = pm4py.fitness_alignments(_pm4py_log(store), *_pm4py_net())
    return {"alignment_fitness": round(float(result["log_fitness"]), 9)}


def agree(got: Any, want: Any) -> bool:
    """Whether two tasks' results are the same: fitness (floats, alone or by measure in a dict)
    to 1e-9, anything else exactly. A peer may give a subset of the measures: pm4py's token
    replay gives the token fitness of a conformance table that also holds alignment fitness."""
    if isinstance(want, float):
        return abs(got - want) < 1e-9
    if isinstance(want, dict) and want and all(isinstance(v, float) for v in want.values()):
        return all(k in got and abs(got[k] - v) < 1e-9 for k, v in want.items())
    return got == want


def _default():
    from cycleanalytics.model import default_model

    return default_model()


#: The engines a task may run on, in the order they are timed (``metric/kind`` in TASKS).
KINDS = ("sql", "lib", "conformance", "pandas", "polars", "pm4py", "pm4py_alignments")

TASKS: dict[str, Callable[[ca.Store], Any]] = {
    "funnel/lib": _lib_funnel,
    "funnel/sql": _sql_funnel,
    "time_between_stages/lib": _lib_timing,
    "time_between_stages/sql": _sql_timing,
    "directly_follows/lib": _lib_dfg,
    "directly_follows/sql": _sql_dfg,
    "directly_follows/pandas": _pandas_dfg,
    "directly_follows/polars": _polars_dfg,
    "directly_follows/pm4py": _pm4py_dfg,
    "variants/lib": _lib_variants,
    "variants/sql": _sql_variants,
    "variants/pandas": _pandas_variants,
    "variants/polars": _polars_variants,
    "variants/pm4py": _pm4py_variants,
    "token_fitness/lib": _lib_fitness,
    "token_fitness/conformance": _lib_conformance,
    "token_fitness/pm4py": _pm4py_fitness,
    "conformance/lib": _lib_conformance_fitness,
    "conformance/pm4py": _pm4py_token_replay,
    "conformance/pm4py_alignments": _pm4py_alignments,
}


# -- data ----------------------------------------------------------------------------------------


def build(db: Path, events: int) -> int:
    """Replicate the committed sample into ``db`` until it holds about ``events`` events."""
    sample = ca.sample_dir() / "interactions.csv"
    with ca.Store(db) as store:
        con = store.con
        con.execute(
            "CREATE TEMP TABLE base AS SELECT * FROM read_csv(?, header = true)", [str(sample)]
        )
        base = con.execute("SELECT count(*) FROM base").fetchall()[0][0]
        copies = max(1, round(events / base))
        columns = [r[0] for r in con.execute("DESCRIBE interactions").fetchall()]
        select = {
            "interaction_id": "interaction_id || '-' || r",
            "case_id": "case_id || '-' || r",
            "customer_id": "customer_id || '-' || r",
            "ts": "CAST(ts AS TIMESTAMPTZ) + to_days(CAST(r % 365 AS INTEGER))",
            "load_id": "NULL",
            "source_row": "NULL",  # as in a database loaded before source order was kept
        }
        present = {r[0] for r in con.execute("DESCRIBE base").fetchall()}
        # a column the sample does not carry (added to the schema later) stays empty
        exprs = ", ".join(select.get(c, c if c in present else "NULL") for c in columns)
        con.execute(
            f"INSERT INTO interactions SELECT {exprs} FROM base, range(?) AS t(r)", [copies]
        )
        return con.execute("SELECT count(*) FROM interactions").fetchall()[0][0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-pm4py", action="store_true")
    parser.add_argument("--only", nargs="*", help="metric names to run (default: all)")
    args = parser.parse_args()
    metrics = list(dict.fromkeys(t.split("/")[0] for t in TASKS))
    if args.only:
        metrics = [m for m in metrics if m in args.only]
    for target in args.events:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.duckdb"
            t0 = time.perf_counter()
            n = build(db, target)
            print(f"\n{n:,} events (built in {time.perf_counter() - t0:.1f} s)")
            print(f"{'metric':<22} {'engine':<11} {'time s':>8} {'peak MB':>8} {'× SQL':>7}")
            for metric in metrics:
                rows = []
                kinds = (
                    "sql",
                    "lib",
                    "conformance",
                    "pandas",
                    "polars",
                    "pm4py",
                    "pm4py_alignments",
                )
                for kind in kinds:
                    task = f"{metric}/{kind}"
                    if task not in TASKS or (kind.startswith("pm4py") and args.skip_pm4py):
                        continue
                    if kind == "polars" and polars_missing():
                        print(f"{metric:<22} {kind:<11} skipped: {polars_missing()}")
                        continue
                    reps = 1 if kind.startswith("pm4py") or kind == "pandas" else args.repeat
                    rows.append((kind, *measure(db, task, reps, args.threads)))
                results = {kind: result for kind, _, _, result in rows}
                reference = results.get("sql", results.get("pm4py"))
                for kind, result in results.items():
                    if kind != "lib" and "lib" in results:
                        assert agree(results["lib"], result), (metric, kind, result)
                    elif reference is not None and kind != "lib":
                        assert agree(result, reference), (metric, kind, result, reference)
                base = dict((k, s) for k, s, _, _ in rows).get("sql")
                for kind, seconds, peak, _ in rows:
                    ratio = f"{seconds / base:7.2f}" if base else "      –"
                    print(f"{metric:<22} {kind:<11} {seconds:>8.3f} {peak:>8.0f} {ratio}")
                times = {k: sec for k, sec, _, _ in rows}
                if "pm4py" in times and "lib" in times:
                    speedup = times["pm4py"] / times["lib"]
                    print(f"{'':<22} cycleanalytics is {speedup:.1f}× faster than pm4py")
    print(
        "\n(best of --repeat for sql/lib, one run for pandas and pm4py; times include fetching "
        "events for pandas and pm4py and pm4py's format_dataframe; peak MB = resident growth "
        "of a fresh worker; × SQL = time / hand-written DuckDB SQL in the same run; "
        "token_fitness has no SQL baseline: its reference is pm4py, 'conformance' is the whole "
        "conformance table, every measure included)"
    )


if __name__ == "__main__":
    main()
