"""Conformance to the cycle model against the hand-computed fixture of tests/data (the eleven
cases are described in test_funnel.py), hypothesis invariants, and pm4py as an oracle for the
directly-follows counts, variants and token-replay fitness.

Collapsed stage sequences (P, I, D, F, R = recovery) and what the default model says of them:

c01 P I D F  conforms          c05 P I F   I->F skips D        c09 I D F  starts late
c02 P I D    conforms          c06 P I D I F  D->I backward, I->F skip
c03 P I      conforms          c07 P D I F  P->D skip, D->I backward, I->F skip
c04 P        conforms          c08 P I D F  conforms, with repeats (P P I I I D D F F)
c10 P I D F  conforms          c11 P I R   I->R skips (and recovery without dissatisfaction)

Events: 42, of which 41 map to a stage (c11's "Wait" does not).
Moves between different stages: 3+2+1+0+2+4+3+3+2+3+2 = 25, allowed 3+2+1+0+1+2+0+3+2+3+1 = 18.
"""

from __future__ import annotations

import os
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from conftest import pm4py_net
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cycleanalytics as ca
from cycleanalytics.metrics._replay import model_net, replay
from cycleanalytics.metrics._sequences import case_codes
from cycleanalytics.metrics.conformance import (
    CONFORMANCE_COLUMNS,
    Moves,
    deviation_flags,
    ends_with,
    precedence,
    response,
    sequence_moves,
    starts_with,
)
from cycleanalytics.model import CycleModel, default_model

HELPDESK = (
    Path(os.environ.get("CYCLEANALYTICS_REAL_DATA", "/work/shared/data/real"))
    / "helpdesk/helpdesk_events.csv"
)


def test_hand_counted_conformance(funnel_store):
    df = ca.metrics.conformance(funnel_store)
    assert list(df.columns) == list(CONFORMANCE_COLUMNS)
    row = df.iloc[0]
    assert (row["events"], row["events_mapped"], row["cases"]) == (42, 41, 11)
    assert row["coverage"] == pytest.approx(41 / 42)
    assert row["conforming_cases"] == 6  # c01 c02 c03 c04 c08 c10
    assert row["skipped_cases"] == 4  # c05 c06 c07 c11
    assert row["backward_cases"] == 2  # c06 c07
    assert row["repeats_cases"] == 1  # c08
    assert (row["recovery_cases"], row["recovery_without_dissatisfaction"]) == (1, 1)  # c11
    assert (row["transitions"], row["transitions_allowed"]) == (25, 18)
    assert row["transition_fitness"] == pytest.approx(18 / 25)
    for name in ("coverage", "conforming_share"):
        assert row[f"{name}_lo"] <= row[name] <= row[f"{name}_hi"]


def test_token_replay_hand_computed():
    # P I F on the default model's net: start, P, move P->I, I; F is not enabled and no
    # invisible path leads to it (missing 1); F, end. Produced 7 (initial token + 6 firings),
    # consumed 7 (6 firings + the final token), remaining 1 (left after I):
    # fitness = 1/2 (1 - 1/7) + 1/2 (1 - 1/7) = 6/7.
    net = model_net(default_model())
    r = replay(net, ["pre_interaction", "initial_interaction", "follow_up"])
    assert (r.produced, r.consumed, r.missing, r.remaining) == (7, 7, 1, 1)
    assert r.fitness == pytest.approx(6 / 7)
    assert (
        replay(
            net, ["pre_interaction", "initial_interaction", "service_delivery", "follow_up"]
        ).fitness
        == 1
    )
    # P alone: no way to the end: missing 1 at the sink, 1 token left; 3 produced, 3 consumed.
    assert replay(net, ["pre_interaction"]).fitness == pytest.approx(2 / 3)


def test_directly_follows_hand_counted(funnel_store):
    dfg = ca.metrics.directly_follows(funnel_store)
    assert dfg.attrs["median_plan"] == "aggregate"
    assert dfg["count"].sum() == 41 - 11  # mapped events minus cases
    pairs = {(r.source, r.target): r for r in dfg.itertuples()}
    assert pairs[("pre_interaction", "initial_interaction")].count == 8
    # P -> I hours: 1, 2, .5, 1, 1, .5 (c08's second P), 1, 0 -> median 1
    assert pairs[("pre_interaction", "initial_interaction")].median_hours == pytest.approx(1)
    assert pairs[("service_delivery", "initial_interaction")].count == 2  # c06, c07
    assert not pairs[("service_delivery", "initial_interaction")].allowed
    assert pairs[("initial_interaction", "follow_up")].count == 3  # c05, c06, c07
    assert pairs[("initial_interaction", "initial_interaction")].count == 2  # c08
    collapsed = ca.metrics.directly_follows(funnel_store, collapse=True)
    assert collapsed["count"].sum() == 25
    assert not (collapsed["source"] == collapsed["target"]).any()


@pytest.mark.parametrize(("by", "collapse"), [(None, False), ("channel", True)])
def test_directly_follows_sorted_median_is_the_exact_median(sample_db, by, collapse):
    """The out-of-core plan (medians read off a sort) gives the aggregate's exact values."""
    from cycleanalytics.metrics.conformance import directly_follows_expr

    keys = [*([by] if by else []), "code", "next_code"]
    with ca.Store(sample_db, read_only=True) as store:
        runs = [
            directly_follows_expr(store, by=by, collapse=collapse, sorted_median=plan)
            .execute()
            .sort_values(keys, ignore_index=True)
            for plan in (False, True)
        ]
    aggregate, sorted_plan = runs
    assert len(aggregate) > 10 and (aggregate["count"] % 2 == 0).any()  # even groups averaged
    assert sorted_plan["count"].tolist() == aggregate["count"].tolist()
    assert (
        sorted_plan["median"].astype(float).tolist() == aggregate["median"].astype(float).tolist()
    )


def test_directly_follows_sorts_when_the_median_state_outgrows_memory(funnel_store, monkeypatch):
    import importlib

    import duckdb

    conformance = importlib.import_module("cycleanalytics.metrics.conformance")  # not the function
    original, plans = conformance.directly_follows_expr, []

    def out_of_memory_unless_sorted(*args, sorted_median=False, **kwargs):
        plans.append(sorted_median)
        if not sorted_median:
            raise duckdb.OutOfMemoryException("could not allocate block (3.7 GiB/3.7 GiB used)")
        return original(*args, sorted_median=sorted_median, **kwargs)

    monkeypatch.setattr(conformance, "directly_follows_expr", out_of_memory_unless_sorted)
    dfg = ca.metrics.directly_follows(funnel_store)
    assert plans == [False, True]
    assert dfg.attrs["median_plan"] == "sort"
    pairs = {(r.source, r.target): r for r in dfg.itertuples()}
    assert pairs[("pre_interaction", "initial_interaction")].median_hours == pytest.approx(1)
    assert dfg["count"].sum() == 41 - 11


def test_variants_hand_counted(funnel_store):
    v = ca.metrics.variants(funnel_store, collapse=True)
    assert v["cases"].sum() == 11
    assert len(v) == 9
    top = v.iloc[0]
    assert top["variant"] == "pre_interaction > initial_interaction > service_delivery > follow_up"
    assert top["cases"] == 3  # c01 c08 c10
    assert top["share"] == pytest.approx(3 / 11)
    assert top["conforming"] and top["fitness"] == 1
    pif = v[v["variant"] == "pre_interaction > initial_interaction > follow_up"].iloc[0]
    assert pif["fitness"] == pytest.approx(6 / 7)
    assert len(ca.metrics.variants(funnel_store)) == 10  # c08's repeats make its own variant
    assert len(ca.metrics.variants(funnel_store, top=2)) == 2


def test_rules_hand_counted(funnel_store):
    rules = [
        starts_with("pre_interaction"),  # all but c09
        ends_with("follow_up"),  # c01 c05 c06 c07 c08 c09 c10
        precedence("initial_interaction", "service_delivery"),  # fails c07 only
        response("pre_interaction", "initial_interaction"),  # fails c04 only
    ]
    df = ca.metrics.conformance_rules(funnel_store, rules=rules)
    assert df["passing"].tolist() == [10, 7, 10, 10]
    assert set(df["cases"]) == {11}
    default = ca.metrics.conformance_rules(funnel_store)
    recovery = default[default["rule"] == "recovery_after_dissatisfaction()"].iloc[0]
    assert recovery["passing"] == 10  # c11 had a recovery and no earlier low score
    with pytest.raises(ca.ModelError, match="no stage"):
        ca.metrics.conformance_rules(funnel_store, rules=[starts_with("nowhere")])


def test_recovery_after_a_low_score_is_not_flagged():
    frame = _frame(
        [
            ("k1", 0, "pre_interaction", None),
            ("k1", 1, "initial_interaction", 2),  # csat 2: dissatisfied
            ("k1", 2, "service_recovery", None),
            ("k2", 0, "pre_interaction", None),
            ("k2", 1, "service_recovery", None),
            ("k2", 2, "follow_up", 1),  # the low score comes after the recovery
        ]
    )
    row = ca.metrics.conformance(ibis.memtable(frame)).iloc[0]
    assert (row["recovery_cases"], row["recovery_without_dissatisfaction"]) == (2, 1)


def test_case_deviations_lists_each_deviating_case(funnel_store):
    dev = ca.metrics.case_deviations(funnel_store)
    assert dev["case_id"].tolist() == ["c05", "c06", "c07", "c08", "c09", "c11"]
    c07 = dev.set_index("case_id").loc["c07"]
    assert (c07["n_skips"], c07["n_backward"]) == (2, 1)
    assert dev.set_index("case_id").loc["c09", "late_start"]


def test_compare_two_models_side_by_side(funnel_store):
    # A looser model that also allows I -> F: c05 then conforms (7 of 11) and two more
    # moves are allowed (c05's and c06's I -> F; c07's I -> F too: 21 of 25).
    base = default_model()
    data = base.to_dict()
    data["name"] = "follow-up may skip delivery"
    data["transitions"]["initial_interaction"] = ["service_delivery", "follow_up"]
    loose = CycleModel.from_dict(data)
    df = ca.metrics.model_comparison(funnel_store, models=[base, loose])
    assert df["model"].tolist() == [base.name, loose.name]
    assert df["conforming_cases"].tolist() == [6, 7]
    assert df["transitions_allowed"].tolist() == [18, 21]
    with pytest.raises(ca.MetricError, match="distinct names"):
        ca.metrics.model_comparison(funnel_store, models=[base, base])


def test_figures(funnel_store):
    dfg = ca.metrics.directly_follows(funnel_store)
    heat = ca.metrics.plot_directly_follows(dfg)
    assert heat.data[0].type == "heatmap"
    assert np.nansum(heat.data[0].z) == 30
    sankey = ca.metrics.plot_stage_flows(ca.metrics.directly_follows(funnel_store, collapse=True))
    assert sum(sankey.data[0].link.value) == 25
    bars = ca.metrics.plot_variants(ca.metrics.variants(funnel_store, collapse=True))
    assert sum(len(t.y) for t in bars.data) == 9
    assert ca.metrics.plot_conformance(ca.metrics.conformance(funnel_store)).data[0].type == "bar"


# -- properties ---------------------------------------------------------------------------

STAGES = [*default_model().order, None]


def _frame(rows: list[tuple[str, int, str | None, int | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "interaction_id": [f"e{i:04d}" for i in range(len(rows))],
            "case_id": [c for c, *_ in rows],
            "customer_id": [f"u{c}" for c, *_ in rows],
            "ts": [
                pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(minutes=m) for _, m, *_ in rows
            ],
            "stage": [s for _, _, s, _ in rows],
            "channel": "web",
            "csat": pd.array([x for *_, x in rows], dtype="Int64"),
            "nps": pd.array([None] * len(rows), dtype="Int64"),
        }
    )


events = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d"]),
        st.integers(0, 30),
        st.sampled_from(STAGES),
        st.one_of(st.none(), st.integers(1, 5)),
    ),
    min_size=1,
    max_size=40,
)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=events)
def test_invariants(rows):
    table = ibis.memtable(_frame(rows))
    frame = _frame(rows)
    mapped = frame[frame["stage"].notna()]
    cases_with_stage = mapped["case_id"].nunique()
    dfg = ca.metrics.directly_follows(table)
    assert dfg["count"].sum() == len(mapped) - cases_with_stage
    v = ca.metrics.variants(table)
    assert v["cases"].sum() == cases_with_stage
    conf = ca.metrics.conformance(table)
    shares = conf.filter(like="_share").to_numpy(dtype=float)
    shares = shares[~np.isnan(shares)]
    assert ((shares >= 0) & (shares <= 1)).all()
    row = conf.iloc[0]
    for name in ("conforming", "skipped", "backward", "repeats"):
        if row["cases"]:
            assert row[f"{name}_share_lo"] <= row[f"{name}_share"] <= row[f"{name}_share_hi"]
    assert 0 <= row["transition_fitness"] <= 1 or np.isnan(row["transition_fitness"])
    if cases_with_stage:
        assert 0 <= row["token_fitness"] <= 1


# -- pm4py as an oracle -------------------------------------------------------------------


def _check_against_pm4py(frame: pd.DataFrame, model: CycleModel) -> None:
    pm4py = pytest.importorskip("pm4py")
    mapped = frame[frame["stage"].notna()].sort_values(["case_id", "ts", "interaction_id"])
    log = pm4py.format_dataframe(
        mapped.reset_index(drop=True).copy(),
        case_id="case_id",
        activity_key="stage",
        timestamp_key="ts",
    )
    table = ibis.memtable(frame)
    # directly-follows counts
    dfg, _, _ = pm4py.discover_dfg(log)
    ours = ca.metrics.directly_follows(table, model=model)
    assert {(r.source, r.target): r.count for r in ours.itertuples()} == dict(dfg)
    # variants
    theirs = {tuple(k): v for k, v in pm4py.get_variants(log).items()}
    ours = ca.metrics.variants(table, model=model)
    assert {
        tuple(v.split(" > ")): n for v, n in zip(ours["variant"], ours["cases"], strict=True)
    } == theirs
    # token-replay fitness, log and mean per trace
    net, im, fm = pm4py_net(model_net(model))
    expected = pm4py.fitness_token_based_replay(log, net, im, fm)
    got = ca.metrics.conformance(table, model=model).iloc[0]
    assert got["token_fitness"] == pytest.approx(expected["log_fitness"], abs=1e-12)
    assert got["token_fitness_cases"] == pytest.approx(expected["average_trace_fitness"], abs=1e-12)
    # optimal alignments (A* on the synchronous product), log and mean per trace
    aligned = pm4py.fitness_alignments(log, net, im, fm)
    assert got["alignment_fitness"] == pytest.approx(aligned["log_fitness"], abs=1e-12)
    assert got["alignment_fitness_cases"] == pytest.approx(
        aligned["average_trace_fitness"], abs=1e-12
    )


@pytest.mark.slow
def test_pm4py_agrees_on_generated_data(tmp_path):
    info = ca.generate_sample(tmp_path, customers=300, months=3, seed=5)
    frame = pd.read_csv(info.files["interactions"])
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    for col in ("csat", "nps"):
        frame[col] = pd.array(frame[col], dtype="Int64")
    _check_against_pm4py(frame, default_model())


@pytest.mark.slow
def test_pm4py_agrees_on_the_helpdesk_log():
    if not HELPDESK.exists():
        pytest.skip(f"real helpdesk log not found at {HELPDESK}; set CYCLEANALYTICS_REAL_DATA")
    raw = pd.read_csv(HELPDESK)
    slug = {a: "_".join(a.lower().split()) for a in raw["activity"].unique()}
    main = ["assign_seriousness", "take_in_charge_ticket", "resolve_ticket", "closed"]
    others = sorted(set(slug.values()) - set(main))
    model = CycleModel.from_dict(
        {
            "name": "helpdesk",
            "order": [*main, *others],
            "stages": {s: {"conditional": True} for s in others},
            "transitions": {
                "assign_seriousness": ["take_in_charge_ticket"],
                "take_in_charge_ticket": ["resolve_ticket", "wait"],
                "wait": ["take_in_charge_ticket", "resolve_ticket"],
                "resolve_ticket": ["closed"],
            },
        }
    )
    ts = pd.to_datetime(raw["timestamp"], utc=True, format="ISO8601")
    frame = pd.DataFrame(
        {
            "interaction_id": [f"h{i:06d}" for i in range(len(raw))],
            "case_id": raw["case_id"],
            "customer_id": raw["case_id"],
            "ts": ts,
            "stage": raw["activity"].map(slug),
            "channel": "helpdesk",
            "csat": pd.array([None] * len(raw), dtype="Int64"),
            "nps": pd.array([None] * len(raw), dtype="Int64"),
        }
    )
    _check_against_pm4py(frame, model)


def test_late_start_and_open_end_are_deviations_of_their_own(funnel_store):
    # late start: c09 starts at I. Open end (last stage not F): c02 (D), c03 (I), c04 (P),
    # c11 (R).
    row = ca.metrics.conformance(funnel_store).iloc[0]
    assert row["late_start_cases"] == 1
    assert row["open_end_cases"] == 4
    assert row["late_start_share"] == pytest.approx(1 / 11)
    dev = ca.metrics.case_deviations(funnel_store, only_deviating=False).set_index("case_id")
    assert sorted(dev.index[dev["late_start"]]) == ["c09"]
    assert sorted(dev.index[dev["open_end"]]) == ["c02", "c03", "c04", "c11"]


def test_a_log_without_the_first_stage_starts_late_not_repeats(funnel_store):
    # Without pre-interaction (a service-desk log) every journey with a stage starts late;
    # that is the commonest deviation, not the repeats.
    t = funnel_store.table("interactions")
    no_pre = t.filter(t.stage != "pre_interaction")
    row = ca.metrics.conformance(no_pre).iloc[0]
    assert row["late_start_cases"] == row["cases"] == 10  # c04 had only pre-interaction
    assert row["late_start_share"] > row["repeats_share"]
    labels = [b.x for b in ca.metrics.plot_conformance(ca.metrics.conformance(no_pre)).data]
    assert "did not start at the first stage" in labels[0]


def test_the_report_sentence_names_the_late_start(funnel_store):
    from cycleanalytics.notebook import conformance_takeaway

    t = funnel_store.table("interactions")
    text = conformance_takeaway(ca.metrics.conformance(t.filter(t.stage != "pre_interaction")))
    assert text.endswith(
        "The commonest deviation is not starting at the model's first stage (100% of journeys)."
    )


# -- the measures of one sequence, counted once per variant (issue #15) -------------------------


def test_moves_and_flags_of_one_sequence_hand_counted():
    """c07 of the fixture, P D I F: P->D skips I, D->I goes back, I->F skips D (no allowed
    move); and c08's repeats, P P I I I D D F F: five repeats, three allowed moves."""
    model = default_model()
    c07 = ("pre_interaction", "service_delivery", "initial_interaction", "follow_up")
    assert sequence_moves(c07, model) == Moves(repeats=0, moves=3, allowed=0, skips=2, backward=1)
    assert deviation_flags(c07, model) == {
        "conforming": False,
        "skipped": True,
        "backward": True,
        "repeats": False,
        "late_start": False,
        "open_end": False,
    }
    p, i, d, f = c07[0], c07[2], c07[1], c07[3]
    c08 = (p, p, i, i, i, d, d, f, f)
    assert sequence_moves(c08, model) == Moves(repeats=5, moves=3, allowed=3, skips=0, backward=0)
    assert deviation_flags(c08, model)["conforming"]
    # a case without a mapped event neither conforms nor deviates
    assert not any(deviation_flags((), model).values())
    # one event of a later stage: starts late and ends open, no move at all
    assert deviation_flags((d,), model) == {
        "conforming": False,
        "skipped": False,
        "backward": False,
        "repeats": False,
        "late_start": True,
        "open_end": True,
    }


def test_case_deviations_count_no_repeat_for_a_one_event_case(funnel_store):
    """c04 has one mapped event (P): no pair, so 0 repeats (an integer, like the skips)."""
    dev = ca.metrics.case_deviations(funnel_store, only_deviating=False)
    c04 = dev.set_index("case_id").loc["c04"]
    assert (c04["n_repeats"], c04["n_skips"], c04["n_backward"]) == (0, 0, 0)
    assert dev["n_repeats"].dtype == "int64"


@settings(max_examples=200, deadline=None)
@given(
    traces=st.lists(
        st.lists(st.sampled_from([*default_model().order, "not a stage"]), max_size=9),
        min_size=1,
        max_size=30,
    )
)
def test_replay_on_a_net_that_has_replayed_other_traces_is_unchanged(traces):
    """Replay keeps each (marking, label) step on the net: a warm net must give every trace
    the counts a fresh net gives it."""
    warm = model_net(default_model())
    for trace in traces:
        fresh = replay(model_net(default_model()), trace)
        assert replay(warm, trace) == fresh


def test_case_codes_counts_and_orders_in_one_pass(funnel_store):
    """tests/data/funnel_cases.csv by hand: c11 has four events, three with a stage (Wait has
    none), P and I at the same instant in file order, then R: codes 1, 2, 5; c08 has nine, all
    mapped."""
    events = funnel_store.table("interactions")
    df = case_codes(events, default_model()).execute().set_index("case_id")
    assert (df.loc["c11", "events"], df.loc["c11", "mapped"]) == (4, 3)
    assert list(df.loc["c11", "variant"]) == [1, 2, 5]
    assert list(df.loc["c08", "variant"]) == [1, 1, 2, 2, 2, 3, 3, 4, 4]
    assert len(df) == 11
