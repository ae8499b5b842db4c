"""Optimal alignments (metrics/_alignment.py): hand-computed costs, invariants, pm4py as oracle.

Costs follow pm4py's standard cost function: a synchronous move costs 0, a log move or a model
move on a visible transition 10,000, a model move on an invisible transition 1. In the default
model's net, the cheapest complete run is tau:start, pre_interaction, tau, initial_interaction,
tau, service_delivery, tau, follow_up, tau:end: four visible and five invisible transitions, so
the best worst cost is 40,005.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import pm4py_net
from hypothesis import given, settings
from hypothesis import strategies as st

import cycleanalytics as ca
from cycleanalytics.metrics._alignment import (
    MOVE_COST,
    align,
    align_variants,
    alignment_costs,
    best_worst_cost,
)
from cycleanalytics.metrics._replay import model_net
from cycleanalytics.model import default_model

NET = model_net(default_model())
P, I, D, F, R = (  # noqa: E741 - the stages' initials, as in the docs
    "pre_interaction",
    "initial_interaction",
    "service_delivery",
    "follow_up",
    "service_recovery",
)


def test_best_worst_cost_is_the_cheapest_complete_run():
    assert best_worst_cost(NET) == 4 * MOVE_COST + 5


@pytest.mark.parametrize(
    ("trace", "cost", "fitness"),
    [
        # the model's own run: synchronous moves and the five invisible ones between them
        ([P, I, D, F], 5, 1.0),
        # a skipped pre-interaction: one model move; 1 - 1/(3 + 4)
        ([I, D, F], MOVE_COST + 5, 1 - 1 / 7),
        # ends early (follow-up is required): one model move; 1 - 1/(3 + 4)
        ([P, I, D], MOVE_COST + 5, 1 - 1 / 7),
        # a repeated stage: the model allows repeats, one more invisible move
        ([P, I, I, D, F], 6, 1.0),
        # an event the model does not know: one log move; 1 - 1/(5 + 4)
        ([P, I, "unknown", D, F], MOVE_COST + 5, 1 - 1 / 9),
        # nothing recorded: all model moves, 1 - 4/4
        ([], 4 * MOVE_COST + 5, 0.0),
    ],
)
def test_hand_computed_alignments(trace, cost, fitness):
    result = align(NET, trace)
    assert result.cost == cost
    assert result.bwc == MOVE_COST * len(trace) + 4 * MOVE_COST + 5
    assert result.fitness == pytest.approx(fitness, abs=1e-12)


def test_moves_rebuild_the_trace_and_a_complete_run():
    result = align(NET, [I, D, F])
    log_side = [e for e, _ in result.moves if e != ">>"]
    model_side = [m for _, m in result.moves if m not in (">>", None)]
    assert log_side == [I, D, F]
    assert model_side == [P, I, D, F]  # pre-interaction is the one model move
    assert (">>", P) in result.moves


def test_log_fitness_weights_variants_by_cases():
    log = align_variants(NET, [([P, I, D, F], 3), ([I, D, F], 1)])
    cost = 3 * 5 + (MOVE_COST + 5)
    bwc = 3 * (4 * MOVE_COST + 4 * MOVE_COST + 5) + (3 * MOVE_COST + 4 * MOVE_COST + 5)
    assert log.fitness == pytest.approx(1 - cost / bwc, abs=1e-15)
    assert log.average_trace_fitness == pytest.approx((3 * 1.0 + (1 - 1 / 7)) / 4)
    assert log.fitting_share == 0.75


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([P, I, D, F, R, "other"]), max_size=8))
def test_invariants(trace):
    result = align(NET, trace)
    assert 0.0 <= result.fitness <= 1.0
    # never worse than throwing every event away and running the model on its own
    assert result.cost <= result.bwc
    # an unknown event can only be a log move: it adds exactly one deviation
    longer = align(NET, [*trace, "other"])
    assert longer.deviations == result.deviations + 1
    # the moves' costs add up to the cost
    moves = result.moves
    visible = sum(1 for e, m in moves if (e == ">>") != (m == ">>") and m is not None)
    taus = sum(1 for _, m in moves if m is None)
    assert result.cost == MOVE_COST * visible + taus


def test_pm4py_agrees_on_generated_variants(tmp_path):
    pm4py = pytest.importorskip("pm4py")

    info = ca.generate_sample(tmp_path, customers=300, months=3, seed=5)
    with ca.Store() as store:
        ca.load(store, info.files["interactions"], kind="interactions")
        variants = ca.metrics.variants(store)
    traces = [
        (v.split(" > "), n) for v, n in zip(variants["variant"], variants["cases"], strict=True)
    ]
    ours = align_variants(NET, traces)

    net, initial, final = pm4py_net(NET)
    # one case per variant, named so that pm4py's case order is the variants' order
    rows = [
        {
            "case": f"v{k:05d}",
            "activity": a,
            "ts": pd.Timestamp("2026-01-01") + pd.Timedelta(j, "s"),
        }
        for k, (trace, _) in enumerate(traces)
        for j, a in enumerate(trace)
    ]
    theirs = pm4py.conformance_diagnostics_alignments(
        pd.DataFrame(rows),
        net,
        initial,
        final,
        case_id_key="case",
        activity_key="activity",
        timestamp_key="ts",
    )
    assert [(a.cost, a.bwc) for a in ours.per_variant] == [(t["cost"], t["bwc"]) for t in theirs]
    assert [a.fitness for a in ours.per_variant] == pytest.approx([t["fitness"] for t in theirs])
    cost = sum(t["cost"] * n for t, (_, n) in zip(theirs, traces, strict=True))
    bwc = sum(t["bwc"] * n for t, (_, n) in zip(theirs, traces, strict=True))
    assert ours.fitness == pytest.approx(1 - cost / bwc, abs=1e-12)


@pytest.mark.parametrize(
    ("trace", "cost"),
    [
        ((P, I, D, F), 5),  # no deviation: five invisible transitions
        ((), 4 * MOVE_COST + 5),  # the best worst cost
        ((I, D, F), MOVE_COST + 5),  # one model move: pre_interaction
        ((P, "other", I, D, F), MOVE_COST + 5),  # one log move: the unknown label
    ],
)
def test_alignment_costs_hand_computed(trace, cost):
    """Costs of the dynamic programme, by hand: a fitting run of P I D F takes five invisible
    transitions (start, three between stages, end), 5; each deviation adds 10,000."""
    assert alignment_costs(NET, [trace]) == [cost]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from([P, I, D, F, R, "other"]), max_size=10), max_size=20))
def test_alignment_costs_equal_the_search(traces):
    """The dynamic programme (conformance's, once per variant) and the search of align() find
    the same optimal cost for every trace, whatever was aligned before on the same table."""
    assert alignment_costs(NET, traces) == [align(NET, trace).cost for trace in traces]
